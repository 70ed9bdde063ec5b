"""Tracked fields (项目代码, 总投资, 计划开工 …), their history, who recorded them, and retraction."""

from __future__ import annotations

from datetime import datetime

import pytest
from seedkit import make_seed_dir
from sqlalchemy import text

from portfolio import db, seeding

CODE = "TP-02-001"


def field_events(cli, code=CODE):
    return [e for e in cli.json("projects", "history", code) if not e["id"].startswith("S")]


def test_set_fields_records_one_event_per_change_with_who_and_when(small):
    result = small(
        "projects",
        "set",
        CODE,
        "--total-investment",
        "1,200",
        "--planned-start",
        "2025年3月",
        "--planned-end",
        "2026-10-15",
        "--annual-plan",
        "2026=800",
        "--national-code",
        "2024-540328-48-01-000123",
        "--responsible-unit",
        "芒康县住建局",
        "--contact",
        "扎西",
        "--by",
        "张三",
        "--date",
        "2025-01-05",
        "--note",
        "批复",
    )
    assert result.exit_code == 0, result.output
    detail = small.json("projects", "show", CODE)
    assert (
        detail["total_investment"],
        detail["planned_start"],
        detail["planned_end"],
        detail["national_code"],
        detail["contact"],
    ) == (1200, "2025-03", "2026-10", "2024-540328-48-01-000123", "扎西")
    events = field_events(small)
    assert {e["what"]: e["new"] for e in events} == {
        "总投资(万元)": "1200",
        "计划开工": "2025-03",
        "计划竣工": "2026-10",
        "2026年度计划投资(万元)": "800",
        "项目代码": "2024-540328-48-01-000123",
        "责任单位": "芒康县住建局",
        "联系人": "扎西",
    }
    assert {(e["actor"], e["effective_date"], e["note"], e["old"]) for e in events} == {
        ("张三", "2025-01-05", "批复", None)
    }
    recorded = datetime.fromisoformat(events[0]["recorded_at"])
    assert recorded.utcoffset() is not None and recorded.utcoffset().total_seconds() == 0

    again = small("projects", "set", CODE, "--total-investment", "1200", "--contact", "扎西")
    assert again.exit_code == 0 and "nothing changed" in again.stderr
    assert len(field_events(small)) == 7
    changed = small("projects", "set", CODE, "--total-investment", "1300", "--note", "调概")
    assert "总投资(万元) 1200 → 1300" in changed.stdout
    last = field_events(small)[-1]
    assert (last["old"], last["new"], last["note"]) == ("1200", "1300", "调概")
    assert last["actor"].endswith("(数据库角色)") or last["actor"].endswith("(系统用户)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--national-code", "2024-540328-48-01"), "bad 项目代码"),
        (("--national-code", "2024-999999-48-01-000123"), "region 999999 is not a known division"),
        (("--national-code", "2009-540328-48-01-000123"), "year 2009"),
        (("--total-investment", "-5"), "must be a number from 0 to 100000000"),
        (("--total-investment", "1e308"), "must be a number from 0 to 100000000"),
        (("--total-investment", "很多"), "bad 总投资(万元)"),
        (("--planned-start", "2025-13"), "bad month"),
        (("--planned-start", "2026-05", "--planned-end", "2025-01"), "is after 计划竣工"),
        (("--annual-plan", "26=100"), "bad --annual-plan"),
        (("--annual-plan", "1900=5"), "year 1900 is out of range for 年度计划投资"),
        (("--actual-start", "2099-01"), "实际开工 2099-01 is in the future"),
        ((), "give at least one field"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(small, args, message):
    result = small("projects", "set", CODE, "--contact", "扎西", *args) if args else small("projects", "set", CODE)
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert field_events(small) == []


def test_retracting_a_field_change_restores_the_earlier_value_and_keeps_the_event(small):
    small("projects", "set", CODE, "--total-investment", "1200")
    small("projects", "set", CODE, "--total-investment", "1500")
    mistaken = field_events(small)[-1]["id"]
    result = small("projects", "retract", CODE, mistaken, "--note", "录入错误", "--by", "李四")
    assert result.exit_code == 0, result.output
    assert small.json("projects", "show", CODE)["total_investment"] == 1200
    events = field_events(small)
    assert (
        len(events) == 2 and events[-1]["retracted"].startswith("已撤销 李四") and "录入错误" in events[-1]["retracted"]
    )
    twice = small("projects", "retract", CODE, mistaken, "--note", "再撤")
    assert twice.exit_code == 2 and "already retracted" in twice.stderr
    small("projects", "retract", CODE, events[0]["id"], "--note", "都错了")
    assert small.json("projects", "show", CODE)["total_investment"] is None


def test_retracting_a_status_event_makes_the_previous_status_current_again(small):
    small("projects", "set-status", CODE, "在建", "--date", "2024-05-01", "--by", "王五")
    history = small.json("projects", "history", CODE)
    assert history[-1]["actor"] == "王五" and history[-1]["old"] == "谋划"
    result = small("projects", "retract", CODE, history[-1]["id"], "--note", "尚未开工")
    assert result.exit_code == 0 and "now 谋划" in result.stdout
    assert small.json("projects", "show", CODE)["status_label"] == "谋划"
    seed_event = history[0]["id"]
    refused = small("projects", "retract", CODE, seed_event, "--note", "x")
    assert refused.exit_code == 2 and "only status event that counts" in refused.stderr
    assert small("projects", "retract", CODE, "X1", "--note", "x").exit_code == 2
    assert small("projects", "retract", CODE, "F999999", "--note", "x").exit_code == 2
    # a later set-status does not bring the retracted event back
    small("projects", "set-status", CODE, "前期", "--date", "2023-01-01")
    assert small.json("projects", "show", CODE)["status_label"] == "前期"


def test_seed_reload_and_prune_never_touch_fields_or_their_history(small, tmp_path):
    small("projects", "set", CODE, "--total-investment", "900", "--planned-start", "2025-03")
    small("projects", "set", "TP-02-002", "--contact", "扎西")
    seed_dir = make_seed_dir(tmp_path / "again")
    plan = seed_dir / "plans" / "test-plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("芒康县测试水厂", "芒康县测试自来水厂"), encoding="utf-8")
    assert small("seed", "load", str(seed_dir)).exit_code == 0
    detail = small.json("projects", "show", CODE)
    assert (detail["name"], detail["total_investment"], detail["planned_start"]) == (
        "芒康县测试自来水厂",
        900,
        "2025-03",
    )
    assert len(field_events(small)) == 2
    # an item dropped from the seeds keeps its project while a user's field history points at it
    plan.write_text(
        plan.read_text(encoding="utf-8").split("          - {code: TP-02-001")[0] + "          []\n", encoding="utf-8"
    )
    engine = db.make_engine(small.url)
    try:
        with db.session_scope(engine, write=True) as session:
            bundle, problems = seeding.read_seeds(seed_dir)
            assert not problems
            report = seeding.apply(session, bundle, prune=True)
        assert set(report.kept_with_history) == {CODE, "TP-02-002"}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM field_event")).scalar() == 3
    finally:
        engine.dispose()


def test_status_import_with_notes_twice_records_the_events_once(small, tmp_path):
    sheet = tmp_path / "回报.csv"
    sheet.write_text(
        "项目编号,状态,日期,备注\nTP-02-001,在建,2024-03-01,县住建局报\nTP-02-002,前期,2024-02-01,可研\n",
        encoding="utf-8",
    )
    first = small("status", "import", str(sheet), "--by", "县住建局")
    assert first.exit_code == 0 and "2 status updates recorded" in first.stderr, first.output
    for _ in range(2):
        again = small("status", "import", str(sheet))
        assert again.exit_code == 0 and "0 status updates recorded" in again.stderr, again.output
    history = small.json("projects", "history", CODE)
    assert [(e["new"], e["note"], e["actor"]) for e in history][1:] == [("在建", "县住建局报", "县住建局")]
