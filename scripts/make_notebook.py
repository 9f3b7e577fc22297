"""Write notebooks/01_quickstart.ipynb (outputs stripped). Run: python scripts/make_notebook.py"""

from pathlib import Path

import nbformat as nbf

ROOT = Path(__file__).resolve().parent.parent
cells = [
    nbf.v4.new_markdown_cell(
        "# petition-nlp quick start\n\n"
        "Classify a survey export, read the summary, shortlist 15 questions for a dialogue session, "
        "then retrain with a few extra labelled rows and compare. Only the public API is used."
    ),
    nbf.v4.new_code_cell(
        "from pathlib import Path\n\n"
        "import pandas as pd\n\n"
        "from petition_nlp import PetitionClassifier, category_summary, evaluate_file, load_labeled, read_table, shortlist\n\n"
        "ROOT = Path.cwd() if (Path.cwd() / 'data').exists() else Path.cwd().parent\n"
        "model = PetitionClassifier.load()  # the default model in models/default (verified against its manifest)\n"
        "model.manifest_['labels']"
    ),
    nbf.v4.new_markdown_cell("## Classify the sample survey"),
    nbf.v4.new_code_cell(
        "survey, info = read_table(ROOT / 'data' / 'raw' / 'sample_survey.xlsx')\n"
        "result = model.classify(survey, text_column='Nội dung kiến nghị')\n"
        "assert len(result) == len(survey)\n"
        "result[['Đơn vị', 'Nội dung kiến nghị', 'category', 'confidence', 'needs_review']].head()"
    ),
    nbf.v4.new_code_cell("category_summary(result)"),
    nbf.v4.new_markdown_cell("## Shortlist 15 representative questions"),
    nbf.v4.new_code_cell(
        "chosen = shortlist(survey, n=15, text_column='Nội dung kiến nghị', model=model)\n"
        "chosen[['rank', 'category', 'represents', 'units', 'Nội dung kiến nghị']]"
    ),
    nbf.v4.new_markdown_cell(
        "## Retrain with a few extra labelled rows\n\n"
        "Federation staff correct labels and add petitions in their own wording; here we add a handful and compare "
        "the two models on the sealed test split."
    ),
    nbf.v4.new_code_cell(
        "train = load_labeled([ROOT / 'data' / 'labeled' / 'petitions.csv'])\n"
        "extra = pd.DataFrame({\n"
        "    'text': [\n"
        "        'Đề nghị tỉnh bố trí quỹ đất xây nhà ở xã hội ngay cạnh khu công nghiệp mới',\n"
        "        'Xin hỏi công nhân thuê trọ có được hỗ trợ tiền điện theo giá sinh hoạt không ạ',\n"
        "        'Công ty chậm đóng bảo hiểm nên em đi khám không dùng được thẻ BHYT',\n"
        "        'Mong được học lớp vận hành máy CNC do công đoàn hỗ trợ học phí',\n"
        "    ],\n"
        "    'label': ['housing', 'housing', 'social_insurance', 'skills_training'],\n"
        "})\n"
        "retrained = PetitionClassifier(review_threshold=model.review_threshold_).fit(\n"
        "    train.texts + extra['text'].tolist(), train.labels + extra['label'].tolist())\n"
        "test_file = ROOT / 'data' / 'labeled' / 'test.csv'\n"
        "before = evaluate_file(test_file, model=model)\n"
        "after = evaluate_file(test_file, model=retrained)\n"
        "pd.DataFrame({'default': [before['accuracy'], before['macro_f1']], 'retrained': [after['accuracy'], after['macro_f1']]},\n"
        "             index=['accuracy', 'macro_f1'])"
    ),
]
nb = nbf.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
out = ROOT / "notebooks" / "01_quickstart.ipynb"
out.parent.mkdir(exist_ok=True)
nbf.write(nb, out)
print(f"wrote {out}")
