"""portfolio summary: counts across counties, sectors, plans and statuses."""

from __future__ import annotations

from typing import Annotated

import typer

from portfolio.cli._context import app_context, friendly_errors
from portfolio.cli._options import (
    CountOption,
    CountyOption,
    ForceOption,
    FormatOption,
    KindOption,
    LevelOption,
    OutputOption,
    PlanOption,
    PrefectureOption,
    SectorOption,
    StatusOption,
)
from portfolio.cli._output import emit, for_people
from portfolio.cli.projects import build_filter
from portfolio.errors import UserInputError

DIMENSION_HELP = "county, prefecture, sector, plan, status, kind or column"


@friendly_errors
def summary(
    ctx: typer.Context,
    by: Annotated[str, typer.Option("--by", help=DIMENSION_HELP)] = "county",
    then: Annotated[str | None, typer.Option("--then", help="A second dimension, as columns.")] = None,
    county: CountyOption = None,
    prefecture: PrefectureOption = None,
    sector: SectorOption = None,
    plan: PlanOption = None,
    status: StatusOption = None,
    kind: KindOption = None,
    level: LevelOption = None,
    count: CountOption = "works",
    chart: Annotated[bool, typer.Option("--chart/--no-chart", help="Bar chart of the first dimension.")] = True,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Count works by one dimension, or pivot two (--by county --then sector).

    Each work counts once: where a programme's parts stand, the parts count and the programme does not,
    under any filter; a work listed in two 专栏 counts once, with its primary listing's status and sector
    (--count listings counts every item instead). Rows by status, kind or sector add up to the 合计;
    a work standing in several counties counts once under each of them; works whose county the plan does
    not give show as 未明确县(区).
    """
    from portfolio.render import TableShape
    from portfolio.views import summary_table, summary_title, summary_total_row

    if then is not None and not then.strip():
        raise UserInputError(f"--then needs a value: {DIMENSION_HELP}")
    if then is not None and then.strip().lower() == by.strip().lower():
        raise UserInputError(f"--then {then} is the same as --by: give a different second dimension ({DIMENSION_HELP})")
    with app_context(ctx).session() as session:
        flt = build_filter(
            session,
            county=county,
            prefecture=prefecture,
            sector=sector,
            plan=plan,
            status=status,
            kind=kind,
            level=level,
        )
        columns, rows, totals = summary_table(session, flt, by, then, count=count)
        summed = bool(totals) and for_people(fmt, output)  # a 合计 row in tables and text, not in CSV or JSON
        if summed:
            rows = [*rows, summary_total_row(session, flt, columns, then, count=count)]
    emit(
        rows,
        columns,
        fmt,
        output,
        force=force,
        title=summary_title(by, count),
        empty_message="no matching projects",
        chart=[(str(v), n) for v, n in totals] if chart else None,
        shape=TableShape(fold=bool(then), summed=summed),
    )
