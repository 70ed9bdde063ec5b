"""Controlled vocabularies: parse Chinese or English input, show Chinese labels.

Each vocabulary is defined once, as a `Vocabulary` enum whose members carry the value
stored in the database, a stable machine code, the Chinese label, the OC4IDS code and the
words users may type for it. The CHECK constraints (models.py), the seed validation, the
parsing of user words, the labels shown and the OC4IDS export all read these enums.

Also the gazetteer lookup (county names, short names, aliases, pinyin, codes) and
close-match suggestions for error messages.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Self

from portfolio.errors import UserInputError


class Vocabulary(StrEnum):
    """A controlled value. The member *is* the stored string; `code` is the stable machine code
    (JSON, CSV), `label` the Chinese label, `oc4ids` the OC4IDS code if there is one, `synonyms`
    other words users type for it."""

    code: str
    label: str
    oc4ids: str | None
    synonyms: tuple[str, ...]

    def __new__(
        cls, value: str, label: str, code: str | None = None, oc4ids: str | None = None, synonyms: tuple[str, ...] = ()
    ):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.code = code or value
        member.oc4ids = oc4ids
        member.synonyms = synonyms
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The stored values, in their natural order (a status's lifecycle order)."""
        return tuple(member.value for member in cls)

    @classmethod
    def of(cls, value: str) -> Self:
        """The member for a stored value or a code."""
        for member in cls:
            if value in (member.value, member.code):
                return member
        raise ValueError(f"{value!r} is not a {cls.__name__}")

    @classmethod
    def allowed(cls) -> str:
        return ", ".join(f"{m.value} ({m.code})" if m.code != m.value else m.value for m in cls)

    @classmethod
    def parse(cls, value: str, what: str) -> Self:
        """The member for words a user typed: the stored value, its code, label, OC4IDS code or a synonym."""
        key = _normalise(value)
        table: dict[str, Self] = {}
        for member in reversed(list(cls)):  # the first member wins a shared OC4IDS code (扩建 over 改扩建)
            for word in (member.oc4ids, *member.synonyms):
                if word:
                    table[word.lower()] = member
        for member in cls:
            for word in (member.value, member.code, member.label):
                table[word.lower()] = member
        if key in table:
            return table[key]
        raise UserInputError(f"unknown {what} {value!r}{did_you_mean(value, table.keys())}; allowed: {cls.allowed()}")


class Status(Vocabulary):
    """A project's phase (stored in Chinese); codes follow OC4IDS projectStatus."""

    IDENTIFICATION = "谋划", "谋划", "identification", "identification", ("储备", "planning", "planned")
    PREPARATION = "前期", "前期", "preparation", "preparation"
    IMPLEMENTATION = (
        "在建",
        "在建",
        "implementation",
        "implementation",
        ("新开工", "续建", "construction", "building", "under construction"),
    )
    COMPLETION = (
        "建成",
        "建成",
        "completion",
        "completion",
        ("竣工", "完工", "建成投产", "completed", "complete", "maintenance"),
    )
    SUSPENDED = "暂缓", "暂缓", "suspended", None, ("on hold", "on-hold", "paused")
    CANCELLED = "取消", "取消", "cancelled", "cancelled", ("canceled",)


class BuildType(Vocabulary):
    """建设性质 (stored in Chinese), with its OC4IDS projectType."""

    NEW = "新建", "新建", "new", "construction"
    EXPANSION = "扩建", "扩建", "expansion", "expansion"
    REBUILD = "改建", "改建", "rebuild", "rehabilitation"
    REBUILD_EXPANSION = "改扩建", "改扩建", "rebuild_expansion", "expansion"
    CONTINUATION = "续建", "续建", "continuation", "construction"
    RELOCATION = "迁建", "迁建", "relocation", "replacement", ("搬迁", "异地新建")


class ProjectKind(Vocabulary):
    PROJECT = "project", "项目"
    PROGRAMME = "programme", "项目群", None, None, ("program", "规划项")


class ProjectLevel(Vocabulary):
    """The level at which the plan places a work: under the prefecture (or owned by it) or a county's."""

    PREFECTURE = "市级", "市级", "prefecture", None, ("市", "地级", "city")
    COUNTY = "县级", "县级", "county", None, ("县", "区县")


class DivisionLevel(Vocabulary):
    PROVINCE = "province", "省级"
    PREFECTURE = "prefecture", "地级"
    COUNTY = "county", "县级"
    ZONE = "zone", "功能区"


class ColumnKind(Vocabulary):
    """What a 专栏 lists."""

    PROJECTS = "projects", "项目"
    INDICATORS = "indicators", "指标"
    PLACES = "places", "城镇"


class LinkRelation(Vocabulary):
    """A curated relation between two items."""

    PART_OF = "part_of", "属于"
    SAME_WORK = "same_work", "同一工程"


class Origin(Vocabulary):
    """Who recorded a status event: the plan itself (seed data) or a user."""

    SEED = "seed", "规划"
    USER = "user", "用户"


class IndicatorAttribute(Vocabulary):
    EXPECTED = "预期性", "预期性", "expected"
    BINDING = "约束性", "约束性", "binding"


class DocumentKind(Vocabulary):
    OUTLINE = "五年规划纲要", "五年规划纲要", "outline"
    SPECIAL_PLAN = "专项规划", "专项规划", "special_plan"
    IMPLEMENTATION_PLAN = "实施方案", "实施方案", "implementation_plan"


class AccountState(Vocabulary):
    """Whether an account may log in and write."""

    ACTIVE = "active", "启用"
    DISABLED = "disabled", "停用"


class Light(Vocabulary):
    """A project's warning light in a reporting period."""

    GREEN = "green", "绿"
    YELLOW = "yellow", "黄"
    RED = "red", "红"


# Views for readers of the older names; each is derived from the enums above.
STATUS_OC4IDS = {s.value: s.oc4ids for s in Status}
STATUS_ENGLISH = {s.value: s.code for s in Status}
BUILD_TYPE_OC4IDS = {b.value: b.oc4ids for b in BuildType}
KIND_LABELS = {k.value: k.label for k in ProjectKind}
LEVEL_LABELS = {level.value: level.label for level in DivisionLevel}
LEVELS = {level.value: level.code for level in ProjectLevel}

# Written in the plans for prefecture-level units; `portfolio extract` still reads it, the seed
# files no longer accept it (a work's place and its level are kept apart).
PREFECTURE_LEVEL = "市直"
# Shown for a work linked to its prefecture itself: the plan does not say in which county it stands.
UNSPECIFIED_COUNTY = "未明确县(区)"


def unspecified_label(prefecture_name: str) -> str:
    """昌都市 -> 昌都市·未明确县(区)."""
    return f"{prefecture_name}·{UNSPECIFIED_COUNTY}"


def division_names(divisions: Iterable[tuple[str, str, str | None]]) -> dict[str, str]:
    """(code, name, parent code) of the gazetteer -> {code: a name no other division shows}.

    A name two divisions share (城关区 of 拉萨市 and of 昌都市) gets its parent beside it:
    城关区(拉萨市). Counting by code and showing this name keeps them apart.
    """
    rows = list(divisions)
    names = {code: name for code, name, _parent in rows}
    shared = Counter(names.values())
    return {
        code: shown_division_name(name, names.get(parent) if parent else None, shared[name] > 1)
        for code, name, parent in rows
    }


def shown_division_name(name: str, parent_name: str | None, shared: bool) -> str:
    """A division's name as lists show it: with its parent's beside it when another division has it."""
    return f"{name}({parent_name})" if shared and parent_name else name


def division_label(name: str, level: str) -> str:
    """How a division is named in lists: a prefecture itself reads 昌都市·未明确县(区)."""
    return unspecified_label(name) if level == DivisionLevel.PREFECTURE else name


def _normalise(value: str) -> str:
    return " ".join(fold_input(value).split()).lower()


# --- input as people write it --------------------------------------------------------

LIST_SEPARATORS = re.compile(r"[,，、;；]")


def split_list(values: Iterable[str] | None) -> list[str]:
    """Repeated options and lists written `芒康,江孜` or `芒康、江孜` as one list of values."""
    return [part.strip() for value in values or [] for part in LIST_SEPARATORS.split(value) if part.strip()]


def has_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@lru_cache(maxsize=1)
def _to_simplified():
    from opencc import OpenCC

    return OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional characters as the data writes them (江孜縣 -> 江孜县, 污水處理廠 -> 污水处理厂)."""
    if text.isascii():
        return text
    return _to_simplified().convert(text)


def fold_input(text: str) -> str:
    """A name, code or date as typed, folded to how the data writes it: full-width forms to
    ASCII (ＣＤ１４－０５－００９ -> CD14-05-009) and traditional characters to simplified."""
    if text.isascii():  # what NFKC and simplifying leave as it is: most codes and dates
        return text.strip()
    return simplified(unicodedata.normalize("NFKC", text)).strip()


_FULL_WIDTH_ALNUM = {
    code: code - 0xFEE0
    for start, end in (("０", "９"), ("Ａ", "Ｚ"), ("ａ", "ｚ"))
    for code in range(ord(start), ord(end) + 1)
}


def fold_search(text: str) -> str:
    """Search text: traditional characters and full-width letters and digits as the data writes them
    (full-width brackets and punctuation, which the data does use, stay)."""
    return simplified(text.translate(_FULL_WIDTH_ALNUM))


def fold_code(text: str) -> str:
    """A project code as typed (full width, lower case, spaces around)."""
    return fold_input(text).upper()


def _without_tone_marks(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


# Syllables of letters, each may end in a tone number: one way to read any text, so a long
# non-match fails at once (`(?:[a-z]+[1-5]?)+` backtracked exponentially on `xxxx…x "`)
_TYPED_PINYIN = re.compile(r"[a-z]+(?:[1-5][a-z]+)*[1-5]?")


def pinyin_key(value: str) -> str | None:
    """Typed romanisation as a lookup key, or None when `value` is not romanised text:
    Mángkāng, mang kang, mang2kang1 and Mangkang Xian become mangkang / mangkangxian."""
    text = _without_tone_marks(unicodedata.normalize("NFKC", value)).lower()
    text = re.sub(r"[\s'’`·\-]", "", text).replace("v", "u")
    if not text or not _TYPED_PINYIN.fullmatch(text):
        return None
    return re.sub(r"[1-5]", "", text)


MAX_READINGS = 64


@lru_cache(maxsize=16384)  # a gazetteer is built per lookup that needs it: read each name once per process
def pinyin_readings(text: str) -> frozenset[str]:
    """Every toneless reading of `text` (昌都 -> changdu, changdou), for lookup by typed pinyin."""
    from pypinyin import Style
    from pypinyin import pinyin as syllables

    # character by character: for a phrase pypinyin gives only the reading its dictionary prefers
    choices = [found[0] for ch in text if (found := syllables(ch, style=Style.NORMAL, heteronym=True, errors="ignore"))]
    readings = {pinyin(text).replace("ü", "u").replace("v", "u")}
    for combination in itertools.islice(itertools.product(*choices), MAX_READINGS):
        readings.add("".join(combination).lower().replace("ü", "u").replace("v", "u"))
    return frozenset(readings)


def resolve_status(value: str) -> str:
    return Status.parse(value, "status").value


def resolve_build_type(value: str) -> str:
    return BuildType.parse(value, "construction type").value


def resolve_kind(value: str) -> str:
    return ProjectKind.parse(value, "kind").value


def resolve_level(value: str) -> str:
    """市级 (the plan places the work under the prefecture) or 县级."""
    return ProjectLevel.parse(value, "level").value


@lru_cache(maxsize=4096)
def pinyin(text: str) -> str:
    """Toneless pinyin without spaces (芒康县 -> mangkangxian), for suggestions."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


@lru_cache(maxsize=65536)
def pinyin_sort_key(text: str | None) -> tuple[str, str]:
    """Sort Chinese text in pinyin order (SQLite and PostgreSQL compare code points)."""
    if not text:
        return ("", "")
    from pypinyin import lazy_pinyin

    return (" ".join(lazy_pinyin(text)).lower(), text)


def close_matches(value: str, candidates: Iterable[str], limit: int = 3) -> list[str]:
    """Close matches by characters, then by pinyin (芒康 typed as 忙康 still finds 芒康县)."""
    if len(value) > 100:  # no name is this long, and comparing it would take quadratic time
        return []
    candidates = list(dict.fromkeys(candidates))
    by_chars = difflib.get_close_matches(value, candidates, n=limit, cutoff=0.5)
    if len(by_chars) >= limit:
        return by_chars
    wanted = pinyin(value)
    by_sound = difflib.get_close_matches(wanted, [pinyin(c) for c in candidates], n=limit, cutoff=0.75)
    sound_to_name = {pinyin(c): c for c in candidates}
    contained = [c for c in candidates if value and value in c]
    matches = by_chars + [sound_to_name[s] for s in by_sound] + contained
    return list(dict.fromkeys(matches))[:limit]


def did_you_mean(value: str, candidates: Iterable[str], limit: int = 3) -> str:
    """` (did you mean a, b?)` for the close matches of `value`, or nothing."""
    matches = close_matches(value, candidates, limit)
    return f" (did you mean {', '.join(matches)}?)" if matches else ""


@dataclass(frozen=True)
class Place:
    """What the gazetteer needs to know of a division."""

    code: str
    name: str
    level: str
    parent_code: str | None
    short_name: str | None = None
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.name, self.short_name, *self.aliases) if n)


@dataclass
class Gazetteer:
    """Looks divisions up by name, short name, alias, pinyin or GB/T 2260 code."""

    places: list[Place]
    _by_code: dict[str, Place] = field(init=False)
    _by_name: dict[str, list[Place]] = field(init=False)
    _by_sound: dict[str, list[Place]] = field(init=False)

    @classmethod
    def of_divisions(cls, divisions) -> Gazetteer:
        """From Division rows or seed divisions (aliases stored as `a|b|c`)."""
        return cls(
            [
                Place(d.code, d.name, d.level, d.parent_code, d.short_name, tuple(a for a in d.aliases.split("|") if a))
                for d in divisions
            ]
        )

    def __post_init__(self) -> None:
        self._by_code = {p.code: p for p in self.places}
        self._by_name = {}
        self._by_sound = {}
        for place in self.places:
            for name in place.names():
                self._by_name.setdefault(name.lower(), []).append(place)
            sounds = set().union(*(pinyin_readings(n) for n in (place.name, place.short_name) if n))
            sounds |= {key for alias in place.aliases if (key := pinyin_key(alias))}
            for sound in sounds:
                self._by_sound.setdefault(sound, []).append(place)

    def _lookup(self, key: str) -> list[Place]:
        """By name, short name or alias; else by typed pinyin or romanised name (tones, spaces ignored)."""
        found = self._by_name.get(key)
        if found:
            return found
        sound = pinyin_key(key)
        return self._by_sound.get(sound, []) if sound else []

    def get(self, code: str) -> Place | None:
        return self._by_code.get(code)

    def place(self, code: str) -> Place:
        """The division of a code known to be in the gazetteer."""
        return self._by_code[code]

    def children(self, code: str, levels: tuple[str, ...] = ("county",)) -> list[Place]:
        return [p for p in self.places if p.parent_code == code and p.level in levels]

    def within(self, place: Place, region_code: str) -> bool:
        current: Place | None = place
        while current is not None:
            if current.code == region_code:
                return True
            current = self._by_code.get(current.parent_code) if current.parent_code else None
        return False

    def resolve(self, value: str, region_code: str | None = None, what: str = "county") -> Place:
        """One division; names used in several regions are settled by `region_code`."""
        key = _normalise(str(value))
        if region_code and key == PREFECTURE_LEVEL:
            return self._by_code[region_code]
        if key.upper() in self._by_code:
            return self._by_code[key.upper()]
        found = list(dict.fromkeys(self._lookup(key)))
        if region_code and len(found) > 1:
            found = [p for p in found if self.within(p, region_code)] or found
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            options = ", ".join(f"{p.name} ({p.code})" for p in found)
            raise UserInputError(f"ambiguous {what} {value!r}: could be {options}")
        names = [n for p in self.places for n in (p.name, p.short_name) if n]
        raise UserInputError(f"unknown {what} {value!r}{did_you_mean(str(value), names)}")
