"""Access to the domain data files shipped in ``petition_nlp/data`` (taxonomy, abbreviations)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from collections.abc import Iterable
from typing import Any

__all__ = ["load_taxonomy", "load_abbreviations", "load_stopwords", "load_concepts", "category_names", "category_name", "CATEGORY_CODES"]

CATEGORY_CODES: tuple[str, ...] = (
    "housing",
    "social_insurance",
    "skills_training",
    "security",
    "party_building",
    "other",
)


def _read(name: str) -> str:
    return resources.files("petition_nlp").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def load_taxonomy() -> dict[str, Any]:
    """The category taxonomy: ``{"categories": {code: {"name": ..., "keywords": [...]}}}``."""
    return json.loads(_read("taxonomy.json"))


@lru_cache(maxsize=1)
def load_abbreviations() -> tuple[tuple[str, str, str], ...]:
    """Rows ``(abbreviation, expansion, match)`` from ``abbreviations.tsv``."""
    rows = []
    for line in _read("abbreviations.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "abbrev" or len(parts) != 3:
            continue
        rows.append((parts[0], parts[1], parts[2].strip()))
    return tuple(rows)


def category_names() -> dict[str, str]:
    """Vietnamese display name of each known code."""
    return {code: info["name"] for code, info in load_taxonomy()["categories"].items()}


def category_labels() -> dict[str, list[str]]:
    """The short names officers write for each known code in a label or topic column ("BHXH",
    "ANTT", "Khác"; ``labels`` in ``taxonomy.json``)."""
    return {code: list(info.get("labels", [])) for code, info in load_taxonomy()["categories"].items()}


def _name_key(value: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFD", " ".join(str(value).split()).casefold().replace("đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").strip(" .")


def code_for_name(name: str, known: Iterable[str] = ()) -> str | None:
    """The code a topic's name names, as an officer writes it in a label or topic column, a
    corrected workbook's "Chủ đề" or a quota: a code (known, or in ``known`` as written), a
    Vietnamese display name, one of the short names of ``labels`` ("BHXH", "Khác"), or the start
    of a display name ("Nhà ở", "An ninh"); accents, case and spacing ignored. ``None`` otherwise."""
    name = name.strip()
    if not name:
        return None
    if name in CATEGORY_CODES or name in set(known):
        return name
    key = _name_key(name)
    for code, display in category_names().items():
        if _name_key(display) == key or _name_key(code) == key:
            return code
    for code, labels in category_labels().items():
        if any(_name_key(label) == key for label in labels):
            return code
    for code, display in category_names().items():  # a short form: "Nhà ở", "An ninh", "Bảo hiểm xã hội"
        first = _name_key(display.split(",")[0])
        if len(key.split()) >= 2 and (first == key or first.startswith(key + " ")):
            return code
    return None


def category_name(code: str) -> str:
    """Display name of a code; unknown codes (added by retraining) fall back to the code itself."""
    return category_names().get(code, code)


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    """Diacritic-free, segmented stop words used when grouping petitions (``stopwords.txt``)."""
    return frozenset(
        line.strip()
        for line in _read("stopwords.txt").splitlines()
        if line.strip() and not line.startswith("#")
    )


@lru_cache(maxsize=1)
def load_concepts() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Rows ``(concept, (phrase, ...))`` from ``concepts.tsv``: ways of saying the same thing
    (e.g. ``nợ đóng`` / ``chậm đóng`` / ``chốt sổ``) that the shortlist groups together."""
    rows = []
    for line in _read("concepts.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, sep, phrases = line.partition("\t")
        if not sep or code == "concept":
            continue
        words = tuple(p.strip() for p in phrases.split("|") if p.strip())
        if words:
            rows.append((code.strip(), words))
    return tuple(rows)
