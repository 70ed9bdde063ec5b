"""The JSON API under /api: the same objects as the CLI's `--format json`."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from portfolio.errors import UserInputError
from portfolio.web.deps import MAX_PAGE_SIZE, NotFound, PeriodDep, ProjectQueryDep, session
from portfolio.web.routes.progress import LightQuery, check_light
from portfolio.web.routes.reports import ByQuery, ThenQuery, summary_of

router = APIRouter(prefix="/api", tags=["portfolio"])


class DataResponse(Response):
    """JSON written by the same encoder as the CLI's `--format json`, so both give the same text."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        from portfolio.render import dump_json

        buffer = io.StringIO()
        dump_json(content, buffer)
        return buffer.getvalue().encode("utf-8")


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="最多返回的行数")]
Offset = Annotated[int, Query(ge=0, description="跳过的行数")]
PlanKey = Annotated[str | None, Query(description="只看这个规划")]


@router.get("/projects", summary="项目列表 (= projects list --format json)", response_model=list[dict[str, Any]])
def projects(request: Request, query: ProjectQueryDep, limit: Limit = 100, offset: Offset = 0) -> Response:
    """Matching projects; the total count is in the X-Total-Count header."""
    from portfolio import queries
    from portfolio.views import project_records

    with session(request) as opened:
        flt = query.filter(opened)
        rows = list(project_records(queries.list_projects(opened, flt, sort=query.sort, limit=limit, offset=offset)))
        return DataResponse(rows, headers={"X-Total-Count": str(queries.count_projects(opened, flt))})


@router.get("/projects/{code}", summary="一个项目 (= projects show --format json)", response_model=dict[str, Any])
def project(request: Request, code: str) -> Response:
    from portfolio import queries
    from portfolio.rows import record

    with session(request) as opened:
        try:
            return DataResponse(record(queries.project_row(opened, code)))
        except UserInputError as error:
            raise NotFound(str(error)) from None


@router.get(
    "/projects/{code}/history",
    summary="全部记录 (= projects history --format json)",
    response_model=list[dict[str, Any]],
)
def history(request: Request, code: str) -> Response:
    """Status, field and report events, oldest first; retracted ones stay, with `retracted` set."""
    from portfolio import history as record
    from portfolio.rows import record as machine_record

    with session(request) as opened:
        try:
            return DataResponse([machine_record(event) for event in record.history(opened, code)])
        except UserInputError as error:
            raise NotFound(str(error)) from None


@router.get("/facets", summary="筛选项及其项目数", response_model=dict[str, list[dict[str, Any]]])
def facets(request: Request, query: ProjectQueryDep) -> Response:
    """For each facet, the values a filter takes with their counts in the current view."""
    from portfolio import queries

    with session(request) as opened:
        flt = query.filter(opened)
        return DataResponse(
            {
                name: [asdict(value) for value in queries.facet(opened, flt, name, count=query.count)]
                for name in queries.FACETS
            }
        )


@router.get("/summary", summary="统计 (= summary --format json)", response_model=list[dict[str, Any]])
def summary(request: Request, query: ProjectQueryDep, by: ByQuery = "county", then: ThenQuery = None) -> Response:
    from portfolio.views import as_dicts

    with session(request) as opened:
        columns, rows, _ = summary_of(opened, query, by, then)
    return DataResponse(as_dicts(rows, columns))


@router.get("/report/summary", summary="四率 (= report summary --format json)", response_model=list[dict[str, Any]])
def report_summary(
    request: Request,
    period: PeriodDep,
    by: Annotated[str, Query(description="county（填报单位）、sector、plan 或 level")] = "county",
) -> Response:
    """开工率, 投资完成率, 按期竣工率, 填报率 and the red and yellow counts of a period, with 合计 last."""
    from portfolio.reports import lights as rules
    from portfolio.rows import record

    if by not in rules.BREAKDOWNS:
        raise UserInputError(f"unknown breakdown {by!r}; allowed: {', '.join(rules.BREAKDOWNS)}")
    with session(request) as opened:
        return DataResponse([record(row) for row in rules.rates(opened, period, by)])


@router.get("/report/lights", summary="预警 (= report lights --format json)", response_model=list[dict[str, Any]])
def report_lights(request: Request, period: PeriodDep, light: LightQuery = None) -> Response:
    """Each tracked project's light for a period with its reasons, red first."""
    from portfolio.reports import lights as rules
    from portfolio.rows import record

    wanted = check_light(light)
    with session(request) as opened:
        return DataResponse([record(row) for row in rules.lights(opened, period, None, wanted)])


def _reference(request: Request, name: str, **arguments) -> Response:
    from portfolio.rows import record
    from portfolio.views import reference_rows

    with session(request) as opened:
        return DataResponse([record(row) for row in reference_rows(opened, name, **arguments)])


@router.get("/counties", summary="行政区划 (= counties --format json)", response_model=list[dict[str, Any]])
def counties(request: Request, prefecture: Annotated[str | None, Query()] = None) -> Response:
    return _reference(request, "counties", prefecture=prefecture)


@router.get("/plans", summary="规划 (= plans --format json)", response_model=list[dict[str, Any]])
def plans(request: Request) -> Response:
    return _reference(request, "plans")


@router.get("/columns", summary="专栏 (= columns --format json)", response_model=list[dict[str, Any]])
def columns(request: Request, plan: PlanKey = None) -> Response:
    return _reference(request, "columns", plan_key=plan)


@router.get("/sectors", summary="行业 (= sectors --format json)", response_model=list[dict[str, Any]])
def sectors(request: Request) -> Response:
    return _reference(request, "sectors")


@router.get("/indicators", summary="主要指标 (= indicators --format json)", response_model=list[dict[str, Any]])
def indicators(request: Request, plan: PlanKey = None) -> Response:
    return _reference(request, "indicators", plan_key=plan)


@router.get("/places", summary="城镇体系 (= places --format json)", response_model=list[dict[str, Any]])
def places(request: Request, plan: PlanKey = None) -> Response:
    return _reference(request, "places", plan_key=plan)
