"""Status sheets, OC4IDS export, and the db commands."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portfolio.cli import app
from portfolio.db import SCHEMA_HEAD

OC4IDS = Path(__file__).resolve().parent / "data" / "oc4ids"


def statuses(cli, *codes):
    rows = cli.json("projects", "list", "--plan", "test-plan")
    return {row["code"]: row["status_label"] for row in rows if row["code"] in codes}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_import_csv_in_excel_encodings(small, tmp_path, encoding):
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(
        "项目编号,状态,日期,备注\nTP-02-001,在建,2024-03-01,县住建局报\nTP-02-002,前期,,\n".encode(encoding)
    )
    result = small("status", "import", str(sheet))
    assert result.exit_code == 0, result.output
    assert statuses(small, "TP-02-001", "TP-02-002") == {"TP-02-001": "在建", "TP-02-002": "前期"}
    history = small.json("projects", "history", "TP-02-001")
    assert history[-1]["note"] == "县住建局报" and history[-1]["effective_date"] == "2024-03-01"


def test_import_xlsx(small, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["code", "status", "date", "note"])
    workbook.active.append(["TP-02-003", "completion", "2024-12-31", None])
    workbook.save(tmp_path / "sheet.xlsx")
    result = small("status", "import", str(tmp_path / "sheet.xlsx"))
    assert result.exit_code == 0, result.output
    assert statuses(small, "TP-02-003") == {"TP-02-003": "建成"}


def test_an_exported_list_comes_back_with_only_the_edited_rows_applied(small, tmp_path):
    from openpyxl import load_workbook

    exported = tmp_path / "县里回报.xlsx"
    assert small("projects", "list", "--plan", "test-plan", "--output", str(exported)).exit_code == 0
    workbook = load_workbook(exported)
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    status_column, date_column = header.index("状态") + 1, header.index("状态日期") + 1
    sheet.cell(row=2, column=status_column, value="在建")
    sheet.cell(row=2, column=date_column, value="2025-05-01")
    workbook.save(exported)
    result = small("status", "import", str(exported))
    assert result.exit_code == 0, result.output
    assert "1 status update recorded" in result.stderr and "2 rows repeat the current status" in result.stderr
    assert statuses(small, "TP-02-001", "TP-02-002") == {"TP-02-001": "在建", "TP-02-002": "谋划"}
    assert len(small.json("projects", "history", "TP-02-002")) == 1
    again = small("status", "import", str(exported))
    assert "0 status updates recorded" in again.stderr and "3 rows repeat" in again.stderr


def test_a_bad_row_applies_nothing_and_names_the_line(small, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("code,status\nTP-02-001,在建\nTP-02-002,finished\nTP-02-003,建成\n", encoding="utf-8")
    result = small("status", "import", str(sheet))
    assert result.exit_code == 1
    assert f"{sheet}:3: unknown status 'finished'" in result.stderr
    assert statuses(small, "TP-02-001", "TP-02-003") == {"TP-02-001": "谋划", "TP-02-003": "谋划"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the sheet is empty"),
        (b"\x00\x01\x02binary", "not a text file"),
        ("名称,进展\n甲,乙\n".encode(), "header needs columns code, status"),
    ],
)
def test_unusable_sheets(small, tmp_path, content, message):
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(content)
    result = small("status", "import", str(sheet))
    assert result.exit_code == 1 and message in result.stderr


def test_oc4ids_export_validates_and_links_programmes(small):
    result = small("projects", "list", "--plan", "test-plan", "--format", "oc4ids")
    assert result.exit_code == 0, result.output
    package = json.loads(result.stdout)
    projects = {p["id"]: p for p in package["projects"]}
    assert set(projects) == {"portfolio-TP-02-001", "portfolio-TP-02-002"}
    water = projects["portfolio-TP-02-002"]
    assert water["status"] == "identification" and water["type"] == "expansion"
    assert water["locations"][0]["gazetteer"]["identifiers"] == ["540328"]
    assert water["sector"] == ["waterAndWaste"]
    _validate(package)


def test_oc4ids_export_of_every_seeded_project(cli):
    package = json.loads(cli("projects", "list", "--format", "oc4ids").stdout)
    bundle_projects = [p for p in _bundle().projects if p.kind == "project"]
    assert len(package["projects"]) == len(bundle_projects) > 0
    _validate(package)


def _bundle():
    from portfolio import seeding
    from portfolio.paths import seeds_dir

    return seeding.read_seeds(seeds_dir())[0]


def _validate(package: dict) -> None:
    import csv

    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    project_schema = json.loads((OC4IDS / "project-schema.json").read_text(encoding="utf-8"))
    package_schema = json.loads((OC4IDS / "project-package-schema.json").read_text(encoding="utf-8"))
    registry = Registry().with_resource(project_schema["id"], Resource(contents=project_schema, specification=DRAFT4))
    validator = jsonschema.Draft4Validator(
        package_schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(package), key=str)
    assert errors == [], errors[0].message

    def codes(name: str) -> set[str]:
        with open(OC4IDS / "codelists" / name, encoding="utf-8") as handle:
            return {row["Code"] for row in csv.DictReader(handle)}

    sectors, statuses, types = codes("projectSector.csv"), codes("projectStatus.csv"), codes("projectType.csv")
    for project in package["projects"]:
        assert set(project["sector"]) <= sectors
        assert project.get("status", "identification") in statuses and project.get("type", "construction") in types


def test_db_info_backup_and_reset(small, tmp_path):
    info = small("db", "info")
    assert info.exit_code == 0 and f"schema revision: {SCHEMA_HEAD}" in info.stdout
    if not small.url.startswith("sqlite"):
        result = small("db", "backup", str(tmp_path / "b.db"))
        assert result.exit_code == 2 and "pg_dump" in result.stderr
        return
    assert small("projects", "set-status", "TP-02-001", "在建").exit_code == 0
    target = tmp_path / "backup.db"
    assert small("db", "backup", str(target)).exit_code == 0
    source = small.url.removeprefix("sqlite:///")
    dump = lambda path: list(sqlite3.connect(path).iterdump())
    assert dump(target) == dump(source)
    assert small("db", "backup", str(target)).exit_code == 2  # no overwrite without --force
    refused = small("db", "reset", input="n\n")
    assert refused.exit_code == 1 and statuses(small, "TP-02-001") == {"TP-02-001": "在建"}
    assert small("db", "reset", "--yes").exit_code == 0
    plans = [p["key"] for p in small.json("plans")]
    assert "test-plan" not in plans


def test_bad_database_urls_give_one_line(tmp_path):
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"x" * 4096)
    for url, code, message in [
        ("mysql://u@h/d", 2, "unsupported database URL scheme"),
        (str(bogus), 1, "cannot open database"),
        ("postgresql://u:secret@127.0.0.1:1/x?connect_timeout=2", 1, "cannot open database"),
    ]:
        result = CliRunner().invoke(app, ["--db", url, "plans"])
        assert result.exit_code == code, result.output
        assert message in result.stderr and "secret" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_an_output_file_in_a_missing_folder_is_a_one_line_error(small, tmp_path):
    result = small("projects", "list", "--plan", "test-plan", "--output", str(tmp_path / "nope" / "x.csv"))
    assert result.exit_code == 1 and result.stderr.startswith("error: No such file or directory")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [("--sort", "bogus"), ("--format", "json")])
def test_a_failed_export_leaves_no_file_and_the_retry_works(small, tmp_path, args):
    target = tmp_path / "x.csv"
    failed = small("projects", "list", "--plan", "test-plan", *args, "--output", str(target))
    assert failed.exit_code == 2 and not target.exists() and list(tmp_path.glob("*x.csv*")) == []
    retry = small("projects", "list", "--plan", "test-plan", "--output", str(target))
    assert retry.exit_code == 0 and target.read_text(encoding="utf-8-sig").count("\n") == 4


def test_a_back_dated_update_says_the_current_status_stays(small):
    assert small("projects", "set-status", "TP-02-001", "建成", "--date", "2025-06-01").exit_code == 0
    result = small("projects", "set-status", "TP-02-001", "前期", "--date", "2024-01-01")
    assert result.exit_code == 0
    assert "recorded 前期 (2024-01-01) in the history; the current status stays 建成" in result.stdout
    assert statuses(small, "TP-02-001") == {"TP-02-001": "建成"}


def test_a_future_date_in_a_sheet_is_reported_with_its_line_before_anything_applies(small, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("code,status,date\nTP-02-001,在建,2025-01-01\nTP-02-002,在建,2099-01-01\n", encoding="utf-8")
    result = small("status", "import", str(sheet))
    assert result.exit_code == 1 and f"{sheet}:3: date 2099-01-01 is in the future" in result.stderr
    assert statuses(small, "TP-02-001", "TP-02-002") == {"TP-02-001": "谋划", "TP-02-002": "谋划"}


def test_oc4ids_export_follows_kind_and_limit_and_wants_a_json_file(small, tmp_path):
    programmes = small("projects", "list", "--plan", "test-plan", "--kind", "programme", "--format", "oc4ids")
    assert json.loads(programmes.stdout)["projects"] == [] and "not exported" in programmes.stderr
    limited = small("projects", "list", "--plan", "test-plan", "--limit", "1", "--format", "oc4ids")
    assert [p["id"] for p in json.loads(limited.stdout)["projects"]] == ["portfolio-TP-02-001"]
    wrong = small("projects", "list", "--format", "oc4ids", "--output", str(tmp_path / "o.csv"))
    assert wrong.exit_code == 2 and not (tmp_path / "o.csv").exists()


def test_a_backup_is_private_like_the_database(tmp_path):
    runner = CliRunner()
    database = tmp_path / "p.db"
    assert runner.invoke(app, ["--db", str(database), "plans"]).exit_code == 0
    assert runner.invoke(app, ["--db", str(database), "db", "backup", str(tmp_path / "b.db")]).exit_code == 0
    assert (tmp_path / "b.db").stat().st_mode & 0o777 == 0o600


def test_db_info_as_json_is_one_document(small):
    info = small.json("db", "info")
    assert info["schema revision"].startswith(SCHEMA_HEAD)
    assert info["plans"]["test-plan"]["projects"] == 3 and info["tables"]["project"] >= 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plans", "--format", "xlsx"), "--format xlsx needs --output FILE.xlsx"),
        (("summary", "--format", "oc4ids"), "--format oc4ids is for `projects list`"),
    ],
)
def test_file_only_formats_need_their_place(small, args, message):
    result = small(*args)
    assert result.exit_code == 2 and message in result.stderr


def test_a_folder_is_not_a_status_sheet(small, tmp_path):
    result = small("status", "import", str(tmp_path))
    assert result.exit_code == 2 and f"not a file: {tmp_path}" in result.stderr
