"""Send rows to stdout or a file in the format asked for."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from portfolio.cli._context import note
from portfolio.errors import UserInputError


def check_output_path(output: Path | None, force: bool) -> None:
    if output is not None and output.exists() and not force:
        raise UserInputError(f"{output} already exists; use --force to overwrite it")


def emit(rows: Iterable[tuple], columns, fmt: str, output: Path | None = None, *, force: bool = False,
         title: str | None = None, empty_message: str = "no matching rows") -> int:
    from portfolio import render

    render.check_format(fmt)
    check_output_path(output, force)
    if output is not None:
        fmt = render.format_for_path(output)
        if fmt == "xlsx":
            count = render.write_xlsx(output, rows, columns, sheet_title=title or "portfolio")
        else:
            with output.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as handle:
                count = render.render(rows, columns, fmt, handle, title=title)
        note(f"wrote {count} rows to {output}")
        return count
    count = render.render(rows, columns, fmt, sys.stdout, title=title)
    if count == 0:
        note(empty_message)
    return count
