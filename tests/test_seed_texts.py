"""The seed texts users read (links' reasons, notes) are Chinese; curators' `#` comments may stay English."""

from __future__ import annotations

import csv
import re

import pytest
import yaml

from portfolio.paths import seeds_dir

SHOWN_KEYS = {"reason", "note"}  # `projects show`, the project page, `counties`, `places`, indicators
CHINESE = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ENGLISH_WORD = re.compile(r"(?<![A-Za-z])[a-z]{2,}")  # prose: `names`, `the`, `of` (codes and acronyms are capitals)
CODE = re.compile(r"\b(?:[A-Z]+\d*-)+\d+\b|GB/T \d+|\b[A-Z]\d+\b|\d[A-Z]\b")  # RKZ14-03-012, GB/T 2260, G219, 4A


def reads_in_chinese(text: str) -> bool:
    """Some Chinese, no English word, and not more Latin letters than Chinese characters (codes aside)."""
    plain = CODE.sub("", text)
    chinese = len(CHINESE.findall(text))
    return chinese > 0 and len(LATIN.findall(plain)) <= chinese and not ENGLISH_WORD.search(plain)


def _shown_texts(node, where: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SHOWN_KEYS and isinstance(value, str):
                yield f"{where}.{key}", value
            else:
                yield from _shown_texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            code = value.get("code") or value.get("whole") or value.get("primary") if isinstance(value, dict) else None
            yield from _shown_texts(value, f"{where}[{code or index}]")


def shown_seed_texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted(seeds_dir().glob("*/*.yaml")):
        found += _shown_texts(yaml.safe_load(path.read_text(encoding="utf-8")), f"{path.parent.name}/{path.name}")
    for path in sorted(seeds_dir().glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as rows:
            found += [(f"{path.name}:{row['code']}", row["note"]) for row in csv.DictReader(rows) if row.get("note")]
    return found


def test_the_seed_texts_are_found():
    texts = dict(shown_seed_texts())
    assert len(texts) > 200
    assert any(where.startswith("links/shigatse-14-fyp.yaml.same_work[RKZ14-11-012]") for where in texts)
    assert any(where.startswith("divisions.csv:") for where in texts)


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("专栏11的条目覆盖所有县，作为主条目", True),
        ("专栏2 道路桥梁提质工程（第467行）：该段所列工程", True),
        ("无 GB/T 2260 代码", True),
        ("“G219日喀则段沿线等边境旅游基础设施提升项目”（沿线廊道是该边境项目群的一段）", True),
        ("No GB/T 2260 code", False),
        ("the county people's hospitals' upgrade: 专栏3 南木林等15个县 and 专栏11; so it is the primary", False),
        ("重点乡镇 (no town named in the box)", False),
        ("江孜县等5个藏医院医药能力提升建设项目 counts 江孜县藏医院 among its 5", False),
        ("ABC DEF GHI 甲", False),
    ],
)
def test_the_rule_tells_chinese_from_english(text, chinese):
    assert reads_in_chinese(text) is chinese


def test_every_seed_text_shown_to_users_reads_in_chinese():
    english = [f"{where}: {text}" for where, text in shown_seed_texts() if not reads_in_chinese(text)]
    assert english == []
