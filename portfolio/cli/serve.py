"""portfolio serve: the read-only web front end on the same database as every other command."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from portfolio.cli._context import app_context, friendly_errors, note
from portfolio.i18n import t

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@friendly_errors
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Worker processes (2 or more on a machine with several cores: they serve pages in parallel).",
            min=1,
            max=64,
        ),
    ] = 1,
    proxy: Annotated[
        str | None,
        typer.Option(
            "--proxy",
            help="Address of the HTTPS reverse proxy in front: its X-Forwarded-For and X-Forwarded-Proto "
            "are trusted (client addresses in the audit, Secure cookies).",
        ),
    ] = None,
) -> None:
    """Serve the web pages (browse, facets, search, project pages, reports) and the JSON API (/api/docs)."""
    import uvicorn

    from portfolio import db
    from portfolio.web.app import DATABASE_ENV, create_app

    context = app_context(ctx)
    context.engine()  # migrate, and seed a new database, once, before any worker starts
    context.close()
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    if host not in LOOPBACK and not proxy:
        note(
            t(
                "warning: plain HTTP on {host}: passwords and session cookies would cross the network unencrypted; "
                "serve behind an HTTPS proxy and name it with --proxy",
                host=host,
            )
        )
    typer.echo(
        t(
            "portfolio web: {url}  (database {database}; Ctrl+C stops)",
            url=f"http://{shown}:{port}/",
            database=db.display_url(context.url),
        )
    )
    if workers == 1:
        uvicorn.run(create_app(context.url), host=host, port=port, log_level="warning", forwarded_allow_ips=proxy)
        return
    os.environ[DATABASE_ENV] = context.url  # each worker process builds its own app from it
    uvicorn.run(
        "portfolio.web.app:create_app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        forwarded_allow_ips=proxy,
    )
