"""One file's uses of names imported from the analysed packages, its dynamic loads, its app labels.

A name is followed only while it still means the import: the walk's
function scopes hide it behind a parameter or local assignment of the same
name. A use keeps the import's line, so a suppression there covers it.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from bisect import bisect_left
from typing import Optional

from depcheck.facts.bindings import ModuleBindings, Names, Ref, SourceIndex, import_refs
from depcheck.facts.prefilter import use_statements
from depcheck.facts.syntax import CHILD_FIELDS, dotted, field_order, line_text, positional, string
from depcheck.facts.walk import walk
from depcheck.model import AppLabel, Use, UseSettings

_DJANGO_FIELDS = ("ForeignKey", "ManyToManyField", "OneToOneField")
# The names a dynamic load's call has on its line, for the prefilter.
_DYNAMIC_WORDS = ("import_module", "__import__")
_MODEL_WORDS = ("get_model", *_DJANGO_FIELDS)
_DOTTED_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_MODEL_REF_RE = re.compile(r"^([A-Za-z_]\w*)\.[A-Za-z_]\w*$")
_USE_ORDER = field_order(Use)
_JOINED_STR = ast.JoinedStr


def find_uses(
    tree: ast.Module, text: str, lines: list[str], import_nodes: list[ast.stmt],
    bindings: ModuleBindings, settings: UseSettings,
) -> tuple[tuple[Use, ...], tuple[AppLabel, ...]]:
    """The file's uses and dynamic loads (one walk over the statements that may hold one), its app labels."""
    apps = tuple(sorted(set(app_labels(tree)))) if settings.django_models else ()
    internal = _Internal(settings.packages)
    imported: set[str] = set()  # names that may be bound to an import from the packages
    if settings.uses:
        imported.update(
            local for node in import_nodes for local, ref in import_refs(node) if internal(ref)
        )
        imported.update(
            name for name, ref in bindings.names.items()
            if ref.line and not ref.own and internal(ref)
        )
    words: set[str] = set()
    if settings.dynamic_imports:
        words.update(_DYNAMIC_WORDS)
    if settings.django_models:
        words.update(_MODEL_WORDS)
    statements = use_statements(text, imported, words, settings.loaders, import_nodes)
    if statements is None:
        return (), apps
    names = Names(bindings.names, bindings.classes)
    walker = _UseWalk(names, lines, settings, imported, internal, statements.hit_lines, text.isascii())
    index = SourceIndex(import_nodes, lines, walrus=":=" in text)
    walk(tree, names, walker.visit, statements, index=index, annotations=True)
    return tuple(sorted(set(walker.found), key=_USE_ORDER)), apps


class _Internal:
    """Whether a reference is to the analysed packages: relative, or one of them or below one."""

    def __init__(self, packages: tuple[str, ...]) -> None:
        self.packages = frozenset(packages)
        self.prefixes = tuple(p + "." for p in packages)

    def __call__(self, ref: Ref) -> bool:
        return bool(ref.level) or ref.event in self.packages or ref.event.startswith(self.prefixes)


class _UseWalk:
    """Records uses and dynamic loads at each node the walk visits."""

    def __init__(
        self, names: Names, lines: list[str], settings: UseSettings, imported: set[str], internal: _Internal,
        hit_lines: Optional[list[int]] = None, ascii: bool = False,
    ) -> None:
        self.names = names
        self.internal = internal
        self.lines = lines
        self.settings = settings
        self.imported = imported
        self.dynamic = settings.dynamic_imports or bool(settings.loaders) or settings.django_models
        self.found: list[Use] = []
        self.called: set[int] = set()  # ids of the func nodes of calls seen
        # The lines expressions are skipped by (None: none is): not for dynamic loads, whose
        # call may be an alias (``from importlib import import_module as load``) on no hit line,
        # nor in non-ASCII text, where a name's NFKC spelling need not be on a hit line.
        self.hit_lines = hit_lines if not self.dynamic and ascii else None

    def visit(self, node: ast.AST) -> list[ast.AST]:
        """Record what ``node`` holds; the statements and lambdas in it, for the walk.

        One loop over the node's expressions (the walk's hot path); the walk
        admits the statements and gives lambdas their own scope.
        """
        return self._record(node, self.hit_lines)

    def _record(self, node: ast.AST, hit_lines: Optional[list[int]]) -> list[ast.AST]:
        """``visit``, skipping the expressions none of whose lines is in ``hit_lines`` (when given).

        A use is a ``Name`` node on a hit line, and so is in every expression that
        holds it: an expression with no hit line holds none (statements are left
        to the walk, which admits them by their decorators' lines too).
        """
        pending: list[ast.AST] = []
        imported, called, dynamic = self.imported, self.called, self.dynamic
        name_kind, attribute_kind, call_kind, constant_kind = ast.Name, ast.Attribute, ast.Call, ast.Constant
        load, lambda_kind, statement, node_kind = ast.Load, ast.Lambda, ast.stmt, ast.AST
        hits = len(hit_lines) if hit_lines is not None else 0
        if hit_lines is not None and not isinstance(node, statement):
            # A decorator, default, annotation or base the walk hands over.
            start = getattr(node, "lineno", None)
            if start is not None:
                at = bisect_left(hit_lines, start)
                if at == hits or hit_lines[at] > (node.end_lineno or start):  # type: ignore[attr-defined]
                    return pending
        stack: list[ast.AST] = [node]
        pop, push = stack.pop, stack.append
        while stack:
            node = pop()
            kind = type(node)
            if kind is name_kind:
                if node.id in imported and type(node.ctx) is load:  # type: ignore[attr-defined]
                    self._use(node, node.id, [])  # type: ignore[attr-defined]
                continue
            if kind is attribute_kind:
                root = node
                attrs: list[str] = []
                while type(root) is attribute_kind:
                    attrs.append(root.attr)  # type: ignore[attr-defined]
                    root = root.value  # type: ignore[attr-defined]
                if type(root) is name_kind:
                    if root.id in imported:  # type: ignore[attr-defined]
                        self._use(node, root.id, attrs)  # type: ignore[attr-defined]
                    continue
            elif kind is call_kind:
                called.add(id(node.func))  # type: ignore[attr-defined]
                if dynamic:
                    self._dynamic(node)  # type: ignore[arg-type]
            elif kind is constant_kind:
                continue
            elif kind is _JOINED_STR and hit_lines is not None:
                # Before 3.12 the nodes inside an f-string may carry wrong lines: walked whole.
                pending.extend(self._record(node, None))
                continue
            # Only the children of a node on several lines can be on lines without a hit.
            start = getattr(node, "lineno", None)
            check = hit_lines is not None and (start is None or start != node.end_lineno)  # type: ignore[attr-defined]
            # The children, as ``ast.iter_child_nodes`` gives them, but the fields that hold none.
            for field in CHILD_FIELDS[kind]:
                value = getattr(node, field, None)
                for child in value if type(value) is list else (value,):
                    if isinstance(child, node_kind):
                        if check and not isinstance(child, statement):
                            start = getattr(child, "lineno", None)
                            if start is not None:
                                at = bisect_left(hit_lines, start)  # type: ignore[arg-type]
                                if at == hits or hit_lines[at] > (child.end_lineno or start):  # type: ignore
                                    continue
                        if isinstance(child, statement) or type(child) is lambda_kind:
                            pending.append(child)
                        else:
                            push(child)
        return pending

    def _use(self, node: ast.AST, root: str, attrs: list[str]) -> None:
        ref = self.names.lookup(root)
        if ref is None or not ref.line or ref.topic or ref.own or not self.internal(ref):
            return
        name = ".".join([ref.event, *reversed(attrs)])
        kind = "call" if id(node) in self.called else "use"
        self._add(node, kind, name, ref.level, ref.event, ref.line)

    def _add(self, node: ast.AST, kind: str, name: str, level: int = 0, bound: str = "",
             import_line: int = 0) -> None:
        line = node.lineno  # type: ignore[attr-defined]
        text = line_text(self.lines, line)
        self.found.append(Use(line, node.col_offset + 1, kind, name, level, bound, import_line, text))  # type: ignore[attr-defined]

    # ------------------------------------------------------------ dynamic loads

    def _dynamic(self, call: ast.Call) -> None:
        names = self.names.callee(call.func)
        if not names:
            return
        last = names[0].rsplit(".", 1)[-1]
        settings = self.settings
        if settings.dynamic_imports:
            function = (
                self.names.resolve(call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
            )
            if function is not None and function.line and function.event == "importlib.import_module":
                self._import_module(call)
            elif names == ("__import__",) and self.names.lookup("__import__") is None:
                module = string(positional(call, 0))
                if module and _DOTTED_RE.match(module):
                    self._add(call, "dynamic-import", module)
        for loader in settings.loaders:
            if "." in loader.call:
                hit = any(fnmatch.fnmatchcase(name, loader.call) for name in names)
            else:
                hit = fnmatch.fnmatchcase(last, loader.call)
            if hit:
                module = string(positional(call, loader.module_arg))
                if module and _DOTTED_RE.match(module):
                    self._add(call, "string-loader", loader.prefix + module)
        if settings.django_models:
            label = None
            if last == "get_model":
                first, second = string(positional(call, 0)), string(positional(call, 1))
                if first and second and first.isidentifier():
                    label = first
                elif first and second is None and len(call.args) == 1:
                    match = _MODEL_REF_RE.match(first)
                    label = match.group(1) if match else None
            elif last in _DJANGO_FIELDS:
                target = positional(call, 0)
                if target is None:
                    target = next((k.value for k in call.keywords if k.arg == "to"), None)
                match = _MODEL_REF_RE.match(string(target) or "")
                label = match.group(1) if match else None
            if label:
                self._add(call, "django-model", label)

    def _import_module(self, call: ast.Call) -> None:
        module = string(positional(call, 0))
        if not module:
            return
        dots = len(module) - len(module.lstrip("."))
        rest = module[dots:]
        if rest and not _DOTTED_RE.match(rest):
            return
        if not dots:
            self._add(call, "dynamic-import", module)
            return
        package_node = positional(call, 1)
        if package_node is None:
            package_node = next((k.value for k in call.keywords if k.arg == "package"), None)
        package = string(package_node)
        if package and _DOTTED_RE.match(package):
            parts = package.split(".")
            if dots - 1 < len(parts):
                base = parts[: len(parts) - (dots - 1)]
                self._add(call, "dynamic-import", ".".join(base + ([rest] if rest else [])))
        elif isinstance(package_node, ast.Name) and package_node.id == "__package__":
            # Relative to this module's package: resolved like a relative import, in graph.py.
            self._add(call, "dynamic-import", rest, level=dots)


def app_labels(tree: ast.Module) -> list[AppLabel]:
    """Django ``AppConfig``-like classes at module level: their label and package."""
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [dotted(b) or "" for b in node.bases]
        if not any(b.rsplit(".", 1)[-1].endswith("Config") for b in bases):
            continue
        values: dict[str, str] = {}
        for statement in node.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], string(statement.value)
                if isinstance(target, ast.Name) and value is not None:
                    values[target.id] = value
        package = values.get("name", "")
        if _DOTTED_RE.match(package):
            label = values.get("label") or package.rsplit(".", 1)[-1]
            if label.isidentifier():
                found.append(AppLabel(label, package))
    return found
