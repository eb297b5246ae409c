"""The scoped walk the event and the use walk share.

It visits the statements the prefilter admits, pushes a scope for each
function or lambda (so ``Names`` sees parameters and local bindings hide
module-level ones) and tracks the class a method is in (for ``self.x``).
What to record at each node is the caller's ``visit``.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterable
from typing import Callable, Optional

from depcheck.facts.bindings import Names, SourceIndex, function_scope
from depcheck.facts.prefilter import Statements
from depcheck.facts.syntax import parameters


class _Leave:
    """A mark on the walk's stack: the scope pushed for a function (or the class) ends here."""

    __slots__ = ("function",)

    def __init__(self, function: bool) -> None:
        self.function = function


_LEAVE_FUNCTION = _Leave(True)
_LEAVE_CLASS = _Leave(False)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def walk(
    tree: ast.Module,
    names: Names,
    visit: Callable[[ast.AST], Iterable[ast.AST]],
    statements: Statements,
    *,
    index: Optional[SourceIndex] = None,
    annotations: bool = False,
    decorator: Optional[Callable[[ast.expr, ast.AST], None]] = None,
    bind: Optional[Callable[[Names, list], None]] = None,
) -> None:
    """Walk ``tree``; ``visit(node)`` records what it wants and returns the children to walk.

    ``index`` chooses the statement-only function scopes (``function_scope``);
    ``annotations`` also walks parameters' and return annotations;
    ``decorator(expr, definition)`` sees each decorator first (``@sig.connect`` is a call);
    ``bind(names, body)`` may refine a function's scope once it is pushed.
    """
    # The stack holds nodes and ``_Leave`` marks (no (node, flag) pairs: this loop
    # runs once per node walked), and ``Statements.admits`` is inlined.
    hit_lines = statements.hit_lines
    hits = len(hit_lines) if hit_lines is not None else 0
    statement, lambda_, class_ = ast.stmt, ast.Lambda, ast.ClassDef
    scopes, class_stack = names.scopes, names.class_stack
    stack: list = [tree]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        current = pop()
        kind = type(current)
        if kind is _Leave:  # leaving a scope pushed below
            if current.function:
                scopes.pop()
            class_stack.pop()
            continue
        if hit_lines is not None and isinstance(current, statement):
            start = current.lineno
            if kind in _FUNCTIONS or kind is class_:
                start = min([start, *(d.lineno for d in current.decorator_list)])
            end = getattr(current, "end_lineno", None) or start
            at = bisect_left(hit_lines, start)
            if at == hits or hit_lines[at] > end:
                continue
        if kind in _FUNCTIONS or kind is lambda_:
            if kind is not lambda_:
                for expr in current.decorator_list:
                    if decorator is not None:
                        decorator(expr, current)
                    push(expr)
            for default in (*current.args.defaults, *current.args.kw_defaults):
                if default is not None:
                    push(default)
            if annotations:
                extend(_annotations(current))
            body = current.body if kind is not lambda_ else [current.body]
            scopes.append(function_scope(current, body, index))
            if bind is not None:
                bind(names, body)
            class_stack.append(None)
            push(_LEAVE_FUNCTION)
            extend(reversed(body))
            continue
        if kind is class_:
            for expr in current.decorator_list:
                if decorator is not None:
                    decorator(expr, current)
                push(expr)
            # (Class keywords, ``metaclass=...``, are not walked.)
            extend(current.bases)
            # Methods see ``self.x`` through this class; names bound in the class body
            # are not visible inside them, so no scope is pushed for the body itself.
            class_stack.append(current.name if not scopes else None)
            push(_LEAVE_CLASS)
            extend(reversed(current.body))
            continue
        extend(visit(current))


def _annotations(function: ast.AST) -> list[ast.expr]:
    found = [a.annotation for a in parameters(function.args) if a.annotation is not None]  # type: ignore[attr-defined]
    returns = getattr(function, "returns", None)
    return found + ([returns] if returns is not None else [])
