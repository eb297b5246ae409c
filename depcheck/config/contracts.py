"""``[[contracts]]``: named rule sets, one entry per contract type.

The contract types and their keys are listed once, in ``CONTRACT_TYPES``; how a
contract is checked (which rules it runs) is depcheck/contracts.py's business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from depcheck.config.dependencies import forbidden_rule
from depcheck.config.fields import (
    Path_,
    Reader,
    describe,
    flag,
    module_expressions,
    positive_int,
    unknown_keys,
)
from depcheck.config.layers import parse_layers
from depcheck.config.settings import AcceptedDependency, Contract

# Every contract has these; a type adds its own keys.
COMMON_KEYS = ("name", "type", "ignore_imports")

_IMPORT_RE = re.compile(r"^\s*([\w.*]+)\s*->\s*([\w.*]+)\s*$")

Fields = dict[str, Any]


def _names(reader: Reader, table: dict, path: Path_, name: str, *, required: bool = False) -> tuple[str, ...]:
    """Module names or import-linter module expressions (``pkg.*``: each child; ``pkg.**``: each
    descendant), which contracts.py resolves against the project's modules."""
    if name not in table:
        if required:
            reader.problem((*path, name), "required: a list of module names")
        return ()
    return module_expressions(reader, table[name], (*path, name))


def _layers(reader: Reader, table: dict, path: Path_) -> Fields:
    if "layers" not in table:
        reader.problem((*path, "layers"), "required: the layers, highest first")
    layers, open_layers, optional = parse_layers(reader, table.get("layers", []), (*path, "layers"))
    return {
        "layers": layers, "open_layers": open_layers, "optional_layers": optional,
        "containers": _names(reader, table, path, "containers"),
        "exhaustive": flag(reader, table.get("exhaustive", False), (*path, "exhaustive"), False),
        "exhaustive_ignores": _names(reader, table, path, "exhaustive_ignores"),
    }


def _independence(reader: Reader, table: dict, path: Path_) -> Fields:
    return {"modules": _names(reader, table, path, "modules", required=True)}


def _forbidden(reader: Reader, table: dict, path: Path_) -> Fields:
    rule = forbidden_rule(reader, table, path, f"contracts[{path[-1]}]", expressions=True)
    return {"forbidden": (rule,) if rule else ()}


def _acyclic(reader: Reader, table: dict, path: Path_) -> Fields:
    modules = _names(reader, table, path, "modules")
    children_of = _names(reader, table, path, "children_of")
    if not modules and not children_of:
        reader.problem(path, "an acyclic contract needs 'modules' (components) or 'children_of' (packages)")
    return {
        "modules": modules, "children_of": children_of,
        "depth": positive_int(reader, table.get("depth", 1), (*path, "depth"), 1),
        "skip": _names(reader, table, path, "skip"),
    }


def _protected(reader: Reader, table: dict, path: Path_) -> Fields:
    return {"modules": _names(reader, table, path, "modules", required=True),
            "allowed": _names(reader, table, path, "allowed")}


def _allowed(reader: Reader, table: dict, path: Path_) -> Fields:
    depends = table.get("depends_on", {})
    pairs = []
    if not isinstance(depends, dict):
        reader.problem((*path, "depends_on"),
                       f"expected a table of module = [modules it uses], got {describe(depends)}")
        depends = {}
    for module in depends:
        pairs.append((module, _names(reader, depends, (*path, "depends_on"), module)))
    return {"modules": _names(reader, table, path, "modules", required=True),
            "depends_on": tuple(pairs), "utility": _names(reader, table, path, "utility")}


@dataclass(frozen=True)
class ContractType:
    """One ``[[contracts]]`` type: the keys it takes and the parser of its fields."""

    keys: tuple[str, ...]  # besides COMMON_KEYS
    parse: Callable[[Reader, dict, Path_], Fields]


CONTRACT_TYPES: dict[str, ContractType] = {
    "layers": ContractType(("layers", "containers", "exhaustive", "exhaustive_ignores"), _layers),
    "independence": ContractType(("modules",), _independence),
    "forbidden": ContractType(("from", "to", "indirect", "reason"), _forbidden),
    "acyclic": ContractType(("modules", "children_of", "depth", "skip"), _acyclic),
    "protected": ContractType(("modules", "allowed"), _protected),
    "allowed": ContractType(("modules", "depends_on", "utility"), _allowed),
}


def _ignore_imports(reader: Reader, table: dict, path: Path_, name: str) -> tuple[AcceptedDependency, ...]:
    where = (*path, "ignore_imports")
    raw = table.get("ignore_imports", [])
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
        reader.problem(where, "expected a list of 'importer -> imported' strings")
        return ()
    ignores = []
    for position, line in enumerate(raw):
        found = _IMPORT_RE.match(line)
        if found is None:
            reader.problem(where, f"expected 'importer -> imported' (wildcards * and **), got {line!r}")
            continue
        ignores.append(AcceptedDependency(
            found.group(1), found.group(2), f"ignored by contract '{name}'", (),
            f"contracts[{path[-1]}].ignore_imports[{position}]", reader.line((*where, position)) or 1,
            exact=True,
        ))
    return tuple(ignores)


def parse_contracts(reader: Reader, value: Any, path: Path_) -> tuple[Contract, ...]:
    if not isinstance(value, list):
        reader.problem(path, f"expected [[contracts]] tables, got {describe(value)}")
        return ()
    contracts = []
    names: set[str] = set()
    for index, table in enumerate(value):
        where = (*path, index)
        if not isinstance(table, dict):
            reader.problem(where, f"expected a table with 'name' and 'type', got {describe(table)}")
            continue
        name, kind = table.get("name"), table.get("type")
        if not isinstance(name, str) or not name.strip():
            reader.problem((*where, "name"), "required: a name for the contract, shown with its violations")
            name = f"contracts[{index}]"
        elif name in names:
            reader.problem((*where, "name"),
                           f"'{name}' is the name of an earlier contract; names must be unique")
        names.add(name)
        contract_type: Optional[ContractType] = CONTRACT_TYPES.get(kind) if isinstance(kind, str) else None
        if contract_type is None:
            reader.problem((*where, "type"),
                           f"expected one of {', '.join(CONTRACT_TYPES)}, got {describe(kind)}")
            continue
        unknown_keys(reader, table, where, (*COMMON_KEYS, *contract_type.keys), f" for a {kind} contract")
        fields = contract_type.parse(reader, table, where)
        contracts.append(Contract(
            name=name, type=kind, where=f"contracts[{index}]", line=reader.line(where) or 1,
            ignore_imports=_ignore_imports(reader, table, where, name), **fields,
        ))
    return tuple(contracts)
