"""Feature extraction: text views of a petition and the vectorisers that read them.

:func:`preprocess` turns raw texts into three views (one normalisation, one
segmentation pass per text, shared by cross-validation and the final fit):

* ``seg``   – normalised, word-segmented text (``nhà_ở xã_hội``) for word n-grams;
* ``plain`` – normalised text without diacritics, for character and syllable n-grams that
  still work when a petition was typed without accents;
* ``norm``  – the normalised text itself.

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
from sklearn.feature_extraction.text import TfidfVectorizer

from petition_nlp.normalize import normalize_text, strip_diacritics
from petition_nlp.resources import load_taxonomy
from petition_nlp.segment import segment_texts

__all__ = ["KeywordFeatures", "build_features", "preprocess"]


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


def build_features(
    *,
    word_ngram_range: tuple[int, int] = (1, 2),
    char_ngram_range: tuple[int, int] = (2, 5),
    keyword_weight: float = 0.15,
    min_df: int = 1,
) -> ColumnTransformer:
    """The feature union applied to the views produced by :func:`preprocess`."""
    return ColumnTransformer(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=word_ngram_range, sublinear_tf=True, min_df=min_df,
                    token_pattern=r"(?u)\b\w+\b", lowercase=False,
                ),
                "seg",
            ),
            (
                "syllables",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, min_df=min_df,
                    token_pattern=r"(?u)\b\w+\b", lowercase=False,
                ),
                "plain",
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=char_ngram_range, sublinear_tf=True,
                    min_df=min_df, lowercase=False, max_features=300_000,
                ),
                "plain",
            ),
            ("keywords", KeywordFeatures(), "plain"),
        ],
        transformer_weights={"words": 1.0, "syllables": 1.0, "chars": 1.0, "keywords": keyword_weight},
        sparse_threshold=1.0,
    )
