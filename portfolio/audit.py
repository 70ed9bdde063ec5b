"""The audit trail: every write by people (status events, field changes, period reports and
retractions) with who, when, what and from which address, newest first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa

from portfolio import fields
from portfolio.actor import Actor, as_utc, display
from portfolio.history import report_text
from portfolio.models import FieldEvent, PeriodReport, Project, StatusEvent
from portfolio.vocab import Origin

if TYPE_CHECKING:
    from sqlmodel import Session

MAX_ROWS = 10_000


class AuditRow(NamedTuple):
    recorded_at: datetime
    actor: str  # as shown: 江孜县发改委 (账户)
    address: str | None
    action: str  # 状态 / 字段 / 填报 / 撤销
    code: str
    event_id: str
    what: str


def audit(
    session: Session,
    *,
    account: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 500,
) -> list[AuditRow]:
    """Writes by people, newest first; `account` keeps one account's, `since`/`until` a range of days (UTC)."""
    limit = max(1, min(limit, MAX_ROWS))
    stored = Actor(account.strip(), "account").stored if account and account.strip() else None
    start = datetime.combine(since, datetime.min.time(), UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC) if until else None
    rows: list[AuditRow] = []
    for model, prefix in ((StatusEvent, "S"), (FieldEvent, "F"), (PeriodReport, "R")):
        rows += _events(session, model, prefix, stored, start, end, limit)
        rows += _retractions(session, model, prefix, stored, start, end, limit)
    rows.sort(key=lambda row: row.recorded_at, reverse=True)
    return rows[:limit]


def _window(column, start, end) -> list:
    return [c for c in (column >= start if start else None, column < end if end else None) if c is not None]


def _events(session: Session, model, prefix: str, stored, start, end, limit: int) -> list[AuditRow]:
    conditions = [model.actor.is_not(None), *_window(model.recorded_at, start, end)]
    if stored:
        conditions.append(model.actor == stored)
    if model is StatusEvent:
        conditions.append(model.origin == Origin.USER.value)
    statement = (
        sa.select(model, Project.code)
        .join(Project, Project.id == model.project_id)
        .where(*conditions)
        .order_by(model.recorded_at.desc(), model.id.desc())
        .limit(limit)
    )
    found = []
    for event, code in session.execute(statement):
        if model is StatusEvent:
            action, what = (
                "状态",
                f"{event.status}（{event.effective_date}）" + (f" {event.note}" if event.note else ""),
            )
        elif model is FieldEvent:
            action = "字段"
            what = f"{fields.label_of(event.field)} {event.old_value or '(空)'} → {event.new_value or '(空)'}"
        else:
            action, what = "填报", f"{event.period}：{report_text(event)}"
        found.append(
            AuditRow(
                as_utc(event.recorded_at),
                display(event.actor),
                event.address,
                action,
                code,
                f"{prefix}{event.id}",
                what,
            )
        )
    return found


def _retractions(session: Session, model, prefix: str, stored, start, end, limit: int) -> list[AuditRow]:
    conditions = [model.retracted_at.is_not(None), *_window(model.retracted_at, start, end)]
    if stored:
        conditions.append(model.retracted_by == stored)
    statement = (
        sa.select(model.id, model.retracted_at, model.retracted_by, model.retraction_note, Project.code)
        .join(Project, Project.id == model.project_id)
        .where(*conditions)
        .order_by(model.retracted_at.desc())
        .limit(limit)
    )
    return [
        AuditRow(
            as_utc(row.retracted_at),
            display(row.retracted_by),
            None,
            "撤销",
            row.code,
            f"{prefix}{row.id}",
            f"撤销 {prefix}{row.id}：{row.retraction_note or ''}".rstrip("："),
        )
        for row in session.execute(statement)
    ]
