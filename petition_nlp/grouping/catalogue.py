"""The issue catalogue: recurring issues federations meet every year, and a matcher that tells
which of them a petition raises.

``data/issue_catalogue.jsonl`` holds one issue per line: an ``id``, its topic ``category``, a
short Vietnamese ``title`` officers recognise, its ``concepts`` (key phrases), ``near_miss``
(neighbouring issues that must stay apart) and ``paraphrases`` written by the team in different
registers; ``data/issue_paraphrases.csv`` adds other writers' paraphrases of the same issues, so
each is known in more than one writer's words. :class:`IssueMatcher` is a linear classifier
trained on those paraphrases; the grouping (``shortlist.py``) adds its scores to the grouping
vectors so that petitions raising the same catalogue issue in different words meet, and names
each group by the issue it matches.

The matcher reads only the normalised, diacritic-free text (no word segmentation). Its fitted
state ships beside the catalogue as ``data/issue_matcher.npz``: plain arrays (loaded with
``allow_pickle=False``: nothing in it can run code), the weights as float16 in a sparse layout
(~8.6 MB), stamped with :func:`matcher_fingerprint` (the catalogue's and the paraphrase file's
content and the fit's settings). A process loads it in a few hundredths of a second instead of
refitting (1–3 s); only when the catalogue has changed since the file was built is the matcher
refitted (and kept in the cache folder). Rebuild the shipped file after editing the catalogue::

    python -m petition_nlp.grouping.catalogue      # rewrites petition_nlp/data/issue_matcher.npz

A fit rounds its weights to float16 too, so a fresh fit and the shipped file decide alike.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from petition_nlp.resources import _read

__all__ = [
    "Issue", "IssueMatcher", "load_catalogue", "default_matcher", "catalogue_fingerprint", "matcher_fingerprint",
    "build_shipped_matcher", "with_paraphrases",
]

CATALOGUE_FILE = "issue_catalogue.jsonl"
PARAPHRASES_FILE = "issue_paraphrases.csv"
"""More paraphrases of the catalogue's issues by other writers (``issue_id, text, register, writer,
batch``): read with the catalogue, so every issue is known in more than one writer's words."""
MATCHER_FILE = "issue_matcher.npz"
MATCHER_FORMAT = 2
"""Version of the saved state's layout (2: float16 weights, column-compressed)."""


@dataclass(frozen=True)
class Issue:
    """One catalogue issue."""

    id: str
    category: str
    title: str
    concepts: tuple[str, ...]
    near_miss: tuple[str, ...]
    paraphrases: tuple[str, ...]
    paraphrase_writers: tuple[str, ...] = ()
    """The writer of each paraphrase (same order as ``paraphrases``)."""


def _catalogue_text() -> str:
    try:
        return _read(CATALOGUE_FILE)
    except FileNotFoundError:
        return ""


def _paraphrases_text() -> str:
    try:
        return _read(PARAPHRASES_FILE)
    except FileNotFoundError:
        return ""


def catalogue_fingerprint() -> str:
    """sha256 of the bundled catalogue and its paraphrases file (what the matcher is fitted on)."""
    return hashlib.sha256(f"{_catalogue_text()}\0{_paraphrases_text()}".encode("utf-8")).hexdigest()


def matcher_fingerprint(matcher: IssueMatcher | None = None) -> str:
    """What a fitted matcher's state depends on: the catalogue's content, the fit's settings and
    the saved layout (``min_score`` is applied when matching, so it is not part of it)."""
    params = (matcher or IssueMatcher()).fit_params()
    text = f"{catalogue_fingerprint()}|{json.dumps(params, sort_keys=True)}|format {MATCHER_FORMAT}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def load_catalogue() -> tuple[Issue, ...]:
    """Every issue of ``data/issue_catalogue.jsonl`` (``()`` when the file is absent), with the
    paraphrases of ``data/issue_paraphrases.csv`` appended (each with its writer)."""
    issues = []
    for number, line in enumerate(_catalogue_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            issues.append(
                Issue(
                    id=str(item["id"]),
                    category=str(item["category"]),
                    title=str(item["title"]),
                    concepts=tuple(item.get("concepts", ())),
                    near_miss=tuple(item.get("near_miss", ())),
                    paraphrases=tuple(item.get("paraphrases", ())),
                    paraphrase_writers=(str(item.get("writer", "")),) * len(item.get("paraphrases", ())),
                )
            )
        except (ValueError, KeyError, TypeError) as exc:  # a broken shipped file is a bug: say where
            raise ValueError(f"{CATALOGUE_FILE} line {number}: {exc}") from None
    extra = _paraphrases_text() if issues else ""
    return _append_paraphrases(issues, extra, PARAPHRASES_FILE) if extra else tuple(issues)


def with_paraphrases(issues: Sequence[Issue], path: str | Path) -> tuple[Issue, ...]:
    """``issues`` with the paraphrases of another writer's CSV file (columns ``issue_id, text,
    writer``) appended, each with its writer: development data such as
    ``data/dev/catalogue_third_writer.csv``, which measures the matcher on wording its writers never
    used (``benchmarks/catalogue_eval.py``). Raises ``ValueError`` naming the line of a row whose
    issue is not in ``issues``."""
    with open(path, encoding="utf-8", newline="") as handle:
        return _append_paraphrases(issues, handle.read(), str(path))


def _append_paraphrases(issues: Sequence[Issue], text: str, source: str) -> tuple[Issue, ...]:
    """:func:`with_paraphrases` on the CSV ``text`` (``source`` names it in errors)."""
    import csv
    import io

    known = {i.id for i in issues}
    extra: dict[str, list[tuple[str, str]]] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        issue_id, paraphrase = (row.get("issue_id") or "").strip(), (row.get("text") or "").strip()
        if issue_id not in known:
            raise ValueError(f"{source} line {reader.line_num}: unknown issue {issue_id!r}")
        if not paraphrase:
            raise ValueError(f"{source} line {reader.line_num}: empty text")
        extra.setdefault(issue_id, []).append((paraphrase, (row.get("writer") or "").strip()))
    return tuple(
        replace(
            i,
            paraphrases=i.paraphrases + tuple(t for t, _ in extra.get(i.id, ())),
            paraphrase_writers=i.paraphrase_writers + tuple(w for _, w in extra.get(i.id, ())),
        )
        for i in issues
    )


def _plain(texts: Iterable[Any]) -> list[str]:
    from petition_nlp.text.normalize import normalize_text, strip_diacritics

    return [strip_diacritics(normalize_text("" if t is None else str(t))) for t in texts]


class IssueMatcher:
    """Scores how strongly a petition raises each catalogue issue.

    Args:
        C: regularisation of the one-vs-rest linear SVM.
        char_weight: weight of the character n-gram block against the word block.
        min_score: a petition *matches* its best issue when that issue's decision score is at
            least this (below: it raises no catalogue issue, or one the catalogue words too
            differently to be sure).
        random_state: seed of the SVM.

    Attributes (after :meth:`fit`): ``issue_ids_`` (array of ids, the score columns).
    """

    def __init__(self, *, C: float = 0.5, char_weight: float = 0.7, min_score: float = -0.3, random_state: int = 0) -> None:
        self.C = C
        self.char_weight = char_weight
        self.min_score = min_score
        self.random_state = random_state

    def fit_params(self) -> dict[str, Any]:
        """The settings the fitted state depends on."""
        return {"C": self.C, "char_weight": self.char_weight, "random_state": self.random_state}

    # -------------------------------------------------------------------- fitting
    def _vectorisers(self) -> tuple[Any, Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        from petition_nlp.model.features import CharNgramTfidf

        words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
        chars = CharNgramTfidf(ngram_range=(3, 5), sublinear_tf=True, min_df=2)  # char_wb, memoised per word
        return words, chars

    def fit(self, texts: Sequence[Any], issue_ids: Sequence[str]) -> IssueMatcher:
        from sklearn.svm import LinearSVC

        plain = _plain(texts)
        words, chars = self._vectorisers()
        X = sp.hstack([words.fit_transform(plain), chars.fit_transform(plain) * self.char_weight]).tocsr()
        svm = LinearSVC(C=self.C, random_state=self.random_state).fit(X, np.asarray(issue_ids))
        self._set_state(
            word_vocab=words.get_feature_names_out(), word_idf=words.idf_,
            char_vocab=chars.get_feature_names_out(), char_idf=chars.tfidf_.idf_,
            coef=svm.coef_.astype(np.float16), intercept=svm.intercept_.astype(np.float32), issue_ids=svm.classes_,
        )
        return self

    def _set_state(self, **arrays: np.ndarray) -> None:
        from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

        words, chars = self._vectorisers()
        words.vocabulary_ = {str(t): i for i, t in enumerate(arrays["word_vocab"])}
        words.idf_ = np.asarray(arrays["word_idf"], dtype=float)
        chars.counter_ = CountVectorizer(analyzer="char_wb", ngram_range=chars.ngram_range, lowercase=False)
        chars.counter_.vocabulary_ = {str(t): i for i, t in enumerate(arrays["char_vocab"])}
        chars.tfidf_ = TfidfTransformer(sublinear_tf=chars.sublinear_tf)
        chars.tfidf_.idf_ = np.asarray(arrays["char_idf"], dtype=float)
        self.words_, self.chars_ = words, chars
        self.coef_ = np.asarray(arrays["coef"], dtype=np.float32)
        self.intercept_ = np.asarray(arrays["intercept"], dtype=np.float32)
        self.issue_ids_ = np.asarray(arrays["issue_ids"]).astype(str)
        self._arrays = arrays

    def save(self, path: str | Path, *, fingerprint: str = "") -> None:
        """Write the fitted state as plain arrays (``.npz``): the weights as float16, column by
        column, keeping only the non-zero ones (the weights of a feature over all issues)."""
        coef = np.asarray(self._arrays["coef"], dtype=np.float16)
        columns = sp.csc_matrix(coef.astype(np.float32))  # scipy has no float16 matrices
        rows = np.uint8 if coef.shape[0] <= 256 else np.uint16 if coef.shape[0] <= 65536 else np.int32
        arrays = {
            "word_vocab": np.asarray(self._arrays["word_vocab"]).astype(str),
            "word_idf": np.asarray(self._arrays["word_idf"], dtype=np.float32),
            "char_vocab": np.asarray(self._arrays["char_vocab"]).astype(str),
            "char_idf": np.asarray(self._arrays["char_idf"], dtype=np.float32),
            "coef_data": columns.data.astype(np.float16),
            "coef_rows": columns.indices.astype(rows),
            "coef_indptr": columns.indptr.astype(np.int32),
            "coef_shape": np.asarray(coef.shape, dtype=np.int64),
            "intercept": np.asarray(self._arrays["intercept"], dtype=np.float32),
            "issue_ids": np.asarray(self._arrays["issue_ids"]).astype(str),
            "fingerprint": np.asarray(fingerprint),
            "format": np.asarray(MATCHER_FORMAT),
        }
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | Path, *, fingerprint: str | None = None, **params: Any) -> IssueMatcher:
        """Read a state written by :meth:`save` (no pickle: ``allow_pickle=False``).

        ``fingerprint``: the stamp the file must carry (:func:`matcher_fingerprint`); a file of
        another catalogue, settings or layout raises ``ValueError``."""
        with np.load(path, allow_pickle=False) as data:
            if int(data["format"]) != MATCHER_FORMAT:
                raise ValueError(f"{path}: saved matcher layout {int(data['format'])}, expected {MATCHER_FORMAT}")
            if fingerprint is not None and str(data["fingerprint"]) != fingerprint:
                raise ValueError(f"{path}: fitted on another catalogue or other settings")
            shape = tuple(int(n) for n in data["coef_shape"])
            columns = sp.csc_matrix(
                (data["coef_data"].astype(np.float32), data["coef_rows"].astype(np.int32), data["coef_indptr"]), shape=shape
            )
            arrays = {k: data[k] for k in ("word_vocab", "word_idf", "char_vocab", "char_idf", "intercept", "issue_ids")}
        matcher = cls(**params)
        matcher._set_state(**arrays, coef=columns.toarray().astype(np.float16))
        return matcher

    # -------------------------------------------------------------------- scoring
    def decision_function(self, texts: Sequence[Any], *, plain: Sequence[str] | None = None) -> np.ndarray:
        """Decision score of every issue (columns ``issue_ids_``) for each text.

        ``plain``: the texts already normalised without diacritics (``preprocess(...)["plain"]``)."""
        plain = list(plain) if plain is not None else _plain(texts)
        if not plain:
            return np.zeros((0, len(self.issue_ids_)), dtype=np.float32)
        X = sp.hstack([self.words_.transform(plain), self.chars_.transform(plain) * self.char_weight]).tocsr()
        return np.asarray(X @ self.coef_.T, dtype=np.float32) + self.intercept_

    def match(self, texts: Sequence[Any] = (), *, plain: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(issue_id or "", score)`` of each text's best issue; ``""`` where it matches none."""
        scores = self.decision_function(texts, plain=plain)
        top = scores.max(axis=1) if len(scores) else np.array([], dtype=np.float32)
        return self.match_scores(scores), top

    def match_scores(self, scores: np.ndarray) -> np.ndarray:
        """:meth:`match` from scores already computed by :meth:`decision_function`."""
        if scores.shape[0] == 0:
            return np.array([], dtype=object)
        best = scores.argmax(axis=1)
        top = scores[np.arange(len(best)), best]
        return np.where(top >= self.min_score, self.issue_ids_[best], "").astype(object)


def _training_rows(issues: Iterable[Issue]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for issue in issues:
        for text in (issue.title, *issue.paraphrases):
            texts.append(text)
            labels.append(issue.id)
    return texts, labels


def _shipped_file() -> Path:
    from importlib import resources

    return Path(str(resources.files("petition_nlp").joinpath("data", MATCHER_FILE)))


def _cache_file() -> Path | None:
    from petition_nlp.text.segment import cache_dir, cache_enabled

    if not cache_enabled():
        return None
    return cache_dir() / f"issue_matcher-{matcher_fingerprint()[:16]}.npz"


def _load(path: Path | None, fingerprint: str) -> IssueMatcher | None:
    if path is None or not path.is_file():
        return None
    try:
        return IssueMatcher.load(path, fingerprint=fingerprint)
    except (OSError, ValueError, KeyError):
        return None  # another catalogue's state, or unreadable


@lru_cache(maxsize=1)
def default_matcher() -> IssueMatcher | None:
    """The matcher fitted on the bundled catalogue (``None`` when the catalogue is empty).

    Read from the shipped ``data/issue_matcher.npz`` when it was built from this catalogue;
    otherwise fitted, and kept in the cache folder (``PETITION_NLP_CACHE=0``: refitted in every
    process)."""
    issues = load_catalogue()
    if not issues:
        return None
    fingerprint = matcher_fingerprint()
    cached = _cache_file()
    matcher = _load(_shipped_file(), fingerprint) or _load(cached, fingerprint)
    if matcher is not None:
        return matcher
    matcher = IssueMatcher().fit(*_training_rows(issues))
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            temp = cached.with_suffix(f".{os.getpid()}.tmp.npz")
            matcher.save(temp, fingerprint=fingerprint)
            os.replace(temp, cached)
        except OSError:
            pass  # a read-only cache folder only costs the refit next time
    return matcher


def build_shipped_matcher(path: str | Path | None = None) -> Path:
    """Fit the matcher on the bundled catalogue and write it where :func:`default_matcher` reads
    it (``data/issue_matcher.npz`` unless ``path``), stamped with :func:`matcher_fingerprint`."""
    target = Path(path) if path is not None else _shipped_file()
    matcher = IssueMatcher().fit(*_training_rows(load_catalogue()))
    temp = target.with_suffix(f".{os.getpid()}.tmp.npz")
    matcher.save(temp, fingerprint=matcher_fingerprint())
    os.replace(temp, target)
    return target


def issue_titles() -> dict[str, str]:
    """``{issue id: title}`` of the bundled catalogue."""
    return {issue.id: issue.title for issue in load_catalogue()}


def main(argv: list[str] | None = None) -> int:
    """``python -m petition_nlp.grouping.catalogue [PATH]``: rebuild the shipped matcher after
    editing the catalogue (or write it to PATH)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m petition_nlp.grouping.catalogue", description=main.__doc__)
    parser.add_argument("path", nargs="?", default=None, help="where to write the matcher (default: the shipped file)")
    args = parser.parse_args(argv)
    if not load_catalogue():
        print(f"error: no {CATALOGUE_FILE} to fit the matcher on", file=sys.stderr)
        return 1
    try:
        target = build_shipped_matcher(args.path)
    except OSError as exc:
        print(f"error: cannot write the matcher: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, {len(load_catalogue())} issues)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
