"""Shell completion offers the vocabularies."""

from __future__ import annotations

from portfolio.cli import _options


class FakeRoot:
    def __init__(self, database):
        self.obj = None
        self.params = {"database": database}


class FakeContext:
    def __init__(self, database):
        self.root = FakeRoot(database)

    def find_root(self):
        return self.root


def test_status_completion_in_both_languages():
    assert _options._complete_status("在") == ["在建"]
    assert "implementation" in _options._complete_status("imp")


def test_county_sector_and_plan_completion_from_the_database(seeded_url):
    context = FakeContext(seeded_url)
    assert "芒康县" in _options._complete_from_database("county")(context, "芒")
    assert "water_supply" in _options._complete_from_database("sector")(context, "water")
    assert "lhasa-15-fyp" in _options._complete_from_database("plan")(context, "lhasa")
