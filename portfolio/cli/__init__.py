"""The `portfolio` command: a thin Typer layer over the library modules."""

from __future__ import annotations

from typing import Annotated

import typer

from portfolio import __version__
from portfolio.cli import reference
from portfolio.cli._context import AppContext
from portfolio.cli.database import db_app
from portfolio.cli.extract import extract
from portfolio.cli.projects import projects_app
from portfolio.cli.seed import seed_app
from portfolio.cli.status import status_app
from portfolio.cli.summary import summary

app = typer.Typer(
    name="portfolio",
    no_args_is_help=True,
    help="Key projects of the Tibetan prefectures' five-year plans: find them by county, sector, plan "
         "and status, and record their progress.",
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"portfolio {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    database: Annotated[str | None, typer.Option(
        "--db", envvar="PORTFOLIO_DB", show_envvar=True,
        help="Database: a SQLite file path, sqlite:///PATH, or postgresql://USER:PASSWORD@HOST/DB "
             "(default: portfolio.db in the user data directory).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    context = AppContext(database)
    ctx.obj = context
    ctx.call_on_close(context.close)


app.add_typer(projects_app, name="projects")
app.command("summary")(summary)
app.command("counties")(reference.counties)
app.command("plans")(reference.plans)
app.command("columns")(reference.columns)
app.command("sectors")(reference.sectors)
app.command("indicators")(reference.indicators)
app.command("places")(reference.places)
app.add_typer(status_app, name="status")
app.add_typer(seed_app, name="seed")
app.add_typer(db_app, name="db")
app.command("extract")(extract)


def main() -> None:
    app()
