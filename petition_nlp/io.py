"""Reading survey exports and writing results, without losing or reordering rows.

Readers accept ``.csv`` (UTF-8 with or without BOM, UTF-16 LE/BE, Windows-1258; legacy TCVN3
and VNI text is converted to Unicode), ``.xlsx`` (the header row is found when titles sit
above it), ``.jsonl`` and ``.txt`` (one petition per line). Every problem with a file is
raised as :class:`InputError` with a one-line message naming the file.
"""

from __future__ import annotations

import codecs
import csv
import io as _io
import itertools
import json
import os
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from petition_nlp.legacy import convert_legacy_column, detect_legacy
from petition_nlp.normalize import strip_diacritics

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
    "READ_EXTENSIONS",
    "WRITE_EXTENSIONS",
]

READ_EXTENSIONS = (".csv", ".xlsx", ".jsonl", ".txt")
WRITE_EXTENSIONS = (".csv", ".xlsx", ".jsonl")
MAX_FILE_BYTES = 2 * 1024**3

TEXT_COLUMN_NAMES = (
    "text", "noi dung", "kien nghi", "y kien", "content", "petition", "cau hoi", "de xuat", "van ban",
)
LABEL_COLUMN_NAMES = ("ma chu de", "label", "category", "nhan", "chu de", "topic", "linh vuc", "code", "ma")


class InputError(ValueError):
    """An input file that cannot be used; the message is one line and names the file."""


@dataclass
class TableInfo:
    """What the reader found: encoding, header row, notes for the run summary."""

    path: Path
    encoding: str | None = None
    header_row: int = 0
    blank_rows_skipped: int = 0
    notes: list[str] = field(default_factory=list)


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
    """The petition column: one named like text / nội dung / kiến nghị / ý kiến / content,
    else the column with the longest texts. Raises :class:`InputError` when none holds text."""
    named = _find_named(list(frame.columns), TEXT_COLUMN_NAMES)
    if named is not None:
        return named
    best, best_len = None, 0.0
    for col in frame.columns:
        values = frame[col].dropna().astype(str)
        values = values[values.str.contains(r"[^\W\d_]", regex=True)]
        if len(values) == 0:
            continue
        mean_len = values.str.len().mean()
        if mean_len > best_len:
            best, best_len = col, mean_len
    if best is None:
        found = ", ".join(str(c) for c in frame.columns) or "none"
        raise InputError(f"no text column found (columns: {found}); use --text-column")
    return best


def resolve_text_column(frame: pd.DataFrame, given: str | None, *, source: str | Path) -> Any:
    """``given`` if ``frame`` has it, else the detected text column; errors name ``source``."""
    if given is not None:
        if given not in frame.columns:
            found = ", ".join(map(str, frame.columns))
            raise InputError(f"{source}: no column '{given}' (columns: {found})")
        return given
    try:
        return detect_text_column(frame)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


def detect_label_column(frame: pd.DataFrame) -> Any | None:
    """The label column (label / category / nhãn / chủ đề / topic ...), or ``None``."""
    return _find_named(list(frame.columns), LABEL_COLUMN_NAMES)


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
    if detect_legacy(sample[:20000].decode("latin-1")):
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


def _decode(raw: bytes, path: Path, info: TableInfo) -> str:
    codec = _sniff_encoding(raw[:65536], path, info)
    try:
        text = raw.decode(codec, errors="strict" if codec.startswith("utf-16") else "replace")
    except UnicodeDecodeError:
        raise InputError(f"{path}: broken UTF-16 text") from None
    _check_text(text, path)
    return unicodedata.normalize("NFC", text)


def _csv_chunks(path: Path, info: TableInfo, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Parse a CSV file in chunks of ``chunk_rows`` rows (bounded memory for huge exports)."""
    with open(path, "rb") as fh:
        sample = fh.read(65536)
    codec = _sniff_encoding(sample, path, info)
    try:
        with open(path, encoding=codec, errors="replace", newline="") as handle:
            head = handle.read(65536)
            _check_text(head, path)
            if not head.strip():
                raise InputError(f"{path}: file is empty")
            try:
                sep = csv.Sniffer().sniff("\n".join(head.splitlines()[:50]), delimiters=",;\t|").delimiter
            except csv.Error:
                sep = ","
            handle.seek(0)
            reader = pd.read_csv(handle, dtype=str, keep_default_na=False, sep=sep, chunksize=chunk_rows)
            for chunk in reader:
                if codec == "cp1258":  # Windows-1258 writes tone marks as combining characters
                    chunk = chunk.map(lambda v: unicodedata.normalize("NFC", v) if isinstance(v, str) else v)
                    chunk.columns = [unicodedata.normalize("NFC", str(c)) for c in chunk.columns]
                from petition_nlp.safefiles import unguard_frame  # undo write_table's formula guard

                yield unguard_frame(chunk)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError, ValueError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]


def _find_header(grid: pd.DataFrame) -> int:
    """Index of the header row: the first row that is as wide as the table and all text."""
    top = grid.head(30)
    filled = top.notna().sum(axis=1)
    width = int(filled.max()) if len(filled) else 0
    for i, row in top.iterrows():
        values = row.dropna()
        if len(values) >= max(1, int(width * 0.6)) and all(isinstance(v, str) for v in values):
            return int(i)
    return int(grid.index[0])


def _read_xlsx(path: Path, raw: bytes, info: TableInfo, *, header_row: int | None) -> pd.DataFrame:
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"{path}: password-protected (encrypted) or old .xls workbook; save it as a plain .xlsx")
    if not zipfile.is_zipfile(_io.BytesIO(raw)):
        raise InputError(f"{path}: corrupt or not an .xlsx workbook")
    try:
        grid = pd.read_excel(_io.BytesIO(raw), header=None, dtype=object, engine="openpyxl")
    except Exception as exc:
        raise InputError(f"{path}: corrupt .xlsx workbook ({_first_line(exc)})") from None
    grid = grid.dropna(axis=1, how="all")
    filled = grid.dropna(how="all")
    if filled.empty:
        raise InputError(f"{path}: workbook has no data")
    row = _find_header(filled) if header_row is None else header_row
    if row not in filled.index:
        raise InputError(f"{path}: header row {row + 1} is empty or past the end of the sheet")
    info.header_row = row
    if row:
        info.notes.append(f"header found on row {row + 1} (use --header-row to choose another)")
    grid = grid.loc[row:]
    row = grid.index[0]
    header = [str(v).strip() if pd.notna(v) else f"column_{j + 1}" for j, v in enumerate(grid.iloc[0])]
    header = _dedupe(header)
    frame = grid.iloc[1:].reset_index(drop=True)
    frame.columns = header
    return frame


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        if n in seen:
            seen[n] += 1
            out.append(f"{n}.{seen[n]}")
        else:
            seen[n] = 0
            out.append(n)
    return out


def _read_jsonl(path: Path, raw: bytes, info: TableInfo) -> pd.DataFrame:
    text = _decode(raw, path, info)
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(f"{path}: line {number} is not valid JSON") from None
        records.append(value if isinstance(value, dict) else {"text": value})
    if not records:
        raise InputError(f"{path}: file is empty")
    return pd.DataFrame.from_records(records)


def _read_txt(path: Path, raw: bytes, info: TableInfo) -> pd.DataFrame:
    text = _decode(raw, path, info)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{path}: file is empty")
    return pd.DataFrame({"text": lines})


def _check_path(file: Path) -> None:
    suffix = file.suffix.lower()
    if suffix not in READ_EXTENSIONS:
        raise InputError(f"{file}: unknown file type '{suffix or '(none)'}' (use {', '.join(READ_EXTENSIONS)})")
    if not file.exists():
        raise InputError(f"{file}: file not found")
    if file.is_dir():
        raise InputError(f"{file}: is a directory, not a file")
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


def _tidy(frame: pd.DataFrame, info: TableInfo) -> pd.DataFrame:
    """Drop fully blank rows (counted), name columns as text, convert legacy-font cells."""
    before = len(frame)
    if before:
        cells = frame.apply(lambda column: column.astype(str).str.strip().fillna(""))  # by column: fast
        blank = cells.isin(["", "nan", "None", "<NA>"]).all(axis=1)
        frame = frame[~blank.to_numpy(dtype=bool)].reset_index(drop=True)
    info.blank_rows_skipped += before - len(frame)
    frame.columns = [str(c) for c in frame.columns]
    frame, converted = convert_legacy_column(frame)
    for note in converted:
        if note not in info.notes:
            info.notes.append(note)
    return frame


def iter_table(
    path: str | Path, *, header_row: int | None = None, chunk_rows: int = 50_000
) -> tuple[TableInfo, Iterator[pd.DataFrame]]:
    """Like :func:`read_table` but yields the rows in chunks (CSV is streamed: bounded memory).

    Returns ``(info, chunks)``; ``info`` is complete once the chunks are consumed. Problems
    with the file itself raise :class:`InputError` before anything is yielded.
    """
    file = Path(path)
    _check_path(file)
    if file.suffix.lower() != ".csv":
        frame, info = read_table(file, header_row=header_row)
        return info, iter([frame])
    info = TableInfo(path=file)
    chunks = _csv_chunks(file, info, chunk_rows)
    first = next(chunks, None)  # surfaces encoding and parsing errors now

    def generate() -> Iterator[pd.DataFrame]:
        produced = 0
        for chunk in itertools.chain([first] if first is not None else [], chunks):
            chunk = _tidy(chunk, info)
            if len(chunk):
                produced += len(chunk)
                yield chunk
        if not produced:
            raise InputError(f"{file}: no rows found")

    return info, generate()


def read_table(path: str | Path, *, header_row: int | None = None) -> tuple[pd.DataFrame, TableInfo]:
    """Read a survey export into a DataFrame of its original columns, rows in file order.

    Args:
        path: ``.csv``, ``.xlsx``, ``.jsonl`` or ``.txt`` file.
        header_row: 0-based row of the header in an ``.xlsx`` sheet; found when ``None``.

    Fully blank rows are skipped (and counted in ``TableInfo.blank_rows_skipped``).
    """
    file = Path(path)
    _check_path(file)
    suffix = file.suffix.lower()
    if suffix == ".csv":
        info, chunks = iter_table(file)
        return pd.concat(list(chunks), ignore_index=True), info
    info = TableInfo(path=file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read file ({exc.strerror or exc.__class__.__name__})") from None
    if suffix == ".xlsx":
        frame = _read_xlsx(file, raw, info, header_row=header_row)
    elif suffix == ".jsonl":
        frame = _read_jsonl(file, raw, info)
    else:
        frame = _read_txt(file, raw, info)
    frame = _tidy(frame, info)
    if len(frame.columns) == 0 or len(frame) == 0:
        raise InputError(f"{file}: no rows found")
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
            from petition_nlp.safefiles import guard_frame

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
            from petition_nlp.excel import write_plain

            write_plain(frame, temp)
    return target
