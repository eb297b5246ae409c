"""depcheck migrate keeps the original tool's verdicts: import-linter's wildcards and tach's config."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from depcheck.cli import main
from tests.conftest import run_json, write_project

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def lint_imports_verdicts(root: Path) -> dict[str, bool]:
    """contract name -> kept, from ``lint-imports`` run in ``root``."""
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports (import-linter, a test dependency) is not installed")
    done = subprocess.run([found, "--no-cache"], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
    verdicts = {m.group(1): m.group(2) == "KEPT" for m in re.finditer(r"^(.+?) (KEPT|BROKEN)$", done.stdout, re.M)}
    assert verdicts, done.stdout + done.stderr
    return verdicts


def depcheck_verdicts(root: Path, names: list[str]) -> dict[str, bool]:
    code, document = run_json(root)
    assert code in (0, 1), document
    broken = {v.get("contract") for v in document["violations"] if v["severity"] == "error"}
    return {name: name not in broken for name in names}


# Cycles between siblings at several levels, a cycle under a skipped package, and a dependency only
# a use shows (`import shop` then `shop.core.models.Model`), which import-linter does not see.
WILDCARDS = {
    "shop/__init__.py": "",
    "shop/a/__init__.py": "",
    "shop/a/x.py": "import shop.a.y\n",
    "shop/a/y.py": "import shop.a.x\n",
    "shop/a/views.py": "import shop\n\n\ndef view():\n    return shop.core.models.Model\n",
    "shop/b/__init__.py": "",
    "shop/b/deep/__init__.py": "",
    "shop/b/deep/p.py": "import shop.b.deep.q\n",
    "shop/b/deep/q.py": "import shop.b.deep.p\n",
    "shop/b/views.py": "",
    "shop/core/__init__.py": "",
    "shop/core/models.py": "class Model: ...\n",
}

CONTRACTS = """
[importlinter]
root_package = shop

[importlinter:contract:acyclic-children]
name = Children acyclic
type = acyclic_siblings
ancestors = shop.*
skip_descendants = shop.b.deep

[importlinter:contract:acyclic-deep]
name = Deep acyclic
type = acyclic_siblings
ancestors =
    shop.b.*
depth = 0

[importlinter:contract:views]
name = Views do not use core
type = forbidden
source_modules = shop.*.views
forbidden_modules = shop.core

[importlinter:contract:independent]
name = Views independent
type = independence
modules = shop.**.views
"""


def test_import_linter_wildcards_migrate_run_and_keep_lint_imports_verdicts(tmp_path):
    root = write_project(tmp_path, {**WILDCARDS, ".importlinter": CONTRACTS})
    code, out, err = run("migrate", "--from", "import-linter", str(root / ".importlinter"))
    assert code == 0, err
    migrated = tomllib.loads(out)["tool"]["depcheck"]
    assert migrated["uses"] is False
    assert "Delete this line" in out
    contracts = {c["name"]: c for c in migrated["contracts"]}
    assert contracts["Children acyclic"]["children_of"] == ["shop.*"]
    assert contracts["Children acyclic"]["skip"] == ["shop.b.deep"]
    assert contracts["Views do not use core"]["from"] == ["shop.*.views"]
    (root / "pyproject.toml").write_text(out)
    expected = lint_imports_verdicts(root)
    assert expected == {"Children acyclic": False, "Deep acyclic": False, "Views do not use core": True,
                        "Views independent": True}
    assert depcheck_verdicts(root, list(expected)) == expected
    # With uses on, depcheck sees what import-linter cannot: the forbidden use of shop.core.
    (root / "pyproject.toml").write_text(out.replace("uses = false\n", ""))
    assert depcheck_verdicts(root, list(expected))["Views do not use core"] is False


def test_skip_descendants_is_exact_and_an_expression_matches_one_name_per_star(tmp_path):
    contracts = CONTRACTS.replace("skip_descendants = shop.b.deep", "skip_descendants = shop.*.deep")
    contracts = contracts.replace("ancestors =\n    shop.b.*\ndepth = 0", "ancestors = shop.b\ndepth = 0")
    root = write_project(tmp_path, {**WILDCARDS, ".importlinter": contracts})
    code, out, err = run("migrate", "--from", "import-linter", str(root / ".importlinter"))
    assert code == 0, err
    (root / "pyproject.toml").write_text(out)
    expected = lint_imports_verdicts(root)
    # depth 0 from shop.b: only b's children (deep, views), no cycle between them.
    assert expected["Deep acyclic"] is True and expected["Children acyclic"] is False
    assert depcheck_verdicts(root, list(expected)) == expected


def test_a_module_expression_that_matches_nothing_is_a_located_error(tmp_path):
    contracts = CONTRACTS.replace("ancestors = shop.*", "ancestors = shop.*.nothing")
    root = write_project(tmp_path, {**WILDCARDS, ".importlinter": contracts})
    _, out, _ = run("migrate", "--from", "import-linter", str(root / ".importlinter"))
    (root / "pyproject.toml").write_text(out)
    code, _, err = run("check", str(root), "--no-cache")
    assert code == 2
    assert "pyproject.toml:15: tool.depcheck.contracts[0].children_of: 'shop.*.nothing' (contract 'Children acyclic') matches no module" in err
