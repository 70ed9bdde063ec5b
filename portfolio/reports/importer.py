"""Importing filled-in report sheets: check every row of every file, then apply all or nothing.

Idempotent: a row whose values are already recorded records nothing. A corrected sheet for a
period replaces that period's report of its projects; the earlier report stays, retracted.
The caller owns the write transaction; projects are locked (in id order) before their current
values are read, and every decision and write happens in that one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portfolio import collector, fields, vocab
from portfolio.actor import Actor, check_scope
from portfolio.changes import already_recorded
from portfolio.db import chunked, insert_rows, one_of, plain_rows, table_of
from portfolio.errors import DataError, UserInputError
from portfolio.models import PeriodReport, Project, utc_now
from portfolio.reports import sheets
from portfolio.reports.periods import Offices, Period
from portfolio.text import text_problem

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from sqlmodel import Session

REPORT_KEYS = ("invest_period", "invest_cumulative", "progress", "problems")
FIELD_KEYS = (
    "national_code",
    "total_investment",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "responsible_unit",
    "contact",
)
ROW_KEYS = ("code", "status", "status_date", "note", "invest_period", "invest_cumulative", "progress", "problems")
TEXT_KEYS = ("note", "progress", "problems")
MONTH_KEYS = ("planned_start", "planned_end", "actual_start", "actual_end")
TOLERANCE = 0.005  # 万元: rounding in a sheet's arithmetic


class ImportProblems(DataError):
    """Every problem of every file; nothing was imported."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "1 problem found; nothing was imported"
            if len(problems) == 1
            else f"{len(problems)} problems found; nothing was imported"
        )


@dataclass
class SheetSummary:
    file: str
    sheet: str
    period: str
    rows: int
    ignored: list[str]


@dataclass
class ImportResult:
    sheets: list[SheetSummary] = field(default_factory=list)
    status_changes: list = field(default_factory=list)
    field_changes: list = field(default_factory=list)
    reports_new: int = 0
    reports_replaced: int = 0
    unchanged_rows: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.status_changes or self.field_changes or self.reports_new or self.reports_replaced)


@dataclass(slots=True)  # one per row of every sheet
class _Row:
    where: str  # file:sheet:row
    project_id: int
    code: str
    period: Period
    month: str  # the period as YYYY-MM, as stored
    status: str | None = None
    status_date: date | None = None
    note: str | None = None
    report: dict[str, Any] | None = None  # 本期/累计 amounts, 形象进度 and 存在问题 texts
    wanted: dict = field(default_factory=dict)
    annual_key: str | None = None


@dataclass
class _Sheet:
    """A sheet being imported: its data, its period, its column headers and the project key of each row."""

    data: sheets.SheetData
    period: Period
    headers: dict[str, str]
    keys: list[tuple[str, str]]
    where: str  # file:sheet, the start of every row's place

    @cached_property
    def month(self) -> str:
        return str(self.period)

    @cached_property
    def width(self) -> int:
        """Cells of a row padded to the header, plus one always empty (see `at`)."""
        return max(self.data.columns.values(), default=-1) + 2

    @cached_property
    def at(self) -> dict[str, int]:
        """{key: its cell in a padded row}; a key the sheet has no column for reads the last, empty cell."""
        columns = self.data.columns
        return {key: columns.get(key, self.width - 1) for key in (*ROW_KEYS, *FIELD_KEYS, "annual_plan")}

    @cached_property
    def report_cells(self) -> Callable[[list], tuple]:
        """A padded row's cells of 状态, the texts (TEXT_KEYS), 本期 and 累计, in that order."""
        at = self.at
        return itemgetter(*(at[key] for key in ("status", *TEXT_KEYS, "invest_period", "invest_cumulative")))

    @cached_property
    def field_keys(self) -> list[str]:
        """The project fields (and the year's planned investment) this sheet has columns for."""
        columns = self.data.columns
        return [
            key
            for key in (*FIELD_KEYS, "annual_plan")
            if key in columns and (key != "national_code" or "code" in columns)
        ]


def import_files(
    session: Session,
    paths: list[Path],
    *,
    actor: Actor,
    period: Period | None = None,
    offices: list[str] | None = None,
    today: date | None = None,
) -> ImportResult:
    """Check every row of every file; raise ImportProblems listing them all, or apply everything."""
    problems: list[str] = []
    found = []
    with collector.paused():  # thousands of rows, no cycles
        for path in paths:
            try:
                found.append(sheets.read(path))
            except DataError as error:
                problems.append(str(error))
        return _import(session, found, problems, actor=actor, period=period, offices=offices, today=today)


# What a period report entered on its own (the project page of the web front end) may hold.
ENTRY_KEYS = ("status", "status_date", "note", "invest_period", "invest_cumulative", "progress", "problems")


def enter_report(
    session: Session,
    code: str,
    period: Period,
    values: Mapping[str, object],
    *,
    actor: Actor,
    today: date | None = None,
) -> ImportResult:
    """One project's report for a period, checked and recorded exactly as one row of a sheet would be
    (the same checks, idempotence and correction). Keys: ENTRY_KEYS; empty values are left out."""
    from portfolio.queries import get_project

    unknown = sorted(set(values) - set(ENTRY_KEYS))
    if unknown:
        raise UserInputError(f"unknown report values {', '.join(unknown)}; allowed: {', '.join(ENTRY_KEYS)}")
    project = get_project(session, code)
    keys = ["code", *ENTRY_KEYS]
    cells = [project.code, *(values.get(key) for key in ENTRY_KEYS)]
    data = sheets.SheetData(
        Path("填报"),
        project.code,
        1,
        {key: index for index, key in enumerate(keys)},
        None,
        [],
        [(1, cells)],
        {"period": str(period)},
    )
    try:
        return _import(session, [data], [], actor=actor, period=period, offices=None, today=today)
    except ImportProblems as error:  # one row: its problems in one line, without the row's place
        place = f"{data.where}:1: "
        problems = [f"{project.code}: {p.removeprefix(place)}" for p in error.problems]
        refused = UserInputError(f"{project.code}: " + "; ".join(p.removeprefix(place) for p in error.problems))
        refused.problems = problems  # each on its own, for a page that lists them
        raise refused from None


def _import(
    session: Session,
    found: list[sheets.SheetData],
    problems: list[str],
    *,
    actor: Actor,
    period: Period | None,
    offices: list[str] | None,
    today: date | None,
) -> ImportResult:
    today = today or date.today()
    result = ImportResult()
    read: list[_Sheet] = []
    for data in found:
        sheet_period = _sheet_period(data, period, today, problems)
        if sheet_period is None:
            continue
        _check_office(session, data, offices, problems)
        read.append(_Sheet(data, sheet_period, _headers(data), _project_keys(data), data.where))
        result.sheets.append(SheetSummary(data.path.name, data.sheet, str(sheet_period), len(data.rows), data.ignored))

    projects = _projects(session, read)
    ids = sorted({project_id for by_key in projects.values() for project_id, _code in by_key.values()})
    named_rows = _rows_of_projects(read, projects) if actor.kind == "account" else None  # for a refusal
    check_scope(session, actor, ids, rows=named_rows)
    fields.lock_projects(session, ids)  # lock, then read the values the decisions rest on
    office_of = _office_of(session, read, offices, ids)
    rows: list[_Row] = []
    for sheet in read:
        allowed = offices or _stored_offices(sheet.data)
        for (number, cells), named in zip(sheet.data.rows, sheet.keys, strict=True):
            row = _parse_row(session, sheet, number, cells, named, projects, problems)
            if row is None:
                continue
            if allowed and office_of.get(row.project_id) not in allowed:
                problems.append(
                    f"{row.where}: 编号: {row.code} is not a project of the offices given with --county"
                    if offices
                    else f"{row.where}: 编号: {row.code} is not a project of this sheet's office "
                    f"(pass --county to import it for another office)"
                )
                continue
            rows.append(row)
    rows = _drop_repeats(rows, problems, result.warnings)
    current = fields.current_values(session, sorted({row.project_id for row in rows if row.wanted}))
    states = _states(session, rows)
    planned_fields, planned_reports, planned_status = [], [], []
    for row in rows:
        changed = False
        state = states[row.project_id, row.month]
        if row.status and row.status != state.status:
            if row.status_date is None:
                problems.append(
                    f"{row.where}: 状态日期: empty; give the date the status changed to {row.status} "
                    f"(it is never taken to be today)"
                )
            elif row.status_date > today:
                problems.append(f"{row.where}: 状态日期: {row.status_date} is in the future")
            elif not already_recorded(session, row.project_id, row.status, row.status_date, row.note):
                planned_status.append((row, row.status))
                changed = True
        if row.wanted:
            field_changes = _field_changes(row, current, problems)
            planned_fields.extend(field_changes)
            changed |= bool(field_changes)
        if row.report is not None:
            total = row.wanted.get("total_investment", state.total_investment)
            _check_report(row, row.report, state, total, problems, result.warnings)
            if state.existing_id is None or not _same_report(state, row.report):
                planned_reports.append((row, state.existing_id))
                changed = True
        if not changed:
            result.unchanged_rows += 1
    if problems:
        raise ImportProblems(problems)
    _apply(session, actor, planned_status, planned_fields, planned_reports, result, today)
    return result


# --- reading and checking ----------------------------------------------------------------


def _field_changes(row: _Row, current: dict[int, dict], problems: list[str]) -> list[fields.FieldChange]:
    wanted = dict(row.wanted)
    if row.annual_key:
        wanted[row.annual_key] = wanted.pop("annual_plan")
    changes = fields.diff(row.project_id, row.code, current.get(row.project_id, {}), wanted, row.where)
    if changes:
        try:
            fields.check_consistent(current[row.project_id], changes)
        except UserInputError as error:
            problems.append(f"{row.where}: 计划/实际开工竣工: {error}")
    return changes


def _sheet_period(data: sheets.SheetData, period: Period | None, today: date, problems: list[str]) -> Period | None:
    stored = data.meta.get("period")
    if stored:
        stored_period = Period.parse(stored)
        if period is not None and period != stored_period:
            problems.append(f"{data.where}: the sheet is for period {stored_period}, not {period}")
            return None
        if period is None and stored_period != Period.current(today):
            problems.append(
                f"{data.where}: the sheet is for period {stored_period}, not the current period "
                f"{Period.current(today)}; pass --period {stored_period} to import it"
            )
            return None
        return stored_period
    if period is None:
        problems.append(f"{data.where}: the sheet does not say its period; pass --period YYYY-MM")
    return period


def _stored_offices(data: sheets.SheetData) -> list[str] | None:
    stored = data.meta.get("office")
    if not stored or stored == "全部":
        return None
    return [code for code in stored.split(",") if code]


def _check_office(session: Session, data: sheets.SheetData, offices: list[str] | None, problems: list[str]) -> None:
    stored = _stored_offices(data)
    if offices and stored and not set(stored) & set(offices):
        names = Offices(session)
        problems.append(
            f"{data.where}: the sheet is for {'、'.join(names.office(c).label for c in stored)}, "
            f"not {'、'.join(names.office(c).label for c in offices)}"
        )


def _office_of(session: Session, read: list[_Sheet], offices: list[str] | None, ids: list[int]) -> dict[int, str]:
    """{project id: its office}, read only when a sheet is for some offices (--county or its stored office)."""
    if offices or any(_stored_offices(sheet.data) for sheet in read):
        return Offices(session).of_projects(ids)
    return {}


def _project_keys(data: sheets.SheetData) -> list[tuple[str, str]]:
    """(column, key) naming each row's project: our code (编号) as typed, else the national code (项目代码)."""
    if "code" in data.columns:
        index = data.columns["code"]
        return [("code", vocab.fold_code(sheets.cell_text(_cell(cells, index)))) for _, cells in data.rows]
    national = data.columns.get("national_code")
    return [("national", sheets.cell_text(_cell(cells, national)).upper()) for _, cells in data.rows]


_Named = tuple[int, str]  # a project's id and code (a plain tuple: one per row of every sheet)


def _projects(session: Session, read: list[_Sheet]) -> dict[str, dict[str, _Named]]:
    """Projects named in the sheets: by our code (编号) and by national code (项目代码)."""
    wanted: dict[str, set[str]] = {"code": set(), "national": set()}
    for sheet in read:
        for column, key in sheet.keys:
            wanted[column].add(key)
    found: dict[str, dict[str, _Named]] = {"code": {}, "national": {}}
    for column, attribute in (("code", Project.code), ("national", Project.national_code)):
        keys = sorted(key for key in wanted[column] if key)
        if not keys:
            continue
        statement = sa.select(attribute, Project.id, Project.code).where(one_of(session, attribute, keys))
        found[column] = {key: (id_, code) for key, id_, code in plain_rows(session, statement).all()}
    return found


def _rows_of_projects(read: list[_Sheet], projects) -> dict[int, list[str]]:
    """{project id: the file:sheet:row that name it}, for a refusal that names the rows."""
    found: dict[int, list[str]] = {}
    for sheet in read:
        for (number, _), (column, key) in zip(sheet.data.rows, sheet.keys, strict=True):
            match = projects[column].get(key)
            if match is not None:
                found.setdefault(match[0], []).append(f"{sheet.where}:{number}")
    return found


def _cell(cells: list, index: int | None):
    return cells[index] if index is not None and index < len(cells) else None


def _parse_row(
    session, sheet: _Sheet, number: int, cells: list, named: tuple[str, str], projects, problems: list[str]
) -> _Row | None:
    """The row's values, or None after adding its problems (the loop runs once per row of every sheet)."""
    column, code = named
    found = projects[column].get(code)  # empty keys are never looked up (_projects), so never found
    if found is None:
        header = sheet.headers["national_code" if column == "national" else "code"]
        problems.append(f"{sheet.where}:{number}: {header}: " + (f"unknown project {code}" if code else "empty"))
        return None
    data, data_headers, at = sheet.data, sheet.headers, sheet.at
    where = f"{sheet.where}:{number}"
    project_id, project_code = found
    row = _Row(where, project_id, project_code, sheet.period, sheet.month)
    before = len(problems)
    empty = sheet.width - 1  # the cells the sheet's columns name, padded (a missing cell is empty), then one empty
    cells = [*cells[:empty], *[None] * (empty - len(cells)), None]

    def complain(key: str, message: str) -> None:
        header = data_headers.get(key, key)
        problems.append(f"{where}: {header}: {message}")

    cell_text = sheets.cell_text
    status_cell, note_cell, progress_cell, problems_cell, period_cell, cumulative_cell = sheet.report_cells(cells)
    status_text = cell_text(status_cell)
    if status_text:
        try:
            row.status = vocab.resolve_status(status_text)
        except UserInputError as error:
            complain("status", str(error))
    if "status_date" in data.columns:
        row.status_date = _date_cell(
            data, number, data.columns["status_date"], cells[at["status_date"]], complain, "status_date"
        )
    note, progress, problem_text = cell_text(note_cell), cell_text(progress_cell), cell_text(problems_cell)
    row.note = note or None
    if text_problem(note + progress + problem_text):  # one look at the three; a problem names its column
        for key, text in zip(TEXT_KEYS, (note, progress, problem_text), strict=True):
            if problem := text_problem(text):
                complain(key, problem)
    try:
        invest_period = fields.parse_money(period_cell, data_headers["invest_period"])
    except UserInputError as error:
        complain("invest_period", str(error))
        invest_period = None
    try:
        invest_cumulative = fields.parse_money(cumulative_cell, data_headers["invest_cumulative"])
    except UserInputError as error:
        complain("invest_cumulative", str(error))
        invest_cumulative = None
    for key, text in (("progress", progress), ("problems", problem_text)):
        if len(text) > 1024:
            complain(key, f"too long ({len(text)} characters, at most 1024)")
    if invest_period is not None or invest_cumulative is not None or progress or problem_text:
        row.report = {
            "invest_period": invest_period,
            "invest_cumulative": invest_cumulative,
            "progress": progress or None,
            "problems": problem_text or None,
        }
    if sheet.field_keys:
        _parse_fields(session, sheet, number, cells, row, complain)
    return row if len(problems) == before else None


def _parse_fields(session, sheet: _Sheet, number: int, cells: list, row: _Row, complain) -> None:
    """The project fields of a row (and the year's planned investment) into `row.wanted`."""
    data, at = sheet.data, sheet.at
    for key in sheet.field_keys:
        raw = cells[at[key]]
        if key in MONTH_KEYS:
            moment = _date_cell(data, number, data.columns[key], raw, complain, key, required=False)
            raw = moment
            if moment is None:
                continue
        elif raw is None or (isinstance(raw, str) and not raw.strip()):
            continue  # an empty cell leaves the recorded value as it is
        try:
            if key == "annual_plan":  # money, named as the sheet names it (2026年度计划投资(万元))
                year_key = fields.annual_key(data.annual_year or sheet.period.year)
                row.wanted[key] = fields.parse_money(raw, fields.label_of(year_key))
            else:
                row.wanted[key] = fields.parse_value(session, key, raw)
        except UserInputError as error:
            complain(key, str(error))
    if "annual_plan" in row.wanted:
        row.annual_key = fields.annual_key(data.annual_year or sheet.period.year)


def _headers(data: sheets.SheetData) -> dict[str, str]:
    labels = {key: key for key in data.columns}
    labels.update(
        {
            "code": "编号",
            "national_code": "项目代码",
            "status": "状态",
            "status_date": "状态日期",
            "invest_period": "本期完成投资(万元)",
            "invest_cumulative": "累计完成投资(万元)",
            "progress": "形象进度",
            "problems": "存在问题",
            "total_investment": "总投资(万元)",
            "annual_plan": "年度计划投资(万元)",
            "planned_start": "计划开工",
            "planned_end": "计划竣工",
            "actual_start": "实际开工",
            "actual_end": "实际竣工",
            "responsible_unit": "责任单位",
            "contact": "联系人",
            "note": "备注",
        }
    )
    return labels


def _date_cell(
    data: sheets.SheetData, number: int, column: int, raw, complain, key: str, *, required: bool = False
) -> date | None:
    if raw is None and data.formula_at(number, column):
        complain(
            key,
            f"a formula ({data.formula_at(number, column)}) without a saved value; type the date, "
            f"or open and save the file in Excel",
        )
        return None
    try:
        return sheets.cell_date(raw)
    except ValueError:
        complain(key, f"not a date: {raw!r} (use a date cell or YYYY-MM-DD)")
        return None


def _drop_repeats(rows: list[_Row], problems: list[str], warnings: list[str]) -> list[_Row]:
    seen: dict[tuple[int, str], _Row] = {}
    kept = []
    for row in rows:
        key = (row.project_id, row.month)
        first = seen.get(key)
        if first is None:
            seen[key] = row
            kept.append(row)
        elif (first.status, first.status_date, first.report, first.wanted) == (
            row.status,
            row.status_date,
            row.report,
            row.wanted,
        ):
            warnings.append(f"{row.where}: 编号: repeats {first.where} ({row.code}); counted once")
        else:
            problems.append(
                f"{row.where}: 编号: {row.code} is also on {first.where} with other values for {row.period}"
            )
    return kept


class _State(NamedTuple):
    """What a row is decided against: the project's status and 总投资, the period's counting
    report (existing_id and REPORT_KEYS), and the nearest earlier and later counting reports
    that give a 累计完成投资."""

    project_id: int
    status: str
    total_investment: float | None
    existing_id: int | None
    invest_period: float | None
    invest_cumulative: float | None
    progress: str | None
    problems: str | None
    earlier_period: str | None
    earlier_amount: float | None
    later_period: str | None
    later_amount: float | None


def _states(session: Session, rows: list[_Row]) -> dict[tuple[int, str], _State]:
    """{(project id, period): its _State}, read after the projects are locked. One query per period:
    a few index lookups per project rather than its history."""
    ids_by_month: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        ids_by_month[row.month].add(row.project_id)
    latest = plain_rows(session, sa.select(sa.func.max(PeriodReport.period))).scalar() if rows else None
    sqlite = session.get_bind().dialect.name == "sqlite"
    found = {}
    for month, ids in ids_by_month.items():
        # A month after every report recorded (the usual import) has no report to replace or to
        # check against from later: only the earlier 累计 is looked up.
        newest = latest is None or latest < month
        probe = newest and sqlite
        statement = _state_statement(newest=newest, probe=probe)
        statement = statement.where(one_of(session, Project.id, sorted(ids)))
        result = plain_rows(session, statement, {"period": month}).all()  # fetched at once: cheaper than row by row
        for state in _probed_states(result) if probe else map(_State._make, result):
            found[state.project_id, month] = state
    return found


@cache  # aliases and their statements made once: building them costs more than the lookups
def _state_statement(*, newest: bool, probe: bool = False) -> sa.Select:
    """The query of _State; `newest`: for a month after every report recorded (its later fields NULL).

    `probe` (SQLite): the earlier report's period and 累计 come as one text, 'YYYY-MM amount', from
    one probe of ix_period_report_counting, which holds both; a join on the report's id reads the
    table's row as well, and took half the query's time for a 5,000-row sheet (see `_probed_states`).
    `%!.17g`: the amount with all 17 digits, which read back give the stored float (without `!`,
    SQLite's printf stops at 16: 134364.24 came back as 134364.2399999999).
    """
    period = sa.bindparam("period", type_=sa.String)
    existing, earlier, later = (aliased(PeriodReport) for _ in range(3))
    nothing = sa.null()
    if probe:
        report = aliased(PeriodReport)
        nearest = _nearest(
            report, sa.func.printf("%s %!.17g", report.period, report.invest_cumulative), period, before=True
        )
        return sa.select(Project.id, Project.status, Project.total_investment, nearest)
    statement = sa.select(
        Project.id.label("project_id"),
        Project.status,
        Project.total_investment,
        *((nothing,) * 5 if newest else (existing.id, *(getattr(existing, key) for key in REPORT_KEYS))),
        earlier.period,
        earlier.invest_cumulative,
        *((nothing,) * 2 if newest else (later.period, later.invest_cumulative)),
    ).outerjoin_from(Project, earlier, earlier.id == _nearest_cumulative(period, before=True))
    if newest:
        return statement
    return statement.outerjoin_from(
        Project,
        existing,
        (existing.project_id == Project.id) & (existing.period == period) & existing.retracted_at.is_(None),
    ).outerjoin_from(Project, later, later.id == _nearest_cumulative(period, before=False))


def _probed_states(rows: Iterable[sa.Row]) -> Iterator[_State]:
    """The states of the `probe` statement's rows: 'YYYY-MM amount' split in two, later fields empty."""
    for project_id, status, total_investment, probe in rows:
        period, amount = probe.rsplit(" ", 1) if probe is not None else (None, None)
        yield _State(
            project_id,
            status,
            total_investment,
            None,
            None,
            None,
            None,
            None,
            period,
            float(amount) if amount is not None else None,
            None,
            None,
        )


def _nearest_cumulative(period: sa.BindParameter, *, before: bool) -> sa.ScalarSelect:
    """The id of the project's counting report nearest before (or after) the period that gives a 累计."""
    report = aliased(PeriodReport)
    return _nearest(report, report.id, period, before=before)


def _nearest(report, value, period: sa.BindParameter, *, before: bool) -> sa.ScalarSelect:
    """`value` of the project's counting report nearest before (or after) the period that gives a 累计."""
    return (
        sa.select(value)
        .where(
            report.project_id == Project.id,
            report.retracted_at.is_(None),
            report.invest_cumulative.is_not(None),
            report.period < period if before else report.period > period,
        )
        .order_by(report.period.desc() if before else report.period)
        .limit(1)
        .scalar_subquery()
    )


def _check_report(row: _Row, report: dict[str, Any], state, total, problems: list[str], warnings: list[str]) -> None:
    """Problems for a cumulative that goes backwards or does not add up, a warning above 总投资."""
    cumulative, this_period = report["invest_cumulative"], report["invest_period"]
    if cumulative is None:
        return
    earlier, later = state.earlier_period, state.later_period
    where = f"{row.where}: 累计完成投资(万元)"
    if earlier is not None and cumulative < state.earlier_amount - TOLERANCE:
        problems.append(
            f"{where}: {fields.as_text(cumulative)} is less than "
            f"{fields.as_text(state.earlier_amount)} reported for {earlier}"
        )
    elif later is not None and cumulative > state.later_amount + TOLERANCE:
        problems.append(
            f"{where}: {fields.as_text(cumulative)} is more than "
            f"{fields.as_text(state.later_amount)} reported for {later}"
        )
    elif this_period is not None:
        if earlier is not None and earlier == _previous_month(row.month):
            if abs(state.earlier_amount + this_period - cumulative) > TOLERANCE:
                problems.append(
                    f"{where}: {fields.as_text(cumulative)} is not {earlier}'s "
                    f"{fields.as_text(state.earlier_amount)} + 本期 {fields.as_text(this_period)}"
                )
        elif earlier is None and this_period > cumulative + TOLERANCE:
            problems.append(f"{where}: {fields.as_text(cumulative)} is less than 本期 {fields.as_text(this_period)}")
    if total is not None and cumulative > total + TOLERANCE:
        warnings.append(
            f"{where}: {fields.as_text(cumulative)} is above 总投资 {fields.as_text(total)} ({row.code}); check the row"
        )


@cache
def _previous_month(month: str) -> str:
    return str(Period.parse(month).previous())


def _same_report(existing, report: dict) -> bool:
    def same(a, b):
        if isinstance(a, float) and isinstance(b, float):
            return abs(a - b) < 1e-9
        return a == b

    return all(same(getattr(existing, key), report[key]) for key in REPORT_KEYS)


# --- applying --------------------------------------------------------------------------------


def _apply(
    session: Session,
    actor: Actor,
    planned_status: list[tuple[_Row, str]],
    planned_fields: list,
    planned_reports: list,
    result: ImportResult,
    today: date,
) -> None:
    from portfolio.changes import set_status

    for row, status in planned_status:
        result.status_changes.append(
            set_status(
                session,
                row.code,
                status,
                effective_date=row.status_date,
                note=row.note or f"{row.period} 调度表",
                actor=actor,
            )
        )
    fields.write_changes(session, planned_fields, actor=actor, effective_date=today, note="调度表")
    result.field_changes = planned_fields
    now = utc_now()
    report_values = itemgetter(*REPORT_KEYS)
    replaced = [existing_id for _, existing_id in planned_reports if existing_id is not None]
    for part in chunked(replaced):
        session.execute(
            sa.update(PeriodReport)
            .where(PeriodReport.id.in_(part))
            .values(retracted_at=now, retracted_by=actor.stored, retraction_note="更正：由新表替换")
        )
    insert_rows(
        session,
        table_of(PeriodReport),
        {"actor": actor.stored, "address": actor.address, "recorded_at": now},
        ("project_id", "period", "source", *REPORT_KEYS),
        ((row.project_id, row.month, row.where[:512], *report_values(row.report)) for row, _ in planned_reports),
    )
    result.reports_replaced = len(replaced)
    result.reports_new = len(planned_reports) - len(replaced)
