"""hypothesmith-generated Python sources through extraction: facts or a parse failure, never an exception.

Bounded for CI; `DEPCHECK_FUZZ_EXAMPLES=5000 python -m pytest tests/test_source_fuzz.py`
runs the longer campaign (see README, "Hardening").
"""

from __future__ import annotations

import os

import hypothesmith
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depcheck.facts import extract
from depcheck.model import ExtractionSettings, FileFacts, Loader, UseSettings

# Uses and every dynamic kind on, with short package names random code is likely to import.
USES = UseSettings(packages=tuple("abcdefghijklmnopqrstuvwxyz_"), dynamic_imports=True,
                   django_models=True, loaders=(Loader("*", 0, "a."),))

EXAMPLES = int(os.environ.get("DEPCHECK_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])


def _check(data: bytes) -> None:
    facts = extract(data)
    assert isinstance(facts, FileFacts)
    if facts.error is not None:
        assert facts.error.line >= 1 and facts.error.message
    for fact in facts.imports:
        assert fact.line >= 1 and fact.column >= 1
    with_uses = extract(data, ExtractionSettings(uses=USES))
    assert with_uses.imports == facts.imports and with_uses.error == facts.error
    for use in with_uses.uses:
        assert use.line >= 1 and use.column >= 1 and use.name


@FUZZ
@given(hypothesmith.from_grammar())
def test_grammar_generated_sources(source):
    _check(source.encode("utf-8", "surrogatepass"))


@FUZZ
@given(hypothesmith.from_node())
def test_node_generated_sources(source):
    _check(source.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data):
    _check(data)


@FUZZ
@given(st.lists(st.sampled_from([
    b"import a.b\n", b"from . import x\n", b"from ..y import (\n z,\n)\n", b"if TYPE_CHECKING:\n", b"    ",
    b"def f():\n", b"\t", b"# depcheck: ignore[layer]\n", b"\xef\xbb\xbf", b"\r\n", b"\x00", b"'''", b"\\\n",
    b"# -*- coding: latin-1 -*-\n", b"try:\n", b"except ImportError:\n", b"class K:\n", b"pass\n", b"\xe9",
]), max_size=25))
def test_spliced_fragments(parts):
    _check(b"".join(parts))
