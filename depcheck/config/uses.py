"""``uses`` and ``[tool.depcheck.dynamic]``: what extraction records besides imports."""

from __future__ import annotations

import re
from typing import Any

from depcheck.config.fields import (
    MODULE_RE,
    Path_,
    Reader,
    describe,
    flag,
    module_name,
    table,
    unknown_keys,
)
from depcheck.model import Loader, UseSettings

DYNAMIC_KEYS = ("imports", "loaders", "django_models", "app_labels")
LOADER_KEYS = ("call", "module_arg", "prefix")

_CALL_RE = re.compile(r"^[\w.*?\[\]!]+$")


def parse_uses(reader: Reader, value: Any, path: Path_) -> UseSettings:
    return UseSettings(uses=flag(reader, value, path, True))


def parse_dynamic(
    reader: Reader, value: Any, path: Path_, uses: UseSettings
) -> tuple[UseSettings, tuple[tuple[str, str], ...]]:
    """``uses`` completed with the dynamic loads asked for, and the configured app labels."""
    raw = table(reader, value, path, "a table ([tool.depcheck.dynamic])")
    if raw is None:
        return uses, ()
    unknown_keys(reader, raw, path, DYNAMIC_KEYS)
    imports = flag(reader, raw.get("imports", False), (*path, "imports"), False)
    django_models = flag(reader, raw.get("django_models", False), (*path, "django_models"), False)
    loaders = []
    raw_loaders = raw.get("loaders", [])
    if not isinstance(raw_loaders, list):
        reader.problem((*path, "loaders"), "expected a list of tables like "
                       "{ call = 'get_class', module_arg = 0, prefix = 'oscar.apps.' }, "
                       f"got {describe(raw_loaders)}")
        raw_loaders = []
    for index, entry in enumerate(raw_loaders):
        where = (*path, "loaders", index)
        if not isinstance(entry, dict):
            reader.problem(where,
                           f"expected a table with 'call', 'module_arg' and 'prefix', got {describe(entry)}")
            continue
        unknown_keys(reader, entry, where, LOADER_KEYS)
        call = entry.get("call")
        argument = entry.get("module_arg", 0)
        prefix = entry.get("prefix", "")
        ok = True
        if not isinstance(call, str) or not _CALL_RE.match(call):
            reader.problem((*where, "call"),
                           f"expected a call name or glob like 'get_class', got {describe(call)}")
            ok = False
        if isinstance(argument, bool) or not isinstance(argument, int) or argument < 0:
            reader.problem((*where, "module_arg"), "expected the position of the module argument "
                           f"(0 or more), got {describe(argument)}")
            ok = False
        if not isinstance(prefix, str) or prefix and not MODULE_RE.match(prefix.rstrip(".")):
            reader.problem((*where, "prefix"),
                           f"expected a module prefix like 'oscar.apps.', got {describe(prefix)}")
            ok = False
        if ok:
            loaders.append(Loader(call, argument, prefix))
    labels = []
    raw_labels = table(reader, raw.get("app_labels", {}), (*path, "app_labels"),
                       "a table of app label -> package") or {}
    for label, package in raw_labels.items():
        where = (*path, "app_labels", label)
        if not isinstance(package, str):
            reader.problem(where, f"expected a package name, got {describe(package)}")
            continue
        name = module_name(reader, package, where)
        if name:
            labels.append((label, name))
    settings = UseSettings(
        uses=uses.uses, dynamic_imports=imports, loaders=tuple(loaders), django_models=django_models,
    )
    return settings, tuple(labels)
