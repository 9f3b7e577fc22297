"""Word (``.docx``) and text-based PDF reports as petition tables.

A federation's summary is often a Word report: a letterhead, a title, "Kính gửi …", then the
petitions — in a table, or as numbered / bulleted paragraphs — then a signature block.

* **Tables** (Word tables; PDF tables drawn with ruling lines): each is read like a sheet
  (:mod:`petition_nlp.files.layout`: header found by content, merged cells, two-row headers); a
  table without a petition column (a letterhead laid out as a borderless table) is skipped
  with a note. Rows carry ``table`` (1-based, in document order) and ``source_row`` (1-based
  row within the table, header rows counted).
* **Paragraphs**: each numbered or bulleted paragraph ("1.", "2)", "a)", "-", "+", "•", or
  Word's automatic numbering) is one petition, its marker removed; it carries
  ``paragraph`` (1-based number of the paragraph in the document body, empty ones counted;
  for PDF, the item's number in the document) and ``source_row`` (the same number). Every
  other paragraph — letterhead, title, "Kính gửi", section headings ("I. …", lines in
  capitals), signature block — is **left out with a counted note** (the note quotes the
  first ones). A document with no numbered or bulleted paragraph and no petition table has
  each non-empty paragraph read as one row instead (the classifier marks the ones that are
  not petitions), with a note saying so.

PDF text comes from pdfplumber; wrapped lines are joined to the item they continue (a line
continues the item above unless that item already ends a sentence). A PDF with no text layer
(a scan) is refused with a one-line error: it needs OCR first.
"""

from __future__ import annotations

import io as _io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petition_nlp.files.layout import Table, _is_header_word, build_table, continued_rows_note, dedupe, key

__all__ = ["Document", "read_docx", "read_pdf", "paragraph_item"]

_MARKER = re.compile(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\s*[.)]|[a-zđ]\s*\)|[-+•–*·▪●○◦]"
    # a numbered label: "Câu 1:", "Câu hỏi số 2.", "Kiến nghị 3:", "Ý kiến 4 -", "Đề xuất 5)" (also without diacritics)
    r"|(?:c[aâ]u(?:\s+h[oỏ]i)?|ki[eế]n\s+ngh[iị]|[yý]\s+ki[eế]n|đ[eề]\s+xu[aấ]t|de\s+xuat)\s+(?:s[oố]\s+)?\d{1,3}\s*[.:)\-–])\s+(?=\S)",
    re.IGNORECASE,
)
_ROMAN = re.compile(r"^\s*[IVXLC]{1,6}\s*[.)\-–]\s*\S")
_SENTENCE_END = re.compile(r"[.!?…;:]\s*[\"”»)]?\s*$")
MAX_PAGES = 2000


@dataclass
class Document:
    """What a document holds: its petition tables and its item paragraphs, in order."""

    tables: list[tuple[int, Table]] = field(default_factory=list)  # (1-based number, table)
    items: list[tuple[int, int, str]] = field(default_factory=list)  # (order, paragraph number, text)
    order: list[tuple[str, int]] = field(default_factory=list)  # ("table", k) / ("item", k) in document order
    left_out: list[str] = field(default_factory=list)  # paragraphs that are not items
    skipped_tables: list[tuple[int, str]] = field(default_factory=list)
    plain_paragraphs: bool = False  # no items: every paragraph read as a row
    notes: list[str] = field(default_factory=list)
    in_recipients: bool = False  # past "Nơi nhận:": bullets are recipients, not petitions


def _error(path: Path, message: str):  # noqa: ANN202
    from petition_nlp.files.io import InputError

    return InputError(f"{path}: {message}")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0][:200]


def paragraph_item(text: str, *, numbered: bool = False) -> str | None:
    """The petition text of a paragraph that is a numbered or bulleted item (marker
    removed), or ``None`` for any other paragraph (titles, headings, signatures).

    ``numbered``: Word numbers the paragraph itself (the marker is not in the text).
    """
    stripped = " ".join(text.split())
    if not stripped or _ROMAN.match(stripped):
        return None
    m = _MARKER.match(stripped)
    if m:
        return stripped[m.end() :].strip() or None
    if numbered:
        return stripped
    return None


def _is_heading(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def _table_from_grid(
    grid: list[list[str]], number: int, doc: Document, text_names, text_column, numbers: list[int] | None = None
) -> None:
    """A document's table as a petition table (``numbers``: each grid row's row in the table)."""
    numbers = numbers or list(range(1, len(grid) + 1))
    grid = [[" ".join(c.split()) if "\n" not in c else "\n".join(" ".join(ln.split()) for ln in c.splitlines() if ln.strip()) for c in row] for row in grid]
    if not any(any(r) for r in grid):
        doc.skipped_tables.append((number, "empty"))
        return
    table = build_table(grid, numbers, text_column=text_column, text_names=text_names)
    if table.text_column is None or not table.rows:
        doc.skipped_tables.append((number, "no column of petition texts"))
        return
    named = any(_is_header_word(key(c)) for c in table.columns)
    at = table.columns.index(table.text_column)
    # petitions with no header: sentences in sentence case (a letterhead's blocks are capitals)
    sentences = sum(len(row[at].split()) >= 6 and not _is_heading(row[at]) for row in table.rows)
    listed = not table.header_rows and sentences >= 2 and sentences * 2 >= len(table.rows)
    if text_column is None and not listed and (not table.header_found or not named):
        # a letterhead laid out as a borderless table has short lines, and no column names
        doc.skipped_tables.append((number, "no header with column names such as STT / Nội dung (a letterhead or layout table)"))
        return
    doc.tables.append((number, table))
    doc.order.append(("table", len(doc.tables) - 1))


_RECIPIENTS = re.compile(r"^\s*n[oơ]i\s+nh[aậ]n\s*:", re.IGNORECASE)


def _add_paragraph(doc: Document, number: int, text: str, numbered: bool, plain: list[tuple[int, str]]) -> None:
    stripped = " ".join(text.split())
    if not stripped:
        return
    if _RECIPIENTS.match(stripped):  # "Nơi nhận:" — the recipients list of an official letter follows
        doc.in_recipients = True
    item = paragraph_item(stripped, numbered=numbered)
    if item is not None and not doc.in_recipients and not (_is_heading(item) and len(item.split()) <= 12):
        doc.items.append((len(doc.items), number, item))
        doc.order.append(("item", len(doc.items) - 1))
    else:
        doc.left_out.append(stripped)
        plain.append((number, stripped))


def _finish(doc: Document, plain: list[tuple[int, str]], path: Path, kind: str) -> Document:
    if not doc.items and not doc.tables:
        if not plain:
            raise _error(path, f"no table and no paragraphs found: nothing to read in this {kind}")
        doc.plain_paragraphs = True
        doc.left_out = []
        for number, text in plain:
            doc.items.append((len(doc.items), number, text))
            doc.order.append(("item", len(doc.items) - 1))
    return doc


def read_docx(path: Path, raw: bytes, *, text_names, text_column: str | None = None) -> Document:
    """The tables and item paragraphs of a Word document, in document order."""
    from petition_nlp.files.safefiles import check_archive

    if not zipfile.is_zipfile(_io.BytesIO(raw)):
        if raw.startswith(b"\xd0\xcf\x11\xe0"):
            raise _error(path, "password-protected (encrypted) or old .doc document; save it as a plain .docx")
        raise _error(path, "corrupt or not a .docx document")
    check_archive(raw, path)
    try:
        import docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph

        document = docx.Document(_io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds for broken files
        raise _error(path, f"corrupt .docx document ({_first_line(exc)})") from None
    doc = Document()
    plain: list[tuple[int, str]] = []
    paragraph_number = 0
    table_number = 0
    try:
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                paragraph_number += 1
                ppr = block._p.pPr
                numbered = ppr is not None and ppr.numPr is not None
                if not numbered and block.style is not None:
                    style = block.style
                    while style is not None and not numbered:
                        spr = style.element.pPr
                        numbered = spr is not None and spr.numPr is not None
                        style = style.base_style
                _add_paragraph(doc, paragraph_number, block.text, numbered, plain)
            elif isinstance(block, DocxTable):
                table_number += 1
                grid, numbers = _docx_grid(block, table_number, doc)
                _table_from_grid(grid, table_number, doc, text_names, text_column, numbers)
    except Exception as exc:  # noqa: BLE001
        from petition_nlp.files.io import InputError

        if isinstance(exc, InputError):
            raise
        raise _error(path, f"corrupt .docx document ({_first_line(exc)})") from None
    return _finish(doc, plain, path, "document")


def _docx_grid(table: Any, number: int, doc: Document) -> tuple[list[list[str]], list[int]]:
    """A Word table's cell texts (a merged cell's text in each cell it covers) and row numbers,
    without the rows that only continue cells merged down from the row above (a petition cell
    merged over two rows is one petition, not two; a note names them)."""
    grid, numbers, continued = [], [], []
    for r, row in enumerate(table.rows, start=1):
        cells = [cell.text.strip() for cell in row.cells]
        flags = [flag for tc in row._tr.tc_lst for flag in [tc.vMerge == "continue"] * tc.grid_span]
        if r > 1 and len(flags) == len(cells) and any(cells) and all(f for f, c in zip(flags, cells) if c):
            continued.append(r)
            continue
        grid.append(cells)
        numbers.append(r)
    if continued:
        doc.notes.append(f"table {number}: {continued_rows_note(continued)}")
    return grid, numbers


def read_pdf(path: Path, raw: bytes, *, text_names, text_column: str | None = None) -> Document:
    """The ruled tables and item paragraphs of a text-based PDF, in page order."""
    import pdfplumber

    if not raw.lstrip()[:5].startswith(b"%PDF"):
        raise _error(path, "corrupt or not a PDF file")
    try:
        pdf = pdfplumber.open(_io.BytesIO(raw))
    except Exception as exc:  # noqa: BLE001
        name = exc.__class__.__name__
        if "Password" in name or "Encrypt" in name:
            raise _error(path, "password-protected PDF; save it without a password") from None
        raise _error(path, f"corrupt or not a PDF file ({_first_line(exc) or name})") from None
    doc = Document()
    plain: list[tuple[int, str]] = []
    chars = 0
    lines: list[str] = []
    grids: list[list[list[str]]] = []
    try:
        with pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise _error(path, f"more than {MAX_PAGES} pages")
            for page in pdf.pages:
                chars += len(page.chars)
                tables = page.find_tables()
                boxes = [t.bbox for t in tables]
                for t in tables:
                    grids.append([[(c or "").strip() for c in row] for row in t.extract()])
                outside = page
                for box in boxes:
                    outside = outside.outside_bbox(box)
                for line in outside.extract_text_lines():
                    lines.append(line["text"])
    except Exception as exc:  # noqa: BLE001
        from petition_nlp.files.io import InputError

        if isinstance(exc, InputError):
            raise
        name = exc.__class__.__name__
        if "Password" in name or "Encrypt" in name:
            raise _error(path, "password-protected PDF; save it without a password") from None
        raise _error(path, f"corrupt PDF file ({_first_line(exc) or name})") from None
    if chars == 0:
        raise _error(path, "is a scanned image with no text layer; it needs OCR (character recognition) before it can be read")
    for k, grid in enumerate(_join_tables(grids), start=1):
        _table_from_grid(grid, k, doc, text_names, text_column)
    # lines -> paragraphs: an item starts at a marker and runs until a sentence ends
    number = 0
    current: list[str] = []
    current_is_item = False

    def flush() -> None:
        nonlocal current, number
        if current:
            number += 1
            text = " ".join(current)
            if current_is_item:
                _add_paragraph(doc, number, text, False, plain)
            else:
                doc.left_out.append(text)
                plain.append((number, text))
        current = []

    for raw_line in lines:
        line = " ".join(unicodedata.normalize("NFC", raw_line).split())
        if not line:
            continue
        starts_item = paragraph_item(line) is not None or bool(_ROMAN.match(line))
        if starts_item or not current or _SENTENCE_END.search(current[-1]) or _is_heading(line) != _is_heading(current[-1]):
            flush()
            current_is_item = paragraph_item(line) is not None
        current.append(line)
    flush()
    return _finish(doc, plain, path, "PDF")


def _join_tables(grids: list[list[list[str]]]) -> list[list[list[str]]]:
    """Tables continued on the next page (same width; the header repeated or not) become one."""
    out: list[list[list[str]]] = []
    for grid in grids:
        if not grid:
            continue
        width = max(len(r) for r in grid)
        if out and max(len(r) for r in out[-1]) == width:
            previous = out[-1]
            rows = grid[1:] if grid[0] == previous[0] else grid
            previous.extend(rows)
        else:
            out.append([list(r) for r in grid])
    return out


def document_frame(doc: Document, *, text_column_name: str | None) -> tuple[Any, str]:
    """One DataFrame of the document's rows in document order (tables' columns, items in the
    text column) with the provenance columns ``table`` / ``paragraph`` and ``source_row``."""
    import pandas as pd

    name = text_column_name or (doc.tables[0][1].text_column if doc.tables else None) or "text"
    records: list[dict[str, Any]] = []
    columns: list[str] = []
    for kind, k in doc.order:
        if kind == "table":
            number, table = doc.tables[k]
            cols = [name if c == table.text_column else c for c in table.columns]
            cols = dedupe(cols)
            for c in cols:
                if c not in columns:
                    columns.append(c)
            for row, src in zip(table.rows, table.source_rows):
                rec = dict(zip(cols, row))
                rec["table"] = number
                rec["source_row"] = src
                records.append(rec)
        else:
            _, paragraph, text = doc.items[k]
            if name not in columns:
                columns.append(name)
            records.append({name: text, "paragraph": paragraph, "source_row": paragraph})
    provenance = [c for c in ("table", "paragraph") if any(c in r for r in records)] + ["source_row"]
    frame = pd.DataFrame.from_records(records, columns=columns + provenance)
    for c in columns:
        frame[c] = frame[c].fillna("").astype(str)
    for c in provenance:
        frame[c] = frame[c].astype("Int64")
    return frame, name
