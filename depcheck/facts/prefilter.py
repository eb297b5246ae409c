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
import sys
from collections.abc import Collection, Sequence
from typing import NamedTuple, Optional

from depcheck.facts.instances import class_words
from depcheck.facts.syntax import holds_line, lone_cr, odd_breaks
from depcheck.model import Alias, Loader
from depcheck.patterns import EventPattern

# The hit lines count "\n": where that numbers lines otherwise than Python (``lone_cr``,
# ``odd_breaks``), every statement is walked.


class Statements:
    """The statements a walk visits: those with a hit line (their decorators' lines included)."""

    def __init__(self, hit_lines: Optional[list[int]], saved_lines: Optional[list[int]] = None) -> None:
        self.hit_lines = hit_lines  # ascending; None: every statement
        # Ascending lines that save a pattern's method (``send = sig.send``); None: any may.
        self.saved_lines = saved_lines if hit_lines is not None else None

    def saves_in(self, start: int, end: int) -> bool:
        """Whether lines ``start``..``end`` may save a pattern's method in a name."""
        return self.saved_lines is None or holds_line(self.saved_lines, start, end)

    def admits(self, node: ast.stmt) -> bool:
        if self.hit_lines is None:
            return True
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        return holds_line(self.hit_lines, start, getattr(node, "end_lineno", None) or start)


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
    if not all(p.exact_word for p in patterns) or lone_cr(text):
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


def use_statements(
    text: str, names: Collection[str], words: Collection[str], loaders: tuple[Loader, ...],
    imports: Collection[ast.stmt] = (),
) -> Optional[Statements]:
    """Where a use or dynamic load may be; None when nowhere.

    ``names`` are the names the use walk follows (bound by imports): a use is
    a ``Name`` node, so only their occurrences as a name in code count (see
    ``name_lines``). ``words`` are the dynamic loads' call names, and
    ``loaders`` add theirs: those count wherever they occur (an alias of
    ``import_module`` is followed through the imports, not by name).
    ``imports`` are the file's import statements, whose names are no uses.
    """
    words = set(words)
    for loader in loaders:
        last = loader.call.rsplit(".", 1)[-1]
        if not last.isidentifier():
            return EVERY  # a glob's name can be anywhere
        words.add(last)
    present = [word for word in words if word in text]
    named = [name for name in set(names) - words if name in text]
    if not present and not named:
        return None
    if odd_breaks(text):
        return EVERY
    lines = hit_lines(text, present, whole_words=False) if present else []
    if named:
        if text.isascii():
            lines.extend(name_lines(text, named, imports))
        else:
            # A non-ASCII name can mean an ASCII one (NFKC): count every occurrence there.
            lines.extend(hit_lines(text, named, whole_words=False))
    if not lines:
        return None
    return Statements(sorted(set(lines)))


# A comment, a string literal, or a quote no string literal starts at (only in code
# this scanner does not know: then it stops telling code from text). Every
# alternative starts with one of three characters (``_MARKS``).
_NOT_CODE = re.compile(
    r"#[^\n]*"
    r"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r'|"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
    r"|'[^'\\\n]*(?:\\(?:\r\n|.)[^'\\\n]*)*'"
    r'|"[^"\\\n]*(?:\\(?:\r\n|.)[^"\\\n]*)*"'
    r"|['\"]",
    re.DOTALL,
)
_MARKS = ("#", "'", '"')
_PREFIX_LETTERS = frozenset("rRbBuUfFtT")
_PREFIX = re.compile(r"(?<![\w])[rRbBuUfFtT]{1,2}\Z")
# From 3.12 (PEP 701) an f-string's fields may hold its own quote, comments and
# backslashes, so it need not end at the first unescaped quote; before, it always does.
NESTED_FSTRINGS = sys.version_info >= (3, 12)
_LAST = (sys.maxsize, sys.maxsize)


def name_lines(text: str, names: Collection[str], imports: Collection[ast.stmt] = ()) -> list[int]:
    """Lines (1-based, ascending) where one of ``names`` may be a ``Name`` node; ``text`` is ASCII.

    An occurrence counts unless it cannot be a name in code: inside a longer
    name, after a ``.`` (an attribute), after ``def`` or ``class`` (what they
    define), in a comment or a string literal (an f-string's text counts:
    its fields are code), or inside an import statement. A superset, exactly:
    what it drops can never be a ``Name`` node, whatever the walk looks for.
    """
    offsets: list[int] = []
    find = text.find
    for name in names:
        if len(name) <= 2:
            # ``_`` (gettext) occurs in every snake_case name: the regex skips those in C.
            # ``\w`` is ``isalnum() or "_"`` on ASCII text, so it keeps what the loop below would.
            for match in _short_name(name).finditer(text):
                at = match.start()
                if not (at and text[at - 1] == " " and _defines(text, at)):
                    offsets.append(at)
    for name in names:
        size = len(name)
        if size <= 2:
            continue
        at = find(name)
        while at >= 0:
            end = at + size
            before = text[at - 1] if at else " "
            after = text[end] if end < len(text) else " "
            if not (
                before.isalnum() or before in "_." or after.isalnum() or after == "_"
                or before == " " and _defines(text, at)
            ):
                offsets.append(at)
            at = find(name, end)
    if not offsets:
        return []
    offsets.sort()
    # Inside an import statement first (where most occurrences are in most files): the
    # comments and strings are then scanned only as far as the last occurrence left.
    spans = _import_spans(imports)
    left: list[tuple[int, int]] = []  # (offset, line)
    line, last, line_start = 1, 0, 0
    for at in offsets:
        newlines = text.count("\n", last, at)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", 0, at) + 1
        last = at
        if spans:
            here = (line, at - line_start)
            index = bisect.bisect_right(spans, (here, _LAST)) - 1
            if index >= 0 and spans[index][0] <= here < spans[index][1]:
                continue
        left.append((at, line))
    if not left:
        return []
    starts, ends, unsure = _not_code(text, left[-1][0])
    hits: list[int] = []
    for at, line in left:
        if hits and hits[-1] == line:
            continue
        if unsure is None or at < unsure:
            index = bisect.bisect_right(starts, at) - 1
            if index >= 0 and at < ends[index]:
                continue
        hits.append(line)
    return hits


@functools.lru_cache(maxsize=64)
def _short_name(name: str) -> re.Pattern:
    """Where ``name`` occurs neither inside a longer name nor after a ``.``.

    The name comes first and the lookbehind after it, so the regex engine
    searches for the name's text (as ``str.find`` does) instead of trying every offset.
    """
    written = re.escape(name)
    return re.compile(rf"{written}(?<![\w.]{written})(?!\w)")


def _defines(text: str, at: int) -> bool:
    """Whether the name at ``at`` follows ``def `` or ``class `` (and so is what they define)."""
    for keyword in ("def ", "class "):
        begin = at - len(keyword)
        if begin >= 0 and text.startswith(keyword, begin) and not (
            begin and (text[begin - 1].isalnum() or text[begin - 1] == "_")
        ):
            return True
    return False


def _not_code(text: str, until: int) -> tuple[list[int], list[int], Optional[int]]:
    """Where the comments and string literals (but f-strings) start and end, up to ``until``.

    The third value is an offset from which the scanner could not tell (from
    there, everything counts as code), or None. It jumps from one ``#`` or
    quote to the next with ``str.find`` (several times faster than letting
    the regex engine search) and matches the literal or comment there.
    """
    starts: list[int] = []
    ends: list[int] = []
    find, match, size = text.find, _NOT_CODE.match, len(text)
    marks = [find(mark) for mark in _MARKS]
    marks = [at if at >= 0 else size for at in marks]
    while True:
        start = min(marks)
        if start >= size or start > until:
            return starts, ends, None
        found = match(text, start)
        end = found.end() if found is not None else start + 1
        for index, mark in enumerate(_MARKS):
            if marks[index] < end:
                at = find(mark, end)
                marks[index] = at if at >= 0 else size
        if text[start] == "#":
            starts.append(start)
            ends.append(end)
            continue
        if end - start == 1:
            return starts, ends, start
        # The letters right before a quote are its prefix when they are one (``if"x"`` is no f-string).
        if start and text[start - 1] in _PREFIX_LETTERS and _PREFIX.search(text, max(0, start - 3), start):
            prefix = text[max(0, start - 2):start].lower()
            if "f" in prefix or "t" in prefix:
                if NESTED_FSTRINGS and _may_end_later(text[start:end]):
                    return starts, ends, start
                continue  # its fields are code
        starts.append(start)
        ends.append(end)


def _may_end_later(literal: str) -> bool:
    """Whether an f-string (PEP 701) may end after its first unescaped closing quote.

    Only when that quote is inside a field: a field is open there, or its
    quotes, comments or doubled braces make the braces impossible to count.
    """
    if "{" not in literal:
        return False
    return (
        any(mark in literal for mark in ("\\", "#", "{{", "}}"))
        or literal.count("{") != literal.count("}")
        or literal.count("\"") + literal.count("'") != (6 if literal[:3] in ('"""', "'''") else 2)
    )


def _import_spans(imports: Collection[ast.stmt]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The import statements' (line, column) spans, sorted: the names in them are no ``Name`` nodes."""
    spans = []
    for node in imports:
        end_line, end_col = getattr(node, "end_lineno", None), getattr(node, "end_col_offset", None)
        if end_line is not None and end_col is not None:
            spans.append(((node.lineno, node.col_offset), (end_line, end_col)))
    spans.sort()
    return spans


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
