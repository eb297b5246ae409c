"""Hostile source files: every one gives a finding or is read correctly, never a traceback."""

from __future__ import annotations

import os

import pytest

from depcheck.facts import extract
from tests.conftest import run_json, write_project

CONFIG = '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.high", "app.low"]\n'


@pytest.mark.parametrize(
    "source, line",
    [
        (b"def f(:\n    pass\n", 1),
        (b"x = (\n", 1),
        (b"if True:\npass\n", 2),  # IndentationError
        (b"if True:\n\tx = 1\n        y = 2\n", 3),  # TabError
        (b"print 'hello'\n", 1),  # Python 2
        (b"exec 'code'\n", 1),
        (b"x = 1 +\n", 1),
        (b"return 5\nimport os\n" * 0 + b"def f():\n  return\n   x\n", 3),
        (b"f'{'\n", 1),
        (b"\xff\xfe garbage", 1),  # invalid UTF-8
        (b"# -*- coding: no-such-codec -*-\nimport os\n", 1),
    ],
)
def test_unparsable_source_is_a_parse_failure(source, line):
    facts = extract(source)
    assert facts.error is not None
    assert facts.error.line == line
    assert facts.error.message


def test_null_bytes():
    facts = extract(b"import os\nx = '\x00'\n")
    assert facts.error is not None and facts.error.line == 2


def test_deeply_nested_expression_is_a_parse_failure_not_a_crash():
    facts = extract(b"x = " + b"(" * 10_000 + b"1" + b")" * 10_000 + b"\n")
    assert facts.error is not None
    facts = extract(b"x = " + b"-" * 100_000 + b"1\n")
    assert facts.error is None or facts.error.message


def test_bom_and_encoding_cookies_are_honoured():
    assert [i.module for i in extract(b"\xef\xbb\xbfimport os\n").imports] == ["os"]
    latin1 = "# -*- coding: latin-1 -*-\nimport os  # caf\xe9\n".encode("latin-1")
    (fact,) = extract(latin1).imports
    assert fact.text == "import os  # caf\xe9"
    cp1252 = "# coding=cp1252\nimport json  # \u20ac\n".encode("cp1252")
    (fact,) = extract(cp1252).imports
    assert fact.text.endswith("\u20ac")


def test_crlf_mixed_endings_and_tabs():
    facts = extract(b"import os\r\nimport sys\nif True:\r\n\timport json\r\n")
    assert [(i.module, i.line) for i in facts.imports] == [("os", 1), ("sys", 2), ("json", 4)]


@pytest.mark.parametrize("odd", ["\u2028", "\x0c", "\x1c", "\x85", "\x0b"])
def test_a_character_str_splitlines_breaks_at_does_not_shift_the_text_of_later_lines(odd):
    """Python ends lines only at \\n, \\r\\n and \\r; a comment holding another break leaves
    every later statement's text where its line number says."""
    facts = extract(f"# before{odd}after\nimport os\nimport sys  # x{odd}y\nimport json\n".encode())
    assert [(i.line, i.text) for i in facts.imports] == [
        (2, "import os"), (3, f"import sys  # x{odd}y"), (4, "import json"),
    ]


def test_empty_and_comment_only_files():
    assert extract(b"").imports == () and extract(b"").error is None
    assert extract(b"# just a comment").error is None


def test_code_for_a_newer_python_is_a_parse_failure_with_the_line():
    facts = extract(b"import os\ntype X = int | str\ndef f[T](x: T) -> T: ...\nmatch x:\n  case ???: pass\n")
    assert facts.error is not None and facts.error.line >= 2


def test_large_generated_file(tmp_path):
    body = "".join(f"import app.low.m{i % 7}\nx{i} = {i}\n" for i in range(180_000)).encode()
    assert len(body) > 5_000_000
    facts = extract(body)
    assert facts.error is None and len(facts.imports) == 180_000


def test_odd_files_do_not_stop_the_run(tmp_path):
    root = write_project(tmp_path, {
        "pyproject.toml": CONFIG,
        "app/__init__.py": "", "app/high/__init__.py": "", "app/low/__init__.py": "",
        "app/low/bad.py": "def (:\n",
        "app/low/y.py": "import app.high\n",
    })
    (root / "app" / "low" / "folder.py").mkdir()  # a directory named like a module
    os.symlink(root / "nowhere.py", root / "app" / "low" / "dangling.py")  # broken symlink
    os.symlink(root / "app" / "low" / "loop_a.py", root / "app" / "low" / "loop_b.py")
    os.symlink(root / "app" / "low" / "loop_b.py", root / "app" / "low" / "loop_a.py")  # symlink loop
    code, doc = run_json(root)
    assert code == 1
    rules = sorted(v["rule"] for v in doc["violations"])
    assert rules == ["layer", "parse-error"]
    (failure,) = [v for v in doc["violations"] if v["rule"] == "parse-error"]
    assert failure["location"]["file"] == "app/low/bad.py"
    notes = doc["summary"]["notes"]
    assert "app/low/dangling.py: skipped, a broken symlink (its target is missing, or it loops)" in notes
    assert "app/low/loop_a.py: skipped, a broken symlink (its target is missing, or it loops)" in notes


def test_unreadable_and_vanished_files_are_parse_errors(tmp_path, monkeypatch):
    root = write_project(tmp_path, {
        "pyproject.toml": CONFIG, "app/__init__.py": "", "app/high/__init__.py": "",
        "app/low/__init__.py": "", "app/low/secret.py": "import os\n", "app/low/gone.py": "",
    })
    import depcheck.discover as discover_module

    real_discover = discover_module.discover

    def discover_then_delete(config, listings=None):
        project = real_discover(config, listings)
        (root / "app" / "low" / "gone.py").unlink()  # deleted while the run is going on
        return project

    real_open = open

    def refusing_open(path, *args, **kwargs):
        if str(path).endswith("secret.py"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("depcheck.pipeline.discover", discover_then_delete)
    monkeypatch.setattr("depcheck.cache.open", refusing_open, raising=False)
    code, doc = run_json(root)
    assert code == 1
    messages = {v["location"]["file"]: v["message"] for v in doc["violations"]}
    assert "Permission denied" in messages["app/low/secret.py"]
    assert "No such file" in messages["app/low/gone.py"]


def test_compiler_warnings_about_the_analysed_code_are_not_shown():
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        facts = extract(b"import os\nx = 1\nif x is not 1: pass\ny = '\\d'\n")
    assert facts.error is None and caught == []
