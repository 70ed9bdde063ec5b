"""Every table of the portfolio database.

Vocabulary columns (status, kind, build type, level) are plain text with CHECK
constraints rather than Python enums, so the schema is the same on SQLite and PostgreSQL.
The allowed values come from the vocabularies in vocab.py (migrations keep their own copy).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portfolio.vocab import (
    BuildType,
    ColumnKind,
    DivisionLevel,
    IndicatorAttribute,
    LinkRelation,
    Origin,
    ProjectKind,
    ProjectLevel,
    Status,
)

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DIVISION_LEVELS = DivisionLevel.values()
COLUMN_KINDS = ColumnKind.values()
PROJECT_KINDS = ProjectKind.values()
BUILD_TYPES = BuildType.values()
STATUSES = Status.values()
PROJECT_LEVELS = ProjectLevel.values()
LINK_RELATIONS = LinkRelation.values()
ORIGINS = Origin.values()
ACCOUNT_ROLES = ("admin", "editor", "viewer")
# Month-precision dates (计划开工 …) are stored as 'YYYY-MM' text: sortable, and no invented day.
MONTH_PATTERN_SQL = "LIKE '____-__'"


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Stored(Protocol):
    id: int | None


def id_of(row: _Stored) -> int:
    """The id of a row that has been written (SQLModel declares it optional for rows not yet flushed)."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id before it is flushed")
    return row.id


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    quoted = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({quoted})", name=name)


class Division(SQLModel, table=True):
    """A division of the gazetteer: province, prefecture, county/district or functional zone."""

    __table_args__ = (_one_of("level", DIVISION_LEVELS, "level"),)

    code: str = Field(primary_key=True, max_length=16)
    name: str = Field(max_length=64, index=True)
    level: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, foreign_key="division.code", index=True)
    short_name: str | None = Field(default=None, max_length=32)
    aliases: str = Field(default="", max_length=512)
    pinyin: str = Field(default="", max_length=128)
    official: bool = Field(default=True)
    note: str | None = Field(default=None, max_length=512)


class Sector(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=32)
    label_zh: str = Field(max_length=32)
    label_en: str = Field(max_length=64)
    oc4ids: str = Field(max_length=64)
    description: str | None = Field(default=None, max_length=512)


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)
    code_prefix: str = Field(max_length=16, unique=True)
    title: str = Field(max_length=256)
    issuer: str | None = Field(default=None, max_length=128)
    region_code: str = Field(foreign_key="division.code")
    period_start: int
    period_end: int
    issued: date | None = None
    document_kind: str = Field(max_length=32)
    source_file: str = Field(max_length=128)


class PlanColumn(SQLModel, table=True):
    """A 专栏 (boxed list) of a plan."""

    __tablename__ = "plan_column"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "number", name="uq_plan_column_plan_id_number"),
        _one_of("kind", COLUMN_KINDS, "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE")
    number: int
    title: str = Field(max_length=256)
    kind: str = Field(max_length=16)
    source_line: int


class Project(SQLModel, table=True):
    """A named project or a programme (a generic or bundled item) from a plan's 专栏."""

    __table_args__ = (
        _one_of("kind", PROJECT_KINDS, "kind"),
        _one_of("build_type", BUILD_TYPES, "build_type"),
        _one_of("status", STATUSES, "status"),
        _one_of("level", PROJECT_LEVELS, "level"),
        sa.CheckConstraint("start_year IS NULL OR end_year IS NULL OR start_year <= end_year", name="years"),
        sa.CheckConstraint("total_investment IS NULL OR total_investment >= 0", name="investment"),
        sa.Index("ix_project_plan_status", "plan_id", "status"),
        sa.Index("ix_project_sector_status", "sector_code", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=256)
    plan_id: int = Field(foreign_key="plan.id")
    column_id: int = Field(foreign_key="plan_column.id", index=True)
    group_label: str | None = Field(default=None, max_length=128)
    kind: str = Field(default=ProjectKind.PROJECT.value, max_length=16)
    sector_code: str = Field(foreign_key="sector.code")
    build_type: str | None = Field(default=None, max_length=8)
    quantity: str | None = Field(default=None, max_length=64)
    source_line: int
    # The plan's own words naming the item (a trimmed clause of line `source_line`).
    quote: str | None = Field(default=None, max_length=512)
    level: str = Field(
        default=ProjectLevel.COUNTY.value, max_length=8, sa_column_kwargs={"server_default": ProjectLevel.COUNTY.value}
    )
    note: str | None = Field(default=None, max_length=1024)
    in_seeds: bool = Field(default=True)
    # Current status, kept equal to the latest StatusEvent (see changes.py).
    status: str = Field(default=Status.IDENTIFICATION.value, max_length=8)
    status_date: date | None = None
    # Fields offices track beside the status; empty until a user fills them.
    national_code: str | None = Field(default=None, max_length=64)
    total_investment: float | None = Field(default=None, description="总投资, 万元")
    start_year: int | None = None
    end_year: int | None = None
    responsible_unit: str | None = Field(default=None, max_length=128)
    # 计划开工/计划竣工/实际开工/实际竣工, 'YYYY-MM'; 联系人. Current values; field_event keeps their history.
    planned_start: str | None = Field(default=None, max_length=7)
    planned_end: str | None = Field(default=None, max_length=7)
    actual_start: str | None = Field(default=None, max_length=7)
    actual_end: str | None = Field(default=None, max_length=7)
    contact: str | None = Field(default=None, max_length=128)


class ProjectDivision(SQLModel, table=True):
    """Where a project stands: one county for a project, often many for a programme.

    A link to the plan's prefecture itself means "somewhere in the prefecture, the plan does not
    say where" (shown as 未明确县(区)); the level at which the plan places a work is Project.level.
    """

    __tablename__ = "project_division"
    __table_args__ = (
        sa.Index("ix_project_division_division_project", "division_code", "project_id"),
        sa.Index("ix_project_division_division_sector", "division_code", "sector_code"),
    )

    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    division_code: str = Field(foreign_key="division.code", primary_key=True)
    # A copy of the project's sector (county x sector summaries read it through one covering index
    # until summary_tally, migration 0013, took them over).
    sector_code: str = Field(foreign_key="sector.code")


class ProjectLink(SQLModel, table=True):
    """A curated relation between two items: `part_of` (project -> the programme containing it) or
    `same_work` (another listing -> the primary listing of the same work). Rebuilt by every seed load."""

    __tablename__ = "project_link"
    __table_args__ = (_one_of("relation", LINK_RELATIONS, "relation"),)

    project_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE")
    relation: str = Field(primary_key=True, max_length=16)
    target_id: int = Field(foreign_key="project.id", primary_key=True, ondelete="CASCADE", index=True)
    reason: str = Field(max_length=1024)


class SummaryTally(SQLModel, table=True):
    """How many projects have one combination of the values summaries group and filter by, in
    one place: scope 'all' (place ''), 'county' (a division code: each project once in every
    county it stands in) or 'prefecture' (each project once in every prefecture it stands in).

    Kept by database triggers (migration 0013) as projects and their links change; never written
    by the library. A count that falls to 0 stays as a row of 0.
    """

    __tablename__ = "summary_tally"
    __table_args__ = {"sqlite_with_rowid": False}

    scope: str = Field(primary_key=True, max_length=10)
    place: str = Field(primary_key=True)
    sector_code: str = Field(primary_key=True)
    plan_id: int = Field(primary_key=True)
    column_id: int = Field(primary_key=True)
    status: str = Field(primary_key=True, max_length=8)
    kind: str = Field(primary_key=True, max_length=16)
    level: str = Field(primary_key=True, max_length=8)
    in_seeds: bool = Field(primary_key=True)
    n: int


class StatusEvent(SQLModel, table=True):
    __tablename__ = "status_event"
    __table_args__ = (
        _one_of("status", STATUSES, "status"),
        _one_of("origin", ORIGINS, "origin"),
        sa.Index("ix_status_event_project_effective", "project_id", "effective_date", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No cascade: a user's history must outlive any reload.
    project_id: int = Field(foreign_key="project.id")
    status: str = Field(max_length=8)
    effective_date: date
    note: str | None = Field(default=None, max_length=1024)
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=sa.DateTime(timezone=True))
    origin: str = Field(default=Origin.USER.value, max_length=8)
    # Who recorded it (account, OS user, PostgreSQL role or --by); empty for seed and older events.
    actor: str | None = Field(default=None, max_length=128)
    # The network address a write came from (the web front end); empty for the CLI.
    address: str | None = Field(default=None, max_length=64)
    # A retracted event stays in the record and stops counting.
    retracted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    retracted_by: str | None = Field(default=None, max_length=128)
    retraction_note: str | None = Field(default=None, max_length=1024)


class AnnualPlan(SQLModel, table=True):
    """年度计划投资 (万元) of a project for one year: the current value (field_event keeps its history)."""

    __tablename__ = "annual_plan"
    __table_args__ = (sa.CheckConstraint("amount >= 0", name="amount"),)

    project_id: int = Field(foreign_key="project.id", primary_key=True)
    year: int = Field(primary_key=True)
    amount: float


class FieldEvent(SQLModel, table=True):
    """A change of one tracked field of a project (项目代码, 总投资, 计划开工 …): old and new value as text."""

    __tablename__ = "field_event"
    __table_args__ = (sa.Index("ix_field_event_project_field", "project_id", "field", "effective_date", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # No cascade: a user's history must outlive any reload.
    project_id: int = Field(foreign_key="project.id")
    field: str = Field(max_length=32)
    old_value: str | None = Field(default=None, max_length=256)
    new_value: str | None = Field(default=None, max_length=256)
    effective_date: date
    note: str | None = Field(default=None, max_length=1024)
    actor: str | None = Field(default=None, max_length=128)
    # The network address a write came from (the web front end); empty for the CLI.
    address: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=sa.DateTime(timezone=True))
    source: str | None = Field(default=None, max_length=512)
    retracted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    retracted_by: str | None = Field(default=None, max_length=128)
    retraction_note: str | None = Field(default=None, max_length=1024)


class PeriodReport(SQLModel, table=True):
    """What an office reported for a project in one period (本期/累计完成投资, 形象进度, 存在问题).

    A corrected report retracts the earlier one, so at most one counts per project and period.
    """

    __tablename__ = "period_report"
    __table_args__ = (
        sa.CheckConstraint(f"period {MONTH_PATTERN_SQL}", name="period"),
        sa.Index("ix_period_report_period_project", "period", "project_id"),
        sa.Index(
            "uq_period_report_current",
            "project_id",
            "period",
            unique=True,
            sqlite_where=sa.text("retracted_at IS NULL"),
            postgresql_where=sa.text("retracted_at IS NULL"),
        ),
        # Each project's counting reports in period order, with the amounts: the lights sum a year's
        # 本期 and an import reads the nearest 累计 without visiting the table.
        sa.Index(
            "ix_period_report_counting",
            "project_id",
            "period",
            "invest_period",
            "invest_cumulative",
            sqlite_where=sa.text("retracted_at IS NULL"),
            postgresql_where=sa.text("retracted_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    period: str = Field(max_length=7)
    office: str | None = Field(default=None, max_length=16)
    invest_period: float | None = None  # 本期完成投资, 万元
    invest_cumulative: float | None = None  # 累计完成投资 (since the start of construction), 万元
    progress: str | None = Field(default=None, max_length=1024)  # 形象进度
    problems: str | None = Field(default=None, max_length=1024)  # 存在问题
    source: str | None = Field(default=None, max_length=512)  # file:sheet:row
    actor: str | None = Field(default=None, max_length=128)
    # The network address a write came from (the web front end); empty for the CLI.
    address: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(default_factory=utc_now, sa_type=sa.DateTime(timezone=True))
    retracted_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    retracted_by: str | None = Field(default=None, max_length=128)
    retraction_note: str | None = Field(default=None, max_length=1024)


class Place(SQLModel, table=True):
    """A town or area named in a town-list 专栏 (urban system, spatial structure)."""

    # Same-named towns exist in different counties (卡嘎镇 in 昂仁县 and in 谢通门县).
    __table_args__ = (
        sa.UniqueConstraint("column_id", "role", "name", "division_code", name="uq_place_column_role_name_division"),
    )

    id: int | None = Field(default=None, primary_key=True)
    column_id: int = Field(foreign_key="plan_column.id", ondelete="CASCADE", index=True)
    role: str = Field(max_length=128)
    name: str = Field(max_length=128)
    division_code: str = Field(foreign_key="division.code")
    source_line: int
    note: str | None = Field(default=None, max_length=512)


class Indicator(SQLModel, table=True):
    """A row of a plan's indicator table (主要指标)."""

    __table_args__ = (_one_of("attribute", IndicatorAttribute.values(), "attribute"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    plan_id: int = Field(foreign_key="plan.id", ondelete="CASCADE", index=True)
    table_code: str = Field(max_length=32)
    table_label: str = Field(max_length=256)
    column_number: int | None = None
    section: str | None = Field(default=None, max_length=128)
    name: str = Field(max_length=256)
    scope: str | None = Field(default=None, max_length=64)
    unit: str | None = Field(default=None, max_length=32)
    baseline_label: str | None = Field(default=None, max_length=64)
    baseline: str | None = Field(default=None, max_length=128)
    baseline_value: float | None = None
    target_label: str | None = Field(default=None, max_length=64)
    target: str | None = Field(default=None, max_length=128)
    target_value: float | None = None
    attribute: str | None = Field(default=None, max_length=8)
    source_line: int
    note: str | None = Field(default=None, max_length=512)


class Account(SQLModel, table=True):
    """A person or office that logs in (the web front end) or is matched by its system user (the CLI).

    Named `account`, not `user`: USER is a reserved word in PostgreSQL. An editor's scope is in
    account_scope; admins and viewers have none. The password is kept as an Argon2 hash only.
    """

    __table_args__ = (_one_of("role", ACCOUNT_ROLES, "role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=8)
    password_hash: str = Field(max_length=256)
    disabled: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utc_now, sa_type=sa.DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utc_now, sa_type=sa.DateTime(timezone=True))


class AccountScope(SQLModel, table=True):
    """One office an editor reports for: a county (or zone), or a prefecture for its 市级 works.

    The same offices as progress reporting (reports/periods.py): a project belongs to the lowest
    division containing all its locations.
    """

    __tablename__ = "account_scope"

    account_id: int = Field(foreign_key="account.id", primary_key=True, ondelete="CASCADE")
    division_code: str = Field(foreign_key="division.code", primary_key=True)


class Secret(SQLModel, table=True):
    """A secret the application generates on first use (the web session signing key).

    Kept in the database, which only its owner reads: the SQLite file is made private (0600)
    when it is created, and a PostgreSQL table is readable by its owner and the roles it grants.
    """

    name: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=256)
    created_at: datetime = Field(default_factory=utc_now, sa_type=sa.DateTime(timezone=True))


class LoginFailure(SQLModel, table=True):
    """A wrong password given at login: the limit on attempts per account and per address reads
    these, so it holds across server processes and restarts. Rows older than a day are deleted."""

    __tablename__ = "login_failure"
    __table_args__ = (
        sa.Index("ix_login_failure_name_at", "name", "at"),
        sa.Index("ix_login_failure_address_at", "address", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64)
    address: str = Field(max_length=64)
    at: datetime = Field(default_factory=utc_now, sa_type=sa.DateTime(timezone=True))
