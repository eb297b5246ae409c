"""Extract the facts depcheck needs from one file's bytes.

Pure: the result depends only on the bytes, so it can be cached by content
hash and computed in any process. The analysed code is parsed with the
standard library's ``ast`` and never imported or executed.
"""

from __future__ import annotations

import ast
import bisect
import fnmatch
import io
import re
import tokenize
import warnings
from typing import Iterable, NamedTuple, Optional

from depcheck.model import (
    Alias,
    AppLabel,
    EventSite,
    ExtractionSettings,
    FileFacts,
    ImportFact,
    ParseFailure,
    Suppression,
    Use,
    UseSettings,
)
from depcheck.patterns import CONSUME, DEFINE, PUBLISH, EventPattern

_COMMENT_HINT_RE = re.compile(r"#[ \t]*depcheck:")
SUPPRESSION_RE = re.compile(r"#\s*depcheck:\s*ignore\b(?:\[([^\]]*)\])?")
_DECLARATION_RE = re.compile(r"#\s*depcheck:\s*(publishes|consumes)\s+([^\s#,]+(?:[ \t]*,[ \t]*[^\s#,]+)*)")

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


def extract(data: bytes, settings: Optional[ExtractionSettings] = None) -> FileFacts:
    """Facts of one file. Never raises for bad source: it becomes ``FileFacts.error``.

    With event patterns, also the file's event sites and module-level aliases;
    with active use settings, the uses of names imported from the analysed
    packages and the dynamic loads asked for. The result depends on the bytes
    and ``settings`` only.
    """
    settings = settings or ExtractionSettings()
    uses = settings.uses
    try:
        text = decode_source(data)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return FileFacts(error=ParseFailure(1, 1, f"cannot decode the file: {_reason(exc)}"))
    try:
        # The compiler warns about the analysed code ("is" with a literal, invalid
        # escapes); those are the user's linters' business, not noise on our stderr.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, TypeError) as exc:
        # Null bytes raise ValueError or a SyntaxError without a line, by version.
        if "\0" in text and not getattr(exc, "lineno", None):
            line = text.count("\n", 0, text.find("\0")) + 1
            return FileFacts(error=ParseFailure(line, 1, "the file contains a null byte"))
        if isinstance(exc, SyntaxError):
            return FileFacts(error=ParseFailure(exc.lineno or 1, exc.offset or 1, exc.msg))
        return FileFacts(error=ParseFailure(1, 1, _reason(exc)))
    except (RecursionError, MemoryError):
        return FileFacts(error=ParseFailure(1, 1, "too deeply nested for Python's parser"))
    lines = text.splitlines()
    import_nodes: list[ast.stmt] = []
    imports = _imports(tree, lines, import_nodes)
    suppressions: tuple[Suppression, ...] = ()
    declared: tuple[EventSite, ...] = ()
    # Tokenizing is pure Python and costs as much as parsing: only when a comment may match.
    if "depcheck" in text and _COMMENT_HINT_RE.search(text):
        suppressions, declared = _comments(text)
    aliases: tuple[Alias, ...] = ()
    sites: tuple[EventSite, ...] = ()
    if settings.patterns:
        try:
            aliases, sites = _events(tree, text, lines, settings.patterns)
        except RecursionError:
            # Resolving ``a.f().g().h()...`` recurses once per call in the chain; a
            # chain the parser accepts can still be too long for that.
            aliases, sites = (), ()
    found_uses: tuple[Use, ...] = ()
    apps: tuple[AppLabel, ...] = ()
    if uses.active:
        try:
            found_aliases, found_uses, apps = _uses(tree, text, lines, import_nodes, uses)
        except RecursionError:
            found_aliases, found_uses = (), ()
        # Re-exports (``from .api import create_order`` in a package) resolve uses in other files.
        aliases = aliases or found_aliases
    return FileFacts(
        imports=imports,
        suppressions=suppressions,
        aliases=aliases,
        events=tuple(sorted(set(sites + declared))),
        uses=found_uses,
        apps=apps,
    )


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    if isinstance(test, ast.Attribute):
        return test.attr == "TYPE_CHECKING"
    return False


def _imports(
    tree: ast.Module, lines: list[str], nodes: Optional[list[ast.stmt]] = None
) -> tuple[ImportFact, ...]:
    """The file's imports; ``nodes`` (if given) receives their statements."""
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
                if nodes is not None:
                    nodes.append(node)
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


def _comments(text: str) -> tuple[tuple[Suppression, ...], tuple[EventSite, ...]]:
    """Suppressions and inline event declarations (``# depcheck: publishes orders.created``)."""
    found: list[Suppression] = []
    declared: list[EventSite] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return (), ()
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = SUPPRESSION_RE.search(token.string)
        if match is not None:
            rules: tuple[str, ...] = ()
            if match.group(1) is not None:
                rules = tuple(sorted({r.strip() for r in match.group(1).split(",") if r.strip()}))
            found.append(Suppression(token.start[0], rules))
        declaration = _DECLARATION_RE.search(token.string)
        if declaration is not None:
            kind = PUBLISH if declaration.group(1) == "publishes" else CONSUME
            for event in declaration.group(2).split(","):
                declared.append(EventSite(
                    token.start[0], token.start[1] + 1, kind, event.strip(),
                    pattern="inline", text=token.string.strip(),
                ))
    return tuple(found), tuple(declared)


# --------------------------------------------------------------------------- events


class Ref(NamedTuple):
    """What an expression names, as far as this file can tell (see EventSite)."""

    event: str
    topic: bool = False
    level: int = 0
    own: bool = False
    line: int = 0  # of the import that bound the name; 0 when no import did

    def attr(self, name: str) -> Optional[Ref]:
        return None if self.topic else self._replace(event=f"{self.event}.{name}")


# A name bound locally (a parameter, an assignment in a function) hides the
# module-level binding: ``SHADOWED`` marks it so nothing resolves through it.
SHADOWED = Ref("")


def _dotted(node: ast.expr) -> Optional[str]:
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


def _import_refs(node: ast.stmt) -> list[tuple[str, Ref]]:
    if isinstance(node, ast.Import):
        return [
            (alias.asname, Ref(alias.name, line=node.lineno)) if alias.asname
            else (alias.name.split(".")[0], Ref(alias.name.split(".")[0], line=node.lineno))
            for alias in node.names
        ]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    return [
        (
            alias.asname or alias.name,
            Ref(f"{base}.{alias.name}" if base else alias.name, level=node.level, line=node.lineno),
        )
        for alias in node.names
        if alias.name != "*"
    ]


def _bound_names(body: list[ast.stmt]) -> set[str]:
    """Names a function body binds, not looking inside nested functions or classes."""
    names: set[str] = set()
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(local for local, _ in _import_refs(node))
        elif isinstance(node, ast.Global):
            names.difference_update(node.names)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return names


def _arguments(args: ast.arguments) -> set[str]:
    every = [*getattr(args, "posonlyargs", []), *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return {a.arg for a in every}


class _Events:
    """One file's event sites: a module-level pass for bindings, then one walk over calls."""

    def __init__(self, tree: ast.Module, lines: list[str], patterns: tuple[EventPattern, ...]) -> None:
        self.lines = lines
        self.patterns = [p for p in patterns if p.kind != DEFINE]
        self.defines = [p for p in patterns if p.kind == DEFINE]
        # Patterns by the last name of their call glob, so each call only tries its own.
        self.index: dict[str, list[tuple[int, EventPattern]]] = {}
        self.wild: list[tuple[int, EventPattern]] = []
        for position, pattern in enumerate(patterns):
            last = pattern.call.rsplit(".", 1)[-1]
            if last.isidentifier():
                self.index.setdefault(last, []).append((position, pattern))
            else:
                self.wild.append((position, pattern))
        self.hit_lines: Optional[list[int]] = []  # lines naming a pattern; None: every line
        self.module: dict[str, Ref] = {}
        self.classes: dict[str, tuple[dict[str, ast.expr], list[str]]] = {}
        self.sites: list[EventSite] = []
        self.scopes: list[dict[str, Ref]] = []  # function scopes, innermost last
        self.class_stack: list[Optional[str]] = []
        self.tree = tree

    # ------------------------------------------------------------ module-level bindings

    def bind_module(self) -> list[Alias]:
        aliases: dict[str, Alias] = {}
        stack: list[list[ast.stmt]] = [self.tree.body]
        # Walk module-level statements in source order (if/try bodies included).
        ordered: list[ast.stmt] = []
        while stack:
            body = stack.pop()
            for index, node in enumerate(body):
                ordered.append(node)
                nested: list[list[ast.stmt]] = []
                if isinstance(node, ast.If):
                    nested = [node.body, node.orelse]
                elif isinstance(node, _TRY_NODES):
                    nested = [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]
                if nested:
                    stack.append(body[index + 1:])
                    stack.extend(reversed(nested))
                    break
        for node in ordered:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for local, ref in _import_refs(node):
                    self.module[local] = ref
                    aliases[local] = Alias(local, ref.event, ref.level)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.module[node.name] = Ref(node.name, own=True)
                aliases.pop(node.name, None)
                if isinstance(node, ast.ClassDef):
                    self._bind_class(node)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if names:
                    self._bind_assignment(names, node.value, aliases)
        return sorted(aliases.values())

    def _bind_assignment(self, names: list[str], value: ast.expr, aliases: dict[str, Alias]) -> None:
        ref: Optional[Ref] = None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            ref = Ref(value.value, topic=True)
        elif isinstance(value, (ast.Name, ast.Attribute)):
            ref = self.resolve(value)
        elif isinstance(value, ast.Call):
            ref = self._define(value, names[0])
        for name in names:
            if ref is None or ref is SHADOWED:
                self.module[name] = Ref(name, own=True)
                aliases.pop(name, None)
            else:
                self.module[name] = ref
                aliases[name] = Alias(name, ref.event, ref.level, ref.topic, ref.own)

    def _define(self, call: ast.Call, target: Optional[str]) -> Optional[Ref]:
        """A define site for ``call`` if a define pattern matches; the topic it names, if any."""
        candidates = [p for p in self._candidates(call.func) if p.kind == DEFINE]
        names = self._callee(call.func) if candidates else ()
        for pattern in candidates:
            if not self._matches(pattern, call.func, names):
                continue
            if "target" in pattern.event:
                if target is not None:
                    self._site(call, DEFINE, Ref(target, own=True), pattern)
                    return None
                continue
            for expr in self._place(pattern, call):
                if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                    ref = Ref(expr.value, topic=True)
                    self._site(call, DEFINE, ref, pattern)
                    return ref
        return None

    def _bind_class(self, node: ast.ClassDef) -> None:
        attributes: dict[str, ast.expr] = {}
        for statement in node.body:
            if isinstance(statement, ast.Assign) and isinstance(statement.value, (ast.Name, ast.Attribute)):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        attributes[target.id] = statement.value
        bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
        self.classes[node.name] = (attributes, bases)

    # ------------------------------------------------------------ resolution

    def lookup(self, name: str) -> Optional[Ref]:
        for scope in reversed(self.scopes):
            if name in scope:
                found = scope[name]
                return None if found is SHADOWED else found
        return self.module.get(name)

    def _class_attribute(self, attr: str) -> Optional[ast.expr]:
        """``self.attr`` inside a method: the class attribute, looked up through same-module bases."""
        current = next((c for c in reversed(self.class_stack) if c), None)
        seen: set[str] = set()
        todo = [current] if current else []
        while todo:
            name = todo.pop(0)
            if name in seen or name not in self.classes:
                continue
            seen.add(name)
            attributes, bases = self.classes[name]
            if attr in attributes:
                return attributes[attr]
            todo.extend(bases)
        return None

    def resolve(self, node: ast.expr) -> Optional[Ref]:
        """The reference an expression names, or None when this file cannot tell."""
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        attrs.reverse()
        ref: Optional[Ref]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and not attrs:
            return Ref(node.value, topic=True)
        if isinstance(node, ast.Call):
            ref = self._called(node)
        elif isinstance(node, ast.Name):
            if node.id in ("self", "cls") and attrs and self.lookup(node.id) is None:
                held = self._class_attribute(attrs[0])
                if held is None:
                    return None
                # A class attribute's value is evaluated at class level: in module scope.
                scopes, self.scopes = self.scopes, []
                try:
                    ref, attrs = self.resolve(held), attrs[1:]
                finally:
                    self.scopes = scopes
            else:
                ref = self.lookup(node.id)
        else:
            return None
        for attr in attrs:
            if ref is None:
                return None
            ref = ref.attr(attr)
        return ref

    def _called(self, call: ast.Call) -> Optional[Ref]:
        """``E(...)`` names E when E looks like a class; ``signal("x")`` names the topic x."""
        topic = self._define(call, None) if self.defines else None
        if topic is not None:
            return topic
        ref = self.resolve(call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
        if ref is not None and not ref.topic and ref.event.rsplit(".", 1)[-1][:1].isupper():
            return ref
        return None

    def _callee(self, func: ast.expr) -> tuple[str, ...]:
        """The names a call target goes by: as written and, through imports, as resolved."""
        written = _dotted(func)
        if written is None:
            return ()
        if "()" in written:
            return (written,)
        ref = self.resolve(func)
        if ref is None or ref.own or ref.level or ref.topic or ref.event == written:
            return (written,)
        return (written, ref.event)

    def _matches(
        self, pattern: EventPattern, func: ast.expr, names: Optional[tuple[str, ...]] = None
    ) -> bool:
        if names is None:
            names = self._callee(func)
        return any(fnmatch.fnmatchcase(name, pattern.call) for name in names)

    def _place(self, pattern: EventPattern, call: ast.Call) -> list[ast.expr]:
        for place in pattern.event:
            found: list[ast.expr] = []
            if place.startswith("arg:"):
                index = int(place[4:])
                head = call.args[: index + 1]
                # After a ``*args`` nobody can tell which argument is the N-th.
                if len(head) > index and not any(isinstance(a, ast.Starred) for a in head):
                    found = [head[index]]
            elif place.startswith("kw:"):
                found = [k.value for k in call.keywords if k.arg == place[3:]]
            elif place == "args":
                found = [a for a in call.args if not isinstance(a, ast.Starred)]
            elif place == "object" and isinstance(call.func, ast.Attribute):
                found = [call.func.value]
            if found:
                expanded: list[ast.expr] = []
                for expr in found:
                    # ``receiver([a, b])``, ``subscribe(["a", "b"])``: several events. A
                    # tuple sent or published is a message's payload, not its topics.
                    if pattern.kind != PUBLISH and isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
                        expanded.extend(e for e in expr.elts if not isinstance(e, ast.Starred))
                    else:
                        expanded.append(expr)
                return expanded
        return []

    def _site(self, node: ast.expr, kind: str, ref: Ref, pattern: EventPattern) -> None:
        line = node.lineno
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.sites.append(EventSite(
            line, node.col_offset + 1, kind, ref.event, ref.topic, ref.level, ref.own, pattern.name, text
        ))

    # ------------------------------------------------------------ the walk

    def _candidates(self, func: ast.expr) -> list[EventPattern]:
        """The patterns a call could match, judged by its last name (also through an import alias)."""
        if isinstance(func, ast.Attribute):
            words = [func.attr]
        elif isinstance(func, ast.Name):
            words = [func.id]
            ref = self.lookup(func.id)
            if ref is not None and not ref.topic:
                words.append(ref.event.rsplit(".", 1)[-1])
        else:
            return []
        found = [entry for word in dict.fromkeys(words) for entry in self.index.get(word, ())]
        return [pattern for _, pattern in sorted(found + self.wild, key=lambda e: e[0])]

    def match_call(self, call: ast.Call) -> None:
        candidates = self._candidates(call.func)
        if not candidates:
            return
        names = self._callee(call.func)
        if not names:
            return
        for pattern in candidates:
            if pattern.kind == DEFINE or not self._matches(pattern, call.func, names):
                continue
            for expr in self._place(pattern, call):
                ref = self.resolve(expr)
                if ref is not None and ref.event and not (pattern.accepts == "topic" and ref.own):
                    self._site(call, pattern.kind, ref, pattern)
        if self.defines:
            self._define(call, None)

    def walk(self, node: ast.AST) -> None:
        stack: list[tuple[ast.AST, int]] = [(node, 0)]
        while stack:
            current, depth = stack.pop()
            if depth < 0:  # leaving a scope pushed below
                if depth == -1:
                    self.scopes.pop()
                self.class_stack.pop()
                continue
            if isinstance(current, ast.stmt) and not self._may_hold_site(current):
                continue
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                if not isinstance(current, ast.Lambda):
                    for decorator in current.decorator_list:
                        self._decorator(decorator)
                        stack.append((decorator, 0))
                for default in (*current.args.defaults, *current.args.kw_defaults):
                    if default is not None:
                        stack.append((default, 0))
                if self.annotations:
                    for annotation in _annotations(current):
                        stack.append((annotation, 0))
                body = current.body if isinstance(current.body, list) else [current.body]
                self.scopes.append(self.scope(current, body))
                self.class_stack.append(None)
                stack.append((current, -1))
                stack.extend((child, 0) for child in reversed(body))
                continue
            if isinstance(current, ast.ClassDef):
                for decorator in current.decorator_list:
                    self._decorator(decorator)
                    stack.append((decorator, 0))
                stack.extend((b, 0) for b in current.bases)
                # Methods see ``self.x`` through this class; names bound in the class body
                # are not visible inside them, so no scope is pushed for the body itself.
                self.class_stack.append(current.name if not self.scopes else None)
                stack.append((current, -2))
                stack.extend((child, 0) for child in reversed(current.body))
                continue
            stack.extend((child, 0) for child in self.children(current))

    # Uses (``_Uses``) also look at annotations, which hold no event sites.
    annotations = False

    def scope(self, function: ast.AST, body: list) -> dict[str, Ref]:
        """The names a function or lambda binds: its own imports, every other binding shadowed."""
        scope = dict.fromkeys(_arguments(function.args), SHADOWED)  # type: ignore[attr-defined]
        for name in _bound_names(body) if not isinstance(function, ast.Lambda) else ():
            scope.setdefault(name, SHADOWED)
        for statement in body:
            for inner in ast.walk(statement) if isinstance(statement, ast.stmt) else ():
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    scope.update(_import_refs(inner))
        return scope

    def children(self, node: ast.AST) -> Iterable[ast.AST]:
        """Visit ``node``; what the walk should visit next."""
        if isinstance(node, ast.Call):
            self.match_call(node)
        return ast.iter_child_nodes(node)

    def _may_hold_site(self, node: ast.stmt) -> bool:
        """Whether a pattern's name occurs on any line of the statement (decorators included)."""
        if self.hit_lines is None:
            return True
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        end = getattr(node, "end_lineno", None) or start
        index = bisect.bisect_left(self.hit_lines, start)
        return index < len(self.hit_lines) and self.hit_lines[index] <= end

    def _decorator(self, decorator: ast.expr) -> None:
        # ``@sig.connect`` is ``sig.connect(handler)``: a call with the handler as its argument.
        if isinstance(decorator, (ast.Name, ast.Attribute)):
            self.match_call(ast.Call(func=decorator, args=[], keywords=[], lineno=decorator.lineno,
                                     col_offset=decorator.col_offset))


def _events(
    tree: ast.Module, text: str, lines: list[str], patterns: tuple[EventPattern, ...]
) -> tuple[tuple[Alias, ...], tuple[EventSite, ...]]:
    events = _Events(tree, lines, patterns)
    aliases = events.bind_module()
    # Walking every expression costs about as much as parsing: skip files, and
    # then statements, that cannot hold a site because no pattern's name (nor a
    # local alias of one) occurs in them.
    words = {pattern.word for pattern in patterns}
    if not any(word in text for word in words):
        return tuple(aliases), tuple(events.sites)
    # A glob's name can be anywhere, and a lone "\r" ends a line for Python but not
    # for the count below: walk everything then.
    if not all(p.exact_word for p in patterns) or "\r" in text and "\r" in text.replace("\r\n", ""):
        events.hit_lines = None
    else:
        words.update(a.name for a in aliases if a.target.rsplit(".", 1)[-1] in words)
        finder = re.compile(r"\b(?:{})\b".format("|".join(re.escape(w) for w in sorted(words))))
        line, last = 1, 0
        hits: list[int] = []
        for match in finder.finditer(text):
            line += text.count("\n", last, match.start())
            last = match.start()
            if not hits or hits[-1] != line:
                hits.append(line)
        events.hit_lines = hits
    events.walk(tree)
    return tuple(aliases), tuple(events.sites)



# --------------------------------------------------------------------------- uses and dynamic loads

_DJANGO_FIELDS = ("ForeignKey", "ManyToManyField", "OneToOneField")
_DYNAMIC_WORDS = ("import_module", "__import__")
_MODEL_WORDS = ("get_model", *_DJANGO_FIELDS)
_DOTTED_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_ODD_BREAKS = re.compile("\r(?!\n)|[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_WALRUS_RE = re.compile(r"\b([A-Za-z_]\w*)\s*:=")
_MODEL_REF_RE = re.compile(r"^([A-Za-z_]\w*)\.[A-Za-z_]\w*$")


def _annotations(function: ast.AST) -> list[ast.expr]:
    args = function.args  # type: ignore[attr-defined]
    every = [*getattr(args, "posonlyargs", []), *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    found = [a.annotation for a in every if a.annotation is not None]
    returns = getattr(function, "returns", None)
    return found + ([returns] if returns is not None else [])


def _string(node: Optional[ast.expr]) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _positional(call: ast.Call, index: int) -> Optional[ast.expr]:
    head = call.args[: index + 1]
    if len(head) > index and not any(isinstance(a, ast.Starred) for a in head):
        return head[index]
    return None


def _statement_bindings(body: list[ast.stmt]) -> set[str]:
    """``_bound_names`` without walking expressions: right when no ``:=`` can bind inside them."""
    names: set[str] = set()
    declared: set[str] = set()
    stack: list[ast.stmt] = list(body)
    while stack:
        node = stack.pop()
        kind = type(node)
        targets: list[ast.expr] = []
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.add(node.name)  # type: ignore[attr-defined]
            continue
        if kind is ast.Assign or kind is ast.Delete:
            targets = node.targets  # type: ignore[attr-defined]
        elif kind is ast.AugAssign or kind is ast.AnnAssign:
            targets = [node.target]  # type: ignore[attr-defined]
        elif kind is ast.Import or kind is ast.ImportFrom:
            names.update(local for local, _ in _import_refs(node))
        elif kind is ast.Global or kind is ast.Nonlocal:
            declared.update(node.names)  # type: ignore[attr-defined]
        elif kind in _LOOP_NODES:
            if kind is not ast.While:
                targets = [node.target]  # type: ignore[attr-defined]
            stack.extend(node.body + node.orelse)  # type: ignore[attr-defined]
        elif kind in _WITH_NODES:
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]  # type: ignore[attr-defined]
            stack.extend(node.body)  # type: ignore[attr-defined]
        elif kind is ast.If:
            stack.extend(node.body + node.orelse)  # type: ignore[attr-defined]
        elif kind in _TRY_NODES:
            for handler in node.handlers:  # type: ignore[attr-defined]
                if handler.name:
                    names.add(handler.name)
                stack.extend(handler.body)
            stack.extend(node.body + node.orelse + node.finalbody)  # type: ignore[attr-defined]
        elif _MATCH is not None and kind is _MATCH:
            for case in node.cases:  # type: ignore[attr-defined]
                for inner in ast.walk(case.pattern):
                    name = getattr(inner, "name", None) or getattr(inner, "rest", None)
                    if isinstance(name, str):
                        names.add(name)
                stack.extend(case.body)
        for target in targets:
            if type(target) is ast.Name:
                names.add(target.id)  # type: ignore[attr-defined]
                continue
            for inner in ast.walk(target):
                if isinstance(inner, ast.Name):
                    names.add(inner.id)
    return names - declared


class _Uses(_Events):
    """One file's uses of names imported from the analysed packages, and its dynamic loads.

    Reuses the event walk's bindings and scopes: a name is followed only while it
    still means the import (a parameter or local assignment of the same name hides it).
    """

    annotations = True

    def __init__(self, tree: ast.Module, lines: list[str], settings: UseSettings) -> None:
        super().__init__(tree, lines, ())
        self.settings = settings
        self.found: list[Use] = []
        self.called: set[int] = set()  # ids of the func nodes of calls seen
        self.dynamic = settings.dynamic_imports or bool(settings.loaders) or settings.django_models
        self.walrus = False
        self.words: set[str] = set()  # names that may be bound to an import from the packages
        self.import_nodes: list[ast.stmt] = []
        self.import_lines: list[int] = []

    def scope(self, function: ast.AST, body: list) -> dict[str, Ref]:
        # The event walk's scope walks every expression of the body twice; uses walk
        # statements only, and find the body's imports among the file's by line.
        scope = dict.fromkeys(_arguments(function.args), SHADOWED)  # type: ignore[attr-defined]
        if isinstance(function, ast.Lambda):
            return scope
        names = _statement_bindings(body)
        start, end = function.lineno, getattr(function, "end_lineno", None) or function.lineno  # type: ignore[attr-defined]
        if self.walrus:
            # ``:=`` binds inside expressions; a name before one anywhere in the body is
            # taken as bound (in a string too: hiding a use is the safe mistake).
            names.update(_WALRUS_RE.findall("\n".join(self.lines[start - 1:end])))
        for name in names:
            scope.setdefault(name, SHADOWED)
        index = bisect.bisect_left(self.import_lines, start)
        while index < len(self.import_lines) and self.import_lines[index] <= end:
            scope.update(_import_refs(self.import_nodes[index]))
            index += 1
        return scope

    def internal(self, ref: Ref) -> bool:
        if ref.level:
            return True
        return any(ref.event == p or ref.event.startswith(p + ".") for p in self.settings.packages)

    def children(self, node: ast.AST) -> Iterable[ast.AST]:
        # ``match`` has cases, not a body: its cases go through the walk, which scopes functions.
        if isinstance(node, ast.stmt) and not hasattr(node, "body") and type(node) is not _MATCH:
            return self._simple(node)
        return self._expressions(node)

    def _simple(self, statement: ast.stmt) -> list[ast.AST]:
        """A statement without a body, walked here in one loop (the walk's hot path).

        Lambdas go back to the walk, which gives them their own scope."""
        pending: list[ast.AST] = []
        stack: list[ast.AST] = [statement]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is ast.Lambda:
                pending.append(node)
            elif kind is not ast.Constant:
                stack.extend(self._expressions(node))
        return pending

    def _expressions(self, node: ast.AST) -> Iterable[ast.AST]:
        """Record what ``node`` uses or loads; the children still to visit."""
        kind = type(node)
        if kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            self.called.add(id(func))
            if self.dynamic:
                self._dynamic(node)  # type: ignore[arg-type]
        elif kind is ast.Attribute or kind is ast.Name:
            root = node
            attrs: list[str] = []
            while type(root) is ast.Attribute:
                attrs.append(root.attr)  # type: ignore[attr-defined]
                root = root.value  # type: ignore[attr-defined]
            if type(root) is ast.Name:
                name = root.id  # type: ignore[attr-defined]
                if name in self.words and not (kind is ast.Name and type(node.ctx) is not ast.Load):  # type: ignore[attr-defined]
                    self._use(node, name, attrs)
                return ()
        return ast.iter_child_nodes(node)

    def _use(self, node: ast.AST, root: str, attrs: list[str]) -> None:
        ref = self.lookup(root)
        if ref is None or not ref.line or ref.topic or ref.own or not self.internal(ref):
            return
        name = ".".join([ref.event, *reversed(attrs)])
        kind = "call" if id(node) in self.called else "use"
        self._add(node, kind, name, ref.level, ref.event, ref.line)

    def _add(self, node: ast.AST, kind: str, name: str, level: int = 0, bound: str = "",
             import_line: int = 0) -> None:
        line = node.lineno  # type: ignore[attr-defined]
        text = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.found.append(Use(line, node.col_offset + 1, kind, name, level, bound, import_line, text))  # type: ignore[attr-defined]

    # ------------------------------------------------------------ dynamic loads

    def _dynamic(self, call: ast.Call) -> None:
        names = self._callee(call.func)
        if not names:
            return
        last = names[0].rsplit(".", 1)[-1]
        settings = self.settings
        if settings.dynamic_imports:
            function = self.resolve(call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
            if function is not None and function.line and function.event == "importlib.import_module":
                self._import_module(call)
            elif names == ("__import__",) and self.lookup("__import__") is None:
                module = _string(_positional(call, 0))
                if module and _DOTTED_RE.match(module):
                    self._add(call, "dynamic-import", module)
        for loader in settings.loaders:
            if "." in loader.call:
                hit = any(fnmatch.fnmatchcase(name, loader.call) for name in names)
            else:
                hit = fnmatch.fnmatchcase(last, loader.call)
            if hit:
                module = _string(_positional(call, loader.module_arg))
                if module and _DOTTED_RE.match(module):
                    self._add(call, "string-loader", loader.prefix + module)
        if settings.django_models:
            label = None
            if last == "get_model":
                first, second = _string(_positional(call, 0)), _string(_positional(call, 1))
                if first and second and first.isidentifier():
                    label = first
                elif first and second is None and len(call.args) == 1:
                    match = _MODEL_REF_RE.match(first)
                    label = match.group(1) if match else None
            elif last in _DJANGO_FIELDS:
                target = _positional(call, 0)
                if target is None:
                    target = next((k.value for k in call.keywords if k.arg == "to"), None)
                match = _MODEL_REF_RE.match(_string(target) or "")
                label = match.group(1) if match else None
            if label:
                self._add(call, "django-model", label)

    def _import_module(self, call: ast.Call) -> None:
        module = _string(_positional(call, 0))
        if not module:
            return
        dots = len(module) - len(module.lstrip("."))
        rest = module[dots:]
        if rest and not _DOTTED_RE.match(rest):
            return
        if not dots:
            self._add(call, "dynamic-import", module)
            return
        package_node = _positional(call, 1)
        if package_node is None:
            package_node = next((k.value for k in call.keywords if k.arg == "package"), None)
        package = _string(package_node)
        if package and _DOTTED_RE.match(package):
            parts = package.split(".")
            if dots - 1 < len(parts):
                base = parts[: len(parts) - (dots - 1)]
                self._add(call, "dynamic-import", ".".join(base + ([rest] if rest else [])))
        elif isinstance(package_node, ast.Name) and package_node.id == "__package__":
            # Relative to this module's package: resolved like a relative import, in graph.py.
            self._add(call, "dynamic-import", rest, level=dots)

    # ------------------------------------------------------------ Django app labels

    def app_labels(self) -> list[AppLabel]:
        found = []
        for node in self.tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            bases = [_dotted(b) or "" for b in node.bases]
            if not any(b.rsplit(".", 1)[-1].endswith("Config") for b in bases):
                continue
            values: dict[str, str] = {}
            for statement in node.body:
                if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                    target, value = statement.targets[0], _string(statement.value)
                    if isinstance(target, ast.Name) and value is not None:
                        values[target.id] = value
            package = values.get("name", "")
            if _DOTTED_RE.match(package):
                label = values.get("label") or package.rsplit(".", 1)[-1]
                if label.isidentifier():
                    found.append(AppLabel(label, package))
        return found


def _hit_lines(text: str, words: set[str]) -> list[int]:
    """Lines (1-based, ascending) where a word occurs, maybe inside a longer name: a superset is safe.

    ``str.find`` instead of one regex of all the words: compiling a regex per
    file (each file imports other names) cost more than the search itself."""
    offsets: list[int] = []
    short = sorted(w for w in words if len(w) <= 2)
    for word in words:
        if len(word) <= 2:
            continue  # ``_`` (gettext) would match inside every snake_case name
        find, size = text.find, len(word)
        at = find(word)
        while at >= 0:
            offsets.append(at)
            at = find(word, at + size)
    if short:
        finder = re.compile(r"(?<!\w)(?:{})(?!\w)".format("|".join(re.escape(w) for w in short)))
        offsets.extend(match.start() for match in finder.finditer(text))
    offsets.sort()
    hits: list[int] = []
    line, last = 1, 0
    for at in offsets:
        line += text.count("\n", last, at)
        last = at
        if not hits or hits[-1] != line:
            hits.append(line)
    return hits


def _uses(
    tree: ast.Module, text: str, lines: list[str], import_nodes: list[ast.stmt], settings: UseSettings
) -> tuple[tuple[Alias, ...], tuple[Use, ...], tuple[AppLabel, ...]]:
    uses = _Uses(tree, lines, settings)
    uses.walrus = ":=" in text
    uses.import_nodes = sorted(import_nodes, key=lambda n: n.lineno)
    uses.import_lines = [n.lineno for n in uses.import_nodes]
    aliases = tuple(uses.bind_module())
    apps = tuple(sorted(set(uses.app_labels()))) if settings.django_models else ()
    # Walking every expression costs about as much as parsing: only statements
    # whose lines name an import from the analysed packages (or a dynamic loader) are walked.
    words: set[str] = set()
    if settings.uses:
        for node in import_nodes:
            words.update(local for local, ref in _import_refs(node) if uses.internal(ref))
        words.update(
            name for name, ref in uses.module.items() if ref.line and not ref.own and uses.internal(ref)
        )
    uses.words = set(words)
    if settings.dynamic_imports:
        words.update(_DYNAMIC_WORDS)
    if settings.django_models:
        words.update(_MODEL_WORDS)
    for loader in settings.loaders:
        last = loader.call.rsplit(".", 1)[-1]
        if not last.isidentifier():
            words = set()
            break
        words.add(last)
    else:
        if not words or not any(word in text for word in words):
            return aliases, (), apps
    # ``splitlines`` also ends lines where Python does not (form feed, a lone "\r", ...):
    # then its numbers could be off, and everything is walked.
    if not words or _ODD_BREAKS.search(text):
        uses.hit_lines = None
    else:
        uses.hit_lines = _hit_lines(text, words)
    uses.walk(tree)
    return aliases, tuple(sorted(set(uses.found))), apps
