"""Messages that are true: one line, no internals, nothing claimed that did not happen. Both engines
where a database is involved."""

from __future__ import annotations

import os
import stat

import pytest
from conftest import Cli
from sqlalchemy import text
from typer.testing import CliRunner

from portfolio import db
from portfolio.cli import app


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_a_database_holding_other_tables_is_refused_unless_db_init(empty_url, engine_of):
    with engine_of(empty_url).begin() as connection:
        connection.execute(text("CREATE TABLE customers (id integer)"))
        connection.execute(text("CREATE TABLE orders (id integer)"))
    cli = Cli(empty_url)
    for args in (("db", "info"), ("plans",)):
        result = cli(*args)
        assert result.exit_code == 2
        assert "holds other tables (customers, orders) and no portfolio schema" in one_line_error(result)
        assert "portfolio db init" in result.stderr
    assert db.other_tables(engine_of(empty_url)) == ["customers", "orders"]  # nothing was added
    init = cli("db", "init")
    assert init.exit_code == 0
    assert init.stderr.startswith("set up the portfolio tables in ") and "created" not in init.stderr
    assert "customers" in db.other_tables(engine_of(empty_url))
    assert len(cli.json("plans")) >= 3
    again = cli("db", "init")
    assert again.exit_code == 0 and "is already set up" in again.stderr


def test_created_is_said_only_of_a_new_file(tmp_path):
    path = tmp_path / "项目库.db"
    first = CliRunner().invoke(app, ["--db", str(path), "plans", "--format", "csv"])
    assert first.exit_code == 0
    assert first.stderr.strip() == f"created database {path} and loaded the seed data"  # not percent-encoded
    second = CliRunner().invoke(app, ["--db", str(path), "plans", "--format", "csv"])
    assert second.exit_code == 0 and second.stderr == ""


def test_an_existing_empty_database_is_set_up_not_created(empty_url):
    if empty_url.startswith("sqlite"):  # an empty file, as left by `touch`
        open(empty_url.removeprefix("sqlite:///"), "w").close()
    result = Cli(empty_url)("plans", "--format", "csv")
    assert result.exit_code == 0
    assert result.stderr.startswith("set up the portfolio tables in ") and "created" not in result.stderr
    assert "postgresql+psycopg" not in result.stderr and "%" not in result.stderr


def test_the_setup_lock_file_is_private(tmp_path):
    path = tmp_path / "p.db"
    assert CliRunner().invoke(app, ["--db", str(path), "plans"]).exit_code == 0
    lock = tmp_path / "p.db.setup-lock"
    assert not lock.exists() or stat.S_IMODE(os.stat(lock).st_mode) == 0o600


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:"])
def test_in_memory_databases_are_refused(url):
    result = CliRunner().invoke(app, ["--db", url, "plans"])
    assert result.exit_code == 2
    assert one_line_error(result) == (
        f"error: {url} is an in-memory database, whose contents vanish when the "
        f"command ends: give a file path or sqlite:///PATH"
    )


def test_a_bad_port_is_named_without_python_internals():
    result = CliRunner().invoke(app, ["--db", "postgresql://me:secret@host:abc/db", "plans"])
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line == (
        "error: bad port 'abc' in the database URL: a port is a number (postgresql://USER:PASSWORD@HOST:5432/DB)"
    )
    assert "int()" not in line and "secret" not in line


def test_urls_are_shown_as_written():
    assert db.display_url(db.resolve_database_url("/tmp/项目 库.db")) == "/tmp/项目 库.db"
    assert (
        db.display_url(db.resolve_database_url("postgresql://me:secret@host/项目")) == "postgresql://me:***@host/项目"
    )


def test_backup_into_a_missing_folder_is_one_line(tmp_path):
    database = tmp_path / "b.db"
    assert CliRunner().invoke(app, ["--db", str(database), "plans"]).exit_code == 0
    result = CliRunner().invoke(app, ["--db", str(database), "db", "backup", "/nonexistent/dir/b.db"])
    assert result.exit_code == 2
    assert one_line_error(result) == "error: cannot write /nonexistent/dir/b.db: folder /nonexistent/dir does not exist"


def test_a_write_error_names_the_file_asked_for_not_its_temporary_twin(cli, tmp_path):
    (tmp_path / "notes").write_text("a file, not a folder")
    target = tmp_path / "notes" / "x.csv"
    result = cli("projects", "list", "--output", str(target))
    assert result.exit_code == 1
    line = one_line_error(result)
    assert line.endswith(f": {target}") and ".partial" not in line


def test_set_status_repeating_the_current_status_records_nothing(cli):
    first = cli("projects", "set-status", "CD14-05-009", "在建", "--date", "2025-04-01", "--note", "已开工")
    assert first.exit_code == 0
    again = cli("projects", "set-status", "CD14-05-009", "在建", "--date", "2025-04-01")
    assert again.exit_code == 0
    assert again.stdout.strip() == "CD14-05-009: already 在建 since 2025-04-01; nothing recorded"
    assert len(cli.json("projects", "history", "CD14-05-009")) == 2  # the seed event and one update


def test_a_date_before_the_plan_was_issued_is_refused(cli):
    result = cli("projects", "set-status", "CD14-05-009", "在建", "--date", "2020-01-01")
    assert result.exit_code == 2
    assert one_line_error(result) == (
        "error: date 2020-01-01 is before chamdo-14-housing was issued (2023-09-19): "
        "a status of CD14-05-009 dates from then on"
    )
    assert len(cli.json("projects", "history", "CD14-05-009")) == 1


def test_an_empty_date_is_refused(cli):
    result = cli("projects", "set-status", "CD14-05-009", "在建", "--date", "")
    assert result.exit_code == 2
    assert one_line_error(result) == "error: --date needs a value: YYYY-MM-DD (leave --date out for today)"
