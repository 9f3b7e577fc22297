"""Consistency of the labelled corpus and its documentation (data/labeled/)."""

import re
from collections import Counter

import pandas as pd
import pytest

from conftest import LABELED
from petition_nlp.resources import CATEGORY_CODES
from petition_nlp.text.normalize import normalize_text, strip_diacritics

STYLES = {"formal", "spoken", "abbrev", "no_diacritics", "typo", "long", "short", "hard"}


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    return pd.read_csv(LABELED / "petitions.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def test() -> pd.DataFrame:
    return pd.read_csv(LABELED / "test.csv", dtype=str, keep_default_na=False)


def _key(text: str) -> str:
    return strip_diacritics(normalize_text(text))


def _shingles(text: str) -> set[str]:
    words = _key(text).split()
    return {" ".join(words[i : i + 3]) for i in range(max(1, len(words) - 2))}


def test_columns_codes_styles_and_provenance(train, test) -> None:
    for frame in (train, test):
        assert {"id", "text", "label", "style", "source"} <= set(frame.columns)
        assert frame["id"].is_unique
        assert set(frame["label"]) <= set(CATEGORY_CODES), set(frame["label"]) - set(CATEGORY_CODES)
        assert set(frame["style"]) <= STYLES
        assert (frame["source"] != "").all()
        assert (frame["text"].str.strip() != "").all()


def test_sizes(train, test) -> None:
    assert len(train) >= 1800 and len(test) >= 400
    assert train["label"].value_counts().min() >= 200
    assert set(train["style"]) == STYLES


def test_no_exact_duplicates_within_or_across_splits(train, test) -> None:
    keys = [_key(t) for t in pd.concat([train["text"], test["text"]])]
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes, dupes[:5]


def test_no_two_rows_share_their_first_six_words(train, test) -> None:
    for frame in (train, test):  # as the writers' brief defines it: lower-cased, whitespace-split
        starts = Counter(" ".join(t.lower().split()[:6]) for t in frame["text"])
        shared = {s: n for s, n in starts.items() if n > 1 and len(s.split()) == 6}
        assert not shared, list(shared)[:5]


def test_no_near_duplicates_across_splits(train, test) -> None:
    index: dict[str, set[int]] = {}
    train_sh = [_shingles(t) for t in train["text"]]
    for i, sh in enumerate(train_sh):
        for s in sh:
            index.setdefault(s, set()).add(i)
    offenders = []
    for text in test["text"]:
        sh = _shingles(text)
        candidates = Counter(i for s in sh for i in index.get(s, ()))
        for i, shared in candidates.most_common(3):
            jaccard = shared / len(sh | train_sh[i])
            if jaccard >= 0.6:
                offenders.append((text, train["text"].iloc[i]))
    assert not offenders, offenders[:3]


def _readme_counts(section: str) -> dict[str, tuple[int, int]]:
    text = (LABELED / "README.md").read_text(encoding="utf-8")
    block = text.split(f"<!-- counts:{section} -->")[1].split("<!-- /counts -->")[0]
    rows = {}
    for line in block.splitlines():
        m = re.match(r"\|\s*`?([a-z_]+)`?\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return rows


@pytest.mark.parametrize("section, column", [("label", "label"), ("style", "style")])
def test_readme_counts_match_the_files(train, test, section, column) -> None:
    stated = _readme_counts(section)
    actual = {k: (int((train[column] == k).sum()), int((test[column] == k).sum())) for k in set(train[column]) | set(test[column])}
    assert stated == actual


# -- genre files and the second sealed test split (issue 14) -----------------------------------
GENRE_COLUMNS = {"id", "text", "label", "label_2", "genre", "style", "source", "writer", "batch"}


def _labelled(name: str) -> pd.DataFrame:
    return pd.read_csv(LABELED / name, dtype=str, keep_default_na=False)


def _genre_files() -> list[str]:
    names = sorted(p.name for p in LABELED.glob("petitions_*.csv"))
    if (LABELED / "test_genres.csv").exists():
        names.append("test_genres.csv")
    if not names:
        pytest.skip("no genre files yet")
    return names


def test_genre_files_columns_codes_label_2_and_provenance() -> None:
    for name in _genre_files():
        frame = _labelled(name)
        assert GENRE_COLUMNS <= set(frame.columns), (name, GENRE_COLUMNS - set(frame.columns))
        assert frame["id"].is_unique, name
        assert set(frame["label"]) <= set(CATEGORY_CODES), (name, set(frame["label"]) - set(CATEGORY_CODES))
        second = frame["label_2"]
        assert set(second) <= set(CATEGORY_CODES) | {""}, (name, set(second) - set(CATEGORY_CODES))
        assert not ((second != "") & (second == frame["label"])).any(), name
        for column in ("genre", "source", "writer", "batch"):
            assert (frame[column].str.strip() != "").all(), (name, column)
        assert (frame["text"].str.strip() != "").all(), name


def test_ids_unique_across_every_labelled_file() -> None:
    names = ["petitions.csv", "test.csv"] + _genre_files()
    ids = Counter(i for name in names for i in _labelled(name)["id"])
    assert not [i for i, n in ids.items() if n > 1][:5]


def _near_duplicates(train_texts: list[str], test_texts: list[str]) -> list[tuple[str, str]]:
    index: dict[str, set[int]] = {}
    train_sh = [_shingles(t) for t in train_texts]
    for i, sh in enumerate(train_sh):
        for s in sh:
            index.setdefault(s, set()).add(i)
    offenders = []
    for text in test_texts:
        sh = _shingles(text)
        candidates = Counter(i for s in sh for i in index.get(s, ()))
        for i, shared in candidates.most_common(3):
            if shared / len(sh | train_sh[i]) >= 0.6:
                offenders.append((text, train_texts[i]))
    return offenders


@pytest.mark.parametrize("test_name", ["test.csv", "test_genres.csv"])
def test_no_near_duplicates_between_any_training_file_and_either_test_split(test_name) -> None:
    if not (LABELED / test_name).exists():
        pytest.skip(f"{test_name} not present")
    train_texts = [t for p in sorted(LABELED.glob("petitions*.csv")) for t in _labelled(p.name)["text"]]
    test_texts = _labelled(test_name)["text"].tolist()
    exact = {_key(t) for t in train_texts} & {_key(t) for t in test_texts}
    assert not exact, list(exact)[:3]
    offenders = _near_duplicates(train_texts, test_texts)
    assert not offenders, offenders[:3]


DEV = LABELED.parent / "dev"
SURVEY_COLUMNS = {"id", "unit", "text", "category", "issue_id", "issue_title", "register", "writer", "batch"}


def _dev(name: str) -> pd.DataFrame:
    return pd.read_csv(DEV / name, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("name", sorted(p.name for p in DEV.glob("blind_survey_*.csv")) + sorted(p.name for p in DEV.glob("nextyear_*.csv")))
def test_development_surveys_carry_provenance_codes_and_issues(name) -> None:
    frame = _dev(name)
    assert SURVEY_COLUMNS <= set(frame.columns), SURVEY_COLUMNS - set(frame.columns)
    assert frame["id"].is_unique
    assert set(frame["category"]) <= set(CATEGORY_CODES), set(frame["category"]) - set(CATEGORY_CODES)
    for column in ("text", "unit", "issue_id", "issue_title", "writer", "batch"):
        assert (frame[column].str.strip() != "").all(), column
    assert frame.groupby("issue_id")["category"].nunique().max() == 1  # one issue, one topic
    assert not frame["text"].map(_key).duplicated().any()


@pytest.mark.parametrize("name", sorted(p.name for p in DEV.glob("nextyear_*.csv")))
def test_next_year_surveys_raise_last_years_issues_by_their_ids(name) -> None:
    """A next-year survey's rows either raise an issue of its blind survey (same id, same topic, by
    another writer) or an issue of its own (``new_…``)."""
    this_year = _dev(name)
    last_year = _dev(name.replace("nextyear_y", "blind_survey_b"))
    topic = dict(zip(last_year["issue_id"], last_year["category"]))
    listed = this_year["issue_id"].isin(list(topic))
    assert (this_year.loc[~listed, "issue_id"].str.startswith("new_")).all()
    assert (this_year.loc[listed, "category"] == this_year.loc[listed, "issue_id"].map(topic)).all()
    assert 0.4 <= listed.mean() <= 0.7
    assert set(this_year["writer"]).isdisjoint(set(last_year["writer"]))
    assert not set(this_year["text"].map(_key)) & set(last_year["text"].map(_key))


def test_development_surveys_are_not_training_rows() -> None:
    """Nothing the model or the issue matcher learns from is a development survey's text: no longer
    line is shared, and at most a few short generic ones ("Giáo viên hợp đồng có được mua nhà ở xã hội
    không?") that two writers each wrote."""
    from importlib import resources

    dev = {_key(t) for p in sorted(DEV.glob("*.csv")) for t in _dev(p.name)["text"]}
    train = {_key(t) for p in sorted(LABELED.glob("petitions*.csv")) for t in _labelled(p.name)["text"]}
    paraphrases = {_key(t) for t in pd.read_csv(resources.files("petition_nlp").joinpath("data", "issue_paraphrases.csv"), dtype=str, keep_default_na=False)["text"]}
    shared = dev & (train | paraphrases)
    assert len(shared) <= 3, sorted(shared)[:5]
    assert all(len(t.split()) <= 12 for t in shared), sorted(shared)
