"""**event-not-consumed**: an event is published but nothing in the analysed code consumes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from depcheck.model import WARNING, Violation
from depcheck.rules.base import Findings, Rule, RuleDoc, location
from depcheck.rules.event_not_published import owned_by

if TYPE_CHECKING:
    from depcheck.graph import GraphView


def check(view: GraphView, settings: object) -> Findings:
    findings = Findings()
    for event in view.events:
        if event.external:  # a framework's own signal: consumed where we cannot see
            continue
        publishers = tuple(e for e in event.publishers if e not in view.ignored_event_sites)
        if publishers and not event.consumers:
            findings.violations.append(Violation(
                rule=RULE.id,
                severity=WARNING,
                message=f"event {event.id}{owned_by(event.owner)} is published but never consumed",
                location=location(publishers),
                evidence=publishers,
                hint="remove the publish if nobody needs it, or if it is consumed outside the analysed "
                f"code declare that (`# depcheck: consumes {event.id}` or [tool.depcheck.events.declare])",
            ))
    return findings


RULE = Rule(
    id="event-not-consumed",
    severity=WARNING,
    doc=RuleDoc(
        "An event is published but never consumed",
        "A module publishes an event that nothing in the analysed code consumes.",
        "Remove the publish call, or declare its consumers when they live in another service.",
    ),
    check=check,
)
