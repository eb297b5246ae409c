"""GitHub Actions workflow commands: one annotation per violation, plus a step summary.

Escaping follows GitHub's runner (``toolkit/packages/core/src/command.ts``): in
the message ``%``, ``\\r`` and ``\\n``; in property values also ``:`` and ``,``.
"""

from __future__ import annotations

from collections.abc import Sequence

from depcheck.model import ERROR, Summary, Violation, plural
from depcheck.report.evidence import evidence_line
from depcheck.report.registry import CHECK_FAILURES, CHECK_FORMATS


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
    # A plain line for the log; annotations alone are easy to miss when there are none.
    lines.append(f"depcheck: {plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')} "
                 f"in {plural(summary.files, 'file')}")
    lines.extend(f"depcheck: note: {note}" for note in summary.notes)
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def step_summary(violations: Sequence[Violation], summary: Summary) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``; the command line appends it to that file."""
    lines = ["## depcheck", ""]
    if not violations:
        lines.append(f"No violations in {plural(summary.files, 'file')}.")
    else:
        lines.append(
            f"**{plural(summary.errors, 'error')}, {plural(summary.warnings, 'warning')}** "
            f"in {plural(summary.files, 'file')}."
        )
        lines += ["", "| rule | where | message |", "|---|---|---|"]
        for violation in violations:
            loc = violation.location
            where = f"`{summary.repo_path(loc.file)}:{loc.line}`" if loc else ""
            lines.append(f"| `{violation.rule}` | {where} | {_cell(violation.message)} |")
    for note in summary.notes:
        lines.append(f"\n> {_cell(note)}")
    return "\n".join(lines) + "\n"


@CHECK_FAILURES.register("github")
def failed(problems: Sequence[str]) -> str:
    """A run that could not happen: one error annotation per problem, so the job shows why."""
    title = escape_property("depcheck could not run")
    return "".join(f"::error title={title}::{escape_data(problem)}\n" for problem in problems)
