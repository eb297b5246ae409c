"""**stale-baseline**: an entry of the baseline whose violation is fixed.

Baselines only shrink: the entry must go, so that the violation cannot come
back unnoticed. It judges the baseline, so it runs in the filter stage
(depcheck/filters/baseline.py matches entries); this module says what a
finding is.
"""

from __future__ import annotations

from depcheck.model import ERROR, Location, Violation
from depcheck.rules.base import FILTER, Rule, RuleDoc


def stale_entry(key: tuple[str, ...], baseline_file: str, line: int, update_command: str) -> Violation:
    return Violation(
        rule=RULE.id,
        severity=ERROR,
        message=f"fixed violation still in the baseline: {key[0]} {' '.join(key[1:])}",
        location=Location(baseline_file, line, 1),
        hint=f"run '{update_command}' to drop fixed entries, then commit {baseline_file}",
        identity=(RULE.id, baseline_file, *key),
    )


RULE = Rule(
    id="stale-baseline",
    severity=ERROR,
    doc=RuleDoc(
        "A baseline entry no longer matches a violation",
        "The baseline lists a violation that is fixed. Baselines only shrink: the entry must go so "
        "that the violation cannot come back unnoticed.",
        "Run 'depcheck baseline --prune' to drop fixed entries, and commit the baseline.",
    ),
    stage=FILTER,
    suppressible=False,
    baselinable=False,
)
