"""Text one office types reaches another's terminal, spreadsheet and report: control characters
are refused where text comes in, and exports keep formula-like text as text."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

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
