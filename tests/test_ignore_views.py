"""A rule's view without what suppressions and exceptions take out of it.

The view filters only the rows of the modules an ignore can reach (those whose file holds a
suppression comment, those an exception's source covers) and shares every other row with the
unfiltered view. Random ignores on generated projects check that this equals filtering every
piece of evidence of the graph, and that the rows left alone are shared, not copied.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from depcheck import cache, pipeline
from depcheck.config import AcceptedDependency, load_config
from depcheck.filters.ignores import Ignores
from depcheck.graph import DependencyGraph, Keep
from tests.test_incremental_graph import edit, modules, new_project

RULES = ("layer", "cycle", "forbidden", "independence", "event-not-consumed")


def built(root: Path) -> tuple[DependencyGraph, Ignores]:
    config = load_config(root / "pyproject.toml")
    project = pipeline.discover_checked(config)
    table = cache.load_facts(project, pipeline.extraction_settings(config), parallel=False)
    facts = table.facts()
    graph = pipeline.build(config, project, facts, digests=table.digests)
    return graph, Ignores.collect(project.files, facts, ())


def random_exceptions(rng: random.Random, names: list[str]) -> tuple[AcceptedDependency, ...]:
    found = []
    for number in range(rng.randint(1, 4)):
        source, target = rng.choice(names), rng.choice(names)
        shape = rng.choice(["module", "package", "glob", "exact", "exact-glob", "anything"])
        if shape == "package":
            source, target = source.rsplit(".", 1)[0], target.rsplit(".", 1)[0]
        elif shape == "glob":
            source = source.rsplit(".", 1)[0] + ".m[01]"
        elif shape == "exact-glob":
            source = source.rsplit(".", 1)[0] + ".*"
        elif shape == "anything":
            source, target = "app.*", "app"
        rules = tuple(rng.sample(RULES, rng.randint(1, 2))) if rng.random() < 0.3 else ()
        found.append(AcceptedDependency(
            source, target, "test", rules, f"exceptions[{number}]", exact=shape.startswith("exact"),
        ))
    return tuple(found)


def filtered_everywhere(graph: DependencyGraph, keep: Keep) -> tuple[dict, dict, frozenset]:
    """The view as filtering every piece of evidence of the graph gives it."""
    adjacency = {m: {} for m in graph.files}
    for (source, target), evidence in graph.edges.items():
        kept = tuple(e for e in evidence if keep.evidence(e))
        if kept:
            adjacency[source][target] = kept
    external = {m: kept for m, ev in graph.external.items() if (kept := tuple(e for e in ev if keep.evidence(e)))}
    sites = frozenset(
        e for event in graph.events for e in (*event.publishers, *event.consumers) if not keep.evidence(e)
    )
    return adjacency, external, sites


@pytest.mark.parametrize("seed", range(16))
def test_a_filtered_view_equals_filtering_every_site_and_shares_the_rows_no_ignore_reaches(tmp_path, seed):
    rng = random.Random(seed)
    new_project(rng, tmp_path)
    for step in range(1, rng.randint(2, 5)):
        edit(rng, tmp_path, step)
    graph, found = built(tmp_path)
    ignores = Ignores(found.comments, random_exceptions(rng, modules(tmp_path)))
    whole = graph.view(None).adjacency
    for rule in RULES:
        keep = ignores.keep(rule, graph.files)
        if keep is None:
            continue
        view = graph.view(keep)
        adjacency, external, sites = filtered_everywhere(graph, keep)
        assert {m: dict(row) for m, row in view.adjacency.items()} == adjacency, rule
        assert dict(view.external) == external, rule
        assert view.ignored_event_sites == sites, rule
        for module, row in view.adjacency.items():
            if module not in keep.sources:
                assert row is whole[module]


def test_rules_that_the_same_ignores_apply_to_share_one_view(tmp_path):
    rng = random.Random(3)
    new_project(rng, tmp_path)
    graph, found = built(tmp_path)
    everywhere = AcceptedDependency("app.a", "app.b", "test")
    only_layer = AcceptedDependency("app.b", "app.c", "test", ("layer",), "exceptions[1]")
    ignores = Ignores({}, (everywhere, only_layer))
    layer, cycle, forbidden = (ignores.keep(rule, graph.files) for rule in ("layer", "cycle", "forbidden"))
    assert cycle is forbidden and graph.view(cycle) is graph.view(forbidden)
    assert layer is not cycle and graph.view(layer) is not graph.view(cycle)
    # Only app.a's modules can lose evidence to the first exception, app.b's to the second.
    assert cycle.sources == {m for m in graph.files if m == "app.a" or m.startswith("app.a.")}
    assert layer.sources == {m for m in graph.files if m.split(".")[:2] in (["app", "a"], ["app", "b"])}
    assert Ignores({}, (only_layer,)).keep("cycle", graph.files) is None
