"""The detail view of one project, as tables on a terminal."""

from __future__ import annotations


def print_detail(detail) -> None:
    import sys

    from portfolio.render import Col, TableShape, render
    from portfolio.views import detail_fields, status_columns, status_rows

    render(
        detail_fields(detail),
        [Col("field", "字段"), Col("value", "内容")],
        "table",
        sys.stdout,
        title=detail.project.code,
        shape=TableShape(counted=False),
    )
    sys.stdout.write("\n")
    render(
        status_rows(detail.history),
        status_columns(),
        "table",
        sys.stdout,
        title="状态历史（全部记录：portfolio projects history）",
    )
