"""The curated seeds against the source texts in ../shared/sources (skipped where absent)."""

from __future__ import annotations

import pytest
from conftest import SOURCES

from portfolio import seeding
from portfolio.paths import seeds_dir

# The 专栏 each plan must have in the seeds (from ../shared/sources/README.md).
EXPECTED_COLUMNS = {
    "chamdo-14-housing": set(range(2, 12)),
    "shigatse-14-fyp": {3, *range(4, 14)},
    "lhasa-15-fyp": set(range(1, 24)),
}

pytestmark = pytest.mark.skipif(not SOURCES.is_dir(), reason=f"source texts not found at {SOURCES}")


@pytest.fixture(scope="module")
def bundle():
    bundle, errors = seeding.read_seeds(seeds_dir())
    assert errors == []
    return bundle


def _lines(source_file: str) -> list[str]:
    text = (SOURCES / source_file).read_text(encoding="utf-8")
    return [line.replace("**", "") for line in text.split("\n")]


def _place_names(bundle) -> list[str]:
    names = set()
    for division in bundle.divisions:
        names.update(n for n in (division.name, division.short_name, *division.aliases.split("|")) if n)
    return sorted(names, key=len, reverse=True)


def _distinctive(name: str, place_names: list[str]) -> str:
    """The name without the county or city the curator may have put in front."""
    for place in place_names:
        if name.startswith(place) and len(name) > len(place) + 1:
            return name[len(place) :]
    return name


def _longest_common_run(a: str, b: str) -> int:
    best = 0
    previous = [0] * (len(b) + 1)
    for char in a:
        current = [0] * (len(b) + 1)
        for j, other in enumerate(b, start=1):
            if char == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def test_every_item_is_on_its_provenance_line(bundle):
    plans = {p.key: p for p in bundle.plans}
    place_names = _place_names(bundle)
    problems = []
    cache: dict[str, list[str]] = {}
    for item in [*bundle.projects, *bundle.places]:
        plan = plans[item.plan_key]
        lines = cache.setdefault(plan.source_file, _lines(plan.source_file))
        code = getattr(item, "code", item.name)
        if not 1 <= item.source_line <= len(lines):
            problems.append(f"{code}: line {item.source_line} is outside {plan.source_file}")
            continue
        core = _distinctive(item.name, place_names)
        line = lines[item.source_line - 1]
        if _longest_common_run(core, line) < min(4, len(core)):
            problems.append(f"{code} {item.name}: not on {plan.source_file}:{item.source_line}")
    assert problems == []


def test_every_column_of_the_plans_has_items(bundle):
    filled = {(p.plan_key, p.column_number) for p in bundle.projects}
    filled |= {(p.plan_key, p.column_number) for p in bundle.places}
    for plan in bundle.plans:
        expected = EXPECTED_COLUMNS.get(plan.key, set())
        assert {c.number for c in plan.columns} >= expected, plan.key
        empty = sorted(n for n in expected if (plan.key, n) not in filled)
        assert empty == [], f"{plan.key}: 专栏 {empty} have no items"


def test_column_headings_are_on_their_lines(bundle):
    for plan in bundle.plans:
        lines = _lines(plan.source_file)
        for column in plan.columns:
            assert "专栏" in lines[column.source_line - 1], (plan.key, column.number)


def test_indicators_are_on_their_lines(bundle):
    plans = {p.key: p for p in bundle.plans}
    problems = []
    for indicator in bundle.indicators:
        lines = _lines(plans[indicator.plan_key].source_file)
        line = lines[indicator.source_line - 1] if 1 <= indicator.source_line <= len(lines) else ""
        if _longest_common_run(indicator.name, line) < min(4, len(indicator.name)):
            problems.append(f"{indicator.code} {indicator.name}: line {indicator.source_line}")
    assert problems == []
