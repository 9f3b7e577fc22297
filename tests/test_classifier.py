"""Feature blocks and the cross-validated choice of IDF weighting in PetitionClassifier."""

import pickle

import numpy as np
import pytest

from petition_nlp import PetitionClassifier
from petition_nlp.features import build_features, preprocess


def test_default_blocks_are_words_syllables_accented_syllables_and_keywords() -> None:
    names = [name for name, _, _ in build_features().transformers]
    assert names == ["words", "syllables", "accented", "keywords"]
    with_chars = build_features(char_ngram_range=(2, 5), accented_syllables=False)
    assert [name for name, _, _ in with_chars.transformers] == ["words", "syllables", "chars", "keywords"]


def test_accented_block_separates_words_that_differ_only_in_diacritics() -> None:
    views = preprocess(["bán nhà", "bàn nhà"], n_jobs=1, cache=False)
    features = build_features().fit(views)
    plain = features.named_transformers_["syllables"].transform(views["plain"]).toarray()
    accented = features.named_transformers_["accented"].transform(views["norm"]).toarray()
    assert np.allclose(plain[0], plain[1])  # identical without diacritics
    assert not np.allclose(accented[0], accented[1])


def test_use_idf_auto_keeps_the_option_with_the_better_cross_validated_macro_f1(small_training) -> None:
    clf = PetitionClassifier(cv=3, n_jobs=1).fit(small_training["text"], small_training["label"])
    scores = clf.cv_report_["macro_f1_by_use_idf"]
    assert set(scores) == {"true", "false"}
    best = max([True, False], key=lambda o: scores[str(o).lower()])
    assert clf.use_idf_ is best and clf.cv_report_["use_idf"] is best
    assert clf.cv_report_["macro_f1"] == scores[str(best).lower()]
    assert clf.get_params()["use_idf"] == "auto"  # the constructor argument is left unchanged
    assert clf.model_.named_steps["features"].named_transformers_["words"].use_idf is best


def test_fixed_use_idf_and_threshold_skip_cross_validation(small_training) -> None:
    clf = PetitionClassifier(use_idf=False, review_threshold=0.5, n_jobs=1)
    clf.fit(small_training["text"], small_training["label"])
    assert clf.cv_report_ is None and clf.use_idf_ is False and clf.review_threshold_ == 0.5
    assert clf.model_.named_steps["features"].named_transformers_["syllables"].use_idf is False
    with pytest.raises(ValueError, match="use_idf"):
        PetitionClassifier(use_idf="sometimes", review_threshold=0.5).fit(small_training["text"], small_training["label"])


def test_models_pickled_before_the_new_parameters_describe_how_they_were_built(small_training) -> None:
    clf = PetitionClassifier(use_idf=True, review_threshold=0.5, n_jobs=1).fit(small_training["text"], small_training["label"])
    state = pickle.loads(pickle.dumps(clf)).__dict__
    for name in ("syllable_ngram_range", "accented_syllables", "use_idf"):
        del state[name]
    old = PetitionClassifier.__new__(PetitionClassifier)
    old.__setstate__(state)
    params = old.get_params()
    assert params["accented_syllables"] is False and params["use_idf"] is True and params["syllable_ngram_range"] == (1, 2)
    assert list(old.predict(["Đề nghị xây nhà ở xã hội"])) == list(clf.predict(["Đề nghị xây nhà ở xã hội"]))
