"""The home page: the plans with their counts, the latest period's rates and lights, a search box."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from portfolio.web.deps import session, templates
from portfolio.web.page_cache import page_cache

router = APIRouter(include_in_schema=False)


def progress_overview(opened) -> dict | None:
    """The latest period with reports: its four rates (合计) and light counts; None before any report."""
    from portfolio.reports.periods import reported_periods
    from portfolio.web.routes.progress import overview

    found = reported_periods(opened)
    return overview(opened, found[0]) if found else None


@router.get("/")
def home(request: Request):
    return page_cache(request).respond(request, lambda: _home(request))


def _home(request: Request) -> Response:
    from portfolio import queries
    from portfolio.reports.lights import rate_names
    from portfolio.rows import PlanRow, row_columns
    from portfolio.views import reference_rows

    with session(request) as opened:
        plans = reference_rows(opened, "plans")
        everything = queries.ProjectFilter()
        by_status = queries.summary(opened, everything, "status")
        by_kind = queries.summary(opened, everything, "kind", count="listings")
        works = queries.count_projects(opened, everything, count="works")
        progress = progress_overview(opened)
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "plans": plans,
            "by_status": by_status,
            "by_kind": by_kind,
            "progress": progress,
            "total": sum(n for _, n in by_kind),
            "works": works,
            "rate_labels": rate_names(),
            "plan_labels": {c.key: c.label for c in row_columns(PlanRow)},
        },
    )
