"""Measuring a shortlist against known underlying issues (an ``issue_id`` column).

Used by ``benchmarks/shortlist_eval.py`` and the tests; compares our selection with two
baselines under the same seats per category: random picks, and k-means medoids on the same
feature vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from petition_nlp.grouping.shortlist import petition_vectors
from petition_nlp.model.features import preprocess

__all__ = ["shortlist_scores", "oracle_coverage", "largest_group_share", "random_baseline", "kmeans_baseline", "compare_with_baselines"]


def _coverage(frame: pd.DataFrame, picked_issues: set[str]) -> float:
    return float(frame["issue_id"].isin(picked_issues).mean())


def oracle_coverage(frame: pd.DataFrame, seats: dict[str, int], *, category_column: str = "category") -> float:
    """Best possible coverage: the ``seats[c]`` largest issues of each category ``c``."""
    picked: set[str] = set()
    for code, k in seats.items():
        sizes = frame.loc[frame[category_column] == code, "issue_id"].value_counts()
        sizes = sizes[~sizes.index.isin(picked)]
        picked |= set(sizes.index[:k])
    return _coverage(frame, picked)


def shortlist_scores(frame: pd.DataFrame, picked_rows: list[Any], seats: dict[str, int], *, category_column: str = "category") -> dict[str, float]:
    """Distinct issues, coverage and coverage relative to the oracle for a set of picked rows."""
    issues = frame.loc[picked_rows, "issue_id"]
    coverage = _coverage(frame, set(issues))
    best = oracle_coverage(frame, seats, category_column=category_column)
    return {
        "picked": len(picked_rows),
        "distinct_issues": int(issues.nunique()),
        "coverage": round(coverage, 4),
        "oracle_coverage": round(best, 4),
        "coverage_vs_oracle": round(coverage / best, 4) if best else 0.0,
    }


def random_baseline(frame: pd.DataFrame, seats: dict[str, int], *, seeds: int = 50, category_column: str = "category") -> dict[str, float]:
    """Mean scores of random picks within the same seats per category."""
    rows = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        picked: list[Any] = []
        for code, k in seats.items():
            pool = frame.index[frame[category_column] == code].to_numpy()
            picked += list(rng.choice(pool, size=min(k, len(pool)), replace=False))
        rows.append(shortlist_scores(frame, picked, seats, category_column=category_column))
    return {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0]}


def kmeans_baseline(frame: pd.DataFrame, seats: dict[str, int], *, text_column: str, category_column: str = "category") -> dict[str, float]:
    """k-means (k = seats) per category on the grouping vectors; picks the medoid of each cluster."""
    from sklearn.cluster import KMeans

    views = preprocess(frame[text_column].astype(str).tolist())
    vectors = petition_vectors(views)
    picked: list[Any] = []
    positions = {idx: i for i, idx in enumerate(frame.index)}
    for code, k in seats.items():
        members = frame.index[frame[category_column] == code].tolist()
        if not members:
            continue
        X = vectors[[positions[m] for m in members]]
        k = min(k, len(members))
        km = KMeans(n_clusters=k, n_init=10, random_state=0).fit(X)
        for c in range(k):
            inside = np.flatnonzero(km.labels_ == c)
            if len(inside) == 0:
                continue
            diff = X[inside].toarray() - km.cluster_centers_[c]
            dist = (diff**2).sum(axis=1)
            picked.append(members[inside[int(dist.argmin())]])
    return shortlist_scores(frame, picked, seats, category_column=category_column)


def largest_group_share(issues: pd.Series, group_ids: pd.Series, *, min_size: int = 12) -> float:
    """For the issues raised at least ``min_size`` times: the share of each issue's petitions that
    its largest group holds, averaged (1.0: every big issue is one group; the support count an
    officer reads out is then the whole issue's)."""
    data = pd.DataFrame({"issue": issues.to_numpy(), "group": group_ids.to_numpy()})
    sizes = data["issue"].value_counts()
    shares = []
    for issue in sizes.index[sizes >= min_size]:
        members = data.loc[data["issue"] == issue, "group"]
        shares.append(members[members != ""].value_counts().max() / len(members) if (members != "").any() else 0.0)
    return round(float(np.mean(shares)), 4) if shares else float("nan")


def compare_with_baselines(
    frame: pd.DataFrame, groups: pd.DataFrame, chosen: pd.DataFrame, *, text_column: str, id_column: str = "id"
) -> pd.DataFrame:
    """One row per method (ours, random, k-means medoids) with the scores above, plus the ARI
    of our grouping against ``issue_id``. ``frame`` holds ``issue_id``; ``groups`` is the
    output of :func:`~petition_nlp.grouping.shortlist.assign_groups`, ``chosen`` the shortlist."""
    data = frame.copy()
    data["category"] = groups["category"].to_numpy()
    seats = chosen["category"].value_counts().to_dict()
    picked = data.index[data[id_column].isin(chosen[id_column])].tolist()
    ours = shortlist_scores(data, picked, seats)
    ours["ari_grouping"] = round(adjusted_rand_score(data["issue_id"], groups["group_id"]), 4)
    ours["groups"] = int(groups.loc[groups["group_id"] != "", "group_id"].nunique())
    ours["big_issue_largest_share"] = largest_group_share(data["issue_id"], groups["group_id"])
    rand = random_baseline(data, seats)
    km = kmeans_baseline(data, seats, text_column=text_column)
    table = pd.DataFrame([{"method": "petition-nlp shortlist", **ours}, {"method": "random within quotas", **rand}, {"method": "k-means medoids", **km}])
    return table
