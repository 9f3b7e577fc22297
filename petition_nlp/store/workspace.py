"""What the workspace does with a survey, on top of the store and :mod:`petition_nlp.pipeline`:
ingest an upload, shortlist with the officer's decisions, export, link already-answered issues,
publish questions and answers. The web routes and the CLI call these; no logic lives in a route.
"""

from __future__ import annotations

import csv
import html
import io
import tempfile
import threading
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from petition_nlp import pipeline
from petition_nlp.grouping.answered import LINK_THRESHOLD, match_answered
from petition_nlp.grouping.shortlist import clarity, row_labels
from petition_nlp.store import Invalid, Store

__all__ = [
    "ingest", "shortlist", "shortlist_records", "workbook_bytes", "shortlist_workbook_bytes", "report_html",
    "labels_csv", "link_answered", "ANSWERED_THRESHOLD", "qa_frame", "qa_html", "qa_workbook_bytes",
    "ANSWERED_MODES", "answered_mode", "group_answers", "record_answer", "relink_after", "Relinker", "suggest_survey",
    "dismiss_answered", "restore_answered", "relink_after_edit", "group_records", "automatic_representatives",
]

ANSWERED_MODES = ("mark", "exclude")
"""What the shortlist does with issues already answered at an earlier conference: ``mark``
(default: kept, each row carrying ``answered_in``) or ``exclude`` (left out, like a dropped
group; a pinned group stays)."""

ANSWERED_THRESHOLD = LINK_THRESHOLD
"""Probability (:mod:`petition_nlp.grouping.answered`) from which a new petition is linked to an answered
group of an earlier survey. Chosen on a survey-level simulation, where every petition meets every
answered group (``python benchmarks/answered_dev.py``), by a rule fixed beforehand: the lowest
threshold whose precision reaches 0.95 on the fitting seeds. The pair-level dev files
(tests/fixtures/answered_dev*.csv; ``python benchmarks/web_bench.py --answered-dev``) are kept as a
check. Not tuned on data/eval."""


def ingest(
    store: Store,
    survey_id: int,
    path: str | Path,
    *,
    model: Any,
    text_column: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    split_items: bool = False,
    sheet: str | int | None = None,
    header_row: int | None = None,
    link_lock: AbstractContextManager[Any] | None = None,
) -> dict[str, Any]:
    """Read, classify and group the stored original of ``survey_id`` and fill the store
    (then link petitions to issues answered in earlier surveys). ``split_items``, ``sheet`` and
    ``header_row`` are the reader's options (:func:`petition_nlp.files.io.read_table`; the header
    row 0-based). ``link_lock`` (e.g. :attr:`Relinker.lock`) is held while linking, so a relink
    running in the background and this link never write the survey's links at once. Raises
    InputError / StoreError; the caller marks the survey failed."""
    say = progress or (lambda stage, done, total: None)
    say("read", 0, 0)
    frame, info, column = pipeline.load_survey(
        path, text_column=text_column or None, split_items=split_items, sheet=sheet, header_row=header_row
    )
    total = len(frame)
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        say("classify", done[0], total)

    notes = list(info.notes) + ([f"{info.blank_rows_skipped} blank rows skipped"] if info.blank_rows_skipped else [])
    notes += [
        f"the same file as survey {other['id']} ('{other['name']}', uploaded {str(other['created'])[:10]}): uploaded twice?"
        for other in store.same_file_as(survey_id)
    ]
    classified = pipeline.classify_survey(frame, column, model, progress=tick, notes=notes, source=path)
    say("group", total, total)
    grouped = pipeline.group_survey(classified, column)
    say("save", total, total)
    result = store.fill_survey(
        survey_id, grouped, text_column=column, unit_column=info.unit_column if info.unit_column in grouped else None,
        notes=notes, original_columns=[c for c in frame.columns if c in classified.columns],  # a previous run's results replaced
    )
    with link_lock or nullcontext():
        link_answered(store, survey_id)
    return result


# ----------------------------------------------------------------------------- shortlist
def answered_mode(store: Store, survey_id: int, given: str | None = None) -> str:
    """``given`` when set, else the survey's saved setting, else ``mark``; refuses other values."""
    mode = given if given not in (None, "") else store.survey(survey_id)["settings"].get("answered", "mark")
    if mode not in ANSWERED_MODES:
        raise Invalid(f"answered must be one of {', '.join(ANSWERED_MODES)}")
    return str(mode)


def group_answers(store: Store, survey_id: int, frame: pd.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """``{group id (string): answered_in}`` for the groups of ``survey_id`` already answered at
    an earlier conference: at least half of the group's members are linked to an answer, and
    the group takes the answer most of its members are linked to (ties: the earliest group)."""
    links = store.survey_links(survey_id)
    if not links:
        return {}
    if frame is None:
        frame, _ = store.survey_frame(survey_id)
    out: dict[str, dict[str, Any]] = {}
    for gid, part in frame[frame["group_id"] != ""].groupby("group_id", sort=False):
        found = [links[int(pid)] for pid in part["petition_id"] if int(pid) in links]
        if not found or 2 * len(found) < len(part):
            continue
        counts: dict[int, int] = {}
        for link in found:
            counts[link["group_id"]] = counts.get(link["group_id"], 0) + 1
        best = min(counts, key=lambda g: (-counts[g], g))
        out[str(gid)] = next(link for link in found if link["group_id"] == best)
    return out


def shortlist(
    store: Store, survey_id: int, *, n: int = 15, quota: str = "proportional", exclude: str = "", answered: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """``(rows, chosen, text_column)``: the survey's rows as edited and the shortlist of ``n``
    questions honouring the officer's pins, drops and representatives. ``answered``
    (:data:`ANSWERED_MODES`; default the survey's setting, else ``mark``): issues answered at an
    earlier conference (:func:`group_answers`) are kept with ``answered_in`` set, or left out."""
    from petition_nlp.grouping.shortlist import parse_codes, parse_quota

    if n < 1 or n > 500:
        raise Invalid("n must be between 1 and 500")
    mode = answered_mode(store, survey_id, answered)
    try:
        quota_value = parse_quota(quota)
    except ValueError as exc:
        raise Invalid(str(exc).splitlines()[0]) from None
    frame, info = store.survey_frame(survey_id)
    if info["state"] != "ready":
        raise Invalid(f"survey {survey_id} is not ready ({info['state']})")
    column = info["text_column"]
    choices = store.choices(survey_id)
    vectors = _vectors(store, survey_id, frame, column)
    done = group_answers(store, survey_id, frame)
    dropped = list(choices["dropped"]) + (list(done) if mode == "exclude" else [])
    chosen = pipeline.shortlist_survey(
        frame, column, n=n, quota=quota_value, exclude=parse_codes(exclude),
        id_column="petition_id", pinned=choices["pinned"], dropped=dropped,
        representatives=choices["representatives"], vectors=vectors,
    )
    chosen["answered_in"] = [done.get(str(g)) for g in chosen["group_id"]] if len(chosen) else pd.Series(dtype=object)
    _name_members(chosen, frame)
    chosen.attrs["answered"] = {"mode": mode, "groups": len(done)}
    return frame, chosen, column


def _name_members(chosen: pd.DataFrame, frame: pd.DataFrame) -> None:
    """``member_ids`` of the shortlist: the members' rows as the officer sees them (the workbook's
    "Các kiến nghị trong nhóm", the report); ``member_petition_ids``: their store ids (the API).
    Both from the survey's rows, whatever ids the selection used (a sheet-prefixed id is no petition id)."""
    if not len(chosen):
        chosen["member_petition_ids"] = pd.Series(dtype=object)
        return
    labels = row_labels(frame.drop(columns="petition_id"))
    in_group = frame[frame["group_id"] != ""].groupby("group_id", sort=False).groups
    chosen["member_petition_ids"] = [
        [int(p) for p in frame.loc[in_group.get(str(g), []), "petition_id"]] for g in chosen["group_id"]
    ]
    chosen["member_ids"] = [", ".join(labels[in_group.get(str(g), [])].tolist()) for g in chosen["group_id"]]


_VECTOR_CACHE: dict[tuple[str, int], tuple[tuple[str, ...], Any]] = {}


def _vectors(store: Store, survey_id: int, frame: pd.DataFrame, column: str) -> Any:
    """Grouping vectors of a survey's rows (texts never change, so cached per process by the
    texts' identity: the petition ids and their statuses)."""
    key = (str(store.path), survey_id)
    ident = tuple(frame["petition_id"] + ":" + frame["status"])
    hit = _VECTOR_CACHE.get(key)
    if hit is not None and hit[0] == ident:
        return hit[1]
    vectors = pipeline.grouping_vectors(frame[column].tolist(), (frame["status"] == "ok").tolist())
    if len(_VECTOR_CACHE) > 16:
        _VECTOR_CACHE.clear()
    _VECTOR_CACHE[key] = (ident, vectors)
    return vectors


def shortlist_records(chosen: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    """The shortlist as the API's list of ``{rank, category, petition_id, text, represents,
    group_id, member_ids, member_rows, ...}``: ``member_ids`` the members' petition ids,
    ``member_rows`` the same members as the officer sees them in the file (``"12"``, ``"Sheet: 12"``)."""
    out = []
    for _, r in chosen.iterrows():
        members = list(r.get("member_petition_ids") or [])
        rows = [m.strip() for m in str(r.get("member_ids") or "").split(", ") if m.strip()]
        out.append({
            "rank": int(r["rank"]), "category": r["category"], "petition_id": int(r["petition_id"]),
            "text": "" if pd.isna(r[column]) else str(r[column]), "represents": int(r["represents"]),
            "group_id": int(r["group_id"]), "member_ids": members, "member_rows": rows, "pinned": bool(r.get("pinned", False)),
            "issue": str(r.get("issue") or ""), "unit_count": int(r["unit_count"]) if "unit_count" in r and not pd.isna(r["unit_count"]) else None,
            "answered_in": r.get("answered_in") if isinstance(r.get("answered_in"), dict) else None,
        })
    return out


# ----------------------------------------------------------------------------- groups
def automatic_representatives(store: Store, survey_id: int, *, groups: Collection[int] | None = None) -> dict[int, int]:
    """``{group id: petition id}``: the member the shortlist shows for each group (``groups``: only
    these) when no officer chose one, its clearest petition (most central, complete, typed with
    diacritics: :func:`petition_nlp.grouping.shortlist.select_questions`' pick, before it skips a
    near-duplicate of a question already chosen)."""
    frame, info = store.survey_frame(survey_id)
    if info["state"] != "ready" or not len(frame):
        return {}
    column = info["text_column"]
    vectors = _vectors(store, survey_id, frame, column)
    from petition_nlp.files.validation import as_text

    texts = frame[column].map(as_text)
    out: dict[int, int] = {}
    for gid, rows in frame[frame["group_id"] != ""].groupby("group_id", sort=False).groups.items():
        if groups is not None and int(gid) not in groups:
            continue
        positions = [frame.index.get_loc(i) for i in rows]
        scores = clarity(texts.iloc[positions].tolist(), vectors[positions])
        out[int(gid)] = int(frame["petition_id"].iloc[positions[int(scores.argmax())]])
    return out


def group_records(store: Store, survey_id: int) -> list[dict[str, Any]]:
    """:meth:`Store.groups` with ``representative_id`` always set, and where it comes from
    (``representative_source``): ``officer`` (chosen on the groups page; ``representative_chosen``
    true), ``answer`` (the question recorded when the group's answer was saved) or ``automatic``
    (:func:`automatic_representatives`' pick: no representative recorded, or it left the group)."""
    groups = store.groups(survey_id)
    automatic = automatic_representatives(store, survey_id)
    sources = _representative_sources(store, [int(g["group_id"]) for g in groups])
    for g in groups:
        kept = g["representative_id"] is not None and g["representative_id"] in g["member_ids"]
        source = sources.get((int(g["group_id"]), str(g["representative_id"])), "officer") if kept else "automatic"
        g["representative_source"] = source
        g["representative_chosen"] = source == "officer"
        if not kept:
            g["representative_id"] = automatic.get(int(g["group_id"]), g["member_ids"][0])
    return groups


def _representative_sources(store: Store, group_ids: list[int]) -> dict[tuple[int, str], str]:
    """``{(group id, petition id as text): "officer" | "answer"}``: who recorded each group's latest
    representatives (the shortlist log: ``representative`` by an officer, ``representative_at_answer``
    when an answer was saved)."""
    out: dict[tuple[int, str], str] = {}
    with store.read() as conn:
        for start in range(0, len(group_ids), 500):
            part = group_ids[start:start + 500]
            for r in conn.execute(
                "SELECT group_id, action, value FROM shortlist_log WHERE action IN ('representative', 'representative_at_answer')"
                f" AND group_id IN ({','.join('?' * len(part))}) ORDER BY rowid", part,
            ):
                out[(int(r[0]), str(r[2]))] = "officer" if r[1] == "representative" else "answer"
    return out


# ----------------------------------------------------------------------------- exports
def _public_rows(frame: pd.DataFrame, store: Store, survey_id: int) -> pd.DataFrame:
    """The rows as the workbook shows them: group labels instead of store ids, no store ids."""
    labelled, _ = store.survey_frame(survey_id, group_key="label")
    out = frame.copy()
    out["group_id"] = labelled["group_id"].to_numpy()
    return out.drop(columns=["petition_id"])


def _bytes_of(write: Callable[[Path], Any], suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="petition-nlp-") as tmp:
        target = Path(tmp) / f"out{suffix}"
        write(target)
        return target.read_bytes()


def workbook_bytes(store: Store, survey_id: int) -> bytes:
    """The formatted petitions workbook (every row, with the officer's edits); a survey that is not
    ready (still reading, or failed) is :class:`Invalid`, as for the shortlist and the report."""
    frame, info = store.survey_frame(survey_id)
    if info["state"] != "ready":
        raise Invalid(f"survey {survey_id} is not ready ({info['state']})")
    rows = _public_rows(frame, store, survey_id)
    petitions, _ = store.petitions(survey_id)  # row order: what an officer confirmed, and the model's own code
    rows["reviewed"] = [p["reviewed"] for p in petitions]
    rows["model_category"] = [p["model_category"] if p["status"] == "ok" else "" for p in petitions]
    return _bytes_of(lambda p: pipeline.export_workbook(rows, p), ".xlsx")


def answered_note(link: dict[str, Any] | None) -> str:
    """"Đã được trả lời tại hội nghị ngày …" for an ``answered_in`` link ("" without one)."""
    if not link:
        return ""
    when = f" ngày {_vn_date(link['answered_on'])}" if link.get("answered_on") else f" ({link.get('survey', '')})"
    return f"Đã được trả lời tại hội nghị{when}" + (f" — {link['agency']}" if link.get("agency") else "")


def shortlist_workbook_bytes(store: Store, survey_id: int, *, n: int = 15, quota: str = "proportional", answered: str | None = None) -> bytes:
    frame, chosen, column = shortlist(store, survey_id, n=n, quota=quota, answered=answered)
    labels = dict(zip(frame["group_id"], store.survey_frame(survey_id, group_key="label")[0]["group_id"]))
    out = chosen.copy()
    out["group_id"] = out["group_id"].map(labels)
    out["answered_in"] = [answered_note(a if isinstance(a, dict) else None) for a in out["answered_in"]]
    out = out.rename(columns={"answered_in": "Đã được trả lời"})
    out = out.drop(columns=[c for c in ("petition_id", "member_petition_ids") if c in out])
    return _bytes_of(lambda p: pipeline.export_table(out, p, kind="shortlist"), ".xlsx")


def report_html(store: Store, survey_id: int, *, n: int = 15, quota: str = "proportional", answered: str | None = None) -> str:
    frame, chosen, column = shortlist(store, survey_id, n=n, quota=quota, answered=answered)
    info = store.survey(survey_id)
    shown = chosen.copy()
    if len(shown):  # marked questions say so after their text (the report shows the text column)
        notes = [answered_note(a if isinstance(a, dict) else None) for a in shown["answered_in"]]
        shown[column] = [f"{t} [{note}]" if note else t for t, note in zip(shown[column], notes)]
    return pipeline.render_report(frame, shown.drop(columns=["answered_in", "member_petition_ids"]), column, title_source=info["name"])


def labels_csv(store: Store) -> str:
    """``text,label`` rows (every petition whose topic an officer set or confirmed) that
    ``petition-nlp train`` accepts; cells starting with = + - @ are quoted as the CLI's CSV does."""
    from petition_nlp.files.safefiles import guard_frame

    frame = pd.DataFrame(store.labels(), columns=["text", "label"])
    buffer = io.StringIO()
    guard_frame(frame).to_csv(buffer, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    return buffer.getvalue()


# ----------------------------------------------------------------------------- answered links
def link_answered(store: Store, survey_id: int, *, threshold: float = ANSWERED_THRESHOLD) -> int:
    """Link each petition of ``survey_id`` raising an issue answered in an earlier survey to that
    answer: the answered group of its topic most probably raising the same issue, when that
    probability (:func:`petition_nlp.grouping.answered.match_answered`: the petition against every answered
    group at once) reaches ``threshold``. The link keeps the probability. Returns the number of links.

    A group an officer dismissed a petition from (:func:`dismiss_answered`) is never linked to it
    (``match_answered``'s ``exclude``); the petition may be linked to its most probable group among
    the others."""
    answered = store.answered_groups(before_survey=survey_id)
    links = []
    if answered:
        frame, info = store.survey_frame(survey_id)
        ids = frame["petition_id"].astype(int).tolist()
        row_of = {pid: i for i, pid in enumerate(ids)}
        index_of = {int(g["id"]): k for k, g in enumerate(answered)}
        exclude = [(row_of[p], index_of[g]) for p, g in store.dismissed_pairs(survey_id) if p in row_of and g in index_of]
        found = match_answered(
            frame[info["text_column"]].tolist(), frame["category"].tolist(), [(g["texts"], g["category"]) for g in answered],
            usable=(frame["status"] == "ok").to_numpy(), threshold=threshold, exclude=exclude,
        )
        links = [(ids[i], int(answered[k]["id"]), round(p, 4)) for i, k, p in found]
    store.set_links(links, survey_id=survey_id)
    return len(links)


def dismiss_answered(store: Store, petition_id: int, *, officer: str = "") -> dict[str, Any]:
    """"Không phải vấn đề này": the officer says the petition does not raise the answered issue
    it is linked to (:meth:`Store.dismiss_link`). The link goes at once; no later pass of
    :func:`link_answered` (an upload, a relink after a saved answer) links the petition to that
    group again, though it may link it to another answered group. Returns the petition."""
    return store.dismiss_link(petition_id, officer=officer)


def restore_answered(store: Store, petition_id: int, group_id: int | None = None, *, officer: str = "") -> dict[str, Any]:
    """Undo a dismissal (:meth:`Store.restore_link`): the dismissed link is put back at once when
    its group is still answered (and the petition has no more probable link); every later pass of
    :func:`link_answered` may link the pair again. Returns the petition."""
    return store.restore_link(petition_id, group_id, officer=officer)


def relink_after(store: Store, survey_id: int) -> dict[int, int]:
    """Recompute the "already answered" links of every survey uploaded after ``survey_id`` (an
    answer of ``survey_id`` was recorded, changed or withdrawn); ``{survey id: links}``."""
    return {later: link_answered(store, later) for later in store.later_surveys(survey_id)}


def record_answer(store: Store, group_id: int, *, relink: bool = True, **answer: Any) -> dict[str, Any]:
    """:meth:`Store.set_answer`, then (``relink``) the later surveys' links recomputed, so a
    survey uploaded before the answer was recorded is linked to it too. Unless ``representative``
    is given, a group whose question no officer chose publishes the one the shortlist shows
    (:func:`automatic_representatives`), recorded with the answer."""
    if answer.get("status", "answered") == "answered":  # the published answer says who answered and when
        for name, what in (("agency", "the agency that answered"), ("answered_on", "the date of the answer (YYYY-MM-DD)")):
            if not str(answer.get(name) or "").strip():
                raise Invalid(f"an answered issue needs {name}: {what}")
    survey_id = int(store.group(group_id)["survey_id"])
    if answer.get("representative") is None:  # the question published is the one the shortlist shows
        answer["representative"] = automatic_representatives(store, survey_id, groups={int(group_id)}).get(int(group_id))
    saved = store.set_answer(group_id, **answer)
    if relink:
        relink_after(store, survey_id)
    return saved


class Relinker:
    """Relinks, in one background thread, the surveys uploaded after a survey whose answers changed
    (:func:`relink_after`; the web's answer save returns once the answer is stored).

    :meth:`submit` asks for a relink after a survey. Requests arriving while a relink runs coalesce
    into one more relink once it ends, after the earliest survey asked (its later surveys include
    the later surveys of every other one), reading the answers stored by then. One relink at a time
    (:attr:`lock`, also held by :func:`ingest` while it links a new upload). The store opens a
    connection per call, so the thread uses it as the request threads do. A relink that fails is
    reported by :meth:`state` in one line; the thread goes on.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.Lock()
        self.runs = 0
        self._changed = threading.Condition()
        self._queued: int | None = None  # earliest survey whose later surveys wait for a relink
        self._running: int | None = None
        self._error: tuple[int, str] | None = None  # (survey after which the last relink failed, one line)
        self._closing = False
        self._thread: threading.Thread | None = None

    def submit(self, survey_id: int, *, including: bool = False) -> None:
        """Relink the surveys uploaded after ``survey_id`` (``including``: and ``survey_id`` itself;
        the thread is started on the first call, then kept). After :meth:`close`: relinked at once,
        in the caller's thread (never lost)."""
        if including:  # the queue holds the survey whose *later* surveys wait (ids grow with uploads)
            survey_id -= 1
        with self._changed:
            if not self._closing:
                self._queued = survey_id if self._queued is None else min(self._queued, survey_id)
                if self._thread is None:
                    self._thread = threading.Thread(target=self._work, name="relink", daemon=True)
                    self._thread.start()
                self._changed.notify_all()
                return
        self._relink(survey_id)

    def resume(self) -> int | None:
        """When the server starts: queue a relink of every survey uploaded after the earliest survey
        holding an answered group, so a relink cut short (the server killed) never leaves links
        stale. Cheap (a 3,000-row survey relinks in about 2.4 s) and in the background. Returns the
        survey after which the surveys are relinked (``None``: nothing answered, or nothing after it)."""
        earliest = next(iter(_answered_surveys(self.store)), None)
        if earliest is None or not self.store.later_surveys(earliest):
            return None
        self.submit(earliest)
        return earliest

    def _work(self) -> None:
        while True:
            with self._changed:
                while self._queued is None and not self._closing:
                    self._changed.wait()
                if self._queued is None:  # closing, nothing left to do
                    return
                source = self._running = self._queued
                self._queued = None
            self._relink(source)
            with self._changed:
                self._running = None
                self._changed.notify_all()

    def _relink(self, survey_id: int) -> None:
        failed = None
        try:
            with self.lock:
                relink_after(self.store, survey_id)
        except Exception as exc:  # the state says so; the thread goes on
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            failed = f"links after survey {survey_id} not updated: {exc.__class__.__name__}" + (f": {first}" if first else "")
        with self._changed:
            self.runs += 1
            if failed:
                self._error = (survey_id, failed)
            elif self._error is not None and survey_id <= self._error[0]:  # this relink covered the failed one
                self._error = None

    @property
    def alive(self) -> bool:
        """Whether the background thread is running (started by the first :meth:`submit`)."""
        return self._thread is not None and self._thread.is_alive()

    def _sources(self) -> list[int]:
        return [s for s in (self._running, self._queued) if s is not None]

    def is_pending(self, survey_id: int) -> bool:
        """Whether the links of ``survey_id`` are being or about to be updated."""
        with self._changed:
            return any(survey_id > s for s in self._sources())

    def state(self) -> dict[str, Any]:
        """``{"relinking": bool, "pending_surveys": [ids], "error": one line or None}``."""
        with self._changed:
            sources, error = self._sources(), self._error
        pending = self.store.later_surveys(min(sources)) if sources else []
        return {"relinking": bool(sources), "pending_surveys": pending, "error": error[1] if error else None}

    def wait(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or running (``False``: ``timeout`` seconds passed first)."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._sources(), timeout)

    def close(self, timeout: float | None = 30.0) -> list[int]:
        """Finish the queued relink, then stop the thread (joined up to ``timeout`` seconds);
        returns the surveys whose links were still being updated when the wait ended."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return self.state()["pending_surveys"]
        return []


def _answered_surveys(store: Store, *, upto: int | None = None) -> list[int]:
    """Ids of the surveys (up to ``upto``) with an answered group, even one emptied or merged away
    since (later surveys may still be linked to it), in order."""
    sql = "SELECT DISTINCT g.survey_id FROM answers a JOIN groups g ON g.id = a.group_id WHERE a.status = 'answered'"
    with store.read() as conn:
        rows = conn.execute(sql + (" AND g.survey_id <= ?" if upto is not None else "") + " ORDER BY g.survey_id",
                            () if upto is None else (upto,)).fetchall()
    return [int(r[0]) for r in rows]


def relink_after_edit(store: Store, relinker: Relinker, survey_id: int) -> bool:
    """After a change of membership in ``survey_id`` (a topic or status change, a move, a merge):
    queue on ``relinker`` the relink an answer save makes. The survey's own petitions are relinked
    when an earlier survey has an answered group (a petition's topic decides which answers it may
    be linked to), the later surveys when this survey has one (its answered groups' members changed).
    Returns whether a relink was queued."""
    surveys = set(_answered_surveys(store, upto=survey_id))
    if any(s < survey_id for s in surveys):
        relinker.submit(survey_id, including=True)
    elif survey_id in surveys:
        relinker.submit(survey_id)
    else:
        return False
    return True


# ----------------------------------------------------------------------------- Q&A publishing
def qa_frame(store: Store, survey_id: int) -> pd.DataFrame:
    """One row per answered or forwarded group: topic, question (the representative, or the
    group's first member), units raising it, agency, answer, date, status. No internal data."""
    from petition_nlp.resources import category_name

    choices = store.choices(survey_id)
    rows = []
    for g in store.groups(survey_id):
        a = g["answer"]
        if not a or a["status"] == "unanswered":
            continue
        rep = choices["representatives"].get(str(g["group_id"]))
        member = next((m for m in g["members"] if str(m["id"]) == rep), g["members"][0])
        rows.append({
            "Chủ đề": category_name(g["category"]), "Câu hỏi": member["text"],
            "Số đơn vị nêu": len(g["units"]) or len(g["members"]), "Số kiến nghị": len(g["members"]),
            "Cơ quan trả lời": a["agency"], "Trả lời": a["answer"] if a["status"] == "answered" else "Đã chuyển cơ quan có thẩm quyền trả lời.",
            "Ngày trả lời": a["answered_on"], "_category": g["category"],
        })
    frame = pd.DataFrame(rows, columns=["Chủ đề", "Câu hỏi", "Số đơn vị nêu", "Số kiến nghị", "Cơ quan trả lời", "Trả lời", "Ngày trả lời", "_category"])
    return frame.sort_values(["Chủ đề", "Số đơn vị nêu"], ascending=[True, False], kind="stable").reset_index(drop=True)


_QA_CSS = (
    "body{font-family:system-ui,'Segoe UI',Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}"
    "h1{font-size:1.6rem}h2{border-bottom:2px solid #c00;padding-bottom:.2rem;margin-top:2rem}"
    ".qa{border:1px solid #ddd;border-radius:6px;padding:.8rem 1rem;margin:.8rem 0}.q{font-weight:600}"
    ".meta{color:#555;font-size:.9rem}.a{margin-top:.5rem;white-space:pre-wrap}"
)


def qa_html(store: Store, survey_id: int, *, title: str | None = None) -> str:
    """A self-contained HTML page of the questions and answers, grouped by topic, for the portal."""
    info = store.survey(survey_id)
    frame = qa_frame(store, survey_id)
    heading = title or "Trả lời kiến nghị của công nhân, người lao động"
    parts = [
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'><meta name='viewport' content='width=device-width,initial-scale=1'>",
        f"<title>{html.escape(heading)}</title><style>{_QA_CSS}</style></head><body>",
        f"<h1>{html.escape(heading)}</h1>",
        f"<p class='meta'>Đợt lấy ý kiến: {html.escape(info['name'])} · {len(frame)} câu hỏi được trả lời</p>",
    ]
    if frame.empty:
        parts.append("<p>Chưa có câu hỏi nào được trả lời.</p>")
    for topic, part in frame.groupby("Chủ đề", sort=False):
        parts.append(f"<h2>{html.escape(str(topic))}</h2>")
        for k, (_, r) in enumerate(part.iterrows(), 1):
            when = f" · ngày {_vn_date(r['Ngày trả lời'])}" if r["Ngày trả lời"] else ""
            parts.append(
                "<div class='qa'>"
                f"<div class='q'>Câu hỏi {k}: {html.escape(str(r['Câu hỏi']))}</div>"
                f"<div class='meta'>{int(r['Số đơn vị nêu'])} đơn vị nêu</div>"
                f"<div class='meta'>Cơ quan trả lời: {html.escape(str(r['Cơ quan trả lời']))}{when}</div>"
                f"<div class='a'>{html.escape(str(r['Trả lời']))}</div></div>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)


def _vn_date(iso: str) -> str:
    try:
        d = date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def qa_workbook_bytes(store: Store, survey_id: int) -> bytes:
    frame = qa_frame(store, survey_id).drop(columns="_category")
    from petition_nlp.files.workbooks import write_plain

    return _bytes_of(lambda p: write_plain(frame, p, sheet_name="Hỏi đáp"), ".xlsx")


# ----------------------------------------------------------------------------- worth confirming next
def suggest_survey(store: Store, survey_id: int, *, n: int = 20, model: Any, category: str | None = None) -> list[dict[str, Any]]:
    """The petitions of a survey most worth confirming next (``petition-nlp suggest`` on the
    store): not yet confirmed, the model least sure between its two likeliest topics, no two
    near-duplicates; with ``category``, the likeliest examples of that code (a code the model
    does not know: the most like the petitions officers already gave it). Each is the petition
    record plus ``suggested_category``, ``uncertainty`` (and ``score`` with ``category``)."""
    from petition_nlp.files.io import InputError
    from petition_nlp.grouping.active import suggest_for_labelling

    rows, _ = store.petitions(survey_id)
    pool = [r for r in rows if r["status"] == "ok"]
    if not pool:
        return []
    frame = pd.DataFrame({
        "text": [r["text"] for r in pool],
        "label": [r["category"] if r["reviewed"] else "" for r in pool],
        "petition_id": [r["id"] for r in pool],
    })
    open_rows = frame[frame["label"] == ""]
    try:
        if category is None:
            picked = suggest_for_labelling(open_rows.reset_index(drop=True), n, model=model, text_column="text")
        else:
            picked = suggest_for_labelling(frame, n + int((frame["label"] != "").sum()), model=model, text_column="text",
                                           category=category, label_column="label")
            picked = picked[picked["label"].fillna("") == ""] if "label" in picked else picked
    except InputError as exc:
        if category is not None and category not in getattr(model, "classes_", ()):  # said in the workspace's words
            raise Invalid(f"unknown category '{category}': the model does not know it and no petition of this survey was confirmed"
                          " as it yet (confirm a few first, then ask again)") from None
        raise Invalid(str(exc)) from None
    by_id = {r["id"]: r for r in pool}
    confirmed = set(frame.loc[frame["label"] != "", "petition_id"])
    out = []
    for _, r in picked.iterrows():
        pid = int(r["petition_id"])
        if pid in confirmed:
            continue
        item = {**by_id[pid], "suggested_category": r["suggested_category"], "uncertainty": float(r["uncertainty"])}
        if "score" in r and not pd.isna(r["score"]):
            item["score"] = float(r["score"])
        out.append(item)
        if len(out) >= n:
            break
    return out
