"""Real office layouts in every format (built by tests/fixtures/make_office_files.py): every
petition found with status ok, nothing dropped silently, one note per decision, hostile files
refused with one line or read correctly."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import FIXTURES, run_cli
from petition_nlp.files.io import InputError, iter_table, read_table

sys.path.insert(0, str(FIXTURES))
import make_office_files  # noqa: E402

pytest.importorskip("xlwt")
pytest.importorskip("fpdf")


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("office")
    return folder, make_office_files.build_all(folder)


NAMES = [b.__name__ for b in make_office_files.BUILDERS]
FILES = {
    "letterhead_title": "letterhead_title.xlsx", "single_title": "single_title.xlsx", "title_blank": "title_blank.xlsx",
    "csv_titles": "titles_1258.csv", "zones": "zones.xlsx", "two_row_header": "two_row_header.xlsx",
    "several_per_cell": "several_per_cell.xlsx", "old_xls": "old.xls", "ods": "survey.ods",
    "docx_table": "report_table.docx", "docx_paragraphs": "report_paragraphs.docx", "pdf_paragraphs": "report.pdf",
}


def _detector_landed() -> bool:
    try:
        import petition_nlp.model.notpetition  # noqa: F401
        from petition_nlp.files.validation import STATUS_NOT_PETITION  # noqa: F401
    except ImportError:
        return False
    return True


def _classify(path: Path, out: Path, *args: str):
    result = run_cli("classify", path, "-o", out, *args)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return result, frame


@pytest.mark.parametrize("builder", NAMES)
def test_every_petition_is_found_and_classified(office, builder, tmp_path) -> None:
    folder, layouts = office
    name = FILES[builder]
    layout = layouts[name]
    result, frame = _classify(folder / name, tmp_path / "out.csv")
    _, info = read_table(folder / name)
    column = info.text_column
    texts = frame[column].str.strip()
    ok = frame["status"] == "ok"
    # the set of petitions in the output equals the set in the file, each classified
    assert set(texts[ok]) >= layout.petitions
    assert set(texts[texts.isin(layout.petitions)]) == layout.petitions
    assert (frame.loc[texts.isin(layout.petitions), "status"] == "ok").all()
    assert (frame.loc[texts.isin(layout.petitions), "category"] != "").all()
    # traceable: a 1-based source row on every row, the sheet when several were read
    assert frame["source_row"].str.fullmatch(r"\d+").all()
    if len(layout.sheets) > 1:
        assert list(dict.fromkeys(frame["sheet"])) == layout.sheets
    # one note per decision
    notes = [line for line in result.stderr.splitlines() if line.startswith("note:")]
    assert sum("text column:" in n for n in notes) == 1
    assert sum("unit column:" in n for n in notes) == 1
    if layout.header_row is not None:
        assert sum(f"header: row {layout.header_row}," in n for n in notes) == 1
    if _detector_landed():  # no other line carries a topic
        others = frame[~texts.isin(layout.petitions)]
        assert (others["category"] == "").all(), others[[column, "status", "category"]].to_string()


def test_two_row_header_is_combined_and_its_second_row_is_not_a_petition(office) -> None:
    folder, layouts = office
    frame, info = read_table(folder / "two_row_header.xlsx")
    assert info.header_rows["" if len(info.header_rows) == 1 and "" in info.header_rows else "Biểu 01"] == (2, 3)
    assert list(frame.columns)[:5] == ["STT", "Đơn vị", "Ý kiến, kiến nghị / Nội dung", "Ý kiến, kiến nghị / Lĩnh vực", "Ghi chú"]
    assert info.text_column == "Ý kiến, kiến nghị / Nội dung"
    assert "Nội dung" not in set(frame[info.text_column])
    assert frame["source_row"].tolist() == list(range(4, 4 + len(frame)))


def test_rows_below_the_table_are_kept_and_rows_above_are_counted(office) -> None:
    folder, _ = office
    frame, info = read_table(folder / "letterhead_title.xlsx")
    column = info.text_column
    assert "Tổng cộng: 8 ý kiến, kiến nghị" in set(frame[column])  # kept: the classifier marks it
    assert info.rows_above_header == 4
    assert frame["source_row"].iloc[0] == 7  # the first petition is on Excel row 7
    assert any("4 title lines and 1 blank row above it skipped" in n for n in info.notes)


def test_every_sheet_is_read_and_skipped_sheets_are_named(office) -> None:
    folder, layouts = office
    frame, info = read_table(folder / "zones.xlsx")
    assert info.sheets == ["KCN Vân Trung", "KCN Song Khê", "KCN Hòa Phú"]
    assert set(info.skipped_sheets) == {"Trống", "Ghi chú"}
    assert any("'Trống' skipped (empty)" in n for n in info.notes)
    one, _ = read_table(folder / "zones.xlsx", sheet="KCN Song Khê")
    two, _ = read_table(folder / "zones.xlsx", sheet="3")
    assert len(one) == 6 and "sheet" not in one.columns
    assert one.equals(two)
    with pytest.raises(InputError, match="no sheet 'KCN Nowhere'"):
        read_table(folder / "zones.xlsx", sheet="KCN Nowhere")


def test_workbook_output_of_several_sheets_keeps_the_sheet(office, tmp_path) -> None:
    import openpyxl

    folder, _ = office
    out = tmp_path / "out.xlsx"
    assert run_cli("classify", folder / "zones.xlsx", "-o", out).exit_code == 0
    header = [c.value for c in openpyxl.load_workbook(out)["Kiến nghị"][1]]
    assert "Trang tính" in header and "Dòng gốc" in header


def test_split_items_gives_one_row_per_petition(office, tmp_path) -> None:
    folder, layouts = office
    layout = layouts["several_per_cell.xlsx"]
    result, frame = _classify(folder / "several_per_cell.xlsx", tmp_path / "out.csv")
    assert len(frame) == 5 and "3 cells hold several numbered petitions (9 in all)" in result.stderr
    result, frame = _classify(folder / "several_per_cell.xlsx", tmp_path / "split.csv", "--split-items")
    texts = frame["Nội dung kiến nghị"]
    assert set(texts) == layout.split and len(frame) == len(layout.split)
    assert (frame["status"] == "ok").all()
    first = frame[frame["source_row"] == "3"]
    assert first["item"].tolist() == ["1", "2", "3"]
    assert frame.loc[frame["source_row"] == "4", "item"].tolist() == [""]


def test_csv_header_row_and_text_column_override(office, tmp_path) -> None:
    folder, _ = office
    frame, info = read_table(folder / "titles_1258.csv", header_row=3, text_column="Nội dung kiến nghị")
    assert info.text_column == "Nội dung kiến nghị" and frame["source_row"].iloc[0] == 4
    result = run_cli("classify", folder / "titles_1258.csv", "--text-column", "Nội dung kiến nghị", "-o", tmp_path / "o.csv")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "name, option, message",
    [
        ("titles_1258.csv", ("--sheet", "1"), "--sheet applies to workbooks"),
        ("report.pdf", ("--header-row", "2"), "--header-row applies to"),
        ("report_table.docx", ("--sheet", "1"), "--sheet applies to workbooks"),
    ],
)
def test_options_that_do_not_apply_are_errors(office, name, option, message) -> None:
    folder, _ = office
    result = run_cli("classify", folder / name, *option)
    assert result.exit_code == 2
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and message in lines[0]


def test_txt_and_jsonl_refuse_header_row() -> None:
    for name in ("petitions.txt", "petitions.jsonl"):
        result = run_cli("classify", FIXTURES / "hostile" / name, "--header-row", "2")
        assert result.exit_code == 2 and "--header-row applies to" in result.stderr


def test_documents_keep_letterhead_and_signature_out_with_a_note(office) -> None:
    folder, layouts = office
    frame, info = read_table(folder / "report_paragraphs.docx")
    assert set(frame["text"]) == layouts["report_paragraphs.docx"].petitions
    assert info.paragraphs_left_out >= 10
    assert "paragraph" in frame.columns
    frame, info = read_table(folder / "report_table.docx")
    assert info.skipped_sheets == {"table 1": "no header with column names such as STT / Nội dung (a letterhead or layout table)"}
    assert set(frame["table"]) == {2}


def test_questions_numbered_by_a_label_are_items(tmp_path) -> None:
    # "Câu 1:", "Câu hỏi số 2.", "Kiến nghị 3:" … number the petitions of many Word reports
    import docx

    labels = ["Câu 1:", "Câu hỏi số 2.", "Kiến nghị 3:", "Ý kiến 4 -", "Cau hoi 5:"]
    texts = make_office_files.PETITIONS[:5]
    doc = docx.Document()
    make_office_files._docx_letterhead(doc)
    doc.add_paragraph("I. LĨNH VỰC NHÀ Ở")
    for label, text in zip(labels, texts):
        doc.add_paragraph(f"{label} {text}")
        doc.add_paragraph("Trả lời: Sở Xây dựng đã có văn bản hướng dẫn.")  # the answers of a Q&A report are not items
    doc.add_paragraph("Kiến nghị 3 điểm sau đây cần được làm rõ.")  # a sentence, not a label
    make_office_files._docx_signature(doc)
    doc.save(tmp_path / "questions.docx")
    frame, info = read_table(tmp_path / "questions.docx")
    assert frame["text"].tolist() == texts
    assert info.paragraphs_left_out >= 10


MERGED_TEXTS = make_office_files.PETITIONS[20:23]


def _merged_down_xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    ws.append([1, "CĐCS Cty A", MERGED_TEXTS[0]])
    ws.append([2, "CĐCS Cty B", MERGED_TEXTS[1]])
    ws.append([None, None, None])  # row 4: the petition of row 3 merged down over it, STT and unit too
    ws.append([3, None, MERGED_TEXTS[2]])  # row 5: its unit merged down from row 3 (the same union, another petition)
    for ref in ("A3:A4", "C3:C4", "B3:B5"):
        ws.merge_cells(ref)
    book.save(path)


def _merged_down_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("KCN")
    for c, name in enumerate(["STT", "Đơn vị", "Nội dung kiến nghị"]):
        ws.write(0, c, name)
    ws.write(1, 0, 1), ws.write(1, 1, "CĐCS Cty A"), ws.write(1, 2, MERGED_TEXTS[0])
    ws.write_merge(2, 3, 0, 0, 2)
    ws.write_merge(2, 4, 1, 1, "CĐCS Cty B")
    ws.write_merge(2, 3, 2, 2, MERGED_TEXTS[1])
    ws.write(4, 0, 3), ws.write(4, 2, MERGED_TEXTS[2])
    book.save(str(path))


def _merged_down_docx(path: Path) -> None:
    import docx

    doc = docx.Document()
    table = doc.add_table(rows=5, cols=3)
    for c, name in enumerate(["STT", "Đơn vị", "Nội dung kiến nghị"]):
        table.cell(0, c).text = name
    for r, (n, unit, text) in enumerate([(1, "CĐCS Cty A", MERGED_TEXTS[0]), (2, "CĐCS Cty B", MERGED_TEXTS[1]), (3, "", MERGED_TEXTS[2])]):
        row = r + 1 if r < 2 else 4
        table.cell(row, 0).text, table.cell(row, 2).text = str(n), text
        if unit:
            table.cell(row, 1).text = unit
    for c in (0, 2):
        table.cell(2, c).merge(table.cell(3, c))
    table.cell(2, 1).merge(table.cell(4, 1))
    doc.save(path)


@pytest.mark.parametrize("name, make", [("merged.xlsx", _merged_down_xlsx), ("merged.xls", _merged_down_xls), ("merged.docx", _merged_down_docx)])
def test_a_petition_merged_down_over_two_rows_is_one_petition(tmp_path, name, make) -> None:
    make(tmp_path / name)
    frame, info = read_table(tmp_path / name)
    assert frame["Nội dung kiến nghị"].tolist() == MERGED_TEXTS
    assert frame["Đơn vị"].tolist() == ["CĐCS Cty A", "CĐCS Cty B", "CĐCS Cty B"]  # a unit merged over two petitions fills both
    assert frame["source_row"].tolist() == [2, 3, 5]
    assert [n for n in info.notes if "merged down" in n] == [
        ("table 1: " if name.endswith(".docx") else "")
        + "1 row (4) only continuing cells merged down from the row above, read as part of it (not as another petition)"
    ]


def test_a_section_row_under_the_header_is_not_a_second_header_row(tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    ws.append(["I", "LĨNH VỰC NHÀ Ở", None])  # a topic section, merged across unit and text
    ws.append([1, "CĐCS Cty A", MERGED_TEXTS[0]])
    ws.append(["II", "LĨNH VỰC BẢO HIỂM XÃ HỘI", None])
    ws.append([2, "CĐCS Cty B", MERGED_TEXTS[1]])
    ws.merge_cells("B2:C2")
    ws.merge_cells("B4:C4")
    book.save(tmp_path / "sections.xlsx")
    frame, info = read_table(tmp_path / "sections.xlsx")
    assert info.header_rows == {"Sheet": (1,)} and info.text_column == "Nội dung kiến nghị"
    assert frame["Nội dung kiến nghị"].tolist() == ["LĨNH VỰC NHÀ Ở", MERGED_TEXTS[0], "LĨNH VỰC BẢO HIỂM XÃ HỘI", MERGED_TEXTS[1]]


def test_a_word_table_of_petitions_without_a_header_is_read(tmp_path) -> None:
    import docx

    texts = make_office_files.PETITIONS[30:33]
    doc = docx.Document()
    make_office_files._docx_letterhead(doc)  # its letterhead table stays out
    table = doc.add_table(rows=3, cols=2)
    for r, text in enumerate(texts):
        table.cell(r, 0).text, table.cell(r, 1).text = make_office_files.UNITS[r], text
    make_office_files._docx_signature(doc)
    doc.save(tmp_path / "list.docx")
    frame, info = read_table(tmp_path / "list.docx")
    assert frame["column_2"].tolist() == texts and info.text_column == "column_2"
    assert info.skipped_sheets == {"table 1": "no header with column names such as STT / Nội dung (a letterhead or layout table)"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("hostile_office")
    return folder, make_office_files.hostile_office_files(folder)


@pytest.mark.parametrize("name", ["blank.docx", "scan.pdf", "not_a.pdf", "huge_merge.xlsx", "really_xls.xlsx"])
def test_hostile_office_files_exit_2_with_one_line_or_read(hostile, name, tmp_path) -> None:
    folder, expected = hostile
    started = time.perf_counter()
    result = run_cli("classify", folder / name, "-o", tmp_path / "out.csv")
    assert time.perf_counter() - started < 30
    assert "Traceback" not in result.output
    if expected[name]:
        assert result.exit_code == 2, result.output
        lines = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
        assert len(lines) == 1 and expected[name] in lines[0] and name in lines[0]
    else:
        assert result.exit_code == 0, result.output
        frame = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert (frame["status"] == "ok").sum() >= 3


def test_huge_merge_is_clipped_and_does_not_overwrite_cells(hostile) -> None:
    folder, _ = hostile
    frame, info = read_table(folder / "huge_merge.xlsx")
    assert list(frame.columns)[:3] == ["STT", "Đơn vị", "Nội dung kiến nghị"]
    assert frame["Nội dung kiến nghị"].tolist() == make_office_files.PETITIONS[:3]


def test_check_labels_shows_source_row_and_current_label(tmp_path) -> None:
    from conftest import LABELED

    corpus = pd.read_csv(LABELED / "petitions.csv", dtype=str, keep_default_na=False)
    rows = corpus.groupby("label").head(10)[["text", "label"]].rename(columns={"text": "Nội dung", "label": "Mã chủ đề"})
    path = tmp_path / "labels.csv"
    path.write_text("BẢNG NHÃN KIỂM TRA\n" + rows.to_csv(index=False), encoding="utf-8")
    out = tmp_path / "checked.csv"
    result = run_cli("check-labels", path, "--all", "-o", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert frame["source_row"].tolist() == [str(n) for n in range(3, 3 + len(rows))]  # line 1 title, 2 header
    assert frame["current_label"].tolist() == rows["Mã chủ đề"].tolist()
    assert list(frame.columns).index("current_label") + 1 == list(frame.columns).index("suggested_label")


def test_formula_cells_without_a_saved_value_are_named_in_a_note(tmp_path) -> None:
    """A workbook written by a program and never opened in Excel has formulas without cached
    values: read as empty (formulas are never evaluated), every row still comes out in order, and a
    note names the cells, including a formula alone on the last row."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    sheet.append([1, "CĐCS Công ty May", "Đề nghị công ty đóng bảo hiểm xã hội đúng hạn"])
    sheet.append([2, "CĐCS Công ty Giày", '=CONCATENATE("Đề nghị ", "lắp đèn đường vào khu trọ")'])
    sheet.append([3, "CĐCS Công ty Điện tử", "Đề nghị tăng tiền ăn ca cho công nhân làm ca đêm"])
    sheet.append([None, None, '="Đề nghị xây nhà trẻ gần khu công nghiệp"'])
    path = tmp_path / "generated.xlsx"
    book.save(path)
    frame, info = read_table(path)
    assert frame["Nội dung kiến nghị"].tolist()[:3] == [
        "Đề nghị công ty đóng bảo hiểm xã hội đúng hạn", "", "Đề nghị tăng tiền ăn ca cho công nhân làm ca đêm",
    ]
    notes = [n for n in info.notes if "formula" in n]
    assert len(notes) == 1 and "(C3, C5)" in notes[0] and "2 cells" in notes[0]


def test_formula_cells_with_a_saved_value_give_no_note(tmp_path) -> None:
    """Excel saves each formula's value beside it: that value is read, and nothing is reported."""
    import re
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["STT", "Nội dung kiến nghị"])
    sheet.append([1, '="Đề nghị xây nhà trẻ gần khu công nghiệp"'])
    sheet.append([2, "Đề nghị tăng tiền ăn ca"])
    path = tmp_path / "saved.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as z:  # what Excel writes on save: the formula and its value
        parts = {n: z.read(n) for n in z.namelist()}
    member = "xl/worksheets/sheet1.xml"
    text = "Đề nghị xây nhà trẻ gần khu công nghiệp".encode()
    parts[member], count = re.subn(rb'<c r="B2"><f>(.*?)</f><v\s*/?>(?:</v>)?</c>',
                                   lambda m: b'<c r="B2" t="str"><f>' + m.group(1) + b"</f><v>" + text + b"</v></c>", parts[member])
    assert count == 1
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    frame, info = read_table(path)
    assert frame["Nội dung kiến nghị"].tolist() == ["Đề nghị xây nhà trẻ gần khu công nghiệp", "Đề nghị tăng tiền ăn ca"]
    assert not [n for n in info.notes if "formula" in n]


def test_formula_cells_are_found_across_the_chunks_of_a_large_sheet(tmp_path) -> None:
    """The sheet's XML is scanned a megabyte at a time: cells on both sides of a chunk boundary count."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("KCN")
    sheet.append(["STT", "Nội dung kiến nghị"])
    formulas = {5, 9_000, 17_999}
    for i in range(2, 18_001):
        text = '="Đề nghị lắp đèn đường"' if i in formulas else f"Kiến nghị số {i}: đề nghị tăng tiền ăn ca cho công nhân làm ca đêm"
        sheet.append([i - 1, text])
    path = tmp_path / "large.xlsx"
    book.save(path)
    frame, info = read_table(path)
    assert len(frame) == 17_999
    note = next(n for n in info.notes if "formula" in n)
    assert "3 cells" in note and "(B5, B9000, B17999)" in note


def test_the_petition_column_wins_over_a_longer_column_of_answers(tmp_path) -> None:
    """A report sent back with the agencies' replies beside the petitions: the replies are longer,
    but the petitions are what the tool reads."""
    path = tmp_path / "answered.xlsx"
    make_office_files.xlsx(path, {"Sheet": [
        ["STT", "Đơn vị", "Nội dung kiến nghị", "Ý kiến trả lời của cơ quan chức năng"],
        [1, "CĐCS May", "Đề nghị công ty đóng đủ bảo hiểm xã hội",
         "BHXH tỉnh đã lập biên bản, đôn đốc doanh nghiệp nộp đủ số tiền còn nợ trước ngày 31/12"],
        [2, "CĐCS Giày", "Đề nghị xây nhà trẻ gần khu công nghiệp",
         "Sở Xây dựng đang khảo sát quỹ đất, dự kiến khởi công nhà trẻ trong năm tới theo kế hoạch của tỉnh"],
    ]})
    frame, info = read_table(path)
    assert info.text_column == "Nội dung kiến nghị"


def test_of_two_columns_with_one_name_the_one_holding_the_petitions_is_read(tmp_path) -> None:
    path = tmp_path / "twice.xlsx"
    make_office_files.xlsx(path, {"Sheet": [
        ["STT", "Nội dung", "Nội dung", "Số lượt"],
        [1, "Ý kiến công nhân", "Đề nghị công ty tăng tiền ăn ca cho công nhân làm ca đêm", 3],
        [2, "Ý kiến công nhân", "Đề nghị xây nhà trẻ gần khu công nghiệp cho con công nhân", 5],
    ]})
    frame, info = read_table(path)
    assert frame[info.text_column].tolist() == [
        "Đề nghị công ty tăng tiền ăn ca cho công nhân làm ca đêm", "Đề nghị xây nhà trẻ gần khu công nghiệp cho con công nhân",
    ]


def test_a_sheet_of_another_unit_raising_the_same_petitions_is_kept(tmp_path) -> None:
    """Two units may send the same words; only a sheet repeating earlier rows unit for unit (a summary)
    is skipped as a repeat, so the support count keeps both units."""
    texts = ["Đề nghị công ty tăng tiền ăn ca cho công nhân", "Đề nghị lắp thêm đèn đường vào khu trọ"]
    header = ["STT", "Đơn vị", "Nội dung kiến nghị"]
    path = tmp_path / "units.xlsx"
    make_office_files.xlsx(path, {
        "CĐCS May Phú Thịnh": [header] + [[i, "Tổ may 1", t] for i, t in enumerate(texts, 1)],
        "CĐCS Giày An Lạc": [header] + [[i, "Phân xưởng đế", t] for i, t in enumerate(texts, 1)],
        "Tổng hợp": [header, [1, "Tổ may 1", texts[0]], [2, "Phân xưởng đế", texts[1]]],
    })
    frame, info = read_table(path)
    assert len(frame) == 4 and set(frame["Đơn vị"]) == {"Tổ may 1", "Phân xưởng đế"}
    assert "Tổng hợp" in info.skipped_sheets and "repeat" in info.skipped_sheets["Tổng hợp"]


def test_a_hidden_sheet_is_read_and_the_note_says_it_was_hidden(tmp_path) -> None:
    path = tmp_path / "hidden.xlsx"
    make_office_files.xlsx(path, {
        "KCN 1": [["STT", "Nội dung kiến nghị"], [1, "Đề nghị công ty tăng tiền ăn ca cho công nhân"]],
        "Nháp": [["STT", "Nội dung kiến nghị"], [1, "Đề nghị lắp thêm đèn đường vào khu trọ công nhân"]],
    }, hidden=("Nháp",))
    frame, info = read_table(path)
    assert len(frame) == 2
    assert "'Nháp' (hidden in the workbook)" in info.notes[0] and "'KCN 1' (hidden" not in info.notes[0]


@pytest.mark.parametrize("name", ["renamed.xls", "renamed.csv"])
def test_an_xlsx_workbook_under_another_name_is_read_with_a_note(tmp_path, name) -> None:
    """Offices rename files: an .xlsx saved as .xls or .csv is read as what it is, and the note says so
    (as an old .xls under an .xlsx name already was)."""
    import shutil

    from conftest import ROOT

    path = tmp_path / name
    shutil.copy(ROOT / "data" / "raw" / "sample_survey.xlsx", path)
    frame, info = read_table(path)
    assert len(frame) == 145
    assert any("an .xlsx workbook under a" in n and "read as .xlsx" in n for n in info.notes)
    info, chunks = iter_table(path)  # the streaming reader (classify -o out.csv) reads it as well
    assert sum(len(c) for c in chunks) == 145 and any("read as .xlsx" in n for n in info.notes)


def _hidden_rows_xlsx(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    for k, text in enumerate(MERGED_TEXTS, start=1):
        ws.append([k, f"CĐCS Cty {k}", text])
    ws.row_dimensions[3].hidden = True  # filtered out, or hidden by hand
    ws.row_dimensions[8].hidden = True  # an empty hidden row: nothing to say
    book.save(path)


def _hidden_rows_xls(path: Path) -> None:
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("KCN")
    for c, name in enumerate(["STT", "Đơn vị", "Nội dung kiến nghị"]):
        ws.write(0, c, name)
    for k, text in enumerate(MERGED_TEXTS, start=1):
        ws.write(k, 0, k), ws.write(k, 1, f"CĐCS Cty {k}"), ws.write(k, 2, text)
    ws.row(2).hidden = True
    book.save(str(path))


@pytest.mark.parametrize("name, make", [("hidden.xlsx", _hidden_rows_xlsx), ("hidden.xls", _hidden_rows_xls)])
def test_rows_hidden_in_excel_are_read_and_said_to_be(tmp_path, name, make) -> None:
    """An officer who filtered the sheet, or hid rows, still gets every row; a note says which
    were hidden, so nobody is surprised by rows they did not see."""
    make(tmp_path / name)
    frame, info = read_table(tmp_path / name)
    assert frame["Nội dung kiến nghị"].tolist() == MERGED_TEXTS
    assert [n for n in info.notes if "hidden in Excel" in n] == [
        "1 row hidden in Excel (row 3; hidden by hand or by a filter) read like the others"
    ]


@pytest.mark.parametrize("merged_data", [True, False])
def test_a_petition_column_merged_across_several_columns_is_one_column(tmp_path, merged_data) -> None:
    """Offices widen the petition column by merging it across C:E, header and rows alike, or only
    the header with the text typed in C: one column, not the text three times."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["STT", "Đơn vị", "Nội dung kiến nghị", None, None, "Ghi chú"])
    ws.merge_cells("C1:E1")
    for k, text in enumerate(MERGED_TEXTS, start=1):
        ws.append([k, f"CĐCS Cty {k}", text, None, None, "gấp" if k == 2 else None])
        if merged_data:
            ws.merge_cells(f"C{k + 1}:E{k + 1}")
    book.save(tmp_path / "wide.xlsx")
    frame, info = read_table(tmp_path / "wide.xlsx")
    assert list(frame.columns) == ["STT", "Đơn vị", "Nội dung kiến nghị", "Ghi chú", "source_row"]
    assert frame["Nội dung kiến nghị"].tolist() == MERGED_TEXTS and info.text_column == "Nội dung kiến nghị"


def test_columns_under_one_merged_header_holding_different_values_are_all_kept(tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["STT", "Nội dung kiến nghị", None])
    ws.merge_cells("B1:C1")
    ws.append([1, MERGED_TEXTS[0], "Sở LĐ-TB&XH đã trả lời"])
    ws.append([2, MERGED_TEXTS[1], None])
    book.save(tmp_path / "two.xlsx")
    frame, _ = read_table(tmp_path / "two.xlsx")
    assert frame.iloc[0].tolist()[:3] == ["1", MERGED_TEXTS[0], "Sở LĐ-TB&XH đã trả lời"]  # nothing dropped
