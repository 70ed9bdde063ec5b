"""The fields offices track beside the status, and every change of them as an event.

Fields: 项目代码 (national code), 总投资, 年度计划投资 per year, 计划/实际 开工/竣工 (month
precision), 责任单位, 联系人. A change that sets a field to the value it already has records
nothing, so re-importing a sheet is idempotent. The caller owns the (write) transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portfolio.actor import Actor, check_scope
from portfolio.db import one_of, plain_rows
from portfolio.errors import UserInputError
from portfolio.models import AnnualPlan, Division, FieldEvent, Project, id_of, utc_now
from portfolio.text import check_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from sqlmodel import Session

MAX_TEXT = 128
MAX_MONEY = 100_000_000.0  # 万元: 1 万亿元, beyond any single project (an amount shown in 元 stays finite)
ANNUAL_PREFIX = "annual_plan:"  # field key of 年度计划投资 for a year: annual_plan:2026


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: str  # text | money | month | national_code
    option: str  # the CLI option


FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        FieldSpec("national_code", "项目代码", "national_code", "--national-code"),
        FieldSpec("total_investment", "总投资(万元)", "money", "--total-investment"),
        FieldSpec("planned_start", "计划开工", "month", "--planned-start"),
        FieldSpec("planned_end", "计划竣工", "month", "--planned-end"),
        FieldSpec("actual_start", "实际开工", "month", "--actual-start"),
        FieldSpec("actual_end", "实际竣工", "month", "--actual-end"),
        FieldSpec("responsible_unit", "责任单位", "text", "--responsible-unit"),
        FieldSpec("contact", "联系人", "text", "--contact"),
    )
}
PROJECT_COLUMNS = tuple(FIELDS)
ACTUAL_MONTHS = ("actual_start", "actual_end")  # what happened: never a month still to come


def annual_key(year: int) -> str:
    return f"{ANNUAL_PREFIX}{year}"


FIRST_PLAN_YEAR = 2000  # the plans run 2021–2030: an earlier year is a typo


def given_annual_key(year: int) -> str:
    """The key of 年度计划投资 for a year a user gives: from 2000 to ten years ahead."""
    last = date.today().year + 10
    if not FIRST_PLAN_YEAR <= year <= last:
        raise UserInputError(f"year {year} is out of range for 年度计划投资: give {FIRST_PLAN_YEAR} to {last}")
    return annual_key(year)


def label_of(key: str) -> str:
    if key.startswith(ANNUAL_PREFIX):
        return f"{key.removeprefix(ANNUAL_PREFIX)}年度计划投资(万元)"
    return FIELDS[key].label if key in FIELDS else key


def kind_of(key: str) -> str:
    return "money" if key.startswith(ANNUAL_PREFIX) else FIELDS[key].kind


# --- parsing values ------------------------------------------------------------------

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年])\s*(\d{1,2})\s*(?:月)?\s*(?:[-/.]?\s*(\d{1,2})\s*日?)?\s*$")


def parse_month(value: str | date | datetime | None) -> str | None:
    """'2025-03', '2025/3', '2025年3月', '2025-03-15' or a date → '2025-03'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (date, datetime)):
        return f"{value.year:04d}-{value.month:02d}"
    match = _MONTH.match(str(value))
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UserInputError(f"bad month {value!r}: use YYYY-MM (e.g. 2025-03)")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def parse_money(value: str | float | int | None, what: str = "amount") -> float | None:
    """万元: a number ≥ 0 ('1,200' and '1200万元' too)."""
    if type(value) is str:  # most cells of a sheet: a plain number, which the cleaning below would keep
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if 0 <= number <= MAX_MONEY:
                return number
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise UserInputError(f"bad {what} {value!r}: give a number in 万元")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").removesuffix("万元").strip()
        try:
            number = float(text)
        except ValueError:
            raise UserInputError(f"bad {what} {value!r}: give a number in 万元") from None
    if not 0 <= number <= MAX_MONEY:  # NaN fails too
        raise UserInputError(f"bad {what} {value!r}: must be a number from 0 to {MAX_MONEY:.0f} (万元)")
    return number


# GB/T 40058-2021《全国固定资产投资项目代码编码规范》, clause 4 (项目代码结构): a 24-character code of
# five groups joined by '-': 时间代码 (4.2, the four-digit year the code was given), 地区代码 (4.3, the
# six-digit GB/T 2260 division that gave it), 中央业务指导部门代码 (4.4, two digits), 项目类型代码 (4.5, two
# digits) and six characters of 随机码 (4.6) ending in a 校验码 (4.7). Example layout (附录A):
# 2021-540222-48-01-000001. The check character's algorithm is not checked here.
NATIONAL_CODE = re.compile(r"^(\d{4})-(\d{6})-(\d{2})-(\d{2})-([0-9A-Z]{6})$")
FIRST_CODE_YEAR = 2016  # the online approval platform began giving codes in 2016


def parse_national_code(session: Session, value: str | None) -> str | None:
    if value is None or not str(value).strip():
        return None
    code = str(value).strip().upper().replace("－", "-").replace("—", "-")
    match = NATIONAL_CODE.match(code)
    allowed = "24 characters YYYY-RRRRRR-DD-TT-NNNNNN (GB/T 40058-2021), e.g. 2021-540222-48-01-000001"
    if not match:
        raise UserInputError(f"bad 项目代码 {value!r}: use {allowed}")
    year, region = int(match.group(1)), match.group(2)
    if not FIRST_CODE_YEAR <= year <= date.today().year:
        raise UserInputError(f"bad 项目代码 {value!r}: year {year} is not between {FIRST_CODE_YEAR} and this year")
    if session.get(Division, region) is None:
        raise UserInputError(
            f"bad 项目代码 {value!r}: region {region} is not a known division (GB/T 2260; see `portfolio counties`)"
        )
    return code


def parse_value(session: Session, key: str, value) -> str | float | None:
    kind = kind_of(key)
    if kind == "money":
        return parse_money(value, label_of(key))
    if kind == "month":
        month = parse_month(value)
        if month and key in ACTUAL_MONTHS and month > f"{date.today():%Y-%m}":
            raise UserInputError(f"{label_of(key)} {month} is in the future")
        return month
    if kind == "national_code":
        return parse_national_code(session, value)
    text = None if value is None else " ".join(str(value).split())
    if text:
        check_text(text, label_of(key))
    if text and len(text) > MAX_TEXT:
        raise UserInputError(f"{label_of(key)} is too long ({len(text)} characters, at most {MAX_TEXT})")
    return text or None


def as_text(value) -> str | None:
    """How a value is kept in an event: money without a needless '.0'."""
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


# --- current values and changes ------------------------------------------------------


FieldValue = str | float | None  # a month 'YYYY-MM', a text or an amount (万元)


@dataclass(frozen=True)
class FieldChange:
    project_id: int
    code: str
    key: str
    old: FieldValue
    new: FieldValue
    source: str | None = None

    def describe(self) -> str:
        return f"{self.code}: {label_of(self.key)} {as_text(self.old) or '(空)'} → {as_text(self.new) or '(空)'}"


def current_values(session: Session, project_ids: Iterable[int]) -> dict[int, dict[str, FieldValue]]:
    """Every tracked field of the projects, annual plans included, as {id: {key: value}}."""
    found: dict[int, dict[str, FieldValue]] = {}
    ids = list(project_ids)
    if not ids:
        return found
    projects = sa.select(Project.id, *(getattr(Project, key) for key in PROJECT_COLUMNS))
    for project_id, *values in plain_rows(session, projects.where(one_of(session, Project.id, ids))):
        found[project_id] = dict(zip(PROJECT_COLUMNS, values, strict=True))
    plans = sa.select(AnnualPlan.project_id, AnnualPlan.year, AnnualPlan.amount)
    for project_id, year, amount in plain_rows(session, plans.where(one_of(session, AnnualPlan.project_id, ids))):
        found[project_id][annual_key(year)] = amount
    return found


def diff(
    project_id: int,
    code: str,
    current: Mapping[str, FieldValue],
    wanted: Mapping[str, FieldValue],
    source: str | None = None,
) -> list[FieldChange]:
    """The changes that bring `current` to the parsed `wanted` values (equal values: none)."""
    changes = []
    for key, new in wanted.items():
        old = current.get(key)
        same = old == new or (isinstance(old, float) and isinstance(new, float) and abs(old - new) < 1e-9)
        if not same:
            changes.append(FieldChange(project_id, code, key, old, new, source))
    return changes


def check_consistent(current: Mapping[str, FieldValue], changes: list[FieldChange]) -> None:
    """Planned/actual start not after the end, once the changes are applied."""
    after = dict(current)
    after.update({change.key: change.new for change in changes})
    for start, end in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
        begins, ends = after.get(start), after.get(end)  # months, 'YYYY-MM'
        if isinstance(begins, str) and isinstance(ends, str) and begins > ends:
            raise UserInputError(f"{FIELDS[start].label} {begins} is after {FIELDS[end].label} {ends}")


def lock_projects(session: Session, project_ids: list[int]) -> None:
    """Row locks in id order (PostgreSQL; SQLite writers already hold the database's write lock)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    ids = sorted(set(project_ids))
    if ids:
        statement = sa.select(Project.id).where(one_of(session, Project.id, ids)).order_by(Project.id).with_for_update()
        session.execute(statement)


def write_changes(
    session: Session, changes: list[FieldChange], *, actor: Actor, effective_date: date, note: str | None = None
) -> None:
    """Record the events and update the current values; projects must be locked already."""
    if not changes:
        return
    now = utc_now()
    session.execute(
        sa.insert(FieldEvent),
        [
            {
                "project_id": c.project_id,
                "field": c.key,
                "old_value": as_text(c.old),
                "new_value": as_text(c.new),
                "effective_date": effective_date,
                "note": note,
                "actor": actor.stored,
                "address": actor.address,
                "recorded_at": now,
                "source": c.source,
            }
            for c in changes
        ],
    )
    _store_current(session, [(c.project_id, c.key, c.new) for c in changes])


def _store_current(session: Session, values: list[tuple[int, str, FieldValue]]) -> None:
    by_key: dict[str, list[dict]] = {}
    for project_id, key, value in values:
        by_key.setdefault(key, []).append({"_id": project_id, "_value": value})
    connection = session.connection()
    for key, rows in by_key.items():
        if key.startswith(ANNUAL_PREFIX):
            year = int(key.removeprefix(ANNUAL_PREFIX))
            ids = [r["_id"] for r in rows]
            connection.execute(sa.delete(AnnualPlan).where(AnnualPlan.year == year, AnnualPlan.project_id.in_(ids)))
            present = [
                {"project_id": r["_id"], "year": year, "amount": r["_value"]} for r in rows if r["_value"] is not None
            ]
            if present:
                connection.execute(sa.insert(AnnualPlan), present)
        else:
            connection.execute(
                sa.update(Project).where(Project.id == sa.bindparam("_id")).values({key: sa.bindparam("_value")}), rows
            )


def set_fields(
    session: Session,
    code: str,
    values: Mapping[str, object],
    *,
    actor: Actor,
    effective_date: date | None = None,
    note: str | None = None,
) -> list[FieldChange]:
    """Set fields of one project (keys of FIELDS or annual_key(year)); unchanged values record nothing."""
    from portfolio.queries import get_project

    project = get_project(session, code)
    project_id = id_of(project)
    check_scope(session, actor, [project_id])
    lock_projects(session, [project_id])
    wanted = {key: parse_value(session, key, value) for key, value in values.items()}
    current = current_values(session, [project_id])[project_id]
    changes = diff(project_id, project.code, current, wanted)
    check_consistent(current, changes)
    write_changes(session, changes, actor=actor, effective_date=effective_date or date.today(), note=note)
    session.expire(project)
    return changes


def restore_after_retraction(session: Session, project_id: int, key: str) -> FieldValue:
    """The field's value from its latest event still counting, or its value before the first event."""
    events = session.execute(
        sa.select(FieldEvent.old_value, FieldEvent.new_value, FieldEvent.retracted_at)
        .where(FieldEvent.project_id == project_id, FieldEvent.field == key)
        .order_by(FieldEvent.effective_date, FieldEvent.id)
    ).all()
    counting = [e for e in events if e.retracted_at is None]
    text = counting[-1].new_value if counting else (events[0].old_value if events else None)
    value = parse_money(text) if kind_of(key) == "money" else text
    _store_current(session, [(project_id, key, value)])
    return value
