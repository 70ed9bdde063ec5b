"""Property-based: malformed seed files, status sheets and CLI arguments never give a
traceback or a partial write, only a clear error. Bounded in examples and time."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from portfolio import changes, db, seeding
from portfolio.cli import app
from portfolio.errors import PortfolioError
from seedkit import SMALL_PLAN, make_seed_dir

BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
hostile_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(['"', "' OR 1=1 --", "水\" OR \"x", "*", "NEAR(a b)", "\x00", "\u202e芒康", "芒" * 5000,
                     "../../etc/passwd", "%", "_", "\\", "\r\n"]),
)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "h.db"
    url = db.resolve_database_url(str(path))
    engine = db.make_engine(url)
    db.ensure_current(engine)
    with db.session_scope(engine, exclusive=True) as session:
        seeding.apply(session, seeding.load_checked(make_seed_dir(path.parent / "seed")))
    engine.dispose()
    return url


def _events(url: str) -> int:
    from sqlalchemy import text

    engine = db.make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM status_event")).scalar_one()
    engine.dispose()
    return count


@BOUNDED
@given(value=hostile_text, option=st.sampled_from(["--county", "--status", "--sector", "--plan", "--search",
                                                   "--prefecture", "--kind", "--sort", "--format"]))
def test_cli_filters_never_crash(database, value, option):
    result = CliRunner().invoke(app, ["--db", database, "projects", "list", option, value, "--format", "json"]
                                if option != "--format" else ["--db", database, "projects", "list", option, value])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


@BOUNDED
@given(code=hostile_text, status=hostile_text, note=hostile_text)
def test_set_status_never_crashes_or_half_writes(database, code, status, note):
    before = _events(database)
    result = CliRunner().invoke(app, ["--db", database, "projects", "set-status", "--note", note, "--", code, status])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert _events(database) == before + (1 if result.exit_code == 0 else 0)


@BOUNDED
@given(content=st.one_of(st.binary(max_size=500), st.text(max_size=500).map(lambda t: t.encode("utf-8"))))
def test_status_sheets_never_crash_or_half_write(database, tmp_path_factory, content):
    sheet = tmp_path_factory.mktemp("sheet") / "s.csv"
    sheet.write_bytes(content)
    before = _events(database)
    engine = db.make_engine(database)
    try:
        with db.session_scope(engine, write=True) as session:
            changes.import_sheet(session, sheet)
    except PortfolioError as error:
        assert str(error) and "\n" not in str(error).strip()
        assert _events(database) == before
    finally:
        engine.dispose()


@BOUNDED
@given(mutation=st.one_of(
    st.binary(max_size=400).map(lambda b: ("replace", b)),
    st.tuples(st.integers(0, len(SMALL_PLAN)), st.text(max_size=20)).map(lambda t: ("insert", t)),
))
def test_malformed_seed_files_load_nothing(database, tmp_path_factory, mutation):
    kind, value = mutation
    if kind == "replace":
        data = value
    else:
        position, text = value
        data = (SMALL_PLAN[:position] + text + SMALL_PLAN[position:]).encode("utf-8")
    seed_dir = make_seed_dir(tmp_path_factory.mktemp("seed"))
    (seed_dir / "plans" / "test-plan.yaml").write_bytes(data)
    before = _events(database)
    engine = db.make_engine(database)
    try:
        with db.session_scope(engine, exclusive=True) as session:
            seeding.apply(session, seeding.load_checked(seed_dir))
    except PortfolioError as error:
        assert ":" in str(error)
        assert _events(database) == before
    finally:
        engine.dispose()
