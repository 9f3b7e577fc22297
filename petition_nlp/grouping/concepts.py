"""The domain concepts a petition expresses (``data/concepts.tsv``): ways of saying the same thing
(``nợ đóng`` / ``chậm đóng`` / ``sổ chưa chốt``) mapped to one concept code, so that petitions in
different words still meet (``shortlist.py``: the grouping vectors)."""

from __future__ import annotations

import re
from functools import lru_cache

from petition_nlp.resources import load_concepts

__all__ = ["concept_tokens"]


@lru_cache(maxsize=1)
def _concept_matcher() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    """One alternation of every concept phrase (diacritic-free, normalised, longest first) and
    the concepts each phrase stands for."""
    from petition_nlp.text.normalize import normalize_text, strip_diacritics

    concepts_of: dict[str, list[str]] = {}
    for code, phrases in load_concepts():
        for phrase in phrases:
            key = normalize_text(strip_diacritics(phrase))
            if key and code not in concepts_of.setdefault(key, []):
                concepts_of[key].append(code)
    alternation = "|".join(re.escape(k) for k in sorted(concepts_of, key=len, reverse=True)) or r"(?!x)x"
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"), {k: tuple(v) for k, v in concepts_of.items()}


def concept_tokens(plain: str) -> list[str]:
    """Concepts a diacritic-free normalised text expresses, in order of appearance."""
    pattern, concepts_of = _concept_matcher()
    found: dict[str, None] = {}
    for match in pattern.finditer(plain):
        for code in concepts_of[match.group(0)]:
            found[code] = None
    return list(found)
