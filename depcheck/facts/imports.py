"""The file's import statements, as ``ImportFact``s (nothing resolved: that needs other files)."""

from __future__ import annotations

import ast
from typing import Optional

from depcheck.facts.syntax import (
    FUNCTION_NODES,
    LOOP_NODES,
    MATCH,
    TRY_NODES,
    WITH_NODES,
    field_order,
    holds_line,
    line_text,
    lone_cr,
)
from depcheck.model import ImportFact

_IMPORT_ORDER = field_order(ImportFact)
# The statements whose bodies the walk below enters.
_COMPOUND = frozenset(
    (*FUNCTION_NODES, ast.ClassDef, ast.If, *LOOP_NODES, *WITH_NODES, *TRY_NODES)
) | ({MATCH} if MATCH is not None else set())


def read_imports(
    tree: ast.Module, lines: list[str], text: Optional[str] = None
) -> tuple[tuple[ImportFact, ...], list[ast.stmt]]:
    """The file's imports, sorted, and their statements (which the use walk indexes by line).

    With the file's ``text``, a compound statement none of whose lines holds
    ``import`` is skipped whole: most function and class bodies import nothing.
    """
    found: list[ImportFact] = []
    nodes: list[ast.stmt] = []
    import_lines = _import_lines(text) if text is not None else None
    if import_lines is not None and not import_lines:
        return (), nodes
    # An explicit stack instead of recursion: deeply nested code must not
    # exhaust Python's recursion limit here.
    stack: list[tuple[list[ast.stmt], bool, bool, bool]] = [(tree.body, False, False, False)]
    while stack:
        body, type_checking, in_function, under_main = stack.pop()
        for node in body:
            kind = type(node)
            if kind is ast.Import or kind is ast.ImportFrom:
                found.extend(_import_facts(node, lines, type_checking, in_function, under_main))
                nodes.append(node)
            elif kind in _COMPOUND and import_lines is not None and not holds_line(
                import_lines, node.lineno, getattr(node, "end_lineno", None) or node.lineno
            ):
                continue
            elif kind in FUNCTION_NODES:
                stack.append((node.body, type_checking, True, under_main))
            elif kind is ast.ClassDef:
                stack.append((node.body, type_checking, in_function, under_main))
            elif kind is ast.If:
                main = under_main or (body is tree.body and _is_main(node.test))
                stack.append((node.body, type_checking or _is_type_checking(node.test), in_function, main))
                stack.append((node.orelse, type_checking, in_function, under_main))
            elif kind in LOOP_NODES:
                stack.append((node.body, type_checking, in_function, under_main))
                stack.append((node.orelse, type_checking, in_function, under_main))
            elif kind in WITH_NODES:
                stack.append((node.body, type_checking, in_function, under_main))
            elif kind in TRY_NODES:
                stack.append((node.body, type_checking, in_function, under_main))
                for handler in node.handlers:
                    stack.append((handler.body, type_checking, in_function, under_main))
                stack.append((node.orelse, type_checking, in_function, under_main))
                stack.append((node.finalbody, type_checking, in_function, under_main))
            elif MATCH is not None and kind is MATCH:
                for case in node.cases:
                    stack.append((case.body, type_checking, in_function, under_main))
    found.sort(key=_IMPORT_ORDER)
    return tuple(found), nodes


def _import_lines(text: str) -> Optional[list[int]]:
    """Ascending lines holding ``import`` (every import statement holds one); None: cannot tell.

    Lines are counted by "\n", as the parser does unless a lone "\r" ends a line;
    only ASCII text, where nothing but the keyword itself spells it.
    """
    if not text.isascii() or lone_cr(text):
        return None
    found: list[int] = []
    line, last = 1, 0
    at = text.find("import")
    while at >= 0:
        line += text.count("\n", last, at)
        last = at
        if not found or found[-1] != line:
            found.append(line)
        at = text.find("import", at + 6)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def _is_main(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return (any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
            and any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides))


def _import_facts(
    node: ast.stmt, lines: list[str], type_checking: bool, in_function: bool, under_main: bool
) -> list[ImportFact]:
    line = node.lineno
    common = {
        "line": line,
        "column": node.col_offset + 1,
        "type_checking": type_checking,
        "in_function": in_function,
        "under_main": under_main,
        "end_line": getattr(node, "end_lineno", None) or line,
        "text": line_text(lines, line),
    }
    if isinstance(node, ast.Import):
        return [ImportFact(module=alias.name, **common) for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    names = tuple(alias.name for alias in node.names)
    return [
        ImportFact(module=node.module or "", names=names, level=node.level, is_from=True, **common)
    ]
