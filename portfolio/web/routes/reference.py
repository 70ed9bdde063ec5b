"""Reference pages: counties, plans and their 专栏, sectors, indicators, places."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from portfolio.web.deps import session, templates

router = APIRouter(include_in_schema=False)

# which list filter a row's code opens (the code's key, the query parameter)
LINKS = {"counties": ("code", "county"), "plans": ("key", "plan"), "sectors": ("code", "sector")}


def _page(request: Request, name: str, **arguments):
    from portfolio.rows import brief_columns, displayed
    from portfolio.views import REFERENCE_ROWS, REFERENCE_TITLES, reference_rows

    with session(request) as opened:
        rows = reference_rows(opened, name, **arguments)
    return templates.TemplateResponse(
        request,
        "reference.html",
        {
            "name": name,
            "title": REFERENCE_TITLES[name],
            "columns": brief_columns(REFERENCE_ROWS[name]),
            "rows": [displayed(row) for row in rows],
            "link": LINKS.get(name),
            "plan": arguments.get("plan_key"),
        },
    )


@router.get("/counties")
def counties(request: Request, prefecture: Annotated[str | None, Query()] = None):
    return _page(request, "counties", prefecture=(prefecture or "").strip() or None)


@router.get("/plans")
def plans(request: Request):
    return _page(request, "plans")


@router.get("/columns")
def columns(request: Request, plan: Annotated[str | None, Query()] = None):
    return _page(request, "columns", plan_key=(plan or "").strip() or None)


@router.get("/sectors")
def sectors(request: Request):
    return _page(request, "sectors")


@router.get("/indicators")
def indicators(request: Request, plan: Annotated[str | None, Query()] = None):
    return _page(request, "indicators", plan_key=(plan or "").strip() or None)


@router.get("/places")
def places(request: Request, plan: Annotated[str | None, Query()] = None):
    return _page(request, "places", plan_key=(plan or "").strip() or None)
