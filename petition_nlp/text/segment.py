"""Vietnamese word segmentation with underthesea, cached on disk and parallel across cores.

The cache is a SQLite file keyed by a hash of the (normalised) text and the segmenter
version, shared by every command (classify, train, evaluate, shortlist). It is bounded in
size, safe under concurrent processes (SQLite locking), and can be disabled with
``PETITION_NLP_CACHE=0`` or ``cache=False``. Its folder is ``PETITION_NLP_CACHE_DIR``
(default ``~/.cache/petition-nlp``).
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

__all__ = ["segment_texts", "segmenter_version", "SegmentCache", "MAX_SEGMENT_CHARS"]

MAX_SEGMENT_CHARS = 4000
"""Texts are cut to this length before segmentation (the CRF is quadratic-ish on huge cells)."""

PARALLEL_MIN_TEXTS = 3000
"""Below this many uncached texts, segmentation stays in-process (worker start-up costs ~1 s)."""

CHUNK_SIZE = 1000

FAST_MIN_TEXTS = 200
"""From this many texts in one call (or once loaded in this process), segment with
:mod:`petition_nlp.text.crfseg`: the same output as underthesea, about 3x faster per text, after a
load of ~0.2 s (1.5 s the first time, or with the cache off). Worker tasks are never smaller."""


@lru_cache(maxsize=1)
def segmenter_version() -> str:
    """Version string of the segmenter; part of every cache key."""
    from importlib.metadata import version

    return f"underthesea-{version('underthesea')}"


def _word_tokenize() -> Callable[[str], str]:
    from underthesea import word_tokenize

    return lambda text: word_tokenize(text, format="text")


def _segment_chunk(texts: list[str]) -> list[str]:
    from . import crfseg

    fast = crfseg.load_segmenter() if len(texts) >= FAST_MIN_TEXTS or crfseg.is_loaded() else None
    tokenize = fast.segment if fast is not None else _word_tokenize()
    out = []
    for text in texts:
        try:
            out.append(tokenize(text[:MAX_SEGMENT_CHARS]) if text.strip() else "")
        except Exception:  # the CRF can reject odd input; fall back to syllables
            out.append(text[:MAX_SEGMENT_CHARS])
    return out


def cache_dir() -> Path:
    """Folder of the on-disk caches (``PETITION_NLP_CACHE_DIR``, default ``~/.cache/petition-nlp``)."""
    env = os.environ.get("PETITION_NLP_CACHE_DIR")
    return Path(env) if env else Path.home() / ".cache" / "petition-nlp"


def cache_enabled() -> bool:
    """False when ``PETITION_NLP_CACHE`` is set to 0 / false / no / off."""
    return os.environ.get("PETITION_NLP_CACHE", "1").lower() not in {"0", "false", "no", "off"}


class SegmentCache:
    """Bounded on-disk cache of segmented texts (SQLite, safe for concurrent processes)."""

    def __init__(self, path: Path | None = None, *, max_entries: int = 2_000_000) -> None:
        self.path = Path(path) if path else cache_dir() / "segments.sqlite"
        self.max_entries = max_entries
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS seg (key TEXT PRIMARY KEY, value TEXT, created REAL)"
                )
                self._conn = conn
            except (sqlite3.Error, OSError):
                return None  # an unusable cache must never stop the work
        return self._conn

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(f"{segmenter_version()}\x00{text}".encode()).hexdigest()[:32]

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        conn = self._connect()
        if conn is None or not keys:
            return {}
        found: dict[str, str] = {}
        try:
            for i in range(0, len(keys), 500):
                batch = list(keys[i : i + 500])
                marks = ",".join("?" * len(batch))
                for k, v in conn.execute(f"SELECT key, value FROM seg WHERE key IN ({marks})", batch):
                    found[k] = v
        except sqlite3.Error:
            return found
        return found

    def put_many(self, items: dict[str, str]) -> None:
        conn = self._connect()
        if conn is None or not items:
            return
        now = time.time()
        try:
            with conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO seg (key, value, created) VALUES (?, ?, ?)",
                    [(k, v, now) for k, v in items.items()],
                )
                (count,) = conn.execute("SELECT COUNT(*) FROM seg").fetchone()
                if count > self.max_entries:  # drop the oldest tenth beyond the bound
                    excess = count - int(self.max_entries * 0.9)
                    conn.execute(
                        "DELETE FROM seg WHERE key IN (SELECT key FROM seg ORDER BY created LIMIT ?)",
                        (excess,),
                    )
        except sqlite3.Error:
            pass


def segment_texts(
    texts: Sequence[str],
    *,
    n_jobs: int | None = None,
    cache: bool = True,
) -> list[str]:
    """Segment normalised texts into words joined by ``_`` (``"nhà_ở xã_hội"``).

    Args:
        texts: normalised texts (see :func:`petition_nlp.text.normalize.normalize_text`).
        n_jobs: worker processes for large batches; ``None`` uses every core, 1 disables.
        cache: read and write the on-disk cache (also off when ``PETITION_NLP_CACHE=0``).
    """
    texts = list(texts)
    unique = list(dict.fromkeys(texts))  # never segment the same text twice in one call
    store = SegmentCache() if cache and cache_enabled() else None
    keys = {t: SegmentCache.key(t) for t in unique} if store else {}
    done: dict[str, str] = {}
    if store:
        hits = store.get_many(list(keys.values()))
        done = {t: hits[k] for t, k in keys.items() if k in hits}
    todo = [t for t in unique if t not in done]
    if todo:
        results = _segment_parallel(todo, n_jobs=n_jobs)
        done.update(zip(todo, results))
        if store:
            store.put_many({keys[t]: s for t, s in zip(todo, results)})
    return [done[t] for t in texts]


def worker_count(n_jobs: int | None) -> int:
    """Processes to use: ``None`` or a negative value means every core."""
    return (os.cpu_count() or 1) if n_jobs is None or n_jobs < 0 else n_jobs


def _segment_parallel(texts: list[str], *, n_jobs: int | None) -> list[str]:
    workers = worker_count(n_jobs)
    if workers <= 1 or len(texts) < PARALLEL_MIN_TEXTS:
        return _segment_chunk(texts)
    from joblib import Parallel, delayed

    size = max(200, min(CHUNK_SIZE, len(texts) // (workers * 4) or 1))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    parts = Parallel(n_jobs=workers, backend="loky")(delayed(_segment_chunk)(c) for c in chunks)
    return [s for part in parts for s in part]
