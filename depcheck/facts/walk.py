"""The scoped walk the event and the use walk share.

It visits the statements the prefilter admits, pushes a scope for each
function or lambda (so ``Names`` sees parameters and local bindings hide
module-level ones) and tracks the class a method is in (for ``self.x``).
What to record at each node is the caller's ``visit``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Callable, Optional

from depcheck.facts.bindings import Names, SourceIndex, function_scope
from depcheck.facts.prefilter import Statements
from depcheck.facts.syntax import parameters

_LEAVE_FUNCTION = -1
_LEAVE_CLASS = -2


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
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        current, depth = stack.pop()
        if depth < 0:  # leaving a scope pushed below
            if depth == _LEAVE_FUNCTION:
                names.scopes.pop()
            names.class_stack.pop()
            continue
        if isinstance(current, ast.stmt) and not statements.admits(current):
            continue
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            if not isinstance(current, ast.Lambda):
                for expr in current.decorator_list:
                    if decorator is not None:
                        decorator(expr, current)
                    stack.append((expr, 0))
            for default in (*current.args.defaults, *current.args.kw_defaults):
                if default is not None:
                    stack.append((default, 0))
            if annotations:
                for annotation in _annotations(current):
                    stack.append((annotation, 0))
            body = current.body if isinstance(current.body, list) else [current.body]
            names.scopes.append(function_scope(current, body, index))
            if bind is not None:
                bind(names, body)
            names.class_stack.append(None)
            stack.append((current, _LEAVE_FUNCTION))
            stack.extend((child, 0) for child in reversed(body))
            continue
        if isinstance(current, ast.ClassDef):
            for expr in current.decorator_list:
                if decorator is not None:
                    decorator(expr, current)
                stack.append((expr, 0))
            # (Class keywords, ``metaclass=...``, are not walked.)
            stack.extend((b, 0) for b in current.bases)
            # Methods see ``self.x`` through this class; names bound in the class body
            # are not visible inside them, so no scope is pushed for the body itself.
            names.class_stack.append(current.name if not names.scopes else None)
            stack.append((current, _LEAVE_CLASS))
            stack.extend((child, 0) for child in reversed(current.body))
            continue
        stack.extend((child, 0) for child in visit(current))


def _annotations(function: ast.AST) -> list[ast.expr]:
    found = [a.annotation for a in parameters(function.args) if a.annotation is not None]  # type: ignore[attr-defined]
    returns = getattr(function, "returns", None)
    return found + ([returns] if returns is not None else [])
