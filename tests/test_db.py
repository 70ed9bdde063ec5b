"""Database URLs, engines, migrations."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from portfolio import db
from portfolio.errors import DatabaseError, UserInputError


def test_path_becomes_sqlite_url(tmp_path):
    assert db.resolve_database_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


def test_postgres_scheme_uses_psycopg():
    assert db.resolve_database_url("postgres://u:p@h/d") == "postgresql+psycopg://u:p@h/d"


def test_unknown_scheme_is_a_user_error():
    with pytest.raises(UserInputError, match="unsupported database URL scheme 'mysql'"):
        db.resolve_database_url("mysql://u@h/d")


def test_default_database_is_in_the_data_directory_and_private(tmp_path):
    url = db.resolve_database_url(None)
    assert url == f"sqlite:///{tmp_path / 'home' / 'portfolio.db'}"
    engine = db.make_engine(url)
    db.ensure_current(engine, seed=False)
    engine.dispose()
    mode = stat.S_IMODE(os.stat(tmp_path / "home" / "portfolio.db").st_mode)
    assert mode == 0o600


def test_password_is_masked():
    assert "secret" not in db.display_url("postgresql+psycopg://me:secret@host/db")


def test_file_that_is_not_a_database(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="cannot open database"):
        db.ensure_current(db.make_engine(db.resolve_database_url(str(bogus))))


def test_unreachable_server_masks_password():
    engine = db.make_engine(db.resolve_database_url("postgresql://me:secret@127.0.0.1:1/none?connect_timeout=2"))
    with pytest.raises(DatabaseError) as caught:
        db.check_connection(engine)
    assert "secret" not in str(caught.value) and "cannot open database" in str(caught.value)


def test_schema_head_constant_matches_migrations():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config())
    assert script.get_current_head() == db.SCHEMA_HEAD


def test_models_and_migrations_agree(empty_url, engine_of):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = engine_of(empty_url)
    db.ensure_current(engine, seed=False)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": db.managed_by_autogenerate}
        )
        assert compare_metadata(context, SQLModel.metadata) == []


def test_downgrade_and_upgrade_round_trip_on_a_seeded_database(seeded_url, engine_of):
    engine = engine_of(seeded_url)
    db.downgrade(engine, "base")
    assert db.current_revision(engine) is None
    assert db.ensure_current(engine) is True  # an empty schema again, so it is seeded afresh
    from portfolio import seeding
    from portfolio.paths import seeds_dir

    with engine.connect() as connection:
        projects = connection.execute(text("SELECT count(*) FROM project")).scalar()
    assert projects == len(seeding.read_seeds(seeds_dir())[0].projects) > 0
    assert db.current_revision(engine) == db.SCHEMA_HEAD


def test_sqlite_pragmas(tmp_path, engine_of):
    engine = engine_of(db.resolve_database_url(str(tmp_path / "p.db")))
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS


def test_migrations_and_seeds_are_found_where_portfolio_is_installed():
    """From a wheel (CI installs one) the packaged copies are used, and they are complete; from a
    checkout, the checkout's own directories."""
    import portfolio
    from portfolio.paths import migrations_dir, seeds_dir

    package = Path(portfolio.__file__).resolve().parent
    installed = (package / "_data").is_dir()
    base = package / "_data" if installed else package.parent
    assert migrations_dir() == base / "migrations" and seeds_dir() == base / "seeds"
    revisions = sorted(p.name for p in (migrations_dir() / "versions").glob("0*.py"))
    assert revisions and revisions[-1].startswith(db.SCHEMA_HEAD)
    assert (migrations_dir() / "env.py").is_file() and (seeds_dir() / "divisions.csv").is_file()


def test_postgres_password_from_the_environment(monkeypatch):
    from conftest import _postgres_admin_url
    from sqlalchemy.engine import make_url

    url = make_url(db.resolve_database_url(_postgres_admin_url()))
    if not url.password:
        pytest.skip("the test server URL has no password to move into PGPASSWORD")
    monkeypatch.setenv("PGPASSWORD", url.password)
    without_password = url.set(password=None).render_as_string(hide_password=False)
    engine = db.make_engine(without_password)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_every_connection_is_configured_for_its_engine(empty_url, engine_of):
    """PostgreSQL runs without JIT (it compiled a report's statement for longer than it ran), and
    a rolled-back transaction does not undo that; SQLite enforces foreign keys."""
    engine = engine_of(empty_url)
    for _ in range(2):  # the second connection comes back from the pool
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
                connection.rollback()
                assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
            else:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_insert_rows_stores_what_a_core_insert_stores(seeded_url, engine_of):
    """db.insert_rows passes the rows' values to the driver as they are and converts the shared
    ones once: what it stores reads back exactly as what a Core insert of the same values stored."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from portfolio.models import PeriodReport

    engine = engine_of(seeded_url)
    table = PeriodReport.__table__
    moment = datetime(2026, 12, 20, 8, 30, 15, 123456, tzinfo=UTC)
    shared = {"actor": "测试", "address": None, "recorded_at": moment}
    with db.session_scope(engine, write=True) as session:
        project_id = session.connection().exec_driver_sql("SELECT min(id) FROM project").scalar()
        row = {"project_id": project_id, "period": "2026-12", "source": "表.csv:表:2", "invest_period": 10.0}
        row["progress"] = "施工"
        session.connection().execute(sa.insert(table), [{**shared, **row}])
        row["period"] = "2027-01"  # one counting report per project and period
        db.insert_rows(session, table, shared, list(row), [tuple(row.values())])
        db.insert_rows(session, table, shared, list(row), [])  # nothing to insert: nothing happens
        with pytest.raises(TypeError, match=r"period_report\.retracted_at needs converting"):
            db.insert_rows(session, table, {}, ["retracted_at"], [(moment,)])
        stored = (
            session.connection()
            .exec_driver_sql(
                "SELECT project_id, source, invest_period, progress, actor, address, recorded_at "
                "FROM period_report WHERE period IN ('2026-12', '2027-01') ORDER BY period"
            )
            .all()
        )
        session.rollback()
    assert len(stored) == 2 and stored[0] == stored[1]
