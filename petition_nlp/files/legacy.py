"""Detect and convert text typed in the legacy Vietnamese font encodings TCVN3 (ABC) and VNI.

Such text reaches us as Latin-1 look-alikes ("C«ng ®oµn" for TCVN3, "Coâng ñoaøn" for VNI),
either inside UTF-8 files (copied from old Word documents) or as raw single-byte files.
The character tables live in ``data/legacy_tcvn3.tsv`` and ``data/legacy_vni.tsv``.
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from functools import lru_cache
from importlib import resources

import pandas as pd

__all__ = ["STRAY_BYTES", "detect_legacy", "convert_legacy", "convert_legacy_column", "reads_as_windows_1258", "stray_bytes_read"]

_VIETNAMESE_ONLY = re.compile(r"[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
# Characters that never occur in Unicode Vietnamese but are frequent in each legacy encoding.
_TCVN3_SIGNS = set("«©®µ¸¶·¹»¼½¾¨ª¬\u00ad¡¢£¤¥¦§ÇËÎÏÐÑÖ×ØÜÞßæçëîïñö÷øûüþ")
_VIETNAMESE_LETTERS = re.compile(r"[àáâãèéêìíòóôõùúýăđĩũơưÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝĂĐĨŨƠƯ\u1ea0-\u1ef9]")
_VNI_PAIR = re.compile(r"[aeouyAEOUY][âáàåãäùøûõïéèúüëêÂÁÀÅÃÄÙØÛÕÏÉÈÚÜËÊ]|[ñÑöÖ]")


@lru_cache(maxsize=2)
def _table(name: str) -> dict[str, str]:
    text = resources.files("petition_nlp").joinpath("data", name).read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("legacy\t"):
            continue
        legacy, uni = line.split("\t")
        table[legacy] = uni
    return table


def detect_legacy(text: str) -> str | None:
    """``"tcvn3"``, ``"vni"`` or ``None`` for a text (Unicode Vietnamese is never flagged)."""
    if not isinstance(text, str) or len(text) < 4 or _VIETNAMESE_ONLY.search(text):
        return None
    letters = sum(ch.isalpha() for ch in text) or 1
    tcvn3 = sum(ch in _TCVN3_SIGNS for ch in text)
    vni = len(_VNI_PAIR.findall(text))
    if max(tcvn3, vni) < 2 or max(tcvn3, vni) < letters * 0.03:
        return None
    tcvn3_only = sum(ch in "«©®µ¸¶·¹»¼½¾¨ª¬" for ch in text)
    return "tcvn3" if tcvn3_only >= vni / 2 and tcvn3_only > 0 else "vni"


def reads_as_windows_1258(sample: bytes) -> bool:
    """Whether bytes (not UTF-8) are Vietnamese in Windows-1258, the code page Excel and Notepad
    save in on a Vietnamese Windows: decoded with it and tone marks composed, at least 95 % of the
    non-ASCII letters and marks are Vietnamese letters. TCVN3 and VNI bytes read that way give
    foreign letters (µ ß ø ï ñ ö û …) and stray marks, so they are left to :func:`detect_legacy`,
    which on its own mistakes Windows-1258's "Ð" (Đ, frequent in "CĐCS", "NLĐ") for TCVN3."""
    text = unicodedata.normalize("NFC", sample.decode("cp1258", errors="replace"))
    letters = [ch for ch in text if ord(ch) > 127 and (ch.isalpha() or unicodedata.category(ch) == "Mn")]
    if not letters:
        return False
    vietnamese = sum(bool(_VIETNAMESE_LETTERS.match(ch)) for ch in letters)
    return vietnamese >= 0.95 * len(letters)


STRAY_BYTES = "petition_nlp.stray-1258"
"""Codec error handler for UTF-8 text: a byte that is not UTF-8 (a row pasted from a file saved in
Windows-1258) is read as Windows-1258 — the one letter it most likely is — instead of "\ufffd"."""
_stray = threading.local()


def _stray_bytes(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    _stray.count = stray_bytes_read() + len(bad)
    return bad.decode("cp1258", errors="replace"), error.end


codecs.register_error(STRAY_BYTES, _stray_bytes)


def stray_bytes_read() -> int:
    """Bytes :data:`STRAY_BYTES` has read so far in this thread (take the difference around a read)."""
    return getattr(_stray, "count", 0)


def convert_legacy(text: str, encoding: str) -> str:
    """Convert TCVN3 (``"tcvn3"``) or VNI (``"vni"``) look-alike text to Unicode NFC."""
    if encoding == "tcvn3":
        table = _table("legacy_tcvn3.tsv")
        return unicodedata.normalize("NFC", "".join(table.get(ch, ch) for ch in text))
    table = _table("legacy_vni.tsv")
    out, i = [], 0
    while i < len(text):
        pair = text[i : i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
        else:
            out.append(table.get(text[i], text[i]))
            i += 1
    return unicodedata.normalize("NFC", "".join(out))


def convert_legacy_column(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Convert legacy-encoded cells in every text column, and the column names; returns the frame
    and notes.

    A cell sure enough of itself (:func:`detect_legacy`) decides the file's encoding, by majority;
    then every cell and column name showing that encoding's marks is converted with it, so short
    cells ("Tæng céng", "C«ng ty 0") and headers follow the file's long ones, and a cell that looks
    like the other encoding on its own is read as the file's."""
    from collections import Counter

    votes: Counter[str] = Counter()
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            votes.update(k for k in values.map(detect_legacy) if isinstance(k, str))
    if not votes:
        return frame, []
    encoding = votes.most_common(1)[0][0]

    def marked(value: object) -> bool:
        if not isinstance(value, str) or _VIETNAMESE_ONLY.search(value):
            return False
        return any(ch in _TCVN3_SIGNS for ch in value) if encoding == "tcvn3" else bool(_VNI_PAIR.search(value))

    notes = []
    for column in list(frame.columns):
        values = frame[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        flags = [marked(v) for v in values]
        if any(flags):
            frame[column] = [convert_legacy(v, encoding) if f else v for v, f in zip(values, flags)]
            notes.append(f"column '{column}': converted {sum(flags)} {encoding.upper()} cells from legacy font encoding")
    renamed = {c: convert_legacy(c, encoding) for c in frame.columns if marked(c)}
    if renamed:
        frame = frame.rename(columns=renamed)
        notes.append(f"{len(renamed)} column names converted from {encoding.upper()}")
    return frame, notes
