"""An office's fill-in sheet for a period: download it, fill it in, upload it back.

The same template and import as `portfolio report template` and `report import`
(portfolio/reports/): every row of the sheet is checked first, every problem is shown next to
its row, and the sheet is imported all or nothing. The library checks the account's scope: a
sheet with a row outside it is refused whole, naming the rows.
"""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from portfolio.errors import DataError, PermissionDenied, UserInputError
from portfolio.web import auth
from portfolio.web.deps import session, templates

router = APIRouter(include_in_schema=False)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 10 * 1024 * 1024  # bytes; a sheet of every office is well under 1 MB
CountyQuery = Annotated[list[str], Query(description="管理员：哪些县(区)的填报表（名称、拼音或代码）；空为全部")]


@dataclass
class RowProblems:
    number: int
    code: str
    name: str
    problems: list[str] = field(default_factory=list)


def _period(text: str | None):
    from portfolio.reports.periods import Period

    return Period.parse(text.strip()) if text and text.strip() else Period.current()


def _offices(opened, account, counties: list[str]) -> list[str] | None:
    """The offices whose sheet this is: an editor's own offices; for an admin, the counties asked for
    (none: every office)."""
    from portfolio import accounts
    from portfolio.reports import periods

    if account.is_admin:
        wanted = [c.strip() for c in counties if c and c.strip()]
        return periods.resolve_offices(opened, wanted, None) if wanted else None
    return sorted(accounts.scope_of(opened, account.name))


def _writer_account(request: Request):
    account = auth.current_account(request)
    if account is None:
        return None
    if not account.may_write:
        raise PermissionDenied(f"account {account.name!r} is a viewer: it may read but not write; nothing was written")
    return account


@router.get("/progress/sheets")
def sheets_page(request: Request, period: str | None = None, county: CountyQuery = []):  # noqa: B006
    account = _writer_account(request)
    if account is None:
        return RedirectResponse(f"/login?next={quote('/progress/sheets')}", status_code=303)
    return _page(request, account, _period(period), county)


def _page(request: Request, account, period, counties: list[str], status_code: int = 200, **outcome):
    from portfolio.reports import template

    with session(request) as opened:
        codes = _offices(opened, account, counties)
        label = template.office_label(opened, codes)
        rows = len(template.template_rows(opened, period, codes))
    return templates.TemplateResponse(
        request,
        "sheets.html",
        {
            "period": period,
            "label": label,
            "rows": rows,
            "counties": [c for c in counties if c.strip()],
            "is_admin": account.is_admin,
            **outcome,
        },
        status_code=status_code,
    )


@router.get("/progress/sheets/download")
def download_sheet(request: Request, period: str | None = None, county: CountyQuery = []):  # noqa: B006
    from portfolio.reports import template

    account = _writer_account(request)
    if account is None:
        raise auth.LoginRequired("log in first: writing needs an account")
    reporting = _period(period)
    buffer = io.BytesIO()
    with session(request) as opened:
        codes = _offices(opened, account, county)
        label = template.office_label(opened, codes)
        template.write_sheet(opened, buffer, reporting, codes)
    name = f"{label}调度表-{reporting}.xlsx"
    return Response(
        buffer.getvalue(),
        media_type=XLSX,
        headers={
            "Content-Disposition": f"attachment; filename=\"sheet-{reporting}.xlsx\"; filename*=UTF-8''{quote(name)}"
        },
    )


@router.post("/progress/sheets")
async def upload_sheet(request: Request):
    from portfolio.db import session_scope
    from portfolio.reports import importer

    form = await request.form()
    actor = auth.writer(request, auth.form_token(form))
    account = auth.current_account(request)
    reporting = _period(str(form.get("period", "")))
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise UserInputError("choose the filled-in sheet to upload (.xlsx .xls .csv .tsv .txt)")
    body = await upload.read(MAX_UPLOAD + 1)
    if len(body) > MAX_UPLOAD:
        raise UserInputError(f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB; is it the fill-in sheet?")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / _safe_name(upload.filename)
        path.write_bytes(body)
        try:
            with session_scope(request.app.state.engine, write=True) as opened:
                result = importer.import_files(opened, [path], actor=actor, period=reporting)
        except importer.ImportProblems as error:
            general, by_row = _problems_by_row(path, error.problems)
            return _page(
                request, account, reporting, [], 400, file=path.name, summary=str(error), general=general, by_row=by_row
            )
        except PermissionDenied as error:
            return _page(request, account, reporting, [], 403, file=path.name, refused=str(error))
    return _page(request, account, reporting, [], file=path.name, result=result)


def _safe_name(name: str) -> str:
    """The uploaded file's own name (as problems name it), without a folder or the separators of a
    problem's place (`file:sheet:row`)."""
    base = re.sub(r"[\\/:\x00-\x1f]+", "_", Path(name.replace("\\", "/")).name).strip(" .") or "sheet"
    return base[-120:]


def _problems_by_row(path: Path, problems: Sequence[str]) -> tuple[list[str], list[RowProblems]]:
    """The problems of the sheet's rows, each with its row's 编号 and 名称; the others apart (the
    file named as uploaded, not by the server's temporary folder)."""
    from portfolio.reports import sheets

    try:
        data = sheets.read(path)
    except DataError:
        return [problem.replace(str(path), path.name) for problem in problems], []
    cells_of = dict(data.rows)
    pattern = re.compile(re.escape(data.where) + r":(\d+): (.*)", re.DOTALL)
    general: list[str] = []
    rows: dict[int, RowProblems] = {}
    for problem in problems:
        found = pattern.fullmatch(problem)
        if found is None:
            general.append(problem.replace(str(path), path.name))
            continue
        number = int(found.group(1))
        if number not in rows:
            cells = cells_of.get(number, [])
            rows[number] = RowProblems(
                number, _cell(cells, data.columns.get("code")), _cell(cells, data.columns.get("name"))
            )
        rows[number].problems.append(found.group(2))
    return general, sorted(rows.values(), key=lambda row: row.number)


def _cell(cells: list, index: int | None) -> str:
    from portfolio.reports import sheets

    return sheets.cell_text(cells[index]) if index is not None and index < len(cells) else ""
