"""**parse-error**: a file that cannot be read or parsed; the run goes on without its dependencies.

Never suppressed by a comment nor baselined: a file that does not parse hides
its dependencies, so it is always reported (fix it, or exclude it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from depcheck.model import ERROR, Location, Violation
from depcheck.rules.base import Findings, Rule, RuleDoc

if TYPE_CHECKING:
    from depcheck.graph import GraphView


def check(view: GraphView, settings: object) -> Findings:
    findings = Findings()
    for path, failure in view.failures:
        findings.violations.append(Violation(
            rule=RULE.id,
            severity=ERROR,
            message=f"cannot parse {path}: {failure.message}",
            location=Location(path, failure.line, failure.column),
            hint="its dependencies are unknown until it parses; fix the syntax or exclude the file",
            identity=(RULE.id, path, failure.message),
        ))
    return findings


RULE = Rule(
    id="parse-error",
    severity=ERROR,
    doc=RuleDoc(
        "A file cannot be parsed",
        "depcheck could not read or parse a file, so its dependencies are unknown.",
        "Fix the syntax, or exclude the file in the config.",
    ),
    check=check,
    suppressible=False,
    baselinable=False,
)
