"""Output formats. Each is a pure function from plain data to text; only the
command line writes to stdout, so formats never print and never query the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable

from depcheck.model import EventCatalog, GraphSnapshot, Summary, Violation
from depcheck.report import events, github, gitlab, graphs, json_report, junit, sarif

CheckFormat = Callable[[Sequence[Violation], Summary, bool], str]


def _text(violations: Sequence[Violation], summary: Summary, color: bool) -> str:
    # rich costs start-up time; load it only when drawing text.
    from depcheck.report import text

    return text.render(violations, summary, color)


CHECK_FORMATS: dict[str, CheckFormat] = {
    "text": _text,
    "json": lambda violations, summary, color: json_report.render(violations, summary),
    "sarif": lambda violations, summary, color: sarif.render(violations, summary),
    "github": lambda violations, summary, color: github.render(violations, summary),
    "gitlab": lambda violations, summary, color: gitlab.render(violations, summary),
    "junit": lambda violations, summary, color: junit.render(violations, summary),
}

GRAPH_FORMATS: dict[str, Callable[[GraphSnapshot], str]] = {
    "json": graphs.render_json,
    "dot": graphs.render_dot,
    "mermaid": graphs.render_mermaid,
}

EVENT_FORMATS: dict[str, Callable[[EventCatalog], str]] = {
    "text": events.render_text,
    "json": events.render_json,
    "mermaid": events.render_mermaid,
}
