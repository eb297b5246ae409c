"""depcheck's own cycle search finds the same cycles, in the same order, as networkx's."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from depcheck.rules import CYCLE_SEARCH_LIMIT, simple_cycles


def networkx_cycles(count: int, edges: list[tuple[int, int]], limit: int) -> list[list[int]]:
    # Built the way check_cycles used to build it: every node first, then the sorted edges.
    graph = nx.DiGraph()
    graph.add_nodes_from(range(count))
    graph.add_edges_from(edges)
    return list(itertools.islice(nx.simple_cycles(graph), limit))


@st.composite
def graphs(draw):
    count = draw(st.integers(2, 12))
    pairs = st.tuples(st.integers(0, count - 1), st.integers(0, count - 1))
    return count, sorted(draw(st.sets(pairs, max_size=count * count)))


@settings(max_examples=400, deadline=None)
@given(graphs())
def test_the_same_cycles_in_the_same_order_as_networkx(graph):
    count, edges = graph
    expected = networkx_cycles(count, edges, CYCLE_SEARCH_LIMIT)
    assert list(itertools.islice(simple_cycles(edges), CYCLE_SEARCH_LIMIT)) == expected


def test_the_same_first_cycles_when_the_search_is_cut_short():
    # A complete graph on 8 nodes has 16064 elementary cycles: far more than the limit.
    edges = [(a, b) for a in range(8) for b in range(8) if a != b]
    expected = networkx_cycles(8, edges, CYCLE_SEARCH_LIMIT)
    assert len(expected) == CYCLE_SEARCH_LIMIT
    assert list(itertools.islice(simple_cycles(edges), CYCLE_SEARCH_LIMIT)) == expected
    assert sum(1 for _ in simple_cycles(edges)) == 16064
