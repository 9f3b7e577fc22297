"""Grouping and wider shortlists on development data only (never on data/eval/ or the fixture).

    .venv/bin/python benchmarks/shortlist_dev.py [-n 15,30,50] [--only sample|blind|synthetic] [--seeds 0,1,2] [--folds 0,1,2,3]

Three kinds of survey, all free to tune on:

- ``sample``: the sample survey (data/raw/sample_survey.csv) with its known issues
  (data/raw/sample_survey_issues.csv), as ``shortlist_eval.py --dev``;
- ``blind``: the surveys of ``data/dev/blind_survey_*.csv`` (about 230 petitions, 40 units, 70 issues
  each), written by writers who chose and labelled their own issues without ever seeing the catalogue
  — the way the evaluation survey was written, so the grouping is measured on how a stranger cuts
  issues, not on the catalogue's issues in new words;
- ``synthetic``: surveys built from the issue catalogue's own paraphrases that the matcher is
  *not* fitted on (fold 1: every other paraphrase held out — the catalogue writer's eight styles,
  then the second writers' six —, the matcher sees the title and the rest; fold 0 the other way
  round; folds 2 and 3 hold out three in four; fold 4: the survey from the development writer's
  paraphrases, the matcher from all the shipped ones), with long-tailed
  issue sizes like a real conference survey: six issues raised 18-25 times,
  six 12-17 times, then a tail of 1-3. A large issue's petitions are its four held-out wordings,
  each also in variants an officer meets in real files (no diacritics, a unit's name in front,
  a request phrase after, the first sentence alone, common abbreviations), so no two petitions
  are the same string. Categories come from the classifier, as in the real tool. ``--seeds``
  (which issues are large) times ``--folds``: 12 surveys by default, reported one by one and
  averaged.

Prints, per survey and n: distinct issues among the chosen, coverage against the best
quota-respecting choice, the ARI of the grouping, the number of groups and the largest group's
share of each big issue, the share of rows in a group named after a catalogue issue and how many of
those are named after their own issue (``--min-score`` moves the naming threshold) — and which issues
were chosen twice, with the groups that carried them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

UNITS = [f"CĐCS Công ty {name}" for name in (
    "May Việt Tiến", "Điện tử Hải Hà", "Giày Thái Bình", "Thép Hòa Phát", "Dệt Nam Định", "Gỗ Trường Thành",
    "Thủy sản Cà Mau", "Nhựa Bình Minh", "Cơ khí Đông Anh", "Bao bì Sài Gòn", "Linh kiện Yên Phong",
    "Sợi Phú Bài", "Da giày Hưng Yên", "Chế biến gỗ Bình Dương", "May mặc Bắc Giang",
)] + [f"CĐ Trường {name}" for name in ("THCS Nguyễn Du", "Tiểu học Kim Đồng", "Mầm non Hoa Sen")] + [
    f"CĐ Bệnh viện {name}" for name in ("Đa khoa huyện", "Nhi tỉnh")
]
ABBREVIATIONS = (
    ("bảo hiểm xã hội", "BHXH"), ("người lao động", "NLĐ"), ("công ty", "cty"), ("không", "ko"),
    ("doanh nghiệp", "DN"), ("khu công nghiệp", "KCN"), ("được", "dc"), ("công nhân", "CN"),
)
REQUESTS = ("Đề nghị xem xét giải quyết.", "Mong công đoàn quan tâm.", "Kính đề nghị các cấp lưu ý.")
BIG_SIZES = (25, 23, 21, 20, 19, 18)
MEDIUM_SIZES = (17, 15, 14, 13, 12, 12)
TAIL_SIZES = (1, 1, 1, 1, 2, 2, 3)


def _variants(text: str, k: int) -> str:
    """The ``k``-th officer-file variant of a petition (0: as written)."""
    from petition_nlp.text.normalize import strip_diacritics

    kind = k % 6
    if kind == 1:
        return strip_diacritics(text)
    if kind == 2:
        return f"{UNITS[k % len(UNITS)]}: {text}"
    if kind == 3:
        return f"{text.rstrip('.!?')}. {REQUESTS[k % len(REQUESTS)]}"
    if kind == 4:
        first = text.split(". ")[0].rstrip(".")
        return first if len(first.split()) >= 6 and first != text.rstrip(".") else f"{text} ({UNITS[k % len(UNITS)]})"
    if kind == 5:
        out = text
        for long, short in ABBREVIATIONS:
            out = out.replace(long, short).replace(long.capitalize(), short)
        return out if out != text else strip_diacritics(text).lower()
    return text


def _train_styles(issue: object, fold: int) -> set[int]:
    """Indices of the issue's paraphrases the matcher is fitted on in ``fold`` (see
    :func:`synthetic_survey`): folds 0-3 split the shipped paraphrases (the catalogue writer's,
    then the second writers' of ``issue_paraphrases.csv``) by position; fold 4 fits on all of them
    and holds out the development writer's."""
    from dev_data import own_and_other

    mine = set(own_and_other(issue)[0])
    own = [j for j, text in enumerate(issue.paraphrases) if text in mine]
    if fold == 4:
        return set(own) if len(own) < len(issue.paraphrases) else set(own[::2])
    if fold in (0, 1):
        return {own[j] for j in range(1 - fold, len(own), 2)}
    return {own[j] for j in range(len(own)) if j % 4 == fold - 2}


def synthetic_survey(seed: int = 0, fold: int = 1, uncatalogued: float = 0.0) -> tuple[pd.DataFrame, object]:
    """(survey with id, unit, text, issue_id, catalogue_category; the matcher fitted without its texts).

    ``fold`` 1: the survey holds paraphrase styles 1, 3, 5, 7 and the matcher is fitted on the title
    and styles 0, 2, 4, 6; ``fold`` 0: the other way round; ``fold`` 2 / 3 (harder: more wordings
    per issue, a matcher that knows less): the matcher sees the title and styles 0, 4 / 1, 5 only,
    the survey the six others; ``fold`` 4 (cross-writer): the matcher sees the title and the
    catalogue's paraphrases (as the shipped one), the survey is written from the development
    writer's paraphrases of ``data/dev/catalogue_third_writer.csv``. ``seed`` draws which issues are large.
    ``uncatalogued``: this share of the survey's issues (drawn with ``seed``) is left out of the
    matcher altogether, as a stranger's survey raises issues the catalogue does not hold."""
    from dev_data import with_dev_writer

    from petition_nlp.grouping.catalogue import IssueMatcher, load_catalogue

    issues = list(with_dev_writer() if fold == 4 else load_catalogue())
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(issues))
    sizes = list(BIG_SIZES) + list(MEDIUM_SIZES)
    sizes += [TAIL_SIZES[i % len(TAIL_SIZES)] for i in range(100)]
    sizes = sizes[:len(issues)]
    in_survey = [issues[p].id for p in order[:len(sizes)]]
    left_out = set(np.random.default_rng(1000 + seed).permutation(in_survey)[:round(uncatalogued * len(in_survey))])
    train_texts, train_ids, rows = [], [], []
    for issue in issues:
        if issue.id in left_out:
            continue
        train = _train_styles(issue, fold)
        train_texts += [issue.title, *(issue.paraphrases[j] for j in train)]
        train_ids += [issue.id] * (1 + len(train))
    for position, size in zip(order, sizes):
        issue = issues[position]
        train = _train_styles(issue, fold)
        held = [p for j, p in enumerate(issue.paraphrases) if j not in train]
        for k in range(size):
            base = held[k % len(held)]
            text = _variants(base, k // len(held)) if k >= len(held) else base
            rows.append({"unit": UNITS[int(rng.integers(len(UNITS)))], "text": text, "issue_id": issue.id,
                         "catalogue_category": issue.category})
    survey = pd.DataFrame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)
    survey.insert(0, "id", [f"S{i + 1}" for i in range(len(survey))])
    if survey["text"].duplicated().any():
        survey = survey.drop_duplicates("text").reset_index(drop=True)
    return survey, IssueMatcher().fit(train_texts, train_ids)


def sample_survey() -> tuple[pd.DataFrame, str, str]:
    """(frame with issue_id, text column, id column) of the sample survey."""
    from shortlist_eval import DEV_FILE, DEV_ISSUES, load_survey

    return load_survey(str(DEV_FILE), str(DEV_ISSUES))


BLIND_SURVEYS = sorted((Path(__file__).resolve().parent.parent / "data" / "dev").glob("blind_survey_*.csv"))
"""Surveys written blind (``data/dev/blind_survey_*.csv``): each writer chose the issues and labelled them
(``issue_id``, ``issue_title``) without ever seeing the catalogue, its concepts or its paraphrases."""


def blind_survey(path: Path) -> tuple[pd.DataFrame, str, str]:
    """(frame with issue_id, text column, id column) of one blind survey, without the writer's
    titles and provenance (the tool must not see them)."""
    from shortlist_eval import load_survey

    frame, text, id_column = load_survey(str(path), None)
    return frame.drop(columns=["issue_title", "register", "writer", "batch"], errors="ignore"), text, id_column


def _naming(frame: pd.DataFrame, groups: pd.DataFrame) -> dict:
    """How the groups' ``issue`` column reads: the share of rows in a group named after a catalogue
    issue, and of those the share named after their own issue (``nan`` when the survey's issues are
    not catalogue ids, as in the sample survey)."""
    from petition_nlp.grouping.catalogue import issue_titles

    titles = issue_titles()
    named = groups["issue"].astype(str).to_numpy() != ""
    if not frame["issue_id"].isin(list(titles)).all():
        return {"named": float(named.mean()), "naming_precision": float("nan")}
    own = frame["issue_id"].map(titles).to_numpy() == groups["issue"].to_numpy()
    return {"named": float(named.mean()), "naming_precision": float(own[named].mean()) if named.any() else float("nan")}


def measure(frame: pd.DataFrame, text: str, id_column: str, ns: list[int], model: object) -> list[dict]:
    """Our grouping + shortlist at each n, scored against issue_id (categories from the classifier)."""
    from sklearn.metrics import adjusted_rand_score

    from petition_nlp.grouping.metrics import largest_group_share, shortlist_scores
    from petition_nlp.grouping.shortlist import assign_groups, select_questions

    survey = frame.drop(columns=[c for c in ("issue_id", "category", "catalogue_category") if c in frame.columns])
    classified = model.classify(survey, text_column=text)
    from petition_nlp.grouping.shortlist import _assign

    groups, vectors = _assign(classified, text_column=text, category_column="category")
    data = frame.copy()
    data["category"] = groups["category"].to_numpy()
    naming = _naming(frame, groups)
    out = []
    for n in ns:
        chosen = select_questions(groups, n, text_column=text, id_column=id_column, vectors=vectors)
        seats = chosen["category"].value_counts().to_dict()
        picked = data.index[data[id_column].isin(chosen[id_column])].tolist()
        scores = shortlist_scores(data, picked, seats)
        twice = data.loc[picked, "issue_id"].value_counts()
        repeats = []
        for issue in twice.index[twice > 1]:
            rows = [p for p in picked if data.at[p, "issue_id"] == issue]
            picks = chosen.set_index(id_column).loc[data.loc[rows, id_column]]
            repeats.append(f"{issue}: " + "; ".join(
                f"{g} ({c}, {r} petitions, issue '{i}')"
                for g, c, r, i in zip(picks["group_id"], picks["category"], picks["represents"], picks["issue"])))
        out.append({
            **naming,
            "n": n, "distinct": scores["distinct_issues"], "picked": scores["picked"],
            "coverage_vs_oracle": scores["coverage_vs_oracle"],
            "ari": round(adjusted_rand_score(data["issue_id"], groups["group_id"]), 4),
            "groups": int(groups.loc[groups["group_id"] != "", "group_id"].nunique()),
            "big_share": largest_group_share(data["issue_id"], groups["group_id"]),
            "repeats": repeats,
        })
    return out


WRITTEN_AFTER = ("blind-b5", "blind-b6")
"""Blind surveys written (seventh session) after every grouping setting was chosen: reported apart, and
a setting chosen from now on is chosen on the others and then checked on these."""


def _print_mean(label: str, surveys: list[list[dict]], ns: list[int]) -> None:
    """One line per n: the surveys' mean distinct issues, coverage, ARI, largest-group share and naming,
    and their repeats summed."""
    for k, n in enumerate(ns):
        rows = [r[k] for r in surveys]
        named_right = [r["naming_precision"] for r in rows if not np.isnan(r["naming_precision"])]
        print(f"{label} n={n:2d}: distinct {np.mean([r['distinct'] for r in rows]):.2f}/{n}  "
              f"vs oracle {np.mean([r['coverage_vs_oracle'] for r in rows]):.3f}  ARI {np.mean([r['ari'] for r in rows]):.3f}  "
              f"big share {np.mean([r['big_share'] for r in rows]):.3f}  repeats {sum(r['picked'] - r['distinct'] for r in rows)}  "
              f"named {np.mean([r['named'] for r in rows]):.3f} (right {np.mean(named_right) if named_right else float('nan'):.3f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", default="15,30,50")
    parser.add_argument("--only", choices=("sample", "blind", "synthetic"), default=None)
    parser.add_argument("--seeds", default="0,1,2", help="synthetic surveys: comma-separated seeds (which issues are large)")
    parser.add_argument("--folds", default="0,1,2,3", help="synthetic surveys: which paraphrase styles are held out (see synthetic_survey)")
    parser.add_argument("--uncatalogued", type=float, default=0.0,
                        help="synthetic surveys: share of their issues left out of the matcher (default 0)")
    parser.add_argument("--quiet", action="store_true", help="no list of repeated issues")
    parser.add_argument("--min-score", type=float, default=None,
                        help="the matcher's min_score for naming groups (default: the shipped matcher's)")
    args = parser.parse_args()
    ns = [int(n) for n in args.n.split(",")]

    import petition_nlp.grouping.catalogue as catalogue
    from petition_nlp import PetitionClassifier

    model = PetitionClassifier.load()
    if args.min_score is not None and catalogue.default_matcher() is not None:
        catalogue.default_matcher().min_score = args.min_score
    results = {}
    if args.only in (None, "sample"):
        results["sample"] = measure(*sample_survey(), ns, model)
    if args.only in (None, "blind"):
        for path in BLIND_SURVEYS:
            results[path.stem.replace("blind_survey_", "blind-")] = measure(*blind_survey(path), ns, model)
    if args.only in (None, "synthetic"):
        for seed in (int(s) for s in args.seeds.split(",")):
            for fold in (int(f) for f in args.folds.split(",")):
                survey, held_out = synthetic_survey(seed, fold, args.uncatalogued)
                if args.min_score is not None:
                    held_out.min_score = args.min_score
                original = catalogue.default_matcher
                catalogue.default_matcher = lambda: held_out  # the grouping must not have seen these wordings
                try:
                    results[f"synth{seed}.{fold}"] = measure(survey, "text", "id", ns, model)
                finally:
                    catalogue.default_matcher = original
    for name, rows in results.items():
        for r in rows:
            print(f"{name:9s} n={r['n']:2d}: distinct {r['distinct']}/{r['picked']}  vs oracle {r['coverage_vs_oracle']:.3f}  "
                  f"ARI {r['ari']:.3f}  groups {r['groups']}  big share {r['big_share']}  "
                  f"named {r['named']:.3f} (right {r['naming_precision']:.3f})")
            if not args.quiet:
                for line in r["repeats"]:
                    print(f"    twice: {line}")
    synthetic = [rows for name, rows in results.items() if name.startswith("synth")]
    blind = {name: rows for name, rows in results.items() if name.startswith("blind-")}
    for label, surveys in (
        ("synthetic mean", synthetic),
        ("blind b1-b4 mean", [rows for name, rows in blind.items() if name not in WRITTEN_AFTER]),
        ("blind b5-b6 mean", [rows for name, rows in blind.items() if name in WRITTEN_AFTER]),
    ):
        if len(surveys) > 1:
            _print_mean(label, surveys, ns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
