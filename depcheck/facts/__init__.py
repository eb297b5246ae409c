"""Extract the facts depcheck needs from one file's bytes.

Pure: the result depends only on the bytes and the settings, so it can be
cached by content hash and computed in any process. The analysed code is
parsed with the standard library's ``ast`` and never imported or executed.

``extract`` decodes and parses, then runs each extractor: imports
(imports.py), depcheck comments (comments.py), the module's bindings
(bindings.py, once per file), event sites (events.py) and uses (uses.py),
the last two walking only what prefilter.py lets through.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from typing import Optional, Union

from depcheck.facts.bindings import ModuleBindings, bind_module
from depcheck.facts.comments import may_hold_comments, read_comments
from depcheck.facts.events import EventMatcher, find_sites
from depcheck.facts.imports import read_imports
from depcheck.facts.instances import receiver_classes
from depcheck.facts.syntax import source_lines
from depcheck.facts.uses import find_uses
from depcheck.model import Alias, AppLabel, EventSite, ExtractionSettings, FileFacts, ParseFailure, Use

__all__ = ["decode_source", "extract"]


def decode_source(data: bytes) -> str:
    """Decode like the interpreter would: BOM, PEP 263 cookie, else UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data.decode(encoding)


def extract(data: bytes, settings: Optional[ExtractionSettings] = None) -> FileFacts:
    """Facts of one file. Never raises for bad source: it becomes ``FileFacts.error``.

    With event patterns, also the file's event sites and module-level aliases;
    with active use settings, the uses of names imported from the analysed
    packages and the dynamic loads asked for. The result depends on the bytes
    and ``settings`` only.
    """
    settings = settings or ExtractionSettings()
    parsed = _parse(data)
    if isinstance(parsed, ParseFailure):
        return FileFacts(error=parsed)
    text, tree = parsed
    lines = source_lines(text)
    imports, import_nodes = read_imports(tree, lines, text)
    suppressions, declared = read_comments(text) if may_hold_comments(text) else ((), ())
    patterns, uses = settings.patterns, settings.uses
    matcher = None
    if patterns:
        globs = tuple(dict.fromkeys(g for p in patterns for g in p.instance_of))
        matcher = EventMatcher(patterns, lines, receiver_classes(tree, import_nodes, globs), text)
    bindings: Optional[ModuleBindings] = None
    sites: Optional[tuple[EventSite, ...]] = None  # None: not asked for, or given up on
    found: Optional[tuple[tuple[Use, ...], tuple[AppLabel, ...]]] = None
    # Resolving ``a.f().g().h()...`` recurses once per call in the chain; a chain
    # the parser accepts can still be too long for that: then no sites, or no uses.
    try:
        if matcher is not None or uses.active:
            bindings = bind_module(tree, matcher.definer if matcher is not None else None)
        if matcher is not None and bindings is not None:
            sites = find_sites(tree, text, patterns, bindings, matcher)
    except RecursionError:
        pass
    if uses.active and bindings is not None:
        try:
            found = find_uses(tree, text, lines, import_nodes, bindings, uses)
        except RecursionError:
            pass
    aliases: tuple[Alias, ...] = ()
    if bindings is not None and (sites is not None or found is not None):
        # Re-exports (``from .api import create_order`` in a package) resolve uses in other files.
        aliases = bindings.aliases
    return FileFacts(
        imports=imports,
        suppressions=suppressions,
        aliases=aliases,
        events=tuple(sorted(set((sites or ()) + declared))),
        uses=found[0] if found else (),
        apps=found[1] if found else (),
    )


def _parse(data: bytes) -> Union[tuple[str, ast.Module], ParseFailure]:
    """The decoded text and its tree, or why there is none."""
    try:
        text = decode_source(data)
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        return ParseFailure(1, 1, f"cannot decode the file: {_reason(exc)}")
    try:
        # The compiler warns about the analysed code ("is" with a literal, invalid
        # escapes); those are the user's linters' business, not noise on our stderr.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, TypeError) as exc:
        # Null bytes raise ValueError or a SyntaxError without a line, by version.
        if "\0" in text and not getattr(exc, "lineno", None):
            line = text.count("\n", 0, text.find("\0")) + 1
            return ParseFailure(line, 1, "the file contains a null byte")
        if isinstance(exc, SyntaxError):
            return ParseFailure(exc.lineno or 1, exc.offset or 1, exc.msg)
        return ParseFailure(1, 1, _reason(exc))
    except (RecursionError, MemoryError):
        return ParseFailure(1, 1, "too deeply nested for Python's parser")
    return text, tree


def _reason(exc: BaseException) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
