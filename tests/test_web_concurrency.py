"""Eight editors writing at once through the HTTP API of a real `portfolio serve` (two worker
processes, bound to 127.0.0.1 on a free port, stopped at the end), on SQLite and PostgreSQL:
every write each editor was told had succeeded is in the database, with its author, and nothing
else was written. A bounded number of requests, each with a time limit; no timed assertions."""

from __future__ import annotations

import re
import threading

import sqlalchemy as sa
from serverkit import serving

from portfolio import accounts, audit, db

EDITORS = 8
PROJECTS_EACH = 3  # a report for each, and a status change for the first: 4 writes per editor
PERIOD = "2026-11"
PASSWORD = "Concurrent-editor-2026"
REQUEST_SECONDS = 120
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def offices_with_projects(engine) -> dict[str, list[str]]:
    """EDITORS counties, each with PROJECTS_EACH projects lying in it alone (its office's own) and still
    reported on: {division code: project codes}."""
    statement = sa.text(
        "SELECT d.code, p.code FROM project p JOIN project_division pd ON pd.project_id = p.id "
        "JOIN division d ON d.code = pd.division_code "
        "WHERE d.level = 'county' AND p.status IN ('谋划', '前期') "
        "AND (SELECT count(*) FROM project_division x WHERE x.project_id = p.id) = 1 ORDER BY d.code, p.code"
    )
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for division, code in connection.execute(statement):
            found.setdefault(division, []).append(code)
    chosen = {division: codes[:PROJECTS_EACH] for division, codes in found.items() if len(codes) >= PROJECTS_EACH}
    assert len(chosen) >= EDITORS, "the seed data has fewer counties with projects than the test needs"
    return dict(list(chosen.items())[:EDITORS])


class Editor:
    """One editor's HTTP session: logs in, then posts its writes when every editor is ready."""

    def __init__(self, base: str, name: str, codes: list[str]):
        import httpx

        self.name, self.codes = name, codes
        self.client = httpx.Client(base_url=base, timeout=REQUEST_SECONDS, follow_redirects=False)
        self.told: list[tuple[str, str, int]] = []  # (what, code, HTTP status) of each write
        self.errors: list[str] = []

    def log_in(self) -> None:
        token = TOKEN.search(self.client.get("/login").text).group(1)
        response = self.client.post("/login", data={"name": self.name, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 303, response.text[:300]
        self.client.headers["X-CSRF-Token"] = self.client.get("/api/session").json()["csrf_token"]

    def write(self, start: threading.Barrier) -> None:
        try:
            start.wait(timeout=REQUEST_SECONDS)
            for index, code in enumerate(self.codes, start=1):
                body = {"period": PERIOD, "invest_period": 10 * index, "invest_cumulative": 10 * index}
                body["progress"] = f"{self.name} 第{index}项"
                response = self.client.post(f"/api/projects/{code}/reports", json=body)
                self.told.append(("report", code, response.status_code))
            response = self.client.post(
                f"/api/projects/{self.codes[0]}/status", json={"status": "在建", "date": "2026-11-15"}
            )
            self.told.append(("status", self.codes[0], response.status_code))
        except Exception as error:  # a refused connection or a time-out is what this test exists to catch
            self.errors.append(f"{self.name}: {type(error).__name__}: {error}")
        finally:
            self.client.close()


def test_eight_editors_writing_at_once_lose_nothing(seeded_url, engine_of, tmp_path):
    engine = engine_of(seeded_url)
    offices = offices_with_projects(engine)
    with db.session_scope(engine, write=True) as session:
        for division in offices:
            scope = accounts.resolve_scope(session, "editor", [division], [])
            accounts.add_account(session, f"editor-{division}", "editor", PASSWORD, scope)
    with engine.connect() as connection:
        reports_before = connection.execute(sa.text("SELECT count(*) FROM period_report")).scalar()
        status_before = connection.execute(sa.text("SELECT count(*) FROM status_event")).scalar()

    with serving(seeded_url, tmp_path / "serve.log", "--workers", "2") as base:
        editors = [Editor(base, f"editor-{division}", codes) for division, codes in offices.items()]
        for editor in editors:
            editor.log_in()
        start = threading.Barrier(EDITORS)
        threads = [threading.Thread(target=editor.write, args=(start,)) for editor in editors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=REQUEST_SECONDS * (PROJECTS_EACH + 2))
        assert not any(thread.is_alive() for thread in threads), "a writer did not finish"

    assert [error for editor in editors for error in editor.errors] == []
    assert all(status == 200 for editor in editors for _, _, status in editor.told), [e.told for e in editors]
    assert sum(len(editor.told) for editor in editors) == EDITORS * (PROJECTS_EACH + 1)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM period_report")).scalar() == reports_before + (
            EDITORS * PROJECTS_EACH
        )
        assert connection.execute(sa.text("SELECT count(*) FROM status_event")).scalar() == status_before + EDITORS
        for editor in editors:
            for index, code in enumerate(editor.codes, start=1):
                rows = connection.execute(
                    sa.text(
                        "SELECT r.invest_cumulative, r.progress, r.actor FROM period_report r "
                        "JOIN project p ON p.id = r.project_id WHERE p.code = :code AND r.period = :period "
                        "AND r.retracted_at IS NULL"
                    ),
                    {"code": code, "period": PERIOD},
                ).all()
                assert rows == [(10.0 * index, f"{editor.name} 第{index}项", f"account:{editor.name}")]
            status = connection.execute(
                sa.text(
                    "SELECT p.status, e.actor FROM project p JOIN status_event e ON e.project_id = p.id "
                    "WHERE p.code = :code ORDER BY e.id DESC LIMIT 1"
                ),
                {"code": editor.codes[0]},
            ).one()
            assert tuple(status) == ("在建", f"account:{editor.name}")
    with db.session_scope(engine) as session:
        for editor in editors:
            written = audit.audit(session, account=editor.name)
            assert len(written) == PROJECTS_EACH + 1
            assert all(row.address == "127.0.0.1" for row in written)
