"""Logins, sessions and CSRF tokens for the web front end.

A session is a signed cookie (HMAC-SHA256 with the database's `session` secret, see
accounts.secret): the account name, a fingerprint of its password hash (a new password ends
every session of the account), a random session id and an expiry. The cookie is HttpOnly,
SameSite=Lax, and Secure when the request came over HTTPS. Nothing of the session is stored on
the server; the account is read again on every request, so a disabled account is refused at
once.

Every state-changing request carries a CSRF token: a form field `csrf_token` or the
`X-CSRF-Token` header. The token is an HMAC of the session id, so a token of another session is
refused. Visitors who are not logged in get a random id in a cookie of its own, so the login
form is protected the same way.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response
from starlette.datastructures import FormData

from portfolio.errors import PermissionDenied

SESSION_COOKIE = "portfolio_session"
VISITOR_COOKIE = "portfolio_visitor"
SESSION_SECONDS = 8 * 3600  # a working day
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class CsrfError(PermissionDenied):
    """A state-changing request without the token of its session (403)."""


class LoginRequired(PermissionDenied):
    """A write without a (valid) session (401)."""


@dataclass(frozen=True)
class SessionAccount:
    name: str
    role: str
    session_id: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_write(self) -> bool:
        return self.role in ("admin", "editor")


def _secret(request: Request) -> bytes:
    state = request.app.state
    if getattr(state, "session_secret", None) is None:
        from portfolio.accounts import secret

        state.session_secret = secret(state.engine, "session").encode()
    return state.session_secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def start_session(request: Request, response: Response, name: str, password_hash: str) -> None:
    payload = _b64(
        json.dumps(
            {
                "a": name,
                "k": fingerprint(password_hash),
                "s": secrets.token_urlsafe(16),
                "e": int(time.time()) + SESSION_SECONDS,
            },
            ensure_ascii=False,
        ).encode()
    )
    response.set_cookie(
        SESSION_COOKIE,
        f"{payload}.{_sign(_secret(request), payload)}",
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_https(request),
        path="/",
    )


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_https(request))


def _session_payload(request: Request) -> dict | None:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    payload, _, signature = cookie.partition(".")
    if not payload or not signature or not hmac.compare_digest(signature, _sign(_secret(request), payload)):
        return None
    try:
        data = json.loads(_unb64(payload))
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int) or data["e"] < time.time():
        return None
    return data


def current_account(request: Request) -> SessionAccount | None:
    """The logged-in account of this request, or None (no, a forged or an expired cookie, a disabled
    account, a changed password). Cached on the request."""
    if hasattr(request.state, "account"):
        return request.state.account
    account = None
    data = _session_payload(request)
    if data is not None:
        from portfolio import accounts
        from portfolio.web.deps import session

        with session(request) as opened:
            found = accounts.find(opened, str(data.get("a", "")))
            if (
                found is not None
                and not found.disabled
                and hmac.compare_digest(fingerprint(found.password_hash), str(data.get("k", "")))
            ):
                account = SessionAccount(found.name, found.role, str(data.get("s", "")))
    request.state.account = account
    return account


def any_accounts(request: Request) -> bool:
    """Whether any account exists: without one the site is read-only and shows no login link.

    Every page asks. On SQLite the answer is kept until the next commit (the page cache's change
    token, read without a query): its own session cost a project page 0.8 ms of 12. PostgreSQL's
    token is a query itself, so there the question is asked each time.
    """
    import sqlalchemy as sa

    from portfolio.models import Account
    from portfolio.web.deps import session

    token = request.app.state.page_cache.token
    version = token.current() if token.dialect == "sqlite" else None
    kept = getattr(request.app.state, "any_accounts", None)
    if version is not None and kept is not None and kept[0] == version:
        return kept[1]
    with session(request) as opened:
        found = opened.execute(sa.select(Account.id).limit(1)).first() is not None
    request.app.state.any_accounts = (version, found)
    return found


# --- CSRF ------------------------------------------------------------------------------------------


def _session_id(request: Request) -> str | None:
    account = current_account(request)
    if account is not None:
        return "s:" + account.session_id
    visitor = request.cookies.get(VISITOR_COOKIE)
    return "v:" + visitor if visitor else None


def csrf_token(request: Request) -> str:
    """The token forms of this page carry; for a visitor without a cookie yet, one is made (and set
    on the response by `visitor_cookie`)."""
    session_id = _session_id(request)
    if session_id is None:
        visitor = getattr(request.state, "new_visitor", None) or secrets.token_urlsafe(16)
        request.state.new_visitor = visitor
        session_id = "v:" + visitor
    return _sign(_secret(request), "csrf:" + session_id)


def visitor_cookie(request: Request) -> str | None:
    """The Set-Cookie value keeping the id this request gave a new visitor (see csrf_token), or None."""
    visitor = getattr(request.state, "new_visitor", None)
    if not visitor:
        return None
    response = Response()  # a response only to format the header as Starlette formats every cookie
    response.set_cookie(
        VISITOR_COOKIE,
        visitor,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_https(request),
        path="/",
    )
    return response.headers["set-cookie"]


def check_csrf(request: Request, submitted: str | None) -> None:
    session_id = _session_id(request)
    token = submitted or request.headers.get(CSRF_HEADER) or ""
    if session_id is None or not token or not hmac.compare_digest(token, _sign(_secret(request), "csrf:" + session_id)):
        raise CsrfError(
            "the form has expired or did not come from this site (CSRF token missing or wrong); "
            "reload the page and try again"
        )


def client_address(request: Request) -> str:
    """The client's address (uvicorn puts a trusted proxy's X-Forwarded-For here)."""
    return (request.client.host if request.client else None) or "unknown"


def form_token(form: FormData) -> str | None:
    """The CSRF token a submitted form carries (None when it has none, or a file in its place)."""
    token = form.get(CSRF_FIELD)
    return token if isinstance(token, str) else None


def writer(request: Request, submitted_token: str | None):
    """The Actor of a write: a logged-in admin or editor, with a valid CSRF token. The scope itself is
    checked by the library, in the write's own transaction."""
    from portfolio.actor import Actor

    account = current_account(request)
    if account is None:
        raise LoginRequired("log in first: writing needs an account")
    check_csrf(request, submitted_token)
    if not account.may_write:
        raise PermissionDenied(f"account {account.name!r} is a viewer: it may read but not write; nothing was written")
    return Actor(account.name, "account", client_address(request))


def admin(request: Request, submitted_token: str | None = None, *, check_token: bool = True) -> SessionAccount:
    account = current_account(request)
    if account is None:
        raise LoginRequired("log in first: this page is for admins")
    if not account.is_admin:
        raise PermissionDenied(f"account {account.name!r} is not an admin")
    if check_token:
        check_csrf(request, submitted_token)
    return account
