"""Who makes a change: every write function of the library takes an Actor.

An actor is an account (logged in on the web, or the CLI operator whose system user or
PostgreSQL role has an account of that name), the PostgreSQL role, the operating-system user,
or a name given with --by. `check_scope` is the one place every write passes through: an
account writes only what its role and scope allow (accounts.py). Anyone else is the local
operator, who holds the database itself (its file or its credentials) and so writes
everything, as before accounts existed.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, overload

from portfolio.errors import PermissionDenied

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlmodel import Session

KIND_LABELS = {"by": "", "account": "账户", "pg": "数据库角色", "os": "系统用户"}


@dataclass(frozen=True)
class Actor:
    name: str
    kind: str = "by"  # by | account | pg | os
    address: str | None = None  # the network address a web request came from; kept beside each event

    @property
    def stored(self) -> str:
        """The text kept in an event's actor column: 'kind:name'."""
        return f"{self.kind}:{self.name}"

    @classmethod
    def from_stored(cls, text: str | None) -> Actor | None:
        if not text:
            return None
        kind, _, name = text.partition(":")
        return cls(name, kind) if name and kind in KIND_LABELS else cls(text, "by")

    def __str__(self) -> str:
        label = KIND_LABELS.get(self.kind, "")
        return f"{self.name} ({label})" if label else self.name


def current_actor(session: Session, by: str | None = None) -> Actor:
    """The CLI operator: the account named like the database role (PostgreSQL) or the system user,
    if there is one; else --by NAME if given; else that role or user itself.

    An operator whose name is an account acts as that account (its role and scope apply, a
    disabled one is refused) and cannot choose another name with --by.
    """
    from portfolio import accounts

    own = _operator(session)
    account = accounts.find(session, own.name)
    if account is not None:
        if by and by.strip() and by.strip() != own.name:
            source = "database role" if own.kind == "pg" else "system user"
            raise PermissionDenied(
                f"you act as account {own.name!r} (named like your {source}); --by cannot record in another name"
            )
        if account.disabled:
            raise PermissionDenied(f"account {own.name!r} is disabled; nothing was written")
        return Actor(own.name, "account")
    if by and by.strip():
        return Actor(by.strip()[:120], "by")
    return own


def _operator(session: Session) -> Actor:
    """The database role on PostgreSQL; else the operating-system user."""
    if session.get_bind().dialect.name == "postgresql":
        import sqlalchemy as sa

        return Actor(session.execute(sa.text("SELECT current_user")).scalar_one(), "pg")
    try:
        return Actor(getpass.getuser(), "os")
    except (KeyError, OSError):  # no user name in a bare container
        return Actor("unknown", "os")


def display(stored: str | None) -> str:
    actor = Actor.from_stored(stored)
    return str(actor) if actor else ""


def check_scope(
    session: Session, actor: Actor, project_ids: Iterable[int], *, rows: dict[int, list[str]] | None = None
) -> None:
    """Refuse work on projects outside the actor's scope (PermissionDenied, before anything is written).

    An account is checked against its role and scope as stored now; the local operator (system
    user, database role, --by) may write everything. `rows` names where each project came from
    (file:row of a sheet), for the message.
    """
    if actor.kind != "account":
        return
    from portfolio.accounts import check_may_write

    check_may_write(session, actor.name, project_ids, rows=rows)


def require_admin(session: Session, actor: Actor) -> None:
    """Managing accounts: an admin account, or the local operator."""
    if actor.kind != "account":
        return
    from portfolio import accounts

    account = accounts.find(session, actor.name)
    if account is None or account.disabled or account.role != "admin":
        raise PermissionDenied(f"account {actor.name!r} may not manage accounts (admins only)")


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """A recording time, timezone-aware in UTC on both engines (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
