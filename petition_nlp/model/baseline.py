"""A plain keyword-rule classifier: the baseline the model must beat clearly.

It counts the taxonomy keywords of each category (``data/taxonomy.json``) in the
normalised, diacritic-free text and picks the category with most matches (``other`` when
nothing matches). No learning involved.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from petition_nlp.files.validation import as_text
from petition_nlp.model.features import KeywordFeatures
from petition_nlp.text.normalize import normalize_text, strip_diacritics

__all__ = ["KeywordRuleClassifier"]


class KeywordRuleClassifier(ClassifierMixin, BaseEstimator):
    """Keyword counting over the taxonomy; ``fit`` only records the label set.

    Args:
        fallback: code predicted when no keyword matches.
    """

    def __init__(self, *, fallback: str = "other") -> None:
        self.fallback = fallback

    def fit(self, X: Iterable[Any] = (), y: Iterable[Any] | None = None) -> KeywordRuleClassifier:
        self.keywords_ = KeywordFeatures().fit([])
        self.classes_ = np.asarray(self.keywords_.categories_, dtype=object)
        return self

    def predict(self, X: Iterable[Any]) -> np.ndarray:
        plain = [strip_diacritics(normalize_text(as_text(t))) for t in X]
        counts = self.keywords_.transform(plain).toarray()
        best = counts.argmax(axis=1)
        return np.where(counts.max(axis=1) > 0, self.classes_[best], self.fallback)
