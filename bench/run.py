"""Benchmark portfolio at national scale, each operation next to its floor, in one run.

    python bench/run.py --projects 1000000            # SQLite in a temporary directory
    python bench/run.py --projects 200000 --db postgresql://user:pw@127.0.0.1/bench
    python bench/run.py --projects 100000 --reporting   # the reporting case: 24 months of reports

It generates a synthetic national portfolio (about 2,900 county-level divisions, a plan
per prefecture, projects with Chinese names, status events) through portfolio's own seed
loader, then times each operation and its floor, prints a table of medians with the
ratios, and writes the same as JSON (bench/results/<engine>-<N>.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from portfolio import db, queries, seeding
from portfolio.paths import seeds_dir

SYLLABLES = "安宁康乐和平泰山水云龙凤东西南北中阳春秋华兴隆昌盛吉祥德福源清远新丰金玉林海江河湖石桥峰岭川"
OBJECTS = [
    "集中供水工程",
    "污水处理厂二期工程",
    "第二垃圾填埋场",
    "县城供暖工程",
    "第一中学改扩建工程",
    "人民医院提标扩能项目",
    "市政道路新建工程",
    "大桥建设工程",
    "城市公园建设项目",
    "水库工程",
    "老旧小区改造项目",
    "自来水厂改扩建项目",
]
TARGETS = {
    "seed_load": 4.0,
    "list_by_county": 1.3,
    "search_query_ms": 20,
    "summary_s": 1.0,
    "help_ms": 150,
    "csv_peak_mb": 200,
}


def synthetic_bundle(projects: int, rng: random.Random) -> seeding.SeedBundle:
    """Divisions like GB/T 2260 (31 provinces, ~330 prefectures, ~2,900 counties), a plan per prefecture."""
    real, _ = seeding.read_seeds(seeds_dir())
    bundle = seeding.SeedBundle(sectors=real.sectors)
    counties_by_prefecture: dict[str, list[str]] = {}
    for p in range(31):
        province = f"{11 + p}0000"
        bundle.divisions.append(_division(province, _name(rng, 2) + "省", "province", None))
        for c in range(1, 12 if p < 20 else 10):
            prefecture = f"{11 + p}{c:02d}00"
            bundle.divisions.append(_division(prefecture, _name(rng, 2) + "市", "prefecture", province))
            counties = [f"{11 + p}{c:02d}{k:02d}" for k in range(1, 10)]
            for code in counties:
                bundle.divisions.append(_division(code, _name(rng, 2) + rng.choice("县区"), "county", prefecture))
            counties_by_prefecture[prefecture] = counties
    names = {d.code: d.name for d in bundle.divisions}
    prefectures = list(counties_by_prefecture)
    sectors = [s.code for s in real.sectors]
    per_plan = -(-projects // len(prefectures))
    made = 0
    for index, prefecture in enumerate(prefectures):
        plan = seeding.SeedPlan(
            key=f"plan-{index}",
            code_prefix=f"N{index}",
            title=f"{names[prefecture]}十四五规划",
            issuer=None,
            region_code=prefecture,
            period_start=2021,
            period_end=2025,
            issued=date(2021, 6, 1),
            document_kind="五年规划纲要",
            source_file="synthetic.txt",
        )
        count = min(per_plan, projects - made)
        for number in range(1, -(-count // 999) + 1):
            plan.columns.append(seeding.SeedColumn(number, f"专栏{number}", "projects", number))
        for i in range(count):
            county = rng.choice(counties_by_prefecture[prefecture])
            programme = rng.random() < 0.05
            divisions = tuple(rng.sample(counties_by_prefecture[prefecture], 3)) if programme else (county,)
            bundle.projects.append(
                seeding.SeedProject(
                    code=f"N{index}-{i // 999 + 1:02d}-{i % 999 + 1:03d}",
                    name=names[county] + _name(rng, 2) + ("镇" if i % 3 else "乡") + rng.choice(OBJECTS),
                    plan_key=plan.key,
                    column_number=i // 999 + 1,
                    group_label=names[county],
                    kind="programme" if programme else "project",
                    sector_code=rng.choice(sectors),
                    build_type=None,
                    quantity=None,
                    source_line=i + 1,
                    note=None,
                    division_codes=divisions,
                )
            )
        made += count
        bundle.plans.append(plan)
    return bundle


def _division(code, name, level, parent) -> seeding.SeedDivision:
    return seeding.SeedDivision(
        code=code,
        name=name,
        level=level,
        parent_code=parent,
        short_name=name[:-1],
        aliases="",
        pinyin="",
        official=False,
        note="synthetic",
    )


def _name(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(length))


# --- timing helpers -----------------------------------------------------------------


def timed(function, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run_process(command: list[str], env: dict | None = None, stdout=subprocess.DEVNULL) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of one process.

    The memory comes from GNU time run as the parent: a child forked from this large
    benchmark process would report the benchmark's own memory as its peak.
    """
    gnu_time = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        completed = subprocess.run(
            [gnu_time, "-f", "%M", "-o", rss.name, *command], stdout=stdout, stderr=subprocess.PIPE, env=env
        )
        elapsed = time.perf_counter() - start
        if completed.returncode != 0:
            raise SystemExit(f"failed: {' '.join(command)}: {completed.stderr.decode()[-500:]}")
        peak_kb = int(rss.read().strip().splitlines()[-1])
    return elapsed, peak_kb / 1024


def process_median(command: list[str], runs: int, env=None) -> float:
    return statistics.median(run_process(command, env)[0] for _ in range(runs))


# --- the benchmark ---------------------------------------------------------------------


class Bench:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.workdir = Path(tempfile.mkdtemp(prefix="portfolio-bench-"))
        self.url = db.resolve_database_url(args.db or str(self.workdir / "bench.db"))
        self.sqlite = self.url.startswith("sqlite")
        self.results: dict[str, dict] = {}
        self.portfolio = [sys.executable, "-m", "portfolio", "--db", self.url]
        self.env = {**os.environ, "PORTFOLIO_NO_AUTOSEED": "1"}

    def record(self, name: str, value: float, floor: float | None, unit: str, target: str, note: str = "") -> None:
        ratio = value / floor if floor else None
        self.results[name] = {
            "value": value,
            "floor": floor,
            "ratio": ratio,
            "unit": unit,
            "target": target,
            "note": note,
        }
        shown_ratio = f"{ratio:.2f}x" if ratio is not None else "-"
        floor_text = f"{floor:.4g}" if floor is not None else "-"
        print(
            f"{name:<34} {value:>10.4g} {unit:<3} floor {floor_text:>9}  ratio {shown_ratio:>7}  target {target}"
            f"  {note}",
            flush=True,
        )

    def prepare(self, url: str) -> None:
        engine = db.make_engine(url)
        if not self.sqlite:
            with engine.connect() as connection:
                if db.current_revision(engine):
                    connection.commit()
                    db.downgrade(engine, "base")
        db.ensure_current(engine, seed=False)
        engine.dispose()

    def run(self) -> None:
        started = time.perf_counter()
        bundle = synthetic_bundle(self.args.projects, self.rng)
        print(
            f"generated {len(bundle.projects)} projects, {len(bundle.divisions)} divisions, "
            f"{len(bundle.plans)} plans in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        self.seed_load(bundle)
        if self.args.reporting:
            Reporting(self, bundle).run()
            self.write("reporting")
            return
        self.add_history(bundle)
        self.list_by_county(bundle)
        self.search(bundle)
        self.summary()
        self.set_status(bundle)
        self.help()
        self.csv_export()
        self.web(bundle)
        self.write()

    def seed_load(self, bundle: seeding.SeedBundle) -> None:
        self.prepare(self.url)
        reference = seeding.SeedBundle(divisions=bundle.divisions, sectors=bundle.sectors, plans=bundle.plans)
        engine = db.make_engine(self.url)
        with db.session_scope(engine, exclusive=True) as session:
            seeding.apply(session, reference)
        start = time.perf_counter()
        with db.session_scope(engine, exclusive=True) as session:
            seeding.apply(session, bundle)
        db.refresh_statistics(engine)  # as `portfolio seed load` does
        loaded = time.perf_counter() - start
        engine.dispose()
        floor = self.raw_load(bundle) if self.sqlite else None
        self.record(
            "seed load (s)",
            loaded,
            floor,
            "s",
            "≤ 4x raw executemany",
            "floor: sqlite3.executemany of the same rows into the same tables"
            if floor
            else "no raw floor on PostgreSQL",
        )

    def raw_load(self, bundle: seeding.SeedBundle) -> float:
        """The same rows into a second migrated database with sqlite3.executemany."""
        import sqlalchemy as sa

        raw_path = self.workdir / "raw.db"
        raw_url = db.resolve_database_url(str(raw_path))
        self.prepare(raw_url)
        engine = db.make_engine(raw_url)
        reference = seeding.SeedBundle(divisions=bundle.divisions, sectors=bundle.sectors, plans=bundle.plans)
        with db.session_scope(engine, exclusive=True) as session:
            seeding.apply(session, reference)
            plan_ids = {key: id_ for key, id_ in session.execute(sa.text("SELECT key, id FROM plan"))}
            column_ids = {
                (key, number): id_
                for key, number, id_ in session.execute(
                    sa.text("SELECT plan.key, number, plan_column.id FROM plan_column JOIN plan ON plan.id = plan_id")
                )
            }
        engine.dispose()
        projects = [
            (
                i,
                p.code,
                p.name,
                plan_ids[p.plan_key],
                column_ids[(p.plan_key, p.column_number)],
                p.group_label,
                p.kind,
                p.sector_code,
                p.source_line,
                1,
                p.status,
                "2021-06-01",
            )
            for i, p in enumerate(bundle.projects, start=1)
        ]
        links = [(i, code, p.sector_code) for i, p in enumerate(bundle.projects, start=1) for code in p.division_codes]
        events = [
            (i, p.status, "2021-06-01", "列入规划", "2026-01-01 00:00:00", "seed")
            for i, p in enumerate(bundle.projects, start=1)
        ]
        connection = sqlite3.connect(raw_path, isolation_level=None)
        connection.execute("PRAGMA foreign_keys=ON")
        start = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO project (id, code, name, plan_id, column_id, group_label, kind, sector_code, source_line,"
            " in_seeds, status, status_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            projects,
        )
        connection.executemany(
            "INSERT INTO project_division (project_id, division_code, sector_code) VALUES (?,?,?)", links
        )
        connection.executemany(
            "INSERT INTO status_event (project_id, status, effective_date, note, recorded_at,"
            " origin) VALUES (?,?,?,?,?,?)",
            events,
        )
        connection.execute("COMMIT")
        elapsed = time.perf_counter() - start
        connection.close()
        return elapsed

    def add_history(self, bundle: seeding.SeedBundle) -> None:
        """Status events beyond the first, so history tables have national size too."""
        import sqlalchemy as sa

        from portfolio.models import StatusEvent, utc_now

        engine = db.make_engine(self.url)
        extra = self.args.events_per_project
        with db.session_scope(engine, write=True) as session:
            ids = session.execute(sa.text("SELECT id FROM project")).scalars().all()
            now = utc_now()
            for start in range(0, len(ids), 50_000):
                rows = [
                    {
                        "project_id": i,
                        "status": "前期",
                        "effective_date": date(2022, 1, 1),
                        "note": None,
                        "recorded_at": now,
                        "origin": "user",
                    }
                    for i in ids[start : start + 50_000]
                    for _ in range(extra)
                ]
                if rows:
                    session.connection().execute(sa.insert(StatusEvent), rows)
            # the latest event is the current status
            session.execute(sa.text("UPDATE project SET status = '前期', status_date = '2022-01-01'"))
        db.refresh_statistics(engine)
        engine.dispose()
        print(f"added {extra * len(ids)} status events", flush=True)

    def typical_county(self, bundle) -> str:
        counts: dict[str, int] = {}
        for project in bundle.projects:
            for code in project.division_codes:
                counts[code] = counts.get(code, 0) + 1
        ordered = sorted(counts, key=counts.get)
        return ordered[len(ordered) // 2]

    def list_by_county(self, bundle) -> None:
        county = self.typical_county(bundle)
        runs = self.args.runs
        command = [*self.portfolio, "projects", "list", "--county", county]
        end_to_end = process_median(command, runs, self.env)
        floor = process_median([sys.executable, "-c", "import sqlmodel"], runs)
        self.record("projects list --county (s)", end_to_end, floor, "s", "≤ 1.3x import sqlmodel", f"county {county}")
        sql = self.county_sql(county)
        cli = shutil.which("sqlite3")
        if self.sqlite and cli:
            raw = process_median([cli, str(self.url.removeprefix("sqlite:///")), sql], runs)
            self.record("  vs the same query in the sqlite3 CLI (s)", end_to_end, raw, "s", "(for reference)")

    def county_sql(self, county: str) -> str:
        engine = db.make_engine(self.url)
        with db.session_scope(engine) as session:
            flt = queries.ProjectFilter(division_codes=[county])
            statement = queries._filtered(session, flt, (queries.Project.code, queries.Project.name))
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
        engine.dispose()
        return sql

    def search(self, bundle) -> None:
        engine = db.make_engine(self.url)
        sample = bundle.projects[len(bundle.projects) // 2].name
        long_term, short_term = sample[:5], sample[3:5]
        with db.session_scope(engine) as session:

            def search(text, limit=50):
                return list(queries.list_projects(session, queries.ProjectFilter(search=text), limit=limit))

            query = timed(lambda: search(long_term), self.args.runs * 3) * 1000
            substring = timed(lambda: search(short_term), self.args.runs * 3) * 1000
        engine.dispose()
        raw = None
        if self.sqlite:
            connection = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            raw = (
                timed(
                    lambda: connection.execute(
                        "SELECT rowid FROM project_fts WHERE project_fts MATCH ? LIMIT 50", (f'"{long_term}"',)
                    ).fetchall(),
                    self.args.runs * 3,
                )
                * 1000
            )
            connection.close()
        self.record("search, 3+ chars (ms)", query, raw, "ms", "< 20 ms query time", f"term {long_term}")
        self.record("search, 2 chars substring (ms)", substring, None, "ms", "(for reference)", f"term {short_term}")
        self.record(
            "projects search end to end (s)",
            process_median(
                [*self.portfolio, "projects", "search", long_term, "--limit", "50"], self.args.runs, self.env
            ),
            None,
            "s",
            "(for reference)",
        )

    def summary(self) -> None:
        engine = db.make_engine(self.url)
        with db.session_scope(engine) as session:
            query = timed(lambda: queries.summary(session, queries.ProjectFilter(), "county", "sector"), self.args.runs)
        engine.dispose()
        self.record("summary county x sector (s)", query, None, "s", "< 1 s", "query time")
        self.record(
            "summary end to end (s)",
            process_median(
                [*self.portfolio, "summary", "--by", "county", "--then", "sector", "--format", "csv"],
                self.args.runs,
                self.env,
            ),
            None,
            "s",
            "(for reference)",
        )

    def set_status(self, bundle) -> None:
        code = bundle.projects[0].code
        runs = self.args.runs
        self.record(
            "projects set-status (s)",
            process_median(
                [*self.portfolio, "projects", "set-status", code, "在建", "--note", "bench"], runs, self.env
            ),
            process_median([sys.executable, "-c", "import sqlmodel"], runs),
            "s",
            "(for reference)",
        )

    def help(self) -> None:
        runs = self.args.runs * 2
        value = process_median([sys.executable, "-m", "portfolio", "--help"], runs) * 1000
        floor = process_median([sys.executable, "-c", "pass"], runs) * 1000
        self.record("portfolio --help (ms)", value, floor, "ms", "< 150 ms", "floor: python -c pass")

    def csv_export(self) -> None:
        target = self.workdir / "all.csv"
        elapsed, peak = run_process(
            [*self.portfolio, "projects", "list", "--format", "csv"], self.env, stdout=target.open("w")
        )
        rows = sum(1 for _ in target.open(encoding="utf-8")) - 1
        self.record("csv export, all rows (s)", elapsed, None, "s", "(for reference)", f"{rows} rows")
        self.record("csv export peak memory (MB)", peak, None, "MB", "< 200 MB")

    def web(self, bundle) -> None:
        """`portfolio serve` (one worker) under 8 concurrent keep-alive clients on loopback.

        The clients run in this process, on the same cores as the server: the figures are
        for the pair, as on a small office server.
        """
        county = self.typical_county(bundle)
        codes = [p.code for p in self.rng.sample(bundle.projects, min(500, len(bundle.projects)))]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [*self.portfolio, "serve", "--port", str(port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            self._wait_for_server(server, port)
            self.load_test("web: list, one county", port, lambda i: f"/projects?county={county}", "p95 < 100 ms")
            self.load_test("web: project page", port, lambda i: "/projects/" + codes[i % len(codes)], "p95 < 50 ms")
        finally:
            server.terminate()
            server.wait(timeout=30)

    @staticmethod
    def _wait_for_server(server: subprocess.Popen, port: int, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise SystemExit(f"portfolio serve failed: {server.stderr.read().decode()[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("portfolio serve did not start")

    def load_test(self, name: str, port: int, path_of, target: str, clients: int = 8) -> None:
        import http.client
        import itertools
        import threading

        total = self.args.web_requests
        latencies: list[float] = []
        failures: list[int] = []
        counter = itertools.count()

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while (index := next(counter)) < total:
                start = time.perf_counter()
                connection.request("GET", path_of(index))
                response = connection.getresponse()
                response.read()
                latencies.append(time.perf_counter() - start)
                if response.status != 200:
                    failures.append(response.status)
            connection.close()

        for index in range(clients):  # warm up: one request per client, not counted
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", path_of(index))
            connection.getresponse().read()
            connection.close()
        threads = [threading.Thread(target=client) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        if failures:
            raise SystemExit(f"{name}: {len(failures)} requests failed (HTTP {sorted(set(failures))})")
        p50 = statistics.median(latencies) * 1000
        p95 = statistics.quantiles(latencies, n=20)[18] * 1000
        note = f"{total} requests, {clients} clients"
        self.record(f"{name} p50 (ms)", p50, None, "ms", "", note)
        self.record(f"{name} p95 (ms)", p95, None, "ms", target, note)
        self.record(f"{name} (requests/s)", total / wall, None, "r/s", "", note)

    def write(self, case: str = "") -> None:
        out = Path(__file__).resolve().parent / "results"
        out.mkdir(exist_ok=True)
        engine_name = "sqlite" if self.sqlite else "postgresql"
        path = out / f"{engine_name}-{self.args.projects}{'-' + case if case else ''}.json"
        machine = {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "sqlite": sqlite3.sqlite_version,
        }
        path.write_text(
            json.dumps(
                {"projects": self.args.projects, "engine": engine_name, "machine": machine, "results": self.results},
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"\nwrote {path}")
        shutil.rmtree(self.workdir, ignore_errors=True)


class Reporting:
    """100,000 projects x 24 monthly periods of reports: template, a 5,000-row import, lights and rates."""

    PERIODS = 24
    LAST = (2026, 11)
    SHEET_ROWS = 5_000

    def __init__(self, bench: Bench, bundle: seeding.SeedBundle):
        self.bench, self.bundle = bench, bundle
        self.engine = db.make_engine(bench.url)

    def months(self) -> list[str]:
        year, month = self.LAST
        found = []
        for _ in range(self.PERIODS):
            found.append(f"{year:04d}-{month:02d}")
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return found[::-1]

    def run(self) -> None:
        self.fill()
        self.template()
        self.import_sheet()
        self.lights_and_rates()
        self.engine.dispose()

    def fill(self) -> None:
        """Fields and 24 months of reports for every project, written directly (setup, not timed)."""
        import sqlalchemy as sa

        from portfolio.models import AnnualPlan, PeriodReport, utc_now

        started = time.perf_counter()
        rng = self.bench.rng
        months = self.months()
        with db.session_scope(self.engine, write=True) as session:
            ids = session.execute(sa.text("SELECT id FROM project ORDER BY id")).scalars().all()
            session.execute(
                sa.text(
                    "UPDATE project SET status = '在建', status_date = '2024-06-01', "
                    "planned_start = '2024-06', planned_end = '2027-06', total_investment = 5000"
                )
            )
            connection = session.connection()
            connection.execute(
                sa.insert(AnnualPlan), [{"project_id": i, "year": 2026, "amount": 120.0 + i % 7} for i in ids]
            )
            now = utc_now()
            for start in range(0, len(ids), 20_000):
                rows = [
                    {
                        "project_id": i,
                        "period": month,
                        "invest_period": 10.0,
                        "invest_cumulative": 10.0 * (k + 1),
                        "progress": "施工",
                        "recorded_at": now,
                    }
                    for i in ids[start : start + 20_000]
                    for k, month in enumerate(months)
                    if rng.random() < 0.97
                ]  # a few months not reported
                connection.execute(sa.insert(PeriodReport), rows)
        db.refresh_statistics(self.engine)
        print(f"filled fields and {self.PERIODS} months of reports in {time.perf_counter() - started:.1f}s", flush=True)

    def template(self) -> None:
        from portfolio.reports import periods, template

        county = self.bench.typical_county(self.bundle)
        target = self.bench.workdir / "template.xlsx"
        period = periods.Period(*self.LAST)

        def make():
            with db.session_scope(self.engine) as session:
                rows = template.template_rows(session, period, [county])
            template.write_workbook(target, period, county, [county], rows)
            return rows

        elapsed = timed(make, self.bench.args.runs)
        self.bench.record(
            "report template, one county (s)",
            elapsed,
            None,
            "s",
            "(for reference)",
            f"{len(make())} rows, county {county}",
        )

    def import_sheet(self) -> None:
        """A 5,000-row sheet for the next month, imported and rolled back each run; the floor inserts
        the same rows with executemany in a transaction, rolled back too."""
        import sqlalchemy as sa

        from portfolio.actor import Actor
        from portfolio.reports import importer, periods

        with db.session_scope(self.engine) as session:
            rows = session.execute(
                sa.text(
                    "SELECT p.id, p.code, max(r.invest_cumulative) FROM project p JOIN period_report r "
                    f"ON r.project_id = p.id GROUP BY p.id, p.code ORDER BY p.id LIMIT {self.SHEET_ROWS}"
                )
            ).all()
        sheet = self.bench.workdir / "sheet.csv"
        lines = ["编号,本期完成投资(万元),累计完成投资(万元),形象进度"]
        lines += [f"{code},10,{cumulative + 10:g},主体施工" for _, code, cumulative in rows]
        sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
        period = periods.Period(2026, 12)

        class RolledBack(Exception):
            pass

        def run_import():
            try:
                with db.session_scope(self.engine, write=True) as session:
                    result = importer.import_files(
                        session, [sheet], actor=Actor("bench"), period=period, today=date(2026, 12, 20)
                    )
                    assert result.reports_new == len(rows), result
                    raise RolledBack
            except RolledBack:
                pass

        def raw_insert():
            values = [
                (project_id, "2026-12", 10.0, cumulative + 10, "主体施工", "2026-12-20 00:00:00")
                for project_id, _, cumulative in rows
            ]
            try:
                with db.session_scope(self.engine, write=True) as session:
                    raw = session.connection().connection.driver_connection
                    cursor = raw.cursor()
                    marker = "?" if self.bench.sqlite else "%s"
                    cursor.executemany(
                        "INSERT INTO period_report (project_id, period, invest_period, invest_cumulative, progress,"
                        f" recorded_at) VALUES ({', '.join([marker] * 6)})",
                        values,
                    )
                    raise RolledBack
            except RolledBack:
                pass

        value = timed(run_import, self.bench.args.runs)
        floor = timed(raw_insert, self.bench.args.runs)
        self.bench.record(
            "report import, 5,000-row sheet (s)",
            value,
            floor,
            "s",
            "≤ 3x raw executemany",
            "checks every row (history of 24 months), then writes; floor: executemany of the rows",
        )

    def lights_and_rates(self) -> None:
        from portfolio.reports import lights, periods

        period = periods.Period(*self.LAST)
        with db.session_scope(self.engine) as session:

            def both():
                states = lights.project_states(session, period)
                found = [lights.light_of(lights.rules(state, period)) for state in states]
                rates = lights.rates_of(states, period, "county")
                return len(found), len(rates)

            elapsed = timed(both, self.bench.args.runs)
            counted, groups = both()
        self.bench.record(
            "lights and rates, every project (s)", elapsed, None, "s", "< 2 s", f"{counted} projects, {groups} offices"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement (the median is reported)")
    parser.add_argument("--events-per-project", type=int, default=2, help="status events added after the load")
    parser.add_argument("--db", help="a PostgreSQL URL (its database is emptied!) instead of a temporary SQLite file")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the synthetic data")
    parser.add_argument(
        "--reporting", action="store_true", help="run the reporting case (24 months of reports) instead of the others"
    )
    parser.add_argument(
        "--web-requests",
        type=int,
        default=400,
        help="requests per web case (8 concurrent clients against portfolio serve)",
    )
    Bench(parser.parse_args()).run()


if __name__ == "__main__":
    main()
