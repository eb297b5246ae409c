"""**event-not-published**: an event is consumed but nothing in the analysed code publishes it.

The handler is dead code, or the publisher lives elsewhere and the dependency
is invisible. Declaring the outside publisher makes it visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from depcheck.model import WARNING, Violation
from depcheck.rules.base import Findings, Rule, RuleDoc, location

if TYPE_CHECKING:
    from depcheck.graph import GraphView


def owned_by(owner: object) -> str:
    return f" (owned by {owner})" if owner else ""


def check(view: GraphView, settings: object) -> Findings:
    findings = Findings()
    for event in view.events:
        if event.external:  # a framework's own signal: published and consumed where we cannot see
            continue
        consumers = tuple(e for e in event.consumers if e not in view.ignored_event_sites)
        if consumers and not event.publishers:
            findings.violations.append(Violation(
                rule=RULE.id,
                severity=WARNING,
                message=f"event {event.id}{owned_by(event.owner)} is consumed but never published",
                location=location(consumers),
                evidence=consumers,
                hint="publish it, or if it comes from outside the analysed code declare that "
                f"(`# depcheck: publishes {event.id}` or [tool.depcheck.events.declare])",
            ))
    return findings


RULE = Rule(
    id="event-not-published",
    severity=WARNING,
    doc=RuleDoc(
        "An event is consumed but never published",
        "A module consumes an event that no analysed module publishes and no declaration says is "
        "published elsewhere: the handler may be dead, or the publisher is hidden from depcheck.",
        "Remove the handler, or declare the publisher ('# depcheck: publishes ID' or "
        "[tool.depcheck.events.declare]).",
    ),
    check=check,
)
