"""The architecture rules. Each is a function ``check(view, config) -> Findings``.

Rules only read the graph view they are given (suppressed and excepted
dependencies are already gone from it) and return plain data; they never
print, read files or know about output formats.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Callable, Optional

from depcheck.config import Config, ForbiddenRule
from depcheck.graph import Adjacency
from depcheck.model import (
    ERROR,
    RULE_CYCLE,
    RULE_FORBIDDEN,
    RULE_INDEPENDENCE,
    RULE_LAYER,
    Evidence,
    Location,
    Violation,
    matches,
)

# Enumerating every elementary cycle of a dense graph is exponential; stop
# counting here and say "at least".
CYCLE_SEARCH_LIMIT = 2000


@dataclass(frozen=True)
class GraphView:
    """What a rule sees: the module graph after suppressions and exceptions."""

    modules: tuple[str, ...]
    adjacency: Adjacency
    external: Mapping[str, tuple[Evidence, ...]]


@dataclass
class Findings:
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Components:
    """Assigns each module to the most specific listed component that contains it."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self._cache: dict[str, Optional[str]] = {}

    def of(self, module: str) -> Optional[str]:
        try:
            return self._cache[module]
        except KeyError:
            pass
        found = None
        name = module
        while name:
            if name in self.names:
                found = name
                break
            name = name.rpartition(".")[0]
        self._cache[module] = found
        return found

    def members(self, modules: Iterable[str]) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {name: [] for name in sorted(self.names)}
        for module in sorted(modules):
            component = self.of(module)
            if component is not None:
                result[component].append(module)
        return result


def component_paths(
    adjacency: Adjacency, sources: list[str], component: Callable[[str], Optional[str]]
) -> list[tuple[str, ...]]:
    """Dependencies of a group of modules on modules of *other* components.

    Every direct edge is a path of two modules. A module reached only through
    modules that belong to no component gets its one shortest path, found by
    breadth-first search in sorted order so the choice is deterministic.
    """
    own = component(sources[0]) if sources else None
    paths: list[tuple[str, ...]] = []
    reached: set[str] = set()
    parent: dict[str, str] = {}
    queue: deque[str] = deque()
    for module in sources:
        for target in sorted(adjacency.get(module, {})):
            owner = component(target)
            if owner is None:
                if target not in parent:
                    parent[target] = module
                    queue.append(target)
            elif owner != own:
                paths.append((module, target))
                reached.add(target)
    indirect: list[tuple[str, ...]] = []
    while queue:
        current = queue.popleft()
        for target in sorted(adjacency.get(current, {})):
            owner = component(target)
            if owner is None:
                if target not in parent and target not in sources:
                    parent[target] = current
                    queue.append(target)
            elif owner != own and target not in reached:
                reached.add(target)
                chain = [target, current]
                while chain[-1] in parent:
                    chain.append(parent[chain[-1]])
                indirect.append(tuple(reversed(chain)))
    return paths + indirect


def chain_evidence(adjacency: Adjacency, path: tuple[str, ...]) -> tuple[Evidence, ...]:
    return tuple(e for a, b in zip(path, path[1:]) for e in adjacency[a][b])


def _location(evidence: tuple[Evidence, ...]) -> Optional[Location]:
    if not evidence:
        return None
    first = evidence[0]
    return Location(first.file, first.line, first.column)


def _describe_path(path: tuple[str, ...]) -> str:
    if len(path) == 2:
        return f"{path[0]} -> {path[1]}"
    return f"{path[0]} -> {path[-1]} (through {', '.join(path[1:-1])})"


def _verb(evidence: tuple[Evidence, ...]) -> str:
    kinds = {e.kind for e in evidence}
    if kinds == {"consume"}:
        return "consumes an event of"
    if kinds == {"publish"}:
        return "publishes an event owned by"
    if kinds == {"import"}:
        return "imports"
    return "depends on"


# --------------------------------------------------------------------------- layer / independence


def _layer_findings(view: GraphView, config: Config, wanted: str) -> Findings:
    findings = Findings()
    if not config.layers:
        return findings
    layer_of = {name: index for index, layer in enumerate(config.layers) for name in layer}
    components = Components(layer_of)
    for name, members in components.members(view.modules).items():
        if not members:
            continue
        for path in component_paths(view.adjacency, members, components.of):
            target = components.of(path[-1])
            assert target is not None
            mine, theirs = layer_of[name], layer_of[target]
            if wanted == RULE_LAYER and theirs < mine:
                relation = (
                    f"{name} (layer {mine + 1}) must not depend on the higher layer "
                    f"{target} (layer {theirs + 1})"
                )
                hint = (
                    f"move what {name} needs from {target} down, or let {name} publish an "
                    f"event of its own that {target} consumes"
                )
            elif wanted == RULE_INDEPENDENCE and theirs == mine:
                relation = f"{name} and {target} are siblings in layer {mine + 1} and must stay independent"
                hint = f"move what they share into a lower layer, or merge {name} and {target}"
            else:
                continue
            evidence = chain_evidence(view.adjacency, path)
            via = f" through {', '.join(path[1:-1])}" if len(path) > 2 else ""
            findings.violations.append(
                Violation(
                    rule=wanted,
                    severity=ERROR,
                    message=f"{path[0]} {_verb(evidence)} {path[-1]}{via}: {relation}",
                    location=_location(evidence),
                    source=name,
                    target=target,
                    evidence=evidence,
                    chain=path,
                    hint=hint,
                )
            )
    return findings


def check_layers(view: GraphView, config: Config) -> Findings:
    """**layer**: a module depends on a module in a higher layer.

    What it does: a module in a lower layer must not depend on a module in a
    higher layer, directly or through modules that belong to no layer.

    Why: the lower layer can then change, be tested and be reused without the
    higher one. Upward communication goes through events the lower layer owns.
    """
    return _layer_findings(view, config, RULE_LAYER)


def check_independence(view: GraphView, config: Config) -> Findings:
    """**independence**: siblings listed together in one layer depend on each other.

    Same direct/indirect semantics as ``layer``.
    """
    return _layer_findings(view, config, RULE_INDEPENDENCE)


# --------------------------------------------------------------------------- cycles


def acyclic_components(config: Config, modules: Iterable[str]) -> tuple[str, ...]:
    """``acyclic`` if set; else the layer components; else each package's direct children."""
    if config.acyclic is not None:
        return config.acyclic
    if config.layers:
        return config.layer_components
    children = set()
    for module in modules:
        for package in config.packages:
            if module.startswith(package + "."):
                children.add(package + "." + module[len(package) + 1 :].split(".")[0])
    return tuple(sorted(children))


def _against_layers(config: Config, source: str, target: str) -> bool:
    """Whether a dependency of ``source`` on ``target`` points up or sideways in the layers."""
    rank = {name: index for index, layer in enumerate(config.layers) for name in layer}
    components = Components(rank)
    a, b = components.of(source), components.of(target)
    return a is not None and b is not None and a != b and rank[b] <= rank[a]


def simple_cycles(edges: list[tuple[int, int]]) -> Iterator[list[int]]:
    """The elementary cycles of a directed graph given by its edges, as networkx finds them.

    A port of ``networkx.simple_cycles`` (networkx 3.x: Johnson's algorithm
    over strongly connected components, BSD licence), down to the order in
    which cycles come out, which decides which cycles are found before
    ``CYCLE_SEARCH_LIMIT``. ``edges`` must be given in the order a DiGraph
    built from them would list them. Ported because importing networkx costs
    more than a whole incremental run; tests check it against networkx.
    """
    yield from ([u] for u, v in edges if u == v)
    # simple_cycles rebuilds the graph from its edges, without self-loops:
    # nodes in order of first appearance, neighbours in insertion order.
    succ: dict[int, dict[int, None]] = {}
    for u, v in edges:
        if u == v:
            continue
        succ.setdefault(u, {})
        succ.setdefault(v, {})
        succ[u][v] = None
    components = [c for c in _scc(list(succ), lambda v: list(succ[v])) if len(c) >= 2]
    while components:
        component = components.pop()
        nodes = {n for n in component if n in succ}  # the subgraph view's node filter

        def neighbours(v: int, nodes: set[int] = nodes) -> list[int]:
            return [w for w in succ[v] if w in nodes]

        start = next(iter(component))
        yield from _johnson(neighbours, [start])
        for targets in succ.values():  # remove ``start`` from the graph
            targets.pop(start, None)
        del succ[start]
        # Iterating a subgraph view: the filter set's order when it is much smaller.
        if 2 * len(nodes) < len(succ):
            order = [n for n in nodes if n in succ]
        else:
            order = [n for n in succ if n in nodes]
        components.extend(c for c in _scc(order, neighbours) if len(c) >= 2)


def _scc(order: list[int], neighbours: Callable[[int], list[int]]) -> Iterator[set[int]]:
    """networkx's strongly_connected_components (Tarjan with Nuutila's changes, iterative)."""
    preorder: dict[int, int] = {}
    lowlink: dict[int, int] = {}
    found: set[int] = set()
    queue_scc: list[int] = []
    counter = 0
    pending = {v: iter(neighbours(v)) for v in order}
    for source in order:
        if source in found:
            continue
        queue = [source]
        while queue:
            v = queue[-1]
            if v not in preorder:
                counter += 1
                preorder[v] = counter
            done = True
            for w in pending[v]:
                if w not in preorder:
                    queue.append(w)
                    done = False
                    break
            if not done:
                continue
            lowlink[v] = preorder[v]
            for w in neighbours(v):
                if w not in found:
                    if preorder[w] > preorder[v]:
                        lowlink[v] = min(lowlink[v], lowlink[w])
                    else:
                        lowlink[v] = min(lowlink[v], preorder[w])
            queue.pop()
            if lowlink[v] == preorder[v]:
                component = {v}
                while queue_scc and preorder[queue_scc[-1]] > preorder[v]:
                    component.add(queue_scc.pop())
                found.update(component)
                yield component
            else:
                queue_scc.append(v)


def _johnson(neighbours: Callable[[int], list[int]], path: list[int]) -> Iterator[list[int]]:
    """networkx's _johnson_cycle_search: every cycle through ``path[0]``."""
    cache: dict[int, list[int]] = {}

    def around(v: int) -> list[int]:
        if v not in cache:
            cache[v] = neighbours(v)
        return cache[v]

    blocked = set(path)
    holds: dict[int, set[int]] = defaultdict(set)
    start = path[0]
    stack = [iter(around(path[-1]))]
    closed = [False]
    while stack:
        for w in stack[-1]:
            if w == start:
                yield path[:]
                closed[-1] = True
            elif w not in blocked:
                path.append(w)
                closed.append(False)
                stack.append(iter(around(w)))
                blocked.add(w)
                break
        else:
            stack.pop()
            v = path.pop()
            if closed.pop():
                if closed:
                    closed[-1] = True
                release = {v}
                while release:
                    u = release.pop()
                    if u in blocked:
                        blocked.remove(u)
                        release.update(holds[u])
                        holds[u].clear()
            else:
                for w in around(v):
                    holds[w].add(v)


def check_cycles(view: GraphView, config: Config) -> Findings:
    """**cycle**: components that depend on each other in a loop.

    Each elementary cycle is reported once, starting from its alphabetically
    first component, with every hop's evidence and the hop with the fewest
    dependency sites named as the cheapest to cut. A cycle that runs through a
    publish or consume edge is a *choreography* cycle.
    """
    findings = Findings()
    components = Components(acyclic_components(config, view.modules))
    # Per component hop: every direct module edge, else the shortest indirect chain.
    hops: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for name, members in components.members(view.modules).items():
        if not members:
            continue
        for path in component_paths(view.adjacency, members, components.of):
            target = components.of(path[-1])
            assert target is not None
            known = hops.setdefault((name, target), [])
            if len(path) == 2:
                known[:] = [p for p in known if len(p) == 2] + [path]
            elif not known:
                known.append(path)
    if not hops:
        return findings

    names = sorted({n for pair in hops for n in pair})
    index = {n: i for i, n in enumerate(names)}
    # Integer nodes in sorted order: the traversal order, and so which cycles
    # are found first, cannot depend on string hashing.
    cycles: list[tuple[str, ...]] = []
    exhausted = True
    for found in simple_cycles(sorted((index[a], index[b]) for a, b in hops)):
        if len(cycles) >= CYCLE_SEARCH_LIMIT:
            exhausted = False
            break
        start = found.index(min(found))
        rotated = found[start:] + found[:start]
        cycles.append(tuple(names[i] for i in rotated))
    cycles.sort(key=lambda c: (len(c), c))

    for cycle in cycles[: config.max_cycles]:
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
        upward = [c for c in cost if _against_layers(config, c[1], c[2])]
        sites, cut_a, cut_b = min(upward or cost)
        events = sorted({e.event for e in evidence if e.event})
        choreography = any(e.kind in ("publish", "consume") for e in evidence)
        message = f"components depend on each other in a loop: {' -> '.join(loop)}"
        hint = f"cheapest to cut: {cut_a} -> {cut_b} ({sites} dependency site{'s' if sites != 1 else ''})"
        if choreography:
            message = f"choreography cycle through events {', '.join(events)}: {' -> '.join(loop)}"
            hint += (
                "; to keep the hierarchy, use orchestration: let the lower component define "
                "its own command and reply events and have the higher one publish and consume them"
            )
        findings.violations.append(
            Violation(
                rule=RULE_CYCLE,
                severity=ERROR,
                message=message,
                location=_location(cut_evidence[(cut_a, cut_b)]),
                cycle=loop,
                evidence=tuple(evidence),
                hint=hint,
            )
        )
    hidden = len(cycles) - config.max_cycles
    if hidden > 0 or not exhausted:
        amount = f"{hidden}" if exhausted else f"at least {max(hidden, 1)}"
        findings.notes.append(
            f"{amount} more cycles not shown (max_cycles = {config.max_cycles}); "
            "cut the cycles above first, or raise max_cycles"
        )
    return findings


# --------------------------------------------------------------------------- forbidden


def check_forbidden(view: GraphView, config: Config) -> Findings:
    """**forbidden**: explicit "A must not depend on B" rules, B internal or third-party.

    Direct dependencies are always checked; with ``indirect = true`` (the
    default) so are chains through any other modules, one shortest chain per
    forbidden module reached.
    """
    findings = Findings()
    for rule in config.forbidden:
        for source_prefix in rule.sources:
            sources = [m for m in view.modules if matches(m, source_prefix)]
            if sources:
                findings.violations.extend(_forbidden_from(view, rule, source_prefix, sources))
    return findings


def _forbidden_target(name: str, targets: tuple[str, ...]) -> Optional[str]:
    for target in targets:
        if matches(name, target):
            return target
    return None


def _forbidden_from(
    view: GraphView, rule: ForbiddenRule, source_prefix: str, sources: list[str]
) -> list[Violation]:
    source_set = set(sources)
    results: list[tuple[tuple[str, ...], str, tuple[Evidence, ...]]] = []
    reported: set[str] = set()

    def external_hits(module: str) -> list[tuple[str, tuple[Evidence, ...]]]:
        hits: dict[str, list[Evidence]] = {}
        for evidence in view.external.get(module, ()):
            target = _forbidden_target(evidence.target, rule.targets)
            if target is not None:
                hits.setdefault(evidence.target, []).append(evidence)
        return [(name, tuple(ev)) for name, ev in sorted(hits.items())]

    parent: dict[str, str] = {}
    queue: deque[str] = deque()
    for module in sources:
        for name, evidence in external_hits(module):
            results.append(((module, name), _forbidden_target(name, rule.targets) or name, evidence))
            reported.add(name)
        for target in sorted(view.adjacency.get(module, {})):
            if target in source_set:
                continue
            hit = _forbidden_target(target, rule.targets)
            if hit is not None:
                results.append(((module, target), hit, view.adjacency[module][target]))
                reported.add(target)
            elif rule.indirect and target not in parent:
                parent[target] = module
                queue.append(target)

    def chain_to(module: str) -> tuple[str, ...]:
        chain = [module]
        while chain[-1] in parent:
            chain.append(parent[chain[-1]])
        return tuple(reversed(chain))

    while rule.indirect and queue:
        current = queue.popleft()
        path = chain_to(current)
        for name, evidence in external_hits(current):
            if name not in reported:
                reported.add(name)
                full = (*path, name)
                results.append((full, _forbidden_target(name, rule.targets) or name,
                                chain_evidence(view.adjacency, path) + evidence))
        for target in sorted(view.adjacency.get(current, {})):
            if target in source_set or target in parent:
                continue
            hit = _forbidden_target(target, rule.targets)
            if hit is not None:
                if target not in reported:
                    reported.add(target)
                    full = (*path, target)
                    results.append((full, hit, chain_evidence(view.adjacency, full)))
            else:
                parent[target] = current
                queue.append(target)

    violations = []
    reason = f" ({rule.reason})" if rule.reason else ""
    for path, target, evidence in results:
        via = f" through {', '.join(path[1:-1])}" if len(path) > 2 else ""
        violations.append(
            Violation(
                rule=RULE_FORBIDDEN,
                severity=ERROR,
                message=f"{path[0]} {_verb(evidence)} {path[-1]}{via}: "
                f"{source_prefix} must not depend on {target}{reason}",
                location=_location(evidence),
                source=source_prefix,
                target=target,
                evidence=evidence,
                chain=path,
                hint=f"forbidden by {rule.key} in the config",
            )
        )
    return violations


Check = Callable[[GraphView, Config], Findings]

# The registry: rule id -> check. Each check emits only its own rule id, so a
# suppression of one rule removes a dependency from exactly that rule's view.
RULES: dict[str, Check] = {
    RULE_LAYER: check_layers,
    RULE_INDEPENDENCE: check_independence,
    RULE_CYCLE: check_cycles,
    RULE_FORBIDDEN: check_forbidden,
}
