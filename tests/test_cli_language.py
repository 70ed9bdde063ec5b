"""Help, messages and errors in the user's language; values named by words; one-line usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from portfolio.cli import app
from portfolio.i18n import CATALOGUE


def command_paths() -> list[tuple[str, ...]]:
    paths = []

    def walk(command, path):
        paths.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return paths


def help_texts() -> set[str]:
    texts = set()

    def walk(command):
        for paragraph in (command.help or "").split("\n\n"):
            texts.add(" ".join(paragraph.split()))
        texts.update(" ".join(p.help.split()) for p in command.params if getattr(p, "help", None))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(typer.main.get_command(app))
    return texts - {""}


def test_every_help_text_has_its_chinese():
    assert sorted(help_texts() - CATALOGUE.keys()) == []


def run_portfolio(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "PORTFOLIO_LANG")}
    environment.update(env)
    script = Path(sys.executable).with_name("portfolio")  # the installed command, as people run it
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=environment, check=False)


def test_help_is_chinese_in_a_chinese_locale_and_english_otherwise():
    chinese = run_portfolio("--help", LANG="zh_CN.UTF-8")
    assert chinese.returncode == 0
    assert chinese.stdout.startswith("用法：portfolio [选项] 命令 [参数]...")
    assert "西藏各地市五年规划中的重点项目" in chinese.stdout and "显示本帮助并退出。" in chinese.stdout
    assert "Show this message" not in chinese.stdout
    assert run_portfolio("--help", LANG="en_GB.UTF-8", PORTFOLIO_LANG="zh").stdout == chinese.stdout
    english = run_portfolio("--help", LANG="C.UTF-8")
    assert english.stdout.startswith("Usage: portfolio [OPTIONS] COMMAND [ARGS]...")
    assert "Key projects of the Tibetan prefectures" in english.stdout


def test_help_does_not_load_the_database_stack():
    code = (
        "import sys\nfrom portfolio.cli import main\nsys.argv = ['portfolio', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = {'sqlalchemy', 'sqlmodel', 'alembic', 'portfolio.db', 'portfolio.views', 'portfolio.render'}\n"
        "print('LOADED ' + ' '.join(sorted(heavy & set(sys.modules))) if heavy & set(sys.modules) else 'LIGHT')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "LANG": "zh_CN.UTF-8"},
    )
    assert result.stdout.strip().endswith("LIGHT"), result.stdout[-200:]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_values_are_named_by_words_never_python_types(monkeypatch, language):
    monkeypatch.setenv("PORTFOLIO_LANG", language)
    runner = CliRunner()
    for path in command_paths():
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, path
        for sign in ("<str>", "<int", "<list", "<file>", "<path>", "{", "}"):
            assert sign not in result.stdout, (path, sign)
    listing = runner.invoke(app, ["projects", "list", "--help"]).stdout
    assert ("--county 县(区)" if language == "zh" else "--county COUNTY") in listing
    usage = runner.invoke(app, ["projects", "set-status", "--help"]).stdout
    assert ("set-status [选项] 编号 状态" if language == "zh" else "set-status [OPTIONS] CODE STATUS") in usage


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "error: no such option: --bogus (see `portfolio projects list --help`)"),
        ("zh", "错误：没有这个选项：--bogus（见 `portfolio projects list --help`）"),
    ],
)
def test_usage_errors_are_one_line_like_the_tools_own(monkeypatch, language, expected):
    monkeypatch.setenv("PORTFOLIO_LANG", language)
    result = CliRunner().invoke(app, ["projects", "list", "--bogus"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [expected]


def test_a_missing_argument_is_named_by_its_word():
    result = CliRunner().invoke(app, ["projects", "set-status"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["error: missing argument 'CODE' (see `portfolio projects set-status --help`)"]


def test_counts_are_singular_for_one(cli, tmp_path):
    target = tmp_path / "one.csv"
    result = cli("projects", "list", "--limit", "1", "--output", str(target))
    assert result.exit_code == 0 and result.stderr.strip() == f"wrote 1 row to {target}"
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("code,status,date\nCD14-05-009,在建,2025-04-01\n", encoding="utf-8")
    imported = cli("status", "import", str(sheet))
    assert imported.exit_code == 0 and imported.stderr.strip() == f"1 status update recorded from {sheet}"


def test_messages_follow_the_language(cli, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    result = cli("projects", "list", "--county", "芒康", "--status", "建成")
    assert result.exit_code == 0 and result.stderr.strip() == "没有符合条件的项目"
    monkeypatch.setenv("PORTFOLIO_LANG", "en")
    assert cli("projects", "list", "--county", "芒康", "--status", "建成").stderr.strip() == "no matching projects"
