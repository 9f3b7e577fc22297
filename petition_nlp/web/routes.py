"""Routes: the JSON API under ``/api`` (names are a contract, see README) and the Vietnamese
pages. Handlers only translate HTTP to calls of :mod:`petition_nlp.store` /
:mod:`petition_nlp.store.workspace` / :mod:`petition_nlp.pipeline` and back."""

from __future__ import annotations

import math
import re
import secrets
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote, unquote, urlencode

import pandas as pd
from fastapi import Body, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from petition_nlp.files.io import InputError
from petition_nlp.files.messages_vi import error_in_vietnamese, in_vietnamese
from petition_nlp.files.validation import STATUS_NAMES
from petition_nlp.resources import category_name, category_names
from petition_nlp.store import ANSWER_STATUSES, Invalid, Store
from petition_nlp.store import workspace as ws
from petition_nlp.web.app import (
    CSRF_COOKIE, MAX_ID, TOKEN_COOKIE, check_form_csrf, get_model, same_secret, token_cookie, whole_number,
)

PAGE_SIZE = 100
GROUP_PAGE = 60
ANSWER_STATUS_NAMES = {"unanswered": "chưa trả lời", "answered": "đã trả lời", "forwarded": "đã chuyển"}


def _store(request: Request) -> Store:
    return request.app.state.store


def _codes(request: Request) -> list[str]:
    model = request.app.state.model
    classes = [str(c) for c in getattr(model, "classes_", [])] if model is not None else []
    return [str(c) for c in classes] or list(category_names())


def _bool(value: Optional[str], name: str = "needs_review") -> Optional[bool]:
    """A yes/no query or form field (``None``: not given); anything else is refused, naming ``name``."""
    if value is None or value == "":
        return None
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on", "co", "có"):
        return True
    if v in ("0", "false", "no", "off", "khong", "không"):
        return False
    raise Invalid(f"{name} must be true or false, not '{value}'")


def _known(value: Optional[str], known: Any, name: str) -> Optional[str]:
    """A filter value that must be one of ``known`` (``None`` / empty: no filter), like ``sort``."""
    if value in (None, "") or value in known:
        return value
    raise Invalid(f"unknown {name} '{value}' (use {', '.join(sorted(known))})")


def _int(value: Any, name: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise Invalid(f"{name} must be a whole number")  # int(1.5) would quietly be 1
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Invalid(f"{name} must be a whole number") from None
    if number < minimum:
        raise Invalid(f"{name} must be between {minimum} and {maximum}" if maximum is not None else f"{name} must be at least {minimum}")
    if number > (MAX_ID if maximum is None else maximum):  # ids and versions: SQLite cannot even look a larger one up
        raise Invalid(f"{name} must be between {minimum} and {MAX_ID if maximum is None else maximum}")
    return number


MAX_OFFSET = 10**9
"""Largest row offset asked of the store (SQLite integers end at 2**63; no survey comes near)."""


def _settings(request: Request, survey_id: int, n: Any = None, quota: Any = None) -> tuple[int, str]:
    """N and the seats per topic: as asked, else as saved for the survey. A saved quota that no
    longer names a topic of the survey (its petitions were all moved since) gives way to
    ``proportional``, shown in the settings form, so the page still opens."""
    survey = _store(request).survey(survey_id)
    saved = survey["settings"]
    number = _int(n if n not in (None, "") else saved.get("n", 15), "n", minimum=1, maximum=500)
    if quota not in (None, ""):
        problem = _quota_seats_problem(str(quota))
        if problem:
            raise Invalid(problem)
        return number, str(quota)
    value = str(saved.get("quota", "proportional"))
    return number, value if _quota_problem(value, survey["categories"]) is None else "proportional"


def _quota_problem(value: str, categories: dict[str, int]) -> str | None:
    """Why a quota cannot apply to a survey with these topics (``None``: it can)."""
    from petition_nlp.grouping.shortlist import parse_quota

    problem = _quota_seats_problem(value)
    if problem:
        return problem
    quota = parse_quota(value)
    if isinstance(quota, dict) and quota and not set(quota) & {c for c in categories if c}:
        present = ", ".join(sorted(c for c in categories if c)) or "none"
        return f"quota names no topic of this survey: {', '.join(sorted(quota))} (topics: {present})"
    return None


MAX_SEATS = 1000
"""Most seats a quota may give one topic (a shortlist is a few dozen questions)."""


def _quota_seats_problem(value: str) -> str | None:
    """Why a quota is malformed or gives a topic no seat or more than :data:`MAX_SEATS` (``None``: fine)."""
    from petition_nlp.grouping.shortlist import parse_quota

    try:
        quota = parse_quota(value)
    except ValueError as exc:
        return str(exc).splitlines()[0]
    bad = [f"{code}={seats}" for code, seats in quota.items() if not 1 <= seats <= MAX_SEATS] if isinstance(quota, dict) else []
    if bad:
        return f"quota seats must be between 1 and {MAX_SEATS} per topic: {', '.join(bad)[:200]}"
    return None


def _answer_fields(body: dict[str, Any]) -> dict[str, str]:
    """An answer body's agency, answer, answered_on (text, or null: none) and status (text,
    default ``answered``); what an answer needs is :func:`ws.record_answer`'s to say."""
    fields: dict[str, str] = {}
    for name in ("agency", "answer", "answered_on", "status"):
        value = body.get(name, "answered" if name == "status" else None)
        if value is None and name != "status":
            value = ""
        if not isinstance(value, str):
            raise Invalid(f"{name} must be text" + (f" (one of {', '.join(ANSWER_STATUSES)})" if name == "status" else ""))
        fields[name] = value
    return fields


def _officer(request: Request, body: dict[str, Any]) -> str:
    return str(body.get("officer") or unquote(request.cookies.get("pnlp_officer", "")) or "")


async def _read_upload(request: Request, file: UploadFile) -> bytes:
    limit = request.app.state.upload_limit
    chunks, size = [], 0
    while True:
        chunk = await file.read(1024 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise _TooLarge(limit)
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise Invalid("file is empty")
    return data


class _TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit


def _check_upload_name(filename: str) -> None:
    """Refuse a file the readers do not take, naming the type the officer's file has (the stored
    copy's name would say '.bin' for a name without an extension)."""
    from petition_nlp.files.io import READ_EXTENSIONS, SAVE_AS, unreadable_type

    suffix = Path(filename or "").suffix.lower()
    if suffix in SAVE_AS:
        raise Invalid(f"{filename}: {unreadable_type(suffix)}")
    if suffix not in READ_EXTENSIONS:
        kind = f"type '{suffix}'" if suffix else "no extension in its name"
        raise Invalid(f"{filename or 'the file'}: {kind}; the workspace reads {', '.join(READ_EXTENSIONS)}")


def _read_options(split_items: Any = None, sheet: Any = None, header_row: Any = None) -> dict[str, Any]:
    """The reader's options of an upload (form fields): split cells holding several numbered
    petitions, one sheet (name or number from 1), the header row (as Excel numbers it)."""
    options: dict[str, Any] = {"split_items": bool(_bool(None if split_items is None else str(split_items), "split_items"))}
    if str(sheet or "").strip():
        text = str(sheet).strip()
        options["sheet"] = int(text) if text.isdigit() else text
    if str(header_row or "").strip():
        options["header_row"] = _int(header_row, "header_row", minimum=1, maximum=1_000_000)  # 1-based, as the reader (and the CLI) take it
    return options


UPLOAD_FIELDS = {
    "--text-column": "the upload field text_column (Cột nội dung)", "--sheet": "the upload field sheet (Trang tính)",
    "--header-row": "the upload field header_row (Dòng tiêu đề cột)",
}
"""The reader's messages name the CLI's options; the workspace's officer fills the upload form instead."""


def _web_words(message: str) -> str:
    """``message`` with each CLI option of the reader named as the upload form's field."""
    return re.sub(r"--[a-z][a-z-]*", lambda m: UPLOAD_FIELDS.get(m.group(), m.group()), message)


def _officer_note(note: str) -> str:
    """A reader's note as the survey page shows it: in Vietnamese, else naming the upload fields."""
    shown = in_vietnamese(note)
    return shown if shown != note else _web_words(note)


def _ingest_sync(request: Request, survey_id: int, stored: str, text_column: Optional[str], options: dict[str, Any] | None = None) -> dict[str, Any]:
    store = _store(request)
    jobs = request.app.state.jobs
    jobs[survey_id] = {"stage": "read", "done": 0, "total": 0}

    def progress(stage: str, done: int, total: int) -> None:
        jobs[survey_id] = {"stage": stage, "done": done, "total": total}

    try:
        return ws.ingest(
            store, survey_id, store.original_path(stored), model=get_model(request.app), text_column=text_column, progress=progress,
            link_lock=request.app.state.relinker.lock, **(options or {}),
        )
    except InputError as exc:
        message = _web_words(str(exc).replace(str(store.original_path(stored)), store.survey(survey_id)["name"]))
        store.fail_survey(survey_id, message)
        raise Invalid(message.splitlines()[0]) from None
    except Invalid as exc:
        store.fail_survey(survey_id, str(exc))
        raise
    except Exception as exc:
        store.fail_survey(survey_id, f"unexpected {exc.__class__.__name__}: {exc}")
        raise Invalid(f"could not read the file: {exc.__class__.__name__}") from None
    finally:
        jobs.pop(survey_id, None)


@lru_cache(maxsize=64)
def _chart(items: tuple[tuple[str, int], ...]) -> str:
    from petition_nlp.reports.html import category_chart_svg

    total = sum(c for _, c in items) or 1
    summary = pd.DataFrame({"category": [k for k, _ in items], "count": [c for _, c in items]})
    summary["share"] = summary["count"] / total
    summary["category_name"] = [category_name(c) for c in summary["category"]]
    return category_chart_svg(summary)


def register(app: FastAPI) -> None:
    templates = app.state.templates

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        context.update(
            request=request, csrf=csrf, category_name=category_name, codes=_codes(request), status_names=STATUS_NAMES,
            officer=unquote(request.cookies.get("pnlp_officer", "")), answer_status_names=ANSWER_STATUS_NAMES,
        )
        response = templates.TemplateResponse(request, name, context)
        if request.cookies.get(CSRF_COOKIE) != csrf:
            response.set_cookie(CSRF_COOKIE, csrf, samesite="strict", httponly=False)
        return response

    # ------------------------------------------------------------------ login
    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> HTMLResponse:
        return page(request, "login.html", error="")

    @app.post("/login")
    def login(request: Request, token: str = Form(""), csrf_token: str = Form("")) -> Response:
        check_form_csrf(request, csrf_token)
        expected = request.app.state.token
        if expected is None:
            return RedirectResponse("/", status_code=303)
        if not same_secret(token.strip(), expected):
            response = page(request, "login.html", error="Mã truy cập không đúng.")
            response.status_code = 401
            return response
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(TOKEN_COOKIE, token_cookie(expected), httponly=True, samesite="strict")
        return response

    # ------------------------------------------------------------------ API: surveys
    @app.post("/api/surveys", status_code=201)
    async def api_upload(
        request: Request, file: UploadFile = File(...), text_column: Optional[str] = Form(None), split_items: Optional[str] = Form(None),
        sheet: Optional[str] = Form(None), header_row: Optional[str] = Form(None),
    ) -> JSONResponse:
        options = _read_options(split_items, sheet, header_row)
        _check_upload_name(file.filename or "")
        try:
            data = await _read_upload(request, file)
        except _TooLarge as exc:
            return JSONResponse({"error": f"file too large: the limit is {exc.limit // (1024 * 1024) or 1} MB"}, status_code=413)
        store = _store(request)
        stored = store.keep_original(data, file.filename or "")
        survey_id = store.create_survey(file.filename or "", stored)
        from starlette.concurrency import run_in_threadpool

        info = await run_in_threadpool(_ingest_sync, request, survey_id, stored, text_column or None, options)
        return JSONResponse({"id": survey_id, "rows": info["rows"], "categories": info["categories"]}, status_code=201)

    @app.get("/api/surveys")
    def api_surveys(request: Request, all: bool = False) -> list[dict[str, Any]]:
        return [
            {"id": s["id"], "name": s["name"], "created": s["created"], "rows": s["rows"], "state": s["state"], "categories": s["categories"]}
            for s in _store(request).list_surveys() if all or s["state"] == "ready"
        ]

    @app.get("/api/surveys/{survey_id}")
    def api_survey(request: Request, survey_id: int) -> dict[str, Any]:
        s = _store(request).survey(survey_id)
        s["notes"] = [_web_words(str(note)) for note in s["notes"] or []]
        return {k: s[k] for k in ("id", "name", "created", "rows", "state", "error", "categories", "text_column", "unit_column", "notes", "settings")}

    @app.get("/api/surveys/{survey_id}/progress")
    def api_progress(request: Request, survey_id: int) -> dict[str, Any]:
        s = _store(request).survey(survey_id)
        job = request.app.state.jobs.get(survey_id, {})
        return {"id": survey_id, "state": s["state"], "error": s["error"], **job}

    @app.put("/api/surveys/{survey_id}/settings")
    def api_settings(request: Request, survey_id: int, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        if "n" in body:
            clean["n"] = _int(body["n"], "n", minimum=1, maximum=500)
        if "quota" in body:
            problem = _quota_problem(str(body["quota"]), _store(request).survey(survey_id)["categories"])
            if problem:
                raise Invalid(problem)
            clean["quota"] = str(body["quota"])
        if "answered" in body:
            clean["answered"] = ws.answered_mode(_store(request), survey_id, str(body["answered"] or "mark"))
        if not clean:
            raise Invalid("nothing to change: give n, quota or answered")
        return _store(request).set_settings(survey_id, clean)

    @app.get("/api/surveys/{survey_id}/petitions")
    def api_petitions(
        request: Request, survey_id: int, category: Optional[str] = None, needs_review: Optional[str] = None,
        status: Optional[str] = None, unit: Optional[str] = None, q: Optional[str] = None, sort: str = "row",
        limit: Optional[int] = None, offset: int = 0,
    ) -> Response:
        if limit is not None and not 0 <= limit <= 100_000:
            raise Invalid("limit must be between 0 and 100000")
        if not 0 <= offset <= MAX_OFFSET:
            raise Invalid(f"offset must be between 0 and {MAX_OFFSET}")
        topics = set(_codes(request)) | {c for c in _store(request).survey(survey_id)["categories"] if c}
        category, status = _known(category, topics, "category"), _known(status, STATUS_NAMES, "status")
        rows, total = _store(request).petitions(
            survey_id, category=category, needs_review=_bool(needs_review), status=status, unit=unit, search=q,
            sort=sort, limit=limit, offset=offset,
        )
        return JSONResponse(rows, headers={"X-Total-Count": str(total)})

    @app.get("/api/petitions/{petition_id}")
    def api_petition(request: Request, petition_id: int) -> dict[str, Any]:
        p = _store(request).petition(petition_id)
        p["history"] = _store(request).history(petition_id)
        return p

    def _change(request: Request, body: dict[str, Any], pairs: list[tuple[int, Optional[int]]]) -> list[dict[str, Any]]:
        known = {"category", "status", "reviewed", "version", "officer", "ids", "versions"}
        unknown = set(body) - known
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))} (use category, status, reviewed, version, officer)")
        reviewed = body.get("reviewed")
        if reviewed is not None and not isinstance(reviewed, bool):
            raise Invalid("reviewed must be true or false")
        return _store(request).update_petitions(
            pairs, category=body.get("category"), status=body.get("status"), reviewed=reviewed,
            officer=_officer(request, body), allowed_categories=_codes(request),
        )

    def _relinked(request: Request, body: dict[str, Any], changed: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A topic or status change: the "already answered" links it affects, relinked in the background."""
        if "category" in body or "status" in body:
            for survey_id in sorted({int(p["survey_id"]) for p in changed}):
                ws.relink_after_edit(_store(request), request.app.state.relinker, survey_id)
        return changed

    @app.patch("/api/petitions/{petition_id}")
    def api_patch(request: Request, petition_id: int, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        version = body.get("version")
        if version is not None:
            version = _int(version, "version", minimum=1)
        return _relinked(request, body, _change(request, body, [(petition_id, version)]))[0]

    @app.post("/api/petitions/bulk")
    def api_bulk(request: Request, body: dict[str, Any] = Body(...)) -> list[dict[str, Any]]:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > 20_000:
            raise Invalid("ids must be a list of 1 to 20,000 petition ids")
        versions = body.get("versions") or {}
        if not isinstance(versions, dict):
            raise Invalid("versions must be an object {petition id: version}")
        pids = [_int(i, "ids", minimum=1) for i in ids]
        known, given = set(pids), dict[int, int]()
        for key, v in versions.items():  # a version for a petition not in ids would be ignored: the write unchecked
            pid = whole_number(key)
            if pid not in known:
                raise Invalid(f"versions: '{str(key)[:40]}' is not one of the petition ids in ids")
            if v is not None:
                given[pid] = _int(v, "version", minimum=1)
        pairs = [(pid, given.get(pid)) for pid in pids]
        return _relinked(request, body, _change(request, body, pairs))

    @app.post("/api/petitions/{petition_id}/move")
    def api_move(request: Request, petition_id: int, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        target = _int(body.get("group_id"), "group_id", minimum=1)
        version = body.get("version")
        moved = _store(request).move_petition(
            petition_id, target, version=None if version is None else _int(version, "version", minimum=1), officer=_officer(request, body)
        )
        ws.relink_after_edit(_store(request), request.app.state.relinker, int(moved["survey_id"]))  # in the background
        return moved

    @app.delete("/api/petitions/{petition_id}/answered")
    def api_dismiss_answered(request: Request, petition_id: int, officer: str = "") -> dict[str, Any]:
        """"Không phải vấn đề này": the petition's "already answered" link is wrong (never made again).
        ``?officer=`` names who said so (a DELETE carries no body), else the page's officer cookie."""
        return ws.dismiss_answered(_store(request), petition_id, officer=_officer(request, {"officer": officer}))

    @app.post("/api/petitions/{petition_id}/answered/restore")
    def api_restore_answered(request: Request, petition_id: int, body: dict[str, Any] = Body(default={})) -> dict[str, Any]:
        unknown = set(body) - {"group_id", "officer"}
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))} (use group_id, officer)")
        group = None if body.get("group_id") in (None, "") else _int(body["group_id"], "group_id", minimum=1)
        return ws.restore_answered(_store(request), petition_id, group, officer=_officer(request, body))

    @app.get("/api/surveys/{survey_id}/dismissed-links")
    def api_dismissed_links(request: Request, survey_id: int) -> list[dict[str, Any]]:
        return _store(request).dismissed_links(survey_id)

    # ------------------------------------------------------------------ API: groups & shortlist
    @app.get("/api/surveys/{survey_id}/shortlist")
    def api_shortlist(
        request: Request, survey_id: int, n: Optional[int] = None, quota: Optional[str] = None, exclude: str = "",
        answered: Optional[str] = None,
    ) -> list[dict[str, Any]]:
        number, quota_value = _settings(request, survey_id, n, quota)
        frame, chosen, column = ws.shortlist(_store(request), survey_id, n=number, quota=quota_value, exclude=exclude, answered=answered)
        return ws.shortlist_records(chosen, column)

    @app.get("/api/surveys/{survey_id}/groups")
    def api_groups(request: Request, survey_id: int) -> list[dict[str, Any]]:
        return [
            {
                "group_id": g["group_id"], "label": g["label"], "category": g["category"], "issue": g["issue"],
                "representative_id": g["representative_id"], "representative_chosen": g["representative_chosen"],
                "representative_source": g["representative_source"],
                "member_ids": g["member_ids"], "units": g["units"], "pinned": g["pinned"], "dropped": g["dropped"], "answer": g["answer"],
            }
            for g in ws.group_records(_store(request), survey_id)
        ]

    @app.post("/api/groups/{group_id}/{action}")
    def api_group_action(request: Request, group_id: int, action: str, body: dict[str, Any] = Body(default={})) -> dict[str, Any]:
        store = _store(request)
        officer = _officer(request, body)
        if action == "merge":
            target = _int(body.get("into"), "into", minimum=1)
            merged = store.merge_groups(group_id, target, officer=officer)
            ws.relink_after_edit(store, request.app.state.relinker, int(merged["survey_id"]))  # in the background
            return merged
        if action == "representative":
            pid = _int(body.get("petition_id"), "petition_id", minimum=1)
            return store.set_choice(group_id, action="representative", petition_id=pid, officer=officer)
        if action in ("pin", "unpin", "drop", "undrop"):
            return store.set_choice(group_id, action=action, officer=officer)
        raise Invalid(f"unknown action '{action}' (use pin, unpin, drop, undrop, representative, merge)")

    @app.get("/api/surveys/{survey_id}/trace")
    def api_trace(request: Request, survey_id: int) -> list[dict[str, Any]]:
        _store(request).survey(survey_id)
        return _store(request).trace(survey_id)

    # ------------------------------------------------------------------ API: answers (issue 17)
    @app.put("/api/groups/{group_id}/answer")
    def api_answer(request: Request, group_id: int, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        unknown = set(body) - {"agency", "answer", "answered_on", "status", "officer", "version"}
        if unknown:
            raise Invalid(f"unknown field(s): {', '.join(sorted(unknown))}")
        fields = _answer_fields(body)
        saved = ws.record_answer(
            _store(request), group_id, **fields, officer=_officer(request, body),
            version=None if body.get("version") in (None, "") else _int(body["version"], "version", minimum=0), relink=False,
        )
        request.app.state.relinker.submit(int(_store(request).group(group_id)["survey_id"]))  # later surveys: in the background
        return saved

    @app.get("/api/relink")
    def api_relink(request: Request) -> dict[str, Any]:
        """Whether the "already answered" links of later surveys are being updated after a saved answer."""
        return request.app.state.relinker.state()

    @app.get("/api/agencies")
    def api_agencies(request: Request) -> list[str]:
        return _store(request).agencies()

    @app.post("/api/agencies")
    def api_add_agency(request: Request, body: dict[str, Any] = Body(...)) -> list[str]:
        return _store(request).add_agency(body.get("name", ""))

    @app.delete("/api/agencies/{name}")
    def api_remove_agency(request: Request, name: str) -> list[str]:
        return _store(request).remove_agency(name)

    # ------------------------------------------------------------------ API: exports
    def _download(data: bytes | str, filename: str, media: str, inline: bool = False) -> Response:
        disposition = "inline" if inline else "attachment"
        return Response(
            data, media_type=media,
            headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}"},
        )

    def _stem(request: Request, survey_id: int) -> str:
        name = _store(request).survey(survey_id)["name"]
        return (name.rsplit(".", 1)[0] or "survey")[:80]

    XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    @app.get("/api/surveys/{survey_id}/export.xlsx")
    def api_export(request: Request, survey_id: int) -> Response:
        return _download(ws.workbook_bytes(_store(request), survey_id), f"{_stem(request, survey_id)}-phan-loai.xlsx", XLSX)

    @app.get("/api/surveys/{survey_id}/shortlist.xlsx")
    def api_shortlist_xlsx(request: Request, survey_id: int, n: Optional[int] = None, quota: Optional[str] = None, answered: Optional[str] = None) -> Response:
        number, quota_value = _settings(request, survey_id, n, quota)
        data = ws.shortlist_workbook_bytes(_store(request), survey_id, n=number, quota=quota_value, answered=answered)
        return _download(data, f"{_stem(request, survey_id)}-cau-hoi.xlsx", XLSX)

    @app.get("/api/surveys/{survey_id}/report.html")
    def api_report(request: Request, survey_id: int, n: Optional[int] = None, quota: Optional[str] = None, answered: Optional[str] = None) -> Response:
        number, quota_value = _settings(request, survey_id, n, quota)
        document = ws.report_html(_store(request), survey_id, n=number, quota=quota_value, answered=answered)
        response = _download(document, f"{_stem(request, survey_id)}-bao-cao.html", "text/html; charset=utf-8", inline=True)
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        return response

    @app.get("/api/labels.csv")
    def api_labels(request: Request) -> Response:
        return _download("\ufeff" + ws.labels_csv(_store(request)), "labels.csv", "text/csv; charset=utf-8")

    @app.get("/api/surveys/{survey_id}/qa.html")
    def api_qa_html(request: Request, survey_id: int) -> Response:
        response = _download(ws.qa_html(_store(request), survey_id), f"{_stem(request, survey_id)}-hoi-dap.html", "text/html; charset=utf-8", inline=True)
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        return response

    @app.get("/api/surveys/{survey_id}/qa.xlsx")
    def api_qa_xlsx(request: Request, survey_id: int) -> Response:
        return _download(ws.qa_workbook_bytes(_store(request), survey_id), f"{_stem(request, survey_id)}-hoi-dap.xlsx", XLSX)

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        surveys = _store(request).list_surveys()
        return page(request, "home.html", surveys=surveys, limit_mb=request.app.state.upload_limit // (1024 * 1024), error=request.query_params.get("error", ""))

    @app.post("/upload")
    async def upload_form(
        request: Request, file: UploadFile = File(...), text_column: str = Form(""), csrf_token: str = Form(""),
        split_items: str = Form(""), sheet: str = Form(""), header_row: str = Form(""),
    ) -> Response:
        check_form_csrf(request, csrf_token)
        try:
            options = _read_options(split_items, sheet, header_row)
            _check_upload_name(file.filename or "")
        except Invalid as exc:
            return RedirectResponse("/?" + urlencode({"error": f"Không đọc được tệp: {error_in_vietnamese(str(exc))}"}), status_code=303)
        try:
            data = await _read_upload(request, file)
        except _TooLarge as exc:
            return RedirectResponse("/?" + urlencode({"error": f"Tệp quá lớn: giới hạn {exc.limit // (1024 * 1024) or 1} MB."}), status_code=303)
        except Invalid as exc:
            return RedirectResponse("/?" + urlencode({"error": f"Không đọc được tệp: {error_in_vietnamese(str(exc))}"}), status_code=303)
        store = _store(request)
        stored = store.keep_original(data, file.filename or "")
        survey_id = store.create_survey(file.filename or "", stored)
        request.app.state.jobs[survey_id] = {"stage": "queued", "done": 0, "total": 0}

        def work() -> None:
            try:
                _ingest_sync(request, survey_id, stored, text_column or None, options)
            except Exception:  # recorded on the survey by _ingest_sync
                pass

        threading.Thread(target=work, name=f"ingest-{survey_id}", daemon=True).start()
        return RedirectResponse(f"/surveys/{survey_id}", status_code=303)

    @app.get("/surveys/{survey_id}", response_class=HTMLResponse)
    def survey_page(
        request: Request, survey_id: int, category: str = "", needs_review: str = "", status: str = "", unit: str = "",
        q: str = "", sort: str = "row", page_no: int = 1,
    ) -> HTMLResponse:
        store = _store(request)
        survey = store.survey(survey_id)
        survey["notes"] = [_officer_note(str(note)) for note in survey["notes"] or []]
        if survey["state"] != "ready":
            job = request.app.state.jobs.get(survey_id, {})
            return page(request, "progress.html", survey=survey, job=job)
        page_no = min(max(1, page_no), MAX_OFFSET // PAGE_SIZE)  # a page past the end shows no rows
        rows, total = store.petitions(
            survey_id, category=category or None, needs_review=_bool(needs_review), status=status or None,
            unit=unit or None, search=q or None, sort=sort if sort in ("row", "confidence") else "row",
            limit=PAGE_SIZE, offset=(page_no - 1) * PAGE_SIZE,
        )
        if sort == "suggest":  # the petitions most worth confirming next, first (issue 17 item 5)
            rows = ws.suggest_survey(store, survey_id, n=PAGE_SIZE, model=get_model(request.app), category=category or None)
            total, page_no = len(rows), 1
        pages = max(1, math.ceil(total / PAGE_SIZE))
        filters = {k: v for k, v in dict(category=category, needs_review=needs_review, status=status, unit=unit, q=q, sort=sort).items() if v}
        chart = _chart(tuple(sorted(survey["categories"].items()))) if survey["categories"] else ""
        return page(
            request, "survey.html", survey=survey, rows=rows, total=total, page_no=page_no, pages=pages, filters=filters,
            query=lambda **kw: urlencode({**filters, **kw}), units=store.units(survey_id), chart=chart,
            relinking=request.app.state.relinker.is_pending(survey_id),
            dismissed={d["petition_id"]: d for d in store.dismissed_links(survey_id)},
        )

    @app.get("/surveys/{survey_id}/groups", response_class=HTMLResponse)
    def groups_page(
        request: Request, survey_id: int, n: Optional[int] = None, quota: Optional[str] = None, answered: Optional[str] = None,
        gpage: int = 1,
    ) -> HTMLResponse:
        store = _store(request)
        survey = store.survey(survey_id)
        number, quota_value = _settings(request, survey_id, n, quota)
        mode = ws.answered_mode(store, survey_id, answered)
        frame, chosen, column = ws.shortlist(store, survey_id, n=number, quota=quota_value, answered=mode)
        shortlist = ws.shortlist_records(chosen, column)
        group_answers = ws.group_answers(store, survey_id, frame)
        groups = store.groups(survey_id)
        gpages = max(1, math.ceil(len(groups) / GROUP_PAGE))
        gpage = min(max(1, gpage), gpages)
        return page(
            request, "groups.html", survey=survey, shortlist=shortlist, all_groups=groups,
            groups=groups[(gpage - 1) * GROUP_PAGE: gpage * GROUP_PAGE], gpage=gpage, gpages=gpages, n=number,
            quota=quota_value, trace=store.trace(survey_id), chosen_groups={s["group_id"] for s in shortlist},
            answered=mode, group_answers=group_answers, answered_note=ws.answered_note,
            relinking=request.app.state.relinker.is_pending(survey_id),
        )

    @app.get("/surveys/{survey_id}/answers", response_class=HTMLResponse)
    def answers_page(request: Request, survey_id: int) -> HTMLResponse:
        store = _store(request)
        survey = store.survey(survey_id)
        groups = store.groups(survey_id)
        return page(request, "answers.html", survey=survey, groups=groups, agencies=store.agencies(), statuses=ANSWER_STATUSES)

    from petition_nlp.web.retrain import register as register_retrain  # "Huấn luyện lại", suggest on the store

    register_retrain(app, page)
