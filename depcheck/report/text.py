"""Human-readable output for a terminal, drawn with rich."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Callable

from depcheck.model import ERROR, Evidence, Summary, Violation
from depcheck.report.evidence import USE_KINDS, Paint, evidence_line
from depcheck.report.registry import CHECK_FORMATS


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
            lines.extend(f"        {evidence_line(use, pair=False, paint=paint)}" for use in enabled[key])
            continue
        lines.append(f"    {evidence_line(evidence, paint=paint)}")
        if evidence.kind == "import":
            key = (evidence.file, evidence.line, evidence.source)
            if key not in shown:
                shown.add(key)
                lines.extend(
                    f"        {evidence_line(use, pair=False, paint=paint)}" for use in enabled.get(key, ())
                )
    return lines


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
        block = [f"{where}[{style}]{violation.rule}[/] {escape(violation.message)}", *_hops(violation, paint)]
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
