"""Find, read and validate depcheck's configuration.

The raw TOML is parsed once into a frozen :class:`Config`; no later stage sees
a dict or the file's text. Every problem is collected (not just the first) and
reported as one line per problem naming the file, the line, the key and what
was expected.

- source.py: where each key is written (a source map built at parse time)
- fields.py: the reusable field parsers and the problem collector
- schema.py: the top-level keys, once; layers.py, dependencies.py, events.py,
  uses.py, contracts.py, interfaces.py: the tables below them
- settings.py: the frozen result
- validate.py: what only the project can tell (names that match no module)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from depcheck.config.fields import Reader, display
from depcheck.config.schema import parse_table
from depcheck.config.settings import (
    AcceptedDependency,
    Config,
    Contract,
    EventDeclaration,
    EventSettings,
    ForbiddenRule,
    Interface,
    OwnerRule,
)
from depcheck.config.source import SourceMap
from depcheck.replay import CONFIG_FILES, find_config_path

__all__ = [
    "CONFIG_FILES", "AcceptedDependency", "Config", "ConfigError", "Contract", "EventDeclaration",
    "EventSettings", "ForbiddenRule", "Interface", "OwnerRule", "display", "find_config", "load_config",
    "parse_config",
]


class ConfigError(Exception):
    """The configuration cannot be used. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def find_config(start: Path) -> Optional[Path]:
    """The nearest depcheck.toml, or pyproject.toml with a [tool.depcheck] table."""
    found = find_config_path(str(start))
    return Path(found) if found is not None else None


def load_config(path: Path) -> Config:
    """Read and validate ``path``; raises :class:`ConfigError` with every problem found."""
    path = path.resolve()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{display(path)}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{display(path)}: cannot read config file ({exc})"]) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{display(path)}: invalid TOML: {exc}"]) from None

    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        raw = tool.get("depcheck") if isinstance(tool, dict) else None
        if raw is None:
            raise ConfigError([f"{display(path)}: no [tool.depcheck] table in this file"])
        prefix = "tool.depcheck."
    else:
        raw = document
        prefix = ""
    if not isinstance(raw, dict):
        raise ConfigError([f"{display(path)}: {prefix or 'depcheck'}: expected a table"])
    return parse_config(raw, path, text, prefix)


def parse_config(raw: dict, path: Path, text: str = "", prefix: str = "") -> Config:
    """The config of an already-read TOML table; ``text`` locates keys, ``prefix`` is
    ``"tool.depcheck."`` for a pyproject.toml's table. Reads no file."""
    base = tuple(prefix.rstrip(".").split(".")) if prefix else ()
    reader = Reader(display(path), SourceMap.of(text), base, prefix)
    config = parse_table(reader, raw, path)
    if reader.problems:
        raise ConfigError(reader.problems)
    return config
