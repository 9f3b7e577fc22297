"""The "already answered" decision (petition_nlp.grouping.answered): a petition against every answered group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from petition_nlp.grouping import answered as am

# answered groups of an earlier survey: (member texts, topic)
HOUSING_BUILD = (
    [
        "Đề nghị tỉnh đôn đốc chủ đầu tư đẩy nhanh tiến độ xây dựng khu nhà ở xã hội cho công nhân KCN Quang Châu.",
        "Khu nhà ở xã hội cho công nhân KCN Quang Châu xây mãi chưa xong, mong tỉnh đôn đốc hoàn thành sớm.",
        "Dự án nhà ở xã hội gần KCN Quang Châu chậm tiến độ nhiều năm, công nhân vẫn phải ở trọ chật chội.",
    ],
    "housing",
)
SI_OWED = (
    [
        "Công ty nợ đóng bảo hiểm xã hội gần một năm, người lao động nghỉ việc không chốt được sổ.",
        "Doanh nghiệp trừ tiền bảo hiểm trong lương hằng tháng nhưng không nộp cho cơ quan BHXH, đề nghị xử lý.",
    ],
    "social_insurance",
)
TRAINING_KOREAN = (
    [
        "Đề nghị mở lớp tiếng Hàn miễn phí buổi tối cho công nhân trong khu công nghiệp.",
        "Công nhân muốn học tiếng Hàn ngoài giờ làm nhưng không có lớp, xin công đoàn tổ chức lớp không thu học phí.",
    ],
    "skills_training",
)
GROUPS = [HOUSING_BUILD, SI_OWED, TRAINING_KOREAN]

SAME_ISSUE = "Nhà ở xã hội cho công nhân ở KCN Quang Châu khởi công lâu lắm rồi mà bao giờ mới xây xong để anh em vào ở?"
NEIGHBOUR = "Hồ sơ đăng ký mua nhà ở xã hội quá nhiều giấy tờ, phải xin xác nhận thu nhập ở nhiều nơi, đề nghị đơn giản thủ tục."
UNANSWERED_WITHDRAWAL = "Người lao động nghỉ việc muốn rút bảo hiểm xã hội một lần thì phải chờ bao lâu, thủ tục ở đâu?"
UNANSWERED_SAME_TOPIC = "Người lao động bị tai nạn trên đường đi làm về, làm hồ sơ hưởng chế độ tai nạn lao động mấy tháng chưa được giải quyết."


def _links(texts, categories, groups=GROUPS):
    return {i: (k, p) for i, k, p in am.match_answered(texts, categories, groups)}


def test_reworded_same_issue_links_to_its_group():
    links = _links([SAME_ISSUE], ["housing"])
    assert 0 in links and links[0][0] == 0
    assert links[0][1] >= am.LINK_THRESHOLD


def test_neighbouring_issue_is_not_linked():
    assert _links([NEIGHBOUR], ["housing"]) == {}


def test_issues_nobody_answered_stay_unlinked_though_their_topic_has_answered_groups():
    assert SI_OWED[1] == "social_insurance"  # an answered group of the same topic ...
    texts = [UNANSWERED_SAME_TOPIC, UNANSWERED_WITHDRAWAL]
    assert _links(texts, ["social_insurance"] * 2) == {}  # ... is no link for other issues of that topic


def test_one_survey_at_once_each_petition_to_its_own_group():
    texts = [SAME_ISSUE, NEIGHBOUR, UNANSWERED_SAME_TOPIC, "Đề nghị công đoàn mở lớp tiếng Hàn miễn phí buổi tối cho công nhân trong khu công nghiệp, không thu học phí."]
    links = _links(texts, ["housing", "housing", "social_insurance", "skills_training"])
    assert set(links) == {0, 3}
    assert links[0][0] == 0 and links[3][0] == 2


def test_candidates_are_groups_of_the_petition_topic_and_usable_petitions_only():
    features = am.candidate_features([SAME_ISSUE, SAME_ISSUE], ["housing", "housing"], GROUPS, usable=[True, False])
    assert set(features["petition"]) == {0}
    assert set(features["group"]) <= {0}
    assert list(features.columns) == ["petition", "group", *am.FEATURES, "veto"]
    assert am.candidate_features([SAME_ISSUE], ["security"], GROUPS).empty  # no answered group of that topic
    assert am.candidate_features([SAME_ISSUE], ["housing"], []).empty
    with_empty = am.match_answered([SAME_ISSUE], ["housing"], [([], "housing"), *GROUPS])
    assert [k for _, k, _ in with_empty] == [1]  # indices stay those of the groups given
    assert am.match_answered([], [], GROUPS) == []


def test_gap_measures_the_lead_over_the_other_candidates():
    two = [HOUSING_BUILD, (["Đề nghị tỉnh sớm khởi công thêm dự án nhà ở xã hội cho công nhân thuê ở huyện Yên Dũng."], "housing")]
    features = am.candidate_features([SAME_ISSUE], ["housing"], two).set_index("group")
    assert len(features) == 2
    assert np.isclose(features.at[0, "gap"], features.at[0, "max_sim"] - features.at[1, "max_sim"])
    assert np.isclose(features.at[1, "gap"], -features.at[0, "gap"])


def test_choose_links_takes_each_petition_most_probable_group_above_the_threshold():
    base = dict.fromkeys(am.FEATURES, 0.0)
    rows = [
        {"petition": 0, "group": 0, **base, "mean_sim": 0.2},
        {"petition": 0, "group": 1, **base, "mean_sim": 0.9},
        {"petition": 1, "group": 0, **base, "mean_sim": 0.1},
    ]
    model = {"intercept": -5.0, "coef": {"mean_sim": 10.0}}
    features = pd.DataFrame(rows)
    p = am.link_probability(features, model)
    assert p[1] > p[0] > p[2]
    assert [(i, k) for i, k, _ in am.choose_links(features, threshold=0.9, model=model)] == [(0, 1)]
    assert am.choose_links(features, threshold=0.999, model=model) == []
    vetoed = features.assign(veto=[0.0, 1.0, 0.0])  # the catalogue names two different issues for petition 0 and group 1
    assert [(i, k) for i, k, _ in am.choose_links(vetoed, threshold=0.0, model=model)] == [(0, 0), (1, 0)]


def test_shipped_model_covers_every_feature():
    assert set(am.LINK_MODEL["coef"]) == set(am.FEATURES)
    assert 0.0 < am.LINK_THRESHOLD < 1.0


def test_without_a_catalogue_the_words_still_decide(monkeypatch):
    from petition_nlp.grouping import catalogue

    monkeypatch.setattr(catalogue, "default_matcher", lambda: None)
    features = am.candidate_features([SAME_ISSUE, NEIGHBOUR], ["housing", "housing"], GROUPS)
    assert set(features["group"]) == {0}
    assert (features[["agreement", "same_issue", "veto"]] == 0).all().all()
    probability = dict(zip(features["petition"], am.link_probability(features)))
    assert probability[0] > probability[1]  # the rewording is closer than the neighbouring issue


def test_an_excluded_pair_is_never_linked_but_the_petition_keeps_its_other_links():
    texts = [SAME_ISSUE, "Đề nghị công đoàn mở lớp tiếng Hàn miễn phí buổi tối cho công nhân trong khu công nghiệp, không thu học phí."]
    categories = ["housing", "skills_training"]
    assert {(i, k) for i, k, _ in am.match_answered(texts, categories, GROUPS)} == {(0, 0), (1, 2)}
    kept = am.match_answered(texts, categories, GROUPS, exclude=[(0, 0)])
    assert {(i, k) for i, k, _ in kept} == {(1, 2)}  # petition 0's only candidate was excluded; petition 1 untouched
