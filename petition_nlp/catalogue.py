"""The issue catalogue: recurring issues federations meet every year, and a matcher that tells
which of them a petition raises.

``data/issue_catalogue.jsonl`` holds one issue per line: an ``id``, its topic ``category``, a
short Vietnamese ``title`` officers recognise, its ``concepts`` (key phrases), ``near_miss``
(neighbouring issues that must stay apart) and ``paraphrases`` written by the team in different
registers. :class:`IssueMatcher` is a linear classifier trained on those paraphrases; the
grouping (``shortlist.py``) adds its scores to the grouping vectors so that petitions raising
the same catalogue issue in different words meet, and names each group by the issue it matches.

The matcher reads only the normalised, diacritic-free text (no word segmentation), so fitting it
costs well under a second; a fitted matcher is kept as plain arrays (``.npz``, loaded with
``allow_pickle=False``: nothing in it can run code) in the cache folder, keyed by the catalogue's
content and the scikit-learn version.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from petition_nlp.resources import _read

__all__ = ["Issue", "IssueMatcher", "load_catalogue", "default_matcher", "catalogue_fingerprint"]

CATALOGUE_FILE = "issue_catalogue.jsonl"


@dataclass(frozen=True)
class Issue:
    """One catalogue issue."""

    id: str
    category: str
    title: str
    concepts: tuple[str, ...]
    near_miss: tuple[str, ...]
    paraphrases: tuple[str, ...]


def _catalogue_text() -> str:
    try:
        return _read(CATALOGUE_FILE)
    except FileNotFoundError:
        return ""


def catalogue_fingerprint() -> str:
    """sha256 of the bundled catalogue file (empty catalogue: of the empty string)."""
    return hashlib.sha256(_catalogue_text().encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def load_catalogue() -> tuple[Issue, ...]:
    """Every issue of ``data/issue_catalogue.jsonl`` (``()`` when the file is absent)."""
    issues = []
    for number, line in enumerate(_catalogue_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            issues.append(
                Issue(
                    id=str(item["id"]),
                    category=str(item["category"]),
                    title=str(item["title"]),
                    concepts=tuple(item.get("concepts", ())),
                    near_miss=tuple(item.get("near_miss", ())),
                    paraphrases=tuple(item.get("paraphrases", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:  # a broken shipped file is a bug: say where
            raise ValueError(f"{CATALOGUE_FILE} line {number}: {exc}") from None
    return tuple(issues)


def _plain(texts: Iterable[Any]) -> list[str]:
    from petition_nlp.normalize import normalize_text, strip_diacritics

    return [strip_diacritics(normalize_text("" if t is None else str(t))) for t in texts]


class IssueMatcher:
    """Scores how strongly a petition raises each catalogue issue.

    Args:
        C: regularisation of the one-vs-rest linear SVM.
        char_weight: weight of the character n-gram block against the word block.
        min_score: a petition *matches* its best issue when that issue's decision score is at
            least this (below: it raises no catalogue issue, or one the catalogue words too
            differently to be sure).
        random_state: seed of the SVM.

    Attributes (after :meth:`fit`): ``issue_ids_`` (array of ids, the score columns).
    """

    def __init__(self, *, C: float = 0.5, char_weight: float = 0.7, min_score: float = -0.3, random_state: int = 0) -> None:
        self.C = C
        self.char_weight = char_weight
        self.min_score = min_score
        self.random_state = random_state

    # -------------------------------------------------------------------- fitting
    def _vectorisers(self) -> tuple[Any, Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from petition_nlp.features import CharNgramTfidf

        words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        chars = CharNgramTfidf(ngram_range=(3, 5), sublinear_tf=True, min_df=2)  # char_wb, memoised per word
        return words, chars

    def fit(self, texts: Sequence[Any], issue_ids: Sequence[str]) -> IssueMatcher:
        from sklearn.svm import LinearSVC

        plain = _plain(texts)
        words, chars = self._vectorisers()
        X = sp.hstack([words.fit_transform(plain), chars.fit_transform(plain) * self.char_weight]).tocsr()
        svm = LinearSVC(C=self.C, random_state=self.random_state).fit(X, np.asarray(issue_ids))
        self._set_state(
            word_vocab=words.get_feature_names_out(), word_idf=words.idf_,
            char_vocab=chars.get_feature_names_out(), char_idf=chars.tfidf_.idf_,
            coef=svm.coef_, intercept=svm.intercept_, issue_ids=svm.classes_,
        )
        return self

    def _set_state(self, **arrays: np.ndarray) -> None:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        words, chars = self._vectorisers()
        words.vocabulary_ = {str(t): i for i, t in enumerate(arrays["word_vocab"])}
        words.idf_ = np.asarray(arrays["word_idf"], dtype=float)
        chars.counter_ = CountVectorizer(analyzer="char_wb", ngram_range=chars.ngram_range, lowercase=False)
        chars.counter_.vocabulary_ = {str(t): i for i, t in enumerate(arrays["char_vocab"])}
        chars.tfidf_ = TfidfTransformer(sublinear_tf=chars.sublinear_tf)
        chars.tfidf_.idf_ = np.asarray(arrays["char_idf"], dtype=float)
        self.words_, self.chars_ = words, chars
        self.coef_ = np.asarray(arrays["coef"], dtype=np.float32)
        self.intercept_ = np.asarray(arrays["intercept"], dtype=np.float32)
        self.issue_ids_ = np.asarray(arrays["issue_ids"]).astype(str)
        self._arrays = arrays

    def save(self, path: str | Path) -> None:
        """Write the fitted state as plain arrays (``.npz``)."""
        arrays = {k: (np.asarray(v).astype(str) if k.endswith(("vocab", "ids")) else v) for k, v in self._arrays.items()}
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | Path, **params: Any) -> IssueMatcher:
        """Read a state written by :meth:`save` (no pickle: ``allow_pickle=False``)."""
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        matcher = cls(**params)
        matcher._set_state(**arrays)
        return matcher

    # -------------------------------------------------------------------- scoring
    def decision_function(self, texts: Sequence[Any], *, plain: Sequence[str] | None = None) -> np.ndarray:
        """Decision score of every issue (columns ``issue_ids_``) for each text.

        ``plain``: the texts already normalised without diacritics (``preprocess(...)["plain"]``)."""
        plain = list(plain) if plain is not None else _plain(texts)
        if not plain:
            return np.zeros((0, len(self.issue_ids_)), dtype=np.float32)
        X = sp.hstack([self.words_.transform(plain), self.chars_.transform(plain) * self.char_weight]).tocsr()
        return np.asarray(X @ self.coef_.T, dtype=np.float32) + self.intercept_

    def match(self, texts: Sequence[Any] = (), *, plain: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(issue_id or "", score)`` of each text's best issue; ``""`` where it matches none."""
        scores = self.decision_function(texts, plain=plain)
        top = scores.max(axis=1) if len(scores) else np.array([], dtype=np.float32)
        return self.match_scores(scores), top

    def match_scores(self, scores: np.ndarray) -> np.ndarray:
        """:meth:`match` from scores already computed by :meth:`decision_function`."""
        if scores.shape[0] == 0:
            return np.array([], dtype=object)
        best = scores.argmax(axis=1)
        top = scores[np.arange(len(best)), best]
        return np.where(top >= self.min_score, self.issue_ids_[best], "").astype(object)


def _training_rows(issues: Iterable[Issue]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for issue in issues:
        for text in (issue.title, *issue.paraphrases):
            texts.append(text)
            labels.append(issue.id)
    return texts, labels


def _cache_file() -> Path | None:
    from petition_nlp.segment import cache_dir, cache_enabled

    if not cache_enabled():
        return None
    import sklearn

    key = hashlib.sha256(f"{catalogue_fingerprint()}|{sklearn.__version__}|{IssueMatcher().__dict__}".encode()).hexdigest()[:16]
    return cache_dir() / f"issue_matcher-{key}.npz"


@lru_cache(maxsize=1)
def default_matcher() -> IssueMatcher | None:
    """The matcher fitted on the bundled catalogue (``None`` when the catalogue is empty).

    Fitted once and kept as arrays in the cache folder (``PETITION_NLP_CACHE=0``: refitted in
    every process)."""
    issues = load_catalogue()
    if not issues:
        return None
    cached = _cache_file()
    if cached is not None and cached.exists():
        try:
            return IssueMatcher.load(cached)
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache: refit below
    matcher = IssueMatcher().fit(*_training_rows(issues))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
            matcher.save(temp)
            os.replace(temp, cached)
        except OSError:
            pass  # a read-only cache folder only costs the refit next time
    return matcher


def issue_titles() -> dict[str, str]:
    """``{issue id: title}`` of the bundled catalogue."""
    return {issue.id: issue.title for issue in load_catalogue()}
