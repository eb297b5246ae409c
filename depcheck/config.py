"""Find, read and validate depcheck's configuration.

The raw TOML is parsed once into a frozen :class:`Config`; no later stage sees
a dict. Every problem is collected (not just the first) and reported as one
line per problem naming the file, the key, the line where it can be found and
what was expected.
"""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from depcheck.model import DEPENDENCY_RULES, Loader, UseSettings, matches
from depcheck.patterns import ACCEPTS, KINDS, PLACE_RE, PRESETS, EventPattern

CONFIG_FILES = ("depcheck.toml", "pyproject.toml")


class ConfigError(Exception):
    """The configuration cannot be used. ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ForbiddenRule:
    sources: tuple[str, ...]  # module prefixes that must not depend on ...
    targets: tuple[str, ...]  # ... these module prefixes or external packages
    reason: str = ""
    indirect: bool = True  # also through other modules
    key: str = "forbidden"  # where it was written, for messages


@dataclass(frozen=True)
class Exception_:
    """An accepted dependency: edges from ``source`` globs to ``target`` globs are ignored."""

    source: str
    target: str
    reason: str
    rules: tuple[str, ...] = ()  # () = every dependency rule
    key: str = "exceptions"
    # A contract's ``ignore_imports`` names exact modules (``*`` one name, ``**``
    # one or more), as import-linter does; config exceptions match prefixes.
    exact: bool = False

    def covers(self, source: str, target: str) -> bool:
        if self.exact:
            return _exact_match(source, self.source) and _exact_match(target, self.target)
        return matches(source, self.source) and matches(target, self.target)


def _exact_match(module: str, pattern: str) -> bool:
    if "*" not in pattern:
        return module == pattern
    parts = []
    for part in pattern.split("."):
        if part == "**":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        else:
            parts.append("[^.]*".join(re.escape(piece) for piece in part.split("*")))
    return re.fullmatch(r"\.".join(parts), module) is not None


CONTRACT_TYPES = ("layers", "independence", "forbidden", "acyclic", "protected", "allowed")


@dataclass(frozen=True)
class Contract:
    """A named rule set, checked on its own view of the graph (``[[contracts]]``).

    Violations carry the contract's name, so verdicts can be compared contract
    by contract (with import-linter after ``depcheck migrate``). Which fields
    are used depends on ``type``; see the README's config reference.
    """

    name: str
    type: str
    key: str  # "contracts[2]", for messages
    layers: tuple[tuple[str, ...], ...] = ()  # highest first, relative to each container
    open_layers: frozenset[int] = frozenset()
    optional_layers: frozenset[str] = frozenset()
    containers: tuple[str, ...] = ()
    exhaustive: bool = False
    exhaustive_ignores: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()  # independence / acyclic / protected / allowed components
    children_of: tuple[str, ...] = ()  # acyclic: the children of these packages, level by level
    depth: int = 1
    skip: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()  # protected: the only importers allowed
    depends_on: tuple[tuple[str, tuple[str, ...]], ...] = ()  # allowed: module -> what it may use
    utility: tuple[str, ...] = ()  # allowed: anyone may depend on these
    forbidden: tuple[ForbiddenRule, ...] = ()
    ignore_imports: tuple[Exception_, ...] = ()


@dataclass(frozen=True)
class EventDeclaration:
    """``[events.declare."<module>"]``: an edge the code cannot show."""

    module: str
    kind: str  # "publish" | "consume"
    event: str
    line: int = 1  # in the config file


@dataclass(frozen=True)
class EventSettings:
    presets: tuple[str, ...] = ()
    patterns: tuple[EventPattern, ...] = ()  # presets expanded, then custom patterns
    owners: tuple[tuple[str, str], ...] = ()  # (event id glob, module), in config order
    declarations: tuple[EventDeclaration, ...] = ()

    def owner_of(self, event: str) -> Optional[str]:
        """The owner config assigns to ``event``: an exact entry wins over globs, then first glob."""
        for pattern, owner in self.owners:
            if pattern == event:
                return owner
        for pattern, owner in self.owners:
            if fnmatch.fnmatchcase(event, pattern):
                return owner
        return None


@dataclass(frozen=True)
class Config:
    path: Path  # the config file
    root: Path  # the project root: the config file's directory
    packages: tuple[str, ...]
    source_roots: tuple[Path, ...] = ()  # () = automatic: the root, and src/ where packages live
    exclude: tuple[str, ...] = ()
    layers: tuple[tuple[str, ...], ...] = ()  # highest first, containers already expanded
    containers: tuple[str, ...] = ()
    forbidden: tuple[ForbiddenRule, ...] = ()
    exceptions: tuple[Exception_, ...] = ()
    type_checking_imports: bool = True
    acyclic: Optional[tuple[str, ...]] = None  # None = every layer component
    max_cycles: int = 20
    open_layers: frozenset[int] = frozenset()  # layers whose siblings may depend on each other
    optional_layers: frozenset[str] = frozenset()  # layer entries that may match no module
    contracts: tuple[Contract, ...] = ()  # named rule sets, checked besides the keys above
    events: EventSettings = EventSettings()
    uses: UseSettings = UseSettings()  # its ``packages`` are filled from ``packages``
    text: str = field(default="", repr=False, compare=False)  # the file's text, for line numbers

    @property
    def use_settings(self) -> UseSettings:
        """The extraction settings for uses, naming this config's packages."""
        return dataclasses.replace(self.uses, packages=self.packages)

    @property
    def display_path(self) -> str:
        try:
            return self.path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return self.path.as_posix()

    def line_of(self, key: str) -> Optional[int]:
        return find_key_line(self.text, key)

    @property
    def file_name(self) -> str:
        """The config file as reports name it: relative to the project root, which is its folder."""
        return self.path.name

    def line_of_quoted_key(self, name: str) -> Optional[int]:
        """Line of a ``"name" = ...`` entry (owner globs and other quoted keys)."""
        match = re.search(rf'^[ \t]*"{re.escape(name)}"[ \t]*=', self.text, re.MULTILINE)
        return self.text.count("\n", 0, match.start()) + 1 if match else None

    def where(self, key: str) -> str:
        """``pyproject.toml:12: layers`` style prefix for a message about ``key``."""
        line = self.line_of(key)
        return f"{self.display_path}:{line}: {key}" if line else f"{self.display_path}: {key}"

    @property
    def layer_components(self) -> tuple[str, ...]:
        return tuple(c for layer in self.layers for c in layer)


# --------------------------------------------------------------------------- finding


def find_config(start: Path) -> Optional[Path]:
    """The nearest depcheck.toml, or pyproject.toml with a [tool.depcheck] table."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if name == "depcheck.toml":
                return candidate
            try:
                head = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if re.search(r"^\s*\[+\s*tool\.depcheck\b", head, re.MULTILINE):
                return candidate
    return None


def find_key_line(text: str, key: str) -> Optional[int]:
    """Best-effort line of ``key`` in TOML text: ``a.b`` looks for ``b = ...`` or a
    ``[...b]`` table header; ``forbidden[2]`` for the third ``[[...forbidden]]``."""
    if not text:
        return None
    last = key.split(".")[-1]
    match_index = re.match(r"^([^\[]+)(?:\[(\d+)\])?", last)
    if match_index is None:
        return None
    name, occurrence = match_index.group(1), int(match_index.group(2) or 0)
    quoted = re.escape(name)
    patterns = (
        rf"^[ \t]*\[\[[ \t]*[\w.\"-]*{quoted}\"?[ \t]*\]\]",
        rf"^[ \t]*(?:{quoted}|\"{quoted}\")[ \t]*=",
        rf"^[ \t]*\[[ \t]*[\w.\"-]*{quoted}\"?[ \t]*\]",
    )
    for pattern in patterns:
        found = list(re.finditer(pattern, text, re.MULTILINE))
        if found:
            chosen = found[occurrence] if occurrence < len(found) else found[0]
            return text.count("\n", 0, chosen.start()) + 1
    return None


# --------------------------------------------------------------------------- reading

_TOP_KEYS = {
    "packages": "list of top-level package names",
    "source_roots": "list of directories, relative to the config file",
    "exclude": "list of path globs, relative to the config file",
    "layers": "list of layers, highest first; a layer is a module name or a list of siblings",
    "containers": "list of packages the layer stack is applied inside",
    "forbidden": "array of tables with 'from', 'to' and optional 'reason', 'indirect'",
    "exceptions": "array of tables with 'from', 'to' and 'reason'",
    "type_checking_imports": "true or false",
    "acyclic": "list of components that must not depend on each other in a loop",
    "max_cycles": "a positive integer",
    "contracts": "array of [[contracts]] tables with 'name', 'type' and the type's keys",
    "events": "a table with 'presets', 'owners', 'patterns' and 'declare'",
    "uses": "true or false",
    "dynamic": "a table with 'imports', 'loaders', 'django_models' and 'app_labels'",
}


class _Reader:
    """Validates raw TOML values, collecting every problem before failing."""

    def __init__(self, path: Path, text: str, prefix: str) -> None:
        self.path = path
        self.text = text
        self.prefix = prefix  # "tool.depcheck." for pyproject.toml, "" for depcheck.toml
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
        if not key or re.search(r"[\s\x00-\x1f\x7f]", key):
            key = repr(key)  # keep the message on one line, whatever the key holds
        # A missing leaf ("forbidden[0].reason") is best pointed at by its table.
        parts = key.split(".")
        line = None
        while parts and line is None:
            line = find_key_line(self.text, ".".join(parts))
            parts.pop()
        where = f"{_display(self.path)}:{line}" if line else _display(self.path)
        self.problems.append(f"{where}: {self.prefix}{key}: {message}")

    def string_list(self, raw: dict, key: str, *, allow_string: bool = False) -> tuple[str, ...]:
        value = raw.get(key, [])
        if allow_string and isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(key, f"expected a list of strings, got {_describe(value)}")
            return ()
        return tuple(value)


def _display(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, list):
        return "a list containing " + (
            ", ".join(sorted({type(v).__name__ for v in value})) if value else "nothing"
        )
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


_MODULE_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _module_name(reader: _Reader, key: str, value: str) -> Optional[str]:
    name = value.strip()
    if name.endswith(".__init__"):
        name = name[: -len(".__init__")]
    if not _MODULE_RE.match(name):
        reader.problem(key, f"expected a dotted module name like 'shop.orders', got {value!r}")
        return None
    return name


def load_config(path: Path) -> Config:
    """Read and validate ``path``; raises :class:`ConfigError` with every problem found."""
    path = path.resolve()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{_display(path)}: config file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{_display(path)}: cannot read config file ({exc})"]) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{_display(path)}: invalid TOML: {exc}"]) from None

    if path.name == "pyproject.toml":
        tool = document.get("tool", {})
        raw = tool.get("depcheck") if isinstance(tool, dict) else None
        if raw is None:
            raise ConfigError([f"{_display(path)}: no [tool.depcheck] table in this file"])
        prefix = "tool.depcheck."
    else:
        raw = document
        prefix = ""
    if not isinstance(raw, dict):
        raise ConfigError([f"{_display(path)}: {prefix or 'depcheck'}: expected a table"])
    return parse_config(raw, path, text, prefix)


def parse_config(raw: dict, path: Path, text: str = "", prefix: str = "") -> Config:
    reader = _Reader(path, text, prefix)
    _unknown(reader, "", raw, tuple(sorted(_TOP_KEYS)))

    if "packages" not in raw:
        reader.problem("packages", "missing: list the top-level packages to check, e.g. ['shop']")
    packages = []
    for value in reader.string_list(raw, "packages", allow_string=True):
        name = _module_name(reader, "packages", value)
        if name:
            packages.append(name)
    if "packages" in raw and not packages and not reader.problems:
        reader.problem("packages", "expected at least one package name")

    root = path.parent
    source_roots = []
    for value in reader.string_list(raw, "source_roots", allow_string=True):
        candidate = (root / value).resolve()
        if not candidate.is_dir():
            reader.problem("source_roots", f"{value!r} is not a directory under {_display(root)}")
        else:
            source_roots.append(candidate)

    exclude = reader.string_list(raw, "exclude", allow_string=True)
    containers = tuple(
        name
        for value in reader.string_list(raw, "containers", allow_string=True)
        if (name := _module_name(reader, "containers", value))
    )
    layers, open_layers, optional_layers = _parse_layer_stack(reader, raw.get("layers", []), containers)
    forbidden = _parse_forbidden(reader, raw.get("forbidden", []))
    exceptions = _parse_exceptions(reader, raw.get("exceptions", []))

    type_checking = raw.get("type_checking_imports", True)
    if not isinstance(type_checking, bool):
        reader.problem("type_checking_imports", f"expected true or false, got {_describe(type_checking)}")
        type_checking = True

    acyclic: Optional[tuple[str, ...]] = None
    if "acyclic" in raw:
        acyclic = tuple(
            name
            for value in reader.string_list(raw, "acyclic")
            if (name := _module_name(reader, "acyclic", value))
        )

    max_cycles = raw.get("max_cycles", 20)
    if isinstance(max_cycles, bool) or not isinstance(max_cycles, int) or max_cycles < 1:
        reader.problem("max_cycles", f"expected a positive integer, got {_describe(max_cycles)}")
        max_cycles = 20
    contracts = _parse_contracts(reader, raw.get("contracts", []))

    events = _parse_events(reader, raw.get("events", {}))
    uses = _parse_uses(reader, raw)

    if reader.problems:
        raise ConfigError(reader.problems)
    return Config(
        path=path,
        root=root,
        packages=tuple(packages),
        source_roots=tuple(source_roots),
        exclude=exclude,
        layers=layers,
        containers=containers,
        forbidden=forbidden,
        exceptions=exceptions,
        type_checking_imports=type_checking,
        acyclic=acyclic,
        max_cycles=max_cycles,
        open_layers=open_layers,
        optional_layers=optional_layers,
        contracts=contracts,
        events=events,
        uses=uses,
        text=text,
    )


def _parse_layer_stack(
    reader: _Reader, value: Any, containers: tuple[str, ...], key_prefix: str = ""
) -> tuple[tuple[tuple[str, ...], ...], frozenset[int], frozenset[str]]:
    """Layers, the indices of layers whose siblings may depend on each other, and the
    optional entries. An entry is a module, a list of independent siblings, or a table
    ``{ modules = [...], independent = false, optional = true }``."""
    top = f"{key_prefix}layers"
    if not isinstance(value, list):
        reader.problem(top, f"expected a list of layers, highest first, got {_describe(value)}")
        return (), frozenset(), frozenset()
    layers: list[tuple[str, ...]] = []
    open_layers: set[int] = set()
    optional: set[str] = set()
    for index, entry in enumerate(value):
        key = f"{top}[{index}]"
        independent, is_optional = True, False
        if isinstance(entry, dict):
            for unknown in sorted(set(entry) - {"modules", "independent", "optional"}):
                reader.problem(
                    f"{key}.{unknown}", "unknown key; expected 'modules', 'independent', 'optional'"
                )
            independent = entry.get("independent", True)
            is_optional = entry.get("optional", False)
            for flag, flag_value in (("independent", independent), ("optional", is_optional)):
                if not isinstance(flag_value, bool):
                    reader.problem(f"{key}.{flag}", f"expected true or false, got {_describe(flag_value)}")
            entry = entry.get("modules", [])
            if isinstance(entry, str):
                entry = [entry]
        members = entry if isinstance(entry, list) else [entry]
        if isinstance(entry, list) and not entry:
            reader.problem(key, "an empty layer: list at least one module, or remove it")
            continue
        names = []
        for member in members:
            if not isinstance(member, str):
                reader.problem(
                    key, f"expected a module name or a list of sibling module names, got {_describe(member)}"
                )
                continue
            name = _module_name(reader, key, member)
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
                    where = "twice" if name == other else f"inside '{other}'"
                    reader.problem(
                        f"{top}[{index}]",
                        f"'{name}' is listed {where} ({top}[{other_index}]): "
                        "a module can belong to one layer only",
                    )
            seen[name] = index
    return tuple(layers), frozenset(open_layers), frozenset(optional)


def _targets(reader: _Reader, table: dict, key: str, field_name: str) -> tuple[str, ...]:
    value = table.get(field_name)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        reader.problem(
            f"{key}.{field_name}", f"expected a module name or a list of them, got {_describe(value)}"
        )
        return ()
    return tuple(n for v in value if (n := _module_name(reader, f"{key}.{field_name}", v)))


def _tables(reader: _Reader, value: Any, name: str, keys: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    """Each table of a ``[[name]]`` array with its key (``name[2]``), after type and key checks."""
    if not isinstance(value, list):
        reader.problem(name, f"expected [[{name}]] tables, got {_describe(value)}")
        return
    expected = ", ".join(repr(k) for k in keys)
    for index, table in enumerate(value):
        key = f"{name}[{index}]"
        if not isinstance(table, dict):
            reader.problem(key, f"expected a table with {expected}, got {_describe(table)}")
            continue
        for unknown in sorted(set(table) - set(keys)):
            reader.problem(f"{key}.{unknown}", f"unknown key; expected {expected}")
        yield key, table


def _forbidden_rule(reader: _Reader, table: dict, key: str) -> Optional[ForbiddenRule]:
    reason = table.get("reason", "")
    if not isinstance(reason, str):
        reader.problem(f"{key}.reason", f"expected a string, got {_describe(reason)}")
        reason = ""
    indirect = _flag(reader, table, key, "indirect", True)
    sources = _targets(reader, table, key, "from")
    targets = _targets(reader, table, key, "to")
    return ForbiddenRule(sources, targets, reason, indirect, key) if sources and targets else None


def _parse_forbidden(reader: _Reader, value: Any) -> tuple[ForbiddenRule, ...]:
    rules = (
        _forbidden_rule(reader, table, key)
        for key, table in _tables(reader, value, "forbidden", ("from", "to", "reason", "indirect"))
    )
    return tuple(rule for rule in rules if rule is not None)


_GLOB_RE = re.compile(r"^[\w.*?\[\]!-]+$")


def _parse_exceptions(reader: _Reader, value: Any) -> tuple[Exception_, ...]:
    result = []
    for key, table in _tables(reader, value, "exceptions", ("from", "to", "reason", "rules")):
        globs = []
        for name in ("from", "to"):
            glob = table.get(name)
            if not isinstance(glob, str) or not _GLOB_RE.match(glob):
                reader.problem(
                    f"{key}.{name}", f"expected a module glob like 'shop.legacy.*', got {_describe(glob)}"
                )
            globs.append(glob)
        reason = table.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            reader.problem(f"{key}.reason", "required: say why this dependency is accepted")
        rules = table.get("rules", [])
        if not isinstance(rules, list) or not all(r in DEPENDENCY_RULES for r in rules):
            reader.problem(f"{key}.rules", f"expected a list drawn from {', '.join(DEPENDENCY_RULES)}")
            rules = []
        if all(isinstance(g, str) for g in globs) and isinstance(reason, str) and reason.strip():
            result.append(
                Exception_(globs[0], globs[1], reason.strip(), tuple(rules), key)
            )
    return tuple(result)


# --------------------------------------------------------------------------- contracts

_CONTRACT_KEYS = {
    "layers": ("layers", "containers", "exhaustive", "exhaustive_ignores"),
    "independence": ("modules",),
    "forbidden": ("from", "to", "indirect", "reason"),
    "acyclic": ("modules", "children_of", "depth", "skip"),
    "protected": ("modules", "allowed"),
    "allowed": ("modules", "depends_on", "utility"),
}
_IMPORT_RE = re.compile(r"^\s*([\w.*]+)\s*->\s*([\w.*]+)\s*$")


def _parse_contracts(reader: _Reader, value: Any) -> tuple[Contract, ...]:
    if not isinstance(value, list):
        reader.problem("contracts", f"expected [[contracts]] tables, got {_describe(value)}")
        return ()
    contracts = []
    names: set[str] = set()
    for index, table in enumerate(value):
        key = f"contracts[{index}]"
        if not isinstance(table, dict):
            reader.problem(key, f"expected a table with 'name' and 'type', got {_describe(table)}")
            continue
        name, kind = table.get("name"), table.get("type")
        if not isinstance(name, str) or not name.strip():
            reader.problem(f"{key}.name", "required: a name for the contract, shown with its violations")
            name = key
        elif name in names:
            reader.problem(
                f"{key}.name", f"'{name}' is the name of an earlier contract; names must be unique"
            )
        names.add(name)
        if kind not in _CONTRACT_KEYS:
            expected = ", ".join(CONTRACT_TYPES)
            reader.problem(f"{key}.type", f"expected one of {expected}, got {_describe(kind)}")
            continue
        allowed_keys = {"name", "type", "ignore_imports", *_CONTRACT_KEYS[kind]}
        for unknown in sorted(set(table) - allowed_keys):
            reader.problem(
                f"{key}.{unknown}",
                f"unknown key for a {kind} contract; expected {', '.join(sorted(allowed_keys))}",
            )
        contract = _parse_contract(reader, table, key, name, kind)
        if contract is not None:
            contracts.append(contract)
    return tuple(contracts)


def _names(
    reader: _Reader, table: dict, key: str, field_name: str, *, required: bool = False
) -> tuple[str, ...]:
    where = f"{key}.{field_name}"
    if field_name not in table:
        if required:
            reader.problem(where, "required: a list of module names")
        return ()
    value = table[field_name]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reader.problem(where, f"expected a list of module names, got {_describe(value)}")
        return ()
    return tuple(n for v in value if (n := _module_name(reader, where, v)))


def _flag(reader: _Reader, table: dict, key: str, field_name: str, default: bool) -> bool:
    value = table.get(field_name, default)
    if not isinstance(value, bool):
        reader.problem(f"{key}.{field_name}", f"expected true or false, got {_describe(value)}")
        return default
    return value


def _parse_contract(reader: _Reader, table: dict, key: str, name: str, kind: str) -> Optional[Contract]:
    ignores = []
    raw_ignores = table.get("ignore_imports", [])
    if not isinstance(raw_ignores, list) or not all(isinstance(v, str) for v in raw_ignores):
        reader.problem(f"{key}.ignore_imports", "expected a list of 'importer -> imported' strings")
        raw_ignores = []
    for position, line in enumerate(raw_ignores):
        found = _IMPORT_RE.match(line)
        if found is None:
            reader.problem(
                f"{key}.ignore_imports", f"expected 'importer -> imported' (wildcards * and **), got {line!r}"
            )
            continue
        ignores.append(
            Exception_(found.group(1), found.group(2), f"ignored by contract '{name}'", (),
                       f"{key}.ignore_imports[{position}]", exact=True)
        )
    common = {"name": name, "type": kind, "key": key, "ignore_imports": tuple(ignores)}
    if kind == "layers":
        containers = _names(reader, table, key, "containers")
        if "layers" not in table:
            reader.problem(f"{key}.layers", "required: the layers, highest first")
        layers, open_layers, optional = _parse_layer_stack(reader, table.get("layers", []), (), f"{key}.")
        return Contract(
            **common, layers=layers, open_layers=open_layers, optional_layers=optional,
            containers=containers, exhaustive=_flag(reader, table, key, "exhaustive", False),
            exhaustive_ignores=_names(reader, table, key, "exhaustive_ignores"),
        )
    if kind == "independence":
        return Contract(**common, modules=_names(reader, table, key, "modules", required=True))
    if kind == "forbidden":
        rule = _forbidden_rule(reader, table, key)
        return Contract(**common, forbidden=(rule,) if rule else ())
    if kind == "acyclic":
        depth = table.get("depth", 1)
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            reader.problem(f"{key}.depth", f"expected a positive integer, got {_describe(depth)}")
            depth = 1
        modules = _names(reader, table, key, "modules")
        children_of = _names(reader, table, key, "children_of")
        if not modules and not children_of:
            reader.problem(
                key, "an acyclic contract needs 'modules' (components) or 'children_of' (packages)"
            )
        return Contract(**common, modules=modules, children_of=children_of, depth=depth,
                        skip=_names(reader, table, key, "skip"))
    if kind == "protected":
        return Contract(**common, modules=_names(reader, table, key, "modules", required=True),
                        allowed=_names(reader, table, key, "allowed"))
    depends = table.get("depends_on", {})
    pairs = []
    if not isinstance(depends, dict):
        reader.problem(
            f"{key}.depends_on", f"expected a table of module = [modules it uses], got {_describe(depends)}"
        )
        depends = {}
    for module in depends:
        pairs.append((module, _names(reader, depends, f"{key}.depends_on", module)))
    return Contract(**common, modules=_names(reader, table, key, "modules", required=True),
                    depends_on=tuple(pairs), utility=_names(reader, table, key, "utility"))


# --------------------------------------------------------------------------- events

_EVENT_KEYS = ("presets", "owners", "patterns", "declare")
_PATTERN_KEYS = ("name", "kind", "call", "event", "accepts", "defined", "known")
_EVENT_ID_RE = re.compile(r"^[^\s\x00-\x1f]+$")


def _unknown(reader: _Reader, key: str, table: dict, known: tuple[str, ...]) -> None:
    """An unknown-key problem, with a did-you-mean, for each key of ``table`` (below ``key``)."""
    for name in table:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            where = f"{key}.{name}" if key else name
            reader.problem(where, f"unknown key{hint}; known keys: {', '.join(known)}")


def _parse_events(reader: _Reader, value: Any) -> EventSettings:
    if not isinstance(value, dict):
        reader.problem("events", f"expected a table ([tool.depcheck.events]), got {_describe(value)}")
        return EventSettings()
    _unknown(reader, "events", value, _EVENT_KEYS)
    presets = []
    patterns: list[EventPattern] = []
    for name in reader.string_list(value, "presets", allow_string=True):
        if name not in PRESETS:
            close = difflib.get_close_matches(name, list(PRESETS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            reader.problem("events.presets", f"unknown preset {name!r}{hint}; known presets: "
                           f"{', '.join(PRESETS)}")
        elif name not in presets:
            presets.append(name)
            patterns.extend(PRESETS[name])

    raw_patterns = value.get("patterns", [])
    if not isinstance(raw_patterns, list):
        reader.problem("events.patterns",
                       f"expected [[events.patterns]] tables, got {_describe(raw_patterns)}")
        raw_patterns = []
    taken = {p.name for preset in PRESETS.values() for p in preset}
    for index, table in enumerate(raw_patterns):
        pattern = _parse_pattern(reader, f"events.patterns[{index}]", table)
        if pattern is None:
            continue
        if pattern.name in taken:
            # Sites remember their pattern by name: two patterns must not share one.
            reader.problem(f"events.patterns[{index}].name", f"{pattern.name!r} is already the name "
                           "of another pattern; pick a unique name")
            continue
        taken.add(pattern.name)
        patterns.append(pattern)

    owners = []
    raw_owners = value.get("owners", {})
    if not isinstance(raw_owners, dict):
        reader.problem("events.owners",
                       f"expected a table of event id -> module, got {_describe(raw_owners)}")
        raw_owners = {}
    for event, owner in raw_owners.items():
        if not isinstance(owner, str):
            reader.problem(f"events.owners.{event}", f"expected a module name, got {_describe(owner)}")
            continue
        name = _module_name(reader, f"events.owners.{event}", owner)
        if name:
            owners.append((event, name))

    declarations = []
    raw_declare = value.get("declare", {})
    if not isinstance(raw_declare, dict):
        reader.problem("events.declare", f"expected a table of module -> {{publishes, consumes}}, "
                       f"got {_describe(raw_declare)}")
        raw_declare = {}
    for module, table in raw_declare.items():
        key = f"events.declare.{module}"
        name = _module_name(reader, key, module)
        if not isinstance(table, dict):
            reader.problem(key,
                           f"expected a table with 'publishes' and/or 'consumes', got {_describe(table)}")
            continue
        _unknown(reader, key, table, ("publishes", "consumes"))
        for field_name, kind in (("publishes", "publish"), ("consumes", "consume")):
            for event in reader.string_list(table, field_name, allow_string=True):
                if not _EVENT_ID_RE.match(event):
                    reader.problem(f"{key}.{field_name}",
                                   f"expected an event id without spaces, got {event!r}")
                elif name:
                    line = _declaration_line(reader.text, module, event)
                    declarations.append(EventDeclaration(name, kind, event, line))
    return EventSettings(tuple(presets), tuple(patterns), tuple(owners), tuple(declarations))


def _parse_pattern(reader: _Reader, key: str, table: Any) -> Optional[EventPattern]:
    if not isinstance(table, dict):
        reader.problem(key, f"expected a table with 'kind', 'call' and 'event', got {_describe(table)}")
        return None
    _unknown(reader, key, table, _PATTERN_KEYS)
    ok = True
    kind = table.get("kind")
    if kind not in KINDS:
        reader.problem(f"{key}.kind", f"expected one of {', '.join(KINDS)}, got {_describe(kind)}")
        ok = False
    call = table.get("call")
    if not isinstance(call, str) or not re.fullmatch(r"[\w*?\[\]!]+(\.[\w*?\[\]!]+)*", call):
        reader.problem(f"{key}.call", f"expected a call name or glob like '*.publish', got {_describe(call)}")
        ok = False
        call = None
    places = table.get("event")
    if isinstance(places, str):
        places = [places]
    if (
        not isinstance(places, list) or not places
        or not all(isinstance(p, str) and PLACE_RE.match(p) for p in places)
    ):
        reader.problem(f"{key}.event", "expected where the event is: 'arg:0', 'kw:NAME', 'args', 'object' "
                       f"or (define only) 'target', or a list of them; got {_describe(places)}")
        ok = False
    elif "object" in places and call is not None and "." not in call and "*" not in call:
        # A plain function call has no object: this pattern could never match anything.
        reader.problem(f"{key}.event", f"'object' needs a method call pattern like '*.{call}', "
                       f"but call = {call!r} names a plain function")
        ok = False
    elif "target" in places and kind != "define":
        reader.problem(f"{key}.event", "'target' (the assigned name) only makes sense with kind = 'define'")
        ok = False
    accepts = table.get("accepts", "any")
    if accepts not in ACCEPTS:
        reader.problem(f"{key}.accepts", f"expected one of {', '.join(ACCEPTS)}, got {_describe(accepts)}")
        ok = False
    defined = table.get("defined", False)
    if not isinstance(defined, bool):
        reader.problem(f"{key}.defined", f"expected true or false, got {_describe(defined)}")
        ok = False
    known = reader.string_list(table, "known", allow_string=True)
    name = table.get("name", key)
    if not isinstance(name, str) or not name:
        reader.problem(f"{key}.name", f"expected a string, got {_describe(name)}")
        ok = False
    if not ok:
        return None
    return EventPattern(name, kind, call, tuple(places), accepts, defined, known)


def _declaration_line(text: str, module: str, event: str) -> int:
    """The line of ``event`` inside the ``declare."<module>"`` table, else of the table."""
    lines = text.splitlines()
    start = None
    for number, line in enumerate(lines, 1):
        if "declare" in line and module in line:
            start = number
            break
    if start is None:
        return 1
    for number in range(start, len(lines) + 1):
        if event in lines[number - 1]:
            return number
        if number > start and lines[number - 1].lstrip().startswith("["):
            break
    return start


# --------------------------------------------------------------------------- uses and dynamic loads

_DYNAMIC_KEYS = ("imports", "loaders", "django_models", "app_labels")
_LOADER_KEYS = ("call", "module_arg", "prefix")


def _parse_uses(reader: _Reader, raw: dict) -> UseSettings:
    uses = raw.get("uses", True)
    if not isinstance(uses, bool):
        reader.problem("uses", f"expected true or false, got {_describe(uses)}")
        uses = True
    value = raw.get("dynamic", {})
    if not isinstance(value, dict):
        reader.problem("dynamic", f"expected a table ([tool.depcheck.dynamic]), got {_describe(value)}")
        return UseSettings(uses=uses)
    _unknown(reader, "dynamic", value, _DYNAMIC_KEYS)
    flags = {}
    for key in ("imports", "django_models"):
        flags[key] = value.get(key, False)
        if not isinstance(flags[key], bool):
            reader.problem(f"dynamic.{key}", f"expected true or false, got {_describe(flags[key])}")
            flags[key] = False
    loaders = []
    raw_loaders = value.get("loaders", [])
    if not isinstance(raw_loaders, list):
        reader.problem("dynamic.loaders", f"expected a list of tables like "
                       f"{{ call = 'get_class', module_arg = 0, prefix = 'oscar.apps.' }}, "
                       f"got {_describe(raw_loaders)}")
        raw_loaders = []
    for index, table in enumerate(raw_loaders):
        key = f"dynamic.loaders[{index}]"
        if not isinstance(table, dict):
            reader.problem(key, "expected a table with 'call', 'module_arg' and 'prefix', "
                           f"got {_describe(table)}")
            continue
        _unknown(reader, key, table, _LOADER_KEYS)
        call = table.get("call")
        argument = table.get("module_arg", 0)
        prefix = table.get("prefix", "")
        ok = True
        if not isinstance(call, str) or not re.match(r"^[\w.*?\[\]!]+$", call):
            reader.problem(f"{key}.call",
                           f"expected a call name or glob like 'get_class', got {_describe(call)}")
            ok = False
        if isinstance(argument, bool) or not isinstance(argument, int) or argument < 0:
            reader.problem(f"{key}.module_arg", "expected the position of the module argument "
                           f"(0 or more), got {_describe(argument)}")
            ok = False
        if not isinstance(prefix, str) or prefix and not _MODULE_RE.match(prefix.rstrip(".")):
            reader.problem(f"{key}.prefix",
                           f"expected a module prefix like 'oscar.apps.', got {_describe(prefix)}")
            ok = False
        if ok:
            loaders.append(Loader(call, argument, prefix))
    labels = []
    raw_labels = value.get("app_labels", {})
    if not isinstance(raw_labels, dict):
        reader.problem("dynamic.app_labels",
                       f"expected a table of app label -> package, got {_describe(raw_labels)}")
        raw_labels = {}
    for label, package in raw_labels.items():
        if not isinstance(package, str):
            reader.problem(f"dynamic.app_labels.{label}",
                           f"expected a package name, got {_describe(package)}")
            continue
        name = _module_name(reader, f"dynamic.app_labels.{label}", package)
        if name:
            labels.append((label, name))
    return UseSettings(
        uses=uses, dynamic_imports=flags["imports"], loaders=tuple(loaders),
        django_models=flags["django_models"], app_labels=tuple(labels),
    )
