"""Text, JSON and graph output, colour handling, determinism across processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from depcheck.cli import main

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"


@pytest.fixture
def shop(tmp_path) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    return target


def test_text_report_on_the_example_is_readable(shop, capsys, monkeypatch):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.chdir(shop)  # text paths open from the working directory
    assert main(["check", str(shop)]) == 1
    out = capsys.readouterr().out
    assert "\x1b[" not in out  # not a terminal: no colour
    assert (
        "shop/shared/formatting.py:2:5: layer shop.shared.formatting imports shop.api.views: "
        "shop.shared (layer 4) must not depend on the higher layer shop.api (layer 1)"
    ) in out
    assert "    shop/shared/formatting.py:2:5  shop.shared.formatting -> shop.api.views" in out
    assert "independence shop.customers.accounts imports shop.inventory.stock" in out
    assert "hint: " in out
    assert out.rstrip().splitlines()[-1].startswith(
        "Found 3 errors (layer 2, independence 1) in 12 files, 12 modules, 10 dependencies"
    )


def test_force_color_and_no_color(shop, capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["check", str(shop)])
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["check", str(shop)])
    assert "\x1b[" not in capsys.readouterr().out


def test_clean_run_says_so(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.depcheck]\npackages = ["app"]\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("No violations in 1 file, 1 module, 0 dependencies")


def test_json_contract(shop, capsys):
    main(["check", "--format", "json", str(shop)])
    document = json.loads(capsys.readouterr().out)
    assert document["version"] == 1
    assert set(document["summary"]) >= {"files", "modules", "dependencies", "violations", "seconds"}
    for violation in document["violations"]:
        assert violation["rule"] in {"layer", "independence", "cycle", "forbidden", "parse-error", "unused-ignore"}
        assert violation["severity"] in {"error", "warning"}
        assert ("cycle" in violation) == (violation["rule"] == "cycle")
        assert ("source" in violation) == (violation["rule"] not in {"cycle", "parse-error", "unused-ignore"})
        for evidence in violation["evidence"]:
            assert set(evidence) >= {"kind", "from", "to", "file", "line", "column"}
            assert not Path(evidence["file"]).is_absolute()


def test_graph_json_modules_and_components(shop, capsys):
    assert main(["graph", str(shop)]) == 0
    modules = json.loads(capsys.readouterr().out)
    assert "shop.api.views" in modules["nodes"]
    edge = next(e for e in modules["edges"] if (e["from"], e["to"]) == ("shop.shared.formatting", "shop.api.views"))
    assert edge == {"from": "shop.shared.formatting", "to": "shop.api.views", "kind": "import",
                    "file": "shop/shared/formatting.py", "line": 2, "sites": 1, "violation": True}
    main(["graph", "--components", str(shop)])
    components = json.loads(capsys.readouterr().out)
    assert components["nodes"] == ["shop.api", "shop.customers", "shop.inventory", "shop.orders", "shop.shared"]
    assert {(e["from"], e["to"]) for e in components["edges"]} >= {("shop.shared", "shop.api")}


def test_graph_dot_and_mermaid_group_layers_and_mark_violations(shop, capsys):
    main(["graph", "--format", "dot", str(shop)])
    dot = capsys.readouterr().out
    assert dot.startswith("digraph depcheck {")
    assert 'label="layer 3"' in dot and '"shop.customers";' in dot
    assert '"shop.shared" -> "shop.api" [color=red' in dot
    assert '"shop.orders" -> "shop.shared";' in dot
    main(["graph", "--format", "mermaid", str(shop)])
    mermaid = capsys.readouterr().out
    assert mermaid.startswith("flowchart TB")
    assert 'subgraph group0["layer 1"]' in mermaid
    assert "shop_shared --> shop_api" in mermaid and "linkStyle" in mermaid


def test_a_cycle_hop_through_modules_of_no_component_is_drawn_red_as_indirect(project, capsys):
    # app.a -> app (the package, in no component) -> app.b -> app.a: the cycle is located at
    # the hop app.a -> app.b, which has no direct edge between the two components.
    root = project({
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        "app/__init__.py": "from app.b import y\n",
        "app/a/__init__.py": "import app\nz = 1\n",
        "app/b/__init__.py": "from app.a import z\ny = 2\n",
    })
    main(["graph", "--format", "dot", "--no-cache", str(root)])
    dot = capsys.readouterr().out
    assert '"app.a" -> "app.b" [color=red, fontcolor=red, penwidth=2, label="indirect", style=dashed];' in dot
    assert '"app.b" -> "app.a";' in dot
    main(["graph", "--format", "mermaid", "--no-cache", str(root)])
    mermaid = capsys.readouterr().out
    assert "app_a -. indirect .-> app_b" in mermaid and "linkStyle 0 stroke:red" in mermaid
    # Module by module, the located edge (app.a -> app) is the violating one.
    main(["graph", "--no-cache", str(root)])
    edges = {(e["from"], e["to"]): e["violation"] for e in json.loads(capsys.readouterr().out)["edges"]}
    assert edges == {("app.a", "app"): True, ("app", "app.b"): False, ("app.b", "app.a"): False}


def test_same_output_whatever_the_hash_seed(shop):
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "depcheck", "check", "--format", "json", str(shop)],
            capture_output=True, text=True, env=env, check=False,
        )
        assert done.returncode == 1, done.stderr
        document = json.loads(done.stdout)
        document["summary"].pop("seconds")
        outputs.add(json.dumps(document))
    assert len(outputs) == 1


def test_python_dash_m_and_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("depcheck ")


def test_json_has_one_violation_per_line(shop, capsys):
    main(["check", "--format", "json", str(shop)])
    out = capsys.readouterr().out
    document = json.loads(out)
    lines = [line for line in out.splitlines() if line.startswith('    {"rule": ')]
    assert [json.loads(line.rstrip(",")) for line in lines] == document["violations"]
    assert len(lines) == document["summary"]["violations"] > 0
