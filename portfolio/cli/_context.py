"""What every command shares: the database (opened lazily) and error reporting."""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import typer

from portfolio.errors import DatabaseError, PortfolioError


@dataclass
class AppContext:
    database: str | None = None
    _engine: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        from portfolio.db import resolve_database_url

        return resolve_database_url(self.database)

    def engine(self, *, migrate: bool = True):
        """The engine, with the database migrated (and seeded if new) on first use."""
        if self._engine is None:
            from portfolio import db

            url = self.url
            new_file = db.is_new_database(url)
            self._engine = db.make_engine(url)
            if migrate and db.ensure_current(self._engine):
                where = db.display_url(url)
                note(
                    f"created database {where} and loaded the seed data"
                    if new_file
                    else f"set up the portfolio tables in {where} and loaded the seed data"
                )
        return self._engine

    @contextmanager
    def session(self, *, write: bool = False, exclusive: bool = False):
        from portfolio.db import session_scope

        with session_scope(self.engine(), write=write, exclusive=exclusive) as session:
            yield session

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def app_context(ctx: typer.Context) -> AppContext:
    return ctx.find_root().obj


def note(message: str) -> None:
    """A message for people, on stderr so stdout stays clean for data (in Chinese when catalogued)."""
    from portfolio.i18n import translate_message

    typer.echo(translate_message(message), err=True)


def say(message: str) -> None:
    """A line of the result for people on stdout (`CD14-05-009: 前期 → 在建`), in their language."""
    from portfolio.i18n import translate_message

    typer.echo(translate_message(message))


def fail(message: str, exit_code: int = 1) -> None:
    from portfolio.db import redact
    from portfolio.i18n import t, translate_message

    typer.echo(t("error: {message}", message=translate_message(redact(message))), err=True)
    raise typer.Exit(exit_code)


def ask(question: str, *, password: bool = False):
    """A yes/no question (or a password) on the terminal, its colon in the user's language; Ctrl+C or
    the end of input stops the command with one line instead of Click's "Aborted!"."""
    from portfolio.i18n import language

    suffix = "：" if language() == "zh" else ": "
    try:
        if password:
            return typer.prompt(question, hide_input=True, prompt_suffix=suffix)
        return typer.confirm(question, prompt_suffix=suffix)
    except typer.Abort:
        typer.echo("", err=True)
        cancelled()


def cancelled() -> None:
    from portfolio.i18n import t

    typer.echo(t("cancelled; nothing was changed"), err=True)
    raise typer.Exit(1)


SIGPIPE_EXIT = 141  # what a shell reports for a process ended by SIGPIPE


def silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def friendly_errors(command):
    """Turn the library's errors into one line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            _check_arguments(kwargs)
            return command(*args, **kwargs)
        except PortfolioError as error:
            fail(_one_line(str(error)), error.exit_code)
        except BrokenPipeError:  # the reader stopped early (`| head`): not an error worth a message
            silence_stdout()
            raise typer.Exit(SIGPIPE_EXIT) from None
        except OSError as error:  # a file the user named: missing folder, no permission, disk full
            fail(_one_line(f"{error.strerror or error}: {error.filename or ''}".rstrip(": ")), 1)
        except Exception as error:
            from sqlalchemy.exc import DBAPIError, SQLAlchemyError

            if isinstance(error, (DBAPIError, SQLAlchemyError)):
                reason = getattr(error, "orig", None) or error
                fail(_one_line(f"database error: {reason}"), DatabaseError.exit_code)
            raise

    return wrapper


# Search text may hold any character: the search splits it at anything unprintable.
_SEARCH_ARGUMENTS = {"text", "search"}


def _check_arguments(arguments: dict[str, Any]) -> None:
    """Refuse text no database can store (bytes that are not UTF-8 arrive as lone surrogates)."""
    from portfolio.text import check_text

    context = next((v for v in arguments.values() if hasattr(v, "find_root") and hasattr(v, "command")), None)
    params = context.command.params if context is not None else []
    names = {p.name: p.opts[0] if p.opts and p.opts[0].startswith("-") else str(p.name).upper() for p in params}
    for name, value in arguments.items():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, str):
                shown = names.get(name) or name.replace("_", "-")
                check_text(item.replace("\x00", " ") if name in _SEARCH_ARGUMENTS else item, f"the value of {shown}")


def _one_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[0] if lines else "unknown error"
