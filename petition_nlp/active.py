"""The labelling loop: what to label next, and which given labels look wrong."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from petition_nlp.classifier import PetitionClassifier
from petition_nlp.features import preprocess
from petition_nlp.shortlist import NEAR_DUPLICATE_SIMILARITY, petition_vectors
from petition_nlp.validation import STATUS_OK, as_text

__all__ = ["suggest_for_labelling", "find_label_issues"]


def suggest_for_labelling(
    data: pd.DataFrame | Iterable[Any],
    n: int = 50,
    *,
    model: PetitionClassifier | None = None,
    text_column: str | None = None,
    pool_factor: int = 6,
    similarity: float = NEAR_DUPLICATE_SIMILARITY,
) -> pd.DataFrame:
    """Pick ``n`` unlabelled petitions whose labels would help the model most.

    The most uncertain petitions (smallest margin between the two most probable codes)
    are taken greedily, skipping any that is a near-duplicate (cosine similarity of the
    grouping vectors ``>= similarity``) of one already picked.

    Returns:
        the picked rows with their original columns, ``suggested_category``,
        ``confidence`` and an empty ``label`` column to fill in Excel and feed to ``train``.
    """
    from petition_nlp.modelstore import load_model

    model = model or load_model()
    result = model.classify(data, text_column=text_column)
    column = text_column or ("text" if not isinstance(data, pd.DataFrame) else None)
    if column is None:
        from petition_nlp.io import detect_text_column

        column = detect_text_column(data)  # type: ignore[arg-type]
    usable = result.index[result["status"] == STATUS_OK]
    if len(usable) == 0:
        return result.iloc[0:0]
    texts = result.loc[usable, column].map(as_text).tolist()
    views = preprocess(texts)
    proba = model.predict_proba(views).to_numpy()
    top2 = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] > 1 else np.hstack([np.zeros_like(proba), proba])
    margin = top2[:, 1] - top2[:, 0]
    order = np.argsort(margin, kind="stable")[: max(n * pool_factor, n)]
    vectors = petition_vectors(views)
    picked: list[int] = []
    for i in order:
        if len(picked) >= n:
            break
        if picked and (vectors[picked] @ vectors[i].T).toarray().max() >= similarity:
            continue
        picked.append(int(i))
    out = result.loc[usable[picked]].copy()
    out = out.rename(columns={"category": "suggested_category"})
    out["uncertainty"] = (1 - margin[picked]).round(4)
    out["label"] = ""
    return out.drop(columns=["category_name", "needs_review", "status"]).reset_index(drop=True)


def find_label_issues(
    texts: Iterable[Any],
    labels: Iterable[Any],
    *,
    cv: int = 5,
    random_state: int = 0,
    params: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Flag labelled rows whose label the model confidently disagrees with under cross-validation.

    Out-of-fold probabilities come from :class:`PetitionClassifier`; the decision is made by
    cleanlab's ``find_label_issues`` (confident learning).

    Returns:
        one row per input row: ``text``, ``label``, ``label_issue`` (bool),
        ``suggested_label``, ``suggested_confidence`` and ``label_quality`` (lower is worse).
    """
    from cleanlab.filter import find_label_issues as cl_find
    from cleanlab.rank import get_label_quality_scores

    texts = [as_text(t) for t in texts]
    y = [as_text(v).strip() for v in labels]
    clf = PetitionClassifier(cv=cv, random_state=random_state, **(params or {}))
    clf.fit(texts, y)
    oof = clf.cv_predictions_
    codes = list(oof.columns)
    index = {c: i for i, c in enumerate(codes)}
    numeric = np.asarray([index[v] for v in y])
    proba = oof.to_numpy()
    issues = cl_find(labels=numeric, pred_probs=proba, filter_by="prune_by_noise_rate")
    quality = get_label_quality_scores(labels=numeric, pred_probs=proba)
    suggested = proba.argmax(axis=1)
    return pd.DataFrame(
        {
            "text": texts,
            "label": y,
            "label_issue": issues & (suggested != numeric),
            "suggested_label": [codes[i] for i in suggested],
            "suggested_confidence": proba.max(axis=1).round(4),
            "label_quality": np.round(quality, 4),
        }
    )
