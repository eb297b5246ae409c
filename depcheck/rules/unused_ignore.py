"""**unused-ignore**: a suppression comment or an accepted dependency that hides nothing.

It judges the ignores themselves, so it runs in the filter stage
(depcheck/filters/ignores.py works out which ignores were used, from what the
rules report with nothing ignored); this module says what each finding is.
A stale ignore can hide a future violation, so it surfaces as a warning.
"""

from __future__ import annotations

from collections.abc import Iterable

from depcheck.config import AcceptedDependency
from depcheck.model import WARNING, Location, Suppression, Violation
from depcheck.rules.base import FILTER, Rule, RuleDoc

COMMENT = "comment"  # identity part of a finding about a suppression comment


def unknown_rules(
    path: str, suppression: Suppression, unknown: Iterable[str], known: Iterable[str]
) -> Violation:
    return Violation(
        rule=RULE.id,
        severity=WARNING,
        message=f"unknown rule {', '.join(repr(r) for r in unknown)} in suppression; "
        f"known rules: {', '.join(known)}",
        location=Location(path, suppression.line, 1),
        hint="remove the comment, or fix its rule names",
        identity=(RULE.id, path, COMMENT, *suppression.rules),
    )


def unused_comment(path: str, suppression: Suppression) -> Violation:
    what = ", ".join(suppression.rules) or "any rule"
    return Violation(
        rule=RULE.id,
        severity=WARNING,
        message=f"unused suppression: no {what} violation on this line",
        location=Location(path, suppression.line, 1),
        hint="remove the comment, or fix its rule names",
        identity=(RULE.id, path, COMMENT, *suppression.rules),
    )


def unused_exception(exception: AcceptedDependency, config_file: str) -> Violation:
    return Violation(
        rule=RULE.id,
        severity=WARNING,
        message=f"unused exception {exception.where} ({exception.source} -> {exception.target}): "
        "it matches no dependency that a rule would report",
        location=Location(config_file, exception.line, 1),
        hint="remove it from the config",
        identity=(RULE.id, config_file, "exception", exception.source, exception.target),
    )


def unmatched_ignore(ignore: AcceptedDependency, contract: str, line: int, config_file: str) -> Violation:
    """A contract's ``ignore_imports`` line that matches no import at all (import-linter's alert)."""
    return Violation(
        rule=RULE.id,
        severity=WARNING,
        message=f"{ignore.where} ({ignore.source} -> {ignore.target}) matches no import",
        location=Location(config_file, line, 1),
        hint="remove it from the contract, or fix the module names",
        contract=contract,
        identity=(RULE.id, config_file, "ignore_imports", contract, ignore.source, ignore.target),
    )


def is_about_a_comment(violation: Violation) -> bool:
    """Whether an unused-ignore finding is about a comment (which the codemod can remove)."""
    return violation.rule == RULE.id and violation.identity[2:3] == (COMMENT,)


RULE = Rule(
    id="unused-ignore",
    severity=WARNING,
    doc=RuleDoc(
        "A suppression hides nothing",
        "A '# depcheck: ignore' comment or a config exception matches no dependency a rule would "
        "report, or names an unknown rule.",
        "Remove it (depcheck check --remove-unused-ignores edits the comments), or fix its rule names.",
    ),
    stage=FILTER,
    suppressible=False,
    baselinable=False,
)
