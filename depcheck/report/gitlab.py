"""GitLab Code Quality report (the ``codequality`` artifact): a JSON list of issues.

GitLab matches issues between the base and the merge request by fingerprint, so
it is the line-independent ``Violation.fingerprint``, re-salted when two issues
share one (GitLab drops duplicates).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from depcheck.model import ERROR, Summary, Violation, short_digest
from depcheck.report.registry import CHECK_FAILURES, CHECK_FORMATS


def _unique(fingerprint: str, seen: set[str]) -> str:
    salt = 0
    candidate = fingerprint
    while candidate in seen:
        salt += 1
        candidate = short_digest(f"{fingerprint}:{salt}")
    seen.add(candidate)
    return candidate


@CHECK_FORMATS.register("gitlab")
def render(violations: Sequence[Violation], summary: Summary, color: bool = False) -> str:
    seen: set[str] = set()
    issues = []
    for violation in violations:
        loc = violation.location
        description = violation.message + (f" (hint: {violation.hint})" if violation.hint else "")
        issues.append(
            {
                "description": description,
                "check_name": violation.rule,
                "fingerprint": _unique(violation.fingerprint, seen),
                "severity": "major" if violation.severity == ERROR else "minor",
                "location": {
                    # An issue needs a path; violations without one point at the project root.
                    "path": summary.repo_path(loc.file) if loc else (summary.root or "."),
                    "lines": {"begin": loc.line if loc else 1},
                },
            }
        )
    return json.dumps(issues, indent=2) + "\n"


# "config error: pyproject.toml:12: tool.depcheck.layers: ...": the file and line a problem names.
_WHERE = re.compile(r"^(?:[a-z ]*error: )?([^:\s][^:]*):(\d+):")


@CHECK_FAILURES.register("gitlab")
def failed(problems: Sequence[str]) -> str:
    """A run that could not happen: one blocker issue per problem (check_name ``depcheck-error``),
    at the file and line it names, else the project root; an empty list would read as clean."""
    issues = []
    for problem in problems or ["depcheck could not run"]:
        where = _WHERE.match(problem)
        issues.append({
            "description": f"depcheck could not run: {problem}",
            "check_name": "depcheck-error",
            "fingerprint": short_digest(problem),
            "severity": "blocker",
            "location": {"path": where.group(1) if where else ".",
                         "lines": {"begin": int(where.group(2)) if where else 1}},
        })
    return json.dumps(issues, indent=2) + "\n"
