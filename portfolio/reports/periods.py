"""Reporting periods (months, 'YYYY-MM') and offices (who reports a project).

An office is a division: a county office reports the projects located in its county
alone; a prefecture's city bureau (市级) reports items at its own level (市直) and those
spanning several of its counties; items spanning several prefectures fall to the
province. So every project has exactly one office: the lowest division that contains all
its locations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache, cached_property, lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portfolio import vocab
from portfolio.db import IN_LIST_SIZE, chunked, plain_rows
from portfolio.errors import UserInputError
from portfolio.models import Division, PeriodReport, Project, ProjectDivision

if TYPE_CHECKING:
    from sqlmodel import Session

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")
LEVEL_NAMES = {"县级": "county", "市级": "prefecture", "区级": "province", "省级": "province"}
OFFICE_SUFFIX = {"prefecture": "(市级)", "province": "(区级)"}
PARTITION_ROWS = 10_000  # rows fetched at a time when reading every location: row by row costs twice as much


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(str(text))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise UserInputError(f"bad period {text!r}: use YYYY-MM (e.g. 2026-11)")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def assessed(cls, text: str | None, today: date | None = None) -> Period:
        """The period lights and rates are for: this month when not given, never a later one (a
        light then would count months overdue that have not come)."""
        now = cls.current(today)
        if not text:
            return now
        period = cls.parse(text)
        if period > now:
            raise UserInputError(f"period {period} has not come yet: give {now} or earlier")
        return period

    @classmethod
    def current(cls, today: date | None = None) -> Period:
        today = today or date.today()
        return cls(today.year, today.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @cached_property  # lights and rates compare it with several months of every project
    def index(self) -> int:
        """Months since year 0: differences are month counts."""
        return self.year * 12 + self.month - 1

    def months_after(self, month_text: str) -> int:
        """How many months this period is after a 'YYYY-MM' month (negative if before)."""
        return self.index - _month_index(month_text)

    @property
    def year_start(self) -> str:
        return f"{self.year:04d}-01"

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)


@lru_cache(maxsize=4096)
def _month_index(month_text: str) -> int:
    """Lights and rates compare every project's months with the period: parse each text once."""
    return Period.parse(month_text).index


@dataclass(frozen=True)
class Office:
    code: str
    name: str
    level: str  # county | prefecture | province | zone

    @cached_property  # read once per project by lights and rates
    def label(self) -> str:
        return self.name + OFFICE_SUFFIX.get(self.level, "")


class Offices:
    """The office of every project, computed from its locations and the gazetteer."""

    def __init__(self, session: Session):
        rows = plain_rows(session, sa.select(Division.code, Division.name, Division.level, Division.parent_code)).all()
        # a name two counties share is shown with its prefecture, so rates by office never merge them
        names = vocab.division_names((code, name, parent) for code, name, _, parent in rows)
        self.divisions = {code: Office(code, names[code], level) for code, _, level, _ in rows}
        self.parent = {code: parent for code, _, _, parent in rows}
        self.session = session
        self.of_locations = cache(self._office_of_locations)

    def chain(self, code: str) -> list[str]:
        found = []
        current: str | None = code
        while current:
            found.append(current)
            current = self.parent.get(current)
        return found

    def common(self, codes: list[str]) -> str:
        if len(codes) == 1:
            return codes[0]
        chains = [self.chain(code) for code in codes]
        shared = set(chains[0]).intersection(*map(set, chains[1:]))
        for code in chains[0]:
            if code in shared:
                return code
        return chains[0][-1]

    def of_projects(self, project_ids: list[int] | None = None) -> dict[int, str]:
        """{project id: office division code}; all projects when no ids are given."""
        statement = sa.select(ProjectDivision.project_id, ProjectDivision.division_code)
        links: dict[int, list[str]] = defaultdict(list)
        if project_ids is None or len(project_ids) > 10 * IN_LIST_SIZE:  # one pass beats many IN lists
            wanted = None if project_ids is None else set(project_ids)
            for part in plain_rows(self.session, statement).partitions(PARTITION_ROWS):
                for project_id, code in part:
                    if wanted is None or project_id in wanted:
                        links[project_id].append(code)
        else:
            for part in chunked(project_ids):
                for project_id, code in plain_rows(self.session, statement.where(ProjectDivision.project_id.in_(part))):
                    links[project_id].append(code)
        return {project_id: self.common(codes) for project_id, codes in links.items()}

    def office(self, code: str) -> Office:
        return self.divisions[code]

    def _office_of_locations(self, codes: str) -> Office:
        """The office of a project's division codes joined by commas, as `project_locations` reads
        them (`of_locations` works out each combination once)."""
        return self.office(self.common(sorted(codes.split(","))))


def project_locations(*, grouped: bool) -> tuple[sa.ColumnElement, sa.Subquery | None]:
    """Each project's division codes joined by commas (null when it has none), for
    Offices.of_locations: (the column, and a subquery to outer-join on its project_id or None).

    Read with the projects, the locations cost a fraction of reading them apart and grouping them
    in Python (1 s at 100,000 projects). SQLite reads them per project; PostgreSQL is faster with
    one grouped pass (grouped=True).
    """
    codes = sa.func.aggregate_strings(ProjectDivision.division_code, ",")
    if not grouped:
        return sa.select(codes).where(ProjectDivision.project_id == Project.id).scalar_subquery(), None
    located = (
        sa.select(ProjectDivision.project_id, codes.label("codes")).group_by(ProjectDivision.project_id).subquery()
    )
    return located.c.codes, located


def resolve_offices(session: Session, counties: list[str], level: str | None) -> list[str] | None:
    """Office division codes for --county values and/or --level (县级/市级/区级); None means every office."""
    from portfolio.queries import resolve_divisions
    from portfolio.vocab import split_list

    codes = resolve_divisions(session, split_list(counties)) if counties else []  # 江孜,芒康 or 江孜、芒康 too
    if level:
        wanted = LEVEL_NAMES.get(level.strip())
        if wanted is None:
            raise UserInputError(f"unknown level {level!r}; allowed: {', '.join(LEVEL_NAMES)}")
        levels = {"county": ("county", "zone")}.get(wanted, (wanted,))
        of_level = (
            session.execute(sa.select(Division.code).where(Division.level.in_(levels)).order_by(Division.code))
            .scalars()
            .all()
        )
        codes = [c for c in codes if c in of_level] if codes else list(of_level)
        if not codes:
            raise UserInputError(f"none of the counties given is a {level} office")
    return codes or None


def reported_periods(session: Session) -> list[Period]:
    """The periods with at least one report that counts, newest first."""
    found = session.execute(
        sa.select(PeriodReport.period).where(PeriodReport.retracted_at.is_(None)).distinct()
    ).scalars()
    return sorted((Period.parse(text) for text in found), reverse=True)
