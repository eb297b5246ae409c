"""Suppressions (``# depcheck: ignore[...]``) and accepted dependencies (``[[exceptions]]``).

Both take a dependency out of a rule's view *before* paths are searched (as
import-linter's ``ignore_imports`` does), so an accepted import can neither be
reported directly nor be the hidden middle hop of an indirect violation.
Whether each one was needed is told by what the rules report with nothing
ignored; those that remove nothing are unused-ignore warnings, so stale ones
surface.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Hashable, Optional

from depcheck.config import AcceptedDependency
from depcheck.graph import DependencyGraph, Keep
from depcheck.model import Evidence, FileFacts, SourceFile, Suppression, Violation
from depcheck.rules import Findings, Rule, suppressible_ids
from depcheck.rules import unused_ignore as unused_rule


class Ignores:
    """Every suppression comment (by file and line) and accepted dependency of a run."""

    def __init__(
        self, comments: Mapping[tuple[str, int], Suppression], exceptions: tuple[AcceptedDependency, ...]
    ) -> None:
        self.comments = comments
        self.exceptions = exceptions
        # Most evidence shares its pair of modules with other evidence: decide each pair once.
        self._decided: dict[tuple[str, str, str, str], Optional[AcceptedDependency]] = {}
        # Exceptions by the source they name: a module is covered only by an exception naming
        # it or a package above it, or by a glob. Each dependency then checks only those.
        self._by_source: dict[str, list[tuple[int, AcceptedDependency]]] = {}
        self._globs: list[tuple[int, AcceptedDependency]] = []
        for order, exception in enumerate(exceptions):
            if _glob_source(exception):
                self._globs.append((order, exception))
            else:
                self._by_source.setdefault(exception.source, []).append((order, exception))
        self._candidates: dict[str, list[AcceptedDependency]] = {}
        self._keeps: dict[Hashable, Keep] = {}

    @classmethod
    def collect(
        cls, files: Iterable[SourceFile], facts: Mapping[str, FileFacts],
        exceptions: tuple[AcceptedDependency, ...],
    ) -> Ignores:
        comments = {}
        for source in files:
            file_facts = facts.get(source.module)
            for suppression in file_facts.suppressions if file_facts else ():
                comments[(source.path, suppression.line)] = suppression
        return cls(comments, exceptions)

    def with_exceptions(self, more: tuple[AcceptedDependency, ...]) -> Ignores:
        """These ignores plus ``more`` (a contract's ``ignore_imports``)."""
        return Ignores(self.comments, self.exceptions + more)

    def __bool__(self) -> bool:
        return bool(self.comments or self.exceptions)

    def _comment_for(self, evidence: Evidence, rule: str) -> Optional[Suppression]:
        # A use is covered by a comment on its own line or on the import that bound its name.
        for line in (evidence.line, evidence.import_line):
            found = self.comments.get((evidence.file, line)) if line else None
            if found is not None and (not found.rules or rule in found.rules):
                return found
        return None

    def _exception_for(self, evidence: Evidence, rule: str) -> Optional[AcceptedDependency]:
        key = (rule, evidence.source, evidence.target, evidence.import_target)
        try:
            return self._decided[key]
        except KeyError:
            pass
        found = None
        for exception in self._candidates_for(evidence.source):
            if exception.rules and rule not in exception.rules:
                continue
            if exception.covers(evidence.source, evidence.target):
                found = exception
                break
            # An accepted import also accepts the uses it enables, wherever they land.
            if evidence.import_target and exception.covers(evidence.source, evidence.import_target):
                found = exception
                break
        self._decided[key] = found
        return found

    def _candidates_for(self, source: str) -> list[AcceptedDependency]:
        """The exceptions that may cover dependencies of ``source``, in the config's order."""
        try:
            return self._candidates[source]
        except KeyError:
            pass
        found = list(self._globs)
        parts = source.split(".")
        for end in range(1, len(parts) + 1):
            found.extend(self._by_source.get(".".join(parts[:end]), ()))
        found.sort(key=lambda entry: entry[0])
        candidates = self._candidates[source] = [exception for _, exception in found]
        return candidates

    def keep(self, rule: str, files: Mapping[str, SourceFile]) -> Optional[Keep]:
        """What ``rule``'s view of a graph of ``files`` (module -> file) leaves out, or None when
        nothing the rule judges is ignored. Rules that the same ignores apply to share one Keep."""
        exceptions = tuple(e for e in self.exceptions if not e.rules or rule in e.rules)
        comments = frozenset(
            where for where, comment in self.comments.items() if not comment.rules or rule in comment.rules
        )
        if not exceptions and not comments:
            return None
        key = (exceptions, comments)
        found = self._keeps.get(key)
        if found is not None:
            return found
        # A site lies in its source module's file (a declared event's in the config, which holds
        # no comments), and an exception covers only the sources it names: the modules whose
        # rows can lose evidence.
        commented = {path for path, _ in comments}
        applies = set(exceptions)
        sources = frozenset(
            module for module, source in files.items()
            if source.path in commented or any(
                exception in applies and exception.covers_source(module)
                for exception in self._candidates_for(module)
            )
        )

        def keep(evidence: Evidence) -> bool:
            return self._comment_for(evidence, rule) is None and self._exception_for(evidence, rule) is None

        found = self._keeps[key] = Keep(keep, sources, key)
        return found

    def unused(self, unfiltered: Mapping[str, list[Violation]], config_file: str) -> list[Violation]:
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
                        used_exceptions.add(exception.where)
        known = suppressible_ids()
        warnings = []
        for (path, line), suppression in sorted(self.comments.items()):
            unknown = [r for r in suppression.rules if r not in known]
            if unknown:
                warnings.append(unused_rule.unknown_rules(path, suppression, unknown, known))
            elif (path, line) not in used_comments:
                warnings.append(unused_rule.unused_comment(path, suppression))
        for exception in self.exceptions:
            if exception.where not in used_exceptions:
                warnings.append(unused_rule.unused_exception(exception, config_file))
        return warnings


def _glob_source(exception: AcceptedDependency) -> bool:
    """Whether the exception's source is a pattern (else it covers that module and what is inside it)."""
    if exception.exact:
        return "*" in exception.source
    return any(mark in exception.source for mark in "*?[")


def unmatched_ignores(
    ignores: tuple[AcceptedDependency, ...], contract: str, contract_line: int, graph: DependencyGraph,
    config_file: str,
) -> list[Violation]:
    """A contract's ``ignore_imports`` entries that match no dependency at all."""
    warnings = []
    for ignore in ignores:
        if any(ignore.covers(a, b) for a, b in graph.edges) or any(
            ignore.covers(e.source, e.target) for ev in graph.external.values() for e in ev
        ):
            continue
        warnings.append(unused_rule.unmatched_ignore(ignore, contract, contract_line, config_file))
    return warnings



def run_filtered(
    rule: Rule, settings: Any, graph: DependencyGraph, ignores: Ignores, within: str = ""
) -> tuple[Findings, list[Violation]]:
    """One run of ``rule`` on the graph without what ``ignores`` take out of it, and, when anything
    is ignored, what the rule reports with nothing taken out (which tells which ignores are used).

    The one way a rule is run, by ``depcheck check`` and by contracts alike."""
    findings = rule.run(graph.view(ignores.keep(rule.id, graph.files), within), settings)
    unfiltered = rule.run(graph.view(None, within), settings).violations if ignores else []
    return findings, unfiltered
