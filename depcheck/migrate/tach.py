"""tach.toml (and its domain files) as depcheck contracts and interfaces.

tach names modules by path, with globs (``*`` one name, ``**`` any number), and
lets a ``tach.domain.toml`` below a source root declare the modules of its
directory relative to it (``//x`` is absolute, ``<domain_root>`` the domain's
own module). Globs are resolved against the modules on disk when migrating:
depcheck's config names concrete modules, so the translation reads the source
roots' directory tree (never the code), as tach does, and says which names it
expanded.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from depcheck.migrate.common import Migration, MigrationError, comment, toml_key, toml_value

DOMAIN_FILE = "tach.domain.toml"
DOMAIN_ROOT = "<domain_root>"
ROOT_MODULE = "<root>"
# tach's defaults when tach.toml sets none (ProjectConfig in tach 0.30).
DEFAULT_EXCLUDE = ("**/tests", "**/docs", "**/*__pycache__", "**/*egg-info", "**/venv")

# Module keys that map, and top-level keys with what tach does that depcheck does not.
_MODULE_KEYS = {"path", "paths", "depends_on", "cannot_depend_on", "layer", "utility", "visibility",
                "unchecked"}
_UNMAPPED_TOP = {
    "exact": "tach also reports declared dependencies that the code does not use",
    "rules": "tach's rule levels (unused ignores, ignore reasons) have no depcheck equivalent",
    "cache": "depcheck caches by content, with no configuration",
    "external": "external dependency checks (tach check-external) are not migrated",
    "root_module": "depcheck has no root module; code outside the listed modules is unrestricted",
    "include_string_imports": "use [tool.depcheck.dynamic] to follow strings that name modules",
    "respect_gitignore": "depcheck reads only the listed packages and its own exclude",
    "plugins": "tach's plugins have no depcheck equivalent",
    "map": "no depcheck equivalent",
    "disable_logging": "no depcheck equivalent",
    "use_regex_matching": "exclude patterns are translated as globs",
}
_UNMAPPED_MODULE = {
    "strict": "depcheck's interfaces are [[interfaces]] tables",
    "depends_on_external": "external dependency checks (tach check-external) are not migrated",
    "cannot_depend_on_external": "external dependency checks (tach check-external) are not migrated",
}
_HANDLED_TOP = {"modules", "interfaces", "layers", "source_roots", "exclude",
                "ignore_type_checking_imports", "forbid_circular_dependencies"}


@dataclass
class TachModule:
    """One ``[[modules]]`` entry of tach's config."""

    path: str  # absolute, dotted; may be a glob until resolved
    table: dict
    origin: str  # the file it is declared in, for notes
    domain: str = ""  # the module path of its domain ("" in tach.toml)
    from_glob: str = ""  # the glob it was expanded from

    def resolve(self, name: str) -> str:
        """A dependency, visibility or interface name as tach resolves it in this module's file."""
        if not self.domain:
            return name
        if name.startswith("//"):
            return name[2:]
        if name == DOMAIN_ROOT:
            return self.domain
        return f"{self.domain}.{name}"


@dataclass
class TachInterface:
    """One ``[[interfaces]]`` entry of tach's config."""

    modules: list[str]  # ``from``, resolved
    expose: list[str]
    table: dict
    origin: str


@dataclass
class Collected:
    """Everything read from tach's config and domain files."""

    modules: list[TachModule] = field(default_factory=list)
    interfaces: list[TachInterface] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)  # domain files read, relative to the root


def glob_match(pattern: str, name: str) -> bool:
    """tach's module glob over dotted names: ``*`` is one name (or part of one), ``**`` any
    number of names, none included (``a.**`` matches ``a`` and everything inside it)."""
    return _match(tuple(pattern.split(".")), tuple(name.split(".")))


def _match(pattern: tuple[str, ...], name: tuple[str, ...]) -> bool:
    if not pattern:
        return not name
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, name[i:]) for i in range(len(name) + 1))
    return bool(name) and fnmatch.fnmatchcase(name[0], head) and _match(rest, name[1:])


def _is_glob(name: str) -> bool:
    return any(ch in name for ch in "*?[")


def _matching(pattern: str, names: list[str]) -> list[str]:
    return [n for n in names if glob_match(pattern, n)]


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rel, p) for p in patterns)


def exclude_globs(patterns: list[str]) -> list[str]:
    """tach's exclude globs as depcheck's (fnmatch on paths relative to the root, where ``*`` also
    matches ``/``): ``**/tests`` matches a ``tests`` directory at any depth, at the top too."""
    result: list[str] = []
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if not pattern:
            continue
        result.append(pattern)
        if pattern.startswith("**/"):
            result.append(pattern[3:])
    return list(dict.fromkeys(result))


def disk_modules(
    root: Path, source_roots: list[str], exclude: tuple[str, ...]
) -> tuple[set[str], list[tuple[str, Path]]]:
    """The module names under the source roots (packages, ``.py`` files and stubs) and the domain
    files with the module of their directory; symlinked directories are not followed."""
    modules: set[str] = set()
    domains: list[tuple[str, Path]] = []
    claimed: set[str] = set()  # top-level names a regular package or a module of an earlier root holds
    for source_root in source_roots:
        base = (root / source_root).resolve()
        if not base.is_dir():
            continue
        stack: list[tuple[Path, tuple[str, ...]]] = [(base, ())]
        holds = set()
        while stack:
            directory, parts = stack.pop()
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                name = entry.name
                if not parts:
                    # As Python imports them: the first root's regular package or module shadows
                    # the later roots'; namespace portions (no __init__.py) of a name merge.
                    top = name.partition(".")[0]
                    if top in claimed:
                        continue
                    if not entry.is_dir() or any(
                            os.path.exists(os.path.join(entry.path, f"__init__.{s}")) for s in ("py", "pyi")):
                        holds.add(top)
                try:
                    rel = Path(entry.path).relative_to(root.resolve()).as_posix()
                except ValueError:
                    rel = name
                if name.startswith(".") or _excluded(rel, exclude):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if name.isidentifier() and name != "__pycache__":
                        stack.append((Path(entry.path), (*parts, name)))
                    continue
                if name == DOMAIN_FILE and parts:
                    domains.append((".".join(parts), Path(entry.path)))
                    continue
                stem, dot, suffix = name.partition(".")
                if suffix in ("py", "pyi") and stem.isidentifier():
                    if stem == "__init__":
                        if parts:
                            modules.add(".".join(parts))
                    else:
                        modules.add(".".join((*parts, stem)))
                        # a namespace directory holding modules is a module path too
                        for end in range(1, len(parts) + 1):
                            modules.add(".".join(parts[:end]))
        claimed |= holds
    return modules, sorted(domains)


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MigrationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise MigrationError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise MigrationError(f"{path}: not UTF-8 text") from None


def _paths(table: dict) -> list[str]:
    paths = table.get("paths") or ([table["path"]] if "path" in table else [])
    if isinstance(paths, str):
        paths = [paths]
    return [str(p) for p in paths]


def _collect(document: dict, origin: str, domain: str, collected: Collected, migration: Migration) -> None:
    if domain and isinstance(document.get("root"), dict):
        collected.modules.append(TachModule(domain, document["root"], origin, domain))
    modules = document.get("modules", [])
    if not isinstance(modules, list):
        raise MigrationError(f"{origin}: expected [[modules]] tables")
    for table in modules:
        if not isinstance(table, dict):
            raise MigrationError(f"{origin}: expected [[modules]] tables")
        for module_path in _paths(table):
            if module_path == ROOT_MODULE:
                migration.dropped.append(f"{origin}: module <root>: depcheck has no root module; "
                                         "code outside the listed modules is unrestricted")
                continue
            full = f"{domain}.{module_path}" if domain else module_path
            collected.modules.append(TachModule(full, table, origin, domain))
    interfaces = document.get("interfaces", [])
    for table in interfaces if isinstance(interfaces, list) else ():
        if not isinstance(table, dict):
            continue
        helper = TachModule(domain, {}, origin, domain)
        sources = table.get("from", [".*"])
        sources = [sources] if isinstance(sources, str) else [str(s) for s in sources]
        resolved = [domain if s == DOMAIN_ROOT else helper.resolve(s) if domain else s for s in sources]
        expose = table.get("expose", [])
        collected.interfaces.append(TachInterface(
            resolved, [str(e) for e in expose] if isinstance(expose, list) else [], table, origin,
        ))


def _member_glob(regex: str) -> Optional[str]:
    """A tach ``expose`` regex (fully matched against a member's path) as a depcheck glob, when it
    is a name with ``.*`` wildcards; None for any other regex."""
    text = regex.replace(r"\.", "\x00").replace(".*", "*").replace("\x00", ".")
    return text if re.fullmatch(r"[\w.*]+", text) and "**" not in text else None


def _dependency(dep: Any) -> tuple[str, bool]:
    if isinstance(dep, dict):
        return str(dep.get("path", "")), bool(dep.get("deprecated"))
    return str(dep), False


def from_tach(path: Path) -> Migration:
    document = _read_toml(path)
    root = path.parent
    migration = Migration(str(path))
    roots_raw = document.get("source_roots", ["."])
    source_roots = [str(r) for r in roots_raw] if isinstance(roots_raw, list) else ["."]
    exclude_raw = document.get("exclude")
    exclude = exclude_globs(list(exclude_raw) if isinstance(exclude_raw, list) else list(DEFAULT_EXCLUDE))
    on_disk, domain_files = disk_modules(root, source_roots, tuple(exclude))
    disk = sorted(on_disk)

    collected = Collected()
    _collect(document, path.name, "", collected, migration)
    for domain, domain_path in domain_files:
        base = root.resolve()
        origin = domain_path.relative_to(base).as_posix() if domain_path.is_relative_to(base) \
            else str(domain_path)
        collected.domains.append(origin)
        _collect(_read_toml(domain_path), origin, domain, collected, migration)
    if not collected.modules:
        raise MigrationError(f"{path}: no [[modules]] tables (nor domain files under the source roots)")

    # Resolve module globs against the modules on disk; an explicit module wins over a glob's.
    explicit = {m.path for m in collected.modules if not _is_glob(m.path)}
    modules: dict[str, TachModule] = {}
    expanded: dict[str, list[str]] = {}
    for module in collected.modules:
        if _is_glob(module.path):
            found = [n for n in _matching(module.path, disk) if n not in explicit]
            expanded[f"{module.origin}: {module.path}"] = found
            for name in found:
                modules.setdefault(name, TachModule(name, module.table, module.origin, module.domain,
                                                    module.path))
        elif module.path not in on_disk:
            migration.dropped.append(f"{module.origin}: module {module.path}: not found under the source "
                                     "roots, as Python imports them (the first root's package wins)")
        else:
            modules[module.path] = module
    names = sorted(modules)
    if not names:
        raise MigrationError(f"{path}: no module of tach's config exists under the source roots "
                             f"{', '.join(source_roots)}")

    def drop(what: str, why: str) -> None:
        migration.dropped.append(f"{what}: {why}")

    packages = sorted({n.split(".")[0] for n in names})
    header = [
        comment(f"Migrated from tach ({path.name}) by `depcheck migrate`."),
        "[tool.depcheck]",
        f"packages = {toml_value(packages)}",
        "acyclic = []",
    ]
    if collected.domains:
        header.append(comment("domain files read: " + ", ".join(collected.domains)))
    for glob, found in sorted(expanded.items()):
        header.append(comment(f"tach's glob {glob} stands for {len(found)} module(s) today; listed by name "
                              "below (migrate again when modules are added)"))
    if source_roots != ["."]:
        header.append(f"source_roots = {toml_value(source_roots)}")
    if document.get("ignore_type_checking_imports", True):
        header.append(comment("tach ignores imports under `if TYPE_CHECKING:` (ignore_type_checking_imports "
                              "defaults to true)"))
        header.append("type_checking_imports = false")
    header.append(comment("tach's exclude" + ("" if isinstance(exclude_raw, list) else " (its defaults)")
                          + ", as path globs"))
    header.append(f"exclude = {toml_value(exclude)}")
    header += [
        comment("tach checks import statements (the module or member each imports), so uses are off: a"),
        comment("call through a re-export would land on the defining module, which tach never sees. Delete"),
        comment("this line (uses default to true) to also count uses: dotted access and re-exports."),
        "uses = false",
    ]
    for key in sorted(set(document) - _HANDLED_TOP):
        drop(key, _UNMAPPED_TOP.get(key, "no depcheck equivalent"))
    migration.tables.append("\n".join(header) + "\n")

    layers: list[str] = []
    for entry in document.get("layers", []) or []:
        if isinstance(entry, dict):
            layers.append(str(entry.get("name", "")))
            if entry.get("closed"):
                drop(f"layer {entry.get('name')}: closed", "depcheck layers are not closed: a higher layer "
                     "may use any lower one")
        else:
            layers.append(str(entry))

    def resolve_all(module: TachModule, values: Any, what: str) -> list[str]:
        """Names a module's table gives (dependencies, visibility), resolved and globs expanded
        against tach's modules."""
        result: list[str] = []
        for value in values if isinstance(values, list) else []:
            dep, deprecated = _dependency(value)
            if deprecated:
                drop(f"module {module.path}: deprecated dependency on {dep}",
                     "allowed (depcheck has no 'deprecated' level)")
            if not dep or dep == ROOT_MODULE:
                continue
            full = module.resolve(dep)
            if _is_glob(full):
                result.extend(_matching(full, names))
            elif full in modules or full in on_disk:
                result.append(full)
            else:
                drop(f"module {module.path}: {what} {full}", "matches no module")
        return list(dict.fromkeys(result))

    layer_of = {n: str(m.table["layer"]) for n, m in modules.items() if m.table.get("layer") is not None}
    for name, layer in sorted(layer_of.items()):
        if layer not in layers:
            drop(f"module {name}: layer {layer}", "not in tach's layers")
    depends: dict[str, list[str]] = {}
    utility = [n for n, m in modules.items() if m.table.get("utility")]
    forbidden_chunks: list[str] = []
    protected_chunks: list[str] = []
    reported: set[tuple[str, str]] = set()
    for name, module in modules.items():
        for key in sorted(set(module.table) - _MODULE_KEYS):
            if module.table.get(key) and (module.origin, key) not in reported:
                reported.add((module.origin, key))
                why = _UNMAPPED_MODULE.get(key, "no depcheck equivalent")
                drop(f"{module.origin}: module key {key}", why)
        if module.table.get("unchecked"):
            continue
        if module.table.get("depends_on") is not None:
            uses = resolve_all(module, module.table["depends_on"], "dependency")
            # tach: a module may use any module of a lower layer without declaring it.
            if name in layer_of and layer_of[name] in layers:
                mine = layers.index(layer_of[name])
                uses += [m for m, layer in layer_of.items()
                         if layer in layers and layers.index(layer) > mine and m not in uses and m != name]
            depends[name] = uses
        cannot = resolve_all(module, module.table.get("cannot_depend_on"), "cannot_depend_on")
        if cannot:
            forbidden_chunks.append("\n".join([
                "[[tool.depcheck.contracts]]",
                f"name = {toml_value('tach: ' + name + ' cannot depend on')}",
                'type = "forbidden"',
                f"from = {toml_value(name)}",
                f"to = {toml_value(cannot)}",
                "indirect = false",
            ]) + "\n")
        visibility = module.table.get("visibility")
        if isinstance(visibility, list) and not any(v in ("*", "**") for v in visibility):
            visible = resolve_all(module, visibility, "visibility")
            protected_chunks.append("\n".join([
                comment(f"tach visibility of {name}: only these modules may depend on it"),
                "[[tool.depcheck.contracts]]",
                f"name = {toml_value('tach: visibility of ' + name)}",
                'type = "protected"',
                f"modules = {toml_value([name])}",
                f"allowed = {toml_value(visible)}",
            ]) + "\n")

    chunks = []
    if depends:
        chunks.append("\n".join([
            comment("tach modules: each module with depends_on may import only those modules"),
            "[[tool.depcheck.contracts]]",
            'name = "tach: module dependencies"',
            'type = "allowed"',
            f"modules = {toml_value(names)}",
            *([f"utility = {toml_value(sorted(utility))}"] if utility else []),
            "[tool.depcheck.contracts.depends_on]",
            *(f"{toml_key(m)} = {toml_value(uses)}" for m, uses in sorted(depends.items())),
        ]) + "\n")
    # A depcheck layer entry holds everything inside it: a module nested in another layered module
    # (tach.filesystem.git_ops in tach.filesystem) goes with its parent's layer.
    for inner in sorted(layer_of):
        outer = next((o for o in sorted(layer_of, key=len) if inner.startswith(o + ".")), None)
        if outer is not None:
            if layer_of[inner] != layer_of[outer]:
                drop(f"module {inner}: layer {layer_of[inner]}",
                     f"inside {outer} (layer {layer_of[outer]}): a depcheck layer holds its whole package")
            del layer_of[inner]
    if layers and layer_of:
        stack = [
            {"modules": sorted(m for m, layer in layer_of.items() if layer == name), "independent": False}
            for name in layers
        ]
        stack = [entry for entry in stack if entry["modules"]]
        if stack:
            chunks.append("\n".join([
                comment("tach layers: a module may not import a module of a higher layer"),
                "[[tool.depcheck.contracts]]",
                'name = "tach: layers"',
                'type = "layers"',
                f"layers = {toml_value(stack)}",
            ]) + "\n")
    chunks.extend(forbidden_chunks)
    chunks.extend(protected_chunks)
    if document.get("forbid_circular_dependencies"):
        chunks.append("\n".join([
            comment("tach forbids cycles between modules (tach checks the declared dependencies; "
                    "depcheck checks the code's)"),
            "[[tool.depcheck.contracts]]",
            'name = "tach: no circular dependencies"',
            'type = "acyclic"',
            f"modules = {toml_value(names)}",
        ]) + "\n")
    chunks.extend(_interfaces(collected.interfaces, modules, on_disk, drop))
    migration.tables.extend(chunks)
    return migration


def _interfaces(interfaces: list[TachInterface], modules: dict[str, TachModule], on_disk: set[str],
                drop: Any) -> list[str]:
    """tach's [[interfaces]] as depcheck's: one table per module, its exposed members by full name."""
    exposed: dict[str, list[str]] = {}
    unmappable: set[str] = set()
    for interface in interfaces:
        for key in ("visibility", "exclusive", "data_types"):
            if interface.table.get(key) not in (None, False, "all"):
                drop(f"{interface.origin}: interface of {', '.join(interface.modules)}: {key}",
                     "no depcheck equivalent (the exposed names are migrated)")
        for module in interface.modules:
            if _is_glob(module) or not re.fullmatch(r"[\w.]+", module):
                drop(f"{interface.origin}: interface from {module!r}", "a regex over modules: depcheck's "
                     "interfaces name one component each")
                continue
            if module not in on_disk:
                drop(f"{interface.origin}: interface from {module}", "matches no module")
                continue
            globs = [_member_glob(e) for e in interface.expose]
            if any(g is None for g in globs):
                bad = [e for e, g in zip(interface.expose, globs) if g is None]
                drop(f"{interface.origin}: interface of {module}: expose {', '.join(bad)}",
                     "only names with '.*' wildcards translate; the whole interface is left out so "
                     "nothing tach allows is reported")
                unmappable.add(module)
                continue
            exposed.setdefault(module, []).extend(f"{module}.{g}" for g in globs if g)
    nested = {m for m in exposed if any(o != m and o.startswith(m + ".") for o in modules)}
    for module in sorted(nested):
        drop(f"interface of {module}", "its submodules that are tach modules of their own are inside "
             "the component for depcheck, so their imports of it are not judged")
    chunks = []
    for module, names in sorted(exposed.items()):
        if module in unmappable:
            continue
        chunks.append("\n".join([
            "[[tool.depcheck.interfaces]]",
            f"component = {toml_value(module)}",
            f"expose = {toml_value(list(dict.fromkeys(names)))}",
        ]) + "\n")
    return chunks
