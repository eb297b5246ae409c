"""Find the Python files of the configured packages and name their modules."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from depcheck.config import Config, ConfigError
from depcheck.model import SourceFile


@dataclass(frozen=True)
class Project:
    root: Path
    files: tuple[SourceFile, ...]  # sorted by module name
    notes: tuple[str, ...] = ()  # things worth telling the user, e.g. shadowed files

    @property
    def modules(self) -> frozenset[str]:
        return frozenset(f.module for f in self.files)


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


def discover(config: Config) -> Project:
    """All modules of ``config.packages``; raises ConfigError for a package that is not there."""
    root = config.root.resolve()
    roots = source_roots(config)
    found: dict[str, SourceFile] = {}
    notes: list[str] = []
    problems: list[str] = []
    for package in config.packages:
        rel_parts = package.split(".")
        outside = []
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
            if directory.is_dir() and _inside(directory, root):
                _walk_package(directory, package, root, config.exclude, found, notes)
                break
            if single.is_file() and _inside(single, root):
                rel = single.resolve().relative_to(root).as_posix()
                if not _excluded(rel, config.exclude):
                    found[package] = SourceFile(package, rel, False)
                break
        else:
            if outside:
                problems.append(
                    f"{config.where('packages')}: package '{package}' at {outside[0]} is a symlink "
                    "that leads outside the project root; depcheck does not follow it "
                    "(point source_roots at the real location inside the project)"
                )
                continue
            places = ", ".join(_show(r, root) for r in roots)
            problems.append(
                f"{config.where('packages')}: package '{package}' not found under {places} "
                "(set source_roots if your code lives elsewhere)"
            )
    if problems:
        raise ConfigError(problems)
    files = tuple(sorted(found.values(), key=lambda f: f.module))
    return Project(root, files, tuple(notes))


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
) -> None:
    # os.walk does not descend into symlinked directories, so a link can never
    # lead discovery out of the project root.
    for dirpath, dirnames, filenames in os.walk(top):
        current = Path(dirpath)
        rel_dir = current.relative_to(top).parts
        prefix = ".".join((package, *rel_dir))
        rel_root = current.resolve().relative_to(root).as_posix() if _inside(current, root) else None
        if rel_root is None:
            dirnames[:] = []
            continue
        # Inside a regular package, a directory without __init__.py is not
        # imported under the package's name (it is typically a test folder run
        # by pytest from its own root), so it is not part of the package; above
        # the first regular package, namespace packages are walked.
        regular = "__init__.py" in filenames
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d.isidentifier()
            and d != "__pycache__"
            and not (regular and not (current / d / "__init__.py").is_file())
            and not _excluded(f"{rel_root}/{d}" if rel_root != "." else d, exclude)
        )
        for filename in sorted(filenames):
            # A file whose name is not an identifier ("unicode10-0-0.py") cannot be
            # named by an import statement, but importlib loads such files and
            # their own imports are real dependencies, so they are modules too.
            stem, dot, suffix = filename.rpartition(".")
            if not dot or suffix != "py" or not stem or stem.startswith("."):
                continue
            rel = f"{rel_root}/{filename}" if rel_root != "." else filename
            if _excluded(rel, exclude):
                continue
            path = current / filename
            if path.is_symlink():
                problem = _symlink_problem(path, root)
                if problem:
                    notes.append(f"{rel}: skipped, {problem}")
                    continue
            is_package = stem == "__init__"
            module = prefix if is_package else f"{prefix}.{stem}"
            existing = found.get(module)
            if existing is not None:
                # A package directory wins over a same-named module file, as in Python.
                keep, drop = (existing, rel) if existing.is_package else (None, existing.path)
                notes.append(f"{drop}: shadowed by the package of the same name, not checked")
                if keep is not None:
                    continue
            found[module] = SourceFile(module, rel, is_package)
