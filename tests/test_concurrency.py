"""Concurrent writers on one database, on SQLite and PostgreSQL.

Each scenario runs writers in threads (each thread its own connection, so the database, not
Python, decides who waits) and checks afterwards, from the database, that every update a
writer was told had succeeded is there, that no writer failed for any reason but a true one
(a project pruned before the update reached it), and that every reported transition is true.
Each scenario repeats ROUNDS times at small scale.
"""

from __future__ import annotations

import itertools
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from seedkit import SMALL_PLAN, make_seed_dir
from sqlalchemy import select

from portfolio import changes, db, seeding
from portfolio.errors import UserInputError
from portfolio.models import Project, StatusEvent

ROUNDS = 10
STATUSES = ["谋划", "前期", "在建", "建成", "暂缓"]
BASE_CODES = ["TP-02-001", "TP-02-002", "TP-02-003"]


@dataclass
class Outcome:
    """What the writers were told: successes, refusals for a true reason, and anything else."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    recorded: list[changes.StatusChange] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def run(self, action, *, refusable: bool = False) -> None:
        try:
            result = action()
        except UserInputError as error:
            with self.lock:
                (self.refused if refusable and "unknown project code" in str(error) else self.failures).append(
                    str(error)
                )
            return
        except Exception as error:  # any other failure is what these tests exist to catch
            with self.lock:
                self.failures.append(f"{type(error).__name__}: {error}")
            return
        with self.lock:
            self.recorded.extend(result if isinstance(result, list) else [result])


def _run_threads(targets) -> None:
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"


def _small_database(engine_of, empty_url, monkeypatch, seed_dir: Path):
    monkeypatch.setenv("PORTFOLIO_NO_AUTOSEED", "1")
    engine = engine_of(empty_url)
    db.ensure_current(engine)
    _load(engine, seed_dir)
    return engine


def _load(engine, seed_dir: Path, *, prune: bool = False) -> seeding.LoadReport:
    with db.session_scope(engine, write=True) as session:
        return seeding.apply(session, seeding.load_checked(seed_dir), prune=prune)


def _set_status(engine, code: str, status: str, note: str) -> changes.StatusChange:
    with db.session_scope(engine, write=True) as session:
        return changes.set_status(session, code, status, note=note)


def _import(engine, path: Path) -> list[changes.StatusChange]:
    with db.session_scope(engine, write=True) as session:
        return changes.import_sheet(session, path).changes


def _user_events(engine) -> dict[int, tuple[str, str, str]]:
    """Every user event by id: (project code, status, note)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(StatusEvent.id, Project.code, StatusEvent.status, StatusEvent.note)
            .join(Project, Project.id == StatusEvent.project_id)
            .where(StatusEvent.origin == "user")
        ).all()
    return {row.id: (row.code, row.status, row.note) for row in rows}


def _assert_every_success_is_stored(engine, outcome: Outcome) -> None:
    stored = _user_events(engine)
    told = {change.event_id: (change.code, change.status, change.note) for change in outcome.recorded}
    assert len(told) == len(outcome.recorded), "two successes reported the same event"
    assert told == stored


def _plan_with_extra_column(round_number: int, items: int) -> str:
    extra = "\n".join(
        f"          - {{code: TP-03-{round_number * 10 + i:03d}, name: 第{round_number}轮测试水厂{i}, line: 21}}"
        for i in range(items)
    )
    return (
        SMALL_PLAN
        + f"""\
  - number: 3
    title: 临时工程
    kind: projects
    line: 20
    sector: water_supply
    groups:
      - label: 芒康县
        line: 21
        county: 芒康
        items:
{extra}
"""
    )


def test_reload_with_prune_racing_updates_loses_no_event(tmp_path, empty_url, engine_of, monkeypatch):
    seed_dir = make_seed_dir(tmp_path)
    engine = _small_database(engine_of, empty_url, monkeypatch, seed_dir)
    plan_file = seed_dir / "plans" / "test-plan.yaml"
    outcome, attempts, kept = Outcome(), 0, 0
    for round_number in range(ROUNDS):
        plan_file.write_text(_plan_with_extra_column(round_number, 6), encoding="utf-8")
        _load(engine, seed_dir)
        codes = [f"TP-03-{round_number * 10 + i:03d}" for i in range(6)]
        plan_file.write_text(SMALL_PLAN, encoding="utf-8")
        reports: list[seeding.LoadReport] = []

        def updater(worker: int, codes=codes, round_number=round_number) -> None:
            for i in range(6):
                outcome.run(
                    lambda: _set_status(
                        engine, codes[(worker + i) % len(codes)], STATUSES[i % 5], f"r{round_number}-w{worker}-{i}"
                    ),
                    refusable=True,
                )

        def reloader() -> None:
            time.sleep(0.01)
            outcome.run(lambda: reports.append(_load(engine, seed_dir, prune=True)) or [])

        _run_threads([lambda w=w: updater(w) for w in range(4)] + [reloader])
        attempts += 4 * 6
        assert len(reports) == 1
        # An item survives the prune exactly when a user event reached it first.
        with engine.connect() as connection:
            surviving = set(connection.execute(select(Project.code).where(Project.code.in_(codes))).scalars())
        touched = {change.code for change in outcome.recorded if change.code in codes}
        assert surviving == touched
        kept += len(touched)
        assert set(reports[0].kept_with_history) & set(codes) == touched
    assert outcome.failures == []
    assert len(outcome.recorded) + len(outcome.refused) == attempts
    _assert_every_success_is_stored(engine, outcome)
    assert outcome.recorded and kept  # the scenario exercised both sides of the race


def _write_sheet(path: Path, codes: list[str], tag: str) -> Path:
    rows = [f"{code},{random.choice(STATUSES)},{tag}-{n}" for n, code in enumerate(codes)]
    path.write_text("code,status,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_mixed_writers_queue_without_errors(tmp_path, empty_url, engine_of, monkeypatch):
    seed_dir = make_seed_dir(tmp_path)
    engine = _small_database(engine_of, empty_url, monkeypatch, seed_dir)
    outcome = Outcome()
    for round_number in range(ROUNDS):

        def updater(worker: int, round_number=round_number) -> None:
            for i in range(3):
                outcome.run(
                    lambda: _set_status(
                        engine, random.choice(BASE_CODES), random.choice(STATUSES), f"r{round_number}-w{worker}-{i}"
                    )
                )

        def importer(worker: int, round_number=round_number) -> None:
            for i in range(2):
                codes = random.sample(BASE_CODES, k=3)  # each sheet in its own order
                sheet = _write_sheet(
                    tmp_path / f"sheet-{round_number}-{worker}-{i}.csv", codes, f"r{round_number}-i{worker}-{i}"
                )
                outcome.run(lambda: _import(engine, sheet))

        def reloader() -> None:
            outcome.run(lambda: _load(engine, seed_dir) and [])

        _run_threads(
            [lambda w=w: updater(w) for w in range(3)] + [lambda w=w: importer(w) for w in range(3)] + [reloader]
        )
    assert outcome.failures == []
    assert len(outcome.recorded) == ROUNDS * (3 * 3 + 3 * 2 * 3)
    _assert_every_success_is_stored(engine, outcome)
    _assert_current_is_latest(engine)


def _assert_current_is_latest(engine) -> None:
    with engine.connect() as connection:
        for code in BASE_CODES:
            project = connection.execute(select(Project.id, Project.status).where(Project.code == code)).one()
            latest = connection.execute(
                select(StatusEvent.status)
                .where(StatusEvent.project_id == project.id)
                .order_by(StatusEvent.effective_date.desc(), StatusEvent.id.desc())
                .limit(1)
            ).scalar_one()
            assert project.status == latest


def test_many_writers_on_one_project_report_true_transitions(tmp_path, empty_url, engine_of, monkeypatch):
    seed_dir = make_seed_dir(tmp_path)
    engine = _small_database(engine_of, empty_url, monkeypatch, seed_dir)
    code = "TP-02-001"
    outcome = Outcome()
    for round_number in range(ROUNDS):

        def updater(worker: int, round_number=round_number) -> None:
            for i in range(3):
                outcome.run(
                    lambda: _set_status(engine, code, random.choice(STATUSES), f"r{round_number}-w{worker}-{i}")
                )

        _run_threads([lambda w=w: updater(w) for w in range(8)])
    assert outcome.failures == []
    assert len(outcome.recorded) == ROUNDS * 8 * 3
    _assert_every_success_is_stored(engine, outcome)
    with engine.connect() as connection:
        events = connection.execute(
            select(StatusEvent.id, StatusEvent.status)
            .join(Project)
            .where(Project.code == code)
            .order_by(StatusEvent.id)
        ).all()
    status_before = {later.id: earlier.status for earlier, later in itertools.pairwise(events)}
    # All events share today's date, so each one's predecessor by id was the current status.
    wrong = [c for c in outcome.recorded if c.previous != status_before[c.event_id]]
    assert wrong == []
    assert all(change.current == change.status for change in outcome.recorded)
