"""The counts the check formats for people share: the summary line, ``--statistics`` and the
contracts' verdict, each drawn from the :class:`Summary` (nothing re-derived from violations)."""

from __future__ import annotations

from typing import Optional

from depcheck.model import ERROR, WARNING, Summary, plural
from depcheck.report.evidence import Paint, plain


def _by_rule(summary: Summary, severity: str) -> str:
    """`` (layer 2, independence 1)``: how many of each rule, most frequent first."""
    parts = [f"{rule} {count}" for rule, level, count in summary.counts if level == severity]
    return f" ({', '.join(parts)})" if parts else ""


def summary_line(summary: Summary, paint: Paint = plain) -> str:
    """``Found 3 errors (layer 2, independence 1) in 12 files, 12 modules, 10 dependencies (0.05s).``

    ``paint`` parts: "errors", "warnings", "clean" (the verdict words) and "label" (the rest)."""
    scanned = paint("label", (
        f" in {plural(summary.files, 'file')}, {plural(summary.modules, 'module')}, "
        f"{plural(summary.dependencies, 'dependency')} ({summary.seconds:.2f}s)."
    ))
    if summary.errors:
        warnings = (f" and {plural(summary.warnings, 'warning')}{_by_rule(summary, WARNING)}"
                    if summary.warnings else "")
        return (paint("errors", f"Found {plural(summary.errors, 'error')}")
                + paint("label", _by_rule(summary, ERROR) + warnings) + scanned)
    if summary.warnings:
        return (paint("warnings", f"No errors, {plural(summary.warnings, 'warning')}")
                + paint("label", _by_rule(summary, WARNING)) + scanned)
    return paint("clean", "No violations") + scanned


def statistics(summary: Summary) -> list[str]:
    """``--statistics``: one line per rule id with its count, most frequent first, then by id."""
    counts: dict[str, int] = {}
    for rule, _, count in summary.counts:
        counts[rule] = counts.get(rule, 0) + count
    width = max((len(str(count)) for count in counts.values()), default=1)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [f"{count:>{width}}  {rule}" for rule, count in ranked]


def contract_tag(contract: Optional[str]) -> str:
    """``[contract: Layered shop] `` before the message of a contract's violation, else ""."""
    return f"[contract: {contract}] " if contract is not None else ""


def verdict(summary: Summary) -> str:
    """``Contracts: 4 kept, 1 broken (Layered shop)``; "" when the config has no contract."""
    if not summary.contracts:
        return ""
    broken = [name for name, errors in summary.contracts if errors]
    kept = len(summary.contracts) - len(broken)
    names = f" ({', '.join(broken)})" if broken else ""
    return f"Contracts: {kept} kept, {len(broken)} broken{names}"
