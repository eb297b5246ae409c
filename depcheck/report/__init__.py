"""Output formats. Each is a pure function from plain data to text; only the
command line writes to stdout, so formats never print and never query the graph.

A format is a module of this package that registers its renderers in
``registry.py``; importing the package imports every format module (the lines
below, in the order ``--format`` lists them), and cli.py reads the registry.
"""

from __future__ import annotations

from depcheck.report.registry import (
    CHECK_FAILURES,
    CHECK_FORMATS,
    EVENT_FORMATS,
    EXPLAIN_FORMATS,
    GRAPH_FORMATS,
)

# isort: off
from depcheck.report import text, concise, json_report, sarif, github, gitlab, junit  # check
from depcheck.report import graphs, html, events, paths  # graph (html: the map), events, explain
# isort: on

__all__ = [
    "CHECK_FAILURES", "CHECK_FORMATS", "EVENT_FORMATS", "EXPLAIN_FORMATS", "GRAPH_FORMATS",
    "concise", "events", "github", "gitlab", "graphs", "html", "json_report", "junit", "paths", "sarif",
    "text",
]
