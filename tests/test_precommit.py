"""The .pre-commit-hooks.yaml hook, run by the real pre-commit tool.

``pre-commit try-repo`` installs depcheck from this repository (its HEAD, plus
uncommitted changes to tracked files) into a fresh environment, which needs
PyPI for depcheck's dependencies, and runs the hook in a throwaway git repo.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pre_commit  # noqa: F401,E402 - part of the [test] extra: a missing one fails loudly

REPO = Path(__file__).resolve().parent.parent


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_hook_fails_on_a_violation_and_passes_once_fixed(tmp_path):
    project = tmp_path / "project"
    for rel, text in {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.high", "app.low"]\n',
        "app/__init__.py": "", "app/high/__init__.py": "", "app/high/h.py": "",
        "app/low/__init__.py": "", "app/low/y.py": "import app.high.h\n",
    }.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("GIT_", "PRE_COMMIT"))  # e.g. when pytest itself runs in a git hook
    }
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "cache"),
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com",
    )
    git(project, "init", "-q", ".")
    git(project, "add", "-A")
    subprocess.run(["git", "commit", "-qm", "init"], cwd=project, env=env, check=True, capture_output=True)

    def hook() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "depcheck", "--all-files"],
            cwd=project, env=env, capture_output=True, text=True, timeout=600,
        )

    failed = hook()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "depcheck" in failed.stdout and "Failed" in failed.stdout
    assert "app/low/y.py:1:1: layer app.low.y imports app.high.h" in failed.stdout

    (project / "app/low/y.py").write_text("")
    git(project, "add", "-A")
    passed = hook()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout
