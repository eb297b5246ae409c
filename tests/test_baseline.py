"""depcheck baseline / check with a baseline: write, skip, stale, shrink, bad files."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from depcheck.cli import main
from depcheck.filters.baseline import Baseline, BaselineEntry, apply_baseline, parse_baseline, render_baseline
from depcheck.model import ERROR, Location, Violation
from tests.conftest import rules_of, run_json

CONFIG = """
[tool.depcheck]
packages = ["app"]
layers = ["app.high", "app.mid", "app.low"]
"""
BASE = {
    "pyproject.toml": CONFIG, "app/__init__.py": "",
    "app/high/__init__.py": "", "app/high/h.py": "",
    "app/mid/__init__.py": "", "app/mid/m.py": "import app.high.h\n",
    "app/low/__init__.py": "", "app/low/y.py": "import app.high.h\nimport app.mid.m\n",
}


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_baseline_file_is_sorted_readable_and_line_free(project):
    root = project(BASE)
    code, out, _ = cli("baseline", str(root))
    assert code == 0 and "wrote depcheck-baseline.json: 3 violations" in out
    text = (root / "depcheck-baseline.json").read_text()
    document = json.loads(text)
    assert document["version"] == 1
    entries = document["violations"]
    assert [e["rule"] for e in entries] == ["layer", "layer", "layer"]
    assert entries == sorted(entries, key=lambda e: (e["rule"], e["key"]))
    assert entries[0]["key"][:2] == ["app.low", "app.high"]  # components, then modules
    # One entry per line, so a review diff shows one line per accepted/fixed violation.
    assert sum(line.strip().startswith('{"rule"') for line in text.splitlines()) == 3
    assert '"line"' not in text
    # Writing again changes nothing.
    cli("baseline", str(root))
    assert (root / "depcheck-baseline.json").read_text() == text


def test_check_skips_known_violations_and_says_how_many(project):
    root = project(BASE)
    cli("baseline", str(root))
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])
    assert any("3 known violations in the baseline depcheck-baseline.json" in n for n in doc["summary"]["notes"])
    code, out, _ = cli("check", str(root))
    assert code == 0 and "3 known violations" in out


def test_unrelated_edits_and_line_shifts_do_not_churn_the_baseline(project):
    root = project(BASE)
    cli("baseline", str(root))
    before = (root / "depcheck-baseline.json").read_text()
    (root / "app/low/y.py").write_text('"""Docs."""\n\nimport os\n\n\nimport app.high.h\nimport app.mid.m\n')
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])
    cli("baseline", str(root))
    assert (root / "depcheck-baseline.json").read_text() == before


def test_new_violations_are_reported(project):
    root = project(BASE)
    cli("baseline", str(root))
    (root / "app/low/new.py").write_text("from app.mid import m\n")
    code, doc = run_json(root)
    assert code == 1
    (violation,) = doc["violations"]
    assert violation["location"]["file"] == "app/low/new.py"


def test_stale_entries_fail_with_the_command_that_prunes_them(project):
    root = project(BASE)
    cli("baseline", str(root))
    (root / "app/mid/m.py").write_text("")  # fixes mid -> high (and the chain through it)
    code, doc = run_json(root)
    assert code == 1
    stale = [v for v in doc["violations"] if v["rule"] == "stale-baseline"]
    assert stale and all(v["severity"] == "error" for v in stale)
    assert all(v["location"]["file"] == "depcheck-baseline.json" for v in stale)
    assert "depcheck baseline --prune" in stale[0]["hint"]
    lines = (root / "depcheck-baseline.json").read_text().splitlines()
    # The location is the entry's own line in the file.
    assert "app.mid" in lines[stale[0]["location"]["line"] - 1]
    # --prune drops exactly the fixed entries and never adds new ones.
    (root / "app/low/new.py").write_text("from app.high import h\n")
    code, out, _ = cli("baseline", "--prune", str(root))
    assert code == 0 and f"removed {len(stale)} fixed entr{'y' if len(stale) == 1 else 'ies'}" in out
    code, doc = run_json(root)
    assert code == 1 and rules_of(doc) == ["layer"]
    assert doc["violations"][0]["location"]["file"] == "app/low/new.py"


def test_no_baseline_shows_everything_and_explicit_path_is_used(project, tmp_path):
    root = project(BASE)
    elsewhere = tmp_path / "known.json"
    code, _, _ = cli("baseline", "--baseline", str(elsewhere), str(root))
    assert code == 0 and elsewhere.exists() and not (root / "depcheck-baseline.json").exists()
    assert run_json(root)[0] == 1  # not at the default path: not auto-detected
    assert run_json(root, "--baseline", str(elsewhere))[0] == 0
    cli("baseline", str(root))
    code, doc = run_json(root, "--no-baseline")
    assert code == 1 and len(doc["violations"]) == 3


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{not json", "not a depcheck baseline: invalid JSON"),
        ('{"version": 7, "violations": []}', "baseline version 7 is not supported (expected 1)"),
        ("[1, 2]", "not a depcheck baseline: expected an object with 'version'"),
        ('{"version": 1, "violations": [{"rule": "layer"}]}', "violation 1 must be"),
        ('{"version": 1, "violations": {}}', "'violations' must be a list"),
    ],
)
def test_a_bad_baseline_file_is_one_line_and_exit_2(project, content, expected):
    root = project(BASE)
    (root / "depcheck-baseline.json").write_text(content)
    code, out, err = cli("check", str(root))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("depcheck: error: depcheck-baseline.json: ") and expected in err


def test_parse_errors_and_unused_ignores_are_never_baselined(project):
    root = project({**BASE, "app/low/broken.py": "def f(:\n", "app/low/z.py": "import os  # depcheck: ignore[layer]\n"})
    code, out, err = cli("baseline", str(root))
    assert code == 0 and "1 parse error is not baselined" in err
    text = (root / "depcheck-baseline.json").read_text()
    assert "parse-error" not in text and "unused-ignore" not in text
    code, doc = run_json(root)
    assert code == 1 and sorted(rules_of(doc)) == ["parse-error", "unused-ignore"]


def test_a_hand_written_baseline_entry_matches_the_same_violation_twice_only_once():
    violation = Violation("layer", ERROR, "m", Location("a.py", 1), "a", "b", chain=("a.x", "b.y"))
    twin = Violation("layer", ERROR, "m", Location("a.py", 5), "a", "b", chain=("a.x", "b.y"))
    baseline = Baseline("b.json", (BaselineEntry(violation.key, 5),))
    outcome = apply_baseline([violation, twin], baseline, "depcheck baseline --prune")
    assert outcome.skipped == 1 and outcome.violations == [twin] and outcome.stale == ()


def test_render_and_parse_round_trip_with_entry_lines():
    keys = [("layer", "a", "b", "a.x", "b.y"), ("cycle", "a", "b", "a")]
    text = render_baseline(keys)
    baseline = parse_baseline(text, "b.json")
    assert sorted(e.key for e in baseline.entries) == sorted(keys)
    for entry in baseline.entries:
        assert json.loads(text.splitlines()[entry.line - 1].strip().rstrip(","))["rule"] == entry.key[0]
    assert parse_baseline(render_baseline([]), "b.json").entries == ()


def test_stale_entries_appear_in_the_ci_formats(project):
    root = project(BASE)
    cli("baseline", str(root))
    (root / "app/low/y.py").write_text("import app.mid.m\n")  # fixes low -> high
    code, out, _ = cli("check", "--format", "sarif", str(root))
    assert code == 1
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["ruleId"] == "stale-baseline"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "depcheck-baseline.json"
    code, out, _ = cli("check", "--format", "github", str(root))
    assert code == 1 and out.startswith("::error file=depcheck-baseline.json,line=")


def test_add_ignores_with_a_baseline_annotates_only_new_violations(project):
    root = project(BASE)
    cli("baseline", str(root))
    (root / "app/low/new.py").write_text("import app.high.h\n")
    code, _, err = cli("check", "--add-ignores", str(root))
    assert code == 0 and "added or extended 1 comment in 1 file" in err
    assert (root / "app/low/new.py").read_text() == "import app.high.h  # depcheck: ignore[layer]\n"
    assert "depcheck" not in (root / "app/low/y.py").read_text()


def test_a_baseline_outside_the_project_is_an_absolute_location_in_sarif(project, tmp_path):
    root = project(BASE)
    elsewhere = tmp_path.parent / f"{tmp_path.name}-known.json"
    cli("baseline", "--baseline", str(elsewhere), str(root))
    (root / "app/low/y.py").write_text("import app.mid.m\n")
    code, out, _ = cli("check", "--format", "sarif", "--baseline", str(elsewhere), str(root))
    (result,) = json.loads(out)["runs"][0]["results"]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert code == 1 and uri == elsewhere.resolve().as_uri()
