"""Reference lists: counties, plans, columns (专栏), sectors, indicators, places."""

from __future__ import annotations

from typing import Annotated

import typer

from portfolio.cli._context import app_context, friendly_errors
from portfolio.cli._options import ForceOption, FormatOption, OutputOption, PrefectureOption
from portfolio.cli._output import emit

PlanKeyOption = Annotated[str | None, typer.Option("--plan", "-p", help="Only this plan (key).")]


def _cols(*pairs):
    from portfolio.render import Col

    return [Col(key, label) for key, label in pairs]


def _plan_key(session, plan):
    from portfolio.queries import resolve_plan

    return resolve_plan(session, plan) if plan else None


@friendly_errors
def counties(ctx: typer.Context, prefecture: PrefectureOption = None, fmt: FormatOption = "table",
             output: OutputOption = None, force: ForceOption = False) -> None:
    """The gazetteer: divisions with GB/T 2260 codes, aliases and project counts."""
    from portfolio import queries

    with app_context(ctx).session() as session:
        rows = queries.counties(session, prefecture)
    emit(rows, _cols(("code", "代码"), ("name", "名称"), ("level", "级别"), ("parent", "上级"),
                     ("short_name", "简称"), ("aliases", "别名"), ("official", "国标代码"), ("projects", "项目数")),
         fmt, output, force=force, title="行政区划")


@friendly_errors
def plans(ctx: typer.Context, fmt: FormatOption = "table", output: OutputOption = None,
          force: ForceOption = False) -> None:
    """The source plans with their counts of 专栏, projects and indicators."""
    from portfolio import queries

    with app_context(ctx).session() as session:
        rows = queries.plans(session)
    emit(rows, _cols(("key", "代号"), ("title", "规划"), ("region", "地区"), ("period", "期限"),
                     ("issued", "印发/通过"), ("kind", "类别"), ("columns", "专栏"), ("projects", "项目"),
                     ("indicators", "指标")), fmt, output, force=force, title="规划")


@friendly_errors
def columns(ctx: typer.Context, plan: PlanKeyOption = None, fmt: FormatOption = "table",
            output: OutputOption = None, force: ForceOption = False) -> None:
    """The 专栏 of each plan with counts of projects, programmes and places."""
    from portfolio import queries

    with app_context(ctx).session() as session:
        rows = queries.columns(session, _plan_key(session, plan))
    emit(rows, _cols(("plan", "规划"), ("number", "专栏"), ("title", "标题"), ("kind", "内容"),
                     ("projects", "项目"), ("programmes", "项目群"), ("places", "城镇")),
         fmt, output, force=force, title="专栏")


@friendly_errors
def sectors(ctx: typer.Context, fmt: FormatOption = "table", output: OutputOption = None,
            force: ForceOption = False) -> None:
    """The sector taxonomy and its OC4IDS projectSector codes."""
    from portfolio import queries

    with app_context(ctx).session() as session:
        rows = queries.sectors(session)
    emit(rows, _cols(("code", "代码"), ("label_zh", "行业"), ("label_en", "English"), ("oc4ids", "OC4IDS"),
                     ("projects", "项目数")), fmt, output, force=force, title="行业")


@friendly_errors
def indicators(ctx: typer.Context, plan: PlanKeyOption = None, fmt: FormatOption = "table",
               output: OutputOption = None, force: ForceOption = False) -> None:
    """The plans' indicator tables (主要指标): unit, baseline, target, attribute."""
    from portfolio import queries

    with app_context(ctx).session() as session:
        rows = queries.indicators(session, _plan_key(session, plan))
    emit(rows, _cols(("code", "编号"), ("plan", "规划"), ("table", "表"), ("section", "类别"), ("name", "指标"),
                     ("scope", "范围"), ("unit", "单位"), ("baseline", "基期"), ("target", "目标"),
                     ("attribute", "属性")), fmt, output, force=force, title="主要指标")


@friendly_errors
def places(ctx: typer.Context, plan: PlanKeyOption = None, fmt: FormatOption = "table",
           output: OutputOption = None, force: ForceOption = False) -> None:
    """Towns and areas of the urban-system 专栏 (not projects)."""
    from portfolio import queries

    with app_context(ctx).session() as session:
        rows = queries.places(session, _plan_key(session, plan))
    emit(rows, _cols(("plan", "规划"), ("column", "专栏"), ("role", "层级"), ("name", "名称"),
                     ("county", "县(区)"), ("line", "行")), fmt, output, force=force, title="城镇体系")
