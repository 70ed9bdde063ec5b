"""Reference pages: counties, plans and their 专栏, sectors, indicators, places."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from portfolio.web.deps import session, templates

router = APIRouter(include_in_schema=False)

# which list filter a row's code opens (column index of the code, query parameter)
LINKS = {"counties": (0, "county"), "plans": (0, "plan"), "sectors": (0, "sector")}


def _page(request: Request, name: str, **arguments):
    from portfolio.views import REFERENCE_TITLES, reference_columns, reference_rows

    with session(request) as opened:
        rows = reference_rows(opened, name, **arguments)
    return templates.TemplateResponse(
        request,
        "reference.html",
        {
            "name": name,
            "title": REFERENCE_TITLES[name],
            "columns": reference_columns(name),
            "rows": rows,
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
