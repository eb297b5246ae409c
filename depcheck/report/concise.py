"""One line per violation, ``path:line:col: rule message``, as ruff's concise output: for
editors' quickfix lists, grep and pre-commit. Paths open from the working directory."""

from __future__ import annotations

from collections.abc import Sequence

from depcheck.model import Summary, Violation
from depcheck.report.registry import CHECK_FORMATS
from depcheck.report.tally import contract_tag, summary_line, verdict


def line(violation: Violation, summary: Summary) -> str:
    loc = violation.location
    where = f"{summary.local_path(loc.file)}:{loc.line}:{loc.column}: " if loc is not None else ""
    # A message never spans lines here: one violation, one line.
    message = " ".join(violation.message.split())
    return f"{where}{violation.rule} {contract_tag(violation.contract)}{message}"


@CHECK_FORMATS.register("concise")
def render(violations: Sequence[Violation], summary: Summary, color: bool = False) -> str:
    lines = [line(v, summary) for v in violations]
    lines.extend(f"note: {note}" for note in summary.notes)
    contracts = verdict(summary)
    if contracts:
        lines.append(contracts)
    lines.append(summary_line(summary))
    return "\n".join(lines) + "\n"
