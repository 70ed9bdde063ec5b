"""What every front end shows: filters built from user words, columns, display rules and the
machine (JSON) shape of projects, summaries and reference lists.

The CLI and the web pages both use these, so a page and a command give the same rows, labels
and JSON for the same question. No Typer, no Rich, no HTML here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from portfolio.errors import UserInputError
from portfolio.render import Col
from portfolio.rows import (
    ColumnRow,
    CountyRow,
    FieldValue,
    IndicatorRow,
    Kind,
    PlaceRow,
    PlanRow,
    ProjectRow,
    SectorRow,
    build_row,
    col,
    display_value,
    record,
    row_columns,
)
from portfolio.vocab import BUILD_TYPE_OC4IDS, KIND_LABELS, STATUS_ENGLISH, Status

# --- filters ---------------------------------------------------------------------------


def build_filter(
    session,
    *,
    county=None,
    prefecture=None,
    sector=None,
    plan=None,
    column=None,
    status=None,
    kind=None,
    level=None,
    tier=None,
    search=None,
    notes: list[str] | None = None,
):
    """What a user typed (repeated values, or lists written 芒康,江孜 / 芒康、江孜; names, short names,
    pinyin, codes, English or Chinese) -> a ProjectFilter. Remarks worth telling the user go to `notes`."""
    from portfolio import queries, vocab

    county, sector, plan, status = (
        _listed(name, values)
        for name, values in (("--county", county), ("--sector", sector), ("--plan", plan), ("--status", status))
    )
    if prefecture is not None and not prefecture.strip():
        raise UserInputError("--prefecture needs a value: a prefecture such as 拉萨, 日喀则 or 昌都")
    division_codes = (
        queries.resolve_divisions(session, county, prefecture=prefecture, notes=notes if notes is not None else [])
        if county or prefecture
        else []
    )
    plan_keys = [queries.resolve_plan(session, p) for p in plan]
    if column is not None:
        queries.check_column(session, column, plan_keys)
    return queries.ProjectFilter(
        division_codes=division_codes,
        sectors=list(dict.fromkeys(code for s in sector for code in queries.resolve_sectors(session, s))),
        plan_keys=plan_keys,
        column=column,
        statuses=[vocab.resolve_status(s) for s in status],
        kinds=[vocab.resolve_kind(kind)] if kind else [],
        levels=[vocab.resolve_level(value) for value in _listed("--level", level)],
        tier=resolve_tier(tier),
        search=" ".join(search) if isinstance(search, list) else search,
    )


def _listed(option: str, values: list[str] | None) -> list[str]:
    from portfolio.vocab import split_list

    if any(not value.strip() for value in values or []):
        raise UserInputError(f"{option} needs a value (an empty one was given)")
    return split_list(values)


TIER_SYNONYMS = {"top-level": "top", "顶层": "top", "leaves": "leaf", "末级": "leaf"}


def resolve_tier(value: str | None) -> str | None:
    from portfolio import queries

    if value is None:
        return None
    wanted = value.strip().lower()
    wanted = TIER_SYNONYMS.get(wanted, wanted)
    if wanted not in queries.TIERS:
        raise UserInputError(f"unknown tier {value!r}; allowed: top (part of no programme), leaf (has no parts)")
    return wanted


# --- project lists ---------------------------------------------------------------------


class ProjectDisplay(NamedTuple):
    """A project as a table shows it: Chinese labels, counties joined with 、."""

    code: str
    name: str
    kind: str
    counties: str
    sector: str
    plan: str
    column: int
    group_label: str | None
    status: str
    status_date: date | None
    build_type: str | None
    quantity: str | None


def display_rows(rows: Iterable[ProjectRow], shorten_counties: bool = False) -> Iterator[ProjectDisplay]:
    """ProjectRows as tables show them; shortened, a programme's long county list ends in 等N个 (files keep it
    whole)."""
    counties = next(c for c in row_columns(ProjectRow) if c.key == "counties_label")
    for row in rows:
        yield ProjectDisplay(
            row.code,
            row.name,
            row.kind_label,
            display_value(counties, row.counties_label, shorten=shorten_counties),
            row.sector_label,
            row.plan,
            row.column,
            row.group,
            row.status_label,
            row.status_date,
            row.build_type_label,
            row.quantity,
        )


# On a narrow terminal these stay longest; the other columns are dropped first (named in a note).
PROJECT_TABLE_FIRST = ("code", "name", "counties_label", "sector_label", "status_label", "status_date")


def project_records(rows: Iterable[ProjectRow]) -> Iterator[dict]:
    """The JSON objects of `projects list --format json` (docs/schema.md)."""
    return map(record, rows)


# --- one project -----------------------------------------------------------------------


def division_label(division) -> str:
    """A county's name; a prefecture itself stands for its works whose county the plan does not give."""
    from portfolio.vocab import division_label as label

    return label(division.name, division.level)


def detail_fields(detail) -> list[FieldValue]:
    """The rows of `projects show`: every field, provenance, quote, then the links."""
    p, plan, column, sector = detail.project, detail.plan, detail.column, detail.sector
    rows = [
        ("编号", p.code),
        ("名称", p.name),
        ("类型", KIND_LABELS[p.kind]),
        ("县(区)", "、".join(f"{division_label(d)} {d.code}" for d in detail.divisions)),
        ("层级", p.level),
        ("行业", f"{sector.label_zh} ({sector.code}; OC4IDS {sector.oc4ids})"),
        ("状态", f"{p.status} ({STATUS_ENGLISH[p.status]}) 自 {p.status_date or ''}"),
        ("规划", f"{plan.title} [{plan.key}]"),
        ("专栏", f"专栏{column.number} {column.title}"),
        ("分项", p.group_label or ""),
        ("出处", f"{plan.source_file} 第{p.source_line}行"),
        ("原文", p.quote or ""),
    ]
    return [
        FieldValue(label, text) for label, text in rows + detail_optional_fields(detail) + link_fields(detail.links)
    ]


def detail_optional_fields(detail) -> list[tuple[str, str]]:
    """The fields an office tracks, and the seed flag, where they have a value."""
    from portfolio.fields import as_text

    p = detail.project
    optional = [
        ("建设性质", p.build_type and f"{p.build_type} ({BUILD_TYPE_OC4IDS[p.build_type]})"),
        ("数量", p.quantity),
        ("备注", p.note),
        ("项目代码", p.national_code),
        ("总投资(万元)", p.total_investment),
        ("建设年限", p.start_year and f"{p.start_year}–{p.end_year or ''}"),
        ("计划开工", p.planned_start),
        ("计划竣工", p.planned_end),
        ("实际开工", p.actual_start),
        ("实际竣工", p.actual_end),
        ("责任单位", p.responsible_unit),
        ("联系人", p.contact),
        ("种子数据", None if p.in_seeds else "已不在种子文件中 (no longer in the seed files)"),
    ]
    return [(k, text) for k, v in optional + _other_fields(p) if v not in (None, "") and (text := as_text(v))]


_SPELLED_OUT = {
    "code",
    "name",
    "kind",
    "level",
    "status",
    "status_date",
    "quote",
    "build_type",
    "quantity",
    "national_code",
    "total_investment",
    "start_year",
    "end_year",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "responsible_unit",
    "contact",
    "in_seeds",
    "source_line",
}


def _other_fields(project) -> list[tuple[str, object]]:
    """Every other field of ProjectRow read from the project itself, under the row type's label
    (a field added to the model and to the row type shows up here too)."""
    from portfolio.models import Project

    return [
        (c.label, getattr(project, c.key))
        for c in row_columns(ProjectRow)
        if c.key in Project.model_fields and c.key not in _SPELLED_OUT
    ]


def _items(items) -> str:
    return "；".join(f"{item.code} {item.name}" for item in items)


def link_fields(links) -> list[tuple[str, str]]:
    """The curated relations: the programme containing this item, its parts, the other listings."""
    rows = []
    if links.programmes:
        rows.append(("所属项目群", _items(links.programmes)))
    if links.parts:
        rows.append((f"组成项目({len(links.parts)})", _items(links.parts)))
    if links.primary:
        rows.append(("同一工程(主条目)", f"{links.primary.code} {links.primary.name}：{links.primary.reason}"))
    if links.other_listings:
        rows.append(("同一工程(另见)", _items(links.other_listings)))
    return rows


@dataclass(frozen=True)
class StatusEntry:
    """A status event that counts: the short status history under `projects show`."""

    effective_date: date = col("日期", Kind.DATE, brief=True)
    status: str = col("OC4IDS", Kind.CODE, brief=True, vocabulary=Status)
    status_label: str = col("状态", Kind.LABEL, brief=True)
    note: str | None = col("备注", brief=True)


def status_entries(events) -> list[StatusEntry]:
    return [
        build_row(StatusEntry, {"effective_date": e.effective_date, "status": e.status, "note": e.note})
        for e in events
        if e.retracted_at is None
    ]


# --- a project's whole record ------------------------------------------------------------


# --- summaries -------------------------------------------------------------------------

DIMENSION_LABELS = {
    "county": "县(区)",
    "prefecture": "地市",
    "sector": "行业",
    "plan": "规划",
    "status": "状态",
    "kind": "类型",
    "column": "专栏",
}
COUNT_LABELS = {"works": "工程数", "listings": "条目数"}
COUNT_TITLES = {
    "works": "（每项工程计一次：项目群与其组成项目、重复列出的同一工程不重复计数）",
    "listings": "（按规划条目计数，项目群与其组成项目、重复列出的同一工程各计一次）",
}


def summary_title(by: str, count: str) -> str:
    return f"按{DIMENSION_LABELS.get(by, by)}统计{COUNT_TITLES[count]}"


def pivot(rows: list[tuple], totals: list[tuple], then: str) -> tuple[list[str], list[tuple]]:
    """(value, then-value, count) rows -> one row per value (in the order of `totals`) with a column per
    then-value (in the order the rows name them; sectors largest first) and a total."""
    cells: dict = {}
    column_totals: dict = {}
    for value, then_value, count in rows:
        cells.setdefault(value, {})[then_value] = count
        column_totals[then_value] = column_totals.get(then_value, 0) + count
    across = list(column_totals)
    if then == "sector":
        across.sort(key=lambda value: column_totals[value], reverse=True)
    table = [(value, *(cells.get(value, {}).get(t, 0) for t in across), total) for value, total in totals]
    return [str(t) for t in across], table


def summary_table(
    session, flt, by: str, then: str | None = None, *, count: str = "works"
) -> tuple[list[Col], list[tuple], list[tuple]]:
    """The columns and rows of `portfolio summary --by BY [--then THEN] --count COUNT`, and the
    (value, count) totals by BY.

    Not a row type: the columns come from the data (the first is keyed by BY, a pivot has one
    column per value of THEN), so they are built here for each question."""
    from portfolio import queries

    totals = queries.summary(session, flt, by, count=count)
    if not then:
        return [Col(by, DIMENSION_LABELS.get(by, by)), Col("count", COUNT_LABELS[count], "integer")], totals, totals
    across, rows = pivot(queries.summary(session, flt, by, then, count=count), totals, then)
    columns = [
        Col(by, DIMENSION_LABELS.get(by, by)),
        *(Col(t, t, "integer") for t in across),
        Col("total", "合计", "integer"),
    ]
    return columns, rows, totals


# --- progress reporting ------------------------------------------------------------------


def summary_total_row(session, flt, columns: list[Col], then: str | None, *, count: str = "works") -> tuple:
    """The 合计 row of a summary table: each column's works counted once (a programme spanning several
    counties once, not once per county), so it is not the sum of the rows above it."""
    from portfolio import queries

    grand = queries.summary_total(session, flt, count=count)
    if not then:
        return ("合计", grand)
    by_value = {str(value): n for value, n in queries.summary(session, flt, then, count=count)}
    return ("合计", *(by_value.get(c.key, 0) for c in columns[1:-1]), grand)


# --- reference lists -------------------------------------------------------------------

REFERENCE_ROWS: dict[str, type] = {
    "counties": CountyRow,
    "plans": PlanRow,
    "columns": ColumnRow,
    "sectors": SectorRow,
    "indicators": IndicatorRow,
    "places": PlaceRow,
}
REFERENCE_TITLES = {
    "counties": "行政区划",
    "plans": "规划",
    "columns": "专栏",
    "sectors": "行业",
    "indicators": "主要指标",
    "places": "城镇体系",
}


# On a narrow terminal these stay longest (the rest are dropped first, named in a note).
REFERENCE_TABLE_FIRST = {
    "counties": ("code", "name", "level_label", "parent_label", "projects"),
    "plans": ("key", "title", "period", "projects"),
    "indicators": ("code", "name", "unit", "baseline", "target", "attribute_label", "scope"),
    "places": ("plan", "column", "role", "name", "county_label"),
}


def reference_rows(session, name: str, **arguments) -> list:
    """The rows of `portfolio NAME` (counties, plans, columns, sectors, indicators, places), of the
    row type REFERENCE_ROWS names."""
    from portfolio import queries

    if arguments.get("plan_key"):
        arguments["plan_key"] = queries.resolve_plan(session, arguments["plan_key"])
    return getattr(queries, name)(session, **arguments)


def as_dicts(rows: Iterable[tuple], columns: list[Col]) -> list[dict]:
    """Rows of a summary (columns built from the data, see summary_table) as JSON objects."""
    keys = [c.key for c in columns]
    return [dict(zip(keys, row)) for row in rows]
