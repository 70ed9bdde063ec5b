"""Reference lists: counties, plans, columns (专栏), sectors, indicators, places."""

from __future__ import annotations

from typing import Annotated

import typer

from portfolio.cli._context import app_context, friendly_errors
from portfolio.cli._options import ForceOption, FormatOption, OutputOption, PrefectureOption
from portfolio.cli._output import emit

PlanKeyOption = Annotated[str | None, typer.Option("--plan", "-p", help="Only this plan (key).")]

COLUMNS = {
    "counties": (("code", "代码"), ("name", "名称"), ("level", "级别"), ("parent", "上级"), ("short_name", "简称"),
                 ("aliases", "别名"), ("official", "国标代码"), ("projects", "项目数")),
    "plans": (("key", "代号"), ("title", "规划"), ("region", "地区"), ("period", "期限"), ("issued", "印发/通过"),
              ("kind", "类别"), ("columns", "专栏"), ("projects", "项目"), ("indicators", "指标")),
    "columns": (("plan", "规划"), ("number", "专栏"), ("title", "标题"), ("kind", "内容"), ("projects", "项目"),
                ("programmes", "项目群"), ("places", "城镇")),
    "sectors": (("code", "代码"), ("label_zh", "行业"), ("label_en", "English"), ("oc4ids", "OC4IDS"),
                ("projects", "项目数")),
    "indicators": (("code", "编号"), ("plan", "规划"), ("table", "表"), ("section", "类别"), ("name", "指标"),
                   ("scope", "范围"), ("unit", "单位"), ("baseline_label", "基期"), ("baseline", "基期值"),
                   ("target_label", "目标期"), ("target", "目标值"), ("attribute", "属性"),
                   ("baseline_value", "基期数值"), ("target_value", "目标数值"), ("line", "行")),
    "places": (("plan", "规划"), ("column", "专栏"), ("role", "层级"), ("name", "名称"), ("county", "县(区)"),
               ("line", "行")),
}
TITLES = {"counties": "行政区划", "plans": "规划", "columns": "专栏", "sectors": "行业", "indicators": "主要指标",
          "places": "城镇体系"}


def _list(ctx: typer.Context, name: str, fmt: str, output, force: bool, **arguments) -> None:
    """Run the query of the same name in portfolio.queries and render its rows."""
    from portfolio import queries
    from portfolio.render import Col

    with app_context(ctx).session() as session:
        if arguments.get("plan_key"):
            arguments["plan_key"] = queries.resolve_plan(session, arguments["plan_key"])
        rows = getattr(queries, name)(session, **arguments)
    emit(rows, [Col(key, label) for key, label in COLUMNS[name]], fmt, output, force=force, title=TITLES[name])


@friendly_errors
def counties(ctx: typer.Context, prefecture: PrefectureOption = None, fmt: FormatOption = "table",
             output: OutputOption = None, force: ForceOption = False) -> None:
    """The gazetteer: divisions with GB/T 2260 codes, aliases and project counts."""
    _list(ctx, "counties", fmt, output, force, prefecture=prefecture)


@friendly_errors
def plans(ctx: typer.Context, fmt: FormatOption = "table", output: OutputOption = None,
          force: ForceOption = False) -> None:
    """The source plans with their counts of 专栏, projects and indicators."""
    _list(ctx, "plans", fmt, output, force)


@friendly_errors
def columns(ctx: typer.Context, plan: PlanKeyOption = None, fmt: FormatOption = "table",
            output: OutputOption = None, force: ForceOption = False) -> None:
    """The 专栏 of each plan with counts of projects, programmes and places."""
    _list(ctx, "columns", fmt, output, force, plan_key=plan)


@friendly_errors
def sectors(ctx: typer.Context, fmt: FormatOption = "table", output: OutputOption = None,
            force: ForceOption = False) -> None:
    """The sector taxonomy and its OC4IDS projectSector codes."""
    _list(ctx, "sectors", fmt, output, force)


@friendly_errors
def indicators(ctx: typer.Context, plan: PlanKeyOption = None, fmt: FormatOption = "table",
               output: OutputOption = None, force: ForceOption = False) -> None:
    """The plans' indicator tables (主要指标): unit, baseline, target, attribute."""
    _list(ctx, "indicators", fmt, output, force, plan_key=plan)


@friendly_errors
def places(ctx: typer.Context, plan: PlanKeyOption = None, fmt: FormatOption = "table",
           output: OutputOption = None, force: ForceOption = False) -> None:
    """Towns and areas of the urban-system 专栏 (not projects)."""
    _list(ctx, "places", fmt, output, force, plan_key=plan)
