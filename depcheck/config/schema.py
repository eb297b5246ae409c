"""The schema: every top-level key of ``[tool.depcheck]``, once, with what it expects and its parser.

A new config key is one line in ``TOP_LEVEL`` (plus its field in
:class:`~depcheck.config.settings.Config` and the README's reference). Tables
below the top level list their keys beside their parser (``EVENT_KEYS`` in
config/events.py, ``CONTRACT_TYPES`` in config/contracts.py, ...).

Parsers run in the order of ``TOP_LEVEL`` and return the ``Config`` fields they
fill; one that depends on another key (``layers`` on ``containers``, ``dynamic``
on ``uses``) reads it from the fields parsed so far. Parsing reads no file:
what only the project can tell (does a module exist, is a source root a
directory) is checked in config/validate.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from depcheck.config.contracts import parse_contracts
from depcheck.config.dependencies import parse_exceptions, parse_forbidden
from depcheck.config.events import parse_events
from depcheck.config.fields import (
    Path_,
    Reader,
    flag,
    module_name,
    module_names,
    positive_int,
    strings,
    unknown_keys,
)
from depcheck.config.interfaces import parse_interfaces
from depcheck.config.layers import parse_layers
from depcheck.config.settings import Config
from depcheck.config.uses import parse_dynamic, parse_uses
from depcheck.model import UseSettings

Fields = dict[str, Any]


@dataclass(frozen=True)
class Key:
    """One top-level config key: what it holds and its parser."""

    expected: str  # what the key holds, for docs and messages
    # (reader, value, path, fields parsed so far) -> the Config fields it fills; not called
    # when the key is absent (the Config's defaults apply)
    parse: Callable[[Reader, Any, Path_, Fields], Fields]


def _packages(reader: Reader, value: Any, path: Path_, fields: Fields) -> Fields:
    names = []
    for raw in strings(reader, value, path, allow_string=True):
        name = module_name(reader, raw, path)
        if name:
            names.append(name)
    if isinstance(value, (list, str)) and not names and not reader.problems:
        reader.problem(path, "expected at least one package name")
    return {"packages": tuple(names)}


def _source_roots(reader: Reader, value: Any, path: Path_, fields: Fields) -> Fields:
    return {"source_roots": strings(reader, value, path, allow_string=True)}


def _layers(reader: Reader, value: Any, path: Path_, fields: Fields) -> Fields:
    layers, open_layers, optional = parse_layers(reader, value, path, fields.get("containers", ()))
    return {"layers": layers, "open_layers": open_layers, "optional_layers": optional}


def _dynamic(reader: Reader, value: Any, path: Path_, fields: Fields) -> Fields:
    uses, labels = parse_dynamic(reader, value, path, fields.get("uses", UseSettings()))
    return {"uses": uses, "app_labels": labels}


Parse = Callable[[Reader, Any, Path_, Fields], Fields]


def _one(name: str, parse: Callable[[Reader, Any, Path_], Any]) -> Parse:
    """A key that fills the Config field of its own name."""
    return lambda reader, value, path, fields: {name: parse(reader, value, path)}


TOP_LEVEL: dict[str, Key] = {
    "packages": Key("list of top-level package names", _packages),
    "source_roots": Key("list of directories, relative to the config file", _source_roots),
    "exclude": Key("list of path globs, relative to the config file",
                   _one("exclude", lambda r, v, p: strings(r, v, p, allow_string=True))),
    "containers": Key("list of packages the layer stack is applied inside",
                      _one("containers",
                           lambda r, v, p: module_names(r, v, p, expected="a list of strings"))),
    "layers": Key("list of layers, highest first; a layer is a module name or a list of siblings", _layers),
    "forbidden": Key("array of tables with 'from', 'to' and optional 'reason', 'indirect'",
                     _one("forbidden", parse_forbidden)),
    "exceptions": Key("array of tables with 'from', 'to' and 'reason'", _one("exceptions", parse_exceptions)),
    "type_checking_imports": Key("true or false",
                                 _one("type_checking_imports", lambda r, v, p: flag(r, v, p, True))),
    "acyclic": Key("list of components that must not depend on each other in a loop",
                   _one("acyclic", lambda r, v, p: module_names(r, v, p, allow_string=False,
                                                                 expected="a list of strings"))),
    "max_cycles": Key("a positive integer", _one("max_cycles", lambda r, v, p: positive_int(r, v, p, 20))),
    "contracts": Key("array of [[contracts]] tables with 'name', 'type' and the type's keys",
                     _one("contracts", parse_contracts)),
    "interfaces": Key("array of [[interfaces]] tables with 'component' and 'expose'",
                      _one("interfaces", parse_interfaces)),
    "events": Key("a table with 'presets', 'owners', 'patterns' and 'declare'", _one("events", parse_events)),
    "uses": Key("true or false", _one("uses", parse_uses)),
    "dynamic": Key("a table with 'imports', 'loaders', 'django_models' and 'app_labels'", _dynamic),
    "select": Key("list of rule ids to report (default: every rule)",
                  _one("select", lambda r, v, p: strings(r, v, p, allow_string=True))),
    "ignore": Key("list of rule ids never to report (wins over select)",
                  _one("ignore", lambda r, v, p: strings(r, v, p, allow_string=True))),
}


def parse_table(reader: Reader, raw: dict, config_file: Path) -> Config:
    """The ``[tool.depcheck]`` table (or a depcheck.toml's top level) as a Config; problems go to
    ``reader`` (the caller raises once all are collected)."""
    unknown_keys(reader, raw, (), sorted(TOP_LEVEL))
    if "packages" not in raw:
        reader.problem(("packages",), "missing: list the top-level packages to check, e.g. ['shop']")
    fields: Fields = {}
    for name, key in TOP_LEVEL.items():
        if name in raw:
            fields.update(key.parse(reader, raw[name], (name,), fields))
    root = config_file.parent
    fields["source_roots"] = tuple((root / value).resolve() for value in fields.get("source_roots", ()))
    return Config(path=config_file, root=root, source=reader.source, key_prefix=reader.prefix,
                  **{"packages": (), **fields})
