"""Properties of the rules on generated layered codebases (hypothesis, bounded for CI)."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depcheck.config import load_config
from depcheck.discover import Project, discover
from depcheck.pipeline import run
from tests.conftest import write_project

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def layered_codebase(draw):
    """Layers of components, modules in components, and only downward/internal imports."""
    layer_count = draw(st.integers(2, 4))
    layers = [[f"c{i}_{j}" for j in range(draw(st.integers(1, 2)))] for i in range(layer_count)]
    modules = {c: [f"m{k}" for k in range(draw(st.integers(1, 3)))] for layer in layers for c in layer}
    rank = {c: i for i, layer in enumerate(layers) for c in layer}
    everything = [(c, m) for c in modules for m in modules[c]]
    edges = set()
    for source in everything:
        allowed = [t for t in everything if rank[t[0]] > rank[source[0]] or (t[0] == source[0] and t != source)]
        if allowed:
            edges.update((source, t) for t in draw(st.lists(st.sampled_from(allowed), max_size=3)))
    return layers, modules, rank, sorted(edges)


def materialise(root: Path, layers, modules, edges) -> Path:
    imports: dict[tuple[str, str], list[str]] = {}
    for source, target in edges:
        imports.setdefault(source, []).append(f"import app.{target[0]}.{target[1]}\n")
    files = {"app/__init__.py": ""}
    for component, names in modules.items():
        files[f"app/{component}/__init__.py"] = ""
        for name in names:
            files[f"app/{component}/{name}.py"] = "".join(imports.get((component, name), []))
    layer_lines = ", ".join("[" + ", ".join(f'"app.{c}"' for c in layer) + "]" for layer in layers)
    files["pyproject.toml"] = f'[tool.depcheck]\npackages = ["app"]\nlayers = [{layer_lines}]\n'
    return write_project(root, files)


@SETTINGS
@given(layered_codebase())
def test_a_layering_whose_edges_all_point_down_is_clean(codebase):
    layers, modules, _, edges = codebase
    with tempfile.TemporaryDirectory() as tmp:
        root = materialise(Path(tmp), layers, modules, edges)
        result = run(load_config(root / "pyproject.toml"))
    assert result.violations == []


@SETTINGS
@given(layered_codebase(), st.randoms(use_true_random=False))
def test_adding_an_upward_edge_always_yields_a_layer_finding(codebase, rnd):
    layers, modules, rank, edges = codebase
    lower = [(c, m) for c in modules for m in modules[c] if rank[c] > 0]
    source = rnd.choice(lower)
    higher = [(c, m) for c in modules for m in modules[c] if rank[c] < rank[source[0]]]
    target = rnd.choice(higher)
    with tempfile.TemporaryDirectory() as tmp:
        root = materialise(Path(tmp), layers, modules, [*edges, (source, target)])
        result = run(load_config(root / "pyproject.toml"))
    chains = [v.chain for v in result.violations if v.rule == "layer"]
    assert (f"app.{source[0]}.{source[1]}", f"app.{target[0]}.{target[1]}") in chains


@SETTINGS
@given(layered_codebase(), st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=6))
def test_every_reported_cycle_is_a_real_cycle_of_the_graph(codebase, extra):
    layers, modules, _, edges = codebase
    everything = [(c, m) for c in modules for m in modules[c]]
    added = [(everything[a % len(everything)], everything[b % len(everything)]) for a, b in extra]
    with tempfile.TemporaryDirectory() as tmp:
        root = materialise(Path(tmp), layers, modules, [*edges, *added])
        result = run(load_config(root / "pyproject.toml"))
    graph = result.graph.graph
    component = {m: ".".join(m.split(".")[:2]) for m in graph.nodes}
    for violation in result.violations:
        if violation.rule != "cycle":
            continue
        loop = violation.cycle
        assert loop[0] == loop[-1] and len(set(loop[:-1])) == len(loop) - 1
        for a, b in zip(loop, loop[1:]):
            assert any(component[u] == a and component[v] == b for u, v in graph.edges), (a, b)
        for evidence in violation.evidence:
            assert graph.has_edge(evidence.source, evidence.target)


@SETTINGS
@given(layered_codebase(), st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), max_size=6), st.integers(0, 10**6))
def test_the_result_does_not_depend_on_file_order(codebase, extra, seed):
    layers, modules, _, edges = codebase
    everything = [(c, m) for c in modules for m in modules[c]]
    added = [(everything[a % len(everything)], everything[b % len(everything)]) for a, b in extra]

    def shuffled_discover(config, listings=None):
        project = discover(config, listings)
        files = list(project.files)
        random.Random(seed).shuffle(files)
        return Project(project.root, tuple(files), project.notes)

    with tempfile.TemporaryDirectory() as tmp:
        root = materialise(Path(tmp), layers, modules, [*edges, *added])
        config = load_config(root / "pyproject.toml")
        expected = run(config).violations
        with mock.patch("depcheck.pipeline.discover", shuffled_discover):
            assert run(config).violations == expected
