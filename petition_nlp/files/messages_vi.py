"""The reader's notes and errors in Vietnamese, for the officers' workspace.

The readers write their notes (:attr:`petition_nlp.files.io.TableInfo.notes`: "header: row 4, found by
its content; 2 title lines above it skipped (--header-row to choose another)") and errors
(:class:`petition_nlp.files.io.InputError`: "FILE: file is empty") in English, for the terminal and
the API. The officers' workspace shows each note through :func:`in_vietnamese` and each error through
:func:`error_in_vietnamese`, which name the upload form's fields instead of the command line's
options. Each note and error the readers write has a pattern here; one without is returned unchanged
(``tests/test_messages_vi.py`` runs the readers over the fixtures and fails on any left in English, so
a new or reworded message cannot go untranslated unnoticed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["in_vietnamese", "error_in_vietnamese", "FIELDS"]

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


def _above(text: str) -> str:
    parts = []
    for part in text.split(" and "):
        m = re.fullmatch(r"(\d+) (title line|blank row)s?", part)
        parts.append(f"{m[1]} {'dòng tiêu đề văn bản' if m[2] == 'title line' else 'dòng trống'}" if m else part)
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


def _officer_topics(m: re.Match[str]) -> str:
    text = (
        f"bảng do petition-nlp phân loại trước đây: {m['changed']} chủ đề cán bộ đã sửa và {m['ticked']} chủ đề đã đánh dấu "
        f"«Đã kiểm tra» được giữ nguyên"
    )
    if m["not"]:
        text += f", {m['not']} dòng đánh dấu đã kiểm tra mà không có chủ đề được giữ là không phải kiến nghị"
    text += f"; {m['others']} dòng còn lại được phân loại lại; các cột kết quả cũ được thay ({m['dropped']})"
    if m["problems"]:
        problems = [
            re.sub(r"^row (\d+): code '(.*)' and name '(.*)' disagree$", r"dòng \1: mã '\2' và tên chủ đề '\3' khác nhau", part)
            for part in m["problems"].split("; ")
        ]
        problems = [re.sub(r"^row (\d+): unknown topic name '(.*)'$", r"dòng \1: không có chủ đề tên '\2'", part) for part in problems]
        text += "; không dùng được chỉnh sửa của cán bộ, đã phân loại lại: " + "; ".join(problems)
    return text


_Replacement = "str | Callable[[re.Match[str]], str]"
_Rule = tuple[str, _Replacement]
_RULES: list[_Rule] = [
    (r"header: (?:row (?P<row>\d+)|rows (?P<first>\d+)-(?P<last>\d+) \(a two-row header, names combined as 'top / bottom'\)), "
     r"(?P<how>as given|found by its content|no header-like row found: the first row taken)"
     r"(?:; (?P<above>.+) above it skipped)?(?P<choose> \(--header-row to choose another\))?", _header),
    (r"no header row: the table starts at row (\d+), its columns named column_1, column_2, … \(--header-row to choose a header\)",
     rf"không có dòng tiêu đề cột: bảng bắt đầu từ dòng \1, các cột được đặt tên column_1, column_2, … (chọn dòng tiêu đề ở {FIELDS['--header-row']})"),
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
    (r"a table classify wrote, without the review columns \('Đã kiểm tra', 'Mã chủ đề của máy'\): classified again; (\d+) rows "
     r"whose topic in the file differs from the model's kept as in the file and marked for review \(an officer's edit or an "
     r"earlier model's guess: the file cannot tell\); its previous result columns replaced \((.*)\)",
     r"bảng do petition-nlp phân loại trước đây, không có cột «Đã kiểm tra» và «Mã chủ đề của máy»: đã phân loại lại; \1 dòng có "
     r"chủ đề trong tệp khác với chủ đề máy chọn được giữ như trong tệp và đánh dấu cần xem lại (có thể là chỉnh sửa của cán bộ, "
     r"cũng có thể là phân loại của mô hình cũ: tệp không cho biết); các cột kết quả cũ được thay (\2)"),
    (r"a table classify wrote: the other (?P<others>\d+) rows classified again; \d+ topics an officer set or confirmed kept "
     r"\((?P<changed>\d+) changed, (?P<ticked>\d+) ticked 'Đã kiểm tra'\)(?:, (?P<not>\d+) rows ticked without a topic kept as not "
     r"petitions)?; its previous result columns replaced \((?P<dropped>.*?)\)(?:; classified again, the officer's edit not used: "
     r"(?P<problems>.*))?", _officer_topics),
    (r"(\d+) lines? \((.*)\) had more fields than the header: the extra fields \(a '(.)' not quoted in the text\) joined back into '(.*)'",
     r"\1 dòng (\2) có nhiều ô hơn dòng tiêu đề cột: phần dư (dấu '\3' không nằm trong ngoặc kép trong nội dung) được ghép lại vào cột '\4'"),
    (r"(\d+) rows? hidden in Excel \(rows? (.*); hidden by hand or by a filter\) read like the others",
     r"\1 dòng bị ẩn trong Excel (dòng \2; ẩn thủ công hoặc do bộ lọc) vẫn được đọc như các dòng khác"),
    (r"no unit column, but (\d+) rows end with the unit that raised them, in brackets \((.*)\): column added"
     r"(?P<own> \(a row's own unit wins over its heading's\))?",
     lambda m: f"không có cột đơn vị, nhưng {m[1]} dòng ghi đơn vị nêu kiến nghị trong ngoặc ở cuối ({m[2]}): đã thêm cột «Đơn vị»"
               + (" (đơn vị ghi trong ngoặc được dùng thay cho dòng tên đơn vị phía trên)" if m["own"] else "")),
    (r"the same file as survey (\d+) \('(.*)', uploaded (\d{4})-(\d{2})-(\d{2})\): uploaded twice\?",
     r"tệp này giống hệt tệp của đợt số \1 ('\2', tải lên ngày \5/\4/\3): có phải đã tải lên hai lần?"),
    (r"each petition is in two columns, '(.*)' and '(.*)': read together as '(.*)'",
     r"mỗi kiến nghị nằm ở hai cột, '\1' và '\2': được đọc ghép thành cột '\3'"),
    (r"(\d+) cells? holds? several numbered petitions: split into (\d+) rows \(columns 'source_row', 'item'\)",
     r"\1 ô chứa nhiều kiến nghị đánh số: đã tách thành \2 dòng"),
    (r"(\d+) cells? holds? several numbered petitions \((\d+) in all\); --split-items .*",
     rf"\1 ô chứa nhiều kiến nghị đánh số (\2 kiến nghị): đánh dấu {FIELDS['--split-items']} để mỗi kiến nghị thành một dòng"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), replacement) for pattern, replacement in _RULES]


def _translate(text: str, rules: list[tuple[re.Pattern[str], _Replacement]]) -> str | None:
    """``text`` through the first of ``rules`` that matches it whole, or ``None``."""
    for pattern, replacement in rules:
        m = pattern.fullmatch(text)
        if m:
            return replacement(m) if callable(replacement) else m.expand(replacement)
    return None


def in_vietnamese(note: str) -> str:
    """``note`` in Vietnamese, its first letter capitalised; unchanged when no pattern knows it."""
    m = _WHERE.match(note)
    if m and (translated := _translate(m["rest"], _COMPILED)) is not None:
        where = f"trang '{m['sheet']}': " if m["sheet"] is not None else f"bảng {m['table']}: "
    else:
        where, translated = "", _translate(note, _COMPILED)
    if translated is None:
        return note
    out = where + translated
    return out[:1].upper() + out[1:]


_FIELD = r"(?:--{0}|the upload field {1} \([^)]*\))"
"""A command-line option as the reader wrote it, or as the workspace renamed it for its form."""

_ERRORS: list[_Rule] = [
    (r"file is empty", "tệp trống"),
    (r"no rows found", "không có dòng nào"),
    (r"binary data, not a text file", "dữ liệu nhị phân, không phải tệp văn bản"),
    (r"broken UTF-16 text", "văn bản UTF-16 bị hỏng"),
    (r"not a readable CSV file \((.*)\)", r"không đọc được như một tệp CSV (\1)"),
    (r"corrupt or not an? \.(xlsx|xls) workbook(?: \((.*)\))?", lambda m: f"tệp .{m[1]} bị hỏng hoặc không phải bảng tính Excel" + (f" ({m[2]})" if m[2] else "")),
    (r"corrupt \.(xlsx|xls) workbook \((.*)\)", r"tệp .\1 bị hỏng (\2)"),
    (r"corrupt or not an \.ods spreadsheet", "tệp .ods bị hỏng hoặc không phải bảng tính"),
    (r"corrupt \.ods spreadsheet \((.*)\)", r"tệp .ods bị hỏng (\1)"),
    (r"corrupt or not a \.docx document", "tệp .docx bị hỏng hoặc không phải văn bản Word"),
    (r"corrupt \.docx document \((.*)\)", r"tệp .docx bị hỏng (\1)"),
    (r"corrupt (?:or not a )?PDF file(?: \((.*)\))?", lambda m: "tệp PDF bị hỏng" + (f" ({m[1]})" if m[1] else "")),
    (r"password-protected \(encrypted\) workbook; save it without a password",
     "bảng tính có mật khẩu: hãy lưu lại mà không đặt mật khẩu rồi tải lên"),
    (r"password-protected \(encrypted\) or old \.doc document; save it as a plain \.docx",
     "văn bản có mật khẩu hoặc là tệp .doc cũ: hãy lưu thành tệp .docx thường rồi tải lên"),
    (r"password-protected PDF; save it without a password", "tệp PDF có mật khẩu: hãy lưu lại mà không đặt mật khẩu"),
    (r"is a scanned image with no text layer; it needs OCR \(character recognition\) before it can be read",
     "là ảnh quét, không có lớp chữ: cần nhận dạng chữ (OCR) trước khi đọc được"),
    (r"no table and no paragraphs found: nothing to read in this (?:document|PDF)", "không có bảng hay đoạn văn nào để đọc"),
    (r"more than (\d+) pages", r"nhiều hơn \1 trang"),
    (r"no sheet holds a petition table \((.*)\)",
     lambda m: "không trang nào có bảng kiến nghị ("
     + "; ".join(re.sub(r"^('.*?'): (.*)$", lambda r: f"trang {r[1]}: {_reason(r[2])}", part) for part in m[1].split("; ")) + ")"),
    (r"sheet '(.*)' is empty", r"trang '\1' trống"),
    (r"workbook has no data", "bảng tính không có dữ liệu"),
    (r"no text column found \(columns: (.*?)\)(?:; use " + _FIELD.format("text-column", "text_column") + ")?",
     rf"không thấy cột nội dung kiến nghị (các cột: \1): hãy ghi tên cột ở {FIELDS['--text-column']}"),
    (r"no column '(.*)' \(columns: (.*)\)", r"không có cột '\1' (các cột: \2)"),
    (r"no sheet '(.*)' \(sheets: (.*); give a name or a number from 1 to (\d+)\)",
     r"không có trang '\1' (các trang: \2; hãy ghi tên trang hoặc số thứ tự từ 1 đến \3)"),
    (r"header row (\d+) is empty or past the end of the table", r"dòng tiêu đề cột \1 trống hoặc nằm ngoài bảng"),
    (_FIELD.format("header-row", "header_row") + r" counts from 1 \(the first row of the sheet, as in Excel\)",
     "dòng tiêu đề cột đếm từ 1 (dòng đầu tiên của trang, như trong Excel)"),
    (r"line (\d+) is not valid JSON", r"dòng \1 không phải JSON hợp lệ"),
    (_FIELD.format("header-row", "header_row") + r" applies to [^;]* files, not to (\.\w+) files",
     r"dòng tiêu đề cột chỉ dùng cho bảng tính và tệp CSV, không dùng cho tệp \1"),
    (_FIELD.format("sheet", "sheet") + r" applies to workbooks \((.*)\), not to (\.\w+) files",
     r"trang tính chỉ dùng cho bảng tính (\1), không dùng cho tệp \2"),
    (r"file larger than (\d+) GB", r"tệp lớn hơn \1 GB"),
    (r".*refused as a possible (?:zip|entity) bomb|holds another archive .*; nested archives are refused",
     "bị từ chối: tệp nén có dấu hiệu độc hại (giải nén quá lớn hoặc lồng nhau)"),
    (r"an old Word 97-2003 document: open it in Word and save it as a Word Document \(\.docx\) \(use (.*)\)",
     r"văn bản Word 97-2003 cũ: hãy mở bằng Word và lưu thành Word Document (.docx) (đọc được: \1)"),
    (r"a Rich Text document: open it in Word and save it as a Word Document \(\.docx\) \(use (.*)\)",
     r"văn bản RTF: hãy mở bằng Word và lưu thành Word Document (.docx) (đọc được: \1)"),
    (r"an OpenDocument text: save it as a Word Document \(\.docx\) \(use (.*)\)",
     r"văn bản OpenDocument: hãy lưu thành Word Document (.docx) (đọc được: \1)"),
    (r"an Excel binary workbook: open it in Excel and save it as an Excel Workbook \(\.xlsx\) \(use (.*)\)",
     r"bảng tính Excel nhị phân (.xlsb): hãy mở bằng Excel và lưu thành Excel Workbook (.xlsx) (đọc được: \1)"),
    (r"a Numbers spreadsheet: export it as an Excel Workbook \(\.xlsx\) \(use (.*)\)",
     r"bảng tính Numbers: hãy xuất ra Excel Workbook (.xlsx) (đọc được: \1)"),
    (r"a Pages document: export it as a Word Document \(\.docx\) \(use (.*)\)",
     r"văn bản Pages: hãy xuất ra Word Document (.docx) (đọc được: \1)"),
    (r"a picture: petitions on a photographed or scanned page must be typed in \(or read by OCR\) first \(use (.*)\)",
     r"tệp ảnh: kiến nghị trên trang chụp hoặc quét cần được gõ lại (hoặc nhận dạng chữ OCR) trước (đọc được: \1)"),
    (r"unknown file type '(.*)' \(use (.*)\)", r"không đọc được loại tệp '\1' (đọc được: \2)"),
    (r"type '(.*)'; the workspace reads (.*)", r"không đọc được loại tệp '\1'; hệ thống đọc được: \2"),
    (r"no extension in its name; the workspace reads (.*)", r"tên tệp không có đuôi (.xlsx, .docx …); hệ thống đọc được: \1"),
    (r"could not read the file: (.*)", r"không đọc được tệp (\1)"),
]
_ERRORS_COMPILED = [(re.compile(pattern, re.DOTALL), replacement) for pattern, replacement in _ERRORS]


def error_in_vietnamese(message: str) -> str:
    """A reader's error ("FILE: what is wrong") in Vietnamese, the file's name kept in front;
    unchanged when no pattern knows it."""
    translated = _translate(message, _ERRORS_COMPILED)
    if translated is not None:
        return translated[:1].upper() + translated[1:]
    head, colon, rest = message.partition(": ")
    translated = _translate(rest, _ERRORS_COMPILED) if colon else None
    return message if translated is None else f"{head}: {translated}"
