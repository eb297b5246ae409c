"""Human-readable output for a terminal, drawn with rich."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from depcheck.model import ERROR, Summary, Violation


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _hops(violation: Violation) -> list[str]:
    """One line per piece of evidence, hop by hop: where, which dependency, and the code."""
    lines = []
    for evidence in violation.evidence:
        where = f"{evidence.file}:{evidence.line}:{evidence.column}"
        kind = "" if evidence.kind == "import" else f" [{evidence.kind}]"
        event = f" event {evidence.event}" if evidence.event else ""
        code = f"  [dim]{escape(evidence.text)}[/]" if evidence.text else ""
        lines.append(
            f"    [cyan]{escape(where)}[/]  {escape(evidence.source)} -> "
            f"{escape(evidence.target)}{escape(kind + event)}{code}"
        )
    return lines


def render(violations: Sequence[Violation], summary: Summary, color: bool) -> str:
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
        console.print(f"{where}[{style}]{violation.rule}[/] {escape(violation.message)}")
        for line in _hops(violation):
            console.print(line)
        if violation.hint:
            console.print(f"    [dim]hint: {escape(violation.hint)}[/]")
        console.print()
    for note in summary.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    scanned = (
        f"{_plural(summary.files, 'file')}, {_plural(summary.modules, 'module')}, "
        f"{_plural(summary.dependencies, 'dependency').replace('dependencys', 'dependencies')}"
    )
    elapsed = f"{summary.seconds:.2f}s"
    if summary.errors:
        console.print(
            f"[bold red]Found {_plural(summary.errors, 'error')}[/]"
            + (f" and {_plural(summary.warnings, 'warning')}" if summary.warnings else "")
            + f" in {scanned} ({elapsed})."
        )
    elif summary.warnings:
        console.print(
            f"[bold yellow]No errors, {_plural(summary.warnings, 'warning')}[/] in {scanned} ({elapsed})."
        )
    else:
        console.print(f"[bold green]No violations[/] in {scanned} ({elapsed}).")
    return buffer.getvalue()
