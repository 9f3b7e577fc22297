"""Development simulation of "already answered" at the survey level (issue 17 item 3).

Pairs cannot show what goes wrong in use: a new petition meets *every* answered group of an earlier
survey, so a petition whose issue nobody answered still finds some member close enough. This
script builds, for each seed, two surveys from the issue catalogue (never from data/eval):

* survey A: ``--a-issues`` catalogue issues, 1–7 paraphrases each (long-tailed: see A_SIZES);
* survey B: other paraphrases of about half of A's issues (1–2 each), plus as many rows raising
  issues *not* in A: first the catalogue's ``near_miss`` neighbours of A's issues, then other issues
  of the same topics;

with the issue matcher REFITTED without any paraphrase used in A or B (each issue's paraphrases
are shuffled; the surveys take the first ones, the matcher learns the title and the rest) and
without ``--unknown`` (share, default 0.15) of the issues at all (issues the catalogue does not
know), so the matcher knows no more of the surveys' texts than it would of a stranger's. A is
uploaded into a temporary store through :func:`petition_nlp.store.workspace.ingest` with the
default topic model, every group answered, then B uploaded: B's links are the real path's
(``link_answered``). Scored as benchmarks/answers_eval.py scores the evaluation: a link is right
when the linked group's dominant issue is the petition's issue; precision = right links / links,
recall = right links / B's rows whose issue was raised in A. Each candidate (petition, answered
group) of B is also saved with its features (:func:`petition_nlp.grouping.answered.candidate_features`)
and its label, to fit the decision and compare rules without rerunning the store.

    python benchmarks/answered_dev.py --seeds 0-19 --features /tmp/sim.csv  # real path + candidates (~2.5 min)
    python benchmarks/answered_dev.py --fit /tmp/sim.csv --fit-seeds 0-19   # logistic model + threshold rule
    python benchmarks/answered_dev.py --score /tmp/sim.csv                   # pair rule vs shipped decision

The shipped model (LINK_MODEL) was fitted with ``--fit`` on seeds 0-19; seeds 20-29 were kept for
the check. Its threshold (LINK_THRESHOLD) was first the lowest whose pooled precision on the fitting
seeds reaches 0.95; since the sixth session it is chosen on the blind pairs instead (``--blind``:
surveys written without the catalogue, see :data:`BLIND_PAIRS` and the constant's docstring), which
the simulation's near-miss-heavy B half reads far more harshly than surveys written as a federation's
are. Never run on data/eval.

    python benchmarks/answered_dev.py --blind --features /tmp/blind.csv   # the four blind pairs (~20 s)
    python benchmarks/answered_dev.py --score /tmp/blind.csv
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from petition_nlp.grouping import answered as am  # noqa: E402
from petition_nlp.grouping import catalogue  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from dev_data import own_and_other, with_dev_writer  # noqa: E402

A_SIZES, A_SIZE_P = (1, 2, 3, 4, 5, 6, 7), (0.30, 0.22, 0.15, 0.11, 0.08, 0.07, 0.07)
"""Rows of survey A per issue: a long tail of issues raised once or twice and a head of issues raised
by many units (up to 7: a catalogue issue has 8 paraphrases and survey B needs one). Without that
head every large group of the simulation is a merge of several issues, and a decision fitted on it
learns that large groups are wrong (seen on dev: with A at 1-5 rows per issue, petitions whose right
group had 6-8 members were linked 14 % of the time, 9+ members never)."""
TARGET_PRECISION = 0.95
OLD_THRESHOLD = 0.35
"""The pair-chosen rule before this simulation: closest member's cosine >= 0.35, same topic, no veto."""


# ----------------------------------------------------------------------------- building the surveys
def _shuffled(issue: catalogue.Issue, rng: np.random.Generator, cross_writer: bool) -> list[str]:
    """The issue's paraphrases in the order the surveys take them: shuffled; with ``cross_writer``,
    the catalogue writer's first and the other writers' last (A takes from the front, B next)."""
    order = [issue.paraphrases[j] for j in rng.permutation(len(issue.paraphrases))]
    if not cross_writer:
        return order
    own, other = own_and_other(issue, order)
    return own + other


def build(
    seed: int, *, a_issues: int = 100, unknown: float = 0.15, cross_writer: bool = False, strangers: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, catalogue.IssueMatcher]:
    """Survey A, survey B (columns ``unit``, ``text``, ``issue_id``, ``category``) and the matcher
    refitted without their paraphrases. ``cross_writer``: A is written from the catalogue writer's
    paraphrases and B, where the issue has them, from other writers' (strangers to A's wording).
    ``strangers``: both surveys are written from the development writer's paraphrases only and the
    matcher, as the shipped one, from the catalogue's writers': nothing in A or B is wording the
    catalogue (or anything written from it, such as ``concepts.tsv``) saw."""
    rng = np.random.default_rng(seed)
    issues = list(catalogue.load_catalogue())
    if cross_writer or strangers:
        issues = list(with_dev_writer(issues))
    if strangers:
        issues = [i for i in issues if own_and_other(i)[1]]
    by_id = {i.id: i for i in issues}
    order = {i.id: _shuffled(i, rng, cross_writer) for i in issues}
    if strangers:  # the surveys draw from the other writers' paraphrases alone
        order = {iid: own_and_other(by_id[iid], texts)[1] for iid, texts in order.items()}
    unknown_ids = set(rng.choice([i.id for i in issues], size=int(round(unknown * len(issues))), replace=False))
    in_a = [str(x) for x in rng.choice([i.id for i in issues], size=a_issues, replace=False)]
    shared = set(str(x) for x in rng.choice(in_a, size=len(in_a) // 2, replace=False))
    used = dict.fromkeys(by_id, 0)  # how many of each issue's (shuffled) paraphrases the surveys take
    a_rows, b_rows = [], []
    for iid in in_a:
        size = int(rng.choice(A_SIZES, p=A_SIZE_P))
        if cross_writer:  # A keeps to the first writer's paraphrases
            size = min(size, len(own_and_other(by_id[iid], order[iid])[0]))
        if iid in shared:  # B takes 1-2 more; the matcher keeps at least one paraphrase besides the title
            size = min(size, len(order[iid]) - 2)
            if cross_writer:  # ... from the other writers' paraphrases: A's size of the first writer's, then theirs
                own, other = own_and_other(by_id[iid], order[iid])
                if other:
                    order[iid] = own[:size] + other + own[size:]
        a_rows += [(iid, t) for t in order[iid][:size]]
        used[iid] = size
        if iid in shared:
            more = min(int(rng.integers(1, 3)), len(order[iid]) - 1 - size)
            b_rows += [(iid, t) for t in order[iid][size: size + more]]
            used[iid] += more
    want = len(b_rows)
    near = sorted({n for iid in in_a for n in by_id[iid].near_miss if n not in in_a and n in by_id})
    topics = {by_id[iid].category for iid in in_a}
    others = sorted(i.id for i in issues if i.id not in in_a and i.id not in near and i.category in topics)
    new_rows: list[tuple[str, str]] = []
    for iid in [str(x) for x in rng.permutation(near)] + [str(x) for x in rng.permutation(others)]:
        if len(new_rows) >= want:
            break
        more = int(rng.integers(1, 3))
        if cross_writer:  # B's own issues in the other writers' words too
            own, other = own_and_other(by_id[iid], order[iid])
            order[iid] = other + own
        new_rows += [(iid, t) for t in order[iid][:more]]
        used[iid] = more
    b_rows += new_rows
    b_rows = [b_rows[k] for k in rng.permutation(len(b_rows))]
    a_rows = [a_rows[k] for k in rng.permutation(len(a_rows))]
    # the matcher: every issue's title and the paraphrases neither survey uses; unknown issues left out
    texts, labels = [], []
    for issue in issues:
        if issue.id not in unknown_ids:
            kept = [issue.title, *order[issue.id][used[issue.id]:]]
            if strangers:  # none of the surveys' wording: the title and the catalogue writer's
                kept = [issue.title] + own_and_other(issue)[0]
            elif cross_writer:  # as the shipped matcher: the catalogue writer's only
                kept = [issue.title] + own_and_other(issue, kept[1:])[0]
            texts += kept
            labels += [issue.id] * len(kept)
    matcher = catalogue.IssueMatcher().fit(texts, labels)

    def frame(rows: list[tuple[str, str]], prefix: str) -> pd.DataFrame:
        return pd.DataFrame({
            "unit": [f"CĐCS {prefix}{k + 1}" for k in range(len(rows))],
            "text": [t for _, t in rows],
            "issue_id": [iid for iid, _ in rows],
            "category": [by_id[iid].category for iid, _ in rows],
        })

    return frame(a_rows, "A"), frame(b_rows, "B"), matcher


# ----------------------------------------------------------------------------- the real path
def _upload(store: Any, frame: pd.DataFrame, name: str, model: Any) -> int:
    from petition_nlp.store import workspace as ws

    data = frame[["unit", "text"]].rename(columns={"unit": "Đơn vị"}).to_csv(index=False).encode("utf-8")
    stored = store.keep_original(data, name)
    sid = store.create_survey(name, stored)
    ws.ingest(store, sid, store.original_path(stored), model=model, text_column="text")
    return sid


def run_seed(
    seed: int, model: Any, *, a_issues: int, unknown: float, cross_writer: bool = False, strangers: bool = False
) -> tuple[dict[str, Any], pd.DataFrame]:
    """One simulated pair of surveys (:func:`build`) through the store, the matcher refitted for it."""
    a_truth, b_truth, matcher = build(seed, a_issues=a_issues, unknown=unknown, cross_writer=cross_writer, strangers=strangers)
    return run_pair(seed, a_truth, b_truth, model, matcher=matcher)


def run_pair(
    seed: int, a_truth: pd.DataFrame, b_truth: pd.DataFrame, model: Any, *, matcher: Any = None
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Both surveys (columns ``unit``, ``text``, ``issue_id``) through the store, with ``matcher`` in
    place of the shipped one when given; the metrics of B's stored links, and B's candidate features
    (with ``right``: the group's dominant issue is the petition's issue)."""
    from petition_nlp.store import Store
    from petition_nlp.store import workspace as ws

    shipped = catalogue.default_matcher
    if matcher is not None:
        catalogue.default_matcher = lambda: matcher  # type: ignore[assignment]  # the grouping and the link read it here
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(tmp)
            a = _upload(store, a_truth, f"A-{seed}.csv", model)
            frame_a, _ = store.survey_frame(a)
            issue_of = dict(zip(frame_a["petition_id"].astype(int), a_truth["issue_id"]))
            dominant, members = {}, {}
            for g in store.groups(a):
                ws.record_answer(store, g["group_id"], agency="Sở Lao động – Thương binh và Xã hội", answer="Trả lời mô phỏng.",
                                 answered_on="2026-01-15", status="answered", relink=False)
                dominant[int(g["group_id"])] = pd.Series([issue_of[m] for m in g["member_ids"]]).mode().sort_values().iloc[0]
                members[int(g["group_id"])] = {issue_of[m] for m in g["member_ids"]}
            b = _upload(store, b_truth, f"B-{seed}.csv", model)
            frame_b, info = store.survey_frame(b)
            links = store.survey_links(b)
            pids = frame_b["petition_id"].astype(int).tolist()
            answered = store.answered_groups(before_survey=b)
            features = am.candidate_features(
                frame_b[info["text_column"]].tolist(), frame_b["category"].tolist(), [(g["texts"], g["category"]) for g in answered],
                usable=(frame_b["status"] == "ok").to_numpy(),
            )
    finally:
        catalogue.default_matcher = shipped  # type: ignore[assignment]
    truth = dict(zip(pids, b_truth["issue_id"]))
    a_issues_set = set(a_truth["issue_id"])
    right = sum(dominant.get(link["group_id"]) == truth[pid] for pid, link in links.items())
    should = sum(truth[p] in a_issues_set for p in pids)
    metrics = {
        "seed": seed, "a_rows": len(a_truth), "a_groups": len(dominant), "b_rows": len(b_truth), "should": should,
        "links": len(links), "right": right,
        "precision": round(right / len(links), 3) if links else None, "recall": round(right / should, 3) if should else None,
    }
    group_ids = [int(g["id"]) for g in answered]
    features["seed"] = seed
    features["issue"] = [truth[pids[i]] for i in features["petition"]]
    features["group_issue"] = [dominant[group_ids[k]] for k in features["group"]]
    features["right"] = (features["issue"] == features["group_issue"]).astype(int)
    features["in_group"] = [int(i in members[group_ids[k]]) for i, k in zip(features["issue"], features["group"])]
    features["should"] = [int(truth[pids[i]] in a_issues_set) for i in features["petition"]]
    metrics["_should_total"] = should
    return metrics, features


def _next_year(path: Path) -> Path:
    """``data/dev/nextyear_yK.csv`` for ``data/dev/blind_survey_bK.csv``."""
    return path.with_name(path.name.replace("blind_survey_b", "nextyear_y"))


BLIND_PAIRS = [(path, _next_year(path)) for path in sorted((ROOT / "data" / "dev").glob("blind_survey_b*.csv")) if _next_year(path).exists()]
"""``--blind``: (last year, this year) pairs of ``data/dev/``. A blind survey (its writer chose and
labelled the issues without seeing the catalogue) is last year's; this year's was written by another
writer who saw only last year's issue titles, raising some of them in their own words and issues of
their own (near misses among them), and labelled which. The shipped matcher, not refitted: none of
these texts were written from the catalogue."""


def blind_pairs() -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """The :data:`BLIND_PAIRS` as (A, B) frames with ``unit``, ``text`` and ``issue_id``."""
    def read(path: Path) -> pd.DataFrame:
        return pd.read_csv(path, dtype=str, keep_default_na=False)[["unit", "text", "issue_id"]]

    return [(read(a), read(b)) for a, b in BLIND_PAIRS]


# ----------------------------------------------------------------------------- rules on saved features
def pick(features: pd.DataFrame, score: np.ndarray, allowed: np.ndarray | None = None) -> pd.DataFrame:
    """Each (seed, petition)'s best-scoring allowed candidate, with its score and ``right``."""
    data = features[["seed", "petition", "right", "should"]].copy()
    data["score"] = score
    if allowed is not None:
        data = data[allowed]
    return data.sort_values(["seed", "petition", "score"], ascending=[True, True, False], kind="stable").drop_duplicates(["seed", "petition"])


def pr(best: pd.DataFrame, threshold: float, should: int) -> tuple[float, float, int]:
    linked = best[best["score"] >= threshold]
    right = int(linked["right"].sum())
    return right / max(1, len(linked)), right / max(1, should), len(linked)


def should_counts(path: Path) -> dict[int, int]:
    return {int(k): v for k, v in json.loads(path.with_suffix(".should.json").read_text()).items()}


def fit(path: Path, seeds: list[int]) -> dict[str, Any]:
    """Logistic model over :data:`petition_nlp.grouping.answered.FEATURES` on the candidates of ``seeds``,
    and its threshold by the fixed rule (lowest reaching TARGET_PRECISION, pooled over ``seeds``)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    data = pd.read_csv(path)
    data = data[data["seed"].isin(seeds) & (data["veto"] == 0)]  # a vetoed candidate is never linked
    X = data[list(am.FEATURES)].to_numpy(dtype=float)
    scaler = StandardScaler().fit(X)
    lr = LogisticRegression(C=1.0, max_iter=1000).fit(scaler.transform(X), data["right"].to_numpy())
    coef = lr.coef_[0] / scaler.scale_
    intercept = float(lr.intercept_[0] - (coef * scaler.mean_).sum())
    model = {"intercept": round(intercept, 4), "coef": {f: round(float(c), 4) for f, c in zip(am.FEATURES, coef)}}
    should = sum(v for k, v in should_counts(path).items() if k in seeds)
    best = pick(data, am.link_probability(data, model))
    chosen = None
    for t in np.round(np.arange(0.05, 0.951, 0.01), 2):
        precision, recall, n = pr(best, t, should)
        if precision >= TARGET_PRECISION:
            chosen = (float(t), precision, recall, n)
            break
    return {"model": model, "threshold": chosen}


def score(path: Path, model: dict[str, Any] | None = None, threshold: float | None = None) -> None:
    """Per seed and pooled: the old pair rule and the shipped (or given) logistic rule."""
    data = pd.read_csv(path)
    counts = should_counts(path)
    threshold = am.LINK_THRESHOLD if threshold is None else threshold
    old = pick(data, data["max_sim"].to_numpy(), allowed=(data["veto"] == 0).to_numpy())
    new = pick(data, am.link_probability(data, model), allowed=(data["veto"] == 0).to_numpy())
    for seed in sorted(counts):
        p0, r0, n0 = pr(old[old["seed"] == seed], OLD_THRESHOLD, counts[seed])
        p1, r1, n1 = pr(new[new["seed"] == seed], threshold, counts[seed])
        print(f"seed {seed}: old rule P {p0:.3f} R {r0:.3f} ({n0} links) | logistic >= {threshold} P {p1:.3f} R {r1:.3f} ({n1} links)")
    total = sum(counts.values())
    p0, r0, n0 = pr(old, OLD_THRESHOLD, total)
    p1, r1, n1 = pr(new, threshold, total)
    print(f"pooled ({total} rows to link): old rule P {p0:.3f} R {r0:.3f} ({n0}) | logistic P {p1:.3f} R {r1:.3f} ({n1})")
    ceiling = int(data[data["veto"] == 0].groupby(["seed", "petition"])["right"].max().sum())
    print(f"rows with a right candidate at all (the grouping of A and the topics allow): {ceiling / total:.3f}")
    for t in (0.3, 0.5, 0.6, 0.7, 0.8, threshold, 0.9, 0.95):
        precision, recall, n = pr(new, t, total)
        print(f"  logistic >= {t:.2f}: P {precision:.3f} R {recall:.3f} ({n} links)")


def seed_list(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0-5", help="Seeds to simulate, '0-5' or '1,4,7'.")
    parser.add_argument("--a-issues", type=int, default=100)
    parser.add_argument("--unknown", type=float, default=0.15, help="Share of catalogue issues the refitted matcher never sees.")
    parser.add_argument("--cross-writer", action="store_true",
                        help="Survey B from the development writer's paraphrases (data/dev/catalogue_third_writer.csv), A from the catalogue's writers'.")
    parser.add_argument("--strangers", action="store_true",
                        help="Both surveys from the development writer's paraphrases, the matcher from the catalogue's writers' "
                             "(no survey text is wording the catalogue or concepts.tsv was written from).")
    parser.add_argument("--blind", action="store_true",
                        help="Instead of simulating: last year's blind survey and this year's survey of data/dev/ (BLIND_PAIRS), "
                             "seed k = the k-th pair.")
    parser.add_argument("--features", type=Path, help="Write the candidates' features here (CSV).")
    parser.add_argument("--fit", type=Path, help="Fit the logistic model on these saved features.")
    parser.add_argument("--fit-seeds", default="0-5")
    parser.add_argument("--score", type=Path, help="Compare the rules on these saved features.")
    args = parser.parse_args()
    if args.fit:
        print(json.dumps(fit(args.fit, seed_list(args.fit_seeds)), ensure_ascii=False))
        return 0
    if args.score:
        score(args.score)
        return 0
    from petition_nlp.model.modelstore import load_model

    model = load_model()
    rows, frames, should = [], [], {}
    pairs = blind_pairs() if args.blind else None
    for seed in range(len(pairs)) if pairs is not None else seed_list(args.seeds):
        if pairs is not None:
            metrics, features = run_pair(seed, *pairs[seed], model)
        else:
            metrics, features = run_seed(
                seed, model, a_issues=args.a_issues, unknown=args.unknown, cross_writer=args.cross_writer, strangers=args.strangers
            )
        should[seed] = metrics.pop("_should_total")
        rows.append(metrics)
        frames.append(features)
        print(json.dumps(metrics), flush=True)
    right, links, total = sum(r["right"] for r in rows), sum(r["links"] for r in rows), sum(r["should"] for r in rows)
    print(f"pooled over {len(rows)} seeds, stored links: precision {right / max(1, links):.3f} recall {right / max(1, total):.3f} "
          f"({right} right of {links} links, {total} rows to link)")
    if args.features:
        pd.concat(frames, ignore_index=True).to_csv(args.features, index=False)
        args.features.with_suffix(".should.json").write_text(json.dumps(should))
    return 0


if __name__ == "__main__":
    sys.exit(main())
