"""Fixtures: isolated environment, real databases on SQLite and PostgreSQL.

PostgreSQL tests need PORTFOLIO_TEST_POSTGRES_URL (a server where the user may create
databases). Locally they are skipped with that reason when it is unset; under CI
(CI set) a missing server is an error, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portfolio import db
from portfolio.cli import app

POSTGRES_ENV = "PORTFOLIO_TEST_POSTGRES_URL"
SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTFOLIO_DB", raising=False)
    monkeypatch.delenv("PORTFOLIO_NO_AUTOSEED", raising=False)
    monkeypatch.setenv("PORTFOLIO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")


def _postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql://postgres:pw@127.0.0.1/postgres)")
    return url


def _admin_execute(admin_url: str, statement: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(db.resolve_database_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _database_url(admin_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(db.resolve_database_url(admin_url)).set(database=name).render_as_string(hide_password=False)


class DatabaseFactory:
    """Creates empty or seeded databases of one engine; seeded ones are copies of a template."""

    def __init__(self, engine: str, workdir: Path):
        self.engine = engine
        self.workdir = workdir
        self.created: list[str] = []
        self._templates: dict[str, str] = {}

    def empty(self) -> str:
        name = f"portfolio_test_{uuid.uuid4().hex[:12]}"
        if self.engine == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        admin = _postgres_admin_url()
        _admin_execute(admin, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return _database_url(admin, name)

    def seeded(self) -> str:
        """A copy of a migrated database holding the shipped seeds."""
        return self._copy("seeded", lambda url: None)

    def seeded_with_small_plan(self) -> str:
        """A copy of the seeded database plus the small test plan of seedkit (three items)."""
        return self._copy("small", _load_small_plan)

    def _copy(self, template: str, prepare) -> str:
        """A fresh copy of a template built once per run: migrated, seeded, then `prepare(url)`."""
        if template not in self._templates:
            url = self.empty()
            engine = db.make_engine(url)
            db.ensure_current(engine)
            engine.dispose()
            prepare(url)
            self._templates[template] = url
        source = self._templates[template]
        if self.engine == "sqlite":
            target = self.workdir / f"portfolio_test_{uuid.uuid4().hex[:12]}.db"
            shutil.copy(source.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        admin = _postgres_admin_url()
        name = f"portfolio_test_{uuid.uuid4().hex[:12]}"
        _admin_execute(admin, f'CREATE DATABASE "{name}" TEMPLATE "{source.rsplit("/", 1)[1]}"')
        self.created.append(name)
        return _database_url(admin, name)

    def drop_all(self) -> None:
        if self.engine != "postgresql":
            return
        admin = _postgres_admin_url()
        for name in reversed(self.created):
            _admin_execute(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _load_small_plan(url: str) -> None:
    """What `seed load` of the small test plan does, without the CLI: apply, then refresh statistics."""
    import tempfile

    from seedkit import make_seed_dir

    from portfolio import seeding

    engine = db.make_engine(url)
    try:
        with tempfile.TemporaryDirectory() as directory, db.session_scope(engine, exclusive=True) as session:
            seeding.apply(session, seeding.load_checked(make_seed_dir(Path(directory))))
        db.refresh_statistics(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def databases(request, tmp_path_factory):
    if request.param == "postgresql":
        _postgres_admin_url()
    factory = DatabaseFactory(request.param, tmp_path_factory.mktemp(request.param))
    yield factory
    factory.drop_all()


@pytest.fixture
def seeded_url(databases) -> str:
    """A fresh copy of a migrated and seeded database."""
    return databases.seeded()


@pytest.fixture
def small_url(databases) -> str:
    """A fresh copy of the seeded database with the small test plan (TP-02-001 … TP-02-003) loaded."""
    return databases.seeded_with_small_plan()


@pytest.fixture
def empty_url(databases) -> str:
    return databases.empty()


@pytest.fixture
def engine_of():
    engines = []

    def make(url: str):
        engine = db.make_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


class Cli:
    def __init__(self, url: str):
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None):
        return self.runner.invoke(app, ["--db", self.url, *args], input=input)

    def json(self, *args: str):
        result = self(*args, "--format", "json")
        assert result.exit_code == 0, result.stderr or result.output
        return json.loads(result.stdout)


@pytest.fixture
def postgres_seeded() -> Iterator[str]:
    """A seeded PostgreSQL database of its own, for tests of PostgreSQL alone."""
    _postgres_admin_url()
    factory = DatabaseFactory("postgresql", None)
    yield factory.seeded()
    factory.drop_all()


@pytest.fixture
def cli(seeded_url) -> Cli:
    return Cli(seeded_url)


@pytest.fixture
def small(small_url) -> Cli:
    """The CLI on the seeded database plus the small test plan (3 items in 芒康县 and three other counties)."""
    return Cli(small_url)


# --- the web front end ------------------------------------------------------------------


@pytest.fixture(scope="module")
def web_url(databases) -> str:
    """A seeded database shared by a module's read-only web tests (one per engine)."""
    return databases.seeded()


@pytest.fixture(scope="module")
def web(web_url):
    """FastAPI's test client on the app for `web_url`; server errors fail the test."""
    from fastapi.testclient import TestClient

    from portfolio.web.app import create_app

    with TestClient(create_app(web_url)) as client:
        client.cli = Cli(web_url)
        yield client


BROWSER_PACKAGES = "chromium chromium-driver fonts-noto-cjk"


def browser_binaries() -> tuple[str, str]:
    """Debian's chromium and its matching chromedriver; missing ones skip locally and fail under CI."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        message = f"the browser tests need Debian's {BROWSER_PACKAGES} (apt-get install them; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return browser, driver
