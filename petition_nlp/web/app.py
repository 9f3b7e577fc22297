"""The officers' workspace: ``create_app(data_dir)`` builds the FastAPI application.

Security (see :func:`create_app`): listens where the CLI says (127.0.0.1 by default); with a
token every request must carry it (cookie set by the login page, or ``Authorization: Bearer``);
state-changing requests from a browser carry a CSRF token (double-submit cookie) and
cross-site requests are refused; request bodies are capped (413).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from petition_nlp.files.io import InputError
from petition_nlp.files.messages_vi import error_in_vietnamese
from petition_nlp.store import Conflict, Invalid, NotFound, Store, StoreError
from petition_nlp.store.workspace import Relinker

__all__ = ["create_app", "DEFAULT_UPLOAD_LIMIT", "TOKEN_ENV"]

HERE = Path(__file__).parent
DEFAULT_UPLOAD_LIMIT = 50 * 1024 * 1024
TOKEN_ENV = "PETITION_NLP_TOKEN"
TOKEN_COOKIE = "pnlp_token"
CSRF_COOKIE = "pnlp_csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MAX_ID = 2**63 - 1
"""Largest id SQLite stores (its integers are signed 64-bit): a larger id names nothing."""
PATH_IDS = {"survey_id": "survey", "petition_id": "petition", "group_id": "group"}
"""Path parameters holding a store id, and the noun of their "no survey N" answer."""
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "[::1]"}
HOST_HEADER = re.compile(r"(?P<name>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(?::[0-9]{1,5})?")
RELINK_SHUTDOWN_WAIT = 30.0
"""Seconds the server waits, when it stops, for the background relink of answered issues to finish."""
log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


class _LimitBody:
    """ASGI middleware: a request body over ``limit`` bytes gets 413 (checked on Content-Length
    first, then counted as it arrives), before any parsing."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > self.limit:
                        return await _too_large(self.limit)(scope, receive, send)
                except ValueError:
                    pass
        seen = 0
        started = False

        async def counted() -> dict:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except BodyTooLarge:
            if not started:
                await _too_large(self.limit)(scope, receive, send)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"error": f"file too large: the limit is {limit // (1024 * 1024) or 1} MB"}, status_code=413)


class IdRoute(APIRoute):
    """A route whose path ids (:data:`PATH_IDS`) outside SQLite's range (below 1, above
    :data:`MAX_ID`) answer 404 "no survey N" before the handler runs (the store could not even
    look them up). Ids that are not whole numbers are left to FastAPI's validation."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def checked(request: Request) -> Any:
            for name, noun in PATH_IDS.items():
                number = whole_number(request.path_params.get(name))
                if number is not None and not 1 <= number <= MAX_ID:
                    raise NotFound(f"no {noun} {number}")
            return await handler(request)

        return checked


def whole_number(value: Any) -> int | None:
    """``value`` (a raw path parameter, a JSON object's key) as a whole number, ``None`` when it is not one."""
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def create_app(
    data_dir: str | Path,
    *,
    token: str | None = None,
    upload_limit: int = DEFAULT_UPLOAD_LIMIT,
    model: Any = None,
    model_dir: str | Path | None = None,
) -> FastAPI:
    """The workspace application over the store in ``data_dir``.

    Args:
        data_dir: folder of the SQLite store and the kept originals (created if missing).
        token: when set, every request must carry it (login cookie or ``Authorization: Bearer``).
        upload_limit: largest accepted request body, in bytes (default 50 MB); larger: 413.
        model: a loaded classifier (default: loaded from ``model_dir`` / the default model on
            first use, once).
    """
    store = Store(data_dir)
    app = FastAPI(title="petition-nlp workspace", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json", lifespan=_lifespan)
    app.router.route_class = IdRoute  # every route registered below checks its path ids
    app.state.store = store
    app.state.relinker = Relinker(store)  # "already answered" links of later surveys, after an answer is saved
    app.state.token = token or None
    app.state.upload_limit = int(upload_limit)
    app.state.jobs = {}
    app.state.model = model
    app.state.model_dir = model_dir
    app.state.model_lock = threading.Lock()
    templates = Jinja2Templates(directory=str(HERE / "templates"))  # autoescape on for .html
    templates.env.filters["vi_error"] = error_in_vietnamese  # a reader's error as the officer reads it
    app.state.templates = templates

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security(request: Request, call_next: Any) -> Any:
        refused_host = _host_refusal(request.scope, request.headers.get("host"), app.state.token)
        if refused_host:
            return JSONResponse({"error": refused_host}, status_code=400)
        path = request.url.path
        is_api = path.startswith("/api/")
        bearer = False
        if app.state.token is not None and not path.startswith("/static/") and path not in ("/login",):
            auth = request.headers.get("authorization", "")
            # header values arrive decoded as Latin-1: back to the bytes sent (a UTF-8 token stays whole)
            if auth.lower().startswith("bearer ") and same_secret(auth[7:].strip().encode("latin-1", "replace"), app.state.token):
                bearer = True
            elif not same_secret(request.cookies.get(TOKEN_COOKIE, ""), token_cookie(app.state.token)):
                if is_api or request.method != "GET":
                    return JSONResponse({"error": "authentication required: log in or send Authorization: Bearer TOKEN"}, status_code=401)
                return RedirectResponse("/login", status_code=303)
        if request.method in UNSAFE and not bearer:
            refusal = _csrf_refusal(request)
            if refusal:
                return JSONResponse({"error": refusal}, status_code=403)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.headers.get("content-type", "").startswith("text/html") and not path.endswith("/report.html") and not path.endswith("/qa.html"):
            response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
        return response

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 400
        return JSONResponse({"error": _line(exc)}, status_code=status)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:  # e.g. a quota naming no topic
        return JSONResponse({"error": _line(exc)}, status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": _line(exc.detail) if exc.detail else "error"}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        if first.get("type") == "json_invalid":
            reason = (first.get("ctx") or {}).get("error") or first.get("msg", "decode error")
            where = first.get("loc", ())[-1] if len(first.get("loc", ())) > 1 else None
            at = f" (at character {where})" if isinstance(where, int) else ""
            return JSONResponse({"error": _line(f"the request body is not valid JSON: {reason}{at}")}, status_code=400)
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
        return JSONResponse({"error": f"invalid {where or 'request'}: {first.get('msg', 'bad value')}"}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": f"unexpected {exc.__class__.__name__}: {_line(exc)}"}, status_code=500)

    from petition_nlp.web import routes

    routes.register(app)
    return _LimitBody(app, int(upload_limit) + 64 * 1024)  # type: ignore[return-value]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """On start: the links of every survey after an answered one are relinked in the background
    (a relink cut short by a kill is never lost). On stop: the relink thread finishes its queued
    work (up to :data:`RELINK_SHUTDOWN_WAIT`) and ends."""
    app.state.relinker.resume()
    yield
    left = await asyncio.to_thread(app.state.relinker.close, RELINK_SHUTDOWN_WAIT)
    if left:
        log.warning("stopped before the 'already answered' links of surveys %s were updated; saving an answer again updates them", left)


def _line(exc: Any) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:500] if text else exc.__class__.__name__


def _host_refusal(scope: dict, host: str | None, token: str | None) -> str | None:
    """Why a request is refused for its ``Host`` header (``None``: accepted) — DNS rebinding.

    A server without a token bound to a loopback address serves only requests naming it by a
    loopback name (localhost, 127.0.0.1, [::1]) or by its bound address, with any port: a page of
    another site whose name was made to resolve to 127.0.0.1 sends its own name and is refused.
    With a token (needed off loopback) every request must carry it: nothing is checked here."""
    bound = str((scope.get("server") or ("",))[0] or "")
    if token is not None or not _is_loopback(bound):
        return None
    match = HOST_HEADER.fullmatch((host or "").strip())
    name = match["name"].lower() if match else ""
    allowed = LOOPBACK_NAMES | {f"[{bound}]" if ":" in bound else bound.lower()}
    if name not in allowed:
        return f"refused: Host '{(host or '')[:100]}' is not this workspace's address (open it at http://127.0.0.1 or http://localhost)"
    return None


def _is_loopback(address: str) -> bool:
    if address.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _csrf_refusal(request: Request) -> str | None:
    """Why a state-changing request is refused (``None``: accepted).

    A request from another site (Origin / Referer naming another host) is always refused; a
    browser request of this site (it has the CSRF cookie) must echo the cookie's token in
    ``X-CSRF-Token`` (JS) — forms are checked by their handler (``csrf_token`` field); a
    non-browser client without cookies and without Origin (curl, scripts) may call the API."""
    host = request.headers.get("host", "")
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value and value != "null":
            if urlsplit(value).netloc != host:
                return "cross-site request refused"
        elif value == "null":
            return "cross-site request refused"
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie is None and request.cookies.get(TOKEN_COOKIE) is None:
        if request.headers.get("origin") or request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            return "missing CSRF token; reload the page"
        return None
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")) and not request.url.path.startswith("/api/"):
        return None  # the form handler compares its csrf_token field
    sent = request.headers.get("x-csrf-token", "")
    if not cookie or not same_secret(sent, cookie):
        return "missing or wrong CSRF token; reload the page"
    return None


def same_secret(sent: str | bytes, expected: str) -> bool:
    """Constant-time comparison of a secret that was sent with the expected one, any characters
    (``hmac.compare_digest`` refuses non-ASCII ``str``: an access token such as "bí-mật" is compared
    as UTF-8 bytes; ``sent`` as bytes: a raw header value)."""
    raw = sent if isinstance(sent, bytes) else sent.encode("utf-8", "replace")
    return hmac.compare_digest(raw, expected.encode("utf-8", "replace"))


def token_cookie(token: str) -> str:
    """What the login cookie holds: the token's sha256 (ASCII whatever the token; the token itself
    never travels in a cookie)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_form_csrf(request: Request, sent: str | None) -> None:
    """For HTML form posts: the ``csrf_token`` field must equal the CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not sent or not same_secret(str(sent), cookie):
        raise Invalid("missing or wrong CSRF token; reload the page")


def get_model(app: FastAPI) -> Any:
    with app.state.model_lock:
        if app.state.model is None:
            from petition_nlp.model.modelstore import load_model

            app.state.model = load_model(app.state.model_dir)
        return app.state.model


def warm_up(app: FastAPI) -> None:
    """Load the model and run each stage once on two made-up petitions (segmenter, grouping
    vectors, catalogue, chart drawing), so the first officer's upload does not pay for it."""
    from petition_nlp import pipeline
    from petition_nlp.web.routes import _chart

    model = get_model(app)
    frame = pd.DataFrame({"text": ["Đề nghị xây thêm nhà ở xã hội cho công nhân thuê", "Công ty chậm đóng bảo hiểm xã hội"]})
    pipeline.group_survey(pipeline.classify_survey(frame, "text", model), "text")
    _chart((("housing", 1), ("social_insurance", 1)))


def token_from_env() -> str | None:
    return os.environ.get(TOKEN_ENV) or None
