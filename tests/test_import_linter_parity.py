"""The layer and independence verdicts on Django equal import-linter's for the same layering.

import-linter prints every illegal chain between two layers; several importers
that reach the same middle module are joined with ``&``. depcheck reports each
direct dependency, and each module reached through unlayered modules with one
shortest chain whose first hop lists every member taking that exit — the same
information. So the comparison is: the same direct (importer, imported) pairs,
and the same (layer, reached module) pairs through unlayered modules, with the
same set of importers on the first hop.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_json

LAYERS = [
    "django.contrib", "django.test", "django.views | django.middleware | django.shortcuts",
    "django.forms | django.templatetags", "django.template", "django.urls", "django.http", "django.db",
    "django.core", "django.apps | django.conf", "django.dispatch", "django.utils",
]


def lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports (import-linter, a test dependency) is not installed")
    return found


def parse_chains(output: str) -> tuple[set[tuple[str, str]], set[tuple[frozenset[str], str]]]:
    """Direct (importer, imported) pairs and indirect (importers, reached module) pairs.

    A chain is ``- a -> b`` (direct), or ``- a -> x`` / ``x -> b`` over several
    lines, where ``& c -> x`` lines add importers of the same first hop. Line
    numbers ``(l.1, l.2)`` may wrap onto the next line.
    """
    direct: set[tuple[str, str]] = set()
    indirect: set[tuple[frozenset[str], str]] = set()
    for block in re.split(r"\n\s*\n", output):
        block = re.sub(r"\(l\.[^)]*\)", "", block)  # line numbers, wrapped or not
        block = re.sub(r"->\s*\n\s*", "-> ", block)  # chains wrapped after an arrow
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines or not lines[0].startswith("- "):
            continue
        importers: set[str] = set()
        rest: list[str] = []
        for line in lines:
            parts = [p.strip() for p in line.lstrip("-& ").split("->")]
            if line.startswith(("- ", "& ")):
                importers.add(parts[0])
                rest = parts[1:] or rest
            else:
                rest.extend(parts[1:])
        if len(importers) == 1 and len(rest) == 1:
            direct.add((next(iter(importers)), rest[0]))
        else:
            indirect.add((frozenset(importers), rest[-1]))
    return direct, indirect


def test_layers_verdict_equals_import_linter_on_django(django_source, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(django_source / "django", project / "django")
    layer_lines = ",\n".join(
        "  " + (repr(e) if "|" not in e else "[" + ", ".join(repr(x.strip()) for x in e.split("|")) + "]")
        for e in LAYERS
    ).replace("'", '"')
    # import-linter sees imports only: compare the import graph (uses off), then check that
    # uses (calls through dotted access and re-exports) only add to it.
    config = f'[tool.depcheck]\npackages = ["django"]\nacyclic = []\nlayers = [\n{layer_lines}\n]\n'
    (project / "pyproject.toml").write_text(config + "uses = false\n")
    (project / ".importlinter").write_text(
        "[importlinter]\nroot_package = django\n\n[importlinter:contract:layers]\nname = layers\n"
        "type = layers\nlayers =\n" + "".join(f"    {e}\n" for e in LAYERS)
    )
    done = subprocess.run([lint_imports(), "--no-cache"], cwd=project, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1 and "BROKEN" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
    their_direct, their_indirect = parse_chains(done.stdout)

    our_direct, our_indirect = depcheck_chains(project)
    assert len(their_direct) > 100
    assert our_direct == their_direct
    assert our_indirect == their_indirect

    (project / "pyproject.toml").write_text(config)
    with_uses, _ = depcheck_chains(project)
    assert with_uses > their_direct
    # django.conf calls get_script_prefix, which django.urls re-exports from django.urls.base.
    assert ("django.conf", "django.urls.base") in with_uses - their_direct


def depcheck_chains(project: Path) -> tuple[set[tuple[str, str]], set[tuple[frozenset[str], str]]]:
    code, document = run_json(project)
    assert code == 1
    direct, indirect = set(), set()
    for violation in document["violations"]:
        assert violation["rule"] in ("layer", "independence")
        chain = violation["chain"]
        if len(chain) == 2:
            direct.add((chain[0], chain[1]))
        else:
            first_hop = {e["from"] for e in violation["evidence"] if e["to"] == chain[1]}
            indirect.add((frozenset(first_hop), chain[-1]))
    return direct, indirect
