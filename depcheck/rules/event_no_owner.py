"""**event-no-owner**: a topic string is used but no module owns it.

Without an owner, its publishers and consumers make no dependency, so
depcheck cannot judge them by the layers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from depcheck.model import WARNING, CatalogEvent, Violation
from depcheck.rules.base import Findings, Rule, RuleDoc, location

if TYPE_CHECKING:
    from depcheck.graph import GraphView


def check(view: GraphView, settings: object) -> Findings:
    findings = Findings()
    for event in view.events:
        if event.external or not event.topic or event.owner is not None:
            continue
        sites = tuple(sorted(
            e for e in (*event.publishers, *event.consumers) if e not in view.ignored_event_sites
        ))
        if sites:
            findings.violations.append(Violation(
                rule=RULE.id,
                severity=WARNING,
                message=_message(event),
                location=location(sites),
                evidence=sites,
                hint="assign it to the module whose language it speaks: "
                f'[tool.depcheck.events.owners] "{event.id}" = "<module>"',
            ))
    return findings


_CLAIMS = {"define": "defined", "publish": "published", "consume": "consumed"}


def _message(event: CatalogEvent) -> str:
    if event.claimants:
        where = "in several modules" if event.claim == "define" else "by modules of different components"
        return (
            f"topic {event.id!r} is {_CLAIMS[event.claim]} {where} ({', '.join(event.claimants)}) and "
            "none of them owns it, so its publishers and consumers depend on nobody"
        )
    return f"topic {event.id!r} has no owner, so its publishers and consumers depend on nobody"


RULE = Rule(
    id="event-no-owner",
    severity=WARNING,
    doc=RuleDoc(
        "A topic has no owner",
        "A topic string is published or consumed, but no module defines it and no "
        "[tool.depcheck.events.owners] glob assigns it, so it creates no dependency.",
        "Assign the topic to the module that owns it in [tool.depcheck.events.owners].",
    ),
    check=check,
)
