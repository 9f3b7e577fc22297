"""Topics an officer set or confirmed in a table ``classify`` wrote.

An officer opens the workbook (or CSV) ``classify`` wrote, changes some topics — in the code column
``Mã chủ đề`` or the name column ``Chủ đề`` — and ticks ``Đã kiểm tra`` on the rows checked. Those
rows are the officer's, the others the model's guesses. Two uses:

* ``train`` on such a table learns only the officer's rows (:func:`classified_labels`);
* ``classify`` / ``shortlist`` / ``report`` / the workspace on such a table classify it afresh but
  keep the officer's topics (:func:`previous_result`, then :func:`keep_officer_topics`): the
  previous run's result columns are replaced, never duplicated beside the new ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from petition_nlp.files.io import InputError, read_table
from petition_nlp.files.validation import STATUS_NOT_PETITION, STATUS_OK, as_text, row_status
from petition_nlp.resources import category_name

__all__ = [
    "REVIEWED_HEADER", "MODEL_CODE_HEADER", "REVIEWED_VALUES", "CLASSIFY_TOPIC_COLUMNS", "RESULT_COLUMNS",
    "is_classified", "classified_labels", "OfficerTopics", "previous_result", "keep_officer_topics", "topic_sheet_rows",
    "with_topic_sheet_rows",
]

REVIEWED_HEADER = "Đã kiểm tra"
"""Column of the classify workbook an officer ticks (``x``) on every row whose topic was checked."""
MODEL_CODE_HEADER = "Mã chủ đề của máy"
"""Hidden column of the classify workbook: the model's own code, to tell an officer's edit apart."""
REVIEWED_VALUES = frozenset({"x", "có", "co", "1", "true", "yes", "y", "v", "ok", "đã", "da", "rồi", "roi", "đã kiểm tra", "da kiem tra", "✓", "✔", "☑", "checked"})

CLASSIFY_TOPIC_COLUMNS = ("category", "category_name", "Mã chủ đề", "Chủ đề")
"""The topic columns ``classify`` writes (codes and Vietnamese names, CSV and workbook)."""


def is_classified(frame: pd.DataFrame) -> bool:
    """Whether ``frame`` is a table ``classify`` wrote (workbook or CSV): its predictions must not
    be taken as labels wholesale."""
    cols = {str(c) for c in frame.columns}
    return ("Mã chủ đề" in cols and bool(cols & {"Độ tin cậy", "Cần xem lại"})) or {"category", "confidence", "needs_review"} <= cols


def _code_of_name(name: str, known: set[str]) -> str | None:
    """The code a "Chủ đề" cell names (:func:`petition_nlp.resources.code_for_name`); ``None``
    for an empty cell, ``"?"`` for an unknown name."""
    from petition_nlp.resources import code_for_name

    name = name.strip()
    if not name:
        return None
    return code_for_name(name, known) or "?"


def classified_labels(frame: pd.DataFrame, text_col: str, source: str) -> tuple[list[int], list[str], dict[str, Any]]:
    """The labels an officer gave in a table ``classify`` wrote: only rows ticked reviewed
    (``Đã kiểm tra``) or whose topic was changed — in the code column ``Mã chủ đề`` or in the
    name column ``Chủ đề``. A row whose two columns were changed to different topics is a
    conflict: reported, left out. Unchecked rows (the model's own guesses) are left out.

    Returns ``(row positions, labels, report)``; the report counts reviewed, changed,
    unchecked and conflicting rows and lists the conflicts."""
    from petition_nlp.resources import CATEGORY_CODES

    cols = {str(c): c for c in frame.columns}
    code_col = cols.get("Mã chủ đề", cols.get("category"))
    name_col = cols.get("Chủ đề", cols.get("category_name"))
    model_col = cols.get(MODEL_CODE_HEADER, cols.get("model_category"))
    reviewed_col = cols.get(REVIEWED_HEADER, cols.get("reviewed"))
    if model_col is None and reviewed_col is None:
        raise InputError(
            f"{source}: a table written by `classify` without the '{REVIEWED_HEADER}' column (an older petition-nlp): its topics are "
            f"the model's guesses; classify the file again, tick '{REVIEWED_HEADER}' on the rows you checked, or train on a text,label file"
        )
    n = len(frame)
    codes = [as_text(v).strip() for v in frame[code_col]] if code_col is not None else [""] * n
    names = [as_text(v).strip() for v in frame[name_col]] if name_col is not None else [""] * n
    model = [as_text(v).strip() for v in frame[model_col]] if model_col is not None else [None] * n
    ticked = [as_text(v).strip().casefold() in REVIEWED_VALUES for v in frame[reviewed_col]] if reviewed_col is not None else [False] * n
    known = set(CATEGORY_CODES) | {c for c in codes if c}
    keep: list[int] = []
    labels: list[str] = []
    conflicts: list[dict[str, Any]] = []
    unknown_names: list[dict[str, Any]] = []
    changed = reviewed = unchecked = 0
    texts = frame[text_col].tolist()
    rows = [int(r) if pd.notna(r) else i + 2 for i, r in enumerate(frame["source_row"])] if "source_row" in frame.columns else [i + 2 for i in range(n)]
    for i in range(n):
        if row_status(as_text(texts[i])) != STATUS_OK:
            continue
        code, name_code, original = codes[i], _code_of_name(names[i], known), model[i]
        if original is None:  # no model column: an edit cannot be seen, a disagreement can
            code_changed = name_changed = False
            if name_code not in (None, "?") and code and name_code != code:
                conflicts.append({"row": rows[i], "text": as_text(texts[i]), "code": code, "name": names[i]})
                continue
            label = code
        else:
            code_changed = code != original
            name_changed = name_code is not None and name_code != original
            if code_changed and name_changed and name_code not in ("?", code):
                conflicts.append({"row": rows[i], "text": as_text(texts[i]), "code": code, "name": names[i]})
                continue
            if code_changed:
                label = code
            elif name_changed:
                if name_code == "?":
                    unknown_names.append({"row": rows[i], "text": as_text(texts[i]), "name": names[i]})
                    continue
                label = name_code
            else:
                label = original
        is_change = code_changed or name_changed
        if not (is_change or ticked[i]):
            unchecked += 1
            continue
        if not label:
            continue  # reviewed but left without a topic (e.g. a line that is not a petition)
        changed += int(is_change)
        reviewed += int(ticked[i] and not is_change)
        keep.append(i)
        labels.append(label)
    report = {
        "file": source, "changed": changed, "reviewed": reviewed, "unchecked_left_out": unchecked,
        "conflicts": conflicts, "unknown_names": unknown_names,
    }
    return keep, labels, report


def _column(frame: pd.DataFrame, *names: str) -> Any:
    return next((c for c in frame.columns if str(c) in names), None)


WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".ods")


def topic_sheet_rows(path: str | Path, text_column: str) -> list[pd.DataFrame]:
    """The rows an officer ticked or changed on the other sheets of a workbook ``classify`` wrote
    that hold the same table — the one-topic sheets, which :func:`read_table` skips as repeats of
    the main sheet unless asked to keep them: one frame per such sheet (its own columns)."""
    if Path(path).suffix.lower() not in WORKBOOKS:
        return []
    every, _ = read_table(path, keep_repeats=True)
    if "sheet" not in every.columns:
        return []
    parts = []
    others = every[every["sheet"] != every["sheet"].iloc[0]]
    for name, part in others.groupby("sheet", sort=False):
        part = part.dropna(axis=1, how="all").reset_index(drop=True)  # the columns this sheet has
        if is_classified(part) and text_column in part.columns:
            positions, _, _ = classified_labels(part, text_column, f"{path} ({name})")
            if positions:
                parts.append(part.iloc[positions])  # only what the officer touched there
    return parts


def with_topic_sheet_rows(path: str | Path, frame: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """``frame`` (the main sheet of a workbook ``classify`` wrote) followed by
    :func:`topic_sheet_rows` (``train``: an officer may correct on a topic's sheet as well as on
    the main one). A text given two different topics is reported by :func:`classified_labels` as
    a conflict and left out."""
    parts = [frame, *topic_sheet_rows(path, text_column)]
    return pd.concat(parts, ignore_index=True, sort=False) if len(parts) > 1 else frame


@lru_cache(maxsize=4)
def _topic_sheet_rows_once(path: str, mtime_ns: int, size: int, text_column: str) -> tuple[pd.DataFrame, ...]:
    """:func:`topic_sheet_rows`, read once per file version (a workbook classified in chunks is
    folded chunk by chunk)."""
    return tuple(topic_sheet_rows(path, text_column))


def _fold_topic_sheets(path: str | Path, frame: pd.DataFrame, text_column: str) -> pd.DataFrame:
    """``frame`` with what an officer changed or ticked on a topic's sheet copied onto the row of
    the main sheet with the same text, where the main sheet's row is untouched (a row edited on
    the main sheet keeps that edit)."""
    if Path(path).suffix.lower() not in WORKBOOKS:
        return frame
    stat = Path(path).stat()
    edits = _topic_sheet_rows_once(str(path), stat.st_mtime_ns, stat.st_size, text_column)
    if not edits:
        return frame
    positions, _, _ = classified_labels(frame, text_column, str(path))
    touched = set(positions)
    by_text: dict[str, list[int]] = {}
    for i, text in enumerate(frame[text_column]):
        if i not in touched:
            by_text.setdefault(as_text(text), []).append(i)
    out = frame.copy()
    copied = [c for c in (_column(frame, "Mã chủ đề", "category"), _column(frame, "Chủ đề", "category_name"),
                          _column(frame, REVIEWED_HEADER, "reviewed")) if c is not None]
    for part in edits:
        for _, row in part.iterrows():
            for i in by_text.get(as_text(row[text_column]), []):
                for col in copied:
                    if col in part.columns:
                        out.iat[i, out.columns.get_loc(col)] = row[col]
    return out


RESULT_COLUMNS = (
    "category", "category_name", "confidence", "second_category", "second_confidence", "needs_review", "status",
    "reviewed", "model_category", "group_id", "issue",
)
"""What ``classify`` (and ``shortlist --groups-output``) add to a table, by their codes; the
workbook spells them as :data:`petition_nlp.reports.workbook.VIETNAMESE_HEADERS` does, and spells
the reader's provenance columns too: those (``Dòng gốc``: the row in the file first read) are the
previous read's and go with the results; the reader's own (``source_row``: the row in this file)
stay."""
_RESULT_HEADERS_VI = (
    "Mã chủ đề", "Chủ đề", "Độ tin cậy", "Chủ đề thứ hai", "Độ tin cậy chủ đề thứ hai", "Cần xem lại", "Trạng thái",
    REVIEWED_HEADER, MODEL_CODE_HEADER, "Nhóm vấn đề", "Vấn đề (theo danh mục)",
    "Trang tính", "Bảng", "Đoạn", "Dòng gốc", "Ý số",
)


@dataclass
class OfficerTopics:
    """The officer's topics found in a table ``classify`` wrote (:func:`previous_result`).

    ``labels``: row position → topic code an officer changed to or ticked as checked;
    ``not_petitions``: positions ticked with the topic left empty (the officer's "not a
    petition"); ``unsure``: for a table without the review columns (a CSV, an older
    petition-nlp's workbook), position → the topic the file holds, which may be an officer's edit
    or an earlier model's guess; ``dropped``: the previous run's columns taken out; ``report``: as
    :func:`classified_labels` (counts, conflicts, unknown names), plus ``not_petitions`` and
    ``unsure_kept`` (filled by :func:`keep_officer_topics`)."""

    labels: dict[int, str] = field(default_factory=dict)
    not_petitions: list[int] = field(default_factory=list)
    unsure: dict[int, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)

    def note(self) -> str:
        """One line for the reader's notes (after :func:`keep_officer_topics`)."""
        r = self.report
        replaced = f"its previous result columns replaced ({', '.join(self.dropped)})"
        if "unsure_kept" in r:
            return (
                f"a table classify wrote, without the review columns ('{REVIEWED_HEADER}', '{MODEL_CODE_HEADER}'): classified again; "
                f"{r['unsure_kept']} rows whose topic in the file differs from the model's kept as in the file and marked for review "
                f"(an officer's edit or an earlier model's guess: the file cannot tell); {replaced}"
            )
        kept = (
            f"{r.get('changed', 0) + r.get('reviewed', 0)} topics an officer set or confirmed kept ({r.get('changed', 0)} changed, "
            f"{r.get('reviewed', 0)} ticked '{REVIEWED_HEADER}')"
        )
        if r.get("not_petitions"):
            kept += f", {r['not_petitions']} rows ticked without a topic kept as not petitions"
        problems = [f"row {c['row']}: code '{c['code']}' and name '{c['name']}' disagree" for c in r.get("conflicts", [])]
        problems += [f"row {u['row']}: unknown topic name '{u['name']}'" for u in r.get("unknown_names", [])]
        left = f"; classified again, the officer's edit not used: {'; '.join(problems)}" if problems else ""
        return f"a table classify wrote: the other {r.get('unchecked_left_out', 0)} rows classified again; {kept}; {replaced}{left}"


def previous_result(
    frame: pd.DataFrame, text_column: str, source: str | Path | None = None
) -> tuple[pd.DataFrame, OfficerTopics | None]:
    """``(frame, None)`` for a table ``classify`` did not write; for one it wrote, the table
    without the previous run's result columns (:data:`RESULT_COLUMNS`, in either spelling) and the
    officer's topics in it (:class:`OfficerTopics`). ``source``: the file ``frame`` was read from;
    a workbook's one-topic sheets are read too, for the edits an officer made there."""
    if not is_classified(frame):
        return frame, None
    found = OfficerTopics()
    code_col, name_col = _column(frame, "Mã chủ đề", "category"), _column(frame, "Chủ đề", "category_name")
    reviewed_col = _column(frame, REVIEWED_HEADER, "reviewed")
    texts = [as_text(t) for t in frame[text_column]]
    if reviewed_col is not None or _column(frame, MODEL_CODE_HEADER, "model_category") is not None:
        if source is not None:
            frame = _fold_topic_sheets(source, frame, text_column)
        positions, labels, found.report = classified_labels(frame, text_column, "" if source is None else str(source))
        found.labels = dict(zip(positions, labels))
        if reviewed_col is not None:
            for i, tick in enumerate(frame[reviewed_col]):
                empty = all(col is None or not as_text(frame[col].iloc[i]).strip() for col in (code_col, name_col))
                if empty and as_text(tick).strip().casefold() in REVIEWED_VALUES and row_status(texts[i]) == STATUS_OK:
                    found.not_petitions.append(i)
        found.report["not_petitions"] = len(found.not_petitions)
    else:  # the topic in the file: its code, else the code its name names
        known = {as_text(v).strip() for v in frame[code_col]} if code_col is not None else set()
        for i in range(len(frame)):
            code = as_text(frame[code_col].iloc[i]).strip() if code_col is not None else ""
            if not code and name_col is not None:
                code = _code_of_name(as_text(frame[name_col].iloc[i]), known) or ""
            if code and code != "?" and row_status(texts[i]) == STATUS_OK:
                found.unsure[i] = code
        found.report["unsure_kept"] = 0
    found.dropped = [str(c) for c in frame.columns if str(c) in RESULT_COLUMNS + _RESULT_HEADERS_VI and c != text_column]
    return frame.drop(columns=found.dropped), found


def keep_officer_topics(result: pd.DataFrame, officer: OfficerTopics | None) -> pd.DataFrame:
    """``result`` (the classifier's output for the table :func:`previous_result` returned) with
    the officer's topics: those rows take the officer's code and name, need no review and are
    ``reviewed``; a changed row's confidence is left empty (it was the model's, for its own
    topic). A topic of the file that may be an officer's (``unsure``) and differs from the model's
    is kept too, but needs review. ``model_category`` keeps the model's code for every row, as the
    workspace's export does, so a later run or ``train`` tells the officer's edits apart."""
    if officer is None:
        return result
    out = result.copy()
    model = out["category"].astype(object).to_numpy(copy=True)
    reviewed = np.zeros(len(out), dtype=bool)
    columns = {name: out.columns.get_loc(name) for name in ("category", "category_name", "confidence", "second_category", "second_confidence", "needs_review", "status")}

    def put(i: int, code: str, *, sure: bool) -> None:
        if code != model[i]:
            for name, value in (("confidence", np.nan), ("second_category", ""), ("second_confidence", np.nan)):
                out.iat[i, columns[name]] = value
        out.iat[i, columns["category"]] = code
        out.iat[i, columns["category_name"]] = category_name(code) if code else ""
        out.iat[i, columns["needs_review"]] = not sure
        reviewed[i] = sure

    for i, code in officer.labels.items():
        if out.iat[i, columns["status"]] in (STATUS_OK, STATUS_NOT_PETITION):
            out.iat[i, columns["status"]] = STATUS_OK
            put(i, code, sure=True)
    for i in officer.not_petitions:
        out.iat[i, columns["status"]] = STATUS_NOT_PETITION
        put(i, "", sure=True)
    for i, code in officer.unsure.items():
        if out.iat[i, columns["status"]] == STATUS_OK and code != model[i]:
            put(i, code, sure=False)
            officer.report["unsure_kept"] += 1
    out["reviewed"] = reviewed
    out["model_category"] = model
    return out
