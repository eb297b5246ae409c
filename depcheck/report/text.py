"""Human-readable output for a terminal, drawn with rich."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Callable

from depcheck.model import ERROR, WARNING, Evidence, Summary, Violation
from depcheck.report.evidence import USE_KINDS, Paint, evidence_line
from depcheck.report.registry import CHECK_FORMATS

# A screen holds a finding: so many uses under one import, and loops under a violation,
# are shown; JSON keeps everything.
USES_SHOWN = 3
LOOPS_SHOWN = 3


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _painter(escape: Callable[[str], str]) -> Paint:
    def paint(part: str, text: str) -> str:
        if part == "where":
            return f"[cyan]{escape(text)}[/]"
        if part == "code":
            return f"[dim]{escape(text)}[/]"
        return escape(text)

    return paint


def _hops(violation: Violation, paint: Paint) -> list[str]:
    """One line per piece of evidence, hop by hop: where, which dependency, and the code.

    The calls and uses an import enables are listed under that import; uses whose
    import is not itself on the path (a re-export, dotted access through a parent
    package) get a line naming their import first.
    """
    imports = {(e.file, e.line, e.source) for e in violation.evidence if e.kind == "import"}
    enabled: dict[tuple[str, int, str], list[Evidence]] = {}
    for evidence in violation.evidence:
        if evidence.kind in USE_KINDS and evidence.import_line:
            enabled.setdefault((evidence.file, evidence.import_line, evidence.source), []).append(evidence)
    lines: list[str] = []
    shown: set[tuple[str, int, str]] = set()
    for evidence in violation.evidence:
        if evidence.kind in USE_KINDS and evidence.import_line:
            key = (evidence.file, evidence.import_line, evidence.source)
            if key in imports or key in shown:
                continue
            shown.add(key)
            where = f"{evidence.file}:{evidence.import_line}"
            leads = f"{evidence.source} imports {evidence.import_target}, which leads to {evidence.target}:"
            lines.append(f"    {paint('where', where)}  {paint('label', leads)}")
            lines.extend(_uses(enabled[key], paint))
            continue
        lines.append(f"    {evidence_line(evidence, paint=paint)}")
        if evidence.kind == "import":
            key = (evidence.file, evidence.line, evidence.source)
            if key not in shown:
                shown.add(key)
                lines.extend(_uses(enabled.get(key, []), paint))
    return lines


def _uses(uses: list[Evidence], paint: Paint) -> list[str]:
    lines = [f"        {evidence_line(use, pair=False, paint=paint)}" for use in uses[:USES_SHOWN]]
    if len(uses) > USES_SHOWN:
        lines.append(f"        {paint('code', '… ' + _plural(len(uses) - USES_SHOWN, 'more use'))}")
    return lines


def _closed(violation: Violation, paint: Paint) -> list[str]:
    """The shortest loops the violation closes, and how many more (the message says how many)."""
    closes = violation.closes
    if closes is None:
        return []
    lines = ["    closes:"]
    for loop, events in list(zip(closes.loops, closes.events))[:LOOPS_SHOWN]:
        through = f"  {paint('code', '(choreography)')}" if events else ""
        lines.append(f"      {paint('label', ' -> '.join(loop))}{through}")
    more = closes.total - min(len(closes.loops), LOOPS_SHOWN)
    if more > 0:
        at_least = "at least " if closes.at_least else ""
        lines.append(f"      {paint('code', f'… {at_least}{more} more')}")
    return lines


def _by_rule(summary: Summary, severity: str) -> str:
    """`` (layer 2, independence 1)``: how many of each rule, most frequent first."""
    parts = [f"{rule} {count}" for rule, level, count in summary.counts if level == severity]
    return f" ({', '.join(parts)})" if parts else ""


@CHECK_FORMATS.register("text")
def render(violations: Sequence[Violation], summary: Summary, color: bool = False) -> str:
    # rich costs start-up time: imported only when text is drawn.
    from rich.console import Console
    from rich.markup import escape

    paint = _painter(escape)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        soft_wrap=True,  # never break a path:line:col an editor should be able to click
        emoji=False,
    )
    for violation in violations:
        style = "bold red" if violation.severity == ERROR else "bold yellow"
        where = ""
        if violation.location is not None:
            loc = violation.location
            where = f"[cyan]{escape(f'{loc.file}:{loc.line}:{loc.column}')}[/]: "
        # One print per violation: rich's per-call cost dominated output with many uses.
        block = [f"{where}[{style}]{violation.rule}[/] {escape(violation.message)}", *_hops(violation, paint),
                 *_closed(violation, paint)]
        if violation.hint:
            block.append(f"    [dim]hint: {escape(violation.hint)}[/]")
        console.print("\n".join(block) + "\n")
    for note in summary.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    scanned = (
        f"{_plural(summary.files, 'file')}, {_plural(summary.modules, 'module')}, "
        f"{_plural(summary.dependencies, 'dependency').replace('dependencys', 'dependencies')}"
    )
    elapsed = f"{summary.seconds:.2f}s"
    if summary.errors:
        console.print(
            f"[bold red]Found {_plural(summary.errors, 'error')}[/]{escape(_by_rule(summary, ERROR))}"
            + (f" and {_plural(summary.warnings, 'warning')}{escape(_by_rule(summary, WARNING))}"
               if summary.warnings else "")
            + f" in {scanned} ({elapsed})."
        )
    elif summary.warnings:
        console.print(
            f"[bold yellow]No errors, {_plural(summary.warnings, 'warning')}[/]"
            f"{escape(_by_rule(summary, WARNING))} in {scanned} ({elapsed})."
        )
    else:
        console.print(f"[bold green]No violations[/] in {scanned} ({elapsed}).")
    return buffer.getvalue()
