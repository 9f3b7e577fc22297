"""The reader's notes (:attr:`petition_nlp.files.io.TableInfo.notes`) in Vietnamese, for officers.

The readers write their notes in English for the terminal and the API ("header: row 4, found by its
content; 2 title lines above it skipped (--header-row to choose another)"); the officers' workspace
shows each note through :func:`in_vietnamese`, which names the upload form's fields instead of the
command line's options. Each note the readers write has a pattern here; a note without one is
returned unchanged (``tests/test_notes_vi.py`` runs the readers over the fixtures and fails on any
such note, so a new or reworded note cannot go untranslated unnoticed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["in_vietnamese", "FIELDS"]

FIELDS = {
    "--header-row": "ô «Dòng tiêu đề cột» khi tải lên",
    "--text-column": "ô «Cột nội dung» khi tải lên",
    "--sheet": "ô «Trang tính» khi tải lên",
    "--split-items": "ô «Tách ô …» khi tải lên",
}
"""The upload form's field for each command-line option a note names."""

_WHERE = re.compile(r"^(?:sheet '(?P<sheet>.*?)'|table (?P<table>\d+)): (?P<rest>.*)$", re.DOTALL)

_REASONS = [
    (r"empty", "trống"),
    (r"no rows under the header", "không có dòng nào dưới dòng tiêu đề"),
    (r"no text column found \(columns: (.*)\)", r"không thấy cột nội dung (các cột: \1)"),
    (r"no column named like a petition column \(its longest texts are in '(.*)'\)",
     r"không có cột mang tên cột kiến nghị (văn bản dài nhất ở cột '\1')"),
    (r"every petition on it is also on an earlier sheet \(a repeat\)", "mọi kiến nghị trên trang đã có ở trang trước (trang lặp lại)"),
    (r"no column of petition texts", "không có cột nội dung kiến nghị"),
    (r"no header with column names such as STT / Nội dung \(a letterhead or layout table\)",
     "không có dòng tên cột như STT / Nội dung (bảng trình bày tiêu đề văn bản)"),
]


def _reason(text: str) -> str:
    for pattern, replacement in _REASONS:
        if re.fullmatch(pattern, text):
            return re.sub(f"^{pattern}$", replacement, text)
    return text


def _count(n: str, word: str) -> str:
    return f"{n} {word}"


def _above(text: str) -> str:
    parts = []
    for part in text.split(" and "):
        m = re.fullmatch(r"(\d+) (title line|blank row)s?", part)
        parts.append(_count(m.group(1), "dòng tiêu đề văn bản" if m.group(2) == "title line" else "dòng trống") if m else part)
    return " và ".join(parts)


def _header(m: re.Match[str]) -> str:
    rows = f"dòng {m['row']}" if m["row"] else f"dòng {m['first']}–{m['last']} (tiêu đề hai tầng, tên cột ghép «trên / dưới»)"
    how = {"as given": "theo lựa chọn", "found by its content": "nhận ra theo nội dung",
           "no header-like row found: the first row taken": "không thấy dòng nào giống tiêu đề: lấy dòng đầu tiên"}[m["how"]]
    text = f"dòng tiêu đề cột: {rows}, {how}"
    if m["above"]:
        text += f"; bỏ qua {_above(m['above'])} phía trên"
    if m["choose"]:
        text += f" (chọn dòng khác ở {FIELDS['--header-row']})"
    return text


def _sheets(m: re.Match[str]) -> str:
    read = re.sub(r" \(hidden in the workbook\)", " (trang ẩn)", m["read"])
    text = f"đã đọc các trang: {read}"
    if m["skipped"]:
        skipped = [re.fullmatch(r"('.*?') skipped \((.*)\)", s) for s in m["skipped"].split("; ")]
        text += "; " + "; ".join(f"bỏ qua trang {s.group(1)} ({_reason(s.group(2))})" if s else "" for s in skipped)
    return text


_Rule = tuple[str, "str | Callable[[re.Match[str]], str]"]
_RULES: list[_Rule] = [
    (r"header: (?:row (?P<row>\d+)|rows (?P<first>\d+)-(?P<last>\d+) \(a two-row header, names combined as 'top / bottom'\)), "
     r"(?P<how>as given|found by its content|no header-like row found: the first row taken)"
     r"(?:; (?P<above>.+) above it skipped)?(?P<choose> \(--header-row to choose another\))?", _header),
    (r"text column: '(.*)' \(--text-column to choose another\)", rf"cột nội dung kiến nghị: '\1' (chọn cột khác ở {FIELDS['--text-column']})"),
    (r"unit column: none found \(no per-unit counts\)", "không thấy cột đơn vị (không đếm được số đơn vị nêu từng vấn đề)"),
    (r"unit column: '(.*)'", r"cột đơn vị: '\1'"),
    (r"(\d+) blank rows? skipped", r"bỏ qua \1 dòng trống"),
    (r"(\d+) rows? above the header skipped", r"bỏ qua \1 dòng phía trên dòng tiêu đề cột"),
    (r"decoded as Windows-1258", "đọc theo bảng mã Windows-1258"),
    (r"(\d+) bytes? not valid UTF-8 on (\d+) lines? \((.*)\) read as Windows-1258 \(the file mixes encodings, e\.g\. rows "
     r"pasted from an older file\): check those rows",
     r"\1 byte không phải UTF-8 ở \2 dòng (\3) được đọc theo bảng mã Windows-1258 (tệp trộn nhiều bảng mã, ví dụ dòng dán "
     r"từ một tệp cũ): hãy kiểm tra các dòng đó"),
    (r"read as a tab-separated table \(Excel's Text / Unicode Text\), not one petition per line",
     "đọc như một bảng phân cách bằng dấu Tab (Excel lưu dạng Text / Unicode Text), không phải mỗi dòng một kiến nghị"),
    (r"sheets read: (?P<read>.*?)(?:; (?P<skipped>'.*))?", _sheets),
    (r"column '(.*)' read as '(.*)'", r"cột '\1' được đọc là cột '\2'"),
    (r"an \.xlsx workbook under an \.xls name: read as \.xlsx", "tệp .xlsx mang đuôi .xls: đọc như tệp .xlsx"),
    (r"an old \.xls workbook under an \.xlsx name: read as \.xls", "tệp .xls cũ mang đuôi .xlsx: đọc như tệp .xls"),
    (r"an \.xlsx workbook under a \.csv name: read as \.xlsx", "tệp .xlsx mang đuôi .csv: đọc như tệp .xlsx"),
    (r"(\d+) merged cell ranges? filled across their cells", r"\1 vùng ô gộp: giá trị được điền vào mọi ô của vùng"),
    (r"(\d+) rows? \((.*)\) only continuing cells merged down from the row above, read as part of it \(not as another petition\)",
     r"\1 dòng (\2) chỉ là phần kéo dài của ô gộp từ dòng trên: đọc chung với dòng đó (không tính là một kiến nghị khác)"),
    (r"(?:cell holds a formula|(\d+) cells hold formulas) with no saved value \((.*)\), read as empty: open the file in Excel "
     r"and save it, then read it again",
     lambda m: f"{m[1] or 1} ô có công thức chưa có giá trị được lưu ({m[2]}), đọc là ô trống: hãy mở tệp bằng Excel, "
               "lưu lại rồi tải lên lại"),
    (r"table (\d+) skipped: (.*)", lambda m: f"bỏ qua bảng {m[1]}: {_reason(m[2])}"),
    (r"no numbered or bulleted paragraphs: each of the (\d+) paragraphs? read as one row",
     r"không có đoạn nào đánh số hay gạch đầu dòng: mỗi đoạn (\1 đoạn) được đọc thành một dòng"),
    (r"(\d+) numbered or bulleted paragraphs? read as one petition each",
     r"\1 đoạn đánh số hoặc gạch đầu dòng, mỗi đoạn là một kiến nghị"),
    (r"(\d+) paragraphs? that (?:is not a numbered or bulleted item|are not numbered or bulleted items) left out "
     r"\(letterhead, title, headings, signature\): (.*)",
     r"để ra ngoài \1 đoạn không đánh số (tiêu đề văn bản, đề mục, chữ ký): \2"),
    (r"column '(.*)': converted (\d+) (TCVN3|VNI) cells from legacy font encoding",
     r"cột '\1': chuyển \2 ô từ bảng mã cũ \3 sang Unicode"),
    (r"(\d+) column names converted from (TCVN3|VNI)", r"chuyển \1 tên cột từ bảng mã cũ \2 sang Unicode"),
    (r"no unit column, but (\d+) unit headings \((.*)\) name the unit of the rows below them: column added",
     r"không có cột đơn vị, nhưng \1 dòng tên đơn vị (\2) cho biết đơn vị của các dòng bên dưới: đã thêm cột «Đơn vị»"),
    (r"(\d+) cells? holds? several numbered petitions: split into (\d+) rows \(columns 'source_row', 'item'\)",
     r"\1 ô chứa nhiều kiến nghị đánh số: đã tách thành \2 dòng"),
    (r"(\d+) cells? holds? several numbered petitions \((\d+) in all\); --split-items .*",
     rf"\1 ô chứa nhiều kiến nghị đánh số (\2 kiến nghị): đánh dấu {FIELDS['--split-items']} để mỗi kiến nghị thành một dòng"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), replacement) for pattern, replacement in _RULES]


def _translate(text: str) -> str | None:
    for pattern, replacement in _COMPILED:
        m = pattern.fullmatch(text)
        if m:
            return replacement(m) if callable(replacement) else m.expand(replacement)
    return None


def in_vietnamese(note: str) -> str:
    """``note`` in Vietnamese, its first letter capitalised; unchanged when no pattern knows it."""
    where = ""
    text = note
    m = _WHERE.match(note)
    if m and _translate(m["rest"]) is not None:
        where = f"trang '{m['sheet']}': " if m["sheet"] is not None else f"bảng {m['table']}: "
        text = m["rest"]
    translated = _translate(text)
    if translated is None:
        return note
    out = where + translated
    return out[:1].upper() + out[1:]
