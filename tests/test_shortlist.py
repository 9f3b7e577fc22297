import pandas as pd
import pytest

from conftest import SAMPLE_XLSX, run_cli
from petition_nlp import shortlist
from petition_nlp.files.io import InputError
from petition_nlp.grouping.shortlist import allocate_seats, assign_groups, parse_quota

COUNTS = {"housing": 30, "social_insurance": 40, "skills_training": 20, "security": 25, "party_building": 5, "other": 24}


def test_proportional_seats_use_largest_remainder_and_give_every_category_a_seat() -> None:
    seats = allocate_seats(COUNTS, 15)
    assert sum(seats.values()) == 15
    assert set(seats) == set(COUNTS)
    assert seats["social_insurance"] == max(seats.values())
    assert seats["party_building"] == 1


def test_proportional_without_room_for_everyone() -> None:
    seats = allocate_seats(COUNTS, 3)
    assert seats == {"social_insurance": 1, "housing": 1, "security": 1}


def test_equal_and_explicit_quota() -> None:
    assert sorted(allocate_seats(COUNTS, 12, quota="equal").values()) == [2] * 6
    spec = parse_quota("housing=4,social_insurance=4,skills_training=3,security=2,party_building=2")
    assert allocate_seats(COUNTS, 15, quota=spec) == {
        "social_insurance": 4, "housing": 4, "security": 2, "skills_training": 3, "party_building": 2,
    }
    with pytest.raises(InputError, match="bad quota"):
        parse_quota("housing:4")


PETITIONS = pd.DataFrame(
    {
        "id": [f"P{i}" for i in range(1, 11)],
        "Đơn vị": [f"CĐCS {u}" for u in "ABCDEFGHIJ"],  # (bare letters would read as ordinals a, b, c)
        "Nội dung": [
            "Đề nghị tỉnh xây dựng thêm nhà ở xã hội cho công nhân khu công nghiệp Quế Võ",
            "Kiến nghị sớm xây nhà ở xã hội gần KCN Quế Võ để công nhân có chỗ ở ổn định",
            "de nghi xay nha o xa hoi cho cong nhan kcn que vo",
            "Công ty nợ BHXH của người lao động nhiều tháng, đề nghị xử lý",
            "Doanh nghiệp nợ bảo hiểm xã hội 8 tháng, công nhân không được chốt sổ",
            "Khu trọ thường xuyên mất trộm xe máy, đề nghị công an tuần tra",
            "Mong được mở lớp học nghề điện công nghiệp miễn phí cho công nhân",
            "Đề nghị tạo điều kiện kết nạp Đảng cho công nhân ưu tú ở doanh nghiệp FDI",
            "Đề nghị tăng lương tối thiểu vùng cho phù hợp giá cả",
            "Đề nghị tỉnh xây nhà ở xã hội cho công nhân thuê giá rẻ gần KCN Quế Võ",
        ],
    }
)


def test_groups_and_represents(default_model) -> None:
    groups = assign_groups(PETITIONS, text_column="Nội dung", model=default_model)
    assert len(groups) == len(PETITIONS) and (groups["group_id"] != "").all()
    housing = groups.loc[[0, 1, 2, 9], "group_id"]
    assert housing.nunique() == 1  # four ways of asking for the same social housing
    assert groups.loc[3, "group_id"] == groups.loc[4, "group_id"]  # BHXH owed
    result = shortlist(PETITIONS, n=5, text_column="Nội dung", model=default_model)
    assert len(result) == 5 and result["group_id"].is_unique
    top = result.iloc[0]
    assert top["rank"] == 1 and top["category"] == "housing" and top["represents"] == 4
    assert set(top["member_ids"].split(", ")) == {"P1", "P2", "P3", "P10"}
    assert set(top["units"].split("; ")) == {"CĐCS A", "CĐCS B", "CĐCS C", "CĐCS J"}
    assert top["unit_count"] == 4
    assert top["Nội dung"] in set(PETITIONS["Nội dung"])  # verbatim
    assert top["id"] != "P3"  # never the no-diacritics fragment as the representative
    assert list(result.columns[:3]) == ["id", "Đơn vị", "Nội dung"]
    for column in ["rank", "category", "category_name", "represents", "group_id", "member_ids"]:
        assert column in result.columns


def test_shortlist_is_deterministic_and_respects_exclude(default_model) -> None:
    a = shortlist(PETITIONS, n=4, text_column="Nội dung", model=default_model, exclude=["other"])
    b = shortlist(PETITIONS, n=4, text_column="Nội dung", model=default_model, exclude=["other"])
    assert a.equals(b)
    assert "other" not in set(a["category"])


def test_shortlist_accepts_plain_texts(default_model) -> None:
    result = shortlist(PETITIONS["Nội dung"].tolist(), n=3, model=default_model)
    assert len(result) == 3 and "text" in result.columns


@pytest.mark.skipif(not SAMPLE_XLSX.exists(), reason="sample survey not built")
def test_cli_shortlist_sample(tmp_path) -> None:
    out, groups = tmp_path / "short.csv", tmp_path / "groups.csv"
    result = run_cli("shortlist", SAMPLE_XLSX, "-n", "15", "-o", out, "--groups-output", groups)
    assert result.exit_code == 0, result.output
    chosen = pd.read_csv(out, encoding="utf-8-sig")
    assert len(chosen) == 15 and chosen["group_id"].is_unique
    assert chosen["rank"].tolist() == list(range(1, 16))
    everyone = pd.read_csv(groups, encoding="utf-8-sig")
    assert len(everyone) == 145 and everyone["group_id"].notna().all()
    for _, row in chosen.iterrows():
        assert row["represents"] == (everyone["group_id"] == row["group_id"]).sum()


def test_large_categories_are_partitioned_not_collapsed(monkeypatch, corpus) -> None:
    import importlib

    from petition_nlp.model.features import preprocess

    S = importlib.import_module("petition_nlp.grouping.shortlist")  # the module (the package exports the function)

    monkeypatch.setattr(S, "DENSE_CLUSTER_LIMIT", 40)
    base = corpus[corpus["label"] == "housing"]["text"].head(100).tolist()
    texts = base + [t + " ạ" for t in base[:10]]  # ten near-copies
    views = preprocess(texts)
    vectors = S.petition_vectors(views, issues=S.catalogue_signals(views)[1])  # as the grouping builds them
    labels = S._cluster(vectors, S.DEFAULT_GROUP_THRESHOLD)
    exact = S._dense_cluster(vectors, S.DEFAULT_GROUP_THRESHOLD)
    assert len(set(labels)) >= 0.8 * len(set(exact))  # the parts do not collapse distinct issues
    assert all(labels[i] == labels[100 + i] for i in range(10))  # near-copies land together


def test_concepts_match_paraphrases_without_diacritics() -> None:
    from petition_nlp.grouping.concepts import concept_tokens
    from petition_nlp.model.features import preprocess
    from petition_nlp.resources import load_concepts

    assert dict(load_concepts())["si_arrears"]  # the data file loads
    plain = preprocess(["Công ty chậm đóng BHXH", "cty no bhxh, nghi viec khong chot duoc so", "Xin rút BHXH một lần"])["plain"]
    assert "si_arrears" in concept_tokens(plain[0]) and "si_arrears" in concept_tokens(plain[1])
    assert "si_lump_sum" in concept_tokens(plain[2]) and "si_arrears" not in concept_tokens(plain[2])


def test_concept_phrases_do_not_fire_on_other_words_without_diacritics() -> None:
    """Concepts are matched without diacritics, so a phrase must not read as a common other word:
    "không đóng" is "khong dong", as is "không đồng ý"; "tối om" is "toi om", as is "tôi ốm"."""
    from petition_nlp.grouping.concepts import concept_tokens
    from petition_nlp.model.features import preprocess

    plain = preprocess([
        "Công nhân không đồng ý với việc tăng ca liên tục",
        "Tôi ốm mấy hôm mà vẫn bị trừ chuyên cần",
        "Công ty không đóng bảo hiểm xã hội cho người lao động",
    ])["plain"]
    assert "si_arrears" not in concept_tokens(plain[0])
    assert "lighting" not in concept_tokens(plain[1])
    assert "si_arrears" in concept_tokens(plain[2])  # still found by "không đóng bảo hiểm"


def test_paraphrases_in_different_words_share_a_group() -> None:
    texts = [
        "Công ty nợ BHXH nhiều tháng, đề nghị xử lý",
        "Doanh nghiệp chậm đóng bảo hiểm, nghỉ việc rồi mà không chốt được sổ",
        "Đề nghị xử lý nghiêm doanh nghiệp trốn đóng bảo hiểm xã hội",
        "Đề nghị cho rút bảo hiểm xã hội một lần khi nghỉ việc",
        "Xin giải thích quy định rút BHXH một lần",
        "Mong tăng mức hưởng chế độ thai sản cho lao động nữ",
    ]
    frame = pd.DataFrame({"text": texts, "category": "social_insurance"})
    groups = assign_groups(frame, text_column="text")
    ids = groups["group_id"].tolist()
    assert ids[0] == ids[1] == ids[2]  # owed contributions, three ways of saying it
    assert ids[3] == ids[4] != ids[0]  # one-time withdrawal is another issue
    assert ids[5] not in {ids[0], ids[3]}


def test_representative_is_central_not_the_stray_member() -> None:
    import importlib

    from petition_nlp.model.features import preprocess

    S = importlib.import_module("petition_nlp.grouping.shortlist")
    texts = [
        "Đề nghị tỉnh xây nhà ở xã hội gần khu công nghiệp cho công nhân thuê",
        "Kiến nghị sớm có nhà ở xã hội gần khu công nghiệp cho công nhân",
        "Công nhân mong được thuê nhà ở xã hội gần khu công nghiệp với giá phù hợp",
        "Đề nghị có gói vay ưu đãi lãi suất thấp, thời hạn dài cho công nhân vay mua nhà ở xã hội trả góp",
    ]
    scores = S.clarity(texts, S.petition_vectors(preprocess(texts)))
    assert int(scores.argmax()) != 3  # the longest, but about a loan: not the group's face


def test_dev_survey_quality(default_model) -> None:
    """On the sample (tuning) survey with its known issues: 15 distinct issues among 15,
    near-oracle coverage, a grouping close to the issues, and better than both baselines.

    (It was 14 of 15 at times while the catalogue grew: its coarse "social housing near the zone"
    lacked an issue of its own, and "Công ty nợ BHXH 6 tháng, … thẻ BHYT bị khóa" — owed
    contributions in the sample, a locked health card in the catalogue — represented a group of its
    BHYT petitions. With the supply issue and twenty-one writers' paraphrases: 15 of 15, 0.986,
    ARI 0.83. README.)"""
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from shortlist_eval import DEV_FILE, DEV_ISSUES, load_survey

    from petition_nlp.grouping.metrics import compare_with_baselines
    from petition_nlp.grouping.shortlist import group_and_select

    frame, text, id_column = load_survey(str(DEV_FILE), str(DEV_ISSUES))
    survey = frame.drop(columns=["issue_id", "category"])
    groups, chosen = group_and_select(survey, 15, text_column=text, model=default_model)
    assert list(groups.index) == list(survey.index) and len(groups) == len(survey)
    table = compare_with_baselines(frame, groups, chosen, text_column=text, id_column=id_column).set_index("method")
    ours = table.loc["petition-nlp shortlist"]
    assert ours["distinct_issues"] == 15
    assert ours["coverage_vs_oracle"] >= 0.95
    assert ours["ari_grouping"] >= 0.8
    for baseline in ("random within quotas", "k-means medoids"):
        assert ours["coverage_vs_oracle"] > table.loc[baseline, "coverage_vs_oracle"]


def test_quota_and_exclusions_take_topics_as_officers_name_them(tmp_path) -> None:
    """'Nhà ở=4,BHXH=3' and '--exclude Khác' name housing, social_insurance and other; an unknown
    name is kept as written, so the CLI still refuses it by name."""
    from conftest import SAMPLE_XLSX, run_cli
    from petition_nlp.grouping.shortlist import parse_codes

    assert parse_quota("Nhà ở=4, BHXH=3,an ninh=1") == {"housing": 4, "social_insurance": 3, "security": 1}
    assert parse_codes("Khác, ANTT,houssing") == ["other", "security", "houssing"]
    out = tmp_path / "s.csv"
    result = run_cli("shortlist", SAMPLE_XLSX, "-n", "6", "--quota", "Nhà ở=4,BHXH=2", "--exclude", "Khác", "-o", out)
    assert result.exit_code == 0, result.stderr
    chosen = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert sorted(chosen["category"]) == ["housing"] * 4 + ["social_insurance"] * 2
    refused = run_cli("shortlist", SAMPLE_XLSX, "-n", "3", "--exclude", "Khac nhau")
    assert refused.exit_code == 2 and "unknown codes: Khac nhau" in refused.stderr
