"""Counties that share a name stay apart in every summary and in the rates by office."""

from __future__ import annotations

import pytest
from seedkit import make_seed_dir

# A second 城关区, in 昌都市 (拉萨市 has the real one, 540102).
SECOND_CHENGGUAN = "540399,城关区,county,540300,城关,,no,a test county sharing the name of 拉萨市城关区\n"

PLAN = """\
plan:
  key: dup-plan
  code_prefix: DP
  title: 同名县区测试规划
  issuer: 测试单位
  region: 昌都市
  period: [2021, 2025]
  issued: 2021-06-01
  document_kind: 专项规划
  source: test.txt
columns:
  - number: 2
    title: 供水工程
    kind: projects
    line: 10
    sector: water_supply
    groups:
      - label: 昌都城关区
        line: 11
        county: 城关区
        items:
          - {code: DP-02-001, name: 城关区第一水厂, line: 11}
          - {code: DP-02-002, name: 城关区第二水厂, line: 11}
      - label: 拉萨城关区
        line: 12
        county: 拉萨市城关区
        items:
          - {code: DP-02-003, name: 拉萨城关区供水管网, line: 12}
  - number: 3
    title: 污水工程
    kind: projects
    line: 20
    sector: sewage
    groups:
      - label: 拉萨城关区
        line: 21
        county: 拉萨市城关区
        items:
          - {code: DP-03-001, name: 拉萨城关区污水厂, line: 21}
          - {code: DP-03-002, name: 拉萨城关区污水管网, line: 21}
"""

LHASA, CHAMDO = "城关区(拉萨市)", "城关区(昌都市)"


@pytest.fixture
def same_names(cli, tmp_path):
    """Only the test plan, so every count below is this plan's."""
    seeds = make_seed_dir(tmp_path, PLAN, name="dup-plan.yaml")
    with open(seeds / "divisions.csv", "a", encoding="utf-8") as divisions:
        divisions.write(SECOND_CHENGGUAN)
    result = cli("seed", "load", str(seeds), "--prune")
    assert result.exit_code == 0, result.output
    return cli


def test_county_then_sector_keeps_two_counties_of_one_name_apart(same_names):
    rows = same_names.json("summary", "--by", "county", "--then", "sector", "--plan", "dup-plan")
    by_county = {row.pop("county"): row for row in rows}
    assert set(by_county) == {LHASA, CHAMDO}
    assert by_county[CHAMDO] == {"供水": 2, "污水处理": 0, "total": 2}
    assert by_county[LHASA] == {"供水": 1, "污水处理": 2, "total": 3}
    for row in by_county.values():
        assert sum(v for k, v in row.items() if k != "total") == row["total"]


@pytest.mark.parametrize("then", ["sector", "status", "kind", "plan", "column"])
def test_every_county_pivot_adds_up(same_names, then):
    rows = same_names.json("summary", "--by", "county", "--then", then, "--plan", "dup-plan", "--count", "listings")
    assert {row["county"] for row in rows} == {LHASA, CHAMDO}
    for row in rows:
        cells = [v for k, v in row.items() if k not in ("county", "total")]
        assert sum(cells) == row["total"]


def test_sector_then_county_has_a_column_per_county(same_names):
    rows = same_names.json("summary", "--by", "sector", "--then", "county", "--plan", "dup-plan")
    assert {row["sector"]: {LHASA: row[LHASA], CHAMDO: row[CHAMDO]} for row in rows} == {
        "供水": {LHASA: 1, CHAMDO: 2},
        "污水处理": {LHASA: 2, CHAMDO: 0},
    }


def test_prefecture_summary_is_unchanged(same_names):
    rows = same_names.json("summary", "--by", "prefecture", "--plan", "dup-plan")
    assert rows == [{"prefecture": "拉萨市", "count": 3}, {"prefecture": "昌都市", "count": 2}]


def test_rates_by_office_keep_them_apart(same_names):
    rates = {
        row["group_label"]: row["projects"]
        for row in same_names.json("report", "summary", "--period", "2026-11", "--by", "county")
    }
    assert rates[LHASA] == 3 and rates[CHAMDO] == 2 and rates["合计"] == 5
