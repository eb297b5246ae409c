"""The warm fast lane: answer a repeated ``depcheck check`` from what it printed last time.

A check run with the cache stores, beside the result, the report it printed
(``report-*.bin``, keyed by the result key and everything else the output
depends on) and, per command line, a manifest (``replay-*.bin``): the stat of
every file the run read and of every directory it listed, and which report
that was. When every stat is unchanged, the next identical command line
prints that report without loading the config, the facts or the result.

What the manifest keys on: the command line, the working directory, the
colour decision, the config file found, and depcheck's code (version, Python,
its files' stats). What it vouches for: the config file, the baseline (or its
absence), every source file and listed directory by (mtime_ns, ctime_ns, size,
inode), and the existence of what discovery and the repository root look for.
ctime cannot be set back, so a rewrite that restores size and mtime is seen.
A path changed within ``RACY_NS`` of the run's start is "racy" (it could
change again within one timestamp tick): such a run records no manifest.

The elapsed time in a report is not frozen: the stored report keeps each place
it was printed as a slot with its number format, filled anew at each replay.

Like every cache file these are untrusted: a damaged, foreign or hostile file
reads as missing and the run goes the long way. This module imports only
``store`` and a few of the standard library's modules; cli.py calls it first.
"""

from __future__ import annotations

import os
import re  # already imported by json, which the fast lane needs anyway
import sys
import time

from depcheck import store

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

CONFIG_FILES = ("depcheck.toml", "pyproject.toml")

# Options of `depcheck check` the fast lane understands; any other argument sends the run the long way.
# Each of them changes the output only through the command line, which is part of the key.
_VALUED = ("--format", "--output-format", "--config", "--cache-dir", "--baseline", "--select", "--ignore")
_FLAGS = ("--no-baseline", "--exit-zero", "--statistics", "--quiet", "-q")


def use_color(stream: object) -> bool:
    """Whether reports to ``stream`` are coloured: NO_COLOR wins, then FORCE_COLOR; else only a
    terminal that can show it (not TERM=dumb)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def find_config_path(start: str) -> Optional[str]:
    """The nearest depcheck.toml, or pyproject.toml with a [tool.depcheck] table, from ``start`` up."""
    directory = os.path.realpath(start)
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(directory, name)
            if not os.path.isfile(candidate):
                continue
            if name == "depcheck.toml":
                return candidate
            try:
                with open(candidate, encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            if _has_depcheck_table(text):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_depcheck_table(text: str) -> bool:
    """A line ``[tool.depcheck...`` or ``[[tool.depcheck...`` (spaces allowed around the brackets)."""
    for line in text.split("\n"):
        head = line.lstrip()
        if not head.startswith("["):
            continue
        head = head.lstrip("[").lstrip()
        if head.startswith("tool.depcheck"):
            after = head[len("tool.depcheck"):len("tool.depcheck") + 1]
            if not after or not (after.isalnum() or after == "_"):
                return True
    return False


# --------------------------------------------------------------------------- the command line


def _parse(argv: list[str]) -> Optional[dict]:
    """The options of a ``check`` command line this lane understands, or None."""
    if not argv or argv[0] != "check":
        return None
    seen: dict = {}
    index = 1
    while index < len(argv):
        argument = argv[index]
        name, equals, value = argument.partition("=")
        if argument in _FLAGS:
            name, value = argument, True
        elif equals and name in _VALUED:
            pass
        elif argument in _VALUED and index + 1 < len(argv):
            index += 1
            value = argv[index]
            if value.startswith("-"):
                return None
        elif not argument.startswith("-") and "path" not in seen:
            name, value = "path", argument
        else:
            return None  # anything else (abbreviations, --no-cache, --help): the long way
        if name in seen:
            return None
        seen[name] = value
        index += 1
    if "--baseline" in seen and "--no-baseline" in seen:
        return None
    return seen


def locate(argv: list[str]) -> Optional[tuple[str, str, str]]:
    """(manifest key, cache directory, config file) of a check command line, or None.

    Follows what cli.py does with the same arguments (which config file, which cache
    directory); cli records a manifest only when the two agree.
    """
    options = _parse(argv)
    if options is None or os.environ.get("GITHUB_STEP_SUMMARY"):
        return None  # the github format also writes the step summary: not a replay
    if "--config" in options:
        config: Optional[str] = os.path.realpath(options["--config"])
    else:
        start = options.get("path", ".")
        if not os.path.exists(start):
            return None
        if os.path.isfile(start):
            start = os.path.dirname(os.path.abspath(start))
        found = find_config_path(start)
        config = os.path.realpath(found) if found is not None else None
    if config is None:
        return None
    given = options.get("--cache-dir")
    directory = os.path.realpath(given) if given else os.path.join(os.path.dirname(config), store.DEFAULT_DIR)
    invocation = ("replay", store.code_fingerprint(), tuple(argv), os.getcwd(), use_color(sys.stdout), config)
    return store.digest(invocation), directory, config


def _manifest_name(key: str) -> str:
    return f"replay-{key[:16]}.bin"


def _report_name(key: str) -> str:
    return f"report-{key[:16]}.bin"


# --------------------------------------------------------------------------- reports with slots

# The elapsed time is rendered at these two values to find where, and in which number format,
# a report prints it. Both are exact binary fractions with a prefix no other number shares.
_PROBES = (7391846.5, 5283917.03125)
_FORMATS = tuple(("f", d) for d in range(7)) + tuple(("r", d) for d in range(1, 7))


def _number(kind: str, digits: int, seconds: float) -> str:
    return f"{seconds:.{digits}f}" if kind == "f" else repr(round(seconds, digits))


class Template:
    """A report with its elapsed-time slots: ``text`` without them, each slot (offset, kind, digits)."""

    def __init__(self, text: str, slots: list, code: int) -> None:
        self.text = text
        self.slots = slots
        self.code = code

    def fill(self, seconds: float) -> str:
        parts = []
        last = 0
        for offset, kind, digits in self.slots:
            parts.append(self.text[last:offset])
            parts.append(_number(kind, digits, seconds))
            last = offset
        parts.append(self.text[last:])
        return "".join(parts)


def template(
    render: Callable[[float], str], render_empty: Callable[[float], str], code: int
) -> Optional[Template]:
    """The report ``render(seconds)`` with its elapsed time as slots, or None when that cannot be told.

    ``render_empty`` renders the same summary without violations (cheap): rendered at both
    probes it tells each slot's number format; the full report is rendered once, at the first.
    """
    import re

    first, second = (str(int(probe)) for probe in _PROBES)

    decimals = re.compile(r"(?:\.\d+)?")

    def split(text: str, prefix: str) -> tuple[list[str], list[str]]:
        # The probe's whole part, not inside another number, and its decimals. Found with
        # str.find: a regex search with a lookbehind took 0.5 s on a 24 MB report.
        pieces, numbers, last = [], [], 0
        at = text.find(prefix)
        while at >= 0:
            end = at + len(prefix)
            before = text[at - 1] if at else ""
            if not (before.isdecimal() or before == "."):  # what \d matches
                end = decimals.match(text, end).end()  # type: ignore[union-attr]  # always matches
                pieces.append(text[last:at])
                numbers.append(text[at:end])
                last = end
            at = text.find(prefix, end)
        pieces.append(text[last:])
        return pieces, numbers

    full = render(_PROBES[0])
    pieces, numbers = split(full, first)
    small_pieces, small_numbers = split(render_empty(_PROBES[0]), first)
    other_pieces, other_numbers = split(render_empty(_PROBES[1]), second)
    if small_pieces != other_pieces or len(small_numbers) != len(numbers) or second in full:
        return None
    slots = []
    offset = 0
    for piece, number, small, other in zip(pieces, numbers, small_numbers, other_numbers):
        fits = [f for f in _FORMATS if _number(*f, _PROBES[0]) == small and _number(*f, _PROBES[1]) == other]
        if not fits or number != small:
            return None
        offset += len(piece)
        slots.append((offset, *fits[0]))
    return Template("".join(pieces), slots, code)


def save_report(directory: str, key: str, report: Template) -> None:
    """Raises OSError when it cannot."""
    store.prepare(directory)
    header = [key, report.code, [list(slot) for slot in report.slots]]
    store.write_blob(directory, _report_name(key), header, report.text.encode("utf-8"))
    _prune(directory, _report_name(key))


# Reports of results no longer current are dropped, newest kept first: at 20,000 modules one
# is tens of megabytes, and every edit that changes the facts makes a new one.
_KEEP_REPORTS = 4


def _prune(directory: str, current: str) -> None:
    """Best effort: keep the newest few reports besides ``current``."""
    try:
        names = [n for n in os.listdir(directory) if n.startswith("report-") and n.endswith(".bin")]
        dated = []
        for name in names:
            if name != current:
                dated.append((os.stat(os.path.join(directory, name)).st_mtime_ns, name))
        for _, name in sorted(dated, reverse=True)[_KEEP_REPORTS - 1:]:
            os.unlink(os.path.join(directory, name))
    except OSError:
        pass


# What a stored report may hold besides text: rich's colour (SGR) sequences, newlines and tabs.
# Anything else (a cursor move, an OSC title or clipboard write) would reach the terminal as is.
_COLOUR = re.compile("\x1b\\[[0-9;]*m")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def load_report(directory: str, key: str) -> Optional[Template]:
    stored = store.read_blob(os.path.join(directory, _report_name(key)))
    if stored is None:
        return None
    header, body = stored
    if type(header) is not list or len(header) != 3 or header[0] != key or header[1] not in (0, 1):
        return None
    if type(header[1]) is not int or type(header[2]) is not list:
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(_COLOUR.sub("", text)):
        return None  # depcheck's reports hold no control sequence but colour: not one it wrote
    slots = []
    last = 0
    for slot in header[2]:
        if type(slot) is not list or len(slot) != 3:
            return None
        offset, kind, digits = slot
        if type(offset) is not int or not last <= offset <= len(text) or (kind, digits) not in _FORMATS:
            return None
        if type(digits) is not int:
            return None
        slots.append((offset, kind, digits))
        last = offset
    return Template(text, slots, header[1])


# --------------------------------------------------------------------------- manifests


def exists(path: str, kind: str) -> bool:
    """The answer to an existence check: kind "isdir", "isfile" or "exists"."""
    if kind == "isdir":
        return os.path.isdir(path)
    if kind == "isfile":
        return os.path.isfile(path)
    return os.path.exists(path)


def _holds(path: str, kind: str, expected: Any) -> bool:
    if kind == "stat":
        try:
            found = os.stat(path)
        except (OSError, ValueError):
            return expected is None
        return expected == [found.st_mtime_ns, found.st_ctime_ns, found.st_size, found.st_ino]
    if kind in ("isdir", "isfile", "exists"):
        return exists(path, kind) is expected
    return False


def observe(stats: list[str], checked: list[tuple[str, str, bool]], since_ns: int,
            known: Optional[dict[str, Optional[store.Stat]]] = None) -> list:
    """The manifest entries of these paths.

    ``stats``: paths vouched for by their stat now (missing ones by their absence), trusted
    only if unchanged since a moment before ``since_ns``, the run's start; a racy one (changed
    since) is "unsure": the next run counts it as changed, so a source file is parsed again
    and the report is replayed only if its facts are what this run saw. ``known``: stat keys
    the run took before it read those paths (None: missing), used instead of a new stat: a
    change after that stat shows as a changed stat at the next run. ``checked``: (path, kind,
    answer) of existence checks, answered before the run looked (so a change during the run
    shows at the next one).
    """
    entries: list = []
    known = known or {}
    for path in stats:
        if path in known:
            found = known[path]
        else:
            try:
                found = store.stat_key(os.stat(path))
            except OSError:
                found = None
        if found is None:
            entries.append([path, "stat", None])
            continue
        if store.racy(found, since_ns):
            entries.append([path, "unsure", None])  # _holds never holds it
            continue
        entries.append([path, "stat", list(found)])
    entries.extend([path, kind, answer] for path, kind, answer in checked)
    return entries


def remember(directory: str, key: str, entries: list, report_key: str, digests: dict[str, str]) -> None:
    """Raises OSError when it cannot. ``digests``: each source file's facts digest, by path."""
    store.prepare(directory)
    store.write(directory, _manifest_name(key), [key, entries, report_key, digests])


class Found:
    """A manifest of this command line, and which of its entries no longer hold."""

    def __init__(self, key: str, directory: str, config: str, entries: list, report_key: str,
                 digests: dict, changed: list[str]) -> None:
        self.key, self.directory, self.config = key, directory, config
        self.entries, self.report_key, self.digests, self.changed = entries, report_key, digests, changed

    @property
    def only_sources_changed(self) -> bool:
        """Only source files changed (no directory, config, baseline or existence check): the
        file list is the same, and when their facts are too, so is the result."""
        return all(path in self.digests for path in self.changed)

    def refresh(self, since_ns: int) -> None:
        """Vouch for the changed files' new stats (their facts were found unchanged), unless racy."""
        fresh = observe(self.changed, [], since_ns)
        by_path = {entry[0]: entry for entry in fresh}
        entries = [by_path.get(entry[0], entry) for entry in self.entries]
        try:
            remember(self.directory, self.key, entries, self.report_key, self.digests)
        except OSError:
            pass


def lookup(argv: list[str]) -> Optional[Found]:
    """The manifest of this command line, checked entry by entry, or None."""
    place = locate(argv)
    if place is None:
        return None
    key, directory, config = place
    manifest = store.read(os.path.join(directory, _manifest_name(key)))
    if type(manifest) is not list or len(manifest) != 4 or manifest[0] != key:
        return None
    _, entries, report_key, digests = manifest
    if type(entries) is not list or type(report_key) is not str or type(digests) is not dict:
        return None
    changed = []
    for entry in entries:
        if type(entry) is not list or len(entry) != 3 or type(entry[0]) is not str:
            return None
        if not _holds(*entry):
            changed.append(entry[0])
    if any(type(value) is not str for value in digests.values()):
        return None
    return Found(key, directory, config, entries, report_key, digests, changed)


def answer(argv: list[str], started: float) -> Optional[tuple[str, int]]:
    """(stdout, exit code) of this command line when nothing it depends on changed, else None.

    ``started`` is ``time.perf_counter()`` at the start of the process's run: the
    replayed report says how long the replay took.
    """
    found = lookup(argv)
    if found is None or found.changed:
        return None
    return replayed(found, started)


def replayed(found: Found, started: float) -> Optional[tuple[str, int]]:
    """The stored report of ``found``, filled, and its exit code; None when it is not there."""
    report = load_report(found.directory, found.report_key)
    if report is None:
        return None
    return report.fill(time.perf_counter() - started), report.code
