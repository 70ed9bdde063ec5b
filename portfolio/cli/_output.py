"""Send rows to stdout or a file in the format asked for."""

from __future__ import annotations

import os
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
) -> int:
    """Rows to stdout or to `output`, in the format asked for (or the file's). `columns` is a row
    type of portfolio.rows (its fields give the columns) or a list of Col for rows of tuples;
    `shorten` lets a terminal table cut long lists as the row type says."""
    from portfolio import render

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

        columns, rows = for_output(columns, rows, fmt, shorten=shorten and output is None)
    if output is not None:
        with atomic_output(output) as partial:
            if fmt == "xlsx":
                count = render.write_xlsx(partial, rows, columns, sheet_title=title or "portfolio")
            else:
                with partial.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as handle:
                    count = render.render(rows, columns, fmt, handle, title=title)
        note(plural(count, "wrote {n} row to {path}", "wrote {n} rows to {path}", path=output))
        return count
    count = render.render(rows, columns, fmt, sys.stdout, title=title)
    if count == 0:
        note(t(empty_message))
    return count
