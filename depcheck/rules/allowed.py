"""**allowed** (a contract check, reported as ``forbidden``): a listed component with a
``depends_on`` entry uses only those components, and the ``utility`` ones.

The allow-list form of ``forbidden``; see protected.py for why it reports
under that id. Only ``[[contracts]]`` of type ``allowed`` configure it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from depcheck.config import Config
from depcheck.model import ERROR, matches
from depcheck.rules.base import Components, Findings, Rule
from depcheck.rules.forbidden import RULE as FORBIDDEN
from depcheck.rules.protected import direct_violation

if TYPE_CHECKING:
    from depcheck.graph import GraphView


@dataclass(frozen=True)
class AllowedSettings:
    """The ``allowed`` contract's settings."""

    modules: tuple[str, ...] = ()  # the components
    depends_on: tuple[tuple[str, tuple[str, ...]], ...] = ()  # component -> what it may use
    utility: tuple[str, ...] = ()  # anyone may depend on these

    @classmethod
    def of(cls, config: Config) -> AllowedSettings:
        return cls()  # no top-level key: contracts build it


def check(view: GraphView, settings: AllowedSettings) -> Findings:
    components = Components(settings.modules)
    allowed = dict(settings.depends_on)
    listed = frozenset(settings.modules)
    findings = Findings()
    for module in view.modules:
        mine = components.of(module)
        if mine is None or mine not in allowed:
            continue
        for target, evidence in sorted(view.adjacency.get(module, {}).items()):
            theirs = components.of(target)
            if theirs is None or theirs == mine or any(matches(theirs, u) for u in settings.utility):
                continue
            # A listed component is a unit: naming it allows it, not the listed components inside it
            # (tach's modules: ``tach`` is not ``tach.cli``); a package no module lists allows all inside.
            if not any(theirs == a or a not in listed and matches(theirs, a) for a in allowed[mine]):
                findings.violations.append(direct_violation(
                    module, target, evidence,
                    f"{mine} may depend only on {', '.join(allowed[mine]) or 'nothing listed'}",
                    mine, theirs, f"add {theirs} to depends_on of {mine}, or remove the import",
                ))
    return findings


RULE = Rule(
    id=FORBIDDEN.id,
    name="allowed",
    severity=ERROR,
    doc=FORBIDDEN.doc,
    settings=AllowedSettings.of,
    check=check,
    judges_dependencies=True,
)
