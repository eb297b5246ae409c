"""Cache files on disk, and what tells that a file is unchanged since it was read.

Every cache file (the facts, the result, the replay manifests and reports) is
written here: JSON behind a magic string and a checksum, written to a
temporary file renamed into place, so a concurrent reader never sees half a
file. A file is untrusted input: JSON cannot carry code, and a file that does
not check out reads as missing. Callers still check the shape of what they
get.

A large file that a run changes only a little of (the facts, the graph) has a
:class:`Journal` beside it: records appended one ``os.write`` each, every one
checksummed and naming what it extends (the base file's id, or the previous
record's checksum), so a reader applies exactly the chain that starts at the
base it read and stops at the first record that does not continue it.

This module imports only the standard library's small modules: the warm fast
lane (``replay.py``) runs before anything else of depcheck is imported.
"""

from __future__ import annotations

import json
import os
import sys
import time
import zlib

# hashlib's import loads OpenSSL (about 3 ms, a tenth of a warm run); blake2b is built in.
try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

from depcheck import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Callable, Optional

DEFAULT_DIR = ".depcheck_cache"  # in the project root, unless --cache-dir says otherwise
# A file: MAGIC, the CRC-32 of the rest, its id (random bytes, new at each write: what its
# journal's first record names) and the payload. A CRC catches torn and damaged files; a
# stronger hash would not stop a forged file either (nothing here is keyed), and blake2b
# took 2.3 ms a megabyte, a CRC 0.5 ms, on files of tens of megabytes read at each run.
MAGIC = b"depcheck-cache\x02"
_CRC_SIZE = 4
ID_SIZE = 16
HEAD = len(MAGIC) + _CRC_SIZE + ID_SIZE

# A file or directory changed this recently could change again within its
# timestamp's resolution without its stat changing ("racy git"): what was read
# of it is not trusted by stat next time.
RACY_NS = 3_000_000_000

Stat = tuple[int, int, int, int]  # (mtime_ns, ctime_ns, size, inode)


def stat_key(result: os.stat_result) -> Stat:
    # ctime too: it cannot be set back, so a rewrite that restores size and mtime
    # (os.utime, a same-size edit within one timestamp tick) still shows.
    return (result.st_mtime_ns, result.st_ctime_ns, result.st_size, result.st_ino)


def racy(stat: Stat, since_ns: int) -> bool:
    """Changed after ``since_ns`` or just before it: its stat cannot vouch for what was read."""
    return max(stat[0], stat[1]) >= since_ns - RACY_NS


def digest(plain: Any) -> str:
    """A stable digest of plain data (repr of tuples/str/int is deterministic)."""
    return blake2b(repr(plain).encode(), digest_size=16).hexdigest()


def code_fingerprint(version: str = __version__) -> str:
    """depcheck's version, the Python version, and the size and mtime of depcheck's own files.

    The version alone would let an edited checkout (an editable install)
    reuse results computed by the code before the edit.
    """
    known = _fingerprints.get(version)
    if known is None:
        package = os.path.dirname(os.path.abspath(__file__))
        parts = [version, sys.version]
        for directory, _, names in sorted(os.walk(package)):
            for name in sorted(names):
                if name.endswith(".py"):
                    try:
                        stat = os.stat(os.path.join(directory, name))
                    except OSError:
                        continue
                    where = f"{os.path.relpath(directory, package)}/{name}"
                    parts.append(f"{where}:{stat.st_size}:{stat.st_mtime_ns}")
        known = _fingerprints[version] = digest(tuple(parts))
    return known


_fingerprints: dict[str, str] = {}


def _checked(data: bytes) -> Optional[tuple[bytes, bytes]]:
    """(payload, id) of a file's bytes, or None when they do not check out."""
    if len(data) < HEAD or not data.startswith(MAGIC):
        return None
    summed = len(MAGIC) + _CRC_SIZE
    if zlib.crc32(memoryview(data)[summed:]) != int.from_bytes(data[len(MAGIC) : summed], "big"):
        return None
    return data[HEAD:], data[summed:HEAD]


def sealed(payload: bytes) -> bytes:
    """The bytes of a file holding ``payload`` (with a new id), as :func:`write` writes it."""
    identity = os.urandom(ID_SIZE)
    return MAGIC + zlib.crc32(payload, zlib.crc32(identity)).to_bytes(_CRC_SIZE, "big") + identity + payload


def _slurp(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def read(path: os.PathLike | str) -> Optional[Any]:
    """The plain value stored at ``path``, or None if it is missing or does not check out."""
    data = _slurp(os.fspath(path))
    checked = _checked(data) if data is not None else None
    if checked is None:
        return None
    try:
        return json.loads(checked[0])
    except (ValueError, RecursionError):
        return None


def read_blob(path: os.PathLike | str) -> Optional[tuple[Any, bytes]]:
    """(header, body) stored by :func:`write_blob`, or None."""
    stored = read_base(path)
    return None if stored is None else (stored[0], stored[1])


def read_base(path: os.PathLike | str) -> Optional[tuple[Any, bytes, bytes, int]]:
    """(header, body, id, size) stored by :func:`write_blob`, or None: the id (new at each
    write) is what the first record of its journal names (see :class:`Journal`)."""
    data = _slurp(os.fspath(path))
    checked = _checked(data) if data is not None else None
    if checked is None:
        return None
    header = _split(checked[0])
    return None if header is None else (*header, checked[1], len(data))  # type: ignore[arg-type]


def _split(payload: bytes) -> Optional[tuple[Any, bytes]]:
    """A JSON header line and the raw bytes after it, or None."""
    end = payload.find(b"\n")
    if end < 0:
        return None
    try:
        return json.loads(payload[:end]), payload[end + 1 :]
    except (ValueError, RecursionError):
        return None


def write(directory: os.PathLike | str, name: str, value: Any) -> None:
    """Atomically replace ``directory/name`` with ``value`` as JSON; raises OSError when it cannot."""
    payload = json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
    _write_payload(os.fspath(directory), name, (payload,))


def write_blob(
    directory: os.PathLike | str, name: str, header: Any, body: bytes | Sequence[bytes]
) -> tuple[bytes, int]:
    """Like :func:`write`, for a JSON header and raw bytes (no JSON escaping of a large body),
    given whole or as the pieces that make it. Returns the file's id and size (:func:`read_base`)."""
    head = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    pieces = (body,) if isinstance(body, bytes) else tuple(body)
    return _write_payload(os.fspath(directory), name, (head, b"\n", *pieces))


def _write_payload(directory: str, name: str, pieces: tuple[bytes, ...]) -> tuple[bytes, int]:
    # The payload's pieces are summed and written one by one: joining them first copied tens
    # of megabytes at 20,000 modules.
    identity = os.urandom(ID_SIZE)
    crc = zlib.crc32(identity)
    size = HEAD
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
        size += len(piece)
    # A name of our own, not tempfile's: importing tempfile costs more than this whole write.
    temp = os.path.join(directory, f".{name}.{os.getpid()}.{time.time_ns()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC + crc.to_bytes(_CRC_SIZE, "big") + identity)
            for piece in pieces:
                handle.write(piece)
        os.replace(temp, os.path.join(directory, name))
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return identity, size


JOURNAL_MAGIC = b"depcheck-delta\x01"
JOURNAL_SUFFIX = ".log"  # beside "name.bin": the same stem, so stale files go in pairs
_LENGTH = 8  # a record's payload size, big-endian
_RECORD_HEAD = len(JOURNAL_MAGIC) + _LENGTH + 2 * ID_SIZE
# A journal is folded into a new base before it outgrows this share of the base (reading it
# costs a load, copying the base costs a save), or this size for a small base, or holds this
# many records (each one parsed by every load, and contents are dropped only when folding).
JOURNAL_SHARE = 0.25
JOURNAL_MIN = 1 << 16
JOURNAL_RECORDS = 64


def journal_path(base: os.PathLike | str) -> str:
    return os.path.splitext(os.fspath(base))[0] + JOURNAL_SUFFIX


def _frame(prev: bytes, header: Any, body: bytes) -> bytes:
    """One record: magic, payload size, the id it extends, its checksum (its id), payload.
    The checksum covers what it extends: a record cannot be moved to another chain."""
    payload = json.dumps(header, separators=(",", ":"), allow_nan=False).encode() + b"\n" + body
    length = len(payload).to_bytes(_LENGTH, "big")
    checksum = blake2b(prev + length + payload, digest_size=ID_SIZE).digest()
    return JOURNAL_MAGIC + length + prev + checksum + payload


def _unframe(data: bytes, offset: int, prev: bytes) -> Optional[tuple[Any, bytes, bytes, int]]:
    """(header, body, id, end) of the record at ``offset`` if it is whole and extends ``prev``."""
    start = offset + _RECORD_HEAD
    if data[offset : offset + len(JOURNAL_MAGIC)] != JOURNAL_MAGIC or len(data) < start:
        return None
    at = offset + len(JOURNAL_MAGIC)
    length = data[at : at + _LENGTH]
    named = data[at + _LENGTH : at + _LENGTH + ID_SIZE]
    checksum = data[start - ID_SIZE : start]
    end = start + int.from_bytes(length, "big")
    if named != prev or end > len(data):  # another chain, or torn
        return None
    payload = data[start:end]
    if blake2b(prev + length + payload, digest_size=ID_SIZE).digest() != checksum:
        return None
    split = _split(payload)
    return None if split is None else (split[0], split[1], checksum, end)


class Journal:
    """The records appended to one base file (``name.bin`` -> ``name.log``), and how far a load
    got: a save appends a record only onto exactly what it loaded, else it writes a new base.

    Records are appended with one ``os.write`` on an ``O_APPEND`` descriptor, so concurrent
    runs' records never interleave; a record computed from a state another run has since
    extended names a predecessor that is no longer the last one, and readers stop there.
    """

    __slots__ = ("path", "tip", "end", "records", "base_size", "whole")

    def __init__(self, base: os.PathLike | str) -> None:
        self.path = journal_path(base)
        self.tip: Optional[bytes] = None  # what the next record extends; None: no base loaded
        self.end = 0  # bytes of the journal applied
        self.records = 0
        self.base_size = 0
        self.whole = True  # every byte of the journal was applied (else appending is futile)

    def start(self, base_id: bytes, base_size: int) -> None:
        """A base with this id (:func:`read_base`, :func:`write_blob`) was read or written."""
        self.tip, self.base_size = base_id, base_size
        self.end = self.records = 0
        self.whole = True

    def replay(self, apply: Callable[[Any, bytes], bool]) -> None:
        """Give ``apply`` each record (header, body) of the chain starting at the base, in order,
        until one does not check out or ``apply`` refuses it (returns False)."""
        data = _slurp(self.path) or b""
        while self.tip is not None and self.end < len(data):
            record = _unframe(data, self.end, self.tip)
            if record is None or not apply(record[0], record[1]):
                break
            self.tip, self.end = record[2], record[3]
            self.records += 1
        self.whole = self.end == len(data)

    def append(self, header: Any, body: bytes) -> bool:
        """Append one record onto what was loaded; False, writing nothing, when the caller must
        write a new base instead: nothing loaded, the journal past its bound, or no longer
        ending where it was read (another run appended or folded it). Raises OSError."""
        if self.tip is None or not self.whole or self.records >= JOURNAL_RECORDS:
            return False
        record = _frame(self.tip, header, body)
        if self.end + len(record) > max(self.base_size * JOURNAL_SHARE, JOURNAL_MIN):
            return False
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size != self.end:
                return False
            written = os.write(fd, record)  # one call: a concurrent record lands before or after
        finally:
            os.close(fd)
        if written != len(record):
            self.whole = False  # a torn record: readers stop at it, the next save writes a base
            raise OSError(f"{self.path}: wrote {written} of {len(record)} bytes")
        self.tip = record[_RECORD_HEAD - ID_SIZE : _RECORD_HEAD]  # its checksum
        self.end += len(record)
        self.records += 1
        return True

    def restart(self, base_id: bytes, base_size: int) -> None:
        """A new base was written: its journal starts empty (records of the old base's chain
        would be ignored anyway; removing them keeps loads from reading them)."""
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self.start(base_id, base_size)


def prepare(directory: os.PathLike | str) -> None:
    """Create the cache directory with a .gitignore; raises OSError when it cannot."""
    directory = os.fspath(directory)
    os.makedirs(directory, exist_ok=True)
    ignore = os.path.join(directory, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w", encoding="utf-8") as handle:
            handle.write("# created by depcheck; the cache is not for version control\n*\n")
    tag = os.path.join(directory, "CACHEDIR.TAG")
    if not os.path.exists(tag):
        with open(tag, "w", encoding="utf-8") as handle:
            handle.write(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by depcheck.\n"
            )
