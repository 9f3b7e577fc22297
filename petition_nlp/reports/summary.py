"""Summaries of a classified table: per category and per unit, counting petitions (not lines)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from petition_nlp.resources import category_name

__all__ = ["category_summary", "unit_summary", "petition_rows", "line_counts", "NOT_PETITION_STATUSES"]

NOT_PETITION_STATUSES = ("not_a_petition", "empty")
"""Row statuses that are not counted as petitions in summaries."""

def petition_rows(frame: pd.DataFrame) -> pd.Series:
    """Which rows are petitions: all but the lines that are not (status ``not_a_petition``:
    titles, totals, signatures) and empty rows."""
    if "status" not in frame.columns:
        return pd.Series(True, index=frame.index)
    return ~frame["status"].astype(str).isin(NOT_PETITION_STATUSES)


def category_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Count and share per category, over petitions only (``""`` for petitions that could not
    be classified; rows that are not petitions and empty rows are not counted)."""
    petitions = frame[petition_rows(frame).to_numpy(dtype=bool)]
    counts = petitions["category"].fillna("").astype(str).value_counts()
    table = pd.DataFrame({"category": counts.index.astype(str), "count": counts.to_numpy()})
    table["category_name"] = [category_name(c) if c else "" for c in table["category"]]
    table["share"] = table["count"] / max(1, len(petitions))
    return table.sort_values(["count", "category"], ascending=[False, True]).reset_index(drop=True)


def line_counts(frame: pd.DataFrame) -> dict[str, int]:
    """``petitions``, ``rows`` and the number of rows per status that are not petitions."""
    mask = petition_rows(frame)
    out = {"rows": len(frame), "petitions": int(mask.sum())}
    if "status" in frame.columns:
        for status in NOT_PETITION_STATUSES:
            out[status] = int((frame["status"].astype(str) == status).sum())
    return out


NO_UNIT = "(không ghi đơn vị)"
"""The row of the per-unit tables for petitions whose unit cell is empty."""


def unit_summary(frame: pd.DataFrame, unit_column: Any) -> pd.DataFrame:
    """Petitions per unit and category (one row per unit, one column per category); petitions
    whose unit cell is empty are counted under NO_UNIT, not under a blank name, and a petition
    whose cell names several units (:func:`petition_nlp.files.units.unit_names`) under each, and
    a unit spelled several ways in one row (:func:`petition_nlp.files.units.unit_key`)."""
    from petition_nlp.files.units import unit_key, unit_names

    frame = frame[petition_rows(frame).to_numpy(dtype=bool)]
    spelling: dict[str, str] = {}  # one row per unit however it is spelled ("Cty A", "CĐCS Công ty A"): as first written
    pairs = [
        (spelling.setdefault(unit_key(u), u), str(c))
        for cell, c in zip(frame[unit_column], frame["category"].fillna(""))
        for u in (unit_names(cell) or [NO_UNIT])
    ]
    units = pd.Series([u for u, _ in pairs], name=unit_column, dtype=object)
    table = pd.crosstab(units, pd.Series([c for _, c in pairs], name="category", dtype=object))
    table["total"] = table.sum(axis=1)
    return table.sort_values("total", ascending=False)
