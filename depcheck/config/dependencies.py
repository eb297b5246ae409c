"""``[[forbidden]]`` rules and ``[[exceptions]]`` (accepted dependencies)."""

from __future__ import annotations

import re
from typing import Any, Optional

from depcheck.config.fields import (
    Path_,
    Reader,
    describe,
    flag,
    misspelled,
    module_expressions,
    module_names,
    tables,
    text,
)
from depcheck.config.settings import AcceptedDependency, ForbiddenRule

FORBIDDEN_KEYS = ("from", "to", "reason", "indirect")
EXCEPTION_KEYS = ("from", "to", "reason", "rules")

_GLOB_RE = re.compile(r"^[\w.*?\[\]!-]+$")


def _targets(reader: Reader, table: dict, path: Path_, name: str, expressions: bool) -> tuple[str, ...]:
    value = table.get(name)
    if value is None and misspelled(table, name, FORBIDDEN_KEYS):
        return ()
    if isinstance(value, list) and not value or value is None:
        reader.problem((*path, name), f"expected a module name or a list of them, got {describe(value)}")
        return ()
    parse = module_expressions if expressions else module_names
    return parse(reader, value, (*path, name), expected="a module name or a list of them")


def forbidden_rule(reader: Reader, table: dict, path: Path_, where: str,
                   expressions: bool = False) -> Optional[ForbiddenRule]:
    """One forbidden rule, from a ``[[forbidden]]`` table or a forbidden contract (whose names may
    be import-linter module expressions)."""
    reason = text(reader, table.get("reason", ""), (*path, "reason"))
    indirect = flag(reader, table.get("indirect", True), (*path, "indirect"), True)
    sources = _targets(reader, table, path, "from", expressions)
    targets = _targets(reader, table, path, "to", expressions)
    if not (sources and targets):
        return None
    return ForbiddenRule(sources, targets, reason, indirect, where, reader.line(path) or 1)


def parse_forbidden(reader: Reader, value: Any, path: Path_) -> tuple[ForbiddenRule, ...]:
    rules = (
        forbidden_rule(reader, table, where, f"forbidden[{where[-1]}]")
        for where, table in tables(reader, value, path, FORBIDDEN_KEYS)
    )
    return tuple(rule for rule in rules if rule is not None)


def parse_exceptions(reader: Reader, value: Any, path: Path_) -> tuple[AcceptedDependency, ...]:
    """Each entry accepts the dependencies of ``from`` on ``to``; ``rules`` are checked against the
    rule registry later (config knows no rules), see config/validate.py."""
    result = []
    for where, table in tables(reader, value, path, EXCEPTION_KEYS):
        globs = []
        for name in ("from", "to"):
            glob = table.get(name)
            if glob is None and misspelled(table, name, EXCEPTION_KEYS):
                globs.append(glob)
                continue
            if not isinstance(glob, str) or not _GLOB_RE.match(glob):
                reader.problem(
                    (*where, name), f"expected a module glob like 'shop.legacy.*', got {describe(glob)}"
                )
            globs.append(glob)
        reason = table.get("reason")
        if reason is None and misspelled(table, "reason", EXCEPTION_KEYS):
            pass
        elif not isinstance(reason, str) or not reason.strip():
            reader.problem((*where, "reason"), "required: say why this dependency is accepted")
        rules = table.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            reader.problem((*where, "rules"), f"expected a list of rule ids, got {describe(rules)}")
            rules = []
        if all(isinstance(g, str) for g in globs) and isinstance(reason, str) and reason.strip():
            result.append(AcceptedDependency(
                globs[0], globs[1], reason.strip(), tuple(rules), f"exceptions[{where[-1]}]",
                reader.line(where) or 1,
            ))
    return tuple(result)
