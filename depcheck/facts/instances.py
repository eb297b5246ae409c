"""Which objects one file shows to be instances of which classes, for patterns with ``instance_of``.

``producer.send("orders")`` is a Kafka publish only when ``producer`` is a
Kafka client. The file shows that by constructing it (``producer =
KafkaProducer(...)``, ``self.producer = KafkaProducer(...)`` in any method of
the class, ``KafkaProducer(...).send(...)``) or by annotating it
(``producer: KafkaProducer``, a parameter ``producer: Optional[KafkaProducer]``,
``self.producer: AIOKafkaProducer``). Class names are resolved through the
file's imports, so a ``Producer`` of one's own is no Kafka client.

The result maps the ``id`` of each receiver expression (``producer`` in
``producer.send``) to the class it is an instance of; the walk of the same
tree looks its call's object up. A file that imports none of the classes'
packages is not walked.
"""

from __future__ import annotations

import ast
import fnmatch
import warnings
from collections.abc import Iterable
from typing import Optional

from depcheck.facts.bindings import import_refs
from depcheck.facts.syntax import FUNCTION_NODES, dotted, parameters

# A scope's instances: a local name, or ``self.attr`` spelled so, -> the class's dotted name.
Scope = dict[str, str]


def class_words(globs: Iterable[str]) -> set[str]:
    """The last names a file must mention for any of ``globs`` to name one of its classes."""
    return {glob.rsplit(".", 1)[-1].lstrip("*") for glob in globs}


class Instances:
    """Resolves class names through the file's imports and records typed receivers."""

    def __init__(self, import_nodes: list[ast.stmt], globs: tuple[str, ...]) -> None:
        self.globs = globs
        self.imports: dict[str, str] = {}
        for node in import_nodes:
            if not getattr(node, "level", 0):
                for local, ref in import_refs(node):
                    self.imports.setdefault(local, ref.event)
        self.receivers: dict[int, str] = {}
        # ``self.attr`` instances, by class name: set in any method, seen in every method.
        self.attributes: dict[str, Scope] = {}

    # ------------------------------------------------------------ classes

    def class_of(self, node: ast.expr) -> Optional[str]:
        """The dotted class ``node`` names, if it is one of the classes looked for."""
        written = dotted(node)
        if written is None or "()" in written:
            return None
        head, _, tail = written.partition(".")
        resolved = self.imports.get(head)
        if resolved is None:
            return None  # a class of this file, or a name nothing imports: not a client
        name = f"{resolved}.{tail}" if tail else resolved
        return name if any(fnmatch.fnmatchcase(name, g) for g in self.globs) else None

    def annotated(self, annotation: Optional[ast.expr]) -> Optional[str]:
        """The class an annotation names: ``C``, ``Optional[C]``, ``C | None``, ``"C"``."""
        if annotation is None:
            return None
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                with warnings.catch_warnings():  # the analysed code's warnings are not ours to print
                    warnings.simplefilter("ignore")
                    annotation = ast.parse(annotation.value, mode="eval").body
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return None
        for inner in ast.walk(annotation):
            if isinstance(inner, (ast.Name, ast.Attribute)):
                found = self.class_of(inner)
                if found is not None:
                    return found
        return None

    def constructed(self, value: Optional[ast.expr], scope: Scope) -> Optional[str]:
        """The class ``value`` is an instance of: ``C(...)``, or a name already known to be one."""
        if isinstance(value, ast.Call):
            return self.class_of(value.func)
        if isinstance(value, ast.Name):
            return scope.get(value.id)
        return None

    # ------------------------------------------------------------ the walk

    def read(self, tree: ast.Module) -> dict[int, str]:
        self._collect_attributes(tree)
        self._scope(tree.body, {}, None)
        return self.receivers

    def _collect_attributes(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            found: Scope = {}
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                    kind = self.annotated(statement.annotation) or self.constructed(statement.value, {})
                    if kind:
                        found[f"self.{statement.target.id}"] = kind
                if isinstance(statement, FUNCTION_NODES):
                    local = self._parameters(statement)
                    for inner in ast.walk(statement):
                        for target, kind in self._assigned(inner, local):
                            if target.startswith("self."):
                                found[target] = kind
            if found:
                self.attributes[node.name] = found

    def _parameters(self, function: ast.AST) -> Scope:
        scope: Scope = {}
        for argument in parameters(function.args):  # type: ignore[attr-defined]
            kind = self.annotated(argument.annotation)
            if kind:
                scope[argument.arg] = kind
        return scope

    def _assigned(self, node: ast.AST, scope: Scope) -> list[tuple[str, str]]:
        """``target = C(...)``, ``target: C``: each target (a name or ``self.attr``) and its class."""
        if isinstance(node, ast.Assign):
            targets, kind = node.targets, self.constructed(node.value, scope)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
            kind = self.annotated(node.annotation) or self.constructed(node.value, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            # ``async with AIOKafkaProducer(...) as producer``
            return [
                (item.optional_vars.id, kind) for item in node.items
                if isinstance(item.optional_vars, ast.Name)
                and (kind := self.constructed(item.context_expr, scope) or "")
            ]
        else:
            return []
        if not kind:
            return []
        found = []
        for target in targets:
            written = dotted(target) if isinstance(target, (ast.Name, ast.Attribute)) else None
            plain = written is not None and "." not in written
            if written and (plain or written.startswith("self.") and written.count(".") == 1):
                found.append((written, kind))
        return found

    def _scope(self, body: list[ast.stmt], outer: Scope, owner: Optional[str]) -> None:
        """One function's (or the module's) statements: its instances, then every receiver in it."""
        scope = dict(outer)
        scope.update(self.attributes.get(owner or "", {}))
        nested: list[tuple[ast.AST, Optional[str]]] = []
        todo: list[ast.AST] = list(body)
        nodes: list[ast.AST] = []
        while todo:
            node = todo.pop()
            if isinstance(node, FUNCTION_NODES):
                nested.append((node, owner))
                todo.extend(node.decorator_list)
                continue
            if isinstance(node, ast.ClassDef):
                nested.append((node, node.name))
                todo.extend(node.decorator_list)
                continue
            nodes.append(node)
            todo.extend(ast.iter_child_nodes(node))
        for node in nodes:
            for target, kind in self._assigned(node, scope):
                scope[target] = kind
        for node in nodes:
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                self._receiver(node.value, scope)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in scope:
                self.receivers[id(node)] = scope[node.id]  # ``@hookspec``: the instance called
        for node, method_of in nested:
            if isinstance(node, ast.ClassDef):
                self._scope(node.body, scope, node.name)
            else:
                inner = dict(scope)
                for argument in parameters(node.args):  # type: ignore[attr-defined]
                    inner.pop(argument.arg, None)
                inner.update(self._parameters(node))
                self._scope(node.body, inner, method_of)  # type: ignore[attr-defined]

    def _receiver(self, value: ast.expr, scope: Scope) -> None:
        if isinstance(value, ast.Call):
            kind = self.class_of(value.func)
        else:
            written = dotted(value) if isinstance(value, (ast.Name, ast.Attribute)) else None
            kind = scope.get(written) if written else None
        if kind:
            self.receivers[id(value)] = kind


def receiver_classes(
    tree: ast.Module, import_nodes: list[ast.stmt], globs: tuple[str, ...]
) -> dict[int, str]:
    """``id`` of each receiver expression the file shows to be an instance of a class in ``globs``.

    A class is named through an import of its package (``kafka``, ``aiokafka``, ...): a file
    that imports none of them is not walked.
    """
    roots = {glob.split(".", 1)[0] for glob in globs}
    imported = set()
    for node in import_nodes:
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".", 1)[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            imported.add(node.module.split(".", 1)[0])
    if not roots & imported:
        return {}
    return Instances(import_nodes, globs).read(tree)
