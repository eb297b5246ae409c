"""The CI formats (sarif, github, gitlab, junit) on shared fixture violation lists.

Every formatter renders the same lists (empty, single, multi-hop, parse error,
warning, stale baseline entry, a rule with no docs); each test then reads the
output back the way its consumer would.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from depcheck import rules
from depcheck.cli import main
from depcheck.model import (
    ERROR,
    WARNING,
    Evidence,
    Location,
    Summary,
    Violation,
)
from depcheck.report import CHECK_FORMATS, github, gitlab, junit, sarif

DATA = Path(__file__).resolve().parent / "data"
SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"

HOP1 = Evidence("app/low/y.py", 3, 1, "app.low.y", "app.mid.m", "import", "import app.mid.m")
HOP2 = Evidence("app/mid/m.py", 7, 5, "app.mid.m", "app.high.h", "consume", "@handles(Done)", "app.high.Done")
SINGLE = Violation(
    rule="layer", severity=ERROR, message="app.low.y imports app.high.h: app.low must not depend on app.high",
    location=Location("app/low/y.py", 3, 1), source="app.low", target="app.high",
    evidence=(HOP1,), chain=("app.low.y", "app.mid.m"), hint="move it down",
)
MULTI_HOP = Violation(
    rule="layer", severity=ERROR, message="app.low.y depends on app.high.h through app.mid.m: 100% wrong,\nreally",
    location=Location("app/low/y.py", 3, 1), source="app.low", target="app.high",
    evidence=(HOP1, HOP2), chain=("app.low.y", "app.mid.m", "app.high.h"), hint="cut: a, b",
)
PARSE_ERROR = Violation(
    rule="parse-error", severity=ERROR, message="cannot parse app/bad.py: invalid syntax \x00 <here> & 'there'",
    location=Location("app/bad.py", 1, 8), identity=("parse-error", "app/bad.py", "invalid syntax"),
)
WARNING_ = Violation(
    rule="unused-ignore", severity=WARNING, message="unused suppression: no layer violation on this line",
    location=Location("app/low/z.py", 2, 1), identity=("unused-ignore", "app/low/z.py", "comment", "layer"),
)
# Same key as WARNING_ (same file, same rules), another line: fingerprints collide.
WARNING_TWIN = Violation(
    rule="unused-ignore", severity=WARNING, message="unused suppression: no layer violation on this line",
    location=Location("app/low/z.py", 9, 1), identity=("unused-ignore", "app/low/z.py", "comment", "layer"),
)
UNDOCUMENTED = Violation(
    rule="brand-new-rule", severity=ERROR, message="something new",
    location=Location("app/x.py", 4, 2), source="app.x", target="app.y",
)
NO_LOCATION = Violation(rule="cycle", severity=ERROR, message="a loop", cycle=("a", "b", "a"))

FIXTURES = {
    "empty": [],
    "single": [SINGLE],
    "multi-hop": [MULTI_HOP],
    "parse-error": [PARSE_ERROR],
    "mixed": [SINGLE, MULTI_HOP, PARSE_ERROR, WARNING_, WARNING_TWIN, UNDOCUMENTED, NO_LOCATION],
}


def summary_of(violations, root: str = "") -> Summary:
    errors = sum(1 for v in violations if v.severity == ERROR)
    return Summary(10, 10, 12, errors, len(violations) - errors, 0.25, ("a note",), root)


@pytest.fixture(scope="module")
def sarif_schema() -> dict:
    return json.loads((DATA / "sarif-2.1.0.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(FIXTURES))
@pytest.mark.parametrize("fmt", sorted(CHECK_FORMATS))
def test_every_format_renders_every_fixture_deterministically(fmt, name):
    violations = FIXTURES[name]
    first = CHECK_FORMATS[fmt](violations, summary_of(violations), False)
    assert first == CHECK_FORMATS[fmt](list(violations), summary_of(violations), False)
    assert first.endswith("\n")


# --------------------------------------------------------------------------- sarif


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_sarif_is_valid_against_the_official_schema(name, sarif_schema):
    document = json.loads(sarif.render(FIXTURES[name], summary_of(FIXTURES[name])))
    jsonschema.validate(document, sarif_schema)
    assert document["version"] == "2.1.0"


def test_sarif_results_point_at_the_violating_line_with_other_hops_related():
    document = json.loads(sarif.render([MULTI_HOP], summary_of([MULTI_HOP], root="services/app")))
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("depcheck", "0.1.0")
    assert driver["informationUri"].startswith("https://")
    (rule,) = driver["rules"]
    assert rule["id"] == "layer"
    assert rule["shortDescription"]["text"] == rules.doc("layer").short
    assert rule["fullDescription"]["text"] == rules.doc("layer").full
    assert rule["help"]["text"] == rules.doc("layer").help
    (result,) = run["results"]
    assert (result["ruleId"], result["ruleIndex"], result["level"]) == ("layer", 0, "error")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "services/app/app/low/y.py"
    assert location["region"] == {"startLine": 3, "startColumn": 1}
    (related,) = result["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "services/app/app/mid/m.py"
    assert related["physicalLocation"]["region"]["startLine"] == 7
    assert "app.high.Done" in related["message"]["text"]
    assert result["message"]["text"].startswith(MULTI_HOP.message)


def test_sarif_fingerprints_survive_line_shifts():
    moved = Violation(**{**MULTI_HOP.__dict__, "location": Location("app/low/y.py", 40, 1),
                         "evidence": (Evidence(**{**HOP1.__dict__, "line": 40}), HOP2)})
    fingerprints = [
        json.loads(sarif.render([v], summary_of([v])))["runs"][0]["results"][0]["partialFingerprints"]
        for v in (MULTI_HOP, moved)
    ]
    assert fingerprints[0] == fingerprints[1]


def test_sarif_lists_each_rule_once_sorted_and_results_index_them():
    violations = FIXTURES["mixed"]
    run = json.loads(sarif.render(violations, summary_of(violations)))["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert ids == sorted(set(ids)) == sorted({v.rule for v in violations})
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["unused-ignore"] == "warning" and levels["parse-error"] == "error"


def test_a_rule_without_docs_gets_a_generic_description():
    assert "brand-new-rule" not in {rule.id for rule in rules.REGISTRY.values()}
    doc = rules.doc("brand-new-rule")
    assert "brand-new-rule" in doc.short and doc.full and doc.help
    run = json.loads(sarif.render([UNDOCUMENTED], summary_of([UNDOCUMENTED])))["runs"][0]
    assert run["tool"]["driver"]["rules"][0]["shortDescription"]["text"] == doc.short


def test_every_registered_rule_has_docs():
    for rule in rules.REGISTRY.values():
        assert rule.doc.short and rule.doc.full and rule.doc.help, rule.key


# --------------------------------------------------------------------------- github

COMMAND_RE = re.compile(r"^::(error|warning) ((?:[a-z]+=[^,:]*)(?:,[a-z]+=[^,:]*)*)::(.*)$")


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse_commands(output: str) -> list[tuple[str, dict, str]]:
    commands = []
    for line in output.splitlines():
        if not line.startswith("::"):
            continue
        match = COMMAND_RE.match(line)
        assert match, line
        props = dict(part.split("=", 1) for part in match.group(2).split(","))
        commands.append(
            (match.group(1), {k: unescape_property(v) for k, v in props.items()}, unescape_data(match.group(3)))
        )
    return commands


def test_github_lines_parse_back_to_the_violations():
    violations = [MULTI_HOP, WARNING_, NO_LOCATION]
    commands = parse_commands(github.render(violations, summary_of(violations, root="svc")))
    assert [c[0] for c in commands] == ["error", "warning", "error"]
    level, props, message = commands[0]
    assert props == {"file": "svc/app/low/y.py", "line": "3", "col": "1", "title": "depcheck layer"}
    assert message.startswith(MULTI_HOP.message)  # %, newline and comma come back intact
    assert "app/mid/m.py:7:5" in message and message.endswith("hint: cut: a, b")
    assert commands[2][1] == {"title": "depcheck cycle"}


def test_github_escapes_properties_and_data():
    assert github.escape_data("100%\r\nx") == "100%25%0D%0Ax"
    assert github.escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    odd = Violation(**{**SINGLE.__dict__, "location": Location("dir,x/a:b.py", 1, 1)})
    (command,) = parse_commands(github.render([odd], summary_of([odd])))
    assert command[1]["file"] == "dir,x/a:b.py"


def test_github_step_summary_is_markdown_with_one_row_per_violation():
    violations = [SINGLE, WARNING_]
    text = github.step_summary(violations, summary_of(violations))
    assert text.startswith("## depcheck")
    assert text.count("\n| `") == 2 and "`app/low/z.py:2`" in text
    assert "No violations" in github.step_summary([], summary_of([]))


# --------------------------------------------------------------------------- gitlab


def test_gitlab_code_quality_has_the_fields_and_unique_fingerprints():
    violations = FIXTURES["mixed"]
    issues = json.loads(gitlab.render(violations, summary_of(violations, root="svc")))
    assert len(issues) == len(violations)
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int)
    assert len({i["fingerprint"] for i in issues}) == len(issues)  # the twins were re-salted
    first = issues[0]
    assert (first["check_name"], first["severity"]) == ("layer", "major")
    assert first["location"] == {"path": "svc/app/low/y.py", "lines": {"begin": 3}}
    assert first["fingerprint"] == SINGLE.fingerprint
    assert {i["severity"] for i in issues if i["check_name"] == "unused-ignore"} == {"minor"}
    assert json.loads(gitlab.render([], summary_of([]))) == []


# --------------------------------------------------------------------------- junit


def test_junit_is_well_formed_with_one_case_per_violation():
    violations = FIXTURES["mixed"]
    root = ET.fromstring(junit.render(violations, summary_of(violations)))
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    assert len(cases) == len(violations) == int(suite.get("tests"))
    failures = [c for c in cases if c.find("failure") is not None]
    assert len(failures) == int(suite.get("failures")) == sum(v.severity == ERROR for v in violations)
    layer = cases[0]
    assert layer.get("classname") == "layer" and layer.get("file") == "app/low/y.py"
    assert layer.find("failure").get("type") == "layer"
    parse_error = next(c for c in cases if c.get("classname") == "parse-error")
    assert "<here> & 'there'" in parse_error.find("failure").get("message")
    warning = next(c for c in cases if c.get("classname") == "unused-ignore")
    assert warning.find("failure") is None and "warning" in warning.find("system-out").text


def test_junit_empty_result_is_one_passing_case():
    root = ET.fromstring(junit.render([], summary_of([])))
    (case,) = root.iter("testcase")
    assert list(case) == [] and root.get("failures") == "0"


# --------------------------------------------------------------------------- through the command line


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


@pytest.fixture
def shop(tmp_path) -> Path:
    target = tmp_path / "repo" / "services" / "shop"
    shutil.copytree(SHOP, target)
    (tmp_path / "repo" / ".git").mkdir()
    return target


def test_cli_formats_use_paths_relative_to_the_repository_root(shop):
    code, out = run_cli("check", "--format", "sarif", str(shop))
    assert code == 1
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(out)["runs"][0]["results"]
    }
    assert "services/shop/shop/shared/formatting.py" in uris
    code, out = run_cli("check", "--format", "gitlab", str(shop))
    assert all(i["location"]["path"].startswith("services/shop/shop/") for i in json.loads(out))


def test_cli_github_format_writes_the_step_summary(shop, tmp_path, monkeypatch):
    summary_file = tmp_path / "summary.md"
    summary_file.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary_file))
    code, out = run_cli("check", "--format", "github", str(shop))
    assert code == 1
    assert len(parse_commands(out)) == 3  # one per bad dependency; the loops are listed under them
    text = summary_file.read_text()
    assert text.startswith("earlier step\n## depcheck")  # appended, not overwritten
    assert "services/shop/shop/shared/formatting.py:2" in text


def test_cli_on_github_actions_without_a_format_prints_text(shop, monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    code, out = run_cli("check", str(shop))
    assert code == 1 and "::error" not in out and "Found 3 errors" in out
    assert not (tmp_path / "summary.md").exists()


def test_cli_junit_and_sarif_on_a_clean_project(project):
    root = project({
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.a", "app.b"]\n',
        "app/__init__.py": "", "app/a.py": "import app.b\n", "app/b.py": "",
    })
    code, out = run_cli("check", "--format", "junit", str(root))
    assert code == 0 and ET.fromstring(out).get("failures") == "0"
    code, out = run_cli("check", "--format", "sarif", str(root))
    assert code == 0 and json.loads(out)["runs"][0]["results"] == []


def test_unknown_format_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "nope"])
    assert exc.value.code == 2


def test_sarif_keeps_the_notes_as_run_notifications():
    run = json.loads(sarif.render([], summary_of([])))["runs"][0]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == ["a note"]


# --------------------------------------------------------------------------- golden files

GOLDEN = DATA / "golden"
CI_FORMATS = {"sarif": "sarif.json", "github": "github.txt", "gitlab": "gitlab.json", "junit": "junit.xml"}


@pytest.mark.parametrize("name", sorted(FIXTURES))
@pytest.mark.parametrize("fmt", sorted(CI_FORMATS))
def test_ci_formats_match_their_golden_files(fmt, name):
    """Set DEPCHECK_UPDATE_GOLDEN=1 to rewrite them after an intended change; review the diff."""
    import os

    from depcheck import __version__

    violations = FIXTURES[name]
    rendered = CHECK_FORMATS[fmt](violations, summary_of(violations, root="svc"), False)
    rendered = rendered.replace(f'"version": "{__version__}"', '"version": "<version>"')
    path = GOLDEN / f"{name}.{CI_FORMATS[fmt]}"
    if os.environ.get("DEPCHECK_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- a run that could not happen


def _broken(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.depcheck]\npackages = ["app"]\nlayrs = ["app.a"]\n')
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    return tmp_path


PROBLEM = "tool.depcheck.layrs: unknown key (did you mean 'layers'?)"


def test_sarif_on_exit_2_is_a_valid_failed_run(tmp_path, capsys, sarif_schema):
    code = main(["check", "--format", "sarif", str(_broken(tmp_path))])
    captured = capsys.readouterr()
    assert code == 2 and PROBLEM in captured.err  # stderr still says it
    document = json.loads(captured.out)
    jsonschema.validate(document, sarif_schema)
    run = document["runs"][0]
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is False
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and PROBLEM in note["message"]["text"]


def test_json_on_exit_2_has_an_error_field(tmp_path, capsys):
    assert main(["check", "--output-format", "json", str(_broken(tmp_path))]) == 2
    document = json.loads(capsys.readouterr().out)
    assert PROBLEM in document["error"] and document["problems"] == [document["error"]]
    assert "violations" not in document  # never mistaken for a clean run


def test_junit_on_exit_2_is_a_test_in_error(tmp_path, capsys):
    assert main(["check", "--format", "junit", str(_broken(tmp_path))]) == 2
    root = ET.fromstring(capsys.readouterr().out)
    assert root.get("errors") == "1" and root.get("failures") == "0"
    [error] = root.iter("error")
    assert PROBLEM in error.get("message")


def test_gitlab_on_exit_2_is_a_blocker_at_the_config_line(tmp_path, capsys):
    assert main(["check", "--format", "gitlab", str(_broken(tmp_path))]) == 2
    [issue] = json.loads(capsys.readouterr().out)
    assert issue["severity"] == "blocker" and issue["check_name"] == "depcheck-error"
    assert PROBLEM in issue["description"] and issue["location"]["lines"]["begin"] == 3
    assert issue["location"]["path"].endswith("pyproject.toml") and len(issue["fingerprint"]) == 20


def test_github_on_exit_2_annotates_the_failure(tmp_path, capsys):
    assert main(["check", "--format", "github", str(_broken(tmp_path))]) == 2
    out = capsys.readouterr().out
    assert out.startswith("::error title=depcheck could not run::") and PROBLEM in out


def test_a_mistyped_flag_under_sarif_still_writes_the_document(tmp_path, capsys, sarif_schema):
    assert main(["check", "--format", "sarif", "--exit-zeroo", str(_broken(tmp_path))]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    jsonschema.validate(document, sarif_schema)
    assert "did you mean '--exit-zero'?" in document["runs"][0]["invocations"][0][
        "toolExecutionNotifications"][0]["message"]["text"]


def test_text_on_exit_2_writes_nothing_to_stdout(tmp_path, capsys):
    assert main(["check", str(_broken(tmp_path))]) == 2
    assert capsys.readouterr().out == ""
