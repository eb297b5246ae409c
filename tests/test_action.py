"""action.yml, the composite GitHub Action: its steps' scripts run here as the runner runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "fixtures" / "shop"


@pytest.fixture(scope="module")
def action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def step(action: dict, name: str) -> dict:
    [found] = [s for s in action["runs"]["steps"] if s.get("name") == name or s.get("uses", "").startswith(name)]
    return found


def run_step(found: dict, cwd: Path, inputs: dict[str, str], tmp_path: Path) -> tuple[int, str, dict[str, str]]:
    """The step's bash script with its env (``${{ inputs.x }}`` filled from ``inputs``) and the
    runner's GITHUB_OUTPUT file; depcheck is this interpreter's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    output = tmp_path / "github-output"
    output.write_text("")
    env["GITHUB_OUTPUT"] = str(output)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for key, value in found.get("env", {}).items():
        expression = value.strip()
        assert expression.startswith("${{ inputs.") or expression.startswith("${{ steps."), value
        name = expression[len("${{ "):-len(" }}")].split(".")[-1]
        env[key] = inputs[name]
    done = subprocess.run(["bash", "-e", "-c", found["run"]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return done.returncode, done.stdout + done.stderr, outputs


def defaults(action: dict, **given: str) -> dict[str, str]:
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(given)
    return values


def test_the_action_is_composite_and_installs_its_own_checkout(action):
    assert action["runs"]["using"] == "composite"
    assert step(action, "actions/setup-python")["with"]["python-version"] == "${{ inputs.python-version }}"
    assert '"$GITHUB_ACTION_PATH"' in step(action, "Install depcheck")["run"]
    upload = step(action, "github/codeql-action/upload-sarif")
    assert upload["if"] == "inputs.sarif == 'true'" and upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert action["outputs"]["exit-code"]["value"] == "${{ steps.check.outputs.exit-code }}"


def test_the_check_step_annotates_and_keeps_the_exit_code_for_the_last_step(action, tmp_path):
    project = shutil.copytree(SHOP, tmp_path / "shop")
    code, out, outputs = run_step(step(action, "depcheck check --format github"), project, defaults(action), tmp_path)
    assert code == 0  # the job fails in the last step, after the SARIF upload
    assert "::error file=shop/shared/formatting.py,line=2,col=5,title=depcheck layer::" in out
    assert outputs == {"exit-code": "1"}
    code, _, _ = run_step(step(action, "Exit as depcheck did"), project, {"exit-code": outputs["exit-code"]},
                          tmp_path)
    assert code == 1


def test_paths_and_args_reach_depcheck(action, tmp_path):
    project = shutil.copytree(SHOP, tmp_path / "shop")
    inputs = defaults(action, paths="shop/api/views.py shop/orders/service.py", args="--select layer")
    code, out, outputs = run_step(step(action, "depcheck check --format github"), project, inputs, tmp_path)
    assert outputs == {"exit-code": "0"} and "::error" not in out


def test_the_sarif_step_writes_a_document_even_when_depcheck_cannot_run(action, tmp_path):
    project = shutil.copytree(SHOP, tmp_path / "shop")
    sarif_step = step(action, "depcheck check --format sarif")
    assert sarif_step["if"] == "inputs.sarif == 'true'"
    code, _, _ = run_step(sarif_step, project, defaults(action, sarif="true"), tmp_path)
    document = json.loads((project / "depcheck.sarif").read_text())
    assert code == 0 and len(document["runs"][0]["results"]) == 3
    (project / "pyproject.toml").write_text('[tool.depcheck]\npackages = ["shop"]\nlayrs = []\n')
    code, _, _ = run_step(sarif_step, project, defaults(action, sarif="true"), tmp_path)
    document = json.loads((project / "depcheck.sarif").read_text())
    assert code == 0 and document["runs"][0]["invocations"][0]["executionSuccessful"] is False
