"""The one path from a survey file to the session's outputs, shared by the front ends.

read → classify → group → shortlist → report. Every function takes and returns plain data
(DataFrames, dicts, paths), so the CLI and the web workspace (:mod:`petition_nlp.web`) call the
same code and no logic lives only in a command or a route handler::

    frame, info, column = load_survey("survey.xlsx")
    classified = classify_survey(frame, column, model)
    groups, chosen = group_and_shortlist(classified, column, n=15)   # CLI: both at once
    groups = group_survey(classified, column)                        # workspace: group once, then
    chosen = shortlist_survey(groups, column, n=15)                  # shortlist after each edit
    export_workbook(groups, "out.xlsx")
    export_report(groups, chosen, column, "report.html")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "load_survey",
    "classify_survey",
    "group_survey",
    "group_and_shortlist",
    "grouping_vectors",
    "grouping_signals",
    "shortlist_survey",
    "export_workbook",
    "export_table",
    "export_report",
    "render_report",
]


def load_survey(
    path: str | Path,
    *,
    text_column: str | None = None,
    header_row: int | None = None,
    sheet: str | int | None = None,
    split_items: bool = False,
) -> tuple[pd.DataFrame, Any, str]:
    """Read a survey file with :func:`petition_nlp.files.io.read_table`.

    Returns ``(frame, info, text_column)``: the rows in file order (original columns plus the
    reader's provenance columns), the reader's :class:`~petition_nlp.files.io.TableInfo` (notes, unit
    column, header row) and the petition column it used. Raises
    :class:`~petition_nlp.files.io.InputError` with a one-line message.
    """
    from petition_nlp.files.io import read_table, resolve_text_column

    frame, info = read_table(path, header_row=header_row, sheet=sheet, split_items=split_items, text_column=text_column)
    column = info.text_column if info.text_column in frame.columns else resolve_text_column(frame, text_column, source=path)
    return frame, info, column


def classify_survey(
    frame: pd.DataFrame,
    text_column: str,
    model: Any = None,
    *,
    progress: Callable[[int], None] | None = None,
    notes: list[str] | None = None,
    source: str | Path | None = None,
) -> pd.DataFrame:
    """Every row with ``category``, ``category_name``, ``confidence``, ``second_category``,
    ``needs_review`` and ``status`` (see :meth:`PetitionClassifier.classify`); default model
    when ``model`` is ``None``.

    A table ``classify`` wrote (an officer's corrected workbook) is classified again except the
    rows an officer changed or ticked checked, which keep the officer's topic
    (:mod:`petition_nlp.model.reviewed`); its previous result columns are replaced, and the
    result has ``reviewed`` and ``model_category``; ``source`` (the file read) lets the edits an
    officer made on the workbook's one-topic sheets count too. A line saying so is added to ``notes``."""
    from petition_nlp.model.reviewed import keep_officer_topics, previous_result

    if model is None:
        from petition_nlp.model.modelstore import load_model

        model = load_model()
    frame, officer = previous_result(frame, text_column, source)
    result = keep_officer_topics(model.classify(frame, text_column=text_column, progress=progress), officer)
    if officer is not None and notes is not None:
        notes.append(officer.note())
    return result


def group_and_shortlist(
    classified: pd.DataFrame,
    text_column: str,
    *,
    n: int = 15,
    quota: str | dict[str, int] = "proportional",
    exclude: Iterable[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(groups, shortlist)`` for freshly classified rows, the grouping vectors computed once
    (:func:`petition_nlp.grouping.shortlist.group_and_select` on the existing ``category`` column): what the
    CLI's ``shortlist`` and ``report`` commands do; the workspace groups once with
    :func:`group_survey` and shortlists the officer-edited groups with :func:`shortlist_survey`."""
    from petition_nlp.grouping.shortlist import group_and_select

    return group_and_select(classified, n, text_column=text_column, category_column="category", quota=quota, exclude=exclude)


def group_survey(classified: pd.DataFrame, text_column: str, *, threshold: float | None = None) -> pd.DataFrame:
    """The classified rows with ``group_id`` (petitions raising the same issue within a topic share
    it; ``""`` for rows that are not usable petitions) and ``issue`` (catalogue title or ``""``),
    from :func:`petition_nlp.grouping.shortlist.assign_groups` on the existing ``category`` column."""
    from petition_nlp.grouping.shortlist import DEFAULT_GROUP_THRESHOLD, assign_groups

    return assign_groups(
        classified, text_column=text_column, category_column="category",
        threshold=DEFAULT_GROUP_THRESHOLD if threshold is None else threshold,
    )


def grouping_signals(texts: Sequence[Any], usable: Sequence[bool] | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """The grouping vectors, one row per text (zeros where ``usable`` is false), and the catalogue
    issue each text matches: :func:`petition_nlp.grouping.shortlist.grouping_signals`."""
    from petition_nlp.grouping.shortlist import grouping_signals as signals  # lazily: the package exports shortlist()

    return signals(texts, usable)


def grouping_vectors(texts: Sequence[Any], usable: Sequence[bool] | None = None) -> sp.csr_matrix:
    """The vectors of :func:`grouping_signals` alone."""
    return grouping_signals(texts, usable)[0]


def shortlist_survey(
    groups: pd.DataFrame,
    text_column: str,
    *,
    n: int = 15,
    quota: str | dict[str, int] = "proportional",
    exclude: Iterable[str] = (),
    id_column: str | None = None,
    pinned: Iterable[str] = (),
    dropped: Iterable[str] = (),
    representatives: dict[str, Any] | None = None,
    vectors: sp.csr_matrix | None = None,
) -> pd.DataFrame:
    """Choose ``n`` questions from grouped rows (the output of :func:`group_survey`, possibly
    edited by an officer), honouring the officer's decisions:

    - ``dropped`` groups are never chosen;
    - ``pinned`` groups are always on the list (they take seats first; the others are chosen
      by :func:`petition_nlp.grouping.shortlist.select_questions` for the remaining seats);
    - ``representatives`` maps a group to the id (``id_column`` value) of the member to show
      instead of the automatically chosen one.

    Returns the shortlist as :func:`~petition_nlp.grouping.shortlist.select_questions` does (``rank``,
    ``category``, ``represents``, ``group_id``, ``member_ids`` …) plus a boolean ``pinned``.
    """
    from petition_nlp.grouping.shortlist import select_questions

    groups = groups.reset_index(drop=True)
    pinned_set = {str(g) for g in pinned}
    dropped_set = {str(g) for g in dropped} - pinned_set
    representatives = {str(k): v for k, v in (representatives or {}).items()}
    gid = groups["group_id"].astype(str)
    pool = groups.copy()
    pool.loc[gid.isin(dropped_set | pinned_set), "group_id"] = ""
    present_pins = [g for g in dict.fromkeys(gid[gid.isin(pinned_set)])]
    free = max(0, n - len(present_pins))
    parts = []
    if free:
        parts.append(select_questions(pool, free, text_column=text_column, quota=quota, exclude=exclude, id_column=id_column, vectors=vectors))
    for g in present_pins:  # a pinned group: its own representative, whatever the seats say
        alone = groups.copy()
        alone.loc[gid != g, "group_id"] = ""
        vec = vectors if vectors is not None and vectors.shape[0] == len(groups) else None
        one = select_questions(alone, 1, text_column=text_column, quota="equal", id_column=id_column, vectors=vec)
        if one.empty:  # every member nearly duplicates … cannot happen with one group; keep safe
            continue
        parts.append(one)
    chosen = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else (
        parts[0] if parts else select_questions(pool.iloc[0:0], 1, text_column=text_column, id_column=id_column)
    )
    if chosen.empty:
        chosen["pinned"] = pd.Series(dtype=bool)
        return chosen
    chosen["pinned"] = chosen["group_id"].astype(str).isin(pinned_set)
    if representatives and id_column is not None:
        by_id = groups.set_index(groups[id_column].astype(str))
        for i, g in enumerate(chosen["group_id"].astype(str)):
            wanted = representatives.get(g)
            if wanted is None or str(wanted) not in by_id.index:
                continue
            member = by_id.loc[str(wanted)]
            if str(member["group_id"]) != g:
                continue  # the chosen member has since left the group
            for col in groups.columns:
                if col not in ("group_id",):
                    chosen.at[i, col] = member[col]
    chosen = chosen.drop(columns="rank").sort_values(["pinned", "represents"], ascending=[False, False], kind="stable")
    chosen.insert(0, "rank", range(1, len(chosen) + 1))
    return chosen.reset_index(drop=True)


def export_table(frame: pd.DataFrame, path: str | Path, *, kind: str = "classify", protect: Iterable[str | Path] = ()) -> Path:
    """Write ``frame`` as .xlsx (the formatted workbook of ``kind``: classify / shortlist),
    .csv (formula-guarded) or .jsonl through :func:`petition_nlp.files.io.write_table`."""
    from petition_nlp.files.io import write_table
    from petition_nlp.reports.workbook import workbook_writer

    return write_table(frame, path, protect=protect, xlsx_writer=workbook_writer(kind), overwrite=False)


def export_workbook(frame: pd.DataFrame, path: str | Path, *, protect: Iterable[str | Path] = ()) -> Path:
    """The formatted petitions workbook (:func:`petition_nlp.reports.workbook.write_workbook`), atomically."""
    return export_table(frame, path, kind="classify", protect=protect)


def render_report(
    groups: pd.DataFrame, chosen: pd.DataFrame, text_column: str, *, title_source: str = ""
) -> str:
    """The HTML session report (:func:`petition_nlp.reports.html.render_report`) for rows already
    classified and grouped and a shortlist already chosen — e.g. after an officer's edits."""
    from petition_nlp.reports.html import render_report as render

    return render(groups, chosen, text_column=text_column, title_source=title_source)


def export_report(
    groups: pd.DataFrame, chosen: pd.DataFrame, text_column: str, path: str | Path, *, title_source: str = ""
) -> Path:
    """Write :func:`render_report` to ``path`` atomically."""
    from petition_nlp.reports.html import write_html

    return write_html(render_report(groups, chosen, text_column, title_source=title_source), path)
