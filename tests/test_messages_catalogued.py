"""Every message the library and the CLI show has its Chinese, found by reading the source.

The source is parsed (ast): each error raised, each note, each problem listed for a sheet is turned
into a sample message (its f-string fields filled with Chinese stand-ins), and the sample is
translated as a Chinese user would see it. No English may be left but option names, commands,
formats and the values a user types.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import portfolio
from portfolio.i18n import CATALOGUE, translate_message

SOURCE = Path(portfolio.__file__).parent
SHOWN_BY = {"UserInputError", "DataError", "DatabaseError", "PermissionDenied", "note", "fail", "say", "BadParameter"}
SHOWN_SECOND = {"complain", "error"}  # complain(column, message), error(node, message): a sheet's or seed file's
SHOWN_THIRD = {"SeedError", "ConstructorError"}  # SeedError(file, line, message): a seed file's problem
LISTS = {"problems", "warnings", "errors", "bad"}  # lists of problems shown one per line
CATALOGUED_BY = {"t": 0, "plural": 1}  # the argument that is the catalogue's key
STAND_IN = "甲"
# Functions whose result a message quotes: a field holding one is filled with a real sample of it.
PRODUCERS = {"text_problem": "contains a NUL character (at position 1)"}
# English a Chinese message may keep: names of programs and formats, and the values a user types
# (all-capital words, placeholders and acronyms such as YYYY-MM or OC4IDS, are kept too).
KEPT = {
    *("portfolio", "Excel", "xlrd", "pg_dump", "Fc", "PostgreSQL", "SQLite", "sqlite", "postgresql", "backup"),
    *("code", "status", "date", "note", "county", "prefecture", "sector", "plan", "kind", "column"),
    *("works", "listings", "top", "leaf", "red", "yellow", "green", "admin", "editor", "viewer"),
    *("table", "plain", "xlsx", "oc4ids", "json", "tabulate"),
}


@dataclass(frozen=True)
class Message:
    where: str
    template: str  # the English, fields as {expression}
    sample: str  # as a user would see it, fields filled with stand-ins


def _callee(call: ast.Call) -> str:
    function = call.func
    return function.id if isinstance(function, ast.Name) else getattr(function, "attr", "")


def _texts(node: ast.expr, names: dict[str, ast.expr] | None = None) -> list[tuple[str, str]] | None:
    """(template, sample) pairs for every text the expression can be, or None if it is not literal text.

    `names` are the texts assigned once to a name in the function or the module (`allowed = "…"`):
    a field naming one is filled with that text, as the user sees it."""
    names = names or {}
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.value, node.value)]
    if isinstance(node, ast.JoinedStr):
        pairs = [("", "")]
        for part in node.values:
            if isinstance(part, ast.Constant):
                pairs = [(t + part.value, s + part.value) for t, s in pairs]
                continue
            code = ast.unparse(part.value)
            known = _texts(names[code], names) if code in names and part.conversion == -1 else None
            producer = names.get(code)
            if isinstance(producer, ast.Call) and _callee(producer) in PRODUCERS:
                known = [("{" + code + "}", PRODUCERS[_callee(producer)])]
            if known:
                pairs = [(t + kt, s + ks) for t, s in pairs for kt, ks in known]
                continue
            if "did_you_mean" in code or "_code_hint" in code:
                filled = f" (did you mean {STAND_IN}?)"
            elif code.startswith("shorten("):  # repr() of the value, cut short
                filled = repr(STAND_IN)
            else:
                filled = repr(STAND_IN) if part.conversion == ord("r") else STAND_IN
            pairs = [(t + "{" + code + "}", s + filled) for t, s in pairs]
        return pairs
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _texts(node.left, names), _texts(node.right, names)
        if left is None or right is None:
            return None
        return [(a + b, c + d) for a, c in left for b, d in right]
    if isinstance(node, ast.IfExp):
        body, orelse = _texts(node.body, names), _texts(node.orelse, names)
        return None if body is None or orelse is None else body + orelse
    return None


def _shown_text(call: ast.Call, path: Path) -> ast.expr | None:
    name = _callee(call)
    if name in SHOWN_THIRD and len(call.args) > 2:
        return call.args[2]
    if name in SHOWN_SECOND and len(call.args) > 1:
        return call.args[1]
    if name in SHOWN_BY and call.args:
        return call.args[0]
    function = call.func
    if (
        name == "append"
        and isinstance(function, ast.Attribute)
        and isinstance(function.value, ast.Name)
        and function.value.id in LISTS
        and call.args
    ):
        shown = call.args[0]
        return shown.elts[1] if isinstance(shown, ast.Tuple) and len(shown.elts) == 2 else shown  # (line, message)
    return None


def _assigned_once(scope: ast.AST) -> dict[str, ast.expr]:
    """Names given a value once in this function or module (not in nested functions)."""
    values: dict[str, list[ast.expr]] = {}
    pending = list(ast.iter_child_nodes(scope))
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values.setdefault(node.targets[0].id, []).append(node.value)
        pending.extend(ast.iter_child_nodes(node))
    return {name: found[0] for name, found in values.items() if len(found) == 1}


def _calls_with_names(tree: ast.Module):
    """Each call with the names known where it is made: the module's, then its function's."""
    module = _assigned_once(tree)
    known: dict[ast.Call, dict[str, ast.expr]] = {}
    for function in ast.walk(tree):  # outer functions come first, so inner ones overwrite them
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local = {**module, **_assigned_once(function)}
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    known[node] = {**known.get(node, {}), **local}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, known.get(node, module)


def messages() -> list[Message]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "web" in path.relative_to(SOURCE).parts:
            continue  # the web pages have their own texts
        for node, names in _calls_with_names(ast.parse(path.read_text(encoding="utf-8"))):
            shown = _shown_text(node, path)
            for template, sample in (_texts(shown, names) if shown is not None else None) or []:
                found.append(Message(f"{path.relative_to(SOURCE.parent)}:{node.lineno}", template, sample))
    return found


def catalogue_keys() -> list[tuple[str, str]]:
    """The literal texts given to t() and plural() anywhere in the package: each must be catalogued."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            keys = [k.value for k in node.keywords if k.arg == "empty_message"]  # emit(…, empty_message=…)
            if _callee(node) in CATALOGUED_BY and len(node.args) > CATALOGUED_BY[_callee(node)]:
                keys.append(node.args[CATALOGUED_BY[_callee(node)]])
            for key in keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found.append((f"{path.relative_to(SOURCE.parent)}:{node.lineno}", key.value))
    return found


def english_left(chinese: str) -> list[str]:
    text = re.sub(r"`[^`]*`", "", chinese)  # commands, as typed
    text = re.sub(r"--[a-z-]+", "", text)  # option names
    text = re.sub(r"\b\w+\.(?:xlsx|xls|csv|tsv|txt|json|yaml)\b|\*\.\w+|\.\w+\b", "", text)  # file names
    words = re.findall(r"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9_]*", text)
    return [word for word in words if re.search("[a-z]", word) and word not in KEPT]  # YYYY, FILE, OC4IDS are kept


MESSAGES = messages()


def test_the_source_is_read():
    assert len(MESSAGES) > 150
    assert any(m.template.startswith("unknown plan {value}") for m in MESSAGES)


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: m.where)
def test_every_message_reads_in_chinese(message, monkeypatch):
    monkeypatch.setenv("PORTFOLIO_LANG", "zh")
    chinese = translate_message(message.sample)
    assert chinese != message.sample or not english_left(message.sample), message.template
    assert english_left(chinese) == [], (message.template, chinese)
    assert chinese.count(STAND_IN) >= message.sample.count(STAND_IN), (message.template, chinese)


@pytest.mark.parametrize(("where", "key"), catalogue_keys(), ids=lambda v: v if ":" in v else "")
def test_every_text_given_to_the_catalogue_is_in_it(where, key):
    assert key in CATALOGUE, where
