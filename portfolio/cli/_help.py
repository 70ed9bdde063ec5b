"""Help and usage errors in the user's language, with values named by words.

Typer prints help through its Click copy's HelpFormatter and usage errors through
UsageError.show; both are replaced here, once, when portfolio.cli is imported. Texts are
looked up in portfolio.i18n.CATALOGUE by their English wording, so commands keep plain
English docstrings and `help=` strings.
"""

from __future__ import annotations

import re

import typer
from typer._click import core as click_core
from typer._click import exceptions as click_exceptions
from typer._click import formatting as click_formatting
from typer._click.formatting import HelpFormatter

from portfolio.i18n import CATALOGUE, language, metavar, t

_TYPE_AFTER_OPTION = re.compile(r"(--[\w-]+)[ =]<[^>]*>")
_ARGUMENT_TERM = re.compile(r"^([\w-]+) <[^>]*>$")
_BRACED_ARGUMENT = re.compile(r"\{([\w-]+)\}")
_EXTRAS = re.compile(r"\s\s\[(default|required)(:?)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _catalogued(text: str) -> str:
    """A help paragraph in the user's language (whitespace as Click re-wraps it)."""
    if language() != "zh":
        return text
    flat = " ".join(text.split())
    if flat in CATALOGUE:
        return CATALOGUE[flat]
    if flat.endswith("..."):  # a command's short help, cut to fit the command list
        start = flat[:-3]
        for english, chinese in CATALOGUE.items():
            if english.startswith(start):
                return chinese
    return text


def _help_text(text: str) -> str:
    main, bracket, extras = text.partition("  [")
    extras = bracket + extras
    if language() == "zh" and extras:
        extras = _EXTRAS.sub(lambda m: f"  [{t(m.group(1))}{'：' if m.group(2) else ''}", extras)
    return _catalogued(main) + extras


def _term(term: str) -> str:
    term = _TYPE_AFTER_OPTION.sub(lambda m: f"{m.group(1)} {metavar(m.group(1))}", term)
    argument = _ARGUMENT_TERM.match(term)
    return metavar(argument.group(1)) if argument else term


def _usage_arguments(args: str) -> str:
    args = _BRACED_ARGUMENT.sub(lambda m: metavar(m.group(1)), args)
    if language() == "zh":
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
    return args


class TranslatingFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _usage_arguments(args), t("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        super().write_heading(t(heading))

    def write_text(self, text: str) -> None:
        paragraphs = [_catalogued(p) for p in text.split("\n\n")]
        if language() != "zh":
            return super().write_text("\n\n".join(paragraphs))
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        self.write("\n\n".join("\n".join(indent + line for line in _wrapped(p, width)) for p in paragraphs) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(_term(term), _help_text(help_text)) for term, help_text in rows]
        if language() != "zh":
            return super().write_dl(rows, col_max, col_spacing)
        # Chinese has no spaces for Click to wrap at: lines broken between words (portfolio.terminal)
        first = min(max(_display_width(term) for term, _ in rows), col_max) + col_spacing
        hanging = " " * (first + self.current_indent)
        for term, help_text in rows:
            self.write(" " * self.current_indent + term)
            if not help_text:
                self.write("\n")
                continue
            used = _display_width(term)
            self.write(" " * (first - used) if used <= first - col_spacing else "\n" + hanging)
            lines = _wrapped(help_text, max(self.width - first - 2, 10))
            self.write(("\n" + hanging).join(lines) + "\n")


_CLICK_MESSAGES = [
    (re.compile(r"^No such option: (\S+)"), "No such option: {name}"),
    (re.compile(r"^No such command '(.+)'\."), "No such command '{name}'."),
    (re.compile(r"^Option '(.+)' requires an argument\."), "Option '{name}' requires an argument."),
    (re.compile(r"^Missing argument '(.+)'\."), "Missing argument '{name}'."),
    (re.compile(r"^Missing parameter: (\S+)"), "Missing parameter: {name}"),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)"), "Got unexpected extra argument ({name})"),
]


def _click_message(message: str) -> str:
    for pattern, key in _CLICK_MESSAGES:
        found = pattern.match(message)
        if found:
            name = found.group(1)
            if key.startswith("Missing"):  # a parameter's name, shown as its word (COUNTY, 县(区))
                name = (
                    metavar(name)
                    if re.fullmatch(r"[a-z_]+", name)
                    else _BRACED_ARGUMENT.sub(lambda m: metavar(m.group(1)), name)
                )
            return t(key, name=name)
    return _BRACED_ARGUMENT.sub(lambda m: metavar(m.group(1)), message)


def _show_usage_error(self, file=None) -> None:
    """One line, like the tool's own errors: `error: no such option: --bogus (see `portfolio … --help`)`."""
    message = _click_message(self.format_message()).rstrip(".。")
    message = message[:1].lower() + message[1:] if language() == "en" else message
    if self.ctx is not None:
        message = t("{message} (see `{command} --help`)", message=message, command=self.ctx.command_path)
    typer.echo(t("error: {message}", message=message), err=True)


def _wrapped(text: str, width: int) -> list[str]:
    from portfolio.terminal import wrap

    return wrap(" ".join(text.split()), width)


def _display_width(text: str) -> int:
    """Cells on a terminal: a Chinese metavar (`--county 县(区)`) is twice as wide as its length."""
    from rich.cells import cell_len

    return cell_len(_ANSI.sub("", text))


def install() -> None:
    click_core.Context.formatter_class = TranslatingFormatter
    replacements = (
        (click_exceptions.UsageError, "show", _show_usage_error),  # one translated line per usage error
        (click_formatting, "term_len", _display_width),  # aligns the help's option column
    )
    for owner, name, replacement in replacements:  # Click has no hooks for these: its functions are replaced
        setattr(owner, name, replacement)
