"""Seed files: validation errors, atomic loads, idempotent reloads, kept history."""

from __future__ import annotations

import pytest
from seedkit import SMALL_PLAN, make_seed_dir
from sqlalchemy import func, select, text

from portfolio import changes, db, seeding
from portfolio.errors import DataError
from portfolio.models import Project, ProjectDivision, StatusEvent
from portfolio.paths import seeds_dir


def test_shipped_seeds_are_valid():
    bundle, errors = seeding.read_seeds(seeds_dir())
    assert [str(e) for e in errors] == []
    assert len(bundle.plans) == 5
    assert len({p.code for p in bundle.projects}) == len(bundle.projects)


def _errors(tmp_path, plan_text: str) -> list[str]:
    _, errors = seeding.read_seeds(make_seed_dir(tmp_path, plan_text))
    return [str(e) for e in errors]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("county: 芒康", "county: 忙康"), "plans/test-plan.yaml:18: unknown county '忙康' (did you mean"),
        (("sector: water_supply", "sector: water"), "plans/test-plan.yaml:22: unknown sector 'water'"),
        (("TP-02-002", "TP-02-001"), "plans/test-plan.yaml:23: duplicate code TP-02-001 (first used at"),
        (
            ("{code: TP-02-001, name: 芒康县测试水厂, line: 11}", "{code: TP-02-001, line: 11}"),
            "plans/test-plan.yaml:22: item: missing required field 'name'",
        ),
        (("build: 改扩建", "build: 翻新"), "plans/test-plan.yaml:23: unknown build '翻新'"),
        (("kind: programme", "kind: bundle"), "plans/test-plan.yaml:27: unknown kind 'bundle'"),
        (("quantity: 3项", "quantitty: 3项"), "unknown field 'quantitty' in item (did you mean quantity?)"),
        (("TP-02-002", "TP-2-2"), "bad code 'TP-2-2'"),
        (("TP-02-002", "TP-03-002"), "code TP-03-002 does not belong to 专栏 2"),
        (("line: 11, build", "line: eleven, build"), "line must be a positive line number"),
        (("    title: 供水工程\n", "    title: 供水工程\n   bad: [\n"), "plans/test-plan.yaml:14: bad YAML"),
    ],
)
def test_each_error_names_file_and_line(tmp_path, change, expected):
    errors = _errors(tmp_path, SMALL_PLAN.replace(*change))
    assert any(expected in e for e in errors), errors


def test_every_problem_is_reported_at_once(tmp_path):
    text_ = SMALL_PLAN.replace("county: 芒康", "county: 忙康").replace("sector: water_supply", "sector: x")
    assert len(_errors(tmp_path, text_)) >= 4  # the county and each item's sector


def test_an_unknown_field_does_not_hide_the_other_problems_of_its_mapping(tmp_path):
    item = "{code: TP-02-001, name: 芒康县测试水厂, line: 11}"
    text_ = SMALL_PLAN.replace(item, "{code: TP-02-001, nmae: 水厂, line: 0}")
    errors = [e.split("test-plan.yaml:")[-1] for e in _errors(tmp_path, text_)]
    assert errors == [
        "22: unknown field 'nmae' in item (did you mean name?)",
        "22: item: missing required field 'name'",
        "22: line must be a positive line number, not 0",
    ]


def test_not_utf8_and_empty_files(tmp_path):
    seed_dir = make_seed_dir(tmp_path)
    (seed_dir / "plans" / "gbk.yaml").write_bytes("plan: 规划".encode("gbk"))
    (seed_dir / "plans" / "empty.yaml").write_text("", encoding="utf-8")
    _, errors = seeding.read_seeds(seed_dir)
    shown = [str(e) for e in errors]
    assert any("gbk.yaml" in e and "not UTF-8" in e for e in shown)
    assert any("empty.yaml" in e and "'plan:'" in e for e in shown)


def _load(url: str, seed_dir, **options):
    engine = db.make_engine(url)
    try:
        bundle = seeding.load_checked(seed_dir)
        with db.session_scope(engine, exclusive=True) as session:
            return seeding.apply(session, bundle, **options)
    finally:
        engine.dispose()


def _count(url: str, model) -> int:
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


def test_loading_the_same_seeds_twice_changes_nothing(seeded_url):
    report = _load(seeded_url, seeds_dir())
    assert not report.changed
    bundle, _ = seeding.read_seeds(seeds_dir())
    assert sum(r.unchanged for r in report.plans.values()) == len(bundle.projects)
    assert _count(seeded_url, StatusEvent) == len(bundle.projects)


def test_small_plan_loads_with_programme_counties(tmp_path, seeded_url):
    report = _load(seeded_url, make_seed_dir(tmp_path))
    assert report.plans["test-plan"].inserted == 3
    engine = db.make_engine(seeded_url)
    with engine.connect() as connection:
        codes = (
            connection.execute(
                text(
                    "SELECT division_code FROM project_division JOIN project ON project.id = project_id "
                    "WHERE project.code = 'TP-02-003' ORDER BY division_code"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert codes == ["540321", "540322", "540327"]


TOWN_LIST = """\
  - number: 3
    title: 城镇体系
    kind: places
    line: 20
    groups:
      - label: 重点镇
        line: 21
        places:
          - {name: 测试镇, county: 昂仁县, line: 21}
          - {name: 测试镇, county: 谢通门县, line: 21}
"""


def test_same_named_towns_of_two_counties_are_two_places(tmp_path, seeded_url):
    _load(seeded_url, make_seed_dir(tmp_path, SMALL_PLAN + TOWN_LIST))
    engine = db.make_engine(seeded_url)
    with engine.connect() as connection:
        counties = (
            connection.execute(text("SELECT division_code FROM place WHERE name = '测试镇' ORDER BY division_code"))
            .scalars()
            .all()
        )
    engine.dispose()
    assert counties == ["540226", "540227"]


def test_a_town_listed_twice_in_one_county_is_an_error(tmp_path):
    errors = _errors(tmp_path, SMALL_PLAN + TOWN_LIST.replace("谢通门县", "昂仁县"))
    assert any("test-plan.yaml:42: duplicate place 测试镇 in 重点镇 (first listed at" in e for e in errors), errors


def test_a_renamed_plan_cannot_take_over_a_code_prefix(tmp_path, seeded_url):
    _load(seeded_url, make_seed_dir(tmp_path / "first"))
    renamed = make_seed_dir(tmp_path / "second", SMALL_PLAN.replace("key: test-plan", "key: test-plan-2"))
    with pytest.raises(DataError, match="code prefix TP already belongs to plan test-plan"):
        _load(seeded_url, renamed)
    assert _count(seeded_url, Project) == len(seeding.read_seeds(seeds_dir())[0].projects) + 3


def test_a_bad_seed_file_loads_nothing(tmp_path, seeded_url):
    seed_dir = make_seed_dir(tmp_path, SMALL_PLAN.replace("sector: water_supply", "sector: nope"))
    before = _count(seeded_url, Project)
    with pytest.raises(seeding.SeedFilesError, match=r"test-plan\.yaml:22: unknown sector"):
        _load(seeded_url, seed_dir)
    assert _count(seeded_url, Project) == before


def test_reload_keeps_user_status_and_history(tmp_path, seeded_url):
    seed_dir = make_seed_dir(tmp_path)
    _load(seeded_url, seed_dir)
    engine = db.make_engine(seeded_url)
    with db.session_scope(engine, write=True) as session:
        changes.set_status(session, "TP-02-001", "construction", note="开工")
    # The curator renames the item and moves it; the code stays.
    (seed_dir / "plans" / "test-plan.yaml").write_text(
        SMALL_PLAN.replace("芒康县测试水厂", "芒康县测试自来水厂"), encoding="utf-8"
    )
    report = _load(seeded_url, seed_dir)
    assert report.plans["test-plan"].updated == 1
    with engine.connect() as connection:
        name, status = connection.execute(text("SELECT name, status FROM project WHERE code = 'TP-02-001'")).one()
        history = connection.execute(
            text(
                "SELECT status_event.status, origin FROM status_event JOIN project ON project.id = project_id "
                "WHERE code = 'TP-02-001' ORDER BY status_event.id"
            )
        ).all()
    engine.dispose()
    assert (name, status) == ("芒康县测试自来水厂", "在建")
    assert [tuple(h) for h in history] == [("谋划", "seed"), ("在建", "user")]


def test_missing_items_are_kept_unless_pruned_and_history_is_never_pruned(tmp_path, seeded_url):
    seed_dir = make_seed_dir(tmp_path)
    _load(seeded_url, seed_dir)
    engine = db.make_engine(seeded_url)
    with db.session_scope(engine, write=True) as session:
        changes.set_status(session, "TP-02-002", "前期")
    engine.dispose()
    (seed_dir / "plans" / "test-plan.yaml").write_text(
        SMALL_PLAN.split("          - {code: TP-02-001")[0] + "          []\n", encoding="utf-8"
    )
    kept = _load(seeded_url, seed_dir)
    assert kept.plans["test-plan"].missing == 3 and kept.plans["test-plan"].pruned == 0
    pruned = _load(seeded_url, seed_dir, prune=True)
    assert pruned.plans["test-plan"].pruned == 2
    assert pruned.kept_with_history == ["TP-02-002"]
    engine = db.make_engine(seeded_url)
    with engine.connect() as connection:
        left = connection.execute(select(Project.code).where(Project.code.like("TP-%"))).scalars().all()
        links = connection.execute(
            select(func.count()).select_from(ProjectDivision).join(Project).where(Project.code.like("TP-%"))
        ).scalar_one()
    engine.dispose()
    assert left == ["TP-02-002"] and links == 1


def test_parse_number():
    assert seeding.parse_number("32.5%") == 32.5
    assert seeding.parse_number("29.") == 29.0
    assert seeding.parse_number("城市99%、县城98%以上") is None
    assert seeding.parse_number(None) is None


def test_a_seeded_database_has_planner_statistics(seeded_url):
    engine = db.make_engine(seeded_url)
    query = (
        "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'project'"
        if engine.dialect.name == "sqlite"
        else "SELECT reltuples FROM pg_class WHERE relname = 'project'"
    )
    with engine.connect() as connection:
        assert connection.exec_driver_sql(query).scalar() > 0
    engine.dispose()
