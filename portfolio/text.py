"""Checks on text that comes from outside (arguments, files, sheets) before it reaches a database.

Two things no database stores: a NUL character (PostgreSQL refuses it in text) and a lone
surrogate (what Python makes of bytes that are not valid UTF-8 in a command-line argument,
or of a `\\uD800` escape; neither driver can encode it). And control characters (ESC, BEL, …):
nobody types them, a stored one would reach a colleague's terminal raw (ESC [2J clears it), and
Excel cannot hold them, so a sheet or export of the project would fail. Tabs and line breaks
are text: a note or a sheet's cell may have several lines.
"""

from __future__ import annotations

import re

from portfolio.errors import UserInputError

_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored, or None."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        return f"contains a NUL character (at position {found.start() + 1})"
    if char < "\ud800":
        return f"contains the control character U+{ord(char):04X} (at position {found.start() + 1})"
    return (
        f"contains {char.encode('utf-8', 'backslashreplace').decode()}, which is not a character: "
        f"a byte that is not UTF-8, or a lone surrogate (at position {found.start() + 1})"
    )


def check_text(value: str, what: str) -> str:
    """`value` unchanged, or a UserInputError naming `what` and the bad character."""
    problem = text_problem(value)
    if problem:
        raise UserInputError(f"{what} {problem}")
    return value


def shorten(value: object, limit: int = 80) -> str:
    """repr() of a value for a message, cut to `limit` characters."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
