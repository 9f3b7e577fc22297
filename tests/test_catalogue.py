"""The issue catalogue, its matcher, and what the grouping does with it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from petition_nlp import catalogue
from petition_nlp.catalogue import IssueMatcher, load_catalogue
from petition_nlp.resources import CATEGORY_CODES

TOY = {
    "owed": [
        "Công ty nợ tiền bảo hiểm xã hội của công nhân nhiều tháng",
        "doanh nghiep cham dong bhxh cho nguoi lao dong",
        "sổ BHXH không chốt được vì công ty chưa nộp tiền bảo hiểm",
        "Đề nghị xử lý doanh nghiệp trốn đóng bảo hiểm xã hội",
        "cty no bao hiem 5 thang roi anh chi oi",
    ],
    "withdrawal": [
        "Cho người lao động được rút bảo hiểm xã hội một lần khi nghỉ việc",
        "nghi viec roi co duoc rut bhxh 1 lan khong",
        "Thủ tục hưởng bảo hiểm xã hội một lần có phức tạp không",
        "Đề nghị giữ quyền rút BHXH một lần cho công nhân",
        "muốn lấy tiền bảo hiểm một lần thì làm giấy tờ gì",
    ],
    "lighting": [
        "Lắp đèn chiếu sáng trên đường vào khu công nghiệp",
        "duong ve khu tro toi om khong co den",
        "Đề nghị bổ sung đèn đường tuyến ra KCN",
        "Con đường đi ca đêm không có đèn, rất tối",
        "thieu den duong doan tu cong ty ve xom tro",
    ],
}


def _fitted() -> IssueMatcher:
    texts = [t for ts in TOY.values() for t in ts]
    labels = [k for k, ts in TOY.items() for _ in ts]
    return IssueMatcher().fit(texts, labels)


def test_matcher_recognises_new_wording_of_a_known_issue() -> None:
    matcher = _fitted()
    ids, scores = matcher.match(["công ty chậm nộp tiền BHXH cho anh em", "xin lắp thêm đèn đường ở lối vào KCN"])
    assert list(ids) == ["owed", "lighting"]
    assert scores.shape == (2,)


def test_matcher_matches_nothing_below_its_threshold() -> None:
    matcher = _fitted()
    strict = IssueMatcher(min_score=10.0)
    strict._set_state(**matcher._arrays)
    ids, _ = strict.match(["công ty chậm nộp tiền BHXH cho anh em"])
    assert list(ids) == [""]


def test_matcher_round_trips_through_plain_arrays(tmp_path) -> None:
    matcher = _fitted()
    path = tmp_path / "m.npz"
    matcher.save(path)
    loaded = IssueMatcher.load(path)  # np.load(allow_pickle=False): no object arrays inside
    texts = ["cty no bhxh", "đèn đường tối", "rút bảo hiểm một lần"]
    np.testing.assert_allclose(loaded.decision_function(texts), matcher.decision_function(texts), rtol=1e-5)
    assert list(loaded.issue_ids_) == list(matcher.issue_ids_)


def test_bundled_catalogue_is_well_formed() -> None:
    issues = load_catalogue()
    if not issues:
        pytest.skip("no issue catalogue bundled")
    ids = [i.id for i in issues]
    assert len(ids) == len(set(ids))
    assert len(issues) >= 200
    for issue in issues:
        assert issue.category in CATEGORY_CODES, issue.id
        assert issue.title.strip(), issue.id
        assert len(issue.paraphrases) >= 5, issue.id
        assert set(issue.near_miss) <= set(ids), issue.id
    paraphrases = [p for i in issues for p in i.paraphrases]
    assert len(paraphrases) == len(set(paraphrases))


def test_grouping_merges_petitions_matching_one_catalogue_issue(monkeypatch) -> None:
    import sys

    from petition_nlp.shortlist import assign_groups

    matcher = _fitted()
    monkeypatch.setattr(catalogue, "default_matcher", lambda: matcher)
    monkeypatch.setattr(sys.modules["petition_nlp.shortlist"], "issue_titles", lambda: {"owed": "Nợ đóng BHXH", "withdrawal": "Rút BHXH một lần"})
    texts = [
        "Công ty chậm đóng BHXH cho người lao động đã nửa năm",
        "doanh nghiệp nợ tiền bảo hiểm của công nhân mấy tháng nay",
        "sổ bảo hiểm chưa chốt được vì cty chưa nộp tiền",
        "Cho công nhân được rút bảo hiểm xã hội một lần",
    ]
    frame = pd.DataFrame({"text": texts, "category": ["social_insurance"] * 4})
    groups = assign_groups(frame, text_column="text", category_column="category")
    assert groups["group_id"].iloc[0] == groups["group_id"].iloc[1] == groups["group_id"].iloc[2]
    assert groups["group_id"].iloc[3] != groups["group_id"].iloc[0]
    assert list(groups["issue"]) == ["Nợ đóng BHXH"] * 3 + ["Rút BHXH một lần"]
