"""Logging in and out, writes from the pages (status, fields, a period's report), and the admin
pages (accounts, audit). Every write goes through the library, which checks the account's role
and scope in the write's own transaction; these routes only check the session and CSRF token."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from portfolio.errors import UserInputError
from portfolio.render import spreadsheet_text
from portfolio.web import auth
from portfolio.web.deps import NotFound, session, templates

router = APIRouter(include_in_schema=False)

LOGIN_MESSAGES = {
    "wrong account name or password": "账户名或密码错误。",
    "this account is disabled; ask an admin": "该账户已停用，请联系管理员。",
    "too many wrong passwords for this account or from this address; wait a minute and try again": (
        "密码错误次数过多（每分钟最多 5 次，按账户和地址分别计算），请一分钟后再试。"
    ),
}
EDIT_FIELDS = (
    ("total_investment", "总投资(万元)"),
    ("planned_start", "计划开工"),
    ("planned_end", "计划竣工"),
    ("actual_start", "实际开工"),
    ("actual_end", "实际竣工"),
    ("national_code", "项目代码"),
    ("responsible_unit", "责任单位"),
    ("contact", "联系人"),
)
Token = Annotated[str | None, Form(alias=auth.CSRF_FIELD)]


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no //host, no scheme): a login link cannot send anyone elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- login and logout ------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str = "/"):
    return templates.TemplateResponse(
        request,
        "login.html",
        {"next": _safe_next(next), "message": None, "name": "", "accounts": auth.any_accounts(request)},
    )


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    token: Token = None,
):
    from portfolio import accounts
    from portfolio.db import session_scope

    auth.check_csrf(request, token)
    with session_scope(request.app.state.engine, write=True) as opened:
        result = accounts.login(opened, name, password, auth.client_address(request))
        signed_in = (result.account.name, result.account.password_hash) if result.account else None
    if signed_in is None:
        message = result.message or ""
        status = 429 if "too many" in message else 401
        return templates.TemplateResponse(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "message": LOGIN_MESSAGES.get(message, message),
                "name": name,
                "accounts": True,
            },
            status_code=status,
        )
    response = _see_other(_safe_next(next))
    auth.start_session(request, response, *signed_in)
    return response


@router.post("/logout")
def logout(request: Request, token: Token = None):
    auth.check_csrf(request, token)
    response = _see_other("/")
    auth.end_session(request, response)
    return response


# --- writes from the pages ---------------------------------------------------------------------------


def may_edit(request: Request, opened, project_id: int) -> bool:
    """Whether the logged-in account may write this project (what the page offers; the library decides)."""
    from portfolio import accounts

    account = auth.current_account(request)
    if account is None or not account.may_write:
        return False
    return account.is_admin or not accounts.out_of_scope(opened, accounts.scope_of(opened, account.name), [project_id])


@router.get("/projects/{code}/edit")
def edit_page(request: Request, code: str):
    from portfolio import fields, queries
    from portfolio.errors import PermissionDenied
    from portfolio.models import id_of
    from portfolio.reports.periods import Period
    from portfolio.vocab import STATUS_ENGLISH

    account = auth.current_account(request)
    if account is None:
        return _see_other(f"/login?next={quote(request.url.path)}")
    with session(request) as opened:
        try:
            project = queries.get_project(opened, code)
        except UserInputError as error:
            raise NotFound(str(error)) from None
        if not may_edit(request, opened, id_of(project)):
            raise PermissionDenied(f"account {account.name!r} may not write {project.code}: outside its scope")
        current = fields.current_values(opened, [id_of(project)])[id_of(project)]
        return templates.TemplateResponse(
            request,
            "edit.html",
            {
                "p": project,
                "current": current,
                "edit_fields": EDIT_FIELDS,
                "statuses": list(STATUS_ENGLISH),
                "period": str(Period.current(date.today())),
                "today": date.today().isoformat(),
            },
        )


def _write(request: Request, token: str | None, work):
    """Run `work(session, actor)` in one write transaction, as the logged-in account."""
    from portfolio.db import session_scope

    actor = auth.writer(request, token)
    with session_scope(request.app.state.engine, write=True) as opened:
        return work(opened, actor)


@router.post("/projects/{code}/status")
def post_status(
    request: Request,
    code: str,
    status: Annotated[str, Form()] = "",
    effective_date: Annotated[str, Form(alias="date")] = "",
    note: Annotated[str, Form()] = "",
    token: Token = None,
):
    from portfolio import changes

    when = changes.parse_date(effective_date) if effective_date.strip() else None
    change = _write(
        request,
        token,
        lambda s, actor: changes.set_status(
            s, code, status, effective_date=when, note=note.strip() or None, actor=actor
        ),
    )
    return _see_other(f"/projects/{quote(change.code)}?saved=status")


@router.post("/projects/{code}/fields")
async def post_fields(request: Request, code: str):
    from portfolio import fields

    form = await request.form()
    values = {key: str(form[key]) for key, _ in EDIT_FIELDS if key in form}
    note = str(form.get("note", "")).strip() or None
    done = _write(
        request, auth.form_token(form), lambda s, actor: fields.set_fields(s, code, values, actor=actor, note=note)
    )
    return _see_other(f"/projects/{quote(code.strip().upper())}?saved=fields&n={len(done)}")


@router.post("/projects/{code}/report")
async def post_report(request: Request, code: str):
    from portfolio.reports import importer
    from portfolio.reports.periods import Period

    form = await request.form()
    period = Period.parse(str(form.get("period", "")).strip())
    values = {key: str(form[key]).strip() or None for key in importer.ENTRY_KEYS if key in form}
    _write(request, auth.form_token(form), lambda s, actor: importer.enter_report(s, code, period, values, actor=actor))
    return _see_other(f"/projects/{quote(code.strip().upper())}?saved=report")


@router.post("/projects/{code}/events/{event_id}/retract")
def post_retract(request: Request, code: str, event_id: str, note: Annotated[str, Form()] = "", token: Token = None):
    """Mark an event retracted (history.retract: it stays in the history, struck through, and stops counting)."""
    from portfolio import history

    done = _write(request, token, lambda s, actor: history.retract(s, code, event_id, actor=actor, note=note))
    return _see_other(f"/projects/{quote(done.code)}?saved=retract#history")


# --- admin: accounts and audit -----------------------------------------------------------------------


@router.get("/admin/accounts")
def accounts_page(request: Request, message: str | None = None):
    from portfolio import accounts

    auth.admin(request, check_token=False)
    with session(request) as opened:
        listed = accounts.list_accounts(opened)
    return templates.TemplateResponse(request, "admin_accounts.html", {"accounts": listed, "message": message})


@router.post("/admin/accounts")
async def add_account(request: Request):
    from portfolio import accounts
    from portfolio.db import session_scope
    from portfolio.vocab import split_list

    form = await request.form()
    auth.admin(request, auth.form_token(form))
    password = str(form.get("password", ""))
    if password != str(form.get("password2", "")):
        raise UserInputError("the two passwords differ")
    role = str(form.get("role", ""))
    with session_scope(request.app.state.engine, write=True) as opened:
        name = accounts.check_new_name(opened, str(form.get("name", "")))
        prefectures = split_list([str(form.get("prefecture", ""))])
        scope = accounts.resolve_scope(
            opened,
            accounts.check_role(role),
            split_list([str(form.get("county", ""))]),
            prefectures,
            "市级" if prefectures else None,
        )
        accounts.add_account(opened, name, role, password, scope)
    return _see_other(f"/admin/accounts?message={quote('已新建账户 ' + name)}")


@router.post("/admin/accounts/{name}/{action}")
async def change_account(request: Request, name: str, action: str):
    from portfolio import accounts
    from portfolio.db import session_scope

    form = await request.form()
    me = auth.admin(request, auth.form_token(form))
    if action not in ("disable", "enable", "password"):
        raise NotFound(f"没有这个操作：{action}")
    with session_scope(request.app.state.engine, write=True) as opened:
        if action == "password":
            password = str(form.get("password", ""))
            if password != str(form.get("password2", "")):
                raise UserInputError("the two passwords differ")
            changed = accounts.reset_password(opened, name, password)
        else:
            if action == "disable" and name == me.name:
                raise UserInputError("an admin cannot disable the account it is logged in with")
            changed = accounts.set_disabled(opened, name, action == "disable")
    done = {"disable": "已停用账户", "enable": "已启用账户", "password": "已更改密码："}[action]
    return _see_other(f"/admin/accounts?message={quote(done + ' ' + changed.name)}")


AUDIT_COLUMNS = (
    ("recorded_at", "记录时间"),
    ("actor", "记录人"),
    ("address", "地址"),
    ("action", "事项"),
    ("code", "编号"),
    ("event_id", "记录"),
    ("what", "内容"),
)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    account: str | None = None,
    since: str | None = None,
    until: str | None = None,
    format: str | None = None,
):
    from portfolio import audit
    from portfolio.changes import parse_date

    auth.admin(request, check_token=False)
    start = parse_date(since) if since and since.strip() else None
    end = parse_date(until) if until and until.strip() else None
    with session(request) as opened:
        rows = audit.audit(
            opened, account=account, since=start, until=end, limit=audit.MAX_ROWS if format == "csv" else 500
        )
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([label for _, label in AUDIT_COLUMNS])
        for row in rows:
            writer.writerow([_csv_cell(value) for value in row])
        return Response(
            buffer.getvalue().encode("utf-8-sig"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    return templates.TemplateResponse(
        request,
        "audit.html",
        {"rows": rows, "columns": AUDIT_COLUMNS, "account": account or "", "since": since or "", "until": until or ""},
    )


def _csv_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (see render.spreadsheet_text)."""
    text = (
        "" if value is None else (value.strftime("%Y-%m-%d %H:%M:%S UTC") if hasattr(value, "strftime") else str(value))
    )
    return spreadsheet_text(text)
