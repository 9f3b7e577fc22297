"""The labelling loop: what to label next, and which given labels look wrong."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from petition_nlp.files.validation import STATUS_OK, as_text
from petition_nlp.grouping.shortlist import NEAR_DUPLICATE_SIMILARITY, petition_vectors
from petition_nlp.model.classifier import PetitionClassifier
from petition_nlp.model.features import preprocess

__all__ = ["suggest_for_labelling", "find_label_issues"]


def suggest_for_labelling(
    data: pd.DataFrame | Iterable[Any],
    n: int = 50,
    *,
    model: PetitionClassifier | None = None,
    text_column: str | None = None,
    pool_factor: int = 6,
    similarity: float = NEAR_DUPLICATE_SIMILARITY,
    category: str | None = None,
    label_column: str | None = None,
) -> pd.DataFrame:
    """Pick ``n`` unlabelled petitions whose labels would help the model most (never a line that is
    not a petition: a title, a totals line, a signature; never a row an officer already changed or
    ticked in a corrected classify workbook).

    The most uncertain petitions (smallest margin between the two most probable codes)
    are taken greedily, skipping any that is a near-duplicate (cosine similarity of the
    grouping vectors ``>= similarity``) of one already picked.

    With ``category`` (collecting examples of one code, e.g. a new one too small to promote):
    the petitions most likely to be of that code instead — by the model's probability of it
    when the model knows the code, else by similarity (grouping vectors) to the rows of the
    input already labelled with it (``label_column``, detected: label / Mã chủ đề …), which are
    left out of the pick; with neither, :class:`~petition_nlp.files.io.InputError`.

    Returns:
        the picked rows with their original columns, ``suggested_category``,
        ``confidence`` and an empty ``label`` column to fill in Excel and feed to ``train``
        (with ``category``: also ``score``, the probability or similarity ranked on).
    """
    from petition_nlp.files.io import detect_text_column
    from petition_nlp.files.validation import row_status
    from petition_nlp.model.modelstore import load_model
    from petition_nlp.model.reviewed import previous_result

    model = model or load_model()
    if isinstance(data, pd.DataFrame):
        frame = data.reset_index(drop=True)
        column = text_column or detect_text_column(frame)
    else:
        frame, column = pd.DataFrame({"text": [as_text(t) for t in data]}), "text"
    status = getattr(model, "row_status", row_status)  # the model's: lines that are not petitions too
    usable = [i for i, t in enumerate(frame[column]) if status(t) == STATUS_OK]
    _, officer = previous_result(frame, column)  # a corrected classify workbook: the rows an officer checked are labelled
    if officer is not None:
        checked = set(officer.labels) | set(officer.not_petitions)
        usable = [i for i in usable if i not in checked]
    if not usable:
        return frame.iloc[0:0].assign(suggested_category=[], confidence=[], uncertainty=[], label=[])
    score = None
    if category is not None:
        from petition_nlp.files.io import InputError, detect_label_column

        category = str(category).strip()
        lcol = label_column or detect_label_column(frame)
        given = [as_text(v).strip() for v in frame[lcol]] if lcol is not None and lcol in frame.columns else [""] * len(frame)
        seeds = [i for i in usable if given[i] == category]
        known = category in list(model.classes_)
        if not known and not seeds:
            raise InputError(
                f"the model does not know '{category}' and no row of the input is labelled {category}"
                f"{f' in column {lcol!r}' if lcol is not None else ''}: label a few first, then ask again"
            )
        if not known:
            usable = [i for i in usable if given[i] != category]
            if not usable:
                return frame.iloc[0:0].assign(suggested_category=[], confidence=[], uncertainty=[], score=[], label=[])
            everything = preprocess([as_text(frame[column].iloc[i]) for i in usable + seeds])
            allvec = petition_vectors(everything)
            score = (allvec[: len(usable)] @ allvec[len(usable):].T).toarray().max(axis=1)
    views = preprocess([as_text(frame[column].iloc[i]) for i in usable])
    proba = model.predict_proba(views).to_numpy()
    ranked = np.sort(proba, axis=1)
    margin = ranked[:, -1] - (ranked[:, -2] if proba.shape[1] > 1 else 0.0)
    if category is not None and score is None:
        score = proba[:, list(model.classes_).index(category)]
    if score is not None:
        order = np.argsort(-score, kind="stable")[: max(n * pool_factor, n)]
    else:
        order = np.argsort(margin, kind="stable")[: max(n * pool_factor, n)]
    vectors = petition_vectors(views)
    picked: list[int] = []
    for i in order:
        if len(picked) >= n:
            break
        if picked and (vectors[picked] @ vectors[i].T).toarray().max() >= similarity:
            continue
        picked.append(int(i))
    out = frame.iloc[[usable[i] for i in picked]].copy()
    out["suggested_category"] = np.asarray(model.classes_, dtype=object)[proba[picked].argmax(axis=1)]
    out["confidence"] = proba[picked].max(axis=1).round(4)
    out["uncertainty"] = (1 - margin[picked]).round(4)
    if score is not None:
        out["score"] = np.round(score[picked], 4)
    out["label"] = ""
    return out.reset_index(drop=True)


def find_label_issues(
    texts: Iterable[Any],
    labels: Iterable[Any],
    *,
    cv: int = 5,
    random_state: int = 0,
    min_confidence: float = 0.6,
    params: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Flag labelled rows whose label the model confidently disagrees with under cross-validation.

    Out-of-fold probabilities come from :class:`PetitionClassifier`; a row is flagged when
    cleanlab's ``find_label_issues`` (confident learning, ``filter_by="both"``) marks it and the
    out-of-fold prediction is another code with probability at least ``min_confidence``.
    ``params`` go to the classifier (default here: character n-grams 2-5 on).

    Returns:
        one row per input row: ``text``, ``label``, ``label_issue`` (bool),
        ``suggested_label``, ``suggested_confidence`` and ``label_quality`` (lower is worse).
    """
    from cleanlab.filter import find_label_issues as cl_find
    from cleanlab.rank import get_label_quality_scores

    texts = [as_text(t) for t in texts]
    y = [as_text(v).strip() for v in labels]
    # The character block is off in the default classifier (prediction speed) but is kept here:
    # check-labels runs on small labelled sets, where it finds more of the wrong labels.
    clf = PetitionClassifier(cv=cv, random_state=random_state, **{"char_ngram_range": (2, 5), **(params or {})})
    clf.fit(texts, y)
    oof = clf.cv_predictions_
    codes = list(oof.columns)
    index = {c: i for i, c in enumerate(codes)}
    numeric = np.asarray([index[v] for v in y])
    proba = oof.to_numpy()
    issues = cl_find(labels=numeric, pred_probs=proba, filter_by="both")
    quality = get_label_quality_scores(labels=numeric, pred_probs=proba)
    suggested = proba.argmax(axis=1)
    return pd.DataFrame(
        {
            "text": texts,
            "label": y,
            "label_issue": issues & (suggested != numeric) & (proba.max(axis=1) >= min_confidence),
            "suggested_label": [codes[i] for i in suggested],
            "suggested_confidence": proba.max(axis=1).round(4),
            "label_quality": np.round(quality, 4),
        }
    )
