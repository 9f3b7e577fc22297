"""Unit headings: a report that lists its petitions unit by unit, under a line naming the unit.

Federation reports often have no unit column: a numbered paragraph or a section row names the
grassroots union ("1. CĐCS Công ty TNHH May Hòa Bình:"), its petitions follow as bullets or rows,
then the next unit. Without the unit, nothing can count how many units raised an issue. When a table
has no unit column and at least :data:`MIN_HEADINGS` such lines, :func:`carry_unit_headings` gives
every row the unit of the heading above it, in a column of its own.

A heading names a union, a firm or another employer (:data:`UNIT_WORDS`), is short, and asks for
nothing (no petition cue such as "đề nghị", no question mark); it ends with a colon unless it names a
union itself ("CĐCS …", "Công đoàn …"), since "Công ty nợ BHXH 6 tháng" is a petition about a firm.

Other reports end each petition with the unit that raised it, in brackets: "Đề nghị lắp đèn đường
vào khu trọ. (CĐCS Công ty TNHH A)" (:func:`unit_in_brackets`). Such a row's own unit wins over a
heading's; with at least :data:`MIN_HEADINGS` of them the column is added as for headings. The
petition's text is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from petition_nlp.files.layout import key

__all__ = [
    "UNIT_COLUMN", "MIN_HEADINGS", "unit_heading", "unit_in_brackets", "unit_names", "unit_key", "distinct_units", "names_units",
    "carry_unit_headings",
]

UNIT_COLUMN = "Đơn vị"
"""Name of the column the headings fill (``"Đơn vị (tiêu đề)"`` when the table has an "Đơn vị")."""
MIN_HEADINGS = 2
MAX_WORDS = 16

UNIONS = ("cdcs", "cong doan co so", "cong doan", "ban chap hanh cong doan", "bch cong doan")
UNIT_WORDS = UNIONS + (
    "cty", "cong ty", "tong cong ty", "doanh nghiep", "nha may", "xi nghiep", "chi nhanh", "hop tac xa",
    "truong", "benh vien", "trung tam", "khu cong nghiep", "kcn",
)
"""How a heading begins (compared without diacritics, in lower case)."""
CUES = (
    "de nghi", "kien nghi", "de xuat", "yeu cau", "xin ", "mong ", "tai sao", "vi sao", "bao gio", "co duoc",
    "khong ", "chua ", "cham ", "no bhxh", "no luong",
)
"""Words a petition uses and a unit's name does not."""
_MARKER = re.compile(r"^\s*(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6}|[a-zđ])\s*[.)\-–]\s+", re.IGNORECASE)


def _a_member(words: str) -> bool:
    """"Công đoàn viên Lý Thị Hoa": a union member, a person, not a unit ("Công đoàn Viên chức
    tỉnh …", the civil servants' union, is one)."""
    return (words + " ").startswith("cong doan vien ") and not words.startswith("cong doan vien chuc")


def _names_a_unit(name: str) -> bool:
    """Short, begins with a unit word, asks for nothing."""
    words = key(name)
    return (
        bool(words) and "?" not in name and len(name.split()) <= MAX_WORDS
        and not _a_member(words)
        and any(words == w or words.startswith(w + " ") for w in UNIT_WORDS)
        and not any(cue in f" {words} " for cue in CUES)
    )


def unit_heading(text: Any) -> str | None:
    """The unit a heading line names ("CĐCS Công ty TNHH May Hòa Bình"), or ``None``."""
    if not isinstance(text, str):
        return None
    line = " ".join(_MARKER.sub("", text.strip(), count=1).split())
    name = line.rstrip(":").strip()
    if not _names_a_unit(name):
        return None
    if not line.endswith(":") and not any(key(name).startswith(w + " ") for w in UNIONS):
        return None
    return name


_STARTS_A_UNIT = UNIONS + ("cty", "cong ty")
"""How a unit's name begins where the text around it does not say it is one (brackets, a list)."""


def _starts_a_unit(name: str) -> bool:
    words = key(name)
    return any(words.startswith(w + " ") for w in _STARTS_A_UNIT) and not _a_member(words)


_BRACKETS = re.compile(r"\(([^()]{3,160})\)[\s.;,]*$")
_ATTRIBUTION = re.compile(r"^(?:(?:ý kiến|kiến nghị|đề xuất|câu hỏi)\s+(?:của\s+)?|(?:đơn vị|nguồn)\s*:\s*|của\s+)", re.IGNORECASE)


def unit_in_brackets(text: Any) -> str | None:
    """The unit a petition names in brackets at its end ("… (CĐCS Công ty TNHH A)", "… (Ý kiến của
    CĐCS Công ty B)."), or ``None``; brackets that explain ("(KCN Yên Phong)", "(BHXH)") are not
    a unit."""
    if not isinstance(text, str):
        return None
    m = _BRACKETS.search(text.strip())
    if not m or m.start() == 0:  # a line that is only brackets is no petition with a unit
        return None
    name = " ".join(_ATTRIBUTION.sub("", m.group(1).strip(), count=1).split()).rstrip(" .;:")
    return name if _names_a_unit(name) and _starts_a_unit(name) else None


_LIST_SEPARATORS = re.compile(r"\s*(?:;|\n)\s*")
_COMMA_OR_AND = re.compile(r"\s*(?:,|\bvà\b)\s*", re.IGNORECASE)
_PLURAL_PREFIX = re.compile(r"^[^:]{0,60}\b(?:các|những)\b[^:]{0,40}:\s*(.+)$", re.IGNORECASE | re.DOTALL)
def unit_names(cell: Any) -> list[str]:
    """The units a unit cell names, for counting how many units raised an issue: a merged summary
    lists several ("CĐCS Công ty A; CĐCS Công ty B", "CĐCS Công ty A, CĐCS Công ty B và Công ty
    C", "CĐCS các công ty: A, B, C"). Split on ';' and line breaks always; on ',' and 'và' only
    when every part begins like a unit's name (a union, "Công ty") or after a plural "các …:" —
    so "Công ty TNHH May 10, chi nhánh Hà Nam" stays one unit. Empty: no unit."""
    if cell is None or (isinstance(cell, float) and cell != cell):
        return []
    names: list[str] = []
    for part in _LIST_SEPARATORS.split(" ".join(str(cell).replace("\n", " ; ").split())):
        part = part.strip(" .,")
        if not part:
            continue
        plural = _PLURAL_PREFIX.match(part)
        pieces = [p.strip(" .") for p in _COMMA_OR_AND.split(plural.group(1) if plural else part) if p.strip(" .")]
        if plural or (len(pieces) > 1 and all(_starts_a_unit(p) for p in pieces)):
            names += pieces
        else:
            names.append(part)
    return list(dict.fromkeys(names))


_UNIT_PREFIX = re.compile(
    r"^(?:(?:ban chap hanh|bch)\s+)?(?:cdcs|cong doan co so|cong doan)\s+|^(?:cong ty|cty|doanh nghiep|dn)\s+"
    r"|^(?:tnhh|trach nhiem huu han|co phan|cp|mtv|mot thanh vien|hai thanh vien tro len|2tv)\s+"
)


def unit_key(name: Any) -> str:
    """How two spellings of one unit compare: "CĐCS Công ty TNHH May Việt", "Cty TNHH May Việt" and
    "Công ty May Việt" (and, after "CĐCS các công ty:", "May Việt") are one unit. Lower case, no
    diacritics, the union and the firm's legal form dropped from the front."""
    words = key(name)
    while (shorter := _UNIT_PREFIX.sub("", words, count=1)) != words and shorter:
        words = shorter
    return words


def distinct_units(cells: Any) -> list[str]:
    """The units a group's unit cells name (:func:`unit_names`), each once (:func:`unit_key`),
    spelled as first written: what "raised by N units" counts."""
    seen: dict[str, str] = {}
    for cell in cells:
        for name in unit_names(cell):
            seen.setdefault(unit_key(name), name)
    return list(seen.values())


def names_units(values: list[Any]) -> bool:
    """Whether a column's values are unit names ("CĐCS Công ty A", "Công ty TNHH B"): at least four
    of its values, and 80 % of its non-empty ones, begin with a unit word and are short (a column
    with no name, in a table without a header)."""
    texts = [" ".join(v.split()) for v in values if isinstance(v, str) and v.strip()]
    named = sum(_names_a_unit(t) for t in texts)
    return named >= 4 and named >= 0.8 * len(texts)


def carry_unit_headings(
    frame: pd.DataFrame, text_column: Any, *, columns: list[Any] | None = None, carry: str | None = None, section: Any = None
) -> tuple[pd.DataFrame, list[str], list[str], str]:
    """``frame`` with a unit column filled from the headings above each row (or a row's own unit in
    brackets at its end: :func:`unit_in_brackets`), the headings found, the units found in
    brackets, and the unit to carry into the next chunk of the same table.

    A row's heading is read from ``text_column``, or when that cell is empty, from the first
    non-empty cell of ``columns`` (a section row written in the STT column). ``carry``: ``None`` for
    a table's first (or only) chunk, whose frame is returned unchanged (and nothing found) when it
    holds fewer than :data:`MIN_HEADINGS` headings and as few units in brackets (with fewer
    headings but enough units in brackets, the headings are not used); for each later chunk of a
    table whose first chunk had them, the unit its last heading left (the column is then always
    added). ``section``: a column (the workbook's ``sheet``) whose change ends a heading's reach."""
    columns = columns if columns is not None else [c for c in frame.columns if c != text_column]
    texts = frame[text_column].tolist()
    others = frame[columns].to_numpy(dtype=object) if columns else None
    sections = frame[section].tolist() if section is not None and section in frame.columns else [None] * len(frame)
    under: list[str] = []  # the unit of the heading above each row
    own: list[str] = []  # the unit each row names in brackets
    headings: list[str] = []
    current = carry or ""
    for i, cell in enumerate(texts):
        if i and sections[i] != sections[i - 1]:
            current = ""
        text = cell if isinstance(cell, str) and cell.strip() else ""
        if not text and others is not None:
            text = next((v for v in others[i] if isinstance(v, str) and v.strip()), "")
        name = unit_heading(text)
        if name:
            headings.append(name)
            current = name
        under.append(current)
        own.append(unit_in_brackets(cell) or "")
    bracketed = [u for u in own if u]
    if carry is None and len(headings) < MIN_HEADINGS:  # a lone heading is not trusted
        if len(bracketed) < MIN_HEADINGS:
            return frame, [], [], ""
        headings, under, current = [], [""] * len(texts), ""
    units = [mine or above for mine, above in zip(own, under)]
    name = UNIT_COLUMN if UNIT_COLUMN not in frame.columns else f"{UNIT_COLUMN} (tiêu đề)"
    out = frame.copy()
    out.insert(list(frame.columns).index(text_column), name, units)
    return out, headings, bracketed, current
