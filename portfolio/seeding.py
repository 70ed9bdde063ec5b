"""Seed files: parse (keeping file and line) -> validate (every error) -> diff -> apply.

`read_seeds(path)` returns a SeedBundle and a list of SeedError without touching the
database: each mapping of a YAML file is validated by its pydantic model (seedfiles.py),
then what spans mappings (unique codes, known sectors and counties, links) is checked here,
and the records of the bundle (pydantic models too) are what `apply` writes.
`apply(session, bundle, prune=...)` runs inside the caller's transaction and returns a
LoadReport. Nothing is written unless the whole bundle is valid.
"""

from __future__ import annotations

import csv
import functools
import math
import re
from collections import defaultdict
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from portfolio import seedfiles, vocab
from portfolio.errors import DataError, UserInputError
from portfolio.rows import Kind, col
from portfolio.seedfiles import LINE_KEY, N, Node, kind_of
from portfolio.text import shorten, text_problem
from portfolio.vocab import (
    ColumnKind,
    LinkRelation,
    Origin,
    ProjectKind,
    ProjectLevel,
    Status,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlmodel import Session

PROJECT_CODE = re.compile(r"^[A-Z]+\d*-\d{2}-\d{3}$")
INDICATOR_CODE = re.compile(r"^[A-Z]+\d*-[A-Z0-9]+-\d{3}$")
PROJECT_LEVELS = ProjectLevel.values()
UNSPECIFIED = "unspecified"  # the plan does not say where within its region the work stands


@dataclass(frozen=True)
class SeedError:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        message = " ".join(self.message.split())  # one line, whatever the value quoted in it
        return f"{self.file}:{self.line}: {message}" if self.line else f"{self.file}: {message}"


class SeedDivision(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    short_name: str | None
    aliases: str
    pinyin: str
    official: bool
    note: str | None


class SeedSector(BaseModel):
    code: str
    label_zh: str
    label_en: str
    oc4ids: str
    description: str | None


class SeedColumn(BaseModel):
    number: int
    title: str
    kind: str
    source_line: int


class SeedPlan(BaseModel):
    key: str
    code_prefix: str
    title: str
    issuer: str | None
    region_code: str
    period_start: int
    period_end: int
    issued: date | None
    document_kind: str
    source_file: str
    columns: list[SeedColumn] = []


class SeedProject(BaseModel):
    code: str
    name: str
    plan_key: str
    column_number: int
    group_label: str | None
    kind: str
    sector_code: str
    build_type: str | None
    quantity: str | None
    source_line: int
    note: str | None
    division_codes: tuple[str, ...]
    status: str = Status.IDENTIFICATION.value
    level: str = ProjectLevel.COUNTY.value
    quote: str | None = None


class SeedLink(BaseModel):
    """`project_code` is part of `target_code` (part_of) or another listing of it (same_work)."""

    relation: str
    project_code: str
    target_code: str
    reason: str
    file: str
    line: int | None


class SeedPlace(BaseModel):
    plan_key: str
    column_number: int
    role: str
    name: str
    division_code: str
    source_line: int
    note: str | None


class SeedIndicator(BaseModel):
    code: str
    plan_key: str
    table_code: str
    table_label: str
    column_number: int | None
    section: str | None
    name: str
    scope: str | None
    unit: str | None
    baseline_label: str | None
    baseline: str | None
    baseline_value: float | None
    target_label: str | None
    target: str | None
    target_value: float | None
    attribute: str | None
    source_line: int
    note: str | None


class SeedBundle(BaseModel):
    divisions: list[SeedDivision] = []
    sectors: list[SeedSector] = []
    plans: list[SeedPlan] = []
    projects: list[SeedProject] = []
    places: list[SeedPlace] = []
    indicators: list[SeedIndicator] = []
    links: list[SeedLink] = []


# --- reading -------------------------------------------------------------------


MAX_NESTING = 24  # seed files nest 7 levels; deeper input is a mistake (and would exhaust recursion)


@functools.cache
def _yaml_loader():
    """The C loader where available (10x faster), recording the line of every mapping."""
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor

    class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """Records the line of every mapping, so errors can point at it."""

    def construct_mapping(loader, node, deep=False):
        loader.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                raise ConstructorError(None, None, f"a {type(key).__name__} cannot be a key", key_node.start_mark)
            if key in mapping:
                raise ConstructorError(None, None, f"duplicate key {shorten(key)}", key_node.start_mark)
            mapping[key] = loader.construct_object(value_node, deep=True)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping

    def refusing_bad_values(construct, what):
        def checked(loader, node):
            try:
                return construct(loader, node)
            except (ValueError, OverflowError) as error:
                reason = f"{len(node.value)} characters long" if len(node.value) > 64 else str(error)
                raise ConstructorError(
                    None, None, f"impossible {what} {shorten(node.value, 40)}: {reason}", node.start_mark
                ) from None

        return checked

    LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    LineLoader.add_constructor(
        "tag:yaml.org,2002:timestamp", refusing_bad_values(SafeConstructor.construct_yaml_timestamp, "date")
    )
    LineLoader.add_constructor(
        "tag:yaml.org,2002:int", refusing_bad_values(SafeConstructor.construct_yaml_int, "number")
    )
    return LineLoader


def _node_problems(root) -> list[tuple[int, str]]:
    """What makes a composed YAML document unfit to construct: too deep, aliases, unstorable text.

    Aliases are refused because a few lines of them can stand for billions of values; the
    walk is iterative, so no document can exhaust the interpreter's recursion.
    """
    from yaml.nodes import MappingNode, ScalarNode

    problems, seen = [], set()
    stack = [(root, 1, root.start_mark.line + 1)]
    while stack:
        node, depth, line = stack.pop()
        if id(node) in seen:
            problems.append((line, "aliases (*name) are not allowed in seed files: write the value out"))
            continue
        seen.add(id(node))
        line = node.start_mark.line + 1
        if depth > MAX_NESTING:
            return [(line, f"nested more than {MAX_NESTING} levels deep")]
        if isinstance(node, ScalarNode):
            problem = text_problem(node.value)
            if problem:
                problems.append((line, f"text {problem}"))
        elif isinstance(node, MappingNode):
            stack.extend(
                (child, depth + 1, key.start_mark.line + 1)
                for key, value in reversed(node.value)
                for child in (value, key)
            )
        else:
            stack.extend((child, depth + 1, line) for child in reversed(node.value))
    return problems


def _read_yaml(path: Path, shown: str, errors: list[SeedError]) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        errors.append(SeedError(shown, None, f"not UTF-8 text (byte {error.start})"))
        return None
    except OSError as error:
        errors.append(SeedError(shown, None, f"cannot read: {error.strerror}"))
        return None
    loader = _yaml_loader()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problems = _node_problems(node)
        if problems:
            return errors.extend(SeedError(shown, line, message) for line, message in problems)
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return errors.append(SeedError(shown, mark.line + 1 if mark else None, f"bad YAML: {problem}"))
    finally:
        loader.dispose()


def _read_csv(path: Path, shown: str, required: set[str], errors: list[SeedError]) -> list[tuple[int, dict]]:
    """Rows as {column: text}, each with its line; short, long or unterminated rows are errors."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = next(reader, [])
            missing = required - set(header)
            if missing:
                errors.append(SeedError(shown, 1, f"missing columns: {', '.join(sorted(missing))}"))
                return []
            rows, line = [], reader.line_num + 1
            try:
                for values in reader:
                    row = _csv_row(shown, line, reader.line_num, header, values, errors)
                    if row is not None:
                        rows.append((line, row))
                    line = reader.line_num + 1
            except csv.Error as error:
                errors.append(SeedError(shown, line, f"malformed CSV: {error} (an unbalanced quote?)"))
            return rows
    except UnicodeDecodeError as error:
        errors.append(SeedError(shown, None, f"not UTF-8 text (byte {error.start})"))
    except (OSError, csv.Error) as error:
        errors.append(SeedError(shown, None, f"cannot read CSV: {error}"))
    return []


def _csv_row(
    shown: str, line: int, last_line: int, header: list[str], values: list[str], errors: list[SeedError]
) -> dict | None:
    if not any(value.strip() for value in values):
        return None
    if last_line > line:
        errors.append(SeedError(shown, line, f"a quoted field runs on to line {last_line} (an unbalanced quote?)"))
        return None
    if len(values) != len(header):
        errors.append(SeedError(shown, line, f"{len(values)} fields, but the header has {len(header)}"))
        return None
    bad = [f"{name} {problem}" for name, problem in zip(header, map(text_problem, values)) if problem]
    errors.extend(SeedError(shown, line, problem) for problem in bad)
    return None if bad else dict(zip(header, values))


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_seeds(seed_dir: Path) -> tuple[SeedBundle, list[SeedError]]:
    """Parse and validate every seed file under `seed_dir`; touches no database."""
    seed_dir = Path(seed_dir)
    if not seed_dir.is_dir():
        raise UserInputError(f"seed directory not found: {seed_dir}")
    bundle, errors = SeedBundle(), list[SeedError]()
    _read_divisions(seed_dir / "divisions.csv", bundle, errors)
    _read_sectors(seed_dir / "sectors.csv", bundle, errors)
    reader = _PlanReader(bundle, errors)
    for path in sorted((seed_dir / "plans").glob("*.yaml")):
        reader.read_plan(path)
    for path in sorted((seed_dir / "indicators").glob("*.yaml")):
        reader.read_indicators(path)
    for path in sorted((seed_dir / "links").glob("*.yaml")):
        reader.read_links(path)
    errors.extend(validate_links(bundle))
    for folder in ("plans", "indicators", "links"):
        for path in sorted((seed_dir / folder).glob("*.yaml")):
            errors.extend(draft_markers(path))
    if not bundle.plans and not errors:
        errors.append(SeedError(_shown(seed_dir / "plans"), None, "no plan files (*.yaml) found"))
    return bundle, list(dict.fromkeys(errors))


def _read_divisions(path: Path, bundle: SeedBundle, errors: list[SeedError]) -> None:
    shown = _shown(path)
    rows = _read_csv(path, shown, seedfiles.required_columns(seedfiles.DivisionRow), errors)
    codes = {row["code"].strip() for _, row in rows}
    seen: set[str] = set()
    lines: list[int] = []
    for line, row in rows:
        node, problems = seedfiles.validate_row(seedfiles.DivisionRow, line, row)
        if node.code in seen:
            problems.append(f"duplicate division code {node.code}")
        if node.parent and node.parent not in codes:
            problems.append(f"unknown parent code {node.parent}")
        seen.add(node.code)
        division = SeedDivision(
            code=node.code,
            name=node.name,
            level=node.level,
            parent_code=node.parent,
            short_name=node.short_name,
            aliases="|".join(node.aliases),
            pinyin=vocab.pinyin(node.name),
            official=node.official,
            note=node.note,
        )
        problems += column_problems(division)
        errors.extend(SeedError(shown, line, p) for p in problems)
        bundle.divisions.append(division)
        lines.append(line)
    _break_parent_cycles(shown, lines, bundle.divisions, errors)


def _break_parent_cycles(shown: str, lines: list[int], divisions: list[SeedDivision], errors: list[SeedError]) -> None:
    """Report every division that is its own ancestor, and cut the loop so later steps terminate."""
    parent_of = {d.code: d.parent_code for d in divisions}
    line_of = {d.code: line for line, d in zip(lines, divisions)}
    for division in divisions:
        chain, code = [division.code], division.parent_code
        while code is not None and code not in chain and len(chain) <= len(parent_of):
            chain.append(code)
            code = parent_of.get(code)
        if code == division.code:
            loop = " → ".join([*chain, code])
            message = "is its own parent" if len(chain) == 1 else f"is its own ancestor ({loop})"
            errors.append(SeedError(shown, line_of[division.code], f"division {division.code} {message}"))
    for division in divisions:
        if division.parent_code is not None and _in_loop(division.code, parent_of):
            division.parent_code = None


def _in_loop(code: str, parent_of: dict[str, str | None]) -> bool:
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current not in seen:
        seen.add(current)
        current = parent_of.get(current)
    return current == code


def _read_sectors(path: Path, bundle: SeedBundle, errors: list[SeedError]) -> None:
    shown = _shown(path)
    seen: set[str] = set()
    for line, row in _read_csv(path, shown, seedfiles.required_columns(seedfiles.SectorRow), errors):
        node, problems = seedfiles.validate_row(seedfiles.SectorRow, line, row)
        if node.code in seen:
            problems.append(f"duplicate sector code {node.code}")
        seen.add(node.code)
        sector = SeedSector(
            code=node.code,
            label_zh=node.label_zh,
            label_en=node.label_en,
            oc4ids=node.oc4ids,
            description=node.description,
        )
        errors.extend(SeedError(shown, line, p) for p in problems + column_problems(sector))
        bundle.sectors.append(sector)


_TABLE_OF_RECORD = {
    "SeedDivision": "division",
    "SeedSector": "sector",
    "SeedPlan": "plan",
    "SeedColumn": "plan_column",
    "SeedProject": "project",
    "SeedPlace": "place",
    "SeedIndicator": "indicator",
}


def _integer_bound(column_type) -> int | None:
    import sqlalchemy as sa

    for kind, bound in ((sa.SmallInteger, 2**15), (sa.BigInteger, 2**63), (sa.Integer, 2**31)):
        if isinstance(column_type, kind):
            return bound
    return None


def column_problems(record) -> list[str]:
    """What in a seed record would not fit the database column of the same name (on any engine)."""
    problems = []
    for name, length, bound in _column_limits(type(record).__name__):
        value = getattr(record, name)
        if length and isinstance(value, str) and len(value) > length:
            problems.append(f"{name} is too long ({len(value)} characters, at most {length})")
        elif bound and isinstance(value, int) and not -bound <= value < bound:
            problems.append(f"{name} {shorten(value, 24)} is out of range (at most {bound - 1})")
    return problems


@functools.cache
def _column_limits(record_type: str) -> tuple[tuple[str, int | None, int | None], ...]:
    """(field, maximum length, integer bound) for each field of a seed record stored in a column."""
    from portfolio import models  # registers the tables

    table = models.SQLModel.metadata.tables[_TABLE_OF_RECORD[record_type]]
    names = globals()[record_type].model_fields
    limits = (
        (name, getattr(table.c[name].type, "length", None), _integer_bound(table.c[name].type))
        for name in names
        if name in table.c
    )
    return tuple(limit for limit in limits if limit[1] or limit[2])


_REVIEW_KEY = re.compile(r"^\s*(?:-\s+)?review\s*:|[{,]\s*review\s*:")


def draft_markers(path: Path) -> list[SeedError]:
    """`review:` markers and TODOs that `portfolio extract` leaves in a draft: a curated file has none."""
    shown = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # reported by the reader
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        if _REVIEW_KEY.search(line.split("#", 1)[0]):
            found.append(
                SeedError(
                    shown, number, "review marker left from a draft: check the item, then remove the `review:` line"
                )
            )
        if "TODO" in line:
            found.append(SeedError(shown, number, "TODO left in a seed file: fill it in"))
    return found


def read_plan_file(path: Path, seed_dir: Path | None = None) -> tuple[SeedBundle, list[SeedError]]:
    """One plan file (a curated one or a draft) against the gazetteer and sectors of `seed_dir`."""
    from portfolio.paths import seeds_dir

    seed_dir = seed_dir or seeds_dir()
    bundle, errors = SeedBundle(), list[SeedError]()
    _read_divisions(seed_dir / "divisions.csv", bundle, errors)
    _read_sectors(seed_dir / "sectors.csv", bundle, errors)
    _PlanReader(bundle, errors).read_plan(Path(path))
    return bundle, list(dict.fromkeys(errors))


class _PlanReader:
    """Reads plan, links and indicator files into the bundle through the models of seedfiles.py,
    checking what spans mappings (unique codes and keys, known sectors and counties); collects every error."""

    def __init__(self, bundle: SeedBundle, errors: list[SeedError]):
        self.bundle = bundle
        self.errors = errors
        self.gazetteer = vocab.Gazetteer.of_divisions(bundle.divisions)
        self.sectors = {s.code for s in bundle.sectors}
        self.plans: dict[str, SeedPlan] = {}
        self.codes: dict[str, str] = {}
        self.place_keys: dict[tuple, str] = {}
        self.file = ""

    def errors_for_file(self) -> bool:
        return any(e.file == self.file for e in self.errors)

    def error(self, line: int | None, message: str) -> None:
        self.errors.append(SeedError(self.file, line, message))

    def node(self, model: type[N], mapping: dict) -> N | None:
        """The mapping as `model`; its problems are errors at its line."""
        found, problems = seedfiles.validate(model, mapping)
        for problem in problems:
            self.error(mapping.get(LINE_KEY), problem)
        return found

    def each(self, model: type[N], parent: Node, key: str, entries: list[Any]) -> Iterator[N]:
        """The entries listed under `key` that are valid `model` mappings; the others are errors."""
        for entry in entries:
            if not isinstance(entry, dict):
                shown = f"{kind_of(entry)} {shorten(entry, 40)}"
                self.error(parent.at, f"each entry of '{key}' must be a {model.what} (a mapping), not {shown}")
                continue
            found = self.node(model, entry)
            if found is not None:
                yield found

    def add(self, line: int | None, records: list, record: Any) -> None:
        """Keep a record whose values fit the database's columns."""
        for problem in column_problems(record):
            self.error(line, problem)
        records.append(record)

    def claim_code(self, line: int | None, code: str, pattern: re.Pattern, example: str) -> bool:
        if not pattern.match(code):
            self.error(line, f"bad code {shorten(code)}: expected the form {example}")
            return False
        if code in self.codes:
            self.error(line, f"duplicate code {code} (first used at {self.codes[code]})")
            return False
        self.codes[code] = f"{self.file}:{line}"
        return True

    # plans

    def read_plan(self, path: Path) -> None:
        self.file = _shown(path)
        document = _read_yaml(path, self.file, self.errors)
        if document is None and not self.errors_for_file():
            self.error(None, "empty file: a plan file needs a 'plan:' mapping and a 'columns:' list")
            return
        if document is None:
            return
        if not isinstance(document, dict) or not isinstance(document.get("plan"), dict):
            line = document.get(LINE_KEY) if isinstance(document, dict) else None
            self.error(line, "a plan file needs a 'plan:' mapping and a 'columns:' list")
            return
        shape = self.node(seedfiles.PlanFile, document)
        plan = self.plan_header(document["plan"])
        if plan is None or shape is None:
            return
        numbers: set[int] = set()
        for column in self.each(seedfiles.ColumnNode, shape, "columns", shape.columns):
            self.column(plan, column, numbers)

    def plan_header(self, mapping: dict) -> SeedPlan | None:
        header = self.node(seedfiles.PlanHeader, mapping)
        if header is None:
            return None
        if header.key in self.plans:
            self.error(header.at, f"duplicate plan key {header.key}")
            return None
        region = self.place(header.at, header.region, None)
        if region is None:
            return None
        plan = SeedPlan(
            key=header.key,
            code_prefix=header.code_prefix,
            title=header.title,
            issuer=header.issuer,
            region_code=region,
            period_start=header.period[0],
            period_end=header.period[1],
            issued=header.issued,
            document_kind=header.document_kind,
            source_file=header.source,
        )
        self.plans[plan.key] = plan
        self.add(header.at, self.bundle.plans, plan)
        return plan

    def column(self, plan: SeedPlan, column: seedfiles.ColumnNode, numbers: set[int]) -> None:
        if column.number in numbers:
            self.error(column.at, f"column number must be a unique whole number, not {shorten(column.number)}")
            return
        numbers.add(column.number)
        self.add(
            column.at,
            plan.columns,
            SeedColumn(number=column.number, title=column.title, kind=column.kind, source_line=column.line),
        )
        for group in self.each(seedfiles.GroupNode, column, "groups", column.groups):
            self.group(plan, column, group)

    def group(self, plan: SeedPlan, column: seedfiles.ColumnNode, group: seedfiles.GroupNode) -> None:
        if column.kind == ColumnKind.PLACES:
            for place in self.each(seedfiles.PlaceNode, group, "places", group.places):
                self.place_item(plan, column.number, group, place)
            return
        for item in self.each(seedfiles.ItemNode, group, "items", group.items):
            self.project(plan, column, group, item)

    def project(
        self, plan: SeedPlan, column: seedfiles.ColumnNode, group: seedfiles.GroupNode, item: seedfiles.ItemNode
    ) -> None:
        number = column.number
        valid = self.claim_code(item.at, item.code, PROJECT_CODE, f"{plan.code_prefix}-{number:02d}-001")
        if valid and not item.code.startswith(f"{plan.code_prefix}-{number:02d}-"):
            self.error(
                item.at,
                f"code {item.code} does not belong to 专栏 {number} of {plan.key} "
                f"(expected {plan.code_prefix}-{number:02d}-NNN)",
            )
        sector = item.sector or group.sector or column.sector
        level = item.level or group.level or column.level or ProjectLevel.COUNTY.value
        problems = [
            seedfiles.scalar_problem("sector", sector, "a sector code", optional=False),
            seedfiles.choice_problem("level", level, PROJECT_LEVELS),
        ]
        for problem in problems:
            if problem:
                self.error(item.at, problem)
        if not problems[0] and sector not in self.sectors:
            self.error(item.at, f"unknown sector {shorten(sector)}{vocab.did_you_mean(str(sector), self.sectors, 2)}")
        self.add(
            item.at,
            self.bundle.projects,
            SeedProject(
                code=item.code,
                name=item.name,
                plan_key=plan.key,
                column_number=number,
                group_label=group.label,
                kind=item.kind,
                sector_code=str(sector),
                build_type=item.build,
                quantity=item.quantity,
                source_line=item.line,
                note=item.note,
                division_codes=self.divisions(plan, item, group),
                status=item.status,
                level=level,
                quote=item.quote,
            ),
        )

    def place_item(self, plan: SeedPlan, number: int, group: seedfiles.GroupNode, place: seedfiles.PlaceNode) -> None:
        county = place.county or group.county or plan.region_code
        code = self.place(place.at, county, plan.region_code)
        key = (plan.key, number, group.label or "", place.name, code)
        if code and key in self.place_keys:
            where = group.label or "this column"
            self.error(place.at, f"duplicate place {place.name} in {where} (first listed at {self.place_keys[key]})")
        elif code:
            self.place_keys[key] = f"{self.file}:{place.at}"
            self.add(
                place.at,
                self.bundle.places,
                SeedPlace(
                    plan_key=plan.key,
                    column_number=number,
                    role=group.label or "",
                    name=place.name,
                    division_code=code,
                    source_line=place.line,
                    note=place.note,
                ),
            )

    def divisions(self, plan: SeedPlan, item: seedfiles.ItemNode, group: seedfiles.GroupNode) -> tuple[str, ...]:
        line, values = item.at, item.counties or item.county
        if values is None:
            line, values = group.at, group.counties or group.county
        if values is None:
            return (plan.region_code,)
        if values == "all":
            return tuple(p.code for p in self.gazetteer.children(plan.region_code))
        if not isinstance(values, list):
            values = [values]
        codes = [self.location(line, value, plan.region_code) for value in values]
        return tuple(dict.fromkeys(c for c in codes if c))

    def location(self, line: int | None, value: Any, region_code: str) -> str | None:
        """Where a work stands: a county-level division, or `unspecified` (stored as the region itself)."""
        if str(value).strip() == vocab.PREFECTURE_LEVEL:
            self.error(
                line,
                f"{vocab.PREFECTURE_LEVEL} is retired: name the county where the work stands, "
                f"or write {UNSPECIFIED} if the plan does not say; "
                f"a prefecture-level work also takes level: 市级",
            )
            return None
        if str(value).strip() == UNSPECIFIED:
            return region_code
        return self.place(line, value, region_code)

    def place(self, line: int | None, value: Any, region_code: str | None) -> str | None:
        if not isinstance(value, str | int | float | date):
            self.error(line, f"county must be a county name or code, not {kind_of(value)} {shorten(value, 40)}")
            return None
        try:
            return self.gazetteer.resolve(str(value), region_code).code
        except UserInputError as error:
            self.error(line, str(error))
            return None

    # links

    def read_links(self, path: Path) -> None:
        self.file = _shown(path)
        document = _read_yaml(path, self.file, self.errors)
        if document is None:
            return
        if not isinstance(document, dict):
            self.error(None, "a links file needs 'part_of:' and/or 'same_work:' lists")
            return
        if path.stem not in self.plans:
            self.error(
                document.get(LINE_KEY),
                f"links file named after no plan: {path.stem!r}; known plans: {', '.join(self.plans) or 'none'}",
            )
        links = self.node(seedfiles.LinksFile, document)
        if links is None:
            return
        for entry in self.each(seedfiles.PartOfEntry, links, "part_of", links.part_of):
            self.link(LinkRelation.PART_OF, entry.whole, entry.parts, entry)
        for other in self.each(seedfiles.SameWorkEntry, links, "same_work", links.same_work):
            self.link(LinkRelation.SAME_WORK, other.primary, other.others, other)

    def link(
        self, relation: str, target: str, members: list[str], entry: seedfiles.PartOfEntry | seedfiles.SameWorkEntry
    ) -> None:
        for code in members:
            self.bundle.links.append(
                SeedLink(
                    relation=relation,
                    project_code=code,
                    target_code=target,
                    reason=entry.reason,
                    file=self.file,
                    line=entry.at,
                )
            )

    # indicators

    def read_indicators(self, path: Path) -> None:
        self.file = _shown(path)
        document = _read_yaml(path, self.file, self.errors)
        if document is None:
            return
        if not isinstance(document, dict) or "plan" not in document:
            line = document.get(LINE_KEY) if isinstance(document, dict) else None
            self.error(line, "an indicator file needs 'plan:' (a plan key) and 'tables:'")
            return
        indicators = self.node(seedfiles.IndicatorFile, document)
        if indicators is None:
            return
        plan = self.plans.get(indicators.plan or "")
        if plan is None:
            known = ", ".join(self.plans) or "none"
            self.error(indicators.at, f"unknown plan {shorten(document['plan'])}; known plans: {known}")
            return
        for table in self.each(seedfiles.TableNode, indicators, "tables", indicators.tables):
            for row in self.each(seedfiles.IndicatorRow, table, "rows", table.rows):
                self.indicator(plan, table, row)

    def indicator(self, plan: SeedPlan, table: seedfiles.TableNode, row: seedfiles.IndicatorRow) -> None:
        self.claim_code(row.at, row.code, INDICATOR_CODE, f"{table.code}-001")
        self.add(
            row.at,
            self.bundle.indicators,
            SeedIndicator(
                code=row.code,
                plan_key=plan.key,
                table_code=table.code,
                table_label=table.label,
                column_number=table.column,
                section=row.section,
                name=row.name,
                scope=row.scope,
                unit=row.unit,
                baseline_label=row.baseline_label or table.baseline_label,
                baseline=row.baseline,
                baseline_value=parse_number(row.baseline),
                target_label=row.target_label or table.target_label,
                target=row.target,
                target_value=parse_number(row.target),
                attribute=row.attribute,
                source_line=row.line,
                note=row.note,
            ),
        )


def validate_links(bundle: SeedBundle) -> list[SeedError]:
    """Both ends exist, a whole is a programme, no part_of cycles, one whole per part unless the
    reasons say why, and a code in at most one same_work group."""
    projects = {p.code: p for p in bundle.projects}
    errors: list[SeedError] = []

    def error(link: SeedLink, message: str) -> None:
        errors.append(SeedError(link.file, link.line, message))

    valid = []
    for link in bundle.links:
        unknown = [c for c in (link.project_code, link.target_code) if c not in projects]
        for code in unknown:
            error(link, f"unknown item code {code}" + _code_hint(code, projects))
        if link.project_code == link.target_code:
            error(link, f"{link.project_code} is linked to itself")
        elif not unknown:
            valid.append(link)
    part_of = [link for link in valid if link.relation == LinkRelation.PART_OF]
    for link in part_of:
        if projects[link.target_code].kind != ProjectKind.PROGRAMME:
            error(
                link,
                f"{link.target_code} is a whole but not a programme (kind: {projects[link.target_code].kind}); "
                "only a programme contains other items",
            )
    errors += _check_single_whole(part_of)
    errors += _check_no_cycles(part_of)
    errors += _check_same_work_groups([link for link in valid if link.relation == LinkRelation.SAME_WORK])
    return errors


def _code_hint(code: str, projects: dict) -> str:
    return vocab.did_you_mean(code, [c for c in projects if c[:4] == code[:4]], 2)


def _check_single_whole(part_of: list[SeedLink]) -> list[SeedError]:
    wholes: dict[str, list[SeedLink]] = defaultdict(list)
    for link in part_of:
        wholes[link.project_code].append(link)
    errors = []
    for code, links in wholes.items():
        targets = [link.target_code for link in links]
        for link in links:
            if targets.count(link.target_code) > 1:
                errors.append(
                    SeedError(link.file, link.line, f"{code} is listed twice as a part of {link.target_code}")
                )
            others = [t for t in dict.fromkeys(targets) if t != link.target_code]
            unexplained = [t for t in others if t not in link.reason]
            if unexplained:
                errors.append(
                    SeedError(
                        link.file,
                        link.line,
                        (
                            f"{code} is also a part of {', '.join(unexplained)}: an item is a part of one whole, "
                            f"unless the reason of each entry says why and names the other whole"
                        ),
                    )
                )
    return errors


def _check_no_cycles(part_of: list[SeedLink]) -> list[SeedError]:
    wholes: dict[str, list[SeedLink]] = defaultdict(list)
    for link in part_of:
        wholes[link.project_code].append(link)
    errors, reported = [], set()
    for start in list(wholes):
        path, stack = [start], [(start, iter(wholes[start]))]
        while stack:
            _code, pending = stack[-1]
            step = next(pending, None)
            if step is None:
                stack.pop()
                path.pop()
                continue
            if step.target_code in path:
                cycle = path[path.index(step.target_code) :] + [step.target_code]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    errors.append(SeedError(step.file, step.line, f"part_of cycle: {' → '.join(cycle)}"))
                continue
            path.append(step.target_code)
            stack.append((step.target_code, iter(wholes.get(step.target_code, []))))
    return errors


def _check_same_work_groups(same_work: list[SeedLink]) -> list[SeedError]:
    group_of: dict[str, tuple[str, SeedLink]] = {}
    errors = []
    for link in same_work:
        group = link.target_code
        for code in (link.target_code, link.project_code):
            first = group_of.get(code)
            if first is None:
                group_of[code] = (group, link)
            elif first[0] != group:
                where = f"{first[1].file}:{first[1].line}"
                errors.append(
                    SeedError(
                        link.file,
                        link.line,
                        f"{code} is already in the same_work group of {first[0]} ({where}); "
                        "a code belongs to one group: merge them",
                    )
                )
    return errors


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d*)?")


def parse_number(text: str | None) -> float | None:
    """The number in a value written as text: '32.5%' -> 32.5, '≥90' -> 90; None if none or several."""
    if not text:
        return None
    numbers = _NUMBER.findall(text.replace(",", "").replace("，", ""))
    if len(numbers) != 1:
        return None
    value = float(numbers[0].rstrip("."))
    return value if math.isfinite(value) else None


# --- applying ------------------------------------------------------------------


@dataclass
class PlanReport:
    """What a seed load did to one plan's items: the row of `seed load`."""

    plan: str = col("规划", Kind.CODE, brief=True)
    inserted: int = col("新增", Kind.INTEGER, brief=True, default=0)
    updated: int = col("更新", Kind.INTEGER, brief=True, default=0)
    unchanged: int = col("未变", Kind.INTEGER, brief=True, default=0)
    missing: int = col("不在种子中", Kind.INTEGER, brief=True, default=0)  # kept: --prune deletes them
    pruned: int = col("已删除", Kind.INTEGER, brief=True, default=0)


@dataclass
class LoadReport:
    plans: dict[str, PlanReport] = field(default_factory=dict)
    missing_codes: list[str] = field(default_factory=list)
    kept_with_history: list[str] = field(default_factory=list)
    reference_changes: int = 0

    def for_plan(self, key: str) -> PlanReport:
        return self.plans.setdefault(key, PlanReport(key))

    @property
    def changed(self) -> bool:
        return self.reference_changes > 0 or any(r.inserted or r.updated or r.pruned for r in self.plans.values())


_PROJECT_COMPARED = (
    "name",
    "column_id",
    "group_label",
    "kind",
    "sector_code",
    "build_type",
    "quantity",
    "source_line",
    "quote",
    "level",
    "note",
    "in_seeds",
)


def apply(session: Session, bundle: SeedBundle, *, prune: bool = False, today: date | None = None) -> LoadReport:
    """Bring the database in line with the bundle, inside the caller's transaction.

    The caller opens it with db.session_scope(engine, exclusive=True): a reload must not run
    beside user updates (it decides which items users have touched, then deletes the others).
    The lock is taken here too, so no caller can forget it.
    """
    from portfolio.db import take_write_lock

    take_write_lock(session.connection(), exclusive=True)
    report = LoadReport()
    report.reference_changes += _upsert_divisions(session, bundle.divisions)
    report.reference_changes += _upsert_rows(session, "sector", "code", [_as_dict(s) for s in bundle.sectors])
    plan_ids = _upsert_plans(session, bundle.plans, report)
    column_ids = _upsert_columns(session, bundle.plans, plan_ids, report)
    for plan in bundle.plans:
        report.for_plan(plan.key)
    _apply_projects(session, bundle, plan_ids, column_ids, report, prune, today or date.today())
    report.reference_changes += _replace_places(session, bundle, column_ids)
    report.reference_changes += _replace_links(session, bundle)
    _apply_indicators(session, bundle, plan_ids, report)
    return report


def _as_dict(record: BaseModel) -> dict:
    """The record's fields, one level deep (a plan's columns stay records)."""
    return {name: getattr(record, name) for name in _field_names(type(record))}


@functools.cache
def _field_names(record_type: type[BaseModel]) -> tuple[str, ...]:
    return tuple(record_type.model_fields)


def _upsert_rows(session: Session, table: str, key: str, rows: list[dict]) -> int:
    """Insert new rows and update changed ones of a small reference table; returns the changes."""
    from sqlalchemy import insert, select, update
    from sqlmodel import SQLModel

    target = SQLModel.metadata.tables[table]
    existing = {row[key]: dict(row) for row in session.execute(select(target)).mappings()}
    changes = 0
    for row in rows:
        old = existing.get(row[key])
        if old is None:
            session.execute(insert(target).values(**row))
            changes += 1
        elif any(old.get(k) != v for k, v in row.items()):
            session.execute(update(target).where(target.c[key] == row[key]).values(**row))
            changes += 1
    return changes


def _upsert_divisions(session: Session, divisions: list[SeedDivision]) -> int:
    # Parents before children, so foreign keys hold at every insert (the reader has refused loops).
    parents = {d.code: d.parent_code for d in divisions}

    def level(code: str) -> int:
        depth, seen = 0, {code}
        parent = parents.get(code)
        while parent in parents and parent not in seen:
            seen.add(parent)
            depth += 1
            parent = parents[parent]
        return depth

    ordered = sorted(divisions, key=lambda d: level(d.code))
    return _upsert_rows(session, "division", "code", [_as_dict(d) for d in ordered])


def _upsert_plans(session: Session, plans: list[SeedPlan], report: LoadReport) -> dict[str, int]:
    from sqlalchemy import select

    from portfolio.models import Plan

    owners = dict(session.execute(select(Plan.code_prefix, Plan.key)).all())
    for plan in plans:
        owner = owners.get(plan.code_prefix, plan.key)
        if owner != plan.key:
            raise DataError(
                f"plan {plan.key}: code prefix {plan.code_prefix} already belongs to plan {owner} "
                f"in the database; prefixes are never reused (choose another, or keep the key {owner})"
            )
    rows = [{k: v for k, v in _as_dict(p).items() if k != "columns"} for p in plans]
    report.reference_changes += _upsert_rows(session, "plan", "key", rows)
    return dict(session.execute(select(Plan.key, Plan.id)).all())


def _upsert_columns(
    session: Session, plans: list[SeedPlan], plan_ids: dict[str, int], report: LoadReport
) -> dict[tuple[str, int], int]:
    from sqlalchemy import insert, select, update

    from portfolio.models import PlanColumn

    columns = select(
        PlanColumn.id, PlanColumn.plan_id, PlanColumn.number, PlanColumn.title, PlanColumn.kind, PlanColumn.source_line
    )
    existing = {(r.plan_id, r.number): r for r in session.execute(columns).all()}
    for plan in plans:
        for column in plan.columns:
            values = {
                "plan_id": plan_ids[plan.key],
                "number": column.number,
                "title": column.title,
                "kind": column.kind,
                "source_line": column.source_line,
            }
            old = existing.get((values["plan_id"], column.number))
            if old is None:
                session.execute(insert(PlanColumn).values(**values))
                report.reference_changes += 1
            elif (old.title, old.kind, old.source_line) != (column.title, column.kind, column.source_line):
                session.execute(update(PlanColumn).where(PlanColumn.id == old.id).values(**values))
                report.reference_changes += 1
    key_of = {v: k for k, v in plan_ids.items()}
    rows = session.execute(select(PlanColumn.plan_id, PlanColumn.number, PlanColumn.id)).all()
    return {(key_of[plan_id], number): column_id for plan_id, number, column_id in rows}


def _project_values(project: SeedProject, plan_ids: dict[str, int], column_ids: dict[tuple[str, int], int]) -> dict:
    return {
        "code": project.code,
        "name": project.name,
        "plan_id": plan_ids[project.plan_key],
        "column_id": column_ids[(project.plan_key, project.column_number)],
        "group_label": project.group_label,
        "kind": project.kind,
        "sector_code": project.sector_code,
        "build_type": project.build_type,
        "quantity": project.quantity,
        "source_line": project.source_line,
        "quote": project.quote,
        "level": project.level,
        "note": project.note,
        "in_seeds": True,
    }


def _apply_projects(
    session: Session,
    bundle: SeedBundle,
    plan_ids: dict[str, int],
    column_ids: dict[tuple[str, int], int],
    report: LoadReport,
    prune: bool,
    today: date,
) -> None:
    from sqlalchemy import bindparam, delete, insert, select, update

    from portfolio.models import Project, ProjectDivision

    compared = [getattr(Project, name) for name in _PROJECT_COMPARED]
    existing = {row.code: row for row in session.execute(select(Project.id, Project.code, *compared))}
    links: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for project_id, division_code, sector_code in session.execute(
        select(ProjectDivision.project_id, ProjectDivision.division_code, ProjectDivision.sector_code)
    ):
        links[project_id].add((division_code, sector_code))

    new, changed, relinked = [], [], []
    for project in bundle.projects:
        values = _project_values(project, plan_ids, column_ids)
        old = existing.pop(project.code, None)
        plan_report = report.for_plan(project.plan_key)
        if old is None:
            new.append((project, values))
            plan_report.inserted += 1
            continue
        fields_changed = any(getattr(old, name) != values[name] for name in _PROJECT_COMPARED)
        wanted_links = {(code, project.sector_code) for code in project.division_codes}
        links_changed = links.get(old.id, set()) != wanted_links
        if fields_changed:
            changed.append({"_id": old.id, **{k: values[k] for k in _PROJECT_COMPARED}})
        if links_changed:
            relinked.append((old.id, wanted_links))
        if fields_changed or links_changed:
            plan_report.updated += 1
        else:
            plan_report.unchanged += 1

    if changed:
        statement = (
            update(Project)
            .where(Project.id == bindparam("_id"))
            .values({name: bindparam(name) for name in _PROJECT_COMPARED})
        )
        session.connection().execute(statement, changed)
    for project_id, wanted_links in relinked:
        session.execute(delete(ProjectDivision).where(ProjectDivision.project_id == project_id))
        session.execute(
            insert(ProjectDivision),
            [
                {"project_id": project_id, "division_code": code, "sector_code": sector}
                for code, sector in sorted(wanted_links)
            ],
        )
    if new:
        _insert_projects(session, new, plan_ids, today)
    _handle_missing(session, existing, report, prune)


def _insert_projects(
    session: Session, new: list[tuple[SeedProject, dict]], plan_ids: dict[str, int], today: date
) -> None:
    from sqlalchemy import insert, select

    from portfolio.models import Plan, Project, ProjectDivision, StatusEvent, utc_now

    issued = dict(session.execute(select(Plan.id, Plan.issued)).all())
    connection = session.connection()
    for chunk in _chunks(new, 20_000):
        rows = []
        for project, values in chunk:
            effective = issued.get(values["plan_id"]) or today
            rows.append({**values, "status": project.status, "status_date": effective})
        # RETURNING, not a lookup by code: inside the load's transaction the planner has no
        # statistics for the growing table, and PostgreSQL then scans it once per chunk.
        ids = dict(connection.execute(insert(Project).returning(Project.code, Project.id), rows).all())
        now = utc_now()
        connection.execute(
            insert(ProjectDivision),
            [
                {"project_id": ids[p.code], "division_code": code, "sector_code": p.sector_code}
                for p, _ in chunk
                for code in p.division_codes
            ],
        )
        connection.execute(
            insert(StatusEvent),
            [
                {
                    "project_id": ids[p.code],
                    "status": p.status,
                    "effective_date": row["status_date"],
                    "note": "列入规划",
                    "recorded_at": now,
                    "origin": Origin.SEED.value,
                }
                for (p, _), row in zip(chunk, rows)
            ],
        )


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _handle_missing(session: Session, missing: dict, report: LoadReport, prune: bool) -> None:
    """Items no longer in the seeds: flagged and reported; with prune, deleted unless users touched them."""
    from sqlalchemy import delete, select, update

    from portfolio.models import AnnualPlan, FieldEvent, PeriodReport, Plan, Project, ProjectDivision, StatusEvent

    if not missing:
        return
    ids = [row.id for row in missing.values()]
    plan_of = dict(session.execute(select(Project.id, Plan.key).join(Plan).where(Project.id.in_(ids))).all())
    touched = set(
        session.execute(
            select(StatusEvent.project_id).where(
                StatusEvent.project_id.in_(ids), StatusEvent.origin == Origin.USER.value
            )
        ).scalars()
    )
    for table in (FieldEvent, PeriodReport, AnnualPlan):  # a user's record keeps its project
        touched |= set(session.execute(select(table.project_id).where(table.project_id.in_(ids))).scalars())
    for code, row in sorted(missing.items()):
        plan_report = report.for_plan(plan_of[row.id])
        report.missing_codes.append(code)
        if prune and row.id not in touched:
            session.execute(delete(ProjectDivision).where(ProjectDivision.project_id == row.id))
            session.execute(delete(StatusEvent).where(StatusEvent.project_id == row.id))
            session.execute(delete(Project).where(Project.id == row.id))
            plan_report.pruned += 1
            continue
        if prune:
            report.kept_with_history.append(code)
        plan_report.missing += 1
        if row.in_seeds:
            session.execute(update(Project).where(Project.id == row.id).values(in_seeds=False))


def _replace_places(session: Session, bundle: SeedBundle, column_ids: dict[tuple[str, int], int]) -> int:
    from sqlalchemy import delete, insert, select

    from portfolio.models import Place

    wanted = sorted(
        (column_ids[(p.plan_key, p.column_number)], p.role, p.name, p.division_code, p.source_line, p.note)
        for p in bundle.places
    )
    current = sorted(
        tuple(r)
        for r in session.execute(
            select(Place.column_id, Place.role, Place.name, Place.division_code, Place.source_line, Place.note)
        ).all()
    )
    if wanted == current:
        return 0
    session.execute(delete(Place))
    keys = ("column_id", "role", "name", "division_code", "source_line", "note")
    if wanted:
        session.execute(insert(Place), [dict(zip(keys, row)) for row in wanted])
    return 1


def _replace_links(session: Session, bundle: SeedBundle) -> int:
    """The curated links are reference data: replaced whole when they differ from the seeds."""
    from sqlalchemy import delete, insert, select

    from portfolio.models import Project, ProjectLink

    ids = dict(session.execute(select(Project.code, Project.id)).all())
    reasons: dict[tuple, str] = {}
    for link in bundle.links:  # the same pair named twice in one group keeps its first reason
        reasons.setdefault((ids[link.project_code], link.relation, ids[link.target_code]), link.reason)
    wanted = sorted((*key, reason) for key, reason in reasons.items())
    current = sorted(
        tuple(row)
        for row in session.execute(
            select(ProjectLink.project_id, ProjectLink.relation, ProjectLink.target_id, ProjectLink.reason)
        ).all()
    )
    if wanted == current:
        return 0
    session.execute(delete(ProjectLink))
    keys = ("project_id", "relation", "target_id", "reason")
    if wanted:
        session.execute(insert(ProjectLink), [dict(zip(keys, row)) for row in wanted])
    return 1


def _apply_indicators(session: Session, bundle: SeedBundle, plan_ids: dict[str, int], report: LoadReport) -> None:
    rows = []
    for indicator in bundle.indicators:
        values = _as_dict(indicator)
        values["plan_id"] = plan_ids[values.pop("plan_key")]
        rows.append(values)
    report.reference_changes += _upsert_rows(session, "indicator", "code", rows)


# --- entry points ----------------------------------------------------------------


def load_checked(seed_dir: Path) -> SeedBundle:
    """Read and validate; raise DataError listing every problem if there are any."""
    bundle, errors = read_seeds(seed_dir)
    if errors:
        raise SeedFilesError(errors)
    return bundle


class SeedFilesError(DataError):
    def __init__(self, errors: list[SeedError]):
        self.errors = errors
        first = errors[0]
        more = {1: "", 2: " (and 1 more problem; run `portfolio seed check`)"}.get(
            len(errors), f" (and {len(errors) - 1} more problems; run `portfolio seed check`)"
        )
        super().__init__(f"{first}{more}")


def load_packaged_seeds(connection: Connection) -> LoadReport:
    """Seed a new database inside the caller's transaction (the one that created its schema)."""
    from sqlmodel import Session

    from portfolio.paths import seeds_dir

    bundle = load_checked(seeds_dir())
    with Session(bind=connection) as session:
        report = apply(session, bundle)
        session.flush()
    return report
