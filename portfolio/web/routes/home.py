"""The home page: the plans with their counts, counts by status, a search box."""

from __future__ import annotations

from fastapi import APIRouter, Request

from portfolio.web.deps import session, templates

router = APIRouter(include_in_schema=False)


def progress_overview(session) -> None:
    """Hook for the latest period's lights and rates (progress reporting, issue 16).

    Returns None until the library has reporting periods; the home page then shows nothing
    for them. When it lands, return its overview here and fill partials/progress.html.
    """
    return None


@router.get("/")
def home(request: Request):
    from portfolio import queries
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
        },
    )
