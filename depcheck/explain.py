"""``depcheck explain A B``: every dependency path from A to B, shortest first.

A and B are modules or components (a name matches the module and everything
inside it). A path starts at the last module of A it leaves and ends at the
first module of B it reaches: hops inside A or onward inside B say nothing
about why A depends on B. Paths are simple (no module twice) and found in
order of length (Yen's algorithm, via networkx), so the first one is the
shortest explanation and the first hop of each is where it could be cut.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import networkx as nx

from depcheck.graph import DependencyGraph
from depcheck.model import Evidence, matches

_START, _END = "\x00start", "\x00end"


@dataclass(frozen=True)
class Path:
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
    search.add_edges_from((t, _END) for t in targets if t in search)
    if _START not in search or _END not in search or not nx.has_path(search, _START, _END):
        return []
    found = []
    for path in itertools.islice(nx.shortest_simple_paths(search, _START, _END), limit):
        modules = tuple(path[1:-1])
        found.append(Path(modules, tuple(graph.evidence(a, b) for a, b in zip(modules, modules[1:]))))
    return found


def render_text(source: str, target: str, paths: list[Path], limit: int) -> str:
    if not paths:
        return f"{source} does not depend on {target}\n"
    more = " (more may exist: raise --max)" if len(paths) == limit else ""
    lines = [f"{source} depends on {target}: {len(paths)} path{'s' if len(paths) != 1 else ''}, "
             f"shortest first{more}"]
    for number, path in enumerate(paths, 1):
        hops = len(path.modules) - 1
        lines.append("")
        lines.append(f"{number}. {' -> '.join(path.modules)}  ({hops} hop{'s' if hops != 1 else ''})")
        for (a, b), evidence in zip(zip(path.modules, path.modules[1:]), path.hops):
            lines.append(f"   {a} -> {b}")
            for e in evidence:
                lines.append(f"     {e.kind:<8} {e.file}:{e.line}:{e.column}  {e.text}")
    return "\n".join(lines) + "\n"


def render_json(source: str, target: str, paths: list[Path]) -> str:
    document = {
        "from": source,
        "to": target,
        "paths": [
            {
                "modules": list(path.modules),
                "hops": [
                    {"from": a, "to": b, "evidence": [e.to_json() for e in evidence]}
                    for (a, b), evidence in zip(zip(path.modules, path.modules[1:]), path.hops)
                ],
            }
            for path in paths
        ],
    }
    return json.dumps(document, indent=2) + "\n"
