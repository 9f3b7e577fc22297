"""Workbooks as grids of cell texts: ``.xlsx`` (openpyxl), ``.xls`` (xlrd), ``.ods`` (odfpy
through pandas). One :class:`Sheet` per worksheet, in workbook order, merged ranges filled.
:func:`write_plain` writes a table as a one-sheet workbook without formatting (the formatted
result workbooks are :mod:`petition_nlp.reports.workbook`'s).

Errors are raised as ``petition_nlp.files.io.InputError`` with one line naming the file. Zip-based
files are checked with :func:`petition_nlp.files.safefiles.check_archive` before they are opened.
"""

from __future__ import annotations

import io as _io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from petition_nlp.files.layout import cell_text, continued_rows_note, fill_merged, listed

__all__ = ["Sheet", "read_xlsx", "read_xls", "read_ods", "write_plain", "OLE_MAGIC"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]{1,3}[0-9]{1,7})(?::([A-Z]{1,3}[0-9]{1,7}))?\"")
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3}[0-9]{1,7})\"[^>]*?(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")


@dataclass
class Sheet:
    """A worksheet: its name, rows of cell texts and each row's 1-based number in the sheet."""

    name: str
    grid: list[list[str]]
    numbers: list[int]
    hidden: bool = False
    merged: int = 0
    notes: list[str] = field(default_factory=list)


def _error(path: Path, message: str):  # noqa: ANN202 - returns the exception to raise
    from petition_nlp.files.io import InputError

    return InputError(f"{path}: {message}")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]


def _trim(grid: list[list[str]]) -> list[list[str]]:
    """Drop trailing empty cells of each row and trailing empty rows."""
    out = []
    for row in grid:
        end = len(row)
        while end and not row[end - 1]:
            end -= 1
        out.append(row[:end])
    while out and not out[-1]:
        out.pop()
    return out


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _tags(archive: zipfile.ZipFile, member: str, pattern: re.Pattern[bytes], *, most: int = 100_000) -> Iterator[re.Match[bytes]]:
    """Matches of ``pattern`` (one XML tag) in a worksheet's XML, read in chunks of 1 MB; a tag
    cut by a chunk's end is read with the next chunk. At most ``most`` matches."""
    tail, found = b"", 0
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(1 << 20)
            if not chunk:
                break
            data = tail + chunk
            cut = data.rfind(b"<")
            cut = cut if cut > 0 else len(data)
            for m in pattern.finditer(data, 0, cut):
                yield m
                found += 1
                if found >= most:
                    return
            tail = data[cut:] if len(data) - cut < (1 << 16) else b""


def _merged_ranges(archive: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
    """``mergeCell`` ranges of a worksheet, read by scanning its XML (read-only openpyxl
    does not expose them); 0-based inclusive ``(r0, c0, r1, c1)``."""
    ranges = []
    for m in _tags(archive, member, _MERGE):
        a, b = m.group(1).decode(), (m.group(2) or m.group(1)).decode()
        (ca, ra), (cb, rb) = _REF.match(a).groups(), _REF.match(b).groups()
        ranges.append((int(ra) - 1, _col_index(ca), int(rb) - 1, _col_index(cb)))
    return list(dict.fromkeys(ranges))


def _uncached_formulas(archive: zipfile.ZipFile, member: str) -> list[str]:
    """References (``"B5"``) of the worksheet's formula cells that carry no saved value: a workbook
    written by a program and never opened in Excel; read with ``data_only`` they are empty, and
    formulas are never evaluated here. Scans the XML in chunks; only chunks with a formula are
    parsed cell by cell."""
    found: list[str] = []
    tail = b""
    with archive.open(member) as handle:
        while True:
            chunk = handle.read(1 << 20)
            data = tail + chunk
            end = len(data)
            if chunk:  # up to the end of the last whole cell ("</c>", or "</x:c>" with a prefix)
                closes = list(_CELL_END.finditer(data, max(0, len(data) - (1 << 16))))
                end = closes[-1].end() if closes else 0
            if _FORMULA.search(data, 0, end):
                for m in _CELL.finditer(data, 0, end):
                    body = m.group(2) or b""
                    if _FORMULA.search(body) and not _VALUE.search(body):
                        found.append(m.group(1).decode())
            if not chunk or len(found) > 100_000:
                break
            tail = data[end:] if len(data) - end < (8 << 20) else b""  # no cell is that long
    return found


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HIDDEN = re.compile(rb"\bhidden=\"(?:1|true)\"")
_ROW_NUMBER = re.compile(rb"\br=\"(\d+)\"")


def _hidden_rows(archive: zipfile.ZipFile, member: str) -> list[int]:
    """1-based numbers of the worksheet's rows hidden in Excel (hidden by hand or by a filter),
    read by scanning its XML (read-only openpyxl does not expose row attributes)."""
    return [
        int(number.group(1)) for m in _tags(archive, member, _ROW_TAG, most=1_100_000)
        if _HIDDEN.search(m.group(1)) and (number := _ROW_NUMBER.search(m.group(1)))
    ]


def _hidden_note(hidden: Iterable[int], grid: list[list[str]], numbers: list[int]) -> str | None:
    """The note for hidden rows holding something: read like the others (never left out unseen)."""
    row_of = {n: i for i, n in enumerate(numbers)}
    shown_rows = [n for n in hidden if n in row_of and any(c.strip() for c in grid[row_of[n]])]
    if not shown_rows:
        return None
    rows = "row" if len(shown_rows) == 1 else "rows"
    return f"{len(shown_rows)} {rows} hidden in Excel ({rows} {listed(shown_rows)}; hidden by hand or by a filter) read like the others"


def _formula_note(refs: list[str], grid: list[list[str]], numbers: list[int]) -> str | None:
    """The note for formula cells read empty (only those the grid holds as empty)."""
    row_of = {n: i for i, n in enumerate(numbers)}
    empty = []
    for ref in refs:
        letters, digits = _REF.match(ref).groups()
        r, c = row_of.get(int(digits)), _col_index(letters)
        if r is None or c >= len(grid[r]) or not grid[r][c]:  # a row of such cells alone is not in the grid
            empty.append(ref)
    if not empty:
        return None
    cells = "cell holds a formula" if len(empty) == 1 else f"{len(empty)} cells hold formulas"
    return (f"{cells} with no saved value ({listed(empty)}), read as empty: open the file in Excel "
            "and save it, then read it again")


def _fill_merged(
    grid: list[list[str]], numbers: list[int], ranges: list[tuple[int, int, int, int]], notes: list[str]
) -> tuple[int, list[list[str]], list[int]]:
    """:func:`fill_merged`, then the rows that only continue the row above taken out (a note names
    them); returns the ranges applied, the grid and its row numbers."""
    if not grid:
        return 0, grid, numbers
    merged, continued = fill_merged(grid, ranges)
    if continued:
        gone = set(continued)
        notes.append(continued_rows_note([numbers[r] for r in continued]))
        grid = [row for r, row in enumerate(grid) if r not in gone]
        numbers = [n for r, n in enumerate(numbers) if r not in gone]
    return merged, grid, numbers


def read_xlsx(path: Path, raw: bytes) -> list[Sheet]:
    """Every worksheet of an ``.xlsx`` workbook (values as last saved by Excel; formulas are
    never evaluated, macros never run)."""
    import openpyxl

    from petition_nlp.files.safefiles import check_archive

    if not zipfile.is_zipfile(_io.BytesIO(raw)):
        raise _error(path, "corrupt or not an .xlsx workbook")
    check_archive(raw, path)
    try:
        book = openpyxl.load_workbook(_io.BytesIO(raw), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise _error(path, f"corrupt .xlsx workbook ({_first_line(exc)})") from None
    sheets = []
    try:
        for ws in book.worksheets:
            if not hasattr(ws, "iter_rows"):  # chart sheets
                continue
            ws.reset_dimensions()  # the declared size can lie ("A1:XFD1048576"): read what is there
            grid = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            grid = _trim(grid)
            member = getattr(ws, "_worksheet_path", None)
            merged = 0
            notes = []
            numbers = list(range(1, len(grid) + 1))
            if member:
                note = _formula_note(_uncached_formulas(book._archive, member), grid, numbers)
                notes += [note] if note else []
            if member and grid:
                merged, grid, numbers = _fill_merged(grid, numbers, _merged_ranges(book._archive, member), notes)
                note = _hidden_note(_hidden_rows(book._archive, member), grid, numbers)
                notes += [note] if note else []
            hidden = getattr(ws, "sheet_state", "visible") != "visible"
            sheets.append(Sheet(ws.title, grid, numbers, hidden=hidden, merged=merged, notes=notes))
    except Exception as exc:  # noqa: BLE001
        from petition_nlp.files.io import InputError

        if isinstance(exc, InputError):
            raise
        raise _error(path, f"corrupt .xlsx workbook ({_first_line(exc)})") from None
    finally:
        book.close()
    return sheets


def read_xls(path: Path, raw: bytes) -> list[Sheet]:
    """Every worksheet of an old ``.xls`` (BIFF) workbook, with merged ranges (xlrd; VBA
    macros in the file are never read or run)."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=raw, formatting_info=True, on_demand=True)
    except xlrd.XLRDError as exc:
        text = str(exc)
        if "encrypt" in text.lower():
            raise _error(path, "password-protected (encrypted) workbook; save it without a password") from None
        if "workbook" in text.lower() and "OLE2" in text:
            if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in raw or b"EncryptedPackage" in raw:
                raise _error(path, "password-protected (encrypted) workbook; save it without a password") from None
        raise _error(path, f"corrupt or not an .xls workbook ({_first_line(exc)})") from None
    except Exception as exc:  # noqa: BLE001
        raise _error(path, f"corrupt or not an .xls workbook ({_first_line(exc)})") from None
    sheets = []
    try:
        for index in range(book.nsheets):
            ws = book.sheet_by_index(index)
            grid = []
            for r in range(ws.nrows):
                row = []
                for c in range(ws.ncols):
                    cell = ws.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            row.append(cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)))
                        except (ValueError, OverflowError):
                            row.append(cell_text(cell.value))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        row.append("")
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append("TRUE" if cell.value else "FALSE")
                    else:
                        row.append(cell_text(cell.value))
                grid.append(row)
            grid = _trim(grid)
            ranges = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells]
            notes = []
            merged, grid, numbers = _fill_merged(grid, list(range(1, len(grid) + 1)), ranges, notes)
            note = _hidden_note((r + 1 for r, info in ws.rowinfo_map.items() if info.hidden), grid, numbers)
            notes += [note] if note else []
            sheets.append(Sheet(ws.name, grid, numbers, hidden=ws.visibility != 0, merged=merged, notes=notes))
            book.unload_sheet(index)
    except Exception as exc:  # noqa: BLE001
        raise _error(path, f"corrupt .xls workbook ({_first_line(exc)})") from None
    finally:
        book.release_resources()
    return sheets


def read_ods(path: Path, raw: bytes) -> list[Sheet]:
    """Every sheet of an OpenDocument spreadsheet (odfpy through pandas). Merged ranges keep
    their value in the first cell only (pandas' reader does not report them)."""
    import pandas as pd

    from petition_nlp.files.safefiles import check_archive

    if not zipfile.is_zipfile(_io.BytesIO(raw)):
        raise _error(path, "corrupt or not an .ods spreadsheet")
    check_archive(raw, path)
    try:
        frames = pd.read_excel(_io.BytesIO(raw), sheet_name=None, header=None, dtype=object, engine="odf")
    except Exception as exc:  # noqa: BLE001
        raise _error(path, f"corrupt .ods spreadsheet ({_first_line(exc)})") from None
    sheets = []
    for name, frame in frames.items():
        grid = _trim([[cell_text(v) for v in row] for row in frame.itertuples(index=False, name=None)])
        sheets.append(Sheet(str(name), grid, list(range(1, len(grid) + 1))))
    return sheets


# ----------------------------------------------------------------------------- plain writing
def _text_only(ws: Any) -> None:
    """Store every cell openpyxl took for a formula (a string starting with ``=``) as plain text.

    openpyxl turns any string that starts with ``=`` into a formula cell; a petition is data,
    so the cell type goes back to text and the value is kept exactly as typed.
    """
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"


EXCEL_CELL_LIMIT = 32_767
"""Most characters an Excel cell holds."""


WHOLE_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,14})")
"""A cell text written back as a number: a whole number as a spreadsheet shows one (no leading zero,
no separator, at most 15 digits, which Excel holds exactly)."""


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the control characters XML cannot hold (``\\x00``-``\\x08``, ``\\x0b``, ...)
    shown as U+FFFD in text cells and column names (openpyxl refuses them otherwise), a text
    longer than an Excel cell holds cut with a visible note of how long it was (never silently),
    and a text column whose every filled cell is a whole number (``STT``: "1", "2", … "10") written
    as numbers, so that the officer's spreadsheet sorts and sums it (a column with any other cell,
    a leading zero as in "001" or a phone number, or a decimal, stays text as read)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(value) > EXCEL_CELL_LIMIT:
            note = f" … [cắt bớt: bản gốc dài {len(value):,} ký tự, một ô Excel chỉ chứa {EXCEL_CELL_LIMIT:,}; xem bản .csv]"
            value = value[: EXCEL_CELL_LIMIT - len(note)] + note
        return value

    out = frame
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if column.dtype.kind in "biufcmM":
            continue
        values = column.tolist()
        filled = [v for v in values if v != "" and not (pd.api.types.is_scalar(v) and pd.isna(v))]
        if filled and all(isinstance(v, str) and WHOLE_NUMBER.fullmatch(v) for v in filled):
            stored = [int(v) if isinstance(v, str) and v else None for v in values]
        elif not isinstance(column.dtype, pd.CategoricalDtype) and any(
            isinstance(v, str) and (len(v) > EXCEL_CELL_LIMIT or ILLEGAL_CHARACTERS_RE.search(v)) for v in values
        ):
            stored = [clean(v) for v in values]
        else:
            continue
        out = frame.copy() if out is frame else out
        out.isetitem(position, pd.Series(stored, index=frame.index, dtype=object))
    if any(isinstance(c, str) and ILLEGAL_CHARACTERS_RE.search(c) for c in frame.columns):
        out = out.copy() if out is frame else out
        out.columns = [clean(c) for c in frame.columns]
    return out


def write_plain(frame: pd.DataFrame, path: str | Path, sheet_name: str = "Sheet1") -> None:
    """``frame`` as a one-sheet workbook without formatting; every cell is data, never a formula."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        _storable(frame).to_excel(writer, sheet_name=sheet_name, index=False)
        _text_only(writer.sheets[sheet_name])
