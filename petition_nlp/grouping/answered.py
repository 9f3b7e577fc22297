"""Which answered issue of an earlier survey a new petition raises ("already answered").

A new petition meets every answered group of an earlier survey, so a similarity threshold chosen
on pairs links too many petitions whose issue nobody answered: some member of some group is
always close enough. The decision here looks at the petition against *all* answered groups of its
topic at once. For each (petition, answered group) candidate, :func:`candidate_features` computes

* ``max_sim``: cosine similarity (the grouping vectors) with the group's closest member;
* ``top_sim``: mean cosine with its :data:`TOP_MEMBERS` closest members (whatever the group's size:
  a large group of one issue worded many ways is not penalised for its spread);
* ``centroid_sim``: with the group's centroid (the mean of its members' vectors);
* ``gap``: ``max_sim`` minus the best ``max_sim`` among the petition's *other* candidate groups
  (how clearly this group wins);
* ``agreement``: probability, under the issue catalogue, that the petition and the group raise the
  same catalogue issue (dot product of the petition's issue distribution and the mean of the
  members'); ``same_issue``: 1 when the catalogue matches both to the same issue.

:func:`link_probability` turns them into the probability that the two raise the same issue (a
logistic model whose coefficients are the constants of :data:`LINK_MODEL`, fitted on the
survey-level development simulation ``benchmarks/answered_dev.py``; no pickle), and
:func:`choose_links` links each petition to its most probable group when that probability reaches
the threshold. A candidate the catalogue matches to two different issues (``veto``: neighbouring
issues it knows apart) is never linked. Library level: no store, no web.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "FEATURES", "LINK_MODEL", "LINK_THRESHOLD", "PROB_TEMPERATURE", "MIN_CANDIDATE_SIM", "TOP_MEMBERS", "candidate_features",
    "link_probability", "choose_links", "match_answered",
]

PROB_TEMPERATURE = 0.2
"""Softmax temperature over the issue matcher's decision scores for the issue distributions."""

MIN_CANDIDATE_SIM = 0.15
"""A group is a candidate for a petition only when the closest member's cosine reaches this."""

FEATURES = ("max_sim", "top_sim", "centroid_sim", "gap", "agreement", "same_issue")
"""The model's inputs. Chosen on the simulation by cross-validation over seeds (4 folds of 5, the
threshold rule applied inside each fold) among sets that also held the mean cosine with all
members, the share of close members, the group's coherence and size, and how sure the catalogue is
of each side: none did better, and those depend on the group's size, which the simulation cannot
represent as real surveys have it (its large groups are mostly merges of several issues)."""

TOP_MEMBERS = 3
"""``top_sim``: mean cosine with the group's TOP_MEMBERS closest members (all, in a smaller group)."""

LINK_MODEL: dict[str, Any] = {
    "intercept": -5.0562,
    "coef": {"max_sim": -2.4533, "top_sim": -0.0525, "centroid_sim": 11.6071, "gap": -0.1381, "agreement": 1.4634, "same_issue": 1.7707},
}
"""Logistic model over :data:`FEATURES`: ``P(same issue) = sigmoid(intercept + Σ coef·feature)``.
Fitted (scikit-learn, C = 1, features standardised, then folded back into these raw-scale
coefficients) on every candidate not vetoed of seeds 0–19 of ``python benchmarks/answered_dev.py``
(label: the group's dominant issue is the petition's); ``--fit`` prints them. Refitted when the issue
matcher learnt seventeen writers' paraphrases (its agreement is worth more since). The features
overlap (``agreement`` / ``same_issue``; the three cosines), so single signs mean little: the
centroid carries most of the weight."""

LINK_THRESHOLD = 0.30
"""Probability from which a petition is linked to its most probable answered group. Chosen (sixth
session) on surveys written the way a federation's are: ``python benchmarks/answered_dev.py
--blind`` (last year's blind survey, written without the catalogue, and this year's, written by
another writer from last year's issue titles alone, with near misses). Rule: the lowest threshold
(step 0.05) whose pooled precision on pairs 0-1 reaches 0.85 (0.862 there, recall 0.689; the level
0.85 was set after seeing that curve), then checked on pairs 2-3, written afterwards: precision / recall 0.884 / 0.709 (at the former 0.79:
0.943 / 0.46). On those surveys precision stays between 0.86 and 0.94 at every threshold — its
errors are near misses the catalogue does not know, linked with high probability — while recall
falls from 0.71 to 0.46, so the former rule (0.95 precision on the catalogue simulation, which
reads 0.807 / 0.563 at 0.30 on its seeds 20-29, its B half made of the catalogue's own near
misses) cost recall on the surveys that matter for little precision."""


def _issue_distribution(texts: Sequence[str]) -> tuple[np.ndarray | None, np.ndarray]:
    """Softmax (``PROB_TEMPERATURE``) of the catalogue matcher's scores for each text, and the
    issue each text matches (``""``: none); ``(None, all "")`` without a catalogue."""
    from petition_nlp.grouping import catalogue

    matcher = catalogue.default_matcher()
    if matcher is None or not len(texts):
        return None, np.full(len(texts), "", dtype=object)
    scores = matcher.decision_function(list(texts))
    matched = matcher.match_scores(scores)
    weights = np.exp((scores - scores.max(axis=1, keepdims=True)) / PROB_TEMPERATURE)
    return weights / weights.sum(axis=1, keepdims=True), matched


def _majority(values: Sequence[str]) -> str:
    """The value more than half of ``values`` hold (``""`` when none does or it is ``""``)."""
    if not len(values):
        return ""
    counts = pd.Series(list(values)).value_counts()
    top = str(counts.index[0])
    return top if counts.iloc[0] * 2 > len(values) else ""


def _word_features(new: sp.csr_matrix, old: sp.csr_matrix, owner: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """``max_sim``, ``top_sim`` and ``centroid_sim`` (petitions × groups) from the grouping
    vectors of the new texts and of the members (``owner[j]``: the group of member ``j``)."""
    member_sims = (new @ old.T).toarray()
    shape = (new.shape[0], n_groups)
    out = {"max_sim": np.full(shape, -1.0), "top_sim": np.zeros(shape)}
    for k in range(n_groups):
        block = member_sims[:, owner == k]
        out["max_sim"][:, k] = block.max(axis=1)
        out["top_sim"][:, k] = -np.sort(-block, axis=1)[:, :TOP_MEMBERS].mean(axis=1)
    centroids = _membership(owner, n_groups) @ old
    norms = np.sqrt(np.asarray(centroids.multiply(centroids).sum(axis=1)).ravel())
    out["centroid_sim"] = (new @ centroids.T).toarray() / np.where(norms > 0, norms, 1.0)
    return out


def _catalogue_features(texts: list[str], old_texts: list[str], owner: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """``agreement`` (petitions × groups), each petition's matched issue ``matched`` and each
    group's ``group_issue`` (the issue more than half of its members match, else ``""``)."""
    probs, matched = _issue_distribution(texts + old_texts)
    new_matched, old_matched = matched[: len(texts)], matched[len(texts):]
    group_issue = np.array([_majority(old_matched[owner == k]) for k in range(n_groups)], dtype=object)
    if probs is None:
        return {"agreement": np.zeros((len(texts), n_groups)), "matched": new_matched, "group_issue": group_issue}
    group_p = (_membership(owner, n_groups) @ probs[len(texts):]) / np.bincount(owner, minlength=n_groups)[:, None]
    return {"agreement": probs[: len(texts)] @ group_p.T, "matched": new_matched, "group_issue": group_issue}


def _membership(owner: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """Groups × members 0/1 matrix (``owner[j]``: the group of member ``j``)."""
    return sp.csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))), shape=(n_groups, len(owner)))


def candidate_features(
    texts: Sequence[str],
    categories: Sequence[str],
    groups: Sequence[tuple[Sequence[str], str]],
    *,
    usable: Sequence[bool] | None = None,
) -> pd.DataFrame:
    """One row per (petition, answered group) candidate: ``petition`` (index into ``texts``),
    ``group`` (index into ``groups``), :data:`FEATURES` and ``veto`` (1: the catalogue matches the
    two to different issues).

    ``texts`` / ``categories``: the new petitions and their topics; ``groups``: ``(member
    texts, topic)`` of each answered group. A candidate is a group of the petition's topic whose
    closest member reaches :data:`MIN_CANDIDATE_SIM`; unusable petitions have none."""
    from petition_nlp.grouping.shortlist import grouping_signals

    columns = ["petition", "group", *FEATURES, "veto"]
    usable_mask = np.ones(len(texts), dtype=bool) if usable is None else np.asarray(usable, dtype=bool)
    kept = [k for k, (members, _) in enumerate(groups) if len(members)]  # a group without members is no candidate
    groups = [(list(groups[k][0]), groups[k][1]) for k in kept]
    if not len(texts) or not groups or not usable_mask.any():
        return pd.DataFrame(columns=columns)
    texts = [str(t) for t in texts]
    old_texts = [t for members, _ in groups for t in members]
    owner = np.array([k for k, (members, _) in enumerate(groups) for _ in members])
    # one vocabulary for both sides: vectors fitted on the new and the old texts together
    vectors, _ = grouping_signals(texts + old_texts, list(usable_mask) + [True] * len(old_texts))
    words = _word_features(vectors[: len(texts)], vectors[len(texts):], owner, len(groups))
    cat = _catalogue_features(texts, old_texts, owner, len(groups))
    topics = np.asarray([str(c) for c in categories], dtype=object)[:, None] == np.asarray([str(c) for _, c in groups], dtype=object)
    eligible = topics & usable_mask[:, None] & (words["max_sim"] >= MIN_CANDIDATE_SIM)
    rows = []
    for i in np.flatnonzero(eligible.any(axis=1)):
        ks = np.flatnonzero(eligible[i])
        sims = words["max_sim"][i, ks]
        first = int(np.argmax(sims))
        runner_up = np.max(np.delete(sims, first)) if len(ks) > 1 else 0.0
        issue = cat["matched"][i]
        for pos, k in enumerate(ks):
            rival = runner_up if pos == first else sims[first]  # the best of the other candidates
            group_issue = cat["group_issue"][k]
            rows.append((
                int(i), kept[k], sims[pos], words["top_sim"][i, k], words["centroid_sim"][i, k], sims[pos] - rival,
                cat["agreement"][i, k], float(bool(issue) and issue == group_issue),
                float(bool(issue) and bool(group_issue) and issue != group_issue),
            ))
    return pd.DataFrame(rows, columns=columns)


def link_probability(features: pd.DataFrame, model: dict[str, Any] | None = None) -> np.ndarray:
    """Probability that each candidate's petition and group raise the same issue (:data:`LINK_MODEL`)."""
    model = model or LINK_MODEL
    z = np.full(len(features), float(model["intercept"]))
    for name, weight in model["coef"].items():
        z += float(weight) * features[name].to_numpy(dtype=float)
    return 1.0 / (1.0 + np.exp(-z))


def choose_links(
    features: pd.DataFrame, *, threshold: float = LINK_THRESHOLD, model: dict[str, Any] | None = None
) -> list[tuple[int, int, float]]:
    """``(petition, group, probability)``: each petition's most probable candidate group not
    vetoed by the catalogue, when that probability reaches ``threshold``."""
    if "veto" in features:
        features = features[features["veto"] == 0]
    if features.empty:
        return []
    scored = features[["petition", "group"]].copy()
    scored["p"] = link_probability(features, model)
    best = scored.sort_values(["petition", "p", "group"], ascending=[True, False, True], kind="stable").drop_duplicates("petition")
    best = best[best["p"] >= threshold]
    return [(int(i), int(k), float(p)) for i, k, p in best.itertuples(index=False)]


def match_answered(
    texts: Sequence[str],
    categories: Sequence[str],
    groups: Sequence[tuple[Sequence[str], str]],
    *,
    usable: Sequence[bool] | None = None,
    threshold: float = LINK_THRESHOLD,
    exclude: Collection[tuple[int, int]] = (),
) -> list[tuple[int, int, float]]:
    """:func:`candidate_features` then :func:`choose_links`: ``(petition index, group index,
    probability)`` for each petition linked to an answered group.

    ``exclude``: ``(petition index, group index)`` pairs never linked (an officer said the petition
    does not raise that group's issue); the petition may still be linked to another group. The
    other candidates keep the features of the full pass (``gap`` still measures them against the
    excluded group), so a petition whose excluded group was far ahead is rarely linked elsewhere."""
    features = candidate_features(texts, categories, groups, usable=usable)
    if exclude and len(features):
        excluded = set(exclude)
        features = features[[(int(i), int(k)) not in excluded for i, k in zip(features["petition"], features["group"])]]
    return choose_links(features, threshold=threshold)
