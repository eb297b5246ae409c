"""report/: the one evidence line every format uses, and the registry the command line reads."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from depcheck.cli import _parser, main
from depcheck.explain import Path as DependencyPath
from depcheck.model import ERROR, Evidence, Location, Summary, Violation
from depcheck.report import (
    CHECK_FORMATS,
    EVENT_FORMATS,
    EXPLAIN_FORMATS,
    GRAPH_FORMATS,
    github,
    junit,
    paths,
    sarif,
    text,
)
from depcheck.report.evidence import evidence_line
from depcheck.report.registry import Formats

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"

IMPORT = Evidence("app/low/y.py", 3, 1, "app.low.y", "app.mid.m", "import", "import app.mid.m")
CONSUME = Evidence("app/mid/m.py", 7, 5, "app.mid.m", "app.high.h", "consume", "@handles(Done)", "app.high.Done")
CALL = Evidence("app/low/y.py", 9, 12, "app.low.y", "app.mid.m", "call", "m.run()",
                name="app.mid.m.run", import_line=3, import_target="app.mid.m")
LOADER = Evidence("app/low/y.py", 4, 7, "app.low.y", "app.mid.m", "string-loader", 'load("mid.m")', name="app.mid.m")
BARE = Evidence("pyproject.toml", 12, 1, "app.low", "app.mid", "publish", "", "orders.created")


@pytest.mark.parametrize(
    "evidence, expected",
    [
        (IMPORT, "app/low/y.py:3:1  app.low.y -> app.mid.m  import app.mid.m"),
        (CONSUME, "app/mid/m.py:7:5  app.mid.m -> app.high.h [consume] event app.high.Done  @handles(Done)"),
        (CALL, "app/low/y.py:9:12  app.low.y -> app.mid.m [call]  m.run()"),
        (LOADER, 'app/low/y.py:4:7  app.low.y -> app.mid.m [string-loader]  load("mid.m")'),
        (BARE, "pyproject.toml:12:1  app.low -> app.mid [publish] event orders.created"),
    ],
)
def test_the_evidence_line_is_where_then_which_dependency_then_the_code(evidence, expected):
    assert evidence_line(evidence) == expected


@pytest.mark.parametrize(
    "evidence, expected",
    [
        (IMPORT, "app/low/y.py:3:1  import app.mid.m"),
        (CONSUME, "app/mid/m.py:7:5  consume event app.high.Done  @handles(Done)"),
        (CALL, "app/low/y.py:9:12  call app.mid.m.run  m.run()"),
        (LOADER, 'app/low/y.py:4:7  string-loader app.mid.m  load("mid.m")'),
    ],
)
def test_under_a_heading_that_names_the_pair_the_line_says_what_the_site_uses(evidence, expected):
    assert evidence_line(evidence, pair=False) == expected


def test_markup_is_the_callers_paint_and_the_location_can_be_left_to_the_format():
    painted = evidence_line(CONSUME, paint=lambda part, piece: f"<{part}>{piece}</{part}>")
    assert painted == ("<where>app/mid/m.py:7:5</where>  "
                       "<label>app.mid.m -> app.high.h [consume] event app.high.Done</label>  "
                       "<code>@handles(Done)</code>")
    assert evidence_line(CONSUME, where=False) == "app.mid.m -> app.high.h [consume] event app.high.Done  @handles(Done)"


def test_control_characters_of_the_analysed_code_are_shown_not_obeyed(tmp_path):
    """A source line reaches every format that prints evidence; an escape sequence or a bell in
    it (a comment, a string) must not clear the reader's screen or end an annotation."""
    from tests.conftest import run_cli, write_project

    root = write_project(tmp_path, {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.high", "app.low"]\n',
        "app/__init__.py": "", "app/high/__init__.py": "", "app/low/__init__.py": "",
        "app/low/x.py": "import app.high  # \x1b[2J\x1b]52;c;aGk=\x07 evil \x9b2J \u202eosla\u2028\n",
    })
    for output in ("text", "concise", "github", "gitlab", "sarif", "junit"):
        code, out, _ = run_cli("check", "--no-cache", "--format", output, str(root))
        assert code == 1, output
        assert not any(c in out for c in "\x1b\x07\x9b\u202e\u2028"), output
    _, out, _ = run_cli("check", "--no-cache", str(root))
    assert "# \\x1b[2J\\x1b]52;c;aGk=\\x07 evil \\x9b2J \\u202eosla" in out


VIOLATION = Violation(
    rule="layer", severity=ERROR, message="app.low.y depends on app.high.h through app.mid.m",
    location=Location("app/low/y.py", 3, 1), source="app.low", target="app.high",
    evidence=(IMPORT, CONSUME), chain=("app.low.y", "app.mid.m", "app.high.h"), hint="cut",
)
SUMMARY = Summary(2, 2, 2, 1, 0, 0.1, (), "")


def test_every_format_that_lists_evidence_shows_the_one_line():
    lines = [evidence_line(e) for e in VIOLATION.evidence]
    drawn = text.render([VIOLATION], SUMMARY, False)
    assert all(f"\n    {line}\n" in drawn for line in lines)
    annotation = github.render([VIOLATION], SUMMARY)
    assert all(github.escape_data(f"\n  {line}") in annotation for line in lines)
    failure = ET.fromstring(junit.render([VIOLATION], SUMMARY)).find(".//failure")
    assert failure is not None and failure.text.splitlines()[1:3] == lines
    (result,) = json.loads(sarif.render([VIOLATION], SUMMARY))["runs"][0]["results"]
    # The first hop is the result's own location; the others are related locations.
    assert [r["message"]["text"] for r in result["relatedLocations"]] == [evidence_line(CONSUME, where=False)]
    explained = paths.render_text("app.low", "app.high", [DependencyPath(VIOLATION.chain, ((IMPORT,), (CONSUME,)))], 10)
    assert f"   app.low.y -> app.mid.m\n     {evidence_line(IMPORT, pair=False)}\n" in explained


# --------------------------------------------------------------------------- the registry


def format_option(command: str) -> tuple[list[str], str]:
    commands = next(a for a in _parser()._actions if isinstance(a.choices, dict))
    option = next(a for a in commands.choices[command]._actions if a.dest == "format")
    return list(option.choices), option.default


@pytest.mark.parametrize(
    "command, formats",
    [("check", CHECK_FORMATS), ("graph", GRAPH_FORMATS), ("events", EVENT_FORMATS), ("explain", EXPLAIN_FORMATS)],
)
def test_every_format_option_lists_what_the_registry_holds(command, formats):
    assert format_option(command) == (list(formats), formats.default)


def test_the_choices_keep_their_order():
    assert format_option("check") == (["text", "concise", "json", "sarif", "github", "gitlab", "junit"], "text")
    assert format_option("graph") == (["json", "dot", "mermaid", "html"], "json")
    assert format_option("events") == (["text", "json", "mermaid"], "text")
    assert format_option("explain") == (["text", "json"], "text")


def test_a_format_registered_anywhere_is_offered_by_the_command_line(monkeypatch):
    # A new format is its own module registering itself; cli needs no edit.
    monkeypatch.setattr(CHECK_FORMATS, "_formats", dict(CHECK_FORMATS._formats))
    monkeypatch.setattr(GRAPH_FORMATS, "_formats", dict(GRAPH_FORMATS._formats))

    @CHECK_FORMATS.register("count")
    def count(violations, summary, color=False):
        return f"{len(violations)} violations, color={color}\n"

    @GRAPH_FORMATS.register("edges", components=True)
    def edges(snapshot):
        return "".join(f"{source} {target}\n" for source, target, *_ in snapshot.edges)

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["check", "--no-cache", "--format", "count", str(SHOP)]) == 1
        assert main(["graph", "--no-cache", "--format", "edges", str(SHOP)]) == 0
    counted, *drawn = out.getvalue().splitlines()
    assert counted == "3 violations, color=False"
    # A format that draws components gets the component graph without --components.
    assert "shop.shared shop.api" in drawn
    assert all(name.count(".") == 1 for line in drawn for name in line.split())


def test_two_formats_of_one_name_are_refused():
    formats: Formats = Formats("test", default="a")
    formats.register("a")(lambda: "")
    with pytest.raises(ValueError, match="two test formats are called 'a'"):
        formats.register("a")(lambda: "")


def test_a_json_check_loads_no_drawing_library():
    probe = (
        "import sys, io, contextlib\n"
        "from depcheck.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', '--no-cache', '--format', 'json', {str(SHOP)!r}])\n"
        "heavy = ('rich', 'xml.etree.ElementTree', 'networkx', 'depcheck.explain', 'depcheck.adopt')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split() == []
