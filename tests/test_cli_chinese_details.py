"""What a Chinese user still met in English or out of line: the diagnostics of `seed check`, a sheet's
problems about numbers, Click's marks in help (`[x>=1]`), refused option values, the bar chart of
`report summary` over rows of 0, and numbers in plain (piped) tables."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from openpyxl import load_workbook
from seedkit import SMALL_PLAN, make_seed_dir
from test_cli_terminal import ANSI
from typer.testing import CliRunner
from wcwidth import wcswidth

from portfolio.cli import app
from portfolio.cli.docs import command_paths

PERIOD = "2026-11"
BROKEN_PLAN = SMALL_PLAN.replace("  source: test.txt\n", "  source: test.txt\n  colour: red\n").replace(
    "          - {code: TP-02-002, name: 芒康县测试管网工程, line: 11, build: 改扩建}\n",
    "          - {code: TP-02-001, name: 芒康县测试管网工程, line: 0}\n"
    "          - {code: TP-03-001, name: 测试泵站, line: 11, sector: watr}\n",
)
# English a Chinese line may keep: seed-file keys in backticks, quoted values, paths, codes, option names
KEPT_ENGLISH = re.compile(r"`[^`]*`|'[^']*'|\S+/\S+|[A-Z]{2}[\w-]*|--[a-z-]+|test-plan|（是否要找 [^）]*）")


def english_words(line: str) -> list[str]:
    return re.findall(r"[a-z]{3,}", KEPT_ENGLISH.sub("", line))


def run(*args: str, language: str = "zh", env: dict[str, str] | None = None):
    return CliRunner().invoke(app, list(args), env={"PORTFOLIO_LANG": language, **(env or {})})


# --- seed check --------------------------------------------------------------------------


def test_seed_check_diagnostics_read_in_chinese_after_their_location(tmp_path):
    seeds = make_seed_dir(tmp_path, BROKEN_PLAN)
    result = run("seed", "check", str(seeds))
    assert result.exit_code == 1
    plan = f"{seeds}/plans/test-plan.yaml"
    assert result.stderr.splitlines() == [
        f"{plan}:2: 规划中有未知字段 'colour'（是否要找 source？）",
        f"{plan}:24: `line` 应为正整数行号，而不是 0",
        f"{plan}:25: 编号 TP-03-001 不属于 test-plan 的专栏 2（应为 TP-02-NNN）",
        f"{plan}:25: 未知的行业 'watr'（是否要找 water_supply？）",
        f"错误：{seeds} 中有 4 处问题",
    ]


def test_seed_check_stays_english_in_an_english_locale(tmp_path):
    seeds = make_seed_dir(tmp_path, BROKEN_PLAN)
    lines = run("seed", "check", str(seeds), language="en").stderr.splitlines()
    plan = f"{seeds}/plans/test-plan.yaml"
    assert lines[0] == f"{plan}:2: unknown field 'colour' in plan (did you mean source?)"
    assert lines[1] == f"{plan}:24: line must be a positive line number, not 0"
    assert lines[-1] == f"error: 4 problems in {seeds}"


def test_seed_check_of_broken_files_leaves_no_english_in_chinese(tmp_path):
    """YAML that does not parse, a CSV row of the wrong length, a loop of parents, a draft's marker."""
    seeds = make_seed_dir(
        tmp_path, SMALL_PLAN.replace("            line: 12\n", "            line: 12\n            review: 核对\n")
    )
    (seeds / "plans" / "broken.yaml").write_text("plan:\n  key: a\n   title: b\n", encoding="utf-8")
    (seeds / "plans" / "tabs.yaml").write_text("plan:\n\t- a\n", encoding="utf-8")
    with (seeds / "divisions.csv").open("a", encoding="utf-8") as divisions:
        divisions.write("999901,测试甲县,county,999902,,,yes,\n999902,测试乙县,county,999901,,,yes,\n540000,x\n")
    result = run("seed", "check", str(seeds))
    lines = result.stderr.splitlines()
    assert result.exit_code == 1 and len(lines) >= 6, result.stderr
    for line in lines[:-1]:
        location, _, message = line.partition(": ")
        assert re.fullmatch(r".+\.(yaml|csv)(:\d+)?", location), line
        assert english_words(message) == [], line
    assert any("YAML 格式有误：此处不能有映射值" in line for line in lines), lines
    assert any("行政区划 999901 是它自己的上级" in line for line in lines), lines
    assert any("有 2 个字段，但表头有 8 个" in line for line in lines), lines
    assert any("草稿留下的复核标记：核对该条目后删除 `review:` 行" in line for line in lines), lines


def test_seed_check_lists_every_problem_of_the_reference_rows_in_chinese(tmp_path):
    seeds = make_seed_dir(tmp_path)
    line = len((seeds / "divisions.csv").read_text(encoding="utf-8").splitlines()) + 1
    with (seeds / "divisions.csv").open("a", encoding="utf-8") as divisions:
        divisions.write(",测试县,town,999999,,,yes,\n")
    result = run("seed", "check", str(seeds))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:-1] == [
        f"{seeds}/divisions.csv:{line}: `code` 和 `name` 必填",
        f"{seeds}/divisions.csv:{line}: 未知的级别 'town'；可用：province, prefecture, county, zone",
        f"{seeds}/divisions.csv:{line}: 未知的上级代码 999999",
    ]


def test_seed_check_says_ok_in_the_users_language():
    chinese = run("seed", "check")
    assert chinese.exit_code == 0
    assert re.fullmatch(
        r"检查通过：\d+ 个规划、\d+ 个项目和项目群、\d+ 个指标、\d+ 个城镇、\d+ 个行政区划、\d+ 个行业\n",
        chinese.stdout,
    )
    english = run("seed", "check", language="en")
    assert re.fullmatch(r"ok: \d+ plans, \d+ projects and programmes, .* \d+ sectors\n", english.stdout)


def test_seed_load_refuses_broken_seeds_in_chinese(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    seeds = make_seed_dir(tmp_path, BROKEN_PLAN)
    result = cli("seed", "load", str(seeds))
    assert result.exit_code == 1
    assert result.stderr == (
        f"错误：{seeds}/plans/test-plan.yaml:2: 规划中有未知字段 'colour'（是否要找 source？）"
        "（另有 3 处问题；运行 `portfolio seed check` 查看全部）\n"
    )
    assert cli("projects", "list", "--plan", "test-plan").exit_code == 2  # nothing was loaded


# --- report import -------------------------------------------------------------------------


def test_sheet_problems_about_numbers_read_in_chinese(cli, tmp_path, monkeypatch):
    """A cell that holds a number (not text) or a year's plan column: the value is named as written."""
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    template = tmp_path / "江孜.xlsx"
    assert cli("report", "template", "--period", PERIOD, "--county", "江孜", "-o", str(template)).exit_code == 0
    book = load_workbook(template)
    sheet = book["调度表"]
    header = [cell.value for cell in sheet[2]]
    sheet.cell(row=3, column=header.index("累计完成投资(万元)") + 1).value = -5
    sheet.cell(row=4, column=header.index("2026年度计划投资(万元)") + 1).value = "八百"
    sheet.cell(row=5, column=header.index("本期完成投资(万元)") + 1).value = True
    filled = tmp_path / "江孜-填报.xlsx"
    book.save(filled)
    result = cli("report", "import", str(filled), "--period", PERIOD)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "江孜-填报.xlsx:调度表:3: 累计完成投资(万元): 累计完成投资(万元) -5 有误：须为 0 到 100000000 之间的数（万元）",
        "江孜-填报.xlsx:调度表:4: 年度计划投资(万元): 2026年度计划投资(万元) '八百' 有误：请给出以万元计的数字",
        "江孜-填报.xlsx:调度表:5: 本期完成投资(万元): 本期完成投资(万元) True 有误：请给出以万元计的数字",
        "错误：发现 3 处问题；未导入任何数据",
    ]
    monkeypatch.setenv("PORTFOLIO_LANG", "en")
    english = cli("report", "import", str(filled), "--period", PERIOD).stderr.splitlines()
    assert english[0].endswith(
        "累计完成投资(万元): bad 累计完成投资(万元) -5: must be a number from 0 to 100000000 (万元)"
    )


# --- help and refused values -----------------------------------------------------------------


def test_clicks_marks_read_in_chinese_in_every_help():
    serve = run("serve", "--help").stdout
    assert "TCP 端口。[默认：8000；范围 1–65535]" in serve
    assert "并行处理页面请求）。[默认：1；范围 1–64]" in re.sub(r"\s*\n\s*", "", serve)  # a wrapped line
    assert "专栏编号（配合 --plan）。[≥1]" in run("projects", "list", "--help").stdout
    assert "[环境变量：PORTFOLIO_DB]" in run("--help").stdout
    for path in command_paths():
        shown = run(*path, "--help", env={"COLUMNS": "80"}).stdout
        assert not re.search(r"x[<>]=|<=x|default:|required\]|env var|^Options|^Usage", shown, re.M), (path, shown)
        assert "选项：" in shown, path


def test_clicks_marks_stay_english_otherwise():
    assert "TCP port.  [default: 8000; 1<=x<=65535]" in run("serve", "--help", language="en").stdout


@pytest.mark.parametrize(
    ("args", "chinese", "english"),
    [
        (
            ("projects", "list", "--limit", "0"),
            "错误：'--limit' / '-n' 的值有误：不能小于 1（见 `portfolio projects list --help`）",
            "error: invalid value for '--limit' / '-n': it must be at least 1 (see `portfolio projects list --help`)",
        ),
        (
            ("serve", "--port", "70000"),
            "错误：'--port' 的值有误：不能大于 65535（见 `portfolio serve --help`）",
            "error: invalid value for '--port': it must be at most 65535 (see `portfolio serve --help`)",
        ),
        (
            ("projects", "list", "--limit", "十"),
            "错误：'--limit' / '-n' 的值有误：须为整数（见 `portfolio projects list --help`）",
            "error: invalid value for '--limit' / '-n': it must be a whole number "
            "(see `portfolio projects list --help`)",
        ),
        (
            ("report", "import"),
            "错误：缺少参数 '文件'（见 `portfolio report import --help`）",
            "error: missing argument 'FILES' (see `portfolio report import --help`)",
        ),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_refused_option_values_read_in_the_users_language(args, chinese, english):
    assert run(*args).stderr == chinese + "\n"
    assert run(*args, language="en").stderr == english + "\n"


def test_a_seed_path_that_is_a_file_is_refused_in_chinese(tmp_path):
    path = tmp_path / "seeds.txt"
    path.write_text("", encoding="utf-8")
    assert run("seed", "check", str(path)).stderr == (
        f"错误：'路径' 的值有误：'{path}' 是文件，不是文件夹（见 `portfolio seed check --help`）\n"
    )


# --- the bar chart of report summary --------------------------------------------------------------


def _chart(output: str) -> list[str]:
    """The lines before the table's title."""
    lines = ANSI.sub("", output).splitlines()
    return lines[: next(i for i, line in enumerate(lines) if f"{PERIOD} 按" in line)]


def test_report_summary_chart_says_once_that_there_is_nothing_to_draw(cli, monkeypatch):
    for name, value in {"PORTFOLIO_LANG": "zh", "TTY_COMPATIBLE": "1", "COLUMNS": "80"}.items():
        monkeypatch.setenv(name, value)
    result = cli("--no-pager", "report", "summary", "--period", PERIOD, "--by", "sector")
    assert result.exit_code == 0, result.stderr
    assert [line for line in _chart(result.stdout) if line.strip()] == ["无数据（各项均为 0，不画条形图）"]
    assert "█" not in result.stdout


def test_report_summary_chart_leaves_out_rows_of_zero(cli, tmp_path, monkeypatch):
    template = tmp_path / "江孜.xlsx"
    assert cli("report", "template", "--period", PERIOD, "--county", "江孜", "-o", str(template)).exit_code == 0
    book = load_workbook(template)
    sheet = book["调度表"]
    header = [cell.value for cell in sheet[2]]
    values = {
        "状态": "在建",
        "状态日期": datetime(2025, 6, 15),
        "2026年度计划投资(万元)": 1000,
        "本期完成投资(万元)": 100,
        "累计完成投资(万元)": 400,
    }
    for name, value in values.items():
        sheet.cell(row=3, column=header.index(name) + 1).value = value
    book.save(template)
    assert cli("report", "import", str(template), "--period", PERIOD).exit_code == 0
    for name, value in {"PORTFOLIO_LANG": "zh", "TTY_COMPATIBLE": "1", "COLUMNS": "80"}.items():
        monkeypatch.setenv(name, value)
    result = cli("--no-pager", "report", "summary", "--period", PERIOD, "--by", "county")
    assert result.exit_code == 0, result.stderr
    bars = [line for line in _chart(result.stdout) if line.strip()]
    assert len(bars) == 1 and bars[0].startswith("江孜县") and "█" in bars[0], bars
    assert "无数据" not in result.stdout


# --- plain tables -----------------------------------------------------------------------------


def _right_edges(lines: list[str], column: int) -> set[int]:
    """Where the `column`th cell of each line ends, in display cells (cells split at two spaces)."""
    edges = set()
    for line in lines:
        found = list(re.finditer(r"\S+(?: \S+)*", line))
        edges.add(wcswidth(line[: found[column].end()]))
    return edges


def test_plain_tables_right_align_numbers(cli):
    """Piped, `summary` and `counties` line up their counts on the right under the header's end."""
    summary = cli("summary", "--by", "county").stdout.splitlines()
    assert summary[0].split() == ["县(区)", "工程数"]
    assert len(_right_edges([summary[0], *summary[2:]], 1)) == 1, summary[:6]
    assert summary[-1].split()[0] == "合计"
    pivot = cli("summary", "--by", "prefecture", "--then", "status", "--format", "plain").stdout.splitlines()
    for column in range(1, len(pivot[0].split())):
        assert len(_right_edges([pivot[0], *pivot[2:]], column)) == 1, pivot


def test_grid_tables_right_align_numbers_too(cli):
    grid = cli("summary", "--by", "county", "--format", "grid").stdout.splitlines()
    counts = [line.rstrip("|").rsplit("|", 1)[1] for line in grid if line.startswith("|")][1:]
    assert len({len(count.strip()) for count in counts}) > 1, counts  # numbers of different lengths
    assert all(re.fullmatch(r" +\d+ ", count) for count in counts), counts


# --- found walking the CLI as a new Chinese user at 80 columns ----------------------------------


def test_every_group_lists_its_commands_in_chinese():
    for group in ("projects", "status", "report", "seed", "db", "users"):
        listing = run(group, "--help", env={"COLUMNS": "80"}).stdout.split("命令：", 1)[1]
        for line in filter(str.strip, listing.splitlines()):
            assert not re.search(r"[a-z]{3,} [a-z]{3,}", line.split(maxsplit=1)[-1]), (group, line)


def test_report_commands_take_a_list_of_counties(cli):
    rows = cli.json("report", "summary", "--period", PERIOD, "--county", "江孜,芒康")
    assert sorted(row["group_label"] for row in rows) == ["合计", "江孜县", "芒康县"]
    lights = cli.json("report", "lights", "--period", PERIOD, "--county", "江孜、芒康")
    assert {row["office"] for row in lights} == {"江孜县", "芒康县"}


def test_what_a_column_lists_reads_in_chinese_and_stays_a_code_for_programs(cli):
    table = cli("columns", "--plan", "chamdo-14-housing").stdout.splitlines()
    assert table[0].split()[:4] == ["规划", "专栏", "标题", "内容"]
    assert all(line.split()[3] == "项目" for line in table[2:]), table
    assert {row["kind"] for row in cli.json("columns", "--plan", "chamdo-14-housing")} == {"projects"}
    assert cli("sectors").stdout.splitlines()[0].split()[:3] == ["代码", "行业", "英文名称"]


def test_short_headers_are_never_split_on_a_narrow_terminal(cli, monkeypatch):
    for name, value in {"PORTFOLIO_LANG": "zh", "TTY_COMPATIBLE": "1", "COLUMNS": "80"}.items():
        monkeypatch.setenv(name, value)
    shown = ANSI.sub("", cli("--no-pager", "columns", "--plan", "chamdo-14-housing").stdout)
    header = [line for line in shown.splitlines() if line.startswith("┃")]
    assert len(header) == 1 and "┃ 项目群 ┃" in header[0], shown


def test_one_projects_fields_have_no_row_count(cli, monkeypatch):
    for name, value in {"PORTFOLIO_LANG": "zh", "TTY_COMPATIBLE": "1", "COLUMNS": "80"}.items():
        monkeypatch.setenv(name, value)
    shown = ANSI.sub("", cli("--no-pager", "projects", "show", "CD14-05-009").stdout)
    fields, history = shown.split("状态历史（全部记录：portfolio projects history）")
    assert not re.search(r"^\d+ 项$", fields, re.M), fields
    assert re.search(r"^\d+ 项$", history, re.M), history


def test_a_question_left_unanswered_cancels_in_one_line(cli, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    refused = cli("db", "reset", input="n\n")
    assert refused.exit_code == 1
    assert refused.stdout.startswith("删除 ") and "中的全部项目和全部状态历史？ [y/N]：" in refused.stdout
    assert refused.stderr == "已取消，未做任何改动\n"
    left = cli("db", "reset", input="")
    assert left.exit_code == 1 and left.stderr.strip() == "已取消，未做任何改动" and "Aborted" not in left.output
    assert cli("projects", "show", "CD14-05-009").exit_code == 0  # nothing was deleted
    differ = cli("users", "add", "江孜县发改委", "--role", "viewer", input="password-one\npassword-two\n")
    assert differ.exit_code == 2 and differ.stderr == "错误：两次输入的密码不一致\n"
    assert "密码：" in differ.stdout and "再次输入密码：" in differ.stdout
    assert cli("users", "list").stderr == "还没有账户\n"
