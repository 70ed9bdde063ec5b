"""Rendering rows: Rich tables on a terminal, text, CSV/TSV, JSON/JSON Lines, xlsx.

Knows nothing of sessions or SQL: it gets rows (tuples) and column specs.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

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


def tabulate_formats() -> list[str]:
    from tabulate import tabulate_formats as formats

    return list(formats)


def check_format(fmt: str) -> str:
    if fmt in BUILT_IN_FORMATS or fmt in ("oc4ids", "xlsx") or fmt in tabulate_formats():
        return fmt
    allowed = ", ".join(BUILT_IN_FORMATS) + ", oc4ids, or a tabulate format (" + ", ".join(tabulate_formats()) + ")"
    raise UserInputError(f"unknown format {fmt!r}; allowed: {allowed}")


def format_for_path(path: Path) -> str:
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise UserInputError(f"cannot tell the format of {path}: use one of {', '.join(EXTENSIONS)}")
    return fmt


def cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def render(rows: Iterable[tuple], columns: list[Col], fmt: str, out: TextIO, *, title: str | None = None) -> int:
    """Write rows in the format; returns how many were written."""
    if fmt == "table" and not _is_terminal(out):
        fmt = "plain"
    writer = {
        "table": _rich_table,
        "csv": _delimited,
        "tsv": _delimited,
        "json": _json,
        "jsonl": _jsonl,
    }.get(fmt, _tabulated)
    return writer(iter(rows), columns, fmt, out, title)


def _is_terminal(out: TextIO) -> bool:
    return hasattr(out, "isatty") and out.isatty()


def _rich_table(rows: Iterator[tuple], columns: list[Col], fmt: str, out: TextIO, title: str | None) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, header_style="bold", show_lines=False)
    for column in columns:
        table.add_column(column.label, overflow="fold")
    count = 0
    for row in rows:
        table.add_row(*(Text(str(cell(v))) for v in row))  # Text: user data is never read as markup
        count += 1
    Console(file=out).print(table)
    return count


def _tabulated(rows: Iterator[tuple], columns: list[Col], fmt: str, out: TextIO, title: str | None) -> int:
    from tabulate import tabulate

    data = [[cell(v) for v in row] for row in rows]
    style = {"plain": "simple", "markdown": "github"}.get(fmt, fmt)
    if data:
        out.write(tabulate(data, headers=[c.label for c in columns], tablefmt=style, disable_numparse=True) + "\n")
    return len(data)


def _delimited(rows: Iterator[tuple], columns: list[Col], fmt: str, out: TextIO, title: str | None) -> int:
    writer = csv.writer(out, delimiter="\t" if fmt == "tsv" else ",", lineterminator="\n")
    writer.writerow([c.key for c in columns])
    count = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
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


def write_xlsx(path: Path, rows: Iterable[tuple], columns: list[Col], *, sheet_title: str = "portfolio") -> int:
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
        sheet.append(values)
    workbook.save(path)
    return len(buffered)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def bar_chart(rows: list[tuple[str, int]], out: TextIO, width: int = 40) -> None:
    """A horizontal bar per value, for the first dimension of a summary."""
    if not rows:
        return
    top = max(count for _, count in rows) or 1
    if _is_terminal(out):
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=False, box=None, pad_edge=False)
        for label, count in rows:
            table.add_row(Text(str(label)), Text("█" * max(1, round(count / top * width)), style="cyan"), str(count))
        Console(file=out).print(table)
        return
    from wcwidth import wcswidth

    pad = max(wcswidth(str(label)) for label, _ in rows)
    for label, count in rows:
        text = str(label)
        out.write(text + " " * (pad - wcswidth(text)) + "  " + "█" * max(1, round(count / top * width)) + f" {count}\n")
