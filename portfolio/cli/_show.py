"""The detail view of one project, as tables on a terminal."""

from __future__ import annotations


def print_detail(detail) -> None:
    import sys

    from portfolio.render import TableShape, render
    from portfolio.rows import FieldValue, for_output
    from portfolio.views import StatusEntry, detail_fields, status_entries

    columns, rows = for_output(FieldValue, detail_fields(detail), "table")
    render(
        rows,
        columns,
        "table",
        sys.stdout,
        title=detail.project.code,
        shape=TableShape(counted=False),
    )
    sys.stdout.write("\n")
    columns, rows = for_output(StatusEntry, status_entries(detail.history), "table")
    render(
        rows,
        columns,
        "table",
        sys.stdout,
        title="状态历史（全部记录：portfolio projects history）",
    )
