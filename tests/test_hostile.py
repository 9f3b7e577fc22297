"""Hostile inputs through classify, shortlist and train: exit code, one-line message, no row lost."""

import pandas as pd
import pytest

from conftest import FIXTURES, run_cli
from petition_nlp.files.io import read_table

HOSTILE = FIXTURES / "hostile"

UNUSABLE = [
    ("missing.csv", "file not found"),
    ("petitions.docx", "corrupt or not a .docx document"),
    ("random.xlsx", "corrupt or not an .xlsx"),
    ("truncated.xlsx", "corrupt or not an .xlsx"),
    ("password_protected.xlsx", "password-protected"),
    ("binary.csv", "binary data"),
    ("empty.csv", "file is empty"),
    ("whitespace.txt", "file is empty"),
    ("numbers_only.csv", "no text column found (columns: a, b, c)"),
    ("no_text_column.xlsx", "no text column found (columns: STT, Số lượng)"),
    ("bad_line.jsonl", "line 2 is not valid JSON"),
    # types officers have that are not read: what to do with them (checked before the file is opened)
    ("old_report.doc", "an old Word 97-2003 document: open it in Word and save it as a Word Document (.docx)"),
    ("zones.xlsb", "an Excel binary workbook: open it in Excel and save it as an Excel Workbook (.xlsx)"),
    ("page_photo.jpg", "a picture: petitions on a photographed or scanned page must be typed in"),
    ("archive.zip", "unknown file type '.zip'"),
]


@pytest.mark.parametrize("command", ["classify", "shortlist", "train"])
@pytest.mark.parametrize("name, message", UNUSABLE)
def test_unusable_input_exits_2_with_one_line(command, name, message, tmp_path) -> None:
    args = [command, HOSTILE / name]
    if command == "train":
        args += ["--only", "--output", tmp_path / "model"]
    result = run_cli(*args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and name in lines[0]
    if command != "train" or "text column" not in message:
        assert message in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "model").exists()


READABLE = ["utf8.csv", "utf8_bom.csv", "utf16le_excel.csv", "utf16be.csv", "utf16le_nobom.csv", "windows1258.csv",
            "tcvn3.csv", "tcvn3_in_utf8.csv", "vni_in_utf8.csv", "mixed_nfc_nfd.csv", "bad_rows.csv",
            "merged_header.xlsx", "petitions.jsonl", "petitions.txt"]


@pytest.mark.parametrize("name", READABLE)
def test_readable_input_loses_no_row(name, tmp_path) -> None:
    source, _ = read_table(HOSTILE / name)
    out = tmp_path / "out.csv"
    result = run_cli("classify", HOSTILE / name, "-o", out)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(frame) == len(source)
    groups = tmp_path / "groups.csv"
    result = run_cli("shortlist", HOSTILE / name, "-n", "3", "--groups-output", groups)
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(groups, encoding="utf-8-sig")) == len(source)


@pytest.mark.parametrize("name", ["utf8.csv", "tcvn3.csv", "vni_in_utf8.csv", "windows1258.csv", "mixed_nfc_nfd.csv"])
def test_encodings_give_the_same_categories(name, tmp_path) -> None:
    outs = []
    for file in ("utf8.csv", name):
        out = tmp_path / f"{file}.csv"
        assert run_cli("classify", HOSTILE / file, "-o", out).exit_code == 0
        outs.append(pd.read_csv(out, encoding="utf-8-sig")[["category", "confidence"]])
    assert outs[0].equals(outs[1])


def test_a_macro_enabled_workbook_is_read_as_xlsx(tmp_path) -> None:
    path = tmp_path / "with_macros.xlsm"
    path.write_bytes((HOSTILE / "merged_header.xlsx").read_bytes())
    frame, _ = read_table(path)
    expected, _ = read_table(HOSTILE / "merged_header.xlsx")
    assert frame.equals(expected)


def test_train_rejects_file_without_label_column(tmp_path) -> None:
    result = run_cli("train", HOSTILE / "utf8.csv", "--only", "--output", tmp_path / "m")
    assert result.exit_code == 2
    assert "no label column found" in result.stderr
