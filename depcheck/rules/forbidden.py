"""**forbidden**: explicit "A must not depend on B" rules, B internal or third-party.

Direct dependencies are always checked; with ``indirect = true`` (the
default) so are chains through any other modules, one shortest chain per
forbidden module reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from depcheck.config import Config, ForbiddenRule
from depcheck.model import ERROR, Evidence, Violation, matches
from depcheck.rules.base import Findings, Rule, RuleDoc, Search, chain_evidence, location, verb, via

if TYPE_CHECKING:
    from depcheck.graph import GraphView


@dataclass(frozen=True)
class ForbiddenSettings:
    """The ``[[forbidden]]`` rules."""

    rules: tuple[ForbiddenRule, ...] = ()

    @classmethod
    def of(cls, config: Config) -> ForbiddenSettings:
        return cls(config.forbidden)


def check(view: GraphView, settings: ForbiddenSettings) -> Findings:
    findings = Findings()
    for rule in settings.rules:
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
            if _forbidden_target(evidence.target, rule.targets) is not None:
                hits.setdefault(evidence.target, []).append(evidence)
        return [(name, tuple(ev)) for name, ev in sorted(hits.items())]

    search = Search()
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
            elif rule.indirect:
                search.reach(target, module)

    for current in search if rule.indirect else ():
        path = search.path(current)
        for name, evidence in external_hits(current):
            if name not in reported:
                reported.add(name)
                results.append(((*path, name), _forbidden_target(name, rule.targets) or name,
                                chain_evidence(view.adjacency, path) + evidence))
        for target in sorted(view.adjacency.get(current, {})):
            if target in source_set or target in search.parent:
                continue
            hit = _forbidden_target(target, rule.targets)
            if hit is not None:
                if target not in reported:
                    reported.add(target)
                    full = (*path, target)
                    results.append((full, hit, chain_evidence(view.adjacency, full)))
            else:
                search.reach(target, current)

    violations = []
    reason = f" ({rule.reason})" if rule.reason else ""
    for path, target, evidence in results:
        violations.append(
            Violation(
                rule=RULE.id,
                severity=ERROR,
                message=f"{path[0]} {verb(evidence)} {path[-1]}{via(path)}: "
                f"{source_prefix} must not depend on {target}{reason}",
                location=location(evidence),
                source=source_prefix,
                target=target,
                evidence=evidence,
                chain=path,
                hint=f"forbidden by {rule.where} in the config",
            )
        )
    return violations


RULE = Rule(
    id="forbidden",
    severity=ERROR,
    doc=RuleDoc(
        "A forbidden dependency",
        "A module depends on something a [[forbidden]] rule of the config says it must not depend on.",
        "Remove the dependency, or change the forbidden rule in the config.",
    ),
    settings=ForbiddenSettings.of,
    check=check,
    judges_dependencies=True,
)
