"""A project's whole record: status events, field changes and period reports, and retraction.

Event ids carry their kind: S12 (a status event), F3 (a field change), R7 (a period report).
A retracted event is never deleted: it stays marked (by whom, when, why) and stops counting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portfolio import fields, vocab
from portfolio.actor import Actor, as_utc, check_scope, display
from portfolio.db import plain_rows, table_of
from portfolio.errors import UserInputError
from portfolio.models import FieldEvent, PeriodReport, StatusEvent, id_of, utc_now
from portfolio.rows import Kind, col

if TYPE_CHECKING:
    from sqlmodel import Session

KINDS: dict[str, type[StatusEvent | FieldEvent | PeriodReport]] = {"S": StatusEvent, "F": FieldEvent, "R": PeriodReport}
MAX_NOTE = 1024


@dataclass(frozen=True)
class HistoryEvent:
    """One event of a project: the row of `projects history` (every field shown in tables too)."""

    id: str = col("编号", Kind.CODE, brief=True)  # S12 (status), F3 (field), R7 (report)
    effective_date: date = col("日期", Kind.DATE, brief=True)
    what: str = col("事项", brief=True)
    old: str | None = col("原值", brief=True)
    new: str | None = col("新值", brief=True)
    note: str | None = col("备注", brief=True)
    actor: str = col("记录人", brief=True)
    recorded_at: datetime = col("记录时间", Kind.DATETIME, brief=True)
    retracted: str | None = col("撤销", brief=True)  # '已撤销 by … at …: why', or None while it counts
    origin: str = col("来源", brief=True)  # 规划 (seed) or 用户


def history(session: Session, code: str) -> list[HistoryEvent]:
    """Every event of a project, oldest first (by effective date, then recording order)."""
    from portfolio.queries import get_project

    return events_of(session, id_of(get_project(session, code)))


def events_of(session: Session, project_id: int) -> list[HistoryEvent]:
    """`history` of a project already loaded."""
    events = (
        _status_events(session, project_id) + _field_events(session, project_id) + _report_events(session, project_id)
    )
    return sorted(events, key=lambda e: (e.effective_date, e.recorded_at, e.id[0], int(e.id[1:])))


def _retracted(row) -> str | None:
    if row.retracted_at is None:
        return None
    when = as_utc(row.retracted_at).strftime("%Y-%m-%d %H:%M UTC")
    return f"已撤销 {display(row.retracted_by)} {when}: {row.retraction_note or ''}".rstrip(": ")


# The events are read as plain rows of their tables: the ORM's objects (each kept in the session)
# cost a project page twice as much. The statements are made once, as a page would spend longer
# making them than running them.
_OF_PROJECT: sa.BindParameter[int] = sa.bindparam("project_id")
_STATUS_EVENTS = (
    sa.select(table_of(StatusEvent))
    .where(StatusEvent.project_id == _OF_PROJECT)
    .order_by(StatusEvent.effective_date, StatusEvent.id)
)
_FIELD_EVENTS = sa.select(table_of(FieldEvent)).where(FieldEvent.project_id == _OF_PROJECT)
_REPORT_EVENTS = sa.select(table_of(PeriodReport)).where(PeriodReport.project_id == _OF_PROJECT)


def _status_events(session: Session, project_id: int) -> list[HistoryEvent]:
    rows = plain_rows(session, _STATUS_EVENTS, {"project_id": project_id}).all()
    events, previous = [], None
    for row in rows:
        events.append(
            HistoryEvent(
                f"S{row.id}",
                row.effective_date,
                "状态",
                previous,
                row.status,
                row.note,
                display(row.actor),
                as_utc(row.recorded_at),
                _retracted(row),
                vocab.Origin.of(row.origin).label,
            )
        )
        if row.retracted_at is None:
            previous = row.status
    return events


def _field_events(session: Session, project_id: int) -> list[HistoryEvent]:
    rows = plain_rows(session, _FIELD_EVENTS, {"project_id": project_id}).all()
    return [
        HistoryEvent(
            f"F{row.id}",
            row.effective_date,
            fields.label_of(row.field),
            row.old_value,
            row.new_value,
            row.note,
            display(row.actor),
            as_utc(row.recorded_at),
            _retracted(row),
            "用户",
        )
        for row in rows
    ]


def report_text(row) -> str:
    parts = [f"本期 {fields.as_text(row.invest_period) or '-'}", f"累计 {fields.as_text(row.invest_cumulative) or '-'}"]
    if row.progress:
        parts.append(f"形象进度 {row.progress}")
    if row.problems:
        parts.append(f"存在问题 {row.problems}")
    return "；".join(parts)


def _report_events(session: Session, project_id: int) -> list[HistoryEvent]:
    rows = plain_rows(session, _REPORT_EVENTS, {"project_id": project_id}).all()
    return [
        HistoryEvent(
            f"R{row.id}",
            date.fromisoformat(row.period + "-01"),
            f"{row.period} 填报",
            None,
            report_text(row),
            row.source,
            display(row.actor),
            as_utc(row.recorded_at),
            _retracted(row),
            "用户",
        )
        for row in rows
    ]


# --- retraction ------------------------------------------------------------------------


@dataclass(frozen=True)
class Retraction:
    code: str
    event_id: str
    what: str
    current: str | None  # the value that counts now

    def describe(self) -> str:
        return f"{self.code}: {self.event_id} ({self.what}) retracted; now {self.current or '(空)'}"


def parse_event_id(event_id: str) -> tuple[str, int]:
    text = event_id.strip().upper()
    if len(text) < 2 or text[0] not in KINDS or not text[1:].isdigit():
        raise UserInputError(f"bad event id {event_id!r}: use the id shown by `projects history` (S12, F3, R7)")
    return text[0], int(text[1:])


def retract(session: Session, code: str, event_id: str, *, actor: Actor, note: str) -> Retraction:
    """Mark one event retracted and recompute what it had set. Locks the project row first."""
    from portfolio.queries import get_project

    kind, number = parse_event_id(event_id)
    if not note or not note.strip():
        raise UserInputError("say why the event is retracted (--note)")
    if len(note) > MAX_NOTE:
        raise UserInputError(f"note is too long ({len(note)} characters, at most {MAX_NOTE})")
    project = get_project(session, code)
    project_id = id_of(project)
    check_scope(session, actor, [project_id])
    fields.lock_projects(session, [project_id])
    model = KINDS[kind]
    row = session.get(model, number, populate_existing=True)
    if not isinstance(row, StatusEvent | FieldEvent | PeriodReport) or row.project_id != project_id:
        raise UserInputError(
            f"{project.code} has no event {kind}{number}; see `portfolio projects history {project.code}`"
        )
    if row.retracted_at is not None:
        raise UserInputError(f"event {kind}{number} was already retracted ({_retracted(row)})")
    if kind == "S" and _counting_status_events(session, project_id) <= 1:
        raise UserInputError(
            f"{kind}{number} is the only status event that counts; record the right status with set-status instead"
        )
    session.execute(
        sa.update(model)
        .where(model.id == number)
        .values(retracted_at=utc_now(), retracted_by=actor.stored, retraction_note=note.strip())
    )
    current: str | None
    if isinstance(row, StatusEvent):
        from portfolio.changes import refresh_current_status

        current, what = refresh_current_status(session, project_id), "状态"
    elif isinstance(row, FieldEvent):
        current, what = (
            fields.as_text(fields.restore_after_retraction(session, project_id, row.field)),
            fields.label_of(row.field),
        )
    else:
        current, what = None, f"{row.period} 填报"
    session.expire(project)
    return Retraction(project.code, f"{kind}{number}", what, current)


def _counting_status_events(session: Session, project_id: int) -> int:
    return session.execute(
        sa.select(sa.func.count())
        .select_from(StatusEvent)
        .where(StatusEvent.project_id == project_id, StatusEvent.retracted_at.is_(None))
    ).scalar_one()
