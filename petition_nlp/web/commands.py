"""``petition-nlp serve`` and ``petition-nlp qa`` (registered on the CLI by :func:`register`).

Kept light: nothing heavy is imported until a command runs, so the CLI's start-up is unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

DEFAULT_DATA = Path("workspace")


def register(app: typer.Typer, handled: Callable[[], Any]) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to listen on; other than 127.0.0.1 / localhost needs --token.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
        data: Annotated[Path, typer.Option("--data", help="Data folder: the SQLite store and the kept originals (created if missing).")] = DEFAULT_DATA,
        token: Annotated[Optional[str], typer.Option("--token", help="Access token every request must carry (default: $PETITION_NLP_TOKEN).")] = None,
        upload_limit: Annotated[int, typer.Option("--upload-limit", min=1, help="Largest upload in MB.")] = 50,
        model: Annotated[Optional[Path], typer.Option("--model", help="Model directory (default: models/default).")] = None,
    ) -> None:
        """Start the officers' workspace (a local web app) at http://HOST:PORT/ (needs the web extra)."""
        with handled():
            try:
                import fastapi  # noqa: F401
                import uvicorn  # noqa: F401
            except ImportError:
                raise ValueError("the web workspace needs the [web] extra: pip install 'petition-nlp[web]'") from None
            from petition_nlp.web import serve as run

            _port_free(host, port)  # before printing the address: it may be another workspace's
            typer.echo(f"petition-nlp workspace: http://{host}:{port}/  (data: {data}; Ctrl+C to stop)", err=True)
            run(data, host=host, port=port, token=token, upload_limit_mb=upload_limit, model_dir=model)

    @app.command()
    def qa(
        source: Annotated[Path, typer.Argument(help="A workspace data folder (or its workspace.sqlite3).")],
        output: Annotated[Path, typer.Option("-o", "--output", help="Write .html (portal page) or .xlsx.")] = Path("qa.html"),
        survey: Annotated[Optional[int], typer.Option("--survey", help="Survey id (default: the latest).")] = None,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output file.")] = False,
    ) -> None:
        """Publish a survey's questions and answers (grouped by topic; no internal data)."""
        with handled():
            from petition_nlp.files.io import InputError, atomic_output
            from petition_nlp.store import DB_NAME, open_workspace
            from petition_nlp.store import workspace as ws

            folder = source.parent if source.name == DB_NAME else source
            if output.suffix.lower() not in (".html", ".xlsx"):
                raise InputError(f"{output}: unknown output type '{output.suffix}' (use .html or .xlsx)")
            if output.exists() and not overwrite:
                raise InputError(f"{output}: file exists; pass --overwrite to replace it")
            store = open_workspace(folder)  # an existing workspace database only; never creates one
            ready = [s for s in store.list_surveys() if s["state"] == "ready"]
            if not ready:
                raise InputError(f"{source}: no survey in the workspace")
            chosen = survey if survey is not None else ready[0]["id"]
            if chosen not in {s["id"] for s in ready}:
                raise InputError(f"{source}: no survey {chosen} (surveys: {', '.join(str(s['id']) for s in ready)})")
            with atomic_output(output, overwrite=True) as temp:
                if output.suffix.lower() == ".html":
                    temp.write_text(ws.qa_html(store, chosen), encoding="utf-8")
                else:
                    temp.write_bytes(ws.qa_workbook_bytes(store, chosen))
            count = len(ws.qa_frame(store, chosen))
            typer.echo(f"wrote {count} answered questions of survey {chosen} to {output}", err=True)
            for lost in store.answers_without_petitions(chosen):  # a workspace written before such edits were refused
                typer.echo(
                    f"note: left out: the answer of group {lost['label'] or lost['group_id']} ({lost['agency'] or 'no agency'}) — "
                    "the group has no petition left; merge it into the group its petitions joined to publish it", err=True,
                )


def _port_free(host: str, port: int) -> None:
    """``ValueError`` (one line) when ``host:port`` is already taken (another server answers there)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ValueError(f"cannot listen on {host}: {exc}") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            raise ValueError(f"port {port} on {host} is already in use (another server?): choose another with --port") from None
