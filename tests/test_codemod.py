"""--add-ignores and --remove-unused-ignores: libcst edits of users' files."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import textwrap

import pytest

from depcheck.cli import main
from depcheck.codemod import with_rule, without_unused
from depcheck.facts import extract
from depcheck.facts.comments import find_ignore
from tests.conftest import rules_of, run_json

CONFIG = """
[tool.depcheck]
packages = ["app"]
layers = ["app.high", "app.low"]
"""


def files(low: str, **extra: str) -> dict[str, str]:
    return {
        "pyproject.toml": CONFIG, "app/__init__.py": "", "app/high/__init__.py": "",
        "app/high/h.py": "def a(): ...\ndef b(): ...\n", "app/high/g.py": "",
        "app/low/__init__.py": "", "app/low/y.py": low, **extra,
    }


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


# --------------------------------------------------------------------------- comment text


@pytest.mark.parametrize(
    "comment, rule, reason, expected",
    [
        (None, "layer", "", "# depcheck: ignore[layer]"),
        (None, "layer", "TICKET-1", "# depcheck: ignore[layer]  TICKET-1"),
        ("# noqa: F401", "layer", "", "# noqa: F401  # depcheck: ignore[layer]"),
        ("# type: ignore[attr-defined]", "cycle", "x", "# type: ignore[attr-defined]  # depcheck: ignore[cycle]  x"),
        ("# depcheck: ignore[layer]  why", "cycle", "new", "# depcheck: ignore[cycle, layer]  why"),
        ("# noqa  # depcheck: ignore[layer]", "cycle", "", "# noqa  # depcheck: ignore[cycle, layer]"),
        ("# depcheck: ignore[layer]", "layer", "", "# depcheck: ignore[layer]"),
        ("# depcheck: ignore  legacy", "layer", "", "# depcheck: ignore  legacy"),
    ],
)
def test_with_rule(comment, rule, reason, expected):
    assert with_rule(comment, rule, reason) == expected


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("# depcheck: ignore[layer]", None),
        ("# depcheck: ignore[layer]  reason text", None),
        ("# noqa: F401  # depcheck: ignore[layer]  why", "# noqa: F401"),
        ("# depcheck: ignore[layer]  why  # type: ignore", "# type: ignore"),
        ("# depcheck: ignore[layer, bogus]", "# depcheck: ignore[layer]"),
        ("# depcheck: ignore[bogus]", None),  # never widen to a bare ignore
        ("# noqa", "# noqa"),
    ],
)
def test_without_unused(comment, expected):
    assert without_unused(comment) == expected


@pytest.mark.parametrize(
    "comment, rules",
    [
        ("# depcheck: ignore[layer]", ("layer",)),
        ("#depcheck:ignore[ cycle ,layer, ]  why", ("cycle", "layer")),
        ("# noqa  # depcheck: ignore  legacy", None),
        ("# depcheck: ignore[]", ()),
        ("# depcheck: ignored", "no ignore"),
        ("# depcheck: publishes orders.created", "no ignore"),
    ],
)
def test_one_grammar_for_the_extractor_and_the_codemod(comment, rules):
    ignore = find_ignore(comment)
    suppressions = extract(f"import x  {comment}\n".encode()).suppressions
    if rules == "no ignore":
        assert ignore is None and suppressions == ()
        return
    assert ignore is not None and ignore.rules == rules
    assert comment[ignore.start] == "#"
    if rules is None:
        assert comment[:ignore.end].endswith("ignore") and ignore.rules_start == -1
    else:  # the span between the brackets, which the codemod rewrites
        assert comment[ignore.rules_start - 1] == "[" and comment[ignore.rules_end:ignore.end] == "]"
    # The extractor reads the same rules (sorted; none for a bare ignore, and for ``ignore[]``) ...
    (suppression,) = suppressions
    assert suppression.rules == tuple(sorted(set(rules or ())))
    # ... and reads back what the codemod writes into the spans it was given.
    (edited,) = extract(f"import x  {with_rule(comment, 'forbidden')}\n".encode()).suppressions
    assert edited.rules == (() if rules is None else tuple(sorted({*rules, "forbidden"})))


def test_added_comments_are_read_back_by_the_extractor():
    for comment in ("# noqa: F401  # depcheck: ignore[cycle, layer]  TICKET-1", "# depcheck: ignore[layer]"):
        (suppression,) = extract(f"import x  {comment}\n".encode()).suppressions
        assert suppression.rules and set(suppression.rules) <= {"cycle", "layer"}


# --------------------------------------------------------------------------- through the command line

TRICKY = dedent('''
    """Module docs."""
    import os  # keep: this comment stays
    from app.high.h import (  # noqa: F401
        a,
        b,  # trailing comment survives
    )
    from app.high import g  # depcheck: ignore[cycle]  shared reason


    def f():
        if os:
            import app.high.h as alias  # type: ignore[import]
        return alias
''')


def test_add_ignores_on_tricky_layouts_then_clean_and_idempotent(project):
    root = project(files(TRICKY))
    code, out, err = cli("check", "--add-ignores", "--reason", "TICKET-9\nlegacy", str(root))
    assert code == 0 and "No violations" in out
    assert "added or extended 3 comments in 1 file" in err
    assert "app/low/y.py:3: # noqa: F401  # depcheck: ignore[layer]  TICKET-9 legacy" in err
    edited = (root / "app/low/y.py").read_text()
    assert edited == TRICKY.replace(
        "(  # noqa: F401\n", "(  # noqa: F401  # depcheck: ignore[layer]  TICKET-9 legacy\n"
    ).replace(
        "# depcheck: ignore[cycle]  shared reason", "# depcheck: ignore[cycle, layer]  shared reason"
    ).replace(
        "# type: ignore[import]", "# type: ignore[import]  # depcheck: ignore[layer]  TICKET-9 legacy"
    )
    code, out, err = cli("check", "--add-ignores", str(root))
    assert code == 0 and "added or extended 0 comments" in err
    assert (root / "app/low/y.py").read_text() == edited


def test_add_ignores_annotates_the_first_hop_of_an_indirect_chain(project):
    root = project(files("import app.util\n", **{"app/util.py": "import app.high.h\n"}))
    cli("check", "--add-ignores", str(root))
    assert (root / "app/low/y.py").read_text() == "import app.util  # depcheck: ignore[layer]\n"
    assert (root / "app/util.py").read_text() == "import app.high.h\n"
    assert run_json(root)[0] == 0


def test_add_ignores_annotates_every_site_of_the_dependency(project):
    root = project(files("import app.high.h\n\n\ndef f():\n    from app.high import h\n"))
    code, _, _ = cli("check", "--add-ignores", str(root))
    assert code == 0
    assert (root / "app/low/y.py").read_text().count("# depcheck: ignore[layer]") == 2


def test_add_ignores_on_a_cycle_marks_the_hop_to_cut(project):
    config = '[tool.depcheck]\npackages = ["app"]\nacyclic = ["app.a", "app.b"]\n'
    root = project({
        "pyproject.toml": config, "app/__init__.py": "",
        "app/a.py": "import app.b\nimport app.b as again\n", "app/b.py": "import app.a\n",
    })
    code, doc = run_json(root)
    assert rules_of(doc) == ["cycle"]
    cut = doc["violations"][0]["location"]["file"]
    cli("check", "--add-ignores", str(root))
    assert "# depcheck: ignore[cycle]" in (root / cut).read_text()
    assert run_json(root)[0] == 0


def test_a_backslash_continued_import_is_reported_not_edited(project):
    low = "from app.high.h import \\\n    a\n"
    root = project(files(low))
    code, _, err = cli("check", "--add-ignores", str(root))
    assert code == 1 and "skipped app/low/y.py:1: no place for a comment" in err
    assert (root / "app/low/y.py").read_text() == low


def test_a_file_libcst_cannot_parse_is_skipped_with_a_reason(project, tmp_path):
    root = project(files("import app.high.h\n"))
    from depcheck.codemod import add_ignores
    from depcheck.model import ERROR, Evidence, Location, Violation

    (root / "app/low/bad.py").write_text("def f(:\n")
    evidence = Evidence("app/low/bad.py", 1, 1, "app.low.bad", "app.high.h")
    violation = Violation("layer", ERROR, "m", Location("app/low/bad.py", 1, 1), evidence=(evidence,))
    report = add_ignores(root, [violation])
    assert report.changes == [] and "libcst cannot parse it" in report.skipped[0].reason


def test_remove_unused_ignores_keeps_other_comments_and_is_idempotent(project):
    low = dedent('''
        # depcheck: ignore
        import os  # noqa: F401  # depcheck: ignore[layer]  stale reason
        from json import (  # depcheck: ignore[layer, cycle]
            dumps,
        )
        import sys  # depcheck: ignore[layers, cycle]
        import app.high.h  # depcheck: ignore[layer, bogus]  kept reason
        import app.high.g  # depcheck: ignore[layer]
    ''')
    root = project(files(low))
    code, out, err = cli("check", "--remove-unused-ignores", str(root))
    assert code == 0 and "No violations" in out
    assert (root / "app/low/y.py").read_text() == dedent('''
        import os  # noqa: F401
        from json import (
            dumps,
        )
        import sys
        import app.high.h  # depcheck: ignore[layer]  kept reason
        import app.high.g  # depcheck: ignore[layer]
    ''')
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])
    before = (root / "app/low/y.py").read_text()
    code, _, err = cli("check", "--remove-unused-ignores", str(root))
    assert "removed or trimmed 0 comments" in err and (root / "app/low/y.py").read_text() == before


def test_remove_unused_ignores_leaves_config_exceptions_alone(project):
    config = CONFIG + '\n[[tool.depcheck.exceptions]]\nfrom = "app.low"\nto = "app.nowhere"\nreason = "x"\n'
    root = project({**files("import os\n"), "pyproject.toml": config})
    before = (root / "pyproject.toml").read_text()
    code, doc = run_json(root, "--remove-unused-ignores")
    assert code == 0 and rules_of(doc) == ["unused-ignore"]
    assert (root / "pyproject.toml").read_text() == before


def test_libcst_is_loaded_only_for_the_codemods(project):
    root = project(files("import app.high.h\n"))
    probe = (
        "import sys\nfrom depcheck.cli import main\n"
        f"main(['check', {str(root)!r}] + sys.argv[1:])\n"
        "print('LIBCST', 'libcst' in sys.modules, file=sys.stderr)\n"
    )
    plain = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "LIBCST False" in plain.stderr
    edited = subprocess.run([sys.executable, "-c", probe, "--add-ignores"], capture_output=True, text=True)
    assert "LIBCST True" in edited.stderr


def test_reason_without_add_ignores_is_a_usage_error(project):
    root = project(files("import app.high.h\n"))
    code, out, err = cli("check", "--reason", "x", str(root))
    assert code == 2 and out == "" and "--reason goes with --add-ignores" in err


def test_event_sites_on_decorators_and_wrapped_calls_get_the_comment(tmp_path):
    # Publish/consume evidence (decorators, calls inside a wrapped expression) is
    # annotated the same way as imports: at the end of the evidence's line.
    from depcheck.codemod import add_ignores
    from depcheck.model import ERROR, Evidence, Location, Violation

    source = dedent('''
        @bus.handles(
            OrderCreated,
        )
        def on_created(event):
            total = compute(
                bus.publish(ReserveCredit()),  # already here
            )
    ''')
    (tmp_path / "app").mkdir()
    (tmp_path / "app/c.py").write_text(source)
    consume = Evidence("app/c.py", 1, 1, "app.c", "app.o", "consume", "@bus.handles(", "app.o.OrderCreated")
    publish = Evidence("app/c.py", 6, 9, "app.c", "app.p", "publish", "bus.publish(", "app.p.ReserveCredit")
    violations = [
        Violation("layer", ERROR, "m", Location("app/c.py", 1, 1), evidence=(consume,)),
        Violation("cycle", ERROR, "m", Location("app/c.py", 6, 9), evidence=(publish,)),
    ]
    report = add_ignores(tmp_path, violations)
    assert [(c.line, c.after) for c in report.changes] == [
        (1, "# depcheck: ignore[layer]"),
        (6, "# already here  # depcheck: ignore[cycle]"),
    ]
    text = (tmp_path / "app/c.py").read_text()
    assert text.splitlines()[0] == "@bus.handles(  # depcheck: ignore[layer]"
    assert [s.line for s in extract(text.encode()).suppressions] == [1, 6]


# --------------------------------------------------------------------------- edit, then check again


class Checked:
    """A check's outcome as the edit loops read it."""

    def __init__(self, violations):
        self.violations = violations


def unused(line: int):
    from depcheck.model import WARNING, Location, Violation

    return Violation(rule="unused-ignore", severity=WARNING, message="unused suppression",
                     location=Location("app/low/y.py", line, 1),
                     identity=("unused-ignore", "app/low/y.py", "comment", "layer"))


def test_removal_checks_again_after_each_pass_that_edited_and_stops_at_the_pass_limit(project):
    from depcheck.codemod import REMOVAL_PASSES, remove_unused_ignores_and_check

    root = project(files("import os  # depcheck: ignore[layer]\n"))
    target = root / "app/low/y.py"
    checks = []

    def check_that_finds_a_new_unused_ignore():
        # As if removing one ignore had made the next one unused, every time.
        target.write_text("import os  # depcheck: ignore[layer]\n")
        checks.append(1)
        return Checked([unused(1)])

    report, last = remove_unused_ignores_and_check(root, Checked([unused(1)]), check_that_finds_a_new_unused_ignore)
    assert len(checks) == REMOVAL_PASSES and len(report.changes) == REMOVAL_PASSES
    assert last.violations == [unused(1)]


def test_removal_and_addition_check_again_only_when_a_file_changed(project):
    from depcheck.codemod import add_ignores_and_check, remove_unused_ignores_and_check

    root = project(files("import os  # depcheck: ignore[layer]\n"))
    checks = []

    def check():
        checks.append(1)
        return Checked([])

    report, last = remove_unused_ignores_and_check(root, Checked([unused(1)]), check)
    assert len(report.changes) == 1 and checks == [1] and last.violations == []
    assert (root / "app/low/y.py").read_text() == "import os\n"
    nothing = Checked([])
    report, last = add_ignores_and_check(root, nothing, check, "why")
    assert report.changes == [] and checks == [1] and last is nothing
