"""The architecture rules. Each is a function ``check(view, config) -> Findings``.

Rules only read the graph view they are given (suppressed and excepted
dependencies are already gone from it) and return plain data; they never
print, read files or know about output formats.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Callable, Optional

from depcheck.config import Config, ForbiddenRule
from depcheck.graph import Adjacency
from depcheck.model import (
    ERROR,
    RULE_CYCLE,
    RULE_EVENT_NO_OWNER,
    RULE_EVENT_NOT_CONSUMED,
    RULE_EVENT_NOT_PUBLISHED,
    RULE_FORBIDDEN,
    RULE_INDEPENDENCE,
    RULE_LAYER,
    RULE_UNUSED_CONFIG,
    WARNING,
    CatalogEvent,
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
    events: tuple[CatalogEvent, ...] = ()
    ignored_event_sites: frozenset[Evidence] = frozenset()  # suppressed for this rule


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

    Every direct edge is a path of two modules. Every module reached through
    modules that belong to no component also gets its one shortest path, found
    by breadth-first search in sorted order so the choice is deterministic --
    even when another member imports that module directly: the indirect route
    is a dependency of its own, and hiding it would let it survive the fix of
    the direct one.
    """
    own = component(sources[0]) if sources else None
    paths: list[tuple[str, ...]] = []
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
    reached: set[str] = set()
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
                paths.append(tuple(reversed(chain)))
    return paths


def component_dependencies(
    view: GraphView, components: Components
) -> Iterator[tuple[str, list[str], str, tuple[str, ...]]]:
    """(component, its members, other component, path) for every path of ``component_paths``."""
    for name, members in components.members(view.modules).items():
        if not members:
            continue
        for path in component_paths(view.adjacency, members, components.of):
            target = components.of(path[-1])
            assert target is not None
            yield name, members, target, path


def chain_evidence(adjacency: Adjacency, path: tuple[str, ...]) -> tuple[Evidence, ...]:
    return tuple(e for a, b in zip(path, path[1:]) for e in adjacency[a][b])


def path_evidence(adjacency: Adjacency, path: tuple[str, ...], members: list[str]) -> tuple[Evidence, ...]:
    """Evidence hop by hop; an indirect path's first hop lists every member that
    takes the same exit (import-linter's ``a & b -> x``), since all must be cut."""
    if len(path) == 2:
        return chain_evidence(adjacency, path)
    exit_module = path[1]
    first = sorted(
        e for m in members if exit_module in adjacency.get(m, {}) for e in adjacency[m][exit_module]
    )
    return (*first, *chain_evidence(adjacency, path[1:]))


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
    if kinds == {"import"} or "import" in kinds and kinds <= {"import", "call", "use"}:
        return "imports"
    if kinds <= {"call", "use"}:
        return "uses"
    return "depends on"


# --------------------------------------------------------------------------- layer / independence


def _layer_findings(view: GraphView, config: Config, wanted: str) -> Findings:
    findings = Findings()
    if not config.layers:
        return findings
    layer_of = {name: index for index, layer in enumerate(config.layers) for name in layer}
    for name, members, target, path in component_dependencies(view, Components(layer_of)):
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
        elif wanted == RULE_INDEPENDENCE and theirs == mine and mine not in config.open_layers:
            relation = f"{name} and {target} are siblings in layer {mine + 1} and must stay independent"
            hint = f"move what they share into a lower layer, or merge {name} and {target}"
        else:
            continue
        evidence = path_evidence(view.adjacency, path, members)
        if wanted == RULE_LAYER and any(e.kind == "consume" for e in evidence):
            # Consuming a higher module's events is the choreography half of the seed note.
            hint = (
                f"{name} listens to events of {target}, so it knows about {target}; invert it "
                f"(orchestration): let {name} define command events of its own that {target} "
                "publishes, and replies that it consumes"
            )
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
    for name, _, target, path in component_dependencies(view, components):
        known = hops.setdefault((name, target), [])
        if len(path) == 2:
            known[:] = [p for p in known if len(p) == 2] + [path]
        elif not known:
            known.append(path)
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


# --------------------------------------------------------------------------- event hygiene


def _hygiene(view: GraphView, wanted: str) -> Findings:
    findings = Findings()
    for event in view.events:
        if event.external:  # a framework's own signal: published and consumed where we cannot see
            continue
        publishers = [e for e in event.publishers if e not in view.ignored_event_sites]
        consumers = [e for e in event.consumers if e not in view.ignored_event_sites]
        owner = f" (owned by {event.owner})" if event.owner else ""
        if wanted == RULE_EVENT_NOT_PUBLISHED and consumers and not event.publishers:
            sites: tuple[Evidence, ...] = tuple(consumers)
            message = f"event {event.id}{owner} is consumed but never published"
            hint = (
                "publish it, or if it comes from outside the analysed code declare that "
                f"(`# depcheck: publishes {event.id}` or [tool.depcheck.events.declare])"
            )
        elif wanted == RULE_EVENT_NOT_CONSUMED and publishers and not event.consumers:
            sites = tuple(publishers)
            message = f"event {event.id}{owner} is published but never consumed"
            hint = (
                "remove the publish if nobody needs it, or if it is consumed outside the analysed "
                f"code declare that (`# depcheck: consumes {event.id}` or [tool.depcheck.events.declare])"
            )
        elif wanted == RULE_EVENT_NO_OWNER and event.topic and event.owner is None and (
            publishers or consumers
        ):
            sites = tuple(sorted((*publishers, *consumers)))
            message = f"topic {event.id!r} has no owner, so its publishers and consumers depend on nobody"
            hint = (
                "assign it to the module whose language it speaks: "
                f'[tool.depcheck.events.owners] "{event.id}" = "<module>"'
            )
        else:
            continue
        findings.violations.append(
            Violation(
                rule=wanted,
                severity=WARNING,
                message=message,
                location=_location(sites),
                evidence=sites,
                hint=hint,
            )
        )
    return findings


def check_event_not_published(view: GraphView, config: Config) -> Findings:
    """**event-not-published**: an event is consumed but nothing in the analysed code publishes it.

    Why: the handler is dead code, or the publisher lives elsewhere and the
    dependency is invisible. Declare outside publishers to make it visible.
    """
    return _hygiene(view, RULE_EVENT_NOT_PUBLISHED)


def check_event_not_consumed(view: GraphView, config: Config) -> Findings:
    """**event-not-consumed**: an event is published but nothing in the analysed code consumes it."""
    return _hygiene(view, RULE_EVENT_NOT_CONSUMED)


def check_unused_config(view: GraphView, config: Config) -> Findings:
    """**unused-config**: an events owner glob that matches no event of the code.

    A stale or mistyped owner assigns nothing, and the dependencies it was
    meant to create silently vanish; say so at the entry's line.
    """
    findings = Findings()
    ids = [event.id for event in view.events]
    for glob, owner in config.events.owners:
        if any(fnmatch.fnmatchcase(event, glob) for event in ids):
            continue
        findings.violations.append(
            Violation(
                rule=RULE_UNUSED_CONFIG,
                severity=WARNING,
                message=f"events owner {glob!r} = {owner!r} matches no event of the analysed code",
                location=Location(config.file_name, config.line_of_quoted_key(glob) or 1, 1),
                hint="fix the glob (event ids are dotted names like 'shop.orders.events.OrderCreated', "
                "or topic strings), or remove the entry; `depcheck events` lists every event",
                key_extra=("owner", glob),
            )
        )
    return findings


def check_event_no_owner(view: GraphView, config: Config) -> Findings:
    """**event-no-owner**: a topic string is used but no module owns it.

    Why: without an owner, its publishers and consumers make no dependency,
    so depcheck cannot judge them by the layers.
    """
    return _hygiene(view, RULE_EVENT_NO_OWNER)


Check = Callable[[GraphView, Config], Findings]

# The registry: rule id -> check. Each check emits only its own rule id, so a
# suppression of one rule removes a dependency from exactly that rule's view.
RULES: dict[str, Check] = {
    RULE_LAYER: check_layers,
    RULE_INDEPENDENCE: check_independence,
    RULE_CYCLE: check_cycles,
    RULE_FORBIDDEN: check_forbidden,
    RULE_EVENT_NOT_PUBLISHED: check_event_not_published,
    RULE_EVENT_NOT_CONSUMED: check_event_not_consumed,
    RULE_EVENT_NO_OWNER: check_event_no_owner,
    RULE_UNUSED_CONFIG: check_unused_config,
}
