import unicodedata

import pandas as pd
import pytest

from conftest import FIXTURES
from petition_nlp.files.io import InputError, detect_label_column, detect_text_column, read_table, write_table
from petition_nlp.files.legacy import convert_legacy, detect_legacy

HOSTILE = FIXTURES / "hostile"


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
