"""depcheck's comments: ``# depcheck: ignore[rules]`` and ``# depcheck: publishes|consumes events``.

The grammar of a suppression lives here once: extraction reads it
(``read_comments``) and the codemod edits it (``find_ignore`` gives the spans
it rewrites).
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import NamedTuple, Optional

from depcheck.model import EventSite, Suppression
from depcheck.patterns import CONSUME, PUBLISH

# Tokenizing is pure Python and costs as much as parsing: only a file that may hold one is read.
_HINT_RE = re.compile(r"#[ \t]*depcheck:")
_SUPPRESSION_RE = re.compile(r"#\s*depcheck:\s*ignore\b(?:\[([^\]]*)\])?")
_DECLARATION_RE = re.compile(r"#\s*depcheck:\s*(publishes|consumes)\s+([^\s#,]+(?:[ \t]*,[ \t]*[^\s#,]+)*)")


class IgnoreComment(NamedTuple):
    """A ``# depcheck: ignore[...]`` found in a comment, with the spans an edit needs."""

    start: int  # of the ``#``
    end: int  # after the ``]`` (after ``ignore`` when bare)
    # The rules as written (stripped, empty entries dropped); None for a bare ignore. ``ignore[]``
    # gives (): extraction reads it as bare, the codemod as an empty list.
    rules: Optional[tuple[str, ...]]
    rules_start: int  # the text between the brackets; -1 when bare
    rules_end: int


def find_ignore(comment: str) -> Optional[IgnoreComment]:
    """The first depcheck ignore in ``comment`` (a comment's text, or a line), if any."""
    match = _SUPPRESSION_RE.search(comment)
    if match is None:
        return None
    written = match.group(1)
    rules = None if written is None else tuple(r.strip() for r in written.split(",") if r.strip())
    return IgnoreComment(match.start(), match.end(), rules, match.start(1), match.end(1))


def may_hold_comments(text: str) -> bool:
    """Whether ``text`` may hold a depcheck comment (a cheap test before tokenizing)."""
    return "depcheck" in text and _HINT_RE.search(text) is not None


def read_comments(text: str) -> tuple[tuple[Suppression, ...], tuple[EventSite, ...]]:
    """Suppressions and inline event declarations (``# depcheck: publishes orders.created``)."""
    found: list[Suppression] = []
    declared: list[EventSite] = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return (), ()
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        ignore = find_ignore(token.string)
        if ignore is not None:
            found.append(Suppression(token.start[0], tuple(sorted(set(ignore.rules or ())))))
        declaration = _DECLARATION_RE.search(token.string)
        if declaration is not None:
            kind = PUBLISH if declaration.group(1) == "publishes" else CONSUME
            for event in declaration.group(2).split(","):
                declared.append(EventSite(
                    token.start[0], token.start[1] + 1, kind, event.strip(),
                    pattern="inline", text=token.string.strip(),
                ))
    return tuple(found), tuple(declared)
