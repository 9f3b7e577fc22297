"""Limits that keep hostile files harmless: archive (zip) bombs, XML entity bombs, giant
sheets, and spreadsheet formula injection in CSV output.

Office files (``.xlsx``, ``.docx``, ``.ods``) are zip archives of XML. :func:`check_archive`
looks at the archive *before* any reader inflates it and raises :class:`~petition_nlp.files.io.InputError`
(one line, naming the file) when

* the declared uncompressed total is over :data:`MAX_TOTAL_BYTES`, or a member over
  :data:`RATIO_MIN_BYTES` inflates more than :data:`MAX_RATIO` times its compressed size;
* there are more than :data:`MAX_MEMBERS` members, or a member is itself an archive (outside the
  folders where Office keeps embedded objects, which no reader opens);
* an XML member declares a DTD (``<!DOCTYPE`` / ``<!ENTITY``: the "billion laughs" entity bomb;
  Office Open XML and OpenDocument never use one);
* a worksheet claims or holds a range over :data:`MAX_SHEET_CELLS` cells (``<dimension
  ref="A1:XFD1048576">`` or a few cells placed at the far corner), or an OpenDocument sheet
  repeats filled cells / rows past that bound (``number-columns-repeated="16384"``).

Declared sizes can be trusted as an upper bound: Python's :mod:`zipfile` (used by openpyxl,
odfpy and python-docx) stops inflating a member at its declared size and then fails its CRC
check, so a member that lies about its size cannot inflate further.

For CSV output, :func:`guard_cell` applies OWASP's advice against formula injection (a cell
that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``) and
:func:`unguard_cell` removes exactly that quote again, so ``unguard_cell(guard_cell(s)) == s``
for every string ``s``.
"""

from __future__ import annotations

import io as _io
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MAX_TOTAL_BYTES",
    "MAX_RATIO",
    "RATIO_MIN_BYTES",
    "MAX_MEMBERS",
    "MAX_SHEET_CELLS",
    "FORMULA_TRIGGERS",
    "check_archive",
    "guard_cell",
    "unguard_cell",
    "guard_frame",
    "unguard_frame",
    "parse_xml",
]

MAX_TOTAL_BYTES = 500 * 1024**2
MAX_RATIO = 200
RATIO_MIN_BYTES = 1024**2
MAX_MEMBERS = 5_000
MAX_SHEET_CELLS = 20_000_000  # rows x columns of the rectangle a sheet spans (1,048,576 x 19)
_PROLOG_BYTES = 4096
_SCAN_CHUNK = 1 << 20

# Office keeps embedded objects (an Excel chart inside a Word file, OLE packages) here; no
# reader of ours opens them, so an archive there is inert.
_EMBED_DIRS = ("word/embeddings/", "xl/embeddings/", "ppt/embeddings/", "objectreplacements/", "object ")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"BZh")
_ARCHIVE_SUFFIXES = (".zip", ".xlsx", ".xlsm", ".docx", ".ods", ".odt", ".gz", ".7z", ".rar", ".jar", ".bz2")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*\bref=\"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})?(\d+)?)?\"")
_CELL_REF = re.compile(rb"\br=\"([A-Z]{0,3})(\d{1,9})\"")
_ODS_REPEAT = re.compile(rb"number-(rows|columns)-repeated=\"(\d+)\"")


def _error(message: str) -> Exception:
    from petition_nlp.files.io import InputError  # lazy: io imports this module

    return InputError(message)


def _col_number(letters: bytes | None) -> int:
    n = 0
    for ch in letters or b"":
        n = n * 26 + (ch - 64)
    return n


def _mb(n: float) -> str:
    return f"{n / 1024**2:,.0f} MB"


def check_archive(raw: bytes, path: str | Path) -> None:
    """Refuse a zip-based office file that would inflate past the limits (see the module doc).

    Does nothing when ``raw`` is not a zip archive (the caller reports that); raises
    :class:`~petition_nlp.files.io.InputError` with a one-line message naming ``path`` otherwise.
    Reads the central directory, the first bytes of each XML member and, for worksheets, the
    cell references, never more than the limits allow.
    """
    if not raw.startswith(b"PK"):
        return
    try:
        archive = zipfile.ZipFile(_io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return  # not a readable zip: the reader reports it as corrupt
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _error(f"{path}: archive has {len(members):,} members (limit {MAX_MEMBERS:,}); refused as a possible zip bomb")
        total = sum(m.file_size for m in members)
        if total > MAX_TOTAL_BYTES:
            raise _error(
                f"{path}: inflates to {_mb(total)} (limit {_mb(MAX_TOTAL_BYTES)}); refused as a possible zip bomb"
            )
        for m in members:
            if m.file_size > RATIO_MIN_BYTES and m.file_size > MAX_RATIO * max(m.compress_size, 1):
                raise _error(
                    f"{path}: member {m.filename} inflates {m.file_size / max(m.compress_size, 1):,.0f}x "
                    f"(limit {MAX_RATIO}x); refused as a possible zip bomb"
                )
        for m in members:
            if m.is_dir() or m.file_size == 0:
                continue
            name = m.filename.lower()
            embedded = name.startswith(_EMBED_DIRS)
            try:
                with archive.open(m) as fh:
                    head = fh.read(_PROLOG_BYTES)
                    if not embedded and (name.endswith(_ARCHIVE_SUFFIXES) or head.startswith(_ARCHIVE_MAGIC)):
                        raise _error(f"{path}: holds another archive ({m.filename}); nested archives are refused")
                    if name.endswith((".xml", ".rels")) or head.lstrip().startswith(b"<?xml"):
                        if _DTD.search(head):
                            raise _error(
                                f"{path}: {m.filename} declares XML entities (a DTD); refused as a possible entity bomb"
                            )
                        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                            _check_xlsx_sheet(head, fh, m.filename, path)
                        elif name == "content.xml":
                            _check_ods_content(head, fh, path)
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
                continue  # unreadable or encrypted member: the reader reports the file as corrupt
            except Exception as exc:
                if exc.__class__.__name__ == "InputError":
                    raise
                continue


def _too_big(path: str | Path, member: str, rows: int, cols: int) -> Exception:
    return _error(
        f"{path}: sheet {member} spans {rows:,} rows x {cols:,} columns (limit {MAX_SHEET_CELLS:,} cells); "
        "copy the table to a new workbook or save it as .csv"
    )


def _check_xlsx_sheet(head: bytes, fh: Any, member: str, path: str | Path) -> None:
    """Refuse a worksheet whose claimed (``<dimension>``) or actual cell range is too large."""
    found = _DIMENSION.search(head)
    if found:
        c1, r1, c2, r2 = found.groups()
        rows = max(int(r1 or 1), int(r2 or r1 or 1))
        cols = max(_col_number(c1), _col_number(c2), 1)
        if rows * cols > MAX_SHEET_CELLS:
            raise _too_big(path, member, rows, cols)
    max_row = max_col = 0
    carry = b""
    chunk = head
    while chunk:
        data = carry + chunk
        for letters, number in _CELL_REF.findall(data):
            row = int(number)
            if row > max_row:
                max_row = row
            if letters:
                col = _col_number(letters)
                if col > max_col:
                    max_col = col
        if max_row * max(max_col, 1) > MAX_SHEET_CELLS:
            raise _too_big(path, member, max_row, max(max_col, 1))
        carry = data[-64:]
        chunk = fh.read(_SCAN_CHUNK)


def _check_ods_content(head: bytes, fh: Any, path: str | Path) -> None:
    """Refuse an OpenDocument sheet that repeats rows x columns past the cell bound.

    A lone huge repeat is normal (LibreOffice writes the empty rest of a sheet as one row
    repeated ~10^6 times); it is the product of a large row repeat and a large column repeat
    that can make a reader build a huge grid, so both are bounded together.
    """
    max_rows = max_cols = 1
    carry = b""
    chunk = head
    while chunk:
        data = carry + chunk
        for kind, number in _ODS_REPEAT.findall(data):
            n = int(number)
            if kind == b"rows":
                max_rows = max(max_rows, n)
            else:
                max_cols = max(max_cols, n)
        if max_rows > 1 and max_cols > 1 and max_rows * max_cols > MAX_SHEET_CELLS:
            raise _error(
                f"{path}: a sheet repeats cells over {max_rows:,} rows x {max_cols:,} columns "
                f"(limit {MAX_SHEET_CELLS:,} cells); copy the table to a new file or save it as .csv"
            )
        carry = data[-64:]
        chunk = fh.read(_SCAN_CHUNK)


def parse_xml(data: bytes | str) -> Any:
    """Parse XML read by hand from an untrusted file, refusing DTDs and entities (defusedxml)."""
    from defusedxml import ElementTree as SafeET

    return SafeET.fromstring(data, forbid_dtd=True)


# ----------------------------------------------------------------------------- formula guard
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_GUARD_NEEDED = re.compile(r"^'*[=+\-@\t\r]")  # what guard_cell quotes
_GUARDED = re.compile(r"^'+[=+\-@\t\r]")  # what unguard_cell unquotes


def guard_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula (OWASP).

    Strings starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return — or with quotes
    followed by one of those, so that :func:`unguard_cell` restores every string exactly — get a
    leading single quote. Anything else (numbers, missing values, other text) is returned as is.
    """
    if isinstance(value, str) and _GUARD_NEEDED.match(value):
        return "'" + value
    return value


def unguard_cell(value: Any) -> Any:
    """Undo :func:`guard_cell`: remove the one leading ``'`` it added; anything else as is."""
    if isinstance(value, str) and _GUARDED.match(value):
        return value[1:]
    return value


def _map_text(series: pd.Series, pattern: re.Pattern[str], change: Any) -> pd.Series:
    """``series`` with ``change`` applied to the text cells ``pattern`` matches (same object if none)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = list(series.cat.categories)
        if any(isinstance(c, str) and pattern.match(c) for c in categories):
            return series.cat.rename_categories([change(c) for c in categories])
        return series
    if series.dtype.kind in "biufcmM":
        return series
    values = series.to_numpy(dtype=object)
    hits = [i for i, v in enumerate(values) if isinstance(v, str) and pattern.match(v)]
    if not hits:
        return series
    out = series.copy()
    out.iloc[np.asarray(hits)] = [change(values[i]) for i in hits]
    return out


def _map_frame(frame: pd.DataFrame, pattern: Any, change: Any) -> pd.DataFrame:
    out = frame.copy(deep=False)
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        changed = _map_text(column, pattern, change)
        if changed is not column:
            out.isetitem(position, changed)
    out.columns = [change(c) for c in out.columns]
    return out


def guard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`guard_cell` applied to every text cell and column name."""
    return _map_frame(frame, _GUARD_NEEDED, guard_cell)


def unguard_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`guard_frame` on a table read back from CSV (cells and column names)."""
    return _map_frame(frame, _GUARDED, unguard_cell)
