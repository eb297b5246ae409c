"""One file's event sites: publish, consume and define calls matched by the event patterns.

The event of a site is resolved as far as the file allows (through
``Names``): a topic string, a name of this module, a relative or an absolute
name. Which object it finally is, and who owns it, is decided in graph.py.
"""

from __future__ import annotations

import ast
import fnmatch
import re
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
        self,
        patterns: tuple[EventPattern, ...],
        lines: list[str],
        receivers: Optional[dict[int, str]] = None,
        text: str = "",
    ) -> None:
        self.lines = lines
        # ``id`` of each receiver expression the file shows to be an instance of an
        # ``instance_of`` class (instances.py), and that class.
        self.receivers = receivers or {}
        # A pattern asking for instances of classes this file shows none of can match nothing here.
        kinds = set(self.receivers.values())
        patterns = tuple(
            p for p in patterns
            if not p.instance_of or any(fnmatch.fnmatchcase(k, g) for k in kinds for g in p.instance_of)
        )
        self.patterns = patterns  # those that can match in this file
        self.defines = [p for p in patterns if p.kind == DEFINE and "function" not in p.event]
        # Patterns by the last name of their call glob, so each call only tries its own; a glob
        # whose last name is not spelled out by another name it spells (``*.hook.*``: ``hook``).
        self.index: dict[str, list[tuple[int, EventPattern]]] = {}
        self.by_part: dict[str, list[tuple[int, EventPattern]]] = {}
        self.wild: list[tuple[int, EventPattern]] = []
        for position, pattern in enumerate(patterns):
            last = pattern.call.rsplit(".", 1)[-1]
            if last.isidentifier():
                self.index.setdefault(last, []).append((position, pattern))
            elif pattern.exact_word:
                self.by_part.setdefault(pattern.word, []).append((position, pattern))
            else:
                self.wild.append((position, pattern))
        # Patterns whose event is the decorated function's name (``@hookimpl def startup``).
        self.by_function = any("function" in p.event for p in patterns)
        self.sites: list[EventSite] = []
        self.text = text
        self.words = {p.word for p in patterns if p.word}
        self._attribute_lines: Optional[list[int]] = None

    @property
    def attribute_lines(self) -> list[int]:
        """Lines of ``self.x = ...`` naming a pattern's call, found when a class first asks."""
        if self._attribute_lines is None:
            self._attribute_lines = _attribute_lines(self.text, self.words) if self.text else []
        return self._attribute_lines

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
                # ``app.topic("clicks")``, or a constant naming it: ``app.topic(CLICKS)``,
                # ``app.topic(topics.CLICKS)`` (an imported name, resolved in graph.py).
                ref: Optional[Ref] = None
                if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
                    ref = Ref(expr.value, topic=True)
                elif isinstance(expr, (ast.Name, ast.Attribute)):
                    ref = names.resolve(expr)
                    if ref is not None and not ref.topic and (ref.own or pattern.accepts != "topic"):
                        ref = None
                if ref is None or not ref.event:
                    continue
                self._site(call, DEFINE, ref, pattern, named=target is not None)
                return ref
        return None

    def decorated(self, decorator: ast.Call, names: Names) -> Optional[Ref]:
        """The channel of ``@app.agent(channel)``: what the agent's ``send``/``ask``/``cast`` publish to."""
        candidates = [p for p in self._candidates(decorator.func, names) if p.names_function]
        if not candidates:
            return None
        callee = names.callee(decorator.func)
        for pattern in candidates:
            if not _matches(pattern, callee) or not self._on_instance(pattern, decorator):
                continue
            for expr in _place(pattern, decorator):
                ref = names.resolve(expr)
                if ref is not None and ref.event and (ref.topic or not ref.own):
                    return ref
        return None

    def define_attribute(self, call: ast.Call, target: str, names: Names) -> Optional[ast.expr]:
        """A class attribute a define pattern makes: the topic it names, or the object ``Class.attr``."""
        before = len(self.sites)
        topic = self.define(call, target, names)
        if topic is not None:
            return ast.Constant(topic.event)
        if len(self.sites) == before:
            return None
        owner, _, attr = target.partition(".")
        return ast.Attribute(value=ast.Name(id=owner, ctx=ast.Load()), attr=attr, ctx=ast.Load())

    def match_call(self, call: ast.Call, names: Names, function: Optional[ast.AST] = None) -> None:
        """Record the sites of ``call``; with ``function``, ``call`` is its decorator and only the
        patterns whose event is the decorated function's name are tried."""
        candidates = [
            p for p in self._candidates(call.func, names) if ("function" in p.event) == (function is not None)
        ]
        if not candidates:
            return
        callee = names.callee(call.func)
        if not callee:
            return
        # A saved bound method, ``send_prerun = signals.task_prerun.send`` then
        # ``send_prerun(...)``: the call's object is what the method was taken from.
        bound_object: Optional[Ref] = None
        saved = _saved_method(call.func, names)
        if saved is not None:
            if saved.event and not saved.topic and "." in saved.event:
                bound_object = saved._replace(event=saved.event.rpartition(".")[0])
                callee = (*callee, saved.event)
        for pattern in candidates:
            if pattern.kind == DEFINE and function is None or not _matches(pattern, callee):
                continue
            if not self._on_instance(pattern, call):
                continue
            if function is not None:
                # A module-level function names its hook as ``T = app.topic("t")`` names a topic.
                named = not names.scopes and not names.class_stack
                # A name given in the decorator (``@hookimpl(specname="x")``) before the function's.
                given = [e.value for e in _place(pattern, call) if isinstance(e, ast.Constant)]
                ref = Ref(given[0] if given and isinstance(given[0], str) else getattr(function, "name", ""),
                          topic=True)
                if ref.event:
                    self._site(call, pattern.kind, ref, pattern, named=named and pattern.kind == DEFINE)
                continue
            if bound_object is not None and "object" in pattern.event:
                refs = [bound_object]
            else:
                refs = [names.resolve(expr) for expr in _place(pattern, call)]
            for ref in refs:
                if ref is not None and ref.event and not (pattern.accepts == "topic" and ref.own):
                    self._site(call, pattern.kind, ref, pattern)
        if self.defines and function is None:
            self.define(call, None, names)

    def _on_instance(self, pattern: EventPattern, call: ast.Call) -> bool:
        """Whether the call's object is shown to be an instance the pattern asks for (if it asks)."""
        if not pattern.instance_of:
            return True
        # ``producer.send(...)``: the object; ``@hookspec``, ``hookspec(...)``: the callee itself.
        held = call.func.value if isinstance(call.func, ast.Attribute) else call.func
        kind = self.receivers.get(id(held))
        return kind is not None and any(fnmatch.fnmatchcase(kind, glob) for glob in pattern.instance_of)

    def _candidates(self, func: ast.expr, names: Names) -> list[EventPattern]:
        """The patterns a call could match, judged by its last name (also through an import alias)."""
        if isinstance(func, ast.Attribute):
            words = [func.attr]
            saved = _saved_method(func, names)
            if saved is not None and not saved.topic:
                words.append(saved.event.rsplit(".", 1)[-1])
        elif isinstance(func, ast.Name):
            words = [func.id]
            ref = names.lookup(func.id)
            if ref is not None and not ref.topic:
                words.append(ref.event.rsplit(".", 1)[-1])
        else:
            return []
        found = [entry for word in dict.fromkeys(words) for entry in self.index.get(word, ())]
        if self.by_part:
            parts = set()
            node = func
            while isinstance(node, ast.Attribute):
                node = node.value
                if isinstance(node, ast.Attribute):
                    parts.add(node.attr)
                elif isinstance(node, ast.Name):
                    parts.add(node.id)
            found.extend(entry for part in parts for entry in self.by_part.get(part, ()))
        return [pattern for _, pattern in sorted(found + self.wild, key=lambda e: e[0])]

    def _site(
        self, node: ast.expr, kind: str, ref: Ref, pattern: EventPattern, *, named: bool = False
    ) -> None:
        line = node.lineno
        self.sites.append(EventSite(
            line, node.col_offset + 1, kind, ref.event, ref.topic, ref.level, ref.own, pattern.name,
            line_text(self.lines, line), named,
        ))


def _attribute_lines(text: str, words: set[str]) -> list[int]:
    """Lines of ``self.x = ...`` assignments that mention a pattern's name (``self.sent = Signal()``,
    ``self._send = sig.send``): the only method statements class bindings must read."""
    if "self." not in text or not words:
        return []
    alternatives = "|".join(re.escape(w) for w in sorted(words))
    finder = re.compile(rf"^[ \t]*self\.\w+[ \t]*=[^=\n][^\n]*\b(?:{alternatives})\b", re.MULTILINE)
    found, line, last = [], 1, 0
    for match in finder.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        found.append(line)
    return found


def _saved_method(func: ast.expr, names: Names) -> Optional[Ref]:
    """What a called name stands for (``send`` after ``send = sig.send``; ``self._send`` after
    ``self._send = sig.send`` in a method), else None."""
    if isinstance(func, ast.Name):
        return names.lookup(func.id)
    if (
        isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"
        and names.class_stack and names.class_stack[-1] is None
    ):
        return names.resolve(func)
    return None


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
        elif place == "method" and isinstance(call.func, ast.Attribute):
            found = [ast.Constant(call.func.attr)]
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


def bind_saved_methods(names: Names, body: list[ast.stmt]) -> None:
    """In a function's scope (innermost), ``send = sig.send`` binds ``send`` to ``sig.send``
    when it is the name's only binding there, so ``send(...)`` is ``sig.send(...)``."""
    scope = names.scopes[-1]
    stores: dict[str, int] = {}
    saved: dict[str, ast.expr] = {}
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            stores[node.id] = stores.get(node.id, 0) + 1
        elif (
            isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Attribute)
        ):
            saved[node.targets[0].id] = node.value
        stack.extend(ast.iter_child_nodes(node))
    for name, value in saved.items():
        if stores.get(name) == 1:
            ref = names.resolve(value)
            if ref is not None and not ref.topic:
                scope[name] = ref


def find_sites(
    tree: ast.Module, text: str, patterns: tuple[EventPattern, ...], bindings: ModuleBindings,
    matcher: EventMatcher,
) -> tuple[EventSite, ...]:
    """The sites ``matcher`` found while binding, and those of one walk over the file's calls."""
    statements = site_statements(text, matcher.patterns, bindings.aliases, matcher.lines)
    if statements is not None:
        names = Names(bindings.names, bindings.classes, matcher.definer)

        def visit(node: ast.AST) -> Iterable[ast.AST]:
            if isinstance(node, ast.Call):
                matcher.match_call(node, names)
            return ast.iter_child_nodes(node)

        def decorator(expr: ast.expr, definition: ast.AST) -> None:
            # ``@sig.connect`` is ``sig.connect(handler)``: a call with the handler as its argument.
            call: Optional[ast.Call] = expr if isinstance(expr, ast.Call) else None
            if isinstance(expr, (ast.Name, ast.Attribute)):
                call = ast.Call(
                    func=expr, args=[], keywords=[], lineno=expr.lineno, col_offset=expr.col_offset
                )
                matcher.match_call(call, names)
            # (A call decorator's other sites are found when the walk visits it.)
            if call is not None and matcher.by_function:
                matcher.match_call(call, names, definition)

        def bind(scope_names: Names, body: list[ast.stmt]) -> None:
            if body and statements.saves_in(body[0].lineno, getattr(body[-1], "end_lineno", None) or 0):
                bind_saved_methods(scope_names, body)

        walk(tree, names, visit, statements, decorator=decorator, bind=bind)
    return tuple(matcher.sites)
