"""Which files and statements can hold an event site or a use, and so must be walked.

Walking every expression costs about as much as parsing. A site or a use
needs a certain name on its lines (a pattern's call name, an imported name, a
loader's name), so the walks skip files, and then statements, where none
occurs.
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
from collections.abc import Collection, Sequence
from typing import NamedTuple, Optional

from depcheck.facts.instances import class_words
from depcheck.model import Alias, Loader
from depcheck.patterns import EventPattern

# The hit lines count "\n"; a lone "\r" also ends a line for Python, and then every
# statement is walked. The use walk has always also walked everything when
# ``str.splitlines`` ends lines where Python does not (form feed, ...).
_ODD_BREAKS = re.compile("\r(?!\n)|[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


class Statements:
    """The statements a walk visits: those with a hit line (their decorators' lines included)."""

    def __init__(self, hit_lines: Optional[list[int]], saved_lines: Optional[list[int]] = None) -> None:
        self.hit_lines = hit_lines  # ascending; None: every statement
        # Ascending lines that save a pattern's method (``send = sig.send``); None: any may.
        self.saved_lines = saved_lines if hit_lines is not None else None

    def saves_in(self, start: int, end: int) -> bool:
        """Whether lines ``start``..``end`` may save a pattern's method in a name."""
        if self.saved_lines is None:
            return True
        index = bisect.bisect_left(self.saved_lines, start)
        return index < len(self.saved_lines) and self.saved_lines[index] <= end

    def admits(self, node: ast.stmt) -> bool:
        if self.hit_lines is None:
            return True
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        end = getattr(node, "end_lineno", None) or start
        index = bisect.bisect_left(self.hit_lines, start)
        return index < len(self.hit_lines) and self.hit_lines[index] <= end


EVERY = Statements(None)


class _Plan(NamedTuple):
    """What the prefilter needs of one set of patterns, computed once per set."""

    classes: tuple[tuple[EventPattern, frozenset[str]], ...]  # each pattern, the class names it needs
    class_sets: tuple[frozenset[str], ...]  # the distinct ones, each looked for once per file
    saved: re.Pattern  # a line saving a pattern's method: ``send = sig.send``


@functools.lru_cache(maxsize=16)
def _plan(patterns: tuple[EventPattern, ...]) -> _Plan:
    words = sorted({p.word for p in patterns if p.word})
    saved = re.compile(
        r"[ \t]*(?:self\.)?([A-Za-z_]\w*)[ \t]*=[ \t]*[A-Za-z_][\w.]*\.(?:{})[ \t]*(?:#|$)".format(
            "|".join(re.escape(w) for w in words) or "(?!)"
        )
    )
    classes = tuple((p, frozenset(class_words(p.instance_of))) for p in patterns)
    return _Plan(classes, tuple({c for _, c in classes if c}), saved)


def site_statements(
    text: str, patterns: tuple[EventPattern, ...], aliases: tuple[Alias, ...], lines: Sequence[str] = ()
) -> Optional[Statements]:
    """Where an event site may be; None when nowhere (no pattern's name occurs in the file).

    A pattern that asks for an instance of some classes needs one of their names in the file too.
    ``lines`` (the text's) let it find the names a method is saved in on the lines it hits.
    """
    plan = _plan(patterns)
    if plan.class_sets:
        named = {classes: any(w in text for w in classes) for classes in plan.class_sets}
        patterns = tuple(p for p, classes in plan.classes if not classes or named[classes])
    if not patterns:
        return None
    # A glob that spells no name (``*`` on a HookspecMarker) can be anywhere in a file that passed.
    if any(not p.word for p in patterns):
        return EVERY
    words = {pattern.word for pattern in patterns}
    if not any(word in text for word in words):
        return None
    # A glob's name can be anywhere.
    if not all(p.exact_word for p in patterns) or "\r" in text and "\r" in text.replace("\r\n", ""):
        return EVERY
    # Module-level aliases of a pattern's name (``from bus import publish as p``) are its names too,
    # and so are names a method is saved in (``send = sig.send``, on a line the words hit).
    words.update(a.name for a in aliases if a.target.rsplit(".", 1)[-1] in words)
    hits = hit_lines(text, words, whole_words=True)
    saved: set[str] = set()
    saved_lines: Optional[list[int]] = [] if lines else None
    for line in hits if lines else ():
        found = plan.saved.match(lines[line - 1]) if line <= len(lines) else None
        if found:
            saved.add(found.group(1))
            saved_lines.append(line)  # type: ignore[union-attr]
    saved -= words
    if saved:
        hits = sorted(set(hits) | set(hit_lines(text, saved, whole_words=True)))
    return Statements(hits, saved_lines)


def use_statements(text: str, words: set[str], loaders: tuple[Loader, ...]) -> Optional[Statements]:
    """Where a use or dynamic load may be, given the names the use walk looks for and the loaders.

    None when nowhere: none of those names occurs in the file.
    """
    words = set(words)
    for loader in loaders:
        last = loader.call.rsplit(".", 1)[-1]
        if not last.isidentifier():
            return EVERY  # a glob's name can be anywhere
        words.add(last)
    if not words or not any(word in text for word in words):
        return None
    if _ODD_BREAKS.search(text):
        return EVERY
    return Statements(hit_lines(text, words, whole_words=False))


def hit_lines(text: str, words: Collection[str], *, whole_words: bool) -> list[int]:
    """Lines (1-based, ascending) where one of ``words`` occurs.

    ``whole_words=False`` also counts a word inside a longer name (a superset
    is safe for a prefilter) and finds it with ``str.find``: for the use walk,
    compiling a regex of each file's imported names cost more than the search.
    Words of two characters or less still count only as whole names there:
    ``_`` (gettext) would match inside every snake_case name. The event walk
    keeps whole words: which statements it skips changes what it finds where
    its prefilter misses a name (a function's own alias of a pattern's name).
    """
    offsets: list[int] = []
    if whole_words:
        finder = re.compile(r"\b(?:{})\b".format("|".join(re.escape(w) for w in sorted(words))))
        offsets.extend(match.start() for match in finder.finditer(text))
    else:
        find = text.find
        short = sorted(w for w in words if len(w) <= 2)
        for word in words:
            if len(word) <= 2:
                continue
            size = len(word)
            at = find(word)
            while at >= 0:
                offsets.append(at)
                at = find(word, at + size)
        if short:
            finder = re.compile(r"(?<!\w)(?:{})(?!\w)".format("|".join(re.escape(w) for w in short)))
            offsets.extend(match.start() for match in finder.finditer(text))
    offsets.sort()
    hits: list[int] = []
    line, last = 1, 0
    for at in offsets:
        line += text.count("\n", last, at)
        last = at
        if not hits or hits[-1] != line:
            hits.append(line)
    return hits
