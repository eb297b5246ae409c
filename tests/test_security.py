"""depcheck never imports, executes or evaluates analysed code, config values or cache contents.

Checked on depcheck's own source: no call can run code it reads.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "depcheck"
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "import_module", "run_path", "run_module",
                   "exec_module", "load_module", "loads_pickle"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "shelve", "marshal", "dill", "runpy", "imp"}


def called_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        # re.compile builds a regex; only the builtin compile() makes code objects.
        if func.attr == "compile" and isinstance(func.value, ast.Name) and func.value.id == "re":
            return ""
        return func.attr
    return ""


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_code_execution_or_unsafe_deserialisation(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            assert called_name(node) not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno}"
        if isinstance(node, ast.Import):
            assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN_MODULES, f"{path.name}:{node.lineno}"
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name}:{node.lineno}"


def test_analysed_code_is_never_imported(tmp_path):
    """A package whose import would fail loudly is analysed without running any of it."""
    from tests.conftest import run_json, write_project

    marker = tmp_path / "executed"
    write_project(tmp_path, {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        "app/__init__.py": f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(3)\n",
        "app/x.py": f"import app\nopen({str(marker)!r}, 'w').write('ran')\n",
    })
    code, doc = run_json(tmp_path)
    assert code == 0 and doc["summary"]["dependencies"] == 1
    assert not marker.exists()
