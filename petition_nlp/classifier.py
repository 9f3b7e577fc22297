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

from petition_nlp.features import build_features, preprocess
from petition_nlp.segment import PARALLEL_MIN_TEXTS, worker_count
from petition_nlp.resources import category_name
from petition_nlp.validation import STATUS_OK, as_text, row_status

__all__ = ["PetitionClassifier", "choose_review_threshold", "classify_partition", "OUTPUT_COLUMNS"]

OUTPUT_COLUMNS = ("category", "category_name", "confidence", "needs_review", "status")


def choose_review_threshold(
    confidence: np.ndarray, correct: np.ndarray, *, target_precision: float = 0.95, floor: float = 0.3
) -> float:
    """Smallest confidence above which predictions are right at least ``target_precision`` of the time.

    ``confidence`` and ``correct`` come from out-of-fold (cross-validated) predictions.
    """
    order = np.argsort(-confidence, kind="stable")
    conf = confidence[order]
    hits = np.cumsum(correct[order].astype(float))
    precision = hits / np.arange(1, len(conf) + 1)
    ok = np.nonzero(precision >= target_precision)[0]
    if len(ok) == 0:
        return float(conf[0]) if len(conf) else 1.0
    return float(max(floor, conf[ok[-1]]))


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
        cv: folds of that cross-validation (also reported as ``cv_report_``).
        neural_weight: 0 (default): linear model only. Above 0: the final probabilities are
            ``(1 - w) * linear + w * neural``, the neural part a bidirectional LSTM over the
            normalised syllables trained from scratch (:class:`petition_nlp.neural.BiRNNClassifier`;
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
        cv: int = 5,
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
        self.cv = cv
        self.neural_weight = neural_weight
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.cache = cache

    # Parameters added after the first saved models, with the values that reproduce how those
    # models were built (so get_params / clone of an older pickle describe it truthfully).
    _LEGACY_PARAMS = {
        "syllable_ngram_range": (1, 2), "accented_syllables": False, "use_idf": True, "neural_weight": 0.0
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
                ("clf", CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)),
            ]
        )
        if not neural or not self.neural_weight:
            return linear
        from sklearn.ensemble import VotingClassifier

        from petition_nlp.neural import BiRNNClassifier, require_torch

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
    def fit(self, X: Iterable[Any], y: Iterable[Any]) -> PetitionClassifier:
        """Fit on texts ``X`` and codes ``y``. Every code needs at least two rows."""
        from sklearn.metrics import f1_score  # imported here: classifying needs neither (start-up time)
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        views = self.views(X)
        labels = np.asarray([as_text(v).strip() for v in y], dtype=object)
        if len(labels) != len(views):
            raise ValueError(f"{len(views)} texts but {len(labels)} labels")
        codes, counts = np.unique(labels, return_counts=True)
        if len(codes) < 2:
            raise ValueError("training needs at least two different category codes")
        if counts.min() < 2:
            rare = ", ".join(c for c, n in zip(codes, counts) if n < 2)
            raise ValueError(f"every code needs at least 2 labelled rows; too few for: {rare}")
        self.cv_report_: dict[str, Any] | None = None
        if self.use_idf == "auto":
            options = [True, False]
        elif isinstance(self.use_idf, (bool, np.bool_)):
            options = [bool(self.use_idf)]
        else:
            raise ValueError(f"use_idf must be True, False or 'auto', not {self.use_idf!r}")
        if self.review_threshold == "auto" or len(options) > 1:
            folds = StratifiedKFold(
                n_splits=max(2, min(self.cv, int(counts.min()))), shuffle=True, random_state=self.random_state
            )

            def out_of_fold(use_idf: bool, neural: bool) -> tuple[float, np.ndarray, np.ndarray]:
                model = self._make_model(int(counts.min()) - 1, use_idf, neural=neural)
                oof = cross_val_predict(model, views, labels, cv=folds, method="predict_proba")
                pred = codes[oof.argmax(axis=1)]
                return float(f1_score(labels, pred, average="macro")), oof, pred

            # same folds for every candidate; the IDF choice is made on the linear model alone
            candidates = {use_idf: out_of_fold(use_idf, neural=False) for use_idf in options}
            self.use_idf_ = max(options, key=lambda o: candidates[o][0])  # first option on ties
            if self.neural_weight:  # report (and choose the review threshold from) the ensemble itself
                macro, oof, pred = out_of_fold(self.use_idf_, neural=True)
            else:
                macro, oof, pred = candidates[self.use_idf_]
            conf = oof.max(axis=1)
            if self.review_threshold == "auto":
                self.review_threshold_ = choose_review_threshold(
                    conf, pred == labels, target_precision=self.review_precision
                )
            else:
                self.review_threshold_ = float(self.review_threshold)
            self.cv_report_ = {
                "folds": folds.get_n_splits(),
                "macro_f1": macro,
                "weighted_f1": float(f1_score(labels, pred, average="weighted")),
                "accuracy": float((pred == labels).mean()),
                "per_class_f1": {
                    c: float(s) for c, s in zip(codes, f1_score(labels, pred, average=None, labels=codes))
                },
                "review_rate": float((conf < self.review_threshold_).mean()),
                "use_idf": self.use_idf_,
                "macro_f1_by_use_idf": {str(o).lower(): candidates[o][0] for o in options},
                "neural_weight": float(self.neural_weight),
            }
            # object-dtype labels: a pandas "str" index would make the pickled model need pyarrow
            self.cv_predictions_ = pd.DataFrame(oof, columns=pd.Index(codes, dtype=object))
        else:
            self.use_idf_ = options[0]
            self.review_threshold_ = float(self.review_threshold)
        self.model_ = self._make_model(int(counts.min())).fit(views, labels)
        self.classes_ = self.model_.classes_
        return self

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
        ``confidence``, ``needs_review`` and ``status``, one output row per input row, in order.

        Args:
            data: a DataFrame (then ``text_column`` is required or detected) or texts.
            text_column: the column holding the petition; detected when ``None``.
            batch_size: rows processed at a time (bounds memory on huge inputs).
            progress: called with the number of rows finished, as they finish.
        """
        from petition_nlp.io import detect_text_column

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

        def usable_texts() -> Iterator[list[str]]:
            for frame in frames:
                texts = frame[text_column].tolist()
                statuses = [row_status(t) for t in texts]
                usable = [i for i, s in enumerate(statuses) if s == STATUS_OK]
                prepared.append((frame, statuses, usable))
                if progress and len(usable) < len(texts):
                    progress(len(texts) - len(usable))  # unusable rows need no work
                yield [as_text(texts[i]) for i in usable]

        for proba in self._proba_stream(usable_texts(), progress):
            frame, statuses, usable = prepared.popleft()
            yield self._with_classification(frame.copy(), statuses, usable, proba)

    def _with_classification(
        self, frame: pd.DataFrame, statuses: list[str], usable: list[int], proba: np.ndarray
    ) -> pd.DataFrame:
        category = np.full(len(frame), "", dtype=object)
        confidence = np.full(len(frame), np.nan)
        if len(usable):
            category[usable] = np.asarray(self.classes_, dtype=object)[proba.argmax(axis=1)]
            confidence[usable] = proba.max(axis=1).round(4)
        ok = np.array([s == STATUS_OK for s in statuses], dtype=bool)
        frame["category"] = category
        frame["category_name"] = [category_name(c) if c else "" for c in category]
        frame["confidence"] = confidence
        frame["needs_review"] = ~ok | (np.nan_to_num(confidence, nan=0.0) < self.review_threshold_)
        frame["status"] = statuses
        return frame

    # -- persistence --------------------------------------------------------------------
    def save(self, path: str | Path, *, metadata: dict[str, Any] | None = None) -> Path:
        """Write the model and its ``manifest.json`` (sha256 of each artefact) to ``path``."""
        from petition_nlp.modelstore import save_model

        return save_model(self, path, metadata=metadata)

    @classmethod
    def load(cls, path: str | Path | None = None) -> PetitionClassifier:
        """Load a model directory (default: the bundled default model), verifying its manifest."""
        from petition_nlp.modelstore import load_model

        return load_model(path)


TASK_TEXTS = 1000
"""Texts per worker task in parallel prediction (small enough that the last task ends soon)."""


@lru_cache(maxsize=2)
def _shipped_pipeline(path: str) -> Pipeline:
    import pickle

    from petition_nlp import crfseg

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
