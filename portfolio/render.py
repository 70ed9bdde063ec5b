"""Rendering rows: Rich tables on a terminal, text, CSV/TSV, JSON/JSON Lines, xlsx.

Knows nothing of sessions or SQL: it gets rows (tuples) and column specs.
"""

from __future__ import annotations

import csv
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from portfolio.errors import UserInputError

BUILT_IN_FORMATS = ("table", "plain", "csv", "tsv", "json", "jsonl", "markdown")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".md": "markdown",
    ".txt": "plain",
    ".xlsx": "xlsx",
}


@dataclass(frozen=True)
class Col:
    key: str  # JSON key and CSV header
    label: str  # Chinese header for tables
    kind: str | None = None  # "code", "date", "integer", "number", "label" (a name), "text"; None: by the values


@dataclass(frozen=True)
class TableShape:
    """How a terminal table meets a narrow screen (see portfolio/terminal.py)."""

    first: tuple[str, ...] = ()  # keys of the columns kept longest; others drop from the right
    fold: bool = False  # a pivot: fold value columns into 其他 instead of dropping them
    summed: bool = False  # the last row is a 合计 row (set apart, not counted)
    total: int | None = None  # rows matching, when fewer are shown (--limit)
    counted: bool = True  # a row count under the table (not under one project's fields)


def tabulate_formats() -> list[str]:
    from tabulate import tabulate_formats as formats

    return list(formats)


def check_format(fmt: str) -> str:
    if fmt in BUILT_IN_FORMATS or fmt in ("oc4ids", "xlsx") or fmt in tabulate_formats():
        return fmt
    built_in, tabulated = ", ".join(BUILT_IN_FORMATS), ", ".join(tabulate_formats())
    raise UserInputError(f"unknown format {fmt!r}; allowed: {built_in}, oc4ids, or a tabulate format ({tabulated})")


def format_for_path(path: Path) -> str:
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise UserInputError(f"cannot tell the format of {path}: use one of {', '.join(EXTENSIONS)}")
    return fmt


# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula (=HYPERLINK(…),
# +cmd|…): text typed by one office must not run on another's machine.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_STARTS = frozenset(FORMULA_START)


_NUMBER_KINDS = ("integer", "number")


def _formula_test(columns: list[Col]) -> Callable[[Sequence], bool]:
    """Whether a row has a text cell that starts like a formula. When every column's kind is
    declared, the first characters of the cells are gathered in C (map, filter) rather than cell
    by cell (in a CSV of a million rows the test would otherwise cost a third of the writing);
    number columns are left out unless one holds text (SQLite keeps what a program writes there)."""

    def any_cell(row: Sequence) -> bool:
        return any(type(v) is str and v.startswith(FORMULA_START) for v in row)

    if any(c.kind is None for c in columns):
        return any_cell
    texts = [index for index, c in enumerate(columns) if c.kind not in _NUMBER_KINDS]
    numbers = [index for index, c in enumerate(columns) if c.kind in _NUMBER_KINDS]
    pick_texts, pick_numbers, first = _picker(texts), _picker(numbers), operator.itemgetter(0)

    def text_cells(row: Sequence) -> bool:
        if numbers and str in map(type, pick_numbers(row)):
            return any_cell(row)
        try:
            return not _FORMULA_STARTS.isdisjoint(map(first, filter(None, pick_texts(row))))
        except (TypeError, KeyError, IndexError):  # a text column holding something else
            return any_cell(row)

    return text_cells


def _picker(indexes: list[int]) -> Callable[[Sequence], tuple]:
    """The cells at `indexes` as a tuple (itemgetter gives a bare cell for one index)."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda row: (row[only],)
    return operator.itemgetter(*indexes) if indexes else lambda row: ()


def spreadsheet_text(text: str) -> str:
    """Text a spreadsheet shows as it is: a leading ' marks a would-be formula as text."""
    return "'" + text if text.startswith(FORMULA_START) else text


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def render(
    rows: Iterable[tuple],
    columns: list[Col],
    fmt: str,
    out: TextIO,
    *,
    title: str | None = None,
    shape: TableShape | None = None,
) -> int:
    """Write rows in the format; returns how many were written."""
    if fmt == "table" and not _is_terminal(out):
        fmt = "plain"
    if fmt == "table":
        return _rich_table(iter(rows), columns, out, title, shape or TableShape())
    writer = {"csv": _delimited, "tsv": _delimited, "json": _json, "jsonl": _jsonl}.get(fmt, _tabulated)
    return writer(iter(rows), columns, fmt, out, title)


def _is_terminal(out: TextIO) -> bool:
    from portfolio.terminal import is_terminal

    return is_terminal(out)


def _rich_table(rows: Iterator[tuple], columns: list[Col], out: TextIO, title: str | None, shape: TableShape) -> int:
    """A table fitted to the terminal's width, with the row count (and what was left out) under it."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from portfolio import terminal
    from portfolio.i18n import plural, t

    console = Console(file=out)
    raw = [list(row) for row in rows]
    if not raw:
        return 0  # the caller says that nothing matched
    folded: list[str] = []
    if shape.fold and columns:
        columns, raw, folded = terminal.fold(
            list(columns), raw, console.width, lambda label: Col("other", label), t("other")
        )
    cells = [[str(cell(v)) for v in row] for row in raw]
    fitted = terminal.layout(columns, cells, raw, console.width, first=shape.first)
    table_width = sum(fitted.widths) + terminal.overhead(len(fitted.widths))
    heading = Text("\n".join(terminal.wrap(title, table_width)), style="italic") if title else None
    table = Table(title=heading, header_style="bold", show_lines=False)
    shown = list(zip(fitted.shown, fitted.widths, fitted.numeric, fitted.as_list))
    for index, width, numeric, _ in shown:
        table.add_column(
            Text("\n".join(terminal.wrap(columns[index].label, width))),
            width=width,
            no_wrap=True,
            justify="right" if numeric else "left",
        )
    count = len(cells) - (1 if shape.summed and cells else 0)
    for number, row in enumerate(cells):
        # Text: user data is never read as markup; lines broken here, so Rich never splits a code or number
        table.add_row(
            *(
                Text(
                    "\n".join(terminal.wrap(row[i], width, as_list=as_list)),
                    style=terminal.cell_style(columns[i], row[i]),
                )
                for i, width, _, as_list in shown
            ),
            end_section=shape.summed and number == count - 1,
        )
    console.print(table)
    if shape.total is not None and shape.total > count:
        footer = t("showing {shown} of {total}", shown=count, total=shape.total)
    else:
        footer = plural(count, "{n} row", "{n} rows")
    notes = [footer] if shape.counted else []
    if fitted.dropped:
        notes.append(
            plural(
                len(fitted.dropped),
                "{n} column not shown ({labels}): choose columns with --columns, or see every one with --format plain",
                "{n} columns not shown ({labels}): choose columns with --columns, or see every one with --format plain",
                labels="、".join(fitted.dropped),
            )
        )
    if folded:
        notes.append(
            t(
                "other sums {labels} (too wide for the terminal; --format plain shows every column)",
                labels="、".join(folded),
            )
        )
    for text in notes:  # broken like cells: never inside a label or a number
        console.print(Text("\n".join(terminal.wrap(text, console.width)), style="dim"), soft_wrap=True)
    return count


def _tabulated(rows: Iterator[tuple], columns: list[Col], fmt: str, out: TextIO, title: str | None) -> int:
    from tabulate import tabulate

    from portfolio.terminal import NUMBER_KINDS, column_kind

    data = [[cell(v) for v in row] for row in rows]
    style = {"plain": "simple", "markdown": "github"}.get(fmt, fmt)
    if data:
        # numbers right-aligned, as in a terminal table (the column's kind, else its values, tells)
        align = [
            "right" if column_kind(column, [row[index] for row in data]) in NUMBER_KINDS else "left"
            for index, column in enumerate(columns)
        ]
        headers = [c.label for c in columns]
        out.write(tabulate(data, headers=headers, tablefmt=style, disable_numparse=True, colalign=align) + "\n")
    return len(data)


def _delimited(rows: Iterator[tuple], columns: list[Col], fmt: str, out: TextIO, title: str | None) -> int:
    writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writerow([c.key for c in columns])
    count = 0
    # csv writes None as "" and a date as its ISO form itself; only a datetime needs cell(), and
    # only a column of that kind or of none declared holds one (a declared kind is a promise:
    # row types convert their dates and times before they reach here)
    timed = any(c.kind in (None, "datetime") for c in columns)
    starts_formula = _formula_test(columns)

    def written():
        nonlocal count
        for row in rows:
            count += 1
            if timed and datetime in map(type, row):
                row = [cell(v) for v in row]
            if starts_formula(row):
                row = [spreadsheet_text(v) if type(v) is str else v for v in row]
            yield row

    writer.writerows(written())
    return count


def _json(rows: Iterator[tuple], columns: list[Col], fmt: str, out: TextIO, title: str | None) -> int:
    # Streams one object per line inside the array, so no list of every row is built.
    keys = [c.key for c in columns]
    count = 0
    out.write("[")
    for row in rows:
        out.write((",\n " if count else "\n ") + _dumps(dict(zip(keys, row))))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def _jsonl(rows: Iterator[tuple], columns: list[Col], fmt: str, out: TextIO, title: str | None) -> int:
    keys = [c.key for c in columns]
    count = 0
    for row in rows:
        out.write(_dumps(dict(zip(keys, row))) + "\n")
        count += 1
    return count


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=cell)


def dump_json(value: Any, out: TextIO) -> None:
    json.dump(value, out, ensure_ascii=False, indent=2, default=cell)
    out.write("\n")


def write_xlsx(
    path: Path | BinaryIO, rows: Iterable[tuple], columns: list[Col], *, sheet_title: str = "portfolio"
) -> int:
    """An Excel sheet with a header row, frozen panes and column widths for Chinese text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from wcwidth import wcswidth

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    widths = [max(wcswidth(c.label), 6) for c in columns]
    buffered = []
    for row in rows:
        values = [cell(v) for v in row]
        for index, value in enumerate(values):
            widths[index] = min(max(widths[index], wcswidth(str(value)) if value != "" else 0), 60)
        buffered.append(values)
    for index, width in enumerate(widths):
        sheet.column_dimensions[_column_letter(index)].width = width + 2
    sheet.freeze_panes = "A2"
    from openpyxl.cell import WriteOnlyCell

    header = []
    for column in columns:
        value = WriteOnlyCell(sheet, value=column.label)
        value.font = Font(bold=True)
        header.append(value)
    sheet.append(header)
    for values in buffered:
        sheet.append(xlsx_row(sheet, values))
    workbook.save(path)
    return len(buffered)


def xlsx_row(sheet, values: Iterable) -> list:
    """A row for openpyxl's `sheet.append` that shows every value as given. openpyxl writes text that
    starts with '=' as a formula, which Excel runs (a 责任单位 of =HYPERLINK(…) in an export), so
    text goes into cells typed as text; characters a workbook cannot hold are left out."""
    from openpyxl.cell import Cell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    row: list = []
    for value in values:
        if isinstance(value, str):
            text = Cell(sheet, row=1, column=1, value=ILLEGAL_CHARACTERS_RE.sub("", value))  # placed by append
            text.data_type = "s"
            value = text
        row.append(value)
    return row


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def bar_chart(rows: list[tuple[str, float]], out: TextIO, width: int = 40) -> None:
    """A horizontal bar per value, for the first dimension of a summary. Rows of 0 draw nothing and
    are left out; when every value is 0 one line says so."""
    if not rows:
        return
    rows = [(label, count) for label, count in rows if count]
    if not rows:
        from portfolio.i18n import t

        out.write(t("no bar to draw: every value is 0") + "\n")
        return
    top = max(count for _, count in rows)
    if _is_terminal(out):
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=False, box=None, pad_edge=False)
        for label, count in rows:
            table.add_row(Text(str(label)), Text("█" * max(1, round(count / top * width)), style="cyan"), str(count))
        table.columns[-1].justify = "right"
        Console(file=out).print(table)
        return
    from wcwidth import wcswidth

    pad = max(wcswidth(str(label)) for label, _ in rows)
    for label, count in rows:
        text = str(label)
        out.write(text + " " * (pad - wcswidth(text)) + "  " + "█" * max(1, round(count / top * width)) + f" {count}\n")
