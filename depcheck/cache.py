"""The on-disk cache: per-file facts by content hash, and the last run's result.

It sits between extraction and the graph: it stores :class:`FileFacts` (and
the :class:`Violation` list of the last run) and knows nothing about how they
are computed. Values are converted *generically* to plain tuples by
introspecting the frozen dataclasses of ``model.py``, so a field added there
needs no code here; the schema's description is part of the cache key, so
such a change invalidates old caches by itself.

Files are JSON behind a magic string and a checksum, written to a temporary
file renamed into place, so a concurrent reader never sees half a file. The
cache is untrusted input (it may be restored from a CI cache anyone could have
written): JSON cannot carry code, and :mod:`marshal`, which is faster, crashes
the interpreter on some malformed inputs. Anything that does not check out
(another version, a truncated or foreign file, a value of the wrong shape) is
ignored and rebuilt: the cache can make a run faster, never different.
"""

from __future__ import annotations

import ast
import builtins
import collections.abc
import contextlib
import dataclasses
import functools
import itertools
import json
import operator
import os
import sys
import time
import typing
from pathlib import Path
from typing import Any, Callable, Optional

from depcheck import __version__
from depcheck.discover import RACY_NS, Project
from depcheck.model import (
    Alias,
    CatalogEvent,
    Evidence,
    ExtractionSettings,
    FileFacts,
    GraphParts,
    LazyEdges,
    ModuleLinks,
    ParseFailure,
    SourceFile,
    Violation,
)
from depcheck.pool import Progress, cpu_count, run_all
from depcheck.store import (  # noqa: F401
    DEFAULT_DIR,
    JOURNAL_SUFFIX,
    Journal,
    Stat,
    blake2b,  # the built-in one, without hashlib's OpenSSL
    digest,
    prepare,
    stat_key,
)
from depcheck.store import HEAD as _HEAD
from depcheck.store import MAGIC as _MAGIC
from depcheck.store import code_fingerprint as store_fingerprint
from depcheck.store import read as _read
from depcheck.store import read_base as _read_base
from depcheck.store import read_blob as _read_blob  # noqa: F401 - for tests
from depcheck.store import write as _write
from depcheck.store import write_blob as _write_blob

# Facts of contents no file had for this many saved runs are dropped.
_KEEP_GENERATIONS = 8
# Cache files (of another depcheck version or config) unwritten this long are removed.
_STALE_SECONDS = 24 * 3600


class CacheError(Exception):
    """A cache value does not have the shape the schema says."""


# --------------------------------------------------------------------------- generic codec


def _describe(tp: Any, seen: set) -> str:
    """A canonical text of a type; dataclasses are expanded field by field, once."""
    if dataclasses.is_dataclass(tp):
        name = f"{tp.__module__}.{tp.__qualname__}"
        if name in seen:
            return name
        seen.add(name)
        hints = _hints(tp)
        body = ",".join(f"{f.name}:{_describe(hints[f.name], seen)}" for f in dataclasses.fields(tp))
        return f"{name}{{{body}}}"
    origin = typing.get_origin(tp)
    if origin is None:
        return getattr(tp, "__qualname__", repr(tp))
    args = ",".join("..." if a is Ellipsis else _describe(a, seen) for a in typing.get_args(tp))
    return f"{getattr(origin, '__qualname__', repr(origin))}[{args}]"


def schema_digest(*types: type) -> str:
    """Changes whenever a field of these dataclasses, or of one nested in them, changes."""
    text = ";".join(_describe(tp, set()) for tp in types)
    return blake2b(text.encode(), digest_size=16).hexdigest()


Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _hints(tp: type) -> dict[str, Any]:
    """The fields' types, like typing.get_type_hints, resolving each distinct annotation once.

    Annotations are strings (``from __future__ import annotations``). They are
    resolved by reading their syntax tree against the module's names, never
    evaluated; get_type_hints compiles every string anew, which cost a
    noticeable share of a cached run.
    """
    hints = {}
    for f in dataclasses.fields(tp):
        annotation = f.type
        hints[f.name] = _annotation(tp.__module__, annotation) if isinstance(annotation, str) else annotation
    return hints


@functools.cache
def _annotation(module: str, annotation: str) -> Any:
    return _resolve(ast.parse(annotation, mode="eval").body, vars(sys.modules[module]))


def _resolve(node: ast.expr, namespace: dict) -> Any:
    """The type an annotation's syntax tree names: names, ``X[...]``, ``a.b`` and ``...``."""
    if isinstance(node, ast.Name):
        found = namespace.get(node.id, getattr(builtins, node.id, None))
        if found is None:
            raise TypeError(f"cannot resolve the annotation name {node.id!r}")
        return found
    if isinstance(node, ast.Attribute):
        return getattr(_resolve(node.value, namespace), node.attr)
    if isinstance(node, ast.Constant) and node.value in (None, Ellipsis):
        return type(None) if node.value is None else Ellipsis
    if isinstance(node, ast.Subscript):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        args = tuple(_resolve(item, namespace) for item in items)
        return _resolve(node.value, namespace)[args if len(args) > 1 else args[0]]
    raise TypeError(f"unsupported annotation: {ast.dump(node)}")


# JSON gives lists back where tuples were written: decoders accept both.
_SEQUENCES = (tuple, list)


def _scalar(kind: type) -> Codec:
    def decode(value: Any) -> Any:
        # bool is a subclass of int: an int field must not accept True.
        if type(value) is not kind:
            raise CacheError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return (lambda value: value), decode


class Sharing:
    """While ``table`` is set, a codec built with this object maps one object to one plain value
    by identity: the same Evidence listed by twenty cycles is encoded once and decoded into one
    shared object (JSON keeps no shared references)."""

    def __init__(self) -> None:
        self.table: Optional[dict] = None

    @contextlib.contextmanager
    def on(self) -> typing.Iterator[None]:
        self.table = {}
        try:
            yield
        finally:
            self.table = None


def codec(tp: Any, _memo: Optional[dict] = None, sharing: Optional[Sharing] = None) -> Codec:
    """(encode, decode) between values of ``tp`` and plain tuples/str/int/float/bool/None.

    A dataclass becomes a tuple of its fields in declaration order. Decoding
    checks every value's type and raises :class:`CacheError` on a mismatch.
    """
    memo = {"sharing": sharing} if _memo is None else _memo
    if id(tp) in memo:
        return memo[id(tp)]
    if tp in (int, str, bool, float):
        return _scalar(tp)
    if tp is type(None):
        return _scalar(type(None))
    if dataclasses.is_dataclass(tp):
        return _dataclass_codec(tp, memo)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union and len(args) == 2 and type(None) in args:
        inner_encode, inner_decode = codec(args[0] if args[1] is type(None) else args[1], memo)
        return (
            lambda value: None if value is None else inner_encode(value),
            lambda value: None if value is None else inner_decode(value),
        )
    if origin in (tuple, frozenset) and len(args) == 2 and args[1] is Ellipsis or origin is frozenset:
        item_encode, item_decode = codec(args[0], memo)
        build = tuple if origin is tuple else frozenset

        def encode_many(value: Any) -> tuple:
            items = tuple(item_encode(item) for item in value)
            # A set's iteration order varies between runs; its encoding must not.
            return items if build is tuple else tuple(sorted(items, key=repr))

        def decode_many(value: Any) -> Any:
            if type(value) not in _SEQUENCES:
                raise CacheError(f"expected a sequence, got {type(value).__name__}")
            return build(item_decode(item) for item in value)

        return encode_many, decode_many
    if origin is tuple:
        parts = [codec(arg, memo) for arg in args]

        def encode_fixed(value: Any) -> tuple:
            return tuple(enc(item) for (enc, _), item in zip(parts, value))

        def decode_fixed(value: Any) -> tuple:
            if type(value) not in _SEQUENCES or len(value) != len(parts):
                raise CacheError("expected a fixed-size tuple")
            return tuple(dec(item) for (_, dec), item in zip(parts, value))

        return encode_fixed, decode_fixed
    if origin is dict:
        key_encode, key_decode = codec(args[0], memo)
        value_encode, value_decode = codec(args[1], memo)

        def encode_map(value: Any) -> tuple:
            pairs = ((key_encode(k), value_encode(v)) for k, v in value.items())
            return tuple(sorted(pairs, key=repr))

        def decode_map(value: Any) -> dict:
            if type(value) not in _SEQUENCES or any(
                type(p) not in _SEQUENCES or len(p) != 2 for p in value
            ):
                raise CacheError("expected a mapping")
            return {key_decode(k): value_decode(v) for k, v in value}

        return encode_map, decode_map
    raise TypeError(
        f"depcheck's cache cannot store a field of type {tp!r}: use int, str, bool, float, "
        "Optional[...], tuple[...], frozenset[...], dict[...] or a frozen dataclass"
    )


def _dataclass_codec(tp: type, memo: dict) -> Codec:
    fields = dataclasses.fields(tp)
    hints = _hints(tp)
    encoders: list = []
    decoders: list = []

    def encode(value: Any) -> tuple:
        return tuple(enc(getattr(value, f.name)) for enc, f in zip(encoders, fields))

    names = tuple(f.name for f in fields)
    # Frozen dataclasses set each field through object.__setattr__; filling
    # __dict__ directly (as pickle does) is several times faster. Only for
    # plain dataclasses: no __post_init__, no __slots__.
    direct = not hasattr(tp, "__post_init__") and not hasattr(tp, "__slots__")
    scalar_types: list[Optional[frozenset]] = []
    new = object.__new__

    def decode(value: Any) -> Any:
        if type(value) not in _SEQUENCES or len(value) != len(decoders):
            raise CacheError(f"expected {tp.__name__} as a tuple of {len(decoders)} fields")
        if allowed is not None:
            # Every field a scalar: one check of all the types at once.
            if tuple(map(type, value)) not in allowed:
                raise CacheError(f"{tp.__name__}: a field has the wrong type")
            values = value
        else:
            values = [dec(item) for dec, item in zip(decoders, value)]
        if not direct:
            return tp(*values)
        obj = new(tp)
        obj.__dict__.update(zip(names, values))
        return obj

    final_encode = [encode]

    sharing: Optional[Sharing] = memo["sharing"]

    def shared_encode(value: Any) -> Any:
        table = sharing.table if sharing is not None else None
        if table is None:
            return final_encode[0](value)
        hit = table.get(id(value))
        if hit is None:
            hit = table[id(value)] = (value, final_encode[0](value))
        return hit[1]

    def shared_decode(value: Any) -> Any:
        table = sharing.table if sharing is not None else None
        if table is None or allowed is None:
            return decode(value)
        # JSON keeps no shared references: equal all-scalar values (the same
        # Evidence listed by many cycles) become one object again.
        key = tuple(value) if type(value) in _SEQUENCES else value
        try:
            hit = table.get(key)
        except TypeError:  # an unhashable, malformed value: decode rejects it
            return decode(value)
        if hit is None:
            hit = table[key] = decode(value)
        return hit

    # Registered before the fields are built, so a recursive type refers to itself.
    memo[id(tp)] = (shared_encode, shared_decode)
    for f in fields:
        enc, dec = codec(hints[f.name], memo)
        encoders.append(enc)
        decoders.append(dec)
        scalar_types.append(_scalar_types(hints[f.name]))
    allowed = None
    if all(t is not None for t in scalar_types):
        allowed = frozenset(itertools.product(*scalar_types))  # type: ignore[arg-type]
        if len(names) >= 2:
            # Scalars need no conversion: read all the fields at once, in C.
            final_encode[0] = operator.attrgetter(*names)
    return shared_encode, shared_decode


def _scalar_types(tp: Any) -> Optional[frozenset]:
    """The types a scalar field's plain value may have, or None for a non-scalar field."""
    if tp in (int, str, bool, float, type(None)):
        return frozenset({tp})
    args = typing.get_args(tp)
    if typing.get_origin(tp) is typing.Union and len(args) == 2 and type(None) in args:
        inner = _scalar_types(args[0] if args[1] is type(None) else args[1])
        return inner | {type(None)} if inner is not None else None
    return None


@functools.cache
def _facts_codec() -> Codec:
    # Built on first use: a run answered from the result cache never needs it.
    return codec(FileFacts)


def encode_facts(facts: FileFacts) -> tuple:
    return _facts_codec()[0](facts)


def decode_facts(plain: Any) -> FileFacts:
    """Raises :class:`CacheError` when ``plain`` does not have FileFacts' shape."""
    return _facts_codec()[1](plain)


def content_hash(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


# --------------------------------------------------------------------------- keys


def code_fingerprint() -> str:
    """depcheck's version, and the size and mtime of its own source files (see store.py)."""
    return store_fingerprint(__version__)


def facts_key(settings: Any) -> str:
    """What every cached FileFacts depends on besides the file's bytes."""
    return digest((code_fingerprint(), schema_digest(FileFacts), repr(settings)))


# --------------------------------------------------------------------------- files


class FactsCache:
    """Path -> (stat, content hash) and content hash -> (facts digest, facts).

    ``lookup_stat`` is the fast path (one os.stat per file, done by the
    caller); ``lookup_content`` serves files whose stat changed but bytes did
    not, such as a fresh CI clone with a restored cache directory.

    A save that changed a few entries appends them to the file's journal (``store.Journal``):
    the paths whose entries changed or went, the contents recorded since the load, the
    listings that changed. Dropping contents no file had for ``_KEEP_GENERATIONS`` saved runs
    happens when the journal is folded into a new base (a compaction), so only a compaction
    reads every entry.
    """

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.key = key
        self.name = f"facts-{key[:16]}.bin"
        self.generation = 0
        self.files: dict[str, tuple[Stat, str]] = {}
        self.contents: dict[str, tuple[str, Any, int]] = {}  # hash -> (digest, plain, last generation)
        self.listings: dict = {}  # directory -> (stat, entries), see discover.Listings
        self.journal = Journal(directory / self.name)
        # What changed since the load, for the next record.
        self._changed: set[str] = set()  # paths whose entry changed
        self._added: dict[str, None] = {}  # content hashes recorded, in order
        # Content hashes a path stopped using -> the last generation one used them in: what a
        # save of every entry would have left as their "last generation".
        self._released: dict[str, int] = {}
        self._load()

    def _load(self) -> None:
        # A JSON header (the index) and a body holding every file's facts as JSON text, one
        # after the other: the body is checksummed with the rest but parsed only where a run
        # decodes a file's facts, and a save copies the texts it keeps without re-encoding.
        stored = _read_base(self.directory / self.name)
        if stored is None:
            return
        header, body, base_id, size = stored
        if type(header) is not list or len(header) != 5 or header[0] != self.key:
            return
        _, generation, files, contents, listings = header
        if type(generation) is not int or any(type(m) is not dict for m in (files, contents, listings)):
            return
        index = _content_index(contents, body)
        if index is None:
            return
        self.generation = generation
        self.files = _file_entries(files)
        self.contents = index  # each entry's shape is checked where it is used
        self.listings = listings  # checked entry by entry where used (discover.Listings)
        self.journal.start(base_id, size)
        self.journal.replay(self._apply)

    def _apply(self, header: Any, body: bytes) -> bool:
        """One journal record (see :meth:`_record`), applied whole, or refused if it does not
        have the record's shape."""
        if type(header) is not list or len(header) != 8 or header[0] != self.key:
            return False
        _, generation, files, dropped, contents, lasts, listings, unlisted = header
        tables = (files, contents, lasts, listings)
        if type(generation) is not int or any(type(m) is not dict for m in tables):
            return False
        if not (_strings(dropped) and _strings(unlisted)):
            return False
        if lasts and set(map(type, lasts.values())) != {int}:
            return False
        index = _content_index(contents, body)
        if index is None:
            return False
        self.generation = generation
        self.files.update(_file_entries(files))
        for path in dropped:
            self.files.pop(path, None)
        self.contents.update(index)
        for chash, last in lasts.items():
            entry = self.contents.get(chash)
            if type(entry) is tuple and len(entry) == 3:
                self.contents[chash] = (entry[0], entry[1], last)
        self.listings = {**self.listings, **listings}
        for directory in unlisted:
            self.listings.pop(directory, None)
        return True

    def lookup_stat(self, path: str, stat: Stat) -> Optional[str]:
        """The content hash recorded for ``path`` if its stat is unchanged and trustworthy."""
        entry = self.files.get(path)
        if type(entry) is not tuple or len(entry) != 2 or entry[0] != stat:
            return None
        chash = entry[1]
        return chash if type(chash) is str and chash in self.contents else None

    def lookup_content(self, chash: str) -> Optional[tuple[str, Any]]:
        """(facts digest, plain facts) stored for these bytes, if any."""
        entry = self.contents.get(chash)
        if type(entry) is not tuple or len(entry) != 3 or type(entry[0]) is not str:
            return None
        return entry[0], entry[1]

    def record(self, path: str, stat: Optional[Stat], chash: str, fdigest: str, plain: Any) -> None:
        # Modified this close to now, it could change again within the same timestamp tick
        # without its stat changing ("racy git"): re-hash it next time instead of trusting stat.
        if stat is not None and time.time_ns() - max(stat[0], stat[1]) < RACY_NS:
            stat = None
        recorded = (stat, chash) if stat is not None else ((-1, -1, -1, -1), chash)
        old = self.files.get(path)
        if old != recorded:
            if not _valid_file_entry(old) or old[1] != chash:
                self._release(old)
            self.files[path] = recorded
            self._changed.add(path)
        if chash not in self.contents:
            self.contents[chash] = (fdigest, plain, self.generation)
            self._added[chash] = None

    def _release(self, entry: Any) -> None:
        if _valid_file_entry(entry):
            self._released[entry[1]] = self.generation

    def save(self, paths: typing.Iterable[str], listings: Optional[dict] = None) -> None:
        """Keep the current files, and recently used contents; raises OSError when it cannot."""
        current = set(paths)
        stale = [path for path in self.files if path not in current]
        listings = self.listings if listings is None else listings
        listed, unlisted = _dict_changes(self.listings, listings)
        if not (self._changed or stale or self._added or listed or unlisted):
            return
        prepare(self.directory)
        for path in stale:
            self._release(self.files[path])
        generation = self.generation + 1
        header, body = self._record(generation, current, stale, listed, unlisted)
        if self.journal.append(header, body):
            self._advance(generation, stale, header[5], listings)
        else:
            self._compact(generation, current, listings)
        self._changed.clear()
        self._added.clear()
        self._released.clear()
        _remove_stale(self.directory)

    def _record(self, generation: int, current: set[str], stale: list[str], listed: dict,
                unlisted: list[str]) -> tuple[list, bytes]:
        """The journal record of this run's changes: [key, generation, path -> [stat, hash],
        paths gone, hash -> [digest, size, last], hash -> last, listings set, listings gone]
        and the recorded contents' facts texts."""
        files = {path: self.files[path] for path in self._changed
                 if path in current and _valid_file_entry(self.files.get(path))}
        texts = {}
        for chash in self._added:
            fdigest, plain, last = self.contents[chash]
            texts[chash] = (fdigest, _facts_text(plain), last)
        lasts = {}
        for chash, last in self._released.items():
            entry = self.contents.get(chash)
            if type(entry) is tuple and len(entry) == 3 and type(entry[2]) is int and entry[2] < last:
                lasts[chash] = last
        index = {chash: (fdigest, len(text), last) for chash, (fdigest, text, last) in texts.items()}
        header = [self.key, generation, files, stale, index, lasts, listed, unlisted]
        return header, b"".join(text for _, text, _ in texts.values())

    def _advance(self, generation: int, stale: list[str], lasts: dict[str, int], listings: dict) -> None:
        """Make memory what a load reads after the record just appended."""
        self.generation = generation
        for path in stale:
            del self.files[path]
        for chash, last in lasts.items():
            fdigest, plain, _ = self.contents[chash]
            self.contents[chash] = (fdigest, plain, last)
        self.listings = listings

    def _compact(self, generation: int, current: set[str], listings: dict) -> None:
        """Write every entry as a new base, dropping contents no file had for
        ``_KEEP_GENERATIONS`` saved runs, and start an empty journal."""
        used = {self.files[p][1] for p in current if p in self.files and _valid_file_entry(self.files[p])}
        contents = {}
        for chash, entry in self.contents.items():
            if type(entry) is not tuple or len(entry) != 3 or type(entry[2]) is not int:
                continue
            fdigest, plain, last = entry
            # Each file's facts are kept as their own JSON text: a save encodes only the files
            # parsed since the load (re-encoding all of them was 40% of a run after a body
            # edit), and a load decodes none until a run needs them.
            plain = _facts_text(plain)
            last = max(last, self._released.get(chash, last))
            if chash in used:
                contents[chash] = (fdigest, plain, generation)
            elif generation - last <= _KEEP_GENERATIONS:
                contents[chash] = (fdigest, plain, last)
        files = {p: e for p, e in self.files.items() if p in current and _valid_file_entry(e)}
        index = {chash: (fdigest, len(plain), last) for chash, (fdigest, plain, last) in contents.items()}
        base_id, size = _write_blob(self.directory, self.name, (self.key, generation, files, index, listings),
                                    [plain for _, plain, _ in contents.values()])
        self.journal.restart(base_id, size)
        self.generation, self.files, self.contents, self.listings = generation, files, contents, listings


def _facts_text(plain: Any) -> bytes:
    """A file's facts as stored: their JSON text (kept as read, encoded if parsed this run)."""
    if type(plain) is bytes:
        return plain
    return json.dumps(plain, separators=(",", ":"), allow_nan=False).encode()


def _content_index(contents: dict, body: bytes) -> Optional[dict[str, tuple[str, Any, int]]]:
    """hash -> (digest, facts text, last generation) from an index of [digest, size, last] and
    the texts one after the other; None unless the sizes add up to the body."""
    index: dict[str, tuple[str, Any, int]] = {}
    offset = 0
    for chash, entry in contents.items():
        if type(entry) is not list or len(entry) != 3 or type(entry[1]) is not int or entry[1] < 0:
            return None
        fdigest, size, last = entry
        index[chash] = (fdigest, body[offset:offset + size], last)
        offset += size
    return index if offset == len(body) else None


def _file_entries(files: dict) -> dict:
    # [[stat...], hash] as tuples, which lookup_stat compares with a stat key; an entry of
    # another shape stays as it is and matches nothing.
    return {
        path: (tuple(entry[0]), entry[1]) if type(entry) is list and len(entry) == 2
        and type(entry[0]) is list else entry
        for path, entry in files.items()
    }


def _dict_changes(old: dict, new: dict) -> tuple[dict, list]:
    """(entries of ``new`` that ``old`` lacks or holds otherwise, keys ``new`` lacks)."""
    changed = {k: v for k, v in new.items() if old.get(k) is not v and old.get(k, _MISSING) != v}
    return changed, [k for k in old if k not in new]


_MISSING = object()


def _remove_stale(directory: Path) -> None:
    """Best effort: drop cache files nobody wrote for a day (other versions, old configs). A
    base and its journal go together, by the newer of the two: a base a run only appends to
    can be older than that."""
    limit = time.time() - _STALE_SECONDS
    found = [*directory.glob("*.bin"), *directory.glob(f"*{JOURNAL_SUFFIX}")]
    newest: dict[str, float] = {}
    for path in found:
        try:
            newest[path.stem] = max(newest.get(path.stem, 0.0), path.stat().st_mtime)
        except OSError:
            pass
    for path in found:
        try:
            if newest.get(path.stem, limit) < limit:
                path.unlink()
        except OSError:
            pass


def _valid_file_entry(entry: Any) -> bool:
    return type(entry) is tuple and len(entry) == 2 and type(entry[1]) is str


class ResultCache:
    """The violations, notes and counts of the last run, keyed by a digest of all its inputs."""

    def __init__(self, directory: Path, config_path: Path) -> None:
        self.directory = directory
        self.name = f"result-{digest(str(config_path))[:16]}.bin"
        self.sharing = Sharing()
        self._codec: Optional[Codec] = None

    @property
    def codec(self) -> Codec:
        if self._codec is None:
            self._codec = codec(tuple[Violation, ...], sharing=self.sharing)
        return self._codec

    def load(self, key: str) -> Optional[tuple[list[Violation], list[str], int, tuple[Violation, ...]]]:
        path = self.directory / self.name
        if not _begins_with_key(path, key):
            # Another result (one file changed): known from the file's first bytes, without
            # reading and checksumming all of it (45 MB at 20,000 modules).
            return None
        stored = _read(path)
        if type(stored) is not list or len(stored) != 5 or stored[0] != key:
            return None
        _, violations, notes, dependencies, hidden = stored
        if type(notes) is not list or any(type(n) is not str for n in notes):
            return None
        if type(dependencies) is not int:
            return None
        try:
            with self.sharing.on():
                decoded = self.codec[1](violations)
            return list(decoded), list(notes), dependencies, tuple(self.codec[1](hidden))
        except (CacheError, TypeError, ValueError):
            return None

    def save(self, key: str, violations: list[Violation], notes: list[str], dependencies: int,
             hidden: tuple[Violation, ...] = ()) -> None:
        prepare(self.directory)
        with self.sharing.on():
            plain = self.codec[0](tuple(violations))
        _write(self.directory, self.name, (key, plain, tuple(notes), dependencies, self.codec[0](hidden)))


# --------------------------------------------------------------------------- graph parts

# An evidence row of one module's links: its file and source are the module's own, its target
# the edge's (or the row's first item, for an external one); trailing defaults are left out.
_ROW_FIELDS = ("line", "column", "text", "names", "kind", "event", "name", "import_line",
               "import_target", "written")
_ROW_DEFAULTS = (None, None, "", "", "import", None, None, 0, "", "")
_ROW_TYPES = ({int}, {int}, {str}, {str}, {str}, {str, type(None)}, {str, type(None)}, {int}, {str}, {str})
# For each row length, every tuple of types its values may have: one check per row, in C.
_ROW_ALLOWED = {n: frozenset(itertools.product(*_ROW_TYPES[:n])) for n in range(2, len(_ROW_FIELDS) + 1)}
_EVIDENCE_FIELDS = ("file", "source", "target", *_ROW_FIELDS)
_FLAGS = (("suppressions", 1), ("events", 2), ("apps", 4))  # ModuleLinks' fields in this order
_STR = {str}


_ROW_VALUES = operator.attrgetter(*_ROW_FIELDS)
_IMPORT_TAIL = _ROW_DEFAULTS[4:]  # what an import's row ends with: kind "import" and no use fields
_string = json.encoder.encode_basestring_ascii  # a str as JSON, as json.dumps writes it


def _row(evidence: Evidence) -> list:
    values = _ROW_VALUES(evidence)
    if values[4:] == _IMPORT_TAIL:  # most rows: cut without comparing field by field
        return list(values[:4] if values[3] else values[:3])
    row = list(values)
    while len(row) > 2 and row[-1] == _ROW_DEFAULTS[len(row) - 1]:
        row.pop()
    return row


def _row_text(evidence: Evidence) -> str:
    """``_row`` as JSON, an import's written without the encoder (at 20k modules, 160k rows:
    json.dumps per module was a third of saving a graph built from scratch)."""
    values = _ROW_VALUES(evidence)
    if values[4:] == _IMPORT_TAIL and type(values[0]) is int and type(values[1]) is int:
        line, column, text, names = values[:4]
        if names:
            return f"[{line},{column},{_string(text)},{_string(names)}]"
        return f"[{line},{column},{_string(text)}]"
    return json.dumps(_row(evidence), separators=(",", ":"), allow_nan=False)


def _evidence(path: str, module: str, target: Any, row: Any) -> Evidence:
    if type(row) is not list or type(target) is not str or tuple(map(type, row)) not in _ROW_ALLOWED.get(
        len(row), ()
    ):
        raise CacheError("an evidence row has the wrong shape")
    values = (path, module, target, *row, *_ROW_DEFAULTS[len(row):])
    obj = object.__new__(Evidence)  # as the codec does: frozen dataclasses are slow to build
    obj.__dict__.update(zip(_EVIDENCE_FIELDS, values))
    return obj


def encode_links(source: SourceFile, links: ModuleLinks) -> list:
    """One module's links as [header, evidence rows as JSON text]: the header (digest, flags,
    parse failure, lookups consulted, targets, external evidence) is read on load, the rows
    when a rule reads that module's evidence. Every evidence is the module's own (file and
    source): ``graph._link_module`` makes it so, and a load takes them from the module."""
    flags = sum(bit for name, bit in _FLAGS if getattr(links, name))
    error = None if links.error is None else [links.error.line, links.error.column, links.error.message]
    header = [links.digest, flags, error, [part for lookup in links.consulted for part in lookup],
              list(links.edges),
              [[e.target, _row(e)] for e in links.external]]
    rows = ",".join(f"[{','.join(map(_row_text, evidence))}]" for evidence in links.edges.values())
    return [header, f"[{rows}]".encode()]


def decode_links(source: SourceFile, plain: Any) -> ModuleLinks:
    """Raises CacheError when ``plain`` is not what :func:`encode_links` writes; the rows are
    checked when first read (then a bad value reads as None: see LazyEdges)."""
    if type(plain) is not list or len(plain) != 2 or type(plain[1]) is not bytes:
        raise CacheError("expected a module's links")
    header, rows = plain
    if type(header) is not list or len(header) != 6:
        raise CacheError("expected a module's links")
    digest_, flags, error, consulted, targets, external = header
    if type(digest_) is not str or type(flags) is not int or type(external) is not list:
        raise CacheError("a module's links have the wrong shape")
    for names in (consulted, targets):  # lists of str, checked in C
        if type(names) is not list or names and set(map(type, names)) != _STR:
            raise CacheError("a module's links have the wrong shape")
    if len(consulted) % 3:  # (module, name, alias seen), flattened
        raise CacheError("a module's links have the wrong shape")
    failure = None
    if error is not None:
        if type(error) is not list or [type(v) for v in error] != [int, int, str]:
            raise CacheError("a parse failure has the wrong shape")
        failure = ParseFailure(*error)
    path, module = source.path, source.module
    outside = []
    for pair in external:
        if type(pair) is not list or len(pair) != 2:
            raise CacheError("an external dependency has the wrong shape")
        outside.append(_evidence(path, module, pair[0], pair[1]))
    names = tuple(targets)

    def decode() -> Optional[dict[str, tuple[Evidence, ...]]]:
        try:
            found = json.loads(rows)
            if type(found) is not list or len(found) != len(names) or any(type(r) is not list for r in found):
                return None
            return {target: tuple([_evidence(path, module, target, row) for row in evidence])
                    for target, evidence in zip(names, found)}
        except (CacheError, ValueError, RecursionError):
            return None

    return ModuleLinks(
        digest_, LazyEdges(names, decode), tuple(outside), tuple(zip(*[iter(consulted)] * 3)), failure,
        bool(flags & 1), bool(flags & 2), bool(flags & 4),  # _FLAGS
    )


_Stored = tuple[ModuleLinks, list]  # a module's links and the [header, rows] they were read from


class GraphCache:
    """The last graph's parts (``GraphParts``), for a run that relinks only what changed.

    One file per config, keyed by everything linking depends on besides the files' facts:
    depcheck's code, the config, the extraction settings and the set of modules. Each module's
    links are a small header and their evidence as JSON text: a load decodes only the evidence
    rules read, a save re-encodes only the modules linked in this run. A save under the key it
    loaded appends those modules (and the catalog, if it changed) to the file's journal
    (``store.Journal``) instead of writing every module again.
    """

    def __init__(self, directory: Path, config_path: Path) -> None:
        self.directory = directory
        self.name = f"graph-{digest(str(config_path))[:16]}.bin"
        self.journal = Journal(directory / self.name)
        self._plain: dict[str, _Stored] = {}  # as loaded: reused by save
        self._loaded: Optional[tuple[str, tuple[CatalogEvent, ...], frozenset[str]]] = None  # key, catalog
        self._catalog_codec: Optional[Codec] = None

    @property
    def catalog_codec(self) -> Codec:
        if self._catalog_codec is None:
            self._catalog_codec = codec(tuple[CatalogEvent, ...], sharing=Sharing())
        return self._catalog_codec

    def load(self, key: str, files: typing.Iterable[SourceFile]) -> Optional[GraphParts]:
        path = self.directory / self.name
        if not _begins_with_key(path, key):
            return None
        # A JSON header (everything but the evidence rows) and a body: the modules' rows one
        # after the other, each header saying how many bytes are its own.
        stored = _read_base(path)
        if stored is None or type(stored[0]) is not list or len(stored[0]) != 4 or stored[0][0] != key:
            return None
        (_, catalog, consulted, modules), body, base_id, size = stored
        by_module = {f.module: f for f in files}
        if type(modules) is not dict or modules.keys() != by_module.keys() or not _strings(consulted):
            return None
        try:
            stored_links = _decode_modules(modules, body, by_module)
            events = tuple(self.catalog_codec[1](catalog))
        except (CacheError, TypeError, ValueError, RecursionError):
            return None
        if stored_links is None:
            return None
        catalogs = [(events, frozenset(consulted))]  # the last one is current

        def apply(header: Any, rows: bytes) -> bool:
            found = self._apply(key, header, rows, by_module)
            if found is None:
                return False
            relinked, events, consulted = found
            stored_links.update(relinked)
            before, seen = catalogs[-1]
            catalogs.append((before if events is None else events, seen if consulted is None else consulted))
            return True

        self.journal.start(base_id, size)
        self.journal.replay(apply)
        events, seen = catalogs[-1]
        self._plain = stored_links
        self._loaded = (key, events, seen)
        return GraphParts({module: links for module, (links, _) in stored_links.items()}, events, seen)

    def _apply(self, key: str, header: Any, rows: bytes, by_module: dict[str, SourceFile]) -> Optional[
        tuple[dict[str, _Stored], Optional[tuple[CatalogEvent, ...]], Optional[frozenset[str]]]
    ]:
        """One journal record (see :meth:`save`): (the modules' links, the catalog and the modules it
        consulted, None where unchanged), or None if it is for another key or does not have a
        record's shape."""
        if type(header) is not list or len(header) != 4 or header[0] != key:
            return None
        _, catalog, consulted, modules = header
        if type(modules) is not dict or not modules.keys() <= by_module.keys():
            return None
        if consulted is not None and not _strings(consulted):
            return None
        try:
            found = _decode_modules(modules, rows, by_module)
            events = None if catalog is None else tuple(self.catalog_codec[1](catalog))
        except (CacheError, TypeError, ValueError, RecursionError):
            return None
        if found is None:
            return None
        return found, events, None if consulted is None else frozenset(consulted)

    def save(self, key: str, parts: GraphParts, files: typing.Iterable[SourceFile]) -> None:
        """Raises OSError when it cannot write; does nothing for parts it cannot store."""
        by_module = {f.module: f for f in files}
        texts = {}
        fresh = []  # the modules encoded in this run: what a journal record holds
        try:
            for module, links in parts.modules.items():
                known = self._plain.get(module)
                if known is not None and known[0] is links:
                    texts[module] = known[1]
                else:
                    texts[module] = encode_links(by_module[module], links)
                    fresh.append(module)
        except (CacheError, KeyError):
            return
        loaded = self._loaded
        same = loaded is not None and loaded[0] == key and parts.modules.keys() == self._plain.keys()
        catalog = None if same and _same(parts.catalog, loaded[1]) else self.catalog_codec[0](parts.catalog)
        consulted = None if same and parts.event_consulted == loaded[2] else sorted(parts.event_consulted)
        if same and not fresh and catalog is None and consulted is None:
            return
        prepare(self.directory)
        if not (same and self._append(key, catalog, consulted, {m: texts[m] for m in fresh})):
            headers = {module: [*header, len(rows)] for module, (header, rows) in texts.items()}
            base_id, size = _write_blob(
                self.directory, self.name,
                (key, self.catalog_codec[0](parts.catalog) if catalog is None else catalog,
                 sorted(parts.event_consulted), headers),
                [rows for _, rows in texts.values()])
            self.journal.restart(base_id, size)
        self._plain = {module: (links, texts[module]) for module, links in parts.modules.items()}
        self._loaded = (key, parts.catalog, parts.event_consulted)

    def _append(self, key: str, catalog: Any, consulted: Optional[list[str]], texts: dict[str, list]) -> bool:
        """One journal record: [key, catalog or null, consulted or null, module -> [header...,
        size]] and the modules' rows one after the other, as the base holds them."""
        headers = {module: [*header, len(rows)] for module, (header, rows) in texts.items()}
        body = b"".join(rows for _, rows in texts.values())
        return self.journal.append([key, catalog, consulted, headers], body)


def _decode_modules(modules: dict, body: bytes, by_module: dict[str, SourceFile]
                    ) -> Optional[dict[str, _Stored]]:
    """Each module's links, and what they were read from (save reuses it), from its header (the
    rows' size last) and the rows one after the other; None unless the sizes add up to the body.
    Raises CacheError (and TypeError, ValueError) for a header that does not decode."""
    decoded = {}
    offset = 0
    for module, header in modules.items():
        if type(header) is not list or len(header) != 7:
            return None
        size = header.pop()
        if type(size) is not int or size < 0:
            return None
        plain = [header, body[offset:offset + size]]
        offset += size
        decoded[module] = (decode_links(by_module[module], plain), plain)
    return decoded if offset == len(body) else None


def _same(catalog: tuple[CatalogEvent, ...], loaded: tuple[CatalogEvent, ...]) -> bool:
    return catalog is loaded or catalog == loaded  # reused as loaded when nothing changed it


def _strings(value: Any) -> bool:
    """A list of str, checked in C."""
    return type(value) is list and (not value or set(map(type, value)) == _STR)


def _begins_with_key(path: Path, key: str) -> bool:
    """Whether the value stored at ``path`` could be a list whose first item is ``key``."""
    expected = json.dumps([key])[:-1].encode() + b","  # as store.write writes it: ["key",
    try:
        with open(path, "rb") as handle:
            start = handle.read(_HEAD + len(expected))
    except OSError:
        return False
    return start[: len(_MAGIC)] == _MAGIC and start[_HEAD:] == expected


# --------------------------------------------------------------------------- loading facts

# Below this much source to parse, forking workers costs more than it saves.
# Measured on a 2-core machine (Django's files, first k by name): forking and
# collecting one child costs about 6 ms, parsing runs at about 2-5 MB/s per
# core; at 126 kB serial and parallel were within noise, from about 450 kB
# on parallel won whenever the second core was free.
PARALLEL_MIN_BYTES = 250_000


def _extract(data: bytes, settings: ExtractionSettings) -> FileFacts:
    # Imported on the first file parsed: a run answered from the cache parses none.
    from depcheck.facts import extract

    return extract(data, settings)


def _unreadable(exc: OSError) -> FileFacts:
    reason = exc.strerror or type(exc).__name__
    return FileFacts(error=ParseFailure(1, 1, f"cannot read the file: {reason}"))


def extract_file(path: str, settings: ExtractionSettings, *, keep: bool = False) -> tuple[str, str, Any]:
    """(content hash, facts digest, plain facts) of one file, read and parsed now.

    With ``keep``, the result is kept for this process's :func:`load_facts`, which takes it
    instead of reading and parsing the file again while its stat is the one taken before this
    read: the fast lane parses the files changed since its manifest, and when their facts
    changed the long way needs the same facts.
    """
    stat: Optional[Stat] = None
    if keep:
        try:
            stat = stat_key(os.stat(path))
        except OSError:
            pass
    result = _extract_one((path, settings))
    if stat is not None:
        _kept[path] = (stat, settings, result)
    return result


# Absolute path -> (its stat before the read, the settings, extract_file's result); see there.
_kept: dict[str, tuple[Stat, ExtractionSettings, tuple[str, str, Any]]] = {}


def _extract_one(job: tuple[str, ExtractionSettings]) -> tuple[str, str, Any]:
    """Read, hash and extract one file: (content hash, facts digest, plain facts), the plain
    facts being what the cache stores. An unreadable file gives an empty hash.
    """
    return _extract_facts(job)[0]


def _extract_here(job: tuple[str, ExtractionSettings]) -> tuple[str, str, Any]:
    """:func:`_extract_one`, keeping the facts made in this process in ``_made_here``.

    The graph needs every file's facts decoded; those parsed in this process need no
    decoding (``decode_facts(encode_facts(f)) == f``). A worker process keeps none: it sends
    the facts as their stored JSON text (a str), which the cache then saves as it is instead
    of encoding it in the process that waits for the workers.
    """
    result, facts = _extract_facts(job)
    if os.getpid() != _made_in[0]:
        return result[0], result[1], _facts_text(result[2]).decode()
    _made_here[job[0]] = facts
    return result


# Absolute path -> facts parsed by _extract_here in the process that called load_facts (its
# pid in ``_made_in``); load_facts empties it before and after its run_all.
_made_here: dict[str, FileFacts] = {}
_made_in = [0]


def _extract_facts(job: tuple[str, ExtractionSettings]) -> tuple[tuple[str, str, Any], FileFacts]:
    path, settings = job
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        facts = _unreadable(exc)
        plain = encode_facts(facts)
        return ("", digest(plain), plain), facts
    facts = _extract(data, settings)
    plain = encode_facts(facts)
    return (content_hash(data), digest(plain), plain), facts


@dataclasses.dataclass
class FactsTable:
    """Every file's facts digest, and its facts as plain data, decoded on first use."""

    digests: dict[str, str]  # module -> facts digest
    plain: dict[str, Any]  # module -> plain facts, not decoded yet
    decoded: dict[str, FileFacts]
    parsed: list[str]  # modules whose files were parsed in this run (not from the cache)
    reparse: Callable[[str], FileFacts]  # module -> facts parsed afresh
    # Absolute path -> its stat key (None: could not stat), taken before the file was read:
    # what the fast lane's manifest vouches for (replay.observe), without a second stat.
    stats: dict[str, Optional[Stat]] = dataclasses.field(default_factory=dict)
    # Module -> facts parsed in this process in this run, which need no decoding: each moves
    # to ``decoded`` (which holds what was read) when first read.
    made: dict[str, FileFacts] = dataclasses.field(default_factory=dict)

    def facts(self) -> dict[str, FileFacts]:
        for module in list(self.plain):
            self.decode(module)
        return self.decoded

    def decode(self, module: str) -> FileFacts:
        """One module's facts (KeyError for a module the table does not hold)."""
        found = self.decoded.get(module)
        if found is not None:
            return found
        plain = self.plain.pop(module)
        found = self.made.pop(module, None)
        if found is not None:
            self.decoded[module] = found
            return found
        try:
            if type(plain) is bytes:  # as stored: see FactsCache.save
                plain = json.loads(plain)
            found = self.decoded[module] = decode_facts(plain)
        except (CacheError, ValueError, RecursionError):
            # Only a cache file edited by hand gets here (it passed its checksum).
            found = self.decoded[module] = self.reparse(module)
        return found

    def aliases(self, module: str) -> tuple[Alias, ...]:
        """One module's aliases, without decoding the rest of its facts (linking follows names
        through many modules' aliases and reads nothing else of them)."""
        found = self.decoded.get(module) or self.made.get(module)
        if found is not None:
            return found.aliases
        plain = self.plain[module]
        try:
            if type(plain) is bytes:
                plain = self.plain[module] = json.loads(plain)  # decode() accepts it as parsed
            return _aliases_codec()[1](plain[_ALIASES])
        except (CacheError, ValueError, RecursionError, TypeError, IndexError):
            return self.decode(module).aliases

    def lazy(self) -> typing.Mapping[str, FileFacts]:
        """Every module's facts, each decoded when first read."""
        return _LazyFacts(self)


_ALIASES = [f.name for f in dataclasses.fields(FileFacts)].index("aliases")


@functools.cache
def _aliases_codec() -> Codec:
    return codec(tuple[Alias, ...])


class _LazyFacts(collections.abc.Mapping):  # type: ignore[type-arg]
    def __init__(self, table: FactsTable) -> None:
        self.table = table
        self.aliases_of = table.aliases  # what graph.Names reads, when a mapping offers it

    def __getitem__(self, module: str) -> FileFacts:
        return self.table.decode(module)

    def __contains__(self, module: object) -> bool:
        return module in self.table.digests

    def __iter__(self) -> typing.Iterator[str]:
        return iter(self.table.digests)

    def __len__(self) -> int:
        return len(self.table.digests)


def load_facts(
    project: Project,
    settings: ExtractionSettings,
    facts_cache: Optional[FactsCache] = None,
    *,
    progress: Optional[Progress] = None,
    parallel: Optional[bool] = None,
) -> FactsTable:
    """Facts of every file: from the cache when its bytes are known, else parsed.

    One ``os.stat`` per file against the index (the fast path); else read and
    hash the bytes and look the hash up; else parse, in forked workers when there
    is enough source (``parallel`` None decides by that amount).
    """
    digests: dict[str, str] = {}
    plain: dict[str, Any] = {}
    pending: list[tuple[SourceFile, Optional[Stat]]] = []
    kept: list[tuple[SourceFile, Optional[Stat], tuple[str, str, Any]]] = []  # parsed earlier
    stats: dict[str, Optional[Stat]] = {}
    root = project.root
    for source, full in zip(project.files, project.paths):
        try:
            stat: Optional[Stat] = stat_key(os.stat(full))
        except OSError:
            stat = None
        stats[full] = stat
        if facts_cache is not None and stat is not None:
            chash = facts_cache.lookup_stat(source.path, stat)
            known = facts_cache.lookup_content(chash) if chash is not None else None
            if known is not None:
                digests[source.module], plain[source.module] = known
                continue
        earlier = _kept.pop(full, None) if _kept else None
        if earlier is not None and stat is not None and earlier[0] == stat and earlier[1] == settings:
            kept.append((source, stat, earlier[2]))
            continue
        pending.append((source, stat))

    to_parse: list[tuple[SourceFile, Optional[Stat]]] = []
    if facts_cache is not None and facts_cache.contents:
        # Same bytes under a new stat (a fresh clone, a touched file, a rename).
        for source, stat in pending:
            try:
                with open(os.path.join(root, source.path), "rb") as handle:
                    chash = content_hash(handle.read())
            except OSError:
                to_parse.append((source, stat))
                continue
            known = facts_cache.lookup_content(chash)
            if known is None:
                to_parse.append((source, stat))
                continue
            digests[source.module], plain[source.module] = known
            facts_cache.record(source.path, stat, chash, *known)
    else:
        to_parse = pending

    sizes = [stat[2] if stat is not None else 0 for _, stat in to_parse]
    if parallel is None:
        parallel = sum(sizes) >= PARALLEL_MIN_BYTES and cpu_count() > 1 and len(to_parse) > 1
    jobs = [(os.path.join(root, source.path), settings) for source, _ in to_parse]
    _made_here.clear()
    _made_in[0] = os.getpid()
    parsed = run_all(_extract_here, jobs, parallel=parallel, progress=progress, sizes=sizes)
    made = {}
    fresh = []
    for (path, _), (source, stat), (chash, fdigest, fplain) in zip(jobs, to_parse, parsed):
        if path in _made_here:
            made[source.module] = _made_here[path]
        if type(fplain) is str:  # a worker's facts text: kept as a cache file holds it
            fplain = fplain.encode()
        fresh.append((source, stat, (chash, fdigest, fplain)))
    _made_here.clear()
    for source, stat, (chash, fdigest, fplain) in kept + fresh:
        digests[source.module], plain[source.module] = fdigest, fplain
        if facts_cache is not None and chash:
            facts_cache.record(source.path, stat, chash, fdigest, fplain)
    by_module = {source.module: source for source in project.files}

    def reparse(module: str) -> FileFacts:
        return decode_facts(_extract_one((os.path.join(root, by_module[module].path), settings))[2])

    parsed_now = [source.module for source, _, _ in kept + fresh]
    return FactsTable(digests, plain, {}, parsed_now, reparse, stats, made)
