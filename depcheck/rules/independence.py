"""**independence**: siblings listed together in one layer depend on each other.

Same direct/indirect semantics as ``layer``: a dependency counts when it is
direct or runs through modules that belong to no layer. A layer written as
``{ modules = [...], independent = false }`` lets its siblings depend on each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from depcheck.model import ERROR
from depcheck.rules.base import Findings, Rule, RuleDoc
from depcheck.rules.layer import LayerSettings, layered_dependencies

if TYPE_CHECKING:
    from depcheck.graph import GraphView


def check(view: GraphView, settings: LayerSettings) -> Findings:
    return layered_dependencies(view, settings, "independence", upward=False)


RULE = Rule(
    id="independence",
    severity=ERROR,
    doc=RuleDoc(
        "Sibling components depend on each other",
        "Components listed together in one layer must stay independent, but one depends on the "
        "other, directly or through modules that belong to no layer.",
        "Move what the siblings share into a lower layer, or merge them.",
    ),
    settings=LayerSettings.of,
    check=check,
    judges_dependencies=True,
)
