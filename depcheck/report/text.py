"""Human-readable output for a terminal, drawn with rich."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Callable

from depcheck.model import ERROR, Evidence, Summary, Violation, plural
from depcheck.report.evidence import USE_KINDS, Paint, evidence_line
from depcheck.report.registry import CHECK_FORMATS
from depcheck.report.tally import contract_tag, summary_line, verdict

Place = Callable[[str], str]

# A screen holds a finding: so many uses under one import, and loops under a violation,
# are shown; JSON keeps everything.
USES_SHOWN = 3
LOOPS_SHOWN = 3


def _painter(escape: Callable[[str], str]) -> Paint:
    def paint(part: str, text: str) -> str:
        if part == "where":
            return f"[cyan]{escape(text)}[/]"
        if part == "code":
            return f"[dim]{escape(text)}[/]"
        return escape(text)

    return paint


def _hops(violation: Violation, paint: Paint, place: Place) -> list[str]:
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
            where = f"{place(evidence.file)}:{evidence.import_line}"
            leads = f"{evidence.source} imports {evidence.import_target}, which leads to {evidence.target}:"
            lines.append(f"    {paint('where', where)}  {paint('label', leads)}")
            lines.extend(_uses(enabled[key], paint, place))
            continue
        lines.append(f"    {evidence_line(evidence, paint=paint, place=place)}")
        if evidence.kind == "import":
            key = (evidence.file, evidence.line, evidence.source)
            if key not in shown:
                shown.add(key)
                lines.extend(_uses(enabled.get(key, []), paint, place))
    return lines


def _uses(uses: list[Evidence], paint: Paint, place: Place) -> list[str]:
    lines = [f"        {evidence_line(use, pair=False, paint=paint, place=place)}"
             for use in uses[:USES_SHOWN]]
    if len(uses) > USES_SHOWN:
        lines.append(f"        {paint('code', '… ' + plural(len(uses) - USES_SHOWN, 'more use'))}")
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
            where = f"[cyan]{escape(f'{summary.local_path(loc.file)}:{loc.line}:{loc.column}')}[/]: "
        tag = contract_tag(violation.contract)
        contract = f"[dim]{escape(tag)}[/]" if tag else ""
        # One print per violation: rich's per-call cost dominated output with many uses.
        block = [f"{where}[{style}]{violation.rule}[/] {contract}{escape(violation.message)}",
                 *_hops(violation, paint, summary.local_path), *_closed(violation, paint)]
        if violation.hint:
            block.append(f"    [dim]hint: {escape(violation.hint)}[/]")
        console.print("\n".join(block) + "\n")
    for note in summary.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    contracts = verdict(summary)
    if contracts:
        console.print(escape(contracts))
    console.print(summary_line(summary, _summary_painter(escape)))
    return buffer.getvalue()


def _summary_painter(escape: Callable[[str], str]) -> Paint:
    styles = {"errors": "bold red", "warnings": "bold yellow", "clean": "bold green"}

    def paint(part: str, text: str) -> str:
        style = styles.get(part)
        return f"[{style}]{escape(text)}[/]" if style else escape(text)

    return paint
