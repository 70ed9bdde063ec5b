"""Who makes a change: every write function of the library takes an Actor.

An actor is an account (once accounts exist), the PostgreSQL role, the operating-system
user, or a name given with --by. Scope rules (a county office may only write its own
projects) belong in `check_scope`, the one place every write passes through.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlmodel import Session

KIND_LABELS = {"by": "", "account": "账户", "pg": "数据库角色", "os": "系统用户"}


@dataclass(frozen=True)
class Actor:
    name: str
    kind: str = "by"  # by | account | pg | os

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
    """--by NAME if given; else the database role on PostgreSQL; else the operating-system user."""
    if by and by.strip():
        return Actor(by.strip()[:120], "by")
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


def check_scope(session: Session, actor: Actor, project_ids: Iterable[int]) -> None:
    """Refuse work on projects outside the actor's scope. Everyone may write everything until
    accounts with county scopes exist; their check goes here and nowhere else."""
    return None


def as_utc(moment: datetime | None) -> datetime | None:
    """A recording time, timezone-aware in UTC on both engines (SQLite hands back naive UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
