"""The JSON report: a versioned contract (see README, "JSON output")."""

from __future__ import annotations

import json
from collections.abc import Sequence

from depcheck.model import Summary, Violation
from depcheck.report.registry import CHECK_FAILURES, CHECK_FORMATS

VERSION = 1


def violation_to_json(violation: Violation) -> dict:
    data: dict = {
        "rule": violation.rule,
        "severity": violation.severity,
        "message": violation.message,
    }
    if violation.source is not None or violation.target is not None:
        # A finding about a dependency between components names them.
        data["source"] = violation.source
        data["target"] = violation.target
    if violation.cycle:
        data["cycle"] = list(violation.cycle)
    if violation.contract is not None:
        data["contract"] = violation.contract
    if violation.location is not None:
        data["location"] = {
            "file": violation.location.file,
            "line": violation.location.line,
            "column": violation.location.column,
        }
    closes = violation.closes
    if closes is not None:
        data["closes"] = [list(loop) for loop in closes.loops]
        if closes.total > len(closes.loops) or closes.at_least:
            data["closes_total"] = closes.total
        if closes.at_least:
            data["closes_at_least"] = True
        if any(closes.events):
            # A loop that runs through events is a choreography: which events, loop by loop.
            data["closes_events"] = [list(events) for events in closes.events]
    data["evidence"] = [e.to_json() for e in violation.evidence]
    if violation.chain:
        data["chain"] = list(violation.chain)
    if violation.hint:
        data["hint"] = violation.hint
    data["fingerprint"] = violation.fingerprint
    return data


@CHECK_FORMATS.register("json")
def render(violations: Sequence[Violation], summary: Summary, color: bool = False) -> str:
    """The document with one violation per line.

    Each line is written by json's C encoder; ``json.dumps(indent=...)`` runs in
    pure Python and was the slowest step of a cached run on large reports. One
    line per violation also keeps the output greppable and diff-friendly.
    """
    items = ",\n    ".join(json.dumps(violation_to_json(v)) for v in violations)
    body = f"[\n    {items}\n  ]" if violations else "[]"
    return (
        f'{{\n  "version": {VERSION},\n  "violations": {body},\n'
        f'  "summary": {json.dumps(summary.to_json())}\n}}\n'
    )


@CHECK_FAILURES.register("json")
def failed(problems: Sequence[str]) -> str:
    """A run that could not happen (exit 2): ``error`` is the first problem, ``problems`` all."""
    return json.dumps({"version": VERSION, "error": problems[0] if problems else "depcheck could not run",
                       "problems": list(problems)}, indent=2) + "\n"
