"""Suppression comments, config exceptions and unused-ignore warnings."""

from __future__ import annotations

from tests.conftest import rules_of, run_json

CONFIG = """
[tool.depcheck]
packages = ["app"]
layers = ["app.high", "app.low"]
"""


def files(low: str, config: str = CONFIG, **extra: str) -> dict[str, str]:
    return {
        "pyproject.toml": config, "app/__init__.py": "", "app/high/__init__.py": "",
        "app/high/h.py": "", "app/low/__init__.py": "", "app/low/y.py": low, **extra,
    }


def test_suppression_for_the_rule_hides_the_violation(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore[layer]\n")))
    assert (code, doc["violations"]) == (0, [])


def test_bare_suppression_hides_every_rule(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore\n")))
    assert (code, doc["violations"]) == (0, [])


def test_suppression_of_another_rule_does_not_hide_it(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore[cycle]\n")))
    assert code == 1
    assert sorted(rules_of(doc)) == ["layer", "unused-ignore"]


def test_suppression_on_first_line_of_a_multiline_import(project):
    low = "from app.high.h import (  # depcheck: ignore[layer]\n    a,\n    b,\n)\n"
    code, doc = run_json(project(files(low)))
    assert (code, doc["violations"]) == (0, [])


def test_several_rules_in_one_suppression(project):
    low = "import app.high.h  # depcheck: ignore[layer, forbidden]\n"
    code, doc = run_json(project(files(low)))
    # layer is used; forbidden would be unused — but a suppression is one comment:
    # used by any of its rules means used.
    assert code == 0 and doc["violations"] == []


def test_unused_suppression_is_a_warning_and_exit_stays_zero(project):
    code, doc = run_json(project(files("import os  # depcheck: ignore[layer]\n")))
    assert code == 0
    (warning,) = doc["violations"]
    assert (warning["rule"], warning["severity"]) == ("unused-ignore", "warning")
    assert warning["location"] == {"file": "app/low/y.py", "line": 1, "column": 1}


def test_unknown_rule_in_suppression_is_reported(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore[layers]\n")))
    assert code == 1
    assert sorted(rules_of(doc)) == ["layer", "unused-ignore"]
    unused = [v for v in doc["violations"] if v["rule"] == "unused-ignore"]
    assert "unknown rule 'layers'" in unused[0]["message"]


def test_suppressed_middle_hop_removes_indirect_violation(project):
    code, doc = run_json(project(files(
        "import app.glue\n", **{"app/glue.py": "import app.high.h  # depcheck: ignore[layer]\n"}
    )))
    assert (code, doc["violations"]) == (0, [])


def test_config_exception_accepts_a_dependency(project):
    config = CONFIG + """
[[tool.depcheck.exceptions]]
from = "app.low.*"
to = "app.high"
reason = "legacy"
"""
    code, doc = run_json(project(files("import app.high.h\n", config)))
    assert (code, doc["violations"]) == (0, [])


def test_unused_config_exception_is_reported_at_its_line(project):
    config = CONFIG + """
[[tool.depcheck.exceptions]]
from = "app.low"
to = "app.nowhere"
reason = "stale"
"""
    code, doc = run_json(project(files("import os\n", config)))
    assert code == 0
    (warning,) = doc["violations"]
    assert warning["rule"] == "unused-ignore"
    assert warning["location"]["file"] == "pyproject.toml"
    assert warning["location"]["line"] == 5
