"""tach.toml (and its domain files) as depcheck contracts and interfaces."""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from depcheck.migrate.common import Migration, MigrationError, comment, toml_key, toml_value


def _tach_paths(module: dict) -> list[str]:
    paths = module.get("paths") or ([module["path"]] if "path" in module else [])
    return [str(p) for p in paths]


def from_tach(path: Path) -> Migration:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MigrationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise MigrationError(f"{path}: invalid TOML: {exc}") from None
    migration = Migration(str(path))
    modules_raw = document.get("modules", [])
    if not isinstance(modules_raw, list) or not modules_raw:
        raise MigrationError(f"{path}: no [[modules]] tables")
    modules: list[tuple[str, dict]] = []
    for table in modules_raw:
        for module_path in _tach_paths(table):
            if module_path == "<root>":
                migration.dropped.append("module <root>: depcheck has no root module; "
                                         "code outside the listed modules is unrestricted")
                continue
            modules.append((module_path, table))
    names = [m for m, _ in modules]
    packages = sorted({m.split(".")[0] for m in names})
    header = [
        comment(f"Migrated from tach ({path.name}) by `depcheck migrate`."),
        "[tool.depcheck]",
        f"packages = {toml_value(packages)}",
        "acyclic = []",
    ]
    roots = document.get("source_roots")
    if roots and roots != ["."]:
        header.append(f"source_roots = {toml_value(roots)}")
    if document.get("ignore_type_checking_imports"):
        header.append("type_checking_imports = false")
    if document.get("exclude"):
        header.append(comment("tach's exclude patterns, check that they are path globs:"))
        header.append(f"exclude = {toml_value(list(document['exclude']))}")

    def drop(what: str, why: str) -> None:
        header.append(comment(f"not migrated: {what}: {why}"))
        migration.dropped.append(f"{what}: {why}")

    handled = {"modules", "source_roots", "ignore_type_checking_imports", "exclude", "layers",
               "forbid_circular_dependencies", "interfaces"}
    for key in sorted(set(document) - handled):
        drop(key, "no depcheck equivalent")
    if document.get("interfaces"):
        drop("interfaces", "depcheck checks which modules depend on which, not which names "
             "they use; members outside a module's interface are not flagged")
    migration.tables.append("\n".join(header) + "\n")

    layers = [str(layer) for layer in document.get("layers", [])]
    layer_of = {m: str(t["layer"]) for m, t in modules if "layer" in t}
    depends: dict[str, list[str]] = {}
    utility = [m for m, t in modules if t.get("utility")]
    for module_path, table in modules:
        for key in sorted(set(table) - {"path", "paths", "depends_on", "layer", "utility",
                                        "cannot_depend_on"}):
            if table.get(key):
                drop(f"module {module_path}: {key}", "no depcheck equivalent"
                     + ("; depcheck does not check which names are used" if key in ("strict", "visibility")
                        else ""))
        if "depends_on" not in table or table["depends_on"] is None:
            continue
        uses = []
        for dep in table["depends_on"]:
            dep_path = dep if isinstance(dep, str) else str(dep.get("path", ""))
            if isinstance(dep, dict) and dep.get("deprecated"):
                migration.dropped.append(f"module {module_path}: deprecated dependency on {dep_path} "
                                         "is allowed (depcheck has no 'deprecated' level)")
            if dep_path and dep_path != "<root>":
                uses.append(dep_path)
        # tach: a module may use any module of a lower layer without declaring it.
        if module_path in layer_of and layer_of[module_path] in layers:
            mine = layers.index(layer_of[module_path])
            uses += [m for m, layer in layer_of.items()
                     if layer in layers and layers.index(layer) > mine and m not in uses]
        depends[module_path] = uses
    chunks = []
    if depends:
        chunks.append("\n".join([
            comment("tach modules: each module with depends_on may import only those modules"),
            "[[tool.depcheck.contracts]]",
            'name = "tach: module dependencies"',
            'type = "allowed"',
            f"modules = {toml_value(names)}",
            *([f"utility = {toml_value(utility)}"] if utility else []),
            "[tool.depcheck.contracts.depends_on]",
            *(f"{toml_key(m)} = {toml_value(uses)}" for m, uses in depends.items()),
        ]) + "\n")
    if layers and layer_of:
        stack = [{"modules": [m for m, layer in layer_of.items() if layer == name], "independent": False}
                 for name in layers]
        stack = [entry for entry in stack if entry["modules"]]
        chunks.append("\n".join([
            "[[tool.depcheck.contracts]]",
            'name = "tach: layers"',
            'type = "layers"',
            f"layers = {toml_value(stack)}",
        ]) + "\n")
    for module_path, table in modules:
        if table.get("cannot_depend_on"):
            chunks.append("\n".join([
                "[[tool.depcheck.contracts]]",
                f"name = {toml_value('tach: ' + module_path + ' cannot depend on')}",
                'type = "forbidden"',
                f"from = {toml_value(module_path)}",
                f"to = {toml_value([str(t) for t in table['cannot_depend_on']])}",
                "indirect = false",
            ]) + "\n")
    if document.get("forbid_circular_dependencies"):
        chunks.append("\n".join([
            "[[tool.depcheck.contracts]]",
            'name = "tach: no circular dependencies"',
            'type = "acyclic"',
            f"modules = {toml_value(names)}",
        ]) + "\n")
    migration.tables.extend(chunks)
    return migration
