"""The rules: one module each, registered here, in the order their findings are checked.

Every other stage asks this table about a rule (its docs, whether a comment
may suppress it, whether the baseline may hold it) instead of keeping lists of
rule ids. A new rule is a new module with a ``RULE`` plus its line below (and
its docs in the README's rules table).
"""

from __future__ import annotations

from collections.abc import Iterable

from depcheck.model import ERROR, HOMEPAGE, Location, Violation
from depcheck.rules import (
    allowed,
    cycle,
    event_no_owner,
    event_not_consumed,
    event_not_published,
    exhaustive,
    forbidden,
    independence,
    interface,
    layer,
    parse_error,
    protected,
    stale_baseline,
    unused_config,
    unused_ignore,
)
from depcheck.rules.base import FILTER, GRAPH, Findings, Rule, RuleDoc

__all__ = [
    "FILTER", "GRAPH", "REGISTRY", "Findings", "Rule", "RuleDoc", "baselinable", "by_id", "doc",
    "exception_ids", "ordered", "rule_ids", "run_by_default", "suppressible_ids",
]

# In the order findings are reported (errors before warnings, then this order) and rules run:
# a rule runs after the rules that explain its findings (Rule.explained_by).
REGISTRY: dict[str, Rule] = {
    rule.key: rule
    for rule in (
        parse_error.RULE,
        layer.RULE,
        independence.RULE,
        forbidden.RULE,
        protected.RULE,
        allowed.RULE,
        exhaustive.RULE,
        interface.RULE,
        cycle.RULE,
        stale_baseline.RULE,
        event_not_published.RULE,
        event_not_consumed.RULE,
        event_no_owner.RULE,
        unused_config.RULE,
        unused_ignore.RULE,
    )
}

# The rule each public id stands for (protected, allowed and exhaustive report as another's id).
_BY_ID: dict[str, Rule] = {}
for _rule in REGISTRY.values():
    _BY_ID.setdefault(_rule.id, _rule)


def by_id(rule_id: str) -> Rule:
    """The rule that reports ``rule_id``; KeyError for an unknown id."""
    return _BY_ID[rule_id]


def doc(rule_id: str) -> RuleDoc:
    """A rule's docs; an id no rule reports (a finding from elsewhere) gets a generic one."""
    rule = _BY_ID.get(rule_id)
    if rule is not None:
        return rule.doc
    return RuleDoc(
        f"depcheck rule '{rule_id}'",
        f"A violation of the depcheck rule '{rule_id}'.",
        f"See the rules section of {HOMEPAGE}.",
    )


def rule_ids() -> tuple[str, ...]:
    """Every id a violation can carry, in report order (what ``select`` and ``ignore`` may name)."""
    return tuple(_BY_ID)


def suppressible_ids() -> tuple[str, ...]:
    """The ids a ``# depcheck: ignore[...]`` comment may name."""
    return tuple(rule_id for rule_id, rule in _BY_ID.items() if rule.suppressible)


def exception_ids() -> tuple[str, ...]:
    """The ids an ``[[exceptions]]`` entry may name: the rules that judge dependencies."""
    return tuple(rule_id for rule_id, rule in _BY_ID.items() if rule.judges_dependencies)


def baselinable(rule_id: str) -> bool:
    rule = _BY_ID.get(rule_id)
    return rule is None or rule.baselinable


_POSITION = {rule_id: position for position, rule_id in enumerate(_BY_ID)}


def ordered(violations: Iterable[Violation]) -> list[Violation]:
    """Cause first: errors before warnings, then by rule (registry order), then by location;
    cycles shortest first, then by their components."""

    def key(violation: Violation) -> tuple:
        loc = violation.location or Location("", 0, 0)
        where = (len(violation.cycle), violation.cycle) if violation.cycle else ()
        return (
            violation.severity != ERROR, _POSITION.get(violation.rule, len(_POSITION)), violation.rule,
            where, loc.file, loc.line, loc.column, violation.key,
        )

    return sorted(violations, key=key)


# Run on every check, with settings from the config; the contract-only rules run from contracts.
run_by_default: tuple[Rule, ...] = tuple(
    rule for rule in REGISTRY.values() if rule.stage == GRAPH and rule.key == rule.id
)
