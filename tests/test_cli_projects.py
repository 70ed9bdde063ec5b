"""The everyday commands, driven through Typer's CliRunner on both engines."""

from __future__ import annotations

import csv
import io
import json

import pytest
from seedkit import make_seed_dir

from portfolio import seeding, vocab
from portfolio.paths import seeds_dir


def codes(rows) -> list[str]:
    return [row["code"] for row in rows]


def test_list_by_county_short_name(small):
    rows = small.json("projects", "list", "--county", "芒康", "--plan", "test-plan")
    assert codes(rows) == ["TP-02-001", "TP-02-002"]
    assert [row["counties_label"] for row in rows] == [["芒康县"], ["芒康县"]]
    assert {row["counties"][0] for row in rows} == {"540328"}


def test_a_table_shortens_long_county_lists_but_files_keep_them(cli):
    bundle, _ = seeding.read_seeds(seeds_dir())
    widest = max(len(p.division_codes) for p in bundle.projects if p.plan_key == "chamdo-14-housing")
    table = cli("projects", "list", "--plan", "chamdo-14-housing")
    assert table.exit_code == 0 and f"等{widest}个" in table.stdout
    rows = cli.json("projects", "list", "--plan", "chamdo-14-housing")
    assert max(len(row["counties"]) for row in rows) == widest


def test_county_by_code_and_by_pinyin(small):
    by_code = small.json("projects", "list", "--county", "540321", "--plan", "test-plan")
    by_pinyin = small.json("projects", "list", "--county", "jiangda", "--plan", "test-plan")
    assert codes(by_code) == codes(by_pinyin) == ["TP-02-003"]


def test_programme_appears_under_each_county_it_spans(small):
    for county in ("江达县", "贡觉县", "左贡县"):
        rows = small.json("projects", "list", "--county", county, "--plan", "test-plan", "--kind", "programme")
        assert codes(rows) == ["TP-02-003"]
        assert (rows[0]["kind"], rows[0]["kind_label"]) == ("programme", "项目群")
        assert rows[0]["counties_label"] == ["江达县", "贡觉县", "左贡县"]


def test_filters_combine(small):
    rows = small.json("projects", "list", "--plan", "test-plan", "--sector", "供水", "--status", "identification")
    assert codes(rows) == ["TP-02-001", "TP-02-002", "TP-02-003"]
    assert small.json("projects", "list", "--plan", "test-plan", "--status", "在建") == []


def test_unknown_county_is_a_one_line_error_with_suggestions(small):
    result = small("projects", "list", "--county", "忙康")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown county '忙康'" in result.stderr and "芒康" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--status", "built", "unknown status 'built'"),
        ("--sector", "watr", "unknown sector 'watr'"),
        ("--plan", "nope", "unknown plan 'nope'"),
        ("--format", "yaml", "unknown format 'yaml'"),
    ],
)
def test_bad_values_exit_2_with_one_line(small, option, value, message):
    result = small("projects", "list", option, value)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_match_is_exit_0_with_message_on_stderr(small):
    result = small("projects", "list", "--plan", "test-plan", "--status", "取消", "--format", "csv")
    assert result.exit_code == 0
    from portfolio.rows import ProjectRow, row_columns

    assert result.stdout.startswith("code,name,kind,kind_label,counties,counties_label,sector,sector_label,")
    assert result.stdout == ",".join(c.key for c in row_columns(ProjectRow)) + "\n"
    assert "no matching projects" in result.stderr


@pytest.mark.parametrize("text", ["测试水厂", "水厂", "水", "芒康县 管网", "TP 芒康"])
def test_search_short_and_long_terms(small, text):
    rows = small.json("projects", "search", text, "--plan", "test-plan")
    expected = [
        code
        for code, name, group in [
            ("TP-02-001", "芒康县测试水厂", "芒康县"),
            ("TP-02-002", "芒康县测试管网工程", "芒康县"),
            ("TP-02-003", "测试供水一体化项目", "多县"),
        ]
        if all(term.lower() in (name + group).lower() for term in text.split())
    ]
    assert codes(rows) == expected


@pytest.mark.parametrize("text", ['"', "OR", '水" OR "x', "*", "a'b", "--", "NEAR(水 厂)", "水" * 300])
def test_hostile_search_text_never_breaks(small, text):
    result = small("projects", "search", "--format", "json", "--", text)
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), list)


def test_search_text_with_control_characters_is_refused_in_one_line(small):
    result = small("projects", "search", "--format", "json", "--", "\x00\x01")
    assert result.exit_code == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "U+0001" in result.stderr, result.stderr


def test_set_status_then_history(small):
    result = small("projects", "set-status", "tp-02-001", "construction", "--date", "2024-05-01", "--note", "开工")
    assert result.exit_code == 0, result.output
    assert "谋划 → 在建" in result.stdout
    history = small.json("projects", "history", "TP-02-001")
    assert [(h["new"], h["effective_date"], h["origin"]) for h in history] == [
        ("谋划", "2021-06-01", "规划"),
        ("在建", "2024-05-01", "用户"),
    ]
    assert history[1]["what"] == "状态" and history[1]["old"] == "谋划" and history[1]["id"].startswith("S")
    rows = small.json("projects", "list", "--status", "在建", "--plan", "test-plan")
    assert codes(rows) == ["TP-02-001"] and rows[0]["status_date"] == "2024-05-01"


def test_backdated_event_does_not_replace_newer_status(small):
    assert small("projects", "set-status", "TP-02-002", "在建", "--date", "2024-01-01").exit_code == 0
    assert small("projects", "set-status", "TP-02-002", "前期", "--date", "2023-01-01").exit_code == 0
    detail = small.json("projects", "show", "TP-02-002")
    assert (detail["status"], detail["status_label"]) == ("implementation", "在建")
    history = small.json("projects", "history", "TP-02-002")
    assert [event["new"] for event in history] == ["谋划", "前期", "在建"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("TP-02-001", "done"), "unknown status 'done'"),
        (("TP-99-999", "在建"), "unknown project code 'TP-99-999'"),
        (("TP-02-001", "在建", "--date", "2024-13-40"), "bad date '2024-13-40'"),
        (("TP-02-001", "在建", "--date", "2999-01-01"), "is in the future"),
    ],
)
def test_set_status_rejects_bad_input_and_writes_nothing(small, args, message):
    result = small("projects", "set-status", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(small.json("projects", "history", "TP-02-001")) == 1


def test_show_has_provenance_and_divisions(small):
    detail = small.json("projects", "show", "TP-02-003")
    assert detail["source_file"] == "test.txt" and detail["source_line"] == 12
    assert detail["counties"] == ["540321", "540322", "540327"]
    assert detail["quantity"] == "3项" and detail["kind"] == "programme"
    table = small("projects", "show", "TP-02-003")
    assert table.exit_code == 0 and "test.txt 第12行" in table.stdout


def test_summary_by_county_then_sector(small):
    rows = small.json("summary", "--by", "county", "--plan", "test-plan", "--then", "status")
    by_county = {row["county"]: row["total"] for row in rows}
    assert by_county == {"芒康县": 2, "江达县": 1, "贡觉县": 1, "左贡县": 1}


def test_summary_by_prefecture_counts_a_programme_once(small):
    rows = small.json("summary", "--by", "prefecture", "--plan", "test-plan")
    assert rows == [{"prefecture": "昌都市", "count": 3}]


def test_summaries_keep_natural_order(cli):
    columns = [row["column"] for row in cli.json("summary", "--by", "column", "--plan", "lhasa-15-fyp")]
    numbers = [int(label.rsplit("专栏", 1)[1]) for label in columns]
    assert numbers == sorted(numbers) and numbers[:2] == [2, 3]
    codes = {c["name"]: c["code"] for c in cli.json("counties")}
    counties = [row["county"].removesuffix("·未明确县(区)") for row in cli.json("summary", "--by", "county")]
    assert [codes[name] for name in counties] == sorted(codes[name] for name in counties)


def test_summary_by_status_follows_the_lifecycle(small):
    small("projects", "set-status", "TP-02-001", "建成", "--date", "2025-01-01")
    small("projects", "set-status", "TP-02-002", "在建", "--date", "2025-01-01")
    rows = small.json("summary", "--by", "status", "--plan", "test-plan")
    assert [row["status"] for row in rows] == ["谋划", "在建", "建成"]
    pivot = small.json("summary", "--by", "county", "--then", "status", "--plan", "test-plan")
    assert list(pivot[0])[1:] == ["谋划", "在建", "建成", "total"]


def test_sector_summary_ranks_the_largest_first(cli):
    counts = [row["count"] for row in cli.json("summary", "--by", "sector")]
    assert counts == sorted(counts, reverse=True) and len(counts) > 5


def test_summary_matches_the_seed_files(cli):
    bundle, _ = seeding.read_seeds(seeds_dir())
    rows = cli.json("summary", "--by", "plan", "--count", "listings")
    expected = {}
    for project in bundle.projects:
        expected[project.plan_key] = expected.get(project.plan_key, 0) + 1
    assert {row["plan"]: row["count"] for row in rows} == expected


def test_csv_and_xlsx_output(small, tmp_path):
    target = tmp_path / "out.xlsx"
    result = small("projects", "list", "--plan", "test-plan", "--output", str(target))
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:2] == ["编号", "名称"]
    assert [sheet.cell(row=r, column=1).value for r in range(2, 5)] == ["TP-02-001", "TP-02-002", "TP-02-003"]
    again = small("projects", "list", "--plan", "test-plan", "--output", str(target))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_markdown_and_tabulate_formats(small):
    result = small("projects", "list", "--plan", "test-plan", "--format", "markdown")
    assert result.exit_code == 0 and result.stdout.startswith("| 编号")
    grid = small("projects", "list", "--plan", "test-plan", "--format", "grid")
    assert grid.exit_code == 0 and "芒康县测试水厂" in grid.stdout


def test_reference_lists(small):
    sectors = small.json("sectors")
    assert {"code", "label_zh", "oc4ids", "projects"} <= set(sectors[0])
    counties = small.json("counties", "--prefecture", "昌都")
    assert "芒康县" in [c["name"] for c in counties]
    plans = small.json("plans")
    assert "test-plan" in [p["key"] for p in plans]


def test_reference_lists_follow_the_machine_schema(small):
    counties = {c["name"]: c for c in small.json("counties", "--prefecture", "昌都")}
    markam = counties["芒康县"]
    assert (markam["level"], markam["level_label"], markam["parent_label"]) == ("county", "县级", "昌都市")
    assert markam["parent"] == counties["昌都市"]["code"] and counties["昌都市"]["level"] == "prefecture"
    assert markam["official"] is True and isinstance(markam["aliases"], list)
    csv_rows = list(csv.DictReader(io.StringIO(small("counties", "--prefecture", "昌都", "--format", "csv").stdout)))
    assert list(csv_rows[0]) == list(markam) and {r["official"] for r in csv_rows} <= {"true", "false"}
    table = small("counties", "--prefecture", "昌都", "--columns", "code,级别,level,上级").stdout.splitlines()
    assert table[0].split() == ["代码", "级别", "级别代码", "上级"]  # a code and its label, by key or header
    assert any(line.split()[1:] == ["县级", "county", "昌都市"] for line in table[2:])
    plan = next(p for p in small.json("plans") if p["key"] == "test-plan")
    assert vocab.DocumentKind.of(plan["kind"]).label == plan["kind_label"] != plan["kind"]
    assert plan["region_label"] in {c["name"] for c in small.json("counties")}


def test_summary_follows_a_sector_change_on_reload(small, tmp_path):
    from seedkit import SMALL_PLAN

    def mangkang():
        rows = small.json("summary", "--by", "county", "--then", "sector", "--county", "芒康")
        return {k: v for k, v in rows[0].items() if k != "county"}

    before = mangkang()
    changed = make_seed_dir(tmp_path / "changed", SMALL_PLAN.replace("    sector: water_supply", "    sector: sewage"))
    assert small("seed", "load", str(changed)).exit_code == 0
    after = mangkang()
    assert after.get("污水处理", 0) == before.get("污水处理", 0) + 2
    assert after.get("供水", 0) == before["供水"] - 2 and after["total"] == before["total"]


def test_indicators_show_labels_values_and_lines_from_the_seeds(cli):
    bundle, _ = seeding.read_seeds(seeds_dir())
    expected = {
        i.code: (i.target_label, i.target, i.target_value, i.source_line)
        for i in bundle.indicators
        if i.plan_key == "shigatse-14-fyp"
    }
    rows = cli.json("indicators", "--plan", "日喀则")
    shown = {r["code"]: (r["target_label"], r["target"], r["target_value"], r["line"]) for r in rows}
    assert shown == expected and any(value is not None for _, _, value, _ in shown.values())


def test_the_prefecture_settles_a_name_several_prefectures_use(cli):
    ambiguous = cli("projects", "list", "--county", "经开区")
    assert ambiguous.exit_code == 2 and "ambiguous" in ambiguous.stderr
    rows = cli.json("projects", "list", "--county", "经开区", "--prefecture", "昌都")
    assert rows and all("昌都经济开发区" in row["counties_label"] for row in rows)


def test_county_lists_are_in_code_order_on_every_engine(cli):
    codes = {c["name"]: c["code"] for c in cli.json("counties")}
    codes.update({f"{c['name']}·未明确县(区)": c["code"] for c in cli.json("counties")})
    for row in cli.json("projects", "list", "--kind", "programme"):
        names = row["counties_label"]
        assert [codes[n] for n in names] == sorted(codes[n] for n in names) == row["counties"], row["code"]


def test_kinds_are_summarised_with_chinese_labels(cli):
    assert {row["kind"] for row in cli.json("summary", "--by", "kind")} == {"项目", "项目群"}


def test_a_terminal_table_shows_brackets_in_data_as_they_are():
    import io

    from portfolio import render

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    render.render(
        [("[chamdo-14-housing]", "[/] 见附件[1]")], [render.Col("a", "甲"), render.Col("b", "乙")], "table", out
    )
    assert "[chamdo-14-housing]" in out.getvalue() and "[/] 见附件[1]" in out.getvalue()


def test_show_gives_the_row_list_gives(small):
    assert (
        small("projects", "set", "TP-02-001", "--total-investment", "1200", "--planned-start", "2025-03").exit_code == 0
    )
    assert small("projects", "set-status", "TP-02-002", "在建", "--date", "2024-05-01").exit_code == 0
    rows = small.json("projects", "list", "--plan", "test-plan")
    assert {row["kind"] for row in rows} == {"project", "programme"}
    for row in rows:
        assert small.json("projects", "show", row["code"]) == row
    by_code = {row["code"]: row for row in rows}
    assert (by_code["TP-02-001"]["total_investment"], by_code["TP-02-001"]["planned_start"]) == (1200, "2025-03")
    assert (by_code["TP-02-002"]["status"], by_code["TP-02-002"]["status_label"]) == ("implementation", "在建")


def test_csv_and_json_carry_the_same_keys_and_values(small):
    import csv
    import io

    rows = small.json("projects", "list", "--plan", "test-plan")
    table = list(
        csv.DictReader(io.StringIO(small("projects", "list", "--plan", "test-plan", "--format", "csv").stdout))
    )
    assert [list(row) for row in table] == [list(row) for row in rows]
    for flat, row in zip(table, rows, strict=True):
        assert flat["counties"] == "、".join(row["counties"]) and flat["kind_label"] == row["kind_label"]


@pytest.mark.parametrize("term", ["供水工程", "污水处理", "垃圾填埋场", "县城"])
def test_a_frequent_term_is_scanned_and_finds_what_the_index_finds(seeded_url, engine_of, monkeypatch, term):
    """Above FTS_PROBE matches a term is matched by scanning; below, through the index: same rows."""
    from portfolio import db, queries

    flt = queries.ProjectFilter(search=term)
    with db.session_scope(engine_of(seeded_url)) as session:
        through_index = [row.code for row in queries.list_projects(session, flt)]
        monkeypatch.setattr(queries, "FTS_PROBE", 0)
        scanned = [row.code for row in queries.list_projects(session, flt)]
        first_page = [row.code for row in queries.list_projects(session, flt, limit=3)]
    assert through_index == scanned != []
    assert first_page == scanned[:3]


@pytest.mark.parametrize("sort", ["code", "sector", "status", "plan", "date", "name", "county"])
def test_pages_of_a_sorted_list_are_slices_of_the_whole_list(seeded_url, engine_of, sort):
    from portfolio import db, queries

    flt = queries.ProjectFilter(plan_keys=["chamdo-14-housing"])
    with db.session_scope(engine_of(seeded_url)) as session:
        whole = list(queries.list_projects(session, flt, sort=sort))
        pages = [list(queries.list_projects(session, flt, sort=sort, limit=7, offset=start)) for start in (0, 7, 14)]
    assert len(whole) > 14
    assert [row.code for page in pages for row in page] == [row.code for row in whole[:21]]
    assert pages[1][0] == whole[7]  # every field of the row, not only its code
