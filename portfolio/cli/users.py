"""portfolio users …: the accounts that log in to `portfolio serve` (add, list, disable, reset-password).

Passwords are asked twice without echo, or read from standard input with --password-stdin
(one line, for scripts); never taken as an option, where they would show in the shell history
and the process list.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from portfolio.cli._context import app_context, ask, friendly_errors, note
from portfolio.cli._options import ForceOption, FormatOption, OutputOption
from portfolio.cli._output import emit
from portfolio.errors import UserInputError
from portfolio.i18n import t

users_app = typer.Typer(no_args_is_help=True, help="Accounts for the web front end: roles and county scopes.")

NameArgument = Annotated[str, typer.Argument(help="Account name (no spaces), e.g. 江孜县发改委.")]
PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input (one line) instead of asking.")
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = ask(t("Password"), password=True)
    if ask(t("Repeat the password"), password=True) != password:
        raise UserInputError("the two passwords differ")
    return password


def _operator(session):
    from portfolio.actor import current_actor, require_admin

    actor = current_actor(session)
    require_admin(session, actor)
    return actor


def _describe(account) -> str:
    scope = "、".join(account.scope) or "-"
    return t("{name}: {role}, scope {scope}", name=account.name, role=t(account.role), scope=scope)


@users_app.command("add")
@friendly_errors
def add(
    ctx: typer.Context,
    name: NameArgument,
    role: Annotated[
        str, typer.Option("--role", help="admin (all projects, accounts), editor (its scope) or viewer (reads only).")
    ],
    county: Annotated[
        list[str] | None,
        typer.Option(
            "--county", "-c", help="An editor's county (name, pinyin or code); repeatable, or a list: 江孜,白朗."
        ),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option("--level", help="市级: with --prefecture, the 市级 works that prefecture's city bureau reports."),
    ] = None,
    prefecture: Annotated[
        list[str] | None,
        typer.Option("--prefecture", help="With --level 市级: whose 市级 works (拉萨, 日喀则, 昌都); repeatable."),
    ] = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Create an account. An editor writes only the projects of its offices (the same offices as
    `report template`); an admin writes everything and manages accounts; a viewer reads."""
    from portfolio import accounts
    from portfolio.vocab import split_list

    with app_context(ctx).session(write=True) as session:
        _operator(session)
        name, role = accounts.check_new_name(session, name), accounts.check_role(role)
        scope = accounts.resolve_scope(session, role, split_list(county), split_list(prefecture), level)
        password = _read_password(password_stdin)  # asked once everything else is known to be right
        created = accounts.add_account(session, name, role, password, scope)
    note(t("account created: {account}", account=_describe(created)))


@users_app.command("list")
@friendly_errors
def list_users(
    ctx: typer.Context, fmt: FormatOption = "table", output: OutputOption = None, force: ForceOption = False
) -> None:
    """Every account with its role, scope and state (never a password)."""
    from portfolio import accounts

    with app_context(ctx).session() as session:
        rows = [account.row() for account in accounts.list_accounts(session)]
    emit(rows, accounts.AccountRow, fmt, output, force=force, title="账户", empty_message="no accounts yet")


@users_app.command("disable")
@friendly_errors
def disable(ctx: typer.Context, name: NameArgument) -> None:
    """Stop an account from logging in and writing (its history stays)."""
    _set_disabled(ctx, name, True)


@users_app.command("enable")
@friendly_errors
def enable(ctx: typer.Context, name: NameArgument) -> None:
    """Let a disabled account log in again."""
    _set_disabled(ctx, name, False)


def _set_disabled(ctx: typer.Context, name: str, disabled: bool) -> None:
    from portfolio import accounts

    with app_context(ctx).session(write=True) as session:
        _operator(session)
        changed = accounts.set_disabled(session, name, disabled)
    note(
        t("account {name} disabled", name=changed.name) if disabled else t("account {name} enabled", name=changed.name)
    )


@users_app.command("reset-password")
@friendly_errors
def reset_password(ctx: typer.Context, name: NameArgument, password_stdin: PasswordStdinOption = False) -> None:
    """Give an account a new password (asked twice, or --password-stdin)."""
    from portfolio import accounts

    with app_context(ctx).session(write=True) as session:
        _operator(session)
        accounts.get_account(session, name)  # an unknown name is said before the password is asked
        changed = accounts.reset_password(session, name, _read_password(password_stdin))
    note(t("password of {name} changed", name=changed.name))
