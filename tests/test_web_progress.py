"""Progress reporting on the web, on SQLite and PostgreSQL: the home page's glance at the latest
period, the four rates by county, sector and plan with charts and downloads, the lights list, the
JSON API, and a project's whole record with a retracted event struck through; all equal to the CLI."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

PERIOD = "2026-11"
HOSTILE = '<script>alert("x")</script> {{ 7*7 }}'


@pytest.fixture(scope="module")
def reported(databases, tmp_path_factory):
    """A seeded database where 江孜 reported for 2026-11 and one field change was retracted."""
    from conftest import Cli
    from fastapi.testclient import TestClient

    from portfolio.web.app import create_app

    url = databases.seeded()
    cli = Cli(url)
    folder = tmp_path_factory.mktemp("progress")
    sheet_path = folder / "江孜.xlsx"
    ok(cli("report", "template", "--period", PERIOD, "--county", "江孜", "-o", str(sheet_path)))
    book = load_workbook(sheet_path)
    sheet = book["调度表"]
    header = [cell.value for cell in sheet[2]]
    codes = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True) if row[0]]
    ok(cli("projects", "set", codes[0], "--planned-start", "2026-03"))
    ok(cli("projects", "set", codes[1], "--annual-plan", "2026=1200", "--planned-start", "2025-06"))
    for row in range(3, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == codes[1]:
            sheet.cell(row=row, column=header.index("状态") + 1).value = "在建"
            sheet.cell(row=row, column=header.index("本期完成投资(万元)") + 1).value = 300
            sheet.cell(row=row, column=header.index("累计完成投资(万元)") + 1).value = 300
    filled = folder / "江孜-filled.xlsx"
    book.save(filled)
    ok(cli("report", "import", str(filled), "--period", PERIOD))
    ok(cli("projects", "set", codes[2], "--contact", "王" + HOSTILE, "-m", "录入 " + HOSTILE))
    [changed] = [e for e in cli.json("projects", "history", codes[2]) if e["id"].startswith("F")]
    ok(cli("projects", "retract", codes[2], changed["id"], "-m", "录错了 " + HOSTILE))
    with TestClient(create_app(url)) as client:
        client.cli, client.codes, client.retracted = cli, codes, changed["id"]
        yield client


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def cells(html: str, section: str) -> list[list[str]]:
    """The rows of one rates table as the page shows them (row header and cells, as text)."""
    block = html.split(f'data-by="{section}"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", block.split("<tbody>", 1)[1], re.S)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]


def as_text(value) -> str:
    return "—" if value is None else str(value)


def test_home_shows_the_latest_period_at_a_glance(reported):
    html = reported.get("/").text
    total = reported.cli.json("report", "summary", "--period", PERIOD)[-1]
    assert total["group_label"] == "合计" and total["group"] is None and f"{PERIOD} 调度" in html
    for key in ("start_rate", "investment_rate", "completion_rate", "report_rate"):
        shown = re.search(rf'data-rate="{key}">.*?<strong>(.*?)</strong>', html, re.S).group(1)
        assert shown == ("—" if total[key] is None else f"{total[key]}%"), key
    lights = [row["light"] for row in reported.cli.json("report", "lights", "--period", PERIOD)]
    for name, label in (("red", "红"), ("yellow", "黄"), ("green", "绿")):
        shown = re.search(rf'data-light="{name}">.*?<strong>([\d,]+)</strong>', html, re.S).group(1)
        assert int(shown.replace(",", "")) == lights.count(label), name
    assert total["investment_rate"] == 25.0  # 300 of the 1,200 planned for 2026


def test_the_home_page_without_reports_shows_no_period(web):
    assert "调度</h2>" not in web.get("/").text


@pytest.mark.parametrize("by", ["county", "sector", "plan"])
def test_rates_by_county_sector_and_plan_equal_the_cli(reported, by):
    html = reported.get("/progress", params={"period": PERIOD}).text
    expected = reported.cli.json("report", "summary", "--period", PERIOD, "--by", by)
    # the page shows every field but the group's code
    assert cells(html, by) == [[as_text(v) for k, v in row.items() if k != "group"] for row in expected]
    chart = html.split(f'data-by="{by}"', 1)[1].split("</figure>", 1)[0]
    assert chart.count("<rect") >= 4 * (len(expected) - 1) and "投资完成率(%)" in chart
    rows = list(
        csv.DictReader(
            io.StringIO(
                reported.get(f"/progress/rates-{by}.csv", params={"period": PERIOD}).content.decode("utf-8-sig")
            )
        )
    )
    assert [(r["group"], r["group_label"]) for r in rows] == [(r["group"] or "", r["group_label"]) for r in expected]
    assert reported.get(f"/progress/rates-{by}.json", params={"period": PERIOD}).json() == expected
    sheet = load_workbook(
        io.BytesIO(reported.get(f"/progress/rates-{by}.xlsx", params={"period": PERIOD}).content)
    ).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [r["group_label"] for r in expected]


def test_the_page_defaults_to_the_latest_reported_period(reported):
    html = reported.get("/progress").text
    assert f"<h1>{PERIOD} 调度" in html and f'value="{PERIOD}"' in html


def test_the_lights_list_and_its_filters_equal_the_cli(reported):
    everything = reported.cli.json("report", "lights", "--period", PERIOD)
    html = reported.get("/progress", params={"period": PERIOD}).text
    listed = re.findall(r'<td class="code"><a href="/projects/([^"]+)"', html.split('id="lights"', 1)[1])
    assert listed == [row["code"] for row in everything if row["light"] != "绿"] and listed
    red = reported.cli.json("report", "lights", "--period", PERIOD, "--light", "red")
    html = reported.get("/progress", params={"period": PERIOD, "light": "red"}).text
    assert re.findall(r'<td class="code"><a href="/projects/([^"]+)"', html.split('id="lights"', 1)[1]) == [
        row["code"] for row in red
    ]
    assert reported.get("/progress/lights.json", params={"period": PERIOD}).json() == everything
    rows = list(
        csv.DictReader(
            io.StringIO(reported.get("/progress/lights.csv", params={"period": PERIOD}).content.decode("utf-8-sig"))
        )
    )
    assert [(r["code"], r["light"]) for r in rows] == [(r["code"], r["light"]) for r in everything]


def test_the_bulletin_is_the_cli_workbook(reported):
    response = reported.get(f"/progress/bulletin-{PERIOD}.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["按县(区)", "按行业", "按规划", "按层级", "预警"]
    assert len(workbook["按县(区)"]._charts) == 1


def test_the_api_gives_the_cli_json(reported):
    for by in ("county", "sector", "plan", "level"):
        assert reported.get("/api/report/summary", params={"period": PERIOD, "by": by}).json() == reported.cli.json(
            "report", "summary", "--period", PERIOD, "--by", by
        ), by
    for light in (None, "red", "yellow", "green"):
        params = {"period": PERIOD, **({"light": light} if light else {})}
        options = ["--light", light] if light else []
        assert reported.get("/api/report/lights", params=params).json() == reported.cli.json(
            "report", "lights", "--period", PERIOD, *options
        ), light


@pytest.mark.parametrize(
    "path, words",
    [
        ("/progress?period=2026-13", "2026-13"),
        ("/progress?light=blue", "blue"),
        ("/api/report/summary?by=office", "office"),
    ],
)
def test_bad_periods_lights_and_breakdowns_are_refused(reported, path, words):
    response = reported.get(path)
    assert response.status_code == 400 and words in response.text


def test_the_project_page_strikes_retracted_events_through(reported):
    code = reported.codes[2]
    html = reported.get(f"/projects/{code}").text
    events = reported.cli.json("projects", "history", code)
    retracted = next(e for e in events if e["id"] == reported.retracted)
    row = html.split(f'data-event="{reported.retracted}"', 1)[1].split("</tr>", 1)[0]
    assert html.split(f'data-event="{reported.retracted}"', 1)[0].endswith('<tr class="retracted" ')
    assert "<del>" in row and "已撤销" in row and retracted["retracted"].startswith("已撤销")
    assert "<script>" not in html and "&lt;script&gt;" in row
    assert reported.get(f"/api/projects/{code}/history").json() == events


def light_facet(html: str) -> dict[str, int]:
    block = html.split('data-facet="light"', 1)[1].split("</details>", 1)[0]
    return {
        value: int(count.replace(",", ""))
        for value, count in re.findall(r'data-value="([^"]+)">[^<]*</a> <span class="count">([\d,]+)</span>', block)
    }


def test_the_light_facet_counts_each_light_as_report_lights_does(reported):
    page = reported.get("/projects")
    assert 'hx-get="/projects/facets/light?' in page.text, "the list loads the light facet on its own"
    lights = reported.cli.json("report", "lights", "--period", PERIOD)  # red and yellow
    green = reported.cli.json("report", "lights", "--period", PERIOD, "--light", "green")
    expected = {
        "red": sum(row["light"] == "红" for row in lights),
        "yellow": sum(row["light"] == "黄" for row in lights),
        "green": len(green),
        "unreported": sum("未填报" in row["reasons"] for row in lights),
    }
    assert expected["red"] and expected["yellow"] and expected["unreported"], expected
    facet = reported.get("/projects/facets/light", params={"count": "listings"})
    assert facet.status_code == 200 and f'预警 <small class="muted">{PERIOD}</small>' in facet.text
    assert light_facet(facet.text) == expected
    red = {row["code"] for row in lights if row["light"] == "红"}
    listed = reported.get("/projects", params={"light": "红", "count": "listings", "period": PERIOD})
    assert listed.status_code == 200
    assert int(re.search(r'<strong class="total">([\d,]+)</strong>', listed.text).group(1).replace(",", "")) == len(red)
    assert set(re.findall(r'<td class="code"><a href="/projects/([^"]+)"', listed.text)) <= red
    assert "预警：红 ✕" in listed.text and f"填报期：{PERIOD} ✕" in listed.text
    assert {row["code"] for row in reported.get("/api/projects", params={"light": "red"}).json()} == red


def test_the_light_facet_narrows_with_the_other_filters_and_a_chosen_period(reported):
    codes = reported.codes
    jiangzi = reported.get("/projects", params={"county": "江孜", "light": "unreported", "count": "listings"}).text
    shown = set(re.findall(r'<td class="code"><a href="/projects/([^"]+)"', jiangzi))
    assert codes[1] not in shown, "江孜 reported this project for the latest period"
    facet = light_facet(reported.get("/projects/facets/light", params={"county": "江孜", "count": "listings"}).text)
    unreported = {
        row["code"] for row in reported.cli.json("report", "lights", "--period", PERIOD) if "未填报" in row["reasons"]
    }
    in_jiangzi = {row["code"] for row in reported.cli.json("projects", "list", "--county", "江孜")}
    assert facet["unreported"] == len(unreported & in_jiangzi) == len(shown)
    assert shown == unreported & in_jiangzi
    earlier = light_facet(
        reported.get("/projects/facets/light", params={"period": "2026-10", "count": "listings"}).text
    )
    tracked = reported.cli.json("report", "lights", "--period", "2026-10")
    assert earlier["unreported"] == sum("未填报" in row["reasons"] for row in tracked) > facet["unreported"]
    refused = reported.get("/projects", params={"light": "blue"})
    assert refused.status_code == 400 and "未知的预警 &#39;blue&#39;" in refused.text


def test_light_groups_of_a_filter_are_the_groups_of_every_project_within_it(reported):
    """A facet assesses only the projects of its view: the same lights as assessing every project."""
    from portfolio import db, queries
    from portfolio.models import Project
    from portfolio.reports import lights
    from portfolio.reports.periods import Period
    from portfolio.views import build_filter

    engine = db.make_engine(reported.cli.url)
    period = Period.parse(PERIOD)
    with db.session_scope(engine) as session:
        everything = lights.light_groups(session, period)
        for words in ({"county": ["江孜"]}, {"sector": ["供水"]}, {"county": ["江孜"], "status": ["在建"]}):
            flt = build_filter(session, **words)
            within = set(session.execute(queries.select_matching(session, flt, [Project.id])).scalars())
            narrowed = lights.light_groups(session, period, flt)
            assert within and any(narrowed.values()), words
            assert narrowed == {group: ids & within for group, ids in everything.items()}, words
    engine.dispose()


def test_a_report_moves_a_project_into_the_green_light(reported):
    """Last in this module: it writes (a report for a project that has no other reason for a light)."""
    from portfolio import db
    from portfolio.actor import Actor
    from portfolio.reports import importer
    from portfolio.reports.periods import Period

    lights = {row["code"]: row for row in reported.cli.json("report", "lights", "--period", PERIOD)}
    code = next(
        c
        for c in reported.codes
        if lights.get(c, {}).get("reasons", "").startswith("未填报") and "；" not in lights[c]["reasons"]
    )
    before = light_facet(reported.get("/projects/facets/light", params={"count": "listings"}).text)
    engine = db.make_engine(reported.cli.url)
    try:
        with db.session_scope(engine, write=True) as session:
            values = {"invest_period": "10", "invest_cumulative": "10", "progress": "基础施工"}
            importer.enter_report(session, code, Period.parse(PERIOD), values, actor=Actor("测试", "os"))
    finally:
        engine.dispose()
    after = light_facet(reported.get("/projects/facets/light", params={"count": "listings"}).text)
    assert after == {
        **before,
        "yellow": before["yellow"] - 1,
        "green": before["green"] + 1,
        "unreported": before["unreported"] - 1,
    }
    green = reported.get("/projects", params={"light": "green", "count": "listings"}).text
    assert re.findall(r'<td class="code"><a href="/projects/([^"]+)"', green) == [code]
