"""The "Huấn luyện lại" page: retrain on the bundled corpus plus every officer-confirmed label of
the store (``petition-nlp train --store``) in the background, show the candidate beside the
current model on the sealed test splits, promote only under the ``--promote`` rule, roll back.
Also the "worth confirming next" list of a survey (``suggest`` on the store)."""

from __future__ import annotations

import threading
import traceback
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from fastapi import Body, FastAPI, Request
from fastapi.responses import HTMLResponse

from petition_nlp.store import Conflict, Invalid

STAGES = ("labels", "train", "evaluate", "done")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_retrain(app: FastAPI) -> None:
    """The background job: train with the store's labels, compare on the sealed test splits."""
    from petition_nlp.model.training import code_shortfalls, compare_on_tests, train_model

    job = app.state.retrain
    options = dict(getattr(app.state, "retrain_options", {}) or {})
    try:
        job.update(stage="labels", step=1)
        job["labels"] = len(app.state.store.labels())
        job.update(stage="train", step=2)
        _, target, report = train_model(
            options.get("files") or [], only=bool(options.get("only")), store=app.state.store, params=options.get("params"),
        )
        job.update(stage="evaluate", step=3, candidate=str(target))
        job["cv_macro_f1"] = report["cv"]["macro_f1"]
        job["rows"] = report["validation"]["rows_used"]
        job["overridden"] = report["validation"].get("overridden_by_corrections", 0)
        job.update(left_out(report["validation"]))
        job["comparison"] = compare_on_tests(target, test_files=options.get("test_files"))
        job["not_ready"] = code_shortfalls(target, **options.get("promote_rule", {}))
        job.update(state="done", stage="done", step=4, finished=_now())
    except Exception as exc:  # shown on the page in one line
        job.update(state="failed", error=f"{exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", finished=_now())
        job["trace"] = traceback.format_exc(limit=3)


def left_out(validation: dict[str, Any]) -> dict[str, Any]:
    """What the training left out of the labels, as the CLI's ``train`` says it: ``conflicting_texts``
    (texts given different topics, e.g. by officers in two surveys; none of their rows is used),
    ``conflicts`` (the first ten: ``text``, ``labels``, ``rows``), ``duplicates_dropped``, ``skipped_empty``."""
    return {
        "conflicting_texts": int(validation.get("conflicting_texts", 0)),
        "conflicts": [{"text": c["text"], "labels": list(c["labels"]), "rows": c["rows"]} for c in validation.get("conflicts", [])[:10]],
        "duplicates_dropped": int(validation.get("duplicates_dropped", 0)),
        "skipped_empty": int(validation.get("skipped_empty", 0)),
    }


def register(app: FastAPI, page: Callable[..., HTMLResponse]) -> None:
    app.state.retrain = {"state": "idle"}
    lock = threading.Lock()

    def status(request: Request) -> dict[str, Any]:
        from petition_nlp.model.modelstore import list_models

        job = {k: v for k, v in request.app.state.retrain.items() if k != "trace"}
        try:
            models = [{k: m.get(k) for k in ("name", "created", "rows", "cv_macro_f1", "tests", "default", "location")} for m in list_models()]
        except Exception:  # a models folder that cannot be listed must not break the page
            models = []
        return {**job, "labels_in_store": len(request.app.state.store.labels()), "steps": len(STAGES), "models": models}

    @app.get("/api/retrain")
    def api_retrain_status(request: Request) -> dict[str, Any]:
        return status(request)

    @app.post("/api/retrain")
    def api_retrain_start(request: Request) -> dict[str, Any]:
        with lock:
            if request.app.state.retrain.get("state") == "running":
                raise Conflict("a retraining is already running; wait for it to finish")
            request.app.state.retrain = {"state": "running", "stage": "queued", "step": 0, "started": _now()}
        threading.Thread(target=run_retrain, args=(request.app,), name="retrain", daemon=True).start()
        return status(request)

    def _reload_model(request: Request) -> None:
        with request.app.state.model_lock:
            request.app.state.model = None  # the new default is loaded on next use

    @app.post("/api/retrain/promote")
    def api_retrain_promote(request: Request, body: dict[str, Any] = Body(default={})) -> dict[str, Any]:
        from petition_nlp.model.training import promote_if_better

        job = request.app.state.retrain
        if job.get("state") != "done" or not job.get("candidate"):
            raise Invalid("no finished candidate to promote: retrain first")
        options = dict(getattr(request.app.state, "retrain_options", {}) or {})
        tests = options.get("test_files") or []
        result = promote_if_better(job["candidate"], test_file=tests[0] if tests else None, **options.get("promote_rule", {}))
        if result["promoted"]:
            _reload_model(request)
            job["promoted"] = True
        return {k: v for k, v in result.items()}

    @app.post("/api/retrain/rollback")
    def api_retrain_rollback(request: Request, body: dict[str, Any] = Body(default={})) -> dict[str, Any]:
        from petition_nlp.model.modelstore import rollback_model

        try:
            path = rollback_model()
        except Exception as exc:
            raise Invalid(str(exc).splitlines()[0] if str(exc) else "nothing to roll back to") from None
        _reload_model(request)
        return {"default": str(path)}

    @app.get("/retrain", response_class=HTMLResponse)
    def retrain_page(request: Request) -> HTMLResponse:
        return page(request, "retrain.html", job=status(request))

    # ------------------------------------------------------------------ worth confirming next
    @app.get("/api/surveys/{survey_id}/suggest")
    def api_suggest(request: Request, survey_id: int, n: Optional[int] = 20, category: Optional[str] = None) -> list[dict[str, Any]]:
        from petition_nlp.store import workspace as ws
        from petition_nlp.web.app import get_model

        if n is None or not 1 <= n <= 500:
            raise Invalid("n must be between 1 and 500")
        return ws.suggest_survey(request.app.state.store, survey_id, n=n, model=get_model(request.app), category=category or None)
