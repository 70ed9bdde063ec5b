"""portfolio projects …: list, search, show, history, set-status."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from portfolio.cli._context import app_context, friendly_errors, note, say
from portfolio.cli._options import (
    ColumnOption,
    ColumnsOption,
    CountyOption,
    ForceOption,
    FormatOption,
    KindOption,
    LevelOption,
    LimitOption,
    OutputOption,
    PlanOption,
    PrefectureOption,
    SearchOption,
    SectorOption,
    StatusOption,
    TierOption,
)
from portfolio.cli._output import atomic_output, check_output_path, emit
from portfolio.errors import UserInputError
from portfolio.i18n import plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from portfolio.queries import ProjectFilter

projects_app = typer.Typer(no_args_is_help=True, help="Find projects, show them, and record their progress.")

SortOption = Annotated[
    str,
    typer.Option(
        "--sort",
        help="code, name or county (pinyin order), sector, status (lifecycle order), plan or date (newest first).",
    ),
]


def build_filter(session: Session, **options: Any) -> ProjectFilter:
    """Options as typed -> the library's ProjectFilter; what the library notes goes to stderr."""
    from portfolio import views

    notes: list[str] = []
    flt = views.build_filter(session, notes=notes, **options)
    for text in notes:
        note(text)
    return flt


def run_list(ctx, *, fmt, output, force, sort, limit, columns=None, **filters) -> None:
    from portfolio import queries
    from portfolio.render import TableShape
    from portfolio.rows import ProjectRow
    from portfolio.views import PROJECT_TABLE_FIRST

    with app_context(ctx).session() as session:
        flt = build_filter(session, **filters)
        if fmt == "oc4ids":
            _write_oc4ids(session, flt, limit, output, force)
            return
        rows: Iterable[ProjectRow] = queries.list_projects(session, flt, sort=sort, limit=limit)
        total = None
        if fmt == "table" and output is None and limit is not None:  # a table says how many matched: `显示 3 / 19`
            shown = list(rows)
            total = queries.count_projects(session, flt) if len(shown) == limit else None
            rows = shown
        emit(
            rows,
            ProjectRow,
            fmt,
            output,
            force=force,
            title="项目",
            empty_message="no matching projects",
            shorten=fmt == "table",
            select=columns,
            shape=TableShape(first=PROJECT_TABLE_FIRST, total=total),
        )


def _write_oc4ids(session, flt, limit, output, force) -> None:
    from portfolio import oc4ids, render

    check_output_path(output, force)
    if output is not None and output.suffix.lower() != ".json":
        raise UserInputError(f"an OC4IDS package is JSON: name the file .json, not {output.name}")
    package = oc4ids.package(session, flt, limit)
    if not package["projects"]:
        note("no matching projects (programmes are not exported to OC4IDS)")
    if left_out := oc4ids.programmes_left_out(session, flt):
        note(
            plural(
                left_out,
                "{n} matching programme is not exported: OC4IDS describes projects, and its parts name it",
                "{n} matching programmes are not exported: OC4IDS describes projects, and their parts name them",
            )
        )
    if output is None:
        render.dump_json(package, sys.stdout)
        return
    with atomic_output(output) as partial, partial.open("w", encoding="utf-8") as handle:
        render.dump_json(package, handle)
    note(plural(len(package["projects"]), "wrote {n} project to {path}", "wrote {n} projects to {path}", path=output))


@projects_app.command("list")
@friendly_errors
def list_projects(
    ctx: typer.Context,
    county: CountyOption = None,
    prefecture: PrefectureOption = None,
    sector: SectorOption = None,
    plan: PlanOption = None,
    column: ColumnOption = None,
    status: StatusOption = None,
    kind: KindOption = None,
    level: LevelOption = None,
    tier: TierOption = None,
    search: SearchOption = None,
    sort: SortOption = "code",
    limit: LimitOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """List projects matching every filter given. A programme appears under each county it spans.

    --county matches where a work stands; --level 市级 the works the plan places under the prefecture.

    --format oc4ids writes an OC4IDS 0.9 project package (JSON).
    """
    run_list(
        ctx,
        fmt=fmt,
        output=output,
        force=force,
        sort=sort,
        limit=limit,
        county=county,
        prefecture=prefecture,
        sector=sector,
        plan=plan,
        column=column,
        status=status,
        kind=kind,
        level=level,
        tier=tier,
        search=search,
        columns=columns,
    )


@projects_app.command("search")
@friendly_errors
def search_projects(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="Chinese or other text; several terms must all occur.")],
    county: CountyOption = None,
    sector: SectorOption = None,
    plan: PlanOption = None,
    status: StatusOption = None,
    limit: LimitOption = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Substring search over names, sub-headings and notes (供水, 污水处理厂, 江孜)."""
    if not text.strip():
        raise typer.BadParameter("give some text to search for", param_hint="TEXT")
    run_list(
        ctx,
        fmt=fmt,
        output=output,
        force=force,
        sort="code",
        limit=limit,
        county=county,
        sector=sector,
        plan=plan,
        status=status,
        search=text,
        columns=columns,
    )


@projects_app.command("show")
@friendly_errors
def show_project(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Project code, e.g. CD14-05-009.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Every field of one project: divisions, provenance, links and status history.

    --format json gives the object `projects list --format json` gives for the project (its
    history is `projects history CODE --format json`).
    """
    from portfolio import queries

    if fmt not in ("table", "json"):
        raise typer.BadParameter(f"{fmt!r}: use table or json", param_hint="--format")
    with app_context(ctx).session() as session:
        if fmt == "json":
            from portfolio.render import dump_json
            from portfolio.rows import record

            dump_json(record(queries.project_row(session, code)), sys.stdout)
            return
        from portfolio.cli import _show

        _show.print_detail(queries.project_detail(session, code))


@projects_app.command("history")
@friendly_errors
def project_history(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Project code.")],
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Every event of a project, oldest first: status changes, field changes (项目代码, 总投资, 计划开工 …)
    and period reports, with who recorded each and when; retracted events stay, marked 已撤销."""
    from portfolio import history

    with app_context(ctx).session() as session:
        events = history.history(session, code)
        emit(events, history.HistoryEvent, fmt, output, force=force, title=code.upper())


ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        help="Who records this (default: the database role on PostgreSQL, else your system user).",
    ),
]


@projects_app.command("set")
@friendly_errors
def set_fields(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Project code.")],
    national_code: Annotated[
        str | None, typer.Option("--national-code", help="项目代码, GB/T 40058-2021: YYYY-RRRRRR-DD-TT-NNNNNN.")
    ] = None,
    total_investment: Annotated[str | None, typer.Option("--total-investment", help="总投资, 万元.")] = None,
    annual_plan: Annotated[
        list[str] | None,
        typer.Option("--annual-plan", help="年度计划投资 for a year, YEAR=万元 (e.g. 2026=800); repeatable."),
    ] = None,
    planned_start: Annotated[str | None, typer.Option("--planned-start", help="计划开工, YYYY-MM.")] = None,
    planned_end: Annotated[str | None, typer.Option("--planned-end", help="计划竣工, YYYY-MM.")] = None,
    actual_start: Annotated[str | None, typer.Option("--actual-start", help="实际开工, YYYY-MM.")] = None,
    actual_end: Annotated[str | None, typer.Option("--actual-end", help="实际竣工, YYYY-MM.")] = None,
    responsible_unit: Annotated[str | None, typer.Option("--responsible-unit", help="责任单位.")] = None,
    contact: Annotated[str | None, typer.Option("--contact", help="联系人.")] = None,
    date: Annotated[
        str | None, typer.Option("--date", "-d", help="Effective date, YYYY-MM-DD (default today).")
    ] = None,
    note_text: Annotated[str | None, typer.Option("--note", "-m", help="Why, or the source.")] = None,
    by: ByOption = None,
) -> None:
    """Set the fields an office tracks; each change is recorded with the old value, who and when.

    An empty value ("") clears a field. A value equal to the current one records nothing.
    """
    from portfolio import changes, fields
    from portfolio.actor import current_actor

    given = {
        "national_code": national_code,
        "total_investment": total_investment,
        "planned_start": planned_start,
        "planned_end": planned_end,
        "actual_start": actual_start,
        "actual_end": actual_end,
        "responsible_unit": responsible_unit,
        "contact": contact,
    }
    values = {key: value for key, value in given.items() if value is not None}
    for item in annual_plan or []:
        year, sep, amount = item.partition("=")
        if not sep or not year.strip().isdigit() or len(year.strip()) != 4:
            raise UserInputError(f"bad --annual-plan {item!r}: use YEAR=万元, e.g. 2026=800")
        values[fields.given_annual_key(int(year))] = amount
    if not values:
        raise UserInputError("give at least one field to set (see --help)")
    when = changes.parse_date(date) if date else None
    if when is not None:
        changes.check_event(when, note_text)
    with app_context(ctx).session(write=True) as session:
        done = fields.set_fields(
            session, code, values, actor=current_actor(session, by), effective_date=when, note=note_text
        )
    for change in done:
        say(change.describe())
    if not done:
        note(f"{code.upper()}: nothing changed (every value given is already recorded)")


@projects_app.command("retract")
@friendly_errors
def retract_event(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Project code.")],
    event_id: Annotated[str, typer.Argument(help="The event's id from `projects history` (S12, F3, R7).")],
    note_text: Annotated[str, typer.Option("--note", "-m", help="Why the event is retracted.")],
    by: ByOption = None,
) -> None:
    """Mark a mistaken event retracted: it stays in the history, marked, and stops counting."""
    from portfolio import history
    from portfolio.actor import current_actor

    with app_context(ctx).session(write=True) as session:
        done = history.retract(session, code, event_id, actor=current_actor(session, by), note=note_text)
    say(done.describe())


@projects_app.command("set-status")
@friendly_errors
def set_status(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Project code.")],
    status: Annotated[str, typer.Argument(help="谋划 前期 在建 建成 暂缓 取消, or an OC4IDS code.")],
    date: Annotated[
        str | None, typer.Option("--date", "-d", help="Effective date, YYYY-MM-DD (default today).")
    ] = None,
    note_text: Annotated[str | None, typer.Option("--note", "-m", help="Why, or what happened.")] = None,
    by: ByOption = None,
) -> None:
    """Record a new status for a project; earlier statuses stay in its history."""
    from portfolio import changes
    from portfolio.actor import current_actor

    if date is not None and not date.strip():
        raise UserInputError("--date needs a value: YYYY-MM-DD (leave --date out for today)")
    when = changes.parse_date(date) if date else None
    with app_context(ctx).session(write=True) as session:
        change = changes.set_status(
            session, code, status, effective_date=when, note=note_text, actor=current_actor(session, by)
        )
    say(change.describe())
