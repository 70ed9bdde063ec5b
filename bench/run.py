"""Benchmark portfolio at national scale, each operation next to its floor, in one run.

    python bench/run.py --projects 1000000 --keep /tmp/bench-1m.db   # SQLite; the file is kept and reused
    python bench/run.py --projects 1000000 --db postgresql://user:pw@127.0.0.1/bench [--reuse]
    python bench/run.py --projects 100000 --reporting   # the reporting case: 24 months of reports
    python bench/run.py --projects 20000 --only search summary      # a few measurements while iterating

It generates a synthetic national portfolio (about 2,900 county-level divisions, a plan
per prefecture, projects with Chinese names, status events) through portfolio's own seed
loader, then times each operation. Where an operation has a floor (the same SQL in the
sqlite3 module, the sqlite3 shell or `sqlite-utils query`; `import sqlmodel`; a raw
executemany), command and floor run alternately and the median of the per-pair ratios is
reported with its min and max, so load on the machine hits both alike. Results go to
bench/results/<engine>-<N>[-reporting].json, each with `met: true|false` where the issues
set a target. `sqlite-utils` comes with `pip install -e '.[bench]'`.
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
from dataclasses import dataclass
from datetime import date
from functools import partial
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
            plan.columns.append(
                seeding.SeedColumn(number=number, title=f"专栏{number}", kind="projects", source_line=number)
            )
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


def once(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


@dataclass
class Paired:
    """A command and its floor run alternately, so load drift hits both alike."""

    value: float  # median of the command's times
    floor: float  # median of the floor's times
    ratio: float  # median of the per-pair ratios
    low: float
    high: float


def summarise(session, by: str, then: str | None) -> None:
    """What `portfolio summary --by BY [--then THEN]` asks of the library (the totals, then the pivot)."""
    queries.summary(session, queries.ProjectFilter(), by)
    if then:
        queries.summary(session, queries.ProjectFilter(), by, then)


def paired(command, floor, pairs: int) -> Paired:
    """Run command and floor in pairs (command first, then floor first, alternately): per-pair ratios."""
    values, floors = [], []
    for index in range(pairs):
        if index % 2:
            floors.append(floor())
            values.append(command())
        else:
            values.append(command())
            floors.append(floor())
    ratios = [v / f for v, f in zip(values, floors)]
    return Paired(
        statistics.median(values), statistics.median(floors), statistics.median(ratios), min(ratios), max(ratios)
    )


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


def process_time(command: list[str], env=None, stdout=subprocess.DEVNULL):
    return lambda: run_process(command, env, stdout)[0]


def process_median(command: list[str], runs: int, env=None) -> float:
    return statistics.median(run_process(command, env)[0] for _ in range(runs))


def sqlite_utils_command() -> str | None:
    """sqlite-utils next to this Python (pip install '.[bench]') or on PATH."""
    beside = Path(sys.executable).with_name("sqlite-utils")
    return str(beside) if beside.exists() else shutil.which("sqlite-utils")


# --- the benchmark ---------------------------------------------------------------------

SEARCH_TERMS = {  # name -> term; the frequent ones are the common case, the missing ones the worst
    "2 chars, frequent": "工程",
    "2 chars, common": "供水",
    "3 chars, common": "垃圾填",
    "3 chars, frequent": "改扩建",
    "2 chars, no match": "蛟鲨",
    "3 chars, no match": "蛟鲨鳄",
}


class Bench:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.workdir = Path(tempfile.mkdtemp(prefix="portfolio-bench-"))
        self.path = Path(args.keep).resolve() if args.keep else self.workdir / "bench.db"
        self.url = db.resolve_database_url(args.db or str(self.path))
        self.sqlite = self.url.startswith("sqlite")
        self.results: dict[str, dict] = {}
        self.portfolio = [sys.executable, "-m", "portfolio", "--db", self.url]
        self.env = {**os.environ, "PORTFOLIO_NO_AUTOSEED": "1"}
        self.pairs = args.runs

    def record(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        target: str = "",
        met: bool | None = None,
        pair: Paired | None = None,
        floor_name: str = "",
        note: str = "",
        **extra,
    ) -> None:
        """One result; `met` only where the issue sets a target."""
        result = {"value": value, "unit": unit, "target": target or None, "note": note, **extra}
        if met is not None:
            result["met"] = met
        if pair is not None:
            result.update(
                floor=pair.floor,
                floor_name=floor_name,
                ratio=pair.ratio,
                ratio_min=pair.low,
                ratio_max=pair.high,
                pairs=self.pairs,
            )
        self.results[name] = result
        ratio = f"{pair.ratio:.2f}x ({pair.low:.2f}-{pair.high:.2f}) vs {floor_name}" if pair else ""
        verdict = {True: "met", False: "MISSED", None: ""}[met]
        print(f"{name:<46} {value:>10.4g} {unit:<3} {ratio:<44} {target} {verdict}  {note}", flush=True)

    def prepare(self, url: str) -> None:
        engine = db.make_engine(url)
        if not url.startswith("sqlite"):
            with engine.connect() as connection:
                if db.current_revision(engine):
                    connection.commit()
                    db.downgrade(engine, "base")
        db.ensure_current(engine, seed=False)
        engine.dispose()

    def built(self) -> bool:
        """A database kept from an earlier run with the same number of projects (reused as it is)."""
        if not (self.args.keep or self.args.reuse) or (self.sqlite and not self.path.exists()):
            return False
        import sqlalchemy as sa

        engine = db.make_engine(self.url)
        try:
            with engine.connect() as connection:
                found = connection.execute(sa.text("SELECT count(*) FROM project")).scalar_one()
        except sa.exc.DBAPIError:
            found = None
        engine.dispose()
        if found != self.args.projects:
            if self.sqlite:
                raise SystemExit(f"{self.path} holds {found} projects, not {self.args.projects}: remove it first")
            return False
        print(f"reusing the database with {found} projects", flush=True)
        return True

    def run(self) -> None:
        started = time.perf_counter()
        bundle = synthetic_bundle(self.args.projects, self.rng)
        print(
            f"generated {len(bundle.projects)} projects, {len(bundle.divisions)} divisions, "
            f"{len(bundle.plans)} plans in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        reuse = self.built()
        if not reuse:
            self.seed_load(bundle)
        if self.args.reporting:
            Reporting(self, bundle).run(fill=not reuse)
            self.write("reporting")
            return
        if not reuse:
            self.add_history(bundle)
        for step in self.args.only or STEPS:
            getattr(self, step)(bundle)
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
        if self.sqlite:
            floor = self.raw_load(bundle)
            pair = Paired(loaded, floor, loaded / floor, loaded / floor, loaded / floor)
            self.record(
                "seed load (s)",
                loaded,
                "s",
                target="≤ 4x raw executemany",
                met=loaded / floor <= 4,
                pair=pair,
                floor_name="executemany",
                note="one load each (not paired)",
            )
        else:
            self.record("seed load (s)", loaded, "s", note="no raw floor on PostgreSQL")

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
        raw_path.unlink()
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

    def listing_sql(self, flt: queries.ProjectFilter, limit: int | None = None) -> str:
        """The SQL `projects list` runs for a filter, with its values written in (for the sqlite3 shell)."""
        engine = db.make_engine(self.url)
        with db.session_scope(engine) as session:
            statement = queries.list_statement(session, flt, limit=limit)
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
        engine.dispose()
        return sql

    def sqlite_shell(self, sql: str, *options: str) -> list[str] | None:
        cli = shutil.which("sqlite3")
        return [cli, *options, str(self.path), sql] if self.sqlite and cli else None

    def sqlite_utils(self, sql: str, *options: str) -> list[str] | None:
        command = sqlite_utils_command()
        return [command, "query", str(self.path), sql, *options] if self.sqlite and command else None

    def list_by_county(self, bundle) -> None:
        county = self.typical_county(bundle)
        command = process_time([*self.portfolio, "projects", "list", "--county", county], self.env)
        pair = paired(command, process_time([sys.executable, "-c", "import sqlmodel"]), self.pairs)
        self.record(
            "projects list --county, end to end (s)",
            pair.value,
            "s",
            target="≤ 1.3x import sqlmodel",
            met=pair.ratio <= 1.3,
            pair=pair,
            floor_name="import sqlmodel",
            note=f"county {county}",
        )
        sql = self.listing_sql(queries.ProjectFilter(division_codes=[county]))
        for name, floor in (
            ("sqlite3", self.sqlite_shell(sql, "-csv")),
            ("sqlite-utils", self.sqlite_utils(sql, "--csv")),
        ):
            if floor:
                pair = paired(command, process_time(floor), self.pairs)
                self.record(f"  the same query in {name} (s)", pair.value, "s", pair=pair, floor_name=name)

    def search(self, bundle) -> None:
        """Query time of `projects search TERM --limit 50` for common, rare and missing terms,
        paired with the same SQL through the sqlite3 module; and the first row of an unlimited search."""
        sample = bundle.projects[len(bundle.projects) // 2].name
        terms = {**SEARCH_TERMS, "5 chars, rare (one project)": sample[:5], "2 chars, rare": sample[3:5]}
        engine = db.make_engine(self.url)
        raw = sqlite3.connect(self.path) if self.sqlite else None
        worst = 0.0
        with db.session_scope(engine) as session:
            for name, term in terms.items():
                worst = max(worst, self.search_term(session, engine, raw, name, term))
        engine.dispose()
        self.record("search, slowest term (ms)", worst, "ms", target="< 20 ms", met=worst < 20)
        self.record(
            "projects search end to end (s)",
            process_median(
                [*self.portfolio, "projects", "search", terms["3 chars, common"], "--limit", "50"], self.pairs, self.env
            ),
            "s",
            note="for reference",
        )

    def search_term(self, session, engine, raw, name: str, term: str) -> float:
        """One term: query time with --limit 50 (paired with the same SQL in sqlite3), and the
        first row of the unlimited search."""
        flt = queries.ProjectFilter(search=term)

        def query():
            # a session of its own, as each command has: nothing one search learns helps the next
            with db.session_scope(engine) as fresh:
                return once(lambda: list(queries.list_projects(fresh, flt, limit=50))) * 1000

        found = len(list(queries.list_projects(session, flt, limit=50)))
        pair = None
        if raw is not None:
            statement = queries.list_statement(session, flt, limit=50)
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            pair = paired(query, lambda: once(lambda: raw.execute(sql).fetchall()) * 1000, self.pairs * 3)
        value = pair.value if pair else statistics.median(query() for _ in range(self.pairs * 3))
        self.record(
            f"search {name} --limit 50 (ms)",
            value,
            "ms",
            target="< 20 ms query time",
            met=value < 20,
            pair=pair,
            floor_name="same SQL, sqlite3 module",
            note=f"term {term}, {found} rows",
        )
        if "no match" not in name:

            def first_row():
                rows = queries.list_projects(session, flt)
                elapsed = once(lambda: next(rows, None)) * 1000
                rows.close() if hasattr(rows, "close") else None
                return elapsed

            first = statistics.median(first_row() for _ in range(self.pairs))
            self.record(
                f"search {name}, first row (ms)", first, "ms", target="< 100 ms", met=first < 100, note=f"term {term}"
            )
        return value

    def summary(self, bundle) -> None:
        """Query time of every --by/--then combination (the CLI runs --by alone for the totals too)."""
        engine = db.make_engine(self.url)
        slowest = (0.0, "")
        with db.session_scope(engine) as session:
            for by in queries.DIMENSIONS:
                for then in (None, *(d for d in queries.DIMENSIONS if d != by)):
                    elapsed = timed(partial(summarise, session, by, then), max(1, self.pairs // 2))
                    label = f"summary --by {by}" + (f" --then {then}" if then else "")
                    self.record(f"{label} (s)", elapsed, "s", target="< 0.5 s query time", met=elapsed < 0.5)
                    slowest = max(slowest, (elapsed, label))
        engine.dispose()
        self.record(
            "summary, slowest combination (s)", slowest[0], "s", target="< 0.5 s", met=slowest[0] < 0.5, note=slowest[1]
        )
        self.record(
            "summary end to end (s)",
            process_median(
                [*self.portfolio, "summary", "--by", "county", "--then", "sector", "--format", "csv"],
                self.pairs,
                self.env,
            ),
            "s",
            note="for reference",
        )

    def set_status(self, bundle) -> None:
        code = bundle.projects[0].code
        pair = paired(
            process_time([*self.portfolio, "projects", "set-status", code, "在建", "--note", "bench"], self.env),
            process_time([sys.executable, "-c", "import sqlmodel"]),
            self.pairs,
        )
        self.record("projects set-status, end to end (s)", pair.value, "s", pair=pair, floor_name="import sqlmodel")

    def help(self, bundle) -> None:
        pair = paired(
            lambda: run_process([sys.executable, "-m", "portfolio", "--help"])[0] * 1000,
            lambda: run_process([sys.executable, "-c", "pass"])[0] * 1000,
            self.pairs * 2,
        )
        self.record(
            "portfolio --help (ms)",
            pair.value,
            "ms",
            target="< 150 ms",
            met=pair.value < 150,
            pair=pair,
            floor_name="python -c pass",
        )

    def csv_export(self, bundle) -> None:
        """All rows as CSV, paired with the same SQL through sqlite-utils and the sqlite3 shell."""
        target = self.workdir / "all.csv"
        peaks = []

        def export():
            with target.open("w") as out:
                elapsed, peak = run_process([*self.portfolio, "projects", "list", "--format", "csv"], self.env, out)
            peaks.append(peak)
            return elapsed

        sql = self.listing_sql(queries.ProjectFilter())
        floors = {"sqlite-utils": self.sqlite_utils(sql, "--csv"), "sqlite3": self.sqlite_shell(sql, "-csv", "-header")}
        for name, floor in floors.items():
            if floor is None:
                continue
            pair = paired(export, process_time(floor, stdout=(self.workdir / f"{name}.csv").open("w")), self.pairs)
            met = pair.ratio <= 1.5 if name == "sqlite-utils" else None
            self.record(
                f"csv export, all rows, vs {name} (s)",
                pair.value,
                "s",
                target="≤ 1.5x sqlite-utils" if met is not None else "",
                met=met,
                pair=pair,
                floor_name=name,
            )
        if not peaks:
            export()
        rows = sum(1 for _ in target.open(encoding="utf-8")) - 1
        peak = max(peaks)
        self.record(
            "csv export peak memory (MB)", peak, "MB", target="< 200 MB (flat)", met=peak < 200, note=f"{rows} rows"
        )

    def web(self, bundle) -> None:
        """`portfolio serve --workers N` (--web-workers) under 8 concurrent keep-alive clients on loopback.

        The clients run in this process, on the same cores as the server: the figures are
        for the pair, as on a small office server.
        """
        county = self.typical_county(bundle)
        counties = sorted({code for project in bundle.projects for code in project.division_codes})
        self.rng.shuffle(counties)
        codes = [p.code for p in self.rng.sample(bundle.projects, min(500, len(bundle.projects)))]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [*self.portfolio, "serve", "--port", str(port), "--workers", str(self.args.web_workers)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            self._wait_for_server(server, port)
            # the same list for every request: after the first, served from the page cache
            self.load_test("web: list, one county", port, lambda i: f"/projects?county={county}", 100)
            # a different county each request: every list computed, as for the first visitor of each
            self.load_test(
                "web: list, a different county each request",
                port,
                lambda i: f"/projects?county={counties[i % len(counties)]}",
                100,
            )
            self.load_test("web: project page", port, lambda i: "/projects/" + codes[i % len(codes)], 50)
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

    def load_test(self, name: str, port: int, path_of, target_ms: float, clients: int = 8) -> None:
        import http.client
        import itertools
        import threading

        total = self.args.web_requests
        latencies: list[float] = []
        failures: list[int] = []
        kept: list[int] = []  # requests served from the page cache
        counter = itertools.count()

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            while (index := next(counter)) < total:
                start = time.perf_counter()
                connection.request("GET", path_of(index))
                response = connection.getresponse()
                response.read()
                latencies.append(time.perf_counter() - start)
                if response.getheader("X-Page-Cache") == "hit":
                    kept.append(index)
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
        note = (
            f"{total} requests, {clients} clients, {self.args.web_workers} server worker(s), "
            f"{len(kept)} from the page cache"
        )
        self.record(f"{name} p50 (ms)", p50, "ms", note=note)
        self.record(f"{name} p95 (ms)", p95, "ms", target=f"p95 < {target_ms} ms", met=p95 < target_ms, note=note)
        self.record(f"{name} (requests/s)", total / wall, "r/s", note=note)

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
            "load_average": os.getloadavg(),
        }
        path.write_text(
            json.dumps(
                {
                    "projects": self.args.projects,
                    "engine": engine_name,
                    "machine": machine,
                    "date": date.today().isoformat(),
                    "results": self.results,
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
        print(f"\nwrote {path}" + (f"; kept the database at {self.path}" if self.args.keep else ""))
        shutil.rmtree(self.workdir, ignore_errors=True)


STEPS = ("list_by_county", "search", "summary", "set_status", "help", "csv_export", "web")


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

    def run(self, fill: bool = True) -> None:
        if fill:
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
        self.bench.record("report template, one county (s)", elapsed, "s", note=f"{len(make())} rows, county {county}")

    def import_sheet(self) -> None:
        """A 5,000-row sheet for the next month, imported and rolled back each run; the floor inserts
        the same rows (the columns the import stores: amounts, 形象进度, source row, actor, time) with
        executemany in a transaction, rolled back too."""
        import sqlalchemy as sa

        from portfolio.actor import Actor
        from portfolio.models import utc_now
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
            # the columns the import stores for each row: who, when, and the file:sheet:row it came from
            now = utc_now()
            recorded_at = f"{now:%Y-%m-%d %H:%M:%S.%f}" if self.bench.sqlite else now  # as SQLAlchemy binds it
            actor = Actor("bench").stored
            values = [
                (id_, "2026-12", 10.0, cumulative + 10, "主体施工", f"sheet.csv:sheet:{line}", actor, recorded_at)
                for line, (id_, _, cumulative) in enumerate(rows, start=2)
            ]
            try:
                with db.session_scope(self.engine, write=True) as session:
                    raw = session.connection().connection.driver_connection
                    cursor = raw.cursor()
                    marker = "?" if self.bench.sqlite else "%s"
                    cursor.executemany(
                        "INSERT INTO period_report (project_id, period, invest_period, invest_cumulative, progress,"
                        f" source, actor, recorded_at) VALUES ({', '.join([marker] * 8)})",
                        values,
                    )
                    raise RolledBack
            except RolledBack:
                pass

        pair = paired(lambda: once(run_import), lambda: once(raw_insert), self.bench.pairs)
        self.bench.record(
            "report import, 5,000-row sheet (s)",
            pair.value,
            "s",
            target="≤ 3x raw executemany",
            met=pair.ratio <= 3,
            pair=pair,
            floor_name="executemany of the rows",
            note="checks every row (history of 24 months), then writes; rolled back each run",
        )

    def lights_and_rates(self) -> None:
        from portfolio.reports import lights, periods

        period = periods.Period(*self.LAST)
        with db.session_scope(self.engine) as session:

            def both():
                states = lights.project_states(session, period)
                found = lights.light_rows(states)
                rates = lights.rates_of(states, period, "county")
                return len(found), len(rates)

            elapsed = timed(both, self.bench.args.runs)
            counted, groups = both()
        self.bench.record(
            "lights and rates, every project (s)",
            elapsed,
            "s",
            target="< 2 s",
            met=elapsed < 2,
            note=f"{counted} projects, {groups} offices",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=1_000_000)
    parser.add_argument(
        "--runs",
        type=int,
        default=5,
        help="pairs per measurement: the command and its floor alternately (medians reported)",
    )
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
    parser.add_argument(
        "--web-workers",
        type=int,
        default=1,
        help="worker processes of portfolio serve in the web case",
    )
    parser.add_argument(
        "--keep", metavar="PATH", help="build the SQLite database at PATH and keep it; a kept file is reused as it is"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="PostgreSQL: reuse the database when it already holds --projects projects"
    )
    parser.add_argument("--only", nargs="+", choices=STEPS, help="run only these measurements")
    Bench(parser.parse_args()).run()


if __name__ == "__main__":
    main()
