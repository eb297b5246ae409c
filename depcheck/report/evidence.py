"""The evidence line: one site of a dependency, as every format shows it.

``path:line:col  source -> target [kind] event E  code``: where first (an editor
can jump to it), then which dependency, then the code. The kind is left out for
a plain import, the event for a site that has none, the code when there is no
text. Formats add their own indentation, escaping and markup (``paint``); they
never lay the parts out themselves.
"""

from __future__ import annotations

import re
from typing import Callable

from depcheck.model import Evidence

# Evidence kinds that are uses of an imported name (listed under their import in text).
USE_KINDS = ("call", "use")

# (part, text) -> the text as the output draws it; part is "where", "label" or "code".
Paint = Callable[[str, str], str]


# C0 and C1 controls (U+009B is an 8-bit escape sequence to some terminals), the Unicode line
# and paragraph separators, and the bidirectional overrides and isolates, which reorder what a
# reader sees of a line ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with control characters escaped (``\\r\\n``): a topic id from the code is
    data, and must not end a line or move the cursor of the output it is printed in."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text) if _CONTROL.search(text) else text


def plain(part: str, text: str) -> str:
    return text


def as_is(path: str) -> str:
    return path


def _label(evidence: Evidence, pair: bool) -> str:
    kind = "" if evidence.kind == "import" else evidence.kind
    event = f"event {printable(evidence.event)}" if evidence.event else ""
    if pair:
        tags = (f" [{kind}]" if kind else "") + (f" {event}" if event else "")
        # A site of an event nobody owns points at nothing: no arrow into an empty name.
        arrow = f" -> {evidence.target}" if evidence.target else ""
        return f"{evidence.source}{arrow}{tags}"
    # The reader already sees source -> target above this line: say what the site uses of it.
    used = evidence.name or (evidence.target if kind in USE_KINDS else "")
    return " ".join(part for part in (kind, used, event) if part)


def evidence_line(
    evidence: Evidence, *, pair: bool = True, where: bool = True, paint: Paint = plain,
    place: Callable[[str], str] = as_is,
) -> str:
    """The line for one piece of evidence.

    ``pair=False`` when a heading above already names source -> target (a hop of
    ``depcheck explain``, a use under its import): the kind and the name used stand
    in its place. ``where=False`` when the format carries the location itself
    (SARIF's related locations). ``place`` turns the project-relative file into the path the
    output shows (``Summary.local_path`` for a terminal).
    """
    parts = []
    if where:
        parts.append(paint("where", f"{place(evidence.file)}:{evidence.line}:{evidence.column}"))
    label = _label(evidence, pair)
    if label:
        parts.append(paint("label", label))
    if evidence.text:
        # The line is the analysed code's: a control character in it is shown, not obeyed.
        parts.append(paint("code", printable(evidence.text)))
    return "  ".join(parts)
