"""Shared helpers: build a throwaway project from a dict of files and run depcheck on it."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

from depcheck.cli import main


def run_cli(*argv: str) -> tuple[int, str, str]:
    """depcheck's command line in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> source) under ``root``; dedents each source."""
    for rel, source in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    return root


def run_json(root: Path, *extra: str) -> tuple[int, dict]:
    """Run ``depcheck check --format json`` on ``root``; returns (exit code, document)."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", "--format", "json", str(root), *extra])
    return code, json.loads(out.getvalue()) if out.getvalue() else {}


@pytest.fixture
def project(tmp_path):
    def make(files: dict[str, str]) -> Path:
        return write_project(tmp_path, files)

    return make


def rules_of(document: dict) -> list[str]:
    return [v["rule"] for v in document["violations"]]


def run_events(root: Path, *extra: str) -> dict[str, dict]:
    """Run ``depcheck events --format json`` on ``root``; returns the events by id."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["events", "--format", "json", str(root), *extra])
    assert code == 0, out.getvalue()
    return {event["id"]: event for event in json.loads(out.getvalue())["events"]}


def sites(event: dict, side: str) -> list[tuple[str, int]]:
    """(module, line) of an event's ``publishers``, ``consumers`` or ``defined`` sites."""
    return [(site["module"], site["line"]) for site in event[side]]


DJANGO = "django==5.2.8"

# Django's packages highest first (bench/bench.py's DJANGO_LAYERS), with the Django signal preset:
# the map's browser test and the README's screenshot of it (scripts/map_screenshots.py).
DJANGO_CONFIG = """
[tool.depcheck]
packages = ["django"]
layers = [
  "django.contrib",
  "django.test",
  ["django.views", "django.middleware", "django.shortcuts"],
  ["django.forms", "django.templatetags"],
  "django.template",
  "django.urls",
  "django.http",
  "django.db",
  "django.core",
  ["django.apps", "django.conf"],
  "django.dispatch",
  "django.utils",
]

[tool.depcheck.events]
presets = ["django"]
"""


@pytest.fixture(scope="session")
def django_source(tmp_path_factory) -> Path:
    """Django's source, downloaded once per session from PyPI (a real codebase to compare on)."""
    target = tmp_path_factory.mktemp("django")
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
         "--dest", str(target), DJANGO],
        capture_output=True, text=True, timeout=300,
    )
    archives = list(target.glob("*.tar.gz"))
    if download.returncode != 0 or not archives:
        pytest.fail(f"could not download {DJANGO} from PyPI: {download.stderr.strip()[-200:]}")
    with tarfile.open(archives[0]) as archive:
        members = [m for m in archive.getmembers() if "/django/" in m.name and m.isfile()]
        archive.extractall(target, members=members)  # noqa: S202 - our own download, files only
    return next(target.glob("*/django")).parent




def download_source(tmp_path_factory, spec: str, *, wheel: bool = False) -> Path:
    """``spec`` (``name==version``) from PyPI, unpacked: an sdist's top folder, or a wheel's contents.

    Fails the test loudly when the download fails: a real project that silently
    goes missing would turn its assertions into nothing.
    """
    target = tmp_path_factory.mktemp(spec.split("==")[0])
    kind = ["--only-binary", ":all:"] if wheel else ["--no-binary", ":all:"]
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", *kind, "--dest", str(target), spec],
        capture_output=True, text=True, timeout=300,
    )
    archives = [*target.glob("*.whl"), *target.glob("*.tar.gz")]
    if download.returncode != 0 or not archives:
        pytest.fail(f"could not download {spec} from PyPI: {download.stderr.strip()[-200:]}")
    unpacked = target / "src"
    if wheel:
        import zipfile

        with zipfile.ZipFile(archives[0]) as archive:
            archive.extractall(unpacked, [n for n in archive.namelist() if n.endswith(".py")])
        return unpacked
    with tarfile.open(archives[0]) as archive:
        members = [m for m in archive.getmembers() if m.isfile() and m.name.endswith(".py")]
        archive.extractall(unpacked, members=members)  # noqa: S202 - our own download, files only
    return next(unpacked.iterdir())
