"""``[[interfaces]]``: a component and the modules or names it exposes to the rest of the code."""

from __future__ import annotations

import re
from typing import Any

from depcheck.config.fields import Path_, Reader, describe, module_name, tables
from depcheck.config.settings import Interface

INTERFACE_KEYS = ("component", "expose")

# A module, a ``module.name`` or a glob of them: ``shop.orders.events.*``.
_EXPOSED_RE = re.compile(r"^[A-Za-z_*?\[][\w*?\[\]!]*(\.[\w*?\[\]!]+)*$")


def parse_interfaces(reader: Reader, value: Any, path: Path_) -> tuple[Interface, ...]:
    found = []
    seen: dict[str, int] = {}
    for where, table in tables(reader, value, path, INTERFACE_KEYS):
        raw = table.get("component")
        component = None
        if not isinstance(raw, str):
            reader.problem((*where, "component"), "required: the package whose interface this is, "
                           f"like 'shop.orders', got {describe(raw)}")
        else:
            component = module_name(reader, raw, (*where, "component"))
        if component and component in seen:
            reader.problem((*where, "component"),
                           f"'{component}' already has an interface at interfaces[{seen[component]}]")
            component = None
        expose = table.get("expose")
        if not isinstance(expose, list) or not all(isinstance(e, str) for e in expose):
            reader.problem((*where, "expose"),
                           "expected a list of the modules or module.names other code may use, "
                           f"like ['shop.orders.api'], got {describe(expose)}")
            continue
        names = []
        for index, entry in enumerate(expose):
            entry = entry.strip()
            if not _EXPOSED_RE.match(entry):
                reader.problem((*where, "expose", index), "expected a module, a module.name or a glob "
                               f"like 'shop.orders.events.*', got {entry!r}")
            elif component and not (entry == component or entry.startswith(component + ".")):
                reader.problem((*where, "expose", index),
                               f"'{entry}' is not inside the component '{component}': write its full name")
            else:
                names.append(entry)
        if component:
            seen[component] = where[-1]
            found.append(Interface(
                component, tuple(names), f"interfaces[{where[-1]}]", reader.line(where) or 1
            ))
    return tuple(found)
