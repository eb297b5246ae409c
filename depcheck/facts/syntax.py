"""Small readers of ``ast`` nodes that every extractor shares."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import operator
import re
from typing import Any, Callable, Optional

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
DEFINITION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
WITH_NODES = (ast.With, ast.AsyncWith)
TRY_NODES = tuple(node for node in (ast.Try, getattr(ast, "TryStar", None)) if node is not None)
MATCH = getattr(ast, "Match", None)  # Python 3.10+

# Fields that never hold a node worth walking: names, numbers, and the contexts and
# operators (``Load()``, ``Add()``), nodes without children that record nothing.
NO_CHILDREN = frozenset({
    "ctx", "op", "ops", "id", "attr", "arg", "conversion", "kind", "type_comment", "is_async",
    "level", "module", "names", "kwd_attrs",
})


class ChildFields(dict):  # type: ignore[type-arg]
    """Node type -> its fields that may hold a child to walk, computed on first sight."""

    def __missing__(self, kind: type) -> tuple[str, ...]:
        fields = self[kind] = tuple(f for f in kind._fields if f not in NO_CHILDREN)  # type: ignore[attr-defined]
        return fields


CHILD_FIELDS = ChildFields()


def field_order(cls: type) -> Callable[[Any], tuple]:
    """A sort key giving an ``order=True`` dataclass's own order (its compared fields' tuple).

    ``sorted(facts, key=field_order(Use))`` sorts as ``sorted(facts)`` does, without a
    Python-level ``__lt__`` call per comparison.
    """
    return operator.attrgetter(*(f.name for f in dataclasses.fields(cls) if f.compare))


# Python ends a line at "\n", "\r\n" and a lone "\r"; ``str.splitlines`` also at these.
_LINE_ENDS = re.compile("\r\n|\r|\n")
_ODD_BREAKS = re.compile("\r(?!\n)|[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def lone_cr(text: str) -> bool:
    """Whether a "\r" not followed by "\n" ends a line: counting "\n" then miscounts lines."""
    return "\r" in text and "\r" in text.replace("\r\n", "")


def odd_breaks(text: str) -> bool:
    """Whether counting "\n", or ``str.splitlines``, numbers ``text``'s lines otherwise than Python."""
    if text.isascii():  # the same test, a few times faster
        return any(c in text for c in "\v\f\x1c\x1d\x1e") or lone_cr(text)
    return _ODD_BREAKS.search(text) is not None


def source_lines(text: str) -> list[str]:
    """``text``'s lines as Python numbers them (the first is ``lines[0]``): a form feed or a
    U+2028 in a comment must not shift every later line's text against ast's line numbers."""
    return _LINE_ENDS.split(text) if odd_breaks(text) else text.splitlines()


def holds_line(lines: list[int], start: int, end: int) -> bool:
    """Whether one of ``lines`` (ascending) is within ``start``..``end``. (The walks' hot loops
    inline it.)"""
    at = bisect.bisect_left(lines, start)
    return at < len(lines) and lines[at] <= end


def line_text(lines: list[str], line: int) -> str:
    """A source line without its indentation, for evidence; "" when there is no such line."""
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def dotted(node: ast.expr) -> Optional[str]:
    """``a.b.c`` as written; a call in the chain shows as ``()`` (``signal("x").send`` -> ``().send``)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append("()")
    else:
        return None
    return ".".join(reversed(parts))


def string(node: Optional[ast.expr]) -> Optional[str]:
    """The value of a string literal, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def positional(call: ast.Call, index: int) -> Optional[ast.expr]:
    """The call's positional argument ``index``; None if missing or after a ``*args``."""
    head = call.args[: index + 1]
    # After a ``*args`` nobody can tell which argument is the N-th.
    if len(head) > index and not any(isinstance(a, ast.Starred) for a in head):
        return head[index]
    return None


def parameters(args: ast.arguments) -> list[ast.arg]:
    """Every parameter of a function or lambda: positional-only, normal, keyword-only, ``*``, ``**``."""
    every = [*getattr(args, "posonlyargs", []), *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return every
