"""Summaries of a classified table: per category and per unit."""

from __future__ import annotations

from typing import Any

import pandas as pd

from petition_nlp.io import _find_named
from petition_nlp.resources import category_name

__all__ = ["category_summary", "unit_summary", "detect_unit_column", "UNIT_COLUMN_NAMES"]

UNIT_COLUMN_NAMES = ("don vi", "unit", "cdcs", "cong doan co so", "doanh nghiep", "co quan", "to chuc")


def detect_unit_column(frame: pd.DataFrame) -> Any | None:
    """The column naming the sending unit (Đơn vị / unit / CĐCS ...), or ``None``."""
    return _find_named([c for c in frame.columns], UNIT_COLUMN_NAMES)


def category_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Count and share per category (``""`` for rows that could not be classified)."""
    counts = frame["category"].fillna("").value_counts()
    table = pd.DataFrame({"category": counts.index, "count": counts.to_numpy()})
    table["category_name"] = [category_name(c) if c else "" for c in table["category"]]
    table["share"] = table["count"] / max(1, len(frame))
    return table.sort_values(["count", "category"], ascending=[False, True]).reset_index(drop=True)


def unit_summary(frame: pd.DataFrame, unit_column: Any) -> pd.DataFrame:
    """Petitions per unit and category (one row per unit, one column per category)."""
    table = pd.crosstab(frame[unit_column].fillna("").astype(str), frame["category"].fillna(""))
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False)
