"""The 调度 page in Chromium (as tests/test_browser.py): the four rates and the lights render with
their charts, a period is chosen, and an editor's report turns its project's light from 黄
(未填报) to 绿 on that page and in the light facet of the project list. Each step saves a
screenshot under tests/artifacts/browser/."""

from __future__ import annotations

import pytest
from test_browser import chrome, css, css_all, server, shot, wait  # noqa: F401 (fixtures)
from test_browser_accounts import codes_of, log_in, submit

PERIOD = "2026-11"
EDITOR_PASSWORD = "Gyantse-editor-2026"


def light_of(driver, code: str) -> str | None:
    """The light the page's lights list shows for a project (None: not listed)."""
    for row in css_all(driver, "table.lights tbody tr"):
        if row.find_element("css selector", "td.code").text == code:
            return row.find_element("css selector", ".light").text
    return None


@pytest.mark.usefixtures("server")
def test_the_progress_page_shows_rates_and_lights_and_a_report_turns_a_light_green(server, chrome):  # noqa: F811
    base, cli = server
    driver = chrome
    added = cli(
        "users",
        "add",
        "江孜县填报员",
        "--role",
        "editor",
        "--county",
        "江孜",
        "--password-stdin",
        input=EDITOR_PASSWORD + "\n",
    )
    assert added.exit_code == 0, added.output
    lights = {row["code"]: row for row in cli.json("report", "lights", "--period", PERIOD)}
    # a 江孜 project whose only reason for its light is that it has not reported
    code = next(
        c for c in codes_of(cli, "江孜") if lights[c]["light"] == "黄" and lights[c]["reasons"].startswith("未填报")
    )

    driver.get(base + f"/progress?period={PERIOD}")
    assert css(driver, "h1").text.startswith(f"{PERIOD} 调度")
    for by in ("county", "sector", "plan"):
        section = css(driver, f"section.rates[data-by='{by}']")
        assert section.find_elements("css selector", "svg"), f"the {by} chart"
        rows = section.find_elements("css selector", "table.rates tbody tr")
        assert len(rows) >= 2 and rows[-1].text.startswith("合计")
    county_rates = {
        row["group_label"]: row for row in cli.json("report", "summary", "--period", PERIOD, "--by", "county")
    }
    total = css(driver, "section.rates[data-by='county'] tr.total").text
    assert str(county_rates["合计"]["projects"]) in total
    assert light_of(driver, code) == "黄"
    shot(driver, "progress-01-rates-and-lights")

    css(driver, "ul.pills a[href$='light=green#lights']").click()
    wait(driver, lambda d: "light=green" in d.current_url)
    assert light_of(driver, code) is None and all(cell.text == "绿" for cell in css_all(driver, "table.lights .light"))
    shot(driver, "progress-02-green-lights")

    log_in(driver, base, "江孜县填报员", EDITOR_PASSWORD)
    driver.get(base + f"/projects/{code}/edit")
    submit(driver, "report-form", period=PERIOD, invest_period="30", invest_cumulative="30", progress="基础施工")
    shot(driver, "progress-03-report-recorded")

    driver.get(base + "/progress")  # the latest period with reports is now the default
    wait(driver, lambda d: css(d, "h1").text.startswith(f"{PERIOD} 调度"))
    css(driver, f"form.report-form a[href='/progress?period={PERIOD}']").click()  # choose it among the reported
    wait(driver, lambda d: d.current_url.endswith(f"period={PERIOD}"))
    assert light_of(driver, code) is None, "no longer among the red and yellow lights"
    css(driver, "ul.pills a[href$='light=green#lights']").click()
    wait(driver, lambda d: "light=green" in d.current_url)
    assert light_of(driver, code) == "绿"
    shot(driver, "progress-04-light-turned-green")

    driver.get(base + "/projects?county=江孜")  # the light facet of the list, loaded by htmx
    green = wait(driver, lambda d: css_all(d, "details[data-facet='light'] a[data-value='green']"))[0]
    in_jiangzi = {p["code"] for p in cli.json("projects", "list", "--county", "江孜")}
    expected = {row["code"] for row in cli.json("report", "lights", "--period", PERIOD, "--light", "green")}
    green.click()
    wait(driver, lambda d: "light=green" in d.current_url and css_all(d, "details[data-facet='light'] li.on"))
    listed = {cell.text for cell in css_all(driver, "table.projects td.code")}
    assert code in listed and listed == expected & in_jiangzi
    assert css(driver, "details[data-facet='light'] li.on").text.startswith("绿")
    shot(driver, "progress-05-list-light-facet")
