"""Running petition-nlp again on a table it wrote keeps the officer's topics (model/reviewed.py).

An officer corrects the workbook `classify` wrote, then runs `classify`, `shortlist` or `report` on
it, or uploads it to the workspace: the rows they changed or ticked keep their topic, the others are
classified afresh, and the previous run's columns are replaced, never duplicated beside the new.
"""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import SAMPLE_XLSX, run_cli
from petition_nlp.files.messages_vi import in_vietnamese

TEXT = "Nội dung kiến nghị"


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    """The sample's classify workbook with an officer's edits: row 2's code changed, row 3's name
    changed, row 4 ticked, row 5 ticked with its topic cleared, row 6 code and name disagreeing."""
    folder = tmp_path_factory.mktemp("reviewed")
    book_path = folder / "ket-qua.xlsx"
    result = run_cli("classify", SAMPLE_XLSX, "-o", book_path)
    assert result.exit_code == 0, result.stderr
    book = load_workbook(book_path)
    ws = book["Kiến nghị"]
    headers = [c.value for c in ws[1]]
    col = {name: headers.index(name) + 1 for name in (TEXT, "Mã chủ đề", "Chủ đề", "Đã kiểm tra", "Mã chủ đề của máy")}
    before = {r: {name: ws.cell(row=r, column=c).value for name, c in col.items()} for r in range(2, 8)}
    new_code = next(c for c in ("security", "housing") if c != before[2]["Mã chủ đề"])
    new_name = "Xây dựng Đảng, tổ chức chính trị" if before[3]["Mã chủ đề"] != "party_building" else "Vấn đề khác"
    ws.cell(row=2, column=col["Mã chủ đề"], value=new_code)
    ws.cell(row=3, column=col["Chủ đề"], value=new_name)
    ws.cell(row=4, column=col["Đã kiểm tra"], value="x")
    ws.cell(row=5, column=col["Mã chủ đề"]).value = None  # ws.cell(..., value=None) would leave it
    ws.cell(row=5, column=col["Chủ đề"]).value = None
    ws.cell(row=5, column=col["Đã kiểm tra"], value="x")
    ws.cell(row=6, column=col["Mã chủ đề"], value="housing")
    ws.cell(row=6, column=col["Chủ đề"], value="An ninh trật tự, an toàn xã hội")
    book.save(book_path)
    return {"path": book_path, "before": before, "new_code": new_code,
            "new_name_code": "party_building" if new_name.startswith("Xây") else "other", "folder": folder}


def _by_text(frame: pd.DataFrame) -> dict[str, pd.Series]:
    return {row[TEXT]: row for _, row in frame.iterrows()}


def test_classify_again_keeps_the_officers_topics_and_replaces_the_old_columns(corrected) -> None:
    out = corrected["folder"] / "lan-2.xlsx"
    result = run_cli("classify", corrected["path"], "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "a table classify wrote: the other 140 rows classified again; 3 topics an officer set or confirmed kept " \
           "(2 changed, 1 ticked 'Đã kiểm tra'), 1 rows ticked without a topic kept as not petitions" in result.stderr
    assert "row 6: code 'housing' and name 'An ninh trật tự, an toàn xã hội' disagree" in result.stderr
    ws = load_workbook(out)["Kiến nghị"]
    headers = [c.value for c in ws[1]]
    assert len(headers) == len(set(headers)), headers  # no column twice
    frame = pd.read_excel(out, sheet_name="Kiến nghị", dtype=str, keep_default_na=False)
    assert len(frame) == 145
    rows = _by_text(frame)
    before = corrected["before"]
    changed = rows[before[2][TEXT]]
    assert changed["Mã chủ đề"] == corrected["new_code"] and changed["Đã kiểm tra"] == "x"
    assert changed["Mã chủ đề của máy"] == before[2]["Mã chủ đề của máy"] and changed["Độ tin cậy"] == ""
    assert rows[before[3][TEXT]]["Mã chủ đề"] == corrected["new_name_code"]
    ticked = rows[before[4][TEXT]]
    assert ticked["Mã chủ đề"] == before[4]["Mã chủ đề"] and ticked["Đã kiểm tra"] == "x" and ticked["Độ tin cậy"] != ""
    cleared = rows[before[5][TEXT]]
    assert cleared["Mã chủ đề"] == "" and cleared["Trạng thái"] == "không phải kiến nghị"
    conflict = rows[before[6][TEXT]]  # the model's topic again, not ticked
    assert conflict["Mã chủ đề"] == before[6]["Mã chủ đề của máy"] and conflict["Đã kiểm tra"] == ""
    untouched = rows[before[7][TEXT]]
    assert untouched["Mã chủ đề"] == before[7]["Mã chủ đề"] and untouched["Đã kiểm tra"] == ""


def test_a_third_run_reads_the_second_runs_workbook_the_same_way(corrected) -> None:
    """Round trips are stable: the second run's workbook, classified again, changes nothing."""
    second, third = corrected["folder"] / "b.xlsx", corrected["folder"] / "c.xlsx"
    assert run_cli("classify", corrected["path"], "-o", second).exit_code == 0
    assert run_cli("classify", second, "-o", third).exit_code == 0
    a = pd.read_excel(second, sheet_name="Kiến nghị", dtype=str, keep_default_na=False)
    b = pd.read_excel(third, sheet_name="Kiến nghị", dtype=str, keep_default_na=False)
    assert list(a.columns) == list(b.columns)
    assert a.drop(columns=["Dòng gốc"]).equals(b.drop(columns=["Dòng gốc"]))


def test_an_edited_csv_without_review_columns_keeps_the_files_topic_marked_for_review(tmp_path) -> None:
    """classify's CSV has no review columns: a topic there that differs from the model's may be an
    officer's edit or an older model's guess; it is kept, needing review, never overwritten."""
    first, second, third = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert run_cli("classify", SAMPLE_XLSX, "-o", first).exit_code == 0
    frame = pd.read_csv(first, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    model_code = frame.loc[0, "category"]
    officer = "party_building" if model_code != "party_building" else "housing"
    frame.loc[0, "category"] = officer
    frame.to_csv(first, index=False, encoding="utf-8-sig")
    result = run_cli("classify", first, "-o", second, "--overwrite")
    assert result.exit_code == 0, result.stderr
    assert "classified again; 1 rows whose topic in the file differs from the model's kept as in the file" in result.stderr
    out = pd.read_csv(second, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(out) == 145 and list(out.columns).count("category") == 1
    assert (out.loc[0, "category"], out.loc[0, "needs_review"], out.loc[0, "reviewed"]) == (officer, "True", "False")
    assert out.loc[0, "model_category"] == model_code and out.loc[0, "confidence"] == ""
    assert (out.loc[1:, "category"] == frame.loc[1:, "category"]).all()
    # the output has the review columns now: the next run knows the model's code from the officer's
    assert run_cli("classify", second, "-o", third).exit_code == 0
    again = pd.read_csv(third, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert again.loc[0, "category"] == officer


def test_an_edited_csv_with_review_columns_keeps_the_officers_topic(tmp_path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run_cli("classify", SAMPLE_XLSX, "-o", first).exit_code == 0
    frame = pd.read_csv(first, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame["model_category"] = frame["category"]
    officer = "party_building" if frame.loc[0, "category"] != "party_building" else "housing"
    frame.loc[0, "category"] = officer
    frame.to_csv(first, index=False, encoding="utf-8-sig")
    result = run_cli("classify", first, "-o", second, "--overwrite")
    assert result.exit_code == 0, result.stderr
    out = pd.read_csv(second, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert out.loc[0, "category"] == officer and out.loc[0, "reviewed"] == "True"
    assert out.loc[0, "model_category"] == frame.loc[0, "model_category"]
    assert "1 topics an officer set or confirmed kept (1 changed, 0 ticked" in result.stderr


def test_shortlist_groups_by_the_officers_topic(corrected, tmp_path) -> None:
    groups = tmp_path / "groups.csv"
    result = run_cli("shortlist", corrected["path"], "-n", "5", "-o", tmp_path / "sl.csv", "--groups-output", groups)
    assert result.exit_code == 0, result.stderr
    frame = pd.read_csv(groups, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    row = frame[frame[TEXT] == corrected["before"][2][TEXT]].iloc[0]
    assert row["category"] == corrected["new_code"] and row["group_id"].startswith(corrected["new_code"])
    assert list(frame.columns).count("category") == 1 and "Mã chủ đề" not in frame.columns


def test_the_workspace_stores_an_uploaded_corrected_workbook_as_reviewed(corrected, tmp_path, default_model) -> None:
    from petition_nlp.store import Store
    from petition_nlp.store.workspace import ingest

    store = Store(tmp_path / "ws")
    sid = store.create_survey("ket-qua.xlsx", "x.xlsx")
    ingest(store, sid, corrected["path"], model=default_model)
    petitions, _ = store.petitions(sid)
    by_text = {p["text"]: p for p in petitions}
    before = corrected["before"]
    changed = by_text[before[2][TEXT]]
    assert changed["category"] == corrected["new_code"] and changed["reviewed"]
    assert changed["model_category"] == before[2]["Mã chủ đề của máy"]
    assert not by_text[before[7][TEXT]]["reviewed"]
    assert {"Mã chủ đề", "Đã kiểm tra", "Dòng gốc"}.isdisjoint(store.survey(sid)["columns"])
    notes = store.survey(sid)["notes"]
    assert any(n.startswith("a table classify wrote") for n in notes)
    vi = [in_vietnamese(n) for n in notes if n.startswith("a table classify wrote")][0]
    assert vi.startswith("Bảng do petition-nlp phân loại trước đây") and "dòng 6: mã 'housing'" in vi


def test_an_edit_made_on_a_topic_sheet_is_kept_too(tmp_path) -> None:
    """Officers review topic by topic on the workbook's one-topic sheets; classify again keeps the
    topic they set there, as train learns it."""
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    assert run_cli("classify", SAMPLE_XLSX, "-o", first).exit_code == 0
    book = load_workbook(first)
    main = book.worksheets[0]
    topic = next(ws for ws in book.worksheets[1:] if [c.value for c in ws[1]] == [c.value for c in main[1]])
    headers = [c.value for c in topic[1]]
    text = topic.cell(row=2, column=headers.index(TEXT) + 1).value
    old = topic.cell(row=2, column=headers.index("Mã chủ đề") + 1).value
    new = "party_building" if old != "party_building" else "housing"
    topic.cell(row=2, column=headers.index("Mã chủ đề") + 1, value=new)
    ticked = topic.cell(row=3, column=headers.index(TEXT) + 1).value
    topic.cell(row=3, column=headers.index("Đã kiểm tra") + 1, value="x")
    book.save(first)
    result = run_cli("classify", first, "-o", second)
    assert result.exit_code == 0, result.stderr
    assert "(1 changed, 1 ticked 'Đã kiểm tra')" in result.stderr
    rows = _by_text(pd.read_excel(second, sheet_name="Kiến nghị", dtype=str, keep_default_na=False))
    assert (rows[text]["Mã chủ đề"], rows[text]["Đã kiểm tra"], rows[text]["Mã chủ đề của máy"]) == (new, "x", old)
    assert rows[ticked]["Đã kiểm tra"] == "x"


def test_suggest_on_a_corrected_workbook_never_offers_a_row_the_officer_checked(corrected) -> None:
    from petition_nlp.files.io import read_table
    from petition_nlp.grouping.active import suggest_for_labelling

    frame, _ = read_table(corrected["path"])
    checked = {corrected["before"][r][TEXT] for r in (2, 3, 4, 5)}
    picked = suggest_for_labelling(frame, 140, text_column=TEXT)
    assert checked.isdisjoint(set(picked[TEXT])) and len(picked) > 100
