"""portfolio db …: info, upgrade, backup, reset."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from portfolio.cli._context import app_context, ask, cancelled, friendly_errors, note
from portfolio.cli._output import atomic_output, check_output_path
from portfolio.errors import DatabaseError, UserInputError
from portfolio.i18n import t

db_app = typer.Typer(no_args_is_help=True, help="Inspect, upgrade, back up or reset the database.")


@db_app.command("info")
@friendly_errors
def info(
    ctx: typer.Context, fmt: Annotated[str, typer.Option("--format", "-f", help="table, plain, csv, json …")] = "table"
) -> None:
    """Where the database is, its schema revision, and row counts per table and plan."""
    from portfolio import db, queries, render
    from portfolio.cli._output import emit
    from portfolio.rows import PlanCount, TableCount

    context = app_context(ctx)
    engine = context.engine()
    revision = db.current_revision(engine)
    header = [
        ("database", db.display_url(context.url)),
        ("schema revision", f"{revision} (latest {db.SCHEMA_HEAD})"),
    ]
    shown = [
        t("database: {database}", database=header[0][1]),
        t("schema revision: {revision} (latest {latest})", revision=revision, latest=db.SCHEMA_HEAD),
    ]
    with context.session() as session:
        header.append(("search index", db.search_index(session.connection())))
        counts = queries.table_counts(session)
        plans = [PlanCount(p.key, p.columns, p.projects, p.indicators) for p in queries.plans(session)]
    if fmt in ("json", "jsonl"):  # one document a program can read
        render.dump_json(
            {
                **dict(header),
                "tables": {count.table: count.rows for count in counts},
                "plans": {
                    p.plan: {"columns": p.columns, "projects": p.projects, "indicators": p.indicators} for p in plans
                },
            },
            sys.stdout,
        )
        return
    for line in shown:
        (typer.echo if fmt == "table" else note)(line)
    emit(counts, TableCount, fmt, title="行数")
    emit(plans, PlanCount, fmt, title="规划")


@db_app.command("upgrade")
@friendly_errors
def upgrade(ctx: typer.Context) -> None:
    """Bring the schema to the latest revision (done automatically on every use)."""
    from portfolio import db

    engine = app_context(ctx).engine()
    typer.echo(t("schema revision: {revision}", revision=db.current_revision(engine)))


@db_app.command("backup")
@friendly_errors
def backup(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="The backup file to write.", dir_okay=False)],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Copy a SQLite database, safely even while in use (PostgreSQL: use pg_dump)."""
    import sqlite3

    context = app_context(ctx)
    engine = context.engine()
    if engine.dialect.name != "sqlite":
        raise UserInputError("backup copies SQLite databases; for PostgreSQL use pg_dump (e.g. pg_dump -Fc DB > FILE)")
    check_output_path(path, force)
    if not path.parent.is_dir():
        raise UserInputError(f"cannot write {path}: folder {path.parent} does not exist")
    if path.resolve() == Path(engine.url.database).resolve():
        raise UserInputError("the backup file cannot be the database itself")
    source = sqlite3.connect(engine.url.database)
    try:
        with atomic_output(path) as partial:
            target = sqlite3.connect(partial)
            with target:
                source.backup(target)
            target.close()
            os.chmod(partial, 0o600)  # as private as the database itself
    except sqlite3.Error as error:
        raise DatabaseError(f"cannot write backup {path}: {error}") from None
    finally:
        source.close()
    note(f"backed up {engine.url.database} to {path}")


@db_app.command("init")
@friendly_errors
def init(ctx: typer.Context) -> None:
    """Set up the portfolio tables and seed data, also in a database that holds other tables."""
    from portfolio import db

    context = app_context(ctx)
    new_file = db.is_new_database(context.url)
    engine = context.engine(migrate=False)
    before = db.check_connection(engine)
    seeded = db.ensure_current(engine, beside_other_tables=True)
    where = db.display_url(context.url)
    if before == db.SCHEMA_HEAD:
        note(f"{where} is already set up (schema revision {before}); nothing changed")
    elif seeded:
        note(
            f"created database {where} and loaded the seed data"
            if new_file
            else f"set up the portfolio tables in {where} and loaded the seed data"
        )
    else:
        note(f"upgraded {where} from schema revision {before or 'none'} to {db.SCHEMA_HEAD}")


@db_app.command("reset")
@friendly_errors
def reset(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete everything, including status history, and reload the seeds."""
    from portfolio import db

    context = app_context(ctx)
    shown = db.display_url(context.url)
    if not yes and not ask(t("Delete every project and all status history in {database}?", database=shown)):
        cancelled()
    engine = context.engine(migrate=False)
    db.check_connection(engine)
    if db.current_revision(engine) is not None:
        db.downgrade(engine, "base")
    db.ensure_current(engine)
    note(f"reset {shown}: schema recreated and seeds loaded")
