"""**exhaustive** (a contract check, reported as ``layer``): in an exhaustive layers contract,
every child of a container must be in some layer (or in ``exhaustive_ignores``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from depcheck.config import Config
from depcheck.model import ERROR, Location, Violation
from depcheck.rules.base import Findings, Rule
from depcheck.rules.layer import RULE as LAYER

if TYPE_CHECKING:
    from depcheck.graph import GraphView


@dataclass(frozen=True)
class ExhaustiveSettings:
    """The ``exhaustive`` contract's settings."""

    contract: str = ""
    containers: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()  # layer entries, relative to each container
    ignored: tuple[str, ...] = ()  # exhaustive_ignores, relative to each container

    @classmethod
    def of(cls, config: Config) -> ExhaustiveSettings:
        return cls()  # no top-level key: contracts build it


def check(view: GraphView, settings: ExhaustiveSettings) -> Findings:
    findings = Findings()
    for container in settings.containers:
        listed = {f"{container}.{n}" for n in settings.listed}
        ignored = {f"{container}.{n}" for n in settings.ignored}
        prefix = container + "."
        children = sorted({
            prefix + m[len(prefix):].split(".")[0] for m in view.modules if m.startswith(prefix)
        })
        for child in children:
            if child in listed or child in ignored:
                continue
            path = view.paths.get(child)
            findings.violations.append(
                Violation(
                    rule=LAYER.id,
                    severity=ERROR,
                    message=f"{child} is in none of the layers of exhaustive contract '{settings.contract}'",
                    location=Location(path, 1, 1) if path else None,
                    source=child,
                    hint="add it to a layer, or to exhaustive_ignores",
                )
            )
    return findings


RULE = Rule(
    id=LAYER.id,
    name="exhaustive",
    severity=ERROR,
    doc=LAYER.doc,
    settings=ExhaustiveSettings.of,
    check=check,
    judges_dependencies=True,
)
