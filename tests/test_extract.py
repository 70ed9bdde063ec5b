"""Drafting seed files from plan text: small excerpts written for these tests."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from portfolio import extract, seeding, vocab
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
    return vocab.Gazetteer.of_divisions(bundle.divisions)


TOWNSHIPS = extract.read_townships(seeds_dir() / "townships.csv")


def _draft(text: str, gazetteer, region: str) -> list[extract.DraftColumn]:
    return extract.draft(text.split("\n"), gazetteer, region, TOWNSHIPS)


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
        "芒康县测试一路新建工程",
        "芒康县测试大桥改扩建",
        "贡觉县县城供暖工程",
        "贡觉县阿旺乡供暖工程",
        "边坝县都瓦乡高海拔供暖工程",
        "边坝县边坝镇高海拔供暖工程",
        "边坝县拉孜乡高海拔供暖工程",
    ]
    counties = {item.name: item.counties for g in roads.groups for item in g.items}
    assert counties["贡觉县阿旺乡供暖工程"] == ["贡觉县"]
    assert all("**" not in name for name in _names(roads))


def test_glued_labels_and_bundles(gazetteer):
    water = _draft(CHAMDO_LIKE, gazetteer, "540200")[1]
    assert [g.label for g in water.groups] == ["水利骨干枢纽工程项目", "乡村公共服务建设项目"]
    items = [item for g in water.groups for item in g.items]
    assert [(i.name, i.kind, i.quantity) for i in items] == [
        ("湘河水利枢纽及配套灌区工程", "project", None),
        ("桑德水利枢纽工程", "project", None),
        ("吉隆县疾控中心", "project", None),
        ("公共卫生基础设施建设项目", "programme", "7个"),
    ]
    assert items[2].counties == ["吉隆县"] and items[0].line == 17


def test_sub_programmes_and_sentences(gazetteer):
    column = _draft(LHASA_LIKE, gazetteer, "540100")[0]
    assert [g.label for g in column.groups] == ["普高与中职学校建设工程", "城市更新工程"]
    first = column.groups[0].items
    assert [(i.name, i.kind) for i in first] == [
        ("普高与中职学校建设工程", "programme"),
        ("江苏实验中学改扩建工程", "project"),
        ("北京实验中学改扩建工程", "project"),
        ("城关区第十中学", "project"),
    ]
    assert column.groups[1].items[1].name == "八廓古城设施提升工程"
    assert column.groups[1].items[1].counties == ["城关区"]  # a landmark of 城关区


def test_traditional_text_and_pinyin_glosses_are_simplified(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("專欄 1 測試\n落實(shí)芒康縣供水工程\n", encoding="utf-8")
    assert extract.read_text(path)[1] == "落实芒康县供水工程"


@pytest.mark.parametrize(
    ("content", "message", "code"),
    [
        (b"", "the file is empty", 1),
        (b"\x00\x01binary\x00", "not a text file", 1),
        ("第一章 总则\n没有专栏的正文。\n".encode(), "no 专栏 found", 1),
    ],
)
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
    result = CliRunner().invoke(
        app,
        [
            "extract",
            str(plan),
            "--plan",
            "test-draft",
            "--region",
            "昌都",
            "--prefix",
            "TD",
            "--output",
            str(draft_path),
        ],
    )
    assert result.exit_code == 0, result.output
    bundle, errors = seeding.read_plan_file(draft_path)
    assert errors == []
    assert len(bundle.projects) == 11
    assert any(p.quantity == "7个" for p in bundle.projects)
    assert yaml.safe_load(draft_path.read_text(encoding="utf-8"))["plan"]["key"] == "test-draft"
    compared = CliRunner().invoke(app, ["extract", str(draft_path), "--compare", str(draft_path)])
    assert compared.exit_code == 0 and "recall: 100.0%" in compared.stdout


def _items(text: str, gazetteer, region: str) -> dict[str, extract.DraftItem]:
    column = _draft(f"专栏 3 测试项目\n{text}\n第二节 后文\n", gazetteer, region)[0]
    return {item.name: item for group in column.groups for item in group.items}


def test_bundles_name_their_counties_and_keep_the_count(gazetteer):
    items = _items(
        "教育项目：江孜、谢通门等12县(区)测试学校建设项目，南木林等15个县测试医院提升项目；"
        "10个测试安置点卫生室建设项目；昌都测试甲、昌都测试乙等重点测试项目",
        gazetteer,
        "540200",
    )
    assert items["江孜县测试学校建设项目"].counties == ["江孜县"]
    assert items["谢通门县测试学校建设项目"].counties == ["谢通门县"]
    programme = items["12县(区)测试学校建设项目"]
    assert (programme.kind, programme.quantity, programme.counties) == ("programme", "12县(区)", ["江孜县", "谢通门县"])
    assert items["南木林县测试医院提升项目"].kind == "project"
    assert items["县测试医院提升项目"].quantity == "15个"
    assert items["测试安置点卫生室建设项目"].quantity == "10个"


def test_a_shared_object_after_a_count_is_not_cut_at_城镇(gazetteer):
    items = _items("绿地项目：昌都市卡若区、八宿县、江达县等3个城镇测试绿地建设项目。", gazetteer, "540300")
    assert {"卡若区城镇测试绿地建设项目", "八宿县城镇测试绿地建设项目", "江达县城镇测试绿地建设项目"} <= set(items)
    assert items["城镇测试绿地建设项目"].counties == ["卡若区", "八宿县", "江达县"]


def test_generic_works_are_in_every_county(gazetteer):
    items = _items(
        "基础项目：18县(区)测试幼儿园建设项目、县级测试站能力提升、农村测试苑项目、"
        "市、县（区）测试监测网络、12县(区)测试供水工程、测试中心建设",
        gazetteer,
        "540200",
    )
    every = [c.name for c in gazetteer.children("540200")]
    assert items["18县(区)测试幼儿园建设项目"].counties == every
    assert items["18县(区)测试幼儿园建设项目"].kind == "programme"
    assert items["县级测试站能力提升"].counties == every
    assert items["农村测试苑项目"].counties == every
    assert items["市县（区）测试监测网络"].counties == ["市直", *every]
    assert items["12县(区)测试供水工程"].counties == ["市直"]  # which 12 of 18 is not said
    assert items["测试中心建设"].counties == ["市直"]


def test_a_label_with_a_list_of_counties_is_one_programme(gazetteer):
    items = _items(
        "- 1、测试房改造(12项): 市直、察雅县、经开区, 共改造 300 户, 总面积 9000 平方米;\n"
        "- 2、测试周转房：市直、卡若区，共 400 套；\n"
        "- 3、测试配套设施：争取在市直、贡觉县等地配备一定数量的测试设施。\n"
        "- 4、测试道路: 乡(镇)测试道路工程, 卡若区 4 个乡镇、左贡县 5 个乡镇的测试建设。\n"
        "测试园区:重点发展测试业、测试加工业，打造成为测试示范区。",
        gazetteer,
        "540300",
    )
    assert set(items) == {
        "测试房改造",
        "测试周转房",
        "测试配套设施",
        "卡若区乡(镇)测试道路工程",
        "左贡县乡(镇)测试道路工程",
        "测试园区",
    }
    assert (items["测试房改造"].quantity, items["测试房改造"].counties) == (
        "12项",
        ["市直", "察雅县", "昌都经济开发区"],
    )
    assert items["测试周转房"].quantity == "400套"
    assert items["测试配套设施"].counties == ["市直", "贡觉县"]
    assert (items["左贡县乡(镇)测试道路工程"].quantity, items["左贡县乡(镇)测试道路工程"].counties) == (
        "5个乡镇",
        ["左贡县"],
    )


def test_township_lists_in_brackets_across_a_page_break(gazetteer):
    column = _draft(
        "专栏 7 污水项目\n- 5、丁青县：丁青县测试厂二期工程、丁青县 3 乡镇(觉恩乡、\n\n"
        "沙贡乡、桑多乡) 测试处理设施;\n- 6、贡觉县：县城测试供暖（辐射阿旺乡、拉妥乡）工程；"
        "则巴乡、相皮乡及拉妥乡的测试站；阿旺乡和哈加乡测试站\n第二节 后文\n",
        gazetteer,
        "540300",
    )[0]
    lines = {item.name: item.line for group in column.groups for item in group.items}
    assert lines == {
        "丁青县测试厂二期工程": 2,
        "丁青县觉恩乡测试处理设施": 2,
        "丁青县沙贡乡测试处理设施": 4,
        "丁青县桑多乡测试处理设施": 4,
        "贡觉县县城测试供暖工程": 5,
        "贡觉县则巴乡测试站": 5,
        "贡觉县相皮乡测试站": 5,
        "贡觉县拉妥乡测试站": 5,
        "贡觉县阿旺乡测试站": 5,
        "贡觉县哈加乡测试站": 5,
    }


def test_lost_separators_are_restored(gazetteer):
    items = _items(
        "测试服务设施项目日喀则市测试中心日喀则市测试平台及日喀则市测试馆、测试纪念馆建设测试园建设、"
        "测试物流园区(市级)测试中心(县区级)测试系统，测试民宿项目亚东测试旅游区",
        gazetteer,
        "540200",
    )
    assert {
        "日喀则市测试中心",
        "日喀则市测试平台",
        "日喀则市测试馆",
        "测试纪念馆建设",
        "测试园建设",
        "测试物流园区(市级)",
        "测试中心(县区级)",
        "测试系统",
        "测试民宿项目",
        "亚东测试旅游区",
    } <= set(items)
    assert items["亚东测试旅游区"].counties == ["亚东县"]


def test_lists_ending_in_a_category(gazetteer):
    items = _items(
        "测试治理工程:聂拉木县测试甲措、测试乙措等测试流域灾害治理工程\n"
        "测试水源项目:测试甲水库、测试乙水库等中型测试水库建设\n"
        "测试旅游项目:测试古城、测试沟等重点旅游项目；白朗、江孜测试基地建设；"
        "桑珠孜区、白朗等县测试奶源基地\n"
        "测试分拣项目:实施康马、亚东测试中心项目",
        gazetteer,
        "540200",
    )
    assert items["聂拉木县测试乙措测试流域灾害治理工程"].counties == ["聂拉木县"]
    assert items["测试流域灾害治理工程"].kind == "programme"
    assert items["中型测试水库建设"].kind == "programme"
    assert {
        "测试古城",
        "测试沟",
        "白朗县测试基地建设",
        "江孜县测试基地建设",
        "桑珠孜区测试奶源基地",
        "白朗县测试奶源基地",
        "康马县测试中心项目",
        "亚东县测试中心项目",
    } <= set(items)
    assert "县测试奶源基地" not in items


def test_compare_prefers_the_same_county_when_names_differ_only_by_place():
    from types import SimpleNamespace as Item

    def item(name, county):
        return Item(name=name, column_number=6, source_line=10, division_codes=(county,))

    curated = [item("八宿县县城供暖工程", "540326"), item("边坝县县城供暖工程", "540330")]
    drafted = [item("边坝县县城供暖工程", "540330"), item("八宿县县城供暖工程", "540326")]
    result = extract.compare(curated, drafted, ["八宿县", "边坝县"])
    assert result.recall == 1.0 and result.agreement("division_codes") == 1.0


def test_townships_name_the_county_when_no_county_is_named(gazetteer):
    items = _items(
        "测试项目：东嘎测试水库、日屋镇测试口岸设施、扎西岗测试站、门巴测试中心、萨迦县日屋测试站", gazetteer, "540200"
    )
    assert items["东嘎测试水库"].counties == ["桑珠孜区"]  # by the stem of 东嘎乡
    assert "county from the township named 东嘎" in items["东嘎测试水库"].review
    assert items["日屋镇测试口岸设施"].counties == ["定结县"]
    assert items["扎西岗测试站"].counties == ["市直"]  # 扎西岗乡 is in three counties
    assert items["门巴测试中心"].counties == ["市直"]  # 门巴 is also an everyday word
    assert items["萨迦县日屋测试站"].counties == ["萨迦县"]  # a named county wins over a township


def test_every_township_belongs_to_a_county_of_the_gazetteer(gazetteer):
    assert len(TOWNSHIPS) > 300
    for name, county_code in TOWNSHIPS:
        county = gazetteer.get(county_code)
        assert county is not None and county.level == "county", (name, county_code)
        assert extract.TOWNSHIP_END.search(name), name


def test_a_place_or_scope_written_once_before_a_list_is_shared(gazetteer):
    items = _items(
        "测试项目：实施八廓测试设施提升工程、测试风貌整治工程；县(区)测试艺术团排练场所、测试活动中心改扩建；"
        "实施G318堆龙德庆区至曲水县段测试工程",
        gazetteer,
        "540100",
    )
    assert items["测试风貌整治工程"].counties == ["城关区"]
    assert "county taken from the list's first item" in items["测试风貌整治工程"].review
    every = [c.name for c in gazetteer.children("540100")]
    assert items["测试活动中心改扩建"].counties == every
    assert items["G318堆龙德庆区至曲水县段测试工程"].counties == ["堆龙德庆区", "曲水县"]


def test_names_share_the_words_after_the_last_name(gazetteer):
    items = _items(
        "测试项目：吉隆、樟木、日屋测试口岸等基础测试项目；测甲牛、测乙羊和测丙羊测试繁育场建设；"
        "测丁牛、测戊牛测试养殖基地建设",
        gazetteer,
        "540200",
    )
    assert set(items) == {
        "吉隆测试口岸基础测试项目",
        "樟木测试口岸基础测试项目",
        "日屋测试口岸基础测试项目",
        "基础测试项目",
        "测甲牛测试繁育场建设",
        "测乙羊测试繁育场建设",
        "测丙羊测试繁育场建设",
        "测丁牛测试养殖基地建设",
        "测戊牛测试养殖基地建设",
    }
    assert items["日屋测试口岸基础测试项目"].counties == ["定结县"]


def test_and_splits_only_names_that_end_alike(gazetteer):
    items = _items("测试项目：城市供水和污水处理工程；给水和排水工程；测丙羊和测丁羊测试繁育场", gazetteer, "540200")
    assert set(items) == {"城市供水和污水处理工程", "给水和排水工程", "测丙羊测试繁育场", "测丁羊测试繁育场"}


def test_compare_takes_exact_matches_before_similar_ones():
    from types import SimpleNamespace as Item

    def item(name):
        return Item(name=name, column_number=3, source_line=10, division_codes=("540200",))

    curated = [item("测试甲场建设"), item("测试乙场建设")]
    drafted = [item("测试乙场建设"), item("测试甲场")]
    result = extract.compare(curated, drafted, [])
    assert result.recall == 1.0
    assert [(c.name, d.name) for c, d in result.matched] == [
        ("测试甲场建设", "测试甲场"),
        ("测试乙场建设", "测试乙场建设"),
    ]


def test_clauses_that_aim_rather_than_build_are_not_items(gazetteer):
    items = _items(
        "测试项目：新建测试滨河公园，助力提升测试管理精细化水平，增强群众测试获得感；推进测试体系建设",
        gazetteer,
        "540100",
    )
    assert "测试滨河公园" in items and "测试体系建设" in items
    assert not any(name.endswith(("水平", "获得感")) for name in items)


def test_bundles_inside_a_list_and_names_glued_after_a_bracket(gazetteer):
    items = _items(
        "测试项目：实施测试甲公园等测试设施建设、测试乙中心设备提升等项目；"
        "建设测试物流园区(市级)测试物流中心(县区级)测试配送中心(片区和乡镇)",
        gazetteer,
        "540100",
    )
    assert {"测试甲公园", "测试设施建设"} <= set(items)
    assert "测试物流园区(市级)" in items and "测试物流中心(县区级)" in items
    assert items["测试物流园区(市级)"].counties == ["市直"]
    assert items["测试物流中心(县区级)"].counties == [c.name for c in gazetteer.children("540100")]


def test_sector_from_the_name_then_the_group_label_then_the_column_title(gazetteer):
    column = _draft(
        "专栏 9 第三产业测试项目\n旅游产品测试项目：测试甲古镇、测试乙驿站、测试丙医院\n第二节 后文\n",
        gazetteer,
        "540200",
    )[0]
    items = {item.name: item for group in column.groups for item in group.items}
    assert column.sector == "commerce"  # 第三产业
    assert (items["测试乙驿站"].sector, items["测试乙驿站"].sector_reason) == ("tourism", "group label keyword 旅游")
    assert items["测试丙医院"].sector == "health"


def test_a_county_in_the_group_label_wins_over_a_township(gazetteer):
    items = _items("萨迦县：东嘎测试水库建设", gazetteer, "540200")
    assert items["萨迦县东嘎测试水库建设"].counties == ["萨迦县"]


def test_a_member_with_its_own_place_ends_the_shared_county(gazetteer):
    items = _items(
        "测试项目：城关区测试甲工程、测试乙工程、堆龙德庆区测试丙工程、测试丁工程；拉萨乡镇测试站建设",
        gazetteer,
        "540100",
    )
    assert items["测试乙工程"].counties == ["城关区"]
    assert items["堆龙德庆区测试丙工程"].counties == ["堆龙德庆区"]
    assert items["测试丁工程"].counties == ["市直"]
    assert items["拉萨乡镇测试站建设"].counties == [c.name for c in gazetteer.children("540100")]


def test_bundles_and_words_ending_like_an_aim_are_kept(gazetteer):
    items = _items("测试项目：测试甲、测试乙等10项群众文化活动；国土空间卫星遥感", gazetteer, "540200")
    assert (items["群众文化活动"].kind, items["群众文化活动"].quantity) == ("programme", "10项")
    assert "国土空间卫星遥感" in items
