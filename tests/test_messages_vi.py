"""The reader's notes as the officers' workspace shows them: in Vietnamese, every one of them."""

from __future__ import annotations

import re
import sys

import pytest

from conftest import FIXTURES
from petition_nlp.files.io import InputError, read_table
from petition_nlp.files.messages_vi import error_in_vietnamese, in_vietnamese

sys.path.insert(0, str(FIXTURES))
import make_hostile  # noqa: E402
import make_office_files  # noqa: E402

ENGLISH = re.compile(r"\b(header|column|row|rows|found|skipped|read|sheet|cells?|the|as|not|no)\b")
"""Words of the English notes that no Vietnamese note holds (quoted names aside)."""


def _unquoted(text: str) -> str:
    return re.sub(r"'[^']*'", "", text)


def _extra_files(folder) -> list:
    """Files whose notes the fixtures do not produce: stray bytes, a tab-separated .txt, unit headings,
    rows merged down, cells holding several petitions, hidden, repeated and empty sheets, formulas
    without a saved value."""
    import openpyxl

    (folder / "stray.csv").write_bytes(
        "STT,Đơn vị,Nội dung kiến nghị\r\n1,CĐCS A,Đề nghị tăng lương\r\n".encode() + make_hostile.cp1258('2,CĐCS B,"Công ty nợ BHXH"\r\n')
    )
    (folder / "tabs.txt").write_text("STT\tNội dung kiến nghị\n1\tĐề nghị tăng lương\n2\tCông ty nợ BHXH\n", encoding="utf-8")
    (folder / "no_header.csv").write_text("Công ty A,Đề nghị tăng lương tối thiểu vùng cho công nhân may\n"
                                         "Công ty B,Khu trọ hay mất trộm xe máy ban đêm, đề nghị tuần tra\n", encoding="utf-8")
    (folder / "overflow.csv").write_text("STT;Nội dung kiến nghị\n1;Đề nghị tăng lương; phụ cấp\n2;Công ty nợ BHXH\n", encoding="utf-8")
    (folder / "form.csv").write_text("Nội dung phản ánh,Kiến nghị đề xuất\nGiá điện nhà trọ cao,Đề nghị kiểm tra xử lý ngay\n", encoding="utf-8")
    (folder / "brackets.txt").write_text("Đề nghị tăng lương (CĐCS Công ty A)\nCông ty nợ BHXH (CĐCS Công ty B)\n", encoding="utf-8")
    (folder / "units.txt").write_text("1. CĐCS Công ty A:\nĐề nghị tăng lương\n2. CĐCS Công ty B:\nCông ty nợ BHXH\n", encoding="utf-8")
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "KCN A"
    ws.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    ws.append([1, "CĐCS A", "1. Đề nghị tăng lương\n2. Đề nghị tăng phụ cấp"])
    ws.append([2, "CĐCS B", "Công ty nợ BHXH sáu tháng"])
    ws.append([None, None, None])
    ws.append([3, "CĐCS C", "Đề nghị tăng tiền ăn ca"])
    ws.merge_cells("C3:C4")
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:B4")
    ws.row_dimensions[5].hidden = True
    hidden = book.create_sheet("Ẩn")
    hidden.sheet_state = "hidden"
    hidden.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    hidden.append([1, "CĐCS C", "Xin mở lớp học nghề hàn"])
    repeat = book.create_sheet("Tổng hợp")
    repeat.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    repeat.append([1, "CĐCS B", "Công ty nợ BHXH sáu tháng"])
    book.create_sheet("Trống")
    book.save(folder / "workbook.xlsx")
    generated = openpyxl.Workbook()  # written by a program, never opened in Excel: formulas without a saved value
    generated.active.append(["STT", "Nội dung kiến nghị"])
    generated.active.append([1, '="Đề nghị lắp đèn đường vào khu trọ"'])
    generated.active.append([2, "Đề nghị tăng tiền ăn ca"])
    generated.save(folder / "generated.xlsx")
    return [folder / n for n in ("stray.csv", "tabs.txt", "units.txt", "workbook.xlsx", "generated.xlsx", "no_header.csv", "overflow.csv", "brackets.txt", "form.csv")]


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("notes")
    make_office_files.build_all(folder)
    make_office_files.hostile_office_files(folder)
    paths = sorted(folder.iterdir()) + sorted((FIXTURES / "hostile").iterdir()) + _extra_files(folder)
    found: list[str] = []
    for path in paths:
        for split in (False, True):
            try:
                _, info = read_table(path, split_items=split)
            except InputError:
                continue
            found += [n for n in info.notes if n not in found]
    return found


def test_the_fixtures_produce_the_notes_worth_checking(notes) -> None:
    joined = "\n".join(notes)
    for start in ("header: ", "text column: ", "unit column: ", "sheets read: ", "decoded as Windows-1258", "table 1 skipped"):
        assert start in joined, start
    for part in ("not valid UTF-8", "tab-separated", "unit headings", "merged down", "several numbered petitions",
                 "merged cell range", "hidden in the workbook", "hidden in Excel", "more fields than the header", "in brackets", "read together", "converted", "left out", "formula", "no header row"):
        assert part in joined, part


def test_every_note_of_the_readers_has_a_vietnamese_wording(notes) -> None:
    untranslated = [n for n in notes if in_vietnamese(n) == n]
    assert not untranslated, untranslated[:5]
    english = [(n, in_vietnamese(n)) for n in notes if ENGLISH.search(_unquoted(in_vietnamese(n)))]
    assert not english, english[:5]


def test_a_header_note_in_vietnamese_names_the_upload_field() -> None:
    note = "sheet 'KCN A': header: row 4, found by its content; 2 title lines and 1 blank row above it skipped (--header-row to choose another)"
    assert in_vietnamese(note) == (
        "Trang 'KCN A': dòng tiêu đề cột: dòng 4, nhận ra theo nội dung; bỏ qua 2 dòng tiêu đề văn bản và 1 dòng trống phía trên "
        "(chọn dòng khác ở ô «Dòng tiêu đề cột» khi tải lên)"
    )
    assert in_vietnamese("unit column: 'Đơn vị'") == "Cột đơn vị: 'Đơn vị'"


def test_an_unknown_note_is_shown_as_it_is() -> None:
    assert in_vietnamese("something new") == "something new"


@pytest.fixture(scope="module")
def errors(tmp_path_factory) -> list[str]:
    """The one-line errors of every unreadable fixture, of types not read, and of misused options."""
    folder = tmp_path_factory.mktemp("errors")
    make_office_files.hostile_office_files(folder)
    (folder / "no_text.csv").write_text("STT,Mã số\n1,120\n", encoding="utf-8")
    (folder / "broken.jsonl").write_text('{"text": "a"}\n{broken\n', encoding="utf-8")
    calls = [(p, {}) for p in sorted(folder.iterdir()) + sorted((FIXTURES / "hostile").iterdir())]
    calls += [(folder / f"x{suffix}", {}) for suffix in (".doc", ".rtf", ".odt", ".xlsb", ".numbers", ".pages", ".jpg", ".zip")]
    calls += [(FIXTURES / "hostile" / "merged_header.xlsx", {"sheet": "Không có"}), (FIXTURES / "hostile" / "merged_header.xlsx", {"header_row": 99})]
    calls += [(FIXTURES / "hostile" / "petitions.txt", {"header_row": 2}), (FIXTURES / "hostile" / "utf8.csv", {"sheet": 1})]
    found: list[str] = []
    for path, options in calls:
        try:
            read_table(path, **options)
        except InputError as exc:
            if str(exc) not in found:
                found.append(str(exc))
    return found


def test_the_fixtures_produce_the_errors_worth_checking(errors) -> None:
    joined = "\n".join(errors)
    for part in ("file is empty", "binary data", "corrupt or not an .xlsx", "password-protected", "no text column found",
                 "is not valid JSON", "scanned image", "old Word 97-2003", "unknown file type", "no sheet 'Không có'", "header row 99",
                 "--header-row applies to", "--sheet applies to"):
        assert part in joined, part


def test_every_error_of_the_readers_has_a_vietnamese_wording(errors) -> None:
    untranslated = [e for e in errors if error_in_vietnamese(e) == e]
    assert not untranslated, untranslated[:5]
    english = [(e, error_in_vietnamese(e)) for e in errors if ENGLISH.search(_unquoted(error_in_vietnamese(e).split(": ", 1)[-1]))]
    assert not english, english[:5]


def test_an_error_keeps_the_officers_file_name_in_front() -> None:
    assert error_in_vietnamese("báo cáo.csv: file is empty") == "báo cáo.csv: tệp trống"
    assert error_in_vietnamese("x.csv: no text column found (columns: a, b); use the upload field text_column (Cột nội dung)") == (
        "x.csv: không thấy cột nội dung kiến nghị (các cột: a, b): hãy ghi tên cột ở ô «Cột nội dung» khi tải lên"
    )
    assert error_in_vietnamese("something new: went wrong") == "something new: went wrong"
