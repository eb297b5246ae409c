"""depcheck's own elementary-cycle search finds exactly the cycles networkx finds, shortest first."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from depcheck.rules.cycle import elementary_cycles


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
