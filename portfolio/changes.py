"""The write side for users: status updates, one at a time or from a sheet.

The caller owns the transaction (db.session_scope(engine, write=True)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portfolio import vocab
from portfolio.actor import Actor, check_scope
from portfolio.errors import DataError, UserInputError
from portfolio.models import Project, StatusEvent, id_of, utc_now
from portfolio.queries import get_project
from portfolio.text import check_text, text_problem

if TYPE_CHECKING:
    from sqlmodel import Session

MAX_NOTE = 1024
MAX_SHEET_ROWS = 100_000
MAX_SHEET_COLUMNS = 64  # the columns looked at; a status sheet needs four


@dataclass(frozen=True)
class StatusChange:
    code: str
    status: str  # the status recorded
    effective_date: date
    note: str | None
    previous: str | None = None  # the current status before, read under the project's row lock
    current: str | None = None  # the current status after: not `status` when the event is back-dated
    event_id: int | None = None
    recorded: bool = True  # False when the update repeated the latest event's status, date and note

    def describe(self) -> str:
        when = self.effective_date.isoformat()
        if not self.recorded:
            return f"{self.code}: already {self.status} since {when}; nothing recorded"
        if self.current != self.status:
            return (
                f"{self.code}: recorded {self.status} ({when}) in the history; "
                f"the current status stays {self.current} (a later event)"
            )
        return f"{self.code}: {self.previous} → {self.status} ({when})"


def parse_date(value: str | date | datetime | None, *, default: date | None = None) -> date:
    if value in (None, ""):
        return default or date.today()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = vocab.fold_input(str(value)).replace("/", "-").replace(".", "-").removesuffix("日")
    text = text.replace("年", "-").replace("月", "-")
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise UserInputError(f"bad date {value!r}: use YYYY-MM-DD") from None


def lock_projects(session: Session, codes: list[str], *, skip_unknown: bool = False) -> dict[str, Project]:
    """Lock the projects' rows for this transaction, in id order, and return them as they are now.

    Every user write locks the rows it changes before it reads them, always in id order
    (fields.lock_projects): two writers of overlapping projects then queue instead of
    deadlocking, and what a writer reads (the previous status, whether a row repeats the current
    one) is what it writes over. Unknown codes raise UserInputError (with a "did you mean" hint),
    or with `skip_unknown` are left out for the caller to report.
    """
    from portfolio.fields import lock_projects as lock_rows

    wanted = {vocab.fold_code(check_text(code, "the project code")) for code in codes}
    if not wanted:
        return {}
    found = session.execute(sa.select(Project.id, Project.code).where(Project.code.in_(wanted))).all()
    if not skip_unknown:
        for code in sorted(wanted - {row.code for row in found}):
            get_project(session, code)  # raises with a hint
    ids = [row.id for row in found]
    lock_rows(session, ids)
    projects = session.execute(
        sa.select(Project).where(Project.id.in_(ids)).execution_options(populate_existing=True)
    ).scalars()
    return {project.code: project for project in projects}


def set_status(
    session: Session,
    code: str,
    status: str,
    *,
    effective_date: date | None = None,
    note: str | None = None,
    origin: str = vocab.Origin.USER.value,
    actor: Actor | None = None,
) -> StatusChange:
    """Record a status event and make the project's current status the latest event's."""
    label = vocab.resolve_status(status)
    when = effective_date or date.today()
    check_event(when, note)
    project = next(iter(lock_projects(session, [code]).values()))
    if actor is not None:
        check_scope(session, actor, [id_of(project)])
    _check_plan_date(session, project, when)
    return _record_status(session, project, label, when, note, origin, actor)


def _record_status(
    session: Session,
    project: Project,
    label: str,
    when: date,
    note: str | None,
    origin: str,
    actor: Actor | None = None,
) -> StatusChange:
    """The write itself; the caller holds the project's row lock (lock_projects)."""
    previous = project.status
    project_id = id_of(project)
    if already_recorded(session, project_id, label, when, note):
        return StatusChange(project.code, label, when, note or None, previous, previous, recorded=False)
    event_id = session.execute(
        sa.insert(StatusEvent)
        .returning(StatusEvent.id)
        .values(
            project_id=project_id,
            status=label,
            effective_date=when,
            note=note or None,
            recorded_at=utc_now(),
            origin=origin,
            actor=actor.stored if actor else None,
            address=actor.address if actor else None,
        )
    ).scalar_one()
    current = refresh_current_status(session, project_id)
    session.expire(project)
    return StatusChange(project.code, label, when, note or None, previous, current, event_id)


def _check_plan_date(session: Session, project: Project, when: date) -> None:
    from portfolio.models import Plan

    plan = session.get_one(Plan, project.plan_id)
    if plan.issued and when < plan.issued:
        raise UserInputError(
            f"date {when.isoformat()} is before {plan.key} was issued ({plan.issued.isoformat()}): "
            f"a status of {project.code} dates from then on"
        )


def already_recorded(session: Session, project_id: int, status: str, when: date, note: str | None = None) -> bool:
    """An event that counts already says this (status and date, and the note when one is given): a
    sheet filled from last month's template says again what the history holds, even after a later
    change, and importing it must add nothing."""
    same = sa.select(StatusEvent.id).where(
        StatusEvent.project_id == project_id,
        StatusEvent.retracted_at.is_(None),
        StatusEvent.status == status,
        StatusEvent.effective_date == when,
    )
    if note:
        same = same.where(StatusEvent.note == note)
    return session.execute(same.limit(1)).first() is not None


def check_event(when: date, note: str | None) -> None:
    if note:
        check_text(note, "the note")
    if when > date.today():
        raise UserInputError(f"date {when.isoformat()} is in the future")
    if note and len(note) > MAX_NOTE:
        raise UserInputError(f"note is too long ({len(note)} characters, at most {MAX_NOTE})")


def refresh_current_status(session: Session, project_id: int) -> str:
    """The latest event that counts (not retracted) becomes the project's current status."""
    latest = (
        sa.select(StatusEvent.status, StatusEvent.effective_date)
        .where(StatusEvent.project_id == project_id, StatusEvent.retracted_at.is_(None))
        .order_by(StatusEvent.effective_date.desc(), StatusEvent.id.desc())
        .limit(1)
    )
    status, effective = session.execute(latest).one()
    session.execute(sa.update(Project).where(Project.id == project_id).values(status=status, status_date=effective))
    return status


# --- status sheets ------------------------------------------------------------------

COLUMN_NAMES = {
    "code": ("code", "项目编号", "编号", "项目代码", "代码"),
    "status": ("status", "状态", "项目状态", "进度"),
    "date": ("date", "日期", "生效日期", "状态日期", "effective_date", "status_date"),
    "note": ("note", "备注", "说明"),
}


@dataclass(frozen=True)
class SheetRow:
    line: int
    code: str
    status: str
    date: str
    note: str


def read_sheet(path: Path) -> list[SheetRow]:
    """Rows of a status sheet (.csv/.tsv/.txt in UTF-8, GBK or UTF-16; or .xlsx)."""
    if not path.is_file():
        raise UserInputError(f"{'not a file' if path.exists() else 'file not found'}: {path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _xlsx_rows(path)
    elif suffix in (".csv", ".txt", ".tsv"):
        from portfolio.reports.sheets import text_rows

        table = text_rows(path)
    else:
        raise UserInputError(f"{path}: unsupported sheet type {suffix or '(none)'}; use .csv, .tsv or .xlsx")
    return _sheet_rows(path, table)


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    """The first visible worksheet's rows (cached values of formulas; merged cells read once)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a bad file
        raise DataError(f"{path}: not a readable .xlsx workbook ({type(error).__name__})") from None
    try:
        sheets = [s for s in workbook.worksheets if s.sheet_state == "visible"] or workbook.worksheets
        if not sheets:
            raise DataError(f"{path}: the workbook has no worksheet")
        sheet = sheets[0]
        sheet.reset_dimensions()  # a declared size of 1,048,576 rows is not read cell by cell
        rows = []
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True), start=1):
            if number > MAX_SHEET_ROWS:
                raise DataError(f"{path}: more than {MAX_SHEET_ROWS:,} rows; split the sheet")
            rows.append((number, [_cell_text(v) for v in values]))
        return rows
    except DataError:
        raise
    except Exception as error:  # a damaged part inside an otherwise valid zip
        raise DataError(f"{path}: not a readable .xlsx workbook ({type(error).__name__})") from None
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)


def _sheet_rows(path: Path, table: list[tuple[int, list[str]]]) -> list[SheetRow]:
    table = [(n, row) for n, row in table if any(cell.strip() for cell in row)]
    if not table:
        raise DataError(f"{path}: the sheet is empty")
    header_line, header = table[0]
    positions = {}
    headings = [heading.strip().lower() for heading in header]
    for key, names in COLUMN_NAMES.items():
        # names in order of preference: an export of `projects list` has both 编号 and 项目代码 (the national code)
        found = next((name for name in names if name in headings), None)
        if found is not None:
            positions[key] = headings.index(found)
    missing = [k for k in ("code", "status") if k not in positions]
    if missing:
        raise DataError(
            f"{path}:{header_line}: header needs columns {', '.join(missing)} "
            f"(e.g. code,status,date,note or 项目编号,状态,日期,备注)"
        )

    def cell(row: list[str], key: str) -> str:
        index = positions.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    return [
        SheetRow(n, cell(row, "code"), cell(row, "status"), cell(row, "date"), cell(row, "note"))
        for n, row in table[1:]
    ]


@dataclass(frozen=True)
class SheetImport:
    changes: list[StatusChange]
    unchanged: int  # rows that repeat a project's current status (an exported list sent back as is)


def import_sheet(session: Session, path: Path, *, actor: Actor | None = None) -> SheetImport:
    """Validate every row, then apply them all (or, on any error, none).

    The sheet's projects are locked first, so rows are judged against the status they will change.
    A row that repeats the project's latest status event (same status, and the same date and
    note where the row gives them) records nothing, so importing a sheet twice changes nothing.
    """
    rows = read_sheet(path)
    codes = [row.code for row in rows if row.code and not text_problem(row.code)]  # bad ones: reported per row
    projects = lock_projects(session, codes, skip_unknown=True)
    if actor is not None:
        rows_of: dict[int, list[str]] = {}
        for row in rows:
            project = projects.get(vocab.fold_code(row.code)) if row.code and not text_problem(row.code) else None
            if project is not None:
                rows_of.setdefault(id_of(project), []).append(f"{path}:{row.line}")
        check_scope(session, actor, [id_of(project) for project in projects.values()], rows=rows_of)
    problems, planned, unchanged = [], [], 0
    for row in rows:
        try:
            bad = [
                f"{key} {problem}"
                for key, problem in (
                    ("code", text_problem(row.code)),
                    ("status", text_problem(row.status)),
                    ("date", text_problem(row.date)),
                )
                if problem
            ]
            if bad:
                raise UserInputError(bad[0])
            if not row.code:
                raise UserInputError("missing project code")
            project = projects.get(vocab.fold_code(row.code)) or get_project(session, row.code)
            status, when = vocab.resolve_status(row.status), parse_date(row.date) if row.date else None
            check_event(when or date.today(), row.note)
            _check_plan_date(session, project, when or date.today())
            if when is None:
                latest = _latest_event(session, id_of(project))
                repeated = status == latest.status and (row.note or None) in (None, latest.note)
            else:
                repeated = already_recorded(session, id_of(project), status, when, row.note)
            if repeated:
                unchanged += 1
                continue
            planned.append((project, status, when or date.today(), row.note or None))
        except UserInputError as error:
            problems.append(f"{path}:{row.line}: {error}")
    if problems:
        raise SheetError(problems)
    return SheetImport(
        [
            _record_status(session, project, status, when, note, vocab.Origin.USER.value, actor)
            for project, status, when, note in planned
        ],
        unchanged,
    )


def _latest_event(session: Session, project_id: int):
    return session.execute(
        sa.select(StatusEvent.status, StatusEvent.effective_date, StatusEvent.note)
        .where(StatusEvent.project_id == project_id, StatusEvent.retracted_at.is_(None))
        .order_by(StatusEvent.effective_date.desc(), StatusEvent.id.desc())
        .limit(1)
    ).one()


class SheetError(DataError):
    """Every bad row of a sheet; the message names the first and counts the rest."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = {1: "", 2: " (and 1 more problem)"}.get(len(problems), f" (and {len(problems) - 1} more problems)")
        super().__init__(problems[0] + more)
