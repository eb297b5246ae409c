"""What both translations share: the result, the one error, TOML writing."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


class MigrationError(Exception):
    """The source config cannot be read; the message is one actionable line."""


@dataclass
class Migration:
    """The depcheck config migrated from another tool's, and what was left out."""

    source: str  # the file read
    tables: list[str] = field(default_factory=list)  # TOML chunks, in order
    dropped: list[str] = field(default_factory=list)  # "what: why" for each thing not migrated

    @property
    def text(self) -> str:
        return "\n".join(self.tables)


def toml_value(value: Any, *, inline: bool = False) -> str:
    """TOML for strings, bools, ints and (nested) lists of them; JSON's escapes are valid TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        # Inline tables must fit on one line (TOML 1.0).
        pairs = (f"{toml_key(k)} = {toml_value(v, inline=True)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    items = [toml_value(v, inline=True) for v in value]
    one_line = "[" + ", ".join(items) + "]"
    if inline or len(one_line) <= 88:
        return one_line
    return "[\n" + "".join(f"  {item},\n" for item in items) + "]"


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def comment(text: str) -> str:
    return "\n".join(f"# {line}".rstrip() for line in text.splitlines())


