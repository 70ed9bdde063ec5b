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

from portfolio.i18n import CATALOGUE, language, metavar, t, translate_message

_TYPE_AFTER_OPTION = re.compile(r"(--[\w-]+)[ =]<[^>]*>")
_ARGUMENT_TERM = re.compile(r"^([\w-]+) <[^>]*>$")
_BRACED_ARGUMENT = re.compile(r"\{([\w-]+)\}")
_OPTIONAL_ARGUMENT = re.compile(r"\[([a-z_]+)\]")  # `[path]`: an argument that may be left out
_NAMED_AFTER_OPTION = re.compile(r"(--[\w-]+) ([A-Z_]+)$")  # an option given its own metavar: `--by NAME`
# Click's marks after an option's help: `[default: 8000; 1<=x<=65535; required]`
_RANGE = re.compile(r"^(?:(?P<low>[\d.-]+)<=)?x(?:(?P<op>[<>]=)(?P<bound>[\d.-]+))?$")
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
    if flat.endswith("."):  # a command's short help: the first sentence of its catalogued help
        for english, chinese in CATALOGUE.items():
            if english.startswith(flat + " ") and "。" in chinese:
                return chinese[: chinese.index("。") + 1]
    return text


def _help_text(text: str) -> str:
    main, bracket, extras = ("", "[", text[1:]) if text.startswith("[") else text.partition("  [")
    if language() == "zh" and extras.endswith("]"):
        marks = "；".join(_mark(mark) for mark in extras[:-1].split("; "))
        main = _catalogued(main)
        return f"{main}{'' if not main or main.endswith(('。', '）')) else ' '}[{marks}]"
    return _catalogued(main) + bracket + extras


def _mark(mark: str) -> str:
    """One of Click's marks in Chinese: 默认：8000, 必填, 范围 1–65535, ≥1, ≤5."""
    if mark == "required":
        return t("required")
    for english, word in (("default: ", "default"), ("env var: ", "env var")):
        if mark.startswith(english):
            return f"{t(word)}：{mark.removeprefix(english)}"
    found = _RANGE.match(mark)
    if found and found.group("low") and found.group("bound"):
        return f"范围 {found.group('low')}–{found.group('bound')}"
    if found and found.group("op"):
        return {">=": "≥", "<=": "≤"}[found.group("op")] + found.group("bound")
    return mark


def _term(term: str) -> str:
    term = _TYPE_AFTER_OPTION.sub(lambda m: f"{m.group(1)} {metavar(m.group(1))}", term)
    term = _NAMED_AFTER_OPTION.sub(lambda m: f"{m.group(1)} {metavar(m.group(2))}", term)
    argument = _ARGUMENT_TERM.match(term)
    return metavar(argument.group(1)) if argument else term


def _usage_arguments(args: str) -> str:
    args = _BRACED_ARGUMENT.sub(lambda m: metavar(m.group(1)), args)
    args = _OPTIONAL_ARGUMENT.sub(lambda m: f"[{metavar(m.group(1))}]", args)
    if language() == "zh":
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
    return args


class TranslatingFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, _usage_arguments(args), t("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        if language() != "zh":
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{t(heading)}：\n")

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
    (re.compile(r"^Missing option '(.+)'\."), "Missing option '{name}'."),
    (re.compile(r"^Missing parameter: (\S+)"), "Missing parameter: {name}"),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((.+)\)"), "Got unexpected extra argument ({name})"),
    (re.compile(r"^Option '(.+)' does not take a value\."), "Option '{name}' does not take a value."),
]
# Why a value was refused (Typer checks numbers through pydantic, paths itself): the English, and
# the catalogue's key with {fields} for the pattern's groups.
_INVALID_VALUE = re.compile(r"^Invalid value for (.+?): (.+?)\.?$", re.DOTALL)
_REASONS = [
    (re.compile(r"^Input should be greater than or equal to (?P<n>\S+)$"), "it must be at least {n}"),
    (re.compile(r"^Input should be less than or equal to (?P<n>\S+)$"), "it must be at most {n}"),
    (re.compile(r"^Input should be a valid integer.*"), "it must be a whole number"),
    (re.compile(r"^Input should be a valid number.*"), "it must be a number"),
    (re.compile(r"^(?:file|dir|path) (?P<path>'.*') does not exist$"), "{path} does not exist"),
    (re.compile(r"^(?:file|dir|path) (?P<path>'.*') is a file$"), "{path} is a file, not a folder"),
    (re.compile(r"^(?:file|dir|path) (?P<path>'.*') is a directory$"), "{path} is a folder, not a file"),
    (re.compile(r"^(?:file|dir|path) (?P<path>'.*') is not readable$"), "{path} cannot be read (no permission)"),
    (re.compile(r"^(?:file|dir|path) (?P<path>'.*') is not writable$"), "{path} cannot be written (no permission)"),
]


def _invalid_value(message: str) -> str | None:
    """`Invalid value for '--port': Input should be less than or equal to 65535` in the user's words."""
    found = _INVALID_VALUE.match(message)
    if not found:
        return None
    name, reason = found.groups()
    if re.fullmatch(r"'[a-z_]+'", name):  # an argument: its word (路径, FILE)
        name = f"'{metavar(name.strip(chr(39)))}'"
    elif re.fullmatch(r"[A-Z_]+", name):  # a command's own hint naming an argument (`param_hint="TEXT"`)
        name = f"'{metavar(name.lower())}'"
    for pattern, key in _REASONS:
        known = pattern.match(reason)
        if known:
            return t("invalid value for {name}: {reason}", name=name, reason=t(key, **known.groupdict()))
    # a command's own reason (typer.BadParameter) is catalogued with the library's messages
    return t("invalid value for {name}: {reason}", name=name, reason=translate_message(reason))


def _click_message(message: str) -> str:
    invalid = _invalid_value(message)
    if invalid is not None:
        return invalid
    for pattern, key in _CLICK_MESSAGES:
        found = pattern.match(message)
        if found:
            name = found.group(1)
            if key.startswith("Missing"):  # a parameter's name, shown as its word (COUNTY, 县(区))
                name = (
                    metavar(name.lower())
                    if re.fullmatch(r"[a-z_]+|[A-Z_]+", name)
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
