"""Feature extraction: text views of a petition and the vectorisers that read them.

:func:`preprocess` turns raw texts into three views (one normalisation, one
segmentation pass per text, shared by cross-validation and the final fit):

* ``seg``   – normalised, word-segmented text (``nhà_ở xã_hội``) for word n-grams;
* ``plain`` – normalised text without diacritics, for character and syllable n-grams that
  still work when a petition was typed without accents;
* ``norm``  – the normalised text itself, for syllable n-grams with diacritics.

``build_features`` composes the vectorisers with a ``ColumnTransformer``; the taxonomy
keywords (``data/taxonomy.json``) reach the model through ``KeywordFeatures``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

from petition_nlp.resources import load_taxonomy
from petition_nlp.text.normalize import normalize_text, strip_diacritics
from petition_nlp.text.segment import segment_texts

__all__ = ["CharNgramTfidf", "KeywordFeatures", "build_features", "preprocess"]


def preprocess(texts: Iterable[Any], *, n_jobs: int | None = None, cache: bool = True) -> pd.DataFrame:
    """Return the ``norm`` / ``seg`` / ``plain`` views of each text (see module docstring)."""
    norm = [normalize_text(t) for t in texts]
    seg = segment_texts(norm, n_jobs=n_jobs, cache=cache)
    plain = [strip_diacritics(t) for t in norm]
    return pd.DataFrame({"norm": norm, "seg": seg, "plain": plain})


class KeywordFeatures(BaseEstimator, TransformerMixin):
    """Counts of taxonomy keywords per category, matched on diacritic-free text.

    Args:
        taxonomy: ``{"categories": {code: {"keywords": [...]}}}``; ``None`` loads the bundled file.
    """

    def __init__(self, taxonomy: dict[str, Any] | None = None) -> None:
        self.taxonomy = taxonomy

    def fit(self, X: Sequence[str], y: Any = None) -> KeywordFeatures:
        taxonomy = self.taxonomy or load_taxonomy()
        self.categories_ = list(taxonomy["categories"])
        self.patterns_ = []
        for code in self.categories_:
            words = sorted(
                {normalize_text(strip_diacritics(k)) for k in taxonomy["categories"][code].get("keywords", [])},
                key=len,
                reverse=True,
            )
            words = [w for w in words if w]
            alternation = "|".join(re.escape(w) for w in words) or r"(?!x)x"
            self.patterns_.append(re.compile(rf"(?<!\w)(?:{alternation})(?!\w)"))
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        rows = [[len(p.findall(text)) for p in self.patterns_] for text in X]
        counts = np.log1p(np.asarray(rows, dtype=float).reshape(len(rows), len(self.patterns_)))
        return sp.csr_matrix(counts)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return np.array([f"kw_{c}" for c in self.categories_], dtype=object)


class CharNgramTfidf(BaseEstimator, TransformerMixin):
    """TF-IDF of the character n-grams inside each word (scikit-learn's ``char_wb`` analyzer).

    Fitting is exactly ``CountVectorizer(analyzer="char_wb")`` followed by ``TfidfTransformer``,
    so the features equal ``TfidfVectorizer(analyzer="char_wb", ...)``'s. Transforming is faster:
    the n-gram columns of each distinct word are looked up once and remembered (up to
    ``memo_words`` words per process), so a petition costs one lookup per word instead of one
    per n-gram.

    Args:
        ngram_range: character n-gram lengths.
        sublinear_tf: use ``1 + log(tf)``.
        use_idf: inverse-document-frequency weighting.
        min_df: minimum document frequency of an n-gram.
        max_features: keep only this many most frequent n-grams (``None``: all).
        memo_words: bound on the per-process word memo.
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (2, 5),
        sublinear_tf: bool = True,
        use_idf: bool = True,
        min_df: int = 1,
        max_features: int | None = None,
        memo_words: int = 500_000,
    ) -> None:
        self.ngram_range = ngram_range
        self.sublinear_tf = sublinear_tf
        self.use_idf = use_idf
        self.min_df = min_df
        self.max_features = max_features
        self.memo_words = memo_words

    def fit(self, X: Sequence[str], y: Any = None) -> CharNgramTfidf:
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Sequence[str], y: Any = None) -> sp.csr_matrix:
        self.counter_ = CountVectorizer(
            analyzer="char_wb", ngram_range=tuple(self.ngram_range), lowercase=False,
            min_df=self.min_df, max_features=self.max_features,
        )
        counts = self.counter_.fit_transform(X)
        self.tfidf_ = TfidfTransformer(sublinear_tf=self.sublinear_tf, use_idf=self.use_idf).fit(counts)
        self._memo = {}
        return self.tfidf_.transform(counts)

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        return self.tfidf_.transform(self._counts(X))

    def _counts(self, X: Sequence[str]) -> sp.csr_matrix:
        memo: dict[str, np.ndarray] = self.__dict__.setdefault("_memo", {})
        if len(memo) > self.memo_words:
            memo.clear()
        vocabulary = self.counter_.vocabulary_
        analyze = self.counter_.build_analyzer()
        pieces: list[np.ndarray] = []
        lengths = np.zeros(len(X), dtype=np.int64)
        for row, text in enumerate(X):
            total = 0
            for word in text.split():
                columns = memo.get(word)
                if columns is None:
                    grams = (vocabulary.get(g) for g in analyze(word))
                    columns = memo[word] = np.fromiter((c for c in grams if c is not None), dtype=np.int64)
                pieces.append(columns)
                total += len(columns)
            lengths[row] = total
        indices = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        counts = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.int64), indices, indptr), shape=(len(X), len(vocabulary))
        )
        counts.sum_duplicates()
        return counts

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_memo", None)  # a cache, rebuilt on use
        return state

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        return self.counter_.get_feature_names_out()


def build_features(
    *,
    word_ngram_range: tuple[int, int] = (1, 3),
    syllable_ngram_range: tuple[int, int] = (1, 2),
    accented_syllables: bool = True,
    char_ngram_range: tuple[int, int] | None = None,
    keyword_weight: float = 0.15,
    use_idf: bool = False,
    min_df: int = 1,
) -> ColumnTransformer:
    """The feature union applied to the views produced by :func:`preprocess`.

    Blocks (each row L2-normalised per block, sublinear term frequency):

    * ``words``     – n-grams of segmented words (``seg``);
    * ``syllables`` – syllable n-grams without diacritics (``plain``), robust to unaccented input;
    * ``accented``  – the same syllable n-grams with diacritics (``norm``), when ``accented_syllables``;
    * ``chars``     – ``char_wb`` n-grams of ``plain``, only when ``char_ngram_range`` is given
      (off by default: no measurable gain on either task's cross-validation / dev split);
    * ``keywords``  – taxonomy keyword counts, weighted by ``keyword_weight``.

    ``use_idf``: inverse-document-frequency weighting of the n-gram blocks. Neither setting wins
    everywhere (IDF on the petitions, plain sublinear tf on UIT-VSFC topics), so
    :class:`~petition_nlp.PetitionClassifier` chooses it by cross-validation (``use_idf="auto"``).
    """
    token = {"token_pattern": r"(?u)\b\w+\b", "lowercase": False, "sublinear_tf": True, "use_idf": use_idf, "min_df": min_df}
    blocks: list[tuple[str, Any, str]] = [
        ("words", TfidfVectorizer(ngram_range=tuple(word_ngram_range), **token), "seg"),
        ("syllables", TfidfVectorizer(ngram_range=tuple(syllable_ngram_range), **token), "plain"),
    ]
    if accented_syllables:
        blocks.append(("accented", TfidfVectorizer(ngram_range=tuple(syllable_ngram_range), **token), "norm"))
    if char_ngram_range is not None:
        blocks.append(
            (
                "chars",
                CharNgramTfidf(
                    ngram_range=tuple(char_ngram_range), sublinear_tf=True, use_idf=use_idf,
                    min_df=min_df, max_features=300_000,
                ),
                "plain",
            )
        )
    blocks.append(("keywords", KeywordFeatures(), "plain"))
    weights = {name: 1.0 for name, _, _ in blocks}
    weights["keywords"] = keyword_weight
    return ColumnTransformer(blocks, transformer_weights=weights, sparse_threshold=1.0)
