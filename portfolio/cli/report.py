"""portfolio report …: fill-in sheets for a period, their import, warning lights and rates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from portfolio.cli._context import app_context, friendly_errors, note, say
from portfolio.cli._options import ColumnsOption, CountyOption, ForceOption, FormatOption, OutputOption
from portfolio.cli._output import atomic_output, check_output_path, emit
from portfolio.errors import UserInputError
from portfolio.i18n import plural, t, translate_message

report_app = typer.Typer(no_args_is_help=True, help="Progress reporting (调度): sheets, import, lights, rates.")

PeriodOption = Annotated[str | None, typer.Option("--period", help="Reporting period, YYYY-MM (default: this month).")]
LevelOption = Annotated[str | None, typer.Option("--level", help="Offices of one level: 县级, 市级 or 区级.")]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        help="Who records this (default: the database role on PostgreSQL, else your system user).",
    ),
]


def _period(text: str | None):
    from portfolio.reports.periods import Period

    return Period.parse(text) if text else Period.current()


@report_app.command("template")
@friendly_errors
def template(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The .xlsx file to write.", dir_okay=False)],
    period: PeriodOption = None,
    county: CountyOption = None,
    level: LevelOption = None,
    all_offices: Annotated[bool, typer.Option("--all", help="Every office in one sheet.")] = False,
    force: ForceOption = False,
) -> None:
    """Write the sheet an office fills in for a period: one row per project of the office (--county, several
    counties, --level 市级, or --all), current values filled in, with a 填报说明 sheet."""
    from portfolio.reports import periods
    from portfolio.reports import template as sheets

    if output.suffix.lower() != ".xlsx":
        raise UserInputError(f"a template is an Excel workbook: name the file .xlsx, not {output.name}")
    if not (county or level or all_offices):
        raise UserInputError("say whose sheet it is: --county NAME (repeatable), --level 市级, or --all")
    check_output_path(output, force)
    reporting = _period(period)
    with app_context(ctx).session() as session:
        codes = None if all_offices else periods.resolve_offices(session, county or [], level)
        label = sheets.office_label(session, codes)
        rows = sheets.template_rows(session, reporting, codes)
    if not rows:
        note(f"{label} has no projects to report (建成 and 取消 projects are left out)")
    with atomic_output(output) as partial:
        sheets.write_workbook(partial, reporting, label, codes, rows)
    note(
        plural(
            len(rows),
            "wrote {n} project of {label} for {period} to {path}",
            "wrote {n} projects of {label} for {period} to {path}",
            label=label,
            period=reporting,
            path=output,
        )
    )


@report_app.command("import")
@friendly_errors
def import_reports(
    ctx: typer.Context,
    files: Annotated[
        list[Path],
        typer.Argument(metavar="FILES", help="Filled-in sheets: .xlsx .xls .csv .tsv .txt (UTF-8/GBK/UTF-16)."),
    ],
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="The period the sheets are for, YYYY-MM; needed for a sheet of another period than "
            "this month or one that does not say its period.",
        ),
    ] = None,
    county: Annotated[
        list[str] | None,
        typer.Option(
            "--county", "-c", help="Import the sheets as this office's (refused if a sheet says another office)."
        ),
    ] = None,
    by: ByOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything, change nothing.")] = False,
) -> None:
    """Check every row of every file first, list every problem as file:sheet:row: column: message, then
    import all or nothing. Importing the same sheets again changes nothing; a corrected sheet for a period
    replaces that period's values and keeps the earlier ones as retracted."""
    from portfolio.actor import current_actor
    from portfolio.reports import importer, periods

    with app_context(ctx).session(write=True) as session:
        offices = periods.resolve_offices(session, county, None) if county else None
        reporting = periods.Period.parse(period) if period else None
        try:
            result = importer.import_files(
                session, files, actor=current_actor(session, by), period=reporting, offices=offices
            )
        except importer.ImportProblems as error:
            for problem in error.problems:
                typer.echo(translate_message(problem), err=True)
            raise
        for sheet in result.sheets:
            read = plural(
                sheet.rows,
                "{file}: read sheet {sheet} ({n} row, period {period})",
                "{file}: read sheet {sheet} ({n} rows, period {period})",
                file=sheet.file,
                sheet=sheet.sheet,
                period=sheet.period,
            )
            ignored = t("; ignored columns: {columns}", columns=", ".join(sheet.ignored)) if sheet.ignored else ""
            note(read + ignored)
        for warning in result.warnings:
            note(f"warning: {warning}")
        for change in (*result.status_changes, *result.field_changes):
            say(change.describe())
        summary = _import_summary(result)
        if dry_run:
            session.rollback()
            note(t("dry run: {summary}; nothing was changed", summary=summary))
            return
    note(
        summary
        if result.changed
        else t("nothing changed: every value is already recorded ({summary})", summary=summary)
    )


def _import_summary(result) -> str:
    counts = [
        plural(result.reports_new, "{n} new report", "{n} new reports"),
        plural(
            result.reports_replaced,
            "{n} corrected (earlier values kept as retracted)",
            "{n} corrected (earlier values kept as retracted)",
        ),
        plural(len(result.status_changes), "{n} status change", "{n} status changes"),
        plural(len(result.field_changes), "{n} field change", "{n} field changes"),
        plural(result.unchanged_rows, "{n} row unchanged", "{n} rows unchanged"),
    ]
    return t(", ").join(counts)


@report_app.command("lights")
@friendly_errors
def lights(
    ctx: typer.Context,
    period: PeriodOption = None,
    county: CountyOption = None,
    level: LevelOption = None,
    light: Annotated[
        str | None, typer.Option("--light", help="Only this light: red/红, yellow/黄 or green/绿.")
    ] = None,
    columns: ColumnsOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """Each project's warning light (预警) for a period, with the reason for it; red first."""
    from portfolio.render import TableShape
    from portfolio.reports import lights as rules
    from portfolio.reports import periods

    wanted = {"red": "red", "红": "red", "yellow": "yellow", "黄": "yellow", "green": "green", "绿": "green"}
    if light is not None and light.strip().lower() not in wanted:
        raise UserInputError(f"unknown light {light!r}; allowed: red (红), yellow (黄), green (绿)")
    reporting = periods.Period.assessed(period)
    with app_context(ctx).session() as session:
        offices = periods.resolve_offices(session, county or [], level)
        rows = rules.lights(session, reporting, offices, wanted[light.strip().lower()] if light else None)
    emit(
        rows,
        rules.LightRow,
        fmt,
        output,
        force=force,
        title=f"{reporting} 预警",
        empty_message="no projects with that light",
        select=columns,
        shape=TableShape(first=("code", "name", "office", "light", "status")),
    )


@report_app.command("summary")
@friendly_errors
def summary(
    ctx: typer.Context,
    period: PeriodOption = None,
    by: Annotated[str, typer.Option("--by", help="county (填报单位), sector, plan or level.")] = "county",
    county: CountyOption = None,
    level: LevelOption = None,
    chart: Annotated[bool, typer.Option("--chart/--no-chart", help="Bar chart of 投资完成率 on a terminal.")] = True,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    force: ForceOption = False,
) -> None:
    """开工率, 投资完成率, 按期竣工率 and 填报率 for a period by county, sector, plan or level.

    --output 通报.xlsx writes the 通报: one sheet per breakdown with a native bar chart, and the lights.
    """

    from portfolio.render import TableShape
    from portfolio.reports import bulletin, periods
    from portfolio.reports import lights as rules

    reporting = periods.Period.assessed(period)
    if by not in rules.BREAKDOWNS:
        raise UserInputError(f"unknown breakdown {by!r}; allowed: {', '.join(rules.BREAKDOWNS)}")
    with app_context(ctx).session() as session:
        offices = periods.resolve_offices(session, county or [], level)
        states = rules.project_states(session, reporting, offices)
        if output is not None and output.suffix.lower() == ".xlsx" and fmt in ("table", "xlsx"):
            check_output_path(output, force)
            breakdowns = {name: rules.rates_of(states, reporting, name) for name in rules.BREAKDOWNS}
            light_rows = [row for row in rules.light_rows(states) if row.light != "绿"]
            with atomic_output(output) as partial:
                bulletin.write_bulletin(partial, reporting, breakdowns, light_rows)
            note(
                plural(
                    len(states),
                    "wrote the {period} 通报 ({n} project, {red_or_yellow} red or yellow) to {path}",
                    "wrote the {period} 通报 ({n} projects, {red_or_yellow} red or yellow) to {path}",
                    period=reporting,
                    red_or_yellow=len(light_rows),
                    path=output,
                )
            )
            return
    rows = rules.rates_of(states, reporting, by)
    bars = [(row.group_label, row.investment_rate or 0) for row in rows if not row.is_total] if chart else None
    emit(
        rows,
        rules.RateRow,
        fmt,
        output,
        force=force,
        title=f"{reporting} 按{rules.BREAKDOWNS[by]}",
        empty_message="no projects",
        chart=bars,
        shape=TableShape(summed=True),
        labels=rules.rate_labels(by),
    )
