"""Feature blocks and the cross-validated choice of IDF weighting in PetitionClassifier."""

import pickle

import numpy as np
import pytest

from petition_nlp import PetitionClassifier
from petition_nlp.model.features import build_features, preprocess


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


# -- grouped cross-validation, review threshold, second topic (issue 14) ------------------------
from petition_nlp.model.classifier import (  # noqa: E402
    choose_review_threshold,
    choose_second_threshold,
    grouped_folds,
    risk_coverage,
)


def test_grouped_folds_never_split_a_group_and_keep_every_code_in_training() -> None:
    rng = np.random.default_rng(0)
    labels = np.array(["a", "b", "c"] * 40, dtype=object)
    groups = np.array([f"g{i}" for i in rng.integers(0, 8, len(labels))], dtype=object)
    folds = grouped_folds(labels, groups, 5, 0)
    assert len(folds) == 5
    seen = np.zeros(len(labels), dtype=int)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert set(labels[train]) == {"a", "b", "c"}
        seen[test] += 1
    assert (seen == 1).all()


def test_grouped_folds_refuse_groups_that_are_one_code_each() -> None:
    # petitions.csv's trap: each writer wrote one code, so holding out a writer drops that code
    labels = np.array(["a"] * 10 + ["b"] * 10 + ["c"] * 10, dtype=object)
    writers = np.array(["writer-a"] * 10 + ["writer-b"] * 10 + ["writer-c"] * 10, dtype=object)
    with pytest.raises(ValueError, match="no row of"):
        grouped_folds(labels, writers, 3, 0)
    with pytest.raises(ValueError, match="two groups"):
        grouped_folds(labels, np.array(["x"] * 30, dtype=object), 3, 0)


def test_review_threshold_with_groups_protects_the_weak_group() -> None:
    # a large easy group (always right) and a small hard one, right only above 0.8
    conf = np.r_[np.linspace(0.4, 1.0, 400), np.linspace(0.4, 1.0, 20)]
    correct = np.r_[np.ones(400, bool), np.linspace(0.4, 1.0, 20) > 0.8]
    groups = np.array(["easy"] * 400 + ["hard"] * 20, dtype=object)
    pooled = choose_review_threshold(conf, correct)
    grouped = choose_review_threshold(conf, correct, groups=groups)
    assert pooled == pytest.approx(0.4)  # pooled precision is already >= 95 %
    assert grouped > 0.7
    above = conf >= grouped
    assert np.mean([correct[above & (groups == g)].mean() for g in ("easy", "hard")]) >= 0.95


def test_risk_coverage_reviews_the_least_confident_rows_first() -> None:
    conf = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.35, 0.95, 0.85])
    correct = conf >= 0.5
    table = risk_coverage(conf, correct, shares=(0.0, 0.1, 0.3))
    assert [r["reviewed"] for r in table] == [0, 1, 3]
    assert table[0]["accuracy_not_reviewed"] == pytest.approx(0.7)
    assert table[2]["accuracy_not_reviewed"] == pytest.approx(1.0)


def test_second_threshold_follows_useful_runner_ups_within_the_share() -> None:
    classes = np.array(["a", "b", "c"], dtype=object)
    # rows 0-3: runner-up b with high probability and gold second topic b; rows 4-19: no second topic
    proba = np.array([[0.55, 0.40, 0.05]] * 4 + [[0.8, 0.15, 0.05]] * 16)
    labels = np.array(["a"] * 20, dtype=object)
    labels_2 = np.array(["b"] * 4 + [""] * 16, dtype=object)
    t = choose_second_threshold(proba, labels, classes, labels_2, max_share=0.3)
    assert 0.15 < t <= 0.40
    assert choose_second_threshold(proba, labels, classes, None) > 1  # nothing useful: never shown
    assert choose_second_threshold(proba, labels, classes, labels_2, max_share=0.1) > 1  # 4/20 > 10 %


def test_fit_with_groups_reports_grouped_and_random_folds_and_fills_second_topics(small_training) -> None:
    groups = small_training["style"].to_numpy()
    labels_2 = np.where(np.arange(len(small_training)) % 7 == 0, "other", "")
    clf = PetitionClassifier(cv=3, use_idf=True, n_jobs=1).fit(
        small_training["text"], small_training["label"], groups=groups, labels_2=labels_2
    )
    report = clf.cv_report_
    assert report["grouping"] == "groups" and report["groups"] == len(set(groups))
    assert {"macro_f1", "review_rate", "risk_coverage", "review_threshold_chosen_here"} <= set(report["random_folds"])
    assert [r["review_share"] for r in report["risk_coverage"]] == [0.0, 0.1, 0.2, 0.3]
    assert report["second_rate"] <= clf.second_share + 1e-9
    out = clf.classify(["Đề nghị công ty đóng BHXH và hỗ trợ tiền thuê nhà trọ cho công nhân", "Xây nhà ở xã hội"])
    proba = clf.predict_proba(out["text"]).to_numpy()
    p2 = np.sort(proba, axis=1)[:, -2]
    shown = out["second_category"] != ""
    assert (shown.to_numpy() == (p2 >= clf.second_threshold_)).all()
    assert (out.loc[shown, "second_category"] != out.loc[shown, "category"]).all()
    assert out.loc[~shown, "second_confidence"].isna().all()


def test_coverage_threshold_flags_enough_errors_within_the_cap() -> None:
    from petition_nlp.model.classifier import choose_coverage_threshold

    conf = np.linspace(0.3, 1.0, 100)
    wrong = np.zeros(100, bool)
    wrong[[5, 10, 20, 40, 60, 80, 90, 95]] = True  # 8 errors
    rescued = np.zeros(100, bool)
    rescued[90] = True  # one already has the right second topic
    t = choose_coverage_threshold(conf, wrong, rescued, coverage=0.75, max_share=0.9)
    assert ((conf < t) | rescued)[wrong].mean() >= 0.75
    assert ((np.nextafter(t, 0) > conf) | rescued)[wrong].sum() < 8  # no higher than needed
    capped = choose_coverage_threshold(conf, wrong, rescued, coverage=0.75, max_share=0.1)
    assert (conf < capped).mean() <= 0.1 + 1e-9
    assert choose_coverage_threshold(conf, wrong, wrong, coverage=0.75) == 0.0


def test_second_threshold_lowered_until_enough_errors_are_rescued_within_the_cap() -> None:
    from petition_nlp.model.classifier import lower_second_for_coverage

    classes = np.array(["a", "b"], dtype=object)
    # 20 rows predicted "a"; runner-up "b" with probability 0.05 .. 0.48 (row k: 0.05 + 0.0225 k)
    p_b = np.round(0.05 + 0.0225 * np.arange(20), 4)
    proba = np.c_[1 - p_b, p_b]
    labels = np.array(["a"] * 20, dtype=object)
    labels[[2, 6, 10, 19]] = "b"  # four errors, their runner-up is right
    flagged = np.zeros(20, bool)
    flagged[19] = True  # one is flagged already
    t = lower_second_for_coverage(proba, labels, classes, flagged, 0.5, coverage=0.75, max_share=0.8)
    rescued = (p_b >= t) & (labels == "b")
    assert (rescued | flagged)[labels == "b"].mean() >= 0.75
    assert t == p_b[6]  # the highest threshold that reaches it: rows 19 (flagged), 10 and 6
    # never raised, and a target already met keeps the threshold
    assert lower_second_for_coverage(proba, labels, classes, flagged, 0.1, coverage=0.75) == 0.1
    # the cap on the share of rows showing a second topic wins over the target
    capped = lower_second_for_coverage(proba, labels, classes, flagged, 0.5, coverage=1.0, max_share=0.25)
    assert (p_b >= capped).mean() <= 0.25
    assert capped == p_b[15]


def test_a_handful_of_rows_in_their_own_group_cannot_push_the_review_threshold_to_the_top() -> None:
    """Two officer corrections the model disagrees with form a provenance group of their own: they
    weigh by their size, not as much as a genre (the threshold went to 0.98 and flagged 90 % of
    petitions)."""
    from petition_nlp.model.classifier import choose_review_threshold

    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.3, 1.0, 1000)
    correct = rng.uniform(0, 1, 1000) < confidence * 1.05
    groups = np.array([f"genre-{i % 10}" for i in range(1000)], dtype=object)
    before = choose_review_threshold(confidence, correct, groups=groups)
    after = choose_review_threshold(
        np.r_[confidence, [0.97, 0.98]], np.r_[correct, [False, False]], groups=np.r_[groups, ["store", "store"]]
    )
    assert after - before < 0.02
    # a whole genre the model gets wrong still counts in full
    genre = choose_review_threshold(
        np.r_[confidence, np.full(60, 0.9)], np.r_[correct, np.zeros(60, bool)], groups=np.r_[groups, ["new-genre"] * 60]
    )
    assert genre > 0.9  # above the genre's confidence: its rows are all flagged
