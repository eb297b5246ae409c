"""What names refer to in one file: the module's bindings, class attributes, function scopes.

``bind_module`` reads the module-level statements once per file into a
``ModuleBindings`` table (shared by the event and the use walk); a ``Names``
resolves an expression against that table and the function scopes of the
point the walk is at.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass
from typing import NamedTuple, Optional, Protocol

from depcheck.facts.syntax import (
    CHILD_FIELDS,
    DEFINITION_NODES,
    LOOP_NODES,
    MATCH,
    TRY_NODES,
    WITH_NODES,
    dotted,
    field_order,
    parameters,
)
from depcheck.model import Alias


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

_ALIAS_ORDER = field_order(Alias)
# Statements that bind no name and hold no body.
_BINDS_NOTHING = frozenset((ast.Expr, ast.Return, ast.Raise, ast.Pass, ast.Assert, ast.Break, ast.Continue))
_WALRUS_RE = re.compile(r"\b([A-Za-z_]\w*)\s*:=")

# A class's attributes bound to a name or attribute (``sig = signals.sent``), and its same-module bases.
ClassBindings = tuple[dict[str, ast.expr], list[str]]


def import_refs(node: ast.stmt) -> list[tuple[str, Ref]]:
    """The names an import statement binds, and what each refers to (``*`` binds nothing known)."""
    if isinstance(node, ast.Import):
        # (Ref's fields by position: this runs for every import, several times.)
        line = node.lineno
        return [
            (alias.asname, Ref(alias.name, False, 0, False, line)) if alias.asname
            else (alias.name.split(".")[0], Ref(alias.name.split(".")[0], False, 0, False, line))
            for alias in node.names
        ]
    assert isinstance(node, ast.ImportFrom)
    base, level, line = node.module or "", node.level, node.lineno
    return [
        (
            alias.asname or alias.name,
            Ref(f"{base}.{alias.name}" if base else alias.name, False, level, False, line),
        )
        for alias in node.names
        if alias.name != "*"
    ]


# --------------------------------------------------------------------------- function scopes


def bound_names(body: list[ast.stmt], *, expressions: bool) -> set[str]:
    """Names a function body binds, not looking inside nested functions or classes.

    ``expressions=True`` walks every node, so it sees ``:=`` wherever it is
    (and, more than needed, comprehension targets); the event walk builds its
    scopes so, for the few functions that mention a pattern. ``expressions=False``
    walks statements only, because the use walk builds a scope for every
    function it enters: its caller finds ``:=`` another way (see
    ``function_scope``). Besides that, each walk keeps the small differences
    it always had (marked below), so that extraction's results stay the same.
    """
    names: set[str] = set()
    declared: set[str] = set()  # global and nonlocal, in the statement walk
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind in _BINDS_NOTHING and not expressions:
            continue  # the most common statements, which the statement walk has nothing to take from
        if kind in DEFINITION_NODES:
            names.add(node.name)  # type: ignore[attr-defined]
            if expressions:
                stack.extend(node.decorator_list)  # type: ignore[attr-defined]
            continue
        if kind is ast.Import or kind is ast.ImportFrom:
            names.update(local for local, _ in import_refs(node))  # type: ignore[arg-type]
            continue
        if expressions:
            if kind is ast.Global:
                # The stack runs backwards, so this meets the names bound after the
                # declaration, the only ones a valid ``global`` may cover. (A
                # ``nonlocal`` name stays bound here; the statement walk drops it.)
                names.difference_update(node.names)  # type: ignore[attr-defined]
                continue
            if kind is ast.Lambda:
                continue
            if kind is ast.Name and isinstance(node.ctx, (ast.Store, ast.Del)):  # type: ignore[attr-defined]
                names.add(node.id)  # type: ignore[attr-defined]
            elif kind is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
                names.add(node.name)  # type: ignore[attr-defined]
            stack.extend(ast.iter_child_nodes(node))
            continue
        targets: list[ast.expr] = []
        if kind is ast.Assign or kind is ast.Delete:
            targets = node.targets  # type: ignore[attr-defined]
        elif kind is ast.AugAssign or kind is ast.AnnAssign:
            targets = [node.target]  # type: ignore[attr-defined]
        elif kind is ast.Global or kind is ast.Nonlocal:
            declared.update(node.names)  # type: ignore[attr-defined]
        elif kind in LOOP_NODES:
            if kind is not ast.While:
                targets = [node.target]  # type: ignore[attr-defined]
            stack.extend(node.body + node.orelse)  # type: ignore[attr-defined]
        elif kind in WITH_NODES:
            targets = [i.optional_vars for i in node.items if i.optional_vars is not None]  # type: ignore[attr-defined]
            stack.extend(node.body)  # type: ignore[attr-defined]
        elif kind is ast.If:
            stack.extend(node.body + node.orelse)  # type: ignore[attr-defined]
        elif kind in TRY_NODES:
            for handler in node.handlers:  # type: ignore[attr-defined]
                if handler.name:
                    names.add(handler.name)
                stack.extend(handler.body)
            stack.extend(node.body + node.orelse + node.finalbody)  # type: ignore[attr-defined]
        elif MATCH is not None and kind is MATCH:
            # (Only this walk takes ``case x:`` captures as bound: they are no ``Name`` nodes.)
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
            # (Every name in the target, ``a`` of ``a.b = 1`` too: hiding a use is the safe mistake.)
            _add_names(target, names)
    return names - declared


def _add_names(target: ast.AST, names: set[str]) -> None:
    """Add the ids of every ``Name`` node in ``target`` (those ``ast.walk`` would give, faster)."""
    stack = [target]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Name:
            names.add(node.id)  # type: ignore[attr-defined]
            continue
        for field in CHILD_FIELDS[kind]:
            value = getattr(node, field, None)
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)


class SourceIndex:
    """What a statement-only scope needs from the file: its imports by line, its lines for ``:=``."""

    def __init__(self, import_nodes: list[ast.stmt], lines: list[str], walrus: bool) -> None:
        self.imports = sorted(import_nodes, key=lambda n: n.lineno)
        self.import_lines = [n.lineno for n in self.imports]
        self.lines = lines
        self.walrus = walrus  # whether ``:=`` occurs in the file at all


def function_scope(
    function: ast.AST, body: list, index: Optional[SourceIndex] = None
) -> dict[str, Ref]:
    """The names a function or lambda binds: its own imports, every other binding shadowed.

    Without ``index``, the body's every expression is walked (for bindings,
    then again for imports). With the file's ``index`` (the use walk's hot
    path), only statements are walked and the body's imports are found among
    the file's by line.
    """
    scope = dict.fromkeys({a.arg for a in parameters(function.args)}, SHADOWED)  # type: ignore[attr-defined]
    if isinstance(function, ast.Lambda):
        return scope
    if index is None:
        for name in bound_names(body, expressions=True):
            scope.setdefault(name, SHADOWED)
        for statement in body:
            for inner in ast.walk(statement):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    scope.update(import_refs(inner))
        return scope
    names = bound_names(body, expressions=False)
    start, end = function.lineno, getattr(function, "end_lineno", None) or function.lineno  # type: ignore[attr-defined]
    if index.walrus:
        # ``:=`` binds inside expressions; a name before one anywhere in the body is
        # taken as bound (in a string too: hiding a use is the safe mistake).
        names.update(_WALRUS_RE.findall("\n".join(index.lines[start - 1:end])))
    for name in names:
        scope.setdefault(name, SHADOWED)
    at = bisect.bisect_left(index.import_lines, start)
    while at < len(index.import_lines) and index.import_lines[at] <= end:
        scope.update(import_refs(index.imports[at]))
        at += 1
    return scope


# --------------------------------------------------------------------------- resolution


class Definer(Protocol):
    """Define patterns (events.py): a call that makes an event, e.g. ``Signal()`` or ``signal("x")``."""

    def define(self, call: ast.Call, target: Optional[str], names: Names) -> Optional[Ref]:
        """Record a define site for ``call`` (assigned to ``target``); the topic it names, if any."""

    def define_attribute(self, call: ast.Call, target: str, names: Names) -> Optional[ast.expr]:
        """Record a define site for a class attribute ``Class.attr``; what the attribute then stands for."""

    def decorated(self, decorator: ast.Call, names: Names) -> Optional[Ref]:
        """The event a decorated function stands for (a faust agent's channel), if any."""

    @property
    def attribute_lines(self) -> list[int]:
        """Ascending lines of ``self.x = ...`` assignments that may bind an event."""


class Names:
    """Resolves names at one point of a walk: function scopes (innermost last) over the module's table.

    With a ``definer``, a call that defines a topic (``signal("x")``) names that
    topic; the use walk has none.
    """

    def __init__(
        self, module: dict[str, Ref], classes: dict[str, ClassBindings], definer: Optional[Definer] = None
    ) -> None:
        self.module = module
        self.classes = classes
        self.definer = definer
        self.scopes: list[dict[str, Ref]] = []  # pushed and popped by the walk
        self.class_stack: list[Optional[str]] = []  # the class whose methods the walk is in, if any

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
        topic = self.definer.define(call, None, self) if self.definer is not None else None
        if topic is not None:
            return topic
        ref = self.resolve(call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
        if ref is not None and not ref.topic and ref.event.rsplit(".", 1)[-1][:1].isupper():
            return ref
        return None

    def callee(self, func: ast.expr) -> tuple[str, ...]:
        """The names a call target goes by: as written and, through imports, as resolved."""
        written = dotted(func)
        if written is None:
            return ()
        if "()" in written:
            return (written,)
        ref = self.resolve(func)
        if ref is None or ref.own or ref.level or ref.topic or ref.event == written:
            return (written,)
        return (written, ref.event)


# --------------------------------------------------------------------------- the module's table


@dataclass(frozen=True)
class ModuleBindings:
    """One file's module-level names: what each refers to, its classes, and the ``Alias``es kept in facts."""

    names: dict[str, Ref]
    classes: dict[str, ClassBindings]
    aliases: tuple[Alias, ...]


def bind_module(tree: ast.Module, definer: Optional[Definer] = None) -> ModuleBindings:
    """The module-level bindings, in source order (if/try bodies included).

    With a ``definer`` (events are on), define sites found on the way are
    recorded by it (``X = Signal()``) and a name bound to a defined topic
    refers to the topic. The use walk reads the same table: there, a name
    bound to an attribute of such a call (``Y = signal("x").attr``) is unknown,
    where without events it would be the attribute of what ``signal`` is.
    """
    module: dict[str, Ref] = {}
    classes: dict[str, ClassBindings] = {}
    names = Names(module, classes, definer)
    aliases: dict[str, Alias] = {}
    for node in _module_statements(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for local, ref in import_refs(node):
                module[local] = ref
                aliases[local] = Alias(local, ref.event, ref.level)
        elif isinstance(node, DEFINITION_NODES):
            module[node.name] = Ref(node.name, own=True)
            aliases.pop(node.name, None)
            if isinstance(node, ast.ClassDef):
                classes[node.name] = _class_bindings(node, names)
            elif definer is not None:
                # A faust agent stands for its channel: ``count.send(...)`` publishes to it.
                for decorator in node.decorator_list:
                    channel = definer.decorated(decorator, names) if isinstance(decorator, ast.Call) else None
                    if channel is not None:
                        module[node.name] = channel
                        aliases[node.name] = Alias(node.name, channel.event, channel.level, channel.topic)
                        break
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound = [t.id for t in targets if isinstance(t, ast.Name)]
            if bound:
                _bind_assignment(names, bound, node.value, aliases)
    return ModuleBindings(module, classes, tuple(sorted(aliases.values(), key=_ALIAS_ORDER)))


def _module_statements(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements in source order, the bodies of ``if`` and ``try`` included."""
    ordered: list[ast.stmt] = []
    stack: list[list[ast.stmt]] = [tree.body]
    while stack:
        body = stack.pop()
        for index, node in enumerate(body):
            ordered.append(node)
            nested: list[list[ast.stmt]] = []
            if isinstance(node, ast.If):
                nested = [node.body, node.orelse]
            elif isinstance(node, TRY_NODES):
                nested = [node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody]
            if nested:
                stack.append(body[index + 1:])
                stack.extend(reversed(nested))
                break
    return ordered


def _bind_assignment(names: Names, bound: list[str], value: ast.expr, aliases: dict[str, Alias]) -> None:
    ref: Optional[Ref] = None
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        ref = Ref(value.value, topic=True)
    elif isinstance(value, (ast.Name, ast.Attribute)):
        ref = names.resolve(value)
    elif isinstance(value, ast.Call) and names.definer is not None:
        ref = names.definer.define(value, bound[0], names)
    for name in bound:
        if ref is None or ref is SHADOWED:
            names.module[name] = Ref(name, own=True)
            aliases.pop(name, None)
        else:
            names.module[name] = ref
            aliases[name] = Alias(name, ref.event, ref.level, ref.topic, ref.own)


def _class_bindings(node: ast.ClassDef, names: Names) -> ClassBindings:
    """A class's attributes: bound in its body, or as ``self.x = ...`` in one of its methods.

    With a definer, an attribute made by a define pattern (``sent = Signal()`` in the
    body, ``self.sent = Signal()`` in ``__init__``) is an event of its own, named
    ``Class.attr`` in this module, and ``self.sent`` resolves to it.
    """
    attributes: dict[str, ast.expr] = {}
    assigned: list[tuple[str, ast.expr]] = []
    for statement in node.body:
        if isinstance(statement, ast.Assign):
            assigned.extend((t.id, statement.value) for t in statement.targets if isinstance(t, ast.Name))
        # (Annotated class attributes, ``sig: Signal = signals.sent``, are not read.)
    # Only methods holding a ``self.x = ...`` line that names a pattern's call are read.
    lines = names.definer.attribute_lines if names.definer is not None else []
    for statement in node.body if lines else ():
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            at = bisect.bisect_left(lines, statement.lineno)
            if at == len(lines) or lines[at] > (statement.end_lineno or statement.lineno):
                continue
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Assign) and len(inner.targets) == 1:
                    target = inner.targets[0]
                    if (
                        isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        assigned.append((target.attr, inner.value))
    for name, value in assigned:
        if name in attributes:
            continue  # the body's binding, or the first method's
        if isinstance(value, (ast.Name, ast.Attribute)):
            attributes[name] = value
        elif isinstance(value, ast.Call) and names.definer is not None:
            made = names.definer.define_attribute(value, f"{node.name}.{name}", names)
            if made is not None:
                attributes[name] = made
    bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
    return attributes, bases
