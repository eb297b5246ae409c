"""GitHub Actions workflow commands: one annotation per violation, plus a step summary.

Escaping follows GitHub's runner (``toolkit/packages/core/src/command.ts``): in
the message ``%``, ``\\r`` and ``\\n``; in property values also ``:`` and ``,``.
"""

from __future__ import annotations

from collections.abc import Sequence

from depcheck.model import ERROR, Summary, Violation
from depcheck.report.evidence import evidence_line
from depcheck.report.registry import CHECK_FORMATS


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _body(violation: Violation) -> str:
    lines = [violation.message]
    lines.extend(f"  {evidence_line(evidence)}" for evidence in violation.evidence)
    if violation.hint:
        lines.append(f"hint: {violation.hint}")
    return "\n".join(lines)


def annotation(violation: Violation, summary: Summary) -> str:
    command = "error" if violation.severity == ERROR else "warning"
    properties = []
    loc = violation.location
    if loc is not None:
        properties += [
            f"file={escape_property(summary.repo_path(loc.file))}",
            f"line={loc.line}",
            f"col={loc.column}",
        ]
    properties.append(f"title={escape_property(f'depcheck {violation.rule}')}")
    return f"::{command} {','.join(properties)}::{escape_data(_body(violation))}"


@CHECK_FORMATS.register("github")
def render(violations: Sequence[Violation], summary: Summary, color: bool = False) -> str:
    lines = [annotation(v, summary) for v in violations]
    errors = f"{summary.errors} error{'s' if summary.errors != 1 else ''}"
    warnings = f"{summary.warnings} warning{'s' if summary.warnings != 1 else ''}"
    # A plain line for the log; annotations alone are easy to miss when there are none.
    lines.append(f"depcheck: {errors}, {warnings} in {summary.files} files")
    lines.extend(f"depcheck: note: {note}" for note in summary.notes)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def step_summary(violations: Sequence[Violation], summary: Summary) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``; the command line appends it to that file."""
    lines = ["## depcheck", ""]
    if not violations:
        lines.append(f"No violations in {summary.files} files.")
    else:
        lines.append(
            f"**{summary.errors} error{'s' if summary.errors != 1 else ''}, "
            f"{summary.warnings} warning{'s' if summary.warnings != 1 else ''}** "
            f"in {summary.files} files."
        )
        lines += ["", "| rule | where | message |", "|---|---|---|"]
        for violation in violations:
            loc = violation.location
            where = f"`{summary.repo_path(loc.file)}:{loc.line}`" if loc else ""
            lines.append(f"| `{violation.rule}` | {where} | {_cell(violation.message)} |")
    for note in summary.notes:
        lines.append(f"\n> {_cell(note)}")
    return "\n".join(lines) + "\n"
