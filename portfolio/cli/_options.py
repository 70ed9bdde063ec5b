"""Options shared by several commands, with completion for the vocabularies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from portfolio.vocab import Status


def _complete_from_database(query_name: str):
    def complete(ctx: typer.Context, incomplete: str) -> list[str]:
        try:
            from portfolio.cli._context import AppContext

            root = ctx.find_root()
            context = root.obj if isinstance(root.obj, AppContext) else AppContext(root.params.get("database"))
            values = _completion_values(context, query_name)
            return [v for v in values if v.startswith(incomplete) or incomplete in v]
        except Exception:  # completion must never break the shell
            return []

    return complete


_COMPLETIONS = {
    "county": lambda q, s: [row.name for row in q.counties(s)],
    "sector": lambda q, s: [label for row in q.sectors(s) for label in (row.code, row.label_zh)],
    "plan": lambda q, s: [row.key for row in q.plans(s)],
}


def _completion_values(context, query_name: str) -> list[str]:
    """Values from an existing, current database; completion never creates, migrates or seeds one."""
    from portfolio import db, queries

    if not db.exists_and_current(context.url):
        return []
    with db.session_scope(context.engine(migrate=False)) as session:
        return _COMPLETIONS[query_name](queries, session)


def _complete_status(incomplete: str) -> list[str]:
    values = [*(s.value for s in Status), *(s.code for s in Status)]
    return [v for v in values if v.startswith(incomplete)]


def _complete_format(incomplete: str) -> list[str]:
    from portfolio.render import BUILT_IN_FORMATS

    return [f for f in (*BUILT_IN_FORMATS, "oc4ids") if f.startswith(incomplete)]


CountyOption = Annotated[
    list[str] | None,
    typer.Option(
        "--county",
        "-c",
        help="County or district: name, short name (芒康), pinyin (mangkang), common romanised name (Markam) "
        "or GB/T 2260 code. Repeatable, or a list: 芒康,江孜.",
        autocompletion=_complete_from_database("county"),
    ),
]
PrefectureOption = Annotated[
    str | None,
    typer.Option(
        "--prefecture",
        help="Prefecture-level city (拉萨, 日喀则, 昌都): everything in it.",
        autocompletion=_complete_from_database("county"),
    ),
]
SectorOption = Annotated[
    list[str] | None,
    typer.Option(
        "--sector",
        "-s",
        help="Sector code, label or the start of it (water_supply, 供水, 道路), or an OC4IDS code "
        "(waterAndWaste). Repeatable; see `portfolio sectors`.",
        autocompletion=_complete_from_database("sector"),
    ),
]
PlanOption = Annotated[
    list[str] | None,
    typer.Option(
        "--plan",
        "-p",
        help="Plan key (see `portfolio plans`). Repeatable.",
        autocompletion=_complete_from_database("plan"),
    ),
]
ColumnOption = Annotated[int | None, typer.Option("--column", help="专栏 number (with --plan).", min=1)]
StatusOption = Annotated[
    list[str] | None,
    typer.Option(
        "--status",
        help="谋划 前期 在建 建成 暂缓 取消 (or OC4IDS codes: implementation…). Repeatable.",
        autocompletion=_complete_status,
    ),
]
KindOption = Annotated[str | None, typer.Option("--kind", help="project (项目) or programme (项目群).")]
LevelOption = Annotated[
    list[str] | None,
    typer.Option("--level", help="市级 (listed under the prefecture or owned by it) or 县级. Repeatable."),
]
TierOption = Annotated[
    str | None,
    typer.Option(
        "--tier", help="top: items that are part of no programme; leaf: items without parts (the finest level)."
    ),
]
CountOption = Annotated[
    str,
    typer.Option(
        "--count",
        help="works: each work once (a programme's parts, not the programme; a work listed twice once); "
        "listings: every item of the plans.",
    ),
]
SearchOption = Annotated[
    list[str] | None,
    typer.Option(
        "--search",
        "-q",
        help="Text that must occur in the name, sub-heading or note (terms separated by spaces; "
        "repeat -q for more terms).",
    ),
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="table, plain, csv, tsv, json, jsonl, markdown, or any tabulate format.",
        autocompletion=_complete_format,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to a file instead: .csv .tsv .json .jsonl .md .txt .xlsx.", dir_okay=False
    ),
]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
LimitOption = Annotated[int | None, typer.Option("--limit", "-n", help="At most this many rows.", min=1)]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        help="Only these columns, in this order: keys or headers separated by commas "
        "(code,name,status or 编号,名称,状态).",
    ),
]
