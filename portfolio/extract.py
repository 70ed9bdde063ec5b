"""Draft seed files from a plan's plain text, and compare drafts with curated files.

A draft gets most items right and marks the rest with `review:` so a curator can finish
it in an hour instead of days. Heuristics, in order: find the 专栏 headings, cut each box
at the next chapter or section heading, recognise indicator tables and town lists, then
read group labels (`芒康县：`, `01 道路桥梁提质工程`, a category glued to its first item),
split lists (、，；) and expand shared prefixes and suffixes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from portfolio import vocab
from portfolio.errors import DataError, UserInputError

CHINESE_NUMBER = "一二三四五六七八九十百零〇两"
HEADING = re.compile(rf"^第[{CHINESE_NUMBER}\d]+[篇章节]")
COLUMN = re.compile(r"^专栏\s*(\d+)?\s*[:：]?\s*(.*)$")
TOC_ENTRY = re.compile(r"(\.{3,}|…{2,}|[\t ]-?\s*\d+\s*-\s*$|\t\d+\s*$)")
PINYIN_GLOSS = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")
NUMBERING = re.compile(r"^(?:[-•·]\s*)?(?:\d+[、.．]|（\d+）|\(\d+\)|[一二三四五六七八九十]+、)\s*")
SUBPROGRAMME = re.compile(r"^0\d\s+(\S[^\t]*?)\s*(?:\t(.*))?$")
LABEL = re.compile(r"^([^、，,；;：:]{2,24}?)\s*[：:]\s*(.*)$")
BUNDLE = re.compile(rf"^(.+?)等([\d{CHINESE_NUMBER}]+)(个|所|项|座|家|条|处)(.+)$")
LEADING_VERBS = re.compile(r"^(?:重点|积极|加快|持续|全力|有序|稳步|力争|着力|大力|深入|谋划|启动|支持|继续)*"
                           r"(?:实施|推进|新建|建设|推动|打造|完善|开展|提升|改造|建成|实现|规划建设|改扩建|扩建)?")
TRAILING = re.compile(r"(等重点项目|等重点工程|等项目|等工程|等建设|等)$")
OBJECT_SUFFIX = re.compile(r"(工程|项目|厂|站|场|路|桥|大桥|中学|小学|学校|幼儿园|医院|卫生院|中心|馆|园|库|水库|枢纽|灌区|基地|"
                           r"平台|设施|管网|广场|公园|小区|片区|通道|机场|铁路|公路|隧道|系统|专线|线)$")
WORK_SUFFIX = re.compile(r"(工程|项目|建设|改造|改扩建|扩建|新建)$")
ENTITY_END = re.compile(r"(乡|镇|村|县|区|市|中学|小学|学校|幼儿园|医院|寺|公园|水库)")

SECTOR_KEYWORDS = [
    ("sewage", "污水"), ("solid_waste", "垃圾"), ("water_supply", "供水|水厂|自来水|饮水"),
    ("heating", "供暖|供热|供氧|采暖"), ("drainage", "防洪|排涝|内涝|防涝|堤防"),
    ("roads", "道路|公路|大桥|桥梁|桥|路网|街|隧道|高速"), ("gas", "燃气|天然气管网"),
    ("education", "学校|中学|小学|幼儿园|教育|职业技术|学院|大学"), ("health", "医院|卫生|疾控|医疗|藏医|妇幼"),
    ("water_conservancy", "水库|水利|灌区|枢纽|灌溉|河道|水网"), ("greening", "公园|绿地|绿化|绿道|广场"),
    ("housing", "公租房|周转房|安居|保障性住房"), ("urban_renewal", "棚户区|老旧小区|城市更新|旧城"),
    ("energy", "光伏|风电|电站|电网|变电|储能|能源|充电|地热|光热"), ("transport", "机场|铁路|航空|客运|物流枢纽"),
    ("culture_sport", "博物馆|图书馆|文化|体育|纪念馆|艺术"), ("tourism", "景区|旅游|文旅"),
    ("agriculture", "农业|牧业|青稞|牦牛|种植|养殖|饲草|农田|畜"), ("ecology", "生态|造林|湿地|保护区|修复|环境"),
    ("public_safety", "应急|消防|安全|防灾|监测预警"), ("digital", "数据|数字|智慧|5G|信息化|算力|网络"),
    ("social_services", "养老|托育|福利|救助|殡葬|残疾|就业|社会保障"), ("opening_up", "口岸|边贸|开放|边境经济"),
    ("industry", "园区|产业园|工业|加工"), ("commerce", "商贸|市场|物流|商业"), ("innovation", "科技|创新|实验室|孵化"),
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
        sample.count(c) for c in "们这个实国会发区县镇来时为与")


# --- the gazetteer --------------------------------------------------------------------


# Well-known places below county level and the county they are in, for county guesses.
LANDMARKS = {
    "八廓": "城关区", "大昭寺": "城关区", "布达拉宫": "城关区", "罗布林卡": "城关区", "宗角禄康": "城关区",
    "哲蚌寺": "城关区", "色拉寺": "城关区", "曲贡": "城关区", "夺底": "城关区", "蔡公堂": "城关区",
    "纳木措": "当雄县", "羊八井": "当雄县", "甲玛": "墨竹工卡县", "聂当": "曲水县", "俊巴": "曲水县",
    "文成公主": "西藏文化旅游创意园区", "柳梧": "拉萨高新技术产业开发区", "吞弥": "尼木县",
    "扎什伦布寺": "桑珠孜区", "吉隆口岸": "吉隆县", "樟木": "聂拉木县", "里孜": "仲巴县", "帕里": "亚东县",
    "然乌": "八宿县", "邦达": "八宿县", "俄洛": "卡若区",
}


class Places:
    def __init__(self, gazetteer: vocab.Gazetteer, region_code: str):
        self.gazetteer = gazetteer
        self.region = gazetteer.get(region_code)
        inside = [p for p in gazetteer.places if gazetteer.within(p, region_code)]
        names = [(n, p) for p in inside if p.code != region_code for n in p.names() if len(n) >= 2]
        by_name = {p.name: p for p in inside}
        names += [(landmark, by_name[county]) for landmark, county in LANDMARKS.items() if county in by_name]
        self.names = sorted(names, key=lambda pair: -len(pair[0]))

    def find(self, text: str) -> str | None:
        """The first county-level division named in the text (longest name wins)."""
        best = None
        for name, place in self.names:
            position = text.find(name)
            if position >= 0 and (best is None or position < best[0]):
                best = (position, place.name)
        return best[1] if best else None

    def county_label(self, label: str) -> str | None:
        label = label.strip()
        if label in (self.region.name, self.region.short_name, vocab.PREFECTURE_LEVEL):
            return vocab.PREFECTURE_LEVEL
        for name, place in self.names:
            if label == name:
                return place.name
        return None


def guess_region(lines: list[str], gazetteer: vocab.Gazetteer) -> str:
    counts = Counter()
    text = "\n".join(lines)
    for place in gazetteer.places:
        if place.level == "prefecture":
            counts[place.code] = text.count(place.short_name or place.name)
    code, hits = counts.most_common(1)[0] if counts else (None, 0)
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


class ColumnReader:
    def __init__(self, places: Places):
        self.places = places

    def read(self, column: DraftColumn, body: list[tuple[int, str]]) -> None:
        column.sector = guess_sector(column.title)[0] or "social_services"
        group: DraftGroup | None = None
        for line_number, raw in body:
            line = NUMBERING.sub("", raw).strip().lstrip("-").strip()
            sub = SUBPROGRAMME.match(raw.strip())
            if sub:
                group = DraftGroup(sub.group(1).strip(), line_number)
                column.groups.append(group)
                group.items.append(DraftItem(group.label, line_number, kind="programme"))
                line = (sub.group(2) or "").strip()
                if not line:
                    continue
            else:
                label, rest = split_label(line)
                if label:
                    group = DraftGroup(label, line_number, self.places.county_label(label))
                    column.groups.append(group)
                    line = rest
            if group is None:
                group = DraftGroup(None, line_number)
                column.groups.append(group)
            for name, bundle in split_items(line):
                group.items.append(self.item(name, line_number, group, column, bundle))
        self.fill_programme_counties(column)

    def item(self, name: str, line: int, group: DraftGroup, column: DraftColumn, bundle) -> DraftItem:
        item = DraftItem(name, line)
        if bundle:
            item.kind, item.quantity = "programme", bundle
        named = self.places.find(name)
        county = group.county if group.county and group.county != vocab.PREFECTURE_LEVEL else None
        if county and county not in name and not name.startswith(self.places.region.name):
            item.name = county + name
        if named:
            item.counties = [named]
        elif group.county:
            item.counties = [group.county]
        else:
            item.counties = [vocab.PREFECTURE_LEVEL]
            item.review.append("county not stated: 市直 assumed")
        sector, reason = guess_sector(name)
        item.sector, item.sector_reason = (sector, reason) if sector else (column.sector, "column title")
        if not OBJECT_SUFFIX.search(name) and item.kind == "project":
            item.review.append("no object word at the end: check the split")
        return item

    def fill_programme_counties(self, column: DraftColumn) -> None:
        for group in column.groups:
            programmes = [i for i in group.items if i.kind == "programme" and i.name == group.label]
            others = [i for i in group.items if i not in programmes]
            named = sorted({c for i in others for c in i.counties})
            for programme in programmes:
                programme.counties = named or [vocab.PREFECTURE_LEVEL]
                programme.sector = guess_sector(programme.name)[0] or column.sector


def split_label(line: str) -> tuple[str | None, str]:
    match = LABEL.match(line)
    if match and len(match.group(2)) > 0:
        return match.group(1).strip(), match.group(2).strip()
    first = re.split(r"[、，,；;]", line, maxsplit=1)[0]
    glued = first.find("项目")
    if 2 < glued < len(first) - 5:
        return first[:glued + 2], line[glued + 2:].strip()
    return None, line


def split_items(text: str) -> list[tuple[str, str | None]]:
    """Names in a list or sentence, with shared prefixes and suffixes expanded."""
    items: list[tuple[str, str | None]] = []
    for clause in re.split(r"[。；;，,]", text):
        segments = [clean(s) for s in clause.split("、")]
        segments = [s for s in segments if len(s) >= 2 and re.search(r"[\u4e00-\u9fff]", s)]
        if not segments:
            continue
        for segment in expand_shared_suffix(segments):
            items.extend(_bundle_or_item(segment))
    return [(name, bundle) for name, bundle in items if len(name) >= 3]


def _bundle_or_item(segment: str) -> list[tuple[str, str | None]]:
    bundle = BUNDLE.match(segment)
    if not bundle:
        return [(segment, None)]
    named, count, unit, rest = bundle.groups()
    found = []
    if OBJECT_SUFFIX.search(named) or ENTITY_END.search(named):
        found.append((named + _suffix_of(rest), None))
    found.append((TRAILING.sub("", rest.strip()), f"{count}{unit}"))
    return found


def clean(segment: str) -> str:
    segment = segment.strip().strip("“”\"'()（）")
    segment = LEADING_VERBS.sub("", segment, count=1) if len(segment) > 6 else segment
    return TRAILING.sub("", segment).strip()


def expand_shared_suffix(segments: list[str]) -> list[str]:
    last = segments[-1]
    listed = re.match(r"^(.+?)等([^\d一二三四五六七八九十].+)$", last)
    if listed and len(segments) >= 2 and OBJECT_SUFFIX.search(listed.group(2)):
        head, suffix = listed.groups()
        return [s if OBJECT_SUFFIX.search(s) else s + suffix for s in [*segments[:-1], head]]
    suffix = _suffix_of(last)
    if not suffix or len(segments) < 2:
        return segments
    expanded = [s + suffix if not WORK_SUFFIX.search(s) and ENTITY_END.search(s[-3:]) else s
                for s in segments[:-1]]
    return [*expanded, last]


def _suffix_of(name: str) -> str:
    """The object words after the last place or entity word: 都瓦乡高海拔供暖工程 -> 高海拔供暖工程."""
    matches = list(ENTITY_END.finditer(name))
    if not matches or not OBJECT_SUFFIX.search(name):
        return ""
    tail = name[matches[-1].end():]
    return tail if len(tail) >= 2 else ""


def guess_sector(text: str) -> tuple[str | None, str]:
    for code, pattern in SECTOR_KEYWORDS:
        match = re.search(pattern, text)
        if match:
            return code, f"keyword {match.group(0)}"
    return None, ""


# --- the draft -------------------------------------------------------------------------------


def draft(lines: list[str], gazetteer: vocab.Gazetteer, region_code: str) -> list[DraftColumn]:
    lines = [line.replace("**", "") for line in lines]
    columns = find_columns(lines)
    if not columns:
        raise DataError("no 专栏 found: the text has no boxed lists to draft from")
    reader = ColumnReader(Places(gazetteer, region_code))
    for position, column in enumerate(columns):
        body = column_body(lines, columns, position)
        if is_indicator_table(column.title, body):
            column.kind = "indicators"
        elif is_town_list(column.title):
            column.kind = "places"
        else:
            reader.read(column, body)
    return columns


def render_yaml(columns: list[DraftColumn], *, key: str, prefix: str, region: str, source: str) -> str:
    out = [f"# Draft made by `portfolio extract` from {source}. Review every item marked `review:`,",
           "# then remove the markers. Sector reasons are given as comments.",
           "plan:", f"  key: {key}", f"  code_prefix: {prefix}", "  title: TODO", f"  region: {region}",
           "  period: [2021, 2025]", "  document_kind: 专项规划", f"  source: {source}", "columns:"]
    for column in columns:
        if column.kind == "indicators":
            out.append(f"  # 专栏{column.number} {column.title} (line {column.line}) is an indicator table: "
                       f"curate it into indicators/{key}.yaml")
            continue
        if column.kind == "places":
            out.append(f"  # 专栏{column.number} {column.title} (line {column.line}) lists towns: curate it as "
                       f"a `kind: places` column")
            continue
        out += [f"  - number: {column.number}", f"    title: {_quote(column.title)}", "    kind: projects",
                f"    line: {column.line}", f"    sector: {column.sector}", "    groups:"]
        sequence = 0
        for group in column.groups:
            if not group.items:
                continue
            out += [f"      - label: {_quote(group.label) if group.label else 'null'}", f"        line: {group.line}",
                    "        items:"]
            for item in group.items:
                sequence += 1
                out.append(f"          # sector {item.sector}: {item.sector_reason or 'column default'}")
                out += [f"          - code: {prefix}-{column.number:02d}-{sequence:03d}",
                        f"            name: {_quote(item.name)}", f"            line: {item.line}"]
                if item.kind != "project":
                    out.append(f"            kind: {item.kind}")
                counties = ", ".join(_quote(c) for c in item.counties)
                out.append(f"            counties: [{counties}]")
                out.append(f"            sector: {item.sector}")
                if item.quantity:
                    out.append(f"            quantity: {_quote(item.quantity)}")
                if item.review:
                    out.append(f"            review: {_quote('; '.join(item.review))}")
    return "\n".join(out) + "\n"


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
            name = name[len(place):]
            break
    return name


def compare(curated: list, drafted: list, place_names: list[str]) -> Comparison:
    """Match items by normalised name (exact, then containment, then similarity) within a 专栏."""
    import difflib

    remaining = list(drafted)
    matched, missing = [], []
    keyed = [(normalise(d.name, place_names), d) for d in remaining]
    for item in curated:
        key = normalise(item.name, place_names)
        candidates = [(k, d) for k, d in keyed if d.column_number == item.column_number]
        best = next(((k, d) for k, d in candidates if k == key), None)
        if best is None:
            scored = [(difflib.SequenceMatcher(None, key, k).ratio(), k, d) for k, d in candidates
                      if key in k or k in key or difflib.SequenceMatcher(None, key, k).quick_ratio() > 0.8]
            scored = [s for s in scored if s[0] >= 0.8 or (s[1] in key or key in s[1]) and len(s[1]) >= 4]
            best = max(scored, key=lambda s: s[0])[1:] if scored else None
        if best is None:
            missing.append(item)
            continue
        keyed.remove(best)
        matched.append((item, best[1]))
    return Comparison(len(curated), len(drafted), matched, missing, [d for _, d in keyed])
