"""**cycle**: components that depend on each other in a loop.

One cause, one finding: a loop that runs through a dependency another rule
reports (an upward or sibling dependency, a forbidden one) is that
violation's consequence, listed under it (``Violation.closes``), not a finding
of its own. Every other loop is a cycle violation: each elementary cycle once,
shortest first, starting from its alphabetically first component, with every
hop's evidence and the hop with the fewest dependency sites named as the
cheapest to cut. A cycle that runs through a publish or consume edge is a
*choreography* cycle.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

from depcheck.config import Config
from depcheck.model import ERROR, Evidence, Loops, Violation, plural
from depcheck.rules.base import (
    Components,
    Findings,
    Key,
    Rule,
    RuleDoc,
    chain_evidence,
    component_dependencies,
    location,
)

if TYPE_CHECKING:
    from depcheck.graph import GraphView

# Enumerating every elementary cycle of a dense graph is exponential; stop
# counting here and say "at least".
CYCLE_SEARCH_LIMIT = 2000
# A hop between two big components can have thousands of sites, and a tangle up to
# CYCLE_SEARCH_LIMIT loops through it: each cycle lists this many sites a hop (see ``trimmed``).
EVIDENCE_PER_HOP = 10


@dataclass(frozen=True)
class CycleSettings:
    """The cycle rule's settings."""

    acyclic: Optional[tuple[str, ...]] = None  # the components; None = the layers' (or packages' children)
    layers: tuple[tuple[str, ...], ...] = ()  # to tell which hop of a loop goes against them
    packages: tuple[str, ...] = ()
    max_cycles: int = 20  # how many loops to list under a violation that closes them
    # (key, chain) of the dependencies other rules report this run: loops through them are
    # theirs to list (see Rule.explained_by), filled in by the pipeline.
    judged: tuple[tuple[Key, tuple[str, ...]], ...] = ()

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
    """Every elementary cycle once, shortest first, then in lexicographic order; each cycle
    starts at its smallest node.

    For each length k, a depth-first search from each start node ``s`` walks only
    nodes greater than ``s`` (so each cycle is found once, from its smallest node)
    and only as deep as it can still close: a node is entered only if its distance
    back to ``s`` fits in the steps left. Callers stop the generator when they have
    enough, so a dense graph's exponentially many cycles are never all built.
    Written here rather than imported: networkx's import alone costs more than a
    whole cached run, and the component graphs searched are small.
    """
    graph = {v: sorted(set(ws)) for v, ws in successors.items()}
    nodes = sorted(set(graph) | {w for ws in graph.values() for w in ws})
    for w in nodes:
        graph.setdefault(w, [])
    back: dict[int, list[int]] = {v: [] for v in nodes}
    for v, ws in graph.items():
        for w in ws:
            back[w].append(v)
    # distance[s][v]: fewest steps from v back to s through nodes >= s.
    distance: dict[int, dict[int, int]] = {}
    for start in nodes:
        seen = {start: 0}
        frontier = [start]
        while frontier:
            following = []
            for v in frontier:
                for u in back[v]:
                    if u >= start and u not in seen:
                        seen[u] = seen[v] + 1
                        following.append(u)
            frontier = following
        distance[start] = seen
    longest = len(nodes)
    for length in range(2, longest + 1):
        for start in nodes:
            to_start = distance[start]
            if len(to_start) < length:
                continue  # fewer than ``length`` nodes can reach back: no cycle that long
            path = [start]
            on_path = {start}
            frames = [iter(graph[start])]
            while frames:
                for w in frames[-1]:
                    steps_left = length - len(path)
                    if w == start:
                        if steps_left == 0:
                            yield tuple(path)
                        continue
                    if w < start or w in on_path or steps_left == 0:
                        continue
                    if to_start.get(w, longest + 1) > steps_left:
                        continue
                    path.append(w)
                    on_path.add(w)
                    frames.append(iter(graph[w]))
                    break
                else:
                    frames.pop()
                    on_path.discard(path.pop())


Hops = dict[tuple[str, str], list[tuple[str, ...]]]


def component_hops(view: GraphView, components: Components) -> Hops:
    """Per pair of components: every direct module edge between them, else the first indirect
    chain (through modules of no component) found."""
    direct: Hops = {}
    indirect: dict[tuple[str, str], tuple[str, ...]] = {}
    for found in component_dependencies(view, components):
        name = found.name
        # By target first: one component's pairs are its own, so the order of first appearance
        # over all pairs stays that of the paths.
        mine: dict[str, list[tuple[str, ...]]] = {}
        for path, target in zip(found.paths, found.targets):
            if len(path) == 2:
                paths = mine.get(target)
                if paths is None:
                    mine[target] = [path]
                else:
                    paths.append(path)
            elif (name, target) not in indirect:
                indirect[name, target] = path
        for target, paths in mine.items():
            direct[name, target] = paths
    hops = {pair: [path] for pair, path in indirect.items()}
    hops.update(direct)
    return hops


def _judged_hops(hops: Hops, settings: CycleSettings) -> dict[tuple[str, str], list[Key]]:
    """The hops every dependency of which another rule reports, with those violations' keys.

    Only a hop that is judged whole stands for its loops: were one of its dependencies not
    reported, fixing the reported ones would leave the loop, now unexplained."""
    chains: dict[tuple[str, ...], Key] = {}
    for key, chain in settings.judged:
        chains.setdefault(chain, key)
    judged = {}
    for pair, paths in hops.items():
        keys = []
        for path in paths:
            key = chains.get(path)
            if key is None:
                break  # most hops have no judged dependency: told by their first
            keys.append(key)
        else:
            judged[pair] = keys
    return judged


def _search(pairs: Iterable[tuple[str, str]], names: list[str]) -> Iterator[tuple[str, ...]]:
    index = {n: i for i, n in enumerate(names)}
    successors: dict[int, list[int]] = {i: [] for i in range(len(names))}
    for a, b in pairs:
        successors[index[a]].append(index[b])
    # Nodes numbered in name order: each cycle starts at its alphabetically first component.
    for found in elementary_cycles(successors):
        yield tuple(names[i] for i in found)


def check(view: GraphView, settings: CycleSettings) -> Findings:
    findings = Findings()
    components = Components(settings.components(view.modules))
    hops = component_hops(view, components)
    if not hops:
        return findings
    names = sorted({n for pair in hops for n in pair})
    judged = _judged_hops(hops, settings)

    @functools.cache
    def sites(a: str, b: str) -> int:
        # An indirect hop is cut at its first step, so count only that step's sites.
        paths = hops[(a, b)]
        if len(paths[0]) == 2:
            return sum(len(view.adjacency[p[0]][p[1]]) for p in paths)
        return len(view.adjacency[paths[0][0]][paths[0][1]])

    @functools.cache
    def hop_evidence(a: str, b: str) -> tuple[Evidence, ...]:
        return tuple(e for path in hops[(a, b)] for e in chain_evidence(view.adjacency, path))

    # Loops none of whose hops another rule reports: each is a cycle violation.
    standalone = [pair for pair in hops if pair not in judged]
    cycles = list(itertools.islice(_search(standalone, names), CYCLE_SEARCH_LIMIT + 1))
    if len(cycles) > CYCLE_SEARCH_LIMIT:
        cycles.pop()
        findings.notes.append(
            f"stopped looking for cycles after {CYCLE_SEARCH_LIMIT}: the components are too tangled to "
            "list every loop; cut the cycles shown first"
        )
    rank = {name: i for i, layer in enumerate(settings.layers) for name in layer}
    ranked = Components(rank)

    def against_layers(source: str, target: str) -> bool:
        """Whether a dependency of ``source`` on ``target`` points up or sideways in the layers."""
        a, b = ranked.of(source), ranked.of(target)
        return a is not None and b is not None and a != b and rank[b] <= rank[a]

    for cycle in cycles:
        loop = (*cycle, cycle[0])
        evidence: list[Evidence] = []
        cost: list[tuple[int, str, str]] = []
        for a, b in zip(loop, loop[1:]):
            evidence.extend(hop_evidence(a, b))
            cost.append((sites(a, b), a, b))
        # With layers declared, the hop to cut is one that goes against them.
        upward = [c for c in cost if against_layers(c[1], c[2])]
        count, cut_a, cut_b = min(upward or cost)
        events = sorted({e for a, b in zip(loop, loop[1:]) for e in choreography_events(hop_evidence(a, b))})
        message = f"components depend on each other in a loop: {' -> '.join(loop)}"
        hint = f"cheapest to cut: {cut_a} -> {cut_b} ({plural(count, 'dependency site')})"
        if events:
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
                location=location(hop_evidence(cut_a, cut_b)),
                cycle=loop,
                evidence=tuple(evidence),
                hint=hint,
            )
        )
    if judged:
        findings.closes = _closed(hops, judged, names, sites, hop_evidence, settings.max_cycles,
                                  events=bool(view.events))
    return findings


def choreography_events(evidence: Iterable[Evidence]) -> frozenset[str]:
    """The events that make a hop part of a choreography.

    An event edge that only repeats an import already making the same hop (module to
    module) for something else, a topic beside an unrelated import, adds no knowledge of
    the other side: the loop would be there without it. An import of the event itself
    (``from orders.events import OrderCreated`` for ``@subscribe(OrderCreated)``) is the
    event's, not a separate reason.
    """
    sites = tuple(evidence)
    imports: dict[tuple[str, str], list[Evidence]] = {}
    for e in sites:
        if e.kind not in ("publish", "consume"):
            imports.setdefault((e.source, e.target), []).append(e)
    found = set()
    for e in sites:
        if not e.event or e.kind not in ("publish", "consume"):
            continue
        # An object the target module defines is what its import brings; a topic is no import's.
        if (e.source, e.target) not in imports or e.event.startswith(e.target + "."):
            found.add(e.event)
    return frozenset(found)


def _closed(
    hops: Hops,
    judged: dict[tuple[str, str], list[Key]],
    names: list[str],
    sites: Callable[[str, str], int],
    hop_evidence: Callable[[str, str], tuple[Evidence, ...]],
    listed: int,
    *,
    events: bool = True,
) -> list[tuple[tuple[Key, ...], Loops]]:
    """Each loop through a judged hop goes under the violations of one of them: the one with
    the fewest dependency sites (the cheapest to fix), so no loop is listed twice."""

    @functools.cache
    def hop_events(a: str, b: str) -> frozenset[str]:
        if not events:
            return frozenset()  # publish and consume sites come from the graph's events only
        return choreography_events(hop_evidence(a, b))

    # The search runs on component numbers (as _search does) and names only the loops listed:
    # most of the up to CYCLE_SEARCH_LIMIT loops are only counted.
    index = {name: i for i, name in enumerate(names)}
    successors: dict[int, list[int]] = {i: [] for i in range(len(names))}
    for a, b in hops:
        successors[index[a]].append(index[b])
    # Each judged hop by its numbers -> what makes it the cut: fewest sites, then its names.
    ranks = {(index[a], index[b]): (sites(a, b), (a, b)) for a, b in judged}
    found: dict[tuple[str, str], list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    totals: dict[tuple[str, str], int] = {}
    complete = True
    searched = 0
    for cycle in elementary_cycles(successors):
        steps = [ranks[pair] for pair in zip(cycle, (*cycle[1:], cycle[0])) if pair in ranks]
        if not steps:
            continue  # a standalone loop, reported as a cycle
        searched += 1
        if searched > CYCLE_SEARCH_LIMIT:
            complete = False
            break
        cut = min(steps)[1]
        totals[cut] = totals.get(cut, 0) + 1
        entries = found.setdefault(cut, [])
        if len(entries) < listed:
            loop = tuple(names[i] for i in (*cycle, cycle[0]))
            events = sorted({event for a, b in zip(loop, loop[1:]) for event in hop_events(a, b)})
            entries.append((loop, tuple(events)))
    return [
        (tuple(judged[cut]), Loops(
            tuple(loop for loop, _ in entries), tuple(events for _, events in entries),
            totals[cut], at_least=not complete,
        ))
        for cut, entries in sorted(found.items())
    ]


def trimmed(violation: Violation, memo: Optional[dict[str, tuple[str, ...]]] = None) -> Violation:
    """A cycle violation listing at most ``EVIDENCE_PER_HOP`` sites a hop, as stored and reported.

    Applied once the ignores have been told from the full evidence. Every site of the
    dependency it is located at stays (``--add-ignores`` annotates them all), and so does
    every site with an event (the violation's identity names its events); the hint says
    how many others are left out. Any other violation is returned as it is. ``memo``
    (module -> it and its packages, innermost first) may be shared between calls.
    """
    evidence = violation.evidence
    if not violation.cycle or len(evidence) <= EVIDENCE_PER_HOP:
        return violation
    loop = set(violation.cycle)
    where = violation.location
    located = next(
        ((e.source, e.target) for e in evidence
         if where is not None and (e.file, e.line, e.column) == (where.file, where.line, where.column)),
        None,
    )
    memo = {} if memo is None else memo
    kept: list[Evidence] = []
    listed: dict[Optional[str], int] = {}
    hop: Optional[str] = None
    left_out = 0
    for site in evidence:
        # A hop's sites start in its first component (the loop's innermost one holding the
        # module); a chain through modules of no component continues the hop before it.
        source = site.source
        try:
            enclosing = memo[source]
        except KeyError:
            parts = source.split(".")
            enclosing = memo[source] = tuple(".".join(parts[:end]) for end in range(len(parts), 0, -1))
        for name in enclosing:
            if name in loop:
                hop = name
                break
        count = listed.get(hop, 0)
        if count < EVIDENCE_PER_HOP:
            listed[hop] = count + 1
        elif not (site.event or (source, site.target) == located):
            left_out += 1
            continue
        kept.append(site)
    if not left_out:
        return violation
    hint = (f"{violation.hint}; {plural(left_out, 'more site')} not listed "
            f"(the first {EVIDENCE_PER_HOP} of each hop are)")
    return dataclasses.replace(violation, evidence=tuple(kept), hint=hint)


RULE = Rule(
    id="cycle",
    severity=ERROR,
    doc=RuleDoc(
        "Components depend on each other in a loop",
        "Components depend on each other in a cycle, through imports or events, and no hop of the "
        "loop is a dependency another rule reports (a loop through an upward dependency is listed "
        "under that violation). A cycle through events is a choreography: each side knows the "
        "other's events.",
        "Cut the hop named in the message; for event cycles, let the lower component define its own "
        "command and reply events (orchestration).",
    ),
    settings=CycleSettings.of,
    check=check,
    judges_dependencies=True,
    explained_by=("layer", "independence", "forbidden"),
)
