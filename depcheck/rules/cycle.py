"""**cycle**: components that depend on each other in a loop.

Each elementary cycle is reported once, starting from its alphabetically
first component, with every hop's evidence and the hop with the fewest
dependency sites named as the cheapest to cut. A cycle that runs through a
publish or consume edge is a *choreography* cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from depcheck.config import Config
from depcheck.model import ERROR, Evidence, Violation
from depcheck.rules.base import (
    Components,
    Findings,
    Rule,
    RuleDoc,
    chain_evidence,
    component_dependencies,
    location,
    plural,
)

if TYPE_CHECKING:
    from depcheck.graph import GraphView

# Enumerating every elementary cycle of a dense graph is exponential; stop
# counting here and say "at least".
CYCLE_SEARCH_LIMIT = 2000


@dataclass(frozen=True)
class CycleSettings:
    acyclic: Optional[tuple[str, ...]] = None  # the components; None = the layers' (or packages' children)
    layers: tuple[tuple[str, ...], ...] = ()  # to tell which hop of a loop goes against them
    packages: tuple[str, ...] = ()
    max_cycles: int = 20

    @classmethod
    def of(cls, config: Config) -> CycleSettings:
        return cls(config.acyclic, config.layers, config.packages, config.max_cycles)

    def components(self, modules: Iterable[str]) -> tuple[str, ...]:
        """``acyclic`` if set; else the layer components; else each package's direct children."""
        if self.acyclic is not None:
            return self.acyclic
        if self.layers:
            return tuple(c for layer in self.layers for c in layer)
        children = set()
        for module in modules:
            for package in self.packages:
                if module.startswith(package + "."):
                    children.add(package + "." + module[len(package) + 1:].split(".")[0])
        return tuple(sorted(children))


def elementary_cycles(successors: Mapping[int, Iterable[int]]) -> Iterator[tuple[int, ...]]:
    """Every elementary cycle once, as a tuple starting at its smallest node.

    Johnson's algorithm (1975): for each start node ``s`` in increasing order,
    walk the graph of nodes ``>= s`` from ``s``; a node that cannot currently
    lead back to ``s`` stays blocked until a cycle through one of its
    successors is found, so the work per cycle is bounded. Neighbours are
    visited in increasing order, so the order of the cycles is deterministic.
    Written here rather than imported: networkx's import alone costs more than
    a whole cached run, and the component graphs searched are small.
    """
    graph = {v: sorted(set(ws)) for v, ws in successors.items()}
    for start in sorted(graph):
        blocked = {start}
        waiting: dict[int, set[int]] = {}  # w -> nodes to unblock once w is unblocked
        path = [start]
        # One frame per node on the path: its remaining successors, and whether a
        # cycle back to ``start`` was found through it.
        frames = [(iter([w for w in graph[start] if w >= start]), [False])]
        while frames:
            successors_left, found = frames[-1]
            for w in successors_left:
                if w == start:
                    yield tuple(path)
                    found[0] = True
                elif w not in blocked:
                    path.append(w)
                    blocked.add(w)
                    frames.append((iter([x for x in graph.get(w, ()) if x >= start]), [False]))
                    break
            else:
                frames.pop()
                node = path.pop()
                if found[0]:
                    if frames:
                        frames[-1][1][0] = True
                    release = [node]
                    while release:
                        u = release.pop()
                        if u in blocked:
                            blocked.discard(u)
                            release.extend(waiting.pop(u, ()))
                else:
                    for w in graph.get(node, ()):
                        if w >= start:
                            waiting.setdefault(w, set()).add(node)


def component_hops(view: GraphView, components: Components) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """Per pair of components: every direct module edge between them, else the first indirect
    chain (through modules of no component) found."""
    direct: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    indirect: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, _, target, path in component_dependencies(view, components):
        if len(path) == 2:
            direct.setdefault((name, target), []).append(path)
        else:
            indirect.setdefault((name, target), path)
    hops = {pair: [path] for pair, path in indirect.items()}
    hops.update(direct)
    return hops


def check(view: GraphView, settings: CycleSettings) -> Findings:
    findings = Findings()
    hops = component_hops(view, Components(settings.components(view.modules)))
    if not hops:
        return findings
    names = sorted({n for pair in hops for n in pair})
    index = {n: i for i, n in enumerate(names)}
    successors: dict[int, list[int]] = {i: [] for i in range(len(names))}
    for a, b in hops:
        successors[index[a]].append(index[b])
    # Nodes numbered in name order: each cycle comes out starting at its
    # alphabetically first component, and the search order is deterministic.
    cycles: list[tuple[str, ...]] = []
    exhausted = True
    for found in elementary_cycles(successors):
        if len(cycles) >= CYCLE_SEARCH_LIMIT:
            exhausted = False
            break
        cycles.append(tuple(names[i] for i in found))
    cycles.sort(key=lambda c: (len(c), c))

    rank = {name: i for i, layer in enumerate(settings.layers) for name in layer}
    ranked = Components(rank)

    def against_layers(source: str, target: str) -> bool:
        """Whether a dependency of ``source`` on ``target`` points up or sideways in the layers."""
        a, b = ranked.of(source), ranked.of(target)
        return a is not None and b is not None and a != b and rank[b] <= rank[a]

    for cycle in cycles[: settings.max_cycles]:
        loop = (*cycle, cycle[0])
        evidence: list[Evidence] = []
        cost: list[tuple[int, str, str]] = []
        cut_evidence: dict[tuple[str, str], tuple[Evidence, ...]] = {}
        for a, b in zip(loop, loop[1:]):
            hop_evidence = [e for path in hops[(a, b)] for e in chain_evidence(view.adjacency, path)]
            cut_evidence[(a, b)] = tuple(hop_evidence)
            evidence.extend(hop_evidence)
            # An indirect hop is cut at its first step, so count only that step's sites.
            first = hops[(a, b)][0]
            sites = sum(len(view.adjacency[p[0]][p[1]]) for p in hops[(a, b)]) if len(first) == 2 \
                else len(view.adjacency[first[0]][first[1]])
            cost.append((sites, a, b))
        # With layers declared, the hop to cut is one that goes against them.
        upward = [c for c in cost if against_layers(c[1], c[2])]
        sites, cut_a, cut_b = min(upward or cost)
        events = sorted({e.event for e in evidence if e.event})
        choreography = any(e.kind in ("publish", "consume") for e in evidence)
        message = f"components depend on each other in a loop: {' -> '.join(loop)}"
        hint = f"cheapest to cut: {cut_a} -> {cut_b} ({plural(sites, 'dependency site')})"
        if choreography:
            message = f"choreography cycle through events {', '.join(events)}: {' -> '.join(loop)}"
            hint += (
                "; to keep the hierarchy, use orchestration: let the lower component define "
                "its own command and reply events and have the higher one publish and consume them"
            )
        findings.violations.append(
            Violation(
                rule=RULE.id,
                severity=ERROR,
                message=message,
                location=location(cut_evidence[(cut_a, cut_b)]),
                cycle=loop,
                evidence=tuple(evidence),
                hint=hint,
            )
        )
    hidden = len(cycles) - settings.max_cycles
    if hidden > 0 or not exhausted:
        amount = f"{hidden}" if exhausted else f"at least {max(hidden, 1)}"
        findings.notes.append(
            f"{amount} more cycles not shown (max_cycles = {settings.max_cycles}); "
            "cut the cycles above first, or raise max_cycles"
        )
    return findings


RULE = Rule(
    id="cycle",
    severity=ERROR,
    doc=RuleDoc(
        "Components depend on each other in a loop",
        "Components depend on each other in a cycle, through imports or events. A cycle through "
        "events is a choreography: each side knows the other's events.",
        "Cut the hop named in the message; for event cycles, let the lower component define its own "
        "command and reply events (orchestration).",
    ),
    settings=CycleSettings.of,
    check=check,
    judges_dependencies=True,
)
