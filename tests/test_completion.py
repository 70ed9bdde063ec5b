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


def test_completion_never_creates_or_migrates_a_database(tmp_path, empty_url):
    from portfolio import db

    missing = tmp_path / "never.db"
    assert _options._complete_from_database("county")(FakeContext(str(missing)), "芒") == []
    assert not missing.exists()
    assert _options._complete_from_database("plan")(FakeContext(empty_url), "") == []
    engine = db.make_engine(empty_url)
    assert db.current_revision(engine) is None  # still empty: completion did not migrate or seed it
    engine.dispose()
