"""Errors the CLI turns into one line on stderr and an exit code."""

from collections.abc import Sequence


class PortfolioError(Exception):
    """Base class: `str(error)` is the one-line message shown to the user."""

    exit_code = 1
    problems: Sequence[str] = ()  # each problem on its own, for a page that lists them


class UserInputError(PortfolioError):
    """A bad value typed by the user (unknown county, invalid status, bad URL)."""

    exit_code = 2


class DataError(PortfolioError):
    """Bad data in a file (seed file, status sheet)."""

    exit_code = 1


class DatabaseError(PortfolioError):
    """The database cannot be opened, reached or migrated."""

    exit_code = 1


class PermissionDenied(PortfolioError):
    """The acting account may not do this (role, scope, disabled); nothing was written."""

    exit_code = 1
