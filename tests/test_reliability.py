"""Concurrent writers, interrupted loads, migrations on live data, backups."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date

import pytest
from seedkit import make_seed_dir
from sqlalchemy import func, select, text

from portfolio import changes, db, seeding
from portfolio.models import Project, ProjectDivision, StatusEvent
from portfolio.paths import seeds_dir

WORKERS, UPDATES = 8, 200
STATUSES = ["谋划", "前期", "在建", "建成", "暂缓"]


def _snapshot(url: str) -> dict[str, int]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            return {
                model.__tablename__: connection.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Project, ProjectDivision, StatusEvent)
            }
    finally:
        engine.dispose()


def _worker(url: str, worker: int, codes: list[str]) -> None:
    engine = db.make_engine(url)
    for i in range(UPDATES):
        with db.session_scope(engine, write=True) as session:
            changes.set_status(
                session, codes[(worker + i) % len(codes)], STATUSES[i % len(STATUSES)], note=f"w{worker}-{i}"
            )
    engine.dispose()


def test_concurrent_writers_lose_nothing(small_url):
    seeded_url = small_url
    engine = db.make_engine(seeded_url)
    codes = ["TP-02-001", "TP-02-002", "TP-02-003"]
    before = _snapshot(seeded_url)["status_event"]
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(seeded_url, w, codes)) for w in range(WORKERS)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
    assert [p.exitcode for p in processes] == [0] * WORKERS
    with engine.connect() as connection:
        events = connection.execute(text("SELECT count(*) FROM status_event WHERE note LIKE 'w%'")).scalar_one()
        assert events == WORKERS * UPDATES
        assert _snapshot(seeded_url)["status_event"] == before + WORKERS * UPDATES
        for code in codes:
            latest = connection.execute(
                text(
                    "SELECT e.status FROM status_event e JOIN project p ON p.id = e.project_id WHERE p.code = :c "
                    "ORDER BY e.effective_date DESC, e.id DESC LIMIT 1"
                ),
                {"c": code},
            ).scalar_one()
            current = connection.execute(text("SELECT status FROM project WHERE code = :c"), {"c": code}).scalar_one()
            assert current == latest
    engine.dispose()


LOADER = textwrap.dedent("""
    import sys
    from datetime import date
    from portfolio import db, seeding
    sys.path.insert(0, {tests!r})
    from seedkit import make_seed_dir
    url, count = sys.argv[1], int(sys.argv[2])
    bundle = seeding.load_checked(make_seed_dir(__import__("pathlib").Path(sys.argv[3])))
    template = bundle.projects[0]
    bundle.projects = [seeding.SeedProject(**{{**template.__dict__, "code": f"TP-02-{{i:03d}}",
                       "name": f"{{template.name}}{{i}}"}}) for i in range(count)]
    engine = db.make_engine(url)
    with db.session_scope(engine, exclusive=True) as session:
        seeding.apply(session, bundle)
        session.flush()
        print("written", flush=True)
        sys.stdin.read()  # hold the transaction open until killed
""")


def test_a_killed_load_leaves_the_database_as_it_was(tmp_path, seeded_url):
    before = _snapshot(seeded_url)
    script = tmp_path / "loader.py"
    script.write_text(LOADER.format(tests=os.path.dirname(__file__)), encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, str(script), seeded_url, "1000", str(tmp_path / "seeds")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "written"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert _snapshot(seeded_url) == before
    engine = db.make_engine(seeded_url)
    with db.session_scope(engine, exclusive=True) as session:
        report = seeding.apply(session, seeding.load_checked(make_seed_dir(tmp_path / "again")))
    engine.dispose()
    assert report.plans["test-plan"].inserted == 3


def test_migrations_keep_every_row_and_the_history(small_url):
    seeded_url = small_url
    engine = db.make_engine(seeded_url)
    with db.session_scope(engine, write=True) as session:
        changes.set_status(session, "TP-02-001", "在建", effective_date=date(2024, 1, 2), note="kept")
    before = _snapshot(seeded_url)
    db.downgrade(engine, "0001")
    assert _snapshot(seeded_url) == before
    db.ensure_current(engine)  # an older database opened by a newer portfolio
    assert db.current_revision(engine) == db.SCHEMA_HEAD
    assert _snapshot(seeded_url) == before
    with db.session_scope(engine) as session:
        from portfolio import queries

        assert [e.note for e in queries.history(session, "TP-02-001")][-1] == "kept"
        flt = queries.ProjectFilter(search="测试水厂")
        assert [r.code for r in queries.list_projects(session, flt)] == ["TP-02-001"]
    engine.dispose()


def test_backup_of_a_database_in_use_restores_identically(tmp_path):
    from typer.testing import CliRunner

    from portfolio.cli import app

    database = tmp_path / "live.db"
    runner = CliRunner()
    assert runner.invoke(app, ["--db", str(database), "seed", "load", str(make_seed_dir(tmp_path))]).exit_code == 0
    assert runner.invoke(app, ["--db", str(database), "projects", "set-status", "TP-02-001", "前期"]).exit_code == 0
    reader = db.make_engine(db.resolve_database_url(str(database)))
    with reader.connect() as connection:  # another user is reading while the backup runs
        connection.execute(text("SELECT count(*) FROM project")).scalar_one()
        result = runner.invoke(app, ["--db", str(database), "db", "backup", str(tmp_path / "copy.db")])
        assert result.exit_code == 0, result.output
    reader.dispose()
    import sqlite3

    def dump(path):
        with sqlite3.connect(path) as connection:
            return list(connection.iterdump())

    assert dump(tmp_path / "copy.db") == dump(database)
    restored = runner.invoke(
        app, ["--db", str(tmp_path / "copy.db"), "projects", "history", "TP-02-001", "--format", "json"]
    )
    assert restored.exit_code == 0 and '"前期"' in restored.stdout


def _first_use(url: str) -> None:
    engine = db.make_engine(url)
    try:
        db.ensure_current(engine)
    finally:
        engine.dispose()


def test_processes_opening_a_new_database_together_all_see_it_seeded(empty_url):
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_first_use, args=(empty_url,)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=240)
    assert [p.exitcode for p in processes] == [0] * 4
    expected = len(seeding.read_seeds(seeds_dir())[0].projects)
    assert _snapshot(empty_url)["project"] == expected


def test_a_seed_error_on_first_use_leaves_the_database_unmigrated(empty_url, monkeypatch, tmp_path):
    broken = make_seed_dir(tmp_path, "plan: [\n")
    monkeypatch.setattr("portfolio.paths.seeds_dir", lambda: broken)
    engine = db.make_engine(empty_url)
    with pytest.raises(seeding.SeedFilesError):
        db.ensure_current(engine)
    assert db.current_revision(engine) is None
    engine.dispose()


def test_a_reader_that_stops_early_gets_no_error_message(seeded_url):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "portfolio",
            "--db",
            seeded_url,
            "projects",
            "list",
            "--format",
            "csv",
            "--limit",
            "1000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    process.stdout.close()  # like `| head`: nobody reads what comes
    stderr = process.stderr.read()
    assert process.wait(timeout=60) in (0, 141)
    assert stderr.strip() == ""
