"""depcheck migrate keeps the original tool's verdicts: import-linter's wildcards and tach's config."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli, run_json, write_project

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


run = run_cli


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


# --------------------------------------------------------------------------- tach

TACH_DATA = Path(__file__).parent / "data" / "tach-0.30.0"


def tach_checkout(root: Path, **sources: str) -> Path:
    """tach v0.30.0's layout (every module empty unless given) with its own tach.toml and domain file."""
    for rel in (TACH_DATA / "modules.txt").read_text().split():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sources.get(rel, ""))
    (root / "tach.toml").write_text((TACH_DATA / "tach.toml").read_text())
    domain = "python/tach/filesystem/tach.domain.toml"
    (root / domain).write_text((TACH_DATA / domain).read_text())
    (root / "python/tach/tests").mkdir()
    (root / "python/tach/tests/test_x.py").write_text("import tach.cli\n")  # excluded by **/tests
    return root


def migrate_tach(root: Path) -> tuple[dict, str, str]:
    code, out, err = run("migrate", "--from", "tach", str(root / "tach.toml"))
    assert code == 0, err
    (root / "pyproject.toml").write_text(out)
    return tomllib.loads(out)["tool"]["depcheck"], out, err


def test_tach_own_config_migrates_with_globs_domain_files_and_stubs_and_runs(tmp_path):
    root = tach_checkout(tmp_path)
    migrated, out, err = migrate_tach(root)
    assert migrated["packages"] == ["tach"]  # not "*": the glob is resolved on disk
    assert migrated["source_roots"] == ["python"]
    assert migrated["type_checking_imports"] is False  # tach's default
    assert migrated["uses"] is False
    assert "**/tests" in migrated["exclude"] and "tests" in migrated["exclude"]
    assert "domain files read: python/tach/filesystem/tach.domain.toml" in out
    contracts = {c["name"]: c for c in migrated["contracts"]}
    allowed = contracts["tach: module dependencies"]
    # tach.extension exists only as extension.pyi; the domain's modules are named in full.
    assert {"tach", "tach.extension", "tach.filesystem", "tach.filesystem.git_ops",
            "tach.filesystem.project"} <= set(allowed["modules"])
    depends = allowed["depends_on"]
    assert depends["tach.filesystem.install"] == ["tach.filesystem.service", "tach.hooks"]  # ./ and //
    assert depends["tach.filesystem"] == ["tach.filesystem.service", "tach.filesystem.install",
                                          "tach.filesystem.project"]
    # "tach.filesystem.**" is the package and every module inside it
    assert {"tach.filesystem", "tach.filesystem.git_ops", "tach.filesystem.install"} <= set(
        depends["tach.pytest_plugin"])
    interfaces = {i["component"]: i["expose"] for i in migrated["interfaces"]}
    assert interfaces["tach.modularity"][-2:] == ["tach.modularity.build_*", "tach.modularity.serialize_*"]
    assert interfaces["tach.filesystem.git_ops"] == [
        "tach.filesystem.git_ops.get_changed_files", "tach.filesystem.git_ops.get_current_branch_info"]
    # What does not map is said, on stderr.
    for unmapped in ("exact:", "rules:", "cache:", "external:", "data_types"):
        assert unmapped in err
    code, document = run_json(root)
    assert code == 0, document
    assert document["violations"] == []


def test_tach_verdicts_on_its_own_code_with_breaches(tmp_path):
    root = tach_checkout(tmp_path, **{
        "python/tach/cache/__init__.py": "from tach.cli import main\n",  # core -> ui, undeclared
        "python/tach/cli.py": "from tach.parsing.config import parse_project_config\n"  # not exposed
                              "from tach.parsing import parse_project_config as p\n",  # exposed
        "python/tach/filesystem/git_ops.py": "from typing import TYPE_CHECKING\n"
                                             "if TYPE_CHECKING:\n    from tach.cli import main\n",
    })
    migrate_tach(root)
    code, document = run_json(root)
    assert code == 1
    sites = {(v["rule"], v["location"]["file"], v["location"]["line"]) for v in document["violations"]
             if v["rule"] != "cycle"}
    # tach reports the same two sites (layer, interface); the TYPE_CHECKING import is ignored, as tach does.
    assert sites == {("layer", "python/tach/cache/__init__.py", 1),
                     ("forbidden", "python/tach/cache/__init__.py", 1),
                     ("interface", "python/tach/cli.py", 1)}


def test_tach_globs_match_dotted_names_as_tach_does():
    from depcheck.migrate.tach import glob_match

    assert glob_match("*", "tach") and not glob_match("*", "tach.cli")
    assert glob_match("tach.filesystem.**", "tach.filesystem")
    assert glob_match("tach.filesystem.**", "tach.filesystem.git_ops.x")
    assert glob_match("**.api", "shop.orders.api") and glob_match("**.api", "api")
    assert glob_match("shop.*.api", "shop.orders.api") and not glob_match("shop.*.api", "shop.a.b.api")
    assert glob_match("shop.ord*", "shop.orders") and not glob_match("shop.ord*", "shop.orders.api")


def test_tach_layers_closed_visibility_and_unmapped_keys(tmp_path):
    root = write_project(tmp_path, {
        "src/app/__init__.py": "",
        "src/app/api.py": "from app import core\n",
        "src/app/core.py": "",
        "src/app/secret.py": "",
        "src/app/other.py": "import app.secret\n",
        "src/app/stubbed.pyi": "def f() -> int: ...\n",
        "tach.toml": """
            source_roots = ["src"]
            ignore_type_checking_imports = false
            layers = ["top", { name = "bottom", closed = true }]
            root_module = "ignore"

            [[modules]]
            path = "app.*"
            depends_on = []
            layer = "bottom"

            [[modules]]
            path = "app.api"
            depends_on = []
            layer = "top"

            [[modules]]
            path = "app.secret"
            depends_on = []
            visibility = ["app.api"]

            [[modules]]
            path = "app.missing"
            depends_on = []

            [[interfaces]]
            expose = ["(get|set)_.*"]
            from = ["app.core"]
        """,
    })
    migrated, out, err = migrate_tach(root)
    assert "type_checking_imports" not in migrated  # set to false in tach: imports under it count
    assert "closed" in err and "root_module" in err and "app.missing" in err
    assert "(get|set)_.*" in err and "interfaces" not in migrated  # left out, not narrowed
    contracts = {c["name"]: c for c in migrated["contracts"]}
    assert "app.stubbed" in contracts["tach: module dependencies"]["modules"]
    # api (top) may use core (bottom) without declaring it; other may not see secret.
    assert contracts["tach: module dependencies"]["depends_on"]["app.api"] == [
        "app.core", "app.other", "app.stubbed"]
    assert contracts["tach: visibility of app.secret"]["allowed"] == ["app.api"]
    code, document = run_json(root)
    assert code == 1
    assert sorted({(v["contract"], v["chain"][0]) for v in document["violations"]}) == [
        ("tach: module dependencies", "app.other"), ("tach: visibility of app.secret", "app.other")]


def test_containers_and_protected_expressions_keep_lint_imports_verdicts(tmp_path):
    files = {
        **WILDCARDS,
        "shop/a/high.py": "import shop.a.low\n",
        "shop/a/low.py": "",
        "shop/b/high.py": "",
        "shop/b/low.py": "import shop.b.high\n",  # upward inside container shop.b
        "shop/core/secret.py": "",
        "shop/b/views.py": "import shop.core.secret\n",
    }
    contracts = """
[importlinter]
root_package = shop

[importlinter:contract:layers]
name = Layers in every package
type = layers
containers = shop.*
layers =
    (high)
    (low)

[importlinter:contract:protected]
name = Only views reach the secret
type = protected
protected_modules = shop.core.secret
allowed_importers = shop.*.views

[importlinter:contract:protected-strict]
name = Only a's views reach the secret
type = protected
protected_modules = shop.core.*
allowed_importers = shop.a.views
"""
    root = write_project(tmp_path, {**files, ".importlinter": contracts})
    code, out, err = run("migrate", "--from", "import-linter", str(root / ".importlinter"))
    assert code == 0, err
    (root / "pyproject.toml").write_text(out)
    expected = lint_imports_verdicts(root)
    assert expected == {"Layers in every package": False, "Only views reach the secret": True,
                        "Only a's views reach the secret": False}
    assert depcheck_verdicts(root, list(expected)) == expected


def test_tach_source_roots_resolve_as_python_imports_them(tmp_path):
    root = write_project(tmp_path, {
        "a/src/myorg/pack_a/__init__.py": "", "b/src/myorg/pack_b/__init__.py": "import myorg.pack_a\n",
        "a/src/app/__init__.py": "", "c/src/app/__init__.py": "", "c/src/app/api.py": "",
        "tach.toml": """
            source_roots = ["a/src", "b/src", "c/src"]
            [[modules]]
            path = "myorg.*"
            depends_on = []
            [[modules]]
            path = "app.api"
            depends_on = []
        """,
    })
    migrated, _, err = migrate_tach(root)
    # a namespace package's portions merge; app.api sits behind a/src's app, which Python imports
    assert migrated["packages"] == ["myorg"]
    assert migrated["contracts"][0]["modules"] == ["myorg.pack_a", "myorg.pack_b"]
    assert "module app.api: not found under the source roots" in err
    code, document = run_json(root)
    assert code == 1
    assert [v["chain"] for v in document["violations"]] == [["myorg.pack_b", "myorg.pack_a"]]
