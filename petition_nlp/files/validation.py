"""Row-level checks: which petitions can be processed, and why not."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["row_status", "MAX_TEXT_CHARS", "STATUS_OK", "STATUS_NOT_PETITION", "STATUS_NAMES", "as_text"]

MAX_TEXT_CHARS = 20_000
"""Cells longer than this are not classified (status ``too_long``): no petition is that long."""

STATUS_OK = "ok"
STATUS_NOT_PETITION = "not_a_petition"
"""Set by ``PetitionClassifier.classify`` right after :func:`row_status` for lines that are not
petitions (letterheads, signatures, totals, chat lines: :mod:`petition_nlp.model.notpetition`)."""
STATUS_NAMES = {
    STATUS_OK: "kiến nghị", STATUS_NOT_PETITION: "không phải kiến nghị", "empty": "trống", "no_letters": "không có chữ",
    "too_long": "quá dài",
}
"""Each row status as officers read it (the workspace's pages, the workbooks' column "Trạng thái")."""


def as_text(value: Any) -> str:
    """A cell as text: missing values become ``""``; numbers keep their printed form."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    return value if isinstance(value, str) else str(value)


def row_status(value: Any) -> str:
    """``ok``, or why the row cannot be classified: ``empty``, ``no_letters``, ``too_long``."""
    text = as_text(value)
    if not text.strip():
        return "empty"
    if len(text) > MAX_TEXT_CHARS:
        return "too_long"
    if not any(ch.isalpha() for ch in text):
        return "no_letters"
    return STATUS_OK
