"""Edit users' files: add ``# depcheck: ignore[rule]`` comments, or drop unused ones.

libcst keeps every byte we do not touch (formatting, other comments, encoding),
which is why it is used here and only here, loaded only when these edits are
asked for. Comments are edited where libcst keeps the end of a physical line
(``TrailingWhitespace``), so the same code handles a one-line import, the first
line of a parenthesised multi-line import, a decorator and an indented import.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Protocol, TypeVar, Union

from depcheck.facts.comments import find_ignore  # the grammar extraction reads
from depcheck.model import Violation
from depcheck.rules import exception_ids, suppressible_ids
from depcheck.rules.unused_ignore import is_about_a_comment

# A further comment on the same line (another tool's) ends the ignore and its reason.
_NEXT_COMMENT = re.compile(r"\s+#")


@dataclass(frozen=True)
class Change:
    """One line the codemod rewrote: its comment before and after."""

    file: str
    line: int
    before: str  # the line's comment before, "" when there was none
    after: str


@dataclass(frozen=True)
class Skip:
    """One line the codemod left alone, and why."""

    file: str
    line: int
    reason: str


@dataclass
class Report:
    """What one codemod run changed and skipped."""

    changes: list[Change] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    @property
    def files(self) -> list[str]:
        return sorted({c.file for c in self.changes})


# --------------------------------------------------------------------------- comment text


def with_rule(comment: Optional[str], rule: str, reason: str = "") -> str:
    """``comment`` with ``rule`` suppressed: merged into a depcheck ignore, else appended."""
    tail = f"  {reason}" if reason else ""
    if not comment:
        return f"# depcheck: ignore[{rule}]{tail}"
    ignore = find_ignore(comment)
    if ignore is None:
        # Another tool's comment (noqa, type: ignore, pragma) stays first and intact.
        return f"{comment}  # depcheck: ignore[{rule}]{tail}"
    rules = ignore.rules
    if rules is None or rule in rules:
        return comment  # a bare ignore already covers every rule
    merged = ", ".join(sorted({*rules, rule}))
    return f"{comment[:ignore.rules_start]}{merged}{comment[ignore.rules_end:]}"


def without_unused(comment: str) -> Optional[str]:
    """``comment`` after an unused-ignore warning: unknown rule names go, else the whole ignore.

    Returns None when nothing of the comment is left.
    """
    ignore = find_ignore(comment)
    if ignore is None:
        return comment
    rules = ignore.rules
    if rules:
        known = [r for r in rules if r in suppressible_ids()]
        if known and len(known) < len(rules):
            return f"{comment[:ignore.rules_start]}{', '.join(known)}{comment[ignore.rules_end:]}"
    following = _NEXT_COMMENT.search(comment, ignore.end)
    left = comment[: ignore.start].rstrip()
    right = comment[following.start():].strip() if following else ""
    rest = "  ".join(part for part in (left, right) if part)
    return rest or None


# --------------------------------------------------------------------------- source edits


def _edit_lines(
    source: bytes, lines: Iterable[int], change: Callable[[int, Optional[str]], Optional[str]]
) -> tuple[bytes, list[tuple[int, str, str]], list[int]]:
    """Apply ``change(line, comment) -> comment`` at the end of each of ``lines``.

    Returns the new source, (line, before, after) per change, and the lines that have no
    end libcst can put a comment on (a backslash continuation, inside a string).
    """
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    wanted = set(lines)
    changed: list[tuple[int, str, str]] = []
    seen: set[int] = set()

    def new_comment(line: int, current: Optional[str]) -> tuple[bool, Optional[str]]:
        seen.add(line)
        after = change(line, current)
        if after == current:
            return False, current
        changed.append((line, current or "", after or ""))
        return True, after

    class Comments(cst.CSTTransformer):
        METADATA_DEPENDENCIES = (PositionProvider,)

        def leave_TrailingWhitespace(
            self, original: cst.TrailingWhitespace, updated: cst.TrailingWhitespace
        ) -> cst.TrailingWhitespace:
            line = self.get_metadata(PositionProvider, original).start.line
            if line not in wanted or line in seen:
                return updated
            current = updated.comment.value if updated.comment else None
            edited, after = new_comment(line, current)
            if not edited:
                return updated
            if after is None:
                return updated.with_changes(comment=None, whitespace=cst.SimpleWhitespace(""))
            spacing = updated.whitespace if current else cst.SimpleWhitespace("  ")
            return updated.with_changes(comment=cst.Comment(after), whitespace=spacing)

        def leave_EmptyLine(
            self, original: cst.EmptyLine, updated: cst.EmptyLine
        ) -> Union[cst.EmptyLine, cst.RemovalSentinel]:
            line = self.get_metadata(PositionProvider, original).start.line
            if line not in wanted or line in seen or updated.comment is None:
                return updated
            edited, after = new_comment(line, updated.comment.value)
            if not edited:
                return updated
            if after is None:
                return cst.RemoveFromParent()  # a comment-only line with nothing left
            return updated.with_changes(comment=cst.Comment(after))

    module = MetadataWrapper(cst.parse_module(source)).visit(Comments())
    return module.bytes, sorted(changed), sorted(wanted - seen)


def ignore_sites(violations: Iterable[Violation]) -> dict[str, dict[int, set[str]]]:
    """file -> line -> rules to suppress there, for the dependency-rule violations.

    The line is the violation's location (the first hop in the lower module, or the
    hop of a cycle to cut); every site of that same dependency is annotated too,
    because a dependency stays in a rule's view while one of its sites is not ignored.
    """
    sites: dict[str, dict[int, set[str]]] = {}
    for violation in violations:
        loc = violation.location
        if violation.rule not in exception_ids() or loc is None:
            continue
        hop = [
            e for e in violation.evidence
            if (e.file, e.line, e.column) == (loc.file, loc.line, loc.column)
        ]
        pair = (hop[0].source, hop[0].target) if hop else None
        # A use is ignored through the import that bound its name: one comment covers all its uses.
        first = hop[0].import_line if hop and hop[0].import_line else loc.line
        lines = {(loc.file, first)} | {
            (e.file, e.import_line or e.line) for e in violation.evidence if (e.source, e.target) == pair
        }
        for path, line in lines:
            sites.setdefault(path, {}).setdefault(line, set()).add(violation.rule)
    return sites


def unused_sites(violations: Iterable[Violation]) -> dict[str, set[int]]:
    """file -> lines of suppression comments that an unused-ignore warning names."""
    sites: dict[str, set[int]] = {}
    for violation in violations:
        if not is_about_a_comment(violation) or violation.location is None:
            continue  # config exceptions are removed from the config by hand
        sites.setdefault(violation.location.file, set()).add(violation.location.line)
    return sites


def _edit_files(
    root: Path,
    plan: Mapping[str, Iterable[int]],
    change: Callable[[str], Callable[[int, Optional[str]], Optional[str]]],
    unplaceable: str,
) -> Report:
    import libcst as cst

    report = Report()
    for path in sorted(plan):
        target = root / path
        try:
            source = target.read_bytes()
            edited, changes, missed = _edit_lines(source, plan[path], change(path))
        except OSError as exc:
            report.skipped.append(Skip(path, 0, f"cannot read it: {exc.strerror or exc}"))
            continue
        except cst.ParserSyntaxError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else "syntax error"
            report.skipped.append(Skip(path, 0, f"libcst cannot parse it: {reason}"))
            continue
        report.skipped.extend(Skip(path, line, unplaceable) for line in missed)
        if not changes:
            continue
        try:
            target.write_bytes(edited)
        except OSError as exc:
            report.skipped.append(Skip(path, 0, f"cannot write it: {exc.strerror or exc}"))
            continue
        report.changes.extend(Change(path, *change_) for change_ in changes)
    return report


def add_ignores(root: Path, violations: Iterable[Violation], reason: str = "") -> Report:
    """Suppress each dependency-rule violation on its line; files are relative to ``root``."""
    reason = " ".join(reason.split())  # a comment is one line
    sites = ignore_sites(violations)

    def change(path: str) -> Callable[[int, Optional[str]], Optional[str]]:
        def edit(line: int, comment: Optional[str]) -> Optional[str]:
            for rule in sorted(sites[path][line]):
                comment = with_rule(comment, rule, reason)
            return comment

        return edit

    return _edit_files(
        root, {path: lines.keys() for path, lines in sites.items()}, change,
        "no place for a comment on this line (a backslash continuation?): suppress it by hand",
    )


def remove_unused_ignores(root: Path, violations: Iterable[Violation]) -> Report:
    """Remove the suppression comments that unused-ignore warnings name."""
    sites = unused_sites(violations)

    def change(path: str) -> Callable[[int, Optional[str]], Optional[str]]:
        return lambda line, comment: without_unused(comment) if comment else comment

    return _edit_files(root, sites, change, "the comment could not be found on this line")


# --------------------------------------------------------------------------- edit, then check again


class Checked(Protocol):
    """A check's outcome, as far as the edits need it (``pipeline.Result``, a layer above)."""

    @property
    def violations(self) -> Sequence[Violation]: ...


C = TypeVar("C", bound=Checked)

# Dropping an unknown rule name can leave an ignore that is unused in its turn; this many
# passes make a second run of --remove-unused-ignores a no-op.
REMOVAL_PASSES = 3


def add_ignores_and_check(
    root: Path, checked: C, check: Callable[[], C], reason: str = ""
) -> tuple[Report, C]:
    """Suppress ``checked``'s violations, then ``check()`` again if a file changed."""
    report = add_ignores(root, checked.violations, reason)
    return report, check() if report.changes else checked


def remove_unused_ignores_and_check(root: Path, checked: C, check: Callable[[], C]) -> tuple[Report, C]:
    """Remove the unused suppressions ``checked`` names, checking again after each pass
    that changed a file, until one changes nothing or ``REMOVAL_PASSES`` have run."""
    report = Report()
    for _ in range(REMOVAL_PASSES):
        step = remove_unused_ignores(root, checked.violations)
        report.changes += step.changes
        report.skipped += [skip for skip in step.skipped if skip not in report.skipped]
        if not step.changes:
            break
        checked = check()
    return report, checked
