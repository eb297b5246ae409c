"""Field parsers: each turns one raw TOML value into a typed one, or reports why it cannot.

Every parser takes the :class:`Reader` (which collects problems, so all of
them are reported at once), the raw value and its path, and returns a usable
value even after a problem, so parsing goes on. Messages are one line each:
``pyproject.toml:12: tool.depcheck.layers[2]: expected ..., got ...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Optional

from depcheck.config.source import Part, SourceMap

Path_ = tuple[Part, ...]

MODULE_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_UNPRINTABLE = re.compile(r"[\s\x00-\x1f\x7f]")


def render_key(path: Iterable[Part]) -> str:
    """``exceptions[0].reason``; a key holding spaces or control characters is quoted, so the
    message stays on one line whatever the key holds."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return repr(text) if not text or _UNPRINTABLE.search(text) else text


def display(path: Path) -> str:
    """A path as messages show it: relative to the working directory when inside it."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def describe(value: Any) -> str:
    """What a wrong value is, for "expected X, got Y"."""
    if value is None:
        return "nothing (the key is missing)"
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



def close_matches(word: str, known: Iterable[str], cutoff: float) -> list[str]:
    """The one of ``known`` closest to ``word``, if close enough (difflib's ratio; difflib is
    imported only when a name is wrong)."""
    import difflib

    return difflib.get_close_matches(word, list(known), n=1, cutoff=cutoff)


def did_you_mean(name: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    close = close_matches(name, known, cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Reader:
    """Collects problems, each located at its key's line through the source map."""

    def __init__(self, display: str, source: SourceMap, base: Path_ = (), prefix: str = "") -> None:
        self.display = display  # the config file as the user names it
        self.source = source
        self.base = base  # ("tool", "depcheck") in a pyproject.toml
        self.prefix = prefix  # how messages spell ``base``: "tool.depcheck."
        self.problems: list[str] = []

    def line(self, path: Path_) -> Optional[int]:
        """The line of ``path``, else of the nearest parent key that is written down."""
        return self.source.line(self.base + tuple(path))

    def problem(self, path: Path_, message: str) -> None:
        line = self.line(path)
        where = f"{self.display}:{line}" if line else self.display
        self.problems.append(f"{where}: {self.prefix}{render_key(path)}: {message}")


def misspelled(table: dict, name: str, known: Iterable[str]) -> bool:
    """Whether missing key ``name`` is what an unknown key of ``table`` was meant to be: its
    unknown-key problem already says so, a "missing" problem would be a second line about one typo."""
    names = tuple(known)
    for key in table:
        if key not in names and close_matches(key, names, cutoff=0.6) == [name]:
            return True
    return False


def unknown_keys(reader: Reader, table: dict, path: Path_, known: Iterable[str], what: str = "") -> None:
    """One problem per key of ``table`` that is not in ``known``, with a did-you-mean."""
    names = tuple(known)
    for name in table:
        if name not in names:
            reader.problem(
                (*path, name),
                f"unknown key{what}{did_you_mean(name, names)}; known keys: {', '.join(names)}",
            )


def strings(reader: Reader, value: Any, path: Path_, *, allow_string: bool = False) -> tuple[str, ...]:
    if allow_string and isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reader.problem(path, f"expected a list of strings, got {describe(value)}")
        return ()
    return tuple(value)


def module_name(reader: Reader, value: str, path: Path_) -> Optional[str]:
    """A dotted module name (``shop.orders``; a trailing ``.__init__`` is the package)."""
    name = value.strip()
    if name.endswith(".__init__"):
        name = name[: -len(".__init__")]
    if not MODULE_RE.match(name):
        reader.problem(path, f"expected a dotted module name like 'shop.orders', got {value!r}")
        return None
    return name


def module_names(reader: Reader, value: Any, path: Path_, *, allow_string: bool = True,
                 expected: str = "a list of module names") -> tuple[str, ...]:
    if allow_string and isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reader.problem(path, f"expected {expected}, got {describe(value)}")
        return ()
    return tuple(name for v in value if (name := module_name(reader, v, path)))


# import-linter's module expressions: names whose parts may be ``*`` (one name) or ``**`` (one or more).
_EXPRESSION_RE = re.compile(r"^(\*\*|[A-Za-z_*][\w*]*)(\.(\*\*|[A-Za-z_*][\w*]*))*$")


def module_expressions(reader: Reader, value: Any, path: Path_, *,
                       expected: str = "a list of module names") -> tuple[str, ...]:
    """Module names, or expressions of them (``pkg.*``, ``pkg.**.api``) where a contract takes them."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        reader.problem(path, f"expected {expected}, got {describe(value)}")
        return ()
    names = []
    for raw in value:
        if "*" not in raw:
            name = module_name(reader, raw, path)
        elif _EXPRESSION_RE.match(raw.strip()) and "***" not in raw:
            name = raw.strip()
        else:
            reader.problem(path, f"expected a module name or expression like 'shop.*' or 'shop.**.api', "
                           f"got {raw!r}")
            name = None
        if name:
            names.append(name)
    return tuple(names)


def flag(reader: Reader, value: Any, path: Path_, default: bool) -> bool:
    if not isinstance(value, bool):
        reader.problem(path, f"expected true or false, got {describe(value)}")
        return default
    return value


def positive_int(reader: Reader, value: Any, path: Path_, default: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        reader.problem(path, f"expected a positive integer, got {describe(value)}")
        return default
    return value


def text(reader: Reader, value: Any, path: Path_, default: str = "") -> str:
    if not isinstance(value, str):
        reader.problem(path, f"expected a string, got {describe(value)}")
        return default
    return value


def table(reader: Reader, value: Any, path: Path_, expected: str) -> Optional[dict]:
    if not isinstance(value, dict):
        reader.problem(path, f"expected {expected}, got {describe(value)}")
        return None
    return value


def tables(reader: Reader, value: Any, path: Path_, known: tuple[str, ...]) -> Iterator[tuple[Path_, dict]]:
    """Each table of a ``[[name]]`` array with its path (``("forbidden", 2)``), after type and
    unknown-key checks."""
    if not isinstance(value, list):
        reader.problem(path, f"expected [[{render_key(path)}]] tables, got {describe(value)}")
        return
    expected = ", ".join(repr(k) for k in known)
    for index, entry in enumerate(value):
        where = (*path, index)
        if not isinstance(entry, dict):
            reader.problem(where, f"expected a table with {expected}, got {describe(entry)}")
            continue
        unknown_keys(reader, entry, where, known)
        yield where, entry
