"""The officers' local web workspace (``petition-nlp serve``; needs the ``[web]`` extra).

:func:`petition_nlp.web.app.create_app` builds the application; pages are Vietnamese,
server-rendered with Jinja2 (autoescaped), with small plain JavaScript in ``static/``."""

from __future__ import annotations

__all__ = ["create_app", "serve"]


def create_app(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201 - re-export, imports FastAPI lazily
    from petition_nlp.web.app import create_app as _create

    return _create(*args, **kwargs)


def serve(data_dir, *, host: str = "127.0.0.1", port: int = 8000, token: str | None = None,  # noqa: ANN001
          upload_limit_mb: int = 50, model_dir=None) -> None:  # noqa: ANN001
    """Run the workspace with uvicorn. A host other than loopback needs a token."""
    import ipaddress

    from petition_nlp.web.app import token_from_env

    token = token or token_from_env()
    loopback = host in ("localhost",)
    try:
        loopback = loopback or ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if not loopback and not token:
        raise ValueError(
            f"refusing to listen on {host} without a token: pass --token or set PETITION_NLP_TOKEN "
            "(everyone who can reach this address could read and change the surveys)"
        )
    import uvicorn

    from petition_nlp.web.app import create_app as _create

    import threading

    from petition_nlp.web.app import warm_up

    app = _create(data_dir, token=token, upload_limit=upload_limit_mb * 1024 * 1024, model_dir=model_dir)
    threading.Thread(target=warm_up, args=(app.app,), name="warm-up", daemon=True).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")
