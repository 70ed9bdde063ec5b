"""Send rows to stdout or a file in the format asked for."""

from __future__ import annotations

import io
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from portfolio.cli._context import note
from portfolio.errors import UserInputError
from portfolio.i18n import plural, t


def check_output_path(output: Path | None, force: bool) -> None:
    if output is not None and output.exists() and not force:
        raise UserInputError(f"{output} already exists; use --force to overwrite it")


def _format_of_file(output: Path, asked: str) -> str:
    from portfolio import render

    fmt = render.format_for_path(output)
    if fmt == "plain" and asked not in ("table", *render.BUILT_IN_FORMATS, "xlsx", "oc4ids"):
        return asked  # any tabulate style (grid, github …) is text
    if asked not in ("table", fmt):
        raise UserInputError(
            f"--format {asked} does not match {output.name} (a {fmt} file); change one of them or leave out --format"
        )
    return fmt


MACHINE_FORMATS = ("csv", "tsv", "json", "jsonl")


def for_people(fmt: str, output: Path | None) -> bool:
    """Whether the output is read by people (a table, text, xlsx) rather than by programs; a 合计 row
    belongs only there."""
    return (_format_of_file(output, fmt) if output is not None else fmt) not in MACHINE_FORMATS


@contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """A temporary file beside `output`, renamed onto it only if writing succeeds: an error midway
    leaves no half-written file behind (and does not block the retry)."""
    partial = output.with_name(f".{output.name}.partial")
    try:
        yield partial
        os.replace(partial, output)
    except OSError as error:
        if error.filename and Path(error.filename).name == partial.name:
            error.filename = str(output)  # the user named the file, not its temporary twin
        raise
    finally:
        with suppress(OSError):  # cleaning up; the error that matters is already on its way
            partial.unlink(missing_ok=True)


_PAGER = {"enabled": True}


def use_pager(enabled: bool) -> None:
    """--no-pager turns it off (the root option sets this on every run)."""
    _PAGER["enabled"] = enabled


class _Screen(io.StringIO):
    """What a terminal would show, kept to be paged or printed once it is complete."""

    def isatty(self) -> bool:
        return True


def choose_columns(columns, rows: Iterable[tuple], wanted: str | None):
    """--columns code,name,status (keys or Chinese headers, in the order given)."""
    from portfolio.vocab import split_list

    names = split_list([wanted]) if wanted is not None else []
    if wanted is not None and not names:
        raise UserInputError("--columns needs at least one column")
    if not names:
        return columns, rows
    index = {str(c.key).lower(): i for i, c in enumerate(columns)} | {str(c.label): i for i, c in enumerate(columns)}
    chosen: list[int] = []
    for name in names:
        found = index.get(name.lower(), index.get(name))
        if found is None:
            raise UserInputError(
                f"no column {name!r}; the columns are " + ", ".join(f"{c.key} ({c.label})" for c in columns)
            )
        if found not in chosen:
            chosen.append(found)
    return [columns[i] for i in chosen], ([row[i] for i in chosen] for row in rows)


def _show(text: str) -> None:
    """Through a pager when stdout is a terminal and the text is taller than it."""
    if _PAGER["enabled"] and sys.stdout.isatty() and text.count("\n") >= shutil.get_terminal_size().lines:
        command = shlex.split(os.environ.get("PAGER", "less"))
        if command and command != ["cat"]:
            sys.stdout.flush()
            environment = {**os.environ, "LESS": os.environ.get("LESS", "FRX")}  # colours; quit if it fits
            try:
                subprocess.run(
                    command, input=text.encode(sys.stdout.encoding or "utf-8", "replace"), env=environment, check=False
                )
                return
            except OSError:
                pass  # no such pager: print instead
    sys.stdout.write(text)


def emit(
    rows: Iterable,
    columns,
    fmt: str,
    output: Path | None = None,
    *,
    force: bool = False,
    title: str | None = None,
    empty_message: str = "no matching rows",
    shorten: bool = False,
    select: str | None = None,
    shape=None,
    chart: list[tuple[str, float]] | None = None,
    labels: dict[str, str] | None = None,
) -> int:
    """Rows to a file, or to stdout: on a terminal a table fitted to its width (after `chart`, a bar
    chart of the first dimension), paged when taller than the screen. `columns` is a row type of
    portfolio.rows (its fields give the columns) or a list of Col for rows of tuples; `shorten` lets
    a terminal table cut long lists as the row type says; `labels` renames a row type's headers
    for this table; `select` is --columns."""
    from portfolio import render
    from portfolio.terminal import is_terminal

    render.check_format(fmt)
    if fmt in ("xlsx", "oc4ids") and output is None:
        raise UserInputError(
            "--format xlsx needs --output FILE.xlsx" if fmt == "xlsx" else "--format oc4ids is for `projects list`"
        )
    check_output_path(output, force)
    if output is not None:
        fmt = _format_of_file(output, fmt)
    if isinstance(columns, type):
        from portfolio.rows import for_output

        columns, rows = for_output(
            columns, rows, fmt, shorten=shorten and output is None, every=select is not None, labels=labels
        )
    columns, rows = choose_columns(columns, rows, select)
    if output is not None:
        with atomic_output(output) as partial:
            if fmt == "xlsx":
                count = render.write_xlsx(partial, rows, columns, sheet_title=title or "portfolio")
            else:
                with partial.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as handle:
                    count = render.render(rows, columns, fmt, handle, title=title)
        note(plural(count, "wrote {n} row to {path}", "wrote {n} rows to {path}", path=output))
        return count
    if fmt == "table" and is_terminal(sys.stdout):
        screen = _Screen()
        if chart:
            render.bar_chart(chart, screen)
            screen.write("\n")
        count = render.render(rows, columns, fmt, screen, title=title, shape=shape)
        _show(screen.getvalue())
    else:
        count = render.render(rows, columns, fmt, sys.stdout, title=title)
    if count == 0:
        note(t(empty_message))
    return count
