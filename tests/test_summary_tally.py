"""The counts summaries read (summary_tally, kept by triggers) stay equal to a count of the rows
through every kind of write, and summaries read from them equal summaries counted from the rows."""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa
from seedkit import SMALL_PLAN, make_seed_dir

from portfolio import db, queries

VALUES = "p.sector_code, p.plan_id, p.column_id, p.status, p.kind, p.level, p.in_seeds"
PREFECTURE = "CASE WHEN v.level IN ('county', 'zone') THEN v.parent_code ELSE v.code END"
RECOUNT = {
    "all": f"SELECT '', {VALUES} FROM project p",
    "county": f"SELECT d.division_code, {VALUES} FROM project p JOIN project_division d ON d.project_id = p.id",
    "prefecture": f"SELECT DISTINCT p.id, {PREFECTURE}, {VALUES} FROM project p"
    " JOIN project_division d ON d.project_id = p.id JOIN division v ON v.code = d.division_code",
}


def kept_and_recounted(url: str) -> tuple[Counter, Counter]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            kept = Counter(
                {
                    (scope, place, *values[:-2], bool(values[-2])): values[-1]
                    for scope, place, *values in connection.exec_driver_sql(
                        "SELECT scope, place, sector_code, plan_id, column_id, status, kind, level, in_seeds, n"
                        " FROM summary_tally WHERE n <> 0"
                    )
                }
            )
            recounted: Counter = Counter()
            for scope, statement in RECOUNT.items():
                for row in connection.exec_driver_sql(statement):
                    values = row[1:] if scope == "prefecture" else row
                    recounted[(scope, *values[:-1], bool(values[-1]))] += 1
    finally:
        engine.dispose()
    return kept, recounted


def execute(url: str, statement: str, **params) -> None:
    engine = db.make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement), params)
    finally:
        engine.dispose()


def test_the_kept_counts_follow_every_kind_of_write(small, tmp_path):
    kept, recounted = kept_and_recounted(small.url)
    assert kept == recounted and sum(kept.values()) > 700
    assert small("projects", "set-status", "TP-02-001", "在建", "--note", "开工").exit_code == 0
    assert small("projects", "set-status", "TP-02-003", "implementation").exit_code == 0
    moved = SMALL_PLAN.replace("    sector: water_supply", "    sector: sewage").replace(
        "[江达县, 贡觉县, 左贡]", "[江达县, 左贡]"
    )
    assert small("seed", "load", str(make_seed_dir(tmp_path / "moved", moved))).exit_code == 0
    kept, recounted = kept_and_recounted(small.url)
    assert kept == recounted
    assert any(key[:2] == ("county", "540328") for key in kept)  # 芒康县 still counted
    # writers other than the library, one link at a time and several in one statement
    one = "(SELECT id FROM project WHERE code = :code)"
    for statement, code in [
        ("UPDATE project_division SET division_code = '540321' WHERE project_id = {one}", "TP-02-001"),  # 芒康 -> 江达
        ("UPDATE project_division SET division_code = '540102' WHERE project_id = {one}", "TP-02-001"),  # -> 拉萨
        (
            "INSERT INTO project_division (project_id, division_code, sector_code)"
            " SELECT p.id, v.code, p.sector_code FROM project p, division v"
            " WHERE p.code = :code AND v.code IN ('540321', '540322', '540103')",
            "TP-02-002",
        ),
        # counties moved to another prefecture, one of them the only link of a project there
        ("UPDATE division SET parent_code = '540100' WHERE code IN ('540321', '540322')", "TP-02-002"),
        ("UPDATE division SET parent_code = '540300' WHERE code = '540322'", "TP-02-002"),
        ("UPDATE division SET level = 'zone' WHERE code = '540103'", "TP-02-002"),  # same prefecture: no move
        ("DELETE FROM project_division WHERE project_id = {one}", "TP-02-002"),
        ("UPDATE project SET status = '建成', in_seeds = :no WHERE code <> :code", "TP-02-001"),
    ]:
        execute(small.url, statement.format(one=one), code=code, no=False)
        kept, recounted = kept_and_recounted(small.url)
        assert kept == recounted, statement
    for table in ("status_event", "field_event", "annual_plan", "period_report"):
        execute(small.url, f"DELETE FROM {table} WHERE project_id = {one}", code="TP-02-003")
    execute(small.url, f"DELETE FROM project WHERE id = {one}", code="TP-02-003")
    projects = sum(n for key, n in kept.items() if key[0] == "all")
    kept, recounted = kept_and_recounted(small.url)
    assert kept == recounted and sum(n for key, n in kept.items() if key[0] == "all") == projects - 1


def test_a_project_in_two_counties_of_one_prefecture_counts_once_in_it(small):
    engine = db.make_engine(small.url)
    try:
        with db.session_scope(engine) as session:
            by_prefecture = dict(queries.summary(session, queries.ProjectFilter(plan_keys=["test-plan"]), "prefecture"))
            by_county = queries.summary(session, queries.ProjectFilter(plan_keys=["test-plan"]), "county")
    finally:
        engine.dispose()
    assert by_prefecture == {"昌都市": 3}  # the programme stands in three of its counties
    assert sum(n for _county, n in by_county) == 5


FILTERS = [
    queries.ProjectFilter(),
    queries.ProjectFilter(include_withdrawn=False),
    queries.ProjectFilter(sectors=["water_supply", "sewage"], statuses=["谋划"]),
    queries.ProjectFilter(kinds=["programme"], levels=["县级"]),
    queries.ProjectFilter(plan_keys=["test-plan"], column=2),
]


@pytest.mark.parametrize("count", ["works", "listings"])
def test_every_summary_from_the_kept_counts_equals_one_counted_from_the_rows(small, count):
    execute(small.url, "UPDATE project SET in_seeds = :no WHERE code = 'TP-02-002'", no=False)  # withdrawn
    engine = db.make_engine(small.url)
    try:
        with db.session_scope(engine) as session:
            everything = frozenset(session.execute(sa.text("SELECT id FROM project")).scalars())
            mangkang = queries.resolve_divisions(session, ["芒康县"])
            chamdo = queries.resolve_divisions(session, ["昌都市"])
            filters = [
                *FILTERS,
                queries.ProjectFilter(division_codes=mangkang),
                queries.ProjectFilter(division_codes=chamdo),
            ]
            for flt in filters:
                # limited to every project, the filter is the same but the counts kept cannot answer it
                by_rows = queries.ProjectFilter(**{**vars(flt), "project_ids": everything})
                assert queries._from_tally(session, by_rows, ["sector"]) is None
                for by in (None, *queries.DIMENSIONS):
                    for then in (None, *(name for name in queries.DIMENSIONS if name != by)) if by else (None,):
                        dims = [name for name in (by, then) if name]
                        if flt in FILTERS:  # none of them names a county: the kept counts answer
                            assert queries._from_tally(session, flt, dims) is not None
                        kept = queries.summary(session, flt, by, then, count=count)
                        counted = queries.summary(session, by_rows, by, then, count=count)
                        assert kept == counted, (flt, by, then)
                        assert kept or flt.kinds
    finally:
        engine.dispose()


def test_on_postgresql_only_an_update_that_moves_a_count_waits_for_other_writers(postgres_seeded):
    tally_lock = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1886348148 AND pid = pg_backend_pid()"
    )
    engine = db.make_engine(postgres_seeded)
    try:
        with engine.begin() as connection:
            code = connection.exec_driver_sql("SELECT min(code) FROM project").scalar_one()
            connection.execute(sa.text("UPDATE project SET contact = '扎西' WHERE code = :code"), {"code": code})
            connection.execute(sa.text("UPDATE project_division SET sector_code = sector_code"))
            assert connection.exec_driver_sql(tally_lock).scalar_one() == 0
            connection.execute(
                sa.text(
                    "UPDATE project SET status = CASE status WHEN '前期' THEN '在建' ELSE '前期' END WHERE code = :c"
                ),
                {"c": code},
            )
            assert connection.exec_driver_sql(tally_lock).scalar_one() == 1
    finally:
        engine.dispose()
