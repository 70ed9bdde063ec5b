"""Warning lights (预警) per project and period, and the rates of a 通报.

Every rule and every threshold is here, and the README's table of rules is written from this
module. A project's light is the worst its rules give; each rule that fires gives a reason.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from operator import attrgetter
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portfolio import collector, vocab
from portfolio.db import plain_rows
from portfolio.errors import UserInputError
from portfolio.fields import as_text
from portfolio.models import AnnualPlan, PeriodReport, Plan, Project, Sector
from portfolio.reports.periods import Offices, Period, project_locations
from portfolio.rows import Kind, col, row_columns

if TYPE_CHECKING:
    from sqlmodel import Session

    from portfolio.queries import ProjectFilter

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


@dataclass(slots=True)
class ProjectState:
    id: int
    code: str
    name: str
    office_code: str  # the office's division code
    office: str  # office label: 江孜县, 日喀则市(市级)
    office_level: str
    sector_code: str
    sector: str  # its Chinese label
    plan: str  # its key
    status: str
    status_date: date | None
    planned_start: str | None
    planned_end: str | None
    actual_start: str | None
    actual_end: str | None
    annual_plan: float | None  # 年度计划投资 of the period's year
    year_done: float  # 本期完成投资 summed over the year up to the period
    reported: bool  # a report counts for the period
    start_late: int | None  # months the period is after planned_start (negative before it; None without one)
    end_late: int | None  # the same for planned_end
    found: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (light, reason) of each rule that fired
    light: str = "green"  # the worst light of `found`

    @property
    def unreported(self) -> bool:
        """A report is expected for the period (not finished or cancelled) and none counts."""
        return self.status not in NOT_REPORTING and not self.reported


@dataclass  # not frozen: a frozen dataclass sets each field through object.__setattr__, 5 times slower for 100,000 rows
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
    status = state.status
    if status in UNTRACKED:
        return found
    late = state.start_late
    if late is not None and late >= START_OVERDUE_YELLOW_MONTHS and status in NOT_STARTED and not state.actual_start:
        light = "red" if late >= START_OVERDUE_RED_MONTHS else "yellow"
        found.append((light, f"开工逾期：计划{state.planned_start}开工，逾期{late}个月仍为{status}"))
    if status == "在建" and state.annual_plan:
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
    late = state.end_late
    if late is not None and late >= COMPLETION_OVERDUE_YELLOW_MONTHS and status != "建成":
        light = "red" if late >= COMPLETION_OVERDUE_RED_MONTHS else "yellow"
        found.append((light, f"竣工逾期：计划{state.planned_end}竣工，逾期{late}个月未建成"))
    if state.unreported:
        found.append((NOT_REPORTED_LIGHT, f"未填报：{period}无填报"))
    return found


_SEVERITY = {light: rank for rank, light in enumerate(LIGHTS)}


def light_of(found: list[tuple[str, str]]) -> str:
    worst = "green"
    for light, _ in found:
        if _SEVERITY[light] > _SEVERITY[worst]:
            worst = light
    return worst


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


def light_groups(session: Session, period: Period, flt: ProjectFilter | None = None) -> dict[str, set[int]]:
    """{group: ids of the tracked projects in it} for a period, groups as in LIGHT_GROUPS; with a
    filter, only the projects it matches are assessed (a facet of one county reads that county)."""
    groups: dict[str, set[int]] = {code: set() for code in LIGHT_GROUPS}
    within = None
    if flt is not None:
        from portfolio.queries import select_matching

        within = select_matching(session, flt, [Project.id])
    for state in project_states(session, period, within=within):
        groups[state.light].add(state.id)
        if state.unreported:
            groups["unreported"].add(state.id)
    return groups


def project_states(
    session: Session, period: Period, offices: list[str] | None = None, *, within: sa.Select | None = None
) -> list[ProjectState]:
    """Every tracked project (not 取消; of `within`, a select of project ids, when given) with what
    the rules and rates need for one period, each assessed once (its light and reasons).

    One statement reads the projects with their figures for the period and their locations; the
    loop is lean because it runs once per project (100,000 in a province's database).
    """
    statement = _states_statement(period, session.get_bind().dialect.name)
    if within is not None:
        statement = statement.where(Project.id.in_(within))
    with collector.paused():  # no cycles among the states and rows; 100,000 projects set off full collections
        return _assessed(session, period, plain_rows(session, statement).all(), offices)


def _assessed(
    session: Session, period: Period, rows: Sequence[sa.Row], offices: list[str] | None
) -> list[ProjectState]:
    """The states of `_states_statement`'s rows, each assessed (the projects of `offices` alone when given)."""
    office_of = Offices(session).of_locations
    wanted = set(offices) if offices else None
    sectors = dict(plain_rows(session, sa.select(Sector.code, Sector.label_zh)).all())
    plans = dict(plain_rows(session, sa.select(Plan.id, Plan.key)).all())
    months_after = cache(period.months_after)  # each month worked out once
    states = []
    for (
        project_id,
        code,
        name,
        sector_code,
        plan_id,
        status,
        status_date,
        planned_start,
        planned_end,
        actual_start,
        actual_end,
        annual_plan,
        done,
        reported,
        locations,
    ) in rows:
        if locations is None:  # a project with no location has no office
            continue
        office = office_of(locations)
        if wanted is not None and office.code not in wanted:
            continue
        state = ProjectState(
            project_id,
            code,
            name,
            office.code,
            office.label,
            office.level,
            sector_code,
            sectors[sector_code],
            plans[plan_id],
            status,
            status_date,
            planned_start,
            planned_end,
            actual_start,
            actual_end,
            annual_plan,
            float(done or 0),
            bool(reported),
            months_after(planned_start) if planned_start else None,
            months_after(planned_end) if planned_end else None,
        )
        found = state.found = rules(state, period)
        if found:
            state.light = light_of(found)
        states.append(state)
    return states


def _states_statement(period: Period, dialect: str) -> sa.Select:
    """The tracked projects with ProjectState's columns (sector code and plan id for its names), the
    year's plan, the year's 本期 summed up to the period, whether the period has a counting report,
    and the project's locations (for its office).

    Sectors and plans are named in Python: joining them let SQLite start from the sectors and reach
    the projects in index order, which doubled the time.
    """
    grouped = dialect == "postgresql"
    done, reported, figures = _year_figures(period, grouped=grouped)
    locations, located = project_locations(grouped=grouped)
    statement = (
        sa.select(
            Project.id,
            Project.code,
            Project.name,
            Project.sector_code,
            Project.plan_id,
            Project.status,
            Project.status_date,
            Project.planned_start,
            Project.planned_end,
            Project.actual_start,
            Project.actual_end,
            AnnualPlan.amount,
            done,
            reported,
            locations,
        )
        .outerjoin(AnnualPlan, (AnnualPlan.project_id == Project.id) & (AnnualPlan.year == period.year))
        .where(Project.status.not_in(UNTRACKED))
    )
    for joined in (figures, located):
        if joined is not None:
            statement = statement.outerjoin(joined, joined.c.project_id == Project.id)
    return statement


def _year_figures(period: Period, *, grouped: bool):
    """(the year's 本期 up to the period, the period's counting report, a subquery to join or None).

    Both read ix_period_report_counting alone. SQLite sums each project's entries in a subquery
    per project: grouping the year's reports of every project sorts a million rows (at 100,000
    projects, 10 s against 1.5 s on a shared machine). PostgreSQL is faster with one grouped pass
    (1.0 s against 1.9 s for a subquery per project).
    """
    if grouped:
        figures = (
            sa.select(
                PeriodReport.project_id,
                sa.func.sum(PeriodReport.invest_period).label("done"),
                sa.func.max(sa.case((PeriodReport.period == str(period), 1), else_=0)).label("reported"),
            )
            .where(*_counting(PeriodReport, period), PeriodReport.period >= period.year_start)
            .group_by(PeriodReport.project_id)
            .subquery()
        )
        return figures.c.done, figures.c.reported, figures
    report = aliased(PeriodReport)
    done = (
        sa.select(sa.func.sum(report.invest_period))
        .where(report.project_id == Project.id, *_counting(report, period), report.period >= period.year_start)
        .scalar_subquery()
    )
    reported = (
        sa.select(sa.literal(1))
        .where(report.project_id == Project.id, *_counting(report, period), report.period == str(period))
        .exists()
    )
    return done, reported, None


def _counting(report, period: Period) -> tuple:
    """A report that counts (not retracted), of the period or before."""
    return report.retracted_at.is_(None), report.period <= str(period)


def lights(
    session: Session, period: Period, offices: list[str] | None = None, only: str | None = None
) -> list[LightRow]:
    """Each project's light and reasons, red first; `only` keeps one light (red/yellow/green)."""
    return light_rows(project_states(session, period, offices), only)


def light_rows(states: list[ProjectState], only: str | None = None) -> list[LightRow]:
    """The lights list of assessed states, red first; `only` keeps one light (red/yellow/green)."""
    by_light: dict[str, list[ProjectState]] = {light: [] for light in reversed(LIGHTS)}  # red first
    for state in states:
        by_light[state.light].append(state)
    with collector.paused():
        return [
            LightRow(
                state.code,
                state.name,
                state.office,
                state.status,
                LIGHT_LABELS[light],
                "；".join([reason for _, reason in state.found]) if state.found else "",
            )
            for light, chosen in by_light.items()
            if not only or light == only
            for state in sorted(chosen, key=_BY_CODE)
        ]


_BY_CODE = attrgetter("code")


# --- rates ---------------------------------------------------------------------------------------

BREAKDOWNS = {"county": "县(区)", "sector": "行业", "plan": "规划", "level": "层级"}
# an office's level -> the group of `--by level` (a zone's office reports like a county's)
LEVEL_GROUPS = {
    "county": ("county", "县级"),
    "zone": ("county", "县级"),
    "prefecture": ("prefecture", "市级"),
    "province": ("province", "区级"),
}
TOTAL = "合计"


@dataclass(frozen=True)
class RateRow:
    """The rates of one group of projects in a period: the row of `report summary --by BY`, the
    last row (`group` null) for every project. Tables head `group_label` with the breakdown
    (县(区), 行业 …)."""

    group: str | None = col("分组代码", Kind.CODE)  # office division code, sector code, plan key or level
    group_label: str = col("分组", Kind.LABEL, brief=True)  # office, sector, plan key, level; 合计
    projects: int = col("项目数", Kind.INTEGER, brief=True)
    start_rate: float | None = col("开工率(%)", Kind.NUMBER, brief=True)
    investment_rate: float | None = col("投资完成率(%)", Kind.NUMBER, brief=True)  # of the year's plan
    completion_rate: float | None = col("按期竣工率(%)", Kind.NUMBER, brief=True)
    report_rate: float | None = col("填报率(%)", Kind.NUMBER, brief=True)
    red: int = col("红灯", Kind.INTEGER, brief=True)
    yellow: int = col("黄灯", Kind.INTEGER, brief=True)

    @property
    def is_total(self) -> bool:
        return self.group is None


RATE_FIELDS = ("start_rate", "investment_rate", "completion_rate", "report_rate")


def rate_names() -> dict[str, str]:
    """{key: Chinese label} of the four rates, as RateRow declares them."""
    return {c.key: c.label for c in row_columns(RateRow) if c.key in RATE_FIELDS}


def rate_labels(by: str) -> dict[str, str]:
    """The headers of a rate table by `by` that differ from RateRow's own."""
    return {"group_label": BREAKDOWNS[by]}


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

    @classmethod
    def of(cls, states: list[ProjectState], period: Period) -> _Tally:
        """The counts and sums of a group's states (kept in locals: the loop runs once per project)."""
        due_start = started = due_end = on_time = expected = reported = red = yellow = 0
        planned = done = 0.0
        for state in states:
            status = state.status
            if state.start_late is not None and state.start_late >= 0:
                due_start += 1
                started += status in STARTED or bool(
                    state.actual_start and period.months_after(state.actual_start) >= 0
                )
            if state.annual_plan:
                planned += state.annual_plan
                done += state.year_done
            if state.planned_end and state.end_late is not None and state.end_late >= 0:
                due_end += 1
                finished = state.actual_end or (f"{state.status_date:%Y-%m}" if state.status_date else "")
                on_time += status == "建成" and bool(finished) and finished <= state.planned_end
            if status not in NOT_REPORTING:
                expected += 1
                reported += state.reported
            red += state.light == "red"
            yellow += state.light == "yellow"
        return cls(len(states), due_start, started, planned, done, due_end, on_time, expected, reported, red, yellow)

    def absorb(self, other: _Tally) -> None:
        for name in _TALLY_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def row(self, group: str | None, label: str) -> RateRow:
        return RateRow(
            group,
            label,
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


_GROUP_OF: dict[str, Callable[[ProjectState], tuple[str, str]]] = {  # (code, label)
    "county": attrgetter("office_code", "office"),
    "sector": attrgetter("sector_code", "sector"),
    "plan": lambda state: (state.plan, state.plan),
    "level": lambda state: LEVEL_GROUPS.get(state.office_level, (state.office_level, state.office_level)),
}


def rates_of(states: list[ProjectState], period: Period, by: str) -> list[RateRow]:
    """One row per group, most projects first, then the 合计 row (none when there is no project)."""
    group_of = _GROUP_OF[by]
    members: dict[tuple[str, str], list[ProjectState]] = defaultdict(list)
    for state in states:
        members[group_of(state)].append(state)
    groups = {group: _Tally.of(chosen, period) for group, chosen in members.items()}
    total = _Tally()
    for tally in groups.values():
        total.absorb(tally)
    ordered = sorted(groups.items(), key=lambda item: (-item[1].projects, item[0][1]))
    rows = [tally.row(code, label) for (code, label), tally in ordered]
    return rows + [total.row(None, TOTAL)] if rows else rows
