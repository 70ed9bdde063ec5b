"""End-to-end journeys in a real browser: Debian's Chromium driven by Selenium against
`portfolio serve` started on a free loopback port. Each step saves a screenshot under
tests/artifacts/browser/ and asserts on what the page shows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import Cli, DatabaseFactory, browser_binaries
from serverkit import serving

ARTIFACTS = Path(__file__).parent / "artifacts" / "browser"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`portfolio serve` on a seeded SQLite database, stopped at the end of the module."""
    browser_binaries()
    url = DatabaseFactory("sqlite", tmp_path_factory.mktemp("browser")).seeded()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serving(url, log) as base:
        port = base.rsplit(":", 1)[1]
        assert f"http://localhost:{port}/" in log.read_text(), "serve prints the URL it listens on"
        yield base, Cli(url)


@pytest.fixture(scope="module")
def chrome(server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = browser_binaries()
    downloads = ARTIFACTS / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for old in downloads.iterdir():
        old.unlink()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--lang=zh-CN",
        "--disable-gpu",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(0)
    driver.downloads = downloads
    yield driver
    driver.quit()


def shot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    return path


def wait(driver, condition, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(condition)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def css_all(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def shown_total(driver) -> int:
    return int(driver.execute_script("return document.querySelector('#results .total').textContent").replace(",", ""))


def assert_only_own_host(driver, base: str) -> None:
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(name.startswith(base) for name in resources), resources
    problems = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert problems == [], problems


def test_browse_facet_search_open_and_download(server, chrome):
    base, cli = server
    driver = chrome

    driver.get(base + "/")
    assert css(driver, "h1").text == "规划项目库"
    plans = cli.json("plans")
    assert len(css_all(driver, "table.data tbody tr")) == len(plans)
    assert plans[0]["title"] in driver.page_source
    assert_only_own_host(driver, base)
    shot(driver, "01-home")

    css(driver, "header nav a[href='/projects']").click()
    wait(driver, lambda d: d.current_url.endswith("/projects"))
    everything = len(cli.json("projects", "list"))
    assert shown_total(driver) == everything
    shot(driver, "02-projects")

    css(driver, "details[data-facet='county'] a[data-value='540328']").click()  # 芒康县, through htmx
    in_county = cli.json("projects", "list", "--county", "540328")
    wait(driver, lambda d: "county=540328" in d.current_url and shown_total(d) == len(in_county))
    assert css(driver, "details[data-facet='county'] li.on").text.startswith("芒康县")
    shot(driver, "03-county-芒康县")

    css(driver, "details[data-facet='sector'] a[data-value='water_supply']").click()
    both = cli.json("projects", "list", "--county", "540328", "--sector", "water_supply")
    wait(driver, lambda d: "sector=water_supply" in d.current_url and shown_total(d) == len(both))
    rows = css_all(driver, "table.projects tbody tr")
    assert [row.find_element("css selector", "td.code").text for row in rows] == [p["code"] for p in both]
    assert all("芒康县" in row.text and "供水" in row.text for row in rows)
    shot(driver, "04-county-and-sector")

    box = css(driver, "#q")  # the search box of the swapped fragment searches within the facets chosen
    box.send_keys("水厂")
    box.submit()
    within = cli.json("projects", "list", "--county", "540328", "--sector", "water_supply", "--search", "水厂")
    wait(driver, lambda d: "q=" in d.current_url and "county=540328" in d.current_url and shown_total(d) == len(within))

    driver.get(base + "/projects")
    box = css(driver, "#q")
    box.send_keys("污水处理厂")
    box.submit()
    found = cli.json("projects", "search", "污水处理厂")
    wait(driver, lambda d: "q=" in d.current_url and shown_total(d) == len(found))
    names = [cell.text for cell in css_all(driver, "table.projects td.name a")]
    assert names and all("污水处理厂" in name for name in names)
    assert_only_own_host(driver, base)
    shot(driver, "05-search-污水处理厂")

    first = found[0]
    css(driver, "table.projects td.name a").click()
    wait(driver, lambda d: d.current_url.endswith("/projects/" + first["code"]))
    assert css(driver, "h1.project-name").text == first["name"]
    page = driver.page_source
    assert "出处" in page and "全部记录" in page and first["plan"] in page
    shot(driver, "06-project")

    driver.back()
    wait(driver, lambda d: "q=" in d.current_url and css_all(d, "a[href^='/projects/export.csv']"))
    css(driver, "a[href^='/projects/export.csv']").click()
    downloaded = wait(driver, lambda d: [f for f in d.downloads.glob("*.csv")], seconds=60)[0]
    with downloaded.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["code"] for row in rows] == [p["code"] for p in found]
    shot(driver, "07-download")


def test_the_project_list_on_a_phone(server, chrome):
    base, cli = server
    driver = chrome
    driver.set_window_size(412, 915)
    try:
        driver.get(base + "/projects?prefecture=" + "日喀则")
        in_prefecture = cli.json("projects", "list", "--prefecture", "日喀则")
        assert shown_total(driver) == len(in_prefecture)
        width = driver.execute_script("return document.documentElement.scrollWidth")
        assert width <= 440, f"the page is {width}px wide on a 412px screen"
        facets = css_all(driver, "details.facet")
        assert facets and not any(d.get_attribute("open") for d in facets), "facets start folded on a phone"
        assert css(driver, "table.projects").is_displayed()
        shot(driver, "08-phone")
    finally:
        driver.set_window_size(1400, 1000)
