"""Controlled vocabularies: parse Chinese or English input, show Chinese labels.

Also the gazetteer lookup (county names, short names, aliases, pinyin, codes) and
close-match suggestions for error messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from portfolio.errors import UserInputError

# Chinese status label -> OC4IDS projectStatus code (None: no OC4IDS equivalent).
STATUS_OC4IDS = {
    "谋划": "identification",
    "前期": "preparation",
    "在建": "implementation",
    "建成": "completion",
    "暂缓": None,
    "取消": "cancelled",
}
STATUS_ENGLISH = {
    "谋划": "identification",
    "前期": "preparation",
    "在建": "implementation",
    "建成": "completion",
    "暂缓": "suspended",
    "取消": "cancelled",
}
_STATUS_SYNONYMS = {
    "储备": "谋划",
    "planning": "谋划",
    "planned": "谋划",
    "新开工": "在建",
    "续建": "在建",
    "construction": "在建",
    "building": "在建",
    "under construction": "在建",
    "竣工": "建成",
    "建成投产": "建成",
    "completed": "建成",
    "complete": "建成",
    "maintenance": "建成",
    "on hold": "暂缓",
    "on-hold": "暂缓",
    "paused": "暂缓",
    "canceled": "取消",
}

# Chinese construction type -> OC4IDS projectType code.
BUILD_TYPE_OC4IDS = {
    "新建": "construction",
    "扩建": "expansion",
    "改建": "rehabilitation",
    "改扩建": "expansion",
    "续建": "construction",
    "迁建": "replacement",
}
_BUILD_TYPE_SYNONYMS = {"搬迁": "迁建", "异地新建": "迁建", "expansion": "扩建", "rehabilitation": "改建",
                        "replacement": "迁建", "construction": "新建"}

KIND_LABELS = {"project": "项目", "programme": "项目群"}
_KIND_SYNONYMS = {"program": "programme", "项目": "project", "项目群": "programme", "规划项": "programme"}

LEVEL_LABELS = {"province": "省级", "prefecture": "地级", "county": "县级", "zone": "功能区"}

# Written in the plans for items that belong to the prefecture as a whole.
PREFECTURE_LEVEL = "市直"


def _normalise(value: str) -> str:
    return " ".join(value.strip().split()).lower()


def _resolve(value: str, what: str, canonical: Iterable[str], synonyms: dict[str, str],
             english: dict[str, str | None] | None = None) -> str:
    key = _normalise(value)
    table: dict[str, str] = {}
    for label in canonical:
        table[label.lower()] = label
    for label, code in (english or {}).items():
        if code:
            table[code.lower()] = label
    for synonym, label in synonyms.items():
        table[synonym.lower()] = label
    if key in table:
        return table[key]
    allowed = ", ".join(f"{label} ({english[label]})" if english and english.get(label) else label
                        for label in canonical)
    raise UserInputError(f"unknown {what} {value!r}{_did_you_mean(value, table.keys())}; allowed: {allowed}")


def resolve_status(value: str) -> str:
    return _resolve(value, "status", STATUS_OC4IDS, _STATUS_SYNONYMS, STATUS_ENGLISH)


def resolve_build_type(value: str) -> str:
    return _resolve(value, "construction type", BUILD_TYPE_OC4IDS, _BUILD_TYPE_SYNONYMS)


def resolve_kind(value: str) -> str:
    return _resolve(value, "kind", KIND_LABELS, _KIND_SYNONYMS)


@lru_cache(maxsize=4096)
def pinyin(text: str) -> str:
    """Toneless pinyin without spaces (芒康县 -> mangkangxian), for lookup and sorting."""
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text)).lower()


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


def _did_you_mean(value: str, candidates: Iterable[str]) -> str:
    matches = close_matches(value, candidates)
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

    @classmethod
    def of_divisions(cls, divisions) -> Gazetteer:
        """From Division rows or seed divisions (aliases stored as `a|b|c`)."""
        return cls([Place(d.code, d.name, d.level, d.parent_code, d.short_name,
                          tuple(a for a in d.aliases.split("|") if a)) for d in divisions])

    def __post_init__(self) -> None:
        self._by_code = {p.code: p for p in self.places}
        self._by_name = {}
        for place in self.places:
            for name in {*place.names(), pinyin(place.name), pinyin(place.short_name or place.name)}:
                self._by_name.setdefault(name.lower(), []).append(place)

    def get(self, code: str) -> Place | None:
        return self._by_code.get(code)

    def children(self, code: str, levels: tuple[str, ...] = ("county",)) -> list[Place]:
        return [p for p in self.places if p.parent_code == code and p.level in levels]

    def within(self, place: Place, region_code: str) -> bool:
        while place is not None:
            if place.code == region_code:
                return True
            place = self._by_code.get(place.parent_code) if place.parent_code else None
        return False

    def resolve(self, value: str, region_code: str | None = None, what: str = "county") -> Place:
        """One division; names used in several regions are settled by `region_code`."""
        key = _normalise(str(value))
        if region_code and key == PREFECTURE_LEVEL:
            return self._by_code[region_code]
        if key in self._by_code:
            return self._by_code[key]
        found = self._by_name.get(key, [])
        if region_code and len(found) > 1:
            found = [p for p in found if self.within(p, region_code)] or found
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            options = ", ".join(f"{p.name} ({p.code})" for p in found)
            raise UserInputError(f"ambiguous {what} {value!r}: could be {options}")
        names = [n for p in self.places for n in (p.name, p.short_name) if n]
        raise UserInputError(f"unknown {what} {value!r}{_did_you_mean(str(value), names)}")
