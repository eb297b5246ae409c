"""Find, read and validate depcheck's configuration.

The raw TOML is parsed once into a frozen :class:`Config`; no later stage sees
a dict. Every problem is collected (not just the first) and reported as one
line per problem naming the file, the key, the line where it can be found and
what was expected.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from depcheck.model import DEPENDENCY_RULES

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
    text: str = field(default="", repr=False, compare=False)  # the file's text, for line numbers

    @property
    def display_path(self) -> str:
        try:
            return self.path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return self.path.as_posix()

    def line_of(self, key: str) -> Optional[int]:
        return find_key_line(self.text, key)

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
}


class _Reader:
    """Validates raw TOML values, collecting every problem before failing."""

    def __init__(self, path: Path, text: str, prefix: str) -> None:
        self.path = path
        self.text = text
        self.prefix = prefix  # "tool.depcheck." for pyproject.toml, "" for depcheck.toml
        self.problems: list[str] = []

    def problem(self, key: str, message: str) -> None:
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
    for key in raw:
        if key not in _TOP_KEYS:
            import difflib  # only on this error path: it costs start-up time

            close = difflib.get_close_matches(key, list(_TOP_KEYS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(sorted(_TOP_KEYS))
            reader.problem(key, f"unknown key{hint}; known keys: {known}")

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
    layers = _parse_layers(reader, raw.get("layers", []), containers)
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
        text=text,
    )


def _parse_layers(
    reader: _Reader, value: Any, containers: tuple[str, ...]
) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        reader.problem("layers", f"expected a list of layers, highest first, got {_describe(value)}")
        return ()
    layers: list[tuple[str, ...]] = []
    for index, entry in enumerate(value):
        key = f"layers[{index}]"
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
            layers.append(tuple(names))
    if containers:
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
                        f"layers[{index}]",
                        f"'{name}' is listed {where} (layers[{other_index}]): "
                        "a module can belong to one layer only",
                    )
            seen[name] = index
    return tuple(layers)


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


def _parse_forbidden(reader: _Reader, value: Any) -> tuple[ForbiddenRule, ...]:
    if not isinstance(value, list):
        reader.problem("forbidden", f"expected [[forbidden]] tables, got {_describe(value)}")
        return ()
    rules = []
    for index, table in enumerate(value):
        key = f"forbidden[{index}]"
        if not isinstance(table, dict):
            reader.problem(key, f"expected a table with 'from' and 'to', got {_describe(table)}")
            continue
        for unknown in sorted(set(table) - {"from", "to", "reason", "indirect"}):
            reader.problem(f"{key}.{unknown}", "unknown key; expected 'from', 'to', 'reason', 'indirect'")
        reason = table.get("reason", "")
        if not isinstance(reason, str):
            reader.problem(f"{key}.reason", f"expected a string, got {_describe(reason)}")
            reason = ""
        indirect = table.get("indirect", True)
        if not isinstance(indirect, bool):
            reader.problem(f"{key}.indirect", f"expected true or false, got {_describe(indirect)}")
            indirect = True
        sources = _targets(reader, table, key, "from")
        targets = _targets(reader, table, key, "to")
        if sources and targets:
            rules.append(ForbiddenRule(sources, targets, reason, indirect, key))
    return tuple(rules)


_GLOB_RE = re.compile(r"^[\w.*?\[\]!-]+$")


def _parse_exceptions(reader: _Reader, value: Any) -> tuple[Exception_, ...]:
    if not isinstance(value, list):
        reader.problem("exceptions", f"expected [[exceptions]] tables, got {_describe(value)}")
        return ()
    result = []
    for index, table in enumerate(value):
        key = f"exceptions[{index}]"
        if not isinstance(table, dict):
            reader.problem(key, f"expected a table with 'from', 'to' and 'reason', got {_describe(table)}")
            continue
        for unknown in sorted(set(table) - {"from", "to", "reason", "rules"}):
            reader.problem(f"{key}.{unknown}", "unknown key; expected 'from', 'to', 'reason', 'rules'")
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
