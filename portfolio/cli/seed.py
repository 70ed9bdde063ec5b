"""portfolio seed check / load: validate and (re)load the curated seed files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from portfolio.cli._context import app_context, fail, friendly_errors, note, say
from portfolio.i18n import plural

seed_app = typer.Typer(no_args_is_help=True, help="Validate and load the curated seed files.")

SeedPathArgument = Annotated[
    Path | None, typer.Argument(help="A seeds directory (default: the seeds shipped with portfolio).", file_okay=False)
]


def _seed_dir(path: Path | None) -> Path:
    from portfolio.paths import seeds_dir

    return path if path is not None else seeds_dir()


@seed_app.command("check")
@friendly_errors
def check(path: SeedPathArgument = None) -> None:
    """Validate every seed file and report every problem as file:line: message."""
    from portfolio.seeding import read_seeds

    bundle, errors = read_seeds(_seed_dir(path))
    for error in errors:
        note(str(error))  # file:line: message, the message in the user's language
    if errors:
        fail(plural(len(errors), "{n} problem in {path}", "{n} problems in {path}", path=_seed_dir(path)))
    say(
        f"ok: {len(bundle.plans)} plans, {len(bundle.projects)} projects and programmes, "
        f"{len(bundle.indicators)} indicators, {len(bundle.places)} places, "
        f"{len(bundle.divisions)} divisions, {len(bundle.sectors)} sectors"
    )


@seed_app.command("load")
@friendly_errors
def load(
    ctx: typer.Context,
    path: SeedPathArgument = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; change nothing.")] = False,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Delete items no longer in the seeds (never those with user status history)."),
    ] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, plain, csv, json …")] = "table",
) -> None:
    """Validate, then apply in one transaction: insert new, update changed, keep the rest.

    Status history entered by users is never deleted or altered by a reload.
    """
    from portfolio.cli._output import emit
    from portfolio.seeding import PlanReport, apply, load_checked

    bundle = load_checked(_seed_dir(path))
    context = app_context(ctx)
    with context.session(exclusive=True) as session:
        report = apply(session, bundle, prune=prune)
        if dry_run:
            session.rollback()
    if report.changed and not dry_run:
        from portfolio.db import refresh_statistics

        refresh_statistics(context.engine())
    emit(list(report.plans.values()), PlanReport, fmt, title="种子载入")
    if report.missing_codes and not prune:
        note(
            plural(
                len(report.missing_codes),
                "{n} item is no longer in the seeds and was kept (use --prune to delete it): {codes}",
                "{n} items are no longer in the seeds and were kept (use --prune to delete them): {codes}",
                codes=", ".join(report.missing_codes[:10]),
            )
        )
    if report.kept_with_history:
        note(
            plural(
                len(report.kept_with_history),
                "kept {n} item with user status history: {codes}",
                "kept {n} items with user status history: {codes}",
                codes=", ".join(report.kept_with_history[:10]),
            )
        )
    note(
        "dry run: nothing was changed"
        if dry_run
        else ("loaded" if report.changed else "nothing to change: the database already matches the seeds")
    )
