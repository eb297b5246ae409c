"""Every import form becomes the right edge, with grimp's target conventions."""

from __future__ import annotations

from pathlib import Path

from depcheck.facts import extract
from depcheck.graph import build_graph
from depcheck.model import SourceFile
from tests.conftest import write_project


def edges_of(tmp_path: Path, files: dict[str, str], packages=("pkg",), **kwargs) -> set[tuple[str, str]]:
    write_project(tmp_path, files)
    sources = []
    facts = {}
    for rel in files:
        if not rel.endswith(".py"):
            continue
        parts = rel[:-3].split("/")
        is_package = parts[-1] == "__init__"
        module = ".".join(parts[:-1] if is_package else parts)
        sources.append(SourceFile(module, rel, is_package))
        facts[module] = extract((tmp_path / rel).read_bytes())
    graph = build_graph(sources, facts, packages, **kwargs)
    internal = {(a, b) for a, b in graph.graph.edges}
    external = {(m, e.target) for m, evs in graph.external.items() for e in evs}
    return internal | external


BASE = {
    "pkg/__init__.py": "",
    "pkg/a/__init__.py": "",
    "pkg/a/b.py": "VALUE = 1\n",
    "pkg/a/c.py": "",
    "pkg/z.py": "",
}


def test_plain_import_points_at_the_named_module_not_its_parents(tmp_path):
    edges = edges_of(tmp_path, {**BASE, "pkg/m.py": "import pkg.a.b\n"})
    assert ("pkg.m", "pkg.a.b") in edges
    assert ("pkg.m", "pkg.a") not in edges and ("pkg.m", "pkg") not in edges


def test_import_as(tmp_path):
    assert ("pkg.m", "pkg.a.b") in edges_of(tmp_path, {**BASE, "pkg/m.py": "import pkg.a.b as x\n"})


def test_from_import_of_a_submodule_and_of_a_name(tmp_path):
    edges = edges_of(tmp_path, {**BASE, "pkg/m.py": "from pkg.a import b\nfrom pkg.a.b import VALUE\n"})
    assert ("pkg.m", "pkg.a.b") in edges
    edges = edges_of(tmp_path, {**BASE, "pkg/m.py": "from pkg.a import something\n"})
    assert edges == {("pkg.m", "pkg.a")}


def test_from_import_mixing_a_submodule_and_a_name(tmp_path):
    edges = edges_of(tmp_path, {**BASE, "pkg/m.py": "from pkg.a import b, something\n"})
    assert edges == {("pkg.m", "pkg.a.b"), ("pkg.m", "pkg.a")}


def test_relative_imports(tmp_path):
    files = {
        **BASE,
        "pkg/a/m.py": "from . import c\nfrom .b import VALUE\nfrom .. import z\nfrom ..z import thing\n",
        "pkg/a/__init__.py": "from .b import VALUE\nfrom . import c\n",
    }
    edges = edges_of(tmp_path, files)
    assert {("pkg.a.m", "pkg.a.c"), ("pkg.a.m", "pkg.a.b"), ("pkg.a.m", "pkg.z")} <= edges
    # In a package's __init__, "." is the package itself.
    assert {("pkg.a", "pkg.a.b"), ("pkg.a", "pkg.a.c")} <= edges


def test_relative_import_above_the_top_level_is_ignored(tmp_path):
    assert edges_of(tmp_path, {**BASE, "pkg/m.py": "from ... import nothing\n"}) == set()


def test_star_import_points_at_the_package(tmp_path):
    assert edges_of(tmp_path, {**BASE, "pkg/m.py": "from pkg.a import *\n"}) == {("pkg.m", "pkg.a")}


def test_imports_in_functions_classes_try_and_type_checking(tmp_path):
    source = """
        from typing import TYPE_CHECKING
        try:
            import pkg.a.b
        except ImportError:
            import pkg.a.c
        if TYPE_CHECKING:
            from pkg import z
        class K:
            import pkg.a
        def f():
            from pkg.a import c
    """
    edges = edges_of(tmp_path, {**BASE, "pkg/m.py": source})
    assert {("pkg.m", "pkg.a.b"), ("pkg.m", "pkg.a.c"), ("pkg.m", "pkg.z"), ("pkg.m", "pkg.a")} <= edges
    without = edges_of(tmp_path, {**BASE, "pkg/m.py": source}, type_checking_imports=False)
    assert ("pkg.m", "pkg.z") not in without


def test_missing_internal_module_goes_to_nearest_parent(tmp_path):
    assert ("pkg.m", "pkg.a") in edges_of(tmp_path, {**BASE, "pkg/m.py": "import pkg.a.gone.deeper\n"})


def test_external_imports_are_kept_apart(tmp_path):
    source = "import os.path\nimport requests\nfrom json import dumps\n"
    edges = edges_of(tmp_path, {**BASE, "pkg/m.py": source})
    assert edges == {("pkg.m", "os.path"), ("pkg.m", "requests"), ("pkg.m", "json")}


def test_self_import_is_not_a_dependency(tmp_path):
    assert edges_of(tmp_path, {**BASE, "pkg/a/__init__.py": "from . import something\n"}) == set()


def test_facts_record_position_and_flags():
    facts = extract(b"import os\n\ndef f():\n    from . import x  # noqa\n")
    first, second = facts.imports
    assert (first.line, first.column, first.in_function) == (1, 1, False)
    assert (second.line, second.column, second.in_function, second.level) == (4, 5, True, 1)
    assert second.text == "from . import x  # noqa"


def test_multiline_import_reports_its_first_line():
    facts = extract(b"from pkg.a import (\n    b,\n    c,\n)\n")
    (fact,) = facts.imports
    assert (fact.line, fact.end_line, fact.names) == (1, 4, ("b", "c"))
