"""Training, evaluation and promotion of petition models (library side of the CLI)."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from petition_nlp.classifier import PetitionClassifier
from petition_nlp.io import InputError, detect_label_column, detect_text_column, read_table
from petition_nlp.modelstore import data_fingerprint, load_model, models_root, promote_model
from petition_nlp.normalize import normalize_text
from petition_nlp.resources import CATEGORY_CODES
from petition_nlp.validation import STATUS_OK, as_text, row_status

__all__ = [
    "LabeledData",
    "load_labeled",
    "train_model",
    "evaluate_model",
    "evaluate_file",
    "promote_if_better",
    "default_training_file",
    "default_test_file",
]


def _data_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "labeled"


def _display_path(path: Path) -> str:
    """Path relative to the project root when inside it (manifests stay machine-independent)."""
    try:
        return str(Path(path).resolve().relative_to(_data_dir().parent.parent))
    except ValueError:
        return str(path)


def default_training_file() -> Path:
    """``data/labeled/petitions.csv``."""
    return _data_dir() / "petitions.csv"


def default_test_file() -> Path:
    """``data/labeled/test.csv`` — the sealed test split (only for evaluation and promotion)."""
    return _data_dir() / "test.csv"


@dataclass
class LabeledData:
    """Validated training rows and what validation found."""

    texts: list[str]
    labels: list[str]
    sources: list[str]
    report: dict[str, Any] = field(default_factory=dict)


def read_labeled(
    path: str | Path, *, text_column: str | None = None, label_column: str | None = None
) -> tuple[pd.DataFrame, str, str]:
    """Read a labelled file; returns the frame and the text / label column names."""
    frame, _ = read_table(path)
    try:
        text_col = text_column or detect_text_column(frame)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    label_col = label_column or detect_label_column(frame)
    for wanted, col in (("text", text_col), ("label", label_col)):
        if col is None or col not in frame.columns:
            found = ", ".join(map(str, frame.columns))
            raise InputError(f"{path}: no {wanted} column found (columns: {found}); use --{wanted}-column")
    return frame, text_col, label_col


def load_labeled(
    files: list[str | Path],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
) -> LabeledData:
    """Read labelled files and validate them.

    Empty texts and rows without a label are skipped, unknown codes are accepted with a
    warning (display names fall back to the code), texts given conflicting labels are
    reported and left out, exact duplicates (same normalised text and label) are dropped.
    """
    rows: list[tuple[str, str, str]] = []
    skipped_empty = 0
    for path in files:
        frame, tcol, lcol = read_labeled(path, text_column=text_column, label_column=label_column)
        for text, label in zip(frame[tcol].tolist(), frame[lcol].tolist()):
            text, label = as_text(text), as_text(label).strip()
            if row_status(text) != STATUS_OK or not label:
                skipped_empty += 1
                continue
            rows.append((text, label, str(path)))
    by_key: dict[str, list[int]] = {}
    for i, (text, _, _) in enumerate(rows):
        by_key.setdefault(normalize_text(text), []).append(i)
    keep: list[int] = []
    conflicts: list[dict[str, Any]] = []
    duplicates = 0
    for key, idx in by_key.items():
        labels = {rows[i][1] for i in idx}
        if len(labels) > 1:
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
        "unknown_codes": unknown,
        "label_counts": dict(sorted(pd.Series(labels).value_counts().to_dict().items())),
    }
    if unknown:
        warnings.warn(f"new category codes (not in the taxonomy): {', '.join(unknown)}", stacklevel=2)
    return LabeledData(
        texts=[rows[i][0] for i in keep], labels=labels, sources=[rows[i][2] for i in keep], report=report
    )


def evaluate_model(model: PetitionClassifier, texts: list[str], labels: list[str]) -> dict[str, Any]:
    """Accuracy, macro / weighted F1, per-code precision / recall / F1 and the confusion matrix."""
    pred = model.predict(texts)
    y = np.asarray(labels, dtype=object)
    codes = sorted(set(y) | set(pred))
    p, r, f, s = precision_recall_fscore_support(y, pred, labels=codes, zero_division=0)
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
    }


def evaluate_file(
    path: str | Path,
    *,
    model: PetitionClassifier | None = None,
    model_dir: str | Path | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
) -> dict[str, Any]:
    """Evaluate a model (default: the default model) on a labelled file."""
    data = load_labeled([path], text_column=text_column, label_column=label_column)
    model = model or load_model(model_dir)
    return evaluate_model(model, data.texts, data.labels)


def train_model(
    files: list[str | Path] | None = None,
    *,
    only: bool = False,
    text_column: str | None = None,
    label_column: str | None = None,
    output: str | Path | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[PetitionClassifier, Path, dict[str, Any]]:
    """Train on ``data/labeled/petitions.csv`` plus ``files`` (or ``files`` alone with ``only``).

    Runs stratified k-fold cross-validation (reported, and used to choose the review
    threshold), fits the final model on all rows (one segmentation pass shared by both) and
    writes a versioned model directory (default ``models/<timestamp>/``).

    Returns:
        the fitted model, its directory and a report (validation, CV metrics, timings).
    """
    paths = [Path(f) for f in files or []]
    if not only:
        paths.insert(0, default_training_file())
    if not paths:
        raise InputError("no training files given")
    data = load_labeled(paths, text_column=text_column, label_column=label_column)
    if len(set(data.labels)) < 2:
        raise InputError(f"{paths[-1]}: training needs at least two different category codes")
    counts = pd.Series(data.labels).value_counts()
    if counts.min() < 2:
        rare = ", ".join(counts[counts < 2].index)
        raise InputError(f"{paths[-1]}: every code needs at least 2 labelled rows (too few: {rare})")
    model = PetitionClassifier(**(params or {}))
    started = time.perf_counter()
    views = model.views(data.texts)
    segmented = time.perf_counter()
    model.fit(views, data.labels)
    finished = time.perf_counter()
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    target = Path(output) if output else models_root() / stamp
    if target.exists() and any(target.iterdir()):
        target = target.with_name(f"{target.name}-{int(time.time() * 1000) % 100000}")
    report = {
        "validation": data.report,
        "cv": model.cv_report_,
        "review_threshold": model.review_threshold_,
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


def promote_if_better(
    candidate_dir: str | Path,
    *,
    test_file: str | Path | None = None,
    force: bool = False,
    tolerance: float = 0.01,
    root: str | Path | None = None,
) -> dict[str, Any]:
    """Promote ``candidate_dir`` to default unless its macro-F1 on the test split is worse than
    the current default's by more than ``tolerance`` (``force`` overrides).

    Returns a dict with ``promoted`` (bool), both scores and the reason.
    """
    test = Path(test_file) if test_file else default_test_file()
    base = Path(root) if root else models_root()
    data = load_labeled([test])
    candidate = load_model(candidate_dir)
    new_f1 = evaluate_model(candidate, data.texts, data.labels)["macro_f1"]
    old_f1 = None
    if (base / "default").exists():
        old_f1 = evaluate_model(load_model(base / "default"), data.texts, data.labels)["macro_f1"]
    result = {"candidate_macro_f1": new_f1, "default_macro_f1": old_f1, "test_file": str(test)}
    if old_f1 is not None and new_f1 < old_f1 - tolerance and not force:
        result.update(promoted=False, reason=f"macro-F1 {new_f1:.3f} is worse than the default's {old_f1:.3f} by more than {tolerance}")
        return result
    promote_model(candidate_dir, root=base)
    result.update(promoted=True, reason="forced" if force and old_f1 is not None and new_f1 < old_f1 - tolerance else "not worse than the default")
    return result
