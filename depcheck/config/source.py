"""Where each key of a TOML file is written: a source map built once, at parse time.

tomllib gives values without positions. Messages about the config (and
violations located in it, such as an unused exception) need the line of a key,
an array element or a table, so this module reads the same text once more and
records the line of every path it meets: ``("tool", "depcheck", "layers", 2)``
is the third entry of ``layers``, ``("tool", "depcheck", "exceptions", 0)``
the first ``[[tool.depcheck.exceptions]]`` table. Paths are full, from the
document's root, so ``[tool.importlinter]`` and ``[tool.depcheck]`` sharing one
pyproject.toml never mix.

The text has already been accepted by tomllib, so the reader below can be
small; should it still meet something it does not understand, it stops and
keeps what it found (a message then points at a parent key), it never raises.
"""

from __future__ import annotations

from typing import Optional, Union

Part = Union[str, int]
Path_ = tuple[Part, ...]

_BARE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class _Stop(Exception):
    """The text is not what this reader expects: keep the lines found so far."""


class SourceMap:
    """Path -> line (1-based) for every key, table, array of tables and array element."""

    def __init__(self, lines: Optional[dict[Path_, int]] = None) -> None:
        self.lines: dict[Path_, int] = lines or {}

    @classmethod
    def of(cls, text: str) -> SourceMap:
        reader = _Reader(text)
        try:
            reader.document()
        except (_Stop, IndexError):
            pass
        return cls(reader.found)

    def line(self, path: Path_) -> Optional[int]:
        """The line of ``path``, else of its nearest parent that has one."""
        parts = tuple(path)
        while parts:
            found = self.lines.get(parts)
            if found is not None:
                return found
            parts = parts[:-1]
        return None

    def exact(self, path: Path_) -> Optional[int]:
        return self.lines.get(tuple(path))


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0
        self.line = 1
        self.found: dict[Path_, int] = {}
        self.arrays: dict[Path_, int] = {}  # array-of-tables path -> index of its last table

    # ------------------------------------------------------------ characters

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def advance(self, count: int = 1) -> None:
        end = min(self.at + count, len(self.text))
        self.line += self.text.count("\n", self.at, end)
        self.at = end

    def spaces(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.advance()

    def blank(self) -> None:
        """Whitespace, newlines and comments, as between array elements."""
        while True:
            char = self.peek()
            if char in (" ", "\t", "\n", "\r") and char:
                self.advance()
            elif char == "#":
                self.comment()
            else:
                return

    def comment(self) -> None:
        end = self.text.find("\n", self.at)
        self.advance((len(self.text) if end < 0 else end) - self.at)

    # ------------------------------------------------------------ structure

    def document(self) -> None:
        table: Path_ = ()
        while self.at < len(self.text):
            self.blank()
            char = self.peek()
            if not char:
                return
            if char == "[":
                table = self.header()
            else:
                self.pair(table)
            self.spaces()
            if self.peek() == "#":
                self.comment()

    def header(self) -> Path_:
        line = self.line
        many = self.text.startswith("[[", self.at)
        self.advance(2 if many else 1)
        keys = self.key()
        self.spaces()
        if not self.text.startswith("]]" if many else "]", self.at):
            raise _Stop
        self.advance(2 if many else 1)
        # A dotted header goes through the last table of every array of tables it names.
        path: Path_ = ()
        for part in keys[:-1]:
            path += (part,)
            if path in self.arrays:
                path += (self.arrays[path],)
        path += (keys[-1],)
        if many:
            index = self.arrays.get(path, -1) + 1
            self.arrays[path] = index
            self.found.setdefault(path, line)
            path += (index,)
        self.found[path] = line
        return path

    def pair(self, table: Path_) -> None:
        line = self.line
        path = table + self.key()
        self.spaces()
        if self.peek() != "=":
            raise _Stop
        self.advance()
        self.spaces()
        self.found[path] = line
        self.value(path)

    def key(self) -> tuple[str, ...]:
        parts = []
        while True:
            self.spaces()
            char = self.peek()
            if char in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.at
                while self.peek() in _BARE and self.peek():
                    self.advance()
                if self.at == start:
                    raise _Stop
                parts.append(self.text[start:self.at])
            self.spaces()
            if self.peek() != ".":
                return tuple(parts)
            self.advance()

    # ------------------------------------------------------------ values

    def value(self, path: Path_) -> None:
        char = self.peek()
        if char == "[":
            self.advance()
            index = 0
            while True:
                self.blank()
                if self.peek() == "]":
                    self.advance()
                    return
                self.found[path + (index,)] = self.line
                self.value(path + (index,))
                index += 1
                self.blank()
                if self.peek() == ",":
                    self.advance()
                elif self.peek() != "]":
                    raise _Stop
        elif char == "{":
            self.advance()
            while True:
                self.spaces()
                if self.peek() == "}":
                    self.advance()
                    return
                self.pair(path)
                self.spaces()
                if self.peek() == ",":
                    self.advance()
                elif self.peek() != "}":
                    raise _Stop
        elif char in ('"', "'"):
            self.string()
        else:
            # A number, boolean or date: up to the next delimiter.
            start = self.at
            while self.peek() and self.peek() not in ",]}#\n\r":
                self.advance()
            if self.at == start:
                raise _Stop

    def string(self) -> str:
        quote = self.peek()
        triple = self.text.startswith(quote * 3, self.at)
        self.advance(3 if triple else 1)
        start = self.at
        while True:
            char = self.peek()
            if not char:
                raise _Stop
            if char == "\\" and quote == '"':
                self.advance(2)
                continue
            if triple:
                if self.text.startswith(quote * 3, self.at):
                    # Up to two more quotes may end a multi-line string: """a"""" is 'a"'.
                    end = self.at
                    while self.text.startswith(quote * 4, end):
                        end += 1
                    body = self.text[start:end]
                    self.advance(end - self.at + 3)
                    return body
            elif char == quote:
                body = self.text[start:self.at]
                self.advance()
                return _unescape(body) if quote == '"' else body
            elif char == "\n":
                raise _Stop
            self.advance()


def _unescape(body: str) -> str:
    """The common escapes of a basic string key; a key that needs more is rare in configs."""
    if "\\" not in body:
        return body
    return (
        body.replace('\\"', '"').replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")
    )
