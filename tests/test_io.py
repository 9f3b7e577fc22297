import sys
import unicodedata

import pandas as pd
import pytest

from conftest import FIXTURES
from petition_nlp.files.io import InputError, detect_label_column, detect_text_column, read_table, write_table
from petition_nlp.files.legacy import convert_legacy, detect_legacy

HOSTILE = FIXTURES / "hostile"
sys.path.insert(0, str(FIXTURES))
from make_hostile import cp1258  # noqa: E402  (Windows-1258 bytes as Excel writes them)


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    frame, _ = read_table(HOSTILE / "utf8.csv")
    return frame


@pytest.mark.parametrize(
    "name",
    [
        "utf8_bom.csv", "utf16le_excel.csv", "utf16be.csv", "utf16le_nobom.csv", "windows1258.csv",
        "tcvn3.csv", "tcvn3_in_utf8.csv", "vni_in_utf8.csv", "mixed_nfc_nfd.csv",
    ],
)
def test_every_encoding_reads_to_the_same_unicode_table(name: str, reference: pd.DataFrame) -> None:
    frame, _ = read_table(HOSTILE / name)
    assert list(frame.columns) == list(reference.columns)
    nfc = frame.map(lambda v: unicodedata.normalize("NFC", v) if isinstance(v, str) else v)
    assert nfc.astype(str).equals(reference.astype(str))


@pytest.mark.parametrize("name, kind", [("tcvn3.csv", "TCVN3"), ("vni_in_utf8.csv", "VNI")])
def test_legacy_conversion_is_reported(name: str, kind: str) -> None:
    _, info = read_table(HOSTILE / name)
    assert any(kind in note for note in info.notes)


def test_legacy_detection_never_flags_unicode_vietnamese() -> None:
    assert detect_legacy("Công nhân lao động kiến nghị xây dựng nhà ở xã hội") is None
    assert detect_legacy("Cong nhan de nghi tang luong") is None
    assert detect_legacy("C«ng nh©n lao ®éng") == "tcvn3"
    assert convert_legacy("C«ng nh©n lao ®éng", "tcvn3") == "Công nhân lao động"
    assert convert_legacy("Coâng nhaân lao ñoäng", "vni") == "Công nhân lao động"


def test_xlsx_header_below_title_rows_is_found() -> None:
    frame, info = read_table(HOSTILE / "merged_header.xlsx")
    assert list(frame.columns)[:3] == ["STT", "Đơn vị", "Nội dung kiến nghị"]
    assert info.header_row == 4  # as Excel numbers it
    assert frame["source_row"].tolist() == [5, 6, 8, 9, 10, 11]  # Excel rows; row 7 is blank
    assert len(frame) == 6  # the blank line inside the table is skipped, the numeric row is kept
    assert info.blank_rows_skipped == 1
    assert detect_text_column(frame) == "Nội dung kiến nghị"


def test_xlsx_header_row_can_be_given() -> None:
    frame, _ = read_table(HOSTILE / "merged_header.xlsx", header_row=4)
    assert "Nội dung kiến nghị" in frame.columns
    frame, _ = read_table(HOSTILE / "merged_header.xlsx", header_row=2)  # the title row, if the officer says so
    assert list(frame.columns)[0].startswith("TỔNG HỢP")


def test_jsonl_and_txt() -> None:
    frame, _ = read_table(HOSTILE / "petitions.jsonl")
    assert list(frame.columns) == ["id", "unit", "content", "source_row"] and len(frame) == 5
    frame, _ = read_table(HOSTILE / "petitions.txt")
    assert list(frame.columns) == ["text", "source_row"] and len(frame) == 5
    assert frame["source_row"].tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    "columns, expected",
    [
        (["STT", "Đơn vị", "Nội dung kiến nghị"], "Nội dung kiến nghị"),
        (["id", "text", "label"], "text"),
        (["ma", "Ý kiến của CNLĐ"], "Ý kiến của CNLĐ"),
        (["id", "content"], "content"),
    ],
)
def test_text_column_detection_by_name(columns, expected) -> None:
    frame = pd.DataFrame([["Đề nghị tăng lương cho công nhân"] * len(columns)], columns=columns)
    assert detect_text_column(frame) == expected


def test_text_column_detection_falls_back_to_longest_texts() -> None:
    frame = pd.DataFrame({"a": ["x1", "x2"], "b": ["Đề nghị xây nhà ở xã hội cho công nhân", "Công ty nợ bảo hiểm"], "c": ["1", "2"]})
    assert detect_text_column(frame) == "b"


def test_label_column_detection() -> None:
    for name in ["label", "category", "Nhãn", "Chủ đề", "topic", "Mã chủ đề"]:
        assert detect_label_column(pd.DataFrame({"text": ["a"], name: ["housing"]})) == name
    assert detect_label_column(pd.DataFrame({"text": ["a"]})) is None


@pytest.mark.parametrize(
    "name, message",
    [
        ("empty.csv", "file is empty"),
        ("whitespace.txt", "file is empty"),
        ("binary.csv", "binary data"),
        ("random.xlsx", "corrupt or not an .xlsx"),
        ("truncated.xlsx", "corrupt or not an .xlsx"),
        ("password_protected.xlsx", "password-protected"),
        ("petitions.docx", "corrupt or not a .docx document"),
        ("bad_line.jsonl", "line 2 is not valid JSON"),
        ("missing.csv", "file not found"),
    ],
)
def test_unusable_files_raise_one_line_errors(name: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        read_table(HOSTILE / name)
    text = str(err.value)
    assert message in text and name in text and "\n" not in text


def test_write_table_is_atomic_and_protects_the_input(tmp_path) -> None:
    frame = pd.DataFrame({"a": ["Đề nghị", "x"]})
    target = tmp_path / "out.csv"
    write_table(frame, target)
    assert pd.read_csv(target, encoding="utf-8-sig")["a"].tolist() == ["Đề nghị", "x"]
    with pytest.raises(InputError, match="overwrite the input"):
        write_table(frame, target, protect=[target])
    write_table(frame, target, protect=[target], overwrite=True)

    def failing(_frame, _path):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_table(frame, tmp_path / "fail.xlsx", xlsx_writer=failing)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no partial file left


def test_sheets_naming_the_unit_column_differently_share_one_unit_column(tmp_path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    first.title = "KCN Quế Võ"
    first.append(["STT", "Đơn vị", "Nội dung kiến nghị"])
    first.append([1, "CĐCS Công ty A", "Đề nghị đẩy nhanh tiến độ nhà ở xã hội cho công nhân."])
    first.append([2, "CĐCS Công ty B", "Công ty chậm đóng BHXH sáu tháng nay."])
    second = wb.create_sheet("KCN Yên Phong")
    second.append(["STT", "Nội dung kiến nghị", "Công đoàn cơ sở"])
    second.append([1, "Mở thêm lớp học nghề buổi tối cho công nhân.", "CĐCS Công ty C"])
    path = tmp_path / "two_zones.xlsx"
    wb.save(path)

    frame, info = read_table(path)

    assert frame["Đơn vị"].tolist() == ["CĐCS Công ty A", "CĐCS Công ty B", "CĐCS Công ty C"]
    assert "Công đoàn cơ sở" not in frame.columns
    assert info.unit_column == "Đơn vị"
    assert any("'Công đoàn cơ sở' read as 'Đơn vị'" in note for note in info.notes)


def test_a_legacy_file_converts_its_headers_and_short_cells_too(tmp_path) -> None:
    """Typed in TCVN3 throughout: the long petitions decide the encoding, then the column names and
    the short cells (a unit's name, a totals line) are converted with it, not left garbled."""
    from petition_nlp.files.legacy import _table

    to_legacy = {uni: legacy for legacy, uni in _table("legacy_tcvn3.tsv").items() if len(uni) == 1}

    def tcvn3(text: str) -> str:
        return "".join(to_legacy.get(ch, ch) for ch in unicodedata.normalize("NFC", text))

    rows = [("STT", "Đơn vị", "Nội dung kiến nghị")] + [
        (str(i), f"Công ty {i}", f"Đề nghị công ty tăng tiền ăn ca cho công nhân làm ca đêm ở phân xưởng {i}")
        for i in range(1, 6)
    ] + [("", "", "Tổng cộng: 5 ý kiến")]
    path = tmp_path / "tcvn3.csv"
    path.write_bytes("\n".join(",".join(tcvn3(c) for c in r) for r in rows).encode("latin-1") + b"\n")
    frame, info = read_table(path)
    assert list(frame.columns)[:3] == ["STT", "Đơn vị", "Nội dung kiến nghị"]
    assert frame["Đơn vị"].tolist()[:2] == ["Công ty 1", "Công ty 2"]
    assert frame["Nội dung kiến nghị"].iloc[-1] == "Tổng cộng: 5 ý kiến"
    assert info.unit_column == "Đơn vị"


OFFICE_ROWS = [
    ("1", "CĐCS Cty A", "Đề nghị tăng lương tối thiểu vùng cho công nhân"),
    ("2", "CĐCS Cty B", "Công ty nợ BHXH 6 tháng chưa đóng, đề nghị LĐLĐ can thiệp"),
    ("3", "CĐCS Cty C", "Xin mở lớp học nghề hàn buổi tối cho NLĐ"),
]
OFFICE_HEADER = ("STT", "Đơn vị", "Ý kiến, kiến nghị của CNLĐ")


def _office_text(sep: str) -> str:
    def cell(value: str) -> str:  # quoted only when it holds the separator, as Excel does
        return f'"{value}"' if sep in value else value

    return "\r\n".join(sep.join(map(cell, row)) for row in [OFFICE_HEADER, *OFFICE_ROWS]) + "\r\n"


def test_a_short_windows_1258_csv_full_of_dj_is_not_taken_for_tcvn3(tmp_path) -> None:
    # "Ð" (Đ in Windows-1258) is also a TCVN3 mark: three rows of "CĐCS" once read as mojibake
    path = tmp_path / "excel_vn.csv"
    path.write_bytes(cp1258(_office_text(",")))
    frame, info = read_table(path)
    assert info.encoding == "windows-1258"
    assert list(frame.columns[:3]) == list(OFFICE_HEADER)
    assert frame[list(OFFICE_HEADER)].values.tolist() == [list(r) for r in OFFICE_ROWS]


@pytest.mark.parametrize("name, encode", [
    ("unicode_text.txt", lambda text: b"\xff\xfe" + text.encode("utf-16-le")),  # Excel: Unicode Text
    ("tab_delimited.txt", None),  # Excel on a Vietnamese Windows: Text (Tab delimited), Windows-1258
    ("sheet.tsv", lambda text: text.encode("utf-8")),
])
def test_a_tab_separated_text_file_is_read_as_a_table(tmp_path, name, encode) -> None:
    path = tmp_path / name
    text = "TỔNG HỢP KIẾN NGHỊ\t\t\r\n" + _office_text("\t")  # a title line above the header, as Excel saves it
    path.write_bytes((encode or cp1258)(text))
    frame, info = read_table(path)
    assert info.text_column == "Ý kiến, kiến nghị của CNLĐ"
    assert frame["Ý kiến, kiến nghị của CNLĐ"].tolist() == [r[2] for r in OFFICE_ROWS]
    assert frame["Đơn vị"].tolist() == [r[1] for r in OFFICE_ROWS]
    assert frame["source_row"].tolist() == [3, 4, 5] and info.header_row == 2
    assert any("tab-separated" in note for note in info.notes) == name.endswith(".txt")
    frame, _ = read_table(path, header_row=2)  # --header-row applies to it as to a .csv
    assert len(frame) == 3


def test_a_txt_with_one_tab_indented_line_stays_one_petition_per_line(tmp_path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("Đề nghị tăng lương\n\tCông ty nợ BHXH\tsáu tháng\nXin mở lớp học nghề\n", encoding="utf-8")
    frame, info = read_table(path)
    assert frame["text"].tolist() == ["Đề nghị tăng lương", "\tCông ty nợ BHXH\tsáu tháng", "Xin mở lớp học nghề"]
    assert not any("tab-separated" in note for note in info.notes)
    with pytest.raises(InputError, match="--header-row applies to"):
        read_table(path, header_row=1)


def _pasted_csv(rows: int, bad_row: int) -> bytes:
    """A UTF-8 CSV whose row ``bad_row`` was pasted from a Windows-1258 file."""
    lines = [_office_text(",").splitlines()[0].encode("utf-8")]
    for k in range(1, rows + 1):
        text = f"Đề nghị công ty đóng BHXH đầy đủ cho công nhân, ý kiến số {k}"
        line = f'{k},CĐCS Cty {k},"{text}"'
        lines.append(cp1258(line) if k == bad_row else line.encode("utf-8"))
    return b"\r\n".join(lines) + b"\r\n"


@pytest.mark.parametrize("rows, bad_row", [(40, 7), (2000, 1990)])  # in the first 64 KB, and far beyond them
def test_a_row_pasted_from_a_windows_1258_file_into_a_utf8_csv_is_read_and_named(tmp_path, rows, bad_row) -> None:
    path = tmp_path / "pasted.csv"
    path.write_bytes(_pasted_csv(rows, bad_row))
    frame, info = read_table(path)
    assert info.encoding == "utf-8" and len(frame) == rows
    texts = frame["Ý kiến, kiến nghị của CNLĐ"].tolist()
    assert texts == [f"Đề nghị công ty đóng BHXH đầy đủ cho công nhân, ý kiến số {k}" for k in range(1, rows + 1)]
    assert frame["Đơn vị"].iloc[bad_row - 1] == f"CĐCS Cty {bad_row}"
    stray = sum(byte > 127 for byte in _pasted_csv(rows, bad_row).splitlines()[bad_row])
    assert [n for n in info.notes if "not valid UTF-8" in n] == [
        f"{stray} bytes not valid UTF-8 on 1 line ({bad_row + 1}) read as Windows-1258 "
        "(the file mixes encodings, e.g. rows pasted from an older file): check those rows"
    ]


def test_a_txt_with_old_mac_line_ends_and_a_pasted_line(tmp_path) -> None:
    path = tmp_path / "mac.txt"
    path.write_bytes("Đề nghị tăng lương\r".encode() + cp1258("Công ty nợ BHXH tám tháng\r") + "Xin mở lớp học nghề\r".encode())
    frame, info = read_table(path)
    assert frame["text"].tolist() == ["Đề nghị tăng lương", "Công ty nợ BHXH tám tháng", "Xin mở lớp học nghề"]
    assert any("on 1 line (2) read as Windows-1258" in note for note in info.notes)
    assert not any("TCVN3" in note or "VNI" in note for note in info.notes)


@pytest.mark.parametrize("name, text", [
    # no STT column: the unit and the petition hold header words ("công ty", "kiến nghị")
    ("no_stt.csv", "Đơn vị,Nội dung kiến nghị\nCông ty A,Kiến nghị tăng lương\nCông ty B,Khu trọ hay mất trộm xe máy ban đêm\n"),
    ("long_first.csv", "Đơn vị,Nội dung kiến nghị\nCông ty TNHH May Hòa Bình,Đề nghị công ty đóng BHXH đầy đủ cho công nhân\n"
                       "Công ty CP Điện tử Sao Mai,Khu trọ hay mất trộm xe máy ban đêm\n"),
    # a Google Forms export: a timestamp, an empty e-mail, a name, the unit, the answer
    ("form.csv", "Dấu thời gian,Địa chỉ email,Họ và tên,Đơn vị công tác,Anh/chị có kiến nghị gì gửi tới Hội nghị?\n"
                 "2026/03/01 8:15:22 SA GMT+7,,Nguyễn Văn An,Công ty TNHH May Hòa Bình,Đề nghị công ty đóng BHXH đầy đủ\n"
                 "2026/03/01 9:02:10 SA GMT+7,lan@gmail.com,,Công ty CP Điện tử Sao Mai,Khu trọ hay mất trộm xe máy ban đêm\n"),
])
def test_the_first_data_row_is_never_taken_for_a_second_header_row(tmp_path, name, text) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    frame, info = read_table(path)
    assert info.header_rows[""] == (1,)
    assert len(frame) == len(text.strip().splitlines()) - 1 and frame["source_row"].tolist()[0] == 2


def test_a_two_row_header_saved_as_csv_is_still_one(tmp_path) -> None:
    # the merged "Ý kiến, kiến nghị" over "Nội dung | Lĩnh vực" loses its merge in a CSV: the sub-names
    # stand under an empty top cell
    path = tmp_path / "two_rows.csv"
    path.write_text('STT,Đơn vị,"Ý kiến, kiến nghị",\n,,Nội dung,Lĩnh vực\n1,CĐCS A,Đề nghị tăng lương tối thiểu vùng,Tiền lương\n'
                    "2,CĐCS B,Công ty nợ BHXH,BHXH\n", encoding="utf-8")
    frame, info = read_table(path)
    assert info.header_rows[""] == (1, 2) and info.text_column == "Ý kiến, kiến nghị / Nội dung"
    assert len(frame) == 2


def test_a_list_of_petitions_without_a_header_keeps_its_first_petition(tmp_path) -> None:
    import openpyxl

    texts = ["Đề nghị tăng lương tối thiểu vùng cho công nhân may", "Khu trọ hay mất trộm xe máy ban đêm, đề nghị tuần tra",
             "Xin mở lớp học nghề hàn buổi tối cho công nhân"]
    book = openpyxl.Workbook()
    for text in texts:  # pasted into column A, nothing above
        book.active.append([text])
    book.save(tmp_path / "list.xlsx")
    (tmp_path / "list.csv").write_text("".join(f'CĐCS Công ty {k},"{t}"\n' for k, t in enumerate(texts)), encoding="utf-8")
    for name, column in (("list.xlsx", "column_1"), ("list.csv", "column_2")):
        frame, info = read_table(tmp_path / name)
        assert frame[column].tolist() == texts and frame["source_row"].tolist() == [1, 2, 3]
        assert info.text_column == column and list(info.header_rows.values()) == [()] and info.header_row == 0
        assert any(note.startswith("no header row: the table starts at row 1") for note in info.notes)


@pytest.mark.parametrize("bad_row", [False, True])
def test_a_semicolon_csv_keeps_each_petition_whole(tmp_path, bad_row) -> None:
    """Excel on Vietnamese regional settings separates with ';'. Petitions hold commas; one row with
    a ';' left unquoted in its text made the sniffer choose ',' and cut every petition at its comma."""
    third = "Công ty nợ BHXH; đề nghị xử lý" if bad_row else '"Công ty nợ BHXH; đề nghị xử lý"'
    path = tmp_path / "kien-nghi.csv"
    path.write_text(
        "STT;Đơn vị;Nội dung kiến nghị\r\n"
        "1;CĐCS Cty A;Đề nghị xây nhà ở xã hội, giá thuê rẻ cho công nhân\r\n"
        "2;CĐCS Cty B;Đề nghị tăng lương, thưởng Tết, hỗ trợ tiền xăng xe\r\n"
        f"3;CĐCS Cty C;{third}\r\n",
        encoding="utf-8-sig",
    )
    frame, info = read_table(path)
    assert info.text_column == "Nội dung kiến nghị" and info.unit_column == "Đơn vị"
    assert frame["Nội dung kiến nghị"].tolist()[:2] == [
        "Đề nghị xây nhà ở xã hội, giá thuê rẻ cho công nhân", "Đề nghị tăng lương, thưởng Tết, hỗ trợ tiền xăng xe",
    ]
    assert frame["Đơn vị"].tolist() == ["CĐCS Cty A", "CĐCS Cty B", "CĐCS Cty C"]
    assert frame["Nội dung kiến nghị"].iloc[2] == "Công ty nợ BHXH; đề nghị xử lý"
    assert list(frame.columns) == ["STT", "Đơn vị", "Nội dung kiến nghị", "source_row"]
    assert any("line (4) had more fields than the header" in n for n in info.notes) == bad_row


def test_an_unquoted_delimiter_in_the_last_column_is_joined_back_past_the_first_rows_too(tmp_path) -> None:
    """Past the rows the header is found in, such a line made the whole file unreadable ('line 63
    has 4 fields, the header 3'); in them, it added a column_4. Both now keep the petition whole."""
    lines = ["STT,Đơn vị,Nội dung kiến nghị"]
    lines += [f"{k},CĐCS Cty {k},Đề nghị công ty {k} tăng tiền ăn ca cho công nhân" for k in range(1, 61)]
    lines += ["61,CĐCS Cty X,Đề nghị xây nhà trẻ, nhà ở xã hội cho công nhân,,"]  # trailing empty fields: not text
    lines += ["62,CĐCS Cty Y,Đề nghị tăng lương, thưởng Tết"]
    path = tmp_path / "tay.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame, info = read_table(path)
    assert len(frame) == 62 and list(frame.columns) == ["STT", "Đơn vị", "Nội dung kiến nghị", "source_row"]
    assert frame["Nội dung kiến nghị"].tolist()[-2:] == [
        "Đề nghị xây nhà trẻ, nhà ở xã hội cho công nhân", "Đề nghị tăng lương, thưởng Tết",
    ]
    assert "2 lines (62, 63) had more fields than the header: the extra fields (a ',' not quoted in the text) " \
           "joined back into 'Nội dung kiến nghị'" in info.notes


def _two_column_form(path) -> None:
    pd.DataFrame({
        "STT": ["1", "2", "3"],
        "Nội dung phản ánh": ["Giá điện nhà trọ chủ trọ thu 4.000 đồng/số", "Nhiều công nhân lớn tuổi bị mất việc", "Đường vào khu trọ tối"],
        "Kiến nghị, đề xuất": ["Đề nghị kiểm tra, xử lý", "Đề nghị mở lớp đào tạo nghề miễn phí", ""],
        "Ý kiến trả lời": ["Sở Công Thương sẽ kiểm tra", "", ""],
    }).to_csv(path, index=False)


def test_a_petition_split_into_situation_and_request_columns_is_read_whole(tmp_path) -> None:
    """A form with 'Nội dung phản ánh' and 'Kiến nghị, đề xuất': the situation alone ("older
    workers lose their jobs") does not say what is asked (training); both are read together."""
    path = tmp_path / "form.csv"
    _two_column_form(path)
    frame, info = read_table(path)
    joined = "Nội dung phản ánh + kiến nghị"
    assert info.text_column == joined
    assert frame[joined].tolist() == [
        "Giá điện nhà trọ chủ trọ thu 4.000 đồng/số. Đề nghị kiểm tra, xử lý",
        "Nhiều công nhân lớn tuổi bị mất việc. Đề nghị mở lớp đào tạo nghề miễn phí",
        "Đường vào khu trọ tối",
    ]
    assert list(frame.columns)[:5] == ["STT", "Nội dung phản ánh", "Kiến nghị, đề xuất", joined, "Ý kiến trả lời"]  # nothing replaced
    assert f"each petition is in two columns, 'Nội dung phản ánh' and 'Kiến nghị, đề xuất': read together as '{joined}'" in info.notes
    from petition_nlp.files.io import iter_table

    info2, chunks = iter_table(path, chunk_rows=1)  # the streaming path joins every chunk
    assert pd.concat(list(chunks))[joined].tolist() == frame[joined].tolist() and info2.text_column == joined


def test_a_chosen_column_or_a_reply_column_is_never_joined(tmp_path) -> None:
    path = tmp_path / "form.csv"
    _two_column_form(path)
    frame, info = read_table(path, text_column="Nội dung phản ánh")
    assert info.text_column == "Nội dung phản ánh" and "Nội dung phản ánh + kiến nghị" not in frame.columns
    replies = tmp_path / "replies.csv"
    pd.DataFrame({"Nội dung kiến nghị": ["Đề nghị tăng lương cho công nhân"], "Kết quả giải quyết": ["Công ty đã tăng lương từ tháng 5"]}).to_csv(replies, index=False)
    frame, info = read_table(replies)
    assert info.text_column == "Nội dung kiến nghị" and list(frame.columns) == ["Nội dung kiến nghị", "Kết quả giải quyết", "source_row"]


def test_the_issue_title_column_of_a_shortlist_is_never_joined_to_the_petition(tmp_path) -> None:
    path = tmp_path / "shortlist.csv"
    pd.DataFrame({
        "Kiến nghị": ["Đề nghị công ty đóng BHXH đầy đủ cho người lao động", "Đề nghị lắp đèn đường vào khu trọ"],
        "Vấn đề (theo danh mục)": ["Doanh nghiệp nợ đóng BHXH", "Chiếu sáng đường về khu trọ"],
    }).to_csv(path, index=False)
    frame, info = read_table(path)
    assert info.text_column == "Kiến nghị" and not any("read together" in n for n in info.notes)
