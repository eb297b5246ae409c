"""Suppressions (``# depcheck: ignore[...]``) and config exceptions.

Both take a dependency out of a rule's view *before* paths are searched (as
import-linter's ``ignore_imports`` does), so an accepted import can neither be
reported directly nor be the hidden middle hop of an indirect violation.
A suppression or exception that removes nothing a rule would report is an
``unused-ignore`` warning, so stale ones surface.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Optional

from depcheck.config import Config, Exception_
from depcheck.graph import Keep
from depcheck.model import (
    DEPENDENCY_RULES,
    EVENT_RULES,
    RULE_UNUSED_IGNORE,
    WARNING,
    Evidence,
    FileFacts,
    Location,
    SourceFile,
    Suppression,
    Violation,
    matches,
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
        found = self.comments.get((evidence.file, evidence.line))
        if found is not None and (not found.rules or rule in found.rules):
            return found
        return None

    def _exception_for(self, evidence: Evidence, rule: str) -> Optional[Exception_]:
        for exception in self.exceptions:
            if exception.rules and rule not in exception.rules:
                continue
            if matches(evidence.source, exception.source) and matches(evidence.target, exception.target):
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
                    if self._comment_for(evidence, rule) is not None:
                        used_comments.add((evidence.file, evidence.line))
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
                    location=Location(_config_path(config), line, 1),
                    hint="remove it from the config",
                    key_extra=("exception", exception.source, exception.target),
                )
            )
        return warnings


def _config_path(config: Config) -> str:
    try:
        return config.path.relative_to(config.root).as_posix()
    except ValueError:
        return config.path.name
