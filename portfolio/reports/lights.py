"""Warning lights (预警) per project and period, and the rates of a 通报.

Every rule and every threshold is here, and the README's table of rules is written from this
module. A project's light is the worst its rules give; each rule that fires gives a reason.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portfolio import vocab
from portfolio.errors import UserInputError
from portfolio.fields import as_text
from portfolio.models import AnnualPlan, PeriodReport, Plan, Project, Sector
from portfolio.reports.periods import Offices, Period
from portfolio.rows import Kind, col

if TYPE_CHECKING:
    from sqlmodel import Session

# --- thresholds: the one place ----------------------------------------------------------------
START_OVERDUE_YELLOW_MONTHS = 1  # planned start month over and still 谋划/前期
START_OVERDUE_RED_MONTHS = 3
BEHIND_YELLOW_POINTS = 10  # investment this year behind 序时进度 (share of the year elapsed), in points
BEHIND_RED_POINTS = 30  # more than this: red
COMPLETION_OVERDUE_YELLOW_MONTHS = 1  # planned completion month over and not 建成
COMPLETION_OVERDUE_RED_MONTHS = 3
NOT_REPORTED_LIGHT = vocab.Light.YELLOW.value  # no report for the period (未填报)

NOT_STARTED = (vocab.Status.IDENTIFICATION.value, vocab.Status.PREPARATION.value)
STARTED = (vocab.Status.IMPLEMENTATION.value, vocab.Status.COMPLETION.value)
UNTRACKED = (vocab.Status.CANCELLED.value,)  # cancelled projects get no light and count in no rate
NOT_REPORTING = (
    vocab.Status.COMPLETION.value,
    vocab.Status.CANCELLED.value,
)  # finished or cancelled: no report expected
LIGHTS = vocab.Light.values()
LIGHT_LABELS = {light.value: light.label for light in vocab.Light}


@dataclass
class ProjectState:
    id: int
    code: str
    name: str
    office: str  # office label: 江孜县, 日喀则市(市级)
    office_level: str
    sector: str
    plan: str
    status: str
    status_date: date | None
    planned_start: str | None
    planned_end: str | None
    actual_start: str | None
    actual_end: str | None
    annual_plan: float | None  # 年度计划投资 of the period's year
    year_done: float  # 本期完成投资 summed over the year up to the period
    reported: bool  # a report counts for the period


@dataclass(frozen=True)
class LightRow:
    """A project's light in a period: the row of `report lights`."""

    code: str = col("编号", Kind.CODE, brief=True)
    name: str = col("名称", brief=True)
    office: str = col("填报单位", brief=True)
    status: str = col("状态", brief=True)
    light: str = col("预警", brief=True)  # 红 / 黄 / 绿
    reasons: str = col("原因", brief=True)


def rules(state: ProjectState, period: Period) -> list[tuple[str, str]]:
    """(light, reason) for every rule that fires."""
    found: list[tuple[str, str]] = []
    if state.status in UNTRACKED:
        return found
    if state.status in NOT_STARTED and state.planned_start and not state.actual_start:
        late = period.months_after(state.planned_start)
        if late >= START_OVERDUE_YELLOW_MONTHS:
            light = "red" if late >= START_OVERDUE_RED_MONTHS else "yellow"
            found.append((light, f"开工逾期：计划{state.planned_start}开工，逾期{late}个月仍为{state.status}"))
    if state.status == "在建" and state.annual_plan:
        done = state.year_done / state.annual_plan * 100
        due = period.month / 12 * 100
        behind = due - done
        if behind >= BEHIND_YELLOW_POINTS:
            light = "red" if behind > BEHIND_RED_POINTS else "yellow"
            found.append(
                (
                    light,
                    f"投资滞后：年度计划{as_text(state.annual_plan)}万元，完成{as_text(state.year_done)}"
                    f"万元({done:.1f}%)，序时进度{due:.1f}%，落后{behind:.1f}个百分点",
                )
            )
    if state.status != "建成" and state.planned_end:
        late = period.months_after(state.planned_end)
        if late >= COMPLETION_OVERDUE_YELLOW_MONTHS:
            light = "red" if late >= COMPLETION_OVERDUE_RED_MONTHS else "yellow"
            found.append((light, f"竣工逾期：计划{state.planned_end}竣工，逾期{late}个月未建成"))
    if state.status not in NOT_REPORTING and not state.reported:
        found.append((NOT_REPORTED_LIGHT, f"未填报：{period}无填报"))
    return found


def light_of(found: list[tuple[str, str]]) -> str:
    return max((light for light, _ in found), key=LIGHTS.index, default="green")


# The groups a project list can be narrowed to for a period: each light, and the projects that have
# not reported (whatever light that gives them).
LIGHT_GROUPS = {"red": "红", "yellow": "黄", "green": "绿", "unreported": "未填报"}


def check_light_group(value: str) -> str:
    """red|yellow|green|unreported, or its Chinese (红 黄 绿 未填报) -> the English code."""
    wanted = value.strip().lower()
    for code, label in LIGHT_GROUPS.items():
        if wanted in (code, label):
            return code
    raise UserInputError(f"unknown light {value!r}; allowed: red (红), yellow (黄), green (绿), unreported (未填报)")


def light_groups(session: Session, period: Period) -> dict[str, set[int]]:
    """{group: ids of the tracked projects in it} for a period, groups as in LIGHT_GROUPS."""
    groups: dict[str, set[int]] = {code: set() for code in LIGHT_GROUPS}
    for state in project_states(session, period):
        groups[light_of(rules(state, period))].add(state.id)
        if state.status not in NOT_REPORTING and not state.reported:
            groups["unreported"].add(state.id)
    return groups


def project_states(session: Session, period: Period, offices: list[str] | None = None) -> list[ProjectState]:
    """Every tracked project (not 取消) with what the rules and rates need, for one period.

    Two passes: the projects with their figures for the period (one statement), and their
    locations (for the office), joined here by project id.
    """
    office_map = Offices(session)
    office_of = office_map.of_projects(None)
    wanted = set(offices) if offices else None
    states = []
    for row in session.execute(_states_statement(period)):
        project_id, code, name, sector, plan = row[:5]
        status, status_date, planned_start, planned_end, actual_start, actual_end = row[5:11]
        annual_plan, done, report_id = row[11:]
        office_code = office_of.get(project_id)
        if office_code is None or (wanted is not None and office_code not in wanted):
            continue
        office = office_map.office(office_code)
        states.append(
            ProjectState(
                project_id,
                code,
                name,
                office.label,
                office.level,
                sector,
                plan,
                status,
                status_date,
                planned_start,
                planned_end,
                actual_start,
                actual_end,
                annual_plan,
                float(done or 0),
                report_id is not None,
            )
        )
    return states


def _states_statement(period: Period) -> sa.Select:
    """The tracked projects in code order with ProjectState's columns, the year's plan, the year's
    本期 summed up to the period, and the id of the period's counting report (if any).

    The sum is a subquery per project: it reads that project's entries of ix_period_report_counting
    alone, where grouping the year's reports of every project would sort a million rows.
    """
    report = aliased(PeriodReport)
    year_to_date = (
        sa.select(sa.func.sum(report.invest_period))
        .where(
            report.project_id == Project.id,
            report.retracted_at.is_(None),
            report.period >= period.year_start,
            report.period <= str(period),
        )
        .scalar_subquery()
    )
    this_period = aliased(PeriodReport)
    return (
        sa.select(
            Project.id,
            Project.code,
            Project.name,
            Sector.label_zh,
            Plan.key,
            Project.status,
            Project.status_date,
            Project.planned_start,
            Project.planned_end,
            Project.actual_start,
            Project.actual_end,
            AnnualPlan.amount,
            year_to_date,
            this_period.id,
        )
        .join(Sector, Sector.code == Project.sector_code)
        .join(Plan, Plan.id == Project.plan_id)
        .outerjoin(AnnualPlan, (AnnualPlan.project_id == Project.id) & (AnnualPlan.year == period.year))
        .outerjoin(
            this_period,
            (this_period.project_id == Project.id)
            & (this_period.period == str(period))
            & this_period.retracted_at.is_(None),
        )
        .where(Project.status.not_in(UNTRACKED))
        .order_by(Project.code)
    )


def lights(
    session: Session, period: Period, offices: list[str] | None = None, only: str | None = None
) -> list[LightRow]:
    """Each project's light and reasons, red first; `only` keeps one light (red/yellow/green)."""
    rows = []
    for state in project_states(session, period, offices):
        found = rules(state, period)
        light = light_of(found)
        if only and light != only:
            continue
        rows.append(
            LightRow(
                state.code,
                state.name,
                state.office,
                state.status,
                LIGHT_LABELS[light],
                "；".join(reason for _, reason in found),
            )
        )
    order = {label: rank for rank, label in enumerate(("红", "黄", "绿"))}
    return sorted(rows, key=lambda row: (order[row.light], row.code))


# --- rates ---------------------------------------------------------------------------------------

BREAKDOWNS = {"county": "县(区)", "sector": "行业", "plan": "规划", "level": "层级"}
LEVEL_LABELS = {"county": "县级", "zone": "县级", "prefecture": "市级", "province": "区级"}


class RateRow(NamedTuple):
    group: str
    projects: int
    start_rate: float | None  # 开工率, %
    investment_rate: float | None  # 投资完成率 (of the year's plan), %
    completion_rate: float | None  # 按期竣工率, %
    report_rate: float | None  # 填报率, %
    red: int
    yellow: int


@dataclass
class _Tally:
    projects: int = 0
    due_start: int = 0
    started: int = 0
    planned: float = 0.0
    done: float = 0.0
    due_end: int = 0
    on_time: int = 0
    expected: int = 0
    reported: int = 0
    red: int = 0
    yellow: int = 0

    def add(self, state: ProjectState, period: Period, light: str) -> None:
        self.projects += 1
        if state.planned_start and period.months_after(state.planned_start) >= 0:
            self.due_start += 1
            self.started += state.status in STARTED or bool(
                state.actual_start and period.months_after(state.actual_start) >= 0
            )
        if state.annual_plan:
            self.planned += state.annual_plan
            self.done += state.year_done
        if state.planned_end and period.months_after(state.planned_end) >= 0:
            self.due_end += 1
            finished = state.actual_end or (f"{state.status_date:%Y-%m}" if state.status_date else "")
            self.on_time += state.status == "建成" and bool(finished) and finished <= state.planned_end
        if state.status not in NOT_REPORTING:
            self.expected += 1
            self.reported += state.reported
        self.red += light == "red"
        self.yellow += light == "yellow"

    def absorb(self, other: _Tally) -> None:
        for name in _TALLY_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def row(self, group: str) -> RateRow:
        return RateRow(
            group,
            self.projects,
            _percent(self.started, self.due_start),
            _percent(self.done, self.planned),
            _percent(self.on_time, self.due_end),
            _percent(self.reported, self.expected),
            self.red,
            self.yellow,
        )


_TALLY_FIELDS = tuple(f.name for f in dataclasses.fields(_Tally))


def _percent(part: float, whole: float) -> float | None:
    return round(part / whole * 100, 1) if whole else None


def rates(session: Session, period: Period, by: str, offices: list[str] | None = None) -> list[RateRow]:
    """开工率, 投资完成率, 按期竣工率 and 填报率 per county (office), sector, plan or level, and 合计."""
    if by not in BREAKDOWNS:
        raise UserInputError(f"unknown breakdown {by!r}; allowed: {', '.join(BREAKDOWNS)}")
    return rates_of(project_states(session, period, offices), period, by)


_GROUP_OF = {
    "county": lambda state: state.office,
    "sector": lambda state: state.sector,
    "plan": lambda state: state.plan,
    "level": lambda state: LEVEL_LABELS.get(state.office_level, state.office_level),
}


def rates_of(states: list[ProjectState], period: Period, by: str) -> list[RateRow]:
    group_of = _GROUP_OF[by]
    groups: dict[str, _Tally] = defaultdict(_Tally)
    for state in states:
        groups[group_of(state)].add(state, period, light_of(rules(state, period)))
    total = _Tally()
    for tally in groups.values():
        total.absorb(tally)
    rows = [tally.row(group) for group, tally in sorted(groups.items(), key=lambda item: -item[1].projects)]
    return rows + [total.row("合计")] if rows else rows
