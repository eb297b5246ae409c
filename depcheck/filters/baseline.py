"""The baseline: the violations a team has accepted for now.

Entries are ``Violation.key``s, by meaning and never by line, so unrelated edits
do not churn the file. It is a filter on the finished list of violations: rules
never know it exists. Entries that match nothing are stale-baseline findings,
so the baseline only shrinks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from depcheck.model import Violation
from depcheck.rules import baselinable, ordered
from depcheck.rules.stale_baseline import stale_entry

BASELINE_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class BaselineEntry:
    """One known violation in a baseline file."""

    key: tuple[str, ...]  # Violation.key: rule first
    line: int  # where the entry sits in the file, for stale-baseline locations


@dataclass(frozen=True)
class Baseline:
    """A baseline file's entries."""

    path: str  # as shown to users: relative to the project root when inside it
    entries: tuple[BaselineEntry, ...]


@dataclass(frozen=True)
class BaselineOutcome:
    """The violations left after a baseline, and its stale entries."""

    violations: list[Violation]  # what is left to report, stale entries included
    skipped: int  # known violations not reported
    stale: tuple[BaselineEntry, ...]


def baselined(violations: Iterable[Violation]) -> list[Violation]:
    """The violations a baseline may hold (each rule says whether it can be accepted)."""
    return [v for v in violations if baselinable(v.rule)]


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


class _Entries:
    """The baseline's entries, each matched by at most one violation.

    An entry matches a violation with the same dependency (``Violation.key_parts``: rule,
    components, chain or loop, contract) whatever events are listed between them."""

    def __init__(self, entries: Iterable[BaselineEntry]) -> None:
        self.entries = list(entries)
        self.free: dict[tuple[str, ...], list[int]] = {}  # every prefix of an entry -> entries
        for index, entry in enumerate(self.entries):
            for end in range(1, len(entry.key) + 1):
                self.free.setdefault(entry.key[:end], []).append(index)
        self.used: set[int] = set()

    def take(self, violation: Violation) -> bool:
        """Mark the first free entry that matches ``violation`` used; whether there was one."""
        base, _, suffix = violation.key_parts()
        for index in self.free.get(base, ()):
            if index not in self.used and _same_dependency(self.entries[index].key, base, suffix, violation):
                self.used.add(index)
                return True
        return False

    def unused(self) -> list[BaselineEntry]:
        return [entry for index, entry in enumerate(self.entries) if index not in self.used]


def _same_dependency(key: tuple[str, ...], base: tuple[str, ...], suffix: tuple[str, ...],
                     violation: Violation) -> bool:
    """Whether an entry's ``key`` (which starts with ``base``) is about the violation's dependency."""
    if len(key) < len(base) + len(suffix):
        return False
    if suffix:
        return key[len(key) - len(suffix):] == suffix
    if len(key) - len(base) >= 2 and key[-2] == "contract":
        return False  # a contract's finding about the same dependency
    # Identity-keyed findings (a file's parse error, an unused ignore) match exactly.
    return not violation.identity or len(key) == len(base)


def apply_baseline(
    violations: Iterable[Violation], baseline: Baseline, update_command: str,
    hidden: Iterable[Violation] = (),
) -> BaselineOutcome:
    """Drop violations the baseline knows; each entry that matches none is a stale-baseline error.

    ``hidden`` are the violations the rules found but suppressions or exceptions hide: an entry
    they match is not stale (the violation is there, only not reported), so adding a
    suppression never makes the baseline fail."""
    entries = _Entries(baseline.entries)
    kept: list[Violation] = []
    skipped = 0
    for violation in violations:
        if baselinable(violation.rule) and entries.take(violation):
            skipped += 1
        else:
            kept.append(violation)
    for violation in hidden:
        if baselinable(violation.rule):
            entries.take(violation)
    stale = entries.unused()
    for entry in stale:
        kept.append(stale_entry(entry.key, baseline.path, entry.line, update_command))
    return BaselineOutcome(ordered(kept), skipped, tuple(stale))


def prune_baseline(
    baseline: Baseline, violations: Iterable[Violation], hidden: Iterable[Violation] = ()
) -> list[tuple[str, ...]]:
    """The baseline's keys that still match a violation (found or hidden): pruning never adds one."""
    entries = _Entries(baseline.entries)
    for violation in (*baselined(violations), *baselined(hidden)):
        entries.take(violation)
    return [entry.key for index, entry in enumerate(entries.entries) if index in entries.used]
