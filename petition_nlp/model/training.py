"""Training, evaluation and promotion of petition models (library side of the CLI)."""

from __future__ import annotations

import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from petition_nlp.files.io import PROVENANCE_COLUMNS, InputError, detect_label_column, detect_text_column, read_table
from petition_nlp.files.validation import STATUS_OK, as_text, row_status
from petition_nlp.model.classifier import MIN_ROWS_PER_CODE, PetitionClassifier
from petition_nlp.model.modelstore import data_fingerprint, default_model_dir, load_model, models_root, promote_model, record_metrics
from petition_nlp.model.reviewed import (  # noqa: F401 - re-exported: train's officer labels
    CLASSIFY_TOPIC_COLUMNS,
    MODEL_CODE_HEADER,
    REVIEWED_HEADER,
    REVIEWED_VALUES,
    _code_of_name,
    classified_labels,
    is_classified,
    with_topic_sheet_rows,
)
from petition_nlp.resources import CATEGORY_CODES
from petition_nlp.text.normalize import normalize_text

__all__ = [
    "LabeledData",
    "load_labeled",
    "train_model",
    "evaluate_model",
    "evaluate_file",
    "promote_if_better",
    "default_training_file",
    "default_training_files",
    "default_test_file",
    "default_test_files",
    "provenance_group",
    "is_classified",
    "classified_labels",
    "code_shortfalls",
    "compare_on_tests",
    "store_labels_file",
    "MIN_CODE_F1",
    "MIN_CODE_EXAMPLES",
]


def _data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data" / "labeled"


def _display_path(path: Path) -> str:
    """Path relative to the project root when inside it (manifests stay machine-independent)."""
    try:
        return str(Path(path).resolve().relative_to(_data_dir().parent.parent))
    except ValueError:
        return str(path)


def default_training_file() -> Path:
    """``data/labeled/petitions.csv``."""
    return _data_dir() / "petitions.csv"


def default_training_files() -> list[Path]:
    """Every ``data/labeled/petitions*.csv``: the first corpus and the genre files beside it."""
    return sorted(_data_dir().glob("petitions*.csv"), key=lambda p: (p.name != "petitions.csv", p.name))


def default_test_files() -> list[Path]:
    """The sealed test splits: ``test.csv`` and ``test_genres.csv`` (when present)."""
    return [p for p in (_data_dir() / "test.csv", _data_dir() / "test_genres.csv") if p.exists()]


def default_test_file() -> Path:
    """``data/labeled/test.csv`` — the sealed test split (only for evaluation and promotion)."""
    return _data_dir() / "test.csv"


@dataclass
class LabeledData:
    """Validated training rows and what validation found.

    ``groups``: each row's provenance group (:func:`provenance_group`); ``labels_2``: its second
    topic (``""`` when the file has no ``label_2`` column or the row raises one topic).
    """

    texts: list[str]
    labels: list[str]
    sources: list[str]
    report: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    labels_2: list[str] = field(default_factory=list)


def provenance_group(row: dict[str, Any], source: str) -> str:
    """The cross-validation group of a labelled row: what a fold holds out together.

    Folds must hold out rows *unlike* the training rows, yet keep every code in every training
    part. Who wrote a row is the natural unit, but in ``petitions.csv`` each writer wrote one code
    (``writer-housing`` ...), so holding out a writer would remove a code from training. Hence:

    * rows with a ``genre`` (the genre files, and any file that records one): the genre, across
      writers and files — a fold holds out, e.g., every voter petition or every comment on a draft
      law, the shift the issue found on real published petitions;
    * otherwise rows with a ``style`` (``petitions.csv``: formal, spoken, abbrev, no_diacritics,
      typo, long, short, hard — each style spans all six codes): ``style:<style>``;
    * otherwise the writer when the file has one, else the file itself.

    The choice is made per row, so files with and without genres mix; every group spans several
    codes (checked by :func:`petition_nlp.model.classifier.grouped_folds`).
    """
    for key, prefix in (("genre", "genre:"), ("style", "style:"), ("writer", "writer:")):
        value = as_text(row.get(key, "")).strip()
        if value:
            return prefix + value
    return "file:" + Path(source).name


def read_labeled(
    path: str | Path, *, text_column: str | None = None, label_column: str | None = None, sheet: str | int | None = None
) -> tuple[pd.DataFrame, str, str]:
    """Read a labelled file (of a workbook: every sheet holding a table, or only ``sheet``, a name
    or a number from 1); returns the frame and the text / label column names."""
    frame, _ = read_table(path, sheet=sheet)
    return (frame, *_labeled_columns(frame, path, text_column, label_column))


def _labeled_columns(frame: pd.DataFrame, path: str | Path, text_column: str | None, label_column: str | None) -> tuple[str, str]:
    """The text and label columns of a labelled table (given, or detected); one-line error otherwise."""
    try:
        text_col = text_column or detect_text_column(frame)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    label_col = label_column or detect_label_column(frame)
    for wanted, col in (("text", text_col), ("label", label_col)):
        if col is None or col not in frame.columns:
            found = ", ".join(str(c) for c in frame.columns if c not in PROVENANCE_COLUMNS)
            raise InputError(f"{path}: no {wanted} column found (columns: {found}); use --{wanted}-column")
    return text_col, label_col


MIN_CODE_F1 = 0.7
"""``--promote`` refuses a model any of whose codes has a cross-validated F1 below this."""
MAX_REVIEW_RISE = 0.15
"""``--promote`` refuses a model flagging more than this share more of the test split for review
than the current default (``--force`` overrides)."""
MIN_CODE_EXAMPLES = 25
"""``--promote`` refuses a model any of whose codes has fewer training rows than this."""


def _label_code(value: str) -> str:
    """A label as written in a labelled file, as its code: a code in any case ("HOUSING") or a
    topic's Vietnamese name ("Nhà ở", accents and case ignored) is that code; anything else is
    kept as written (a new code)."""
    value = " ".join(value.split())
    code = _code_of_name(value, set(CATEGORY_CODES))
    return code if code not in (None, "?") else value


def load_labeled(
    files: list[str | Path],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    priority: list[str | Path] | None = None,
    sheet: str | int | None = None,
    sheet_files: list[str | Path] | None = None,
) -> LabeledData:
    """Read labelled files and validate them (``sheet``: only this sheet of each workbook among
    ``sheet_files``, default every file).

    Empty texts and rows without a label are skipped, unknown codes are accepted with a
    warning (display names fall back to the code), texts given conflicting labels are
    reported and left out, exact duplicates (same normalised text and label) are dropped.

    A table ``classify`` wrote (:func:`is_classified`) gives only the rows an officer reviewed
    or changed (:func:`classified_labels`). Rows of the ``priority`` files and of classified
    tables are officers' corrections: where one contradicts a row of another file, the
    correction is kept and the other row is left out (counted as ``overridden``).
    """
    rows: list[tuple[str, str, str]] = []
    extra: list[tuple[str, str]] = []  # (group, label_2) per row
    skipped_empty = 0
    corrections: list[dict[str, Any]] = []
    preferred = {str(p) for p in priority or []}
    with_sheet = None if sheet_files is None else {str(p) for p in sheet_files}
    for path in files:
        this_sheet = sheet if with_sheet is None or str(path) in with_sheet else None
        frame, _ = read_table(path, sheet=this_sheet)
        # a classified table, unless the officer names a label column of their own beside the
        # model's topic columns (e.g. a "label" column added to the CSV): those labels are theirs
        own_labels = label_column is not None and label_column not in CLASSIFY_TOPIC_COLUMNS
        if is_classified(frame) and not own_labels:
            try:
                tcol = text_column or detect_text_column(frame)
            except InputError as exc:
                raise InputError(f"{path}: {exc}") from None
            if this_sheet is None:  # an officer may correct on a topic's sheet as well as on the main one
                frame = with_topic_sheet_rows(path, frame, tcol)
            positions, found, summary = classified_labels(frame, tcol, str(path))
            corrections.append(summary)
            preferred.add(str(path))
            frame = frame.iloc[positions].assign(__label=found).reset_index(drop=True)
            lcol = "__label"
        else:
            tcol, lcol = _labeled_columns(frame, path, text_column, label_column)
        meta = [c for c in ("genre", "style", "writer") if c in frame.columns]
        records = frame[meta].to_dict("records") if meta else [{}] * len(frame)
        second = frame["label_2"].tolist() if "label_2" in frame.columns and "label_2" != lcol else [""] * len(frame)
        for text, label, record, label_2 in zip(frame[tcol].tolist(), frame[lcol].tolist(), records, second):
            text, label = as_text(text), _label_code(as_text(label))
            if row_status(text) != STATUS_OK or not label:
                skipped_empty += 1
                continue
            rows.append((text, label, str(path)))
            label_2 = as_text(label_2).strip()
            extra.append((provenance_group(record, str(path)), "" if label_2 == label else label_2))
    by_key: dict[str, list[int]] = {}
    for i, (text, _, _) in enumerate(rows):
        by_key.setdefault(normalize_text(text), []).append(i)
    keep: list[int] = []
    conflicts: list[dict[str, Any]] = []
    duplicates = overridden = 0
    for key, idx in by_key.items():
        labels = {rows[i][1] for i in idx}
        if len(labels) > 1:
            officer = [i for i in idx if rows[i][2] in preferred]
            if officer and len({rows[i][1] for i in officer}) == 1:  # the correction outweighs the rest
                keep.append(officer[-1])
                overridden += sum(rows[i][1] != rows[officer[-1]][1] for i in idx)
                duplicates += sum(rows[i][1] == rows[officer[-1]][1] for i in idx) - 1
                continue
            conflicts.append({"text": rows[idx[0]][0], "labels": sorted(labels), "rows": len(idx)})
            continue
        keep.append(idx[0])
        duplicates += len(idx) - 1
    keep.sort()
    labels = [rows[i][1] for i in keep]
    unknown = sorted(set(labels) - set(CATEGORY_CODES))
    report = {
        "rows_read": len(rows) + skipped_empty,
        "rows_used": len(keep),
        "skipped_empty": skipped_empty,
        "duplicates_dropped": duplicates,
        "conflicting_texts": len(conflicts),
        "conflicts": conflicts[:50],
        "overridden_by_corrections": overridden,
        "corrections": corrections,
        "unknown_codes": unknown,
        "label_counts": dict(sorted(pd.Series(labels).value_counts().to_dict().items())),
    }
    if unknown:
        warnings.warn(f"new category codes (not in the taxonomy): {', '.join(unknown)}", stacklevel=2)
    report["groups"] = dict(sorted(Counter(extra[i][0] for i in keep).items()))
    report["rows_with_label_2"] = sum(1 for i in keep if extra[i][1])
    return LabeledData(
        texts=[rows[i][0] for i in keep], labels=labels, sources=[rows[i][2] for i in keep], report=report,
        groups=[extra[i][0] for i in keep], labels_2=[extra[i][1] for i in keep],
    )


def evaluate_model(
    model: PetitionClassifier, texts: list[str], labels: list[str], labels_2: list[str] | None = None
) -> dict[str, Any]:
    """Accuracy, macro / weighted F1, per-code precision / recall / F1, the confusion matrix, and
    how far the model's own signals can be trusted:

    * ``risk_coverage``: for review shares of 0, 10, 20, 30 % (the least confident rows reviewed),
      the accuracy of the rows not reviewed;
    * ``review``: share flagged ``needs_review`` at the model's threshold, accuracy of the others;
    * ``second_topic``: share of rows given a ``second_category``, and of the wrong predictions,
      the share flagged or whose second category is the right code;
    * ``not_a_petition``: rows the furniture detector would set aside (each is a petition here).

    Scores are those of the model itself (``predict_proba``), every row classified.
    """
    from petition_nlp.model.classifier import risk_coverage
    from petition_nlp.model.notpetition import is_not_petition

    proba_frame = model.predict_proba(texts)
    classes = np.asarray(proba_frame.columns, dtype=object)
    proba = proba_frame.to_numpy()
    ranked = np.argsort(proba, axis=1, kind="stable")
    rows = np.arange(len(proba))
    pred = classes[ranked[:, -1]] if len(proba) else np.asarray([], dtype=object)
    conf = proba[rows, ranked[:, -1]] if len(proba) else np.zeros(0)
    y = np.asarray(labels, dtype=object)
    codes = sorted(set(y) | set(pred))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=codes, zero_division=0)
    correct = pred == y
    flagged = conf < model.review_threshold_
    threshold_2 = float(getattr(model, "second_threshold_", 1.01))
    if proba.shape[1] > 1 and len(proba):
        second = classes[ranked[:, -2]]
        shown = proba[rows, ranked[:, -2]] >= threshold_2
    else:
        second, shown = np.full(len(y), "", dtype=object), np.zeros(len(y), dtype=bool)
    wrong = ~correct
    rescued = flagged | (shown & (second == y))
    gold_2 = None if labels_2 is None else np.asarray(labels_2, dtype=object)
    marked = int(sum(is_not_petition(t) for t in texts))
    return {
        "rows": len(y),
        "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", labels=sorted(set(y)), zero_division=0)),
        "weighted_f1": float(f1_score(y, pred, average="weighted", zero_division=0)),
        "per_class": {
            c: {"precision": float(pp), "recall": float(rr), "f1": float(ff), "support": int(ss)}
            for c, pp, rr, ff, ss in zip(codes, p, r, f, s)
        },
        "confusion_matrix": {"labels": codes, "matrix": confusion_matrix(y, pred, labels=codes).tolist()},
        "risk_coverage": risk_coverage(conf, correct),
        "review": {
            "threshold": float(model.review_threshold_),
            "rate": float(flagged.mean()) if len(y) else 0.0,
            "accuracy_not_reviewed": float(correct[~flagged].mean()) if (~flagged).any() else None,
        },
        "second_topic": {
            "threshold": threshold_2,
            "rate": float(shown.mean()) if len(y) else 0.0,
            "matches_label_2": (
                float((second[shown] == gold_2[shown]).mean())
                if gold_2 is not None and shown.any() and (gold_2 != "").any() else None
            ),
            "errors": int(wrong.sum()),
            "errors_flagged": float(flagged[wrong].mean()) if wrong.any() else None,
            "errors_flagged_or_second_right": float(rescued[wrong].mean()) if wrong.any() else None,
        },
        "not_a_petition": {"rows": marked, "rate": marked / max(1, len(y))},
    }


def evaluate_file(
    path: str | Path,
    *,
    model: PetitionClassifier | None = None,
    model_dir: str | Path | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    sheet: str | int | None = None,
) -> dict[str, Any]:
    """Evaluate a model (default: the default model) on a labelled file (``sheet``: only this sheet)."""
    data = load_labeled([path], text_column=text_column, label_column=label_column, sheet=sheet)
    model = model or load_model(model_dir)
    metrics = evaluate_model(model, data.texts, data.labels, data.labels_2 if any(data.labels_2) else None)
    v = data.report
    metrics["left_out"] = {  # rows of the file not scored, and why
        "no_text_or_label": v["skipped_empty"], "duplicates": v["duplicates_dropped"], "conflicting_texts": v["conflicting_texts"],
    }
    return metrics


def train_model(
    files: list[str | Path] | None = None,
    *,
    only: bool = False,
    text_column: str | None = None,
    label_column: str | None = None,
    output: str | Path | None = None,
    params: dict[str, Any] | None = None,
    store: Any = None,
    sheet: str | int | None = None,
) -> tuple[PetitionClassifier, Path, dict[str, Any]]:
    """Train on every ``data/labeled/petitions*.csv`` plus ``files`` (or ``files`` alone with ``only``;
    ``sheet``: only this sheet of each of ``files``, which must then be workbooks).

    Runs k-fold cross-validation grouped by provenance (:func:`provenance_group`: genre, else
    style, else writer; no group split between training and test), which chooses IDF weighting,
    the review threshold and the second-topic rule, and reports random row folds beside it; fits
    the final model on all rows (one segmentation pass shared by both) and writes a versioned
    model directory (default ``models/<timestamp>/``).

    ``store``: an open workspace (:class:`petition_nlp.store.Store`, e.g. from
    :func:`petition_nlp.store.open_workspace`; anything with ``labels()`` and ``data_dir``): every
    topic officers set or confirmed in it is trained on too, outweighing the rows it contradicts.

    Returns:
        the fitted model, its directory and a report (validation, CV metrics, timings).
    """
    if store is not None and not callable(getattr(store, "labels", None)):
        raise InputError(f"{store}: store= takes an open workspace, not a folder: petition_nlp.store.open_workspace({str(store)!r})")
    paths = [Path(f) for f in files or []]
    given_files = list(paths)
    if sheet is not None and not given_files:
        raise InputError("--sheet names a sheet of the workbooks given to train; no file was given")
    if not only:
        given = {p.resolve() for p in paths}
        paths = [p for p in default_training_files() if p.resolve() not in given] + paths
    import tempfile

    with tempfile.TemporaryDirectory(prefix="petition-nlp-store-") as tmp:
        priority: list[Path] = []
        if store is not None:
            priority = [store_labels_file(store, Path(tmp) / "workspace-labels.csv")]
            paths = paths + priority
        if not paths:
            raise InputError("no training files given")
        data = load_labeled(paths, text_column=None if store is not None else text_column,
                            label_column=None if store is not None else label_column, priority=priority,
                            sheet=sheet, sheet_files=given_files)
    if store is not None:
        data.report["store"] = {"path": str(store.data_dir), "labels": len(store.labels())}
    if len(set(data.labels)) < 2:
        unused = [c for c in data.report.get("corrections", []) if not c["changed"] + c["reviewed"]]
        hint = "".join(
            f"; {c['file']}: no row reviewed or changed, {c['unchecked_left_out']} unchecked rows left out"
            f" (tick '{REVIEWED_HEADER}' on the rows you checked)" for c in unused
        )
        raise InputError(f"{paths[-1]}: training needs at least two different category codes{hint}")
    counts = pd.Series(data.labels).value_counts()
    if counts.min() < MIN_ROWS_PER_CODE:
        rare = ", ".join(f"{code} ({n})" for code, n in counts[counts < MIN_ROWS_PER_CODE].items())
        raise InputError(
            f"{paths[-1]}: every code needs at least {MIN_ROWS_PER_CODE} labelled rows for cross-validation (too few: {rare})"
        )
    model = PetitionClassifier(**(params or {}))
    started = time.perf_counter()
    views = model.views(data.texts)
    segmented = time.perf_counter()
    groups: list[str] | None = data.groups
    grouping_note = None
    try:  # the same folds fit() will make: refuse groups that cannot hold every code in training
        from petition_nlp.model.classifier import grouped_folds

        grouped_folds(np.asarray(data.labels, dtype=object), np.asarray(groups, dtype=object), model.cv, model.random_state)
    except ValueError as exc:
        groups, grouping_note = None, f"random row folds: provenance groups unusable ({exc})"
    model.fit(views, data.labels, groups=groups, labels_2=data.labels_2)
    finished = time.perf_counter()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    target = Path(output) if output else models_root() / stamp
    if target.exists() and any(target.iterdir()):
        target = target.with_name(f"{target.name}-{int(time.time() * 1000) % 100000}")
    report = {
        "validation": data.report,
        "cv": model.cv_report_,
        "review_threshold": model.review_threshold_,
        "second_threshold": model.second_threshold_,
        "grouping_note": grouping_note,
        "seconds": {
            "segmentation": round(segmented - started, 2),
            "fit_with_cv": round(finished - segmented, 2),
            "total": round(finished - started, 2),
        },
    }
    metadata = {
        "training_data": {
            "files": [_display_path(p) for p in paths],
            "rows": len(data.texts),
            "fingerprint_sha256": data_fingerprint(data.texts, data.labels),
            "label_counts": data.report["label_counts"],
        },
        "metrics": {"cross_validation": model.cv_report_},
    }
    model.save(target, metadata=metadata)
    return model, target, report


def code_shortfalls(
    candidate_dir: str | Path, *, min_f1: float = MIN_CODE_F1, min_examples: int = MIN_CODE_EXAMPLES
) -> list[dict[str, Any]]:
    """The codes of a trained model not fit to be shown to officers: fewer than ``min_examples``
    training rows (``needed``: how many more) or a cross-validated F1 below ``min_f1`` (from the
    model's manifest). An empty list when every code passes."""
    from petition_nlp.model.modelstore import read_manifest

    manifest = read_manifest(candidate_dir)
    counts = manifest.get("training_data", {}).get("label_counts", {}) or {}
    f1s = manifest.get("metrics", {}).get("cross_validation", {}).get("per_class_f1", {}) or {}
    out = []
    for code in sorted(set(counts) | set(f1s)):
        rows, f1 = int(counts.get(code, 0)), f1s.get(code)
        if rows < min_examples or (f1 is not None and f1 < min_f1):
            out.append({"code": code, "rows": rows, "f1": None if f1 is None else float(f1), "needed": max(0, min_examples - rows)})
    return out


def describe_shortfalls(found: list[dict[str, Any]], *, min_f1: float = MIN_CODE_F1, min_examples: int = MIN_CODE_EXAMPLES) -> str:
    """One line: why each code of :func:`code_shortfalls` holds the model back."""
    parts = []
    for c in found:
        why = []
        if c["needed"]:
            why.append(f"{c['rows']} examples, {c['needed']} more needed (minimum {min_examples})")
        if c["f1"] is not None and c["f1"] < min_f1:
            why.append(f"cross-validated F1 {c['f1']:.3f} below {min_f1:g}")
        parts.append(f"{c['code']}: " + " and ".join(why))
        if c["needed"]:
            parts[-1] += f" (collect them with `petition-nlp suggest FILE --category {c['code']}`)"
    return "; ".join(parts)


def store_labels_file(store: Any, target: Path) -> Path:
    """Every officer-confirmed label of the open workspace ``store`` (topics set or confirmed in
    it) as a ``text,label,writer,batch`` CSV at ``target`` (provenance: the workspace)."""
    labels = store.labels()
    pd.DataFrame(
        {"text": [t for t, _ in labels], "label": [c for _, c in labels], "writer": "workspace-officers", "batch": f"store:{Path(store.data_dir).name}"},
        columns=["text", "label", "writer", "batch"],
    ).to_csv(target, index=False)
    return target


def compare_on_tests(candidate_dir: str | Path, *, current_dir: str | Path | None = None, test_files: list[Path] | None = None) -> list[dict[str, Any]]:
    """The candidate's macro-F1 / accuracy beside the current default model's on each sealed test
    split (``data/labeled/test.csv``, ``test_genres.csv``); recorded in the candidate's manifest."""
    files = test_files if test_files is not None else default_test_files()
    candidate = load_model(candidate_dir)
    current_path = Path(current_dir) if current_dir else default_model_dir()
    current = load_model(current_path) if current_path.exists() else None
    rows = []
    for test in files:
        data = load_labeled([test])
        new = evaluate_model(candidate, data.texts, data.labels)
        old = evaluate_model(current, data.texts, data.labels) if current is not None else None
        rows.append({
            "test_file": test.name, "rows": len(data.texts), "candidate_macro_f1": new["macro_f1"], "candidate_accuracy": new["accuracy"],
            "current_macro_f1": None if old is None else old["macro_f1"], "current_accuracy": None if old is None else old["accuracy"],
        })
        record_metrics(candidate_dir, "test", {test.name: {"macro_f1": new["macro_f1"], "rows": len(data.texts)}})
    return rows


def promote_if_better(
    candidate_dir: str | Path,
    *,
    test_file: str | Path | None = None,
    force: bool = False,
    tolerance: float = 0.01,
    root: str | Path | None = None,
    min_f1: float = MIN_CODE_F1,
    min_examples: int = MIN_CODE_EXAMPLES,
) -> dict[str, Any]:
    """Promote ``candidate_dir`` to default unless a code is not ready (:func:`code_shortfalls`:
    fewer than ``min_examples`` training rows or cross-validated F1 below ``min_f1``; ``force``
    does not override this, lower the minimums explicitly), its macro-F1 on the test split is
    worse than the current default's by more than ``tolerance``, or it flags more than
    MAX_REVIEW_RISE more of the test split for review (``force`` overrides both).

    Returns a dict with ``promoted`` (bool), both scores, the codes not ready and the reason.
    """
    short = code_shortfalls(candidate_dir, min_f1=min_f1, min_examples=min_examples)
    if short:
        return {
            "promoted": False, "candidate_macro_f1": None, "default_macro_f1": None, "test_file": None, "codes_not_ready": short,
            "reason": "codes not ready: " + describe_shortfalls(short, min_f1=min_f1, min_examples=min_examples),
        }
    test = Path(test_file) if test_file else default_test_file()
    if test_file is None and not test.exists():
        raise InputError(f"{test}: no test split here (it is in the repository's data/labeled/); give one with --test FILE")
    base = Path(root) if root else models_root()
    data = load_labeled([test])
    candidate = load_model(candidate_dir)
    scored = evaluate_model(candidate, data.texts, data.labels)
    new_f1, new_review = scored["macro_f1"], scored["review"]["rate"]
    record_metrics(candidate_dir, "test", {test.name: {"macro_f1": new_f1, "rows": len(data.texts)}})
    old_f1 = old_review = None
    current = base / "default" if root else default_model_dir()  # the bundled model when the folder has none
    if current.exists():
        old = evaluate_model(load_model(current), data.texts, data.labels)
        old_f1, old_review = old["macro_f1"], old["review"]["rate"]
    result = {"candidate_macro_f1": new_f1, "default_macro_f1": old_f1, "test_file": str(test)}
    if old_f1 is not None and new_f1 < old_f1 - tolerance and not force:
        result.update(promoted=False, reason=f"macro-F1 {new_f1:.3f} is worse than the default's {old_f1:.3f} by more than {tolerance}")
        return result
    if old_review is not None and new_review > old_review + MAX_REVIEW_RISE and not force:
        result.update(promoted=False, reason=(
            f"it would flag {new_review:.0%} of the test split for review against the default's {old_review:.0%}"
            f" (more than {MAX_REVIEW_RISE:.0%} more): officers would check most petitions by hand"
        ))
        return result
    promote_model(candidate_dir, root=base)
    result.update(promoted=True, reason="forced" if force and old_f1 is not None and new_f1 < old_f1 - tolerance else "not worse than the default")
    return result
