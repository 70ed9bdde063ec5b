"""The `portfolio` command: a thin Typer layer over the library modules."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from typer._click.exceptions import UsageError  # Typer raises its vendored Click's; it exports no name for it
from typer.core import TyperGroup

from portfolio import __version__
from portfolio.cli import _help, reference
from portfolio.cli._context import AppContext
from portfolio.cli.database import db_app
from portfolio.cli.extract import extract
from portfolio.cli.projects import projects_app
from portfolio.cli.report import report_app
from portfolio.cli.seed import seed_app
from portfolio.cli.serve import serve
from portfolio.cli.status import status_app
from portfolio.cli.summary import summary
from portfolio.cli.users import users_app

HELP = (
    "Key projects of the Tibetan prefectures' five-year plans: find them by county, sector, plan "
    "and status, and record their progress."
)
ROOT_OPTIONS_WITH_VALUE = {"--db"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"portfolio {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    database: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="PORTFOLIO_DB",
            show_envvar=True,
            help="Database: a SQLite file path, sqlite:///PATH, or postgresql://USER:PASSWORD@HOST/DB "
            "(default: portfolio.db in the user data directory).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    no_pager: Annotated[
        bool,
        typer.Option(
            "--no-pager",
            help="Print long tables straight to the terminal instead of through a pager "
            "($PAGER, else less; never used when the output is piped).",
        ),
    ] = False,
) -> None:
    from portfolio.cli._output import use_pager

    use_pager(not no_pager)
    context = AppContext(database)
    ctx.obj = context
    ctx.call_on_close(context.close)


COMMANDS = {
    "projects": projects_app,
    "summary": summary,
    "counties": reference.counties,
    "plans": reference.plans,
    "columns": reference.columns,
    "sectors": reference.sectors,
    "indicators": reference.indicators,
    "places": reference.places,
    "status": status_app,
    "report": report_app,
    "seed": seed_app,
    "db": db_app,
    "extract": extract,
    "serve": serve,
    "users": users_app,
}


class _OneLineUsageError(UsageError):
    """A usage error already made one line (shown by cli/_help.py's translated `error:` line)."""


@contextmanager
def _one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except _OneLineUsageError:
        raise
    except UsageError as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # a group called alone shows its help
            raise
        from portfolio.db import redact  # here: every command passes this way, `--help` too

        message = " ".join(error.format_message().split())
        raise _OneLineUsageError(redact(message), ctx=error.ctx) from None


class OneLineErrorsGroup(TyperGroup):
    """Usage errors (unknown option, bad value) as one `error:` line, like every other error."""

    def make_context(self, *args, **kwargs):
        with _one_line_usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx):
        with _one_line_usage_errors():
            return super().invoke(ctx)


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI; with `only`, just that command (Typer inspects every command it holds at start-up)."""
    cli = typer.Typer(
        name="portfolio",
        cls=OneLineErrorsGroup,
        no_args_is_help=True,
        help=HELP,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )
    cli.callback()(root)
    for name, command in COMMANDS.items():
        if only not in (None, name):
            continue
        if isinstance(command, typer.Typer):
            cli.add_typer(command, name=name)
        else:
            cli.command(name)(command)
    return cli


_help.install()
_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    """`portfolio.cli.app`, the whole CLI, built once on first use (`main` builds only what it runs)."""
    global _app
    if name == "app":
        if _app is None:
            _app = build_app()
        return _app
    raise AttributeError(name)


def _invoked_command(args: list[str]) -> str | None:
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ROOT_OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main() -> None:
    name = _invoked_command(sys.argv[1:])
    try:
        build_app(name)()  # one command, or the whole CLI for help and unknown commands
    finally:
        _flush_quietly()


def _flush_quietly() -> None:
    """Flush what is still buffered; a reader that stopped early (`| head`) is not an error."""
    from portfolio.cli._context import silence_stdout

    try:
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
