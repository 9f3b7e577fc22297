"""The feature blocks: the fast character n-gram block equals scikit-learn's char_wb TF-IDF."""

from __future__ import annotations

import pickle

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from petition_nlp.model.features import CharNgramTfidf

TRAIN = [
    "de nghi xay dung nha o xa hoi cho cong nhan",
    "cong ty no dong bhxh nhieu thang",
    "mo lop hoc nghe han cho cong nhan tre",
    "khu tro mat an ninh, trom cap xe may",
]
UNSEEN = ["nha o xa hoi gia re", "", "   ", "zzz qqq", "bhxh bhxh bhxh  no dong\tnhieu  thang", "x"]


def test_char_ngrams_equal_sklearn_char_wb_before_and_after_pickling() -> None:
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=False)
    ours = CharNgramTfidf(ngram_range=(2, 5))
    assert np.allclose(ref.fit_transform(TRAIN).toarray(), ours.fit_transform(TRAIN).toarray())
    expected = ref.transform(UNSEEN).toarray()
    assert np.allclose(expected, ours.transform(UNSEEN).toarray())
    assert np.allclose(expected, ours.transform(UNSEEN).toarray())  # again, from the word memo
    restored = pickle.loads(pickle.dumps(ours))
    assert "_memo" not in restored.__dict__  # the memo is a cache, not part of the model
    assert np.allclose(expected, restored.transform(UNSEEN).toarray())
    assert list(ours.get_feature_names_out()) == list(ref.get_feature_names_out())


def test_char_ngram_memo_is_bounded() -> None:
    block = CharNgramTfidf(ngram_range=(2, 3), memo_words=3).fit(TRAIN)
    block.transform(["mot hai ba bon nam sau bay"])
    assert len(block._memo) == 7
    block.transform(["tam"])  # over the bound: the memo starts again
    assert set(block._memo) == {"tam"}
    assert block.get_params()["memo_words"] == 3
