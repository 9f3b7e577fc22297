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
      (off by default: no measurable gain, about a quarter of the non-segmentation predict cost);
    * ``keywords``  – taxonomy keyword counts, weighted by ``keyword_weight``.

    ``use_idf`` is off by default: plain (sublinear) term frequency scored better on both the
    petition cross-validation and a public benchmark (UIT-VSFC topics, dev split).
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
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=tuple(char_ngram_range), sublinear_tf=True, use_idf=use_idf,
                    min_df=min_df, lowercase=False, max_features=300_000,
                ),
                "plain",
            )
        )
    blocks.append(("keywords", KeywordFeatures(), "plain"))
    weights = {name: 1.0 for name, _, _ in blocks}
    weights["keywords"] = keyword_weight
    return ColumnTransformer(blocks, transformer_weights=weights, sparse_threshold=1.0)
