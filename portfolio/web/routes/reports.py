"""Reports: a count by one dimension or a pivot of two (county × sector), with a chart and downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from portfolio.errors import UserInputError
from portfolio.views import DIMENSION_LABELS
from portfolio.web.deps import NotFound, ProjectQueryDep, session, templates
from portfolio.web.page_cache import page_cache
from portfolio.web.routes.projects import EXPORTS

router = APIRouter(include_in_schema=False)

ByQuery = Annotated[str, Query(description="county, prefecture, sector, plan, status, kind 或 column")]
ThenQuery = Annotated[str | None, Query(description="第二个维度（作为列）；空为不交叉")]


def summary_of(opened, query, by: str, then: str | None):
    from portfolio.views import summary_table

    then = then or None
    if then == by:
        raise UserInputError(f"两个维度相同：{by}")
    return summary_table(opened, query.filter(opened), by, then, count=query.count)


@router.get("/reports")
def reports(request: Request, query: ProjectQueryDep, by: ByQuery = "county", then: ThenQuery = "sector"):
    return page_cache(request).respond(request, lambda: _reports(request, query, by, then))


def _reports(request: Request, query, by: str, then: str | None) -> Response:
    from portfolio.web.charts import stacked_bars

    with session(request) as opened:
        columns, rows, _ = summary_of(opened, query, by, then)
    across = [c.label for c in columns[1:-1]] if then else []
    return templates.TemplateResponse(
        request,
        "reports.html",
        {
            "columns": columns,
            "rows": rows,
            "chart": stacked_bars(rows, across),
            "by": by,
            "then": then or "",
            "dimensions": DIMENSION_LABELS,
            "query": query,
            "filters": query.query_string(),
            "total": sum(row[-1] for row in rows),
        },
    )


@router.get("/reports/export.{fmt}")
def export(
    request: Request, fmt: str, query: ProjectQueryDep, by: ByQuery = "county", then: ThenQuery = "sector"
) -> Response:
    import io

    from portfolio import render
    from portfolio.views import as_dicts

    if fmt not in EXPORTS:
        raise NotFound(f"没有 {fmt} 格式的下载；可用：{', '.join(EXPORTS)}")
    with session(request) as opened:
        columns, rows, _ = summary_of(opened, query, by, then)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        render.write_xlsx(buffer, rows, columns, sheet_title="统计")
        body = buffer.getvalue()
    else:
        text = io.StringIO()
        if fmt == "csv":
            render.render(rows, columns, "csv", text)
        else:
            render.dump_json(as_dicts(rows, columns), text)
        body = text.getvalue().encode("utf-8-sig" if fmt == "csv" else "utf-8")
    name = f"summary-{by}{'-' + then if then else ''}.{fmt}"
    return Response(body, media_type=EXPORTS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})
