"""One file's event sites: publish, consume and define calls matched by the event patterns.

The event of a site is resolved as far as the file allows (through
``Names``): a topic string, a name of this module, a relative or an absolute
name. Which object it finally is, and who owns it, is decided in graph.py.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterable
from typing import Optional

from depcheck.facts.bindings import ModuleBindings, Names, Ref
from depcheck.facts.prefilter import site_statements
from depcheck.facts.syntax import line_text, positional
from depcheck.facts.walk import walk
from depcheck.model import EventSite
from depcheck.patterns import DEFINE, PUBLISH, EventPattern


class EventMatcher:
    """Matches calls against the patterns and records the sites found (also while binding)."""

    def __init__(
        self, patterns: tuple[EventPattern, ...], lines: list[str], receivers: Optional[dict[int, str]] = None
    ) -> None:
        self.lines = lines
        # ``id`` of each receiver expression the file shows to be an instance of an
        # ``instance_of`` class (instances.py), and that class.
        self.receivers = receivers or {}
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
        self.sites: list[EventSite] = []

    @property
    def definer(self) -> Optional[EventMatcher]:
        """This matcher as ``Names``' definer, when there are define patterns."""
        return self if self.defines else None

    def define(self, call: ast.Call, target: Optional[str], names: Names) -> Optional[Ref]:
        """A define site for ``call`` if a define pattern matches; the topic it names, if any."""
        candidates = [p for p in self._candidates(call.func, names) if p.kind == DEFINE]
        callee = names.callee(call.func) if candidates else ()
        for pattern in candidates:
            if not _matches(pattern, callee) or not self._on_instance(pattern, call):
                continue
            if "target" in pattern.event:
                if target is not None:
                    self._site(call, DEFINE, Ref(target, own=True), pattern)
                    return None
                continue
            for expr in _place(pattern, call):
                if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                    ref = Ref(expr.value, topic=True)
                    self._site(call, DEFINE, ref, pattern, named=target is not None)
                    return ref
        return None

    def match_call(self, call: ast.Call, names: Names) -> None:
        candidates = self._candidates(call.func, names)
        if not candidates:
            return
        callee = names.callee(call.func)
        if not callee:
            return
        for pattern in candidates:
            if pattern.kind == DEFINE or not _matches(pattern, callee):
                continue
            if not self._on_instance(pattern, call):
                continue
            for expr in _place(pattern, call):
                ref = names.resolve(expr)
                if ref is not None and ref.event and not (pattern.accepts == "topic" and ref.own):
                    self._site(call, pattern.kind, ref, pattern)
        if self.defines:
            self.define(call, None, names)

    def _on_instance(self, pattern: EventPattern, call: ast.Call) -> bool:
        """Whether the call's object is shown to be an instance the pattern asks for (if it asks)."""
        if not pattern.instance_of:
            return True
        if not isinstance(call.func, ast.Attribute):
            return False
        kind = self.receivers.get(id(call.func.value))
        return kind is not None and any(fnmatch.fnmatchcase(kind, glob) for glob in pattern.instance_of)

    def _candidates(self, func: ast.expr, names: Names) -> list[EventPattern]:
        """The patterns a call could match, judged by its last name (also through an import alias)."""
        if isinstance(func, ast.Attribute):
            words = [func.attr]
        elif isinstance(func, ast.Name):
            words = [func.id]
            ref = names.lookup(func.id)
            if ref is not None and not ref.topic:
                words.append(ref.event.rsplit(".", 1)[-1])
        else:
            return []
        found = [entry for word in dict.fromkeys(words) for entry in self.index.get(word, ())]
        return [pattern for _, pattern in sorted(found + self.wild, key=lambda e: e[0])]

    def _site(
        self, node: ast.expr, kind: str, ref: Ref, pattern: EventPattern, *, named: bool = False
    ) -> None:
        line = node.lineno
        self.sites.append(EventSite(
            line, node.col_offset + 1, kind, ref.event, ref.topic, ref.level, ref.own, pattern.name,
            line_text(self.lines, line), named,
        ))


def _matches(pattern: EventPattern, callee: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern.call) for name in callee)


def _place(pattern: EventPattern, call: ast.Call) -> list[ast.expr]:
    """The expressions that name the event, from the first of the pattern's places the call has."""
    for place in pattern.event:
        found: list[ast.expr] = []
        if place.startswith("arg:"):
            argument = positional(call, int(place[4:]))
            found = [argument] if argument is not None else []
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


def find_sites(
    tree: ast.Module, text: str, patterns: tuple[EventPattern, ...], bindings: ModuleBindings,
    matcher: EventMatcher,
) -> tuple[EventSite, ...]:
    """The sites ``matcher`` found while binding, and those of one walk over the file's calls."""
    statements = site_statements(text, patterns, bindings.aliases)
    if statements is not None:
        names = Names(bindings.names, bindings.classes, matcher.definer)

        def visit(node: ast.AST) -> Iterable[ast.AST]:
            if isinstance(node, ast.Call):
                matcher.match_call(node, names)
            return ast.iter_child_nodes(node)

        def decorator(expr: ast.expr) -> None:
            # ``@sig.connect`` is ``sig.connect(handler)``: a call with the handler as its argument.
            if isinstance(expr, (ast.Name, ast.Attribute)):
                matcher.match_call(
                    ast.Call(func=expr, args=[], keywords=[], lineno=expr.lineno, col_offset=expr.col_offset),
                    names,
                )

        walk(tree, names, visit, statements, decorator=decorator)
    return tuple(matcher.sites)
