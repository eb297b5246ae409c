"""Config loading: the minimal form works; every bad config exits 2 with one clear line."""

from __future__ import annotations

import pytest

from depcheck.cli import main
from tests.conftest import run_json, write_project

PACKAGE = {
    "app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": "", "app/b/x.py": "",
}


def check(tmp_path, capsys, config: str, name: str = "pyproject.toml", **files: str):
    write_project(tmp_path, {name: config, **PACKAGE, **files})
    code = main(["check", str(tmp_path)])
    return code, capsys.readouterr().err


def test_minimal_config_from_the_issue_works_as_written(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": """
            [tool.depcheck]
            packages = ["shop"]
            layers = [
              "shop.api",
              "shop.orders",
              ["shop.customers", "shop.inventory"],   # siblings: one layer, independent of each other
              "shop.shared",
            ]
        """,
        **{f"shop/{p}/__init__.py": "" for p in ("api", "orders", "customers", "inventory", "shared")},
        "shop/__init__.py": "",
    })
    code, doc = run_json(tmp_path)
    assert code == 0 and doc["summary"]["files"] == 6


def test_packages_only_is_valid(tmp_path):
    write_project(tmp_path, {"pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n', **PACKAGE})
    assert run_json(tmp_path)[0] == 0


def test_depcheck_toml_uses_top_level_keys(tmp_path, capsys):
    code, err = check(tmp_path, capsys, 'packages = ["app"]\nlayers = ["app.a", "app.b"]\n', "depcheck.toml")
    assert (code, err) == (0, "")


def test_config_found_by_walking_up(tmp_path, capsys, monkeypatch):
    write_project(tmp_path, {"pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n', **PACKAGE})
    monkeypatch.chdir(tmp_path / "app" / "b")
    assert main(["check"]) == 0


def test_src_layout_is_found(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        **{f"src/{k}": v for k, v in PACKAGE.items()},
    })
    code, doc = run_json(tmp_path)
    assert code == 0 and doc["summary"]["files"] == 4


@pytest.mark.parametrize(
    "config, expected",
    [
        ('[tool.depcheck\npackages = ["app"]\n', "invalid TOML"),
        ('[tool.depcheck]\npackages = ["app"]\nlayerz = []\n',
         "pyproject.toml:3: tool.depcheck.layerz: unknown key (did you mean 'layers'?)"),
        ('[tool.depcheck]\npackages = "app"\nlayers = "app.a"\n',
         "tool.depcheck.layers: expected a list of layers"),
        ('[tool.depcheck]\npackages = [1]\n',
         "tool.depcheck.packages: expected a list of strings, got a list containing int"),
        ('[tool.depcheck]\nlayers = []\n', "tool.depcheck.packages: missing"),
        ('[tool.depcheck]\npackages = ["nope"]\n', "package 'nope' not found"),
        ('[tool.depcheck]\npackages = ["app"]\nlayers = ["app.a", "app.bb"]\n',
         "'app.bb' matches no module under app (did you mean 'app.b'?)"),
        ('[tool.depcheck]\npackages = ["app"]\nlayers = ["app.a", "app.b", "app.a"]\n',
         "'app.a' is listed twice"),
        ('[tool.depcheck]\npackages = ["app"]\nlayers = ["app.b", "app.b.x"]\n',
         "'app.b.x' is listed inside 'app.b'"),
        ('[tool.depcheck]\npackages = ["app"]\nlayers = [["app.a"], []]\n', "an empty layer"),
        ('[tool.depcheck]\npackages = ["app"]\ntype_checking_imports = "no"\n', "expected true or false"),
        ('[tool.depcheck]\npackages = ["app"]\nmax_cycles = 0\n', "expected a positive integer"),
        ('[tool.depcheck]\npackages = ["app"]\n[[tool.depcheck.exceptions]]\nfrom = "app.a"\nto = "app.b"\n',
         "pyproject.toml:3: tool.depcheck.exceptions[0].reason: required"),
        ('[tool.depcheck]\npackages = ["app"]\n[[tool.depcheck.forbidden]]\nfrom = "app.a"\n',
         "tool.depcheck.forbidden[0].to: expected a module name"),
        ('[tool.depcheck]\npackages = ["app"]\nlayers = ["app.a", "not a module"]\n',
         "expected a dotted module name"),
    ],
)
def test_bad_config_exits_2_with_a_clear_line(tmp_path, capsys, config, expected):
    code, err = check(tmp_path, capsys, config)
    assert code == 2
    assert expected in err
    assert "Traceback" not in err
    assert all(line.startswith("depcheck: config error: ") for line in err.splitlines())


def test_every_problem_is_reported_at_once(tmp_path, capsys):
    code, err = check(tmp_path, capsys, '[tool.depcheck]\npackages = ["app"]\nlayerz = 1\nmax_cycles = "x"\n')
    assert code == 2 and len(err.splitlines()) == 2


def test_no_config_exits_2(tmp_path, capsys):
    write_project(tmp_path, PACKAGE)
    assert main(["check", str(tmp_path)]) == 2
    assert "no configuration found" in capsys.readouterr().err


def test_explicit_config_that_does_not_exist(tmp_path, capsys):
    assert main(["check", "--config", str(tmp_path / "nope.toml")]) == 2
    assert "config file not found" in capsys.readouterr().err


def test_pyproject_without_depcheck_table_via_config_flag(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert main(["check", "--config", str(tmp_path / "pyproject.toml")]) == 2
    assert "no [tool.depcheck] table" in capsys.readouterr().err


def test_unknown_format_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "yaml", str(tmp_path)])
    assert exc.value.code == 2


def test_containers_apply_the_stack_in_each_package(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": """
            [tool.depcheck]
            packages = ["app"]
            containers = ["app.one", "app.two"]
            layers = ["views", "models"]
        """,
        "app/__init__.py": "", "app/one/__init__.py": "", "app/two/__init__.py": "",
        "app/one/views.py": "", "app/one/models.py": "import app.one.views\n",
        "app/two/views.py": "import app.two.models\n", "app/two/models.py": "",
    })
    code, doc = run_json(tmp_path)
    layer = [(v["source"], v["target"]) for v in doc["violations"] if v["rule"] == "layer"]
    assert code == 1 and layer == [("app.one.models", "app.one.views")]


def test_exclude_globs_skip_files(tmp_path):
    write_project(tmp_path, {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nexclude = ["app/b/*"]\n',
        **PACKAGE, "app/b/broken.py": "def (:\n",
    })
    code, doc = run_json(tmp_path)
    assert code == 0 and doc["summary"]["files"] == 2  # app/__init__.py, app/a/__init__.py


def test_keys_are_located_in_their_own_tool_table(tmp_path, capsys):
    """import-linter's table comes first in the file and has the same keys: the line is depcheck's."""
    config = (
        '[tool.importlinter]\nroot_package = "app"\n\n[[tool.importlinter.contracts]]\nname = "c"\n'
        'type = "layers"\nlayers = ["app.a", "app.b"]\n\n'
        '[tool.depcheck]\npackages = ["app"]\nlayers = [\n  "app.a",\n  "app.nope",\n]\n'
    )
    code, err = check(tmp_path, capsys, config)
    assert code == 2
    assert "pyproject.toml:13: tool.depcheck.layers[1]: 'app.nope' matches no module under app" in err


def test_the_third_exception_is_located_at_its_own_table(tmp_path, capsys):
    tables = "".join(
        f'[[tool.depcheck.exceptions]]\nfrom = "app.a"\nto = "app.b"\n{reason}\n'
        for reason in ('reason = "x"', 'reason = "y"', "")
    )
    code, err = check(tmp_path, capsys, '[tool.depcheck]\npackages = ["app"]\n' + tables)
    assert code == 2 and err.strip().endswith("required: say why this dependency is accepted")
    assert "pyproject.toml:11: tool.depcheck.exceptions[2].reason" in err


def test_an_exception_naming_a_rule_that_judges_no_dependency_exits_2(tmp_path, capsys):
    config = ('[tool.depcheck]\npackages = ["app"]\n[[tool.depcheck.exceptions]]\nfrom = "app.a"\n'
              'to = "app.b"\nreason = "x"\nrules = ["layer", "parse-error", "layr"]\n')
    code, err = check(tmp_path, capsys, config)
    assert code == 2
    assert ("pyproject.toml:7: tool.depcheck.exceptions[0].rules: expected a list drawn from layer, "
            "independence, forbidden, interface, cycle (the rules that judge dependencies), got 'parse-error', 'layr'") in err


def test_a_source_root_that_is_no_directory_exits_2(tmp_path, capsys):
    code, err = check(tmp_path, capsys, '[tool.depcheck]\npackages = ["app"]\nsource_roots = ["lib"]\n')
    assert code == 2 and "pyproject.toml:3: tool.depcheck.source_roots: 'lib' is not a directory under" in err
