"""Issue 15: where a work stands apart from its level, quotes, and links between items."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from seedkit import SMALL_PLAN, make_seed_dir
from sqlalchemy import text

from portfolio import db, seeding

LINKS = """\
part_of:
  - whole: TP-02-003
    parts: [TP-02-001, TP-02-002]
    reason: 测试 programme bundles both
"""


def _errors(seed_dir) -> list[str]:
    return [str(e).split("/seeds/", 1)[-1] for e in seeding.read_seeds(seed_dir)[1]]


def _with_links(tmp_path, links: str, plan: str = SMALL_PLAN):
    seed_dir = make_seed_dir(tmp_path, plan)
    (seed_dir / "links").mkdir()
    (seed_dir / "links" / "test-plan.yaml").write_text(links, encoding="utf-8")
    return seed_dir


def test_shizhi_is_refused_with_what_to_write_instead(tmp_path):
    errors = _errors(make_seed_dir(tmp_path, SMALL_PLAN.replace("county: 芒康", "county: 市直")))
    assert errors == [
        "plans/test-plan.yaml:18: 市直 is retired: name the county where the work stands, "
        "or write unspecified if the plan does not say; a prefecture-level work also takes level: 市级"
    ]


def test_unspecified_and_level_defaults(tmp_path):
    plan = SMALL_PLAN.replace("county: 芒康", "county: unspecified\n        level: 市级").replace(
        "counties: [江达县, 贡觉县, 左贡]", "counties: [unspecified, 江达县]\n            level: 县级"
    )
    bundle, errors = seeding.read_seeds(make_seed_dir(tmp_path, plan))
    assert errors == []
    found = {p.code: (p.division_codes, p.level) for p in bundle.projects}
    assert found == {
        "TP-02-001": (("540300",), "市级"),
        "TP-02-002": (("540300",), "市级"),
        "TP-02-003": (("540300", "540321"), "县级"),
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("line: 11}", "line: 11, level: 省级}"), "plans/test-plan.yaml:22: unknown level '省级'; allowed: 市级, 县级"),
        (("line: 11}", "line: 11, quote: '" + "水" * 151 + "'}"), "plans/test-plan.yaml:22: quote is 151 characters"),
        (("line: 11}", "line: 11, quote: ''}"), "plans/test-plan.yaml:22: quote must be the plan's words"),
    ],
)
def test_level_and_quote_errors(tmp_path, change, expected):
    errors = _errors(make_seed_dir(tmp_path, SMALL_PLAN.replace(*change, 1)))
    assert any(e.startswith(expected) for e in errors), errors


@pytest.mark.parametrize(
    ("links", "expected"),
    [
        (LINKS.replace("TP-02-002]", "TP-02-009]"), "links/test-plan.yaml:2: unknown item code TP-02-009"),
        (
            LINKS.replace("whole: TP-02-003", "whole: TP-02-001").replace("[TP-02-001, ", "[TP-02-003, "),
            "links/test-plan.yaml:2: TP-02-001 is a whole but not a programme",
        ),
        (
            LINKS.replace("[TP-02-001, TP-02-002]", "[TP-02-003]"),
            "links/test-plan.yaml:2: TP-02-003 is linked to itself",
        ),
        (
            LINKS + "  - whole: TP-02-003\n    parts: [TP-02-001]\n    reason: again\n",
            "links/test-plan.yaml:5: TP-02-001 is listed twice as a part of TP-02-003",
        ),
        (
            LINKS + "same_work:\n  - primary: TP-02-001\n    others: [TP-02-002]\n    reason: one\n"
            "  - primary: TP-02-003\n    others: [TP-02-002]\n    reason: two\n",
            "links/test-plan.yaml:9: TP-02-002 is already in the same_work group of TP-02-001 (",
        ),
        (
            "part_of:\n  - whole: TP-02-003\n    parts: [TP-02-001]\n",
            "links/test-plan.yaml:2: part_of: missing required field 'reason'",
        ),
        ("parts_of: []\n", "links/test-plan.yaml:1: unknown field 'parts_of' in links file (did you mean part_of?)"),
    ],
)
def test_link_errors_name_file_and_line(tmp_path, links, expected):
    errors = _errors(_with_links(tmp_path, links))
    assert any(e.startswith(expected) for e in errors), errors


def test_a_part_of_cycle_and_a_second_whole_are_refused(tmp_path):
    plan = SMALL_PLAN.replace(
        "{code: TP-02-001, name: 芒康县测试水厂, line: 11}",
        "{code: TP-02-001, name: 芒康县测试水厂, line: 11, kind: programme}",
    )
    cycle = LINKS + "  - whole: TP-02-001\n    parts: [TP-02-003]\n    reason: back\n"
    errors = _errors(_with_links(tmp_path, cycle, plan))
    assert any("part_of cycle: " in e for e in errors), errors
    second = (
        "part_of:\n  - whole: TP-02-003\n    parts: [TP-02-002]\n    reason: 测试\n"
        "  - whole: TP-02-001\n    parts: [TP-02-002]\n    reason: also in TP-02-003 because …\n"
    )
    errors = _errors(_with_links(tmp_path / "b", second, plan))
    assert any(e.startswith("links/test-plan.yaml:2: TP-02-002 is also a part of TP-02-001") for e in errors), errors
    assert not any(e.startswith("links/test-plan.yaml:5:") for e in errors), errors


def test_links_load_and_reload_as_reference_data(tmp_path, seeded_url, engine_of):
    seed_dir = _with_links(tmp_path, LINKS)
    engine = engine_of(seeded_url)
    bundle = seeding.load_checked(seed_dir)
    with db.session_scope(engine, write=True) as session:
        seeding.apply(session, bundle)
    with engine.connect() as connection:
        links = connection.execute(
            text(
                "SELECT part.code, relation, whole.code FROM project_link JOIN project part ON part.id = project_id "
                "JOIN project whole ON whole.id = target_id ORDER BY part.code"
            )
        ).all()
    assert [tuple(r) for r in links] == [("TP-02-001", "part_of", "TP-02-003"), ("TP-02-002", "part_of", "TP-02-003")]
    with db.session_scope(engine, write=True) as session:
        assert not seeding.apply(session, bundle).changed


def test_upgrade_keeps_history_and_turns_shizhi_into_unspecified_city_level(empty_url, engine_of):
    engine = engine_of(empty_url)
    db.upgrade(engine, "0006")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO division (code, name, level, aliases, pinyin, official) VALUES "
                "('540000', '西藏自治区', 'province', '', '', true), ('540300', '昌都市', 'prefecture', '', '', true)"
            )
        )
        connection.execute(text("UPDATE division SET parent_code = '540000' WHERE code = '540300'"))
        connection.execute(
            text(
                "INSERT INTO sector (code, label_zh, label_en, oc4ids) VALUES "
                "('roads', '道路桥梁', 'Roads', 'transport')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO plan (id, key, code_prefix, title, region_code, period_start, period_end, document_kind, "
                "source_file) VALUES (1, 'p', 'P', '规划', '540300', 2021, 2025, '专项规划', 'x.txt')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO plan_column (id, plan_id, number, title, kind, source_line) "
                "VALUES (1, 1, 4, '道路', 'projects', 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO project (id, code, name, plan_id, column_id, kind, sector_code, source_line, in_seeds, "
                "status) VALUES (1, 'P-04-001', '市直道路', 1, 1, 'project', 'roads', 3, true, '在建')"
            )
        )
        connection.execute(
            text("INSERT INTO project_division (project_id, division_code, sector_code) VALUES (1, '540300', 'roads')")
        )
        connection.execute(
            text(
                "INSERT INTO status_event (project_id, status, effective_date, note, recorded_at, origin) VALUES "
                "(1, '谋划', '2021-01-01', '列入规划', '2021-01-01 00:00:00', 'seed'), "
                "(1, '在建', '2024-05-01', '开工', '2024-05-02 00:00:00', 'user')"
            )
        )
    db.upgrade(engine)
    with engine.connect() as connection:
        level = connection.execute(text("SELECT level FROM project WHERE id = 1")).scalar_one()
        events = connection.execute(text("SELECT status, origin FROM status_event ORDER BY id")).all()
        places = connection.execute(text("SELECT division_code FROM project_division")).scalars().all()
    assert level == "市级" and places == ["540300"]
    assert [tuple(e) for e in events] == [("谋划", "seed"), ("在建", "user")]


# --- quotes against the source texts ------------------------------------------------------

# Plans whose every item carries its quote (the other plans are being quoted by their curators).
QUOTED_PLANS = {"chamdo-14-housing", "lhasa-15-fyp", "shigatse-14-fyp"}


@pytest.fixture(scope="module")
def shipped():
    from portfolio.paths import seeds_dir

    bundle, errors = seeding.read_seeds(seeds_dir())
    assert errors == []
    return bundle


def test_every_quote_is_verbatim_on_its_source_line(shipped):
    from conftest import SOURCES

    if not SOURCES.is_dir():
        pytest.skip(f"source texts not found at {SOURCES}")
    sources = {plan.key: (SOURCES / plan.source_file).read_text(encoding="utf-8").split("\n") for plan in shipped.plans}
    quoted = [p for p in shipped.projects if p.quote]
    wrong = [
        f"{p.code} line {p.source_line}: {p.quote}"
        for p in quoted
        if p.quote not in sources[p.plan_key][p.source_line - 1]
    ]
    assert wrong == []
    assert {p.plan_key for p in quoted} >= QUOTED_PLANS


def test_items_of_quoted_plans_all_have_quotes(shipped):
    missing = [p.code for p in shipped.projects if p.plan_key in QUOTED_PLANS and not p.quote]
    assert missing == []


# --- counting works -------------------------------------------------------------------------


def _expected_works_per_county(bundle) -> dict[str, int]:
    """Distinct works standing in each county, from the seed files alone (not the database):
    the listings of a work (a same_work group) are one work standing where any of them stands;
    a programme counts in a county only where none of the items below it stands."""
    kids: dict[str, set[str]] = {}
    primary_of = {}
    for link in bundle.links:
        if link.relation == "part_of":
            kids.setdefault(link.target_code, set()).add(link.project_code)
        else:
            primary_of[link.project_code] = link.target_code

    def below(code: str) -> set[str]:
        found = set()
        for kid in kids.get(code, ()):
            found |= {kid} | below(kid)
        return found

    stands = {p.code: set(p.division_codes) for p in bundle.projects}
    names = {d.code: d.name if d.level != "prefecture" else f"{d.name}·未明确县(区)" for d in bundle.divisions}
    finer: dict[str, set[str]] = {}
    for project in bundle.projects:
        work = primary_of.get(project.code, project.code)
        finer.setdefault(work, set()).update(*(stands[kid] for kid in below(project.code)))
    places: dict[str, set[str]] = {}
    for project in bundle.projects:
        work = primary_of.get(project.code, project.code)
        places.setdefault(work, set()).update(stands[project.code] - finer[work])
    counts: dict[str, int] = {}
    for counties in places.values():
        for county in counties:
            counts[names[county]] = counts.get(names[county], 0) + 1
    return counts


def test_summary_by_county_counts_each_work_once(cli, shipped):
    rows = {row["county"]: row["count"] for row in cli.json("summary", "--by", "county")}
    assert rows == _expected_works_per_county(shipped)
    listings = {row["county"]: row["count"] for row in cli.json("summary", "--by", "county", "--count", "listings")}
    assert listings["卡若区"] == rows["卡若区"] + 1  # CD14-02-012 beside its part CD14-02-001
    assert listings["昌都市·未明确县(区)"] == rows["昌都市·未明确县(区)"]


def test_a_programme_counts_where_none_of_its_parts_stands(tmp_path, seeded_url, engine_of):
    from portfolio import queries

    plan = SMALL_PLAN.replace("counties: [江达县, 贡觉县, 左贡]", "counties: [江达县, 芒康县]")
    seed_dir = _with_links(
        tmp_path,
        LINKS.replace("TP-02-001, TP-02-002", "TP-02-001")
        + ("same_work:\n  - primary: TP-02-001\n    others: [TP-02-002]\n    reason: 同一工程\n"),
        plan,
    )
    engine = engine_of(seeded_url)
    with db.session_scope(engine, write=True) as session:
        seeding.apply(session, seeding.load_checked(seed_dir))
    flt = queries.ProjectFilter(plan_keys=["test-plan"])
    with db.session_scope(engine) as session:
        works = dict(queries.summary(session, flt, "county"))
        listings = dict(queries.summary(session, flt, "county", count="listings"))
        plans = dict(queries.summary(session, flt, "plan"))
        kinds = dict(queries.summary(session, flt, "kind"))
    assert listings == {"江达县": 1, "芒康县": 3}
    # 芒康县: the part TP-02-001 counts, its programme and the second listing TP-02-002 do not;
    # 江达县: none of the programme's parts stands there, so the programme counts.
    assert works == {"江达县": 1, "芒康县": 1}
    # over the whole plan, two works: the part in 芒康县 and the programme in 江达县, where it is the
    # finest level the plan gives; by kind they are one 项目 and one 项目群, the same two works
    assert plans == {"test-plan": 2}
    assert kinds == {"项目": 1, "项目群": 1}
    with db.session_scope(engine) as session:
        assert queries.summary_total(session, flt) == 2
        assert queries.summary_total(session, replace(flt, division_codes=["540328"])) == 1  # 芒康县: the part


def test_level_and_tier_filters(cli):
    city = {row["code"] for row in cli.json("projects", "list", "--level", "市级", "--plan", "chamdo-14-housing")}
    assert {"CD14-04-001", "CD14-04-002", "CD14-06-001", "CD14-07-001"} <= city
    assert "CD14-04-004" not in city
    karuo = {row["code"] for row in cli.json("projects", "list", "--county", "卡若区")}
    assert {"CD14-04-001", "CD14-04-002", "CD14-06-001", "CD14-07-001", "CD14-07-002"} <= karuo
    top = {row["code"] for row in cli.json("projects", "list", "--plan", "chamdo-14-housing", "--tier", "top")}
    leaves = {row["code"] for row in cli.json("projects", "list", "--plan", "chamdo-14-housing", "--tier", "leaf")}
    assert "CD14-02-012" in top and "CD14-02-001" not in top
    assert "CD14-02-001" in leaves and "CD14-02-012" not in leaves
    bad = cli("projects", "list", "--tier", "middle")
    assert bad.exit_code == 2 and "unknown tier 'middle'" in bad.stderr


def test_show_lists_parts_programme_and_quote(cli):
    whole = cli.json("projects", "show", "CD14-02-012")
    assert whole["parts"] == [f"CD14-02-{n:03d}" for n in range(1, 12)]
    part = cli.json("projects", "show", "CD14-02-003")
    assert part["part_of"] == ["CD14-02-012"]
    assert part["quote"].endswith("等11个城镇绿地建设项目") and (part["level"], part["level_label"]) == (
        "county",
        "县级",
    )
    assert cli.json("projects", "show", "CD14-04-001")["level_label"] == "市级"


def test_oc4ids_related_projects_are_the_curated_links_only(cli):
    package = json.loads(cli("projects", "list", "--plan", "chamdo-14-housing", "--format", "oc4ids").stdout)
    related = {p["id"]: [r["identifier"] for r in p.get("relatedProjects", [])] for p in package["projects"]}
    assert related["portfolio-CD14-02-003"] == ["CD14-02-012"]
    assert related["portfolio-CD14-04-005"] == []


# --- drafts cannot slip in ------------------------------------------------------------------


def test_extract_reads_title_period_kind_and_date_from_the_text():
    from portfolio import extract

    text = [
        "",
        "昌都市人民政府办公室关于印发《西藏昌都市“十四五”时期住房和城乡建设事业发展规划",
        "",
        "《西藏昌都市“十四五”时期住房和城乡建设事业发展规划》已经市委、市政府研究同意，",
        "2023年9月19日",
    ]
    header = extract.read_header(text)
    assert (header.title, header.period, header.document_kind, header.issued, header.review) == (
        "西藏昌都市“十四五”时期住房和城乡建设事业发展规划",
        (2021, 2025),
        "专项规划",
        "2023-09-19",
        [],
    )
    outline = extract.read_header(
        ["拉萨市国民经济和社会发展第十五个五年 规划纲要", "——2026年1月16日拉萨市第十二届人民代表大会"]
    )
    assert (outline.period, outline.document_kind, outline.issued) == ((2026, 2030), "五年规划纲要", "2026-01-16")
    unknown = extract.read_header(
        ["为贯彻落实《国务院关于印发〈某某行动计划〉的通知》精神，制定本方案。", "一、总体要求"]
    )
    assert unknown.title is None and [r.split(":")[0] for r in unknown.review] == [
        "title",
        "period",
        "document_kind",
        "issued",
    ]


def test_seed_check_refuses_review_markers_and_todos(tmp_path):
    plan = SMALL_PLAN.replace("title: 测试县城建设规划", "title: TODO").replace(
        "{code: TP-02-001, name: 芒康县测试水厂, line: 11}",
        '{code: TP-02-001, name: 芒康县测试水厂, line: 11, review: "county guessed"}',
    )
    errors = _errors(make_seed_dir(tmp_path, plan))
    assert errors == [
        "plans/test-plan.yaml:4: TODO left in a seed file: fill it in",
        "plans/test-plan.yaml:22: review marker left from a draft: check the item, then remove the `review:` line",
    ]


def test_a_raw_draft_fails_seed_check(tmp_path):
    from conftest import SOURCES
    from typer.testing import CliRunner

    from portfolio.cli import app

    source = SOURCES / "003_fd054751d34337cb.txt"
    if not source.is_file():
        pytest.skip(f"source texts not found at {SOURCES}")
    seed_dir = make_seed_dir(tmp_path, SMALL_PLAN)
    draft = seed_dir / "plans" / "draft.yaml"
    made = CliRunner().invoke(
        app, ["extract", str(source), "--plan", "lhasa-draft", "--prefix", "LSD", "--output", str(draft)]
    )
    assert made.exit_code == 0, made.output
    assert 'title: "拉萨市国民经济和社会发展第十五个五年规划纲要"' in draft.read_text(encoding="utf-8")
    checked = CliRunner().invoke(app, ["seed", "check", str(seed_dir)])
    markers = [line for line in checked.stderr.splitlines() if "review marker left" in line]
    assert checked.exit_code == 1 and len(markers) > 50


# --- documentation that matches the data -----------------------------------------------------

CODE = re.compile(r"\b(?:CD14|RKZ14|LS15|XZ24|XJ14)-\d{2}-\d{3}\b")
COUNTED = {"items": None, "projects": "project", "programmes": "programme", "of which programmes": "programme"}


def _docs():
    from portfolio.paths import seeds_dir

    return sorted([*seeds_dir().glob("*.md"), *(seeds_dir() / "curation").glob("*.md")])


def test_every_code_cited_in_the_seed_documentation_exists(shipped):
    codes = {p.code for p in shipped.projects}
    missing = [
        f"{path.name}: {code}"
        for path in _docs()
        for code in sorted(set(CODE.findall(path.read_text(encoding="utf-8"))))
        if code not in codes
    ]
    assert missing == []


def _column_tables(text: str):
    """Rows of the markdown tables whose first header is 专栏: (专栏 number or 'total', {header: cell})."""
    header = None
    for line in text.split("\n"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else None
        if cells is None:
            header = None
        elif cells[0] == "专栏":
            header = cells
        elif header and not set(line) <= set("|-: "):
            key = cells[0].strip("*")
            yield (int(key) if key.isdigit() else key), dict(zip(header, cells))


def _number(cell: str) -> int | None:
    found = re.match(r"\**(\d+)\**", cell)
    return int(found[1]) if found else None


def test_counts_in_the_curation_notes_match_the_data(shipped):
    wrong = []
    for path in _docs():
        plan = next((p.key for p in shipped.plans if path.stem.startswith(p.key)), None)
        if plan is None:
            continue
        rows = list(_column_tables(path.read_text(encoding="utf-8")))
        numbers = [n for n, _ in rows if isinstance(n, int)]
        for number, cells in rows:
            chosen = [
                p
                for p in shipped.projects
                if p.plan_key == plan
                and (p.column_number == number if isinstance(number, int) else p.column_number in numbers)
            ]
            for heading, kind in COUNTED.items():
                stated = _number(cells.get(heading, ""))
                actual = sum(1 for p in chosen if kind is None or p.kind == kind)
                if stated is not None and stated != actual:
                    wrong.append(f"{path.name} 专栏{number} {heading}: {stated} written, {actual} in the data")
    assert wrong == []
