"""Shortlist representative questions for a dialogue session.

1. Classify the petitions (unless a category column is given).
2. Group petitions that raise the same issue (near-duplicates and paraphrases): average-
   linkage clustering on cosine distance between TF-IDF vectors (content words without
   stop words, plus diacritic-free character n-grams), within each category.
3. Share the seats among categories (proportional by largest remainder, equal, or a quota).
4. In each category take the largest groups first; a group is represented by its clearest,
   most complete phrasing (central, long enough, typed with diacritics), kept verbatim.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize

from petition_nlp.files.io import InputError, _find_named, detect_text_column, detect_unit_column
from petition_nlp.files.units import distinct_units
from petition_nlp.files.validation import STATUS_OK, as_text, row_status
from petition_nlp.grouping.catalogue import issue_titles
from petition_nlp.grouping.concepts import concept_tokens
from petition_nlp.model.features import preprocess
from petition_nlp.resources import category_name, code_for_name, load_stopwords

__all__ = [
    "shortlist",
    "assign_groups",
    "select_questions",
    "row_labels",
    "clarity",
    "group_and_select",
    "allocate_seats",
    "parse_quota",
    "petition_vectors",
    "DEFAULT_GROUP_THRESHOLD",
]

DEFAULT_GROUP_THRESHOLD = 0.875
"""Cosine distance below which (average linkage) petitions are taken to raise the same issue.
0.85 -> 0.875 on the blind development surveys (``benchmarks/shortlist_dev.py --only blind``; writers
who chose their own issues without seeing the catalogue cut them coarser than its near-miss grain):
chosen among 0.8-0.95 on B1/B2 and the sample survey, then confirmed on B3/B4, written afterwards
(mean ARI 0.725 -> 0.746, largest-group share 0.772 -> 0.845, repeats at n = 15/30/50 9 -> 2)."""
NEAR_DUPLICATE_SIMILARITY = 0.6
ID_COLUMN_NAMES = ("id", "stt", "so tt", "ma kien nghi", "ma so")
CATEGORY_COLUMN_NAMES = ("category", "ma chu de")
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def parse_quota(spec: str) -> str | dict[str, int]:
    """``"proportional"``, ``"equal"`` or ``"housing=4,security=2"`` -> quota value; a topic may be
    named as officers write it ("Nhà ở=4,BHXH=3": :func:`petition_nlp.resources.code_for_name`)."""
    spec = (spec or "proportional").strip()
    if spec in ("proportional", "equal"):
        return spec
    quota: dict[str, int] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        code, sep, number = part.partition("=")
        if not sep or not number.strip().isdigit():
            raise InputError(f"bad quota '{part.strip()}': use proportional, equal or code=N,code=N")
        quota[code_for_name(code) or code.strip()] = int(number)  # "Nhà ở=4", "BHXH=3" name their codes
    return quota


def parse_codes(spec: str, known: Iterable[str] = ()) -> list[str]:
    """Comma-separated topics (``--exclude``, the workspace's "leave out" field) as codes; a
    topic may be named as officers write it ("Khác", "BHXH"); an unknown name is kept as written
    for the caller to refuse."""
    return [code_for_name(part, known) or part.strip() for part in (spec or "").split(",") if part.strip()]


def allocate_seats(counts: dict[str, int], n: int, *, quota: str | dict[str, int] = "proportional") -> dict[str, int]:
    """Seats per category.

    ``proportional``: largest remainder on the petition counts, at least one seat for every
    category present when ``n`` allows; ``equal``: as even as possible (larger categories
    get the leftover seats); a dict: exactly those numbers.
    """
    present = {c: k for c, k in counts.items() if k > 0}
    order = sorted(present, key=lambda c: (-present[c], c))
    if isinstance(quota, dict):
        return {c: int(quota.get(c, 0)) for c in order if quota.get(c, 0) > 0}
    if not order or n <= 0:
        return {}
    if quota == "equal":
        base, extra = divmod(n, len(order))
        return {c: base + (1 if i < extra else 0) for i, c in enumerate(order) if base + (i < extra) > 0}
    seats = {c: 0 for c in order}
    remaining = n
    if n >= len(order):
        for c in order:
            seats[c] = 1
        remaining -= len(order)
    total = sum(present.values())
    shares = {c: present[c] / total * n for c in order}
    wanted = {c: max(0.0, shares[c] - seats[c]) for c in order}
    scale = remaining / sum(wanted.values()) if sum(wanted.values()) > 0 else 0
    exact = {c: wanted[c] * scale for c in order}
    for c in order:
        whole = int(math.floor(exact[c]))
        seats[c] += whole
        remaining -= whole
    for c in sorted(order, key=lambda c: (-(exact[c] - math.floor(exact[c])), -present[c], c))[:remaining]:
        seats[c] += 1
    return {c: s for c, s in seats.items() if s > 0}


CHAR_WEIGHT = 0.8
"""Weight of the diacritic-free character n-grams against the content words."""
CONCEPT_WORDS = 2
"""Each concept a petition expresses (``concepts.tsv``) counts as this many extra content words."""
CONCEPT_WEIGHT = 0.3
"""Weight of the separate concept block (the concepts alone) against the content words.
These three were chosen on the sample survey's known issues, not on the evaluation survey."""


def petition_vectors(views: pd.DataFrame, *, issues: Sequence[str] | None = None) -> sp.csr_matrix:
    """L2-normalised vectors for grouping: TF-IDF of the content words plus the domain concepts
    each petition expresses (``concepts.tsv``), of diacritic-free char n-grams, and of the
    concepts alone, so that paraphrases in different words (``nợ đóng BHXH`` / ``không chốt
    được sổ``) still meet. ``views`` holds the ``seg`` and ``plain`` views of :func:`preprocess`.
    ``issues``: a weight per catalogue issue for each petition (:func:`catalogue_signals`), or
    the issue each matches (``""`` for none) as a one-hot block; either of weight ISSUE_WEIGHT."""
    from petition_nlp.text.normalize import strip_diacritics

    stop = load_stopwords()
    concepts = [concept_tokens(p) for p in views["plain"]]
    plain_word = lru_cache(maxsize=None)(strip_diacritics)  # words repeat: strip each once

    def words_and_concepts(i: int) -> list[str]:
        words = [plain_word(w) for w in views["seg"].iat[i].split()]
        words = [w for w in words if w not in stop and not w.isdigit()]
        return words + [f"@{c}" for c in concepts[i]] * CONCEPT_WORDS

    rows = list(range(len(views)))
    parts = (
        (TfidfVectorizer(analyzer=words_and_concepts, sublinear_tf=True), rows, 1.0),
        (TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2), views["plain"], CHAR_WEIGHT),
        (TfidfVectorizer(analyzer=lambda i: concepts[i], sublinear_tf=True), rows, CONCEPT_WEIGHT),
    )
    issue_block = None
    if issues is not None and np.ndim(issues) == 2:  # soft: per-issue weights
        issue_block = l2_normalize(sp.csr_matrix(np.asarray(issues, dtype=float))) * ISSUE_WEIGHT
    elif issues is not None:  # one "word" per matched issue; binary, so the block is one-hot
        parts += ((TfidfVectorizer(analyzer=lambda i: [issues[i]] if issues[i] else [], use_idf=False), rows, ISSUE_WEIGHT),)
    blocks = []
    for vec, data, weight in parts:
        if weight <= 0:
            continue
        try:
            blocks.append(vec.fit_transform(data) * weight)
        except ValueError:  # empty vocabulary (tiny or empty input)
            blocks.append(sp.csr_matrix((len(views), 0)))
    if issue_block is not None:
        blocks.append(issue_block)
    return l2_normalize(sp.hstack(blocks).tocsr())


DENSE_CLUSTER_LIMIT = 3000
"""Largest block clustered exactly (a dense n × n distance matrix); larger categories are first
partitioned by k-means on a reduced representation, then each part is clustered exactly."""


def _cluster(vectors: sp.csr_matrix, threshold: float) -> np.ndarray:
    """Average-linkage clustering on cosine distance, cut at ``threshold`` (large inputs: within
    k-means parts of at most DENSE_CLUSTER_LIMIT rows where k-means can split them)."""
    n = vectors.shape[0]
    if n == 1:
        return np.zeros(1, dtype=int)
    parts = _partitions(vectors) if n > DENSE_CLUSTER_LIMIT else None
    if parts is None:
        return _dense_cluster(vectors, threshold)
    labels = np.empty(n, dtype=int)
    offset = 0
    for part in np.unique(parts):
        rows = np.flatnonzero(parts == part)
        local = _dense_cluster(vectors[rows], threshold)
        labels[rows] = local + offset
        offset += int(local.max()) + 1
    return labels


def _dense_cluster(vectors: sp.csr_matrix, threshold: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    if vectors.shape[0] == 1:
        return np.zeros(1, dtype=int)
    sim = (vectors @ vectors.T).toarray()
    distance = np.clip(1.0 - sim, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    model = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average", distance_threshold=threshold)
    return model.fit_predict(distance)


def _partitions(vectors: sp.csr_matrix) -> np.ndarray | None:
    """k-means parts of about DENSE_CLUSTER_LIMIT / 2 rows (``None`` if it cannot split them).

    One reduced representation (TruncatedSVD) for the whole block; a part still larger than
    DENSE_CLUSTER_LIMIT is split again by k-means in that same space (not by a new SVD)."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD

    n = vectors.shape[0]
    if vectors.shape[1] < 3:
        return None
    reduced = l2_normalize(TruncatedSVD(n_components=min(100, vectors.shape[1] - 1), random_state=0).fit_transform(vectors))
    parts = np.zeros(n, dtype=int)
    count = 0
    todo = [np.arange(n)]
    while todo:
        rows = todo.pop(0)
        split = None
        if len(rows) > DENSE_CLUSTER_LIMIT:
            split = MiniBatchKMeans(
                n_clusters=-(-len(rows) // (DENSE_CLUSTER_LIMIT // 2)), random_state=0, n_init=3, batch_size=2048
            ).fit_predict(reduced[rows])
        if split is None or len(np.unique(split)) < 2:
            parts[rows] = count
            count += 1
            continue
        todo.extend(rows[split == k] for k in np.unique(split))
    return parts if count > 1 else None


def _frame(data: pd.DataFrame | Iterable[Any], text_column: str | None) -> tuple[pd.DataFrame, str]:
    if isinstance(data, pd.DataFrame):
        frame = data.copy()
        column = text_column or detect_text_column(frame)
        if column not in frame.columns:
            raise InputError(f"no column '{column}' (columns: {', '.join(map(str, frame.columns))})")
        return frame, column
    return pd.DataFrame({"text": [as_text(t) for t in data]}), "text"


def assign_groups(
    data: pd.DataFrame | Iterable[Any],
    *,
    text_column: str | None = None,
    category_column: str | None = None,
    model: Any = None,
    threshold: float = DEFAULT_GROUP_THRESHOLD,
) -> pd.DataFrame:
    """Every input row, in order, with ``category`` (classified unless given), ``category_name``
    and ``group_id`` (petitions raising the same issue share it; ``""`` for unusable rows).

    Args:
        data: DataFrame or texts.
        text_column: petition column (detected when ``None``).
        category_column: existing code column to use instead of classifying (detected by
            name ``category`` / ``Mã chủ đề`` when ``None``).
        model: a loaded :class:`~petition_nlp.PetitionClassifier` (default model if needed).
        threshold: clustering distance threshold (lower: smaller, tighter groups).
    """
    return _assign(data, text_column=text_column, category_column=category_column, model=model, threshold=threshold)[0]


def _assign(
    data: pd.DataFrame | Iterable[Any],
    *,
    text_column: str | None = None,
    category_column: str | None = None,
    model: Any = None,
    threshold: float = DEFAULT_GROUP_THRESHOLD,
) -> tuple[pd.DataFrame, sp.csr_matrix]:
    """:func:`assign_groups` plus the grouping vectors, one row per input row (zeros if unusable)."""
    frame, column = _frame(data, text_column)
    given = category_column or _find_named(list(frame.columns), CATEGORY_COLUMN_NAMES)
    classified = given is not None and "status" in frame.columns  # our own classify output: trust it
    if classified or (given is not None and frame[given].astype(str).str.strip().ne("").all()):
        out = frame
        out["category"] = frame[given].map(as_text)
        out["category_name"] = [category_name(c) for c in out["category"]]
        if not classified:
            out["status"] = [row_status(t) for t in frame[column]]
        out.loc[(out["status"] != STATUS_OK) | (out["category"] == ""), "category"] = ""
    else:
        if model is None:
            from petition_nlp.model.modelstore import load_model

            model = load_model()
        out = model.classify(frame, text_column=column)
    texts = [as_text(t) for t in frame[column]]
    usable = np.flatnonzero(((out["status"] == STATUS_OK) & (out["category"] != "")).to_numpy())
    groups = np.full(len(out), "", dtype=object)
    vectors = sp.csr_matrix((len(out), 0))
    issues = np.full(len(out), "", dtype=object)
    if len(usable):
        views = preprocess([texts[i] for i in usable])
        matched, weights = catalogue_signals(views)
        vectors = petition_vectors(views, issues=weights)
        cats = out["category"].to_numpy()[usable]
        for code in sorted(set(cats)):
            local = np.flatnonzero(cats == code)
            labels = _merge_by_issue(_cluster(vectors[local], threshold), matched[local])
            sizes = pd.Series(labels).value_counts()
            first = {lab: i for i, lab in reversed(list(enumerate(labels)))}
            ordered = sorted(sizes.index, key=lambda lab: (-sizes[lab], first[lab]))
            names = {lab: f"{code}-{k + 1:03d}" for k, lab in enumerate(ordered)}
            for i, lab in zip(local, labels):
                groups[usable[i]] = names[lab]
            named = cluster_issues(labels, matched[local])
            issues[usable[local]] = [named[lab] for lab in labels]
        vectors = _spread_rows(vectors, usable, len(out))
    out["group_id"] = groups
    titles = issue_titles()
    out["issue"] = [titles.get(i, "") for i in issues]
    return out, vectors


ISSUE_WEIGHT = 1.5
"""Weight of the catalogue-issue block of the grouping vectors against the word blocks."""
ISSUE_TEMPERATURE = 0.2
"""Softmax temperature over the matcher's decision scores for that block (lower: closer to
one-hot on the best issue); only the ISSUE_TOP_K best issues keep a weight."""
ISSUE_TOP_K = 5
GROUP_ISSUE_SHARE = 0.5
"""A group is named after (and merged with other groups raising) the catalogue issue that more
than this share of its members match. The constants above were chosen on the sample survey's
known issues and on a survey of held-out catalogue paraphrases (never on data/eval/), with
DEFAULT_GROUP_THRESHOLD (0.75 -> 0.85 with the catalogue block)."""


def catalogue_signals(views: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """What the issue catalogue says of each petition (:func:`preprocess` views): the issue it
    matches (``""``: none, see ``IssueMatcher.min_score``) and a soft weight per catalogue issue
    (softmax of the decision scores, the ISSUE_TOP_K best kept) for the grouping vectors;
    ``None`` weights when no catalogue is bundled."""
    from petition_nlp.grouping.catalogue import default_matcher

    matcher = default_matcher()
    if matcher is None or len(views) == 0:
        return np.full(len(views), "", dtype=object), None
    scores = matcher.decision_function((), plain=views["plain"].tolist())
    matched = matcher.match_scores(scores)
    weights = np.exp((scores - scores.max(axis=1, keepdims=True)) / ISSUE_TEMPERATURE)
    if weights.shape[1] > ISSUE_TOP_K:
        cut = np.partition(weights, -ISSUE_TOP_K, axis=1)[:, -ISSUE_TOP_K][:, None]
        weights[weights < cut] = 0.0
    return matched, weights / weights.sum(axis=1, keepdims=True)


def cluster_issues(labels: np.ndarray, matched: np.ndarray) -> dict[Any, str]:
    """For each cluster label, the catalogue issue more than GROUP_ISSUE_SHARE of its members
    match (``""`` when none does); one pass over the rows, whatever the number of clusters."""
    data = pd.DataFrame({"label": labels, "issue": matched})
    size = data.groupby("label").size()
    named = dict.fromkeys(size.index, "")
    counts = data[data["issue"] != ""].groupby(["label", "issue"]).size().reset_index(name="n")
    counts = counts.sort_values(["label", "n", "issue"], ascending=[True, False, True], kind="stable")
    for label, issue, n in counts.drop_duplicates("label").itertuples(index=False):
        if n > GROUP_ISSUE_SHARE * size[label]:
            named[label] = str(issue)
    return named


def _merge_by_issue(labels: np.ndarray, matched: np.ndarray) -> np.ndarray:
    """Clusters named after the same catalogue issue become one group (one issue, one count)."""
    named = cluster_issues(labels, matched)
    owner: dict[str, Any] = {}
    target = {}
    for label in pd.unique(labels):  # the first cluster of an issue keeps its label
        issue = named[label]
        target[label] = owner.setdefault(issue, label) if issue else label
    return np.array([target[label] for label in labels])


def grouping_signals(texts: Sequence[Any], usable: Sequence[bool] | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """The grouping vectors (:func:`petition_vectors`: content words, domain concepts, catalogue
    issues, character n-grams; rows L2-normalised), one row per text, all-zero rows where
    ``usable`` is false — cosine similarity is their dot product — and the catalogue issue each
    text matches (``""``: none, or not usable)."""
    keep = np.arange(len(texts)) if usable is None else np.flatnonzero(np.asarray(usable, dtype=bool))
    issues = np.full(len(texts), "", dtype=object)
    if len(keep) == 0:
        return sp.csr_matrix((len(texts), 1)), issues
    views = preprocess([as_text(texts[i]) for i in keep])
    matched, weights = catalogue_signals(views)
    issues[keep] = matched
    vectors = petition_vectors(views, issues=weights).tocsr()
    if len(keep) == len(texts):
        return vectors, issues
    return _spread_rows(vectors, keep, len(texts)), issues


def _spread_rows(matrix: sp.csr_matrix, rows: Any, n: int) -> sp.csr_matrix:
    """``matrix`` (one row per entry of ``rows``) placed at those positions of an ``n``-row matrix."""
    place = sp.csr_matrix((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n, len(rows)))
    return (place @ matrix).tocsr()


CLARITY_WEIGHTS = (0.7, 0.18, 0.12)
"""Weights of centrality, completeness and diacritics when choosing a group's representative."""


def clarity(texts: list[str], vectors: sp.csr_matrix) -> np.ndarray:
    """How well each text represents its group: central, complete, typed with diacritics.

    Centrality is the mean cosine similarity to the *other* members (so that in a group that
    mixes a main issue with a stray petition, the stray one is not central), relative to the
    most central member."""
    n = len(texts)
    if n > 1:
        total = np.asarray(vectors.sum(axis=0)).ravel()
        own = np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel()
        centrality = (np.asarray(vectors @ total).ravel() - own) / (n - 1)
        centrality = centrality / (centrality.max() if centrality.max() > 0 else 1.0)
    else:
        centrality = np.ones(1)
    w_central, w_complete, w_diacritics = CLARITY_WEIGHTS
    scores = []
    for text, central in zip(texts, centrality):
        words = len(text.split())
        completeness = min(words, 35) / 35 if words >= 8 else words / 20
        letters = _LETTERS.findall(text)
        accented = sum(1 for ch in letters if not ch.isascii()) / max(1, len(letters))
        diacritics = min(1.0, accented / 0.15)
        overlong = max(0.0, (words - 80) / 80)
        scores.append(w_central * central + w_complete * completeness + w_diacritics * diacritics - 0.2 * min(1.0, overlong))
    return np.asarray(scores)


def row_labels(frame: pd.DataFrame, id_column: str | None = None) -> pd.Series:
    """Each row as the officer finds it in the file — how a shortlist names a group's members:
    ``id_column``, else the file's own id column (STT, Mã kiến nghị …), else ``source_row``, else the
    position; ``.item`` for a cell split into several petitions ("12.2"); ``"Sheet: "`` before it
    when the rows come from several sheets (numbers restart on every sheet)."""
    if id_column:
        ids = frame[id_column]
    else:
        found = _find_named(list(frame.columns), ID_COLUMN_NAMES, exact=True)
        if found is not None:
            ids = frame[found]
        elif "source_row" in frame.columns:  # the row as the officer sees it in the file
            ids = frame["source_row"]
        else:
            ids = pd.Series(range(1, len(frame) + 1), index=frame.index)
    ids = ids.map(as_text)
    if "item" in frame.columns:
        item = frame["item"].map(as_text)
        ids = ids.where(item == "", ids + "." + item)
    if "sheet" in frame.columns:
        ids = frame["sheet"].map(as_text) + ": " + ids
    return ids


def select_questions(
    groups: pd.DataFrame,
    n: int = 15,
    *,
    text_column: str | None = None,
    quota: str | dict[str, int] = "proportional",
    exclude: Iterable[str] = (),
    id_column: str | None = None,
    unit_column: str | None = None,
    group_similarity: float = 0.3,
    support_similarity: float | None = 0.3,
    vectors: sp.csr_matrix | None = None,
) -> pd.DataFrame:
    """Choose ``n`` questions from the output of :func:`assign_groups` (see module docstring).

    Groups are ranked by their support: how many petitions of the category have at least
    ``support_similarity`` cosine similarity with the group's centroid (``None``: by group
    size), so an issue phrased in many different ways is not outranked by a small, tight group.
    ``group_similarity``: a group whose centroid has at least this cosine similarity with a
    group already chosen in the same category is skipped (likely a fragment of the same issue).
    The defaults were chosen on the sample survey's known issues (data/raw/sample_survey_issues.csv),
    not on the evaluation survey.
    """
    frame, column = _frame(groups, text_column)
    excluded = {c.strip() for c in exclude if c.strip()}
    ids = row_labels(frame, id_column)
    unit_col = unit_column or detect_unit_column(frame)
    pool = frame[(frame["group_id"] != "") & ~frame["category"].isin(excluded)]
    if isinstance(quota, dict):
        unknown = set(quota) - set(pool["category"])
        if unknown and not (set(quota) - unknown):
            raise InputError(f"quota names no category present in the input: {', '.join(sorted(unknown))}")
    counts = pool["category"].value_counts().to_dict()
    seats = allocate_seats(counts, n, quota=quota)
    group_sizes = pool.groupby("group_id").size()
    texts = frame[column].map(as_text)
    if vectors is None or vectors.shape[0] != len(frame):  # not handed over by group_and_select
        vectors = sp.csr_matrix((len(frame), 0))
        if len(pool):
            pooled = petition_vectors(preprocess(texts[pool.index].tolist()))
            vectors = _spread_rows(pooled, [frame.index.get_loc(i) for i in pool.index], len(frame))
    row_of = {idx: frame.index.get_loc(idx) for idx in pool.index}
    member_index = {g: list(idx) for g, idx in pool.groupby("group_id").groups.items()}

    ordered_groups: dict[str, list[str]] = {}
    support_sets: dict[str, set[int]] = {}  # a group's support: the petitions near its centroid

    def support(gid: str) -> int:
        return len(support_sets.get(gid, ()))

    if not isinstance(quota, dict):  # categories without a seat may still receive spare seats
        seats = {**seats, **{c: 0 for c in sorted(counts, key=lambda c: (-counts[c], c)) if c not in seats}}
    for code in seats:
        gids = pool.loc[pool["category"] == code, "group_id"].unique().tolist()
        if support_similarity is not None:
            rows = [row_of[i] for i in pool.index[pool["category"] == code]]
            position = {r: p for p, r in enumerate(rows)}
            block = vectors[rows]
            for g in gids:
                local = [row_of[i] for i in member_index[g]]
                c = np.asarray(vectors[local].mean(axis=0)).ravel()
                c /= np.linalg.norm(c) or 1.0
                near = set(np.flatnonzero(block @ c >= support_similarity).tolist())
                near |= {position[r] for r in local}
                support_sets[g] = near
        ordered_groups[code] = sorted(gids, key=lambda g: (-support(g), -group_sizes[g], g))
    # seats a category cannot fill (too few groups) go to the categories with the next largest groups
    spare = sum(max(0, s - len(ordered_groups[c])) for c, s in seats.items())
    seats = {c: min(s, len(ordered_groups[c])) for c, s in seats.items()}
    if not isinstance(quota, dict):
        while spare > 0:
            candidates = [
                (group_sizes[ordered_groups[c][seats[c]]], c) for c in seats if seats[c] < len(ordered_groups[c])
            ]
            if not candidates:
                break
            _, best = max(candidates, key=lambda t: (t[0], -list(seats).index(t[1])))
            seats[best] += 1
            spare -= 1

    chosen: list[tuple[str, Any]] = []
    chosen_vecs: list[Any] = []

    def members_of(gid: str) -> list[Any]:
        return member_index[gid]

    def centroid(gid: str) -> np.ndarray:
        c = np.asarray(vectors[[row_of[i] for i in members_of(gid)]].mean(axis=0)).ravel()
        return c / (np.linalg.norm(c) or 1.0)

    issue_of = frame["issue"] if "issue" in frame.columns else None
    chosen_issues: set[str] = set()

    def pick_representative(gid: str) -> bool:
        """Add the group's clearest petition unless every member nearly duplicates a chosen one
        (or its catalogue issue is already on the shortlist, e.g. from another category)."""
        members = members_of(gid)
        issue = as_text(issue_of[members[0]]) if issue_of is not None else ""
        if issue and issue in chosen_issues:
            return False
        local = [row_of[i] for i in members]
        scores = clarity(texts[members].tolist(), vectors[local])
        for pick in np.argsort(-scores, kind="stable"):
            candidate = vectors[local[pick]]
            if all((candidate @ v.T).toarray()[0, 0] < NEAR_DUPLICATE_SIMILARITY for v in chosen_vecs):
                chosen.append((gid, members[pick]))
                chosen_vecs.append(candidate)
                if issue:
                    chosen_issues.add(issue)
                return True
        return False

    chosen_centroids: list[np.ndarray] = []  # of every group taken, whatever its category

    def fragment(c: np.ndarray) -> bool:
        """Most likely a fragment of an issue already on the shortlist (in any category: the
        classifier may have put an issue's petitions under two topics)."""
        return any(float(c @ other) >= group_similarity for other in chosen_centroids)

    for code, k in seats.items():
        taken = 0
        # greedy on marginal support: next, the group whose support adds the most petitions not
        # yet represented (ties: the order above); gains only shrink, so stale heap keys are
        # re-checked lazily instead of rescoring every group after each pick
        covered: set[int] = set()
        marginal = bool(support_sets)  # support_similarity=None: by group size alone
        heap = [(-support(g) if marginal else 0, r, g) for r, g in enumerate(ordered_groups[code])]
        heapq.heapify(heap)
        while taken < k and heap:
            key, r, gid = heapq.heappop(heap)
            if marginal:
                gain = len(support_sets[gid] - covered)
                if -gain != key and heap and (-gain, r) > heap[0][:2]:
                    heapq.heappush(heap, (-gain, r, gid))
                    continue
            c = centroid(gid)
            if fragment(c):
                continue
            chosen_centroids.append(c)
            if pick_representative(gid):
                taken += 1
                covered |= support_sets.get(gid, set())
    if not isinstance(quota, dict) and len(chosen) < n:
        # seats left empty because the remaining groups looked like fragments: fill them with the
        # best remaining groups of any seated category (still never the same group twice)
        # (groups that look like fragments of a chosen issue only when nothing else is left)
        taken_groups = {g for g, _ in chosen}
        rest = [g for code in seats for g in ordered_groups[code] if g not in taken_groups]  # all categories
        rest = sorted(rest, key=lambda g: (-support(g), -group_sizes[g], g))
        fragments = []
        for gid in rest:
            if len(chosen) >= n:
                break
            c = centroid(gid)
            if fragment(c):
                fragments.append(gid)
            elif pick_representative(gid):
                chosen_centroids.append(c)
        for gid in fragments:
            if len(chosen) >= n:
                break
            pick_representative(gid)
    rows = []
    for gid, idx in chosen:
        members = member_index[gid]
        row = frame.loc[idx].to_dict()
        row["represents"] = len(members)
        row["member_ids"] = ", ".join(ids[members].tolist())
        if unit_col is not None:
            units = distinct_units(as_text(cell) for cell in frame.loc[members, unit_col])
            row["unit_count"] = len(units)
            row["units"] = "; ".join(units)
        rows.append(row)
    unit_columns = ["unit_count", "units"] if unit_col is not None else []
    result = pd.DataFrame(rows, columns=list(frame.columns) + ["represents", "member_ids"] + unit_columns)
    if result.empty:
        result["rank"] = pd.Series(dtype=int)
        return result
    cat_order = {c: i for i, c in enumerate(seats)}
    result["_order"] = result["category"].map(cat_order)
    result = result.sort_values(["represents", "_order", "group_id"], ascending=[False, True, True]).drop(columns="_order")
    result.insert(0, "rank", range(1, len(result) + 1))
    front = ["rank", "category", "category_name", "issue", "represents", "unit_count", "group_id", "member_ids"]
    front = [c for c in front if c in result.columns]
    rest = [c for c in result.columns if c not in front]
    original = [c for c in frame.columns if c not in front and c in rest]
    extra = [c for c in rest if c not in original]
    return result[original + front + extra].reset_index(drop=True)


def shortlist(
    data: pd.DataFrame | Iterable[Any],
    n: int = 15,
    *,
    text_column: str | None = None,
    quota: str | dict[str, int] = "proportional",
    exclude: Iterable[str] = (),
    model: Any = None,
    threshold: float = DEFAULT_GROUP_THRESHOLD,
) -> pd.DataFrame:
    """Shortlist ``n`` representative questions.

    Args:
        data: DataFrame of petitions (original columns are kept) or a list of texts.
        n: number of questions (default 15).
        text_column: petition column (detected when ``None``).
        quota: ``"proportional"`` (default), ``"equal"``, a spec such as
            ``"housing=4,social_insurance=4"`` or a dict of seats per code.
        exclude: category codes never shortlisted (e.g. ``["other"]``).
        model: loaded classifier (default model when categories must be predicted).
        threshold: grouping distance threshold.

    Returns:
        the chosen petitions with their original columns plus ``rank``, ``category``,
        ``category_name``, ``represents``, ``group_id``, ``member_ids`` (and ``units`` when a
        unit column exists), best first.
    """
    return group_and_select(
        data, n, text_column=text_column, quota=quota, exclude=exclude, model=model, threshold=threshold
    )[1]


def group_and_select(
    data: pd.DataFrame | Iterable[Any],
    n: int = 15,
    *,
    text_column: str | None = None,
    category_column: str | None = None,
    quota: str | dict[str, int] = "proportional",
    exclude: Iterable[str] = (),
    model: Any = None,
    threshold: float = DEFAULT_GROUP_THRESHOLD,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables at once, computing the grouping vectors once: every row with its
    ``group_id`` (as :func:`assign_groups`) and the shortlist (as :func:`shortlist`)."""
    if isinstance(quota, str):
        quota = parse_quota(quota)
    frame, column = _frame(data, text_column)
    groups, vectors = _assign(
        frame, text_column=column, category_column=category_column, model=model, threshold=threshold
    )
    chosen = select_questions(groups, n, text_column=column, quota=quota, exclude=exclude, vectors=vectors)
    return groups, chosen
