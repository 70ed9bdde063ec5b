"""The web application: create_app(database_url) builds it; nothing connects at import time."""

from __future__ import annotations

import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portfolio import __version__
from portfolio.errors import DataError, PermissionDenied, PortfolioError
from portfolio.web.auth import visitor_cookie
from portfolio.web.deps import NotFound, templates

HERE = Path(__file__).parent
DATABASE_ENV = "PORTFOLIO_DB"
log = logging.getLogger("portfolio.web")
MAX_PROBLEMS_SHOWN = 200  # an error page lists this many problems of a sheet at most

# Every asset is served from here: no page may load anything from another host.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# Swagger UI starts itself with an inline script and styles; still nothing from another host.
DOCS_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'"
)


def create_app(database_url: str | None = None) -> FastAPI:
    """The app for one database (a URL or file path as for --db; None: PORTFOLIO_DB or the default).

    The engine is built, and the database migrated (and seeded if new), when the app starts.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from portfolio import db
        from portfolio.web.page_cache import PageCache

        app.state.engine = db.make_engine(db.resolve_database_url(database_url))
        db.ensure_current(app.state.engine)
        token = db.ChangeToken(app.state.engine)
        app.state.page_cache = PageCache(token)
        yield
        token.close()
        app.state.engine.dispose()

    app = FastAPI(
        title="portfolio",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        description="规划项目库的只读接口：与命令行 `--format json` 相同的数据结构。",
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _add_error_handlers(app)
    app.add_middleware(ResponseHeaders)

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="portfolio 接口文档",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    from portfolio.web import auth
    from portfolio.web.routes import account, api, api_write, home, progress, projects, reference, reports, sheets

    templates.env.globals.update(
        csrf_token=auth.csrf_token, current_account=auth.current_account, any_accounts=auth.any_accounts
    )
    for module in (account, home, projects, reports, progress, sheets, reference, api, api_write):
        app.include_router(module.router)
    return app


def create_app_from_environment() -> FastAPI:
    """For `uvicorn --factory` with several workers: the database comes from PORTFOLIO_DB."""
    return create_app(os.environ.get(DATABASE_ENV))


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(
    request: Request, status: int, title: str, message: str, problems: list[str] | None = None, shown: str | None = None
):
    """The error as JSON under /api/, else as a page; library messages in Chinese (the English in error_en).

    `shown` is the Chinese when the caller has it already (request checks); else the catalogue gives it."""
    from portfolio.i18n import translate_message

    shown = shown or translate_message(message, "zh")
    listed = [translate_message(problem, "zh") for problem in problems or []]
    if listed == [shown]:
        listed = []
    if _wants_json(request):
        body: dict[str, object] = {"error": shown, "error_en": message}
        if problems:
            body["problems"] = listed
        return JSONResponse(body, status_code=status)
    return templates.TemplateResponse(
        request, "error.html", {"title": title, "message": shown, "problems": listed}, status_code=status
    )


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound):
        return _error(request, 404, "未找到", str(error))

    @app.exception_handler(PermissionDenied)
    async def refused(request: Request, error: PermissionDenied):
        from portfolio.web.auth import LoginRequired

        if isinstance(error, LoginRequired):
            return _error(request, 401, "请先登录", _one_line(str(error)))
        return _error(request, 403, "无权操作", _one_line(str(error)))

    @app.exception_handler(PortfolioError)
    async def bad_input(request: Request, error: PortfolioError):
        status = 400 if error.exit_code == 2 or isinstance(error, DataError) else 500
        title = "数据有误" if isinstance(error, DataError) else "请求有误" if status == 400 else "数据错误"
        problems = getattr(error, "problems", None) or []
        return _error(request, status, title, _one_line(str(error)), problems[:MAX_PROBLEMS_SHOWN])

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, error: RequestValidationError):
        from portfolio.i18n import validation_problem

        english, chinese = zip(*(validation_problem(e) for e in error.errors()))
        return _error(request, 400, "请求有误", "; ".join(english), shown="；".join(chinese))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        messages = {404: "没有这个页面。", 405: "不接受这种请求。"}
        return _error(
            request,
            error.status_code,
            "未找到" if error.status_code == 404 else "请求有误",
            messages.get(error.status_code, str(error.detail)),
        )

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception):
        from sqlalchemy.exc import SQLAlchemyError

        log.exception("error while serving %s", request.url.path)
        if isinstance(error, SQLAlchemyError):
            response = _error(request, 503, "数据库错误", "数据库暂时无法访问，请稍后再试。")
        else:
            response = _error(request, 500, "服务器内部错误", "服务器出错了，错误已记录。")
        # This handler answers outside every middleware (Starlette's ServerErrorMiddleware): the
        # headers ResponseHeaders gives every other response are added here.
        add_security_headers(response.headers, request.url.path)
        return response


def _one_line(message: str) -> str:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    return lines[0] if lines else "未知错误"


def add_security_headers(headers: MutableHeaders, path: str) -> None:
    """What every response says about itself: where its scripts may come from, no sniffing, no referrer abroad."""
    headers.setdefault("Content-Security-Policy", DOCS_POLICY if path == "/api/docs" else PAGE_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")


class ResponseHeaders:
    """The security headers of every response, and the cookie of a visitor given an id by this request.

    Plain ASGI: the two `@app.middleware("http")` functions it replaces cost about 1.3 ms a request
    together (each runs the app in a task of its own and streams the body through), an eighth of a
    project page.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                add_security_headers(headers, path)
                cookie = visitor_cookie(request)  # the page has been made: its form token named the visitor
                if cookie:
                    headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_headers)
