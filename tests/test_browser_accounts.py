"""The editor's journey in Chromium (as tests/test_browser.py): an admin creates an editor for 江孜;
the editor logs in, records 在建 for one project and a progress report for two, cannot open the
edit form of a 芒康 project, and logs out; the admin's audit page lists those writes with the
editor's name. Each step saves a screenshot under tests/artifacts/browser/."""

from __future__ import annotations

import pytest
from test_browser import chrome, css, server, shot, wait  # noqa: F401 (fixtures)

ADMIN_PASSWORD = "Lhasa-admin-2026"
EDITOR_PASSWORD = "Gyantse-editor-2026"


def codes_of(cli, county: str) -> list[str]:
    """Projects lying in this county alone (its office's own), still reported on."""
    return [
        p["code"]
        for p in cli.json("projects", "list", "--county", county)
        if p["counties_label"] in ([f"{county}县"], [f"{county}区"]) and p["status_label"] not in ("建成", "取消")
    ]


def log_in(driver, base: str, name: str, password: str) -> None:
    driver.get(base + "/login")
    css(driver, "input[name='name']").send_keys(name)
    css(driver, "input[name='password']").send_keys(password)
    css(driver, "form.login button").click()
    wait(driver, lambda d: css(d, "#me").text == name)


def log_out(driver) -> None:
    css(driver, "#logout").click()
    wait(driver, lambda d: d.find_elements("css selector", "#login-link"))


def submit(driver, form: str, **values) -> None:
    for name, value in values.items():
        field = css(driver, f"#{form} [name='{name}']")
        if field.tag_name == "select":
            from selenium.webdriver.support.ui import Select

            Select(field).select_by_visible_text(value)
        else:
            field.clear()
            field.send_keys(value)
    css(driver, f"#{form} button[type='submit']").click()
    wait(driver, lambda d: d.find_elements("css selector", "#saved"))


@pytest.mark.usefixtures("server")
def test_an_editor_of_jiangzi_records_its_projects_and_the_admin_sees_it(server, chrome):  # noqa: F811
    base, cli = server
    driver = chrome
    added = cli("users", "add", "规划科", "--role", "admin", "--password-stdin", input=ADMIN_PASSWORD + "\n")
    assert added.exit_code == 0, added.output
    jiangzi, mangkang = codes_of(cli, "江孜"), codes_of(cli, "芒康")
    assert len(jiangzi) >= 2 and mangkang

    log_in(driver, base, "规划科", ADMIN_PASSWORD)
    driver.get(base + "/admin/accounts")
    for name, value in (
        ("name", "江孜县发改委"),
        ("county", "江孜"),
        ("password", EDITOR_PASSWORD),
        ("password2", EDITOR_PASSWORD),
    ):
        css(driver, f"#add-account [name='{name}']").send_keys(value)
    css(driver, "#add-account button").click()
    wait(driver, lambda d: d.find_elements("css selector", "tr[data-account='江孜县发改委']"))
    assert "江孜县" in css(driver, "tr[data-account='江孜县发改委']").text
    shot(driver, "accounts-01-admin-created-editor")
    log_out(driver)

    log_in(driver, base, "江孜县发改委", EDITOR_PASSWORD)
    shot(driver, "accounts-02-editor-logged-in")
    driver.get(base + f"/projects/{jiangzi[0]}")
    css(driver, "#edit-link").click()
    wait(driver, lambda d: d.current_url.endswith("/edit"))
    submit(driver, "status-form", status="在建", note="已开工")
    assert "在建" in css(driver, ".subtitle").text
    shot(driver, "accounts-03-status-recorded")
    for number, code in enumerate(jiangzi[:2], start=1):
        driver.get(base + f"/projects/{code}/edit")
        submit(driver, "report-form", invest_period="120", invest_cumulative="120", progress=f"主体施工{number}")
        assert f"主体施工{number}" in driver.page_source
        shot(driver, f"accounts-04-report-{number}")
    reports = cli.json("projects", "history", jiangzi[1])
    assert any("主体施工2" in (event["new"] or "") and event["actor"] == "江孜县发改委 (账户)" for event in reports)

    driver.get(base + f"/projects/{mangkang[0]}")
    assert not driver.find_elements("css selector", "#edit-link")
    driver.get(base + f"/projects/{mangkang[0]}/edit")
    assert "无权操作" in driver.page_source and mangkang[0] in driver.page_source
    shot(driver, "accounts-05-mangkang-refused")
    log_out(driver)

    log_in(driver, base, "规划科", ADMIN_PASSWORD)
    driver.get(base + "/admin/audit?account=江孜县发改委")
    rows = driver.find_elements("css selector", "table.audit tbody tr")
    assert len(rows) == 3 and all("江孜县发改委 (账户)" in row.text for row in rows)
    assert {jiangzi[0], jiangzi[1]} <= {row.find_element("css selector", "a").text for row in rows}
    shot(driver, "accounts-06-audit")
    log_out(driver)
