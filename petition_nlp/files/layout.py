"""Finding the petition table in a grid of cells, the way a person reading the sheet would.

A *grid* is a list of rows, each a list of cell texts (``""`` for an empty cell), as they
appear in a spreadsheet, a CSV file, a Word or PDF table. The functions here decide:

* which row is the header (:func:`find_header`): recognised by its content — short,
  distinct, header-like cells, known header words (STT, Đơn vị, Nội dung, Kiến nghị, Ý kiến,
  Lĩnh vực, Ghi chú, Người tổng hợp ...) and longer texts below it — whatever stands above
  it (title lines, blank rows, merged title cells);
* whether the row below the header is a second header row (a merged "Ý kiến, kiến nghị"
  over "Nội dung | Lĩnh vực"), combined into one name per column
  (``"Ý kiến, kiến nghị / Nội dung"``) by :func:`header_names`;
* which column holds the petitions (:func:`choose_text_column`): never a column of
  numbers or ordinals;
* which cells hold several numbered petitions (:func:`split_items`).

Merged cells are filled before any of this (:func:`fill_merged`): a merged cell's value
applies across its whole range, clipped to the cells the sheet really holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from petition_nlp.text.normalize import strip_diacritics

__all__ = [
    "cell_text",
    "continued_rows_note",
    "listed",
    "fill_merged",
    "find_header",
    "header_names",
    "HeaderChoice",
    "choose_text_column",
    "is_numeric_column",
    "split_items",
    "HEADER_WORDS",
]

HEADER_SCAN_ROWS = 40
"""Header candidates are looked for among the first this many non-empty rows."""

# Words that name columns of petition tables (keys: lower case, no diacritics).
HEADER_WORDS = (
    "stt", "tt", "so tt", "so thu tu", "thu tu", "id", "ma", "ma so", "ma chu de", "no",
    "don vi", "ten don vi", "cdcs", "cong doan co so", "doanh nghiep", "ten doanh nghiep", "cong ty",
    "co quan", "to chuc", "kcn", "khu cong nghiep", "dia chi", "dia ban", "unit",
    "noi dung", "kien nghi", "y kien", "de xuat", "cau hoi", "van ban", "text", "content", "petition",
    "linh vuc", "chu de", "nhom", "phan loai", "label", "category", "nhan", "topic", "code",
    "ghi chu", "nguoi tong hop", "nguoi de xuat", "nguoi kien nghi", "ho ten", "ho va ten", "chuc vu",
    "thoi gian", "ngay", "so luong", "tra loi", "tiep thu", "ket qua", "tinh trang", "co quan giai quyet",
    "trach nhiem", "sheet", "note", "notes", "remarks", "date", "name",
)
_SINGLE_WORD_KEYS = {w for w in HEADER_WORDS if " " not in w}
_MULTI_WORD_KEYS = tuple(w for w in HEADER_WORDS if " " in w)

_ORDINAL = re.compile(r"^\(?([0-9]{1,6}([.,][0-9]+)*|[ivxlcdm]{1,6}|[a-zđ])[.):]?\)?$", re.IGNORECASE)
_NUMBER = re.compile(r"^[-+]?[0-9][0-9.,\s%]*$")
_LETTER = re.compile(r"[^\W\d_]")
_TIMESTAMP = re.compile(r"\d{1,4}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{1,4}|\b\d{1,2}:\d{2}\b")
"""A date or a time: a header row never holds one (a form's first answer, stamped, does)."""


def key(value: Any) -> str:
    """Lower case, no diacritics, single spaces: how header words are compared."""
    text = strip_diacritics(str(value)).lower().replace("_", " ")
    return " ".join(re.sub(r"[^\w\s/]", " ", text).split())


def cell_text(value: Any) -> str:
    """A cell as the text an officer sees: numbers without a trailing ``.0``, dates as
    ``dd/mm/yyyy``, missing values as ``""``; text exactly as typed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    text = str(value)
    return "" if text in ("nan", "NaT", "<NA>", "None") else text.strip()


def fill_merged(grid: list[list[str]], ranges: Iterable[tuple[int, int, int, int]]) -> tuple[int, list[int]]:
    """Copy each merged range's top-left value over the range, in place.

    ``ranges`` are ``(first_row, first_col, last_row, last_col)``, 0-based and inclusive.
    Ranges are clipped to the grid (a hostile "merge A1:XFD1048576" costs nothing beyond
    the cells that exist); a range holding other values besides its top-left one is not a
    real merge (a spreadsheet keeps only the top-left value) and is left alone, and so is
    everything past a budget of a few times the grid's cells.

    Returns how many ranges applied, and the rows (0-based) that only continue the row above: every
    value they hold was filled from a range starting higher up (a petition cell merged down over
    two rows to make room), so they are part of that row, not another record to count twice.
    """
    applied = 0
    continued: set[tuple[int, int]] = set()  # cells filled from a range starting on a row above
    n_rows = len(grid)
    width = max((len(r) for r in grid), default=0)
    budget = 4 * n_rows * max(width, 1) + 10_000
    for r0, c0, r1, c1 in ranges:
        if r0 >= n_rows or r0 < 0 or c0 < 0 or c0 >= width or r1 < r0 or c1 < c0:
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else ""
        if not value.strip():
            continue
        r1, c1 = min(r1, n_rows - 1), min(c1, width - 1)
        size = (r1 - r0 + 1) * (c1 - c0 + 1)
        if size > budget:
            break
        budget -= size
        cells = [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
        if any(c < len(grid[r]) and grid[r][c].strip() for r, c in cells if (r, c) != (r0, c0)):
            continue
        applied += 1
        for r, c in cells:
            row = grid[r]
            if c >= len(row):
                row.extend([""] * (c + 1 - len(row)))
            row[c] = value
            if r > r0:
                continued.add((r, c))
        if budget <= 0:
            break
    rows = sorted({r for r, _ in continued})
    return applied, [r for r in rows if all((r, c) in continued for c, v in enumerate(grid[r]) if v.strip())]


def listed(items: Sequence[Any], most: int = 10) -> str:
    """``items`` as a note names them: the first ``most``, then how many more ("3, 7, 9 and 12 more")."""
    return ", ".join(map(str, items[:most])) + (f" and {len(items) - most} more" if len(items) > most else "")


def continued_rows_note(rows: list[int]) -> str:
    """The note naming the rows (as the officer numbers them) that :func:`fill_merged` found to
    only continue the row above."""
    return (
        f"{len(rows)} row{'' if len(rows) == 1 else 's'} ({listed(rows)}) only continuing cells merged down from the row above, "
        "read as part of it (not as another petition)"
    )


def _is_header_word(cell_key: str) -> bool:
    if not cell_key:
        return False
    if cell_key in _SINGLE_WORD_KEYS:
        return True
    first = cell_key.split()[0]
    if first in ("stt", "tt") and len(cell_key.split()) <= 2:
        return True
    padded = f" {cell_key} "
    return any(f" {w} " in padded for w in _MULTI_WORD_KEYS)


def _header_like(cell: str) -> bool:
    return bool(cell) and len(cell) <= 80 and len(cell.split()) <= 14 and bool(_LETTER.search(cell)) and "\n" not in cell.strip()


def _long_text(cell: str) -> bool:
    return bool(_LETTER.search(cell)) and (len(cell.split()) >= 4 or len(cell) >= 20)


def _distinct(row: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for cell in row:
        if cell and cell not in seen:
            seen.append(cell)
    return seen


@dataclass
class HeaderChoice:
    """Where the header is: ``row`` (0-based index in the grid) and ``rows`` (1 or 2 header rows;
    0: the table has no header, its data start at ``row`` and its columns are ``column_N``)."""

    row: int
    rows: int = 1
    found: bool = True  # False: no header-like row, the first non-empty row was taken (or none, rows 0)


def _names_a_column(cell: str) -> bool:
    """A cell reads as a column's name: a header word, or a header word and at most two more words
    ("Công ty A" yes; "Kiến nghị tăng lương cho công nhân" no — the substring test of
    :func:`_is_header_word` takes both)."""
    k = key(cell)
    return bool(k) and len(k.split()) <= 4 and any(k == w or k.startswith(w + " ") for w in HEADER_WORDS)


def _sentence_over_sentences(grid: list[list[str]], i: int) -> bool:
    """Row ``i`` holds a sentence (six words or more) over a longer text in the same column of the
    next non-empty row: a data row (a petition above more petitions), not a header."""
    below = next((r for r in grid[i + 1 :] if any(r)), [])
    return any(len(c.split()) >= 6 and j < len(below) and _long_text(below[j]) for j, c in enumerate(grid[i]))


def _score(grid: list[list[str]], i: int, width: int) -> float | None:
    row = grid[i]
    cells = [c for c in row if c]
    distinct = _distinct(row)
    if not distinct or not all(_header_like(c) for c in distinct):
        return None
    keys = [key(c) for c in distinct]
    known = sum(_is_header_word(k) for k in keys)
    if len(distinct) < 2 and not (width == 1 and known):
        return None
    if any(_NUMBER.match(c) for c in distinct):
        return None
    if not any(any(r) for r in grid[i + 1 :]):
        return None  # nothing under it: a header heads data
    if _sentence_over_sentences(grid, i) and sum(_names_a_column(c) for c in distinct) < 2:
        return None  # "Công ty A | Đề nghị tăng lương …" over more of the same: the first data row
    columns = {j for j, c in enumerate(row) if c}
    below, long_below = 0, 0
    for r in grid[i + 1 :]:
        if not any(r):
            continue
        below += 1
        if any(_long_text(c) for j, c in enumerate(r) if c and (j in columns or not columns)):
            long_below += 1
        if below >= 8:
            break
    if not known and not long_below:
        return None
    duplicates = len(cells) - len(distinct)
    return 3.0 * known + len(distinct) + (4.0 if long_below else 0.0) - 0.5 * duplicates


def find_header(grid: list[list[str]], *, text_column: str | None = None) -> HeaderChoice:
    """The header row of ``grid`` (which must hold at least one non-empty row).

    A row qualifies when every cell in it is short header-like text (no numbers), it has
    at least two distinct values (one when the table has a single column), and either
    holds known header words or has longer texts below it. The best-scoring row among the
    first rows wins (known words count most; merged duplicates count against it); rows
    above it may only be title-like (at most two distinct values each: titles, a
    letterhead's left and right blocks), else the first non-empty row is the header.
    When ``text_column`` is given, the first row holding a cell of that name is the header.
    """
    non_empty = [i for i, r in enumerate(grid) if any(r)]
    if not non_empty:
        raise ValueError("empty grid")
    width = max((len([c for c in grid[i] if c]) for i in non_empty[:HEADER_SCAN_ROWS]), default=0)
    used_cols = {j for i in non_empty[:HEADER_SCAN_ROWS] for j, c in enumerate(grid[i]) if c}
    if text_column is not None:
        wanted = text_column.strip()
        for i in non_empty[:HEADER_SCAN_ROWS]:
            if wanted in grid[i]:
                return _with_second_row(grid, HeaderChoice(i))
    best, best_score = None, 0.0
    for i in non_empty[:HEADER_SCAN_ROWS]:
        score = _score(grid, i, len(used_cols) if width <= 1 else width)
        if score is not None and score > best_score:
            best, best_score = i, score
    if best is None:
        first = grid[non_empty[0]]
        if any(len(c.split()) >= 6 and not _names_a_column(c) or not _header_like(c) for c in first if c):
            return HeaderChoice(non_empty[0], rows=0, found=False)  # no header: a list of petitions from its first row
        return HeaderChoice(non_empty[0], found=False)
    if best > 0 and _score(grid, best - 1, width) is not None and _with_second_row(grid, HeaderChoice(best - 1)).rows == 2:
        best -= 1  # the best row is the lower half of a two-row header
    for i in non_empty:
        if i >= best:
            break
        if len(_distinct(grid[i])) > 2:  # a data-like row above: trust the first row instead
            first = non_empty[0]
            return _with_second_row(grid, HeaderChoice(first, found=_score(grid, first, width) is not None))
    return _with_second_row(grid, HeaderChoice(best))


def _with_second_row(grid: list[list[str]], choice: HeaderChoice) -> HeaderChoice:
    """Extend ``choice`` to two rows when the next row is a second header row."""
    i = choice.row
    if i + 1 >= len(grid):
        return choice
    top, second = grid[i], grid[i + 1]
    distinct = _distinct(second)
    if not distinct or not all(_header_like(c) for c in distinct) or any(_NUMBER.match(c) or _TIMESTAMP.search(c) for c in distinct):
        return choice
    if _sentence_over_sentences(grid, i + 1):
        return choice  # a sentence over more sentences: the first data row (a form's first answer), not a header
    new = [j for j, c in enumerate(second) if c and (j >= len(top) or c != top[j])]
    if not new:
        return choice
    # the parent of the new names spans several columns (a merged cell filled across them)
    spanned = any(
        j < len(top) and top[j] and ((j > 0 and top[j - 1] == top[j]) or (j + 1 < len(top) and top[j + 1] == top[j]))
        for j in new
    )
    # header words among the new names, each counted once: a section row ("II | LĨNH VỰC BẢO HIỂM"
    # merged across the columns) repeats one name, a second header row names each column its own way.
    # Without a merged parent (a CSV loses merges), some new name must stand under an empty top cell: a
    # top row naming every column has its header whole, and a row under it with a unit ("Công ty A")
    # and a petition ("Kiến nghị tăng lương") is the first data row, however header-like its words
    known = sum(_is_header_word(key(name)) for name in {second[j] for j in new})
    split = any(j >= len(top) or not top[j] for j in new)
    if spanned or (known >= 2 and split):
        return HeaderChoice(i, 2, choice.found)
    return choice


def header_names(grid: list[list[str]], choice: HeaderChoice, width: int) -> list[str]:
    """One name per column: a two-row header is combined as ``"top / bottom"``; blank
    names become ``column_N``; repeated names get ``.1``, ``.2``."""
    rows = [grid[choice.row + k] + [""] * (width - len(grid[choice.row + k])) for k in range(choice.rows)]
    names = []
    for j in range(width):
        parts: list[str] = []
        for row in rows:
            cell = " ".join(row[j].split())
            if cell and cell not in parts:
                parts.append(cell)
        names.append(" / ".join(parts) if parts else f"column_{j + 1}")
    return dedupe(names)


def dedupe(names: list[str]) -> list[str]:
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


def is_numeric_column(values: Iterable[Any]) -> bool:
    """True when most non-empty values are numbers or ordinals (1, 2., IV, a), (3))."""
    filled = [v.strip() for v in (cell_text(x) for x in values) if v and v.strip()]
    if not filled:
        return False
    numeric = sum(1 for v in filled if _ORDINAL.match(v) or _NUMBER.match(v))
    return numeric >= 0.8 * len(filled)


REPLY_WORDS = ("tra loi", "phan hoi", "ket qua", "giai quyet", "huong xu ly", "y kien cua co quan", "ghi chu")
"""Words of a column header that holds the answers to petitions, not the petitions."""
_DUPLICATE_SUFFIX = re.compile(r" \d+$")


def choose_text_column(columns: Sequence[str], values: dict[str, list[str]], names: Sequence[str]) -> str | None:
    """The petition column among ``columns``: never a column of numbers or ordinals.

    Columns named like a petition column (``names``, matched on their keys) come first: an
    exact name in ``names`` order (two columns of that name, as a sheet may have: the one with
    the longer texts), else — among names containing one of them — the one with the longest
    texts, a column of replies ("Ý kiến trả lời", "Kết quả giải quyết") only when no other is
    named so. Without such a column, the column with the longest texts. ``None`` when no column
    holds text.
    """
    def textual(col: str) -> bool:
        vals = [v for v in values.get(col, []) if v]
        return bool(vals) and not is_numeric_column(vals) and any(_LETTER.search(v) for v in vals)

    def mean_len(col: str) -> float:
        vals = [v for v in values.get(col, []) if v and _LETTER.search(v)]
        return sum(len(v) for v in vals) / len(vals) if vals else 0.0

    keys = {c: key(c) for c in columns}
    longest = lambda cols: max(cols, key=lambda c: (mean_len(c), -list(columns).index(c)))  # noqa: E731
    for wanted in names:
        same = [c for c in columns if _DUPLICATE_SUFFIX.sub("", keys[c]) == wanted and textual(c)]  # "Nội dung", "Nội dung.1"
        if same:
            return longest(same)
    named = [c for c in columns if textual(c) and any(w in keys[c].split() or (" " in w and w in keys[c]) for w in names)]
    asking = [c for c in named if not any(r in keys[c] for r in REPLY_WORDS)]
    if asking or named:
        return longest(asking or named)
    candidates = [c for c in columns if textual(c)]
    if candidates:
        return longest(candidates)
    return None


# ----------------------------------------------------------------------------- several petitions in one cell
_ITEM = re.compile(r"^\s*(?:(\d{1,2})\s*[.)]|([a-zđ])\s*\)|([-+•*–]))\s+(\S.*)$", re.IGNORECASE)


def split_items(text: str) -> list[str] | None:
    """The petitions of a cell holding several, one per line and numbered ("1. …", "2) …",
    "a) …") or bulleted ("- …", "+ …"); ``None`` when the cell holds one.

    Needs at least two markers of one kind, numbers (or letters) in sequence from the first;
    the markers are removed; lines without a marker continue the item above; text before
    the first item (an introduction such as "Công nhân kiến nghị:") is returned as the
    first element when there is any.
    """
    if "\n" not in text:
        return None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if len(lines) < 2:
        return None
    items: list[str] = []
    intro: list[str] = []
    kind = None
    expected: int | None = None
    for line in lines:
        m = _ITEM.match(line)
        marker_kind = None
        if m:
            marker_kind = "num" if m.group(1) else "letter" if m.group(2) else "bullet"
        if m and (kind is None or marker_kind == kind):
            if marker_kind == "num":
                n = int(m.group(1))
                if expected is not None and n != expected:
                    return None
                expected = n + 1
            elif marker_kind == "letter":
                n = ord(m.group(2).lower())
                if expected is not None and n != expected:
                    return None
                expected = n + 1
            kind = marker_kind
            items.append(m.group(4).strip())
        elif items:
            items[-1] = f"{items[-1]} {line}"
        else:
            intro.append(line)
    if len(items) < 2:
        return None
    return ([" ".join(intro)] if intro else []) + items


# ----------------------------------------------------------------------------- grid -> table
@dataclass
class Table:
    """One table found in a grid: its rows under the header, with what was decided."""

    columns: list[str]
    rows: list[list[str]]
    source_rows: list[int]  # 1-based row number of each data row, as the officer sees it
    header_rows: tuple[int, ...]  # 1-based numbers of the header row(s)
    header_found: bool
    above_text: int  # non-empty rows above the header (titles, letterheads), skipped
    above_blank: int  # blank rows above the header, skipped
    blank_rows: int  # blank rows inside / below the table, skipped
    text_column: str | None
    keep: list[int]  # grid column of each of ``columns``
    width: int  # grid columns spanned from the header down
    start: int  # grid index of the first row under the header


def build_table(
    grid: list[list[str]],
    numbers: Sequence[int],
    *,
    header_row: int | None = None,
    text_column: str | None = None,
    text_names: Sequence[str] = (),
) -> Table:
    """The table of ``grid``: header found by content (or ``header_row``, 1-based, matched
    against ``numbers``), rows below it kept (blank ones counted and skipped), columns that
    are empty in header and data dropped, the petition column chosen.

    Cells are compared stripped of surrounding spaces but returned as they are. Raises
    ``LookupError`` (message without the file name) when ``header_row`` is empty or past
    the end, ``ValueError`` when the grid is empty.
    """
    view = [[c.strip() for c in r] for r in grid]
    if header_row is not None:
        index = next((i for i, n in enumerate(numbers) if n == header_row), None)
        if index is None or not any(view[index]):
            raise LookupError(f"header row {header_row} is empty or past the end of the table")
        choice = _with_second_row(view, HeaderChoice(index))
    else:
        choice = find_header(view, text_column=text_column)
    start = choice.row + choice.rows
    width = max((max((j + 1 for j, c in enumerate(r) if c), default=0) for r in view[choice.row :]), default=0)
    names = header_names(view, choice, width)
    data, data_numbers, blank = [], [], 0
    for r, v, n in zip(grid[start:], view[start:], numbers[start:]):
        if not any(v):
            blank += 1
            continue
        data.append(list(r[:width]) + [""] * (width - len(r)))
        data_numbers.append(n)
    header_cells = [view[choice.row + k] for k in range(choice.rows)]

    def copy_of_left(j: int) -> bool:
        """Column ``j`` repeats column ``j - 1``'s header and, in every row, its value or nothing: a
        header cell merged across several columns ("Nội dung kiến nghị" over C:E) over cells merged
        the same way, or over text typed in the first column only. Nothing is lost without it."""
        return j > 0 and choice.found and any(j < len(h) and h[j] for h in header_cells) and all(
            (h[j] if j < len(h) else "") == (h[j - 1] if j - 1 < len(h) else "") for h in header_cells
        ) and all(row[j] == row[j - 1] or not row[j].strip() for row in data)

    keep = [
        j for j in range(width)
        if (any(j < len(h) and h[j] for h in header_cells) or any(row[j].strip() for row in data)) and not copy_of_left(j)
    ]
    columns = [names[j] for j in keep]
    rows = [[row[j] for j in keep] for row in data]
    above_text = sum(1 for r in view[: choice.row] if any(r))
    chosen = text_column
    if chosen is None:
        values = {c: [row[k].strip() for row in rows[:2000]] for k, c in enumerate(columns)}
        chosen = choose_text_column(columns, values, text_names)
    elif chosen not in columns:
        chosen = None
    return Table(
        columns=columns,
        rows=rows,
        source_rows=data_numbers,
        header_rows=tuple(numbers[choice.row + k] for k in range(choice.rows)),
        header_found=choice.found,
        above_text=above_text,
        above_blank=choice.row - above_text,
        blank_rows=blank,
        text_column=chosen,
        keep=keep,
        width=width,
        start=start,
    )
