"""The fast indented JSON writer gives exactly what json.dumps(indent=2) gives."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from depcheck.report.json_report import dumps_indented

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(values)
def test_byte_for_byte_what_json_dumps_writes(value):
    assert dumps_indented(value) == json.dumps(value, indent=2)


def test_unusual_values_fall_back_to_json_dumps():
    for value in ({1: [2]}, {"a": (1, 2)}, [(1,)], {"nan": float("nan"), "x": [float("inf")]}):
        assert dumps_indented(value) == json.dumps(value, indent=2)
