"""Tables on a terminal of 80, 120 and 200 columns, over the real seeded data."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from rich.cells import cell_len

from portfolio.terminal import wrap

WIDTHS = (80, 120, 200)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PROJECTS = ("projects", "list", "--county", "芒康", "--plan", "chamdo-14-housing")


@pytest.fixture
def terminal(cli, monkeypatch):
    """Run the CLI as on a terminal of a given width (Rich's TTY_COMPATIBLE; no colour)."""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")

    def run(width: int, *args: str) -> str:
        monkeypatch.setenv("COLUMNS", str(width))
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        return ANSI.sub("", result.stdout)  # bold, italic and dim stay under NO_COLOR

    return run


def table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line[:1] in "┏┃┡│├└"]


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split("[┃│]", line)[1:-1]]


def headers(output: str) -> list[str]:
    """Each column's header, its lines joined."""
    rows = [cells(line) for line in table_lines(output) if line.startswith("┃")]
    return ["".join(parts) for parts in zip(*rows)]


def assert_fits(output: str, width: int) -> None:
    for line in output.splitlines():
        assert cell_len(line) <= width, line
    assert headers(output) and all(headers(output)), headers(output)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_project_list_keeps_codes_dates_and_county_names_whole(cli, terminal, width):
    rows = cli.json(*PROJECTS)
    output = terminal(width, *PROJECTS)
    assert_fits(output, width)
    lines = table_lines(output)
    for row in rows:
        line = next(line for line in lines if row["code"] in line)  # the code on one line, whole
        assert row["name"][:4] in line
        if "状态日期" in headers(output):
            assert row["status_date"] in line
    counties = {name for row in rows for name in row["counties_label"]}
    shown = {
        re.sub(r"等\d+个$", "", name)
        for line in lines
        if line.startswith("│")
        for name in cells(line)[headers(output).index("县(区)")].split("、")
        if name
    }
    assert {"芒康县", "昌都市·未明确县(区)"} <= shown <= counties  # every name whole
    assert headers(output)[:2] == ["编号", "名称"] and {"县(区)", "行业", "状态"} <= set(headers(output))
    assert "19 rows" in output


def test_a_narrow_list_names_the_columns_it_left_out(terminal):
    output = terminal(80, *PROJECTS)
    note = " ".join(output.rstrip().splitlines()[-2:])
    assert "columns not shown (" in note and "--columns" in note and "--format plain" in note
    for label in ("类型", "规划", "专栏"):
        assert label in note and label not in headers(output)


def test_columns_chooses_what_a_table_shows(cli, terminal):
    output = terminal(80, *PROJECTS, "--columns", "code,名称,status_date,plan")
    assert headers(output) == ["编号", "名称", "状态日期", "规划"]
    assert "not shown" not in output
    rows = cli.json(*PROJECTS, "--columns", "code,status")
    assert set(rows[0]) == {"code", "status"} and len(rows) == 19


def test_an_unknown_column_is_one_line_naming_the_columns(cli):
    result = cli(*PROJECTS, "--columns", "code,budget")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "'budget'" in result.stderr and "status_date (状态日期)" in result.stderr


def test_row_counts_under_tables_in_the_users_language(terminal, monkeypatch):
    assert "19 rows" in terminal(200, *PROJECTS)
    assert "showing 3 of 19" in terminal(200, *PROJECTS, "--limit", "3")
    assert terminal(200, "projects", "search", "芒康县第二垃圾填埋场").endswith("\n1 row\n")
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    assert "19 项" in terminal(200, *PROJECTS)
    assert "显示 3 / 19" in terminal(200, *PROJECTS, "--limit", "3")
    assert "未显示" in terminal(80, *PROJECTS)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_pivot_fits_with_a_total_row_and_column(cli, terminal, width):
    output = terminal(width, "summary", "--by", "county", "--then", "sector", "--no-chart")
    assert_fits(output, width)
    totals = {row["county"]: row["count"] for row in cli.json("summary", "--by", "county")}
    grand = sum(row["count"] for row in cli.json("summary", "--by", "prefecture"))
    names = headers(output)
    assert names[0] == "县(区)" and names[-1] == "合计"
    body = [cells(line) for line in table_lines(output) if line.startswith("│")]
    assert len(body) == len(totals) + 1
    for row in body[:-1]:
        assert totals[row[0]] == int(row[-1])  # county names and numbers whole, on one line
        assert all(re.fullmatch(r"\d+", value) for value in row[1:])
    assert body[-1][0] == "合计" and int(body[-1][-1]) == grand
    assert sum(int(row[1]) for row in body[:-1]) >= int(body[-1][1]) > 0
    numbers = next(line for line in table_lines(output) if line.startswith("│"))
    assert re.search(r"│ +\d+ │$", numbers)  # right-aligned
    if width < 200:
        assert "other" in names and "other sums" in output


def test_pivot_totals_are_rows_of_plain_text_but_not_of_json(cli):
    plain = cli("summary", "--by", "county", "--format", "plain").stdout
    assert plain.rstrip().splitlines()[-1].startswith("合计")
    assert all(row["county"] != "合计" for row in cli.json("summary", "--by", "county"))


@pytest.mark.parametrize("width", WIDTHS)
def test_indicators_keep_values_whole(cli, terminal, width):
    rows = cli.json("indicators", "--plan", "chamdo-14-housing")
    output = terminal(width, "indicators", "--plan", "chamdo-14-housing")
    assert_fits(output, width)
    lines = table_lines(output)
    for row in rows:
        line = next(line for line in lines if row["code"] in line)
        if "基期值" in headers(output) and row["baseline"] and len(row["baseline"]) < 12:
            assert row["baseline"] in line


def test_statuses_are_coloured_by_stage_unless_no_color(cli, monkeypatch):
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR")
    coloured = cli(*PROJECTS).stdout
    assert "\x1b[34m谋划" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    assert not re.search(r"\x1b\[3\dm", cli(*PROJECTS).stdout)


def test_piped_output_is_plain_text_without_notes(cli):
    output = cli(*PROJECTS).stdout
    assert "│" not in output and "rows" not in output and len(output.splitlines()) == 21


def test_wrapping_never_splits_a_code_a_number_or_a_listed_name():
    assert wrap("芒康县宁静路CD14-02-004支路", 12) == ["芒康县宁静路", "CD14-02-004", "支路"]
    assert wrap("卡若区、江达县、贡觉县等11个", 12, as_list=True) == ["卡若区、", "江达县、", "贡觉县等11个"]
    assert wrap("总长26.6公里", 4) == ["总长", "26.6", "公里"]


def run_on_a_terminal(args: list[str], *, rows: int, columns: int, env: dict[str, str]) -> str:
    """The installed command on a pseudo-terminal of the given size; everything it drew."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    script = Path(sys.executable).with_name("portfolio")
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TTY_COMPATIBLE")}
    process = subprocess.Popen(
        [str(script), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**environment, **env},
        close_fds=True,
    )
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the command has ended
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=300)
    os.close(leader)
    return output.decode("utf-8", "replace")


def test_a_long_table_is_paged_on_a_terminal_unless_no_pager(seeded_url):
    pager = {"PAGER": "sh -c 'echo PAGED-BY-TEST; wc -l'"}
    paged = run_on_a_terminal(["--db", seeded_url, *PROJECTS], rows=20, columns=80, env=pager)
    assert "PAGED-BY-TEST" in paged and "CD14-02-004" not in paged
    direct = run_on_a_terminal(["--db", seeded_url, "--no-pager", *PROJECTS], rows=20, columns=80, env=pager)
    assert "PAGED-BY-TEST" not in direct and "CD14-02-004" in direct
    short = run_on_a_terminal(["--db", seeded_url, *PROJECTS, "--limit", "2"], rows=20, columns=80, env=pager)
    assert "PAGED-BY-TEST" not in short and "CD14-02-004" in short
