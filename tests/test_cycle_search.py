"""depcheck's own elementary-cycle search finds exactly the cycles networkx finds, shortest first."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from depcheck.rules.cycle import elementary_cycles
from tests.conftest import run_json


def canonical(cycle) -> tuple[int, ...]:
    start = cycle.index(min(cycle))
    return tuple(cycle[start:]) + tuple(cycle[:start])


def as_successors(count: int, edges) -> dict[int, list[int]]:
    successors: dict[int, list[int]] = {v: [] for v in range(count)}
    for a, b in edges:
        successors[a].append(b)
    return successors


@st.composite
def graphs(draw):
    count = draw(st.integers(1, 10))
    pairs = st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))
    edges = sorted(draw(st.sets(pairs, max_size=count * 3)))
    return count, [(a, b) for a, b in edges if a != b]


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_the_same_cycles_as_networkx_each_once_from_its_smallest_node(graph):
    count, edges = graph
    reference = nx.DiGraph()
    reference.add_nodes_from(range(count))
    reference.add_edges_from(edges)
    expected = sorted(canonical(c) for c in nx.simple_cycles(reference))
    found = list(elementary_cycles(as_successors(count, edges)))
    assert all(cycle[0] == min(cycle) for cycle in found)
    assert found == sorted(found, key=lambda c: (len(c), c))  # shortest first, then in order
    assert sorted(found) == expected
    assert len(set(found)) == len(found)


def test_a_complete_graph_has_every_cycle_and_the_order_is_stable():
    edges = [(a, b) for a in range(8) for b in range(8) if a != b]
    found = list(elementary_cycles(as_successors(8, edges)))
    assert len(found) == 16064  # sum over k of C(8, k) * (k - 1)!
    assert found == list(elementary_cycles(as_successors(8, reversed(edges))))
    assert found[:3] == [(0, 1), (0, 2), (0, 3)]  # shortest first, then in order
    assert [len(c) for c in found] == sorted(len(c) for c in found)


def test_acyclic_and_empty_graphs():
    assert list(elementary_cycles({})) == []
    assert list(elementary_cycles({0: [1], 1: [2], 2: []})) == []


# --------------------------------------------------------------------------- evidence per hop


def _tangle(project, suppress_last: bool = False):
    """a -> b through 15 modules of b (and a comment on the last), b -> a once: a cycle cut at b -> a."""
    imports = [f"import app.b.m{i:02d}" for i in range(15)]
    if suppress_last:
        imports[-1] += "  # depcheck: ignore[cycle]"
    files = {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        "app/__init__.py": "",
        "app/a/__init__.py": "",
        "app/a/x.py": "\n".join(imports) + "\n",
        "app/b/__init__.py": "",
        "app/b/y.py": "import app.a.x\n",
        **{f"app/b/m{i:02d}.py": "" for i in range(15)},
    }
    return project(files)


def test_a_cycle_lists_a_capped_number_of_sites_a_hop(project, monkeypatch):
    from depcheck.rules import cycle

    root = _tangle(project)
    _, document = run_json(root, "--no-cache")
    [found] = [v for v in document["violations"] if v["rule"] == "cycle"]
    hops = [(e["from"].rsplit(".", 1)[0], e["to"].rsplit(".", 1)[0]) for e in found["evidence"]]
    assert hops.count(("app.a", "app.b")) == cycle.EVIDENCE_PER_HOP
    assert hops.count(("app.b", "app.a")) == 1  # the hop to cut, located at its one site
    assert found["location"]["file"] == "app/b/y.py"
    assert found["hint"].endswith("; 5 more sites not listed (the first 10 of each hop are)")
    # The same violation as with every site: its identity, message and location.
    monkeypatch.setattr(cycle, "trimmed", lambda violation, memo=None: violation)
    _, whole = run_json(root, "--no-cache")
    [full] = [v for v in whole["violations"] if v["rule"] == "cycle"]
    assert len(full["evidence"]) == 16 and "not listed" not in full["hint"]
    for name in ("fingerprint", "message", "location", "cycle"):
        assert found[name] == full[name]
    # Cached and uncached runs store and report the same.
    monkeypatch.undo()
    _, first = run_json(root)
    _, cached = run_json(root)
    assert first["violations"] == cached["violations"] == document["violations"]


def test_a_site_left_out_of_the_listing_still_uses_its_suppression(project):
    _, document = run_json(_tangle(project, suppress_last=True), "--no-cache")
    assert [v["rule"] for v in document["violations"]] == ["cycle"]  # no unused-ignore warning


def test_the_located_dependency_keeps_every_site(project):
    """--add-ignores annotates every site of the dependency a cycle is located at: none is left out."""
    from depcheck.codemod import ignore_sites
    from depcheck.model import Evidence, Location, Violation
    from depcheck.rules.cycle import EVIDENCE_PER_HOP, trimmed

    sites = [Evidence("a/x.py", line, 1, "app.a.x", "app.b.m", "import") for line in range(1, 30)]
    back = [Evidence("b/y.py", 1, 1, "app.b.y", "app.a.x", "import", event="E")] * 1
    violation = Violation("cycle", "error", "loop", Location("a/x.py", 1, 1), cycle=("app.a", "app.b", "app.a"),
                          evidence=(*sites, *back), hint="cut")
    kept = trimmed(violation)
    assert kept.evidence == violation.evidence  # all 29 are the located dependency's
    elsewhere = Violation("cycle", "error", "loop", Location("b/y.py", 1, 1), cycle=("app.a", "app.b", "app.a"),
                          evidence=(*sites, *back), hint="cut")
    cut = trimmed(elsewhere)
    assert len(cut.evidence) == EVIDENCE_PER_HOP + 1 and cut.key == elsewhere.key
    assert ignore_sites([cut]) == ignore_sites([elsewhere])
