"""The architecture map's data (the graph JSON document) and the HTML page, without a browser."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from depcheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# A loop with no layers, one hop of which runs through a module of no component (the package
# itself): a cycle violation located at that hop.
INDIRECT_CYCLE = {
    "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
    "app/__init__.py": "from app.b import y\n",
    "app/a/__init__.py": "import app\nz = 1\n",
    "app/b/__init__.py": "from app.a import z\ny = 2\n",
}


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


def embedded(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="depcheck-data">(.*?)</script>', page, re.S)
    assert match, "the page embeds no graph document"
    return json.loads(match.group(1))


def dependencies_of(root: Path) -> dict[tuple[str, str], dict]:
    _, out = run("graph", "--no-cache", str(root))
    return {(d["from"], d["to"]): d for d in json.loads(out)["dependencies"]}


@pytest.fixture
def shop(tmp_path) -> Path:
    return copy_fixture("shop", tmp_path)


def test_graph_json_lists_components_with_layer_and_modules(shop):
    _, out = run("graph", "--no-cache", str(shop))
    document = json.loads(out)
    components = {c["name"]: c for c in document["components"]}
    assert {name: c["layer"] for name, c in components.items()} == {
        "shop.api": 1, "shop.orders": 2, "shop.customers": 3, "shop.inventory": 3, "shop.shared": 4,
    }
    assert components["shop.shared"]["modules"] == ["shop.shared", "shop.shared.formatting", "shop.shared.money"]
    assert components["shop.shared"]["internal"] == [
        {"from": "shop.shared.money", "to": "shop.shared.formatting", "sites": 1, "kinds": {"import": 1}},
    ]
    assert document["unassigned"] == ["shop"]


def test_every_violation_of_check_is_on_one_dependency_as_check_reports_it(shop):
    _, out = run("check", "--format", "json", "--no-cache", str(shop))
    violations = json.loads(out)["violations"]
    dependencies = dependencies_of(shop)
    for violation in violations:
        carrying = [d for d in dependencies.values() if violation in d["violations"]]
        assert len(carrying) == 1, violation["message"]
        assert violation["rule"] in carrying[0]["rules"]
    upward = dependencies[("shop.shared", "shop.api")]
    assert upward["sites"] == 1 and upward["kinds"] == {"import": 1}
    assert upward["rules"] == ["layer"]  # its loops are listed under it, not cycle violations
    assert upward["evidence"] == [{
        "kind": "import", "from": "shop.shared.formatting", "to": "shop.api.views",
        "file": "shop/shared/formatting.py", "line": 2, "column": 5,
        "text": "from shop.api.views import render  # the shared kernel reaching up into the API",
    }]
    clean = dependencies[("shop.orders", "shop.shared")]
    assert clean["rules"] == [] and clean["violations"] == [] and clean["closes_total"] == 0


def test_a_violating_dependency_carries_the_loops_its_violations_close(shop):
    _, out = run("check", "--format", "json", "--no-cache", str(shop))
    closing = [v for v in json.loads(out)["violations"] if "closes" in v]
    assert len(closing) == 3
    dependencies = dependencies_of(shop)
    for violation in closing:
        dependency = dependencies[(violation["source"], violation["target"])]
        assert dependency["closes"] == violation["closes"]
        assert dependency["closes_total"] == len(violation["closes"])
    assert dependencies[("shop.shared", "shop.api")]["closes"] == [
        ["shop.api", "shop.customers", "shop.shared", "shop.api"],
        ["shop.api", "shop.orders", "shop.shared", "shop.api"],
        ["shop.api", "shop.orders", "shop.inventory", "shop.shared", "shop.api"],
    ]
    _, out = run("graph", "--no-cache", str(shop))
    assert json.loads(out)["cycles"] == []  # every loop of the shop runs through a violation


def test_a_dependency_closing_more_loops_than_it_lists_says_how_many(shop):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text().replace("[tool.depcheck]", "[tool.depcheck]\nmax_cycles = 1", 1))
    upward = dependencies_of(shop)[("shop.shared", "shop.api")]
    assert len(upward["closes"]) == 1 and upward["closes_total"] == 3 and not upward["closes_at_least"]


def test_a_choreography_loop_is_listed_with_its_events(tmp_path):
    root = copy_fixture("saga_choreography", tmp_path)
    upward = dependencies_of(root)[("shop.customers", "shop.orders")]
    assert upward["rules"] == ["layer"]
    assert upward["closes"] == [["shop.customers", "shop.orders", "shop.customers"]]
    assert upward["closes_events"] == [[
        "shop.customers.events.CreditLimitExceeded", "shop.customers.events.CreditReserved",
        "shop.orders.events.OrderCreated",
    ]]


def test_event_flows_come_from_the_catalog(tmp_path):
    root = copy_fixture("saga_choreography", tmp_path)
    _, out = run("graph", "--no-cache", str(root))
    events = {e["id"]: e for e in json.loads(out)["events"]}
    _, out = run("events", "--format", "json", "--no-cache", str(root))
    catalog = {e["id"]: e for e in json.loads(out)["events"]}
    assert set(events) == set(catalog)
    created = events["shop.orders.events.OrderCreated"]
    assert created["owner"] == "shop.orders.events" and created["owner_component"] == "shop.orders"
    assert [(s["module"], s["component"], s["line"]) for s in created["publishers"]] == [
        ("shop.orders.service", "shop.orders", 12)]
    assert [(s["module"], s["component"], s["line"]) for s in created["consumers"]] == [
        ("shop.customers.credit", "shop.customers", 10)]
    for event_id, event in events.items():
        for side in ("publishers", "consumers"):
            assert [(s["module"], s["line"]) for s in event[side]] == [
                (s["module"], s["line"]) for s in catalog[event_id][side]]


def test_a_cycle_violation_is_listed_with_the_hop_it_is_located_at(project):
    root = project(INDIRECT_CYCLE)
    _, out = run("graph", "--no-cache", str(root))
    document = json.loads(out)
    (cycle,) = document["cycles"]
    assert (cycle["components"], cycle["cut"]) == (["app.a", "app.b", "app.a"], ["app.a", "app.b"])
    hop = next(d for d in document["dependencies"] if (d["from"], d["to"]) == ("app.a", "app.b"))
    assert hop["sites"] == 0 and hop["rules"] == ["cycle"]  # no direct site: through the package app
    assert hop["violations"][0]["cycle"] == ["app.a", "app.b", "app.a"]


def test_a_forbidden_third_party_package_is_a_dependency_outside_the_components(project):
    root = project({
        "pyproject.toml": """
            [tool.depcheck]
            packages = ["app"]
            layers = ["app.web", "app.core"]

            [[tool.depcheck.forbidden]]
            from = ["app.core"]
            to = ["requests"]
        """,
        "app/__init__.py": "",
        "app/web/__init__.py": "",
        "app/core/__init__.py": "import requests\n",
    })
    (dependency,) = [d for d in dependencies_of(root).values() if d["rules"]]
    assert (dependency["from"], dependency["to"], dependency["rules"]) == ("app.core", "requests", ["forbidden"])
    assert dependency["sites"] == 0  # not an edge between components: only the violation's evidence
    assert dependency["violations"][0]["evidence"][0]["line"] == 1


def test_the_page_embeds_the_graph_json_document_and_loads_nothing(shop):
    code, page = run("graph", "--format", "html", "--no-cache", str(shop))
    assert code == 0
    _, out = run("graph", "--format", "json", "--components", "--no-cache", str(shop))
    assert embedded(page) == json.loads(out)
    # Self-contained: no element refers to anything outside the page, and the policy forbids loads.
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert "sourceMappingURL" not in page
    assert "default-src 'none'" in page
    # The vendored layout library is inlined with its license.
    assert "Copyright (c) 2012-2014 Chris Pettitt" in page and "dagre 3.1.3" in page
    assert page.count("<script") == 3


def test_text_that_could_end_the_script_element_stays_inside_it(project):
    root = project({
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.high", "app.low"]\n',
        "app/__init__.py": "",
        "app/high/__init__.py": "",
        "app/low/__init__.py": "from app.high import x  # </script><script>alert(1)</script>\n",
    })
    _, page = run("graph", "--format", "html", "--no-cache", str(root))
    assert "alert(1)</script>" not in page
    texts = [e["text"] for d in embedded(page)["dependencies"] for e in d["evidence"]]
    assert texts == ["from app.high import x  # </script><script>alert(1)</script>"]


def test_map_writes_the_file_or_stdout(shop, tmp_path, capsys):
    target = tmp_path / "out" / "map.html"
    target.parent.mkdir()
    assert main(["map", "--no-cache", str(shop), "-o", str(target)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"depcheck: wrote {target} (") and err.rstrip().endswith("open it in a browser")
    page = target.read_text(encoding="utf-8")
    assert main(["map", "--no-cache", str(shop), "-o", "-"]) == 0
    assert capsys.readouterr().out == page
    _, drawn = run("graph", "--format", "html", "--no-cache", str(shop))
    assert drawn == page  # the map is graph --format html


def test_map_to_an_unwritable_place_is_one_line_and_exit_2(shop, tmp_path, capsys):
    assert main(["map", "--no-cache", str(shop), "-o", str(tmp_path / "missing" / "map.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("depcheck: error: ") and "cannot write the map" in err and err.count("\n") == 1


def test_an_installed_package_ships_the_maps_script_style_and_layout_library(shop, tmp_path):
    """What a non-editable install holds (setuptools' build_py, the wheel's contents) draws the same
    page as the source tree: package-data lists the map's files, importlib.resources finds them."""
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "*.egg-info", "build", "bench", "fixtures", "tests", "docs", ".depcheck_cache",
        "__pycache__"))
    lib = tmp_path / "lib"
    built = subprocess.run(
        [sys.executable, "-c", f"import setuptools; setuptools.setup(script_args=['-q', 'build_py', "
                               f"'--build-lib', {str(lib)!r}])"],
        cwd=source, capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    shipped = {p.relative_to(lib / "depcheck" / "report").as_posix()
               for p in (lib / "depcheck" / "report").rglob("*") if p.is_file() and p.suffix != ".py"}
    assert {"assets/map.js", "assets/map.css", "vendor/dagre/dagre.min.js", "vendor/dagre/LICENSE"} <= shipped
    env = {**os.environ, "PYTHONPATH": str(lib)}
    drawn = subprocess.run(
        [sys.executable, "-c", "import depcheck, sys; from depcheck.cli import main; "
                               "print(depcheck.__file__, file=sys.stderr); sys.exit(main(sys.argv[1:]))",
         "map", "--no-cache", str(shop), "-o", "-"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stderr.startswith(str(lib))
    assert drawn.stdout == run("map", "--no-cache", str(shop), "-o", "-")[1]
