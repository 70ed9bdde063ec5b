"""Tables that fit the terminal they are drawn on.

The one place that decides, for a given width, which columns a table shows and how wide each
is. Codes, dates, numbers and short labels (county names, statuses) never wrap; long text
(names, reasons) wraps between words, Chinese characters or the items of a 、 list, never
inside a run of Latin letters and digits (`CD14-02-004`, `26.6`, `等11个`), never inside a
common word of the plans (WORDS: 项目, 工程, 设施 …), and never leaves one character alone on
the last line (`…附属工` / `程` becomes `…附属` / `工程`). Columns that do
not fit are dropped, least important first, and named in a note; a pivot's value columns are
folded into the largest ones plus 其他 instead.

A column is anything with `key` and `label` (render.Col, or a typed row's column); an
optional `kind` ("code", "date", "integer", "number", "text" …) says how its values behave,
otherwise the values tell.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rich.cells import cell_len

UNBREAKABLE_KINDS = {"code", "date", "datetime", "integer", "number", "bool", "label"}  # label: a county's name
NUMBER_KINDS = {"integer", "number"}
SHORT_TEXT = 20  # text columns no wider than this never wrap (codes, county names, statuses, plan keys)
SHORT_HEADER = 6  # cells: three Chinese characters
WRAP_MIN = 16  # a wrapping column (a name) is at least this wide, unless its text is narrower

# A Latin/digit run, or one character with the punctuation that must stay with it.
_FINE_TOKEN = re.compile(r"\s+|[（《「“(\[]*(?:[\x21-\x7e]+|.)[、，。；：！？）》」”)\]%,.;:!?]*")
_LIST_ITEM = re.compile(r"[^、]*、|[^、]+")
_CJK = re.compile(r"[\u3400-\u9fff]")

# Words of the plans' names, 专栏 titles and headers that a line should not break inside. Chinese has
# no spaces; a short list of the words these texts are made of (the most frequent in the seeds)
# keeps most breaks between words without a segmenter's dictionary and start-up time.
_WORD_LIST = """
    项目 工程 建设 重点 时期 设施 提升 服务 产业 基础 公共 城市 城镇 乡村 基地 领域 生态 道路 处理 保护
    文化 体系 供暖 供氧 供水 保障 治理 教育 种养 旅游 桥梁 改造 污水 垃圾 提质 修复 防治 园区 社会 振兴
    综合 中心 新型 县城 文旅 污染 环境 更新 农牧 农牧区 现代化 市政 数字 扩建 改扩建 新建 防涝 智慧 平安
    能源 养殖 行动 水平 学校 扩能 攻坚 水利 功能 支撑 开放 绿地 平台 标准 高标准 能力 灌区 发展 就业 对外
    排水 古城 物流 医疗 传承 安全 农田 系统 配套 监测 河流 精品 种植 产品 打造 首府 水网 和美 口岸 农村
    中学 小学 幼儿园 健康 管网 特色 小区 棚户区 老旧 附属 清洁 应用 安居 保障性 住房 科技 创新 交通 立体
    增收 卫生 体育 医院 完成 投资 竣工 开工 按期 填报 计划 实际 累计 本期 形象 进度 问题 存在 总投资 单位
    责任 联系人 备注 名称 编号 状态 日期 行业 规划 专栏 分项 数量 类型 性质 指标 基期 目标 属性 十四五
    十五五 城镇化 开发区 经济 技术 高新 产业园 水土 保持 合作社 支流 年度 万元 预警 红灯 黄灯 项目数 建成
    在建 前期 谋划 暂缓 取消 市级 县级 片区 空间 结构 人口 面积 覆盖率 普及率 处理率 电网 光伏 电站 水库
    公路 国道 省道 机场 铁路 隧道 大桥 客运 货运 冷链 仓储 市场 商贸 消费 电商 文物 遗址 景区 酒店 住宅
    保护区 湿地 草原 森林 造林 防护林 水源地 饮水 灌溉 节水 提灌 堤防 防洪 河道 治理 地质 灾害 避险 搬迁
    安置 易地 边境 小康 示范 示范区 产业化 标准化 规模化 现代 职业 技能 培训 养老 托育 殡葬 体育馆 文化馆
    图书馆 博物馆 纪念馆 广场 公园 停车场 充电桩 加油站 供热 燃气 给水 集中 改建 续建 附属工程 配套工程
    逾期 仍为 未填报 无填报 未建成 个月 个项目 支路 干线 环线 一期 二期 三期
    人员 专业 岗位 关键 从业 建筑 施工 执业 注册 职工 干部 周转房 公积金 缴存 贷款 使用率 占有率 居民 收入
"""
WORDS = frozenset(_WORD_LIST.split())
_LONGEST_WORD = 8


@functools.cache
def _words() -> frozenset[str]:
    """WORDS and the names of the gazetteer's places (芒康县, 芒康, 江孜): a name never splits."""
    import csv

    from portfolio.paths import seeds_dir

    names: set[str] = set()
    try:
        with (seeds_dir() / "divisions.csv").open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                names.update(n for n in (row.get("name"), row.get("short_name")) if n and len(n) <= _LONGEST_WORD)
    except OSError:
        pass  # a table without the seeds' names still wraps between the common words
    return WORDS | names


# A number and the unit or measure word after it stay together (`20个月`, `3.5公里`, `1200万元`).
_NUMBER_AND_UNIT = re.compile(r"(?<=\d)(?=[个年月日号万亿元米吨户套人座所条处亩项家张床间层栋辆台](?!\d))")


def _inside_words(text: str) -> set[int]:
    """Positions inside a word of WORDS (a line may not break there), by longest match from the left."""
    inside = {found.start() for found in _NUMBER_AND_UNIT.finditer(text)}
    index = 0
    while index < len(text):
        for size in range(min(_LONGEST_WORD, len(text) - index), 1, -1):
            if text[index : index + size] in _words():
                inside.update(range(index + 1, index + size))
                index += size
                break
        else:
            index += 1
    return inside


@dataclass(frozen=True)
class Layout:
    shown: list[int]  # indices of the columns drawn, in their original order
    widths: list[int]  # one per shown column (cells, without padding)
    dropped: list[str]  # labels of the columns left out
    numeric: list[bool]  # one per shown column: right-aligned
    as_list: list[bool]  # one per shown column: a 、 list of names (wrap(..., as_list=True))


def is_terminal(out: Any) -> bool:
    """A terminal: a tty, or TTY_COMPATIBLE=1 (Rich's convention; tests use it); TTY_COMPATIBLE=0 never."""
    forced = os.environ.get("TTY_COMPATIBLE", "")
    if forced in ("0", "1"):
        return forced == "1"
    return hasattr(out, "isatty") and out.isatty()


def column_kind(column: Any, values: Sequence[Any]) -> str:
    kind = getattr(column, "kind", None)
    if kind:
        return str(getattr(kind, "value", kind))
    present = [v for v in values if v is not None and v != ""]
    if present and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present):
        return "number"
    if present and all(isinstance(v, date) for v in present):
        return "date"
    return "text"


def tokens(text: str, *, as_list: bool = False) -> list[str]:
    """Pieces a line may break between: the items of a 、 list (as_list), else words and single characters."""
    if as_list and "、" in text:
        return _LIST_ITEM.findall(text)
    inside = _inside_words(text) if _CJK.search(text) else set()
    pieces: list[str] = []
    for found in _FINE_TOKEN.finditer(text):
        if pieces and found.start() in inside:
            pieces[-1] += found.group()
        else:
            pieces.append(found.group())
    return pieces


def wrap(text: str, width: int, *, as_list: bool = False) -> list[str]:
    """Lines no wider than `width`; a list (county names) breaks only after a 、; a piece wider than
    the column is broken only as a last resort."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        lines.extend(_fill(tokens(paragraph, as_list=as_list), max(width, 1)))
    return lines


def _fill(pieces: list[str], width: int) -> list[str]:
    expanded: list[str] = []
    for piece in pieces:  # a list item or a word wider than the column breaks like ordinary text
        if cell_len(piece) > width:
            expanded.extend(_FINE_TOKEN.findall(piece) if len(tokens(piece)) == 1 else tokens(piece))
        else:
            expanded.append(piece)
    lines: list[list[str]] = []
    line: list[str] = []
    for piece in expanded:
        if cell_len("".join(line) + piece) <= width:
            line.append(piece)
            continue
        if "".join(line).strip():
            lines.append(line)
        line = [piece.lstrip()]
        while cell_len(line[0]) > width:  # one unbreakable piece wider than the column
            cut = _cut(line[0], width)
            lines.append([line[0][:cut]])
            line = [line[0][cut:]]
    if "".join(line).strip() or not lines:
        lines.append(line)
    _keep_company(lines, width)
    return ["".join(pieces).rstrip() for pieces in lines]


def _keep_company(lines: list[list[str]], width: int) -> None:
    """A last line of one Chinese character (`程`) takes the piece before it along (`工程`)."""
    if len(lines) < 2 or len(_CJK.findall("".join(lines[-1]))) != 1 or len(lines[-2]) < 2:
        return
    if re.search(r"[\x21-\x7e]{2}", "".join(lines[-1])):
        return
    moved = lines[-2][-1]
    if cell_len(moved.lstrip() + "".join(lines[-1])) <= width:
        lines[-2] = lines[-2][:-1]
        lines[-1] = [moved.lstrip(), *lines[-1]]


def _cut(text: str, width: int) -> int:
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return max(index, 1)
    return len(text)


def _longest_piece(text: str, *, as_list: bool = False) -> int:
    return max((cell_len(p.strip()) for p in tokens(text, as_list=as_list)), default=0)


def overhead(n: int) -> int:
    """Borders and padding of a Rich table with n columns (box with edges, one space each side)."""
    return 3 * n + 1


@dataclass(frozen=True)
class _Measure:
    least: int  # narrowest the column may be
    natural: int  # wide enough for every cell and the header on one line
    numeric: bool
    as_list: bool  # a 、 list: breaks only between its items


def _measure(column: Any, cells: list[str], raw: list[Any]) -> _Measure:
    kind = column_kind(column, raw)
    label = str(column.label)
    content = max((cell_len(line) for c in cells for line in c.split("\n")), default=0)
    natural = max(content, cell_len(label))
    # a header of up to three characters (项目群, 红灯) stays whole: split, one would stand alone
    header_least = cell_len(label) if cell_len(label) <= SHORT_HEADER else max(_longest_piece(label), 4)
    if kind in UNBREAKABLE_KINDS or content <= SHORT_TEXT:
        least = max(content, header_least)
    else:
        pieces = max((_longest_piece(c, as_list=kind == "list") for c in cells), default=0)
        least = max(pieces, header_least, min(content, WRAP_MIN))
    return _Measure(least, natural, kind in NUMBER_KINDS, kind == "list")


def layout(
    columns: Sequence[Any], cells: list[list[str]], raw: list[list[Any]], width: int, *, first: Sequence[str] = ()
) -> Layout:
    """Which columns fit in `width` and how wide each is.

    `first` names (by key) the columns to keep longest; the others are dropped from the last
    one backwards.
    """
    measures = [_measure(c, [row[i] for row in cells], [row[i] for row in raw]) for i, c in enumerate(columns)]
    keys = [str(c.key) for c in columns]
    priority = [keys.index(k) for k in first if k in keys]
    priority += [i for i in range(len(columns)) if i not in priority]

    def fits(chosen: list[int]) -> bool:
        return sum(measures[i].least for i in chosen) + overhead(len(chosen)) <= width

    shown = list(priority)
    while len(shown) > 1 and not fits(shown):
        shown.pop()
    for i in priority[len(shown) :]:  # a later, narrower column may still fit where a wide one did not
        if fits([*shown, i]):
            shown.append(i)
    spare = width - sum(measures[i].least for i in shown) - overhead(len(shown))
    widths = {i: measures[i].least for i in shown}
    wanted = {i: measures[i].natural - measures[i].least for i in shown}
    leading = next((i for i in shown if wanted[i]), None)
    if leading is not None:  # the most important column that wraps (a name) counts twice
        wanted[leading] *= 2
    total = sum(wanted.values())
    if total > spare:  # not room for all: each wrapping column gets its share of the room there is
        for i in shown:
            widths[i] += wanted[i] * spare // total
        spare -= sum(widths[i] - measures[i].least for i in shown)
    for i in shown:  # what is left (or all of it): toward one line per cell, most important column first
        grow = max(0, min(spare, measures[i].natural - widths[i]))
        widths[i] += grow
        spare -= grow
    ordered = sorted(shown)
    return Layout(
        ordered,
        [widths[i] for i in ordered],
        [str(columns[i].label) for i in range(len(columns)) if i not in shown],
        [measures[i].numeric for i in ordered],
        [measures[i].as_list for i in ordered],
    )


def fold(
    columns: list[Any], rows: list[list[Any]], width: int, make_column, other_label: str
) -> tuple[list[Any], list[list[Any]], list[str]]:
    """A pivot too wide for `width`: its first column (the labels) and last (合计) stay; of the value
    columns between, the largest (by their sum) stay in their order and the rest are summed into
    one `other_label` column. Returns the columns, the rows and the labels folded away."""
    from portfolio.render import cell

    def needed(kept: list[int], folded: bool) -> int:
        chosen = [0, *kept, len(columns) - 1]
        least = [max(cell_len(str(columns[i].label)), *(cell_len(str(cell(r[i]))) for r in rows)) for i in chosen]
        if folded:
            least.append(
                max(
                    cell_len(other_label),
                    *(cell_len(str(sum(r[i] or 0 for i in middle if i not in kept))) for r in rows),
                )
            )
        return sum(least) + overhead(len(least))

    middle = list(range(1, len(columns) - 1))
    if needed(middle, False) <= width:
        return columns, rows, []
    largest = sorted(middle, key=lambda i: -sum(r[i] or 0 for r in rows))
    kept: list[int] = []
    for index in largest:
        if needed(sorted([*kept, index]), True) > width:
            break
        kept.append(index)
    kept.sort()
    gone = [i for i in middle if i not in kept]
    new_columns = [columns[0], *(columns[i] for i in kept), make_column(other_label), columns[-1]]
    new_rows = [[r[0], *(r[i] for i in kept), sum(r[i] or 0 for i in gone), r[-1]] for r in rows]
    return new_columns, new_rows, [str(columns[i].label) for i in gone]


# Lifecycle stages on a terminal (Rich drops the colour under NO_COLOR).
STATUS_STYLES = {"谋划": "blue", "前期": "cyan", "在建": "yellow", "建成": "green", "暂缓": "magenta", "取消": "red"}
STATUS_KEYS = {"status", "status_label"}


def cell_style(column: Any, value: str) -> str:
    if str(column.key) in STATUS_KEYS:
        return STATUS_STYLES.get(value, "")
    return ""
