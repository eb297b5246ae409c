"""``depcheck explain A B``: every dependency path from A to B, shortest first.

A and B are modules or components (a name matches the module and everything
inside it). A path starts at the last module of A it leaves and ends at the
first module of B it reaches: hops inside A or onward inside B say nothing
about why A depends on B. Paths are simple (no module twice) and found in
order of length (Yen's algorithm, via networkx), so the first one is the
shortest explanation and the first hop of each is where it could be cut.
The paths are drawn by ``report/paths.py``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx

from depcheck.graph import DependencyGraph
from depcheck.model import Evidence, matches

_START, _END = "\x00start", "\x00end"


@dataclass(frozen=True)
class Path:
    """One dependency path between two modules, with each hop's evidence."""

    modules: tuple[str, ...]
    hops: tuple[tuple[Evidence, ...], ...]  # evidence of each hop, in order


def module_names(graph: DependencyGraph, name: str) -> list[str]:
    return [m for m in graph.modules if matches(m, name)]


def dependency_paths(graph: DependencyGraph, source: str, target: str, limit: int) -> list[Path]:
    targets = set(module_names(graph, target))
    sources = [m for m in module_names(graph, source) if m not in targets]
    search = nx.DiGraph()
    for a, b in graph.graph.edges:
        # Never re-enter A, never leave B: those hops explain nothing.
        if b in sources or a in targets:
            continue
        search.add_edge(a, b)
    search.add_edges_from((_START, s) for s in sources if s in search)
    search.add_edges_from((t, _END) for t in sorted(targets) if t in search)
    if _START not in search or _END not in search or not nx.has_path(search, _START, _END):
        return []
    found = []
    for path in itertools.islice(nx.shortest_simple_paths(search, _START, _END), limit):
        modules = tuple(path[1:-1])
        found.append(Path(modules, tuple(graph.evidence(a, b) for a, b in zip(modules, modules[1:]))))
    return found
