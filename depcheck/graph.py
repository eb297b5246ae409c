"""Resolve extracted facts into a module dependency graph.

Edge targets follow grimp's conventions so results can be compared with it:

* ``import a.b.c`` depends on ``a.b.c`` (not on ``a`` or ``a.b``);
* ``from a import b`` depends on ``a.b`` when that is a module, else on ``a``;
* an internal name that resolves to no file depends on its nearest existing
  parent package;
* imports of anything outside the analysed packages are kept as *external*
  dependencies (for ``forbidden`` rules), not as nodes of the architecture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional

from depcheck.model import Evidence, FileFacts, ImportFact, ParseFailure, SourceFile

if TYPE_CHECKING:
    import networkx as nx

Adjacency = Mapping[str, Mapping[str, tuple[Evidence, ...]]]
Keep = Callable[[Evidence], bool]


@dataclass(frozen=True)
class Resolved:
    target: str
    external: bool


def relative_base(module: SourceFile, fact: ImportFact) -> Optional[str]:
    """The absolute module a from-import refers to, or None when it climbs above the top."""
    if fact.level == 0:
        return fact.module
    parts = module.module.split(".")
    if not module.is_package:
        parts = parts[:-1]
    climb = fact.level - 1
    if climb >= len(parts):
        return None
    parts = parts[: len(parts) - climb]
    if fact.module:
        parts.append(fact.module)
    return ".".join(parts)


class Resolver:
    """Maps import facts to module names, given the set of analysed modules."""

    def __init__(self, modules: Iterable[str], packages: Iterable[str]) -> None:
        self.modules = frozenset(modules)
        self.packages = tuple(packages)

    def is_internal(self, name: str) -> bool:
        return any(name == p or name.startswith(p + ".") for p in self.packages)

    def nearest(self, name: str) -> Optional[str]:
        while name:
            if name in self.modules:
                return name
            name = name.rpartition(".")[0]
        return None

    def resolve(self, module: SourceFile, fact: ImportFact) -> list[Resolved]:
        base = relative_base(module, fact)
        if base is None or not base:
            return []
        if not fact.is_from:
            candidates = [base]
        else:
            candidates = []
            for name in fact.names:
                full = f"{base}.{name}"
                candidates.append(full if name != "*" and full in self.modules else base)
        result: list[Resolved] = []
        for candidate in dict.fromkeys(candidates):
            if self.is_internal(candidate):
                target = self.nearest(candidate)
                if target is not None and target != module.module:
                    result.append(Resolved(target, False))
            else:
                result.append(Resolved(base if fact.is_from else candidate, True))
        return result


@dataclass
class DependencyGraph:
    """Modules of the analysed packages and the evidence of every dependency between them.

    ``edges`` maps (from, to) to its evidence, sorted by pair. The networkx
    view, ``graph``, is built on first use: importing networkx costs more
    start-up time than a whole cached run, and the rules do not need it.
    """

    files: dict[str, SourceFile]
    edges: dict[tuple[str, str], tuple[Evidence, ...]]
    external: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    parse_failures: dict[str, ParseFailure] = field(default_factory=dict)
    _nx: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def modules(self) -> list[str]:
        return sorted(self.files)

    @property
    def graph(self) -> nx.DiGraph:
        if self._nx is None:
            import networkx as nx

            graph = nx.DiGraph()
            graph.add_nodes_from(self.files)
            for (source, target), evidence in self.edges.items():
                graph.add_edge(source, target, evidence=evidence)
            self._nx = graph
        return self._nx

    def number_of_edges(self) -> int:
        return len(self.edges)

    def evidence(self, source: str, target: str) -> tuple[Evidence, ...]:
        return self.edges[source, target]

    def adjacency(self, keep: Optional[Keep] = None) -> dict[str, dict[str, tuple[Evidence, ...]]]:
        """Successors with their evidence, dropping the evidence ``keep`` rejects.

        An edge none of whose evidence is kept disappears: that is how
        suppressions and exceptions take a dependency out of a rule's view
        before paths are searched.
        """
        result: dict[str, dict[str, tuple[Evidence, ...]]] = {m: {} for m in self.files}
        for (source, target), evidence in self.edges.items():
            kept = evidence if keep is None else tuple(e for e in evidence if keep(e))
            if kept:
                result[source][target] = kept
        return result

    def external_evidence(self, keep: Optional[Keep] = None) -> Mapping[str, tuple[Evidence, ...]]:
        if keep is None:
            return self.external
        return {m: kept for m, ev in self.external.items() if (kept := tuple(e for e in ev if keep(e)))}


def build_graph(
    files: Iterable[SourceFile],
    facts: Mapping[str, FileFacts],
    packages: Iterable[str],
    *,
    type_checking_imports: bool = True,
) -> DependencyGraph:
    """The module graph; ``facts`` is keyed by module name."""
    by_module = {f.module: f for f in sorted(files, key=lambda f: f.module)}
    resolver = Resolver(by_module, packages)
    edges: dict[tuple[str, str], list[Evidence]] = {}
    external: dict[str, list[Evidence]] = {}
    failures: dict[str, ParseFailure] = {}
    for name, source in by_module.items():
        file_facts = facts.get(name)
        if file_facts is None:
            continue
        if file_facts.error is not None:
            failures[name] = file_facts.error
        for fact in file_facts.imports:
            if fact.type_checking and not type_checking_imports:
                continue
            for resolved in resolver.resolve(source, fact):
                evidence = Evidence(
                    source.path, fact.line, fact.column, name, resolved.target, "import", fact.text
                )
                if resolved.external:
                    external.setdefault(name, []).append(evidence)
                else:
                    edges.setdefault((name, resolved.target), []).append(evidence)
    return DependencyGraph(
        files=by_module,
        edges={pair: tuple(sorted(set(evidence))) for pair, evidence in sorted(edges.items())},
        external={m: tuple(sorted(set(ev))) for m, ev in sorted(external.items())},
        parse_failures=failures,
    )
