"""The shapes of the seed files as pydantic models.

Each mapping of a plan, links or indicator file, and each row of divisions.csv and sectors.csv, is
validated on its own (a plan header, a 专栏, a group, an item, a division …), so one bad item never
hides the problems of the others; `validate` turns pydantic's errors into the messages
`portfolio seed check` prints after `file:line:`. What needs more than one mapping or row (unique
codes, parents, known sectors and counties, links) is checked in seeding.py.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, ValidationInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from portfolio import vocab
from portfolio.text import shorten
from portfolio.vocab import BuildType, ColumnKind, DivisionLevel, DocumentKind, IndicatorAttribute, ProjectKind, Status

LINE_KEY = "__line__"  # the line of a mapping, added by the YAML loader
QUOTE_MAX = 150
SEEDABLE_COLUMNS = (ColumnKind.PROJECTS.value, ColumnKind.PLACES.value)  # indicators have files of their own


def kind_of(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "a boolean"}.get(type(value), f"a {type(value).__name__}")


def is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _problem(message: str) -> PydanticCustomError:
    # the message goes in the context: a value quoted in it may hold braces
    return PydanticCustomError("seed", "{message}", {"message": message})


def _missing() -> PydanticCustomError:
    return PydanticCustomError("missing", "missing")


# --- field types ------------------------------------------------------------------------------


def scalar_problem(key: str, value: Any, what: str, *, optional: bool = True) -> str | None:
    """Text, a number or a date is fine (and nothing, if optional); a list, mapping or binary value is a problem."""
    if (value is None and optional) or isinstance(value, str | int | float | date):
        return None
    return f"{key} must be {what}, not {kind_of(value)} {shorten(value, 40)}"


def choice_problem(key: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    if value is None or value in allowed:
        return None
    return f"unknown {key} {shorten(value)}; allowed: {', '.join(allowed)}"


def _scalar_text(value: Any, info: ValidationInfo, what: str = "text") -> str | None:
    """Text, a number or a date, as text."""
    problem = scalar_problem(str(info.field_name), value, what)
    if problem:
        raise _problem(problem)
    return None if value is None else str(value).strip() or None


def _required_text(value: Any, info: ValidationInfo) -> str:
    if value in (None, ""):
        raise _missing()
    return _scalar_text(value, info) or ""


def _source_line(value: Any) -> int:
    if value in (None, ""):
        raise _missing()
    if not is_whole(value) or value < 1:
        raise _problem(f"line must be a positive line number, not {shorten(value)}")
    return value


def _one_of(allowed: tuple[str, ...], name: str | None = None) -> BeforeValidator:
    def check(value: Any, info: ValidationInfo) -> Any:
        problem = choice_problem(name or str(info.field_name), value, allowed)
        if problem:
            raise _problem(problem)
        return value

    return BeforeValidator(check)


def _list_of(what: str) -> BeforeValidator:
    """A list (entries checked one by one by the reader); absent is empty."""

    def check(value: Any, info: ValidationInfo) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise _problem(f"'{info.field_name}' must be a list of {what}s, not {kind_of(value)} {shorten(value, 40)}")
        return value

    return BeforeValidator(check)


def _whole(message: str) -> BeforeValidator:
    def check(value: Any) -> Any:
        if value in (None, ""):
            return value
        if not is_whole(value):
            raise _problem(f"{message}, not {shorten(value)}")
        return value

    return BeforeValidator(check)


def _period(value: Any) -> Any:
    if value in (None, ""):
        raise _missing()
    if not (isinstance(value, list) and len(value) == 2 and all(is_whole(y) for y in value) and value[0] <= value[1]):
        raise _problem(f"period must be [start year, end year], not {shorten(value)}")
    return value


def _issued(value: Any) -> Any:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise _problem(f"issued must be a date (YYYY-MM-DD), not {shorten(value)}")
    return value


def _quote(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
        raise _problem(f"quote must be the plan's words on one line, not {value!r}")
    if len(value.strip()) > QUOTE_MAX:
        raise _problem(
            f"quote is {len(value.strip())} characters long; trim it to the item's clause (at most {QUOTE_MAX})"
        )
    return value.strip()


def _item_codes(value: Any, info: ValidationInfo) -> list[str]:
    if value in (None, ""):
        raise _missing()
    if not isinstance(value, list) or not value:
        raise _problem(f"{info.field_name} must be a list of item codes, not {shorten(value, 40)}")
    return [_scalar_text(code, info, "an item code") or "" for code in value]


def _required(check: Any) -> BeforeValidator:
    """A value that must be given (an empty text counts as none)."""

    def required(value: Any) -> Any:
        if value in (None, ""):
            raise _missing()
        return check(value)

    return BeforeValidator(required)


Text = Annotated[str | None, BeforeValidator(_scalar_text)]
RequiredText = Annotated[str, BeforeValidator(_required_text)]
SourceLine = Annotated[int, BeforeValidator(_source_line)]
Place = Annotated[Any, _required(lambda value: value)]  # a county name or code, resolved by the gazetteer
Mappings = list[Any]  # each entry is validated on its own, so a bad one never hides the others


class Node(BaseModel):
    """One mapping of a seed file. `at` is its line; `what` names it in messages."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    what: ClassVar[str]
    missing_what: ClassVar[str | None] = None  # how a missing field names the mapping, when not `what`
    at: int | None = Field(default=None, alias="__line__")  # LINE_KEY


# --- plan files -------------------------------------------------------------------------------


class PlanFile(Node):
    what = "plan file"
    plan: dict[str, Any]
    columns: Annotated[Mappings, _list_of("column")] = []


class PlanHeader(Node):
    what = "plan"
    key: RequiredText
    code_prefix: RequiredText
    title: RequiredText
    issuer: Text = None
    region: Place
    period: Annotated[tuple[int, int], BeforeValidator(_period)]
    issued: Annotated[date | None, BeforeValidator(_issued)] = None
    document_kind: Annotated[str, _required(lambda value: value), _one_of(DocumentKind.values())]
    source: RequiredText
    review: Any = None  # left by `portfolio extract`; reported by draft_markers


class ColumnNode(Node):
    what = "column"
    number: Annotated[int, _required(lambda value: value), _whole("column number must be a unique whole number")]
    title: RequiredText
    kind: Annotated[str, _required(lambda value: value), _one_of(SEEDABLE_COLUMNS, "column kind")]
    line: SourceLine
    sector: Any = None  # inherited by the items, and checked at each (a sector code)
    level: Any = None  # inherited by the items, and checked at each (a project level)
    groups: Annotated[Mappings, _list_of("group")] = []
    note: Text = None


class GroupNode(Node):
    what = "group"
    label: Text = None
    line: Annotated[int | None, BeforeValidator(lambda value: None if value is None else _source_line(value))] = None
    county: Any = None
    counties: Any = None
    sector: Any = None  # inherited by the items, and checked at each (a sector code)
    level: Any = None  # inherited by the items, and checked at each (a project level)
    items: Annotated[Mappings, _list_of("item")] = []
    places: Annotated[Mappings, _list_of("place")] = []
    note: Text = None


class ItemNode(Node):
    what = "item"
    code: RequiredText
    name: RequiredText
    line: SourceLine
    kind: Annotated[str, _one_of(ProjectKind.values())] = ProjectKind.PROJECT.value
    county: Any = None
    counties: Any = None
    sector: Any = None
    level: Any = None
    quote: Annotated[str | None, BeforeValidator(_quote)] = None
    build: Annotated[str | None, _one_of(BuildType.values())] = None
    quantity: Text = None
    status: Annotated[str, _one_of(Status.values())] = Status.IDENTIFICATION.value
    note: Text = None
    review: Any = None


class PlaceNode(Node):
    what = "place"
    name: RequiredText
    county: Any = None
    line: SourceLine
    note: Text = None


# --- links files ------------------------------------------------------------------------------


class LinksFile(Node):
    what = "links file"
    part_of: Annotated[Mappings, _list_of("part_of entry")] = []
    same_work: Annotated[Mappings, _list_of("same_work entry")] = []


class PartOfEntry(Node):
    what = "part_of entry"
    missing_what = "part_of"
    whole: RequiredText
    parts: Annotated[list[str], BeforeValidator(_item_codes)]
    reason: RequiredText


class SameWorkEntry(Node):
    what = "same_work entry"
    missing_what = "same_work"
    primary: RequiredText
    others: Annotated[list[str], BeforeValidator(_item_codes)]
    reason: RequiredText


# --- indicator files --------------------------------------------------------------------------


class IndicatorFile(Node):
    what = "indicator file"
    plan: Text = None
    tables: Annotated[Mappings, _list_of("table")] = []


class TableNode(Node):
    what = "table"
    code: RequiredText
    label: RequiredText
    column: Annotated[int | None, _whole("column must be a 专栏 number")] = None
    line: SourceLine
    baseline_label: Text = None
    target_label: Text = None
    rows: Annotated[Mappings, _list_of("indicator row")] = []
    note: Text = None


class IndicatorRow(Node):
    what = "indicator row"
    code: RequiredText
    name: RequiredText
    line: SourceLine
    section: Text = None
    scope: Text = None
    unit: Text = None
    baseline: Text = None
    target: Text = None
    attribute: Annotated[str | None, _one_of(IndicatorAttribute.values())] = None
    baseline_label: Text = None
    target_label: Text = None
    note: Text = None


# --- validation -------------------------------------------------------------------------------

N = TypeVar("N", bound=Node)


def validate(model: type[N], mapping: dict) -> tuple[N | None, list[str]]:
    """The mapping as `model`, and what is wrong with it. Unknown fields are reported but do not
    stop the rest of the mapping being read (they are typos more often than not)."""
    extra = mapping.keys() - field_names(model) - {LINE_KEY}
    unknown = [key for key in mapping if key in extra]  # in the file's order
    problems = [_unknown_field(model, key) for key in unknown]
    known = {key: value for key, value in mapping.items() if key not in extra} if extra else mapping
    try:
        return model.model_validate(known), problems
    except ValidationError as error:
        return None, problems + [_message(model, e) for e in error.errors()]


@functools.cache
def field_names(model: type[Node]) -> frozenset[str]:
    """The keys a mapping of this model may have (`at` is the loader's line, not a key)."""
    return frozenset(model.model_fields) - {"at"}


def _unknown_field(model: type[Node], key: Any) -> str:
    return f"unknown field {shorten(key)} in {model.what}{vocab.did_you_mean(str(key), sorted(field_names(model)), 1)}"


def _message(model: type[Node], error: ErrorDetails) -> str:
    key = error["loc"][0] if error["loc"] else ""
    if error["type"] == "seed":
        return (error.get("ctx") or {})["message"]
    if error["type"] == "missing":
        return f"{model.missing_what or model.what}: missing required field {key!r}"
    return f"{key}: {error['msg']}"


# --- the reference CSV files (divisions.csv, sectors.csv) -------------------------------------


def _required_cell(message: str) -> BeforeValidator:
    """A cell that must not be empty; `message` names every required cell of the row at once."""

    def check(value: Any) -> str:
        if value in (None, ""):
            raise _problem(message)
        return value

    return BeforeValidator(check)


def _blank_is_none(value: Any) -> Any:
    return None if value == "" else value


def _aliases(value: Any) -> tuple[str, ...]:
    return tuple(alias.strip() for alias in (value or "").split("|") if alias.strip())


def _yes_or_no(value: Any) -> bool:
    return (value or "yes") != "no"  # anything but `no` (and an empty cell) is yes


Cell = Annotated[str | None, BeforeValidator(_blank_is_none)]


class CsvRow(Node):
    """A row of a CSV seed file, its cells stripped. The header is the file's schema: the columns a
    model declares without a default are required (a file without one is refused whole), and other
    columns are passed over."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class DivisionRow(CsvRow):
    what = "division"
    code: Annotated[str, _required_cell("code and name are required")]
    name: Annotated[str, _required_cell("code and name are required")]
    level: Annotated[str, _one_of(DivisionLevel.values())]
    parent: Cell
    short_name: Cell = None
    aliases: Annotated[tuple[str, ...], BeforeValidator(_aliases)] = ()
    official: Annotated[bool, BeforeValidator(_yes_or_no)] = True
    note: Cell = None


class SectorRow(CsvRow):
    what = "sector"
    code: Annotated[str, _required_cell("code and label_zh are required")]
    label_zh: Annotated[str, _required_cell("code and label_zh are required")]
    label_en: str
    oc4ids: str
    description: Cell = None


def required_columns(model: type[CsvRow]) -> set[str]:
    return {name for name, item in model.model_fields.items() if item.is_required()}


C = TypeVar("C", bound=CsvRow)


def validate_row(model: type[C], line: int, row: dict[str, str]) -> tuple[C, list[str]]:
    """A CSV row as `model`, and what is wrong with it. A row with problems is still returned, each
    cell read as far as it can be (a bad one as given), so the checks across rows (repeated codes,
    parents, the plans' counties) still know it and report nothing twice; its problems stop the load."""
    cells = {key: value.strip() for key, value in row.items() if key in field_names(model)}
    node, problems = validate(model, {LINE_KEY: line, **cells})
    if node is None:
        node = model.model_construct(at=line, **{key: _cell(model, key, value) for key, value in cells.items()})
    return node, problems


def _cell(model: type[CsvRow], key: str, value: str) -> Any:
    """One cell as the model reads it, or as given when it is not valid."""
    try:
        return _cell_reader(model, key).validate_python(value)
    except ValidationError:
        return value


@functools.cache
def _cell_reader(model: type[CsvRow], key: str) -> TypeAdapter:
    field = model.model_fields[key]
    annotated: Any = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
    return TypeAdapter(annotated)  # the field's type with its validators
