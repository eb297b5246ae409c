"""What pictures draw: the graph snapshot (``depcheck graph``, the map) and the event catalog.

Built from a run's config, graph and violations; the formats of report/ render
them. Pictures draw components as the cycle rule sees them (the layers' or
``acyclic`` entries, else each package's children), so a loop's hops are
arrows of the picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Callable, Optional

from depcheck.config import Config
from depcheck.model import EventCatalog, Evidence, GraphSnapshot, Violation
from depcheck.rules.base import Components
from depcheck.rules.cycle import CycleSettings

if TYPE_CHECKING:
    from depcheck.graph import DependencyGraph

ComponentOf = Callable[[str], Optional[str]]


def component_names(config: Config, modules: Sequence[str]) -> ComponentOf:
    """A module's component: a layer entry, else one of the cycle rule's components."""
    acyclic = CycleSettings.of(config).components(modules)
    return Components((*config.layer_components, *acyclic)).of


def blamed(violation: Violation, component_of: ComponentOf) -> list[tuple[str, str]]:
    """The component pair a violation is drawn on: a cycle's hop to cut, else its chain's ends.

    The hop a cycle is located at starts in the component of the evidence there and may run on
    through modules outside every component: its end is the loop's next component. A forbidden
    target outside every component (a third-party package) keeps its own name.
    """
    if violation.cycle:
        loop = violation.cycle
        starts = {component_of(e.source) for e in _located(violation)}
        return sorted((a, loop[loop.index(a) + 1]) for a in starts if a in loop[:-1])
    if len(violation.chain) < 2:
        return []
    source = component_of(violation.chain[0])
    target = component_of(violation.chain[-1]) or violation.target or violation.chain[-1]
    return [(source, target)] if source and source != target else []


def _located(violation: Violation) -> list[Evidence]:
    """The evidence at the violation's location: for a cycle, the hop it says to cut."""
    at = violation.location
    if at is None:
        return []
    return [e for e in violation.evidence if (e.file, e.line) == (at.file, at.line)]


def _module_pairs(violation: Violation) -> set[tuple[str, str]]:
    """The module edges a violation is drawn on: a cycle's located edge, else its chain."""
    if violation.cycle:
        return {(e.source, e.target) for e in _located(violation)}
    return set(zip(violation.chain, violation.chain[1:]))


def snapshot(
    config: Config, graph: DependencyGraph, violations: Sequence[Violation], *, components: bool = False
) -> GraphSnapshot:
    """The module graph, or the component graph, with the pairs that violations are drawn on, and
    what the map adds: every module's component, every drawn site, each violation with its pair,
    the event catalog."""
    component_of = component_names(config, graph.modules)
    on = [(a, b, v) for v in violations for a, b in blamed(v, component_of)]
    if components:
        violating = {(a, b) for a, b, _ in on}
    else:
        violating = {pair for v in violations for pair in _module_pairs(v)}
    drawn = tuple(sorted(e for evidence in graph.edges.values() for e in _drawn(evidence)))
    edges = [(e.source, e.target, e.kind, e.file, e.line) for e in drawn]
    nodes: Sequence[str] = graph.modules
    if components:
        # A site between two components, once per line and kind.
        edges = sorted({
            (a, b, kind, path, line)
            for source, target, kind, path, line in edges
            if (a := component_of(source)) and (b := component_of(target)) and a != b
        })
        nodes = sorted({component_of(m) for m in graph.modules} - {None})
    return GraphSnapshot(
        tuple(nodes), tuple(sorted(edges)), config.layers, frozenset(violating), components,
        members=tuple((m, component_of(m) or "") for m in sorted(graph.modules)),
        evidence=drawn,
        blamed=tuple(on),
        events=graph.events,
    )


def _drawn(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """An edge's evidence as pictures show it: the uses an import enables are that import."""
    if any(e.kind == "import" for e in evidence):
        return tuple(e for e in evidence if e.kind not in ("call", "use"))
    return evidence


def event_catalog(config: Config, graph: DependencyGraph) -> EventCatalog:
    """Every event with its owner and sites, and the component of each module involved."""
    component_of = component_names(config, graph.modules)
    modules = {
        e.source for event in graph.events for e in (*event.definitions, *event.publishers, *event.consumers)
    }
    modules.update(event.owner for event in graph.events if event.owner)
    return EventCatalog(
        graph.events, tuple(sorted((m, component_of(m) or m) for m in modules)),
        config.events.presets, len(config.events.patterns),
    )
