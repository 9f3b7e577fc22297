"""The petition classifier: preprocessing + word / syllable n-gram features + calibrated linear SVM."""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import Pipeline

from petition_nlp.files.validation import STATUS_OK, as_text, row_status
from petition_nlp.model.features import build_features, preprocess
from petition_nlp.resources import category_name
from petition_nlp.text.segment import PARALLEL_MIN_TEXTS, worker_count

__all__ = [
    "PetitionClassifier",
    "choose_review_threshold",
    "choose_second_threshold",
    "lower_second_for_coverage",
    "choose_coverage_threshold",
    "classify_partition",
    "grouped_folds",
    "risk_coverage",
    "OUTPUT_COLUMNS",
    "REVIEW_SHARES",
]

OUTPUT_COLUMNS = (
    "category", "category_name", "confidence", "second_category", "second_confidence", "needs_review", "status"
)
REVIEW_SHARES = (0.0, 0.1, 0.2, 0.3)
"""Review shares of the risk–coverage table (``evaluate``, ``cv_report_``)."""
MIN_GROUP_ROWS = 20
"""Fewest rows of a provenance group that counts as a kind of text of its own when the review
threshold is chosen (smaller ones are pooled)."""
MIN_ROWS_PER_CODE = 3
"""Fewest labelled rows of a code that training takes: cross-validation inside cross-validation
(the calibration) needs two rows of each code in every training fold."""


def risk_coverage(
    confidence: np.ndarray, correct: np.ndarray, shares: Iterable[float] = REVIEW_SHARES
) -> list[dict[str, Any]]:
    """Accuracy of the rows not reviewed when the least confident ``share`` of rows is reviewed.

    Returns one dict per share: ``review_share``, ``reviewed`` (rows), ``accuracy_not_reviewed``.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    order = np.argsort(-confidence, kind="stable")
    n = len(order)
    table = []
    for share in shares:
        reviewed = int(round(float(share) * n))
        kept = order[: n - reviewed]
        table.append({
            "review_share": float(share),
            "reviewed": reviewed,
            "accuracy_not_reviewed": float(correct[kept].mean()) if len(kept) else None,
        })
    return table


def runner_up(proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index and probability of each row's second most probable class (ties: stable order)."""
    idx = np.argsort(proba, axis=1, kind="stable")[:, -2]
    return idx, proba[np.arange(len(proba)), idx]


def choose_second_threshold(
    proba: np.ndarray,
    labels: np.ndarray,
    classes: np.ndarray,
    labels_2: np.ndarray | None = None,
    *,
    max_share: float = 0.25,
    floor: float = 0.1,
) -> float:
    """Lowest runner-up probability at which the runner-up is shown as ``second_category``.

    On out-of-fold probabilities, a runner-up is *useful* when it is the gold code (the top guess
    was wrong) or the row's gold second topic (``labels_2``). The threshold maximises the F1 of
    "shown" against "useful" among those that show a runner-up on at most ``max_share`` of the rows.
    Returns a value above 1 (never shown) when no runner-up is useful.
    """
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes, dtype=object)
    if len(proba) == 0 or proba.shape[1] < 2:
        return 1.01
    second_idx, p2 = runner_up(proba)
    second = classes[second_idx]
    useful = second == np.asarray(labels, dtype=object)
    if labels_2 is not None:
        useful |= second == np.asarray(labels_2, dtype=object)
    if not useful.any():
        return 1.01
    order = np.argsort(-p2, kind="stable")
    hits = np.cumsum(useful[order])
    shown = np.arange(1, len(order) + 1)
    f1 = 2 * hits / (shown + useful.sum())
    allowed = (shown <= max_share * len(order)) & (p2[order] >= floor)
    # ties: a threshold shows every row with that probability, so only the last of equal values counts
    last_of_tie = np.r_[p2[order][1:] != p2[order][:-1], True]
    ok = np.nonzero(allowed & last_of_tie)[0]
    if len(ok) == 0:
        return 1.01
    best = ok[np.argmax(f1[ok])]
    return float(p2[order][best])


def lower_second_for_coverage(
    proba: np.ndarray,
    labels: np.ndarray,
    classes: np.ndarray,
    flagged: np.ndarray,
    threshold: float,
    *,
    coverage: float = 0.85,
    max_share: float = 0.3,
) -> float:
    """Runner-up threshold, lowered from ``threshold`` (if needed) until ``coverage`` of the wrong
    predictions are ``flagged`` already or show the right code as ``second_category``, showing a
    runner-up on at most ``max_share`` of the rows (if the target cannot be reached, the lowest
    threshold within that share). Showing a second topic costs the officer a glance, flagging a row
    costs a review: a wrong prediction is better rescued by its runner-up when one is close.
    Out-of-fold inputs; never raises ``threshold``.
    """
    proba = np.asarray(proba, dtype=float)
    wrong = np.asarray(classes, dtype=object)[proba.argmax(axis=1)] != np.asarray(labels, dtype=object)
    if len(proba) == 0 or proba.shape[1] < 2 or not wrong.any():
        return threshold
    second_idx, p2 = runner_up(proba)
    useful = wrong & ~np.asarray(flagged, dtype=bool) & (np.asarray(classes, dtype=object)[second_idx] == np.asarray(labels, dtype=object))
    needed = int(np.ceil(coverage * wrong.sum())) - int((wrong & np.asarray(flagged, dtype=bool)).sum())
    if needed <= int((useful & (p2 >= threshold)).sum()):
        return threshold
    order = np.argsort(-p2, kind="stable")
    hits = np.cumsum(useful[order])
    shown = np.arange(1, len(order) + 1)
    last_of_tie = np.r_[p2[order][1:] != p2[order][:-1], True]
    allowed = np.nonzero((shown <= max_share * len(order)) & last_of_tie)[0]
    if len(allowed) == 0:
        return threshold
    reached = allowed[hits[allowed] >= needed]
    best = reached[0] if len(reached) else allowed[-1]
    return float(min(threshold, p2[order][best]))


def grouped_folds(
    labels: np.ndarray, groups: np.ndarray | None, n_splits: int, random_state: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Cross-validation folds; with ``groups``, no group is ever split between training and test.

    Without groups: ``StratifiedKFold`` over rows. With groups: ``StratifiedGroupKFold`` (at most
    one fold per group), and every fold's training part must hold every code — groups that are
    each one code (e.g. one writer per code) would leave a code out and are refused with a
    ValueError naming the code.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    labels = np.asarray(labels, dtype=object)
    codes, counts = np.unique(labels, return_counts=True)
    dummy = np.zeros(len(labels))
    if groups is None:
        splitter = StratifiedKFold(
            n_splits=max(2, min(n_splits, int(counts.min()))), shuffle=True, random_state=random_state
        )
        return list(splitter.split(dummy, labels))
    groups = np.asarray(groups, dtype=object)
    if len(groups) != len(labels):
        raise ValueError(f"{len(labels)} labels but {len(groups)} groups")
    n_groups = len(set(groups.tolist()))
    if n_groups < 2:
        raise ValueError("grouped cross-validation needs at least two groups")
    splitter = StratifiedGroupKFold(n_splits=max(2, min(n_splits, n_groups)), shuffle=True, random_state=random_state)
    folds = list(splitter.split(dummy, labels, groups))
    for train, _ in folds:
        missing = sorted(set(codes) - set(labels[train].tolist()))
        if missing:
            raise ValueError(
                f"grouped cross-validation: a fold's training part has no row of {', '.join(missing)}; "
                "choose groups that each hold several codes"
            )
    return folds


def choose_review_threshold(
    confidence: np.ndarray,
    correct: np.ndarray,
    *,
    target_precision: float = 0.95,
    floor: float = 0.3,
    groups: np.ndarray | None = None,
) -> float:
    """Smallest confidence above which predictions are right at least ``target_precision`` of the time.

    ``confidence`` and ``correct`` come from out-of-fold (cross-validated) predictions. With
    ``groups`` (the held-out group of each row), the precision that must reach the target is the
    mean over groups of each group's accuracy above the threshold — every kind of text counts the
    same, so a small unfamiliar genre is not drowned by a large familiar one. A group of fewer than
    MIN_GROUP_ROWS rows (a handful of officers' corrections, say) weighs in proportion to its size:
    two rows the model disagrees with cannot weigh as much as a genre, or they would push the
    threshold to the top and flag nearly every petition.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    if groups is None:
        order = np.argsort(-confidence, kind="stable")
        conf = confidence[order]
        hits = np.cumsum(correct[order].astype(float))
        precision = hits / np.arange(1, len(conf) + 1)
        ok = np.nonzero(precision >= target_precision)[0]
        if len(ok) == 0:
            return float(conf[0]) if len(conf) else 1.0
        return float(max(floor, conf[ok[-1]]))
    groups = np.asarray(groups, dtype=object)
    members = [groups == g for g in sorted(set(groups.tolist()))]
    weight = [min(1.0, int(m.sum()) / MIN_GROUP_ROWS) for m in members]
    candidates = np.unique(np.r_[floor, confidence[confidence >= floor]])
    for t in candidates:  # lowest first
        above = confidence >= t
        per_group = [(correct[m & above].mean(), w) for m, w in zip(members, weight) if (m & above).any()]
        if per_group and sum(a * w for a, w in per_group) / sum(w for _, w in per_group) >= target_precision:
            return float(t)
    return float(confidence.max()) if len(confidence) else 1.0


def choose_coverage_threshold(
    confidence: np.ndarray,
    wrong: np.ndarray,
    rescued: np.ndarray,
    *,
    coverage: float = 0.75,
    max_share: float = 0.3,
) -> float:
    """Lowest review threshold at which ``coverage`` of the wrong predictions are flagged (confidence
    below it) or already ``rescued`` (their second category is the right code), flagging at most
    ``max_share`` of all rows. Out-of-fold inputs; returns 0.0 when nothing more needs flagging.
    """
    confidence = np.asarray(confidence, dtype=float)
    wrong = np.asarray(wrong, dtype=bool)
    rescued = np.asarray(rescued, dtype=bool) & wrong
    n_wrong = int(wrong.sum())
    if n_wrong == 0 or len(confidence) == 0:
        return 0.0
    needed = int(np.ceil(coverage * n_wrong)) - int(rescued.sum())
    if needed <= 0:
        return 0.0
    left = np.sort(confidence[wrong & ~rescued])
    wanted = float(np.nextafter(left[min(needed, len(left)) - 1], np.inf))
    cap = float(np.quantile(confidence, max_share))
    return min(wanted, cap)


class PetitionClassifier(ClassifierMixin, BaseEstimator):
    """Assigns a category code to each petition, with a calibrated confidence.

    Args:
        C: regularisation of the linear SVM.
        word_ngram_range: n-gram range over segmented words.
        syllable_ngram_range: n-gram range over syllables (diacritic-free, and accented).
        accented_syllables: add syllable n-grams that keep diacritics (besides the diacritic-free ones).
        char_ngram_range: character n-gram range over the diacritic-free text; ``None`` (default): no
            character block.
        keyword_weight: weight of the taxonomy keyword features.
        use_idf: inverse-document-frequency weighting of the n-gram blocks (``False``: sublinear tf
            only), or ``"auto"`` (default): both are cross-validated on the training rows and the one
            with the higher macro-F1 is kept (``use_idf_``; ties keep IDF). Neither wins everywhere:
            IDF is better on the petitions, plain tf on a public benchmark (UIT-VSFC topics).
        class_weight: passed to ``LinearSVC`` (``"balanced"`` by default).
        calibration_cv: folds used by ``CalibratedClassifierCV``.
        review_threshold: float, or ``"auto"`` to choose it by cross-validation on the
            training rows so that predictions above it are right ``review_precision`` of the time.
        review_precision: target precision of predictions not flagged ``needs_review``.
        review_coverage: with ``review_threshold="auto"``, this share of the cross-validated wrong
            predictions must be flagged or have the right ``second_category``: first the runner-up
            threshold is lowered (:func:`lower_second_for_coverage`, within ``second_share``), then
            the review threshold raised (:func:`choose_coverage_threshold`, flagging at most
            ``max_review_share`` of the rows). 0.85 on the grouped folds: the one stranger-written
            split reached 0.07 less than the grouped folds predicted, so the target keeps a margin
            above the 0.70 asked of text nobody on the team wrote.
        max_review_share: cap on the cross-validated share of rows that raise alone can flag.
        cv: folds of that cross-validation (also reported as ``cv_report_``). When ``fit`` gets
            ``groups`` (provenance: genre, style, writer...), the folds never split a group
            (:func:`grouped_folds`) and every choice above is made on them; the same figures over
            random row folds are reported beside them (``cv_report_["random_folds"]``).
        second_share: at most this share of rows (cross-validated) gets a ``second_category``; the
            runner-up probability threshold (``second_threshold_``) is chosen on the same folds
            (:func:`choose_second_threshold`, with the gold second topics given to ``fit``), then
            lowered if ``review_coverage`` needs it (:func:`lower_second_for_coverage`).
        calibration: ``"sigmoid"`` (default, one-vs-rest Platt scaling) or ``"temperature"``
            (one temperature for the softmax of the SVM scores; scikit-learn ≥ 1.8).
        not_petitions: in :meth:`classify`, give lines that are not petitions (letterheads,
            signatures, totals, chat lines; :mod:`petition_nlp.model.notpetition`) the status
            ``not_a_petition`` instead of a topic.
        neural_weight: 0 (default): linear model only. Above 0: the final probabilities are
            ``(1 - w) * linear + w * neural``, the neural part a bidirectional LSTM over the
            normalised syllables trained from scratch (:class:`petition_nlp.model.neural.BiRNNClassifier`;
            needs the ``[neural]`` extra, PyTorch). Its final fit took 29 s on 11,000 short texts
            (2.3 s without; benchmarks/uit_vsfc.py).
        random_state: seed for every random step (training is deterministic).
        n_jobs: processes for segmentation of large batches (``None``: all cores).
        cache: use the on-disk segmentation cache.
    """

    def __init__(
        self,
        *,
        C: float = 0.5,
        word_ngram_range: tuple[int, int] = (1, 3),
        syllable_ngram_range: tuple[int, int] = (1, 2),
        accented_syllables: bool = True,
        char_ngram_range: tuple[int, int] | None = None,
        keyword_weight: float = 0.15,
        use_idf: bool | str = "auto",
        class_weight: str | None = "balanced",
        calibration_cv: int = 3,
        review_threshold: float | str = "auto",
        review_precision: float = 0.95,
        review_coverage: float = 0.85,
        max_review_share: float = 0.25,
        cv: int = 5,
        second_share: float = 0.3,
        calibration: str = "sigmoid",
        not_petitions: bool = True,
        neural_weight: float = 0.0,
        random_state: int = 0,
        n_jobs: int | None = None,
        cache: bool = True,
    ) -> None:
        self.C = C
        self.word_ngram_range = word_ngram_range
        self.syllable_ngram_range = syllable_ngram_range
        self.accented_syllables = accented_syllables
        self.char_ngram_range = char_ngram_range
        self.keyword_weight = keyword_weight
        self.use_idf = use_idf
        self.class_weight = class_weight
        self.calibration_cv = calibration_cv
        self.review_threshold = review_threshold
        self.review_precision = review_precision
        self.review_coverage = review_coverage
        self.max_review_share = max_review_share
        self.cv = cv
        self.second_share = second_share
        self.calibration = calibration
        self.not_petitions = not_petitions
        self.neural_weight = neural_weight
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.cache = cache

    # Parameters added after the first saved models, with the values that reproduce how those
    # models were built (so get_params / clone of an older pickle describe it truthfully).
    _LEGACY_PARAMS = {
        "syllable_ngram_range": (1, 2), "accented_syllables": False, "use_idf": True, "neural_weight": 0.0,
        "second_share": 0.25, "calibration": "sigmoid", "not_petitions": True,
        "review_coverage": 0.0, "max_review_share": 0.25,
    }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in self._LEGACY_PARAMS.items():
            state.setdefault(name, value)
        self.__dict__.update(state)

    # -- construction -------------------------------------------------------------------
    def _make_model(self, n_min: int, use_idf: bool | None = None, *, neural: bool = True) -> Any:
        """The linear pipeline; with ``neural_weight`` > 0 (and ``neural``), its soft vote with the network."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        folds = max(2, min(self.calibration_cv, n_min))
        linear = Pipeline(
            [
                (
                    "features",
                    build_features(
                        word_ngram_range=tuple(self.word_ngram_range),
                        syllable_ngram_range=tuple(self.syllable_ngram_range),
                        accented_syllables=self.accented_syllables,
                        char_ngram_range=None if self.char_ngram_range is None else tuple(self.char_ngram_range),
                        keyword_weight=self.keyword_weight,
                        use_idf=self.use_idf_ if use_idf is None else use_idf,
                    ),
                ),
                # ensemble=False: one SVM fitted on all rows, the sigmoid fitted on out-of-fold scores
                ("clf", CalibratedClassifierCV(svm, method=self.calibration, cv=folds, ensemble=False)),
            ]
        )
        if not neural or not self.neural_weight:
            return linear
        from sklearn.ensemble import VotingClassifier

        from petition_nlp.model.neural import BiRNNClassifier, require_torch

        require_torch()  # fail before any work when the extra is missing
        w = float(self.neural_weight)
        return VotingClassifier(
            [("linear", linear), ("neural", BiRNNClassifier(random_state=self.random_state))],
            voting="soft",
            weights=[1 - w, w],
        )

    def views(self, texts: Iterable[Any]) -> pd.DataFrame:
        """Normalised / segmented / diacritic-free views of the texts (one segmentation pass)."""
        if isinstance(texts, pd.DataFrame) and {"norm", "seg", "plain"} <= set(texts.columns):
            return texts
        return preprocess([as_text(t) for t in texts], n_jobs=self.n_jobs, cache=self.cache)

    # -- scikit-learn API ---------------------------------------------------------------
    def fit(
        self,
        X: Iterable[Any],
        y: Iterable[Any],
        groups: Iterable[Any] | None = None,
        labels_2: Iterable[Any] | None = None,
    ) -> PetitionClassifier:
        """Fit on texts ``X`` and codes ``y``. Every code needs at least two rows.

        Args:
            groups: provenance of each row (e.g. genre, or style for a corpus written one code
                per writer). Given, every cross-validated choice (IDF, review threshold, second
                topic rule) is made on folds that never split a group, so the figures say how the
                model does on rows unlike those it was trained on; random row folds are reported
                beside them. ``None``: random stratified row folds only.
            labels_2: each row's second topic when it raises two (empty otherwise); used only
                to choose the second-topic rule.
        """
        from sklearn.metrics import f1_score  # imported here: classifying needs neither (start-up time)
        from sklearn.model_selection import cross_val_predict

        views = self.views(X)
        labels = np.asarray([as_text(v).strip() for v in y], dtype=object)
        if len(labels) != len(views):
            raise ValueError(f"{len(views)} texts but {len(labels)} labels")
        codes, counts = np.unique(labels, return_counts=True)
        if len(codes) < 2:
            raise ValueError("training needs at least two different category codes")
        if counts.min() < MIN_ROWS_PER_CODE:  # fewer: a cross-validation fold would hold one row of it
            rare = ", ".join(f"{c} ({n})" for c, n in zip(codes, counts) if n < MIN_ROWS_PER_CODE)
            raise ValueError(f"every code needs at least {MIN_ROWS_PER_CODE} labelled rows; too few for: {rare}")
        group_arr = None if groups is None else np.asarray([as_text(g) for g in groups], dtype=object)
        second_gold = None
        if labels_2 is not None:
            second_gold = np.asarray([as_text(v).strip() for v in labels_2], dtype=object)
            if len(second_gold) != len(labels):
                raise ValueError(f"{len(labels)} labels but {len(second_gold)} second labels")
        self.cv_report_: dict[str, Any] | None = None
        if self.use_idf == "auto":
            options = [True, False]
        elif isinstance(self.use_idf, (bool, np.bool_)):
            options = [bool(self.use_idf)]
        else:
            raise ValueError(f"use_idf must be True, False or 'auto', not {self.use_idf!r}")
        if self.review_threshold == "auto" or len(options) > 1:
            folds = grouped_folds(labels, group_arr, self.cv, self.random_state)

            def out_of_fold(
                use_idf: bool, neural: bool, cv: list[tuple[np.ndarray, np.ndarray]]
            ) -> tuple[float, np.ndarray, np.ndarray]:
                n_min = min(int(np.unique(labels[train], return_counts=True)[1].min()) for train, _ in cv)
                model = self._make_model(n_min, use_idf, neural=neural)
                oof = cross_val_predict(model, views, labels, cv=cv, method="predict_proba")
                pred = codes[oof.argmax(axis=1)]
                return float(f1_score(labels, pred, average="macro")), oof, pred

            # same folds for every candidate; the IDF choice is made on the linear model alone
            candidates = {use_idf: out_of_fold(use_idf, False, folds) for use_idf in options}
            self.use_idf_ = max(options, key=lambda o: candidates[o][0])  # first option on ties
            if self.neural_weight:  # report (and choose the review threshold from) the ensemble itself
                macro, oof, pred = out_of_fold(self.use_idf_, True, folds)
            else:
                macro, oof, pred = candidates[self.use_idf_]
            conf = oof.max(axis=1)
            correct = pred == labels
            self.second_threshold_ = choose_second_threshold(
                oof, labels, codes, second_gold, max_share=self.second_share
            )
            if self.review_threshold == "auto":
                by_precision = choose_review_threshold(
                    conf, correct, target_precision=self.review_precision, groups=group_arr
                )
                self.second_threshold_ = lower_second_for_coverage(
                    oof, labels, codes, conf < by_precision, self.second_threshold_,
                    coverage=self.review_coverage, max_share=self.second_share,
                )
                second_idx, p2 = runner_up(oof)
                rescued = (p2 >= self.second_threshold_) & (codes[second_idx] == labels)
                by_coverage = choose_coverage_threshold(
                    conf, ~correct, rescued, coverage=self.review_coverage, max_share=self.max_review_share
                )
                self.review_threshold_ = max(by_precision, by_coverage)
                review_choice = {"by_precision": by_precision, "by_error_coverage": by_coverage}
            else:
                review_choice = {}
                self.review_threshold_ = float(self.review_threshold)
            self.cv_report_ = {
                "folds": len(folds),
                "grouping": "groups" if group_arr is not None else "rows",
                "groups": None if group_arr is None else len(set(group_arr.tolist())),
                **self._cv_figures(labels, codes, oof, second_gold),
                "use_idf": self.use_idf_,
                "macro_f1_by_use_idf": {str(o).lower(): candidates[o][0] for o in options},
                "neural_weight": float(self.neural_weight),
                "review_threshold": self.review_threshold_,
                "review_threshold_choice": review_choice,
                "second_threshold": self.second_threshold_,
            }
            if group_arr is not None:  # the optimistic view, for comparison only (chooses nothing)
                random = grouped_folds(labels, None, self.cv, self.random_state)
                _, oof_r, _ = out_of_fold(self.use_idf_, bool(self.neural_weight), random)
                self.cv_report_["random_folds"] = {
                    "folds": len(random),
                    **self._cv_figures(labels, codes, oof_r, second_gold),
                    "review_threshold_chosen_here": choose_review_threshold(
                        oof_r.max(axis=1), codes[oof_r.argmax(axis=1)] == labels,
                        target_precision=self.review_precision,
                    ),
                }
            # object-dtype labels: a pandas "str" index would make the pickled model need pyarrow
            self.cv_predictions_ = pd.DataFrame(oof, columns=pd.Index(codes, dtype=object))
        else:
            self.use_idf_ = options[0]
            self.review_threshold_ = float(self.review_threshold)
            self.second_threshold_ = 1.01
        self.model_ = self._make_model(int(counts.min())).fit(views, labels)
        self.classes_ = self.model_.classes_
        return self

    def _cv_figures(
        self, labels: np.ndarray, codes: np.ndarray, oof: np.ndarray, second_gold: np.ndarray | None
    ) -> dict[str, Any]:
        """Scores of out-of-fold probabilities at this model's review threshold and second-topic rule."""
        from sklearn.metrics import f1_score

        pred = codes[oof.argmax(axis=1)]
        conf = oof.max(axis=1)
        correct = pred == labels
        flagged = conf < self.review_threshold_
        second_idx, p2 = runner_up(oof)
        shown = p2 >= self.second_threshold_
        second_right = shown & (codes[second_idx] == labels)
        wrong = ~correct
        return {
            "macro_f1": float(f1_score(labels, pred, average="macro")),
            "weighted_f1": float(f1_score(labels, pred, average="weighted")),
            "accuracy": float(correct.mean()),
            "per_class_f1": {c: float(v) for c, v in zip(codes, f1_score(labels, pred, average=None, labels=codes))},
            "review_rate": float(flagged.mean()),
            "accuracy_not_reviewed": float(correct[~flagged].mean()) if (~flagged).any() else None,
            "second_rate": float(shown.mean()),
            "second_matches_label_2": (
                float((codes[second_idx][shown] == second_gold[shown]).mean())
                if second_gold is not None and shown.any() and (second_gold != "").any() else None
            ),
            "errors_flagged_or_second_right": (
                float((flagged | second_right)[wrong].mean()) if wrong.any() else None
            ),
            "risk_coverage": risk_coverage(conf, correct),
        }

    def predict_proba(self, X: Iterable[Any]) -> pd.DataFrame:
        """Probability of each code (one column per code, rows in input order).

        Large batches of texts are split across worker processes (``n_jobs``), each running
        the whole pipeline — normalisation, segmentation, features, classifier — on its part.
        """
        if isinstance(X, pd.DataFrame):
            proba = self.model_.predict_proba(self.views(X))
            return pd.DataFrame(proba, columns=list(self.classes_))
        proba = self._proba([as_text(t) for t in X])
        return pd.DataFrame(proba, columns=list(self.classes_))

    def _proba(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        return next(self._proba_stream([texts], progress))

    def _proba_stream(
        self, batches: Iterable[list[str]], progress: Callable[[int], None] | None = None
    ) -> Iterator[np.ndarray]:
        """Probabilities for each batch of texts, in order.

        With several workers, every batch is cut into small tasks fed to one pool of worker
        processes, so the next batch is being classified while the caller handles the
        previous one, and only the very last task leaves a core idle. The fitted pipeline is
        written once to a temporary file that each worker loads once (not pickled per task).
        """
        batches = iter(batches)
        first = next(batches, None)
        if first is None:
            return
        second = next(batches, None)
        every = chain([first], [] if second is None else [second], batches)
        workers = worker_count(self.n_jobs)
        if workers <= 1 or (second is None and len(first) < PARALLEL_MIN_TEXTS):
            for texts in every:
                proba = self.model_.predict_proba(self.views(texts)) if texts else self._no_rows()
                if progress:
                    progress(len(texts))
                yield proba
            return
        import pickle
        import tempfile

        from joblib import Parallel, delayed

        pending: deque[list[Any]] = deque()  # [tasks left, parts] per batch, in order

        def tasks(path: str) -> Iterator[Any]:
            for texts in every:
                size = max(200, min(TASK_TEXTS, -(-len(texts) // (workers * 4))))
                starts = range(0, len(texts), size)
                pending.append([len(starts), []])
                for i in starts:
                    yield delayed(_predict_chunk)(path, texts[i : i + size], self.cache)

        with tempfile.TemporaryDirectory(prefix="petition-nlp-") as folder:
            shipped = Path(folder) / "pipeline.pkl"
            shipped.write_bytes(pickle.dumps(self.model_, protocol=pickle.HIGHEST_PROTOCOL))
            for part in Parallel(n_jobs=workers, backend="loky", return_as="generator")(tasks(str(shipped))):
                while pending[0][0] == 0:  # batches without texts, before this one
                    pending.popleft()
                    yield self._no_rows()
                entry = pending[0]
                entry[0] -= 1
                entry[1].append(part)
                if progress:
                    progress(len(part))
                if entry[0] == 0:
                    pending.popleft()
                    yield np.vstack(entry[1])
        while pending:
            pending.popleft()
            yield self._no_rows()

    def _no_rows(self) -> np.ndarray:
        return np.zeros((0, len(self.classes_)))

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        """The most probable code for each text."""
        proba = self.predict_proba(X)
        return np.asarray(self.classes_)[proba.to_numpy().argmax(axis=1)]

    # -- petition-nlp API ---------------------------------------------------------------
    def classify(
        self,
        data: pd.DataFrame | Iterable[Any],
        *,
        text_column: str | None = None,
        batch_size: int = 50_000,
        progress: Callable[[int], None] | None = None,
    ) -> pd.DataFrame:
        """Classify every row; returns the input columns plus ``category``, ``category_name``,
        ``confidence``, ``second_category`` / ``second_confidence`` (the runner-up topic when its
        probability reaches ``second_threshold_``, chosen on cross-validation; empty otherwise),
        ``needs_review`` and ``status`` (``ok``, ``empty``, ``no_letters``, ``too_long`` or
        ``not_a_petition``: rows without ``ok`` get no category and need review), one output row
        per input row, in order.

        Args:
            data: a DataFrame (then ``text_column`` is required or detected) or texts.
            text_column: the column holding the petition; detected when ``None``.
            batch_size: rows processed at a time (bounds memory on huge inputs).
            progress: called with the number of rows finished, as they finish.
        """
        from petition_nlp.files.io import detect_text_column

        if isinstance(data, pd.DataFrame):
            frame = data  # copied by classify_stream: the caller's frame is left as it was
            column = text_column or detect_text_column(frame)
        else:
            frame = pd.DataFrame({"text": list(data)})
            column = "text"
        if len(frame) <= batch_size:
            return next(self.classify_stream([frame], text_column=column, progress=progress))
        parts = (frame.iloc[i : i + batch_size] for i in range(0, len(frame), batch_size))
        return pd.concat(list(self.classify_stream(parts, text_column=column, progress=progress)))

    def classify_stream(
        self,
        frames: Iterable[pd.DataFrame],
        *,
        text_column: str,
        progress: Callable[[int], None] | None = None,
    ) -> Iterator[pd.DataFrame]:
        """Classify a sequence of DataFrames (the chunks of a large file), yielding each one
        classified (as :meth:`classify`), in order, as soon as it is done; with several workers
        the following chunks are already being classified meanwhile.

        Args:
            frames: DataFrames that all hold ``text_column``.
            text_column: the column holding the petition.
            progress: called with the number of rows finished, as they finish.
        """
        prepared: deque[tuple[pd.DataFrame, list[str], list[int]]] = deque()
        status = self.row_status

        def usable_texts() -> Iterator[list[str]]:
            for frame in frames:
                texts = frame[text_column].tolist()
                statuses = [status(t) for t in texts]
                usable = [i for i, s in enumerate(statuses) if s == STATUS_OK]
                prepared.append((frame, statuses, usable))
                if progress and len(usable) < len(texts):
                    progress(len(texts) - len(usable))  # unusable rows need no work
                yield [as_text(texts[i]) for i in usable]

        for proba in self._proba_stream(usable_texts(), progress):
            frame, statuses, usable = prepared.popleft()
            yield self._with_classification(frame.copy(), statuses, usable, proba)

    def row_status(self, value: Any) -> str:
        """:func:`petition_nlp.files.validation.row_status`, then ``not_a_petition`` for furniture lines
        (when ``not_petitions``; see :mod:`petition_nlp.model.notpetition`)."""
        found = row_status(value)
        if found == STATUS_OK and getattr(self, "not_petitions", True):
            from petition_nlp.model.notpetition import STATUS_NOT_PETITION, is_not_petition

            if is_not_petition(as_text(value)):
                return STATUS_NOT_PETITION
        return found

    def _with_classification(
        self, frame: pd.DataFrame, statuses: list[str], usable: list[int], proba: np.ndarray
    ) -> pd.DataFrame:
        classes = np.asarray(self.classes_, dtype=object)
        category = np.full(len(frame), "", dtype=object)
        confidence = np.full(len(frame), np.nan)
        second = np.full(len(frame), "", dtype=object)
        second_conf = np.full(len(frame), np.nan)
        if len(usable):
            ranked = np.argsort(proba, axis=1, kind="stable")
            rows = np.arange(len(proba))
            category[usable] = classes[ranked[:, -1]]
            confidence[usable] = proba[rows, ranked[:, -1]].round(4)
            if proba.shape[1] > 1:
                p2 = proba[rows, ranked[:, -2]]
                shown = p2 >= getattr(self, "second_threshold_", 1.01)  # models before 2026-12-03: never
                idx = np.asarray(usable)[shown]
                second[idx] = classes[ranked[shown, -2]]
                second_conf[idx] = p2[shown].round(4)
        ok = np.array([s == STATUS_OK for s in statuses], dtype=bool)
        frame["category"] = category
        frame["category_name"] = [category_name(c) if c else "" for c in category]
        frame["confidence"] = confidence
        frame["second_category"] = second
        frame["second_confidence"] = second_conf
        frame["needs_review"] = ~ok | (np.nan_to_num(confidence, nan=0.0) < self.review_threshold_)
        frame["status"] = statuses
        return frame

    # -- persistence --------------------------------------------------------------------
    def save(self, path: str | Path, *, metadata: dict[str, Any] | None = None) -> Path:
        """Write the model and its ``manifest.json`` (sha256 of each artefact) to ``path``."""
        from petition_nlp.model.modelstore import save_model

        return save_model(self, path, metadata=metadata)

    @classmethod
    def load(cls, path: str | Path | None = None) -> PetitionClassifier:
        """Load a model directory (default: the bundled default model), verifying its manifest."""
        from petition_nlp.model.modelstore import load_model

        return load_model(path)


TASK_TEXTS = 1000
"""Texts per worker task in parallel prediction (small enough that the last task ends soon)."""


@lru_cache(maxsize=2)
def _shipped_pipeline(path: str) -> Pipeline:
    import pickle

    from petition_nlp.text import crfseg

    crfseg.load_segmenter()  # a worker serves many tasks: segment them all the fast way
    return pickle.loads(Path(path).read_bytes())


def _predict_chunk(path: str, texts: list[str], cache: bool) -> np.ndarray:
    """Worker side of :meth:`PetitionClassifier._proba_stream` (one process, one core)."""
    pipeline = _shipped_pipeline(path)  # first: it also loads the fast segmenter used by preprocess
    return pipeline.predict_proba(preprocess(texts, n_jobs=1, cache=cache))


def classify_partition(
    partition: pd.DataFrame, model: PetitionClassifier, *, text_column: str
) -> pd.DataFrame:
    """Classify one pandas partition with a loaded model (for ``dask.dataframe.map_partitions``).

    Segmentation stays in-process (``n_jobs=1``): the cluster provides the parallelism.
    """
    local = copy.copy(model)  # shallow: shares the fitted pipeline, leaves the caller's model as it was
    local.n_jobs = 1
    return local.classify(partition, text_column=text_column)
