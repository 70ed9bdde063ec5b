"""Names as people write them: pinyin, romanised names, traditional and full-width characters,
lists; sorting; options that used to match nothing without a word. Both engines."""

from __future__ import annotations

import json

import pytest
from conftest import Cli

from portfolio import vocab


@pytest.fixture(scope="module")
def reader(databases) -> Cli:
    """One seeded database for the read-only tests of this module."""
    return Cli(databases.seeded())


def codes(rows) -> list[str]:
    return [row["code"] for row in rows]


def county_codes(cli: Cli, *args: str) -> list[str]:
    return codes(cli.json("projects", "list", "--plan", "chamdo-14-housing", *args))


@pytest.mark.parametrize(
    "spelling",
    [
        "芒康",
        "芒康县",
        "mangkang",
        "Mángkāng",
        "mang kang",
        "mang2kang1",
        "Mangkang Xian",
        "MANGKANG",
        "Markam",
        "540328",
        "芒康縣",
    ],
)
def test_a_county_however_it_is_written(reader, spelling):
    assert county_codes(reader, "--county", spelling) == county_codes(reader, "--county", "芒康县")


@pytest.mark.parametrize(
    ("spelling", "name"),
    [
        ("江孜縣", "江孜县"),
        ("Gyantse", "江孜县"),
        ("城關區", "城关区"),
        ("Lhatse", "拉孜县"),
        ("Zhag'yab", "察雅县"),
        ("Qüxü", "曲水县"),
        ("Doilungdêqên", "堆龙德庆区"),
    ],
)
def test_traditional_and_romanised_names(reader, spelling, name):
    rows = reader.json("projects", "list", "--county", spelling)
    assert rows and all(name in row["counties_label"] for row in rows)


@pytest.mark.parametrize("spelling", ["changdu", "changdou", "Chamdo", "Qamdo"])
def test_every_reading_of_a_multi_reading_character(reader, spelling):
    result = reader("projects", "list", "--county", spelling, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert "昌都 is a prefecture" not in result.stderr  # the note names what was typed
    assert f"{spelling} is a prefecture: taken as everything in 昌都市" in result.stderr


def test_a_prefecture_given_as_a_county_means_everything_in_it(reader):
    result = reader("projects", "list", "--county", "昌都", "--format", "json")
    assert result.exit_code == 0
    assert "--county 昌都未明确" in result.stderr
    everything = codes(reader.json("projects", "list", "--prefecture", "昌都"))
    assert codes(json.loads(result.stdout)) == everything
    own = reader.json("projects", "list", "--county", "昌都未明确")
    assert own and len(own) < len(everything)
    assert all("昌都市·未明确县(区)" in row["counties_label"] for row in own)


@pytest.mark.parametrize("prefecture", ["拉薩", "Lhasa", "lasa"])
def test_prefecture_spellings(reader, prefecture):
    assert codes(reader.json("projects", "list", "--prefecture", prefecture)) == codes(
        reader.json("projects", "list", "--prefecture", "拉萨")
    )


def test_lists_with_commas_or_enumeration_commas(reader):
    both = set(county_codes(reader, "--county", "芒康", "--county", "江达"))
    assert set(county_codes(reader, "--county", "芒康,江达")) == both
    assert set(county_codes(reader, "--county", "芒康、江达")) == both
    assert set(county_codes(reader, "--county", "芒康，江达")) == both


def test_full_width_codes_and_dates(cli):
    shown = cli.json("projects", "show", "ＣＤ１４－０５－００９")
    assert shown["code"] == "CD14-05-009"
    result = cli("projects", "set-status", "ＣＤ１４－０５－００９", "在建", "--date", "２０２５-０４-０１")
    assert result.exit_code == 0, result.stderr
    assert "(2025-04-01)" in result.stdout


@pytest.mark.parametrize(
    ("value", "label"), [("道路", "道路桥梁"), ("医疗", "医疗卫生"), ("transport.road", "道路桥梁")]
)
def test_sector_by_prefix_or_oc4ids_code(reader, value, label):
    rows = reader.json("projects", "list", "--sector", value)
    assert rows and {row["sector_label"] for row in rows} == {label}


def test_an_oc4ids_code_covers_every_sector_filed_under_it(reader):
    rows = reader.json("projects", "list", "--sector", "waterAndWaste")
    assert {row["sector_label"] for row in rows} == {"供水", "污水处理", "垃圾处理"}


def test_an_ambiguous_sector_prefix_is_refused_with_the_choices(reader):
    result = reader("projects", "list", "--sector", "文化")
    assert result.exit_code == 2
    assert (
        result.stderr.strip() == "error: ambiguous sector '文化': could be 文化体育 (culture_sport), 文化旅游 (tourism)"
    )


def test_search_with_traditional_characters_finds_simplified_text(reader):
    simplified = codes(reader.json("projects", "search", "污水处理厂"))
    assert simplified and codes(reader.json("projects", "search", "污水處理廠")) == simplified


def test_repeated_search_options_combine(reader):
    rows = reader.json("projects", "list", "-q", "芒康", "-q", "自来水")
    assert codes(rows) == ["CD14-05-006"]
    assert len(reader.json("projects", "list", "-q", "芒康")) > 1


def test_sorting_by_name_county_status_and_sector(cli):
    cli("projects", "set-status", "CD14-05-006", "在建", "--date", "2025-04-01")
    cli("projects", "set-status", "CD14-05-001", "暂缓", "--date", "2025-04-01")
    by_name = cli.json("projects", "list", "--county", "芒康", "--sort", "name")
    assert [r["name"] for r in by_name] == sorted((r["name"] for r in by_name), key=vocab.pinyin_sort_key)
    assert [r["name"] for r in by_name] != sorted(r["name"] for r in by_name)  # code point order differs
    by_county = cli.json("projects", "list", "--plan", "chamdo-14-housing", "--sort", "county", "--limit", "30")
    keys = [vocab.pinyin_sort_key("、".join(r["counties_label"])) for r in by_county]
    assert keys == sorted(keys) and len(by_county) == 30
    by_status = cli.json("projects", "list", "--plan", "chamdo-14-housing", "--sort", "status")
    order = [status.code for status in vocab.Status]
    ranks = [order.index(r["status"]) for r in by_status]
    assert ranks == sorted(ranks) and {"谋划", "在建", "暂缓"} <= {r["status_label"] for r in by_status}
    by_sector = cli.json("projects", "list", "--plan", "chamdo-14-housing", "--sort", "sector")
    labels = list(dict.fromkeys(r["sector_label"] for r in by_sector))
    assert labels == sorted(labels, key=vocab.pinyin_sort_key)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("projects", "list", "--column", "99"),
            "error: no such 专栏 of projects: 99 in any plan; see `portfolio columns`",
        ),
        (
            ("projects", "list", "--plan", "chamdo-14-housing", "--column", "30"),
            "error: no such 专栏 of projects: 30 in chamdo-14-housing; its 专栏 of projects: 2–11",
        ),
        (
            ("projects", "list", "--plan", "lhasa-15-fyp", "--column", "1"),
            "error: 专栏 1 of lhasa-15-fyp lists places, not projects; see `portfolio places`",
        ),
        (
            ("summary", "--by", "county", "--then", "county"),
            "error: --then county is the same as --by: give a different second dimension "
            "(county, prefecture, sector, plan, status, kind or column)",
        ),
        (
            ("projects", "list", "--prefecture", ""),
            "error: --prefecture needs a value: a prefecture such as 拉萨, 日喀则 or 昌都",
        ),
        (("projects", "list", "--county", " "), "error: --county needs a value (an empty one was given)"),
    ],
)
def test_options_that_would_match_nothing_say_so(reader, args, message):
    result = reader(*args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_every_romanised_alias_names_one_division():
    from portfolio import seeding
    from portfolio.paths import seeds_dir

    bundle, errors = seeding.read_seeds(seeds_dir())
    assert errors == []
    places = vocab.Gazetteer.of_divisions(bundle.divisions)
    for division in bundle.divisions:
        for alias in division.aliases.split("|"):
            if not alias or vocab.has_chinese(alias):
                continue
            assert places.resolve(alias).code == division.code, alias
        assert vocab.simplified(division.name) == division.name
