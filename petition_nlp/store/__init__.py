"""The workspace store: one SQLite file in the data directory.

WAL journal, foreign keys on, ordered migrations recorded in ``schema_version``
(:mod:`petition_nlp.store.schema`). Every write is one transaction committed before the call
returns, so whatever a caller acknowledged survives a crash. Petitions carry a ``version``:
an update naming an older version raises :class:`Conflict` (two tabs never overwrite each
other silently). The change log, the group membership trace and the shortlist log are
append-only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from petition_nlp.files.units import distinct_units, unit_key, unit_names
from petition_nlp.store.schema import MIGRATIONS

__all__ = [
    "Store", "open_workspace", "StoreError", "NotFound", "Conflict", "Invalid", "DB_NAME", "STATUS_NOT_PETITION",
    "ANSWER_STATUSES",
]

DB_NAME = "workspace.sqlite3"
STATUS_NOT_PETITION = "not_a_petition"
ANSWER_STATUSES = ("unanswered", "answered", "forwarded")
_SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,6}$")


class StoreError(ValueError):
    """A request the store refuses; the message is one line."""


class NotFound(StoreError):
    pass


class Conflict(StoreError):
    pass


class Invalid(StoreError):
    pass


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (bool, int, float, str)):
        return value.item() if hasattr(value, "item") else value
    if hasattr(value, "item"):  # numpy scalars
        try:
            return _cell(value.item())
        except (ValueError, TypeError):
            pass
    return str(value)


def _text(value: Any) -> str:
    value = _cell(value)
    return "" if value is None else str(value)


class Store:
    """The workspace database under ``data_dir`` (created if missing).

    Args:
        data_dir: folder holding ``workspace.sqlite3`` and ``originals/`` (uploaded files,
            read-only, under generated names).
    """

    def __init__(self, data_dir: str | Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.originals = self.data_dir / "originals"
        self.originals.mkdir(exist_ok=True)
        self.path = self.data_dir / DB_NAME
        self.migrate()
        self.recover()

    # -- plumbing ----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.create_function("fold", 1, _fold, deterministic=True)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA synchronous = FULL")  # WAL + FULL: a committed write survives power loss
        return conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction (``BEGIN IMMEDIATE``), committed on success before returning."""
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            conn.close()

    def migrate(self) -> int:
        """Apply the migrations not yet applied, in order; returns the schema version."""
        conn = self._connect()
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
            current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
            if current > len(MIGRATIONS):
                raise StoreError(f"{self.path}: schema version {current} is newer than this petition-nlp ({len(MIGRATIONS)}); upgrade petition-nlp")
            for version in range(current + 1, len(MIGRATIONS) + 1):
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for statement in _statements(MIGRATIONS[version - 1]):
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_version (version, applied) VALUES (?, ?)", (version, now()))
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]
        finally:
            conn.close()

    def schema_version(self) -> int:
        with self.read() as conn:
            return conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0]

    def recover(self) -> None:
        """Surveys left 'processing' by a server that stopped mid-upload are marked failed."""
        with self.write() as conn:
            conn.execute(
                "UPDATE surveys SET state = 'failed', error = 'interrupted: the server stopped while reading this file; upload it again' "
                "WHERE state = 'processing'"
            )

    # -- surveys -----------------------------------------------------------------------
    def keep_original(self, data: bytes, filename: str) -> str:
        """Save uploaded bytes read-only under a generated name (the uploaded name is never a
        path); returns the stored name."""
        suffix = Path(filename or "").suffix.lower()
        if not _SAFE_SUFFIX.match(suffix):
            suffix = ".bin"
        stored = f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(8)}{suffix}"
        target = self.originals / stored
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(target, 0o444)
        return stored

    def original_path(self, stored: str) -> Path:
        return self.originals / Path(stored).name

    def same_file_as(self, survey_id: int) -> list[dict[str, Any]]:
        """The other surveys whose uploaded original is byte for byte this survey's (the same file
        uploaded twice), oldest first."""
        mine = self.original_path(self.survey(survey_id)["stored_file"])
        if not mine.is_file():
            return []
        size, digest = mine.stat().st_size, None
        out = []
        for other in reversed(self.list_surveys()):
            path = self.original_path(other["stored_file"] or "")
            if other["id"] == survey_id or not other["stored_file"] or not path.is_file() or path.stat().st_size != size:
                continue
            digest = digest or hashlib.sha256(mine.read_bytes()).hexdigest()
            if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                out.append(other)
        return out

    def create_survey(self, name: str, stored_file: str) -> int:
        display = re.sub(r"[\x00-\x1f\x7f]", "", Path(str(name or "")).name)[:200] or "khảo sát"
        with self.write() as conn:
            cur = conn.execute(
                "INSERT INTO surveys (name, stored_file, created) VALUES (?, ?, ?)", (display, stored_file, now())
            )
            return int(cur.lastrowid)

    def fail_survey(self, survey_id: int, error: str) -> None:
        with self.write() as conn:
            conn.execute("UPDATE surveys SET state = 'failed', error = ? WHERE id = ?", (error.splitlines()[0][:500] if error else "failed", survey_id))

    def fill_survey(
        self,
        survey_id: int,
        grouped: pd.DataFrame,
        *,
        text_column: str,
        unit_column: str | None = None,
        notes: Iterable[str] = (),
        original_columns: list[str] | None = None,
    ) -> dict[str, Any]:
        """Store the classified and grouped rows of a survey (one transaction) and mark it ready.

        ``grouped`` is :func:`petition_nlp.pipeline.group_survey`'s output: original columns
        plus category, confidence, needs_review, status, second_category, group_id, issue.
        """
        columns = original_columns or [c for c in grouped.columns if c not in _DERIVED]
        with self.write() as conn:
            if conn.execute("SELECT 1 FROM surveys WHERE id = ?", (survey_id,)).fetchone() is None:
                raise NotFound(f"no survey {survey_id}")
            created = now()
            group_ids: dict[str, int] = {}
            labels = grouped["group_id"].fillna("").astype(str).tolist() if "group_id" in grouped else [""] * len(grouped)
            issues = grouped["issue"].fillna("").astype(str).tolist() if "issue" in grouped else [""] * len(grouped)
            cats = grouped["category"].fillna("").astype(str).tolist()
            for label, cat, issue in zip(labels, cats, issues):
                if label and label not in group_ids:
                    cur = conn.execute(
                        "INSERT INTO groups (survey_id, label, category, issue, created) VALUES (?, ?, ?, ?, ?)",
                        (survey_id, label, cat, issue, created),
                    )
                    group_ids[label] = int(cur.lastrowid)
            records = grouped[columns].to_dict("records")
            conf = grouped["confidence"].tolist()
            review = grouped["needs_review"].tolist()
            status = grouped["status"].fillna("").astype(str).tolist()
            second = grouped["second_category"].fillna("").astype(str).tolist() if "second_category" in grouped else [""] * len(grouped)
            # an officer's topics carried from a table classify wrote: reviewed, beside the model's own code
            model_cats = grouped["model_category"].fillna("").astype(str).tolist() if "model_category" in grouped else cats
            reviewed = grouped["reviewed"].fillna(False).astype(bool).tolist() if "reviewed" in grouped else [False] * len(grouped)
            texts = grouped[text_column].tolist()
            units = grouped[unit_column].tolist() if unit_column and unit_column in grouped else [""] * len(grouped)
            conn.executemany(
                "INSERT INTO petitions (survey_id, row, original_json, text, unit, category, model_category, confidence,"
                " needs_review, status, second_category, group_id, reviewed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    (
                        survey_id, i + 1, json.dumps({str(k): _cell(v) for k, v in rec.items()}, ensure_ascii=False),
                        _text(texts[i]), _text(units[i]), cats[i], model_cats[i], _cell(conf[i]), int(bool(review[i])),
                        status[i], second[i], group_ids.get(labels[i]), int(reviewed[i]),
                    )
                    for i, rec in enumerate(records)
                ),
            )
            conn.execute(
                "UPDATE surveys SET state = 'ready', error = NULL, text_column = ?, unit_column = ?, columns_json = ?,"
                " notes_json = ?, rows = ? WHERE id = ?",
                (
                    str(text_column), None if unit_column is None else str(unit_column),
                    json.dumps([str(c) for c in columns], ensure_ascii=False), json.dumps(list(notes), ensure_ascii=False),
                    len(grouped), survey_id,
                ),
            )
        return self.survey(survey_id)

    def survey(self, survey_id: int) -> dict[str, Any]:
        with self.read() as conn:
            row = conn.execute("SELECT * FROM surveys WHERE id = ?", (survey_id,)).fetchone()
            if row is None:
                raise NotFound(f"no survey {survey_id}")
            out = _survey_dict(row)
            out["categories"] = self._categories(conn, survey_id)
            return out

    def _categories(self, conn: sqlite3.Connection, survey_id: int) -> dict[str, int]:
        rows = conn.execute(
            "SELECT category, COUNT(*) FROM petitions WHERE survey_id = ? AND status NOT IN ('not_a_petition', 'empty') AND category != ''"
            " GROUP BY category ORDER BY COUNT(*) DESC, category",
            (survey_id,),
        ).fetchall()
        return {r[0]: r[1] for r in rows}

    def list_surveys(self) -> list[dict[str, Any]]:
        with self.read() as conn:
            rows = conn.execute("SELECT * FROM surveys ORDER BY id DESC").fetchall()
            out = []
            for row in rows:
                item = _survey_dict(row)
                item["categories"] = self._categories(conn, row["id"])
                out.append(item)
            return out

    def set_settings(self, survey_id: int, settings: dict[str, Any]) -> dict[str, Any]:
        with self.write() as conn:
            row = conn.execute("SELECT settings_json FROM surveys WHERE id = ?", (survey_id,)).fetchone()
            if row is None:
                raise NotFound(f"no survey {survey_id}")
            merged = {**json.loads(row[0]), **settings}
            conn.execute("UPDATE surveys SET settings_json = ? WHERE id = ?", (json.dumps(merged, ensure_ascii=False), survey_id))
            return merged

    # -- petitions ---------------------------------------------------------------------
    def petitions(
        self,
        survey_id: int,
        *,
        category: str | None = None,
        needs_review: bool | None = None,
        status: str | None = None,
        unit: str | None = None,
        search: str | None = None,
        sort: str = "row",
        limit: int | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of a survey's petitions and the number matching the filters.

        ``sort``: ``row`` (file order) or ``confidence`` (least sure first)."""
        self.survey(survey_id)
        where, args = ["p.survey_id = ?"], [survey_id]
        if category is not None and category != "":  # a line that is not a petition is never listed under a topic
            where.append("p.category = ? AND p.status NOT IN ('not_a_petition', 'empty')")
            args.append(category)
        if needs_review is not None:
            where.append("p.needs_review = ?")
            args.append(int(needs_review))
        if status:
            where.append("p.status = ?")
            args.append(status)
        if unit:  # the rows naming that unit, alone or among others ("CĐCS A; CĐCS B")
            wanted = unit_key(unit)
            cells = [c for c in self._unit_cells(survey_id) if any(unit_key(u) == wanted for u in unit_names(c))] or [unit]
            where.append(f"p.unit IN ({', '.join('?' * len(cells))})")
            args.extend(cells)
        if search:  # any case, composed or decomposed accents ("BẢO HIỂM" finds "bảo hiểm")
            where.append("instr(fold(p.text), ?) > 0")
            args.append(_fold(search))
        order = {"row": "p.row", "confidence": "p.confidence IS NULL DESC, p.confidence ASC, p.row"}.get(sort)
        if order is None:
            raise Invalid(f"unknown sort '{sort}' (use row or confidence)")
        sql_where = " AND ".join(where)
        with self.read() as conn:
            total = conn.execute(f"SELECT COUNT(*) FROM petitions p WHERE {sql_where}", args).fetchone()[0]
            page = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else (f" LIMIT -1 OFFSET {int(offset)}" if offset else "")
            rows = conn.execute(
                f"SELECT p.*, g.label AS group_label FROM petitions p LEFT JOIN groups g ON g.id = p.group_id"
                f" WHERE {sql_where} ORDER BY {order}{page}",
                args,
            ).fetchall()
            links = self._links(conn, [r["id"] for r in rows])
        return [_petition_dict(r, links.get(r["id"])) for r in rows], total

    def petition(self, petition_id: int) -> dict[str, Any]:
        with self.read() as conn:
            row = conn.execute(
                "SELECT p.*, g.label AS group_label FROM petitions p LEFT JOIN groups g ON g.id = p.group_id WHERE p.id = ?",
                (petition_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"no petition {petition_id}")
            return _petition_dict(row, self._links(conn, [petition_id]).get(petition_id))

    def _unit_cells(self, survey_id: int) -> list[str]:
        with self.read() as conn:
            return [r[0] for r in conn.execute("SELECT DISTINCT unit FROM petitions WHERE survey_id = ? AND unit != ''", (survey_id,))]

    def units(self, survey_id: int) -> list[str]:
        """The units a survey's petitions name, each once (:func:`distinct_units`)."""
        return sorted(distinct_units(self._unit_cells(survey_id)))

    def update_petitions(
        self,
        changes: list[tuple[int, int | None]],
        *,
        category: str | None = None,
        status: str | None = None,
        reviewed: bool | None = None,
        officer: str = "",
        allowed_categories: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Set a topic (``category``), ``status`` (``not_a_petition`` or back to ``ok``) or mark
        rows ``reviewed`` (the model's topic confirmed) on several petitions in one transaction.

        ``changes``: ``(petition_id, version)`` pairs; a version that is not the current one
        raises :class:`Conflict` and nothing is changed (``None``: no check). A new topic moves
        the petition out of its group into a group of its own in that topic (traced)."""
        if category is None and status is None and reviewed is None:
            raise Invalid("nothing to change: give category, status or reviewed")
        if status is not None and status not in ("ok", STATUS_NOT_PETITION):
            raise Invalid(f"status must be 'ok' or '{STATUS_NOT_PETITION}'")
        if status == STATUS_NOT_PETITION and category is not None:
            raise Invalid("a line that is not a petition has no topic: send category or status not_a_petition, not both")
        if category is not None:
            category = str(category).strip()
            allowed = set(allowed_categories) if allowed_categories is not None else None
            if not category or (allowed is not None and category not in allowed):
                raise Invalid(f"unknown category '{category}'" + (f" (use {', '.join(sorted(allowed))})" if allowed else ""))
        if not changes:
            raise Invalid("no petitions given")
        officer = _officer(officer)
        time = now()
        ids = []
        left: set[int] = set()  # groups a petition left: an answered one must keep a member
        with self.write() as conn:
            for pid, version in changes:
                row = conn.execute("SELECT * FROM petitions WHERE id = ?", (pid,)).fetchone()
                if row is None:
                    raise NotFound(f"no petition {pid}")
                if version is not None and int(version) != row["version"]:
                    raise Conflict(
                        f"petition {pid} was changed by someone else (version {row['version']}, you had {version}); reload the page"
                    )
                new = {"category": row["category"], "status": row["status"], "reviewed": row["reviewed"], "group_id": row["group_id"]}
                if category is not None:
                    new["category"] = category
                    if row["status"] == STATUS_NOT_PETITION:
                        new["status"] = "ok"
                if status is not None:
                    new["status"] = status
                if new["status"] == STATUS_NOT_PETITION:
                    new["category"] = ""  # a line that is not a petition has no topic
                elif new["status"] == "ok" and not new["category"]:  # nobody chose one: never invent an officer label
                    raise Invalid(f"petition {pid} is marked not a petition: give its topic (category) to make it a petition again")
                if row["status"] not in ("ok", STATUS_NOT_PETITION) and status is not None:
                    raise Invalid(f"petition {pid} is {row['status']}: its status cannot be changed")
                if row["status"] not in ("ok", STATUS_NOT_PETITION) and category is not None:
                    raise Invalid(f"petition {pid} is {row['status']}: it has no text to give a topic")
                new["reviewed"] = 1 if (reviewed is None or reviewed) else 0
                # group membership follows the topic
                if new["status"] == STATUS_NOT_PETITION and row["group_id"] is not None:
                    new["group_id"] = None
                    _trace(conn, row["survey_id"], "not_a_petition", pid, row["group_id"], None, time, officer)
                elif new["status"] == "ok" and (new["category"] != row["category"] or row["group_id"] is None):
                    gid = _new_group(conn, row["survey_id"], new["category"], time)
                    new["group_id"] = gid
                    _trace(conn, row["survey_id"], "topic", pid, row["group_id"], gid, time, officer)
                for field in ("category", "status", "reviewed"):
                    if str(new[field]) != str(row[field]):
                        _log_change(conn, pid, field, str(row[field]), str(new[field]), time, officer)
                conn.execute(
                    "UPDATE petitions SET category = ?, status = ?, reviewed = ?, needs_review = ?, group_id = ?,"
                    " version = version + 1 WHERE id = ?",
                    (new["category"], new["status"], new["reviewed"], 0 if new["reviewed"] else row["needs_review"], new["group_id"], pid),
                )
                if new["group_id"] != row["group_id"] and row["group_id"] is not None:
                    left.add(row["group_id"])
                    _leave_group(conn, pid, row["group_id"], time, officer)
                ids.append(pid)
            _keep_answers(conn, left)
        return [self.petition(pid) for pid in ids]

    def history(self, petition_id: int) -> list[dict[str, Any]]:
        with self.read() as conn:
            return [dict(r) for r in conn.execute("SELECT * FROM changes WHERE petition_id = ? ORDER BY id", (petition_id,))]

    def labels(self) -> list[tuple[str, str]]:
        """(text, code) of every petition whose topic an officer set or confirmed, oldest
        survey first (rows marked not a petition are left out: they have no topic)."""
        with self.read() as conn:
            return [
                (r[0], r[1]) for r in conn.execute(
                    "SELECT text, category FROM petitions WHERE reviewed = 1 AND status = 'ok' AND category != ''"
                    " AND trim(text) != '' ORDER BY survey_id, row"
                )
            ]

    def survey_frame(self, survey_id: int, *, group_key: str = "id") -> tuple[pd.DataFrame, dict[str, Any]]:
        """Every row of a survey as the pipeline's tables have it: the original columns (the
        text column holding the text), then ``category``, ``category_name``, ``confidence``,
        ``second_category``, ``needs_review``, ``status``, ``group_id`` (store id as a string,
        or the group's label with ``group_key="label"``; ``""`` without a group), ``issue``,
        ``petition_id``; with the officer's edits."""
        from petition_nlp.resources import category_name

        info = self.survey(survey_id)
        with self.read() as conn:
            rows = conn.execute(
                "SELECT p.*, g.label AS group_label, g.issue AS group_issue FROM petitions p"
                " LEFT JOIN groups g ON g.id = p.group_id WHERE p.survey_id = ? ORDER BY p.row",
                (survey_id,),
            ).fetchall()
        columns = info["columns"]
        frame = pd.DataFrame([json.loads(r["original_json"]) for r in rows], columns=columns)
        if info["text_column"] not in frame.columns:
            frame[info["text_column"]] = [r["text"] for r in rows]
        if len(rows) == 0:
            frame = pd.DataFrame(columns=columns)
        frame["category"] = [r["category"] if r["status"] == "ok" else "" for r in rows]
        frame["category_name"] = [category_name(c) if c else "" for c in frame["category"]]
        frame["confidence"] = pd.array([r["confidence"] for r in rows], dtype="Float64").astype(float) if rows else []
        frame["second_category"] = [r["second_category"] for r in rows]
        frame["needs_review"] = [bool(r["needs_review"]) for r in rows]
        frame["status"] = [r["status"] for r in rows]
        if group_key == "label":
            frame["group_id"] = [r["group_label"] or "" for r in rows]
        else:
            frame["group_id"] = ["" if r["group_id"] is None else str(r["group_id"]) for r in rows]
        frame["issue"] = [r["group_issue"] or "" for r in rows]
        frame["petition_id"] = [str(r["id"]) for r in rows]
        return frame, info

    # -- groups and the shortlist decisions ---------------------------------------------
    def groups(self, survey_id: int) -> list[dict[str, Any]]:
        """Live groups (not merged away) with members, units and the officer's decisions."""
        self.survey(survey_id)
        with self.read() as conn:
            groups = conn.execute(
                "SELECT g.*, c.pinned, c.dropped, c.representative_id FROM groups g LEFT JOIN shortlist_choices c"
                " ON c.group_id = g.id WHERE g.survey_id = ? AND g.merged_into IS NULL ORDER BY g.category, g.id",
                (survey_id,),
            ).fetchall()
            members: dict[int, list[dict[str, Any]]] = {}
            for r in conn.execute(
                "SELECT id, row, text, unit, group_id, version, json_extract(original_json, '$.source_row') AS source_row,"
                " json_extract(original_json, '$.sheet') AS sheet FROM petitions WHERE survey_id = ? AND group_id IS NOT NULL ORDER BY row",
                (survey_id,),
            ):
                members.setdefault(r["group_id"], []).append(dict(r))
            answers = self._answers(conn, [g["id"] for g in groups])
        out = []
        for g in groups:
            ms = members.get(g["id"], [])
            if not ms:
                continue
            out.append({
                "group_id": g["id"], "label": g["label"], "category": g["category"], "issue": g["issue"],
                "members": ms, "member_ids": [m["id"] for m in ms],
                "units": distinct_units(m["unit"] for m in ms),  # "A; B": two units; "Cty A" and "CĐCS Công ty A": one
                "pinned": bool(g["pinned"]), "dropped": bool(g["dropped"]),
                "representative_id": g["representative_id"], "answer": answers.get(g["id"]),
            })
        out.sort(key=lambda g: (-len(g["members"]), g["category"], g["group_id"]))
        return out

    def group(self, group_id: int) -> dict[str, Any]:
        with self.read() as conn:
            row = conn.execute("SELECT * FROM groups WHERE id = ?", (group_id,)).fetchone()
        if row is None:
            raise NotFound(f"no group {group_id}")
        return dict(row)

    def choices(self, survey_id: int) -> dict[str, Any]:
        """The shortlist decisions of a survey: ``pinned`` / ``dropped`` group ids (as strings)
        and ``representatives`` {group id: petition id}."""
        with self.read() as conn:
            rows = conn.execute(
                "SELECT c.* FROM shortlist_choices c JOIN groups g ON g.id = c.group_id WHERE g.survey_id = ? AND g.merged_into IS NULL",
                (survey_id,),
            ).fetchall()
        return {
            "pinned": [str(r["group_id"]) for r in rows if r["pinned"]],
            "dropped": [str(r["group_id"]) for r in rows if r["dropped"]],
            "representatives": {str(r["group_id"]): str(r["representative_id"]) for r in rows if r["representative_id"]},
        }

    def set_choice(self, group_id: int, *, action: str, petition_id: int | None = None, officer: str = "") -> dict[str, Any]:
        """``action``: pin, unpin, drop, undrop, representative (with ``petition_id``, a member)."""
        officer = _officer(officer)
        if action not in ("pin", "unpin", "drop", "undrop", "representative"):
            raise Invalid(f"unknown action '{action}' (use pin, unpin, drop, undrop, representative)")
        with self.write() as conn:
            g = conn.execute("SELECT * FROM groups WHERE id = ?", (group_id,)).fetchone()
            if g is None or g["merged_into"] is not None:
                raise NotFound(f"no group {group_id}" + (" (merged into another)" if g is not None else ""))
            if action == "representative":
                m = conn.execute("SELECT group_id FROM petitions WHERE id = ?", (petition_id,)).fetchone() if petition_id else None
                if m is None or m["group_id"] != group_id:
                    raise Invalid(f"petition {petition_id} is not a member of group {group_id}")
                _set_representative(conn, group_id, int(petition_id), action, now(), officer)
            else:
                conn.execute("INSERT OR IGNORE INTO shortlist_choices (group_id) VALUES (?)", (group_id,))
                col = "pinned" if action in ("pin", "unpin") else "dropped"
                value = int(action in ("pin", "drop"))
                conn.execute(f"UPDATE shortlist_choices SET {col} = ? WHERE group_id = ?", (value, group_id))
                if value:  # pinning undoes a drop and the other way round
                    other = "dropped" if col == "pinned" else "pinned"
                    conn.execute(f"UPDATE shortlist_choices SET {other} = 0 WHERE group_id = ?", (group_id,))
                _log_choice(conn, group_id, action, None if petition_id is None else str(petition_id), now(), officer)
        return self.group(group_id)

    def move_petition(self, petition_id: int, to_group: int, *, version: int | None = None, officer: str = "") -> dict[str, Any]:
        """Move a petition into another group of the same survey (its topic becomes the group's)."""
        officer = _officer(officer)
        time = now()
        with self.write() as conn:
            p = conn.execute("SELECT * FROM petitions WHERE id = ?", (petition_id,)).fetchone()
            if p is None:
                raise NotFound(f"no petition {petition_id}")
            g = conn.execute("SELECT * FROM groups WHERE id = ?", (to_group,)).fetchone()
            if g is None or g["survey_id"] != p["survey_id"] or g["merged_into"] is not None:
                raise Invalid(f"group {to_group} is not a group of this survey")
            if version is not None and int(version) != p["version"]:
                raise Conflict(f"petition {petition_id} was changed by someone else; reload the page")
            if p["status"] != "ok":
                raise Invalid(f"petition {petition_id} is {p['status']}: only petitions belong to groups")
            if p["group_id"] == to_group:
                return self._petition_in(conn, petition_id)
            _trace(conn, p["survey_id"], "move", petition_id, p["group_id"], to_group, time, officer)
            _freeze_representative(conn, to_group, time, officer)  # the newcomer never becomes an answered group's question
            topic = g["category"] != p["category"]
            if topic:  # a topic change by the officer: an officer label, as a PATCH of the category is
                for field, old, new in (("category", p["category"], g["category"]), ("reviewed", str(p["reviewed"]), "1")):
                    if old != new:
                        _log_change(conn, petition_id, field, old, new, time, officer)
            _log_change(conn, petition_id, "group_id", str(p["group_id"]), str(to_group), time, officer)
            conn.execute(
                "UPDATE petitions SET group_id = ?, category = ?, reviewed = ?, needs_review = ?, version = version + 1 WHERE id = ?",
                (to_group, g["category"], 1 if topic else p["reviewed"], 0 if topic else p["needs_review"], petition_id),
            )
            if p["group_id"] is not None:
                _leave_group(conn, petition_id, p["group_id"], time, officer)
                _keep_answers(conn, [p["group_id"]])
        return self.petition(petition_id)

    def _petition_in(self, conn: sqlite3.Connection, pid: int) -> dict[str, Any]:
        row = conn.execute("SELECT p.*, g.label AS group_label FROM petitions p LEFT JOIN groups g ON g.id = p.group_id WHERE p.id = ?", (pid,)).fetchone()
        return _petition_dict(row, None)

    def merge_groups(self, source: int, target: int, *, officer: str = "") -> dict[str, Any]:
        """Merge group ``source`` into ``target`` (same survey): every member moves, each move
        is traced (kind ``merge``), ``source`` is kept with ``merged_into`` set. What officers
        decided about ``source`` goes with it: its answer (when ``target`` has none; two different
        answers refuse the merge), a pin (a pinned group stays on the shortlist, so a pin wins over
        a drop), the links of later surveys' petitions to its answer, and the officers'
        dismissals of such links (a petition dismissed from ``source`` loses its link to ``target``)."""
        officer = _officer(officer)
        if source == target:
            raise Invalid("a group cannot be merged into itself")
        time = now()
        with self.write() as conn:
            s = conn.execute("SELECT * FROM groups WHERE id = ?", (source,)).fetchone()
            t = conn.execute("SELECT * FROM groups WHERE id = ?", (target,)).fetchone()
            if s is None or t is None:
                raise NotFound(f"no group {source if s is None else target}")
            if s["survey_id"] != t["survey_id"]:
                raise Invalid("groups of different surveys cannot be merged")
            if s["merged_into"] is not None or t["merged_into"] is not None:
                raise Invalid("one of the groups was already merged into another; reload the page")
            answers = {r["group_id"]: r for r in conn.execute(  # a cleared answer is no answer
                f"SELECT * FROM answers a WHERE group_id IN (?, ?) AND {RECORDED_ANSWER}", (source, target))}
            if source in answers and target in answers and _answer_text(answers[source]) != _answer_text(answers[target]):
                raise Invalid(
                    f"both groups have an answer ({answers[source]['agency'] or 'no agency'}; {answers[target]['agency'] or 'no agency'}):"
                    " keep one (clear the other's answer) before merging"
                )
            _freeze_representative(conn, source, time, officer)
            _freeze_representative(conn, target, time, officer)
            if source in answers and target not in answers:
                a = answers[source]
                _write_answer(conn, target, a["agency"], a["answer"], a["answered_on"], a["status"], time, officer)
                rep = conn.execute("SELECT representative_id FROM shortlist_choices WHERE group_id = ?", (source,)).fetchone()
                if rep is not None and rep[0] is not None:  # the answered question goes with its answer
                    _set_representative(conn, target, rep[0], "representative_at_answer", time, officer, only_if_none=True)
            conn.execute("UPDATE answered_links SET group_id = ? WHERE group_id = ?", (target, source))
            # a petition dismissed from the merged group does not raise the merged issue either
            conn.execute(
                "INSERT OR IGNORE INTO dismissed_links (petition_id, group_id, similarity, time, officer)"
                " SELECT petition_id, ?, similarity, time, officer FROM dismissed_links WHERE group_id = ?",
                (target, source),
            )
            conn.execute("DELETE FROM dismissed_links WHERE group_id = ?", (source,))  # they now name the merged group
            conn.execute(
                "DELETE FROM answered_links WHERE group_id = ? AND petition_id IN (SELECT petition_id FROM dismissed_links WHERE group_id = ?)",
                (target, target),
            )
            pinned = conn.execute("SELECT pinned FROM shortlist_choices WHERE group_id = ?", (source,)).fetchone()
            if pinned is not None and pinned[0]:  # the pin goes with the merged group (and undoes a drop there)
                conn.execute("INSERT OR IGNORE INTO shortlist_choices (group_id) VALUES (?)", (target,))
                conn.execute("UPDATE shortlist_choices SET pinned = 1, dropped = 0 WHERE group_id = ?", (target,))
                _log_choice(conn, target, "pin", None, time, officer)
            members = conn.execute("SELECT * FROM petitions WHERE group_id = ?", (source,)).fetchall()
            for p in members:
                _trace(conn, s["survey_id"], "merge", p["id"], source, target, time, officer)
                if p["category"] != t["category"]:
                    _log_change(conn, p["id"], "category", p["category"], t["category"], time, officer)
                conn.execute(
                    "UPDATE petitions SET group_id = ?, category = ?, version = version + 1 WHERE id = ?",
                    (target, t["category"], p["id"]),
                )
            conn.execute("UPDATE groups SET merged_into = ? WHERE id = ?", (target, source))
            _log_choice(conn, source, "merged_into", str(target), time, officer)
        return self.group(target)

    def trace(self, survey_id: int) -> list[dict[str, Any]]:
        """The membership trace of a survey (moves, merges, topic changes), oldest first."""
        with self.read() as conn:
            return [dict(r) for r in conn.execute(
                "SELECT t.*, fg.label AS from_label, tg.label AS to_label, p.row AS petition_row FROM group_trace t"
                " LEFT JOIN groups fg ON fg.id = t.from_group LEFT JOIN groups tg ON tg.id = t.to_group"
                " LEFT JOIN petitions p ON p.id = t.petition_id WHERE t.survey_id = ? ORDER BY t.id",
                (survey_id,),
            )]

    # -- answers (migration 2) ---------------------------------------------------------
    def agencies(self, *, active_only: bool = True) -> list[str]:
        with self.read() as conn:
            sql = "SELECT name FROM agencies" + (" WHERE active = 1" if active_only else "") + " ORDER BY id"
            return [r[0] for r in conn.execute(sql)]

    def add_agency(self, name: str) -> list[str]:
        name = re.sub(r"\s+", " ", str(name or "")).strip()
        if not name or len(name) > 200:
            raise Invalid("agency name must be 1 to 200 characters")
        with self.write() as conn:
            conn.execute("INSERT INTO agencies (name) VALUES (?) ON CONFLICT(name) DO UPDATE SET active = 1", (name,))
        return self.agencies()

    def remove_agency(self, name: str) -> list[str]:
        with self.write() as conn:
            if conn.execute("UPDATE agencies SET active = 0 WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no agency '{name}'")
        return self.agencies()

    def _answers(self, conn: sqlite3.Connection, group_ids: list[int]) -> dict[int, dict[str, Any]]:
        if not group_ids:
            return {}
        out = {}
        for chunk in range(0, len(group_ids), 500):
            part = group_ids[chunk:chunk + 500]
            marks = ",".join("?" * len(part))
            versions = dict(conn.execute(f"SELECT group_id, COUNT(*) FROM answer_log WHERE group_id IN ({marks}) GROUP BY group_id", part).fetchall())
            for r in conn.execute(f"SELECT * FROM answers WHERE group_id IN ({marks})", part):
                out[r["group_id"]] = {k: r[k] for k in ("agency", "answer", "answered_on", "status")}
                out[r["group_id"]]["version"] = int(versions.get(r["group_id"], 0))
        return out

    def set_answer(
        self, group_id: int, *, agency: str = "", answer: str = "", answered_on: str = "", status: str = "answered", officer: str = "",
        version: int | None = None, representative: int | None = None,
    ) -> dict[str, Any]:
        """Record the answer to a group (issue); ``answered_on`` as YYYY-MM-DD (or empty).
        ``version``: the answer's ``version`` the officer's page showed (0: none yet); another
        officer's save in between raises :class:`Conflict` instead of being overwritten.

        An answered or forwarded group without a representative chosen gets the question it
        publishes recorded (``representative``: the member the officer's page showed as the
        question; default the group's first member, as the Q&A page shows it), so a petition moved
        in later never becomes the question under the answer."""
        officer = _officer(officer)
        if status not in ANSWER_STATUSES:
            raise Invalid(f"status must be one of {', '.join(ANSWER_STATUSES)}")
        answered_on = str(answered_on or "").strip()
        if answered_on:
            try:
                answered_on = datetime.strptime(answered_on, "%Y-%m-%d").date().isoformat()
            except ValueError:
                raise Invalid("answered_on must be a date YYYY-MM-DD") from None
        agency = re.sub(r"\s+", " ", str(agency or "")).strip()[:200]
        answer = str(answer or "").strip()
        if len(answer) > 20000:
            raise Invalid("answer longer than 20,000 characters")
        if status == "answered" and not answer:
            raise Invalid("an answered issue needs the answer text")
        time = now()
        with self.write() as conn:
            g = conn.execute("SELECT * FROM groups WHERE id = ?", (group_id,)).fetchone()
            if g is None or g["merged_into"] is not None:
                raise NotFound(f"no group {group_id}")
            current = conn.execute("SELECT COUNT(*) FROM answer_log WHERE group_id = ?", (group_id,)).fetchone()[0]
            if version is not None and int(version) != current:
                raise Conflict(f"the answer to group {group_id} was changed by someone else since you opened it; reload the page")
            if status != "unanswered" and conn.execute("SELECT 1 FROM petitions WHERE group_id = ? LIMIT 1", (group_id,)).fetchone() is None:
                raise NotFound(f"no group {group_id} (it has no petitions left; clearing its answer is all it takes)")
            _write_answer(conn, group_id, agency, answer, answered_on, status, time, officer)
            if status == "unanswered" and not answer:  # cleared: a question recorded for the answer is no one's choice
                _release_representative(conn, group_id, time, officer)
            _freeze_representative(conn, group_id, time, officer, prefer=representative)  # the published question stays the one answered
            return self._answers(conn, [group_id])[group_id]

    def answered_groups(self, *, before_survey: int | None = None) -> list[dict[str, Any]]:
        """Answered groups of earlier surveys (all surveys when ``before_survey`` is None), with
        the texts of their members."""
        with self.read() as conn:
            sql = (
                "SELECT g.id, g.survey_id, g.category, a.agency, a.answer, a.answered_on, s.name AS survey_name, s.created"
                " FROM answers a JOIN groups g ON g.id = a.group_id JOIN surveys s ON s.id = g.survey_id"
                " WHERE a.status = 'answered' AND g.merged_into IS NULL"
            )
            args: list[Any] = []
            if before_survey is not None:
                sql += " AND g.survey_id < ?"
                args.append(before_survey)
            groups = [dict(r) for r in conn.execute(sql + " ORDER BY g.id", args)]
            for g in groups:
                g["texts"] = [r[0] for r in conn.execute("SELECT text FROM petitions WHERE group_id = ? ORDER BY row", (g["id"],))]
        return [g for g in groups if g["texts"]]

    def answers_without_petitions(self, survey_id: int) -> list[dict[str, Any]]:
        """The survey's recorded answers whose group has no petition left (a workspace written
        before such a change was refused): ``group_id``, ``label``, ``category``, ``agency``,
        ``answer``, ``answered_on``, ``status``. They are on no groups or Q&A page; merging the
        group into the one its petitions joined brings the answer back."""
        self.survey(survey_id)
        with self.read() as conn:
            return [dict(r) for r in conn.execute(
                "SELECT g.id AS group_id, g.label, g.category, a.agency, a.answer, a.answered_on, a.status FROM answers a"
                " JOIN groups g ON g.id = a.group_id WHERE g.survey_id = ? AND g.merged_into IS NULL"
                f" AND {RECORDED_ANSWER}"
                " AND NOT EXISTS (SELECT 1 FROM petitions p WHERE p.group_id = g.id) ORDER BY g.id",
                (survey_id,),
            )]

    def set_links(self, links: list[tuple[int, int, float]], *, survey_id: int | None = None) -> None:
        """Store "already answered" links (petition id, answered group id, similarity); with
        ``survey_id``, the survey's earlier links are replaced (one transaction). A pair an
        officer dismissed (:meth:`dismiss_link`) is never stored, even when a relink computed
        before the dismissal writes after it."""
        with self.write() as conn:
            if survey_id is not None:
                conn.execute(
                    "DELETE FROM answered_links WHERE petition_id IN (SELECT id FROM petitions WHERE survey_id = ?)", (survey_id,)
                )
            conn.executemany(LINK_UPSERT, links)

    # -- the officer's verdict on a link (migration 3) -----------------------------------
    def dismiss_link(self, petition_id: int, *, officer: str = "") -> dict[str, Any]:
        """"Không phải vấn đề này": the petition does not raise the answered issue it is linked
        to. The link is deleted and the pair recorded as dismissed (with time and officer, logged),
        so no later link pass links the petition to that group again. Returns the petition
        (``answered_in`` now ``None``) with ``dismissed``: the dismissal. :class:`NotFound` for an
        unknown petition, :class:`Conflict` when it has no link (e.g. already dismissed in another tab)."""
        officer = _officer(officer)
        time = now()
        with self.write() as conn:
            if conn.execute("SELECT 1 FROM petitions WHERE id = ?", (petition_id,)).fetchone() is None:
                raise NotFound(f"no petition {petition_id}")
            link = self._links(conn, [petition_id]).get(petition_id)
            if link is None:
                raise Conflict(f"petition {petition_id} is not linked to an answered issue (nothing to dismiss); reload the page")
            similarity = conn.execute("SELECT similarity FROM answered_links WHERE petition_id = ?", (petition_id,)).fetchone()[0]
            conn.execute(
                "INSERT INTO dismissed_links (petition_id, group_id, similarity, time, officer) VALUES (?,?,?,?,?)"
                " ON CONFLICT(petition_id, group_id) DO UPDATE SET similarity = excluded.similarity, time = excluded.time,"
                " officer = excluded.officer",
                (petition_id, link["group_id"], similarity, time, officer),
            )
            conn.execute("DELETE FROM answered_links WHERE petition_id = ?", (petition_id,))
            _log_link(conn, petition_id, link["group_id"], "dismiss", time, officer)
        out = self.petition(petition_id)
        out["dismissed"] = {**link, "time": time, "officer": officer}
        return out

    def restore_link(self, petition_id: int, group_id: int | None = None, *, officer: str = "") -> dict[str, Any]:
        """Undo a dismissal (``group_id``: which one; default the petition's latest). The pair is
        allowed again, and the dismissed link is put back at once (with its probability) when its
        group is still answered and the petition has no link at least as probable; otherwise the
        next link pass decides. Returns the petition. :class:`NotFound` for an unknown petition,
        :class:`Conflict` when there is no such dismissal."""
        officer = _officer(officer)
        time = now()
        with self.write() as conn:
            if conn.execute("SELECT 1 FROM petitions WHERE id = ?", (petition_id,)).fetchone() is None:
                raise NotFound(f"no petition {petition_id}")
            if group_id is not None:  # a page opened before a merge names the group merged away: the one it went into
                group_id = _live_group(conn, group_id)
            sql = "SELECT * FROM dismissed_links WHERE petition_id = ?" + (" AND group_id = ?" if group_id is not None else "")
            row = conn.execute(sql + " ORDER BY time DESC, rowid DESC LIMIT 1", (petition_id, *([group_id] if group_id is not None else []))).fetchone()
            if row is None:
                which = f" from group {group_id}" if group_id is not None else ""
                raise Conflict(f"petition {petition_id} has no dismissed link{which} to restore; reload the page")
            conn.execute("DELETE FROM dismissed_links WHERE petition_id = ? AND group_id = ?", (petition_id, row["group_id"]))
            _log_link(conn, petition_id, row["group_id"], "restore", time, officer)
            current = conn.execute("SELECT similarity FROM answered_links WHERE petition_id = ?", (petition_id,)).fetchone()
            live = conn.execute(
                "SELECT 1 FROM groups g JOIN answers a ON a.group_id = g.id WHERE g.id = ? AND g.merged_into IS NULL AND a.status = 'answered'",
                (row["group_id"],),
            ).fetchone()
            if live is not None and row["similarity"] is not None and (current is None or current[0] <= row["similarity"]):
                conn.execute(LINK_UPSERT, (petition_id, row["group_id"], row["similarity"]))  # its dismissal is gone
        return self.petition(petition_id)

    def dismissed_pairs(self, survey_id: int) -> set[tuple[int, int]]:
        """``{(petition id, answered group id)}`` dismissed for the survey's petitions."""
        with self.read() as conn:
            return {(r[0], r[1]) for r in conn.execute(
                "SELECT d.petition_id, d.group_id FROM dismissed_links d JOIN petitions p ON p.id = d.petition_id WHERE p.survey_id = ?",
                (survey_id,),
            )}

    def dismissed_links(self, survey_id: int) -> list[dict[str, Any]]:
        """The survey's dismissed links, in row order: ``petition_id``, ``row``, ``text``,
        ``group_id`` and the answer it was linked to (``survey_id``, ``survey``, ``agency``,
        ``answer``, ``answered_on``), ``similarity``, ``time``, ``officer``. A group merged away
        since is listed under the group it went into."""
        self.survey(survey_id)
        with self.read() as conn:
            return [dict(r) for r in conn.execute(
                "SELECT d.petition_id, p.row, p.text, d.group_id, g.survey_id, s.name AS survey, a.agency, a.answer,"
                " a.answered_on, d.similarity, d.time, d.officer FROM dismissed_links d JOIN petitions p ON p.id = d.petition_id"
                " JOIN groups g ON g.id = d.group_id JOIN surveys s ON s.id = g.survey_id LEFT JOIN answers a ON a.group_id = g.id"
                " WHERE p.survey_id = ? AND g.merged_into IS NULL ORDER BY p.row, d.time",
                (survey_id,),
            )]

    def survey_links(self, survey_id: int) -> dict[int, dict[str, Any]]:
        """``{petition id: answered_in}`` for the survey's petitions linked to an answer."""
        with self.read() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT l.petition_id FROM answered_links l JOIN petitions p ON p.id = l.petition_id WHERE p.survey_id = ?",
                (survey_id,),
            )]
            return self._links(conn, ids)

    def later_surveys(self, survey_id: int) -> list[int]:
        """Ids of the ready surveys uploaded after ``survey_id``."""
        with self.read() as conn:
            return [r[0] for r in conn.execute("SELECT id FROM surveys WHERE id > ? AND state = 'ready' ORDER BY id", (survey_id,))]

    def _links(self, conn: sqlite3.Connection, petition_ids: list[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for chunk in range(0, len(petition_ids), 500):
            part = petition_ids[chunk:chunk + 500]
            if not part:
                continue
            for r in conn.execute(
                "SELECT l.petition_id, l.group_id, l.similarity, g.survey_id, s.name AS survey_name, a.agency, a.answer,"
                " a.answered_on, a.status FROM answered_links l JOIN groups g ON g.id = l.group_id"
                " JOIN surveys s ON s.id = g.survey_id LEFT JOIN answers a ON a.group_id = g.id"
                f" WHERE l.petition_id IN ({','.join('?' * len(part))})",
                part,
            ):
                if r["status"] != "answered":
                    continue
                out[r["petition_id"]] = {
                    "survey_id": r["survey_id"], "survey": r["survey_name"], "group_id": r["group_id"],
                    "agency": r["agency"], "answer": r["answer"], "answered_on": r["answered_on"],
                }
        return out


_DERIVED = {
    "category", "category_name", "confidence", "second_category", "second_confidence", "needs_review", "status",
    "group_id", "issue", "reviewed", "model_category",
}


def _statements(script: str) -> list[str]:
    parts, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        if sqlite3.complete_statement("\n".join(buf)):
            statement = "\n".join(buf).strip()
            if statement.strip(";").strip():
                parts.append(statement)
            buf = []
    return parts


def _fold(text: Any) -> str:
    """Text as search compares it: Unicode NFC (a file saved with decomposed accents), case folded
    (SQLite's LIKE folds ASCII letters only, so "CÔNG TY" missed "công ty")."""
    return unicodedata.normalize("NFC", "" if text is None else str(text)).casefold()


def _write_answer(
    conn: sqlite3.Connection, group_id: int, agency: str, answer: str, answered_on: str, status: str, time: str, officer: str
) -> None:
    """Store a group's answer (replacing the one it had) and log it: each logged save is one version."""
    conn.execute(
        "INSERT INTO answers (group_id, agency, answer, answered_on, status, updated, officer) VALUES (?,?,?,?,?,?,?)"
        " ON CONFLICT(group_id) DO UPDATE SET agency = excluded.agency, answer = excluded.answer,"
        " answered_on = excluded.answered_on, status = excluded.status, updated = excluded.updated, officer = excluded.officer",
        (group_id, agency, answer, answered_on, status, time, officer),
    )
    conn.execute(
        "INSERT INTO answer_log (group_id, agency, answer, answered_on, status, time, officer) VALUES (?,?,?,?,?,?,?)",
        (group_id, agency, answer, answered_on, status, time, officer),
    )


def _answer_text(row: Any) -> tuple[str, str, str]:
    """What makes two answers the same: agency, text and status."""
    return (row["agency"], row["answer"], row["status"])


LINK_UPSERT = (
    "INSERT INTO answered_links (petition_id, group_id, similarity) SELECT ?1, ?2, ?3"
    " WHERE NOT EXISTS (SELECT 1 FROM dismissed_links d WHERE d.petition_id = ?1 AND d.group_id = ?2)"
    " ON CONFLICT(petition_id) DO UPDATE SET group_id = excluded.group_id, similarity = excluded.similarity"
)
"""Store one "already answered" link (petition id, group id, similarity), replacing the petition's
link; never a pair an officer dismissed."""

RECORDED_ANSWER = "(a.status != 'unanswered' OR a.answer != '')"
"""SQL condition (table alias ``a``) for an answer an officer recorded; a cleared one (unanswered, no
text) counts as none."""


def _live_group(conn: sqlite3.Connection, group_id: int) -> int:
    """``group_id``, or the group it was merged into (following merges)."""
    seen = set()
    while group_id not in seen:
        seen.add(group_id)
        row = conn.execute("SELECT merged_into FROM groups WHERE id = ?", (group_id,)).fetchone()
        if row is None or row[0] is None:
            return group_id
        group_id = int(row[0])
    return group_id


def _keep_answers(conn: sqlite3.Connection, group_ids: Iterable[int]) -> None:
    """:class:`Conflict` (the write is rolled back) when a group holding a recorded answer was
    left without petitions: the answer would vanish from the groups, answers and Q&A pages."""
    for gid in sorted(set(group_ids)):
        a = conn.execute(
            "SELECT a.agency, a.answer, a.status, g.label FROM answers a JOIN groups g ON g.id = a.group_id"
            f" WHERE a.group_id = ? AND g.merged_into IS NULL AND {RECORDED_ANSWER}",
            (gid,),
        ).fetchone()
        if a is None or conn.execute("SELECT 1 FROM petitions WHERE group_id = ? LIMIT 1", (gid,)).fetchone() is not None:
            continue
        said = re.sub(r"\s+", " ", a["answer"]).strip()
        said = f" “{said[:60]}{'…' if len(said) > 60 else ''}”" if said else ""
        raise Conflict(
            f"nhóm {a['label']} đã có câu trả lời ({a['agency'] or 'chưa ghi cơ quan'}{said}) và sẽ không còn kiến nghị nào:"
            " gộp nhóm này vào nhóm cần chuyển đến (câu trả lời đi theo) hoặc xoá câu trả lời trước"
        )


def _set_representative(
    conn: sqlite3.Connection, group_id: int, petition_id: int, action: str, time: str, officer: str, *, only_if_none: bool = False
) -> None:
    conn.execute("INSERT OR IGNORE INTO shortlist_choices (group_id) VALUES (?)", (group_id,))
    if only_if_none and conn.execute(
        "SELECT representative_id FROM shortlist_choices WHERE group_id = ?", (group_id,)
    ).fetchone()[0] is not None:
        return
    conn.execute("UPDATE shortlist_choices SET representative_id = ? WHERE group_id = ?", (petition_id, group_id))
    _log_choice(conn, group_id, action, str(petition_id), time, officer)


def _log_change(conn: sqlite3.Connection, petition_id: int, field: str, old: Any, new: Any, time: str, officer: str) -> None:
    """One row of the append-only log of a petition's edits (category, status, reviewed, group)."""
    conn.execute(
        "INSERT INTO changes (petition_id, field, old, new, time, officer) VALUES (?,?,?,?,?,?)",
        (petition_id, field, old, new, time, officer),
    )


def _log_choice(conn: sqlite3.Connection, group_id: int, action: str, value: str | None, time: str, officer: str) -> None:
    """One row of the append-only shortlist log (pin, drop, representative, …)."""
    conn.execute(
        "INSERT INTO shortlist_log (group_id, action, value, time, officer) VALUES (?,?,?,?,?)",
        (group_id, action, value, time, officer),
    )


def _freeze_representative(conn: sqlite3.Connection, group_id: int, time: str, officer: str, *, prefer: int | None = None) -> None:
    """An answered (or forwarded) group without a chosen representative gets the automatic one
    (``prefer`` when it is a member, else its first member, the question the Q&A page publishes)
    recorded, logged as ``representative_at_answer``: a petition moved in later never becomes the
    published question."""
    a = conn.execute("SELECT status FROM answers WHERE group_id = ?", (group_id,)).fetchone()
    if a is None or a["status"] == "unanswered":
        return
    chosen = conn.execute("SELECT representative_id FROM shortlist_choices WHERE group_id = ?", (group_id,)).fetchone()
    if chosen is not None and chosen[0] is not None:
        return
    first = conn.execute(
        "SELECT id FROM petitions WHERE group_id = ? ORDER BY id = ? DESC, row LIMIT 1", (group_id, -1 if prefer is None else int(prefer))
    ).fetchone()
    if first is not None:
        _set_representative(conn, group_id, first[0], "representative_at_answer", time, officer)


def _release_representative(conn: sqlite3.Connection, group_id: int, time: str, officer: str) -> None:
    """The group's answer was cleared: a representative recorded with it (``representative_at_answer``,
    not an officer's choice) is released, so the shortlist's automatic pick applies again."""
    rep = conn.execute("SELECT representative_id FROM shortlist_choices WHERE group_id = ?", (group_id,)).fetchone()
    if rep is None or rep[0] is None:
        return
    last = conn.execute(
        "SELECT action FROM shortlist_log WHERE group_id = ? AND value = ? AND action IN ('representative', 'representative_at_answer')"
        " ORDER BY id DESC LIMIT 1", (group_id, str(rep[0])),
    ).fetchone()
    if last is not None and last[0] == "representative_at_answer":
        conn.execute("UPDATE shortlist_choices SET representative_id = NULL WHERE group_id = ?", (group_id,))
        _log_choice(conn, group_id, "representative_released", str(rep[0]), time, officer)


def _leave_group(conn: sqlite3.Connection, petition_id: int, group_id: int, time: str, officer: str) -> None:
    """``petition_id`` has left ``group_id``: it is no longer that group's representative; an
    answered group records the question it publishes now (its first member)."""
    conn.execute(
        "UPDATE shortlist_choices SET representative_id = NULL WHERE group_id = ? AND representative_id = ?", (group_id, petition_id)
    )
    _freeze_representative(conn, group_id, time, officer)


def _log_link(conn: sqlite3.Connection, petition_id: int, group_id: int, action: str, time: str, officer: str) -> None:
    conn.execute(
        "INSERT INTO link_log (petition_id, group_id, action, time, officer) VALUES (?,?,?,?,?)",
        (petition_id, group_id, action, time, officer),
    )


def _officer(name: Any) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", "", str(name or "")).strip()[:100]


def _trace(conn: sqlite3.Connection, survey_id: int, kind: str, pid: int | None, src: int | None, dst: int | None, time: str, officer: str) -> None:
    conn.execute(
        "INSERT INTO group_trace (survey_id, kind, petition_id, from_group, to_group, time, officer) VALUES (?,?,?,?,?,?,?)",
        (survey_id, kind, pid, src, dst, time, officer),
    )


def _new_group(conn: sqlite3.Connection, survey_id: int, category: str, time: str) -> int:
    n = conn.execute("SELECT COUNT(*) FROM groups WHERE survey_id = ? AND category = ?", (survey_id, category)).fetchone()[0]
    label = f"{category}-{n + 1:03d}"
    while conn.execute("SELECT 1 FROM groups WHERE survey_id = ? AND label = ?", (survey_id, label)).fetchone():
        n += 1
        label = f"{category}-{n + 1:03d}"
    cur = conn.execute(
        "INSERT INTO groups (survey_id, label, category, issue, created) VALUES (?,?,?,?,?)", (survey_id, label, category, "", time)
    )
    return int(cur.lastrowid)


def _survey_dict(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"], "name": row["name"], "created": row["created"], "rows": row["rows"], "state": row["state"],
        "error": row["error"], "text_column": row["text_column"], "unit_column": row["unit_column"],
        "columns": json.loads(row["columns_json"]), "notes": json.loads(row["notes_json"]),
        "settings": json.loads(row["settings_json"]), "stored_file": row["stored_file"],
    }


def _petition_dict(row: sqlite3.Row, link: dict[str, Any] | None) -> dict[str, Any]:
    out = {
        "id": row["id"], "survey_id": row["survey_id"], "row": row["row"], "text": row["text"], "unit": row["unit"],
        "category": row["category"], "confidence": row["confidence"], "needs_review": bool(row["needs_review"]),
        "status": row["status"], "group_id": row["group_id"], "group": row["group_label"] if "group_label" in row.keys() else None,
        "reviewed": bool(row["reviewed"]), "version": row["version"], "model_category": row["model_category"],
        "answered_in": link,
    }
    if row["second_category"]:
        out["second_category"] = row["second_category"]
    original = json.loads(row["original_json"]) if "original_json" in row.keys() and row["original_json"] else {}
    out["source_row"] = _whole(original.get("source_row"))  # the row as the officer sees it in the file
    if original.get("sheet"):
        out["sheet"] = str(original["sheet"])
    return out


def _whole(value: Any) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def open_workspace(path: str | Path) -> Store:
    """The existing workspace at ``path`` (the folder ``petition-nlp serve --data`` uses); never
    creates one. :class:`~petition_nlp.files.io.InputError` (one line) when there is none."""
    from petition_nlp.files.io import InputError

    db = Path(path) / DB_NAME
    if not db.is_file():
        raise InputError(f"{path}: no workspace here (no {DB_NAME}); give the folder `petition-nlp serve --data` uses")
    with open(db, "rb") as handle:  # never turn an empty or foreign file into a workspace
        if handle.read(16) != b"SQLite format 3\x00":
            raise InputError(f"{db}: not a workspace database (empty or another kind of file)")
    try:
        return Store(path)
    except sqlite3.DatabaseError as exc:
        raise InputError(f"{db}: not a usable workspace database ({exc})") from None
