"""Draft seed files from a plan's plain text, and compare drafts with curated files.

A draft gets most items right and marks the rest with `review:` so a curator can finish
it in an hour instead of days. Heuristics, in order: find the 专栏 headings, cut each box
at the next chapter or section heading, recognise indicator tables and town lists, then
read group labels (`芒康县：`, `01 道路桥梁提质工程`, a category glued to its first item),
split lists (、，；) and expand shared prefixes and suffixes. Counties come from county names,
then from the townships of `seeds/townships.csv`, then from a place or scope written once
before a list.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from portfolio import vocab

if TYPE_CHECKING:
    from portfolio.seeding import SeedProject
from portfolio.errors import DataError, UserInputError

CHINESE_NUMBER = "一二三四五六七八九十百零〇两"
HEADING = re.compile(rf"^第[{CHINESE_NUMBER}\d]+[篇章节]")
COLUMN = re.compile(r"^专栏\s*(\d+)?\s*[:：]?\s*(.*)$")
TOC_ENTRY = re.compile(r"(\.{3,}|…{2,}|[\t ]-?\s*\d+\s*-\s*$|\t\d+\s*$)")
PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
NUMBERING = re.compile(r"^(?:[-•·]\s*)?(?:\d+[、.．]|（\d+）|\(\d+\)|[一二三四五六七八九十]+、)\s*")
SUBPROGRAMME = re.compile(r"^0\d\s+(\S[^\t]*?)\s*(?:\t(.*))?$")
LABEL = re.compile(r"^([^、，,；;：:]{2,24}?)\s*[：:]\s*(.*)$")
LEADING_VERBS = re.compile(
    r"^(?:重点|积极|加快|持续|全力|有序|稳步|力争|着力|大力|深入|谋划|启动|支持|继续)*"
    r"(?:实施|推进|新建|建设|推动|打造|完善|开展|提升|改造|建成|实现|规划建设|改扩建|扩建|"
    r"完成|维修|改建|探索|促进)*"
)
TRAILING = re.compile(r"(等重点项目|等重点工程|等项目|等工程|等建设|等)$")
OBJECT_SUFFIX = re.compile(
    r"(工程|项目|厂|站|场|路|桥|大桥|中学|小学|学校|幼儿园|医院|卫生院|中心|馆|园|库|水库|枢纽|灌区|基地|"
    r"平台|设施|管网|广场|公园|小区|片区|园区|通道|机场|铁路|公路|隧道|系统|专线|线)$"
)
# what a clause aims at rather than builds (`…提升城市管理精细化水平`, `…增强获得感`): not an item
ABSTRACT_END = re.compile(
    r"(水平|能力|效率|质量|防线|基础|高地|机制|格局|业态|获得感|幸福感|安全感|产出|底数|应用|资源|发展|现代化|共享|"
    r"支持|补贴|计划|活动|榜单|培养|服务|功能|目标|潜力|布局|为主|为重点|举措|资金)$"
)
WORK_ONLY = re.compile(r"(?:建设|改造|改扩建|扩建|新建|工程|项目)+")
WORK_SUFFIX = re.compile(r"(工程|项目|建设|改造|改扩建|扩建|新建)$")
# generic works the plan gives every county: 县(区), 县级, 农村, 村卫生室, 乡镇卫生院…
EVERY_COUNTY = re.compile(r"县[(（]区[)）]|各县|县级|县域|县区|农村|乡村|农牧区|农房|全市|^村|^乡镇|^市[、和]?县")
# a scope written once before a list: `县(区)民间艺术团排练场所、综合文化活动中心改扩建…`
SCOPE_PREFIX = re.compile(r"^(?:重点)?(?:县[(（]区[)）]|县级|县区|各县|乡村|农村|农牧区|乡镇|市[、和]?县)")
WITH_PREFECTURE = re.compile(r"^市[、和]?县")
ROUTE = re.compile(r"[至—–－]")
PLACE_END = re.compile(r"[乡镇村县区市]$")
ENTITY_END = re.compile(r"(乡|镇|村|县|区|市|中学|小学|学校|幼儿园|医院|寺|公园|水库)")

SECTOR_KEYWORDS = [
    ("sewage", "污水"),
    ("solid_waste", "垃圾"),
    ("water_supply", "供水|水厂|自来水|饮水"),
    ("heating", "供暖|供热|供氧|采暖"),
    ("drainage", "防洪|排涝|内涝|防涝|堤防"),
    ("roads", "道路|公路|大桥|桥梁|桥|路网|街|隧道|高速"),
    ("gas", "燃气|天然气管网"),
    ("education", "学校|中学|小学|幼儿园|教育|职业技术|学院|大学"),
    ("health", "医院|卫生|疾控|医疗|藏医|妇幼|健康"),
    ("water_conservancy", "水库|水利|灌区|枢纽|灌溉|河道|水网"),
    ("greening", "公园|绿地|绿化|绿道|广场"),
    ("housing", "公租房|周转房|安居|保障性住房"),
    ("urban_renewal", "棚户区|老旧小区|城市更新|旧城"),
    ("energy", "光伏|风电|电站|电网|变电|储能|能源|充电|地热|光热"),
    ("transport", "机场|铁路|航空|客运|物流枢纽"),
    ("culture_sport", "博物馆|图书馆|文化|体育|纪念馆|艺术|书店|融媒体|技艺"),
    ("tourism", "景区|旅游|文旅|古城|民宿|特色小镇"),
    ("agriculture", "农业|牧业|青稞|牦牛|种植|养殖|种养|饲草|农田|畜|繁育|扩繁|原种|良种|育肥"),
    ("ecology", "生态|造林|湿地|保护区|修复|环境|苗圃|林业|污染防治"),
    ("public_safety", "应急|消防|安全|防灾|监测预警|平安"),
    ("digital", "数据|数字|智慧|5G|信息化|算力|网络|新型基础设施"),
    ("social_services", "养老|托育|福利|救助|殡葬|残疾|就业|社会保障"),
    ("opening_up", "口岸|边贸|开放|边境经济"),
    ("industry", "园区|产业园|工业|加工"),
    ("commerce", "商贸|市场|物流|商业|第三产业|服务业"),
    ("innovation", "科技|创新|实验室|孵化"),
    ("rural", "乡村|村庄|人居环境"),
]


@dataclass
class DraftItem:
    name: str
    line: int
    kind: str = "project"
    counties: list[str] = field(default_factory=list)
    sector: str = ""
    sector_reason: str = ""
    quantity: str | None = None
    review: list[str] = field(default_factory=list)


@dataclass
class DraftGroup:
    label: str | None
    line: int
    county: str | None = None
    items: list[DraftItem] = field(default_factory=list)


@dataclass
class DraftColumn:
    number: int
    title: str
    line: int
    kind: str = "projects"
    sector: str = "social_services"
    groups: list[DraftGroup] = field(default_factory=list)
    places: list[tuple[str, str, str, int]] = field(default_factory=list)  # role, name, county, line


# --- reading the text ---------------------------------------------------------------


def read_text(path: Path) -> list[str]:
    """The plan's lines: decoded, simplified, without pinyin glosses or markdown."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserInputError(f"cannot read {path}: {error.strerror}") from None
    if not data.strip():
        raise DataError(f"{path}: the file is empty")
    if b"\x00" in data[:8192]:
        raise DataError(f"{path}: not a text file (binary data); convert the plan to plain text first")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(f"{path}: cannot decode the file as UTF-8 or GBK")
    text = PINYIN_GLOSS.sub("", text)
    if _looks_traditional(text):
        from opencc import OpenCC

        text = OpenCC("t2s").convert(text)
    return [line.replace("**", "").rstrip() for line in text.split("\n")]


def _looks_traditional(text: str) -> bool:
    sample = text[:20000]
    return sum(sample.count(c) for c in "們這個實國會發區縣鎮來時為與") > sum(
        sample.count(c) for c in "们这个实国会发区县镇来时为与"
    )


# --- the gazetteer --------------------------------------------------------------------


# Well-known places below county level and the county they are in, for county guesses.
LANDMARKS = {
    "八廓": "城关区",
    "大昭寺": "城关区",
    "布达拉宫": "城关区",
    "罗布林卡": "城关区",
    "宗角禄康": "城关区",
    "哲蚌寺": "城关区",
    "色拉寺": "城关区",
    "曲贡": "城关区",
    "夺底": "城关区",
    "蔡公堂": "城关区",
    "纳木措": "当雄县",
    "羊八井": "当雄县",
    "甲玛": "墨竹工卡县",
    "聂当": "曲水县",
    "俊巴": "曲水县",
    "文成公主": "西藏文化旅游创意园区",
    "柳梧": "拉萨高新技术产业开发区",
    "吞弥": "尼木县",
    "扎什伦布寺": "桑珠孜区",
    "吉隆口岸": "吉隆县",
    "樟木": "聂拉木县",
    "里孜": "仲巴县",
    "帕里": "亚东县",
    "然乌": "八宿县",
    "邦达": "八宿县",
    "俄洛": "卡若区",
}


# Township names that are also everyday words (门巴族, 紫金, 唐古拉山, 林卡 a park…): never read as places.
COMMON_WORD_STEMS = {
    "门巴",
    "紫金",
    "龙马",
    "巴扎",
    "唐古",
    "城南",
    "城北",
    "城关",
    "日星",
    "金珠",
    "林卡",
    "白玛",
    "如意",
    "吉日",
    "美玉",
}
TOWNSHIP_END = re.compile(r"(民族乡|街道|乡|镇)$")


def read_townships(path: Path) -> list[tuple[str, str]]:
    """(name, county code) of each township in `townships.csv`; [] if the file is absent."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["name"], row["county_code"]) for row in csv.DictReader(handle)]


class Places:
    def __init__(self, gazetteer: vocab.Gazetteer, region_code: str, townships: Sequence[tuple[str, str]] = ()):
        self.gazetteer = gazetteer
        self.region = gazetteer.place(region_code)
        inside = [p for p in gazetteer.places if gazetteer.within(p, region_code)]
        names = [
            (n, p) for p in inside if p.code != region_code for n in p.names() if len(n) >= 2 and vocab.has_chinese(n)
        ]  # romanised aliases never occur in the text
        by_name = {p.name: p for p in inside}
        names += [(landmark, by_name[county]) for landmark, county in LANDMARKS.items() if county in by_name]
        self.names = sorted(names, key=lambda pair: -len(pair[0]))
        self.counties = [p.name for p in gazetteer.children(region_code)]
        self.townships = self._township_names(townships, {p.code: p for p in inside})

    def _township_names(self, townships, by_code) -> list[tuple[str, str]]:
        """(name, county) for the region's townships, by full name and by stem (`东嘎乡`, `东嘎`);
        names shared by townships of two counties, or by a county, are left out."""
        counties: dict[str, set[str]] = {}
        for name, county_code in townships:
            county = by_code.get(county_code)
            if county is None:
                continue
            stem = TOWNSHIP_END.sub("", name)
            for key in {name, stem} if len(stem) >= 2 and stem not in COMMON_WORD_STEMS else {name}:
                counties.setdefault(key, set()).add(county.name)
        taken = {name for name, _ in self.names}
        found = [
            (key, next(iter(names)))
            for key, names in counties.items()
            if len(names) == 1 and not any(key in name for name in taken)
        ]
        return sorted(found, key=lambda pair: -len(pair[0]))

    def find(self, text: str) -> str | None:
        """The first county-level division named in the text (longest name wins)."""
        best = None
        for name, place in self.names:
            position = text.find(name)
            if position >= 0 and (best is None or position < best[0]):
                best = (position, place.name)
        return best[1] if best else None

    def locate(self, text: str) -> str | None:
        """The county of the text: a county-level name, else a township of the region."""
        found = self.find(text)
        if found:
            return found
        township = self.township_in(text)
        return township[1] if township else None

    def township_in(self, text: str) -> tuple[str, str] | None:
        """(name as written, county) of the first township named in the text."""
        best = None
        for name, county in self.townships:
            position = text.find(name)
            if position >= 0 and (best is None or position < best[0]):
                best = (position, name, county)
        return best[1:] if best else None

    def route(self, text: str) -> list[str]:
        """The counties a road or line runs through: `G561达孜区至林周县段` -> 达孜区, 林周县."""
        if not ROUTE.search(text):
            return []
        found, rest = [], text
        for name, place in self.names:
            if name in rest and place.level != "prefecture":
                found.append((text.find(name), place.name))
                rest = rest.replace(name, "\0" * len(name))
        counties = list(dict.fromkeys(county for _, county in sorted(found)))
        return counties if len(counties) >= 2 else []

    def names_region(self, text: str) -> bool:
        return self.without_region(text) != text

    def without_region(self, text: str) -> str:
        """The text after a leading 日喀则市 or 日喀则."""
        for name in (self.region.name, self.region.short_name):
            if name and text.startswith(name):
                return text[len(name) :]
        return text

    def is_township(self, text: str) -> bool:
        return any(text == name for name, _ in self.townships)

    def leading_township(self, text: str) -> tuple[str, str] | None:
        return next(((name, county) for name, county in self.townships if text.startswith(name)), None)

    def bare(self, text: str) -> str | None:
        """The division's full name if the text is nothing but its name (`江孜` -> 江孜县)."""
        text = text.strip()
        if text.startswith(self.region.name) and len(text) > len(self.region.name):
            text = text[len(self.region.name) :]
        found = self.county_label(text)
        return found if found and found != vocab.PREFECTURE_LEVEL else None

    def leading(self, text: str) -> tuple[str, str] | None:
        """(as written, full name) of a division named at the very start of the text."""
        for name, place in self.names:
            if text.startswith(name) and place.level != "prefecture":
                return name, place.name
        return None

    def glue_points(self) -> list[tuple[str, re.Pattern]]:
        """Names that start a new item where separators were lost, and what must come before them:
        anything for the region's full name, a finished name for a county, a work word for short names."""
        full = [(self.region.name, re.compile(r".{4}")), ("县(区)", OBJECT_SUFFIX), ("县（区）", OBJECT_SUFFIX)]
        full += [(name, OBJECT_SUFFIX) for name in self.counties]
        short = [p.short_name for p in (self.region, *self.gazetteer.children(self.region.code)) if p.short_name]
        return full + [(name, WORK_SUFFIX) for name in short if len(name) >= 2]

    def division_list(self, clause: str) -> list[str]:
        """The divisions of `市直、察雅县…` or `在市直、贡觉县…等地…`; [] unless every member is one."""
        clause = re.sub(r"^(?:争取)?在", "", clause.strip())
        clause = re.sub(r"等地.*$", "", clause)
        members = [self.county_label(m.strip()) for m in clause.split("、")]
        found = [member for member in members if member]
        return found if len(members) >= 2 and len(found) == len(members) else []

    def every_county(self, name: str) -> list[str] | None:
        """Every county for generic works (`18县(区)…`, `县级…`, `农村…`), with 市直 for `市、县…`."""
        rest = self.without_region(name)
        if not EVERY_COUNTY.search(rest):
            return None
        counted = re.search(r"(\d+)个?县", rest)
        if counted and int(counted.group(1)) != len(self.counties):
            return None
        return ([vocab.PREFECTURE_LEVEL] if WITH_PREFECTURE.match(rest) else []) + self.counties

    def county_label(self, label: str) -> str | None:
        label = label.strip()
        if label in (self.region.name, self.region.short_name, vocab.PREFECTURE_LEVEL):
            return vocab.PREFECTURE_LEVEL
        for name, place in self.names:
            if label == name:
                return place.name
        return None


def guess_region(lines: list[str], gazetteer: vocab.Gazetteer) -> str:
    counts: Counter[str] = Counter()
    text = "\n".join(lines)
    for place in gazetteer.places:
        if place.level == "prefecture":
            counts[place.code] = text.count(place.short_name or place.name)
    code, hits = counts.most_common(1)[0] if counts else ("", 0)
    if not hits:
        raise UserInputError("cannot tell which prefecture the plan covers; give --region")
    return code


# --- finding the 专栏 -------------------------------------------------------------------


def find_columns(lines: list[str]) -> list[DraftColumn]:
    columns: list[DraftColumn] = []
    starts = []
    for index, line in enumerate(lines):
        match = COLUMN.match(line.strip())
        if not match or TOC_ENTRY.search(line) or line.strip().startswith("专栏目录"):
            continue
        number = int(match.group(1)) if match.group(1) else (columns[-1].number + 1 if columns else 1)
        title = match.group(2).strip() or f"专栏{number}"
        columns.append(DraftColumn(number, title, index + 1))
        starts.append(index)
    return columns


def column_body(lines: list[str], columns: list[DraftColumn], position: int) -> list[tuple[int, str]]:
    start = columns[position].line
    end = columns[position + 1].line - 1 if position + 1 < len(columns) else len(lines)
    body = []
    for index in range(start, end):
        line = lines[index].strip()
        if HEADING.match(line) or line.startswith("图片") or re.match(r"^图\s*\d", line):
            break
        if line:
            body.append((index + 1, line))
    return body


def is_indicator_table(title: str, body: list[tuple[int, str]]) -> bool:
    text = title + " ".join(line for _, line in body[:40])
    return "指标" in title or ("预期性" in text or "约束性" in text) or text.count("\t") > 10


def is_town_list(title: str) -> bool:
    return any(word in title for word in ("城镇体系", "空间结构", "城镇空间"))


# --- reading a box ------------------------------------------------------------------------


@dataclass
class Piece:
    """One name found in a list, and where in the text its own words start."""

    name: str
    start: int = 0
    quantity: str | None = None
    kind: str = "project"
    counties: list[str] = field(default_factory=list)
    shared_county: bool = False


DENG = r"(?<![中高初平同对均])等(?![级同])"  # 等 as "and others", not 中等职业 or 等级
COUNTED = re.compile(
    rf"^(.+?){DENG}(边境|重点|其他|其余)?([\d{CHINESE_NUMBER}]+)\s*"
    r"(?:(个|所|项|座|家|条|处)|(县[(（]区[)）]|县))\s*(.+)$"
)
LEADING_COUNT = re.compile(r"^(\d+)\s*(个|所|项|座|处|条)(.{3,})$")
UNCOUNTED = re.compile(rf"^(.+?){DENG}([^\d{CHINESE_NUMBER}].+)$")
STATISTIC = re.compile(r"^(?:共|总|合计|涉及|累计|其中)\D{0,8}\d")
COUNTY_COUNT = re.compile(r"^(\S+?)\s*(\d+)\s*(个)\s*(乡镇|乡|镇|村|社区)$")
PAREN_LIST = re.compile(r"^(.*?)\s*\d+\s*个?\s*(?:乡镇|乡|镇|村)\s*[(（]([^()（）]+)[)）]\s*(.*)$")
LIST_NOTE = re.compile(r"[(（][^()（）]*、[^()（）]*[)）]")
LABEL_QUANTITY = re.compile(r"\s*[(（](\d+\s*[项个所座处条套户])[)）]\s*$")
DESCRIPTION = re.compile(r"^(?:重点发展|主要发展|发展|包含|包括|主要包括|功能定位|定位为)")
GLUED_LABEL = re.compile(r"^(.{3,18}?(?:项目|工程))(?![项工、，,；;。等及和的(（\s])(.{2,})$")
PLACE_AND_PLACE = re.compile(r"^(.*?[乡镇村])[和及](.{1,8}?[乡镇村])(.*)$")
NAME_AND = re.compile(r"^([^和及]{3,5}?)[和及](.{4,})$")
OBJECT_AND = re.compile(r"^(.{4,}?(?:工程|项目|中心|平台|馆|院|园|库|站))[和及](.{3,})$")


def _parts(text: str, separators: str) -> list[tuple[str, int]]:
    """Split at separators outside brackets, keeping each part's offset."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth = max(0, depth - 1)
        elif char in separators and depth == 0:
            parts.append((text[start:index], start))
            start = index + 1
    parts.append((text[start:], start))
    return parts


def _parallel_names(first: str, second: str) -> bool:
    """`岗巴羊` and `霍尔巴羊原种场改扩建`: the second's name ends like the first (羊), in its
    third character or later, and a work follows it."""
    end = second.find(first[-1], 2) + 1
    rest = second[end:]
    return end > 0 and _complete(rest) and not WORK_ONLY.fullmatch(rest)


def _only_an_aim(piece: Piece) -> bool:
    return (
        piece.kind == "project"
        and not piece.quantity
        and not _complete(piece.name)
        and bool(ABSTRACT_END.search(piece.name))
    )


def _is_bundle(name: str) -> bool:
    listed = UNCOUNTED.match(name)
    return bool(COUNTED.match(name) or (listed and _complete(listed.group(2))))


def _before_bracket(name: str) -> str:
    return re.sub(r"[(（].*$", "", name)


def _complete(name: str) -> bool:
    return bool(OBJECT_SUFFIX.search(name) or WORK_SUFFIX.search(name))


class ListSplitter:
    """Names in a list or sentence, with shared prefixes and suffixes expanded."""

    def __init__(self, places: Places | None = None):
        self.places = places

    def split(self, text: str) -> list[Piece]:
        pieces: list[Piece] = []
        text = re.sub(r"市、县(?=[（(]区|级|两级)", "市县", text)  # `市、县（区）…` is one work
        for clause, start in _parts(text, "。；;，,"):
            if not clause.strip() or STATISTIC.match(clause.strip()):
                continue
            per_county = self.per_county(clause, start, pieces[-1] if pieces else None)
            if per_county:
                pieces[-1:] = per_county
                continue
            for run in self.runs(clause, start):
                pieces.extend(self.share_scope(self.expand(run)))
        return [p for p in pieces if len(p.name) >= 3 and not _only_an_aim(p)]

    def per_county(self, clause: str, start: int, work: Piece | None) -> list[Piece]:
        """`卡若区 4 个乡镇、左贡县 5 个乡镇的…` after a work name: the work once per county."""
        if work is None or self.places is None:
            return []
        found = []
        for part, offset in _parts(re.sub(r"的.*$", "", clause), "、"):
            match = COUNTY_COUNT.match(part.strip())
            county = self.places.bare(match.group(1)) if match else None
            if not match or not county:
                return []
            quantity = "".join(match.group(2, 3, 4))
            found.append(Piece(county + work.name, start + offset, quantity, "programme", [county]))
        return found if len(found) >= 2 else []

    def runs(self, clause: str, start: int) -> list[list[tuple[str, int]]]:
        """The 、-lists of a clause; a lost separator (two names run together) ends a list."""
        runs: list[list[tuple[str, int]]] = [[]]
        for part, offset in _parts(clause, "、"):
            listed = PAREN_LIST.match(part.strip())
            if listed:  # `丁青县11乡镇(觉恩乡、沙贡乡…)污水处理设施`: one per township
                prefix, members, suffix = listed.groups()
                inner = start + offset + part.find(members)
                runs.append([(clean(prefix + m + suffix), inner + o) for m, o in _parts(members, "、")])
                runs.append([])
                continue
            for position, name in enumerate(self.unglue(self.clean(LIST_NOTE.sub("", part)))):
                if position:
                    runs.append([])
                runs[-1] += [(n, start + offset) for n in self.conjunctions(name)]
            if _is_bundle(runs[-1][-1][0] if runs[-1] else ""):  # `X等设施建设、Y等项目`: two lists
                runs.append([])
        return [
            r
            for r in ([(s, o) for s, o in run if len(s) >= 2 and re.search(r"[\u4e00-\u9fff]", s)] for run in runs)
            if r
        ]

    def clean(self, part: str) -> str:
        """`clean`, and a verb dropped before a short county name too (`实施尼木、当雄…`)."""
        stripped = LEADING_VERBS.sub("", part.strip(), count=1)
        return stripped if self.places and self.places.bare(stripped) else clean(part)

    def unglue(self, text: str) -> list[str]:
        """Names run together where a separator was lost: before the region's or a county's name,
        after `建设` or a bracket, when the text on both sides reads as a name."""
        if self.places is None:
            return [text]
        for name, before in self.places.glue_points():
            position = text.find(name, 4)
            if position > 0 and before.search(text[:position]):
                return [*self.unglue(clean(text[:position])), *self.unglue(clean(text[position:]))]
        glued = re.match(r"^(.{4,}?(?:建设|[^县乡][)）]))(?![项工等、])(.{3,})$", text)
        if glued and _complete(_before_bracket(glued.group(2))) and _complete(_before_bracket(glued.group(1))):
            return [glued.group(1), *self.unglue(glued.group(2))]
        return [text]

    def conjunctions(self, text: str) -> list[str]:
        """`阿旺乡和拉妥乡垃圾站` is two; `湘河水利枢纽及配套灌区工程` is one."""
        places = PLACE_AND_PLACE.match(text)
        if places and _suffix_of(places.group(2) + places.group(3)):
            suffix = places.group(3)
            return [places.group(1) + suffix, places.group(2) + suffix]
        names = NAME_AND.match(text)
        if names and _parallel_names(*names.groups()):  # 岗巴羊和霍尔巴羊原种场改扩建
            return [names.group(1), names.group(2)]
        objects = OBJECT_AND.match(text)
        if objects and not re.match(r"(?:配套|附属|周边|相关|其他)", objects.group(2)):
            return [objects.group(1), objects.group(2)]
        return [text]

    def expand(self, segments: list[tuple[str, int]]) -> list[Piece]:
        *members, (last, last_start) = segments
        counted = COUNTED.match(last)
        if counted:
            return self.counted_bundle(members, last_start, counted)
        leading = LEADING_COUNT.match(last)
        if leading and not members:
            return [Piece(leading.group(3), last_start, "".join(leading.group(1, 2)), "programme")]
        listed = UNCOUNTED.match(last)
        if listed and _complete(listed.group(2)):
            return self.category_bundle([*members, (listed.group(1), last_start)], listed.group(2))
        head = self.places.leading(last) if self.places else None
        after_county = last[len(head[0]) :] if head and _complete(last) and len(last) - len(head[0]) >= 2 else ""
        after_place = _suffix_of(last)
        if (
            after_place
            and self.places
            and (self.places.leading(after_place) or self.places.leading_township(after_place))
        ):
            after_place = ""  # `…水库、萨迦县卡嘎测试站`: what follows the county is another place's name
        if not members or not (after_county or after_place):
            return [Piece(name, start) for name, start in self.share_tail(segments)]
        pieces = [
            Piece(
                self.attach(m, after_county or after_place)
                if self.places and self.places.bare(m)
                else m + after_place
                if self.takes_suffix(m, ENTITY_END) and after_place
                else m,
                s,
            )
            for m, s in members
        ]
        pieces.append(Piece(self.attach(head[0], after_county) if head and after_county else last, last_start))
        return pieces

    def share_tail(self, segments: list[tuple[str, int]]) -> list[tuple[str, int]]:
        """`吉隆、樟木、陈塘口岸`, `黄牛、娟姗牛、奶牛生态养殖基地建设`: members that are only a name
        take the words after the last member's name."""
        *heads, (last, start) = segments
        if not heads or any(WORK_SUFFIX.search(h) or len(h) > 8 for h, _ in heads):
            return segments
        end = self.name_end(last, [h for h, _ in heads])
        if end is None:
            return segments
        return [(h + last[end:], s) for h, s in heads] + [(last, start)]

    def name_end(self, last: str, heads: list[str]) -> int | None:
        """Where the name ends in the last member: after a place when every other member is a place,
        else after the character the other names end with (牛 in 黄牛、娟姗牛、奶牛养殖基地)."""
        if self.places and all(self.places.bare(h) or self.places.is_township(h) for h in heads):
            place = self.places.leading(last) or self.places.leading_township(last)
            return len(place[0]) if place and len(last) - len(place[0]) in range(2, 5) else None
        finals = {h[-1] for h in heads}
        return next(
            (
                end
                for end in range(2, len(last) - 1)
                if last[end - 1] in finals and _complete(last[end:]) and not WORK_ONLY.fullmatch(last[end:])
            ),
            None,
        )

    def counted_bundle(self, members, start, match) -> list[Piece]:
        """`X、Y等N个Z项目`: X and Y as named projects, plus the programme Z with quantity N个."""
        named, qualifier, count, unit, county_unit, rest = match.groups()
        rest = TRAILING.sub("", rest.strip())
        pieces = [
            Piece(self.attach(m, rest) if self.takes_suffix(m) else m, s)
            for m, s in [*members, (named, start)]
            if _complete(m) or self.takes_suffix(m)
        ]
        quantity = f"{count}{unit or county_unit}"
        name = f"{qualifier or ''}{quantity}{rest}" if county_unit or len(rest) < 4 else rest
        return [*pieces, Piece(name, start, quantity, "programme", self.counties_of(pieces))]

    def category_bundle(self, members, category: str) -> list[Piece]:
        """`东嘎水库、康卓水库等中型水库建设`: the named works, plus the category as a programme."""
        attach = bool(OBJECT_SUFFIX.search(category)) and not re.match(r"重点|其他|相关", category)
        members = self.share_tail(members)
        pieces = [Piece(self.attach(m, category) if attach and not _complete(m) else m, s) for m, s in members]
        self.share_county(pieces, [not _complete(m) for m, _ in members])
        if category[0] in "县区":  # `A、B等县优质奶源基地` names all the counties it covers
            return pieces
        return [*pieces, Piece(category, members[-1][1], None, "programme", self.counties_of(pieces))]

    def share_scope(self, pieces: list[Piece]) -> list[Piece]:
        """`八廓古城设施提升工程、风貌整治工程…`: members that name no place of their own share the
        first member's county; `县(区)民间艺术团排练场所、综合文化活动中心改扩建…`: the members after
        one that opens with a scope share its every county. Either ends at a member that states a
        place or scope of its own."""
        if self.places is None or len(pieces) < 2:
            return pieces
        head = self.places.leading(pieces[0].name) if not pieces[0].counties else None
        county, every = head[1] if head else None, None
        for index, piece in enumerate(pieces):
            scope = self.scope(piece.name)
            if scope:
                county, every = None, scope
            elif EVERY_COUNTY.search(piece.name):  # its own scope (`12县(区)…`) ends the shared one
                county, every = None, None
            elif index == 0:
                continue
            elif piece.counties or self.places.locate(piece.name) or self.places.names_region(piece.name):
                county, every = None, None  # a member with a place of its own ends the sharing
            elif every:
                piece.counties, piece.kind = every, "programme"
            elif county:
                piece.counties, piece.shared_county = [county], True
        return pieces

    def scope(self, name: str) -> list[str] | None:
        """Every county, for a name that opens with a scope (`县(区)…`, `实施乡村…`, `日喀则市县级…`)."""
        if self.places is None:
            return None
        rest = self.places.without_region(LEADING_VERBS.sub("", name, count=1))
        return self.places.every_county(rest) if SCOPE_PREFIX.match(rest) else None

    def share_county(self, pieces: list[Piece], bare: list[bool]) -> None:
        """`聂拉木县嘉龙措、嘎龙措等…工程`: members without a place take the first one's county."""
        if self.places is None:
            return
        head = self.places.leading(pieces[0].name)
        if head is None or self.places.bare(pieces[0].name):
            return
        for piece, was_bare in zip(pieces[1:], bare[1:]):
            if was_bare and not self.places.locate(piece.name):
                piece.name = head[1] + piece.name

    def takes_suffix(self, member: str, ending: re.Pattern = PLACE_END) -> bool:
        if self.places and self.places.bare(member):
            return True
        return not WORK_SUFFIX.search(member) and bool(ending.search(member[-3:]))

    def attach(self, member: str, suffix: str) -> str:
        county = self.places.bare(member) if self.places else None
        if county:
            return county + re.sub(r"^(?:县[(（]区[)）]|县|区)", "", suffix)
        return member + suffix

    def counties_of(self, pieces: list[Piece]) -> list[str]:
        if self.places is None:
            return []
        return list(dict.fromkeys(c for c in (self.places.locate(p.name) for p in pieces) if c))


class ColumnReader:
    def __init__(self, places: Places):
        self.places = places
        self.splitter = ListSplitter(places)

    def read(self, column: DraftColumn, body: list[tuple[int, str]]) -> None:
        column.sector = guess_sector(column.title)[0] or "social_services"
        group: DraftGroup | None = None
        for line_number, raw, lines in join_continued(body):
            line = NUMBERING.sub("", raw).strip().lstrip("-").strip()
            sub = SUBPROGRAMME.match(raw.strip())
            if sub:
                label = sub.group(1).strip()
                group = DraftGroup(label, line_number)
                column.groups.append(group)
                group.items.append(DraftItem(label, line_number, kind="programme"))
                line = (sub.group(2) or "").strip()
                if not line:
                    continue
            else:
                label, rest = split_label(line, self.places)
                if label:
                    group = DraftGroup(label, line_number, self.places.county_label(label))
                    column.groups.append(group)
                    line = rest
                    if self.label_is_the_item(label, group, column, rest):
                        continue
            if group is None:
                group = DraftGroup(None, line_number)
                column.groups.append(group)
            offset = len(raw) - len(line)
            for piece in self.splitter.split(line):
                group.items.append(self.item(piece, lines(offset + piece.start), group, column))
        self.fill_programme_counties(column)

    def label_is_the_item(self, label: str, group: DraftGroup, column: DraftColumn, rest: str) -> bool:
        """`棚户区改造(36项): 市直、察雅县…` and `某园区: 重点发展…` are one programme each."""
        clauses = [c for c, _ in _parts(rest, "。；;，,")]
        counties = self.places.division_list(clauses[0])
        if not counties and not DESCRIPTION.match(rest):
            return False
        quantity = LABEL_QUANTITY.search(label)
        name = LABEL_QUANTITY.sub("", label)
        if quantity is None:
            quantity = next((re.search(r"\d+\s*[^\d\s]", c) for c in clauses[1:] if STATISTIC.match(c.strip())), None)
        piece = Piece(
            name,
            0,
            re.sub(r"\s", "", quantity.group(1 if quantity.re is LABEL_QUANTITY else 0)) if quantity else None,
            "programme",
            counties or [],
        )
        group.items.append(self.item(piece, group.line, group, column))
        return True

    def item(self, piece: Piece, line: int, group: DraftGroup, column: DraftColumn) -> DraftItem:
        name = piece.name
        item = DraftItem(name, line, kind=piece.kind, quantity=piece.quantity)
        county = group.county if group.county and group.county != vocab.PREFECTURE_LEVEL else None
        if county and county not in name and not name.startswith(self.places.region.name):
            item.name = county + name
        named = piece.counties or self.places.route(name) or [c for c in [self.places.find(name)] if c]
        township = None if named or group.county else self.places.township_in(name)
        every = self.places.every_county(name)
        if piece.shared_county:
            item.review.append("county taken from the list's first item")
        if named:
            item.counties = named
        elif group.county:
            item.counties = [group.county]
        elif township:
            item.counties = [township[1]]
            item.review.append(f"county from the township named {township[0]}")
        elif every:
            item.counties, item.kind = every, "programme"
        else:
            item.counties = [vocab.PREFECTURE_LEVEL]
            item.review.append("county not stated: 市直 assumed")
        sector, reason = guess_sector(name)
        label_sector, label_reason = guess_sector(group.label or "")
        if sector:
            item.sector, item.sector_reason = sector, reason
        elif label_sector:
            item.sector, item.sector_reason = label_sector, f"group label {label_reason}"
        else:
            item.sector, item.sector_reason = column.sector, "column title"
        if not OBJECT_SUFFIX.search(name) and item.kind == "project":
            item.review.append("no object word at the end: check the split")
        return item

    def fill_programme_counties(self, column: DraftColumn) -> None:
        for group in column.groups:
            programmes = [i for i in group.items if i.kind == "programme" and i.name == group.label and not i.counties]
            others = [i for i in group.items if i not in programmes]
            named = list(dict.fromkeys(c for i in others for c in i.counties))
            for programme in programmes:
                programme.counties = named or [vocab.PREFECTURE_LEVEL]
                programme.sector = guess_sector(programme.name)[0] or column.sector


def join_continued(body: list[tuple[int, str]]):
    """Lines with the line number each character came from: a list cut by a page break
    (a line ending in 、 or inside brackets) is read as one line."""
    joined: list[tuple[int, str, list[tuple[int, int]]]] = []
    for line_number, text in body:
        if joined and _unfinished(joined[-1][1]):
            first, previous, marks = joined[-1]
            joined[-1] = (first, previous + text, [*marks, (len(previous), line_number)])
        else:
            joined.append((line_number, text, [(0, line_number)]))
    for first, text, marks in joined:
        yield first, text, lambda offset, marks=marks: max(n for o, n in marks if o <= max(offset, 0))


def _unfinished(text: str) -> bool:
    return text.endswith("、") or text.count("(") + text.count("（") > text.count(")") + text.count("）")


def _opens_with_verb(text: str) -> bool:
    return LEADING_VERBS.sub("", text, count=1) != text


def split_label(line: str, places: Places | None = None) -> tuple[str | None, str]:
    match = LABEL.match(line)
    if match and len(match.group(2)) > 0:
        return match.group(1).strip(), match.group(2).strip()
    glued = GLUED_LABEL.match(line)
    if glued and not _opens_with_verb(glued.group(1)) and not (places and places.find(glued.group(1))):
        return glued.group(1), glued.group(2).strip()
    return None, line


def clean(segment: str) -> str:
    segment = segment.strip().strip("“”\"'")
    if segment.count("(") + segment.count("（") != segment.count(")") + segment.count("）"):
        segment = segment.strip("()（）")
    segment = LEADING_VERBS.sub("", segment, count=1) if len(segment) > 6 else segment
    segment = re.sub(r"(?<=[乡镇村县区])的", "", segment)
    segment = re.sub(r"[和及]$", "", segment)
    return TRAILING.sub("", segment).strip()


def _suffix_of(name: str) -> str:
    """The object words after the last place or entity word: 都瓦乡高海拔供暖工程 -> 高海拔供暖工程."""
    matches = list(ENTITY_END.finditer(name))
    if not matches or not OBJECT_SUFFIX.search(name):
        return ""
    tail = name[matches[-1].end() :]
    return tail if len(tail) >= 2 else ""


def guess_sector(text: str) -> tuple[str | None, str]:
    for code, pattern in SECTOR_KEYWORDS:
        match = re.search(pattern, text)
        if match:
            return code, f"keyword {match.group(0)}"
    return None, ""


# --- the draft -------------------------------------------------------------------------------


def draft(
    lines: list[str], gazetteer: vocab.Gazetteer, region_code: str, townships: Sequence[tuple[str, str]] = ()
) -> list[DraftColumn]:
    lines = [line.replace("**", "") for line in lines]
    columns = find_columns(lines)
    if not columns:
        raise DataError("no 专栏 found: the text has no boxed lists to draft from")
    reader = ColumnReader(Places(gazetteer, region_code, townships))
    for position, column in enumerate(columns):
        body = column_body(lines, columns, position)
        if is_indicator_table(column.title, body):
            column.kind = "indicators"
        elif is_town_list(column.title):
            column.kind = "places"
        else:
            reader.read(column, body)
    return columns


@dataclass
class PlanHeader:
    """What the text says of itself: title, period, kind of document, date; `review` lists what it does not."""

    title: str | None = None
    period: tuple[int, int] | None = None
    document_kind: str | None = None
    issued: str | None = None
    review: list[str] = field(default_factory=list)


_TITLE_END = re.compile(r"(规划纲要|纲要|规划|实施方案|行动计划|方案)$")
# The plan's own title in its notice of issue (`关于印发《…》`) or opening a line (`《…》已经…同意`);
# a 《…》 inside a sentence names another document.
_BOOK_TITLE = re.compile(r"(?:^|印发)《([^《》〈〉]{6,80}?)》")
# `“十五五”时期（2026—2030年）`, `规划期限为2021—2025年`: the plan's own period, not a range it cites.
_PERIOD = re.compile(r"(?:时期|规划期|期限为?)\s*[（(]?\s*(20\d\d)\s*年?\s*[—–\-－~～至]+\s*(20\d\d)\s*年?")
_ISSUED = re.compile(r"^(?:——)?\s*(20\d\d)年(\d{1,2})月(\d{1,2})日")
_FIVE_YEAR = {
    "十三五": 13,
    "十四五": 14,
    "十五五": 15,
    "十六五": 16,
    "第十三个五年": 13,
    "第十四个五年": 14,
    "第十五个五年": 15,
    "第十六个五年": 16,
}
HEAD_LINES = 40


def read_header(lines: list[str]) -> PlanHeader:
    """The plan's title, period, document kind and date, from its first lines; what is not found is
    listed in `review` (a draft is never given a guess that looks like a fact)."""
    head = [re.sub(r"\s+", "", line) for line in lines[:HEAD_LINES]]
    header = PlanHeader(title=_title(head))
    if header.title is None:
        header.review.append("title: not found in the first lines; write the plan's full title")
    header.period = _period(header.title or "", lines)
    if header.period is None:
        header.review.append(
            "period: neither a five-year plan number nor a year range (2021—2025年) found; "
            "[2021, 2025] is a placeholder"
        )
    header.document_kind = _document_kind(header.title or "")
    if header.document_kind is None:
        header.review.append(
            "document_kind: the title does not say (五年规划纲要, 专项规划 or 实施方案); 专项规划 is a placeholder"
        )
    header.issued = next((f"{m[1]}-{int(m[2]):02d}-{int(m[3]):02d}" for m in map(_ISSUED.match, head) if m), None)
    if header.issued is None:
        header.review.append("issued: no date of issue or adoption found in the first lines")
    return header


def _title(head: list[str]) -> str | None:
    for line in head:
        for found in _BOOK_TITLE.findall(line):
            if _TITLE_END.search(found):
                return found
    for position, line in enumerate(head):
        if not line or len(line) > 80 or line.endswith(("：", "。", "，")):
            continue
        following = next((n for n in head[position + 1 : position + 3] if n), "")
        for candidate in (line, line + following):
            if len(candidate) >= 8 and _TITLE_END.search(candidate) and not candidate.startswith(("——", "关于")):
                return candidate.lstrip("—")
    return None


def _period(title: str, lines: list[str]) -> tuple[int, int] | None:
    for words, number in _FIVE_YEAR.items():
        if words in title:
            start = 2006 + 5 * (number - 11)  # the 11th five-year plan ran 2006–2010
            return start, start + 4
    for line in lines[: HEAD_LINES * 3]:
        found = _PERIOD.search(line)
        if found and int(found[1]) < int(found[2]):
            return int(found[1]), int(found[2])
    return None


def _document_kind(title: str) -> str | None:
    if title.endswith("纲要"):
        return "五年规划纲要"
    if title.endswith(("实施方案", "行动计划", "方案")):
        return "实施方案"
    if title.endswith("规划"):
        return "专项规划"
    return None


def render_yaml(
    columns: list[DraftColumn], *, key: str, prefix: str, region: str, source: str, header: PlanHeader | None = None
) -> str:
    header = header or PlanHeader(review=["title, period, document_kind, issued: not read from the text"])
    start, end = header.period or (2021, 2025)  # a placeholder only with a review marker (see read_header)
    out = [
        f"# Draft made by `portfolio extract` from {source}. Review every item marked `review:`,",
        "# then remove the markers (`portfolio seed check` refuses them). Sector reasons are comments.",
        "plan:",
        f"  key: {key}",
        f"  code_prefix: {prefix}",
        f"  title: {_quote(header.title or 'TODO')}",
        f"  region: {region}",
        f"  period: [{start}, {end}]",
        f"  document_kind: {header.document_kind or '专项规划'}",
    ]
    if header.issued:
        out.append(f"  issued: {header.issued}")
    out.append(f"  source: {source}")
    if header.review:
        out.append(f"  review: {_quote('; '.join(header.review))}")
    out.append("columns:")
    for column in columns:
        if column.kind == "indicators":
            out.append(
                f"  # 专栏{column.number} {column.title} (line {column.line}) is an indicator table: "
                f"curate it into indicators/{key}.yaml"
            )
            continue
        if column.kind == "places":
            out.append(
                f"  # 专栏{column.number} {column.title} (line {column.line}) lists towns: curate it as "
                f"a `kind: places` column"
            )
            continue
        out += [
            f"  - number: {column.number}",
            f"    title: {_quote(column.title)}",
            "    kind: projects",
            f"    line: {column.line}",
            f"    sector: {column.sector}",
            "    groups:",
        ]
        sequence = 0
        for group in column.groups:
            if not group.items:
                continue
            out += [
                f"      - label: {_quote(group.label) if group.label else 'null'}",
                f"        line: {group.line}",
                "        items:",
            ]
            for item in group.items:
                sequence += 1
                out.append(f"          # sector {item.sector}: {item.sector_reason or 'column default'}")
                out += [
                    f"          - code: {prefix}-{column.number:02d}-{sequence:03d}",
                    f"            name: {_quote(item.name)}",
                    f"            line: {item.line}",
                ]
                if item.kind != "project":
                    out.append(f"            kind: {item.kind}")
                out += _location_lines(item.counties)
                out.append(f"            sector: {item.sector}")
                if item.quantity:
                    out.append(f"            quantity: {_quote(item.quantity)}")
                if item.review:
                    out.append(f"            review: {_quote('; '.join(item.review))}")
    return "\n".join(out) + "\n"


def _location_lines(counties: list[str]) -> list[str]:
    """`市直` (a prefecture-level unit, place not stated) is written as where the work stands
    (`unspecified`) and the level at which the plan places it (`市级`)."""
    written = ["unspecified" if c == vocab.PREFECTURE_LEVEL else c for c in counties]
    lines = [f"            counties: [{', '.join(_quote(c) for c in written)}]"]
    if vocab.PREFECTURE_LEVEL in counties:
        lines.append("            level: 市级")
    return lines


def _quote(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


# --- comparing with a curated file ----------------------------------------------------------


@dataclass
class Comparison:
    curated: int
    drafted: int
    matched: list[tuple[object, object]]
    missing: list[object]
    extra: list[object]

    @property
    def recall(self) -> float:
        return len(self.matched) / self.curated if self.curated else 0.0

    @property
    def precision(self) -> float:
        return len(self.matched) / self.drafted if self.drafted else 0.0

    def agreement(self, attribute: str) -> float:
        if not self.matched:
            return 0.0

        def value(item):
            found = getattr(item, attribute)
            return frozenset(found) if isinstance(found, (list, tuple)) else found

        same = sum(value(c) == value(d) for c, d in self.matched)
        return same / len(self.matched)


def normalise(name: str, place_names: list[str]) -> str:
    name = re.sub(r"[\s\"“”（）()、，,：:]", "", name)
    for place in place_names:
        if name.startswith(place) and len(name) > len(place) + 2:
            name = name[len(place) :]
            break
    return name


def compare(curated: list, drafted: list, place_names: list[str]) -> Comparison:
    """Match items within a 专栏: first every exact match (by full name, then by name without its
    leading place), then by containment or similarity. Ties go to the draft item on the same line,
    then in the same county, so that `八宿县县城供暖工程` is not matched with `边坝县县城供暖工程`."""
    keyed = [(normalise(d.name, []), normalise(d.name, place_names), d) for d in drafted]
    pairs: dict[int, object] = {}
    for how in ("full", "key", "similar"):
        for position, item in enumerate(curated):
            if position in pairs:
                continue
            best = _best_match(item, keyed, place_names, how)
            if best is not None:
                keyed = [entry for entry in keyed if entry[2] is not best]
                pairs[position] = best
    matched = [(item, pairs[position]) for position, item in enumerate(curated) if position in pairs]
    missing = [item for position, item in enumerate(curated) if position not in pairs]
    return Comparison(len(curated), len(drafted), matched, missing, [d for _, _, d in keyed])


def _best_match(item, keyed, place_names: list[str], how: str):
    """The draft item matching `item` by full name, by name without its place, or by similarity."""
    import difflib

    full, key = normalise(item.name, []), normalise(item.name, place_names)
    candidates = [(f, k, d) for f, k, d in keyed if d.column_number == item.column_number]
    if how == "full":
        return _closest(item, [(k, d) for f, k, d in candidates if f == full])
    if how == "key":
        return _closest(item, [(k, d) for f, k, d in candidates if k == key])
    scored = [
        (difflib.SequenceMatcher(None, key, k).ratio(), k, d)
        for _, k, d in candidates
        if key in k or k in key or difflib.SequenceMatcher(None, key, k).quick_ratio() > 0.8
    ]
    scored = [s for s in scored if s[0] >= 0.8 or ((s[1] in key or key in s[1]) and len(s[1]) >= 4)]
    if not scored:
        return None
    return max(scored, key=lambda s: (s[0], set(s[2].division_codes) == set(item.division_codes)))[2]


def _closest(item: SeedProject, candidates: list[tuple[str, SeedProject]]) -> SeedProject | None:
    if not candidates:
        return None
    return max(
        candidates,
        key=lambda c: (c[1].source_line == item.source_line, set(c[1].division_codes) == set(item.division_codes)),
    )[1]
