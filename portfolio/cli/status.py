"""portfolio status import: apply a status sheet sent back by a county office."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from portfolio.cli._context import app_context, friendly_errors, note, say
from portfolio.i18n import plural, t

status_app = typer.Typer(no_args_is_help=True, help="Status updates in bulk.")


@status_app.command("import")
@friendly_errors
def import_status(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(
            help="A .csv (UTF-8, UTF-8 with BOM, or GBK) or .xlsx sheet with "
            "columns code/项目编号, status/状态, date/日期, note/备注."
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row, change nothing.")] = False,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="NAME", help="Who records this (default: database role or system user)."),
    ] = None,
) -> None:
    """Check every row first, then apply all of them or none. Rows that repeat a project's latest
    status event are skipped, so importing the same sheet twice changes nothing."""
    from portfolio import changes
    from portfolio.actor import current_actor

    with app_context(ctx).session(write=True) as session:
        result = changes.import_sheet(session, path, actor=current_actor(session, by))
        for change in result.changes:
            say(change.describe())
        recorded = sum(change.recorded for change in result.changes)
        same = (
            plural(
                result.unchanged,
                "; {n} row repeats the current status and was skipped",
                "; {n} rows repeat the current status and were skipped",
            )
            if result.unchanged
            else ""
        )
        if dry_run:
            session.rollback()
            note(
                plural(recorded, "dry run: {n} update is valid", "dry run: {n} updates are valid")
                + same
                + t("; nothing was changed")
            )
            return
    note(
        plural(recorded, "{n} status update recorded from {path}", "{n} status updates recorded from {path}", path=path)
        + same
    )
