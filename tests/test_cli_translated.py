"""Library errors and notes in the user's language; usage errors the same on a real terminal."""

from __future__ import annotations

import re

import pytest
from test_cli_terminal import run_on_a_terminal

CHINESE_ERRORS = [
    (("projects", "list", "--county", "mangk"), "错误：未知的县(区) 'mangk'（是否要找 芒康？）"),
    (("projects", "list", "--status", "foo"), "错误：未知的状态 'foo'；可用：谋划 (identification)"),
    (("projects", "list", "--plan", "nope"), "错误：未知的规划 'nope'；见 `portfolio plans`"),
    (("projects", "show", "XX-1"), "错误：未知的项目编号 'XX-1'"),
    (("projects", "list", "--sort", "size"), "错误：未知的排序方式 'size'；可用：code"),
    (
        ("projects", "list", "--plan", "chamdo-14-housing", "--column", "99"),
        "错误：chamdo-14-housing 中没有项目专栏 99；它的项目专栏：2–11",
    ),
    (
        ("projects", "set-status", "CD14-05-009", "在建", "--date", "2025-13-01"),
        "错误：日期 '2025-13-01' 有误：请用 YYYY-MM-DD",
    ),
    (
        ("projects", "set-status", "CD14-05-009", "在建", "--date", "2020-01-01"),
        "错误：日期 2020-01-01 早于 chamdo-14-housing 的印发日期（2023-09-19）",
    ),
    (("projects", "list", "--columns", "budget"), "错误：没有列 'budget'；可用的列：code (编号)"),
    (("summary", "--by", "size"), "错误：未知的统计维度 'size'"),
    (("projects", "list", "--prefecture", "芒康"), "错误：'芒康' 是县级，不是地市"),
    (("report", "lights", "--light", "blue"), "错误：未知的预警 'blue'"),
    (("report", "lights", "--period", "2026-13"), "错误：填报期 '2026-13' 有误：请用 YYYY-MM（如 2026-11）"),
    (("report", "template", "-o", "x.csv", "--county", "江孜"), "错误：填报表是 Excel 工作簿：文件名请用 .xlsx"),
    (("projects", "set", "CD14-05-009", "--total-investment", "abc"), "错误：总投资(万元) 'abc' 有误：请给出以万元计"),
    (("projects", "retract", "CD14-05-009", "Q1", "-m", "x"), "错误：记录编号 'Q1' 有误：请用 `projects history`"),
    (("summary", "--by", "county", "--then", "county"), "错误：--then county 与 --by 相同：请给出另一个维度（county、"),
    (("users", "add", "甲 乙", "--role", "viewer"), "错误：账户名 '甲 乙' 不可用：须为 1 到"),
]


@pytest.mark.parametrize(
    ("args", "expected"), CHINESE_ERRORS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_library_errors_read_in_chinese_in_a_chinese_locale(cli, monkeypatch, args, expected):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(expected) and result.stderr.count("\n") == 1, result.stderr
    assert not re.search(
        r"\b(unknown|allowed|bad|before|use|no such|see)\b",
        result.stderr.split("：", 1)[1].replace("`portfolio plans`", ""),
    ), result.stderr


def test_the_same_errors_stay_english_otherwise(cli, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "en")
    result = cli("projects", "list", "--county", "mangk")
    assert result.stderr == "error: unknown county 'mangk' (did you mean 芒康?)\n"


def test_a_note_from_the_library_reads_in_chinese(cli, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    result = cli("projects", "list", "--county", "昌都", "--limit", "1")
    assert result.exit_code == 0
    assert "昌都 是地市：按 昌都市 全部范围查找（规划未写明县(区)的工程：--county 昌都未明确" in result.stderr


def test_counted_messages_agree_with_their_number(cli, tmp_path, monkeypatch):
    sheet = tmp_path / "one.csv"
    sheet.write_text("code,status,date\nCD14-05-009,在建,2025-04-01\n", encoding="utf-8")
    result = cli("status", "import", str(sheet), "--dry-run")
    assert result.exit_code == 0
    assert "dry run: 1 update is valid; nothing was changed" in result.stderr
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    assert "试运行：1 条更新有效；未做任何改动" in cli("status", "import", str(sheet), "--dry-run").stderr


def test_a_mistyped_command_is_shown_as_typed(cli):
    assert cli("projects", "lst").stderr == "error: no such command 'lst' (see `portfolio projects --help`)\n"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "error: no such option: --bogus (see `portfolio projects list --help`)"),
        ("zh", "错误：没有这个选项：--bogus（见 `portfolio projects list --help`）"),
    ],
)
def test_usage_errors_are_one_line_on_a_real_terminal_too(seeded_url, language, expected):
    shown = run_on_a_terminal(
        ["--db", seeded_url, "projects", "list", "--bogus"], rows=30, columns=100, env={"PORTFOLIO_LANG": language}
    )
    lines = [line for line in shown.replace("\r", "").splitlines() if line.strip()]
    assert lines == [expected], shown


def test_problems_of_a_sheet_read_in_chinese_after_their_location(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    sheet = tmp_path / "状态.csv"
    sheet.write_text("code,status,date\nCD14-05-009,在建,2031-01-01\nXX-9,在建,\n", encoding="utf-8")
    result = cli("status", "import", str(sheet))
    assert result.exit_code == 1
    assert result.stderr == f"错误：{sheet}:2: 日期 2031-01-01 在将来（另有 1 处问题）\n"
    report = tmp_path / "调度.csv"
    report.write_text("编号,状态,状态日期\nXX-9,在建,2026-01-01\nCD14-05-009,foo,2026-01-01\n", encoding="utf-8")
    lines = cli("report", "import", str(report), "--period", "2026-11").stderr.splitlines()
    assert lines[0] == "调度.csv:调度:2: 编号: 未知的项目 XX-9"
    assert lines[1].startswith("调度.csv:调度:3: 状态: 未知的状态 'foo'；可用：谋划 (identification)")
    assert lines[2] == "错误：发现 2 处问题；未导入任何数据"


def test_results_of_a_change_read_in_chinese(cli, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    assert cli("projects", "set-status", "CD14-05-009", "在建", "--date", "2025-04-01").stdout == (
        "CD14-05-009: 谋划 → 在建 (2025-04-01)\n"
    )
    again = cli("projects", "set-status", "CD14-05-009", "在建", "--date", "2025-04-01")
    assert again.stdout == "CD14-05-009：自 2025-04-01 起已是在建，未作记录\n"
    earlier = cli("projects", "set-status", "CD14-05-009", "前期", "--date", "2024-04-01")
    assert earlier.stdout == "CD14-05-009：已在历史中记录前期（2024-04-01）；当前状态仍为在建（有更晚的记录）\n"
    info = cli("db", "info").stdout
    assert info.startswith("数据库：") and "\n结构版本：" in info


def test_an_english_problem_count_agrees_with_its_number(cli, tmp_path):
    sheet = tmp_path / "two.csv"
    sheet.write_text("code,status,date\nCD14-05-009,在建,2031-01-01\nXX-9,在建,\n", encoding="utf-8")
    assert cli("status", "import", str(sheet)).stderr.endswith("is in the future (and 1 more problem)\n")


# Usage errors of Click and the commands' own refusals, in both languages (LANG as a user's shell sets it).
USAGE_ERRORS = [
    (
        ("projects", "list", "extra"),
        "错误：多余的参数（extra）（见 `portfolio projects list --help`）",
        "error: got unexpected extra argument (extra) (see `portfolio projects list --help`)",
    ),
    (
        ("report", "template", "--period", "2026-11", "--county", "江孜"),
        "错误：缺少选项 '--output' / '-o'（见 `portfolio report template --help`）",
        "error: missing option '--output' / '-o' (see `portfolio report template --help`)",
    ),
    (
        ("projects", "retract", "CD14-05-009", "F1"),
        "错误：缺少选项 '--note' / '-m'（见 `portfolio projects retract --help`）",
        "error: missing option '--note' / '-m' (see `portfolio projects retract --help`)",
    ),
    (
        ("users", "add", "测试", "--password-stdin"),
        "错误：缺少选项 '--role'（见 `portfolio users add --help`）",
        "error: missing option '--role' (see `portfolio users add --help`)",
    ),
    (
        ("projects", "search", ""),
        "错误：'文字' 的值有误：请给出要查找的文字（见 `portfolio projects search --help`）",
        "error: invalid value for 'TEXT': give some text to search for (see `portfolio projects search --help`)",
    ),
    (
        ("projects", "show", "CD14-05-009", "--format", "csv"),
        "错误：--format 的值有误：'csv'：请用 table 或 json（见 `portfolio projects show --help`）",
        "error: invalid value for --format: 'csv': use table or json (see `portfolio projects show --help`)",
    ),
]


@pytest.mark.parametrize(
    ("args", "chinese", "english"), USAGE_ERRORS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
@pytest.mark.parametrize("locale", ["zh_CN.UTF-8", "C.UTF-8"])
def test_usage_errors_read_in_the_locale_language(cli, monkeypatch, args, chinese, english, locale):
    for variable in ("PORTFOLIO_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", locale)
    result = cli(*args, input="")
    assert result.exit_code == 2
    assert result.stderr == (chinese if locale.startswith("zh") else english) + "\n"


@pytest.mark.parametrize("language", ["zh", "en"])
def test_an_unknown_format_lists_the_formats_in_the_user_language(cli, monkeypatch, language):
    monkeypatch.setenv("PORTFOLIO_LANG", language)
    result = cli("projects", "list", "--format", "xml")
    assert result.exit_code == 2
    if language == "zh":
        assert result.stderr.startswith(
            "错误：未知的格式 'xml'；可用：table, plain, csv, tsv, json, jsonl, markdown、oc4ids，"
        )
        assert "，或任一 tabulate 格式（asciidoc, " in result.stderr and " or a " not in result.stderr
    else:
        assert "markdown, oc4ids, or a tabulate format (asciidoc, " in result.stderr


@pytest.mark.parametrize(
    ("language", "expected"), [("zh", "撤销原因。[必填]"), ("en", "Why the event is retracted.  [required]")]
)
def test_a_required_option_is_marked_once(cli, monkeypatch, language, expected):
    monkeypatch.setenv("PORTFOLIO_LANG", language)
    shown = cli("projects", "retract", "--help").stdout
    assert expected in shown and shown.count("必填" if language == "zh" else "required") == 3, shown
