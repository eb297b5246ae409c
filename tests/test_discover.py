"""Which files are modules, and what they are called."""

from __future__ import annotations

import contextlib
import io
import json
import os

import pytest

from depcheck.cli import main
from tests.conftest import run_json, write_project

CONFIG = '[tool.depcheck]\npackages = ["app"]\n'


def cli_out(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


def modules(root) -> list[str]:
    return json.loads(cli_out(["graph", str(root)]))["nodes"]


def test_package_directory_wins_over_a_same_named_module(tmp_path):
    write_project(tmp_path, {"pyproject.toml": CONFIG, "app/__init__.py": "", "app/x.py": "", "app/x/__init__.py": ""})
    code, doc = run_json(tmp_path)
    assert code == 0
    assert any("app/x.py: shadowed" in note for note in doc["summary"]["notes"])
    assert doc["summary"]["files"] == 2


def test_a_stub_without_its_module_is_a_module_and_a_stub_beside_one_is_not(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": CONFIG, "app/__init__.py": "", "app/__init__.pyi": "",
        "app/extension.pyi": "def run() -> None: ...\n",  # a compiled extension's stub
        "app/plain.py": "from app.extension import run\n", "app/plain.pyi": "",
        "app/pkg.pyi": "", "app/pkg/__init__.py": "",
    })
    assert sorted(modules(tmp_path)) == ["app", "app.extension", "app.pkg", "app.plain"]
    code, doc = run_json(tmp_path)
    assert code == 0 and doc["summary"]["notes"] == []  # a package beside its stub is no shadowing
    graph = json.loads(cli_out(["graph", str(tmp_path)]))
    # The import lands on the stub's module, not on the package above it.
    assert [(e["from"], e["to"]) for e in graph["edges"]] == [("app.plain", "app.extension")]


def test_namespace_portions_merge_across_source_roots_and_a_regular_package_shadows(tmp_path):
    config = '[tool.depcheck]\npackages = ["myorg", "app"]\nsource_roots = ["a/src", "b/src", "c/src"]\n'
    write_project(tmp_path, {
        "pyproject.toml": config,
        "a/src/myorg/pack_a/__init__.py": "", "b/src/myorg/pack_b/__init__.py": "import myorg.pack_a\n",
        "a/src/app/__init__.py": "", "a/src/app/x.py": "",
        "c/src/app/__init__.py": "", "c/src/app/shadowed.py": "",  # Python never imports this one
    })
    assert sorted(modules(tmp_path)) == ["app", "app.x", "myorg.pack_a", "myorg.pack_b"]


def test_folders_without_init_inside_a_package_are_namespace_portions(tmp_path):
    # Python imports app.sansio.core from app/sansio/core.py (flask ships such a folder): a module.
    write_project(tmp_path, {
        "pyproject.toml": CONFIG, "app/__init__.py": "", "app/main.py": "from .sansio.core import App\n",
        "app/sansio/core.py": "import app\n", "app/sansio/deep/more.py": "",
    })
    assert modules(tmp_path) == ["app", "app.main", "app.sansio.core", "app.sansio.deep.more"]
    graph = json.loads(cli_out(["graph", str(tmp_path)]))
    assert {"from": "app.main", "to": "app.sansio.core"}.items() <= graph["edges"][0].items()


def test_namespace_top_level_package(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": CONFIG,
        "app/orders/__init__.py": "", "app/orders/api.py": "import app.shared.money\n",
        "app/shared/__init__.py": "", "app/shared/money.py": "",
    })
    assert modules(tmp_path) == ["app.orders", "app.orders.api", "app.shared", "app.shared.money"]


def test_non_identifier_files_are_modules_but_not_folders(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": CONFIG, "app/__init__.py": "", "app/data-v1.py": "import app\n",
        "app/not-a-package/__init__.py": "", "app/.hidden.py": "",
    })
    assert modules(tmp_path) == ["app", "app.data-v1"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks_out_of_the_root_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    write_project(outside, {"secret.py": "import os\n", "pkg/__init__.py": ""})
    project = tmp_path / "project"
    write_project(project, {"pyproject.toml": CONFIG, "app/__init__.py": ""})
    os.symlink(outside / "secret.py", project / "app" / "secret.py")
    os.symlink(outside / "pkg", project / "app" / "linked")
    code, doc = run_json(project)
    assert code == 0
    assert doc["summary"]["files"] == 1
    assert any("leads outside the project root" in note for note in doc["summary"]["notes"])


def test_explicit_source_roots(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app", "lib"]\nsource_roots = ["code", "vendor"]\n',
        "code/app/__init__.py": "import lib\n", "vendor/lib/__init__.py": "",
    })
    assert modules(tmp_path) == ["app", "lib"]


def test_a_package_symlinked_from_outside_is_refused_with_a_clear_message(tmp_path, capsys):
    outside = write_project(tmp_path / "elsewhere", {"app/__init__.py": ""})
    project = write_project(tmp_path / "project", {"pyproject.toml": CONFIG})
    os.symlink(outside / "app", project / "app")
    assert main(["check", str(project)]) == 2
    err = capsys.readouterr().err
    assert "package 'app' at app is a symlink that leads outside the project root" in err
