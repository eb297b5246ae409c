"""**unused-config**: an events owner glob that matches no event of the code.

A stale or mistyped owner assigns nothing, and the dependencies it was meant
to create silently vanish; say so at the entry's line.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depcheck.config import Config, OwnerRule
from depcheck.model import WARNING, Location, Violation
from depcheck.rules.base import Findings, Rule, RuleDoc

if TYPE_CHECKING:
    from depcheck.graph import GraphView


@dataclass(frozen=True)
class UnusedConfigSettings:
    """What the unused-config rule checks: the event owners and the config file's name."""

    owners: tuple[OwnerRule, ...] = ()
    config_file: str = ""  # as reports name it

    @classmethod
    def of(cls, config: Config) -> UnusedConfigSettings:
        return cls(config.events.owners, config.file_name)


def check(view: GraphView, settings: UnusedConfigSettings) -> Findings:
    findings = Findings()
    ids = [event.id for event in view.events]
    for owner in settings.owners:
        if any(fnmatch.fnmatchcase(event, owner.event) for event in ids):
            continue
        findings.violations.append(Violation(
            rule=RULE.id,
            severity=WARNING,
            message=f"events owner {owner.event!r} = {owner.owner!r} matches no event of the analysed code",
            location=Location(settings.config_file, owner.line, 1),
            hint="fix the glob (event ids are dotted names like 'shop.orders.events.OrderCreated', "
            "or topic strings), or remove the entry; `depcheck events` lists every event",
            identity=(RULE.id, settings.config_file, "owner", owner.event),
        ))
    return findings


RULE = Rule(
    id="unused-config",
    severity=WARNING,
    doc=RuleDoc(
        "A config entry matches nothing",
        "An entry of [tool.depcheck.events.owners] matches no event of the analysed code, so it "
        "assigns nothing: a typo, or an event that was renamed or removed.",
        "Fix the glob, or remove the entry.",
    ),
    settings=UnusedConfigSettings.of,
    check=check,
    suppressible=False,
)
