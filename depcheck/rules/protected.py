"""**protected** (a contract check, reported as ``forbidden``): only the ``allowed`` importers,
and the protected package itself, may import a protected module directly.

It is "X must not depend on Y" written as the complement of a list, which is
why its findings carry the ``forbidden`` id (and a ``# depcheck:
ignore[forbidden]`` comment hides them). Only ``[[contracts]]`` of type
``protected`` configure it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from depcheck.config import Config
from depcheck.model import ERROR, Evidence, Location, Violation, matches
from depcheck.rules.base import Findings, Rule
from depcheck.rules.forbidden import RULE as FORBIDDEN

if TYPE_CHECKING:
    from depcheck.graph import GraphView


@dataclass(frozen=True)
class ProtectedSettings:
    """The ``protected`` contract's settings."""

    modules: tuple[str, ...] = ()  # the protected packages
    allowed: tuple[str, ...] = ()  # the only modules that may import them

    @classmethod
    def of(cls, config: Config) -> ProtectedSettings:
        return cls()  # no top-level key: contracts build it


def direct_violation(module: str, target: str, evidence: tuple[Evidence, ...], relation: str,
                     source: str, component: str, hint: str) -> Violation:
    """A forbidden direct import found by an allow-list (protected, allowed)."""
    first = evidence[0]
    return Violation(
        rule=FORBIDDEN.id,
        severity=ERROR,
        message=f"{module} imports {target}: {relation}",
        location=Location(first.file, first.line, first.column),
        source=source,
        target=component,
        evidence=tuple(evidence),
        chain=(module, target),
        hint=hint,
    )


def check(view: GraphView, settings: ProtectedSettings) -> Findings:
    findings = Findings()
    for module in view.modules:
        if any(matches(module, a) for a in settings.allowed):
            continue
        for target, evidence in sorted(view.adjacency.get(module, {}).items()):
            for protected in settings.modules:
                if matches(target, protected) and not matches(module, protected):
                    findings.violations.append(direct_violation(
                        module, target, evidence,
                        f"{protected} is protected: only "
                        f"{', '.join(settings.allowed) or 'itself'} may import it",
                        module, protected,
                        f"import it through {', '.join(settings.allowed)}" if settings.allowed
                        else "move the import into the protected package",
                    ))
                    break
    return findings


RULE = Rule(
    id=FORBIDDEN.id,
    name="protected",
    severity=ERROR,
    doc=FORBIDDEN.doc,
    settings=ProtectedSettings.of,
    check=check,
    judges_dependencies=True,
)
