"""import-linter contracts (setup.cfg, .importlinter, pyproject.toml) as depcheck contracts.

Each contract becomes one ``[[tool.depcheck.contracts]]`` table with the same name, so
``depcheck check --format json`` can be compared contract by contract with ``lint-imports``.
"""

from __future__ import annotations

import configparser
import re
import sys
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from depcheck.migrate.common import Migration, MigrationError, comment, toml_key, toml_value

IMPORT_LINTER_FILES = ("setup.cfg", ".importlinter", "pyproject.toml")


def _ini_list(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def read_import_linter(path: Path) -> tuple[dict, list[tuple[str, dict]]]:
    """(top-level options, [(contract id, options)]) from an INI or TOML file; lists are lists."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MigrationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if path.suffix == ".toml":
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise MigrationError(f"{path}: invalid TOML: {exc}") from None
        section = document.get("tool", {}).get("importlinter")
        if not isinstance(section, dict):
            raise MigrationError(f"{path}: no [tool.importlinter] table")
        top = {k: v for k, v in section.items() if k != "contracts"}
        contracts = section.get("contracts", [])
        return top, [(str(c.get("id", c.get("name", i))), c) for i, c in enumerate(contracts)]
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        raise MigrationError(f"{path}: invalid INI: {exc}".splitlines()[0]) from None
    if not parser.has_section("importlinter"):
        raise MigrationError(f"{path}: no [importlinter] section")

    def options(name: str) -> dict:
        result: dict[str, Any] = {}
        for key, value in parser.items(name):
            result[key] = _ini_list(value) if "\n" in value.strip() or key in _LIST_KEYS else value.strip()
        return result

    contracts = [
        (name.split(":", 2)[2], options(name))
        for name in parser.sections()
        if name.startswith("importlinter:contract:")
    ]
    return options("importlinter"), contracts


_LIST_KEYS = {
    "root_packages", "layers", "containers", "modules", "source_modules", "forbidden_modules",
    "ignore_imports", "exhaustive_ignores", "ancestors", "skip_descendants", "protected_modules",
    "allowed_importers",
}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return _ini_list(value) if "\n" in value else [value.strip()] if value.strip() else []
    return [str(v) for v in value]


def _as_bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def find_import_linter_config(directory: Path) -> Optional[Path]:
    """The file lint-imports would read: setup.cfg, .importlinter, then pyproject.toml."""
    for name in IMPORT_LINTER_FILES:
        candidate = directory / name
        if not candidate.is_file():
            continue
        text = candidate.read_text(encoding="utf-8", errors="replace")
        marker = r"^\[tool\.importlinter\]" if name.endswith(".toml") else r"^\[importlinter\]"
        if re.search(marker, text, re.MULTILINE):
            return candidate
    return None


def _layer_entry(raw: str, container_names: bool) -> tuple[Any, list[str]]:
    """An import-linter layer string as a depcheck layer entry, and notes about it."""
    notes = []
    independent = "|" in raw or ":" not in raw
    if "|" in raw and ":" in raw:
        notes.append(f"layer {raw!r} mixes '|' and ':'; import-linter rejects that")
    names = [n.strip() for n in re.split(r"[|:]", raw) if n.strip()]
    optional = [n.startswith("(") and n.endswith(")") for n in names]
    names = [n[1:-1].strip() if o else n for n, o in zip(names, optional)]
    if any(optional) and not all(optional):
        notes.append(f"layer {raw!r}: only some siblings are optional; the whole layer is made optional")
    if not any(optional) and independent:
        return (names[0] if len(names) == 1 else names), notes
    entry: dict[str, Any] = {"modules": names}
    if not independent:
        entry["independent"] = False
    if any(optional):
        entry["optional"] = True
    return entry, notes


_COMMON_IGNORED = {
    "unmatched_ignore_imports_alerting": "depcheck always warns (unused-ignore) for an ignore_imports "
    "entry that matches no import; it never fails the run for it",
    "broken_contract_guidance": "kept below as a comment; depcheck shows its own hint per violation",
}


def _contract_table(contract_id: str, options: dict, migration: Migration) -> None:
    name = str(options.get("name") or contract_id)
    kind = str(options.get("type", ""))
    table: dict[str, Any] = {"name": name}
    notes: list[str] = []
    known = {"name", "type", "id", "ignore_imports"}

    def drop(what: str, why: str) -> None:
        notes.append(f"not migrated: {what}: {why}")
        migration.dropped.append(f"contract {name!r}: {what}: {why}")

    if kind == "layers":
        table["type"] = "layers"
        containers = _as_list(options.get("containers"))
        if containers:
            table["containers"] = containers
        entries = []
        for raw in _as_list(options.get("layers")):
            entry, layer_notes = _layer_entry(raw, bool(containers))
            entries.append(entry)
            for note in layer_notes:
                drop("layers", note)
        table["layers"] = entries
        if _as_bool(options.get("exhaustive"), False):
            table["exhaustive"] = True
            if options.get("exhaustive_ignores"):
                table["exhaustive_ignores"] = _as_list(options.get("exhaustive_ignores"))
        known |= {"containers", "layers", "exhaustive", "exhaustive_ignores"}
    elif kind == "independence":
        table["type"] = "independence"
        table["modules"] = _as_list(options.get("modules"))
        known |= {"modules"}
    elif kind == "forbidden":
        table["type"] = "forbidden"
        table["from"] = _as_list(options.get("source_modules"))
        table["to"] = _as_list(options.get("forbidden_modules"))
        if _as_bool(options.get("allow_indirect_imports"), False):
            table["indirect"] = False
        if not _as_bool(options.get("as_packages"), True):
            drop("as_packages = false", "depcheck always treats a module name as the module and "
                 "everything inside it; the contract is checked with as_packages = true")
        known |= {"source_modules", "forbidden_modules", "allow_indirect_imports", "as_packages"}
    elif kind == "acyclic_siblings":
        table["type"] = "acyclic"
        table["children_of"] = _as_list(options.get("ancestors"))
        # import-linter's depth counts the levels below the first: depth 0 checks the
        # ancestor's children only, which is depcheck's depth 1.
        table["depth"] = int(options.get("depth", 10)) + 1
        if options.get("skip_descendants"):
            table["skip"] = _as_list(options.get("skip_descendants"))
        known |= {"ancestors", "depth", "skip_descendants"}
    elif kind == "protected":
        table["type"] = "protected"
        table["modules"] = _as_list(options.get("protected_modules"))
        table["allowed"] = _as_list(options.get("allowed_importers"))
        if not _as_bool(options.get("as_packages"), True):
            drop("as_packages = false", "checked as packages: descendants of a protected module are "
                 "protected too")
        known |= {"protected_modules", "allowed_importers", "as_packages"}
    else:
        drop(f"type = {kind!r}", "a custom or unknown contract type: depcheck cannot run its code "
             "(it never imports the analysed project or its plugins)")
        migration.tables.append(comment(f"contract {name!r} (type {kind!r}) not migrated") + "\n")
        return
    # Module expressions (``pkg.*``, ``pkg.**``) are copied as written: a contract resolves them
    # against the project's modules as import-linter does (``*`` is exactly one name).
    ignores = _as_list(options.get("ignore_imports"))
    if ignores:
        table["ignore_imports"] = ignores
    for key in sorted(set(options) - known):
        reason = _COMMON_IGNORED.get(key, "no depcheck equivalent")
        if key == "broken_contract_guidance":
            notes.append("guidance: " + " ".join(str(options[key]).split()))
            migration.dropped.append(f"contract {name!r}: {key}: {reason}")
        else:
            drop(key, reason)
    lines = [comment(note) for note in notes]
    lines.append("[[tool.depcheck.contracts]]")
    lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items())
    migration.tables.append("\n".join(lines) + "\n")


def from_import_linter(path: Path) -> Migration:
    top, contracts = read_import_linter(path)
    migration = Migration(str(path))
    packages = _as_list(top.get("root_packages")) or _as_list(top.get("root_package"))
    if not packages:
        raise MigrationError(f"{path}: importlinter: no root_package or root_packages")
    header = [
        comment(f"Migrated from import-linter ({path.name}) by `depcheck migrate`."),
        "[tool.depcheck]",
        f"packages = {toml_value(packages)}",
        "# import-linter checks only its contracts: no implicit cycle check between subpackages.",
        "acyclic = []",
        "# import-linter follows import statements only, so uses are off: the contracts then report",
        "# exactly lint-imports' pairs. Delete this line (uses default to true) to also count uses of",
        "# imported names: a call through a re-export lands on the module that defines the name, and",
        "# dotted access (`import shop` then `shop.orders.api.f()`) on shop.orders.api.",
        "uses = false",
    ]
    if _as_bool(top.get("exclude_type_checking_imports"), False):
        header.append("type_checking_imports = false")
    for key in sorted(set(top) - {"root_package", "root_packages", "exclude_type_checking_imports",
                                  "include_external_packages"}):
        migration.dropped.append(f"[importlinter] {key}: no depcheck equivalent")
        header.append(comment(f"not migrated: {key} = {top[key]!r}: no depcheck equivalent"))
    migration.tables.append("\n".join(header) + "\n")
    if not contracts:
        migration.dropped.append("no contracts found")
    for contract_id, options in contracts:
        _contract_table(contract_id, options, migration)
    return migration


