"""What one office enters reaches another's terminal, spreadsheet and report: control characters
are refused where text comes in, exports keep formula-like text as text and carry every field,
a stale sheet adds nothing, and lights are never asked of a month still to come."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import sqlalchemy as sa
from openpyxl import load_workbook

from portfolio import db, queries
from portfolio.models import Project, ProjectDivision, ProjectLink
from portfolio.render import render
from portfolio.rows import ProjectRow, for_output

CODE = "CD14-05-009"  # 江达县
PERIOD = "2026-11"
FORMULA = '=HYPERLINK("http://evil.example","点此")'


def history(cli) -> list[dict]:
    return cli.json("projects", "history", CODE)


def test_control_characters_are_refused_in_arguments_and_sheets(cli, tmp_path):
    before = history(cli)
    for args in (
        ("projects", "set", CODE, "--contact", "扎西\x1b[2J"),
        ("projects", "set", CODE, "--responsible-unit", "住建局", "--by", "a\x07b"),
        ("projects", "set-status", CODE, "在建", "--date", "2026-03-01", "--note", "开工\x9b"),
    ):
        result = cli(*args)
        assert result.exit_code != 0
        assert len(result.stderr.strip().splitlines()) == 1 and "control character U+" in result.stderr, args
    sheet = tmp_path / "esc.csv"
    sheet.write_text(f"编号,形象进度,存在问题\n{CODE},主体\x1b[2J施工,无\n", encoding="utf-8")
    refused = cli("report", "import", str(sheet), "--period", PERIOD, "--county", "江达")
    assert refused.exit_code == 1
    assert "esc.csv" in refused.stderr and "形象进度: contains the control character U+001B (at position 3)" in (
        refused.stderr
    )
    assert history(cli) == before
    template = cli("report", "template", "--county", "江达", "--period", PERIOD, "-o", str(tmp_path / "t.xlsx"))
    assert template.exit_code == 0, template.stderr


def test_line_breaks_and_tabs_are_text(cli):
    result = cli("projects", "set-status", CODE, "在建", "--date", "2026-03-01", "--note", "开工\n第二行\t附注")
    assert result.exit_code == 0, result.stderr
    assert history(cli)[-1]["note"] == "开工\n第二行\t附注"


def test_exports_keep_formula_like_text_as_text(cli, tmp_path):
    assert cli("projects", "set", CODE, "--responsible-unit", FORMULA).exit_code == 0

    listed = cli("projects", "list", "--county", "江达", "--format", "csv")
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(listed.stdout))}
    assert rows[CODE]["responsible_unit"] == "'" + FORMULA
    assert cli.json("projects", "show", CODE)["responsible_unit"] == FORMULA  # JSON carries the value as it is

    exported = tmp_path / "history.xlsx"
    assert cli("projects", "history", CODE, "--output", str(exported)).exit_code == 0
    cells = [cell for row in load_workbook(exported).active.iter_rows() for cell in row if cell.value == FORMULA]
    assert cells and all(cell.data_type == "s" for cell in cells)

    template = tmp_path / "江达.xlsx"
    assert cli("report", "template", "--county", "江达", "--period", PERIOD, "-o", str(template)).exit_code == 0
    cells = [cell for row in load_workbook(template).active.iter_rows() for cell in row if cell.value == FORMULA]
    assert len(cells) == 1 and cells[0].data_type == "s"


# --- a sheet that says again what the history holds --------------------------------------------

STALE = "RKZ14-05-004"  # 江孜县


def status_events(cli, code: str) -> list[dict]:
    return [event for event in cli.json("projects", "history", code) if event["id"].startswith("S")]


def test_a_stale_sheet_imported_after_a_later_change_adds_nothing(cli, tmp_path):
    stale = tmp_path / "江孜-2026-11.xlsx"
    assert cli("report", "template", "--period", PERIOD, "--county", "江孜", "-o", str(stale)).exit_code == 0
    planned = status_events(cli, STALE)[-1]
    assert cli("projects", "set-status", STALE, "在建", "--date", "2026-05-01").exit_code == 0
    before = status_events(cli, STALE)
    for _ in range(2):
        imported = cli("report", "import", str(stale), "--period", PERIOD)
        assert imported.exit_code == 0, imported.stderr
        assert status_events(cli, STALE) == before
    assert cli.json("projects", "show", STALE)["status"] == "implementation"

    sheet = tmp_path / "status.csv"
    sheet.write_text(f"code,status,date\n{STALE},{planned['new']},{planned['effective_date']}\n", encoding="utf-8")
    for _ in range(2):
        assert cli("status", "import", str(sheet)).exit_code == 0
        assert status_events(cli, STALE) == before


def test_an_xlsx_export_carries_the_tracked_fields_and_columns_picks_any(cli, tmp_path):
    fields = ("--responsible-unit", "江达县住建局", "--total-investment", "1200")
    assert cli("projects", "set", CODE, *fields).exit_code == 0
    exported = tmp_path / "江达.xlsx"
    assert cli("projects", "list", "--county", "江达", "--output", str(exported)).exit_code == 0
    rows = list(load_workbook(exported).active.iter_rows(values_only=True))
    header, by_code = rows[0], {row[0]: row for row in rows[1:]}
    assert {"编号", "名称", "县(区)", "状态", "责任单位", "总投资(万元)", "原文"} <= set(header)
    assert not {"类型代码", "状态代码", "县(区)代码"} & set(header)  # codes whose Chinese label is there
    row = dict(zip(header, by_code[CODE]))
    assert (row["责任单位"], row["总投资(万元)"]) == ("江达县住建局", 1200)

    picked = tmp_path / "picked.xlsx"
    chosen = cli("projects", "list", "--county", "江达", "-o", str(picked), "--columns", "code,national_code,联系人")
    assert chosen.exit_code == 0, chosen.stderr
    assert next(load_workbook(picked).active.iter_rows(values_only=True)) == ("编号", "项目代码", "联系人")


def test_lights_and_rates_refuse_a_month_still_to_come(cli):
    for command in (("report", "lights"), ("report", "summary")):
        refused = cli(*command, "--period", "2099-01")
        assert refused.exit_code != 0 and "period 2099-01 has not come yet" in refused.stderr, command
        assert len(refused.stderr.strip().splitlines()) == 1
    assert cli("report", "lights", "--period", PERIOD, "--county", "江达").exit_code == 0


def test_an_oc4ids_export_says_how_many_programmes_it_leaves_out(cli):
    import json

    listed = cli.json("projects", "list", "--county", "江孜")
    programmes = sum(row["kind"] == "programme" for row in listed)
    exported = cli("projects", "list", "--county", "江孜", "--format", "oc4ids")
    assert exported.exit_code == 0 and programmes > 0
    assert len(json.loads(exported.stdout)["projects"]) == len(listed) - programmes
    assert f"{programmes} matching programmes are not exported" in exported.stderr


# --- machine cells taken straight from the database rows -------------------------------------


def test_list_cells_from_the_database_rows_are_those_of_the_row_objects(cli, engine_of):
    """`projects list` writes CSV/TSV/JSON from the rows as the database gives them (no object per
    row); every cell must be what the row objects give, on every field that is converted."""
    fields = ("--responsible-unit", FORMULA, "--total-investment", "1200", "--planned-start", "2026-03")
    assert cli("projects", "set", CODE, *fields).exit_code == 0
    assert cli("projects", "set-status", CODE, "在建", "--date", "2026-03-01").exit_code == 0
    with db.session_scope(engine_of(cli.url)) as session:
        everything = queries.ProjectFilter(include_withdrawn=True)
        for fmt in ("csv", "tsv", "json", "jsonl"):
            columns, streamed = for_output(ProjectRow, queries.list_projects(session, everything), fmt)
            objects = list(queries.list_projects(session, everything))
            expected_columns, expected = for_output(ProjectRow, objects, fmt)
            assert columns == expected_columns
            if fmt in ("csv", "tsv"):  # what is written (an empty list may be None or "": both write "")
                written, wanted = io.StringIO(), io.StringIO()
                render(streamed, columns, fmt, written), render(expected, columns, fmt, wanted)
                assert written.getvalue() == wanted.getvalue(), fmt
            else:
                assert list(streamed) == list(expected), fmt
    assert len(objects) > 700 and any(row.other_listings for row in objects)

    # the CSV against the tables themselves, not against another path of the same code
    listed = {
        row["code"]: row for row in csv.DictReader(io.StringIO(cli("projects", "list", "--format", "csv").stdout))
    }
    with db.session_scope(engine_of(cli.url)) as session:
        counties = session.execute(
            sa.select(ProjectDivision.division_code)
            .join(Project, Project.id == ProjectDivision.project_id)
            .where(Project.code == CODE)
        ).scalars()
        parts = defaultdict(list)
        whole, part = sa.orm.aliased(Project), sa.orm.aliased(Project)
        for whole_code, part_code in session.execute(
            sa.select(whole.code, part.code)
            .join(ProjectLink, ProjectLink.target_id == whole.id)
            .join(part, part.id == ProjectLink.project_id)
            .where(ProjectLink.relation == "part_of")
        ):
            parts[whole_code].append(part_code)
        assert listed[CODE]["counties"] == "、".join(sorted(counties))
    row = listed[CODE]
    assert (row["status"], row["status_label"], row["kind_label"]) == ("implementation", "在建", "项目")
    assert (row["responsible_unit"], row["total_investment"], row["in_seeds"]) == ("'" + FORMULA, "1200.0", "true")
    assert (row["planned_start"], row["status_date"]) == ("2026-03", "2026-03-01")
    assert sum(len(codes) > 2 for codes in parts.values()) > 3
    for whole_code, codes in parts.items():
        assert listed[whole_code]["parts"] == "、".join(sorted(codes))


def test_csv_marks_formula_like_text_in_any_text_column():
    """The test looks only at text columns when every column's kind is declared; a list cell, a
    label, a code or a text column holding a number must still be handled."""
    from portfolio.render import Col

    columns = [Col("code", "编号", "code"), Col("parts", "组成", "list"), Col("n", "数", "integer")]
    rows = [("A-1", "=1+1、B", -3), ("@A", "", 7), ("B-2", None, -1), ("C-3", "正常", 2)]
    out = io.StringIO()
    assert render(iter(rows), columns, "csv", out) == 4
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["code", "parts", "n"],
        ["A-1", "'=1+1、B", "-3"],
        ["'@A", "", "7"],
        ["B-2", "", "-1"],
        ["C-3", "正常", "2"],
    ]
    declared_text_holding_a_number = [Col("a", "甲", "text"), Col("b", "乙", "text")]
    out = io.StringIO()
    render(iter([(5, "+cmd"), (-5, "ok")]), declared_text_holding_a_number, "tsv", out)
    assert out.getvalue().splitlines() == ["a\tb", "5\t'+cmd", "-5\tok"]
    undeclared = [Col("a", "甲"), Col("b", "乙")]
    out = io.StringIO()
    render(iter([("-x", 1)]), undeclared, "csv", out)
    assert out.getvalue().splitlines() == ["a,b", "'-x,1"]
    # SQLite keeps text a program writes into an integer column; a date or flag column is text here
    other_kinds = [
        Col("year", "年", "integer"),
        Col("day", "日", "date"),
        Col("ok", "是", "bool"),
        Col("x", "乙", "text"),
    ]
    out = io.StringIO()
    render(
        iter([("=1+1", "2026-01-01", "true", "a"), (2026, "@x", "true", "b"), (-1, None, "false", {})]),
        other_kinds,
        "csv",
        out,
    )
    assert out.getvalue().splitlines() == [
        "year,day,ok,x",
        "'=1+1,2026-01-01,true,a",
        "2026,'@x,true,b",
        "-1,,false,{}",
    ]
