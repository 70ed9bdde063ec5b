"""Accounts and county-scoped writes on both engines: every write function refuses what lies
outside the acting account's scope, and then nothing is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portfolio import accounts, changes, db, fields, history
from portfolio.actor import Actor, _operator, check_scope, current_actor
from portfolio.errors import PermissionDenied, UserInputError
from portfolio.reports import importer
from portfolio.reports.periods import Period

PASSWORD = "Zhaxi-2026-passwort"
PERIOD = "2026-11"
COUNTED = ("status_event", "field_event", "period_report", "annual_plan", "account")


@pytest.fixture
def engine(seeded_url, engine_of):
    return engine_of(seeded_url)


def session_of(engine, write=True):
    return db.session_scope(engine, write=write)


def counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() for table in COUNTED}


def codes_of(engine, county: str, level: str = "县级") -> list[str]:
    """Codes of the projects whose office is this county (the rows of its report template)."""
    from portfolio.reports.periods import Offices

    with session_of(engine, write=False) as session:
        code = session.execute(
            sa.text("SELECT code FROM division WHERE name LIKE :n"), {"n": f"{county}%"}
        ).scalar_one()
        offices = Offices(session).of_projects()
        ids = [i for i, office in offices.items() if office == code]
        return sorted(
            session.execute(
                sa.text(f"SELECT code FROM project WHERE id IN ({','.join(map(str, ids))}) AND level = :level"),
                {"level": level},
            ).scalars()
        )


def add(engine, name, role, counties=(), prefectures=(), level=None):
    with session_of(engine) as session:
        scope = accounts.resolve_scope(session, role, list(counties), list(prefectures), level)
        accounts.add_account(session, name, role, PASSWORD, scope)
    return Actor(name, "account", "192.0.2.7")


@pytest.fixture
def editor(engine):
    return add(engine, "江孜县发改委", "editor", ["江孜"])


def test_an_editor_writes_its_county_and_each_event_names_the_account_and_address(engine, editor):
    jiangzi = codes_of(engine, "江孜")
    with session_of(engine) as session:
        changes.set_status(session, jiangzi[0], "在建", effective_date=date(2026, 5, 1), actor=editor)
        fields.set_fields(session, jiangzi[0], {"total_investment": "1200"}, actor=editor)
    with engine.connect() as connection:
        for table in ("status_event", "field_event"):
            row = connection.execute(sa.text(f"SELECT actor, address FROM {table} ORDER BY id DESC LIMIT 1")).one()
            assert tuple(row) == ("account:江孜县发改委", "192.0.2.7")
    with session_of(engine, write=False) as session:
        events = history.history(session, jiangzi[0])
    assert {e.actor for e in events if e.origin == "用户"} == {"江孜县发改委 (账户)"}


def test_status_field_and_retraction_outside_the_scope_are_refused_and_nothing_is_written(engine, editor):
    mangkang = codes_of(engine, "芒康")[0]
    with session_of(engine) as session:  # the local operator (no account) records one event to retract
        done = changes.set_status(
            session, mangkang, "前期", effective_date=date(2026, 1, 5), actor=current_actor(session)
        )
    before = counts(engine)
    attempts = [
        lambda s: changes.set_status(s, mangkang, "在建", effective_date=date(2026, 5, 1), actor=editor),
        lambda s: fields.set_fields(s, mangkang, {"total_investment": "99", "contact": "x"}, actor=editor),
        lambda s: history.retract(s, mangkang, f"S{done.event_id}", actor=editor, note="错"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as refused, session_of(engine) as session:
            attempt(session)
        message = str(refused.value)
        assert mangkang in message and "江孜县发改委" in message and "江孜县" in message
        assert "nothing was written" in message and "\n" not in message
    assert counts(engine) == before


def test_a_status_sheet_mixing_two_counties_is_refused_whole_naming_the_rows(engine, editor, tmp_path):
    jiangzi, mangkang = codes_of(engine, "江孜"), codes_of(engine, "芒康")
    sheet = tmp_path / "回报.csv"
    sheet.write_text(
        "项目编号,状态,日期\n" + f"{jiangzi[0]},在建,2026-05-01\n{mangkang[0]},在建,2026-05-01\n"
        f"{jiangzi[1]},前期,2026-05-02\n{mangkang[1]},前期,2026-05-02\n",
        encoding="utf-8",
    )
    before = counts(engine)
    with pytest.raises(PermissionDenied) as refused, session_of(engine) as session:
        changes.import_sheet(session, sheet, actor=editor)
    message = str(refused.value)
    assert f"{sheet}:3 {mangkang[0]}" in message and f"{sheet}:5 {mangkang[1]}" in message
    assert jiangzi[0] not in message and "may not write rows" in message
    assert counts(engine) == before
    sheet.write_text("项目编号,状态,日期\n" + f"{jiangzi[0]},在建,2026-05-01\n", encoding="utf-8")
    with session_of(engine) as session:
        assert len(changes.import_sheet(session, sheet, actor=editor).changes) == 1


def _template(engine, tmp_path, county: str):
    from portfolio.reports import template
    from portfolio.reports.periods import resolve_offices

    path = tmp_path / f"{county}.xlsx"
    with session_of(engine, write=False) as session:
        offices = resolve_offices(session, [county], None)
        template.write_workbook(
            path, Period.parse(PERIOD), county, offices, template.template_rows(session, Period.parse(PERIOD), offices)
        )
    return path


def test_a_report_sheet_with_a_row_of_another_county_is_refused_whole(engine, editor, tmp_path):
    path = _template(engine, tmp_path, "江孜")
    book = load_workbook(path)
    sheet = book["调度表"]
    header = [cell.value for cell in sheet[2]]
    progress = header.index("形象进度") + 1
    sheet.cell(row=3, column=progress).value = "主体完工"
    intruder = codes_of(engine, "芒康")[0]
    sheet.append([intruder] + [None] * (len(header) - 1))
    sheet.cell(row=sheet.max_row, column=progress).value = "<script>alert(1)</script>"
    book.save(path)
    before = counts(engine)
    with pytest.raises(PermissionDenied) as refused, session_of(engine) as session:
        importer.import_files(session, [path], actor=editor, period=Period.parse(PERIOD))
    assert f"调度表:{sheet.max_row} {intruder}" in str(refused.value)
    assert counts(engine) == before


def test_viewers_disabled_and_deleted_accounts_write_nothing(engine):
    jiangzi = codes_of(engine, "江孜")[0]
    viewer = add(engine, "viewer1", "viewer")
    disabled = add(engine, "江孜停用", "editor", ["江孜"])
    with session_of(engine) as session:
        accounts.set_disabled(session, "江孜停用", True)
    before = counts(engine)
    for actor, reason in (
        (viewer, "is a viewer"),
        (disabled, "is disabled"),
        (Actor("ghost", "account"), "does not exist"),
    ):
        with pytest.raises(PermissionDenied, match=reason), session_of(engine) as session:
            changes.set_status(session, jiangzi, "在建", effective_date=date(2026, 5, 1), actor=actor)
    assert counts(engine) == before


def test_a_prefecture_scope_covers_the_works_its_city_bureau_reports_and_no_county_work(engine):
    bureau = add(engine, "日喀则市局", "editor", prefectures=["日喀则"], level="市级")
    county_work = codes_of(engine, "江孜")[0]
    with session_of(engine, write=False) as session:
        shigatse = session.execute(sa.text("SELECT code FROM division WHERE name = '日喀则市'")).scalar_one()
        ids = (
            session.execute(
                sa.text("SELECT project_id FROM project_division WHERE division_code = :c"), {"c": shigatse}
            )
            .scalars()
            .all()
        )
        county_id = session.execute(sa.text("SELECT id FROM project WHERE code = :c"), {"c": county_work}).scalar_one()
        assert ids
        check_scope(session, bureau, ids)
        with pytest.raises(PermissionDenied, match=county_work):
            check_scope(session, bureau, [county_id])


def test_scope_options_are_checked(engine):
    with session_of(engine) as session:
        for args, message in (
            (("editor", [], []), "an editor needs a scope"),
            (("admin", ["江孜"], []), "only an editor has a scope"),
            (("editor", [], ["日喀则"]), "--prefecture goes with --level 市级"),
            (("editor", ["火星"], []), "火星"),
        ):
            with pytest.raises(UserInputError, match=message):
                accounts.resolve_scope(session, *args)
        with pytest.raises(UserInputError, match="needs --prefecture"):
            accounts.resolve_scope(session, "editor", [], [], "市级")
        with pytest.raises(UserInputError, match="unknown role"):
            accounts.check_role("boss")
        for name in ("a b", "<b>", "x" * 65, ""):
            with pytest.raises(UserInputError, match="bad account name"):
                accounts.check_name(name)


def test_passwords_are_argon2_hashes_and_authenticate_checks_them(engine, editor):
    with session_of(engine) as session:
        stored = session.execute(sa.text("SELECT password_hash FROM account")).scalar_one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
        assert accounts.authenticate(session, "江孜县发改委", PASSWORD).name == "江孜县发改委"
        assert accounts.authenticate(session, "江孜县发改委", PASSWORD + "x") is None
        assert accounts.authenticate(session, "nobody", PASSWORD) is None
        accounts.set_disabled(session, "江孜县发改委", True)
        assert accounts.authenticate(session, "江孜县发改委", PASSWORD) is None
        with pytest.raises(UserInputError, match="too short"):
            accounts.reset_password(session, "江孜县发改委", "short")
        with pytest.raises(UserInputError, match="must not be the account name"):
            accounts.add_account(session, "longname1", "viewer", "LongName1")


# --- the CLI ------------------------------------------------------------------------------------


def test_users_commands_never_print_the_password(cli):
    added = cli(
        "users", "add", "江孜县发改委", "--role", "editor", "--county", "江孜", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert added.exit_code == 0, added.output
    assert "账户" in added.stderr or "account created" in added.stderr
    piped = cli("users", "add", "viewer1", "--role", "viewer", "--password-stdin", input=f"{PASSWORD}\n")
    assert piped.exit_code == 0, piped.output
    mismatch = cli("users", "add", "viewer2", "--role", "viewer", input=f"{PASSWORD}\nother-password\n")
    assert mismatch.exit_code != 0
    listed = cli.json("users", "list")
    assert [(a["name"], a["role"], a["scope"], a["scope_label"], a["state"], a["state_label"]) for a in listed] == [
        ("viewer1", "viewer", [], [], "active", "启用"),
        ("江孜县发改委", "editor", ["540222"], ["江孜县"], "active", "启用"),
    ]
    assert cli("users", "disable", "viewer1").exit_code == 0
    reset = cli("users", "reset-password", "viewer1", "--password-stdin", input="New-password-9\n")
    assert reset.exit_code == 0, reset.output
    unknown = cli("users", "reset-password", "nobody", "--password-stdin", input="New-password-9\n")
    assert unknown.exit_code == 2 and "no account named 'nobody'" in unknown.stderr
    taken = cli("users", "add", "viewer1", "--role", "viewer", "--password-stdin", input=f"{PASSWORD}\n")
    assert taken.exit_code == 2 and "exists already" in taken.stderr
    for result in (added, piped, mismatch, reset, taken, cli("users", "list"), cli("users", "list", "-f", "json")):
        assert PASSWORD not in result.output and PASSWORD not in result.stderr
        assert "New-password-9" not in result.output and "argon2" not in result.output
    assert [cli.json("users", "list")[0][key] for key in ("state", "state_label")] == ["disabled", "停用"]


def test_the_operator_whose_name_is_an_account_acts_as_that_account(cli, engine):
    with session_of(engine, write=False) as session:
        operator = _operator(session).name
    jiangzi, mangkang = codes_of(engine, "江孜")[0], codes_of(engine, "芒康")[0]
    assert (
        cli("projects", "set-status", mangkang, "在建", "--date", "2026-05-01", "--by", "张三").exit_code == 0
    )  # no account of that name yet: the local operator writes anything
    added = cli(
        "users", "add", operator, "--role", "editor", "--county", "江孜", "--password-stdin", input=f"{PASSWORD}\n"
    )
    assert added.exit_code == 0, added.output
    before = counts(engine)
    refused = cli("projects", "set-status", mangkang, "建成", "--date", "2026-06-01")
    assert refused.exit_code == 1 and refused.stderr.count("\n") == 1 and mangkang in refused.stderr
    assert cli("projects", "set-status", jiangzi, "在建", "--by", "张三").exit_code == 1
    assert cli("users", "add", "x1", "--role", "viewer", "--password-stdin", input=f"{PASSWORD}\n").exit_code == 1
    assert counts(engine) == before
    ok = cli("projects", "set-status", jiangzi, "在建", "--date", "2026-05-01")
    assert ok.exit_code == 0, ok.output
    assert cli.json("projects", "history", jiangzi)[-1]["actor"] == f"{operator} (账户)"


def test_a_period_report_entered_for_one_project_is_checked_like_a_sheet_row_and_scoped(engine, editor):
    jiangzi, mangkang = codes_of(engine, "江孜")[0], codes_of(engine, "芒康")[0]
    period = Period.parse(PERIOD)
    values = {
        "status": "在建",
        "status_date": "2026-11-03",
        "invest_period": "300",
        "invest_cumulative": "300",
        "progress": "基础施工",
        "problems": "<b>缺资金</b>",
    }
    before = counts(engine)
    with pytest.raises(PermissionDenied, match=mangkang), session_of(engine) as session:
        importer.enter_report(session, mangkang, period, values, actor=editor)
    assert counts(engine) == before
    with (
        pytest.raises(UserInputError, match=f"^{jiangzi}: 累计完成投资.*less than 本期"),
        session_of(engine) as session,
    ):
        importer.enter_report(session, jiangzi, period, {**values, "invest_cumulative": "100"}, actor=editor)
    assert counts(engine) == before
    with session_of(engine) as session:
        result = importer.enter_report(session, jiangzi, period, values, actor=editor)
    assert (result.reports_new, len(result.status_changes)) == (1, 1)
    with session_of(engine) as session:  # the same report again records nothing
        assert not importer.enter_report(session, jiangzi, period, values, actor=editor).changed
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT progress, problems, actor, address FROM period_report")).one()
    assert tuple(row) == ("基础施工", "<b>缺资金</b>", "account:江孜县发改委", "192.0.2.7")


def test_a_secret_is_generated_once_and_kept(engine, engine_of, seeded_url):
    first = accounts.secret(engine, "session")
    assert len(first) >= 48 and accounts.secret(engine_of(seeded_url), "session") == first
    assert accounts.secret(engine, "other") != first


def test_the_sixth_wrong_password_in_a_minute_locks_the_account_and_the_address(engine, editor):
    from datetime import timedelta

    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with session_of(engine) as session:
        for attempt in range(5):
            assert (
                accounts.login(session, "江孜县发改委", f"wrong-{attempt}", "198.51.100.1", now=start).message
                == "wrong account name or password"
            )
        refused = accounts.login(session, "江孜县发改委", PASSWORD, "198.51.100.9", now=start + timedelta(seconds=30))
        assert refused.account is None and "too many wrong passwords" in refused.message
        other = accounts.login(session, "viewer-x", PASSWORD, "198.51.100.1", now=start + timedelta(seconds=30))
        assert other.account is None and "too many wrong passwords" in other.message  # the same address
        later = accounts.login(session, "江孜县发改委", PASSWORD, "198.51.100.9", now=start + timedelta(seconds=61))
        assert later.account is not None and later.message is None
        accounts.set_disabled(session, "江孜县发改委", True)
        disabled = accounts.login(session, "江孜县发改委", PASSWORD, "198.51.100.9", now=start + timedelta(seconds=62))
        assert disabled.account is None and "disabled" in disabled.message


def test_the_audit_trail_lists_who_wrote_what_from_where(engine, editor):
    from portfolio import audit

    jiangzi = codes_of(engine, "江孜")[0]
    with session_of(engine) as session:
        done = changes.set_status(
            session, jiangzi, "在建", effective_date=date(2026, 5, 1), note="<i>开工</i>", actor=editor
        )
        fields.set_fields(session, jiangzi, {"contact": "扎西"}, actor=editor)
        history.retract(session, jiangzi, f"S{done.event_id}", actor=Actor("规划科", "by"), note="日期错")
    with session_of(engine, write=False) as session:
        rows = audit.audit(session)
        mine = audit.audit(session, account="江孜县发改委")
        assert not audit.audit(session, since=date.today() + timedelta(days=1))
    assert [(r.action, r.code, r.actor) for r in rows] == [
        ("撤销", jiangzi, "规划科"),
        ("字段", jiangzi, "江孜县发改委 (账户)"),
        ("状态", jiangzi, "江孜县发改委 (账户)"),
    ]
    assert [r.action for r in mine] == ["字段", "状态"] and {r.address for r in mine} == {"192.0.2.7"}
    assert "联系人 (空) → 扎西" in rows[1].what and "<i>开工</i>" in rows[2].what
