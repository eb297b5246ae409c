"""Extract the facts depcheck needs from one file's bytes.

Pure: the result depends only on the bytes, so it can be cached by content
hash and computed in any process. The analysed code is parsed with the
standard library's ``ast`` and never imported or executed.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from depcheck.model import FileFacts, ImportFact, ParseFailure, Suppression

_SUPPRESSION_RE = re.compile(r"#\s*depcheck:\s*ignore\b(?:\[([^\]]*)\])?")

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
_WITH_NODES = (ast.With, ast.AsyncWith)
_TRY_NODES = tuple(
    node for node in (ast.Try, getattr(ast, "TryStar", None)) if node is not None
)
_MATCH = getattr(ast, "Match", None)


def decode_source(data: bytes) -> str:
    """Decode like the interpreter would: BOM, PEP 263 cookie, else UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def extract(data: bytes) -> FileFacts:
    """Facts of one file. Never raises for bad source: it becomes ``FileFacts.error``."""
    try:
        text = decode_source(data)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return FileFacts(error=ParseFailure(1, 1, f"cannot decode the file: {_reason(exc)}"))
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return FileFacts(error=ParseFailure(exc.lineno or 1, exc.offset or 1, exc.msg))
    except (ValueError, TypeError) as exc:  # null bytes, on Python < 3.12
        line = text.count("\n", 0, max(text.find("\0"), 0)) + 1
        return FileFacts(error=ParseFailure(line, 1, _reason(exc)))
    except (RecursionError, MemoryError):
        return FileFacts(error=ParseFailure(1, 1, "too deeply nested for Python's parser"))
    lines = text.splitlines()
    imports = _imports(tree, lines)
    # Tokenizing is pure Python and costs as much as parsing: only when a comment may match.
    suppressions = _suppressions(text) if _SUPPRESSION_RE.search(text) else ()
    return FileFacts(imports=imports, suppressions=suppressions)


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def _imports(tree: ast.Module, lines: list[str]) -> tuple[ImportFact, ...]:
    found: list[ImportFact] = []
    # An explicit stack instead of recursion: deeply nested code must not
    # exhaust Python's recursion limit here.
    stack: list[tuple[list[ast.stmt], bool, bool]] = [(tree.body, False, False)]
    while stack:
        body, type_checking, in_function = stack.pop()
        for node in body:
            kind = type(node)
            if kind is ast.Import or kind is ast.ImportFrom:
                found.extend(_import_facts(node, lines, type_checking, in_function))
            elif kind in _FUNCTION_NODES:
                stack.append((node.body, type_checking, True))
            elif kind is ast.ClassDef:
                stack.append((node.body, type_checking, in_function))
            elif kind is ast.If:
                stack.append((node.body, type_checking or _is_type_checking(node.test), in_function))
                stack.append((node.orelse, type_checking, in_function))
            elif kind in _LOOP_NODES:
                stack.append((node.body, type_checking, in_function))
                stack.append((node.orelse, type_checking, in_function))
            elif kind in _WITH_NODES:
                stack.append((node.body, type_checking, in_function))
            elif kind in _TRY_NODES:
                stack.append((node.body, type_checking, in_function))
                for handler in node.handlers:
                    stack.append((handler.body, type_checking, in_function))
                stack.append((node.orelse, type_checking, in_function))
                stack.append((node.finalbody, type_checking, in_function))
            elif _MATCH is not None and kind is _MATCH:
                for case in node.cases:
                    stack.append((case.body, type_checking, in_function))
    found.sort()
    return tuple(found)


def _import_facts(
    node: ast.stmt, lines: list[str], type_checking: bool, in_function: bool
) -> list[ImportFact]:
    line = node.lineno
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    common = {
        "line": line,
        "column": node.col_offset + 1,
        "type_checking": type_checking,
        "in_function": in_function,
        "end_line": getattr(node, "end_lineno", None) or line,
        "text": text,
    }
    if isinstance(node, ast.Import):
        return [ImportFact(module=alias.name, **common) for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    names = tuple(alias.name for alias in node.names)
    return [
        ImportFact(module=node.module or "", names=names, level=node.level, is_from=True, **common)
    ]


def _suppressions(text: str) -> tuple[Suppression, ...]:
    found: list[Suppression] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return ()
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _SUPPRESSION_RE.search(token.string)
        if match is None:
            continue
        rules: tuple[str, ...] = ()
        if match.group(1) is not None:
            rules = tuple(sorted({r.strip() for r in match.group(1).split(",") if r.strip()}))
        found.append(Suppression(token.start[0], rules))
    return tuple(found)

