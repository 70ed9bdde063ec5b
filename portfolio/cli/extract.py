"""portfolio extract: draft a seed file from a plan's text, or compare a draft with curated data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from portfolio.cli._context import friendly_errors, note
from portfolio.errors import UserInputError
from portfolio.i18n import plural


@friendly_errors
def extract(
    source: Annotated[
        Path, typer.Argument(help="The plan as plain text (.txt), or a draft (.yaml) to compare.", dir_okay=False)
    ],
    plan: Annotated[str | None, typer.Option("--plan", "-p", help="Plan key of the draft (e.g. lhasa-15-fyp).")] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Prefecture the plan covers (default: guessed).")
    ] = None,
    prefix: Annotated[
        str | None, typer.Option("--prefix", help="Code prefix for the items (default from --plan).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the draft here (.yaml).", dir_okay=False)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")] = False,
    compare_with: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            help="A curated plan file: print recall, precision and agreement, and every difference.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Draft a seed file from a plan's 专栏 (items to review are marked `review:`)."""
    from portfolio import extract as extraction
    from portfolio import seeding

    if source.suffix.lower() in (".yaml", ".yml"):
        draft_text = source.read_text(encoding="utf-8")
    else:
        draft_text = _draft(source, plan, region, prefix)
    if compare_with is None:
        if output is not None:
            from portfolio.cli._output import atomic_output, check_output_path

            check_output_path(output, force)
            with atomic_output(output) as partial:
                partial.write_text(draft_text, encoding="utf-8")
            note(f"wrote draft {output}")
        else:
            sys.stdout.write(draft_text)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        draft_path = Path(directory) / "draft.yaml"
        draft_path.write_text(draft_text, encoding="utf-8")
        drafted, draft_errors = seeding.read_plan_file(draft_path)
    curated, errors = seeding.read_plan_file(compare_with)
    if errors:
        raise UserInputError(f"{compare_with} is not a valid plan file: {errors[0]}")
    if draft_errors:
        note(
            plural(
                len(draft_errors),
                "the draft has {n} problem: {first}",
                "the draft has {n} problems, e.g. {first}",
                first=draft_errors[0],
            )
        )
    places = sorted({n for d in curated.divisions for n in (d.name, d.short_name) if n}, key=len, reverse=True)
    result = extraction.compare(curated.projects, drafted.projects, places)
    _print_comparison(result)


def _draft(source: Path, plan: str | None, region: str | None, prefix: str | None) -> str:
    from portfolio import extract as extraction
    from portfolio import seeding, vocab
    from portfolio.paths import seeds_dir

    lines = extraction.read_text(source)
    bundle, _ = seeding.read_seeds(seeds_dir())
    gazetteer = vocab.Gazetteer.of_divisions(bundle.divisions)
    known = next((p for p in bundle.plans if p.key == plan), None)
    if region:
        region_code = gazetteer.resolve(region, what="region").code
    elif known:
        region_code = known.region_code
    else:
        region_code = extraction.guess_region(lines, gazetteer)
    key = plan or source.stem
    code_prefix = prefix or (known.code_prefix if known else "DRAFT")
    townships = extraction.read_townships(seeds_dir() / "townships.csv")
    columns = extraction.draft(lines, gazetteer, region_code, townships)
    return extraction.render_yaml(
        columns,
        key=key,
        prefix=code_prefix,
        region=gazetteer.place(region_code).name,
        source=source.name,
        header=extraction.read_header(lines),
    )


def _print_comparison(result) -> None:
    typer.echo(f"curated items: {result.curated}   drafted items: {result.drafted}   matched: {len(result.matched)}")
    typer.echo(f"recall: {result.recall:.1%}   precision: {result.precision:.1%}")
    typer.echo(
        f"county agreement: {result.agreement('division_codes'):.1%}   "
        f"sector agreement: {result.agreement('sector_code'):.1%}   "
        f"provenance line agreement: {result.agreement('source_line'):.1%}"
    )
    for item in result.missing:
        typer.echo(f"missing  {item.code}  {item.name}  (line {item.source_line})")
    for item in result.extra:
        typer.echo(f"extra    {item.code}  {item.name}  (line {item.source_line})")
    for curated, drafted in result.matched:
        if set(curated.division_codes) != set(drafted.division_codes):
            typer.echo(
                f"county   {curated.code}  {curated.name}: curated {','.join(curated.division_codes)}"
                f" draft {','.join(drafted.division_codes)}"
            )
    for label, attribute in (("sector", "sector_code"), ("line", "source_line")):
        for curated, drafted in result.matched:
            if getattr(curated, attribute) != getattr(drafted, attribute):
                typer.echo(
                    f"{label:<8} {curated.code}  {curated.name}: curated {getattr(curated, attribute)}"
                    f" draft {getattr(drafted, attribute)}"
                )
