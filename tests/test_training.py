"""The retraining loop: train, new codes, validation report, promotion, suggest and check-labels."""

import json

import numpy as np
import pytest
import pandas as pd

from conftest import FIXTURES, ROOT, run_cli
from petition_nlp import PetitionClassifier
from petition_nlp.grouping.active import find_label_issues, suggest_for_labelling
from petition_nlp.grouping.shortlist import NEAR_DUPLICATE_SIMILARITY, petition_vectors
from petition_nlp.model.features import preprocess
from petition_nlp.model.training import load_labeled, promote_if_better

NEW_CODE_ROWS = [
    "Đề nghị công ty bố trí phòng vắt sữa cho lao động nữ đang nuôi con nhỏ",
    "Chị em công nhân nữ cần phòng vắt trữ sữa sạch sẽ tại nhà máy",
    "Mong có chỗ vắt sữa và tủ lạnh trữ sữa cho mẹ bỉm sữa ở xưởng",
    "Xin hỏi doanh nghiệp có phải bố trí phòng vắt sữa cho lao động nữ không",
    "Phong vat sua cho cong nhan nu dang nuoi con duoi 12 thang",
    "Kiến nghị lắp đặt phòng vắt sữa đạt chuẩn tại các nhà máy trong KCN",
    "Lao động nữ nuôi con nhỏ mong được bố trí phòng vắt sữa riêng",
    "Đề nghị LĐLĐ giám sát việc bố trí phòng vắt sữa cho nữ CNLĐ",
]


def test_fit_is_deterministic(small_training) -> None:
    a = PetitionClassifier(review_threshold=0.5).fit(small_training["text"], small_training["label"])
    b = PetitionClassifier(review_threshold=0.5).fit(small_training["text"], small_training["label"])
    texts = ["Đề nghị xây nhà ở xã hội", "cong ty no bhxh"]
    assert np.allclose(a.predict_proba(texts).to_numpy(), b.predict_proba(texts).to_numpy())


def test_constructor_arguments_are_stored_unchanged() -> None:
    clf = PetitionClassifier(C=2.0, word_ngram_range=(1, 3))
    assert clf.get_params()["C"] == 2.0 and clf.get_params()["word_ngram_range"] == (1, 3)


def test_review_threshold_is_chosen_by_cross_validation(small_training) -> None:
    clf = PetitionClassifier(cv=3).fit(small_training["text"], small_training["label"])
    assert 0.3 <= clf.review_threshold_ <= 1.0
    assert clf.cv_report_["folds"] == 3
    assert set(clf.cv_report_["per_class_f1"]) == set(small_training["label"])


def test_retraining_with_a_new_code_end_to_end(tmp_path, small_training) -> None:
    base = tmp_path / "base.csv"
    small_training[["text", "label"]].to_csv(base, index=False)
    extra = tmp_path / "extra.csv"
    pd.DataFrame({"noi_dung": NEW_CODE_ROWS, "nhãn": ["lactation_room"] * len(NEW_CODE_ROWS)}).to_csv(extra, index=False)
    out = tmp_path / "model"
    result = run_cli("train", base, extra, "--only", "--output", out)
    assert result.exit_code == 0, result.output
    assert "new codes not in the taxonomy: lactation_room" in result.stderr
    assert "cross-validated macro-F1" in result.stdout
    assert "term weighting chosen by cross-validation: IDF on" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "lactation_room" in manifest["labels"]
    assert manifest["training_data"]["rows"] == len(small_training) + len(NEW_CODE_ROWS)
    probe = tmp_path / "probe.txt"
    probe.write_text("Công ty chưa có phòng vắt sữa cho lao động nữ nuôi con nhỏ\n", encoding="utf-8")
    result = run_cli("classify", probe, "--model", out, "-o", tmp_path / "probe.csv")
    assert result.exit_code == 0
    row = pd.read_csv(tmp_path / "probe.csv", encoding="utf-8-sig").iloc[0]
    assert row["category"] == "lactation_room" and row["category_name"] == "lactation_room"


def test_validation_reports_conflicts_duplicates_and_empties(tmp_path) -> None:
    file = tmp_path / "labels.csv"
    pd.DataFrame(
        {
            "text": ["Đề nghị xây nhà ở xã hội", "đề nghị xây nhà ở xã hội!", "Công ty nợ BHXH", "Công ty nợ BHXH", "", "Khu trọ mất trộm"],
            "label": ["housing", "security", "social_insurance", "social_insurance", "housing", "security"],
        }
    ).to_csv(file, index=False)
    data = load_labeled([file])
    assert data.report["conflicting_texts"] == 1
    assert data.report["conflicts"][0]["labels"] == ["housing", "security"]
    assert data.report["duplicates_dropped"] == 1
    assert data.report["skipped_empty"] == 1
    assert data.texts == ["Công ty nợ BHXH", "Khu trọ mất trộm"]


def test_conflicting_labels_are_reported_by_train(tmp_path, small_training) -> None:
    file = tmp_path / "labels.csv"
    rows = small_training[["text", "label"]].copy()
    rows.loc[len(rows)] = [rows.iloc[0]["text"], "other" if rows.iloc[0]["label"] != "other" else "housing"]
    rows.to_csv(file, index=False)
    result = run_cli("train", file, "--only", "--output", tmp_path / "m")
    assert result.exit_code == 0
    assert "1 texts with conflicting labels left out" in result.stderr
    assert "conflicting labels" in result.stderr


def test_worse_model_is_refused_and_force_overrides(tmp_path, small_training, corpus) -> None:
    root = tmp_path / "models"
    good = PetitionClassifier(review_threshold=0.5).fit(small_training["text"], small_training["label"])
    good.save(tmp_path / "good")
    shuffled = small_training["label"].sample(frac=1, random_state=1).to_numpy()
    bad = PetitionClassifier(review_threshold=0.5).fit(small_training["text"], shuffled)
    bad.save(tmp_path / "bad")
    test = tmp_path / "test.csv"
    corpus.drop(small_training.index, errors="ignore").groupby("label").head(15)[["text", "label"]].to_csv(test, index=False)
    assert promote_if_better(tmp_path / "good", test_file=test, root=root)["promoted"]
    refused = promote_if_better(tmp_path / "bad", test_file=test, root=root)
    assert not refused["promoted"] and "worse than the default" in refused["reason"]
    assert not (root / "previous").exists()
    forced = promote_if_better(tmp_path / "bad", test_file=test, root=root, force=True)
    assert forced["promoted"] and (root / "previous").exists()


def test_a_model_flagging_most_rows_for_review_is_not_promoted(tmp_path, small_training, corpus) -> None:
    """As good on macro-F1, but with a review threshold near 1 (what two disagreeing corrections
    once caused): it would send nearly every petition to an officer, so --promote refuses it."""
    root = tmp_path / "models"
    PetitionClassifier(review_threshold=0.5).fit(small_training["text"], small_training["label"]).save(tmp_path / "good")
    PetitionClassifier(review_threshold=0.999).fit(small_training["text"], small_training["label"]).save(tmp_path / "wary")
    test = tmp_path / "test.csv"
    corpus.drop(small_training.index, errors="ignore").groupby("label").head(15)[["text", "label"]].to_csv(test, index=False)
    assert promote_if_better(tmp_path / "good", test_file=test, root=root)["promoted"]
    refused = promote_if_better(tmp_path / "wary", test_file=test, root=root)
    assert not refused["promoted"] and "for review against the default's" in refused["reason"]
    assert promote_if_better(tmp_path / "wary", test_file=test, root=root, force=True)["promoted"]


def test_rollback_command(tmp_path, small_model, monkeypatch) -> None:
    monkeypatch.setenv("PETITION_NLP_MODELS", str(tmp_path))
    result = run_cli("rollback")
    assert result.exit_code == 2 and "no previous default model" in result.stderr
    from petition_nlp.model.modelstore import promote_model

    small_model.save(tmp_path / "a")
    small_model.save(tmp_path / "b", metadata={"note": "b"})
    promote_model(tmp_path / "a")
    promote_model(tmp_path / "b")
    assert run_cli("rollback").exit_code == 0
    assert "note" not in json.loads((tmp_path / "default" / "manifest.json").read_text())


def test_suggest_returns_no_near_duplicates(small_model, corpus) -> None:
    pool = corpus.sample(300, random_state=3)[["id", "text"]].reset_index(drop=True)
    dup = pool.iloc[:20].copy()
    dup["text"] = dup["text"] + " ạ"
    pool = pd.concat([pool, dup], ignore_index=True)
    picked = suggest_for_labelling(pool, 30, model=small_model, text_column="text")
    assert len(picked) == 30 and "suggested_category" in picked and (picked["label"] == "").all()
    vectors = petition_vectors(preprocess(picked["text"].tolist()))
    sim = (vectors @ vectors.T).toarray()
    np.fill_diagonal(sim, 0)
    assert sim.max() < NEAR_DUPLICATE_SIMILARITY
    margins = picked["uncertainty"].to_numpy()
    assert margins.mean() > 0.3  # the uncertain ones, not random picks


def test_check_labels_finds_flipped_labels() -> None:
    data = pd.read_csv(FIXTURES / "flipped_labels.csv", dtype=str, keep_default_na=False)
    found = find_label_issues(data["text"], data["label"])
    flagged = found["label_issue"].to_numpy()
    flipped = (data["label"] != data["true_label"]).to_numpy()
    precision = (flagged & flipped).sum() / max(1, flagged.sum())
    recall = (flagged & flipped).sum() / flipped.sum()
    assert recall >= 0.7 and precision >= 0.6, (precision, recall)
    hits = found[flagged & flipped]
    assert (hits["suggested_label"].to_numpy() == data.loc[hits.index, "true_label"].to_numpy()).mean() >= 0.8


def test_load_labeled_keeps_label_2_and_provenance_groups(tmp_path) -> None:
    path = tmp_path / "genres.csv"
    pd.DataFrame({
        "text": ["Đề nghị xây nhà ở xã hội và mở lớp nghề", "Cử tri đề nghị nạo vét kênh thoát lũ", "Học nghề miễn phí"],
        "label": ["housing", "other", "skills_training"],
        "label_2": ["skills_training", "", "skills_training"],
        "genre": ["voter_petition", "voter_petition", ""],
        "style": ["formal", "formal", "short"],
    }).to_csv(path, index=False)
    data = load_labeled([path])
    assert data.labels_2 == ["skills_training", "", ""]  # a label_2 equal to the label is no second topic
    assert data.groups == ["genre:voter_petition", "genre:voter_petition", "style:short"]
    assert data.report["rows_with_label_2"] == 1


def test_training_uses_every_petitions_file_and_grouped_cv(corpus) -> None:
    from petition_nlp.model.training import default_training_files, provenance_group

    files = default_training_files()
    assert files[0].name == "petitions.csv" and all(f.name.startswith("petitions") for f in files)
    assert provenance_group({"writer": "writer-housing", "style": "formal"}, "x.csv") == "style:formal"
    assert provenance_group({}, "dir/x.csv") == "file:x.csv"


def test_train_without_usable_groups_falls_back_to_row_folds(tmp_path, small_training) -> None:
    base = tmp_path / "base.csv"
    small_training[["text", "label"]].to_csv(base, index=False)  # no genre/style/writer: one group
    result = run_cli("train", base, "--only", "--output", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "random row folds: provenance groups unusable" in result.stderr
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["metrics"]["cross_validation"]["grouping"] == "rows"


def test_evaluate_json_has_risk_coverage(tmp_path, small_model) -> None:
    from petition_nlp.model.training import evaluate_model

    rows = pd.read_csv(FIXTURES.parent.parent / "data" / "labeled" / "test.csv", dtype=str).head(60)
    metrics = evaluate_model(small_model, rows["text"].tolist(), rows["label"].tolist())
    table = metrics["risk_coverage"]
    assert [r["review_share"] for r in table] == [0.0, 0.1, 0.2, 0.3]
    assert table[0]["accuracy_not_reviewed"] == pytest.approx(metrics["accuracy"])
    accs = [r["accuracy_not_reviewed"] for r in table]
    assert accs[-1] >= accs[0] - 1e-9
    assert {"rate", "errors_flagged_or_second_right"} <= set(metrics["second_topic"])


# ------------------------------------------------------------------ learning from a classified workbook (issue 17 item 4)
def _edit_workbook(path, edits):
    """Edit the first sheet of a classify workbook as an officer would: ``edits`` maps a data row
    (0-based) to {header: value}."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    ws = book.worksheets[0]
    headers = [c.value for c in ws[1]]
    for row, cells in edits.items():
        for header, value in cells.items():
            ws.cell(row=row + 2, column=headers.index(header) + 1, value=value)
    book.save(path)


def test_train_on_corrected_workbook_uses_only_officer_rows_and_promote_refuses_new_code(tmp_path, small_training) -> None:
    from petition_nlp.resources import category_name

    workbook = tmp_path / "ket-qua.xlsx"
    result = run_cli("classify", ROOT / "data" / "raw" / "sample_survey.xlsx", "-o", workbook)
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(workbook, sheet_name=0, dtype=str).fillna("")
    assert {"Đã kiểm tra", "Mã chủ đề của máy"} <= set(frame.columns) and len(frame) == 145
    assert (frame["Đã kiểm tra"] == "").all()
    codes, texts = frame["Mã chủ đề"], frame["Nội dung kiến nghị"]
    pay = [i for i in range(len(frame)) if codes[i] == "other" and any(w in texts[i].lower() for w in ("lương", "thưởng"))][:7]
    assert len(pay) == 7
    fix_code = next(i for i in range(len(frame)) if codes[i] == "skills_training")
    fix_name = next(i for i in range(len(frame)) if codes[i] == "party_building")
    fix_both = next(i for i in range(len(frame)) if codes[i] == "security")
    edits = {i: {"Mã chủ đề": "wages"} for i in pay}
    edits[fix_code] = {"Mã chủ đề": "other"}                                  # fixed in the code column
    edits[fix_name] = {"Chủ đề": category_name("security").upper()}          # fixed in the readable name column only
    edits[fix_both] = {"Mã chủ đề": "housing", "Chủ đề": category_name("housing")}  # both columns, agreeing
    _edit_workbook(workbook, edits)

    base = tmp_path / "base.csv"
    small_training[["text", "label"]].to_csv(base, index=False)
    test = tmp_path / "test.csv"
    small_training.groupby("label").head(5)[["text", "label"]].to_csv(test, index=False)
    models = tmp_path / "models"
    out = models / "candidate"
    result = run_cli("train", base, workbook, "--only", "--output", out, "--promote", "--test", test, "--models-dir", models)
    assert "10 rows used as labels (10 changed by an officer, 0 ticked 'Đã kiểm tra' unchanged); 135 unchecked rows left out" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["training_data"]["label_counts"]
    assert counts["wages"] == 7
    assert manifest["training_data"]["rows"] == len(small_training) + 10
    for code in ("housing", "security", "other"):  # each fix counted under its new code
        assert counts[code] == (small_training["label"] == code).sum() + 1
    # the new code is refused by --promote, saying how many more examples it needs
    assert result.exit_code == 1
    assert "not promoted: codes not ready: " in result.stderr and "wages: 7 examples, 18 more needed (minimum 25)" in result.stderr
    assert "suggest FILE --category wages" in result.stderr
    assert not (models / "default").exists()


def test_classified_labels_reviewed_changed_conflicts_and_old_workbooks() -> None:
    from petition_nlp.model.training import classified_labels
    from petition_nlp.resources import category_name

    frame = pd.DataFrame({
        "Nội dung kiến nghị": [
            "Đề nghị xây nhà ở xã hội cho công nhân", "Công ty nợ bảo hiểm xã hội", "Mở lớp học nghề hàn",
            "Tăng lương tối thiểu vùng", "Phòng chống ma túy ở khu trọ", "Kết nạp Đảng cho công nhân",
        ],
        "Mã chủ đề": ["housing", "social_insurance", "housing", "other", "security", "party_building"],
        "Chủ đề": [category_name("housing"), category_name("social_insurance"), category_name("skills_training"),
                   "Tiền lương", category_name("security"), category_name("party_building")],
        "Đã kiểm tra": ["x", "", "", "", "", "Có"],
        "Độ tin cậy": ["0.9"] * 6,
        "Mã chủ đề của máy": ["housing", "social_insurance", "skills_training", "other", "housing", "party_building"],
    })
    # row 3: code changed to housing AND name changed to … skills_training is the model's own: the code edit wins
    # row 5: name changed to an unknown topic, code untouched: reported, left out
    # row 5 (security): code changed, name left: the code edit
    keep, labels, report = classified_labels(frame, "Nội dung kiến nghị", "f.xlsx")
    assert keep == [0, 2, 4, 5] and labels == ["housing", "housing", "security", "party_building"]
    assert report["changed"] == 2 and report["reviewed"] == 2 and report["unchecked_left_out"] == 1
    assert [u["row"] for u in report["unknown_names"]] == [5]
    conflict = frame.copy()
    conflict.loc[2, "Chủ đề"] = category_name("security")  # code says housing, name says security: not guessed
    keep, labels, report = classified_labels(conflict, "Nội dung kiến nghị", "f.xlsx")
    assert 2 not in keep and report["conflicts"][0]["code"] == "housing" and report["conflicts"][0]["row"] == 4
    with pytest.raises(Exception, match="older petition-nlp"):
        classified_labels(frame.drop(columns=["Đã kiểm tra", "Mã chủ đề của máy"]), "Nội dung kiến nghị", "old.xlsx")


def test_corrections_outweigh_contradicted_training_rows(tmp_path) -> None:
    base = tmp_path / "base.csv"
    pd.DataFrame({"text": ["Công ty chậm trả lương ba tháng", "Đề nghị xây nhà ở xã hội"], "label": ["other", "housing"]}).to_csv(base, index=False)
    fix = tmp_path / "fix.csv"
    pd.DataFrame({"text": ["Công ty chậm trả lương ba tháng"], "label": ["wages"]}).to_csv(fix, index=False)
    plain = load_labeled([base, fix])
    assert plain.report["conflicting_texts"] == 1 and "Công ty chậm trả lương ba tháng" not in plain.texts
    preferred = load_labeled([base, fix], priority=[fix])
    assert preferred.report["overridden_by_corrections"] == 1
    assert dict(zip(preferred.texts, preferred.labels))["Công ty chậm trả lương ba tháng"] == "wages"


def test_suggest_targets_one_code(small_model, corpus, tmp_path) -> None:
    pay = ["Đề nghị tăng lương cơ bản cho công nhân", "Công ty chậm trả lương hai tháng liền",
           "Mong công ty công bố mức thưởng Tết sớm", "Lương tối thiểu vùng thấp, không đủ sống"]
    rest = corpus.groupby("label").head(8)["text"].tolist()
    frame = pd.DataFrame({"text": pay + rest, "label": ["wages", "wages", "", ""] + [""] * len(rest)})
    picked = suggest_for_labelling(frame, 2, model=small_model, text_column="text", category="wages")
    assert "Đề nghị tăng lương cơ bản cho công nhân" not in picked["text"].tolist()  # already labelled
    assert len(picked) == 2 and all(("lương" in t.lower() or "thưởng" in t.lower()) for t in picked["text"])  # pay rows first
    assert (picked["score"].diff().dropna() <= 0).all()
    known = suggest_for_labelling(frame, 5, model=small_model, text_column="text", category="housing")
    assert (known["suggested_category"] == "housing").all() and (known["score"].diff().dropna() <= 0).all()
    path = tmp_path / "x.csv"
    frame.assign(label="").to_csv(path, index=False)
    result = run_cli("suggest", path, "--category", "wages", "--text-column", "text")
    assert result.exit_code == 2 and "does not know 'wages'" in result.stderr and "Traceback" not in result.output


def test_train_model_store_takes_an_open_workspace_not_a_folder(tmp_path) -> None:
    """train_model(store=...) gets the open store (the CLI's --store opens it): a folder given
    instead is one clear line naming what to pass, before any training starts."""
    from petition_nlp.files.io import InputError
    from petition_nlp.model.training import train_model

    with pytest.raises(InputError, match=r"open workspace, not a folder: petition_nlp\.store\.open_workspace"):
        train_model([], only=True, store=tmp_path)
    assert not (tmp_path / "workspace.sqlite3").exists()


def test_suggest_never_offers_a_line_that_is_not_a_petition(small_model) -> None:
    """A totals line or a place-and-date line is `not_a_petition` in classify; suggest must not ask
    an officer to give it a topic."""
    furniture = ["Tổng cộng: 10 ý kiến", "Bình An, ngày 15 tháng 11 năm 2026"]
    petitions = [
        "Đề nghị công ty tăng tiền ăn ca cho công nhân làm ca đêm",
        "Đề nghị xây nhà ở xã hội cho công nhân thuê gần khu công nghiệp",
        "Công ty nợ đóng bảo hiểm xã hội sáu tháng chưa trả sổ",
    ]
    picked = suggest_for_labelling(pd.DataFrame({"text": furniture + petitions}), 5, model=small_model, text_column="text")
    assert set(picked["text"]) <= set(petitions) and len(picked) == 3


def test_corrections_made_on_a_topic_sheet_of_the_classify_workbook_are_used(tmp_path) -> None:
    """The workbook classify writes has a sheet per topic with the same editable columns; an
    officer who ticks or corrects rows there is heard as on the main sheet."""
    from openpyxl import load_workbook

    from petition_nlp.model.training import load_labeled

    workbook = tmp_path / "ket-qua.xlsx"
    assert run_cli("classify", ROOT / "data" / "raw" / "sample_survey.xlsx", "-o", workbook).exit_code == 0
    book = load_workbook(workbook)
    main = book.worksheets[0]
    topic = next(ws for ws in book.worksheets[1:] if [c.value for c in ws[1]] == [c.value for c in main[1]])
    headers = [c.value for c in topic[1]]
    code, ticked = headers.index("Mã chủ đề") + 1, headers.index("Đã kiểm tra") + 1
    texts = [topic.cell(row=r, column=headers.index("Nội dung kiến nghị") + 1).value for r in (2, 3)]
    topic.cell(row=2, column=code, value="wages")
    topic.cell(row=3, column=ticked, value="x")
    book.save(workbook)
    data = load_labeled([workbook])
    used = dict(zip(data.texts, data.labels))
    assert used.get(texts[0]) == "wages" and texts[1] in used
    assert len(data.texts) == 2  # the main sheet's untouched rows are still left out


def test_train_sheet_reads_only_that_sheet_of_the_given_workbooks(tmp_path, small_training) -> None:
    book = tmp_path / "labels.xlsx"
    rows = small_training[["text", "label"]]
    draft = pd.DataFrame({"text": NEW_CODE_ROWS, "label": "lactation_room"})  # not checked yet
    with pd.ExcelWriter(book) as writer:
        rows.to_excel(writer, sheet_name="Đã kiểm tra", index=False)
        draft.to_excel(writer, sheet_name="Nháp", index=False)
    both = run_cli("train", book, "--only", "--output", tmp_path / "both")
    assert both.exit_code == 0 and f"rows used {len(rows) + len(draft)} of" in both.stderr
    assert "lactation_room" in both.stdout
    one = run_cli("train", book, "--only", "--sheet", "Đã kiểm tra", "--output", tmp_path / "one")
    assert one.exit_code == 0, one.stderr
    assert f"rows used {len(rows)} of {len(rows)}" in one.stderr and "lactation_room" not in one.stdout
    no_file = run_cli("train", "--sheet", "Nháp", "--output", tmp_path / "none")
    assert no_file.exit_code == 2 and "no file was given" in no_file.stderr
    csv = tmp_path / "labels.csv"
    rows.to_csv(csv, index=False)
    not_a_book = run_cli("train", csv, "--only", "--sheet", "1", "--output", tmp_path / "csv")
    assert not_a_book.exit_code == 2 and "applies to workbooks" in not_a_book.stderr
