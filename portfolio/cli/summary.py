"""portfolio summary: counts across counties, sectors, plans and statuses."""

from __future__ import annotations

import sys
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
from portfolio.cli._output import emit
from portfolio.cli.projects import build_filter
from portfolio.errors import UserInputError

COUNT_LABELS = {"works": "工程数", "listings": "条目数"}
COUNT_TITLES = {"works": "（每项工程计一次：项目群与其组成项目、重复列出的同一工程不重复计数）",
                "listings": "（按规划条目计数，项目群与其组成项目、重复列出的同一工程各计一次）"}
DIMENSION_HELP = "county, prefecture, sector, plan, status, kind or column"
LABELS = {"county": "县(区)", "prefecture": "地市", "sector": "行业", "plan": "规划", "status": "状态",
          "kind": "类型", "column": "专栏"}


def pivot(rows: list[tuple], totals: list[tuple], then: str) -> tuple[list[str], list[tuple]]:
    """(value, then-value, count) rows -> one row per value (in the order of `totals`) with a column per
    then-value (in the order the rows name them; sectors largest first) and a total."""
    cells: dict = {}
    column_totals: dict = {}
    for value, then_value, count in rows:
        cells.setdefault(value, {})[then_value] = count
        column_totals[then_value] = column_totals.get(then_value, 0) + count
    across = list(column_totals)
    if then == "sector":
        across.sort(key=column_totals.get, reverse=True)
    table = [(value, *(cells.get(value, {}).get(t, 0) for t in across), total) for value, total in totals]
    return [str(t) for t in across], table


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

    Each work counts once: where a programme's parts are counted, the programme is not; a work listed in
    two 专栏 counts once (--count listings counts every item instead). A programme spanning several counties
    counts once under each of them; works whose county the plan does not give show as 未明确县(区).
    """
    from portfolio import queries, render
    from portfolio.render import Col

    if then is not None and then.strip().lower() == by.strip().lower():
        raise UserInputError(f"--then {then} is the same as --by: give a different second dimension "
                             f"({DIMENSION_HELP})")
    with app_context(ctx).session() as session:
        flt = build_filter(session, county=county, prefecture=prefecture, sector=sector, plan=plan,
                           status=status, kind=kind, level=level)
        totals = queries.summary(session, flt, by, count=count)
        if then:
            detail = queries.summary(session, flt, by, then, count=count)
    if then:
        across, rows = pivot(detail, totals, then)
        columns = [Col(by, LABELS.get(by, by)), *(Col(t, t) for t in across), Col("total", "合计")]
    else:
        rows, columns = totals, [Col(by, LABELS.get(by, by)), Col("count", COUNT_LABELS[count])]
    on_terminal = output is None and fmt == "table" and sys.stdout.isatty()
    if on_terminal and chart and totals:
        render.bar_chart([(str(v), n) for v, n in totals], sys.stdout)
        sys.stdout.write("\n")
    emit(rows, columns, fmt, output, force=force, title=f"按{LABELS.get(by, by)}统计{COUNT_TITLES[count]}",
         empty_message="no matching projects")
