"""docs/cli.md and docs/cli.zh.md are every command's --help as the commands print it today."""

from __future__ import annotations

from pathlib import Path

import pytest

from portfolio.cli import docs

# The checkout's pages: under CI the package is installed, and its own directory has no docs/.
REPOSITORY = Path(__file__).resolve().parents[1]
REPOSITORY_DOCS = REPOSITORY / "docs"


@pytest.mark.parametrize("language", sorted(docs.PAGES))
def test_cli_reference_matches_every_command_help(language):
    page = docs.page(language, REPOSITORY_DOCS)
    assert page.read_text(encoding="utf-8") == docs.render(language), (
        f"{page.name} is out of date: run python -m portfolio.cli.docs"
    )


def test_every_command_is_documented_with_a_summary():
    text = docs.page("en", REPOSITORY_DOCS).read_text(encoding="utf-8")
    paths = docs.command_paths()[1:]
    assert {"report", "status", "db"} <= {path[0] for path in paths}
    for path in paths:
        assert f"## `portfolio {' '.join(path)}`" in text
        body = docs.help_text(path).split("\n\n")
        assert len(body) > 2 and body[1].strip(), f"portfolio {' '.join(path)} has no help text"


def test_ci_runs_the_readme_test_command():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Run the tests", 1)[1]
    command = section.split("```sh\n", 1)[1].split("\n", 1)[0]
    assert command.startswith("pip install '.[test]' && ") and "&& mypy portfolio && pytest" in command
    assert command in (REPOSITORY / ".ci" / "run").read_text(encoding="utf-8").splitlines()
