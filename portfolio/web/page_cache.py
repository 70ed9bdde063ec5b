"""Pages computed from the whole portfolio, kept until the data changes.

At national size the project list without a filter counts its facets over a million projects
(10-16 s a request) and the home page summarises them all; every visitor would wait for the same
sums. A page is kept per address for visitors who are not logged in (their pages carry no account
and no form token), under the database's change token (`db.ChangeToken`): any commit by anyone
gives a new token, so a kept page is never older than the data. Where the database gives no token
(SQLite in memory), every page is computed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from portfolio.db import ChangeToken
from portfolio.web.deps import is_fragment

MAX_PAGES = 256  # per worker process; a list page is 30-100 KB
HEADER = "X-Page-Cache"  # hit | miss: tests and the benchmark read it


class PageCache:
    def __init__(self, token: ChangeToken, size: int = MAX_PAGES):
        self.token = token
        self.size = size
        self._pages: OrderedDict[tuple, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def respond(self, request: Request, render: Callable[[], Response]) -> Response:
        """The kept page for this request if there is one, else `render()`'s (kept when it may be)."""
        key = self._key(request)
        if key is None:
            return render()
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
        if kept is not None:
            body, headers = kept
            return HTMLResponse(body, headers={**headers, HEADER: "hit"})
        response = render()
        if response.status_code == 200 and not getattr(request.state, "new_visitor", None):
            headers = {name: value for name, value in response.headers.items() if name in ("vary",)}
            self._keep(key, bytes(response.body), headers)
        response.headers[HEADER] = "miss"
        return response

    def _key(self, request: Request) -> tuple | None:
        from portfolio.web.auth import current_account

        if current_account(request) is not None:
            return None
        token = self.token.current()
        if token is None:
            return None
        # the day too: a page that defaults to this month (no report yet) is made again the next day
        return (token, date.today(), request.url.path, str(request.url.query), is_fragment(request))

    def _keep(self, key: tuple, body: bytes, headers: dict[str, str]) -> None:
        with self._lock:
            if self._pages and next(reversed(self._pages))[:2] != key[:2]:
                self._pages.clear()  # the data (or the day) changed: no kept page can be served again
            self._pages[key] = (body, headers)
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def page_cache(request: Request) -> PageCache:
    return request.app.state.page_cache
