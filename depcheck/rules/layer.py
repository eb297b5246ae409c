"""**layer**: a module depends on a module in a higher layer.

A module in a lower layer must not depend (by import or event) on a module in
a higher layer, directly or through modules that belong to no layer. The
lower layer can then change, be tested and be reused without the higher one;
upward communication goes through events the lower layer owns.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depcheck.config import Config
from depcheck.model import ERROR, Violation
from depcheck.rules.base import (
    Components,
    Findings,
    Rule,
    RuleDoc,
    component_dependencies,
    location,
    path_evidence,
    verb,
    via,
)

if TYPE_CHECKING:
    from depcheck.graph import GraphView


@dataclass(frozen=True)
class LayerSettings:
    """A layer stack, highest first; ``open_layers`` are indices whose siblings may know each other."""

    layers: tuple[tuple[str, ...], ...] = ()
    open_layers: frozenset[int] = frozenset()

    @classmethod
    def of(cls, config: Config) -> LayerSettings:
        return cls(config.layers, config.open_layers)


def layered_dependencies(view: GraphView, settings: LayerSettings, rule_id: str, *, upward: bool) -> Findings:
    """The upward (``upward``) or else the sibling dependencies of a layer stack, reported as
    ``rule_id``: the layer and independence rules differ only in which pairs they judge."""
    findings = Findings()
    if not settings.layers:
        return findings
    rank = {name: index for index, layer in enumerate(settings.layers) for name in layer}
    for found in component_dependencies(view, Components(rank)):
        name, members = found.name, found.members
        mine = rank[name]
        if not upward and mine in settings.open_layers:
            continue  # its siblings may know each other, and no other pair is judged here
        # The components it must not depend on, then only the paths to them, picked out in C:
        # most paths go where they may (at 20k modules, 3k of 85k are violations).
        judged = {
            target for target in set(found.targets)
            if (rank[target] < mine if upward else rank[target] == mine)
        }
        if not judged:
            continue
        pairs = zip(found.paths, found.targets)
        for path, target in itertools.compress(pairs, map(judged.__contains__, found.targets)):
            theirs = rank[target]
            if upward:
                relation = (
                    f"{name} (layer {mine + 1}) must not depend on the higher layer {target} "
                    f"(layer {theirs + 1})"
                )
                hint = (
                    f"move what {name} needs from {target} down, or let {name} publish an "
                    f"event of its own that {target} consumes"
                )
            else:
                relation = f"{name} and {target} are siblings in layer {mine + 1} and must stay independent"
                hint = f"move what they share into a lower layer, or merge {name} and {target}"
            evidence = path_evidence(view.adjacency, path, members)
            if upward and any(e.kind == "consume" for e in evidence):
                # Consuming a higher module's events is the choreography half of the seed note.
                hint = (
                    f"{name} listens to events of {target}, so it knows about {target}; invert it "
                    f"(orchestration): let {name} define command events of its own that {target} "
                    "publishes, and replies that it consumes"
                )
            findings.violations.append(
                Violation(
                    rule=rule_id,
                    severity=ERROR,
                    message=f"{path[0]} {verb(evidence)} {path[-1]}{via(path)}: {relation}",
                    location=location(evidence),
                    source=name,
                    target=target,
                    evidence=evidence,
                    chain=path,
                    hint=hint,
                )
            )
    return findings


def check(view: GraphView, settings: LayerSettings) -> Findings:
    return layered_dependencies(view, settings, "layer", upward=True)


RULE = Rule(
    id="layer",
    severity=ERROR,
    doc=RuleDoc(
        "A module depends on a higher layer",
        "A module depends (by import or event) on a module in a higher layer, directly or through "
        "modules that belong to no layer. Lower layers must not know the layers above them.",
        "Move what the lower layer needs down, or let it publish an event of its own that the "
        "higher layer consumes.",
    ),
    settings=LayerSettings.of,
    check=check,
    judges_dependencies=True,
)
