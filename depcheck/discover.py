"""Find the Python files of the configured packages and name their modules."""

from __future__ import annotations

import fnmatch
import functools
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from depcheck.config import Config, ConfigError
from depcheck.config.fields import did_you_mean
from depcheck.model import SourceFile
from depcheck.store import RACY_NS, Stat, stat_key


@dataclass(frozen=True)
class Project:
    """The files a run analyses, and what discovery noticed on the way."""

    root: Path
    files: tuple[SourceFile, ...]  # sorted by module name
    notes: tuple[str, ...] = ()  # things worth telling the user, e.g. shadowed files
    directories: tuple[str, ...] = ()  # every directory listed, absolute: what an added file changes

    @property
    def modules(self) -> frozenset[str]:
        return frozenset(f.module for f in self.files)

    @functools.cached_property
    def paths(self) -> tuple[str, ...]:
        """Each file's ``os.path.join(root, path)``, in ``files``' order: built once, at a tenth
        of os.path.join's cost (20k files are stat'ed when loading facts and when recorded)."""
        inside = os.path.join(self.root, "")
        return tuple(inside + f.path for f in self.files)


Entry = tuple[str, bool, bool]  # (name, is a directory, is a symlink)



class Listings:
    """Directory listings remembered between runs, keyed by the directory's stat.

    Adding, removing or renaming an entry changes a directory's mtime and
    ctime, so an unchanged stat means an unchanged listing: one stat instead
    of reading the directory. ``seen`` holds the listings of this run, for
    the cache to store.
    """

    def __init__(self, known: Any = None) -> None:
        self.known: dict = known if type(known) is dict else {}
        self.seen: dict[str, tuple[tuple[int, int], tuple[Entry, ...]]] = {}
        # Each directory's stat key (None: missing), taken before it was listed: what the fast
        # lane's manifest vouches for it by (replay.observe), without a second stat.
        self.stats: dict[str, Optional[Stat]] = {}

    def entries(self, directory: str) -> list[Entry]:
        try:
            stat = os.stat(directory)
        except OSError:
            self.stats[directory] = None
            return []
        self.stats[directory] = stat_key(stat)
        key = (stat.st_mtime_ns, stat.st_ctime_ns)
        known = self.known.get(directory)
        # As loaded from JSON (lists, not tuples): converting every listing cost more than this check.
        if (type(known) in _SEQUENCES and len(known) == 2 and type(known[0]) in _SEQUENCES
                and tuple(known[0]) == key and _valid(known[1])):
            self.seen[directory] = known
            return list(known[1])
        entries = _scan(directory)
        if time.time_ns() - max(key) >= RACY_NS:
            self.seen[directory] = (key, tuple(entries))
        return entries


_SEQUENCES = (tuple, list)


def _valid(entries: Any) -> bool:
    return type(entries) in _SEQUENCES and all(
        type(e) in _SEQUENCES and len(e) == 3 and type(e[0]) is str
        and type(e[1]) is bool and type(e[2]) is bool
        for e in entries
    )


def _scan(directory: str) -> list[Entry]:
    """The entries discovery can use: possible package directories and module files.

    Filtering here, by name only (the config's excludes come later), keeps
    remembered listings small: Django has 2,400 directories, mostly of
    translation files.
    """
    entries = []
    try:
        with os.scandir(directory) as listing:
            for entry in listing:
                name = entry.name
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    if not name.isidentifier() or name == "__pycache__" or entry.is_symlink():
                        continue
                elif not (name.endswith(".py") and len(name) > 3 or name.endswith(".pyi") and len(name) > 4) \
                        or name.startswith("."):
                    continue
                entries.append((name, is_dir, entry.is_symlink()))
    except OSError:
        return []
    entries.sort()
    return entries


def _excluded(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(rel + "/", p) for p in patterns)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _symlink_problem(path: Path, root: Path) -> str:
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "a broken symlink (its target is missing, or it loops)"
    try:
        target.relative_to(root)
    except ValueError:
        return "a symlink that leads outside the project root"
    return "" if target.is_file() else "a symlink to something that is not a file"


def source_roots(config: Config) -> tuple[Path, ...]:
    if config.source_roots:
        return config.source_roots
    roots = [config.root]
    if (config.root / "src").is_dir():
        roots.append(config.root / "src")
    return tuple(roots)


def discover(config: Config, listings: Optional[Listings] = None) -> Project:
    """All modules of ``config.packages``; raises ConfigError for a package that is not there."""
    root = config.root.resolve()
    roots = source_roots(config)
    found: dict[str, SourceFile] = {}
    notes: list[str] = []
    problems: list[str] = []
    listed: list[str] = []
    for package in config.packages:
        rel_parts = package.split(".")
        outside = []
        # As Python's import system finds it: the first root's regular package or module, else every
        # root's namespace portion (a directory without __init__.py) of the name, merged.
        portions = []
        for source_root in roots:
            directory = source_root.joinpath(*rel_parts)
            single = directory.with_suffix(".py")
            existing = directory if directory.is_dir() else single if single.is_file() else None
            if existing is not None and not _inside(existing, root):
                try:  # name the link as the user sees it, not where it leads
                    outside.append(existing.relative_to(root).as_posix())
                except ValueError:
                    outside.append(existing.as_posix())
                continue
            inits = (directory / "__init__.py", directory / "__init__.pyi")
            if directory.is_dir() and _inside(directory, root) and any(p.is_file() for p in inits):
                _walk_package(
                    directory, package, root, config.exclude, found, notes, listings or Listings(), listed
                )
                break
            if single.is_file() and _inside(single, root):
                rel = single.resolve().relative_to(root).as_posix()
                if not _excluded(rel, config.exclude):
                    found[package] = SourceFile(package, rel, False)
                break
            if directory.is_dir() and _inside(directory, root):
                portions.append(directory)
        else:
            for directory in portions:
                _walk_package(
                    directory, package, root, config.exclude, found, notes, listings or Listings(), listed
                )
            if portions:
                continue
            if outside:
                problems.append(
                    f"{config.where(('packages',))}: package '{package}' at {outside[0]} is a symlink "
                    "that leads outside the project root; depcheck does not follow it "
                    "(point source_roots at the real location inside the project)"
                )
                continue
            places = ", ".join(_show(r, root) for r in roots)
            hint = did_you_mean(package, _packages_in(roots, rel_parts[:-1]))
            problems.append(
                f"{config.where(('packages',))}: package '{package}' not found under {places}{hint} "
                "(set source_roots if your code lives elsewhere)"
            )
    if problems:
        raise ConfigError(problems)
    files = tuple(sorted(found.values(), key=lambda f: f.module))
    return Project(root, files, tuple(notes), tuple(listed))


def _packages_in(roots: tuple[Path, ...], parents: list[str]) -> list[str]:
    """The packages and modules beside where a missing one was looked for, for a did-you-mean."""
    names = []
    for source_root in roots:
        try:
            children = sorted(source_root.joinpath(*parents).iterdir())
        except OSError:
            continue
        for child in children:
            if (child / "__init__.py").is_file() or (child.suffix == ".py" and child.is_file()):
                names.append(".".join([*parents, child.stem if child.suffix == ".py" else child.name]))
    return names


def _show(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
    return "./" if rel == "." else rel + "/"


def _walk_package(
    top: Path,
    package: str,
    root: Path,
    exclude: tuple[str, ...],
    found: dict[str, SourceFile],
    notes: list[str],
    listings: Listings,
    listed: list[str],
) -> None:
    # Symlinked directories are never descended into, so a link can never lead
    # discovery out of the project root, and every directory below ``top`` is
    # where its path says: only ``top`` needs resolving (resolving every
    # directory cost more than the rest of a cached run).
    if not _inside(top, root):
        return
    top_rel = top.resolve().relative_to(root).as_posix()
    # A stub (``extension.pyi``) with no module file of its name is the module: a compiled
    # extension's interface, which imports name and type checkers and tach read (grimp does not).
    # A directory without __init__.py is a namespace portion, also inside a regular package:
    # Python imports ``flask.sansio.app`` from flask/sansio/app.py, so it is analysed (grimp
    # leaves such folders out; tests/test_grimp_parity.py compares everything else).
    stack: list[tuple[str, tuple[str, ...]]] = [(str(top), ())]
    while stack:
        directory, rel_dir = stack.pop()
        listed.append(directory)
        entries = listings.entries(directory)
        prefix = ".".join((package, *rel_dir))
        rel_root = "/".join((top_rel, *rel_dir)) if top_rel != "." else "/".join(rel_dir) or "."
        subdirs = []
        for name, is_dir, is_symlink in entries:
            if is_dir:
                if (
                    name.isidentifier()
                    and not name.startswith(".")
                    and name != "__pycache__"
                    and not is_symlink
                    and not _excluded(f"{rel_root}/{name}" if rel_root != "." else name, exclude)
                ):
                    subdirs.append(name)
                continue
            # A file whose name is not an identifier ("unicode10-0-0.py") cannot be
            # named by an import statement, but importlib loads such files and
            # their own imports are real dependencies, so they are modules too.
            stub = name.endswith(".pyi")
            stem = name[:-4] if stub else name[:-3]
            rel = f"{rel_root}/{name}" if rel_root != "." else name
            if _excluded(rel, exclude):
                continue
            if is_symlink:
                problem = _symlink_problem(Path(directory, name), root)
                if problem:
                    notes.append(f"{rel}: skipped, {problem}")
                    continue
            is_package = stem == "__init__"
            module = prefix if is_package else f"{prefix}.{stem}"
            existing = found.get(module)
            if stub and existing is not None:
                continue  # a stub beside its module (listed first: "x.py" < "x.pyi") describes it
            if existing is not None and existing.path.endswith(".pyi"):
                existing = None  # a package directory's module replaces a stub of the same name
            if existing is not None:
                # A package directory wins over a same-named module file, as in Python.
                keep, drop = (existing, rel) if existing.is_package else (None, existing.path)
                notes.append(f"{drop}: shadowed by the package of the same name, not checked")
                if keep is not None:
                    continue
            found[module] = SourceFile(module, rel, is_package)
        for name in reversed(subdirs):
            stack.append((os.path.join(directory, name), (*rel_dir, name)))
