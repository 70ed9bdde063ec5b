"""Project list (facets, search, sort, pages, downloads) and the project page."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portfolio.errors import UserInputError
from portfolio.web.deps import PER_PAGE, NotFound, ProjectQueryDep, is_fragment, session, templates
from portfolio.web.page_cache import page_cache

router = APIRouter(include_in_schema=False)

SORTS = {"code": "编号", "name": "名称", "sector": "行业", "status": "状态", "plan": "规划", "date": "状态日期"}
FACET_TITLES = {
    "county": "县(区)",
    "sector": "行业",
    "plan": "规划",
    "column": "专栏",
    "status": "状态",
    "kind": "类型",
    "level": "层级",
}
FILTER_TITLES = {**FACET_TITLES, "prefecture": "地市", "tier": "层次", "q": "搜索", "light": "预警", "period": "填报期"}
EXPORTS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def project_page(opened, query) -> dict:
    """Everything the list shows: one page of rows, the total and the facets of the whole view (the
    light facet loads on its own, from light_facet: it computes every project's light)."""
    from portfolio import queries
    from portfolio.reports.lights import LIGHT_GROUPS
    from portfolio.views import display_rows

    flt = query.filter(opened)
    total = queries.count_projects(opened, flt)
    works = queries.count_projects(opened, flt, count="works")
    pages = max(1, -(-total // PER_PAGE))
    if query.page > pages:
        raise UserInputError(f"页码 {query.page} 超出范围：共 {pages} 页")
    rows = list(
        display_rows(
            queries.list_projects(opened, flt, sort=query.sort, limit=PER_PAGE, offset=(query.page - 1) * PER_PAGE),
            shorten_counties=True,
        )
    )
    facets = {name: queries.facet(opened, flt, name, count=query.count) for name in queries.FACETS}
    labels = {(name, v.value): v.label for name, values in facets.items() for v in values}
    labels.update({("light", code): label for code, label in LIGHT_GROUPS.items()})
    return {
        "rows": rows,
        "total": total,
        "works": works,
        "pages": pages,
        "facets": facets,
        "query": query.canonical(flt),
        "filter": flt,
        "facet_labels": labels,
    }


@router.get("/projects")
def project_list(request: Request, query: ProjectQueryDep):
    return page_cache(request).respond(request, lambda: _project_list(request, query))


def _project_list(request: Request, query) -> Response:
    with session(request) as opened:
        context = project_page(opened, query)
    context.update(
        sorts=SORTS,
        facet_titles=FACET_TITLES,
        filter_titles=FILTER_TITLES,
        grouped_counties=_by_prefecture(context["facets"]["county"]),
    )
    template = "partials/project_results.html" if is_fragment(request) else "projects.html"
    response = templates.TemplateResponse(request, template, context)
    response.headers["Vary"] = "HX-Request"
    return response


@router.get("/projects/facets/light")
def light_facet(request: Request, query: ProjectQueryDep):
    """The light facet of a view (红, 黄, 绿, 未填报 in a period, with counts), loaded by the list page;
    only the projects of the view without its light are assessed."""
    return page_cache(request).respond(request, lambda: _light_facet(request, query))


def _light_facet(request: Request, query) -> Response:
    from dataclasses import replace

    from portfolio import queries
    from portfolio.queries import FacetValue
    from portfolio.reports import lights, periods

    with session(request) as opened:
        period = query.reporting_period(opened)
        groups = lights.light_groups(opened, period, query.filter(opened, light=False))
        flt = query.filter(opened, groups)
        values = [
            FacetValue(
                code,
                label,
                queries.count_projects(
                    opened,
                    replace(flt, project_ids=frozenset(ids if flt.project_ids is None else ids & flt.project_ids)),
                    count=query.count,
                ),
            )
            for code, label in lights.LIGHT_GROUPS.items()
            for ids in (groups[code],)
        ]
        reported = periods.reported_periods(opened)
        canonical = query.canonical(flt)
    return templates.TemplateResponse(
        request,
        "partials/light_facet.html",
        {"values": values, "period": period, "periods": reported[:6], "query": canonical},
    )


def _by_prefecture(counties) -> list[tuple[str, list]]:
    groups: dict[str, list] = {}
    for value in counties:
        groups.setdefault(value.group or "其他", []).append(value)
    return list(groups.items())


@router.get("/projects/export.{fmt}")
def export(request: Request, fmt: str, query: ProjectQueryDep) -> Response:
    """The whole current view (every page) as CSV, xlsx or an OC4IDS package (JSON)."""
    from portfolio import oc4ids, queries, render
    from portfolio.rows import ProjectRow, for_output

    if fmt not in EXPORTS:
        raise NotFound(f"没有 {fmt} 格式的下载；可用：{', '.join(EXPORTS)}")
    with session(request) as opened:
        flt = query.filter(opened)
        if fmt == "json":
            buffer = io.StringIO()
            render.dump_json(oc4ids.package(opened, flt), buffer)
            body = buffer.getvalue().encode("utf-8")
        else:
            columns, cells = for_output(ProjectRow, queries.list_projects(opened, flt, sort=query.sort), fmt)
            body = _csv(cells, columns) if fmt == "csv" else _xlsx(cells, columns)
    name = f"projects-{datetime.now(UTC):%Y%m%d}.{'oc4ids.json' if fmt == 'json' else fmt}"
    return Response(body, media_type=EXPORTS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _csv(rows, columns) -> bytes:
    from portfolio import render

    buffer = io.StringIO()
    render.render(rows, columns, "csv", buffer)
    return buffer.getvalue().encode("utf-8-sig")  # with a BOM, as the CLI writes files: Excel reads it as UTF-8


def _xlsx(rows, columns) -> bytes:
    from portfolio import render

    buffer = io.BytesIO()
    render.write_xlsx(buffer, rows, columns, sheet_title="项目")
    return buffer.getvalue()


SAVED = {"status": "已保存状态。", "fields": "已保存字段。", "report": "已保存填报。", "retract": "已撤销该记录。"}


@router.get("/projects/{code}")
def project(request: Request, code: str):
    from portfolio import history, queries
    from portfolio.models import id_of
    from portfolio.rows import displayed
    from portfolio.views import detail_optional_fields, division_label
    from portfolio.vocab import STATUS_ENGLISH
    from portfolio.web.routes.account import may_edit

    with session(request) as opened:
        try:
            detail = queries.project_detail(opened, code, status_history=False)
        except UserInputError as error:
            raise NotFound(str(error)) from None
        events = [displayed(event) for event in history.events_of(opened, id_of(detail.project))]
        # rendered inside the session: the template reads the plan, 专栏 and sector rows
        return templates.TemplateResponse(
            request,
            "project.html",
            {
                "detail": detail,
                "p": detail.project,
                "optional": detail_optional_fields(detail),
                "divisions": [(d.code, division_label(d)) for d in detail.divisions],
                "links": detail.links,
                "history": events,
                "status_english": STATUS_ENGLISH[detail.project.status],
                "may_edit": may_edit(request, opened, id_of(detail.project)),
                "saved": SAVED.get(request.query_params.get("saved", "")),
            },
        )
