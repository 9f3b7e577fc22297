"""What officers look at: the Excel workbook and the HTML report (rendered in headless Chromium)."""

import re
import shutil
import subprocess

import openpyxl
import pytest

from conftest import SAMPLE_XLSX, run_cli
from petition_nlp.reports.workbook import SHEET_ALL, SHEET_SUMMARY

pytestmark = pytest.mark.skipif(not SAMPLE_XLSX.exists(), reason="sample survey not built")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    out = tmp_path_factory.mktemp("wb") / "result.xlsx"
    result = run_cli("classify", SAMPLE_XLSX, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_workbook_sheets_headers_and_formatting(workbook) -> None:
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames[:2] == [SHEET_ALL, SHEET_SUMMARY]
    assert len(wb.sheetnames) >= 2 + 5  # one sheet per category found
    ws = wb[SHEET_ALL]
    header = [c.value for c in ws[1]]
    assert header[:4] == ["STT", "Đơn vị", "Nội dung kiến nghị", "Người tổng hợp"]
    assert header[4] == "Dòng gốc"  # source_row: the row as the officer sees it in the input
    assert header[5:] == [
        "Mã chủ đề", "Chủ đề", "Đã kiểm tra", "Độ tin cậy", "Chủ đề thứ hai", "Độ tin cậy chủ đề thứ hai", "Cần xem lại", "Trạng thái",
        "Mã chủ đề của máy",  # hidden: the model's code, so `train` tells an officer's edit from the model's guess
    ]
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(len(header))].hidden
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    assert all(c.font.bold for c in ws[1])
    assert ws.max_row == 146
    assert ws.column_dimensions["C"].width >= 40 and ws["C2"].alignment.wrap_text
    review_rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, header.index("Cần xem lại") + 1).value == "có"]
    assert review_rows
    for r in review_rows:
        assert ws.cell(r, 3).fill.fgColor.rgb.endswith("FFF2CC")
    assert [ws.cell(r, 1).value for r in range(2, 5)] == [1, 2, 3]  # STT as numbers: the officer's sort is 1, 2, … 10
    summary = wb[SHEET_SUMMARY]
    assert [c.value for c in summary[1]][:4] == ["Mã chủ đề", "Chủ đề", "Số kiến nghị", "Tỷ lệ"]
    total = sum(summary.cell(r, 3).value for r in range(2, 8) if isinstance(summary.cell(r, 3).value, int))
    assert total == 145
    assert any(summary.cell(r, 1).value == "Đơn vị" for r in range(1, summary.max_row + 1))  # per-unit table


def test_workbook_can_be_fed_back_to_train(workbook, tmp_path) -> None:
    untouched = run_cli("train", workbook, "--only", "--output", tmp_path / "m0")  # the model's own guesses are not labels
    assert untouched.exit_code == 2 and "145 unchecked rows left out" in untouched.stderr
    checked = tmp_path / "checked.xlsx"
    wb = openpyxl.load_workbook(workbook)
    ws = wb[SHEET_ALL]
    column = [c.value for c in ws[1]].index("Đã kiểm tra") + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(r, column, "x")
    wb.save(checked)
    result = run_cli("train", checked, "--only", "--output", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "rows used 145" in result.stderr and "0 changed by an officer, 145 ticked" in result.stderr


def test_shortlist_workbook(tmp_path) -> None:
    out = tmp_path / "shortlist.xlsx"
    assert run_cli("shortlist", SAMPLE_XLSX, "-n", "15", "-o", out).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb[wb.sheetnames[0]]
    header = [c.value for c in ws[1]]
    assert "Số kiến nghị đại diện" in header and "Thứ tự" in header and ws.max_row == 16


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "report.html"
    result = run_cli("report", SAMPLE_XLSX, "-n", "15", "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_report_is_self_contained(report) -> None:
    html = report.read_text(encoding="utf-8")
    assert "<svg" in html and "Số kiến nghị theo chủ đề" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # nothing fetched from the network
    assert "@import" not in html and "<link" not in html and "<script" not in html


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Debian chromium not installed (scripts/install-test-deps.sh needs root and apt-get)")
def test_report_renders_in_headless_chromium(report, tmp_path) -> None:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([_chromium(), *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-500:]
    page = dom.stdout
    assert "id=\"chart-categories\"" in page and "<svg" in page
    assert "id=\"shortlist\"" in page and page.count("<tr>") > 20
    shot = tmp_path / "shot.png"
    done = subprocess.run([_chromium(), *flags, "--window-size=1200,1600", f"--screenshot={shot}", report.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and shot.exists() and shot.stat().st_size > 20_000


# ----------------------------------------------------------------------------- issue 15, item 0
@pytest.fixture(scope="module")
def ragged_sheet(tmp_path_factory):
    """The sample survey with blank cells everywhere, an empty notes column, formulas, dates and numbers."""
    import datetime

    wb = openpyxl.load_workbook(SAMPLE_XLSX)
    ws = wb.active
    last = ws.max_column
    ws.cell(1, last + 1, "Ghi chú")  # a column with no value at all
    ws.cell(1, last + 2, "Ngày nhận")
    ws.cell(1, last + 3, "Số người ký")
    for r in range(2, ws.max_row + 1):
        if r % 3 == 0:
            ws.cell(r, 4).value = None  # "Người tổng hợp" blank
        if r % 7 == 0:
            ws.cell(r, 2).value = None  # unit blank
        if r % 11 == 0:
            ws.cell(r, 1).value = f"=ROW()-1"  # a formula without cached value: read as blank
        ws.cell(r, last + 2, datetime.date(2026, 11, 1 + r % 28) if r % 2 else None)
        ws.cell(r, last + 3, (r * 7) % 50 if r % 5 else None)
    ws.cell(5, 3).value = None  # one petition blank too
    path = tmp_path_factory.mktemp("ragged") / "ragged.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    "command, suffix",
    [
        (("classify",), ".xlsx"),
        (("classify",), ".csv"),
        (("classify",), ".jsonl"),
        (("shortlist", "-n", "10"), ".xlsx"),
        (("shortlist", "-n", "10"), ".csv"),
        (("suggest", "-n", "10"), ".xlsx"),
        (("suggest", "-n", "10"), ".jsonl"),
    ],
)
def test_every_output_format_survives_blank_cells(ragged_sheet, tmp_path, command, suffix) -> None:
    out = tmp_path / f"out{suffix}"
    result = run_cli(*command, ragged_sheet, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.exists() and out.stat().st_size > 0
    if command[0] == "classify":  # every row out, in order, the blank petition included
        if suffix == ".xlsx":
            assert openpyxl.load_workbook(out)[SHEET_ALL].max_row == 1 + 145
        else:
            from petition_nlp.files.io import read_table

            assert len(read_table(out)[0]) == 145
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(out)
        ws = wb[wb.sheetnames[0]]
        header = [c.value for c in ws[1]]
        if "Ghi chú" in header:  # the blank column stays blank, not "nan"
            j = header.index("Ghi chú") + 1
            assert all(ws.cell(r, j).value is None for r in range(2, ws.max_row + 1))
        assert not any(c.value in ("nan", "NaN", "<NA>", "None") for row in ws.iter_rows() for c in row)


def test_a_text_longer_than_an_excel_cell_is_cut_with_a_visible_note(tmp_path) -> None:
    """An Excel cell holds 32,767 characters: a longer petition is cut, and the cell says so and how long
    the original was (the .csv output keeps it whole)."""
    import openpyxl

    import pandas as pd

    from petition_nlp.files.workbooks import EXCEL_CELL_LIMIT, write_plain

    long_text = "Đề nghị " + "xem xét chế độ cho công nhân " * 1600
    path = tmp_path / "long.xlsx"
    write_plain(pd.DataFrame({"text": [long_text, "ngắn"]}), path)
    cell = openpyxl.load_workbook(path).active["A2"].value
    assert len(long_text) > EXCEL_CELL_LIMIT and len(cell) == EXCEL_CELL_LIMIT
    assert cell.startswith(long_text[:1000]) and f"{len(long_text):,} ký tự" in cell


def test_whole_number_columns_are_written_as_numbers_and_codes_stay_text(tmp_path) -> None:
    """A column of whole numbers read as text (STT) is written as numbers, so a spreadsheet sorts
    1, 2, 10 (not "1", "10", "2"); a code with a leading zero, a phone number, a decimal and a column
    holding any other text stay text as read; a blank stays blank."""
    import pandas as pd

    from petition_nlp.files.workbooks import write_plain

    frame = pd.DataFrame({
        "STT": ["1", "2", "10", ""], "Mã đơn vị": ["001", "002", "3", "4"], "Điện thoại": ["0912345678"] * 4,
        "Tỷ lệ": ["1.5", "2", "3", "4"], "Ghi chú": ["1", "x", "2", "3"], "Nội dung": ["a", "b", "c", "d"],
    })
    path = tmp_path / "typed.xlsx"
    write_plain(frame, path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [1, 2, 10, None]
    assert [r[1] for r in rows] == ["001", "002", "3", "4"]
    assert {r[2] for r in rows} == {"0912345678"}
    assert [r[3] for r in rows] == ["1.5", "2", "3", "4"] and [r[4] for r in rows] == ["1", "x", "2", "3"]


def test_per_unit_table_names_petitions_without_a_unit() -> None:
    import pandas as pd

    from petition_nlp.reports.summary import NO_UNIT, unit_summary

    frame = pd.DataFrame({
        "unit": ["CĐCS May", "", None, "CĐCS May"], "category": ["housing", "housing", "other", "other"],
        "status": ["ok"] * 4,
    })
    table = unit_summary(frame, "unit")
    assert set(table.index) == {"CĐCS May", NO_UNIT} and table.loc[NO_UNIT, "total"] == 2


def test_report_says_which_rows_it_does_not_count_as_petitions(tmp_path) -> None:
    survey = tmp_path / "dot.csv"
    survey.write_text(
        "STT,Nội dung kiến nghị\n"
        "1,Đề nghị công ty tăng tiền ăn ca cho công nhân\n"
        "2,Đề nghị xây nhà trẻ gần khu công nghiệp cho con công nhân\n"
        "3,Công ty nợ đóng bảo hiểm xã hội nhiều tháng chưa chốt sổ\n"
        ",TM. BAN THƯỜNG VỤ\n"
        ",CHỦ TỊCH\n",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    result = run_cli("report", survey, "-n", "3", "-o", out)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<b>3</b>kiến nghị" in page
    assert "Không tính là kiến nghị: 2 dòng không phải kiến nghị" in page and "2 trong 5 dòng" in page


def test_the_workbook_names_each_row_status_in_vietnamese(tmp_path) -> None:
    import pandas as pd

    path = tmp_path / "mixed.txt"
    path.write_text("Đề nghị công ty đóng BHXH đầy đủ cho công nhân\nCHỦ TỊCH\n12345\n", encoding="utf-8")
    run_cli("classify", path, "-o", tmp_path / "out.xlsx")
    run_cli("classify", path, "-o", tmp_path / "out.csv")
    frame = pd.read_excel(tmp_path / "out.xlsx", dtype=str)
    assert frame["Trạng thái"].tolist() == ["kiến nghị", "không phải kiến nghị", "không có chữ"]
    assert pd.read_csv(tmp_path / "out.csv", dtype=str)["status"].tolist() == ["ok", "not_a_petition", "no_letters"]
