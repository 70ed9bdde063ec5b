"""Report tables, a project's history and the indicator tables on terminals of 80, 120 and 200
columns: every code, date and number of the data appears whole on one line of its cell, no header
is blank, long titles and names break between words."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import accumulate

import pytest
from openpyxl import load_workbook
from test_cli_terminal import ANSI, WIDTHS, assert_fits, cells, headers, table_lines

from portfolio.history import HistoryEvent
from portfolio.reports.lights import LightRow, RateRow, rate_labels
from portfolio.rows import IndicatorRow, brief_columns, row_columns
from portfolio.terminal import tokens, wrap

PERIOD = "2026-11"
PROGRESS = "主体工程完成约60%，G318线连接段2×10MW配套工程正在施工，预计2027年3月竣工"
PROBLEMS = "资金缺口约1,200万元，建议市级统筹协调解决用地审批问题"
WHOLE = re.compile(r"[\x21-\x7e]{2,}")  # a run of Latin letters, digits and signs: a code, date or number


@pytest.fixture
def reported(cli, tmp_path):
    """江孜's sheet for 2026-11, filled in for every third project and imported; planned dates set so
    that lights have reasons with dates and months in them."""
    sheet_path = tmp_path / "江孜.xlsx"
    assert cli("report", "template", "--period", PERIOD, "--county", "江孜", "-o", str(sheet_path)).exit_code == 0
    book = load_workbook(sheet_path)
    sheet = book["调度表"]
    header = [cell.value for cell in sheet[2]]
    for number, row in enumerate(range(3, sheet.max_row + 1)):
        code = sheet.cell(row=row, column=1).value
        if not code:
            continue
        values = {"计划开工": "2025-03", "计划竣工": "2026-10", "总投资(万元)": 5000 + number}
        values["2026年度计划投资(万元)"] = 1000
        if number % 3 == 0:
            invested = 1000 if number == 0 else 123.5 * number  # the first on schedule (green), the others behind
            values |= {
                "计划竣工": "2027-12",
                "状态": "在建",
                "状态日期": datetime(2025, 6, 15),
                "本期完成投资(万元)": invested,
                "累计完成投资(万元)": 1000 + invested,
                "形象进度": PROGRESS,
                "存在问题": PROBLEMS,
            }
        for name, value in values.items():
            sheet.cell(row=row, column=header.index(name) + 1).value = value
    filled = tmp_path / "江孜-填报.xlsx"
    book.save(filled)
    result = cli("report", "import", str(filled), "--period", PERIOD)
    assert result.exit_code == 0, result.stderr
    return cli


@pytest.fixture
def terminal(cli, monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")

    def run(width: int, *args: str) -> str:
        monkeypatch.setenv("COLUMNS", str(width))
        result = cli("--no-pager", *args)
        assert result.exit_code == 0, result.stderr
        return ANSI.sub("", result.stdout)

    return run


def row_blocks(output: str) -> list[list[list[str]]]:
    """The body's rows, each a list of cells, each cell its lines (a row starts where its first cell has text)."""
    blocks: list[list[list[str]]] = []
    for line in table_lines(output):
        if not line.startswith("│"):
            continue
        parts = cells(line)
        if parts[0] or not blocks:
            blocks.append([[part] for part in parts])
        else:
            for cell_lines, part in zip(blocks[-1], parts):
                cell_lines.append(part)
    return blocks


def assert_whole(output: str, rows: list[dict], columns, *, skip: tuple[str, ...] = ()) -> int:
    """Every Latin/digit run of every shown value is whole on one line of its row's cell; returns how
    many were checked."""
    shown = headers(output)
    labels = {column.key: column.label for column in columns}
    first = next(column.key for column in columns if column.label == shown[0])
    blocks = {"".join(block[0]): block for block in row_blocks(output)}
    checked = 0
    for row in rows:
        block = blocks[str(row[first])]  # the row is there, its first cell whole
        for key, value in row.items():
            if key in skip or labels.get(key) not in shown or value in (None, ""):
                continue
            lines = block[shown.index(labels[key])]
            text = str(value)
            for run in WHOLE.findall(text) if re.search(r"[^\x00-\x7f]|\s", text) else [text]:
                assert any(run in line for line in lines), (key, run, lines)
                checked += 1
    return checked


@pytest.mark.parametrize("width", WIDTHS)
def test_report_lights_keep_codes_dates_and_numbers_whole(reported, terminal, width):
    rows = reported.json("report", "lights", "--period", PERIOD, "--county", "江孜")
    assert {row["light"] for row in rows} >= {"红", "绿"} and any("2025-03" in row["reasons"] for row in rows)
    output = terminal(width, "report", "lights", "--period", PERIOD, "--county", "江孜")
    assert_fits(output, width)
    assert {"编号", "名称", "预警"} <= set(headers(output))
    assert assert_whole(output, rows, row_columns(LightRow)) > 2 * len(rows)
    assert f"{len(rows)} 项" in output
    title = next(line for line in output.splitlines() if PERIOD in line)
    assert title.strip() == f"{PERIOD} 预警"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("by", ["county", "sector"])
def test_report_summary_keeps_every_rate_and_count_whole(reported, terminal, width, by):
    args = ("report", "summary", "--period", PERIOD, "--by", by, "--no-chart")
    rows = reported.json(*args)
    assert any(row["investment_rate"] for row in rows)
    output = terminal(width, *args)
    assert_fits(output, width)
    columns = brief_columns(RateRow, rate_labels(by))
    assert (
        headers(output)[:2] == [{"county": "县(区)", "sector": "行业"}[by], "项目数"] == [c.label for c in columns[:2]]
    )
    assert assert_whole(output, rows, columns) >= 3 * len(rows)
    body = row_blocks(output)
    assert "".join(body[-1][0]) == "合计" and len(body) == len(rows) + (rows[-1]["group_label"] != "合计")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_project_history_keeps_ids_dates_and_values_whole(reported, terminal, width):
    code = next(row["code"] for row in reported.json("report", "lights", "--period", PERIOD) if row["light"] == "绿")
    rows = reported.json("projects", "history", code)
    assert len(rows) >= 5  # the plan's status, the imported status, fields and the period's report
    output = terminal(width, "projects", "history", code)
    assert_fits(output, width)
    assert headers(output)[:3] == ["编号", "日期", "事项"]
    assert assert_whole(output, rows, row_columns(HistoryEvent), skip=("recorded_at",)) >= 2 * len(rows)
    assert "60%" in output and "1,200万元" in output.replace("\n", "")


@pytest.mark.parametrize("width", WIDTHS)
def test_indicators_keep_every_value_whole(cli, terminal, width):
    rows = cli.json("indicators")
    output = terminal(width, "indicators")
    assert_fits(output, width)
    assert assert_whole(output, rows, row_columns(IndicatorRow)) > len(rows)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_county_by_sector_pivot_keeps_names_and_numbers_whole(cli, terminal, width):
    output = terminal(width, "summary", "--by", "county", "--then", "sector", "--no-chart")
    assert_fits(output, width)
    counties = {row["county"] for row in cli.json("summary", "--by", "county")}
    blocks = row_blocks(output)
    assert all(len(block[0]) == 1 for block in blocks)  # county names on one line
    assert {"".join(block[0]) for block in blocks} == counties | {"合计"}
    assert all(re.fullmatch(r"\d+", line) for block in blocks for cell in block[1:] for line in cell if line)
    assert "其他" in headers(output) or width == 200


@pytest.mark.parametrize("width", WIDTHS)
def test_long_titles_break_between_words(cli, terminal, width):
    output = terminal(width, "columns", "--plan", "lhasa-15-fyp")
    assert_fits(output, width)
    titles = {row["title"] for row in cli.json("columns", "--plan", "lhasa-15-fyp")}
    shown = {"".join(block[headers(output).index("标题")]) for block in row_blocks(output)}
    assert shown == titles
    for block in row_blocks(output):
        lines = block[headers(output).index("标题")]
        title = "".join(lines)
        between = set(accumulate(len(piece) for piece in tokens(title)))  # where a line may break
        assert set(accumulate(len(line) for line in lines[:-1])) <= between, lines  # never inside 工程, 设施
        assert len(lines) == 1 or len(lines[-1]) > 1, lines  # no character alone on the last line
    assert any(len(block[headers(output).index("标题")]) > 1 for block in row_blocks(output)) or width > 80


def test_words_numbers_with_units_and_a_lone_last_character():
    assert wrap("城镇道路与桥梁设施建设重点项目", 16) == ["城镇道路与桥梁", "设施建设重点项目"]
    assert wrap("卡若区乡(镇)市政道路及附属工程", 28) == ["卡若区乡(镇)市政道路及", "附属工程"]
    assert wrap("开工逾期：计划2025-03开工，逾期20个月仍为谋划", 20) == [
        "开工逾期：计划",
        "2025-03开工，逾期",
        "20个月仍为谋划",
    ]
    assert wrap("江孜县优质奶源基地", 16) == ["江孜县优质奶源", "基地"]
    assert wrap("总长26.6公里", 4) == ["总长", "26.6", "公里"]
