"""depcheck init, migrate, explain, and [[contracts]]."""

from __future__ import annotations

import itertools
import json
import random
import sys
import textwrap
from pathlib import Path

import pytest

from depcheck.adopt import (
    _eades_order,
    _exact_order,
    backward_weight,
    feedback_arcs,
    longest_path_levels,
    replace_section,
)
from depcheck.cli import main
from tests.conftest import run_cli, run_json, write_project

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


run = run_cli


def by_contract(document: dict) -> dict[str, list[dict]]:
    result: dict[str, list[dict]] = {}
    for v in document["violations"]:
        if v["severity"] == "error":
            result.setdefault(v.get("contract", ""), []).append(v)
    return result


# --------------------------------------------------------------------------- graph algorithms


def _random_weights(rng: random.Random, n: int) -> dict[tuple[str, str], int]:
    nodes = [f"n{i}" for i in range(n)]
    return {(a, b): rng.randint(1, 9) for a in nodes for b in nodes if a != b and rng.random() < 0.4}


def test_exact_feedback_order_is_optimal_against_brute_force():
    rng = random.Random(7)
    for _ in range(30):
        n = rng.randint(2, 6)
        weights = _random_weights(rng, n)
        nodes = [f"n{i}" for i in range(n)]
        best = min(backward_weight(list(p), weights) for p in itertools.permutations(nodes))
        assert backward_weight(_exact_order(nodes, weights), weights) == best


def test_heuristic_order_is_close_and_leaves_no_cycle():
    rng = random.Random(11)
    for _ in range(20):
        weights = _random_weights(rng, 8)
        nodes = sorted({n for e in weights for n in e})
        exact = backward_weight(_exact_order(nodes, weights), weights)
        heuristic = backward_weight(_eades_order(nodes, weights), weights)
        assert exact <= heuristic <= 2 * exact + 10
        arcs = feedback_arcs(weights)
        levels = longest_path_levels(nodes, [e for e in weights if e not in arcs])
        assert all(levels[a] > levels[b] for a, b in weights if (a, b) not in arcs)


def test_longest_path_levels_put_each_node_above_what_it_uses():
    levels = longest_path_levels("abcd", [("a", "b"), ("b", "c"), ("a", "c"), ("d", "c")])
    assert levels == {"c": 0, "b": 1, "d": 1, "a": 2}


# --------------------------------------------------------------------------- init

CYCLIC = {
    "pyproject.toml": """
        [project]
        name = "app"   # the user's own comment

        [tool.black]
        line-length = 100
    """,
    "app/__init__.py": "from app.api import handler\n",
    "app/api/__init__.py": "from app.services import run\nhandler = run\n",
    "app/services/__init__.py": "from app.models import Model\nimport blinker\n\ndef run():\n"
    "    from app.api import handler  # only when called\n    return Model, handler\n",
    "app/models/__init__.py": "class Model: ...\n",
    "app/models/extra.py": "from app.models import Model\n",
}


def test_init_writes_a_layering_that_passes_check_and_keeps_the_users_file(tmp_path):
    write_project(tmp_path, CYCLIC)
    before = (tmp_path / "pyproject.toml").read_text()
    code, _, err = run("init", str(tmp_path))
    assert code == 0, err
    after = (tmp_path / "pyproject.toml").read_text()
    assert after.startswith(before)
    config = tomllib.loads(after)["tool"]["depcheck"]
    assert config["layers"] == ["app.api", "app.services", "app.models"]
    # The function-local import closes the cycle and weighs less: it is the one set aside.
    assert [(e["from"], e["to"]) for e in config["exceptions"]] == [("app.services", "app.api")]
    assert "cut here" in config["exceptions"][0]["reason"]
    assert "1 in a function" in config["exceptions"][0]["reason"]
    assert config["exclude"] == ["app/__init__.py"]
    assert "\n[tool.depcheck.events]" in after
    assert 'presets = ["blinker"]' in after
    code, document = run_json(tmp_path)
    assert code == 0 and document["violations"] == []


def test_init_proposes_each_components_interface_from_what_others_use(tmp_path):
    files = dict(CYCLIC)
    files["app/models/internal.py"] = "def helper(): ...\n"
    files["app/models/queries.py"] = "def find(): ...\n"
    files["app/api/views.py"] = "import app.models.queries\n\n\ndef view():\n    app.models.queries.find()\n"
    files["app/api/io.py"] = "import app\n\n\ndef dump():\n    app.models.extra.Model\n"
    write_project(tmp_path, files)
    code, _, err = run("init", str(tmp_path))
    assert code == 0, err
    config = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["depcheck"]
    # models.internal is used by nobody outside: it is left out; services (one module) needs no
    # table; api's package is what services imports, not its views.
    assert config["interfaces"] == [
        {"component": "app.api", "expose": ["app.api"]},
        {"component": "app.models", "expose": ["app.models", "app.models.extra", "app.models.queries"]},
    ]
    code, document = run_json(tmp_path)
    assert code == 0 and document["violations"] == [], document
    # The interface is enforced from now on.
    (tmp_path / "app/services/late.py").write_text("from app.models.internal import helper\n")
    code, document = run_json(tmp_path)
    assert [v["rule"] for v in document["violations"]] == ["interface"]


def test_init_refuses_to_overwrite_without_force_and_replaces_with_it(tmp_path):
    write_project(tmp_path, CYCLIC)
    assert run("init", str(tmp_path))[0] == 0
    first = (tmp_path / "pyproject.toml").read_text()
    code, _, err = run("init", str(tmp_path))
    assert code == 2 and "--force" in err
    assert (tmp_path / "pyproject.toml").read_text() == first
    assert run("init", str(tmp_path), "--force")[0] == 0
    assert (tmp_path / "pyproject.toml").read_text() == first


def test_init_print_does_not_touch_the_file(tmp_path):
    write_project(tmp_path, CYCLIC)
    before = (tmp_path / "pyproject.toml").read_text()
    code, out, _ = run("init", str(tmp_path), "--print")
    assert code == 0 and out.lstrip().startswith("# Proposed") and "[tool.depcheck]" in out
    assert (tmp_path / "pyproject.toml").read_text() == before


def test_init_without_packages_is_a_usage_error(tmp_path):
    code, _, err = run("init", str(tmp_path))
    assert code == 2 and "--package" in err
    write_project(tmp_path, {"solo/__init__.py": "", "solo/only.py": ""})
    code, _, err = run("init", str(tmp_path))
    assert code == 2 and "fewer than two components" in err


def test_init_excludes_a_file_that_does_not_parse_and_says_so(tmp_path):
    write_project(tmp_path, {**CYCLIC, "app/models/broken.py": "def (:\n"})
    code, _, err = run("init", str(tmp_path))
    assert code == 0, err
    text = (tmp_path / "pyproject.toml").read_text()
    assert "# app/models/broken.py does not parse" in text
    assert "app/models/broken.py" in tomllib.loads(text)["tool"]["depcheck"]["exclude"]
    assert run_json(tmp_path)[0] == 0


def test_replace_section_tells_array_lines_from_table_headers():
    text = textwrap.dedent("""\
        [tool.x]
        a = 1
        # generated
        [tool.depcheck]
        layers = [
          ["a", "b"],
          "c",
        ]
        [[tool.depcheck.exceptions]]
        from = "a"
        [tool.y]
        b = [
          "[not a header]",
        ]
    """)
    result = replace_section(text, "[tool.depcheck]\npackages = ['z']\n")
    assert result == (
        "[tool.x]\na = 1\n[tool.y]\nb = [\n  \"[not a header]\",\n]\n\n[tool.depcheck]\npackages = ['z']\n"
    )


# --------------------------------------------------------------------------- contracts

CONTRACT_PROJECT = {
    "shop/__init__.py": "from shop import ui\n",
    "shop/ui/__init__.py": "",
    "shop/ui/views.py": "from shop.core import models\n",
    "shop/core/__init__.py": "",
    "shop/core/models.py": "import requests\n",
    "shop/core/legacy.py": "from shop.ui import views\n",
    "shop/a/__init__.py": "",
    "shop/a/x.py": "from shop.b import y\n",
    "shop/b/__init__.py": "",
    "shop/b/y.py": "",
}


def test_contracts_are_checked_separately_and_named_in_the_report(project):
    root = project({
        **CONTRACT_PROJECT,
        "pyproject.toml": """
            [tool.depcheck]
            packages = ["shop"]
            acyclic = []

            [[tool.depcheck.contracts]]
            name = "ui above core"
            type = "layers"
            layers = ["shop.ui", "shop.core", { modules = ["shop.gone"], optional = true }]
            ignore_imports = ["shop -> shop.ui"]

            [[tool.depcheck.contracts]]
            name = "a and b may talk"
            type = "layers"
            layers = [{ modules = ["shop.a", "shop.b"], independent = false }]

            [[tool.depcheck.contracts]]
            name = "a and b independent"
            type = "independence"
            modules = ["shop.a", "shop.b"]

            [[tool.depcheck.contracts]]
            name = "no http in core"
            type = "forbidden"
            from = "shop.core"
            to = "requests"
        """,
    })
    code, document = run_json(root)
    assert code == 1
    found = by_contract(document)
    assert set(found) == {"ui above core", "a and b independent", "no http in core"}
    assert [v["chain"] for v in found["ui above core"]] == [["shop.core.legacy", "shop.ui.views"]]
    assert found["a and b independent"][0]["rule"] == "independence"
    assert found["no http in core"][0]["chain"] == ["shop.core.models", "requests"]
    # the exact ignore "shop -> shop.ui" matched the package's own import, so it is no warning
    assert not [v for v in document["violations"] if v["rule"] == "unused-ignore"]


def test_ignore_imports_are_exact_with_wildcards_and_stay_in_their_contract(project):
    contracts = """
        [[tool.depcheck.contracts]]
        name = "layers"
        type = "layers"
        layers = ["shop.ui", "shop.core"]
        ignore_imports = [{ignore}]

        [[tool.depcheck.contracts]]
        name = "same layers, no ignores"
        type = "layers"
        layers = ["shop.ui", "shop.core"]
    """
    for ignore, ignored in (('"shop.core -> shop.ui.views"', False), ('"shop.*.legacy -> shop.ui.**"', True),
                            ('"shop.core.legacy -> shop.ui.views"', True)):
        write_project(root := project(CONTRACT_PROJECT), {
            "pyproject.toml": "[tool.depcheck]\npackages = ['shop']\nacyclic = []\n"
            + textwrap.dedent(contracts).replace("{ignore}", ignore),
        })
        found = by_contract(run_json(root)[1])
        assert ("layers" not in found) is ignored, ignore
        assert "same layers, no ignores" in found


def test_protected_allowed_and_acyclic_contracts(project):
    root = project({
        **CONTRACT_PROJECT,
        "shop/b/z.py": "from shop.a import x\n",
        "pyproject.toml": """
            [tool.depcheck]
            packages = ["shop"]
            acyclic = []

            [[tool.depcheck.contracts]]
            name = "core is private to ui"
            type = "protected"
            modules = ["shop.core.models"]
            allowed = ["shop.ui"]

            [[tool.depcheck.contracts]]
            name = "core only by ui"
            type = "protected"
            modules = ["shop.ui"]
            allowed = ["shop.core.legacy", "shop"]

            [[tool.depcheck.contracts]]
            name = "a uses nothing"
            type = "allowed"
            modules = ["shop.a", "shop.b", "shop.core"]
            depends_on = { "shop.a" = [] }

            [[tool.depcheck.contracts]]
            name = "siblings acyclic"
            type = "acyclic"
            children_of = ["shop"]
        """,
    })
    found = by_contract(run_json(root)[1])
    assert "core is private to ui" not in found and "core only by ui" not in found
    assert [v["chain"] for v in found["a uses nothing"]] == [["shop.a.x", "shop.b.y"]]
    assert found["siblings acyclic"][0]["cycle"] == ["shop.a", "shop.b", "shop.a"]


@pytest.mark.parametrize(
    ("contract", "message"),
    [
        ('name = "x"\ntype = "layerz"', "contracts[0].type: expected one of layers"),
        ('type = "independence"\nmodules = ["shop.a"]', "contracts[0].name: required"),
        ('name = "x"\ntype = "independence"\nmodules = ["shop.a"]\nignore_imports = ["a b"]',
         "expected 'importer -> imported'"),
        ('name = "x"\ntype = "forbidden"\nfrom = "shop.a"\nto = "shop.b"\nlayers = []', "unknown key"),
        ('name = "x"\ntype = "independence"\nmodules = ["shop.nope"]', "'shop.nope' (contract 'x')"),
    ],
)
def test_bad_contracts_are_config_errors(project, contract, message):
    root = project({**CONTRACT_PROJECT, "pyproject.toml":
                    f"[tool.depcheck]\npackages = ['shop']\n[[tool.depcheck.contracts]]\n{contract}\n"})
    code, _, err = run("check", str(root))
    assert code == 2 and message in err, err


# --------------------------------------------------------------------------- migrate

SETUP_CFG = """
[importlinter]
root_package = shop
include_external_packages = True

[importlinter:contract:layers]
name = Layers
type = layers
containers =
    shop
layers =
    ui
    (gone)
    a : b
    core
ignore_imports =
    shop.core.* -> shop.ui.views
exhaustive = true
exhaustive_ignores = legacy
unmatched_ignore_imports_alerting = warn

[importlinter:contract:indep]
name = Independent
type = independence
modules =
    shop.a
    shop.b

[importlinter:contract:forbid]
name = No requests
type = forbidden
source_modules = shop.ui
forbidden_modules = requests
allow_indirect_imports = True

[importlinter:contract:siblings]
name = Acyclic
type = acyclic_siblings
ancestors = shop

[importlinter:contract:protect]
name = Protected
type = protected
protected_modules = shop.core.models
allowed_importers = shop.ui

[importlinter:contract:custom]
name = Custom
type = mypackage.contracts.Custom
"""


def test_migrate_import_linter_ini_keeps_every_contract_and_lists_what_it_drops(tmp_path, monkeypatch):
    root = write_project(tmp_path, {**CONTRACT_PROJECT, "setup.cfg": SETUP_CFG})
    monkeypatch.chdir(root)
    code, out, err = run("migrate", "--from", "import-linter")
    assert code == 0, err
    migrated = tomllib.loads(out)["tool"]["depcheck"]
    contracts = {c["name"]: c for c in migrated["contracts"]}
    assert set(contracts) == {"Layers", "Independent", "No requests", "Acyclic", "Protected"}
    assert contracts["Layers"]["layers"] == [
        "ui", {"modules": ["gone"], "optional": True}, {"modules": ["a", "b"], "independent": False}, "core",
    ]
    assert contracts["Layers"]["exhaustive_ignores"] == ["legacy"]
    assert contracts["No requests"]["indirect"] is False
    assert contracts["Acyclic"] == {
        "name": "Acyclic", "type": "acyclic", "children_of": ["shop"], "depth": 11,
    }
    assert "Custom" in err and "unmatched_ignore_imports_alerting" in err
    assert "# not migrated: unmatched_ignore_imports_alerting" in out

    (root / "pyproject.toml").write_text(out)
    found = by_contract(run_json(root)[1])
    # the wildcard ignore removes shop.core.legacy -> shop.ui.views; exhaustive flags nothing
    # (legacy is ignored); a and b may import each other in Layers but not in Independent
    assert set(found) == {"Independent", "Acyclic"}


def test_migrate_reads_pyproject_and_dot_importlinter(tmp_path):
    write_project(tmp_path, {
        ".importlinter": "[importlinter]\nroot_packages =\n    shop\n[importlinter:contract:1]\n"
        "name = I\ntype = independence\nmodules = shop.a\n    shop.b\n",
        "pyproject.toml": '[tool.importlinter]\nroot_package = "shop"\nexclude_type_checking_imports = true\n'
        '[[tool.importlinter.contracts]]\nname = "F"\ntype = "forbidden"\nsource_modules = ["shop.a"]\n'
        'forbidden_modules = ["shop.b"]\nas_packages = false\n',
    })
    code, out, _ = run("migrate", "--from", "import-linter", str(tmp_path / ".importlinter"))
    assert code == 0
    assert tomllib.loads(out)["tool"]["depcheck"]["contracts"][0]["modules"] == ["shop.a", "shop.b"]
    code, out, err = run("migrate", "--from", "import-linter", str(tmp_path / "pyproject.toml"))
    migrated = tomllib.loads(out)["tool"]["depcheck"]
    assert migrated["type_checking_imports"] is False
    assert migrated["contracts"][0]["from"] == ["shop.a"] and "as_packages" in err


def test_migrate_errors_are_one_line(tmp_path):
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = x\n")
    code, _, err = run("migrate", "--from", "import-linter", str(tmp_path / "setup.cfg"))
    assert code == 2 and "no [importlinter] section" in err and err.count("\n") == 1


def test_migrate_tach(tmp_path):
    root = write_project(tmp_path, {
        **CONTRACT_PROJECT,
        "tach.toml": """
            layers = ["top", "bottom"]
            forbid_circular_dependencies = true
            exact = true

            [[modules]]
            path = "shop.ui"
            depends_on = ["shop.core"]
            layer = "top"

            [[modules]]
            path = "shop.core"
            depends_on = []
            layer = "bottom"

            [[modules]]
            path = "shop.a"
            depends_on = [{ path = "shop.core", deprecated = true }]
            cannot_depend_on = ["shop.b"]

            [[modules]]
            path = "shop.b"
            utility = true

            [[interfaces]]
            expose = ["models.*"]
            from = ["shop.core"]
        """,
    })
    code, out, err = run("migrate", "--from", "tach", str(root / "tach.toml"))
    assert code == 0
    assert "exact" in err and "deprecated" in err
    migrated = tomllib.loads(out)["tool"]["depcheck"]
    # tach's expose regexes are fully matched member paths: "models.*" is the glob "models*".
    assert migrated["interfaces"] == [{"component": "shop.core", "expose": ["shop.core.models*"]}]
    assert migrated["type_checking_imports"] is False  # tach's default
    (root / "pyproject.toml").write_text(out)
    found = by_contract(run_json(root)[1])
    # core -> ui (legacy) breaks the layers and core's empty depends_on, and closes a cycle;
    # a -> b is allowed (b is a utility) but cannot_depend_on forbids it.
    assert set(found) == {"tach: module dependencies", "tach: layers", "tach: shop.a cannot depend on",
                          "tach: no circular dependencies"}
    assert [v["chain"] for v in found["tach: module dependencies"]] == [["shop.core.legacy", "shop.ui.views"]]


# --------------------------------------------------------------------------- explain

EXPLAIN = {
    "pyproject.toml": "[tool.depcheck]\npackages = ['app']\n",
    "app/__init__.py": "",
    "app/a.py": "from app import b\nfrom app import c\n",
    "app/b.py": "from app import d\n",
    "app/c.py": "from app import e\n",
    "app/e.py": "from app import d\n",
    "app/d.py": "",
}


def test_explain_lists_paths_shortest_first_with_evidence(tmp_path):
    root = write_project(tmp_path, EXPLAIN)
    code, out, _ = run("explain", "app.a", "app.d", str(root))
    assert code == 0
    assert "1. app.a -> app.b -> app.d  (2 hops)" in out
    assert "2. app.a -> app.c -> app.e -> app.d  (3 hops)" in out
    assert "app/a.py:1:1  from app import b" in out
    code, out, _ = run("explain", "app.a", "app.d", str(root), "--format", "json", "--max", "1")
    document = json.loads(out)
    assert [p["modules"] for p in document["paths"]] == [["app.a", "app.b", "app.d"]]
    assert document["paths"][0]["hops"][0]["evidence"][0]["line"] == 1


def test_explain_works_without_a_config(tmp_path):
    root = write_project(tmp_path, {k: v for k, v in EXPLAIN.items() if k != "pyproject.toml"})
    code, out, _ = run("explain", "app.c", "app.d", str(root))
    assert code == 0 and "1. app.c -> app.e -> app.d" in out


def test_the_same_dependency_in_two_contracts_is_two_findings(project):
    root = project({**CONTRACT_PROJECT, "pyproject.toml": """
        [tool.depcheck]
        packages = ["shop"]
        acyclic = []
        [[tool.depcheck.contracts]]
        name = "one"
        type = "independence"
        modules = ["shop.a", "shop.b"]
        [[tool.depcheck.contracts]]
        name = "two"
        type = "independence"
        modules = ["shop.a", "shop.b"]
    """})
    document = run_json(root)[1]
    fingerprints = {v["fingerprint"] for v in document["violations"]}
    assert len(document["violations"]) == 2 and len(fingerprints) == 2


def test_explain_exit_codes(tmp_path):
    root = write_project(tmp_path, EXPLAIN)
    code, out, _ = run("explain", "app.d", "app.a", str(root))
    assert code == 1 and "does not depend on" in out
    code, _, err = run("explain", "app.nope", "app.a", str(root))
    assert code == 2 and "app.nope" in err


def test_exhaustive_layers_flag_children_of_a_container_in_no_layer(project):
    root = project({**CONTRACT_PROJECT, "pyproject.toml": """
        [tool.depcheck]
        packages = ["shop"]
        acyclic = []
        [[tool.depcheck.contracts]]
        name = "all of shop"
        type = "layers"
        containers = ["shop"]
        layers = ["ui", "core"]
        exhaustive = true
        exhaustive_ignores = ["b"]
        ignore_imports = ["shop.core.legacy -> shop.ui.views"]
    """})
    found = by_contract(run_json(root)[1])
    assert [v["message"] for v in found["all of shop"]] == [
        "shop.a is in none of the layers of exhaustive contract 'all of shop'"
    ]


def test_init_layers_with_the_event_edges_of_the_presets_it_detects(tmp_path):
    import shutil

    shutil.copytree(Path(__file__).resolve().parent.parent / "fixtures" / "saga_choreography" / "shop", tmp_path / "shop")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n')
    code, _, err = run("init", str(tmp_path))
    assert code == 0, err
    config = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["depcheck"]
    assert config["events"] == {"presets": ["bus"]}
    # customers consumes orders' OrderCreated while orders consumes customers' replies:
    # the choreography cycle is set aside at its lighter hop, and named as consume sites.
    (exception,) = config["exceptions"]
    assert "consume" in exception["reason"]
    code, document = run_json(tmp_path)
    assert code == 0 and document["violations"] == []


def test_init_weighs_uses_as_their_import_not_per_call(tmp_path):
    # Five calls through a function-local import must not outweigh one load-time import.
    write_project(tmp_path, {
        "pyproject.toml": "[project]\nname = 'x'\n",
        "app/__init__.py": "",
        "app/api/__init__.py": "",
        "app/api/views.py": "from app.services import run\n\n\ndef view():\n    return run()\n",
        "app/services/__init__.py": "",
        "app/services/core.py": (
            "def run():\n    from app.api import views\n"
            "    views.view()\n    views.view()\n    views.view()\n    views.view()\n    views.view()\n"
        ),
    })
    code, _, err = run("init", str(tmp_path))
    assert code == 0, err
    config = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["depcheck"]
    assert config["layers"] == ["app.api", "app.services"]
    assert [(e["from"], e["to"]) for e in config["exceptions"]] == [("app.services", "app.api")]


def test_init_parses_only_the_files_it_keeps_once_per_events_setting(tmp_path, monkeypatch):
    import depcheck.facts
    from depcheck import adopt

    write_project(tmp_path, CYCLIC)
    extract, parsed = depcheck.facts.extract, []

    def counting(data, settings):
        parsed.append(settings)
        return extract(data, settings)

    monkeypatch.setattr(depcheck.facts, "extract", counting)
    proposal = adopt.init(tmp_path, ["app"], 1)
    # app/__init__.py is left out before anything is parsed; blinker is detected from the
    # imports, so the four kept files are parsed again with its events.
    assert proposal.excluded == ["app/__init__.py"] and set(proposal.presets) == {"blinker"}
    without, with_events = parsed[0], parsed[-1]
    assert parsed == [without] * 4 + [with_events] * 4 and without != with_events


def test_init_with_one_component_is_an_adoption_error(tmp_path):
    from depcheck import adopt

    write_project(tmp_path, {"app/__init__.py": "", "app/only/__init__.py": ""})
    with pytest.raises(adopt.AdoptionError, match="fewer than two components at depth 1"):
        adopt.init(tmp_path, ["app"], 1)


def test_explain_lists_equally_short_paths_in_the_same_order_in_every_process(tmp_path):
    import os
    import subprocess

    files = {"pyproject.toml": "[tool.depcheck]\npackages = ['app']\n", "app/__init__.py": "",
             "app/a.py": "import app.b.x\nimport app.b.y\nimport app.b.z\n", "app/b/__init__.py": "",
             "app/b/x.py": "", "app/b/y.py": "", "app/b/z.py": ""}
    root = write_project(tmp_path, files)
    outputs = set()
    for seed in range(4):  # the hash seed changes the order of sets of names
        env = {**os.environ, "PYTHONHASHSEED": str(seed)}
        done = subprocess.run([sys.executable, "-m", "depcheck", "explain", "app.a", "app.b", str(root)],
                              capture_output=True, text=True, env=env, check=True)
        outputs.add(done.stdout)
    (output,) = outputs
    assert output.index("app.a -> app.b.x") < output.index("app.a -> app.b.y") < output.index("app.a -> app.b.z")


# --------------------------------------------------------------------------- tests and scripts


def _with_tests(tmp_path: Path) -> Path:
    return write_project(tmp_path, {
        "app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": "",
        "app/b/x.py": "import app.a\n",
        # Tests import across the components they test: none of this is the architecture.
        "app/tests/__init__.py": "", "app/tests/test_x.py": "import app.b\nimport app.a\n",
        "app/a/test_a.py": "import app.b.x\n", "app/a/tests.py": "import app.b\n",
        "app/b/testing.py": "import app.a\n",  # a helper shipped to users: analysed
        "app/b/integration_tests/__init__.py": "import app.b.x\n",
        "t/__init__.py": "", "t/unit/__init__.py": "", "t/unit/test_t.py": "import app.b.x\n",
        "testing/__init__.py": "import app.b\n",
    })


def test_init_leaves_test_packages_and_modules_out_and_names_them(tmp_path, capsys):
    root = _with_tests(tmp_path)
    assert main(["init", "--print", str(root)]) == 0
    section = capsys.readouterr().out
    assert 'packages = ["app"]\n' in section
    assert "# Left out as tests: t, testing (add to packages to check them)." in section
    assert ("# Tests import what they test across components; left out: app/a/test_a.py, app/a/tests.py, "
            "app/b/integration_tests, app/tests.") in section
    assert "[[tool.depcheck.exceptions]]" not in section  # without the tests nothing goes upwards
    assert main(["init", str(root)]) == 0
    capsys.readouterr()
    code, document = run_json(root)
    assert code == 0 and document["summary"]["files"] == 4  # a, b, b/x.py and b/testing.py


def test_init_keeps_a_test_package_asked_for(tmp_path, capsys):
    root = _with_tests(tmp_path)
    assert main(["init", "--print", "--package", "t", "--package", "app", str(root)]) == 0
    section = capsys.readouterr().out
    assert 'packages = ["t", "app"]' in section and "Left out as tests" not in section


def test_imports_under_main_weigh_like_function_local_ones(tmp_path, capsys):
    # a -> b is one load-time import; b -> a two script-only imports (2 x 1 < 3): b -> a is set aside.
    root = write_project(tmp_path, {
        "app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": "",
        "app/a/x.py": "import app.b.y\n",
        "app/b/y.py": 'if __name__ == "__main__":\n    import app.a.x\n',
        "app/b/z.py": "if '__main__' == __name__:\n    from app.a import x\n",
    })
    assert main(["init", "--print", str(root)]) == 0
    section = capsys.readouterr().out
    assert 'from = "app.b"\nto = "app.a"' in section
    assert '2 sites: 2 under if __name__ == \\"__main__\\"' in section


def test_the_main_guard_flag_is_set_only_at_module_level():
    from depcheck.facts import extract
    from depcheck.model import ExtractionSettings

    source = (b'import os\nif __name__ == "__main__":\n    import sys\n    if True:\n        import json\n'
              b'def f():\n    if __name__ == "__main__":\n        import re\n')
    facts = extract(source, ExtractionSettings()).imports
    assert {fact.module: fact.under_main for fact in facts} == {
        "os": False, "sys": True, "json": True, "re": False}
