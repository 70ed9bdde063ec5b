"""Drafting seed files from plan text: small excerpts written for these tests."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from portfolio import extract, seeding
from portfolio.cli import app
from portfolio.paths import seeds_dir

CHAMDO_LIKE = """\
目 录
专栏 4 城镇道路重点项目\t- 12 -

第一节 道路
正文一段。

专栏4：城镇道路与桥梁重点项目

- 1、**芒康县：**芒康县测试一路新建工程、芒康县测试大桥改扩建；
- 2、**贡觉县**：县城供暖工程、阿旺乡供暖工程
- 3、边坝县：都瓦乡、边坝镇、拉孜乡高海拔供暖工程。

第二节 供水

专栏 供水重点项目

水利骨干枢纽工程项目湘河水利枢纽及配套灌区工程、桑德水利枢纽工程
乡村公共服务建设项目:吉隆县疾控中心等7个公共卫生基础设施建设项目

专栏 6 主要指标
序号\t指标名称\t单位
1
城镇化率
%
预期性

第三节 其他
"""

LHASA_LIKE = """\
专栏 16 “十五五”时期教育提质行动重点工程

03 普高与中职学校建设工程

实施江苏实验中学、北京实验中学改扩建工程；新建城关区第十中学。

04 城市更新工程\t推进八廓古城设施提升工程。

第二节 后文
"""


@pytest.fixture(scope="module")
def gazetteer():
    bundle, _ = seeding.read_seeds(seeds_dir())
    return seeding.gazetteer_of(bundle.divisions)


def _draft(text: str, gazetteer, region: str) -> list[extract.DraftColumn]:
    return extract.draft(text.split("\n"), gazetteer, region)


def _names(column) -> list[str]:
    return [item.name for group in column.groups for item in group.items]


def test_headings_skip_the_table_of_contents_and_number_unnumbered_boxes(gazetteer):
    columns = _draft(CHAMDO_LIKE, gazetteer, "540300")
    assert [(c.number, c.kind) for c in columns] == [(4, "projects"), (5, "projects"), (6, "indicators")]
    assert columns[0].line == 7


def test_group_labels_county_prefix_and_shared_suffix(gazetteer):
    roads = _draft(CHAMDO_LIKE, gazetteer, "540300")[0]
    assert [g.label for g in roads.groups] == ["芒康县", "贡觉县", "边坝县"]
    assert _names(roads) == [
        "芒康县测试一路新建工程", "芒康县测试大桥改扩建", "贡觉县县城供暖工程", "贡觉县阿旺乡供暖工程",
        "边坝县都瓦乡高海拔供暖工程", "边坝县边坝镇高海拔供暖工程", "边坝县拉孜乡高海拔供暖工程"]
    counties = {item.name: item.counties for g in roads.groups for item in g.items}
    assert counties["贡觉县阿旺乡供暖工程"] == ["贡觉县"]
    assert all("**" not in name for name in _names(roads))


def test_glued_labels_and_bundles(gazetteer):
    water = _draft(CHAMDO_LIKE, gazetteer, "540200")[1]
    assert [g.label for g in water.groups] == ["水利骨干枢纽工程项目", "乡村公共服务建设项目"]
    items = [item for g in water.groups for item in g.items]
    assert [(i.name, i.kind, i.quantity) for i in items] == [
        ("湘河水利枢纽及配套灌区工程", "project", None), ("桑德水利枢纽工程", "project", None),
        ("吉隆县疾控中心", "project", None), ("公共卫生基础设施建设项目", "programme", "7个")]
    assert items[2].counties == ["吉隆县"] and items[0].line == 17


def test_sub_programmes_and_sentences(gazetteer):
    column = _draft(LHASA_LIKE, gazetteer, "540100")[0]
    assert [g.label for g in column.groups] == ["普高与中职学校建设工程", "城市更新工程"]
    first = column.groups[0].items
    assert [(i.name, i.kind) for i in first] == [
        ("普高与中职学校建设工程", "programme"), ("江苏实验中学改扩建工程", "project"),
        ("北京实验中学改扩建工程", "project"), ("城关区第十中学", "project")]
    assert column.groups[1].items[1].name == "八廓古城设施提升工程"
    assert column.groups[1].items[1].counties == ["城关区"]  # a landmark of 城关区


def test_traditional_text_and_pinyin_glosses_are_simplified(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("專欄 1 測試\n落實(shí)芒康縣供水工程\n", encoding="utf-8")
    assert extract.read_text(path)[1] == "落实芒康县供水工程"


@pytest.mark.parametrize(("content", "message", "code"), [
    (b"", "the file is empty", 1),
    (b"\x00\x01binary\x00", "not a text file", 1),
    ("第一章 总则\n没有专栏的正文。\n".encode(), "no 专栏 found", 1),
])
def test_unusable_texts_give_a_clear_message(tmp_path, content, message, code):
    path = tmp_path / "plan.txt"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["extract", str(path), "--region", "昌都"])
    assert result.exit_code == code and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_draft_is_a_valid_seed_file_and_compares(tmp_path):
    plan = tmp_path / "plan.txt"
    plan.write_text(CHAMDO_LIKE, encoding="utf-8")
    draft_path = tmp_path / "draft.yaml"
    result = CliRunner().invoke(app, ["extract", str(plan), "--plan", "test-draft", "--region", "昌都",
                                      "--prefix", "TD", "--output", str(draft_path)])
    assert result.exit_code == 0, result.output
    bundle, errors = seeding.read_plan_file(draft_path)
    assert errors == []
    assert len(bundle.projects) == 11
    assert any(p.quantity == "7个" for p in bundle.projects)
    assert yaml.safe_load(draft_path.read_text(encoding="utf-8"))["plan"]["key"] == "test-draft"
    compared = CliRunner().invoke(app, ["extract", str(draft_path), "--compare", str(draft_path)])
    assert compared.exit_code == 0 and "recall: 100.0%" in compared.stdout
