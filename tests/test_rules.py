"""The rules, end to end through `depcheck check --format json`."""

from __future__ import annotations

from tests.conftest import rules_of, run_json

LAYERS = """
[tool.depcheck]
packages = ["app"]
layers = ["app.high", ["app.mid_a", "app.mid_b"], "app.low"]
"""


def base(**extra: str) -> dict[str, str]:
    files = {
        "pyproject.toml": LAYERS,
        "app/__init__.py": "",
        "app/high/__init__.py": "",
        "app/mid_a/__init__.py": "",
        "app/mid_b/__init__.py": "",
        "app/low/__init__.py": "",
        "app/util.py": "",
    }
    files.update(extra)
    return files


def test_downward_imports_are_clean(project):
    root = project(base(**{
        "app/high/h.py": "import app.mid_a.x\nimport app.low.y\n",
        "app/mid_a/x.py": "from app.low import y\n",
        "app/low/y.py": "import os\n",
    }))
    code, doc = run_json(root)
    assert code == 0, doc
    assert doc["violations"] == []
    assert doc["summary"]["dependencies"] == 3


def test_direct_upward_import_is_a_layer_violation_with_evidence(project):
    root = project(base(**{"app/low/y.py": "import os\n\nfrom app.high import h\n", "app/high/h.py": ""}))
    code, doc = run_json(root)
    assert code == 1
    (violation,) = [v for v in doc["violations"] if v["rule"] == "layer"]
    assert (violation["source"], violation["target"]) == ("app.low", "app.high")
    assert violation["evidence"] == [{
        "kind": "import", "from": "app.low.y", "to": "app.high.h",
        "file": "app/low/y.py", "line": 3, "column": 1, "text": "from app.high import h",
    }]
    assert violation["location"] == {"file": "app/low/y.py", "line": 3, "column": 1}


def test_indirect_upward_dependency_through_unlayered_modules_shows_every_hop(project):
    root = project(base(**{
        "app/low/y.py": "import app.util\n",
        "app/util.py": "import app.helpers\n",
        "app/helpers.py": "from app.high import h\n",
        "app/high/h.py": "",
    }))
    code, doc = run_json(root)
    layer = [v for v in doc["violations"] if v["rule"] == "layer"]
    assert len(layer) == 1
    assert layer[0]["chain"] == ["app.low.y", "app.util", "app.helpers", "app.high.h"]
    assert [(e["from"], e["to"]) for e in layer[0]["evidence"]] == [
        ("app.low.y", "app.util"), ("app.util", "app.helpers"), ("app.helpers", "app.high.h"),
    ]
    assert code == 1


def test_chains_are_not_followed_through_other_layers(project):
    # low -> mid_a is upward (reported); mid_a -> high is upward (reported) — but
    # low is not blamed for high: each layered module answers for its own edges.
    root = project(base(**{
        "app/low/y.py": "import app.mid_a.x\n",
        "app/mid_a/x.py": "import app.high.h\n",
        "app/high/h.py": "",
    }))
    _, doc = run_json(root)
    pairs = sorted((v["source"], v["target"]) for v in doc["violations"] if v["rule"] == "layer")
    assert pairs == [("app.low", "app.mid_a"), ("app.mid_a", "app.high")]


def test_siblings_must_be_independent(project):
    root = project(base(**{"app/mid_a/x.py": "import app.mid_b.z\n", "app/mid_b/z.py": ""}))
    code, doc = run_json(root)
    assert code == 1
    assert rules_of(doc) == ["independence"]
    assert (doc["violations"][0]["source"], doc["violations"][0]["target"]) == ("app.mid_a", "app.mid_b")


def test_two_component_cycle(project):
    root = project({
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        "app/__init__.py": "",
        "app/a.py": "import app.b\n",
        "app/b.py": "def f():\n    import app.a\n",
    })
    code, doc = run_json(root)
    assert code == 1
    (cycle,) = doc["violations"]
    assert cycle["rule"] == "cycle"
    assert cycle["cycle"] == ["app.a", "app.b", "app.a"]
    assert "source" not in cycle
    assert [(e["from"], e["to"]) for e in cycle["evidence"]] == [("app.a", "app.b"), ("app.b", "app.a")]


def test_three_component_cycle_is_reported_once(project):
    root = project({
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        "app/__init__.py": "",
        "app/c.py": "import app.a\n",
        "app/a.py": "import app.b\n",
        "app/b.py": "import app.c\n",
    })
    _, doc = run_json(root)
    assert [v["cycle"] for v in doc["violations"]] == [["app.a", "app.b", "app.c", "app.a"]]


def test_cycle_hint_names_the_cheapest_hop(project):
    root = project({
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        "app/__init__.py": "",
        "app/a.py": "import app.b\nfrom app import b\nfrom app.b import x\n",
        "app/b.py": "import app.a\n",
    })
    _, doc = run_json(root)
    assert "cheapest to cut: app.b -> app.a (1 dependency site)" in doc["violations"][0]["hint"]
    assert doc["violations"][0]["location"]["file"] == "app/b.py"


def test_max_cycles_caps_and_says_how_many_more(project):
    names = "abcde"
    files = {"pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nmax_cycles = 3\n', "app/__init__.py": ""}
    for n in names:  # a complete graph on five components: many elementary cycles
        files[f"app/{n}.py"] = "".join(f"import app.{m}\n" for m in names if m != n)
    _, doc = run_json(project(files))
    assert len(doc["violations"]) == 3
    assert all(len(v["cycle"]) == 3 for v in doc["violations"])  # shortest first
    assert any("more cycles not shown" in note for note in doc["summary"]["notes"])


def test_forbidden_internal_external_and_indirect(project):
    root = project({
        "pyproject.toml": """
            [tool.depcheck]
            packages = ["app"]
            [[tool.depcheck.forbidden]]
            from = "app.core"
            to = ["requests", "app.web"]
            reason = "the core does no I/O"
        """,
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/logic.py": "import requests.adapters\nimport app.glue\n",
        "app/glue.py": "import app.web\n",
        "app/web.py": "",
    })
    code, doc = run_json(root)
    assert code == 1
    found = sorted((v["target"], tuple(v["chain"])) for v in doc["violations"] if v["rule"] == "forbidden")
    assert found == [
        ("app.web", ("app.core.logic", "app.glue", "app.web")),
        ("requests", ("app.core.logic", "requests.adapters")),
    ]
    assert "the core does no I/O" in doc["violations"][0]["message"]


def test_forbidden_direct_only(project):
    root = project({
        "pyproject.toml": """
            [tool.depcheck]
            packages = ["app"]
            [[tool.depcheck.forbidden]]
            from = "app.core"
            to = "app.web"
            indirect = false
        """,
        "app/__init__.py": "",
        "app/core.py": "import app.glue\n",
        "app/glue.py": "import app.web\n",
        "app/web.py": "",
    })
    code, doc = run_json(root)
    assert code == 0 and doc["violations"] == []


def test_parse_error_is_reported_and_the_run_goes_on(project):
    root = project(base(**{
        "app/low/broken.py": "def f(:\n", "app/low/y.py": "import app.high.h\n", "app/high/h.py": "",
    }))
    code, doc = run_json(root)
    assert code == 1
    assert sorted(rules_of(doc)) == ["layer", "parse-error"]
    error = [v for v in doc["violations"] if v["rule"] == "parse-error"][0]
    assert error["location"]["file"] == "app/low/broken.py" and error["location"]["line"] == 1


def test_results_are_sorted_and_deterministic(project):
    root = project(base(**{
        "app/low/y.py": "import app.high.h\nimport app.mid_a.x\n",
        "app/low/w.py": "import app.high.h\n",
        "app/mid_a/x.py": "import app.mid_b.z\n",
        "app/mid_b/z.py": "", "app/high/h.py": "",
    }))
    first = run_json(root)[1]["violations"]
    second = run_json(root)[1]["violations"]
    assert first == second
    locations = [(v["location"]["file"], v["location"]["line"]) for v in first]
    assert locations == sorted(locations)


def test_every_rule_module_is_registered_once():
    """A rule is one module of depcheck/rules with a RULE; the registry must know each of them."""
    import pkgutil

    import depcheck.rules as rules

    modules = {m.name for m in pkgutil.iter_modules(rules.__path__)} - {"base"}
    registered = {rule.key for rule in rules.REGISTRY.values()}
    for name in modules:
        module = __import__(f"depcheck.rules.{name}", fromlist=["RULE"])
        assert module.RULE.key in registered, name
    assert len(registered) == len(modules)


def test_component_paths_are_computed_once_per_view_and_go_with_it():
    """The layer, independence and cycle rules share one computation per view; a view that
    goes takes its entry with it, and another view with other edges gets its own paths."""
    import gc

    from depcheck.graph import GraphView
    from depcheck.rules import base

    modules = ("a.x", "a.y", "b.z", "helpers")
    view = GraphView(modules, {"a.x": {"a.y": (), "b.z": (), "helpers": ()}, "helpers": {"b.z": ()}}, {})
    first = base.component_dependencies(view, base.Components(["a", "b"]))
    assert base.component_dependencies(view, base.Components(["b", "a"])) is first
    assert [(c.name, c.members, c.paths, c.targets) for c in first] == [
        ("a", ["a.x", "a.y"], [("a.x", "b.z"), ("a.x", "helpers", "b.z")], ["b", "b"]),
        ("b", ["b.z"], [], []),
    ]
    other = GraphView(modules, {"b.z": {"a.y": ()}}, {})
    found = base.component_dependencies(other, base.Components(["a", "b"]))
    assert [(c.name, c.paths, c.targets) for c in found] == [("a", [], []), ("b", [("b.z", "a.y")], ["a"])]
    entries = len(base._SHARED)
    del view, first
    gc.collect()
    assert len(base._SHARED) == entries - 1
