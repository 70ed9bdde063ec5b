"""Typed result rows that describe themselves.

A row type is a dataclass whose fields carry their machine key (the field name), their
Chinese label and their kind, so every renderer takes its columns from the row type and
nothing else: tables and xlsx show the brief fields under Chinese headers, CSV, TSV, JSON and
JSON Lines carry every field under its key.

The machine schema (docs/schema.md): a vocabulary field holds the stable code
(`"kind": "programme"`) and is followed by `<key>_label` with the Chinese label
(`"kind_label": "项目群"`); lists are JSON arrays (joined with 、 in a CSV cell); dates and
times are ISO 8601, times with their UTC offset.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from portfolio import vocab
from portfolio.render import Col

MACHINE_FORMATS = ("csv", "tsv", "json", "jsonl")

T = TypeVar("T")


class Kind(StrEnum):
    TEXT = "text"
    CODE = "code"  # a stable machine code; its Chinese label (if any) is the `<key>_label` field
    LABEL = "label"  # the Chinese label of the code field before it
    DATE = "date"
    DATETIME = "datetime"
    INTEGER = "integer"
    NUMBER = "number"
    BOOL = "bool"
    LIST = "list"  # a list of texts (codes when a `<key>_label` list follows)


def col(
    label: str,
    kind: Kind = Kind.TEXT,
    *,
    brief: bool = False,
    vocabulary: type[vocab.Vocabulary] | None = None,
    shorten: int | None = None,
    default: Any = dataclasses.MISSING,
) -> Any:
    """Declare a row field.

    brief: also shown in tables and xlsx (machine formats always carry every field).
    vocabulary: the stored value is turned into the vocabulary's code, and the `<key>_label`
        field that follows gets its Chinese label.
    shorten: in a terminal table, a longer list is cut to this many items (`…等11个`).
    default: the field's default (a counter that starts at 0).
    """
    return dataclasses.field(
        default=default,
        metadata={"label": label, "kind": kind, "brief": brief, "vocabulary": vocabulary, "shorten": shorten},
    )


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind
    brief: bool
    vocabulary: type[vocab.Vocabulary] | None
    shorten: int | None


@functools.cache
def row_columns(row_type: type) -> tuple[Column, ...]:
    """Every field of a row type, in order."""
    return tuple(
        Column(
            item.name,
            item.metadata.get("label", item.name),
            item.metadata.get("kind", Kind.TEXT),
            item.metadata.get("brief", False),
            item.metadata.get("vocabulary"),
            item.metadata.get("shorten"),
        )
        for item in dataclasses.fields(row_type)
    )


def build_row(row_type: type, values: Mapping[str, Any]) -> Any:
    """A row from stored values keyed by field name: vocabulary values become codes, and their
    `_label` fields are filled in."""
    result = dict(values)
    for key, members in _vocabulary_fields(row_type):
        stored = result.get(key)
        result[key], result[f"{key}_label"] = members[stored] if stored is not None else (None, None)
    return row_type(**result)


@functools.cache
def _vocabulary_fields(row_type: type) -> tuple[tuple[str, dict[str, tuple[str, str]]], ...]:
    """(key, {stored value: (code, label)}) of each vocabulary field: a dict lookup per row
    instead of an enum lookup (a million rows go through build_row)."""
    return tuple(
        (c.key, {member.value: (member.code, member.label) for member in c.vocabulary})
        for c in row_columns(row_type)
        if c.vocabulary is not None
    )


def vocabulary_labels(row_type: type) -> frozenset[str]:
    """The `<key>_label` fields that build_row() fills in from a vocabulary."""
    return frozenset(f"{c.key}_label" for c in row_columns(row_type) if c.vocabulary is not None)


# --- values for programs and for people -----------------------------------------------


def utc(moment: datetime) -> datetime:
    """A recording time in UTC (PostgreSQL returns it zoned, SQLite naive in UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def machine_value(column: Column, value: Any, *, flat: bool = False) -> Any:
    """The value in JSON (flat=False) or in a CSV cell (flat=True)."""
    if value is None:
        return "" if flat else None
    convert = _machine_converter(column.kind, flat)
    if convert is None and isinstance(value, date):
        return value.isoformat()
    return convert(value) if convert else value


def _machine_converter(kind: Kind, flat: bool) -> Callable[[Any], Any] | None:
    """What machine_value does to a value of this kind that is not None (None: nothing)."""
    if kind == Kind.DATETIME:
        return lambda value: utc(value).replace(microsecond=0).isoformat()
    if kind == Kind.DATE:
        return lambda value: value.isoformat()
    if kind == Kind.LIST:
        return (lambda value: "、".join(map(str, value))) if flat else list
    if kind == Kind.BOOL and flat:
        return lambda value: "true" if value else "false"
    return None


def display_value(column: Column, value: Any, *, shorten: bool = False) -> Any:
    """The value shown to people in a table, text or xlsx cell."""
    if value is None:
        return ""
    if column.kind == Kind.DATETIME:
        return utc(value).replace(microsecond=0, tzinfo=None).isoformat(sep=" ") + " UTC"
    if isinstance(value, date):
        return value.isoformat()
    if column.kind == Kind.BOOL:
        return "是" if value else "否"
    if column.kind == Kind.LIST:
        items = [str(v) for v in value]
        if shorten and column.shorten and len(items) > column.shorten:
            return "、".join(items[: column.shorten - 1]) + f"等{len(items)}个"
        return "、".join(items)
    return value


def record(row: object) -> dict[str, Any]:
    """The row as a JSON object (what `--format json` writes for it)."""
    row_type: type = type(row)
    return {c.key: machine_value(c, getattr(row, c.key)) for c in row_columns(row_type)}


def displayed(row: object) -> dict[str, Any]:
    """The row as people read it (a page, a table), by key."""
    row_type: type = type(row)
    return {c.key: display_value(c, getattr(row, c.key)) for c in row_columns(row_type)}


def brief_columns(row_type: type, labels: Mapping[str, str] | None = None) -> list[Column]:
    """The fields tables and pages show; `labels` renames headers for one use (a rate table's
    group is headed 县(区), 行业 …)."""
    return [
        dataclasses.replace(c, label=labels.get(c.key, c.label)) if labels else c
        for c in row_columns(row_type)
        if c.brief
    ]


def for_output(
    row_type: type,
    rows: Iterable[Any],
    fmt: str,
    *,
    shorten: bool = False,
    every: bool = False,
    labels: Mapping[str, str] | None = None,
) -> tuple[list[Col], Iterator[tuple]]:
    """The columns and cells render() writes for `fmt`: every field under its key in the machine
    formats; under their Chinese labels (or `labels`), the brief fields in tables and text, and in
    xlsx every field people read (a code whose Chinese label follows it is left out). `every`:
    every field (for --columns to choose from)."""
    columns: Sequence[Column] = row_columns(row_type)
    if fmt in MACHINE_FORMATS:
        flat = fmt in ("csv", "tsv")
        cells = (
            rows.machine_cells(flat=flat) if isinstance(rows, StoredRows) else _machine_cells(row_type, rows, flat=flat)
        )
        return [Col(c.key, c.label, c.kind) for c in columns], cells
    if not every:
        keys = {c.key for c in columns}
        people = [c for c in columns if f"{c.key}_label" not in keys]
        columns = people if fmt == "xlsx" else [c for c in columns if c.brief]
    if labels:
        columns = [dataclasses.replace(c, label=labels.get(c.key, c.label)) for c in columns]
    return (
        [Col(c.key, c.label, c.kind) for c in columns],
        (tuple(display_value(c, getattr(row, c.key), shorten=shorten) for c in columns) for row in rows),
    )


class StoredResult(Protocol):
    """What StoredRows reads: the database's result (a SQLAlchemy Result)."""

    def keys(self) -> Iterable[str]: ...
    def __iter__(self) -> Iterator[Sequence]: ...
    def close(self) -> None: ...


class StoredRows(Iterator[T]):
    """Rows of `row_type` as the database gives them: tuples under their keys, where a vocabulary
    field holds its stored value and a list field its items joined with 、 (those named in
    `sorted_lists` still to be put in order). As an iterator they give row objects; for the
    machine formats for_output() takes their cells from the tuples themselves, so a CSV of a
    million projects builds no object per row. The query runs when the first row or cell is asked
    for (`run`), not before."""

    def __init__(self, row_type: type[T], run: Callable[[], StoredResult], *, sorted_lists: Sequence[str] = ()):
        self.row_type: type = row_type
        self.sorted_lists = set(sorted_lists)
        self._run = run
        self._result: StoredResult | None = None
        self._objects: Iterator[T] | None = None

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._objects is None:
            self._objects = self._built()
        return next(self._objects)

    def close(self) -> None:
        if self._result is not None:
            self._result.close()

    def _stored(self) -> tuple[list[str], Iterator[Sequence]]:
        if self._result is None:
            self._result = self._run()
        return list(self._result.keys()), iter(self._result)

    def _built(self) -> Iterator[T]:
        keys, tuples = self._stored()
        lists = [c.key for c in row_columns(self.row_type) if c.kind == Kind.LIST]
        for stored in tuples:
            values = dict(zip(keys, stored))
            for key in lists:
                values[key] = _split(values[key], key in self.sorted_lists)
            yield build_row(self.row_type, values)

    def machine_cells(self, *, flat: bool) -> Iterator[tuple]:
        """What _machine_cells() gives for these rows, straight from the tuples (in a CSV cell a list
        of no items is None, which csv writes as "" just as it writes the "" of _machine_cells)."""
        columns = row_columns(self.row_type)
        keys, tuples = self._stored()
        at = {key: index for index, key in enumerate(keys)}
        vocabularies = dict(_vocabulary_fields(self.row_type))
        code_of_label = {f"{key}_label": key for key in vocabularies}  # a label starts as its code's value
        pick = operator.itemgetter(*(at[code_of_label.get(c.key, c.key)] for c in columns))
        place = {c.key: index for index, c in enumerate(columns)}
        coded = [(place[key], place[f"{key}_label"], members) for key, members in vocabularies.items()]
        converted = [
            (index, convert) for index, c in enumerate(columns) if (convert := self._converter(c, flat)) is not None
        ]
        lists = [] if flat else [(place[c.key], c.key in self.sorted_lists) for c in columns if c.kind == Kind.LIST]
        for stored in tuples:
            cells = list(pick(stored))
            for code, label, members in coded:
                if cells[code] is not None:
                    cells[code], cells[label] = members[cells[code]]
            for index, convert in converted:
                if cells[index] is not None:
                    cells[index] = convert(cells[index])
            for index, ordered in lists:  # JSON: a list, also of no items
                cells[index] = _split(cells[index], ordered)
            yield tuple(cells)

    def _converter(self, column: Column, flat: bool) -> Callable[[Any], Any] | None:
        """What a stored value of the column that is not None needs for a machine format."""
        if column.kind != Kind.LIST:
            return _machine_converter(column.kind, flat)
        if flat and column.key in self.sorted_lists:
            return lambda joined: "、".join(_split(joined, ordered=True))
        return None  # joined as a CSV cell wants it; JSON's lists are made apart


def _split(joined: str | None, ordered: bool) -> list[str]:
    items = joined.split("、") if joined else []
    if ordered:
        items.sort()
    return items


def _machine_cells(row_type: type, rows: Iterable[Any], *, flat: bool) -> Iterator[tuple]:
    """machine_value() of every field, converting only the fields whose value it changes (texts,
    codes and numbers pass as they are; csv writes None as "" itself): a CSV of a million rows
    spends its time writing."""
    converters = [(index, _machine_converter(column.kind, flat)) for index, column in enumerate(row_columns(row_type))]
    converted = [(index, convert) for index, convert in converters if convert is not None]
    for row in rows:
        values = list(vars(row).values())  # a dataclass's fields, in order
        for index, convert in converted:
            if values[index] is not None:
                values[index] = convert(values[index])
        yield tuple(values)


# --- the row types ---------------------------------------------------------------------

TABLE_COUNTIES = 4


@dataclass(frozen=True)
class ProjectRow:
    """A project or programme: the row of `projects list`, `projects search` and `projects show`."""

    code: str = col("编号", Kind.CODE, brief=True)
    name: str = col("名称", brief=True)
    kind: str = col("类型代码", Kind.CODE, vocabulary=vocab.ProjectKind)
    kind_label: str = col("类型", Kind.LABEL, brief=True)
    counties: list[str] = col("县(区)代码", Kind.LIST)
    counties_label: list[str] = col("县(区)", Kind.LIST, brief=True, shorten=TABLE_COUNTIES)
    sector: str = col("行业代码", Kind.CODE)
    sector_label: str = col("行业", Kind.LABEL, brief=True)
    plan: str = col("规划", Kind.CODE, brief=True)
    plan_label: str = col("规划名称", Kind.LABEL)
    column: int = col("专栏", Kind.INTEGER, brief=True)
    column_label: str = col("专栏标题", Kind.LABEL)
    group: str | None = col("分项", brief=True)
    level: str = col("层级代码", Kind.CODE, vocabulary=vocab.ProjectLevel)
    level_label: str = col("层级", Kind.LABEL)
    status: str = col("状态代码", Kind.CODE, vocabulary=vocab.Status)
    status_label: str = col("状态", Kind.LABEL, brief=True)
    status_date: date | None = col("状态日期", Kind.DATE, brief=True)
    build_type: str | None = col("建设性质代码", Kind.CODE, vocabulary=vocab.BuildType)
    build_type_label: str | None = col("建设性质", Kind.LABEL, brief=True)
    quantity: str | None = col("数量", brief=True)
    quote: str | None = col("原文")
    source_file: str = col("出处")
    source_line: int = col("行", Kind.INTEGER)
    remarks: str | None = col("备注")
    national_code: str | None = col("项目代码")
    total_investment: float | None = col("总投资(万元)", Kind.NUMBER)
    start_year: int | None = col("开工年份", Kind.INTEGER)
    end_year: int | None = col("完工年份", Kind.INTEGER)
    responsible_unit: str | None = col("责任单位")
    planned_start: str | None = col("计划开工")
    planned_end: str | None = col("计划竣工")
    actual_start: str | None = col("实际开工")
    actual_end: str | None = col("实际竣工")
    contact: str | None = col("联系人")
    in_seeds: bool = col("在种子数据中", Kind.BOOL)
    part_of: list[str] = col("所属项目群", Kind.LIST)
    parts: list[str] = col("组成项目", Kind.LIST)
    same_work_primary: list[str] = col("同一工程(主条目)", Kind.LIST)
    other_listings: list[str] = col("同一工程(另见)", Kind.LIST)


# --- reference lists (`portfolio counties`, `plans`, `columns`, `sectors`, `indicators`, `places`)


@dataclass(frozen=True)
class CountyRow:
    """A division of the gazetteer: the row of `portfolio counties`."""

    code: str = col("代码", Kind.CODE, brief=True)  # GB/T 2260, or a zone's own code (540100Z1)
    name: str = col("名称", brief=True)
    level: str = col("级别代码", Kind.CODE, vocabulary=vocab.DivisionLevel)
    level_label: str = col("级别", Kind.LABEL, brief=True)
    parent: str | None = col("上级代码", Kind.CODE)
    parent_label: str | None = col("上级", Kind.LABEL, brief=True)
    short_name: str | None = col("简称", brief=True)
    aliases: list[str] = col("别名", Kind.LIST, brief=True)
    official: bool = col("国标代码", Kind.BOOL, brief=True)
    projects: int = col("项目数", Kind.INTEGER, brief=True)


@dataclass(frozen=True)
class PlanRow:
    """A source plan with its counts: the row of `portfolio plans`."""

    key: str = col("代号", Kind.CODE, brief=True)
    title: str = col("规划", brief=True)
    region: str = col("地区代码", Kind.CODE)
    region_label: str = col("地区", Kind.LABEL, brief=True)
    period: str = col("期限", brief=True)  # 2021–2025
    issued: date | None = col("印发/通过", Kind.DATE, brief=True)
    kind: str = col("类别代码", Kind.CODE, vocabulary=vocab.DocumentKind)
    kind_label: str = col("类别", Kind.LABEL, brief=True)
    columns: int = col("专栏", Kind.INTEGER, brief=True)
    projects: int = col("项目", Kind.INTEGER, brief=True)
    indicators: int = col("指标", Kind.INTEGER, brief=True)


@dataclass(frozen=True)
class ColumnRow:
    """A 专栏 of a plan with its counts: the row of `portfolio columns`."""

    plan: str = col("规划", Kind.CODE, brief=True)
    number: int = col("专栏", Kind.INTEGER, brief=True)
    title: str = col("标题", brief=True)
    kind: str = col("内容代码", Kind.CODE, vocabulary=vocab.ColumnKind)
    kind_label: str = col("内容", Kind.LABEL, brief=True)
    projects: int = col("项目", Kind.INTEGER, brief=True)
    programmes: int = col("项目群", Kind.INTEGER, brief=True)
    places: int = col("城镇", Kind.INTEGER, brief=True)


@dataclass(frozen=True)
class SectorRow:
    """A sector of the taxonomy: the row of `portfolio sectors`."""

    code: str = col("代码", Kind.CODE, brief=True)
    label_zh: str = col("行业", brief=True)
    label_en: str = col("英文名称", brief=True)
    oc4ids: str = col("OC4IDS", Kind.CODE, brief=True)
    projects: int = col("项目数", Kind.INTEGER, brief=True)


@dataclass(frozen=True)
class IndicatorRow:
    """A row of a plan's indicator table (主要指标): the row of `portfolio indicators`."""

    code: str = col("编号", Kind.CODE, brief=True)
    plan: str = col("规划", Kind.CODE, brief=True)
    table: str = col("表", brief=True)
    section: str | None = col("类别", brief=True)
    name: str = col("指标", brief=True)
    scope: str | None = col("范围", brief=True)
    unit: str | None = col("单位", brief=True)
    baseline_label: str | None = col("基期", brief=True)  # the heading of the plan's baseline column
    baseline: str | None = col("基期值", brief=True)  # as the plan writes it
    target_label: str | None = col("目标期", brief=True)
    target: str | None = col("目标值", brief=True)
    attribute: str | None = col("属性代码", Kind.CODE, vocabulary=vocab.IndicatorAttribute)
    attribute_label: str | None = col("属性", Kind.LABEL, brief=True)
    baseline_value: float | None = col("基期数值", Kind.NUMBER, brief=True)
    target_value: float | None = col("目标数值", Kind.NUMBER, brief=True)
    line: int = col("行", Kind.INTEGER, brief=True)


@dataclass(frozen=True)
class PlaceRow:
    """A town or area of an urban-system 专栏: the row of `portfolio places`."""

    plan: str = col("规划", Kind.CODE, brief=True)
    column: int = col("专栏", Kind.INTEGER, brief=True)
    role: str = col("层级", brief=True)
    name: str = col("名称", brief=True)
    county: str = col("县(区)代码", Kind.CODE)
    county_label: str = col("县(区)", Kind.LABEL, brief=True)
    line: int = col("行", Kind.INTEGER, brief=True)


# --- small tables of the admin commands ----------------------------------------------------


@dataclass(frozen=True)
class TableCount:
    """A table of the database and its rows: `db info`."""

    table: str = col("表", Kind.CODE, brief=True)
    rows: int = col("行数", Kind.INTEGER, brief=True)


@dataclass(frozen=True)
class PlanCount:
    """A plan's counts of 专栏, projects and indicators: `db info`."""

    plan: str = col("规划", Kind.CODE, brief=True)
    columns: int = col("专栏", Kind.INTEGER, brief=True)
    projects: int = col("项目", Kind.INTEGER, brief=True)
    indicators: int = col("指标", Kind.INTEGER, brief=True)


@dataclass(frozen=True)
class FieldValue:
    """One labelled value of a record shown as a two-column table (`projects show`)."""

    field: str = col("字段", brief=True)
    value: str = col("内容", brief=True)
