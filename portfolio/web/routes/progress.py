"""Progress reporting (调度): the four rates by county, sector and plan for a period, each with a
chart and downloads, the 通报 workbook, and the warning lights list."""

from __future__ import annotations

import io
from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from portfolio.errors import UserInputError
from portfolio.web.deps import NotFound, PeriodDep, session, templates

router = APIRouter(include_in_schema=False)

PAGE_BREAKDOWNS = ("county", "sector", "plan")
LIGHT_FILTERS = {"red": "红", "yellow": "黄", "green": "绿"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LightQuery = Annotated[str | None, Query(description="red (红), yellow (黄) 或 green (绿)；空为全部")]


def check_light(light: str | None) -> str | None:
    wanted = (light or "").strip().lower() or None
    if wanted is not None and wanted not in LIGHT_FILTERS:
        raise UserInputError(f"light 应为 red、yellow 或 green，而不是 {light!r}")
    return wanted


def overview(opened, period) -> dict:
    """The totals of a period: the 合计 rate row and how many projects have each light."""
    from portfolio.reports import lights as rules

    states = rules.project_states(opened, period)
    total = rules.rates_of(states, period, "county")
    found = Counter(state.light for state in states)
    return {
        "period": period,
        "total": total[-1] if total else None,
        "lights": {name: found[name] for name in rules.LIGHTS},
    }


@router.get("/progress")
def progress(request: Request, period: PeriodDep, light: LightQuery = None):
    from portfolio.reports import lights as rules
    from portfolio.reports import periods
    from portfolio.rows import brief_columns
    from portfolio.web.charts import rate_bars

    wanted = check_light(light)
    with session(request) as opened:
        states = rules.project_states(opened, period)
        light_rows = rules.light_rows(states, wanted)
        reported = periods.reported_periods(opened)
    breakdowns = []
    for by in PAGE_BREAKDOWNS:
        rows = rules.rates_of(states, period, by)
        breakdowns.append(
            {
                "by": by,
                "title": rules.BREAKDOWNS[by],
                "columns": brief_columns(rules.RateRow, rules.rate_labels(by)),
                "rows": rows,
                "chart": rate_bars([row for row in rows if not row.is_total]),
            }
        )
    shown = light_rows if wanted else [row for row in light_rows if row.light != "绿"]
    return templates.TemplateResponse(
        request,
        "progress.html",
        {
            "period": period,
            "periods": reported,
            "breakdowns": breakdowns,
            "light_rows": shown,
            "light": wanted,
            "light_filters": LIGHT_FILTERS,
            "tracked": len(states),
        },
    )


@router.get("/progress/rates-{by}.{fmt}")
def export_rates(request: Request, by: str, fmt: str, period: PeriodDep) -> Response:
    """One breakdown's rates as CSV, xlsx or JSON (the rows of `report summary --by BY`)."""
    from portfolio.reports import lights as rules

    if by not in rules.BREAKDOWNS:
        raise NotFound(f"没有按 {by} 的统计；可用：{', '.join(rules.BREAKDOWNS)}")
    with session(request) as opened:
        rows = rules.rates(opened, period, by)
    name, sheet = f"rates-{by}-{period}", f"按{rules.BREAKDOWNS[by]}"
    return download(rows, rules.RateRow, fmt, name, sheet, labels=rules.rate_labels(by))


@router.get("/progress/lights.{fmt}")
def export_lights(request: Request, fmt: str, period: PeriodDep, light: LightQuery = None) -> Response:
    """The lights list (the rows of `report lights`) as CSV, xlsx or JSON."""
    from portfolio.reports import lights as rules

    wanted = check_light(light)
    with session(request) as opened:
        rows = rules.lights(opened, period, None, wanted)
    return download(rows, rules.LightRow, fmt, f"lights-{period}", "预警")


@router.get("/progress/bulletin-{period_text}.xlsx")
def bulletin(request: Request, period_text: str) -> Response:
    """The 通报 workbook of `report summary --output 通报.xlsx`: a sheet per breakdown with a chart, the lights."""
    import tempfile
    from pathlib import Path

    from portfolio.reports import bulletin as workbook
    from portfolio.reports import lights as rules
    from portfolio.reports.periods import Period

    period = Period.assessed(period_text)
    with session(request) as opened:
        states = rules.project_states(opened, period)
        breakdowns = {name: rules.rates_of(states, period, name) for name in rules.BREAKDOWNS}
        light_rows = [row for row in rules.light_rows(states) if row.light != "绿"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bulletin.xlsx"
        workbook.write_bulletin(path, period, breakdowns, light_rows)
        body = path.read_bytes()
    return _attachment(body, XLSX, f"bulletin-{period}.xlsx")


def download(rows, row_type: type, fmt: str, name: str, sheet: str, labels: dict[str, str] | None = None) -> Response:
    """Typed rows (their row type gives the columns) as a CSV, xlsx or JSON attachment; `labels`
    renames the xlsx headers."""
    from portfolio import render
    from portfolio.rows import for_output, record

    if fmt == "json":
        text = io.StringIO()
        render.dump_json([record(row) for row in rows], text)
        return _attachment(text.getvalue().encode("utf-8"), "application/json", f"{name}.json")
    if fmt == "xlsx":
        columns, cells = for_output(row_type, rows, fmt, labels=labels)
        buffer = io.BytesIO()
        render.write_xlsx(buffer, cells, columns, sheet_title=sheet)
        return _attachment(buffer.getvalue(), XLSX, f"{name}.xlsx")
    if fmt == "csv":
        columns, cells = for_output(row_type, rows, fmt)
        text = io.StringIO()
        render.render(cells, columns, "csv", text)
        return _attachment(text.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", f"{name}.csv")
    raise NotFound(f"没有 {fmt} 格式的下载；可用：csv, xlsx, json")


def _attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
