"""Accounts: who may write which projects.

Roles: an admin writes everything and manages accounts; an editor writes the projects of its
offices only; a viewer reads. An editor's scope is a set of offices, the same offices as
progress reporting (reports/periods.py): a project belongs to the lowest division containing
all its locations, so a county office (`--county 江孜`) writes the projects in that county
alone and a prefecture (`--level 市级 --prefecture 日喀则`) the works the city bureau reports
(those whose county the plan does not give, and those spanning several of its counties). An
editor of several counties also writes a project that lies in those counties only.

Passwords are kept as Argon2 hashes and never leave this module in any other form. The
caller owns the (write) transaction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portfolio import vocab
from portfolio.errors import PermissionDenied, UserInputError
from portfolio.models import (
    ACCOUNT_ROLES,
    Account,
    AccountScope,
    Division,
    LoginFailure,
    Project,
    ProjectDivision,
    Secret,
    id_of,
    utc_now,
)
from portfolio.rows import Kind, build_row, col
from portfolio.text import check_text

if TYPE_CHECKING:
    from sqlmodel import Session

ROLE_LABELS = {"admin": "管理员", "editor": "填报员", "viewer": "查看者"}
MIN_PASSWORD = 8
MAX_PASSWORD = 256  # Argon2 takes any length; a bound keeps a login from hashing megabytes
MAX_NAME = 64
_NAME = re.compile(r"^[^\s:/\\<>\"'&]+$")  # no spaces, no characters that need escaping anywhere
SHOWN_REFUSALS = 10
COUNTY_LEVELS = ("county", "zone")
PREFECTURE_LEVELS = ("prefecture",)


@dataclass(frozen=True)
class AccountInfo:
    """An account as shown to people: never the password hash."""

    name: str
    role: str
    scope: tuple[str, ...]  # office labels: 江孜县, 日喀则市(市级)
    disabled: bool
    created_at: datetime
    updated_at: datetime
    scope_codes: tuple[str, ...] = ()  # the offices' division codes, in the order of `scope`

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def row(self) -> AccountRow:
        return build_row(
            AccountRow,
            {
                "name": self.name,
                "role": self.role,
                "role_label": self.role_label,
                "scope": list(self.scope_codes),
                "scope_label": list(self.scope),
                "state": vocab.AccountState.DISABLED if self.disabled else vocab.AccountState.ACTIVE,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
            },
        )


@dataclass(frozen=True)
class AccountRow:
    """An account: the row of `users list` (never a password)."""

    name: str = col("账户", brief=True)
    role: str = col("角色代码", Kind.CODE, brief=True)
    role_label: str = col("角色", Kind.LABEL, brief=True)
    scope: list[str] = col("范围代码", Kind.LIST)  # the offices' division codes
    scope_label: list[str] = col("范围", Kind.LIST, brief=True)
    state: str = col("状态代码", Kind.CODE, vocabulary=vocab.AccountState)
    state_label: str = col("状态", Kind.LABEL, brief=True)
    created_at: datetime = col("创建时间", Kind.DATETIME, brief=True)
    updated_at: datetime = col("修改时间", Kind.DATETIME, brief=True)


# --- passwords ---------------------------------------------------------------------------

_hasher = None


def hasher():
    """argon2-cffi's PasswordHasher with its (RFC 9106 low-memory) defaults; built on first use."""
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def check_password(password: str, name: str) -> str:
    check_text(password, "the password")
    if len(password) < MIN_PASSWORD:
        raise UserInputError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserInputError(f"the password is too long: at most {MAX_PASSWORD} characters")
    if password.strip().lower() == name.lower():
        raise UserInputError("the password must not be the account name")
    return password


def _verify(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH: list[str] = []


def authenticate(session: Session, name: str, password: str) -> Account | None:
    """The enabled account whose password this is, or None (see login() for the limits and messages)."""
    account = _check_password(session, name, password)
    return account if account is not None and not account.disabled else None


def _check_password(session: Session, name: str, password: str) -> Account | None:
    """The account if the password is its own (disabled or not), else None.

    An unknown name costs the same hash as a wrong password, so timing does not say which
    names exist. A hash made with older parameters is renewed on a successful check.
    """
    account = find(session, name) if name and len(name) <= MAX_NAME else None
    if len(password) > MAX_PASSWORD:
        return None
    if account is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hasher().hash("not-a-password"))
        _verify(_DUMMY_HASH[0], password)
        return None
    if not _verify(account.password_hash, password):
        return None
    if hasher().check_needs_rehash(account.password_hash):
        session.execute(
            sa.update(Account).where(Account.id == account.id).values(password_hash=hasher().hash(password))
        )
    return account


MAX_FAILURES = 5  # wrong passwords per account and per address within FAILURE_WINDOW
FAILURE_WINDOW = timedelta(minutes=1)
FAILURE_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Login:
    account: Account | None
    message: str | None  # why not, for the person at the login form


def login(session: Session, name: str, password: str, address: str, *, now: datetime | None = None) -> Login:
    """Check a login, within the limits: after MAX_FAILURES wrong passwords in FAILURE_WINDOW for
    the account or from the address, every attempt is refused, the right password included.

    Records a wrong password; the caller commits the session whatever the outcome.
    """
    now = now or utc_now()
    name, address = (name or "").strip()[:MAX_NAME], (address or "unknown")[:64]
    since = now - FAILURE_WINDOW
    recent = session.execute(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.at >= since, sa.or_(LoginFailure.name == name, LoginFailure.address == address))
    ).scalar_one()
    if recent >= MAX_FAILURES:
        return Login(
            None, "too many wrong passwords for this account or from this address; wait a minute and try again"
        )
    account = _check_password(session, name, password or "")
    if account is None:
        session.execute(sa.delete(LoginFailure).where(LoginFailure.at < now - FAILURE_KEPT))
        session.execute(sa.insert(LoginFailure).values(name=name, address=address, at=now))
        return Login(None, "wrong account name or password")
    if account.disabled:
        return Login(None, "this account is disabled; ask an admin")
    return Login(account, None)


# --- names, roles and scopes ----------------------------------------------------------------


def check_name(name: str) -> str:
    check_text(name, "the account name")
    name = name.strip()
    if not name or len(name) > MAX_NAME or not _NAME.match(name):
        raise UserInputError(
            f"bad account name {name!r}: 1 to {MAX_NAME} characters, no spaces and none of : / \\ < > \" ' &"
        )
    return name


def check_role(role: str) -> str:
    text = (role or "").strip()
    value = {label: key for key, label in ROLE_LABELS.items()}.get(text, text.lower())
    if value not in ACCOUNT_ROLES:
        raise UserInputError(f"unknown role {role!r}; allowed: admin (管理员), editor (填报员), viewer (查看者)")
    return value


def resolve_scope(
    session: Session, role: str, counties: list[str], prefectures: list[str], level: str | None = None
) -> list[str]:
    """Office division codes of an editor's scope from --county and --level 市级 --prefecture.

    A prefecture given to --county means all its counties (as everywhere in the CLI); its own
    市级 works are asked for with --level 市级 --prefecture.
    """
    from portfolio.queries import gazetteer, resolve_divisions

    level = (level or "").strip() or None
    if level not in (None, "市级"):
        raise UserInputError(
            f"--level {level}: an editor's scope takes --level 市级 (with --prefecture) or counties (--county)"
        )
    if prefectures and level != "市级":
        raise UserInputError(
            "--prefecture goes with --level 市级 (the prefecture's 市级 works); for its counties use --county"
        )
    if level == "市级" and not prefectures:
        raise UserInputError("--level 市级 needs --prefecture: whose 市级 works (拉萨, 日喀则, 昌都)?")
    if role != "editor":
        if counties or prefectures:
            raise UserInputError(
                "only an editor has a scope; "
                + ("an admin writes everything" if role == "admin" else "a viewer writes nothing")
            )
        return []
    codes = resolve_divisions(session, counties) if counties else []
    for value in prefectures:
        place = gazetteer(session).resolve(value, what="prefecture")
        if place.level not in PREFECTURE_LEVELS:
            raise UserInputError(f"{value!r} is not a prefecture (拉萨, 日喀则, 昌都)")
        codes.append(place.code)
    levels = dict(session.execute(sa.select(Division.code, Division.level).where(Division.code.in_(codes))).all())
    wrong = [code for code in codes if levels.get(code) not in (*COUNTY_LEVELS, *PREFECTURE_LEVELS)]
    if wrong:
        raise UserInputError(f"{', '.join(wrong)} is not a county or prefecture")
    if not codes:
        raise UserInputError(
            "an editor needs a scope: --county 江孜 (repeatable) and/or --level 市级 --prefecture 日喀则"
        )
    return list(dict.fromkeys(codes))


# --- managing accounts ------------------------------------------------------------------------


def find(session: Session, name: str) -> Account | None:
    return session.execute(sa.select(Account).where(Account.name == name.strip())).scalar_one_or_none()


def check_new_name(session: Session, name: str) -> str:
    name = check_name(name)
    if find(session, name) is not None:
        raise UserInputError(f"an account named {name!r} exists already")
    return name


def get_account(session: Session, name: str) -> Account:
    account = find(session, check_name(name))
    if account is None:
        raise UserInputError(f"no account named {name.strip()!r}; see `portfolio users list`")
    return account


def add_account(session: Session, name: str, role: str, password: str, scope: Iterable[str] = ()) -> AccountInfo:
    name, role = check_new_name(session, name), check_role(role)
    check_password(password, name)
    now = utc_now()
    account_id = session.execute(
        sa.insert(Account)
        .returning(Account.id)
        .values(
            name=name, role=role, password_hash=hasher().hash(password), disabled=False, created_at=now, updated_at=now
        )
    ).scalar_one()
    codes = list(dict.fromkeys(scope))
    if codes:
        session.execute(sa.insert(AccountScope), [{"account_id": account_id, "division_code": c} for c in codes])
    return info(session, name)


def set_disabled(session: Session, name: str, disabled: bool) -> AccountInfo:
    account = get_account(session, name)
    session.execute(sa.update(Account).where(Account.id == account.id).values(disabled=disabled, updated_at=utc_now()))
    return info(session, account.name)


def reset_password(session: Session, name: str, password: str) -> AccountInfo:
    account = get_account(session, name)
    check_password(password, account.name)
    session.execute(
        sa.update(Account)
        .where(Account.id == account.id)
        .values(password_hash=hasher().hash(password), updated_at=utc_now())
    )
    return info(session, account.name)


def scope_of(session: Session, name: str) -> set[str]:
    """The division codes an account may write in (none for an account that does not exist)."""
    account = find(session, name)
    return scope_codes(session, id_of(account)) if account else set()


def scope_codes(session: Session, account_id: int) -> set[str]:
    return set(
        session.execute(sa.select(AccountScope.division_code).where(AccountScope.account_id == account_id)).scalars()
    )


def list_accounts(session: Session) -> list[AccountInfo]:
    accounts = session.execute(sa.select(Account).order_by(Account.name)).scalars().all()
    labels = _office_labels(session)
    scopes: dict[int, list[str]] = defaultdict(list)
    for account_id, code in session.execute(
        sa.select(AccountScope.account_id, AccountScope.division_code).order_by(AccountScope.division_code)
    ):
        scopes[account_id].append(code)
    from portfolio.actor import as_utc

    def shown(moment: datetime) -> datetime:
        return as_utc(moment).replace(microsecond=0)

    return [
        AccountInfo(
            a.name,
            a.role,
            tuple(labels.get(code, code) for code in scopes[a.id]),
            a.disabled,
            shown(a.created_at),
            shown(a.updated_at),
            tuple(scopes[a.id]),
        )
        for a in accounts
    ]


def info(session: Session, name: str) -> AccountInfo:
    return next(a for a in list_accounts(session) if a.name == name)


def _office_labels(session: Session) -> dict[str, str]:
    rows = session.execute(sa.select(Division.code, Division.name, Division.level)).all()
    return {code: name + ("(市级)" if level in PREFECTURE_LEVELS else "") for code, name, level in rows}


# --- the rule every write passes through ------------------------------------------------------


def out_of_scope(session: Session, codes: set[str], project_ids: Iterable[int]) -> list[int]:
    """The projects an editor of these offices may not write (sorted ids)."""
    from portfolio.reports.periods import Offices

    ids = sorted(set(project_ids))
    if not ids:
        return []
    links: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        for project_id, code in session.execute(
            sa.select(ProjectDivision.project_id, ProjectDivision.division_code).where(
                ProjectDivision.project_id.in_(part)
            )
        ):
            links[project_id].append(code)
    offices = Offices(session)
    return [
        project_id
        for project_id in ids
        if not links[project_id] or not (offices.common(links[project_id]) in codes or set(links[project_id]) <= codes)
    ]


def check_may_write(
    session: Session, name: str, project_ids: Iterable[int], *, rows: dict[int, list[str]] | None = None
) -> None:
    """Raise PermissionDenied unless the account may write every one of the projects.

    Read from the database on every write, so disabling an account or narrowing its scope
    takes effect at once, also for a session logged in before. `rows` names where each project
    came from (a sheet's file:row), for the message.
    """
    account = find(session, name)
    if account is None:
        raise PermissionDenied(f"account {name!r} does not exist (any more); nothing was written")
    if account.disabled:
        raise PermissionDenied(f"account {name!r} is disabled; nothing was written")
    if account.role == "admin":
        return
    if account.role != "editor":
        raise PermissionDenied(f"account {name!r} is a viewer: it may read but not write; nothing was written")
    refused = out_of_scope(session, scope_codes(session, id_of(account)), project_ids)
    if refused:
        raise PermissionDenied(_refusal(session, account, refused, rows or {}))


def _refusal(session: Session, account: Account, refused: list[int], rows: dict[int, list[str]]) -> str:
    labels = _office_labels(session)
    scope = "、".join(sorted(labels.get(c, c) for c in scope_codes(session, id_of(account)))) or "nothing"
    named = [(where, i) for i in refused for where in rows.get(i) or [""]]
    shown = named[:SHOWN_REFUSALS]
    codes = dict(
        session.execute(sa.select(Project.id, Project.code).where(Project.id.in_({i for _, i in shown}))).all()
    )
    listed = ", ".join(f"{where} {codes[i]}".strip() for where, i in shown)
    more = f" and {len(named) - len(shown)} more" if len(named) > len(shown) else ""
    what = "rows " if rows else ""
    return (
        f"account {account.name!r} (editor for {scope}) may not write {what}{listed}{more}: outside its "
        f"scope; nothing was written"
    )


# --- secrets ------------------------------------------------------------------------------------


def secret(engine, name: str) -> str:
    """The named secret, generated and stored on first use; every process of one database gets the
    same value (the first insert wins, the others read it)."""
    import secrets

    from sqlalchemy.exc import IntegrityError

    from portfolio.db import session_scope

    with session_scope(engine) as session:
        found = session.execute(sa.select(Secret.value).where(Secret.name == name)).scalar_one_or_none()
    if found is not None:
        return found
    try:
        with session_scope(engine, write=True) as session:
            session.execute(sa.insert(Secret).values(name=name, value=secrets.token_urlsafe(48), created_at=utc_now()))
    except IntegrityError:
        pass  # another process stored it first
    with session_scope(engine) as session:
        return session.execute(sa.select(Secret.value).where(Secret.name == name)).scalar_one()
