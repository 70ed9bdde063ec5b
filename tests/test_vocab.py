"""One definition per vocabulary: the enums drive the constraints, the parsing and the OC4IDS codes."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from portfolio import models, vocab
from portfolio.errors import UserInputError

OC4IDS_CODELISTS = Path(__file__).resolve().parent / "data" / "oc4ids" / "codelists"
VOCABULARIES = [
    vocab.Status,
    vocab.BuildType,
    vocab.ProjectKind,
    vocab.ProjectLevel,
    vocab.DivisionLevel,
    vocab.ColumnKind,
    vocab.LinkRelation,
    vocab.Origin,
    vocab.IndicatorAttribute,
    vocab.DocumentKind,
    vocab.Light,
]


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda v: v.__name__)
def test_every_member_is_found_by_its_value_code_and_label(vocabulary):
    for member in vocabulary:
        for word in (member.value, member.code, member.label.upper() if member.label.isascii() else member.label):
            assert vocabulary.parse(word, "value") is member
        assert vocabulary.of(member.code) is member and vocabulary(member.value) is member
    assert len({m.code for m in vocabulary}) == len(vocabulary)


@pytest.mark.parametrize(
    ("table", "column", "vocabulary"),
    [
        ("project", "status", vocab.Status),
        ("project", "build_type", vocab.BuildType),
        ("project", "kind", vocab.ProjectKind),
        ("project", "level", vocab.ProjectLevel),
        ("status_event", "status", vocab.Status),
        ("status_event", "origin", vocab.Origin),
        ("division", "level", vocab.DivisionLevel),
        ("plan_column", "kind", vocab.ColumnKind),
        ("project_link", "relation", vocab.LinkRelation),
        ("indicator", "attribute", vocab.IndicatorAttribute),
    ],
)
def test_check_constraints_allow_exactly_the_vocabulary(table, column, vocabulary):
    checks = [
        str(c.sqltext)
        for c in models.SQLModel.metadata.tables[table].constraints
        if hasattr(c, "sqltext") and str(c.sqltext).startswith(f"{column} IN")
    ]
    assert len(checks) == 1
    assert re.findall(r"'([^']*)'", checks[0]) == list(vocabulary.values())


def _codes(name: str) -> set[str]:
    with open(OC4IDS_CODELISTS / name, encoding="utf-8") as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


def test_oc4ids_codes_are_in_the_codelists():
    assert {s.oc4ids for s in vocab.Status if s.oc4ids} <= _codes("projectStatus.csv")
    assert {b.oc4ids for b in vocab.BuildType} <= _codes("projectType.csv")
    assert vocab.Status.SUSPENDED.oc4ids is None  # OC4IDS has no suspended phase


@pytest.mark.parametrize(
    ("vocabulary", "word", "value"),
    [
        (vocab.Status, "under construction", "在建"),
        (vocab.Status, "竣工", "建成"),
        (vocab.Status, "ON HOLD", "暂缓"),
        (vocab.BuildType, "construction", "新建"),
        (vocab.BuildType, "expansion", "扩建"),
        (vocab.BuildType, "搬迁", "迁建"),
        (vocab.ProjectKind, "program", "programme"),
        (vocab.ProjectLevel, "city", "市级"),
        (vocab.ProjectLevel, "县", "县级"),
    ],
)
def test_synonyms(vocabulary, word, value):
    assert vocabulary.parse(word, "value") == value


def test_an_unknown_word_names_the_allowed_values_and_a_close_match():
    with pytest.raises(UserInputError) as caught:
        vocab.Status.parse("bulding", "status")
    message = str(caught.value)
    assert message.startswith("unknown status 'bulding' (did you mean building")
    assert message.endswith(
        "allowed: 谋划 (identification), 前期 (preparation), 在建 (implementation), "
        "建成 (completion), 暂缓 (suspended), 取消 (cancelled)"
    )


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("mang2kang1", "mangkang"),
        ("Mángkāng", "mangkang"),
        ("Mangkang Xian", "mangkangxian"),
        ("mang22kang", None),
        ("2mang", None),
        # a long run of letters that is not pinyin after all: refused in one pass (the earlier pattern
        # backtracked exponentially and `--county 'xxxx…x "'` never answered)
        ("x" * 20000 + ' "', None),
    ],
)
def test_typed_pinyin_is_read_in_one_pass(typed, key):
    assert vocab.pinyin_key(typed) == key
