"""The writing half of the JSON API: the same library calls as the pages and the CLI.

Authentication is the session cookie of a login (POST /login); every request also sends the
session's CSRF token in the X-CSRF-Token header (GET /api/session gives it). The library
checks the account's role and scope in the write's own transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from portfolio.web import auth
from portfolio.web.routes.api import DataResponse

router = APIRouter(prefix="/api", tags=["writes (账户)"])


class StatusIn(BaseModel):
    status: str = Field(description="谋划 前期 在建 建成 暂缓 取消，或 OC4IDS 代码")
    date: dt.date | None = Field(default=None, description="生效日期（默认今天）")
    note: str | None = Field(default=None, max_length=1024, description="原因或经过")


class FieldsIn(BaseModel):
    model_config = {"extra": "forbid"}

    national_code: str | None = Field(default=None, description="项目代码 (GB/T 40058-2021)")
    total_investment: str | float | None = Field(default=None, description="总投资，万元")
    planned_start: str | None = Field(default=None, description="计划开工 YYYY-MM")
    planned_end: str | None = Field(default=None, description="计划竣工 YYYY-MM")
    actual_start: str | None = Field(default=None, description="实际开工 YYYY-MM")
    actual_end: str | None = Field(default=None, description="实际竣工 YYYY-MM")
    responsible_unit: str | None = Field(default=None, description="责任单位")
    contact: str | None = Field(default=None, description="联系人")
    note: str | None = Field(default=None, max_length=1024, description="原因或依据")


class ReportIn(BaseModel):
    model_config = {"extra": "forbid"}

    period: str = Field(description="填报期 YYYY-MM")
    status: str | None = Field(default=None, description="状态（有变化时）")
    status_date: str | None = Field(default=None, description="状态日期（状态变化时必填）")
    note: str | None = Field(default=None, max_length=1024)
    invest_period: str | float | None = Field(default=None, description="本期完成投资，万元")
    invest_cumulative: str | float | None = Field(default=None, description="累计完成投资，万元")
    progress: str | None = Field(default=None, max_length=1024, description="形象进度")
    problems: str | None = Field(default=None, max_length=1024, description="存在问题")


def _write(request: Request, work):
    from portfolio.db import session_scope

    actor = auth.writer(request, None)  # the token comes in the X-CSRF-Token header
    with session_scope(request.app.state.engine, write=True) as opened:
        return work(opened, actor)


@router.get("/session", summary="当前登录的账户及其 CSRF 令牌")
def current_session(request: Request) -> Response:
    account = auth.current_account(request)
    if account is None:
        return DataResponse({"account": None, "role": None, "csrf_token": auth.csrf_token(request)})
    return DataResponse({"account": account.name, "role": account.role, "csrf_token": auth.csrf_token(request)})


@router.post("/projects/{code}/status", summary="记录状态 (= projects set-status)", response_model=dict[str, Any])
def post_status(request: Request, code: str, body: StatusIn) -> Response:
    from portfolio import changes

    change = _write(
        request,
        lambda s, actor: changes.set_status(
            s, code, body.status, effective_date=body.date, note=(body.note or "").strip() or None, actor=actor
        ),
    )
    return DataResponse(
        {
            "code": change.code,
            "status": change.status,
            "effective_date": change.effective_date,
            "previous": change.previous,
            "current": change.current,
            "recorded": change.recorded,
            "event_id": f"S{change.event_id}" if change.event_id else None,
        }
    )


@router.post("/projects/{code}/fields", summary="设置调度字段 (= projects set)", response_model=list[dict[str, Any]])
def post_fields(request: Request, code: str, body: FieldsIn) -> Response:
    from portfolio import fields

    values = body.model_dump(exclude_unset=True)
    note = values.pop("note", None)
    done = _write(request, lambda s, actor: fields.set_fields(s, code, values, actor=actor, note=note))
    return DataResponse(
        [{"code": c.code, "field": c.key, "label": fields.label_of(c.key), "old": c.old, "new": c.new} for c in done]
    )


@router.post("/projects/{code}/reports", summary="填报一期进度 (= report import 的一行)", response_model=dict[str, Any])
def post_report(request: Request, code: str, body: ReportIn) -> Response:
    from portfolio.reports import importer
    from portfolio.reports.periods import Period

    values = {
        k: (str(v) if v is not None else None) for k, v in body.model_dump(exclude_unset=True).items() if k != "period"
    }
    result = _write(
        request, lambda s, actor: importer.enter_report(s, code, Period.parse(body.period), values, actor=actor)
    )
    return DataResponse(
        {
            "code": code,
            "period": body.period,
            "reports_new": result.reports_new,
            "reports_replaced": result.reports_replaced,
            "status_changes": len(result.status_changes),
            "warnings": result.warnings,
        }
    )
