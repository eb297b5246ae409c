"""Suppressions (``# depcheck: ignore[...]``), config exceptions, and the baseline.

Both take a dependency out of a rule's view *before* paths are searched (as
import-linter's ``ignore_imports`` does), so an accepted import can neither be
reported directly nor be the hidden middle hop of an indirect violation.
A suppression or exception that removes nothing a rule would report is an
``unused-ignore`` warning, so stale ones surface.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Optional

from depcheck.config import Config, Exception_
from depcheck.graph import Keep
from depcheck.model import (
    DEPENDENCY_RULES,
    ERROR,
    EVENT_RULES,
    RULE_PARSE_ERROR,
    RULE_STALE_BASELINE,
    RULE_UNUSED_IGNORE,
    WARNING,
    Evidence,
    FileFacts,
    Location,
    SourceFile,
    Suppression,
    Violation,
)


@dataclass(frozen=True)
class Ignores:
    """Every suppression comment (by file and line) and config exception of a run."""

    comments: Mapping[tuple[str, int], Suppression]
    exceptions: tuple[Exception_, ...]

    @classmethod
    def collect(
        cls, files: Iterable[SourceFile], facts: Mapping[str, FileFacts], config: Config
    ) -> Ignores:
        comments = {}
        for source in files:
            file_facts = facts.get(source.module)
            for suppression in file_facts.suppressions if file_facts else ():
                comments[(source.path, suppression.line)] = suppression
        return cls(comments, config.exceptions)

    def __bool__(self) -> bool:
        return bool(self.comments or self.exceptions)

    def _comment_for(self, evidence: Evidence, rule: str) -> Optional[Suppression]:
        # A use is covered by a comment on its own line or on the import that bound its name.
        for line in (evidence.line, evidence.import_line):
            found = self.comments.get((evidence.file, line)) if line else None
            if found is not None and (not found.rules or rule in found.rules):
                return found
        return None

    def _exception_for(self, evidence: Evidence, rule: str) -> Optional[Exception_]:
        for exception in self.exceptions:
            if exception.rules and rule not in exception.rules:
                continue
            if exception.covers(evidence.source, evidence.target):
                return exception
            # An accepted import also accepts the uses it enables, wherever they land.
            if evidence.import_target and exception.covers(evidence.source, evidence.import_target):
                return exception
        return None

    def keep(self, rule: str) -> Optional[Keep]:
        """The predicate a rule's view is filtered with, or None when nothing is ignored."""
        if not self:
            return None

        def keep(evidence: Evidence) -> bool:
            return (
                self._comment_for(evidence, rule) is None
                and self._exception_for(evidence, rule) is None
            )

        return keep

    def unused(self, unfiltered: Mapping[str, list[Violation]], config: Config) -> list[Violation]:
        """Warnings for the ignores that hide nothing ``unfiltered`` (rule -> violations) reports."""
        used_comments: set[tuple[str, int]] = set()
        used_exceptions: set[str] = set()
        for rule, violations in unfiltered.items():
            for violation in violations:
                for evidence in violation.evidence:
                    comment = self._comment_for(evidence, rule)
                    if comment is not None:
                        used_comments.add((evidence.file, comment.line))
                    exception = self._exception_for(evidence, rule)
                    if exception is not None:
                        used_exceptions.add(exception.key)
        warnings = []
        for (path, line), suppression in sorted(self.comments.items()):
            unknown = [r for r in suppression.rules if r not in DEPENDENCY_RULES + EVENT_RULES]
            if unknown:
                message = (
                    f"unknown rule {', '.join(repr(r) for r in unknown)} in suppression; "
                    f"known rules: {', '.join(DEPENDENCY_RULES + EVENT_RULES)}"
                )
            elif (path, line) not in used_comments:
                what = ", ".join(suppression.rules) or "any rule"
                message = f"unused suppression: no {what} violation on this line"
            else:
                continue
            warnings.append(
                Violation(
                    rule=RULE_UNUSED_IGNORE,
                    severity=WARNING,
                    message=message,
                    location=Location(path, line, 1),
                    hint="remove the comment, or fix its rule names",
                    key_extra=("comment", *suppression.rules),
                )
            )
        for exception in self.exceptions:
            if exception.key in used_exceptions:
                continue
            line = config.line_of(exception.key) or 1
            warnings.append(
                Violation(
                    rule=RULE_UNUSED_IGNORE,
                    severity=WARNING,
                    message=(
                        f"unused exception {exception.key} ({exception.source} -> {exception.target}): "
                        "it matches no dependency that a rule would report"
                    ),
                    location=Location(config.file_name, line, 1),
                    hint="remove it from the config",
                    key_extra=("exception", exception.source, exception.target),
                )
            )
        return warnings


# --------------------------------------------------------------------------- baseline
#
# A baseline lists the violations a team has accepted for now, by meaning
# (``Violation.key``), never by line, so unrelated edits do not churn it. It is a
# filter on the finished list of violations: rules never know it exists.

BASELINE_VERSION = 1
# Parse errors hide a file's dependencies and unused-ignore warnings have a fix of
# their own (--remove-unused-ignores): neither can be accepted into a baseline.
NOT_BASELINED = (RULE_PARSE_ERROR, RULE_UNUSED_IGNORE, RULE_STALE_BASELINE)


class BaselineError(Exception):
    """The baseline file cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class BaselineEntry:
    key: tuple[str, ...]  # Violation.key: rule first
    line: int  # where the entry sits in the file, for stale-baseline locations


@dataclass(frozen=True)
class Baseline:
    path: str  # as shown to users: relative to the project root when inside it
    entries: tuple[BaselineEntry, ...]


@dataclass(frozen=True)
class BaselineOutcome:
    violations: list[Violation]  # what is left to report, stale entries included
    skipped: int  # known violations not reported
    stale: tuple[BaselineEntry, ...]


def baselined(violations: Iterable[Violation]) -> list[Violation]:
    return [v for v in violations if v.rule not in NOT_BASELINED]


def render_baseline(keys: Iterable[tuple[str, ...]]) -> str:
    """The file's text: sorted, one entry per line, so reviews see one line per change."""
    entries = sorted(tuple(key) for key in keys)
    lines = [
        "{",
        f'  "version": {BASELINE_VERSION},',
        '  "about": "Known depcheck violations, by rule and the modules involved (no lines). '
        "'depcheck check' reports only violations not listed here; 'depcheck baseline --prune' "
        'drops fixed ones.",',
        '  "violations": [',
    ]
    body = [
        "    " + json.dumps({"rule": key[0], "key": list(key[1:])}, ensure_ascii=False)
        for key in entries
    ]
    if body:
        lines.append(",\n".join(body))
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def parse_baseline(text: str, path: str) -> Baseline:
    """Raises BaselineError with one line naming ``path`` when the file is not a usable baseline."""
    regenerate = "; regenerate it with 'depcheck baseline'"
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise BaselineError(f"{path}: not a depcheck baseline: invalid JSON ({exc}){regenerate}") from None
    if not isinstance(document, dict) or "version" not in document:
        raise BaselineError(f"{path}: not a depcheck baseline: expected an object with 'version'{regenerate}")
    if document["version"] != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: baseline version {document['version']!r} is not supported "
            f"(expected {BASELINE_VERSION}){regenerate}"
        )
    items = document.get("violations")
    if not isinstance(items, list):
        raise BaselineError(f"{path}: 'violations' must be a list{regenerate}")
    lines = _entry_lines(text)
    entries = []
    for number, item in enumerate(items, 1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("rule"), str)
            and isinstance(item.get("key"), list)
            and all(isinstance(part, str) for part in item["key"])
        ):
            raise BaselineError(
                f"{path}: violation {number} must be {{\"rule\": string, \"key\": [strings]}}{regenerate}"
            )
        key = (item["rule"], *item["key"])
        entries.append(BaselineEntry(key, lines.get(key, 1)))
    return Baseline(path, tuple(entries))


def _entry_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line of each entry written one per line (as render_baseline does); others map to none."""
    found: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip().rstrip(",")
        if not stripped.startswith("{\"rule\""):
            continue
        try:
            item = json.loads(stripped)
            key = (item["rule"], *item["key"])
        except (ValueError, KeyError, TypeError):
            continue
        found.setdefault(key, number)
    return found


def apply_baseline(
    violations: Iterable[Violation], baseline: Baseline, update_command: str
) -> BaselineOutcome:
    """Drop violations the baseline knows; each entry that matches none is a stale-baseline error."""
    remaining = Counter(entry.key for entry in baseline.entries)
    kept: list[Violation] = []
    skipped = 0
    for violation in violations:
        if violation.rule not in NOT_BASELINED and remaining[violation.key] > 0:
            remaining[violation.key] -= 1
            skipped += 1
        else:
            kept.append(violation)
    stale = []
    for entry in baseline.entries:
        if remaining[entry.key] > 0:
            remaining[entry.key] -= 1
            stale.append(entry)
    for entry in stale:
        kept.append(
            Violation(
                rule=RULE_STALE_BASELINE,
                severity=ERROR,
                message=(
                    f"fixed violation still in the baseline: {entry.key[0]} "
                    f"{' '.join(entry.key[1:])}"
                ),
                location=Location(baseline.path, entry.line, 1),
                hint=f"run '{update_command}' to drop fixed entries, then commit {baseline.path}",
                key_extra=entry.key,
            )
        )
    kept.sort(key=Violation.sort_key)
    return BaselineOutcome(kept, skipped, tuple(stale))


def prune_baseline(baseline: Baseline, violations: Iterable[Violation]) -> list[tuple[str, ...]]:
    """The baseline's keys that still match a violation: pruning never adds an entry."""
    remaining = Counter(v.key for v in baselined(violations))
    kept = []
    for entry in baseline.entries:
        if remaining[entry.key] > 0:
            remaining[entry.key] -= 1
            kept.append(entry.key)
    return kept
