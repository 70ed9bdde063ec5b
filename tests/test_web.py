"""The web front end through FastAPI's test client, on SQLite and PostgreSQL: every page and API
route, the same rows and counts as the CLI, downloads that parse, errors as pages, escaping."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from seedkit import make_seed_dir

PAGES = [
    "/",
    "/projects",
    "/projects?county=芒康&sector=供水",
    "/projects?q=污水处理厂",
    "/projects?light=unreported&period=2026-11&county=芒康",
    "/projects/CD14-05-006",
    "/reports",
    "/reports?by=status&then=",
    "/reports?by=plan&then=status",
    "/counties",
    "/counties?prefecture=拉萨",
    "/plans",
    "/columns",
    "/columns?plan=lhasa-15-fyp",
    "/sectors",
    "/indicators",
    "/indicators?plan=shigatse-14-fyp",
    "/places",
    "/api/docs",
]
CODE = re.compile(r'<td class="code"><a href="/projects/([^"]+)"')


def codes_on(html: str) -> list[str]:
    return CODE.findall(html)


def facet_counts(html: str, name: str) -> dict[str, int]:
    """value -> count of one facet as the page shows it."""
    block = html.split(f'data-facet="{name}"', 1)[1].split("</details>", 1)[0]
    return {
        value: int(count.replace(",", ""))
        for value, count in re.findall(r'data-value="([^"]+)">[^<]*</a> <span class="count">([\d,]+)</span>', block)
    }


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_chinese_without_outside_assets(web, path):
    response = web.get(path)
    assert response.status_code == 200, response.text[:500]
    html = response.text
    assert '<html lang="zh-CN">' in html or "swagger-ui" in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "a page may load nothing from another host"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_home_lists_the_plans_with_their_counts(web):
    html = web.get("/").text
    plans = web.cli.json("plans")
    for plan in plans:
        assert plan["title"] in html
    listings = sum(row["count"] for row in web.cli.json("summary", "--by", "kind", "--count", "listings"))
    assert f'<strong class="total">{listings:,}</strong> 个条目' in html
    works = re.search(r'<strong class="works">([\d,]+)</strong> 项工程', web.get("/projects").text).group(1)
    assert f'<strong class="works">{works}</strong> 项工程' in html and 0 < int(works.replace(",", "")) < listings
    assert 'action="/projects"' in html and 'name="q"' in html


def test_list_shows_the_rows_the_cli_lists(web):
    expected = [row["code"] for row in web.cli.json("projects", "list", "--county", "芒康", "--sector", "供水")]
    html = web.get("/projects", params={"county": "芒康", "sector": "供水"}).text
    assert codes_on(html) == expected and expected
    assert f'<strong class="total">{len(expected)}</strong>' in html


def test_search_sort_and_pages_follow_the_cli(web):
    expected = [row["code"] for row in web.cli.json("projects", "search", "污水处理厂")]
    first = web.get("/projects", params={"q": "污水处理厂"}).text
    assert codes_on(first) == expected[:50]
    by_name = [row["code"] for row in web.cli.json("projects", "list", "--sort", "name")]
    page2 = web.get("/projects", params={"sort": "name", "page": "2"}).text
    assert codes_on(page2) == by_name[50:100]
    assert 'rel="next"' in page2 and 'rel="prev"' in page2


@pytest.mark.parametrize("name", ["county", "sector", "plan", "status", "kind"])
def test_facet_counts_equal_the_cli_summary(web, name):
    summary = {row[name]: row["count"] for row in web.cli.json("summary", "--by", name, "--prefecture", "昌都")}
    facets = web.get("/api/facets", params={"prefecture": "昌都"}).json()[name]
    assert {value["label"]: value["count"] for value in facets} == summary
    shown = facet_counts(web.get("/projects", params={"prefecture": "昌都"}).text, name)
    assert shown == {value["value"]: value["count"] for value in facets}


@pytest.mark.parametrize("name", ["county", "sector", "plan", "status", "level"])
def test_facets_count_listings_when_asked_as_the_cli_does(web, name):
    if name == "level":  # not a summary dimension: each level's listings are a filtered list
        facets = web.get("/api/facets", params={"count": "listings"}).json()["level"]
        assert {v["value"]: v["count"] for v in facets} == {
            level: len(web.cli.json("projects", "list", "--level", level)) for level in ("市级", "县级")
        }
        return
    summary = {
        row[name]: row["count"]
        for row in web.cli.json("summary", "--by", name, "--prefecture", "拉萨", "--count", "listings")
    }
    facets = web.get("/api/facets", params={"prefecture": "拉萨", "count": "listings"}).json()[name]
    assert {value["label"]: value["count"] for value in facets} == summary


def test_the_list_counts_works_and_listings_like_the_cli(web):
    for plan in ("lhasa-15-fyp", "shigatse-14-fyp"):
        [works] = web.cli.json("summary", "--by", "plan", "--plan", plan)
        [listings] = web.cli.json("summary", "--by", "plan", "--plan", plan, "--count", "listings")
        html = web.get("/projects", params={"plan": plan}).text
        assert f'<strong class="total">{listings["count"]:,}</strong> 个条目' in html
        assert f'<strong class="works">{works["count"]:,}</strong> 项工程' in html
        assert works["count"] < listings["count"]  # the plan has programmes with parts or works listed twice
    html = web.get("/projects", params={"count": "listings"}).text
    assert "改为按工程计数" in html
    assert web.get("/projects", params={"count": "all"}).status_code == 400


def test_counties_are_grouped_by_prefecture_and_filter_by_code(web):
    html = web.get("/projects").text
    block = html.split('data-facet="county"', 1)[1].split("</details>", 1)[0]
    assert block.index("拉萨市") < block.index("城关区") < block.index("日喀则市") < block.index("桑珠孜区")
    mangkang = web.get("/projects", params={"county": "540328"}).text
    assert codes_on(mangkang)[:3] == [r["code"] for r in web.cli.json("projects", "list", "--county", "芒康")][:3]
    assert 'class="on"><a href="/projects?' in mangkang  # the chosen county is marked, its link removes it


def test_a_prefecture_view_marks_no_county_as_chosen(web):
    html = web.get("/projects", params={"prefecture": "日喀则"}).text
    county_block = html.split('data-facet="county"', 1)[1].split("</details>", 1)[0]
    assert 'class="on"' not in county_block and "桑珠孜区" in county_block
    assert "地市：日喀则 ✕" in html


def test_column_facet_needs_one_plan(web):
    html = web.get("/projects", params={"plan": "lhasa-15-fyp", "column": "3"}).text
    expected = [r["code"] for r in web.cli.json("projects", "list", "--plan", "lhasa-15-fyp", "--column", "3")]
    assert codes_on(html) == expected
    assert 'data-facet="column"' in html
    assert 'data-facet="column"' not in web.get("/projects").text


def test_htmx_requests_get_the_results_fragment_only(web):
    fragment = web.get("/projects", params={"county": "芒康"}, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="results"') and "<html" not in fragment.text
    assert fragment.headers["Vary"] == "HX-Request"
    assert '<input type="hidden" name="county" value="540328">' in fragment.text  # search keeps the facets
    restore = web.get(
        "/projects", params={"county": "芒康"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


def test_downloads_of_the_current_view_parse(web):
    params = {"county": "芒康", "plan": "chamdo-14-housing"}
    expected = web.cli.json("projects", "list", "--county", "芒康", "--plan", "chamdo-14-housing")
    text = web.get("/projects/export.csv", params=params)
    assert text.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8-sig"))))

    def cell(value) -> str:  # a CSV cell of docs/schema.md
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return "、".join(value) if isinstance(value, list) else str(value)

    assert [dict(r) for r in rows] == [{k: cell(v) for k, v in e.items()} for e in expected]

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(web.get("/projects/export.xlsx", params=params).content)).active
    values = list(sheet.values)
    assert values[0][:2] == ("编号", "名称") and [v[0] for v in values[1:]] == [e["code"] for e in expected]

    package = web.get("/projects/export.json", params=params).json()
    cli_package = json.loads(
        web.cli(
            "projects", "list", *(part for k, v in params.items() for part in ("--" + k, v)), "--format", "oc4ids"
        ).stdout
    )
    assert [p["id"] for p in package["projects"]] == [p["id"] for p in cli_package["projects"]]
    assert package["projects"] and package["version"] == "0.9"


def test_report_pivot_matches_the_cli_and_downloads(web):
    expected = web.cli.json("summary", "--by", "county", "--then", "sector", "--prefecture", "日喀则")
    html = web.get("/reports", params={"prefecture": "日喀则"}).text
    assert "<svg" in html and html.count("<rect") >= len(expected)
    for row in expected:
        assert f'<th scope="row">{row["county"]}</th>' in html
    api = web.get("/api/summary", params={"prefecture": "日喀则", "by": "county", "then": "sector"}).json()
    assert api == expected
    rows = list(
        csv.DictReader(
            io.StringIO(web.get("/reports/export.csv", params={"prefecture": "日喀则"}).content.decode("utf-8-sig"))
        )
    )
    assert [(r["county"], int(r["total"])) for r in rows] == [(r["county"], r["total"]) for r in expected]


def test_project_page_shows_every_field_provenance_and_history(web):
    shown = web.cli.json("projects", "show", "CD14-05-006")
    html = web.get("/projects/cd14-05-006").text
    for text in (
        shown["name"],
        shown["column_label"],
        shown["group"],
        f"第 {shown['source_line']} 行",
        shown["source_file"],
        "全部记录",
        "列入规划",
        shown["level_label"],
        shown["quote"],
    ):
        assert text in html, text
    assert all(name in html for name in shown["counties_label"])
    events = web.cli.json("projects", "history", "CD14-05-006")
    assert [f'data-event="{e["id"]}"' in html for e in events] == [True] * len(events) and events


def test_api_gives_the_cli_json(web):
    assert web.get("/api/projects", params={"county": "江孜", "limit": 1000}).json() == web.cli.json(
        "projects", "list", "--county", "江孜"
    )
    page = web.get("/api/projects", params={"limit": 5, "offset": 5, "sort": "name"})
    assert page.json() == web.cli.json("projects", "list", "--sort", "name", "--limit", "10")[5:]
    assert int(page.headers["X-Total-Count"]) == len(web.cli.json("projects", "list"))
    assert web.get("/api/projects/CD14-05-006").json() == web.cli.json("projects", "show", "CD14-05-006")
    assert web.get("/api/projects/CD14-05-006/history").json() == web.cli.json("projects", "history", "CD14-05-006")
    for name, arguments in [
        ("counties", {}),
        ("plans", {}),
        ("columns", {"plan": "shigatse-14-fyp"}),
        ("sectors", {}),
        ("indicators", {"plan": "chamdo-14-housing"}),
        ("places", {}),
    ]:
        options = [part for k, v in arguments.items() for part in ("--" + k, v)]
        assert web.get(f"/api/{name}", params=arguments).json() == web.cli.json(name, *options), name
    assert web.get("/api/summary", params={"by": "status"}).json() == web.cli.json("summary", "--by", "status")


def test_openapi_documents_the_api(web):
    spec = web.get("/api/openapi.json").json()
    documented = set(spec["paths"])
    assert {"/api/projects", "/api/projects/{code}", "/api/summary", "/api/facets", "/api/counties"} <= documented
    assert not any(path.startswith("/projects") for path in spec["paths"]), "pages are not API routes"
    assert "/static/swagger-ui/swagger-ui-bundle.js" in web.get("/api/docs").text


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/projects?county=忙康", 400, ["请求有误", "忙康", "芒康"]),
        ("/projects?status=finished", 400, ["请求有误", "finished"]),
        ("/projects?sort=size", 400, ["size", "code, name"]),
        ("/projects?page=abc", 400, ["页码"]),
        ("/projects?page=9999", 400, ["超出范围"]),
        ("/projects?column=2", 400, ["专栏"]),
        ("/reports?by=colour", 400, ["colour"]),
        ("/projects/XX99-01-001", 404, ["未找到", "XX99-01-001"]),
        ("/projects/export.pdf", 404, ["pdf"]),
        ("/no/such/page", 404, ["没有这个页面"]),
    ],
)
def test_bad_requests_get_a_chinese_error_page(web, path, status, words):
    response = web.get(path)
    assert response.status_code == status
    assert "Traceback" not in response.text and 'class="message"' in response.text
    for word in words:
        assert word in response.text, word


SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def test_every_kind_of_response_carries_the_security_headers(web, web_url):
    """Pages, errors, JSON, static files, redirects, and a server error, which Starlette answers
    outside every middleware."""
    from fastapi.testclient import TestClient

    from portfolio.web.app import PAGE_POLICY, create_app

    responses = [
        web.get(path, follow_redirects=False)
        for path in ("/", "/no/such/page", "/projects/XX99-01-001", "/api/projects?limit=1", "/static/htmx.min.js")
    ]
    responses.append(web.get("/projects/CD14-05-006/edit", follow_redirects=False))
    assert [r.status_code for r in responses] == [200, 404, 404, 200, 200, 303]

    def boom():
        raise RuntimeError("a bug")

    app = create_app(web_url)
    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        failed = client.get("/boom")
    assert failed.status_code == 500 and "服务器出错了" in failed.text and "a bug" not in failed.text
    for response in [*responses, failed]:
        assert response.headers["Content-Security-Policy"] == PAGE_POLICY, response.url
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value, (response.url, name)


def test_api_errors_are_json(web):
    response = web.get("/api/projects", params={"county": "忙康"})
    assert response.status_code == 400 and "忙康" in response.json()["error"]
    assert web.get("/api/projects/NOPE").status_code == 404
    assert web.get("/api/projects", params={"limit": 0}).status_code == 400


@pytest.mark.parametrize(
    ("request_args", "chinese", "english"),
    [
        (("get", "/api/projects", {"params": {"limit": 0}}), "limit：不能小于 1", "limit: Input should be greater"),
        (
            ("get", "/api/projects", {"params": {"limit": "x"}}),
            "limit：须为整数",
            "limit: Input should be a valid integer",
        ),
        (
            ("post", "/api/projects/CD14-05-009/reports", {"json": {"progress": "x"}}),
            "period：缺少此项",
            "period: Field required",
        ),
        (
            (
                "post",
                "/api/projects/CD14-05-009/reports",
                {"content": b"{bad", "headers": {"content-type": "application/json"}},
            ),
            "请求体：不是有效的 JSON",
            "body: JSON decode error",
        ),
        (
            ("post", "/api/projects/CD14-05-009/fields", {"json": {"current": 1}}),
            "current：不接受此项",
            "current: Extra inputs",
        ),
        (
            ("post", "/api/projects/CD14-05-009/reports", {"json": [1]}),
            "请求体：须为 JSON 对象",
            "body: Input should be",
        ),
        (
            (
                "post",
                "/api/projects/CD14-05-009/status",
                {"json": {"status": "在建", "date": "2026-13-01", "note": "x" * 1025}},
            ),
            "date：须为日期 YYYY-MM-DD；note：最多 1024 个字符",
            "date: Input should be a valid date",
        ),
    ],
)
def test_api_request_checks_read_in_chinese_with_the_english_beside(web, request_args, chinese, english):
    method, path, arguments = request_args
    response = getattr(web, method)(path, **arguments)
    assert response.status_code == 400
    assert response.json()["error"] == chinese
    assert response.json()["error_en"].startswith(english)


def test_pages_are_read_only(web):
    assert web.post("/projects").status_code == 405


HOSTILE = '<script>alert("x")</script> [bold red]富[/] {{ 7*7 }} {% raw %} \'"&'


@pytest.fixture(scope="module")
def hostile(databases, tmp_path_factory):
    """A database whose names, sub-headings and quantities carry markup of every kind."""
    from conftest import Cli
    from fastapi.testclient import TestClient
    from seedkit import SMALL_PLAN

    from portfolio.web.app import create_app

    url = databases.seeded()
    plan = (
        SMALL_PLAN.replace("芒康县测试水厂", json.dumps("芒康县" + HOSTILE, ensure_ascii=False))
        .replace("label: 多县", "label: " + json.dumps(HOSTILE, ensure_ascii=False))
        .replace("quantity: 3项", "quantity: " + json.dumps("<b>3</b>项", ensure_ascii=False))
    )
    result = Cli(url)("seed", "load", str(make_seed_dir(tmp_path_factory.mktemp("hostile"), plan)))
    assert result.exit_code == 0, result.output
    with TestClient(create_app(url)) as client:
        yield client


@pytest.mark.parametrize(
    "path",
    [
        "/projects?plan=test-plan",
        "/projects/TP-02-001",
        "/projects/TP-02-003",
        "/projects?q=script",
        "/api/projects?plan=test-plan",
    ],
)
def test_data_is_always_text(hostile, path):
    response = hostile.get(path)
    assert response.status_code == 200
    body = response.text
    if path.startswith("/api/"):  # JSON keeps the text exactly; it is served as data (nosniff)
        assert any(row["name"] == "芒康县" + HOSTILE for row in response.json())
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    else:
        assert "<script>" not in body and "<b>3</b>" not in body
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
        assert "[bold red]富[/] {{ 7*7 }} {% raw %}" in body and "49" not in body.split("{{ 7*7 }}")[0][-5:]


def test_assets_and_templates_ship_inside_the_package():
    import portfolio.web

    package = Path(portfolio.web.__file__).parent
    for name in (
        "static/htmx.min.js",
        "static/style.css",
        "static/VERSIONS",
        "static/swagger-ui/swagger-ui-bundle.js",
        "templates/base.html",
        "templates/partials/project_results.html",
    ):
        assert (package / name).is_file(), name
    assert "htmx.org          2.0.11" in (package / "static" / "VERSIONS").read_text()
    assert 'version:"2.0.11"' in (package / "static" / "htmx.min.js").read_text().replace(" ", "")


def test_serve_has_help_and_bounds(cli):
    result = cli("serve", "--help")
    assert result.exit_code == 0 and "127.0.0.1" in result.stdout and "--workers" in result.stdout
    assert cli("serve", "--port", "0").exit_code == 2
