"""The layer stack: ``layers = [...]`` at the top level and in layers contracts."""

from __future__ import annotations

from typing import Any

from depcheck.config.fields import Path_, Reader, describe, module_name, render_key, unknown_keys

# The keys of a layer written as a table: ``{ modules = [...], independent = false, optional = true }``.
ENTRY_KEYS = ("modules", "independent", "optional")

LayerStack = tuple[tuple[tuple[str, ...], ...], frozenset[int], frozenset[str]]


def parse_layers(reader: Reader, value: Any, path: Path_, containers: tuple[str, ...] = ()) -> LayerStack:
    """Layers (highest first), the indices of layers whose siblings may depend on each other,
    and the optional entries. An entry is a module, a list of independent siblings, or a table."""
    if not isinstance(value, list):
        reader.problem(path, f"expected a list of layers, highest first, got {describe(value)}")
        return (), frozenset(), frozenset()
    layers: list[tuple[str, ...]] = []
    open_layers: set[int] = set()
    optional: set[str] = set()
    for index, entry in enumerate(value):
        where = (*path, index)
        independent, is_optional = True, False
        if isinstance(entry, dict):
            unknown_keys(reader, entry, where, ENTRY_KEYS)
            independent = entry.get("independent", True)
            is_optional = entry.get("optional", False)
            for flag_name, flag_value in (("independent", independent), ("optional", is_optional)):
                if not isinstance(flag_value, bool):
                    reader.problem((*where, flag_name), f"expected true or false, got {describe(flag_value)}")
            entry = entry.get("modules", [])
            if isinstance(entry, str):
                entry = [entry]
        members = entry if isinstance(entry, list) else [entry]
        if isinstance(entry, list) and not entry:
            reader.problem(where, "an empty layer: list at least one module, or remove it")
            continue
        names = []
        for member in members:
            if not isinstance(member, str):
                reader.problem(
                    where, f"expected a module name or a list of sibling module names, got {describe(member)}"
                )
                continue
            name = module_name(reader, member, where)
            if name:
                names.append(name)
        if names:
            if independent is False:
                open_layers.add(len(layers))
            if is_optional is True:
                optional.update(names)
            layers.append(tuple(names))
    if containers:
        optional = {f"{container}.{name}" for container in containers for name in optional}
        layers = [
            tuple(f"{container}.{name}" for container in containers for name in layer)
            for layer in layers
        ]
    seen: dict[str, int] = {}
    for index, layer in enumerate(layers):
        for name in layer:
            for other, other_index in seen.items():
                if name == other or name.startswith(other + ".") or other.startswith(name + "."):
                    where_other = "twice" if name == other else f"inside '{other}'"
                    reader.problem(
                        (*path, index),
                        f"'{name}' is listed {where_other} ({render_key(path)}[{other_index}]): "
                        "a module can belong to one layer only",
                    )
            seen[name] = index
    return tuple(layers), frozenset(open_layers), frozenset(optional)

