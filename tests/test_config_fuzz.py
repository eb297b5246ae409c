"""Generated configs through the loader: a valid Config or a ConfigError with lines, nothing else."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from depcheck.config import Config, ConfigError, parse_config
from depcheck.pipeline import discover_checked

KEYS = ["packages", "source_roots", "exclude", "layers", "containers", "forbidden", "exceptions",
        "type_checking_imports", "acyclic", "max_cycles", "layerz", "from", "to", "reason", "rules", "indirect"]
NAMES = st.sampled_from(["app", "app.a", "app.b", "app.a.x", "nope", "", "app..a", "1app", "app.*", "requests",
                         "layer", "cycle", "../x", "src"])
SCALARS = st.one_of(NAMES, st.text(max_size=8), st.integers(-3, 30), st.booleans(), st.floats(allow_nan=False))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=int(os.environ.get("DEPCHECK_FUZZ_EXAMPLES", "300")), deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), VALUES, max_size=6))
def test_the_loader_returns_a_config_or_a_config_error(raw):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name in ("app/__init__.py", "app/a/__init__.py", "app/a/x.py", "app/b/__init__.py"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("")
        try:
            config = parse_config(raw, root / "pyproject.toml", "", "tool.depcheck.")
        except ConfigError as error:
            assert error.problems and all(isinstance(p, str) and "\n" not in p for p in error.problems)
            return
        assert isinstance(config, Config)
        try:
            discover_checked(config)
        except ConfigError as error:
            assert error.problems
