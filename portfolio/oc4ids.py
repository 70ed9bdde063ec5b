"""Export projects as an OC4IDS 0.9 project package.

Programmes are not OC4IDS projects: they are not exported as projects. `relatedProjects`
carries only the curated links (seeds/links/): the programme a project is a part of
(relationship `programme`) and the other listings of the same work (relationship `sameWork`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portfolio import __version__, vocab
from portfolio.models import Division, PeriodReport, Plan, Project, ProjectDivision, ProjectLink, Sector, StatusEvent
from portfolio.queries import ProjectFilter, count_projects, select_matching

if TYPE_CHECKING:
    from sqlmodel import Session

ID_PREFIX = "portfolio-"
GAZETTEER = "GB/T 2260"
PROGRAMME_SCHEME = "x-portfolio-programme"


def package(session: Session, flt: ProjectFilter, limit: int | None = None) -> dict:
    projects = list(projects_of(session, flt, limit))
    return {
        "uri": "urn:portfolio:oc4ids:" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "publishedDate": _now(),
        "publisher": {"name": f"portfolio {__version__}"},
        "version": "0.9",
        "projects": projects,
    }


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def programmes_left_out(session: Session, flt: ProjectFilter) -> int:
    """How many programmes the filter matches: OC4IDS describes projects, so a programme is named in
    its parts' relatedProjects instead of being exported."""
    kind = vocab.ProjectKind.PROGRAMME.value
    if flt.kinds and kind not in flt.kinds:
        return 0
    return count_projects(session, ProjectFilter(**{**flt.__dict__, "kinds": [kind]}))


def projects_of(session: Session, flt: ProjectFilter, limit: int | None = None) -> Iterator[dict]:
    """Projects only: programmes are linked from them (relatedProjects), not exported."""
    kind = vocab.ProjectKind.PROJECT.value
    if flt.kinds and kind not in flt.kinds:
        return
    only_projects = ProjectFilter(**{**flt.__dict__, "kinds": [kind]})
    columns = (
        Project.id,
        Project.code,
        Project.name,
        Project.status,
        Project.build_type,
        Project.quantity,
        Project.total_investment,
        Project.start_year,
        Project.end_year,
        Project.national_code,
        Project.column_id,
        Project.group_label,
        Project.note,
        Sector.oc4ids,
        Sector.label_zh,
        Plan.title,
        Plan.period_start,
        Plan.period_end,
        Project.planned_start,
        Project.planned_end,
        Project.actual_start,
        Project.actual_end,
        Project.status_date,
    )
    statement = select_matching(session, only_projects, columns, order_by=(Project.code,))
    rows = session.execute(statement.limit(limit)).all()
    ids = [row.id for row in rows]
    locations = _locations(session, ids)
    related = _related(session, ids)
    reports = _reports(session, ids)
    before_suspension = _status_before_suspension(session, [row.id for row in rows if row.status == "暂缓"])
    for row in rows:
        project = _project(row, locations.get(row.id, []), related.get(row.id, []))
        _add_progress(project, row, reports.get(row.id, []), before_suspension.get(row.id))
        yield project


def _locations(session: Session, ids: list[int]) -> dict[int, list[Division]]:
    found: dict[int, list[Division]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        statement = (
            sa.select(ProjectDivision.project_id, Division)
            .join(Division, Division.code == ProjectDivision.division_code)
            .where(ProjectDivision.project_id.in_(part))
        )
        for project_id, division in session.execute(statement):
            found[project_id].append(division)
    return found


def _related(session: Session, ids: list[int]) -> dict[int, list[dict]]:
    """The curated links of each project, in both directions for the same work."""
    other = sa.orm.aliased(Project)
    found: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        for mine, theirs in (
            (ProjectLink.project_id, ProjectLink.target_id),
            (ProjectLink.target_id, ProjectLink.project_id),
        ):
            statement = (
                sa.select(mine, ProjectLink.relation, other.code, other.name, other.kind)
                .join(other, other.id == theirs)
                .where(mine.in_(part))
                .order_by(mine, other.code)
            )
            for project_id, relation, code, name, kind in session.execute(statement):
                if relation == "part_of" and mine is ProjectLink.target_id:
                    continue  # a project has no parts worth exporting (programmes are not exported)
                found[project_id].append(_relation(relation, code, name, kind))
    return found


def _relation(relation: str, code: str, name: str, kind: str) -> dict:
    if kind == "programme":
        scheme, identifier = PROGRAMME_SCHEME, code
    else:
        scheme, identifier = "oc4ids", ID_PREFIX + code
    return {
        "scheme": scheme,
        "identifier": identifier,
        "relationship": "programme" if relation == "part_of" else "sameWork",
        "title": name,
    }


def _project(row, divisions: list[Division], related: list[dict]) -> dict:
    project = {
        "id": ID_PREFIX + row.code,
        "title": row.name,
        "description": f"{row.title}；{row.group_label or ''}".rstrip("；"),
        "sector": [row.oc4ids],
        "locations": [
            {
                "id": str(index),
                "description": division.name,
                "gazetteer": {"scheme": GAZETTEER, "identifiers": [division.code]},
            }
            for index, division in enumerate(sorted(divisions, key=lambda d: d.code), start=1)
        ],
        "period": _period(row.start_year or row.period_start, row.end_year or row.period_end),
    }
    status = vocab.Status.of(row.status).oc4ids
    if status:
        project["status"] = status
    if row.build_type:
        project["type"] = vocab.BuildType.of(row.build_type).oc4ids
    if row.total_investment is not None:
        project["budget"] = {"amount": {"amount": row.total_investment * 10_000, "currency": "CNY"}}
    if row.national_code:
        project["identifiers"] = [{"id": row.national_code, "scheme": "CN-GB/T 40058"}]
    if related:
        project["relatedProjects"] = [{"id": str(index), **relation} for index, relation in enumerate(related, start=1)]
    return project


def _period(start: int, end: int) -> dict:
    return {"startDate": f"{start}-01-01T00:00:00Z", "endDate": f"{end}-12-31T23:59:59Z"}


# --- progress: actual periods, completion, investment metrics, 暂缓 ------------------------------

MONEY_FACTOR = 10_000  # 万元 -> CNY


def _reports(session: Session, ids: list[int]) -> dict[int, list[tuple[str, float]]]:
    """(period, 累计完成投资) of the counting reports, in period order."""
    found: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        statement = (
            sa.select(PeriodReport.project_id, PeriodReport.period, PeriodReport.invest_cumulative)
            .where(
                PeriodReport.project_id.in_(ids[start : start + 900]),
                PeriodReport.retracted_at.is_(None),
                PeriodReport.invest_cumulative.is_not(None),
            )
            .order_by(PeriodReport.period)
        )
        for project_id, period, cumulative in session.execute(statement):
            found[project_id].append((period, cumulative))
    return found


def _status_before_suspension(session: Session, ids: list[int]) -> dict[int, str]:
    """The last status other than 暂缓 that counts, for suspended projects."""
    found: dict[int, str] = {}
    for start in range(0, len(ids), 900):
        statement = (
            sa.select(StatusEvent.project_id, StatusEvent.status)
            .where(
                StatusEvent.project_id.in_(ids[start : start + 900]),
                StatusEvent.retracted_at.is_(None),
                StatusEvent.status != "暂缓",
            )
            .order_by(StatusEvent.effective_date, StatusEvent.id)
        )
        for project_id, status in session.execute(statement):
            found[project_id] = status
    return found


def _month_start(month: str) -> str:
    return f"{month}-01T00:00:00Z"


def _month_end(month: str) -> str:
    import calendar

    year, number = map(int, month.split("-"))
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}T23:59:59Z"


def _add_progress(project: dict, row, reports: list[tuple[str, float]], before_suspension: str | None) -> None:
    if row.planned_start or row.planned_end:
        planned = project["period"]
        if row.planned_start:
            planned["startDate"] = _month_start(row.planned_start)
        if row.planned_end:
            planned["endDate"] = _month_end(row.planned_end)
    if row.actual_start or row.actual_end:
        actual = {}
        if row.actual_start:
            actual["startDate"] = _month_start(row.actual_start)
        if row.actual_end:
            actual["endDate"] = _month_end(row.actual_end)
        project["implementationPeriod"] = actual
    if row.status == vocab.Status.COMPLETION:
        completion: dict[str, object] = {
            "endDate": _month_end(row.actual_end)
            if row.actual_end
            else f"{row.status_date.isoformat()}T00:00:00Z"
            if row.status_date
            else None
        }
        if reports:
            completion["finalValue"] = {"amount": reports[-1][1] * MONEY_FACTOR, "currency": "CNY"}
        project["completion"] = {k: v for k, v in completion.items() if v is not None}
    if row.status == vocab.Status.SUSPENDED:
        code = vocab.Status.of(before_suspension or vocab.Status.IDENTIFICATION).oc4ids
        if code:
            project["status"] = code
        project["description"] = f"{project['description']}（暂缓）"
    if reports:
        project["metrics"] = [
            {
                "id": "investment",
                "title": "累计完成投资",
                "description": "Investment completed since the start of construction, as reported for each month",
                "observations": [
                    {
                        "id": period,
                        "period": {"startDate": _month_start(period), "endDate": _month_end(period)},
                        "value": {"amount": cumulative * MONEY_FACTOR, "currency": "CNY"},
                    }
                    for period, cumulative in reports
                ],
            }
        ]
