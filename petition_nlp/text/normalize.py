"""Vietnamese text normalisation: Unicode NFC, tone-mark placement, abbreviations, diacritics.

Every function here takes any Python string and never raises. The domain knowledge
(abbreviations, chat spellings) lives in ``petition_nlp/data/abbreviations.tsv``.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from petition_nlp.resources import load_abbreviations

__all__ = [
    "normalize_text",
    "strip_diacritics",
    "fix_tone_placement",
    "expand_abbreviations",
    "clean_text",
]

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # grave, acute, tilde, hook, dot
_SHAPE_MARKS = {"\u0302", "\u0306", "\u031b"}  # circumflex, breve, horn
_VOWELS = set("aeiouy")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_NOT_WORD_RE = re.compile(r"[^\w\s]+|_+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+", re.UNICODE)
_PLAIN_VIETNAMESE = re.compile(
    "[a-z0-9 đàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ]*"
)


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics: ``"Nhà ở xã hội" -> "Nha o xa hoi"`` (đ becomes d)."""
    decomposed = unicodedata.normalize("NFD", text)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", base.replace("đ", "d").replace("Đ", "D"))


def _decompose_word(word: str) -> list[tuple[str, set[str], str | None]] | None:
    """Split a word into (base letter, shape marks, tone mark) triples; None if not Vietnamese-like."""
    letters: list[tuple[str, set[str], str | None]] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch):
            if not letters:
                return None
            base, shapes, tone = letters[-1]
            if ch in _TONE_MARKS:
                if tone is not None:
                    return None
                letters[-1] = (base, shapes, ch)
            elif ch in _SHAPE_MARKS:
                shapes.add(ch)
            else:
                return None
        elif ch.isascii() and ch.isalpha() or ch in "đĐ":
            letters.append((ch, set(), None))
        else:
            return None
    return letters


def _tone_position(letters: list[tuple[str, set[str], str | None]]) -> int | None:
    """Index of the letter that should carry the tone (classic placement: hòa, thủy, khỏe)."""
    lower = [b.lower() for b, _, _ in letters]
    start = 0
    while start < len(lower) and lower[start] not in _VOWELS:
        start += 1
    if start >= len(lower):
        return None
    prefix = "".join(lower[: start + 1])
    # "qu" and "gi" act as consonants when another vowel follows.
    if (prefix.endswith("qu") and start > 0 or prefix == "gi") and start + 1 < len(lower) and lower[start + 1] in _VOWELS:
        start += 1
    end = start
    while end < len(lower) and lower[end] in _VOWELS:
        end += 1
    cluster = list(range(start, end))
    marked = [i for i in cluster if letters[i][1]]
    if marked:
        return marked[-1]
    if end < len(lower):  # closed syllable: tone on the last vowel
        return cluster[-1]
    if len(cluster) == 1:
        return cluster[0]
    if len(cluster) == 2:
        return cluster[0]
    return cluster[1]


@lru_cache(maxsize=200_000)
def _fix_word(word: str) -> str:
    letters = _decompose_word(word)
    if not letters:
        return word
    tones = [i for i, (_, _, t) in enumerate(letters) if t is not None]
    if len(tones) != 1:
        return word
    target = _tone_position(letters)
    if target is None or target == tones[0]:
        return word
    tone = letters[tones[0]][2]
    rebuilt = []
    for i, (base, shapes, _) in enumerate(letters):
        marks = "".join(sorted(shapes)) + (tone if i == target else "")
        rebuilt.append(base + (marks or ""))
    return unicodedata.normalize("NFC", "".join(rebuilt))


def fix_tone_placement(text: str) -> str:
    """Move tone marks to one consistent place per syllable: ``hoà -> hòa``, ``thuỷ -> thủy``."""
    return _WORD_RE.sub(lambda m: _fix_word(m.group(0)), text)


def clean_text(text: str) -> str:
    """Replace punctuation and symbols by spaces and collapse whitespace."""
    return _SPACE_RE.sub(" ", _NOT_WORD_RE.sub(" ", text)).strip()


@lru_cache(maxsize=1)
def _abbreviation_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    exact: dict[str, str] = {}
    ci: dict[str, str] = {}
    fold: dict[str, str] = {}
    for abbrev, expansion, match in load_abbreviations():
        key = unicodedata.normalize("NFC", abbrev)
        if match == "exact":
            exact[key] = expansion
        elif match == "ci":
            ci[key.lower()] = expansion
        else:
            fold[strip_diacritics(key).lower()] = expansion
    return exact, ci, fold


@lru_cache(maxsize=200_000)
def _expand_token(token: str) -> str:
    exact, ci, fold = _abbreviation_tables()
    if token in exact:
        return exact[token]
    low = token.lower()
    if low in ci:
        return ci[low]
    return fold.get(strip_diacritics(low), token)


def expand_abbreviations(text: str) -> str:
    """Expand domain abbreviations and chat spellings listed in ``abbreviations.tsv``."""
    return _WORD_RE.sub(lambda m: _expand_token(m.group(0)), text)


def _normalize_once(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = clean_text(text)
    text = expand_abbreviations(text)
    text = unicodedata.normalize("NFC", text.lower())
    text = fix_tone_placement(text)
    return clean_text(unicodedata.normalize("NFC", text))


def normalize_text(text: str) -> str:
    """Normalise a petition for the model.

    NFC, punctuation removed, abbreviations expanded, lower-cased, tone marks placed
    consistently. Idempotent: ``normalize_text(normalize_text(t)) == normalize_text(t)``.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    result = _normalize_once(text)
    if _PLAIN_VIETNAMESE.fullmatch(result):
        return result  # only lower-case Vietnamese letters, digits and spaces: already a fixed point
    for _ in range(3):  # reach a fixed point on exotic Unicode (case mapping can add marks)
        again = _normalize_once(result)
        if again == result:
            break
        result = again
    return result
