"""Reference lists: counties, plans, columns (专栏), sectors, indicators, places."""

from __future__ import annotations

from typing import Annotated

import typer

from portfolio.cli._context import app_context, friendly_errors
from portfolio.cli._options import ColumnsOption, ForceOption, FormatOption, OutputOption, PrefectureOption
from portfolio.cli._output import emit

PlanKeyOption = Annotated[str | None, typer.Option("--plan", "-p", help="Only this plan (key).")]


def _list(ctx: typer.Context, name: str, fmt: str, output, force: bool, columns: str | None, **arguments) -> None:
    """Run the reference query of that name and render its rows."""
    from portfolio.render import TableShape
    from portfolio.views import REFERENCE_ROWS, REFERENCE_TABLE_FIRST, REFERENCE_TITLES, reference_rows

    with app_context(ctx).session() as session:
        rows = reference_rows(session, name, **arguments)
    emit(
        rows,
        REFERENCE_ROWS[name],
        fmt,
        output,
        force=force,
        title=REFERENCE_TITLES[name],
        select=columns,
        shape=TableShape(first=REFERENCE_TABLE_FIRST.get(name, ())),
    )


@friendly_errors
def counties(
    ctx: typer.Context,
    prefecture: PrefectureOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """The gazetteer: divisions with GB/T 2260 codes, aliases and project counts."""
    _list(ctx, "counties", fmt, output, force, columns, prefecture=prefecture)


@friendly_errors
def plans(
    ctx: typer.Context,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """The source plans with their counts of 专栏, projects and indicators."""
    _list(ctx, "plans", fmt, output, force, columns)


@friendly_errors
def columns(
    ctx: typer.Context,
    plan: PlanKeyOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """The 专栏 of each plan with counts of projects, programmes and places."""
    _list(ctx, "columns", fmt, output, force, columns, plan_key=plan)


@friendly_errors
def sectors(
    ctx: typer.Context,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """The sector taxonomy and its OC4IDS projectSector codes."""
    _list(ctx, "sectors", fmt, output, force, columns)


@friendly_errors
def indicators(
    ctx: typer.Context,
    plan: PlanKeyOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """The plans' indicator tables (主要指标): unit, baseline, target, attribute."""
    _list(ctx, "indicators", fmt, output, force, columns, plan_key=plan)


@friendly_errors
def places(
    ctx: typer.Context,
    plan: PlanKeyOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Towns and areas of the urban-system 专栏 (not projects)."""
    _list(ctx, "places", fmt, output, force, columns, plan_key=plan)
