"""The reporting cycle (调度) on both engines: fields, templates, filled sheets, import, re-import,
correction, lights and rates checked against figures worked out here."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from openpyxl import load_workbook

PERIOD = "2026-11"
EXCEL_EPOCH = date(1899, 12, 30)


def serial(day: date) -> int:
    return (day - EXCEL_EPOCH).days


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def template(cli, tmp_path, county: str, period: str = PERIOD):
    path = tmp_path / f"{county}-{period}.xlsx"
    ok(cli("report", "template", "--period", period, "--county", county, "-o", str(path)))
    workbook = load_workbook(path)
    sheet = workbook["调度表"]
    header = [cell.value for cell in sheet[2]]
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]
    return path, workbook, sheet, header, codes


def fill(sheet, header, code: str, **values) -> None:
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == code:
            for name, value in values.items():
                sheet.cell(row=row, column=header.index(name) + 1).value = value
            return
    raise AssertionError(f"{code} not in the sheet")


def counts(cli):
    from sqlalchemy import create_engine, text

    from portfolio.db import resolve_database_url

    engine = create_engine(resolve_database_url(cli.url))
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("status_event", "field_event", "period_report", "annual_plan")
            }
    finally:
        engine.dispose()


def write_xls(path, rows, title_sheet: str = "说明") -> None:
    """An Excel 97-2003 copy, as a county office's older Excel saves it."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet(title_sheet).write(0, 0, "本表由芒康县住建局填报")
    sheet = book.add_sheet("报表")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    book.save(str(path))


def test_the_whole_cycle(cli, tmp_path):
    # --- 2026-10: one earlier report for 江孜 (so 2026-11 has a previous 累计) ------------------
    _path, book, sheet, header, jz = template(cli, tmp_path, "江孜", "2026-10")
    assert header[:5] == ["编号", "名称", "县(区)", "项目代码", "状态"] and len(jz) >= 8
    j = jz  # 江孜 projects, in code order
    ok(cli("projects", "set", j[0], "--planned-start", "2026-03", "--by", "发改委"))
    ok(cli("projects", "set", j[1], "--planned-start", "2026-09"))
    ok(
        cli(
            "projects",
            "set",
            j[2],
            "--total-investment",
            "5000",
            "--annual-plan",
            "2026=1200",
            "--planned-start",
            "2025-06",
            "--planned-end",
            "2027-12",
        )
    )
    ok(cli("projects", "set", j[3], "--total-investment", "80", "--annual-plan", "2026=1000"))
    ok(
        cli(
            "projects",
            "set",
            j[4],
            "--planned-start",
            "2025-01",
            "--actual-start",
            "2025-02",
            "--planned-end",
            "2026-10",
        )
    )
    ok(cli("projects", "set", j[5], "--planned-end", "2026-10"))
    fill(
        sheet,
        header,
        j[2],
        状态="在建",
        状态日期=datetime(2025, 6, 15),
        **{"本期完成投资(万元)": 800, "累计完成投资(万元)": 800},
    )
    october = tmp_path / "江孜-2026-10-filled.xlsx"
    book.save(october)
    ok(cli("report", "import", str(october), "--period", "2026-10"))

    # --- 2026-11 templates for two counties ------------------------------------------------------
    _path, book, sheet, header, jz11 = template(cli, tmp_path, "江孜")
    assert jz11 == j
    assert sheet["A1"].value.startswith("江孜县 重点项目调度表") and "报告期：2026-11" in sheet["A1"].value
    assert sheet.protection.sheet and sheet.cell(row=3, column=1).protection.locked
    assert not sheet.cell(row=3, column=header.index("状态") + 1).protection.locked
    assert any(v.formula1 == '"谋划,前期,在建,建成,暂缓,取消"' for v in sheet.data_validations.dataValidation)
    assert {p.name: p.value for p in book.custom_doc_props}["portfolio.period"] == PERIOD
    assert "填报说明" in book.sheetnames
    row_j0 = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] == j[0])
    assert row_j0[header.index("计划开工")] == datetime(2026, 3, 1)  # a real date cell
    fill(sheet, header, j[0], 形象进度="前期手续办理中")
    fill(sheet, header, j[1], 形象进度="可研编制")
    fill(sheet, header, j[2], **{"本期完成投资(万元)": 100, "累计完成投资(万元)": 900, "形象进度": "主体施工"})
    fill(
        sheet,
        header,
        j[3],
        状态="在建",
        状态日期=datetime(2026, 4, 1),
        **{"本期完成投资(万元)": 100, "累计完成投资(万元)": 100},
    )
    fill(
        sheet,
        header,
        j[4],
        状态="在建",
        状态日期=datetime(2025, 2, 10),
        **{"本期完成投资(万元)": 50, "累计完成投资(万元)": 50},
    )
    fill(sheet, header, j[5], 状态="建成", 状态日期=datetime(2026, 9, 20), 实际竣工=datetime(2026, 9, 1))
    jz_filled = tmp_path / "江孜-2026-11-filled.xlsx"
    book.save(jz_filled)

    _, _, _, _, mk = template(cli, tmp_path, "芒康")
    m = mk
    # 芒康 sends its own layout: 说明 first, a merged title, a two-row header, an extra 序号 column,
    # Excel serial dates, saved as .xls.
    rows = [
        ["芒康县重点项目调度表 报告期：2026-11 填报单位：芒康县(540328)"],
        ["序号", "项目编号", "状态", "状态日期", "完成投资（万元）", None, "形象进度", "2026年度计划投资（万元）"],
        [None, None, None, None, "本期", "累计", None, None],
        [1, m[0], "在建", serial(date(2026, 10, 1)), 300, 300, "基础施工", 600],
        [2, m[1], "谋划", None, None, None, "选址", None],
    ]
    mk_xls = tmp_path / "芒康-2026-11.xls"
    write_xls(mk_xls, rows)

    before = counts(cli)
    first = ok(cli("report", "import", str(jz_filled), str(mk_xls), "--period", PERIOD, "--by", "县发改局"))
    assert "芒康-2026-11.xls: read sheet 报表" in first.stderr and "ignored columns: 序号" in first.stderr
    assert (
        f"warning: 江孜-2026-11-filled.xlsx:调度表:{3 + j.index(j[3])}: 累计完成投资(万元): 100 is above 总投资 80"
        in first.stderr
    )
    assert "7 new reports, 0 corrected" in first.stderr
    after = counts(cli)
    assert after["period_report"] == before["period_report"] + 7
    assert after["status_event"] == before["status_event"] + 4  # j3, j4, j5, m0

    # the same sheets again change nothing
    again = ok(cli("report", "import", str(jz_filled), str(mk_xls), "--period", PERIOD))
    assert "nothing changed" in again.stderr
    assert counts(cli) == after

    # a corrected sheet replaces that period's values and keeps the earlier ones, retracted
    fill(sheet, header, j[2], **{"本期完成投资(万元)": 150, "累计完成投资(万元)": 950})
    book.save(jz_filled)
    corrected = ok(cli("report", "import", str(jz_filled), "--period", PERIOD))
    assert "0 new reports, 1 corrected" in corrected.stderr
    reports = [e for e in cli.json("projects", "history", j[2]) if e["id"].startswith("R")]
    november = [e for e in reports if e["what"] == "2026-11 填报"]
    assert len(november) == 2 and november[0]["retracted"].startswith("已撤销")
    assert november[1]["retracted"] is None and "累计 950" in november[1]["new"]

    # --- lights, worked out here from the values filled in above -------------------------------
    expected_lights = {
        j[0]: ("红", "开工逾期"),  # planned 2026-03, still 谋划: 8 months
        j[1]: ("黄", "开工逾期"),  # planned 2026-09: 2 months
        j[2]: ("黄", "投资滞后"),  # (800 + 150) / 1200 = 79.2% vs 91.7%: 12.5 points
        j[3]: ("红", "投资滞后"),  # 100 / 1000 = 10% vs 91.7%
        j[4]: ("黄", "竣工逾期"),  # planned end 2026-10, 在建
        j[5]: ("绿", ""),
    }  # 建成 on time
    expected_lights.update({code: ("黄", "未填报") for code in j[6:]})
    lights = {row["code"]: row for row in cli.json("report", "lights", "--period", PERIOD, "--county", "江孜")}
    assert {code: lights[code]["light"] for code in j} == {code: v[0] for code, v in expected_lights.items()}
    for code, (_, reason) in expected_lights.items():
        assert reason in lights[code]["reasons"]
    m_lights = {row["code"]: row for row in cli.json("report", "lights", "--period", PERIOD, "--county", "芒康")}
    assert m_lights[m[0]]["light"] == "红" and "完成300万元(50.0%)" in m_lights[m[0]]["reasons"]
    assert m_lights[m[1]]["light"] == "绿"
    red = cli.json("report", "lights", "--period", PERIOD, "--county", "江孜", "--light", "red")
    assert {row["code"] for row in red} == {j[0], j[3]}

    # --- rates ---------------------------------------------------------------------------------------
    rates = {
        row["group_label"]: row
        for row in cli.json(
            "report", "summary", "--period", PERIOD, "--by", "county", "--county", "江孜", "--county", "芒康"
        )
    }
    n_j, n_m = len(j), len(m)
    assert rates["江孜县"] == {
        "group": "540222",  # the office's division code
        "group_label": "江孜县",
        "projects": n_j,
        "start_rate": round(2 / 4 * 100, 1),  # due: j0 j1 j2 j4; started: j2 j4
        "investment_rate": round((800 + 150 + 100) / (1200 + 1000) * 100, 1),
        "completion_rate": 50.0,  # due: j4 j5; on time: j5
        "report_rate": round(5 / (n_j - 1) * 100, 1),  # j0-j4 reported; j5 is 建成
        "red": 2,
        "yellow": n_j - 3,
    }
    assert rates["芒康县"]["investment_rate"] == 50.0 and rates["芒康县"]["report_rate"] == round(2 / n_m * 100, 1)
    assert rates["合计"]["projects"] == n_j + n_m and rates["合计"]["group"] is None

    bulletin = tmp_path / "通报-2026-11.xlsx"
    ok(cli("report", "summary", "--period", PERIOD, "--output", str(bulletin)))
    workbook = load_workbook(bulletin)
    assert workbook.sheetnames == ["按县(区)", "按行业", "按规划", "按层级", "预警"]
    assert len(workbook["按县(区)"]._charts) == 1
    by_county = list(workbook["按县(区)"].iter_rows(min_row=2, values_only=True))
    rates = ("开工率(%)", "投资完成率(%)", "按期竣工率(%)", "填报率(%)")
    assert by_county[0] == ("县(区)", "项目数", *rates, "红灯", "黄灯")
    every = cli.json("report", "summary", "--period", PERIOD, "--by", "county")
    assert by_county[1:] == [tuple(v for k, v in row.items() if k != "group") for row in every]
    assert {r[0] for r in workbook["预警"].iter_rows(min_row=2, values_only=True)} >= {j[0], j[3]}


@pytest.fixture
def jiangzi(cli, tmp_path):
    _path, book, sheet, header, codes = template(cli, tmp_path, "江孜")
    return book, sheet, header, codes


def test_every_problem_of_every_file_is_listed_and_nothing_is_imported(cli, tmp_path, jiangzi):
    book, sheet, header, codes = jiangzi
    fill(sheet, header, codes[0], 状态="在建", 状态日期=None)  # a status change without its date
    fill(sheet, header, codes[1], 状态="在建", 状态日期="=TODAY()")  # a formula with no saved value
    fill(sheet, header, codes[2], 状态="完工了")
    fill(sheet, header, codes[3], **{"本期完成投资(万元)": "很多", "累计完成投资(万元)": -1})
    fill(sheet, header, codes[4], **{"本期完成投资(万元)": 50, "累计完成投资(万元)": 20})
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    other = tmp_path / "other.csv"
    other.write_text("编号,累计完成投资(万元)\nXX-00-000,5\n", encoding="utf-8")
    before = counts(cli)
    result = cli("report", "import", str(bad), str(other), "--period", PERIOD)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    first = 3 + 0
    assert f"bad.xlsx:调度表:{first}: 状态日期: empty; give the date the status changed to 在建" in result.stderr
    assert f"bad.xlsx:调度表:{first + 1}: 状态日期: a formula (=TODAY()) without a saved value" in result.stderr
    assert f"bad.xlsx:调度表:{first + 2}: 状态: unknown status '完工了'" in result.stderr
    assert f"bad.xlsx:调度表:{first + 3}: 本期完成投资(万元): bad 本期完成投资(万元) '很多'" in result.stderr
    assert f"bad.xlsx:调度表:{first + 3}: 累计完成投资(万元): bad 累计完成投资(万元) -1" in result.stderr
    assert f"bad.xlsx:调度表:{first + 4}: 累计完成投资(万元): 20 is less than 本期 50" in result.stderr
    assert "other.csv:other:2: 编号: unknown project XX-00-000" in result.stderr
    assert lines[-1] == "error: 7 problems found; nothing was imported"
    assert counts(cli) == before


def test_the_earlier_cumulative_is_the_stored_amount_exactly(cli, tmp_path):
    """What a month's 累计 is checked against is the stored float, for a month after every report
    (on SQLite read from one index probe, as text) and for one between reports (a join)."""
    import sqlalchemy as sa

    from portfolio import db
    from portfolio.reports import importer
    from portfolio.reports.periods import Period

    code = template(cli, tmp_path, "江孜")[4][0]
    sheet = tmp_path / "a.csv"
    for period, amount in (("2026-10", "134364.24"), ("2026-12", "134400.1")):
        sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},0,{amount}\n", encoding="utf-8")
        ok(cli("report", "import", str(sheet), "--period", period))
        engine = db.make_engine(db.resolve_database_url(cli.url))
        try:
            with db.session_scope(engine) as session:
                project_id = session.execute(sa.text("SELECT id FROM project WHERE code = :c"), {"c": code}).scalar()
                row = importer._Row("a.csv:a:2", project_id, code, Period(2026, 11), "2026-11")
                state = importer._states(session, [row])[project_id, "2026-11"]
        finally:
            engine.dispose()
        assert (state.earlier_period, state.earlier_amount) == ("2026-10", 134364.24)
    assert (state.later_period, state.later_amount) == ("2026-12", 134400.1)


def test_cumulative_never_decreases_and_must_add_up(cli, tmp_path):
    code = template(cli, tmp_path, "江孜")[4][0]
    sheet = tmp_path / "a.csv"
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},100,500\n", encoding="utf-8")
    ok(cli("report", "import", str(sheet), "--period", "2026-10"))
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},50,400\n", encoding="utf-8")
    result = cli("report", "import", str(sheet), "--period", "2026-11")
    assert (
        result.exit_code == 1 and "a:2: 累计完成投资(万元): 400 is less than 500 reported for 2026-10" in result.stderr
    )
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},50,600\n", encoding="utf-8")
    result = cli("report", "import", str(sheet), "--period", "2026-11")
    assert result.exit_code == 1 and "600 is not 2026-10's 500 + 本期 50" in result.stderr
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},50,550\n{code},50,550\n", encoding="utf-8")
    result = ok(cli("report", "import", str(sheet), "--period", "2026-11"))
    assert "a.csv:a:3: 编号: repeats a.csv:a:2" in result.stderr and "1 new report, 0 corrected" in result.stderr
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},50,550\n{code},60,560\n", encoding="utf-8")
    result = cli("report", "import", str(sheet), "--period", "2026-11")
    assert result.exit_code == 1 and "is also on a.csv:a:2 with other values" in result.stderr


def test_a_sheet_for_another_period_or_office_is_refused_unless_asked_for(cli, tmp_path, jiangzi):
    book, sheet, header, codes = jiangzi
    fill(sheet, header, codes[0], 形象进度="施工准备")
    path = tmp_path / "jz.xlsx"
    book.save(path)
    result = cli("report", "import", str(path), "--period", "2026-10")
    assert result.exit_code == 1 and "jz.xlsx:调度表: the sheet is for period 2026-11, not 2026-10" in result.stderr
    result = cli("report", "import", str(path), "--period", PERIOD, "--county", "芒康")
    assert result.exit_code == 1 and "the sheet is for 江孜县, not 芒康县" in result.stderr
    mangkang = template(cli, tmp_path, "芒康")[4][0]
    text_sheet = tmp_path / "mix.csv"
    text_sheet.write_text(f"编号,形象进度\n{mangkang},施工\n", encoding="utf-8")
    result = cli("report", "import", str(text_sheet))
    assert result.exit_code == 1 and "the sheet does not say its period; pass --period" in result.stderr
    result = cli("report", "import", str(text_sheet), "--period", PERIOD, "--county", "江孜")
    assert result.exit_code == 1 and f"{mangkang} is not a project of the offices given with --county" in result.stderr
    ok(cli("report", "import", str(text_sheet), "--period", PERIOD, "--county", "芒康"))


def test_a_month_filled_in_late_stays_between_its_neighbours(cli, tmp_path):
    """A sheet for a month before the latest report is checked against the reports on both sides."""
    code = template(cli, tmp_path, "江孜")[4][0]
    sheet = tmp_path / "a.csv"
    for period, cumulative in (("2026-08", 300), ("2026-10", 500)):
        sheet.write_text(f"编号,累计完成投资(万元)\n{code},{cumulative}\n", encoding="utf-8")
        ok(cli("report", "import", str(sheet), "--period", period))
    sheet.write_text(f"编号,累计完成投资(万元)\n{code},600\n", encoding="utf-8")
    result = cli("report", "import", str(sheet), "--period", "2026-09")
    assert result.exit_code == 1
    assert "a:2: 累计完成投资(万元): 600 is more than 500 reported for 2026-10" in result.stderr
    sheet.write_text(f"编号,累计完成投资(万元)\n{code},250\n", encoding="utf-8")
    result = cli("report", "import", str(sheet), "--period", "2026-09")
    assert result.exit_code == 1
    assert "a:2: 累计完成投资(万元): 250 is less than 300 reported for 2026-08" in result.stderr
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},150,450\n", encoding="utf-8")
    assert "1 new report, 0 corrected" in ok(cli("report", "import", str(sheet), "--period", "2026-09")).stderr
    assert "0 new reports, 0 corrected" in ok(cli("report", "import", str(sheet), "--period", "2026-09")).stderr
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{code},160,460\n", encoding="utf-8")
    assert "0 new reports, 1 corrected" in ok(cli("report", "import", str(sheet), "--period", "2026-09")).stderr


def test_utf16_text_tsv_and_a_national_code_column(cli, tmp_path):
    codes = template(cli, tmp_path, "江孜")[4]
    ok(cli("projects", "set", codes[0], "--national-code", "2024-540222-48-01-000123"))
    utf16 = tmp_path / "excel-unicode.txt"
    utf16.write_bytes("项目代码\t形象进度\t计划开工\n2024-540222-48-01-000123\t施工准备\t45717\n".encode("utf-16"))
    result = ok(cli("report", "import", str(utf16), "--period", PERIOD))
    assert "1 new report, 0 corrected" in result.stderr and "计划开工 (空) → 2025-03" in result.stdout
    tsv = tmp_path / "sheet.tsv"
    tsv.write_text(f"编号\t项目代码\t联系人\t备用列\n{codes[1]}\t2023-540222-48-01-000777\t扎西\tx\n", encoding="utf-8")
    result = ok(cli("report", "import", str(tsv), "--period", PERIOD))
    assert "ignored columns: 备用列" in result.stderr
    assert cli.json("projects", "show", codes[1])["national_code"] == "2023-540222-48-01-000777"


def test_oc4ids_carries_budget_periods_completion_metrics_and_suspension(cli, tmp_path):
    import json

    from test_cli_status_db import _validate

    codes = template(cli, tmp_path, "芒康")[4]
    projects = [c for c in codes if cli.json("projects", "show", c)["kind"] == "project"][:2]
    built, paused = projects
    ok(
        cli(
            "projects",
            "set",
            built,
            "--total-investment",
            "1200",
            "--planned-start",
            "2025-03",
            "--planned-end",
            "2026-10",
            "--actual-start",
            "2025-04",
            "--actual-end",
            "2026-09",
        )
    )
    sheet = tmp_path / "m.csv"
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{built},400,400\n", encoding="utf-8")
    ok(cli("report", "import", str(sheet), "--period", "2026-09", "--county", "芒康"))
    sheet.write_text(f"编号,本期完成投资(万元),累计完成投资(万元)\n{built},700,1100\n", encoding="utf-8")
    ok(cli("report", "import", str(sheet), "--period", "2026-10", "--county", "芒康"))
    ok(cli("projects", "set-status", built, "建成", "--date", "2026-09-28"))
    ok(cli("projects", "set-status", paused, "在建", "--date", "2025-05-01"))
    ok(cli("projects", "set-status", paused, "暂缓", "--date", "2026-02-01"))
    package = json.loads(ok(cli("projects", "list", "--county", "芒康", "--format", "oc4ids")).stdout)
    found = {p["id"].removeprefix("portfolio-"): p for p in package["projects"]}
    project = found[built]
    assert project["budget"]["amount"] == {"amount": 12_000_000, "currency": "CNY"}
    assert project["period"] == {"startDate": "2025-03-01T00:00:00Z", "endDate": "2026-10-31T23:59:59Z"}
    assert project["implementationPeriod"] == {"startDate": "2025-04-01T00:00:00Z", "endDate": "2026-09-30T23:59:59Z"}
    assert project["completion"] == {
        "endDate": "2026-09-30T23:59:59Z",
        "finalValue": {"amount": 11_000_000, "currency": "CNY"},
    }
    observations = project["metrics"][0]["observations"]
    assert [(o["id"], o["value"]["amount"]) for o in observations] == [("2026-09", 4_000_000), ("2026-10", 11_000_000)]
    assert found[paused]["status"] == "implementation" and found[paused]["description"].endswith("（暂缓）")
    _validate(package)
