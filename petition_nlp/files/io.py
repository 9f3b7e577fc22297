"""Reading survey exports and writing results, without losing or reordering rows.

One reader for every format: :func:`read_table` (a DataFrame) and :func:`iter_table` (chunks;
CSV is streamed with bounded memory). Accepted:

* ``.csv`` (UTF-8 with or without BOM, UTF-16 LE/BE, Windows-1258; legacy TCVN3 and VNI
  text is converted to Unicode), ``.xlsx``, ``.xls``, ``.ods``: the table is found the way a
  person would find it (:mod:`petition_nlp.files.layout`): title lines, blank rows and merged title
  cells above the header are skipped (counted in a note), a two-row header is combined,
  merged cells fill their range, the petition column is never a column of numbers; every
  sheet holding a petition table is read, in workbook order (column ``sheet``);
* ``.docx`` and text-based ``.pdf`` (:mod:`petition_nlp.files.documents`): tables with a petition
  column and numbered / bulleted paragraphs, one petition each (columns ``table``,
  ``paragraph``);
* ``.jsonl`` and ``.txt`` (one petition per line).

Every row gets ``source_row``: its 1-based row number as the officer sees it (the Excel row,
the CSV / text line where the record starts, the row within a Word table, the paragraph).
Rows of the table that are not petitions (totals, sub-headers, signature blocks below it)
are kept: the classifier gives them the status ``not_a_petition``. Every decision and
everything left out is reported in ``TableInfo.notes``. Every problem with a file is raised
as :class:`InputError` with a one-line message naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from petition_nlp.files.legacy import STRAY_BYTES, convert_legacy_column, detect_legacy, reads_as_windows_1258, stray_bytes_read
from petition_nlp.text.normalize import strip_diacritics

__all__ = [
    "InputError",
    "TableInfo",
    "read_table",
    "iter_table",
    "write_table",
    "atomic_output",
    "detect_text_column",
    "resolve_text_column",
    "detect_label_column",
    "detect_unit_column",
    "UNIT_COLUMN_NAMES",
    "READ_EXTENSIONS",
    "WRITE_EXTENSIONS",
    "FORMATS",
    "SAVE_AS",
    "unreadable_type",
]

READ_EXTENSIONS = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods", ".docx", ".pdf", ".jsonl", ".txt")
WRITE_EXTENSIONS = (".csv", ".xlsx", ".jsonl")
WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
DOCUMENT_EXTENSIONS = (".docx", ".pdf")
FORMATS = {
    ".csv": "CSV export (UTF-8, UTF-16, Windows-1258, TCVN3/VNI), title lines above the header allowed",
    ".tsv": "tab-separated table (as .csv)",
    ".xlsx": "Excel workbook: every sheet with a petition table, titles / merged cells / two-row headers",
    ".xlsm": "Excel macro-enabled workbook, read as .xlsx (its macros are never run)",
    ".xls": "old Excel workbook (same layouts as .xlsx)",
    ".ods": "OpenDocument spreadsheet (same layouts as .xlsx)",
    ".docx": "Word report: tables with a petition column, numbered or bulleted paragraphs",
    ".pdf": "text-based PDF report (not a scan): ruled tables, numbered or bulleted paragraphs",
    ".jsonl": "one JSON object per line",
    ".txt": "one petition per line; a tab-separated table (Excel's Text or Unicode Text) is read as .tsv",
}
SAVE_AS = {
    ".doc": "an old Word 97-2003 document: open it in Word and save it as a Word Document (.docx)",
    ".rtf": "a Rich Text document: open it in Word and save it as a Word Document (.docx)",
    ".odt": "an OpenDocument text: save it as a Word Document (.docx)",
    ".xlsb": "an Excel binary workbook: open it in Excel and save it as an Excel Workbook (.xlsx)",
    ".numbers": "a Numbers spreadsheet: export it as an Excel Workbook (.xlsx)",
    ".pages": "a Pages document: export it as a Word Document (.docx)",
    **dict.fromkeys(
        (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".webp"),
        "a picture: petitions on a photographed or scanned page must be typed in (or read by OCR) first",
    ),
}
"""What to do with a file type officers have but the readers do not take."""
MAX_FILE_BYTES = 2 * 1024**3
TAB_TABLE_SHARE = 0.8
"""A .txt file is a table (Excel's "Text (Tab delimited)" or "Unicode Text") when at least two of
its first non-blank lines, and this share of them, have a tab between their words."""
CSV_HEAD_ROWS = 50
"""The header of a CSV file is looked for among its first rows; the rest is streamed."""
CSV_CHUNK_ROWS = 50_000
"""Rows per chunk when a CSV file is streamed."""
PROVENANCE_COLUMNS = ("sheet", "table", "paragraph", "source_row", "item")

TEXT_COLUMN_NAMES = (
    "text", "noi dung", "kien nghi", "y kien", "content", "petition", "cau hoi", "de xuat", "van ban",
)
_DATE = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
LABEL_COLUMN_NAMES = ("ma chu de", "label", "category", "nhan", "chu de", "topic", "linh vuc", "code", "ma")
_NOT_UNITS = {
    "sheet", "table", "paragraph", "source_row", "item", "category", "category_name", "confidence",
    "needs_review", "status", "second_category", "second_confidence", "group_id", "member_ids", "units",
}
UNIT_COLUMN_NAMES = ("don vi", "unit", "cdcs", "cong doan co so", "doanh nghiep", "co quan", "to chuc")


class InputError(ValueError):
    """An input file that cannot be used; the message is one line and names the file."""


@dataclass
class TableInfo:
    """What the reader found and decided; ``notes`` has one line per decision and per thing
    left out (the CLI prints them as ``note: FILE: ...``)."""

    path: Path
    encoding: str | None = None
    header_row: int = 0
    """1-based row of the (first) table's header, as in Excel; 0 for formats without one."""
    blank_rows_skipped: int = 0
    notes: list[str] = field(default_factory=list)
    format: str = ""
    sheets: list[str] = field(default_factory=list)
    """Sheets (or document tables) read, in order."""
    skipped_sheets: dict[str, str] = field(default_factory=dict)
    """Sheets (or tables) not read, with the reason."""
    header_rows: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """1-based header row(s) of each table read (key: sheet name, ``""`` for a single table)."""
    text_column: str | None = None
    unit_column: str | None = None
    rows_above_header: int = 0
    """Non-empty rows above the header (titles, letterheads) that were skipped."""
    multi_item_cells: int = 0
    """Cells holding several numbered petitions; ``items_in_cells`` petitions in them."""
    items_in_cells: int = 0
    paragraphs_left_out: int = 0


def _key(name: Any) -> str:
    return " ".join(strip_diacritics(str(name)).lower().replace("_", " ").split())


def _find_named(columns: list[Any], names: tuple[str, ...], *, exact: bool = False) -> Any | None:
    keys = {c: _key(c) for c in columns}
    for wanted in names:  # exact names first, in priority order
        for col, k in keys.items():
            if k == wanted:
                return col
    if exact:
        return None
    for wanted in names:
        for col, k in keys.items():
            if wanted in k.split() or (" " in wanted and wanted in k):
                return col
    return None


def detect_text_column(frame: pd.DataFrame) -> Any:
    """The petition column: never a column of numbers or ordinals (STT); one named like
    text / nội dung / kiến nghị / ý kiến / content (among several, the longest texts), else
    the column with the longest texts. Raises :class:`InputError` when none holds text."""
    from petition_nlp.files.layout import cell_text, choose_text_column

    columns = [c for c in frame.columns if c not in PROVENANCE_COLUMNS] or list(frame.columns)
    sample = frame.head(2000)
    values = {c: [cell_text(v).strip() for v in sample[c].tolist()] for c in columns}
    chosen = choose_text_column([str(c) for c in columns], {str(c): v for c, v in values.items()}, TEXT_COLUMN_NAMES)
    if chosen is not None:
        return next(c for c in columns if str(c) == chosen)
    named = _find_named(columns, TEXT_COLUMN_NAMES)  # a named column with no text at all: still the one meant
    if named is not None and not len(frame):
        return named
    found = ", ".join(str(c) for c in frame.columns if c not in PROVENANCE_COLUMNS) or "none"
    raise InputError(f"no text column found (columns: {found}); use --text-column")


def resolve_text_column(frame: pd.DataFrame, given: str | None, *, source: str | Path) -> Any:
    """``given`` if ``frame`` has it, else the detected text column; errors name ``source``."""
    if given is not None:
        if given not in frame.columns:
            found = ", ".join(str(c) for c in frame.columns if c not in PROVENANCE_COLUMNS)  # the file's own columns
            raise InputError(f"{source}: no column '{given}' (columns: {found})")
        return given
    try:
        return detect_text_column(frame)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


def detect_label_column(frame: pd.DataFrame) -> Any | None:
    """The label column (label / category / nhãn / chủ đề / topic ...), or ``None``; never a
    column of numbers or dates ("Ngày nhận" holds the word "nhận" but no codes)."""
    from petition_nlp.files.layout import cell_text, is_numeric_column

    def codes(column: Any) -> bool:
        values = [cell_text(v).strip() for v in frame[column].head(500).tolist()]
        filled = [v for v in values if v]
        dates = sum(1 for v in filled if _DATE.match(v))
        return not is_numeric_column(filled) and not (filled and dates >= 0.8 * len(filled))

    return _find_named([c for c in frame.columns if codes(c)], LABEL_COLUMN_NAMES)


def detect_unit_column(frame: pd.DataFrame, *, text_column: Any = None) -> Any | None:
    """The column naming the sending unit (Đơn vị / unit / CĐCS ...), or ``None``.

    Never the petition column (``text_column``), a provenance column, a column left empty (among
    its first 500 rows), nor a column of numbers or ordinals (an "STT" that happens to be named like
    a unit). Without a column so named, a column whose values are unit names
    (:func:`petition_nlp.files.units.names_units`), whatever its name."""
    from petition_nlp.files.layout import is_numeric_column

    def filled(values: list[Any]) -> bool:  # a template's unit column nobody filled in names no unit
        return any(isinstance(v, str) and v.strip() and v.strip().lower() not in ("nan", "none") for v in values)

    columns = [
        c for c in frame.columns
        if c != text_column and c not in _NOT_UNITS and filled(head := frame[c].head(500).tolist()) and not is_numeric_column(head)
    ]
    named = _find_named(columns, UNIT_COLUMN_NAMES)
    if named is not None:
        return named
    from petition_nlp.files.units import names_units

    # a column whose values are unit names, whatever its name ("Công đoàn", "Nơi gửi", or none: column_1, …)
    return next((c for c in columns if names_units(frame[c].head(500).tolist())), None)


# ----------------------------------------------------------------------------- readers
def _sniff_encoding(sample: bytes, path: Path, info: TableInfo) -> str:
    """Python codec for a file from its first bytes; records it (and notes) in ``info``."""
    if sample.startswith(b"\xef\xbb\xbf"):
        info.encoding = "utf-8-sig"
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        info.encoding = "utf-16"
        return "utf-16"
    head = sample[:4096]
    if head and head.count(b"\x00") > len(head) // 4:
        even_nuls, odd_nuls = head[0::2].count(b"\x00"), head[1::2].count(b"\x00")
        info.encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
        return info.encoding
    if b"\x00" in head:
        raise InputError(f"{path}: binary data, not a text file")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        info.encoding = "utf-8"
        return "utf-8"
    except UnicodeDecodeError:
        pass
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(sample, final=False)
    stray = text.count("\ufffd")
    # UTF-8 with a few rows pasted from elsewhere: single-byte Vietnamese (Windows-1258, TCVN3, VNI) makes
    # no valid multi-byte sequence at all, so even a short file tells the two apart
    if sum(ord(ch) > 127 for ch in text) - stray >= 2 * stray:
        info.encoding = "utf-8"
        return "utf-8"
    if not reads_as_windows_1258(sample[:20000]) and detect_legacy(sample[:20000].decode("latin-1")):
        info.encoding = "latin-1 (legacy Vietnamese font encoding)"  # cells converted after parsing
        return "latin-1"
    info.encoding = "windows-1258"
    info.notes.append("decoded as Windows-1258")
    return "cp1258"


def _check_text(text: str, path: Path) -> None:
    head = text[:4096]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\r\n\t\f")
    if controls > max(8, len(head) // 50):
        raise InputError(f"{path}: binary data, not a text file")


def _errors(codec: str) -> str:
    """How bytes the codec cannot read are read: in UTF-8 as Windows-1258, else as "\ufffd"."""
    return STRAY_BYTES if codec.startswith("utf-8") else "replace"


def _stray_note(info: TableInfo, stray: int, lines: Iterable[bytes]) -> None:
    """Say which lines held the ``stray`` bytes read as Windows-1258 (``lines``: the file's, as bytes)."""
    if not stray:
        return
    where = [n for n, line in enumerate((part for chunk in lines for part in chunk.splitlines()), start=1) if not _utf8(line)]
    from petition_nlp.files.layout import listed

    info.notes.append(
        f"{_plural(stray, 'byte')} not valid UTF-8 on {_plural(len(where), 'line')} ({listed(where)}) read as Windows-1258 "
        "(the file mixes encodings, e.g. rows pasted from an older file): check those rows"
    )


def _utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(raw: bytes, path: Path, info: TableInfo) -> str:
    codec = _sniff_encoding(raw[:65536], path, info)
    before = stray_bytes_read()
    try:
        text = raw.decode(codec, errors="strict" if codec.startswith("utf-16") else _errors(codec))
    except UnicodeDecodeError:
        raise InputError(f"{path}: broken UTF-16 text") from None
    _stray_note(info, stray_bytes_read() - before, [raw])
    _check_text(text, path)
    return unicodedata.normalize("NFC", text)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _header_note(info: TableInfo, table: Any, where: str, given: bool) -> None:
    """One note: where the header is and what stood above it."""
    rows = table.header_rows
    if not rows:
        info.notes.append(
            f"{where}no header row: the table starts at row {table.source_rows[0] if table.source_rows else 1}, "
            "its columns named column_1, column_2, … (--header-row to choose a header)"
        )
        return
    label = f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}-{rows[-1]} (a two-row header, names combined as 'top / bottom')"
    above = []
    if table.above_text:
        above.append(_plural(table.above_text, "title line"))
    if table.above_blank:
        above.append(_plural(table.above_blank, "blank row"))
    how = "as given" if given else ("found by its content" if table.header_found else "no header-like row found: the first row taken")
    text = f"{where}header: {label}, {how}"
    if above:
        text += f"; {' and '.join(above)} above it skipped"
    if not given:
        text += " (--header-row to choose another)"
    info.notes.append(text)


# ---- CSV
CSV_DELIMITERS = ",;\t|"
"""Delimiters a CSV may use: Excel writes ';' where the list separator is ';' (Vietnamese regional
settings among them: the decimal mark is ',')."""


def _delimiter(head: str) -> str:
    """The delimiter of a CSV from its first lines: :class:`csv.Sniffer`'s, unless another
    delimiter is on (nearly) every record and the sniffed one on fewer — a row of a ';' file
    with a ';' left unquoted in its text made the Sniffer choose the ',' of a sentence, and
    every petition with a comma was cut in two."""
    sample = "\n".join(head.splitlines()[:50])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    records = [r for r in csv.reader(io.StringIO(sample), delimiter="\x00") if r and r[0].strip()]
    if len(records) < 2:
        return sniffed
    lines = [r[0] for r in records]

    def share(d: str) -> float:
        return sum(d in line for line in lines) / len(lines)

    best = max(CSV_DELIMITERS, key=share)
    return best if share(best) >= 0.9 and share(sniffed) < share(best) else sniffed


def _csv_records(path: Path, info: TableInfo, *, sep: str | None = None) -> tuple[str, str, Iterator[tuple[int, list[str]]]]:
    """The codec, the delimiter (``sep``, else sniffed) and the records of a CSV file, each with
    the 1-based line where it starts."""
    with open(path, "rb") as fh:
        sample = fh.read(65536)
    codec = _sniff_encoding(sample, path, info)
    handle = open(path, encoding=codec, errors=_errors(codec), newline="")  # noqa: SIM115 - closed by the generator
    try:
        head = handle.read(65536)
        _check_text(head, path)
        if not head.strip():
            raise InputError(f"{path}: file is empty")
        if sep is None:
            sep = _delimiter(head)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    csv.field_size_limit(64 * 1024**2)
    stray = stray_bytes_read()  # the whole file is decoded once from here

    def records() -> Iterator[tuple[int, list[str]]]:
        reader = csv.reader(handle, delimiter=sep)
        previous = 0
        try:
            for record in reader:
                start = previous + 1
                previous = reader.line_num
                if stray_bytes_read() != stray:  # a stray Windows-1258 tone mark is a combining character
                    record = [unicodedata.normalize("NFC", v) for v in record]
                yield start, record
            if stray_bytes_read() != stray:
                with open(path, "rb") as lines:
                    _stray_note(info, stray_bytes_read() - stray, lines)
        except csv.Error as exc:
            raise InputError(f"{path}: not a readable CSV file (line {previous + 1}: {_first_line(exc)})") from None
        except UnicodeError as exc:
            raise InputError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None
        finally:
            handle.close()

    return codec, sep, records()


def _overflow_joiner(head: list[list[str]], table: Any, sep: str) -> Callable[[list[str]], list[str]] | None:
    """When the petition column is the header's last named column, a function joining back into
    it the fields a record has past the header (a ``sep`` left unquoted in the petition's text:
    hand-made or non-Excel CSV), else ``None``. Empty trailing fields are not joined."""
    if not table.header_found or table.text_column not in table.columns or table.start < 1:
        return None
    header = head[table.start - 1]
    named = max((j + 1 for j, c in enumerate(header) if c.strip()), default=0)
    if table.keep[table.columns.index(table.text_column)] != named - 1:
        return None

    def join(record: list[str]) -> list[str]:
        last = max((j for j, v in enumerate(record) if v.strip()), default=-1)
        if last < named:
            return record
        return record[: named - 1] + [sep.join(record[named - 1 : last + 1])]

    return join


def _csv_iter(
    path: Path, info: TableInfo, chunk_rows: int, *, header_row: int | None, text_column: str | None, sep: str | None = None
) -> tuple[list[str], Iterator[pd.DataFrame]]:
    """Find the header among the first rows of a CSV file, then stream the rest in chunks."""
    from petition_nlp.files.layout import build_table, listed
    from petition_nlp.files.safefiles import unguard_cell, unguard_frame

    codec, sep, records = _csv_records(path, info, sep=sep)
    nfc = codec == "cp1258"  # Windows-1258 writes tone marks as combining characters
    head: list[list[str]] = []
    numbers: list[int] = []
    limit = max(CSV_HEAD_ROWS, (header_row or 0) + 10)
    for number, record in records:
        head.append([unguard_cell(unicodedata.normalize("NFC", v) if nfc else v) for v in record])
        numbers.append(number)
        if len(head) >= limit:
            break
    if not any(any(c.strip() for c in r) for r in head):
        raise InputError(f"{path}: file is empty" if not head else f"{path}: no rows found")
    try:
        table = build_table(head, numbers, header_row=header_row, text_column=text_column, text_names=TEXT_COLUMN_NAMES)
        join = _overflow_joiner(head, table, sep)
        joined: list[int] = []  # lines whose extra fields were joined into the petition
        if join is not None:
            for k in range(table.start, len(head)):
                if (fixed := join(head[k])) is not head[k]:
                    head[k] = fixed
                    joined.append(numbers[k])
            if joined:  # the same header, the petition whole
                table = build_table(head, numbers, header_row=header_row, text_column=text_column, text_names=TEXT_COLUMN_NAMES)
    except LookupError as exc:
        raise InputError(f"{path}: {exc}") from None
    info.header_row = table.header_rows[0] if table.header_rows else 0
    info.header_rows[""] = table.header_rows
    info.rows_above_header = table.above_text
    info.blank_rows_skipped += table.blank_rows
    _header_note(info, table, "", header_row is not None)
    columns = table.columns
    keep, width = table.keep, table.width

    def frame_of(rows: list[list[str]], sources: list[int], *, unguard: bool = True) -> pd.DataFrame:
        frame = pd.DataFrame(rows, columns=range(len(columns)), dtype=object) if rows else pd.DataFrame(columns=range(len(columns)))
        frame.columns = columns
        if unguard:  # the head rows were unguarded once already (unguarding twice loses a quote)
            frame = unguard_frame(frame)
        frame.columns = columns
        frame["source_row"] = sources
        return frame

    def generate() -> Iterator[pd.DataFrame]:
        if table.rows:
            yield frame_of(table.rows, table.source_rows, unguard=False)
        rows: list[list[str]] = []
        sources: list[int] = []
        for number, record in records:
            if not any(v.strip() for v in record):
                info.blank_rows_skipped += 1
                continue
            if join is not None and (fixed := join(record)) is not record:
                record = fixed
                joined.append(number)
            if len(record) > width and any(v.strip() for v in record[width:]):
                raise InputError(
                    f"{path}: not a readable CSV file (line {number} has {len(record)} fields, the header {width})"
                )
            if nfc:
                record = [unicodedata.normalize("NFC", v) for v in record]
            record = record + [""] * (width - len(record))
            rows.append([record[j] for j in keep])
            sources.append(number)
            if len(rows) >= chunk_rows:
                yield frame_of(rows, sources)
                rows, sources = [], []
        if rows:
            yield frame_of(rows, sources)
        if joined:
            info.notes.append(
                f"{_plural(len(joined), 'line')} ({listed(joined)}) had more fields than the header: the extra fields (a '{sep}' not "
                f"quoted in the text) joined back into '{table.text_column}'"
            )

    return columns, generate()


# ---- workbooks and documents
def _align_unit_column(columns: list[Any], common: str | None, text_column: str | None, sheet: str, info: TableInfo) -> str | None:
    """Sheets that name their unit column differently ("Đơn vị" on one, "Công đoàn cơ sở" on the
    next) are read into the first sheet's unit column (renamed in ``columns``, with a note), so
    per-unit counts see every sheet. Returns the unit column name to use from now on."""
    unit = _find_named([c for c in columns if c != text_column and c not in PROVENANCE_COLUMNS], UNIT_COLUMN_NAMES)
    if common is None or unit is None or unit == common or common in columns:
        return common if common is not None else unit
    columns[columns.index(unit)] = common
    info.notes.append(f"sheet '{sheet}': column '{unit}' read as '{common}'")
    return common


def _sheet_matches(name: str, wanted: str) -> bool:
    return name == wanted or _key(name) == _key(wanted)


def _pick_sheets(sheets: list[Any], sheet: str | int | None, path: Path) -> list[Any]:
    if sheet is None:
        return sheets
    wanted = str(sheet).strip()
    named = [s for s in sheets if _sheet_matches(s.name, wanted)]
    if named:
        return named[:1]
    if wanted.isdigit() and 1 <= int(wanted) <= len(sheets):
        return [sheets[int(wanted) - 1]]
    names = ", ".join(f"'{s.name}'" for s in sheets)
    raise InputError(f"{path}: no sheet '{wanted}' (sheets: {names}; give a name or a number from 1 to {len(sheets)})")


def _xlsx_inside(file: Path) -> bool:
    """Whether a file named otherwise is an .xlsx workbook (:func:`_is_xlsx` on its first bytes)."""
    try:
        with open(file, "rb") as handle:
            return _is_xlsx(handle.read(_XLSX_HEAD))
    except OSError:
        return False


_XLSX_HEAD = 65536


def _is_xlsx(head: bytes) -> bool:
    """Whether the first bytes of a file are an .xlsx workbook's: a zip naming ``xl/`` parts."""
    return head.startswith(b"PK\x03\x04") and b"xl/" in head[:_XLSX_HEAD]


def _read_workbook(
    path: Path, raw: bytes, info: TableInfo, *, header_row: int | None, sheet: str | int | None, text_column: str | None,
    keep_repeats: bool = False,
) -> pd.DataFrame:
    from petition_nlp.files.layout import build_table
    from petition_nlp.files.workbooks import OLE_MAGIC, read_ods, read_xls, read_xlsx

    suffix = path.suffix.lower()
    if suffix == ".xlsm":
        suffix = ".xlsx"  # the same package; the macros inside are never read
    if suffix == ".xls" and _is_xlsx(raw):
        info.notes.append("an .xlsx workbook under an .xls name: read as .xlsx")
        suffix = ".xlsx"
    if suffix == ".xls" or (suffix == ".xlsx" and raw.startswith(OLE_MAGIC)):
        if suffix == ".xlsx" and (b"EncryptedPackage" in raw or "EncryptedPackage".encode("utf-16-le") in raw):
            raise InputError(f"{path}: password-protected (encrypted) workbook; save it without a password")
        sheets = read_xls(path, raw)
        if suffix == ".xlsx":
            info.notes.append("an old .xls workbook under an .xlsx name: read as .xls")
    elif suffix == ".ods":
        sheets = read_ods(path, raw)
    else:
        sheets = read_xlsx(path, raw)
    chosen = _pick_sheets(sheets, sheet, path)
    if not any(s.grid for s in chosen):
        raise InputError(f"{path}: sheet '{chosen[0].name}' is empty" if sheet is not None and chosen else f"{path}: workbook has no data")
    single = len([s for s in sheets if s.grid]) == 1 or sheet is not None
    frames: list[pd.DataFrame] = []
    seen_texts: set[str] = set()
    seen_pairs: set[tuple[str | None, str]] = set()
    errors: list[str] = []
    common_text: str | None = None
    common_unit: str | None = None
    for s in chosen:
        where = "" if single else f"sheet '{s.name}': "
        if not s.grid:
            info.skipped_sheets[s.name] = "empty"
            continue
        try:
            table = build_table(s.grid, s.numbers, header_row=header_row, text_column=text_column, text_names=TEXT_COLUMN_NAMES)
        except LookupError as exc:
            if single:
                raise InputError(f"{path}: {exc}") from None
            info.skipped_sheets[s.name] = str(exc)
            continue
        if not table.rows:
            info.skipped_sheets[s.name] = "no rows under the header"
            errors.append(f"no rows found")
            continue
        if table.text_column is None:
            if text_column is not None:
                reason = f"no column '{text_column}' (columns: {', '.join(table.columns)})"
            else:
                reason = f"no text column found (columns: {', '.join(table.columns)})"
            info.skipped_sheets[s.name] = reason
            errors.append(reason)
            continue
        if not single and text_column is None and _find_named([table.text_column], TEXT_COLUMN_NAMES) is None and (
            common_text is None or _key(table.text_column) != _key(common_text)
        ):
            # in a workbook of several sheets, a summary or lookup sheet holds text too: only a
            # column named like a petition column (or like the first sheet's) is one
            info.skipped_sheets[s.name] = f"no column named like a petition column (its longest texts are in '{table.text_column}')"
            continue
        at = table.columns.index(table.text_column)
        unit = _find_named([c for c in table.columns if c != table.text_column], UNIT_COLUMN_NAMES)
        by = table.columns.index(unit) if unit is not None else None
        pairs = {(row[by].strip() if by is not None else None, row[at].strip()) for row in table.rows if row[at].strip()}
        texts = {text for _, text in pairs}
        # a summary sheet repeating the others is skipped; another unit raising the same petitions is not
        repeat = texts <= seen_texts if by is None else pairs <= seen_pairs
        if frames and texts and repeat and not keep_repeats:
            info.skipped_sheets[s.name] = "every petition on it is also on an earlier sheet (a repeat)"
            continue
        seen_texts |= texts
        seen_pairs |= pairs
        columns = list(table.columns)
        if common_text is None:
            common_text = table.text_column
        elif table.text_column != common_text:
            columns = [common_text if c == table.text_column else c for c in columns]
            if common_text in table.columns:  # the other sheet's name is taken by another column here
                columns = [f"{c} ({s.name})" if c == common_text and k != table.columns.index(table.text_column) else c for k, c in enumerate(columns)]
            info.notes.append(f"sheet '{s.name}': column '{table.text_column}' read as '{common_text}'")
        common_unit = _align_unit_column(columns, common_unit, common_text, s.name, info)
        frame = pd.DataFrame(table.rows, columns=range(len(columns)), dtype=object) if table.rows else pd.DataFrame()
        frame.columns = columns
        if not single:
            frame["sheet"] = s.name
        frame["source_row"] = table.source_rows
        frames.append(frame)
        info.sheets.append(s.name)
        info.header_rows[s.name] = table.header_rows
        if len(info.sheets) == 1:
            info.header_row = table.header_rows[0] if table.header_rows else 0
        info.rows_above_header += table.above_text
        info.blank_rows_skipped += table.blank_rows
        if s.merged:
            info.notes.append(f"{where}{_plural(s.merged, 'merged cell range')} filled across their cells")
        info.notes.extend(f"{where}{note}" for note in s.notes)
        _header_note(info, table, where, header_row is not None)
    if not frames:
        if single and errors:
            raise InputError(f"{path}: {errors[0]}")
        reasons = "; ".join(f"'{n}': {r}" for n, r in info.skipped_sheets.items())
        raise InputError(f"{path}: no sheet holds a petition table ({reasons})")
    if not single or info.skipped_sheets:
        skipped = "; ".join(f"'{n}' skipped ({r})" for n, r in info.skipped_sheets.items())
        hidden = {x.name for x in chosen if x.hidden}
        read = ", ".join(repr(n) + (" (hidden in the workbook)" if n in hidden else "") for n in info.sheets)
        info.notes.insert(0, f"sheets read: {read}" + (f"; {skipped}" if skipped else ""))
    info.text_column = common_text
    frame = pd.concat(frames, ignore_index=True, sort=False) if len(frames) > 1 else frames[0]
    provenance = [c for c in ("sheet", "source_row") if c in frame.columns]
    ordered = [c for c in frame.columns if c not in provenance] + provenance
    frame = frame[ordered]
    for c in ordered:
        if c != "source_row":
            frame[c] = frame[c].fillna("")
    return frame


def _read_document(path: Path, raw: bytes, info: TableInfo, *, text_column: str | None) -> pd.DataFrame:
    from petition_nlp.files.documents import document_frame, read_docx, read_pdf

    reader = read_docx if path.suffix.lower() == ".docx" else read_pdf
    doc = reader(path, raw, text_names=TEXT_COLUMN_NAMES, text_column=text_column)
    for number, table in doc.tables:
        info.sheets.append(f"table {number}")
        info.header_rows[f"table {number}"] = table.header_rows
        info.rows_above_header += table.above_text
        _header_note(info, table, f"table {number}: ", False)
    for number, reason in doc.skipped_tables:
        info.skipped_sheets[f"table {number}"] = reason
        info.notes.append(f"table {number} skipped: {reason}")
    info.notes.extend(doc.notes)
    if doc.tables:
        info.header_row = (doc.tables[0][1].header_rows or (0,))[0]
    items = sum(1 for kind, _ in doc.order if kind == "item")
    if doc.plain_paragraphs:
        info.notes.append(f"no numbered or bulleted paragraphs: each of the {_plural(items, 'paragraph')} read as one row")
    elif items:
        info.notes.append(f"{_plural(items, 'numbered or bulleted paragraph')} read as one petition each")
    if doc.left_out:
        info.paragraphs_left_out = len(doc.left_out)
        quoted = ", ".join(f"'{t[:40]}'" for t in doc.left_out[:3])
        info.notes.append(
            f"{_plural(len(doc.left_out), 'paragraph')} that "
            f"{'is not a numbered or bulleted item' if len(doc.left_out) == 1 else 'are not numbered or bulleted items'} left out "
            f"(letterhead, title, headings, signature): {quoted}{', ...' if len(doc.left_out) > 3 else ''}"
        )
    if text_column is not None and not doc.tables and items:
        pass  # paragraphs go into the given column name
    frame, name = document_frame(doc, text_column_name=text_column)
    info.text_column = name
    return frame


def _read_jsonl(path: Path, raw: bytes, info: TableInfo) -> pd.DataFrame:
    text = _decode(raw, path, info)
    records, lines = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(f"{path}: line {number} is not valid JSON") from None
        records.append(value if isinstance(value, dict) else {"text": value})
        lines.append(number)
    if not records:
        raise InputError(f"{path}: file is empty")
    frame = pd.DataFrame.from_records(records)
    if "source_row" not in frame.columns:
        frame["source_row"] = lines
    return frame


def _read_txt(path: Path, raw: bytes, info: TableInfo) -> pd.DataFrame:
    text = _decode(raw, path, info)
    rows = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not rows:
        raise InputError(f"{path}: file is empty")
    return pd.DataFrame({"text": [line for _, line in rows], "source_row": [n for n, _ in rows]})


def _tab_separated(file: Path) -> bool:
    """Whether the file is a tab-separated table: a .tsv, or a .txt (see :data:`TAB_TABLE_SHARE`)."""
    suffix = file.suffix.lower()
    if suffix != ".txt":
        return suffix == ".tsv"
    with open(file, "rb") as fh:
        sample = fh.read(65536)
    try:
        text = sample.decode(_sniff_encoding(sample, file, TableInfo(path=file)), errors="replace")
    except InputError:
        return False  # the one-petition-per-line reader says what is wrong with it
    lines = [line.strip() for line in text.splitlines() if line.strip()][:CSV_HEAD_ROWS]
    tabbed = sum("\t" in line for line in lines)
    return tabbed >= 2 and tabbed >= TAB_TABLE_SHARE * len(lines)


def unreadable_type(suffix: str) -> str:
    """Why a file of this type (``".doc"``, ``""``) cannot be read, and what to do with it."""
    readable = f"use {', '.join(READ_EXTENSIONS)}"
    if suffix in SAVE_AS:
        return f"{SAVE_AS[suffix]} ({readable})"
    return f"unknown file type '{suffix or '(none)'}' ({readable})"


def _check_path(file: Path) -> None:
    suffix = file.suffix.lower()
    if file.is_dir():
        raise InputError(f"{file}: is a folder, not a file")
    if suffix not in READ_EXTENSIONS:
        raise InputError(f"{file}: {unreadable_type(suffix)}")
    if not file.exists():
        raise InputError(f"{file}: file not found")
    try:
        size = file.stat().st_size
        with open(file, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise InputError(f"{file}: cannot read file ({exc.strerror or exc.__class__.__name__})") from None
    if size > MAX_FILE_BYTES:
        raise InputError(f"{file}: file larger than {MAX_FILE_BYTES // 1024**3} GB")
    if not head.strip() and size <= len(head):
        raise InputError(f"{file}: file is empty")


def _check_options(file: Path, *, header_row: int | None, sheet: Any, delimited: bool) -> None:
    """An option that does not apply to the file's format is an error, never ignored."""
    suffix = file.suffix.lower()
    if sheet is not None and suffix not in WORKBOOK_EXTENSIONS:
        raise InputError(f"{file}: --sheet applies to workbooks ({', '.join(WORKBOOK_EXTENSIONS)}), not to {suffix} files")
    if header_row is not None:
        if not delimited and suffix not in WORKBOOK_EXTENSIONS:
            raise InputError(f"{file}: --header-row applies to .csv, .tsv, .xlsx, .xlsm, .xls and .ods files, not to {suffix} files")
        if int(header_row) < 1:
            raise InputError(f"{file}: --header-row counts from 1 (the first row of the sheet, as in Excel)")


def _tidy(frame: pd.DataFrame, info: TableInfo) -> pd.DataFrame:
    """Drop fully blank rows (counted), name columns as text, convert legacy-font cells."""
    before = len(frame)
    if before:
        content = [c for c in frame.columns if c not in PROVENANCE_COLUMNS] or list(frame.columns)
        cells = frame[content].apply(lambda column: column.astype(str).str.strip().fillna(""))  # by column: fast
        blank = cells.isin(["", "nan", "None", "<NA>"]).all(axis=1)
        if blank.any():
            frame = frame[~blank.to_numpy(dtype=bool)].reset_index(drop=True)
    info.blank_rows_skipped += before - len(frame)
    frame.columns = [str(c) for c in frame.columns]
    frame, converted = convert_legacy_column(frame)
    for note in converted:
        if note not in info.notes:
            info.notes.append(note)
    return frame


def _split_cells(frame: pd.DataFrame, column: str, info: TableInfo, split: bool) -> pd.DataFrame:
    """Count (and with ``split`` explode) cells holding several numbered petitions."""
    from petition_nlp.files.layout import split_items

    if column not in frame.columns or not len(frame):
        return frame
    if split and "item" not in frame.columns:  # present in every chunk: streamed CSV keeps one header
        frame = frame.assign(item=pd.array([pd.NA] * len(frame), dtype="Int64"))
    values = frame[column].tolist()
    found: dict[int, list[str]] = {}
    for i, value in enumerate(values):
        if isinstance(value, str) and "\n" in value:
            items = split_items(value)
            if items:
                found[i] = items
    if not found:
        return frame
    info.multi_item_cells += len(found)
    info.items_in_cells += sum(len(v) for v in found.values())
    if not split:
        return frame
    positions, texts, numbers = [], [], []
    for i, value in enumerate(values):
        items = found.get(i)
        if items is None:
            positions.append(i)
            texts.append(value)
            numbers.append(pd.NA)
            continue
        has_intro = split_items_intro(value, items)
        for k, item in enumerate(items):
            positions.append(i)
            texts.append(item)
            numbers.append(k if has_intro else k + 1)
    out = frame.iloc[positions].reset_index(drop=True)
    out[column] = texts
    out["item"] = pd.array(numbers, dtype="Int64")
    return out


def split_items_intro(value: str, items: list[str]) -> bool:
    """Whether ``items`` (from :func:`petition_nlp.files.layout.split_items`) starts with an introduction."""
    from petition_nlp.files.layout import _ITEM

    first = next((ln for ln in value.splitlines() if ln.strip()), "")
    return not _ITEM.match(first)


SITUATION_WORDS = ("phan anh", "thuc trang", "tinh hinh", "van de", "noi dung", "ly do", "kho khan", "vuong mac")
"""Words of a column header describing the situation a petition is about ("Nội dung phản ánh")."""
REQUEST_WORDS = ("kien nghi", "de xuat", "de nghi", "mong muon", "yeu cau")
"""Words of a column header holding what is asked ("Kiến nghị, đề xuất")."""
_OUTPUT_WORDS = ("theo danh muc", "nhom van de", "chu de")
"""Words of the columns petition-nlp writes ("Vấn đề (theo danh mục)", "Nhóm vấn đề", "Chủ đề"): never half a petition."""
JOINED_SUFFIX = " + kiến nghị"
"""The joined column is named after the situation column with this suffix."""


def _situation_and_request(frame: pd.DataFrame, column: str) -> tuple[Any, Any] | None:
    """When a form splits each petition into the situation ("Nội dung phản ánh") and the request
    ("Kiến nghị, đề xuất") and the petition column is one of them, ``(situation, request)``;
    ``None`` otherwise. Each must be named for its part alone (never a reply column), the other
    column be the only one so named, and hold text."""
    from petition_nlp.files.layout import REPLY_WORDS, is_numeric_column
    from petition_nlp.files.validation import as_text

    def named(name: Any, these: tuple[str, ...], those: tuple[str, ...]) -> bool:
        k = _key(name)
        return any(w in k for w in these) and not any(w in k for w in those + REPLY_WORDS + _OUTPUT_WORDS)

    def textual(col: Any) -> bool:
        filled = [v for v in (as_text(x).strip() for x in frame[col].head(500)) if v]
        return bool(filled) and not is_numeric_column(filled) and sum(len(v.split()) >= 3 for v in filled) >= 0.5 * len(filled)

    others = [c for c in frame.columns if c != column and c not in PROVENANCE_COLUMNS]
    for mine, theirs in ((SITUATION_WORDS, REQUEST_WORDS), (REQUEST_WORDS, SITUATION_WORDS)):
        if named(column, mine, theirs):
            partners = [c for c in others if named(c, theirs, mine)]
            if len(partners) == 1 and textual(partners[0]):
                return (column, partners[0]) if mine is SITUATION_WORDS else (partners[0], column)
    return None


def _joined_request(frame: pd.DataFrame, pair: tuple[Any, Any], info: TableInfo | None = None) -> tuple[pd.DataFrame, str]:
    """``frame`` with a column joining the situation and the request of each petition ("Giá điện
    nhà trọ cao. Đề nghị kiểm tra"), placed after the later of the two; its name. The two columns
    are kept as they are. ``info``: the note is added (a table's first chunk)."""
    from petition_nlp.files.validation import as_text

    column, partner = pair
    name = f"{column}{JOINED_SUFFIX}"

    def join(a: Any, b: Any) -> str:
        a, b = as_text(a).strip(), as_text(b).strip()
        if a and b:
            return f"{a}{'' if a[-1] in '.?!;:' else '.'} {b}"
        return a or b

    out = frame.copy()
    after = max(list(out.columns).index(column), list(out.columns).index(partner))
    out.insert(after + 1, name, [join(a, b) for a, b in zip(frame[column], frame[partner])])
    if info is not None:
        info.notes.append(f"each petition is in two columns, '{column}' and '{partner}': read together as '{name}'")
    return out, name


def _unit_headings(frame: pd.DataFrame, column: str, info: TableInfo, carry: str | None = None) -> tuple[pd.DataFrame, str | None]:
    """With no unit column, the units named by heading lines (:mod:`petition_nlp.files.units`) as
    a column of their own, with a note. ``carry``: ``None`` for a table's first chunk; for a later
    chunk, what the previous call returned. Returns the frame and, when the table's units come from
    its headings, the unit to carry into the next chunk (else ``None``: leave later chunks alone)."""
    from petition_nlp.files.units import carry_unit_headings

    content = [c for c in frame.columns if c not in PROVENANCE_COLUMNS and c != column]
    if carry is not None:
        frame, _, _, carry = carry_unit_headings(frame, column, columns=content, carry=carry, section="sheet")
        return frame, carry
    if detect_unit_column(frame, text_column=column) is not None:
        return frame, None
    frame, headings, bracketed, carry = carry_unit_headings(frame, column, columns=content, section="sheet")
    if not headings and not bracketed:
        return frame, None

    def quoted(names: list[str]) -> str:
        return ", ".join(f"'{h[:40]}'" for h in names[:2]) + (", …" if len(names) > 2 else "")

    if headings:
        info.notes.append(f"no unit column, but {len(headings)} unit headings ({quoted(headings)}) name the unit of the rows below them: column added")
    if bracketed:
        info.notes.append(
            f"no unit column, but {len(bracketed)} rows end with the unit that raised them, in brackets ({quoted(bracketed)}): "
            "column added" + (" (a row's own unit wins over its heading's)" if headings else "")
        )
    return frame, carry


def _finish_notes(info: TableInfo, frame: pd.DataFrame | None, text_column: str | None, given: bool, split: bool) -> None:
    if text_column is not None and not given:
        info.notes.append(f"text column: '{text_column}' (--text-column to choose another)")
    if frame is not None:
        unit = detect_unit_column(frame, text_column=text_column)
        info.unit_column = unit
        info.notes.append(f"unit column: '{unit}'" if unit is not None else "unit column: none found (no per-unit counts)")
    if info.rows_above_header and "header:" not in " ".join(info.notes):
        info.notes.append(f"{_plural(info.rows_above_header, 'row')} above the header skipped")


def _items_note(info: TableInfo, split: bool) -> None:
    if not info.multi_item_cells:
        return
    cells = _plural(info.multi_item_cells, "cell holds", "cells hold")
    if split:
        info.notes.append(f"{cells} several numbered petitions: split into {info.items_in_cells} rows (columns 'source_row', 'item')")
    else:
        info.notes.append(f"{cells} several numbered petitions ({info.items_in_cells} in all); --split-items (in the workspace: the upload form's box 'Tách ô …') gives each its own row")


def iter_table(
    path: str | Path,
    *,
    header_row: int | None = None,
    sheet: str | int | None = None,
    split_items: bool = False,
    text_column: str | None = None,
    chunk_rows: int = CSV_CHUNK_ROWS,
) -> tuple[TableInfo, Iterator[pd.DataFrame]]:
    """Like :func:`read_table` but yields the rows in chunks (CSV is streamed: bounded memory;
    its header is looked for among the first rows).

    Returns ``(info, chunks)``; ``info`` is complete once the chunks are consumed (the text
    column is known at once: ``info.text_column``). Problems with the file itself raise
    :class:`InputError` before anything is yielded.
    """
    file = Path(path)
    tabs = _checked(file, header_row=header_row, sheet=sheet)
    if not tabs and (file.suffix.lower() != ".csv" or _xlsx_inside(file)):  # an .xlsx under a .csv name is read whole
        frame, info = _read(file, tabs, header_row=header_row, sheet=sheet, split_items=split_items, text_column=text_column)
        return info, iter([frame])
    return _iter_delimited(file, tabs, header_row=header_row, split_items=split_items, text_column=text_column, chunk_rows=chunk_rows)


def _checked(file: Path, *, header_row: int | None, sheet: str | int | None) -> bool:
    """The checks every read starts with, once: the file, then the options for its format.
    Returns whether the file is a tab-separated table."""
    _check_path(file)
    tabs = _tab_separated(file)
    _check_options(file, header_row=header_row, sheet=sheet, delimited=tabs or file.suffix.lower() == ".csv")
    return tabs


def _iter_delimited(
    file: Path, tabs: bool, *, header_row: int | None, split_items: bool, text_column: str | None, chunk_rows: int
) -> tuple[TableInfo, Iterator[pd.DataFrame]]:
    """:func:`iter_table` of a checked CSV or tab-separated file."""
    info = TableInfo(path=file, format="tsv" if tabs else "csv")
    if tabs and file.suffix.lower() == ".txt":
        info.notes.append("read as a tab-separated table (Excel's Text / Unicode Text), not one petition per line")
    columns, chunks = _csv_iter(file, info, chunk_rows, header_row=header_row, text_column=text_column, sep="\t" if tabs else None)
    first = next(chunks, None)  # surfaces encoding and parsing errors now
    if first is None:
        raise InputError(f"{file}: no rows found")
    first = _tidy(first, info)
    column = resolve_text_column(first, text_column, source=file)
    pair = _situation_and_request(first, column) if text_column is None else None
    if pair is not None:
        first, column = _joined_request(first, pair, info)
    info.text_column = column
    first, carry = _unit_headings(first, column, info)
    _finish_notes(info, first, column, text_column is not None, split_items)

    def generate() -> Iterator[pd.DataFrame]:
        nonlocal carry
        produced = 0
        for number, chunk in enumerate(itertools_chain(first, chunks)):
            if number:
                chunk = _tidy(chunk, info)
                if pair is not None:
                    chunk, _ = _joined_request(chunk, pair)
                if carry is not None:
                    chunk, carry = _unit_headings(chunk, column, info, carry)
            chunk = _split_cells(chunk, column, info, split_items)
            if len(chunk):
                produced += len(chunk)
                yield chunk
        if not produced:
            raise InputError(f"{file}: no rows found")
        _items_note(info, split_items)

    return info, generate()


def itertools_chain(first: pd.DataFrame, rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield first
    yield from rest


def read_table(
    path: str | Path,
    *,
    header_row: int | None = None,
    sheet: str | int | None = None,
    split_items: bool = False,
    text_column: str | None = None,
    keep_repeats: bool = False,
) -> tuple[pd.DataFrame, TableInfo]:
    """Read a survey export into a DataFrame of its original columns, rows in file order,
    plus the provenance columns ``source_row`` (always), ``sheet`` (rows from several
    sheets), ``table`` / ``paragraph`` (documents) and ``item`` (with ``split_items``).

    Args:
        path: ``.csv``, ``.tsv``, ``.xlsx``, ``.xls``, ``.ods``, ``.docx``, ``.pdf``, ``.jsonl`` or
            ``.txt`` (one petition per line, or a tab-separated table as Excel saves one).
        header_row: 1-based row of the header, as Excel numbers it (CSV: the line); found by
            its content when ``None``. Only for .csv / tab-separated tables and workbooks.
        sheet: a workbook's sheet, by name or 1-based number; every sheet holding a petition
            table when ``None``. Only for workbooks.
        split_items: give each petition of a cell holding several ("1. …\\n2. …") its own row.
        text_column: the petition column (else detected: never a column of numbers).
        keep_repeats: keep a sheet whose rows repeat an earlier sheet's (skipped by default, as
            a summary sheet is), e.g. the topic sheets of a workbook ``classify`` wrote.

    Fully blank rows are skipped (and counted in ``TableInfo.blank_rows_skipped``); what the
    reader decided is in ``TableInfo`` and its ``notes``. Raises :class:`InputError`.
    """
    file = Path(path)
    tabs = _checked(file, header_row=header_row, sheet=sheet)
    return _read(file, tabs, header_row=header_row, sheet=sheet, split_items=split_items, text_column=text_column, keep_repeats=keep_repeats)


def _read(
    file: Path, tabs: bool, *, header_row: int | None, sheet: str | int | None, split_items: bool, text_column: str | None,
    keep_repeats: bool = False,
) -> tuple[pd.DataFrame, TableInfo]:
    """:func:`read_table` of a checked file (``tabs``: a tab-separated table)."""
    suffix = file.suffix.lower()
    renamed = suffix == ".csv" and _xlsx_inside(file)
    if (suffix == ".csv" and not renamed) or tabs:
        info, chunks = _iter_delimited(file, tabs, header_row=header_row, split_items=split_items, text_column=text_column, chunk_rows=CSV_CHUNK_ROWS)
        return pd.concat(list(chunks), ignore_index=True), info
    if renamed:
        suffix = ".xlsx"
    info = TableInfo(path=file, format=suffix.lstrip("."))
    if renamed:
        info.notes.append("an .xlsx workbook under a .csv name: read as .xlsx")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read file ({exc.strerror or exc.__class__.__name__})") from None
    if suffix in WORKBOOK_EXTENSIONS:
        frame = _read_workbook(file, raw, info, header_row=header_row, sheet=sheet, text_column=text_column, keep_repeats=keep_repeats)
    elif suffix in DOCUMENT_EXTENSIONS:
        frame = _read_document(file, raw, info, text_column=text_column)
    elif suffix == ".jsonl":
        frame = _read_jsonl(file, raw, info)
    else:
        frame = _read_txt(file, raw, info)
    frame = _tidy(frame, info)
    if len(frame.columns) == 0 or len(frame) == 0:
        raise InputError(f"{file}: no rows found")
    column = info.text_column if info.text_column in frame.columns and text_column is None else None
    column = column or resolve_text_column(frame, text_column, source=file)
    pair = _situation_and_request(frame, column) if text_column is None else None
    if pair is not None:
        frame, column = _joined_request(frame, pair, info)
    info.text_column = column
    frame, _ = _unit_headings(frame, column, info)
    _finish_notes(info, frame, column, text_column is not None, split_items)
    frame = _split_cells(frame, column, info, split_items)
    _items_note(info, split_items)
    return frame, info


# ----------------------------------------------------------------------------- writers
@contextmanager
def atomic_output(
    path: str | Path, *, overwrite: bool = False, protect: Iterable[str | Path] = ()
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``.

    An interrupted or failed write leaves no half-written output. Refuses to replace any of
    the ``protect`` paths (the inputs) unless ``overwrite`` is true.
    """
    target = Path(path)
    for other in protect:
        if target.exists() and Path(other).exists() and target.resolve() == Path(other).resolve() and not overwrite:
            raise InputError(f"{target}: output would overwrite the input file; pass --overwrite to allow it")
    if not target.parent.exists():
        raise InputError(f"{target}: folder {target.parent} does not exist")
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".part{target.suffix}", dir=target.parent)
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_table(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    overwrite: bool = False,
    protect: Iterable[str | Path] = (),
    xlsx_writer: Callable[[pd.DataFrame, Path], None] | None = None,
    formula_guard: bool = True,
) -> Path:
    """Write ``frame`` by extension (.csv, .xlsx, .jsonl), atomically (temp file + rename).

    Input text never becomes a spreadsheet formula: ``.xlsx`` cells are written as text
    whatever they start with, and ``.csv`` cells (and column names) that start with ``=``,
    ``+``, ``-``, ``@``, tab or carriage return get a leading ``'`` (OWASP's advice; this
    package's readers remove it again, so the text round-trips exactly).

    Args:
        frame: the table.
        path: output file.
        overwrite: allow ``path`` to be one of the ``protect`` paths (the input files).
        protect: input paths that must not be overwritten by accident.
        xlsx_writer: ``callable(frame, path)`` that writes a formatted workbook.
        formula_guard: quote formula-like CSV cells (``False``: write them raw, for tools that
            read the CSV as plain data and must not see the quote).
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in WRITE_EXTENSIONS:
        raise InputError(f"{target}: unknown output type '{suffix or '(none)'}' (use {', '.join(WRITE_EXTENSIONS)})")
    with atomic_output(target, overwrite=overwrite, protect=protect) as temp:
        if suffix == ".csv":
            from petition_nlp.files.safefiles import guard_frame

            # CRLF rows (RFC 4180, as Excel writes): a cell holding a lone carriage return is then
            # quoted instead of splitting its row in two
            (guard_frame(frame) if formula_guard else frame).to_csv(
                temp, index=False, encoding="utf-8-sig", lineterminator="\r\n"
            )
        elif suffix == ".jsonl":
            frame.to_json(temp, orient="records", lines=True, force_ascii=False)
        elif xlsx_writer is not None:
            xlsx_writer(frame, temp)
        else:
            from petition_nlp.files.workbooks import write_plain

            write_plain(frame, temp)
    return target
