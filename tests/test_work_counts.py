"""Counts of works add up: for every dimension where a work has one value, the rows of a summary or
facet sum to its 合计, and each row is what an independent count of the works gives.

The expected counts are worked out here from the projects' own rows (their counties, parts and
other listings), by the rule of seeds/FORMAT.md ("Counting works"), not from the counting code.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import pytest
import sqlalchemy as sa

from portfolio import db, queries
from portfolio.models import Division
from portfolio.reports import lights, periods

JIANGZI = "540222"
SINGLE_VALUED = ("sector", "status", "kind", "level")
FILTERS = {
    "everything": queries.ProjectFilter(),
    "江孜": queries.ProjectFilter(division_codes=[JIANGZI]),
    "江孜 and 芒康": queries.ProjectFilter(division_codes=[JIANGZI, "540328"]),
    "日喀则 plan": queries.ProjectFilter(plan_keys=["shigatse-14-fyp"]),
    "日喀则 专栏3": queries.ProjectFilter(plan_keys=["shigatse-14-fyp"], column=3),
    "江孜 专栏3": queries.ProjectFilter(division_codes=[JIANGZI], plan_keys=["shigatse-14-fyp"], column=3),
    "在建": queries.ProjectFilter(statuses=["在建"]),
    "谋划 in 江孜": queries.ProjectFilter(statuses=["谋划"], division_codes=[JIANGZI]),
    "programmes": queries.ProjectFilter(kinds=["programme"]),
    "projects in 江孜": queries.ProjectFilter(kinds=["project"], division_codes=[JIANGZI]),
    "roads": queries.ProjectFilter(sectors=["roads"]),
    "市级": queries.ProjectFilter(levels=["市级"]),
    "top tier": queries.ProjectFilter(tier="top"),
    "leaf tier in 昌都 housing": queries.ProjectFilter(tier="leaf", plan_keys=["chamdo-14-housing"]),
    "search 建设": queries.ProjectFilter(search="建设"),
    "lhasa plan": queries.ProjectFilter(plan_keys=["lhasa-15-fyp"]),
}


@pytest.fixture
def changed(cli):
    """The new user's database: a part set 在建 while its programme stays 谋划, and the second
    listing of a work (RKZ14-03-019, primary RKZ14-07-037) set 前期 while its primary stays 谋划."""
    for code, status in (("RKZ14-03-046", "在建"), ("RKZ14-03-019", "前期")):
        assert cli("projects", "set-status", code, status, "--date", "2026-04-01").exit_code == 0
    return cli


def _values(row) -> dict[str, str]:
    return {
        "sector": row.sector,
        "status": row.status_label,
        "kind": row.kind,
        "level": row.level_label,
        "plan": row.plan,
        "column": str(row.column),
    }


def _expected_works(session, flt: queries.ProjectFilter) -> dict[str, dict[str, set[str]]]:
    """{work (its primary's code): {dimension: its values}} for the works the filter matches."""
    every = {row.code: row for row in queries.list_projects(session, queries.ProjectFilter())}

    def below(code: str) -> set[str]:
        return {part for kid in every[code].parts for part in {kid} | below(kid)}

    def work_of(code: str) -> str:
        return every[code].same_work_primary[0] if every[code].same_work_primary else code

    covered: dict[str, set[str]] = {}
    for code in every:
        covered.setdefault(work_of(code), set()).update(c for item in below(code) for c in every[item].counties)
    single = queries.ProjectFilter(sectors=flt.sectors, statuses=flt.statuses, kinds=flt.kinds, levels=flt.levels)
    primaries_meeting = {row.code for row in queries.list_projects(session, single)}  # a work's values: its primary's
    prefecture = {
        code: parent if level in ("county", "zone") else code
        for code, parent, level in session.execute(sa.select(Division.code, Division.parent_code, Division.level))
    }
    works: dict[str, dict[str, set[str]]] = {}
    for row in queries.list_projects(session, flt):
        work = work_of(row.code)
        places = set(row.counties) & set(flt.division_codes) if flt.division_codes else set(row.counties)
        places -= covered.get(work, set())
        if work not in primaries_meeting or not places:
            continue
        found = works.setdefault(work, {"county": set(), "prefecture": set(), "plan": set(), "column": set()})
        found["county"] |= places
        found["prefecture"] |= {prefecture[county] for county in places}
        found["plan"].add(row.plan)
        found["column"].add(str(row.column))
    for work, found in works.items():
        found.update({name: {value} for name, value in _values(every[work]).items() if name in SINGLE_VALUED})
    return works


def _expected_rows(works, name: str) -> dict[str, int]:
    return dict(Counter(value for found in works.values() for value in found[name]))


@pytest.mark.parametrize("label", list(FILTERS))
def test_every_summary_and_facet_counts_the_works_and_adds_up(changed, engine_of, label):
    flt = FILTERS[label]
    with db.session_scope(engine_of(changed.url)) as session:
        works = _expected_works(session, flt)
        total = queries.summary_total(session, flt)
        assert total == len(works) == queries.count_projects(session, flt, count="works")
        for name in queries.DIMENSIONS:
            if name == "column" and len(flt.plan_keys) != 1:
                continue
            rows = queries.summary(session, flt, name)
            expected = _expected_rows(works, name)
            assert sorted(n for *_, n in rows) == sorted(expected.values()), name
            if name in SINGLE_VALUED or all(len(found[name]) == 1 for found in works.values()):
                assert sum(n for *_, n in rows) == total, name
            else:  # a work in two counties, or listed in two 专栏, is a row of each: never fewer than the works
                assert sum(n for *_, n in rows) >= total, name
        for name in queries.FACETS:
            if name == "column" and len(flt.plan_keys) != 1:
                continue
            facet = {value.value: value.count for value in queries.facet(session, flt, name)}
            assert facet == _expected_rows(works, name), name


def test_the_new_users_reproduction_adds_up(changed):
    """谋划 35 and 在建 1 make the 36 works of 江孜: the part in 江孜 counts there, with its status,
    and its programme does not."""
    by_status = {row["status"]: row["count"] for row in changed.json("summary", "--by", "status", "--county", "江孜")}
    by_kind = {row["kind"]: row["count"] for row in changed.json("summary", "--by", "kind", "--county", "江孜")}
    total = changed.json("summary", "--by", "county", "--county", "江孜")  # one county: its works
    works = [row["code"] for row in changed.json("projects", "list", "--county", "江孜")]
    assert by_status["在建"] == 1
    assert sum(by_status.values()) == sum(by_kind.values()) == total[0]["count"]
    assert "RKZ14-03-008" in works and "RKZ14-03-046" in works  # both listed, one work counted
    narrowed = changed.json("summary", "--county", "江孜", "--status", "谋划")
    assert narrowed[0]["count"] == by_status["谋划"]  # a row counts what filtering by its value counts
    sums = {name: sum(row["count"] for row in changed.json("summary", "--by", name)) for name in SINGLE_VALUED[:3]}
    assert len(set(sums.values())) == 1, sums  # every single-valued dimension splits the same works


@pytest.mark.parametrize("label", ["everything", "江孜", "日喀则 plan", "江孜 专栏3"])
def test_the_light_facet_adds_up(changed, engine_of, label):
    """Each tracked work has one light (红, 黄 or 绿): the light facet's three counts make the works
    of the tracked projects of the view."""
    for code, month in (("RKZ14-03-008", "2026-01"), ("RKZ14-03-013", "2026-03")):
        assert changed("projects", "set", code, "--planned-start", month).exit_code == 0
    flt = FILTERS[label]
    with db.session_scope(engine_of(changed.url)) as session:
        groups = lights.light_groups(session, periods.Period.parse("2026-11"), flt)
        tracked = frozenset().union(*(groups[code] for code in ("red", "yellow", "green")))
        counts = {
            code: queries.count_projects(session, replace(flt, project_ids=frozenset(groups[code])), count="works")
            for code in ("red", "yellow", "green")
        }
        total = queries.count_projects(session, replace(flt, project_ids=tracked), count="works")
    assert counts["red"] >= 1  # RKZ14-03-013, not started eight months after its planned start
    assert sum(counts.values()) == total


def test_the_web_facets_and_reports_add_up_in_jiangzi(changed):
    """/projects?county=540222: the status, kind, sector and level facets and the light facet add up
    to the works the list counts; /reports by county then status gives the same 合计."""
    from fastapi.testclient import TestClient
    from test_web import facet_counts

    from portfolio.web.app import create_app

    assert changed("projects", "set", "RKZ14-03-013", "--planned-start", "2026-03").exit_code == 0
    with TestClient(create_app(changed.url)) as web:
        html = web.get("/projects", params={"county": JIANGZI}).text
        works = int(re.search(r'<strong class="works">([\d,]+)</strong>', html).group(1).replace(",", ""))
        assert facet_counts(html, "status") == {"谋划": works - 1, "在建": 1}
        for name in SINGLE_VALUED:
            assert sum(facet_counts(html, name).values()) == works, name
        light = web.get("/projects/facets/light", params={"county": JIANGZI, "period": "2026-11"}).text
        shown = dict(re.findall(r'data-value="(\w+)">[^<]*</a> <span class="count">([\d,]+)</span>', light))
        assert int(shown["red"]) >= 1 and sum(int(shown[code]) for code in ("red", "yellow", "green")) == works
        pivot = web.get("/api/summary", params={"county": JIANGZI, "by": "county", "then": "status"}).json()
        assert sum(row["谋划"] + row["在建"] for row in pivot) == works
