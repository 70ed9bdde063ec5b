"""The malformed inputs of issue 12, one by one: each ends in a one-line error naming the
file and line (or the argument), never a traceback or a hang."""

from __future__ import annotations

import io
import zipfile

import pytest
from seedkit import SMALL_PLAN, make_seed_dir
from typer.testing import CliRunner

from portfolio import seeding
from portfolio.cli import app

FIRST_ITEM = (
    "items:\n          - {code: TP-02-001, name: 芒康县测试水厂, line: 11}\n"
    "          - {code: TP-02-002, name: 芒康县测试管网工程, line: 11, build: 改扩建}"
)
BILLION_LAUGHS = "l0: &l0 [lol]\n" + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 12))


def _errors(tmp_path, plan_text: str) -> list[str]:
    _bundle, errors = seeding.read_seeds(make_seed_dir(tmp_path, plan_text))
    return [str(e).split("/")[-1] for e in errors]


@pytest.mark.parametrize(
    ("plan_text", "expected"),
    [
        ("plan: " + "[" * 300 + "]" * 300, "test-plan.yaml:1: nested more than 24 levels deep"),
        (
            SMALL_PLAN.replace(FIRST_ITEM, "items: 3.5"),
            "test-plan.yaml:18: 'items' must be a list of items, not a float 3.5",
        ),
        (
            SMALL_PLAN.replace("    groups:\n", "    groups: 2024-01-01\n    notes:\n"),
            "test-plan.yaml:12: 'groups' must be a list of groups, not a date datetime.date(2024, 1, 1)",
        ),
        (
            SMALL_PLAN.replace("line: 11}", "line: 0x7FFFFFFFFFFFFFFFFF}", 1),
            "test-plan.yaml:22: source_line 2361183241434822606847 is out of range (at most 2147483647)",
        ),
        (
            SMALL_PLAN.replace("[2021, 2025]", "[2021, 99999999999]"),
            "test-plan.yaml:2: period_end 99999999999 is out of range (at most 2147483647)",
        ),
        (
            SMALL_PLAN.replace("2021-06-01", "2023-02-30"),
            "test-plan.yaml:8: bad YAML: impossible date '2023-02-30': day is out of range for month",
        ),
        (
            SMALL_PLAN.replace("2021-06-01", "2023-13-01"),
            "test-plan.yaml:8: bad YAML: impossible date '2023-13-01': month must be in 1..12",
        ),
        (
            SMALL_PLAN.replace("name: 芒康县测试水厂", 'name: "\\uD800"'),
            "test-plan.yaml:22: bad YAML: found invalid Unicode character escape code",
        ),
        (
            SMALL_PLAN.replace("name: 芒康县测试水厂", 'name: "水\\0厂"'),
            "test-plan.yaml:22: text contains a NUL character (at position 2)",
        ),
        (
            SMALL_PLAN.replace("    sector: water_supply\n", "    sector: [all]\n"),
            "test-plan.yaml:22: sector must be a sector code, not a list ['all']",
        ),
        (
            BILLION_LAUGHS + SMALL_PLAN,
            "test-plan.yaml:2: aliases (*name) are not allowed in seed files: write the value out",
        ),
        (
            SMALL_PLAN.replace("name: 芒康县测试水厂", "name: " + "芒" * 300),
            "test-plan.yaml:22: name is too long (300 characters, at most 256)",
        ),
        (
            SMALL_PLAN.replace("quantity: 3项\n            line: 12", "quantity: 3项\n            line: true"),
            "test-plan.yaml:27: line must be a positive line number, not True",
        ),
        (
            SMALL_PLAN.replace("    title: 供水工程\n", "    title: 供水工程\n    2024-01-01: x\n"),
            "test-plan.yaml:12: unknown field datetime.date(2024, 1, 1) in column",
        ),
        (
            SMALL_PLAN.replace("    groups:\n", "    groups: [芒康县]\n    unused:\n"),
            "test-plan.yaml:12: each entry of 'groups' must be a group (a mapping), not a str '芒康县'",
        ),
    ],
)
def test_malformed_plan_files_give_file_line_messages(tmp_path, plan_text, expected):
    errors = _errors(tmp_path, plan_text)
    assert any(e.endswith(expected) or e == expected for e in errors), errors


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda lines: lines[:3] + ["540102,城关区,county\n"] + lines[4:],
            "divisions.csv:4: 3 fields, but the header has 8",
        ),
        (
            lambda lines: lines[:3] + ['540102,"城关区,county,540100,,,yes,\n'] + lines[4:],
            "divisions.csv:4: malformed CSV: ',' expected after '\"' (an unbalanced quote?)",
        ),
        (
            lambda lines: (
                [lines[0], lines[1].replace("540000,西藏自治区,province,,", "540000,西藏自治区,province,540000,")]
                + lines[2:]
            ),
            "divisions.csv:2: division 540000 is its own parent",
        ),
        (
            lambda lines: (
                [lines[0], lines[1].replace("540000,西藏自治区,province,,", "540000,西藏自治区,province,540100,")]
                + lines[2:]
            ),
            "divisions.csv:2: division 540000 is its own ancestor (540000 → 540100 → 540000)",
        ),
    ],
)
def test_malformed_divisions_give_line_messages(tmp_path, edit, expected):
    seed_dir = make_seed_dir(tmp_path)
    path = seed_dir / "divisions.csv"
    path.write_text("".join(edit(path.read_text(encoding="utf-8").splitlines(keepends=True))), encoding="utf-8")
    _, errors = seeding.read_seeds(seed_dir)
    assert expected in [str(e).split("/")[-1] for e in errors]


def test_short_sector_rows_are_errors_not_crashes(tmp_path):
    seed_dir = make_seed_dir(tmp_path)
    path = seed_dir / "sectors.csv"
    path.write_text(path.read_text(encoding="utf-8") + "short,短\n", encoding="utf-8")
    _, errors = seeding.read_seeds(seed_dir)
    assert [str(e).split("/")[-1] for e in errors] == ["sectors.csv:29: 2 fields, but the header has 5"]


def test_seed_check_prints_every_problem_on_one_line_each(tmp_path):
    text = SMALL_PLAN.replace("2021-06-01", "2021-06-01\n  bad: |\n    two\n    lines").replace(
        "key: test-plan", 'key: "a\\nb"'
    )
    result = CliRunner().invoke(app, ["seed", "check", str(make_seed_dir(tmp_path, text))])
    assert result.exit_code == 1
    *problems, summary = result.stderr.strip().splitlines()
    assert summary.startswith("error: ") and problems
    assert all(":" in line and "test-plan.yaml" in line for line in problems)


# --- arguments, sheets, database URLs --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["projects", "show", "CD14\udcff"],
        ["projects", "list", "--county", "芒康\udcff"],
        ["projects", "set-status", "CD14-05-006", "在建", "--note", "已\ud800开工"],
        ["projects", "search", "水\udcff厂"],
    ],
)
def test_undecodable_arguments_are_one_line_errors(cli, args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and "which is not a character" in result.stderr


def test_usage_errors_are_one_line(cli):
    result = cli("projects", "list", "--limit", "many")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: invalid value for '--limit' / '-n': it must be a whole number (see `portfolio projects list --help`)"
    ]


def _xlsx_without_sheet() -> bytes:
    from openpyxl import Workbook

    buffer, out = io.BytesIO(), io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            if not item.filename.startswith("xl/worksheets/"):
                target.writestr(item, source.read(item))
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (_xlsx_without_sheet(), "回报.xlsx: the workbook has no worksheet"),
        ("code,status\nCD14-05-006,在建\n".encode(), "回报.xlsx: not a readable .xlsx workbook (BadZipFile)"),
    ],
)
def test_broken_workbooks_are_one_line_errors(cli, tmp_path, content, expected):
    sheet = tmp_path / "回报.xlsx"
    sheet.write_bytes(content)
    result = cli("status", "import", str(sheet))
    assert result.exit_code == 1 and expected in result.stderr and result.stderr.count("\n") == 1


def test_utf16_sheets_are_read(cli, tmp_path):
    sheet = tmp_path / "回报.csv"
    sheet.write_bytes("code\tstatus\tdate\nCD14-05-006\t在建\t2025-04-01\n".encode("utf-16"))
    result = cli("status", "import", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "CD14-05-006: 谋划 → 在建 (2025-04-01)\n"


def test_unknown_home_directory_is_a_one_line_error():
    result = CliRunner().invoke(app, ["--db", "~nonexistentuser/x.db", "plans"])
    assert result.exit_code == 2
    assert result.stderr == "error: cannot find the home directory in '~nonexistentuser/x.db': no such user\n"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:SECRET@PW@127.0.0.1:1/x",
        "postgresql://postgres@127.0.0.1:1/x?password=SECRET",
        "postgresql://postgres:SECRET@PW@127.0.0.1:1/x?password=SECRET2&sslmode=disable",
        "postgresql://postgres:SECRET%40PW@[::1",
    ],
)
def test_passwords_are_never_printed(url):
    result = CliRunner().invoke(app, ["--db", url, "plans"])
    assert result.exit_code != 0 and result.stderr.count("\n") == 1
    assert "SECRET" not in result.output and "PW" not in result.output.replace("PWD", "")


def test_password_from_the_environment_is_never_printed():
    result = CliRunner().invoke(
        app,
        ["--db", "postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable", "plans"],
        env={"PGPASSWORD": "SECRET-from-env"},
    )
    assert result.exit_code == 1 and "SECRET" not in result.output


def test_every_problem_of_the_reference_rows_is_listed_at_once(tmp_path):
    """A division with no code, an unknown level and an unknown parent, a repeated one, and a sector
    without its label: each row's problems all at once, each at its line."""
    seed_dir = make_seed_dir(tmp_path)
    divisions, sectors = seed_dir / "divisions.csv", seed_dir / "sectors.csv"
    first_division = len(divisions.read_text(encoding="utf-8").splitlines()) + 1
    first_sector = len(sectors.read_text(encoding="utf-8").splitlines()) + 1
    with divisions.open("a", encoding="utf-8") as handle:
        handle.write(",测试县,town,999999,,,yes,\n540102,城关区,county,540100,,,yes,\n")
    with sectors.open("a", encoding="utf-8") as handle:
        handle.write("roads,,Roads,transport.road,\n")
    bundle, errors = seeding.read_seeds(seed_dir)
    assert sorted(str(e).split("/")[-1] for e in errors) == sorted(
        [
            f"divisions.csv:{first_division}: code and name are required",
            f"divisions.csv:{first_division}: unknown level 'town'; allowed: province, prefecture, county, zone",
            f"divisions.csv:{first_division}: unknown parent code 999999",
            f"divisions.csv:{first_division + 1}: duplicate division code 540102",
            f"sectors.csv:{first_sector}: code and label_zh are required",
            f"sectors.csv:{first_sector}: duplicate sector code roads",
        ]
    )
    # a bad row is still known to the checks across rows: the plan's counties raise nothing more
    assert "测试县" in [d.name for d in bundle.divisions]


def test_reference_rows_are_read_through_their_models(tmp_path):
    seed_dir = make_seed_dir(tmp_path)
    with (seed_dir / "divisions.csv").open("a", encoding="utf-8") as handle:
        handle.write(" 999901 ,测试县 ,county,540000,测试, 甲 | 乙 ||,no,备注\n")
    bundle, errors = seeding.read_seeds(seed_dir)
    assert errors == []
    added = next(d for d in bundle.divisions if d.code == "999901")
    assert (added.name, added.parent_code, added.short_name, added.aliases, added.official, added.note) == (
        "测试县",
        "540000",
        "测试",
        "甲|乙",
        False,
        "备注",
    )
    assert next(d for d in bundle.divisions if d.code == "540000").official is True
