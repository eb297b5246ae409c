"""depcheck's module graph of real packages equals grimp's (import-linter's engine).

Known, deliberate difference: grimp keeps a module's import of itself
(``rich.box`` imports ``rich.box`` in its ``__main__`` block); depcheck drops
self-loops, which cannot break an architecture. A stub with no module file of its name
(``extension.pyi`` of a compiled extension) is a module for depcheck, as for type checkers
and tach, and not for grimp; none of the packages compared here has one (their graphs would
differ by those modules and the imports that land on them instead of their package).
Everything else must match:
the same modules (including importlib-loaded files such as
``rich/_unicode_data/unicode10-0-0.py``, and excluding folders without
``__init__.py`` inside a regular package) and the same edges.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import grimp
import pytest

from depcheck.config import Config
from depcheck.discover import discover
from depcheck.graph import build_graph
from depcheck.model import ExtractionSettings
from depcheck.pipeline import read_facts


def depcheck_graph(root: Path, package: str) -> tuple[set[str], set[tuple[str, str]]]:
    """The modules and the import edges, extracted with uses on (as ``depcheck check`` does).

    Uses (calls, dotted access, re-exports) add evidence and edges grimp cannot see;
    only the edges with import evidence are grimp's to compare.
    """
    config = Config(path=root / "depcheck.toml", root=root, packages=(package,))
    project = discover(config)
    facts = read_facts(project, ExtractionSettings(uses=config.use_settings))
    assert any(f.uses for f in facts.values())
    graph = build_graph(project.files, facts, (package,))
    imports = {
        (a, b) for a, b, evidence in graph.graph.edges(data="evidence") if any(e.kind == "import" for e in evidence)
    }
    return set(graph.files), imports


def without_namespace_portions(root: Path, modules: set[str], edges: set[tuple[str, str]]):
    """depcheck's graph less the folders without __init__.py inside a regular package: Python
    imports them (flask/sansio), depcheck analyses them, grimp does not -- a deliberate difference."""
    portions = set()
    for module in modules:
        parts = module.split(".")
        for end in range(2, len(parts)):
            folder = root.joinpath(*parts[:end])
            if folder.is_dir() and not (folder / "__init__.py").exists():
                portions.add(module)
    return modules - portions, {(a, b) for a, b in edges if a not in portions and b not in portions}, portions


def grimp_graph(package: str) -> tuple[set[str], set[tuple[str, str]]]:
    graph = grimp.build_graph(package, cache_dir=None)
    edges = {
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if importer != imported
    }
    return set(graph.modules), edges


def test_namespace_portions_inside_a_package_are_the_only_extra_modules():
    spec = importlib.util.find_spec("networkx")
    root = Path(list(spec.submodule_search_locations)[0]).parent
    _, _, portions = without_namespace_portions(root, *depcheck_graph(root, "networkx"))
    # networkx/algorithms/minors/tests has no __init__.py: its test module is a namespace portion.
    assert "networkx.algorithms.minors.tests.test_contraction" in portions


@pytest.mark.parametrize("package", ["networkx", "libcst", "rich"])
def test_same_graph_as_grimp_on_installed_packages(package):
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.submodule_search_locations
    root = Path(list(spec.submodule_search_locations)[0]).parent
    modules, edges, _ = without_namespace_portions(root, *depcheck_graph(root, package))
    grimp_modules, grimp_edges = grimp_graph(package)
    assert modules == grimp_modules
    assert edges - grimp_edges == set()
    assert grimp_edges - edges == set()
    assert len(edges) > 300


def test_same_graph_as_grimp_on_django(django_source, monkeypatch):
    monkeypatch.syspath_prepend(str(django_source))
    modules, edges, _ = without_namespace_portions(django_source, *depcheck_graph(django_source, "django"))
    grimp_modules, grimp_edges = grimp_graph("django")
    assert modules == grimp_modules
    assert edges == grimp_edges
    assert len(modules) > 800 and len(edges) > 2500
