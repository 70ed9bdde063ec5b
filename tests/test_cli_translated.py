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
