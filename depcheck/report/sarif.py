"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

Rule descriptions come from the rule registry (``depcheck.rules.doc``).
Results point at ``Violation.location``: the site in the lower module a
pull request touches. The other hops are related locations, and the
line-independent ``Violation.fingerprint`` lets viewers track a result across
line shifts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path, PurePath

from depcheck import __version__
from depcheck.model import ERROR, HOMEPAGE, Summary, Violation
from depcheck.report.evidence import evidence_line
from depcheck.report.registry import CHECK_FAILURES, CHECK_FORMATS

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "depcheck/v1"


def _rule(rule: str) -> dict:
    from depcheck.rules import doc as rule_doc  # the registry loads every rule: only for SARIF

    doc = rule_doc(rule)
    return {
        "id": rule,
        "name": rule,
        "shortDescription": {"text": doc.short},
        "fullDescription": {"text": doc.full},
        "help": {"text": doc.help, "markdown": doc.help},
        "helpUri": f"{HOMEPAGE}#rules",
    }


def _artifact(path: str, summary: Summary) -> dict:
    if PurePath(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": summary.repo_path(path), "uriBaseId": "%SRCROOT%"}


def _physical(path: str, line: int, column: int, summary: Summary) -> dict:
    return {
        "artifactLocation": _artifact(path, summary),
        "region": {"startLine": max(line, 1), "startColumn": max(column, 1)},
    }


def _result(violation: Violation, index: dict[str, int], summary: Summary) -> dict:
    text = violation.message + (f"\nhint: {violation.hint}" if violation.hint else "")
    result: dict = {
        "ruleId": violation.rule,
        "ruleIndex": index[violation.rule],
        "level": "error" if violation.severity == ERROR else "warning",
        "message": {"text": text},
        "partialFingerprints": {FINGERPRINT_KEY: violation.fingerprint},
    }
    loc = violation.location
    if loc is not None:
        result["locations"] = [
            {"physicalLocation": _physical(loc.file, loc.line, loc.column, summary)}
        ]
    related = []
    for evidence in violation.evidence:
        if loc is not None and (evidence.file, evidence.line, evidence.column) == (
            loc.file, loc.line, loc.column
        ):
            continue
        related.append(
            {
                "id": len(related),
                "physicalLocation": _physical(evidence.file, evidence.line, evidence.column, summary),
                # The location is the related location's own; the message says the rest.
                "message": {"text": evidence_line(evidence, where=False)},
            }
        )
    if related:
        result["relatedLocations"] = related
    return result


@CHECK_FORMATS.register("sarif")
def render(violations: Sequence[Violation], summary: Summary, color: bool = False) -> str:
    rules = sorted({v.rule for v in violations})
    index = {rule: position for position, rule in enumerate(rules)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "depcheck",
                        "version": __version__,
                        "informationUri": HOMEPAGE,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "results": [_result(v, index, summary) for v in violations],
                # Notes (how many baselined violations were skipped, cycles not shown)
                # have no result to hang on; SARIF keeps them as notifications of the run.
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {"level": "note", "message": {"text": note}} for note in summary.notes
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


@CHECK_FAILURES.register("sarif")
def failed(problems: Sequence[str]) -> str:
    """A run that could not happen: no results, ``executionSuccessful`` false and each problem as
    an error notification (what code scanning shows as the tool's failure)."""
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "depcheck", "version": __version__, "informationUri": HOMEPAGE,
                                    "rules": []}},
                "results": [],
                "invocations": [
                    {
                        "executionSuccessful": False,
                        "exitCode": 2,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": problem}} for problem in problems
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
