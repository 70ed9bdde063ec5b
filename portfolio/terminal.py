"""Tables that fit the terminal they are drawn on.

The one place that decides, for a given width, which columns a table shows and how wide each
is. Codes, dates, numbers and short labels (county names, statuses) never wrap; long text
(names, reasons) wraps between words, Chinese characters or the items of a 、 list, never
inside a run of Latin letters and digits (`CD14-02-004`, `26.6`, `等11个`). Columns that do
not fit are dropped, least important first, and named in a note; a pivot's value columns are
folded into the largest ones plus 其他 instead.

A column is anything with `key` and `label` (render.Col, or a typed row's column); an
optional `kind` ("code", "date", "integer", "number", "text" …) says how its values behave,
otherwise the values tell.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from rich.cells import cell_len

UNBREAKABLE_KINDS = {"code", "date", "datetime", "integer", "number", "bool"}
NUMBER_KINDS = {"integer", "number"}
SHORT_TEXT = 20  # text columns no wider than this never wrap (codes, county names, statuses, plan keys)
WRAP_MIN = 16  # a wrapping column (a name) is at least this wide, unless its text is narrower

# A Latin/digit run, or one character with the punctuation that must stay with it.
_FINE_TOKEN = re.compile(r"\s+|[（《「“(\[]*(?:[\x21-\x7e]+|.)[、，。；：）》」”)\]%]*")
_LIST_ITEM = re.compile(r"[^、]*、|[^、]+")


@dataclass(frozen=True)
class Layout:
    shown: list[int]  # indices of the columns drawn, in their original order
    widths: list[int]  # one per shown column (cells, without padding)
    dropped: list[str]  # labels of the columns left out
    numeric: list[bool]  # one per shown column: right-aligned
    as_list: list[bool]  # one per shown column: a 、 list of names (wrap(..., as_list=True))


def is_terminal(out: Any) -> bool:
    """A terminal: a tty, or TTY_COMPATIBLE=1 (Rich's convention; tests use it); TTY_COMPATIBLE=0 never."""
    forced = os.environ.get("TTY_COMPATIBLE", "")
    if forced in ("0", "1"):
        return forced == "1"
    return hasattr(out, "isatty") and out.isatty()


def column_kind(column: Any, values: Sequence[Any]) -> str:
    kind = getattr(column, "kind", None)
    if kind:
        return str(getattr(kind, "value", kind))
    present = [v for v in values if v is not None and v != ""]
    if present and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present):
        return "number"
    if present and all(isinstance(v, date) for v in present):
        return "date"
    return "text"


def tokens(text: str, *, as_list: bool = False) -> list[str]:
    """Pieces a line may break between: the items of a 、 list (as_list), else words and single characters."""
    if as_list and "、" in text:
        return _LIST_ITEM.findall(text)
    return _FINE_TOKEN.findall(text)


def wrap(text: str, width: int, *, as_list: bool = False) -> list[str]:
    """Lines no wider than `width`; a list (county names) breaks only after a 、; a piece wider than
    the column is broken only as a last resort."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        lines.extend(_fill(tokens(paragraph, as_list=as_list), max(width, 1)))
    return lines


def _fill(pieces: list[str], width: int) -> list[str]:
    expanded: list[str] = []
    for piece in pieces:  # a list item wider than the column breaks like ordinary text
        expanded.extend(tokens(piece, as_list=False) if cell_len(piece) > width else [piece])
    lines: list[str] = []
    line = ""
    for piece in expanded:
        if cell_len(line + piece) <= width:
            line += piece
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = piece.lstrip()
        while cell_len(line) > width:  # one unbreakable piece wider than the column
            cut = _cut(line, width)
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _cut(text: str, width: int) -> int:
    used = 0
    for index, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return max(index, 1)
    return len(text)


def _longest_piece(text: str, *, as_list: bool = False) -> int:
    return max((cell_len(p.strip()) for p in tokens(text, as_list=as_list)), default=0)


def overhead(n: int) -> int:
    """Borders and padding of a Rich table with n columns (box with edges, one space each side)."""
    return 3 * n + 1


@dataclass(frozen=True)
class _Measure:
    least: int  # narrowest the column may be
    natural: int  # wide enough for every cell and the header on one line
    numeric: bool
    as_list: bool  # a 、 list: breaks only between its items


def _measure(column: Any, cells: list[str], raw: list[Any]) -> _Measure:
    kind = column_kind(column, raw)
    label = str(column.label)
    content = max((cell_len(line) for c in cells for line in c.split("\n")), default=0)
    natural = max(content, cell_len(label))
    header_least = min(cell_len(label), max(_longest_piece(label), 4))
    if kind in UNBREAKABLE_KINDS or content <= SHORT_TEXT:
        least = max(content, header_least)
    else:
        pieces = max((_longest_piece(c, as_list=kind == "list") for c in cells), default=0)
        least = max(pieces, header_least, min(content, WRAP_MIN))
    return _Measure(least, natural, kind in NUMBER_KINDS, kind == "list")


def layout(
    columns: Sequence[Any], cells: list[list[str]], raw: list[list[Any]], width: int, *, first: Sequence[str] = ()
) -> Layout:
    """Which columns fit in `width` and how wide each is.

    `first` names (by key) the columns to keep longest; the others are dropped from the last
    one backwards.
    """
    measures = [_measure(c, [row[i] for row in cells], [row[i] for row in raw]) for i, c in enumerate(columns)]
    keys = [str(c.key) for c in columns]
    priority = [keys.index(k) for k in first if k in keys]
    priority += [i for i in range(len(columns)) if i not in priority]
    shown = list(priority)
    while len(shown) > 1 and sum(measures[i].least for i in shown) + overhead(len(shown)) > width:
        shown.pop()
    spare = width - sum(measures[i].least for i in shown) - overhead(len(shown))
    widths = {i: measures[i].least for i in shown}
    for i in shown:  # widen toward one line per cell, most important column first
        grow = max(0, min(spare, measures[i].natural - widths[i]))
        widths[i] += grow
        spare -= grow
    ordered = sorted(shown)
    return Layout(
        ordered,
        [widths[i] for i in ordered],
        [str(columns[i].label) for i in range(len(columns)) if i not in shown],
        [measures[i].numeric for i in ordered],
        [measures[i].as_list for i in ordered],
    )


def fold(
    columns: list[Any], rows: list[list[Any]], width: int, make_column, other_label: str
) -> tuple[list[Any], list[list[Any]], list[str]]:
    """A pivot too wide for `width`: its first column (the labels) and last (合计) stay; of the value
    columns between, the largest (by their sum) stay in their order and the rest are summed into
    one `other_label` column. Returns the columns, the rows and the labels folded away."""
    from portfolio.render import cell

    def needed(kept: list[int], folded: bool) -> int:
        chosen = [0, *kept, len(columns) - 1]
        least = [max(cell_len(str(columns[i].label)), *(cell_len(str(cell(r[i]))) for r in rows)) for i in chosen]
        if folded:
            least.append(
                max(
                    cell_len(other_label),
                    *(cell_len(str(sum(r[i] or 0 for i in middle if i not in kept))) for r in rows),
                )
            )
        return sum(least) + overhead(len(least))

    middle = list(range(1, len(columns) - 1))
    if needed(middle, False) <= width:
        return columns, rows, []
    largest = sorted(middle, key=lambda i: -sum(r[i] or 0 for r in rows))
    kept: list[int] = []
    for index in largest:
        if needed(sorted([*kept, index]), True) > width:
            break
        kept.append(index)
    kept.sort()
    gone = [i for i in middle if i not in kept]
    new_columns = [columns[0], *(columns[i] for i in kept), make_column(other_label), columns[-1]]
    new_rows = [[r[0], *(r[i] for i in kept), sum(r[i] or 0 for i in gone), r[-1]] for r in rows]
    return new_columns, new_rows, [str(columns[i].label) for i in gone]


# Lifecycle stages on a terminal (Rich drops the colour under NO_COLOR).
STATUS_STYLES = {"谋划": "blue", "前期": "cyan", "在建": "yellow", "建成": "green", "暂缓": "magenta", "取消": "red"}
STATUS_KEYS = {"status", "status_label"}


def cell_style(column: Any, value: str) -> str:
    if str(column.key) in STATUS_KEYS:
        return STATUS_STYLES.get(value, "")
    return ""
