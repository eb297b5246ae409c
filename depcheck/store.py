"""Cache files on disk, and what tells that a file is unchanged since it was read.

Every cache file (the facts, the result, the replay manifests and reports) is
written here: JSON behind a magic string and a checksum, written to a
temporary file renamed into place, so a concurrent reader never sees half a
file. A file is untrusted input: JSON cannot carry code, and a file that does
not check out reads as missing. Callers still check the shape of what they
get.

This module imports only the standard library's small modules: the warm fast
lane (``replay.py``) runs before anything else of depcheck is imported.
"""

from __future__ import annotations

import json
import os
import sys
import time

# hashlib's import loads OpenSSL (about 3 ms, a tenth of a warm run); blake2b is built in.
try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

from depcheck import __version__

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Optional

DEFAULT_DIR = ".depcheck_cache"  # in the project root, unless --cache-dir says otherwise
MAGIC = b"depcheck-cache\x01"
SUM_SIZE = 16

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


def _checked(data: bytes) -> Optional[bytes]:
    head = len(MAGIC) + SUM_SIZE
    if len(data) < head or not data.startswith(MAGIC):
        return None
    payload = data[head:]
    if blake2b(payload, digest_size=SUM_SIZE).digest() != data[len(MAGIC) : head]:
        return None
    return payload


def _slurp(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def read(path: os.PathLike | str) -> Optional[Any]:
    """The plain value stored at ``path``, or None if it is missing or does not check out."""
    data = _slurp(os.fspath(path))
    payload = _checked(data) if data is not None else None
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


def read_blob(path: os.PathLike | str) -> Optional[tuple[Any, bytes]]:
    """(header, body) stored by :func:`write_blob`, or None."""
    data = _slurp(os.fspath(path))
    payload = _checked(data) if data is not None else None
    if payload is None:
        return None
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


def write_blob(directory: os.PathLike | str, name: str, header: Any, body: bytes | Sequence[bytes]) -> None:
    """Like :func:`write`, for a JSON header and raw bytes (no JSON escaping of a large body),
    given whole or as the pieces that make it."""
    head = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    pieces = (body,) if isinstance(body, bytes) else tuple(body)
    _write_payload(os.fspath(directory), name, (head, b"\n", *pieces))


def _write_payload(directory: str, name: str, pieces: tuple[bytes, ...]) -> None:
    # The payload's pieces are summed and written one by one: joining them first copied tens
    # of megabytes at 20,000 modules.
    checksum = blake2b(digest_size=SUM_SIZE)
    for piece in pieces:
        checksum.update(piece)
    # A name of our own, not tempfile's: importing tempfile costs more than this whole write.
    temp = os.path.join(directory, f".{name}.{os.getpid()}.{time.time_ns()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC + checksum.digest())
            for piece in pieces:
                handle.write(piece)
        os.replace(temp, os.path.join(directory, name))
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


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
