"""Suppression comments, config exceptions and unused-ignore warnings."""

from __future__ import annotations

from tests.conftest import rules_of, run_json

CONFIG = """
[tool.depcheck]
packages = ["app"]
layers = ["app.high", "app.low"]
"""


def files(low: str, config: str = CONFIG, **extra: str) -> dict[str, str]:
    return {
        "pyproject.toml": config, "app/__init__.py": "", "app/high/__init__.py": "",
        "app/high/h.py": "", "app/low/__init__.py": "", "app/low/y.py": low, **extra,
    }


def test_suppression_for_the_rule_hides_the_violation(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore[layer]\n")))
    assert (code, doc["violations"]) == (0, [])


def test_bare_suppression_hides_every_rule(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore\n")))
    assert (code, doc["violations"]) == (0, [])


def test_suppression_of_another_rule_does_not_hide_it(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore[cycle]\n")))
    assert code == 1
    assert sorted(rules_of(doc)) == ["layer", "unused-ignore"]


def test_suppression_on_first_line_of_a_multiline_import(project):
    low = "from app.high.h import (  # depcheck: ignore[layer]\n    a,\n    b,\n)\n"
    code, doc = run_json(project(files(low)))
    assert (code, doc["violations"]) == (0, [])


def test_several_rules_in_one_suppression(project):
    low = "import app.high.h  # depcheck: ignore[layer, forbidden]\n"
    code, doc = run_json(project(files(low)))
    # layer is used; forbidden would be unused — but a suppression is one comment:
    # used by any of its rules means used.
    assert code == 0 and doc["violations"] == []


def test_unused_suppression_is_a_warning_and_exit_stays_zero(project):
    code, doc = run_json(project(files("import os  # depcheck: ignore[layer]\n")))
    assert code == 0
    (warning,) = doc["violations"]
    assert (warning["rule"], warning["severity"]) == ("unused-ignore", "warning")
    assert warning["location"] == {"file": "app/low/y.py", "line": 1, "column": 1}


def test_unknown_rule_in_suppression_is_reported(project):
    code, doc = run_json(project(files("import app.high.h  # depcheck: ignore[layers]\n")))
    assert code == 1
    assert sorted(rules_of(doc)) == ["layer", "unused-ignore"]
    unused = [v for v in doc["violations"] if v["rule"] == "unused-ignore"]
    assert "unknown rule 'layers'" in unused[0]["message"]


def test_suppressed_middle_hop_removes_indirect_violation(project):
    code, doc = run_json(project(files(
        "import app.glue\n", **{"app/glue.py": "import app.high.h  # depcheck: ignore[layer]\n"}
    )))
    assert (code, doc["violations"]) == (0, [])


def test_config_exception_accepts_a_dependency(project):
    config = CONFIG + """
[[tool.depcheck.exceptions]]
from = "app.low.*"
to = "app.high"
reason = "legacy"
"""
    code, doc = run_json(project(files("import app.high.h\n", config)))
    assert (code, doc["violations"]) == (0, [])


def test_unused_config_exception_is_reported_at_its_line(project):
    config = CONFIG + """
[[tool.depcheck.exceptions]]
from = "app.low"
to = "app.nowhere"
reason = "stale"
"""
    code, doc = run_json(project(files("import os\n", config)))
    assert code == 0
    (warning,) = doc["violations"]
    assert warning["rule"] == "unused-ignore"
    assert warning["location"]["file"] == "pyproject.toml"
    assert warning["location"]["line"] == 5


# --------------------------------------------------------------------------- the exceptions' index


def _brute_force(ignores, evidence, rule):
    """The first exception, in config order, that covers the dependency: what the index must find."""
    for exception in ignores.exceptions:
        if exception.rules and rule not in exception.rules:
            continue
        if exception.covers(evidence.source, evidence.target) or (
            evidence.import_target and exception.covers(evidence.source, evidence.import_target)
        ):
            return exception
    return None


def test_exceptions_index_finds_what_a_scan_finds():
    import random

    from depcheck.config import AcceptedDependency
    from depcheck.filters.ignores import Ignores
    from depcheck.model import Evidence

    rng = random.Random(13)
    modules = [f"pkg.{a}.{b}.{c}" for a in "abcd" for b in "xyz" for c in ("m1", "m2", "io")]
    packages = sorted({m.rsplit(".", 1)[0] for m in modules} | {m.split(".", 2)[0] + "." + m.split(".")[1]
                                                                 for m in modules} | {"pkg"})
    patterns = modules + packages + ["pkg.*.x", "pkg.a*", "pkg.?.y.m1", "pkg.[ab].z", "pkg.*", "other"]
    exact_patterns = modules + ["pkg.*.x.m1", "pkg.**", "pkg.a.**", "pkg.?.y.m1"]
    for _ in range(20):
        exceptions = []
        for index in range(rng.randint(1, 60)):
            exact = rng.random() < 0.2
            pool = exact_patterns if exact else patterns
            rules = rng.choice([(), ("layer",), ("cycle",), ("layer", "forbidden")])
            exceptions.append(AcceptedDependency(rng.choice(pool), rng.choice(pool), "r", rules,
                                                 where=f"exceptions[{index}]", exact=exact))
        ignores = Ignores({}, tuple(exceptions))
        for _ in range(400):
            source, target = rng.sample(modules, 2)
            bound = rng.choice(["", rng.choice(modules)])
            evidence = Evidence("f.py", 1, 1, source, target, "use" if bound else "import", "", import_target=bound)
            rule = rng.choice(["layer", "cycle", "forbidden", "independence"])
            assert ignores._exception_for(evidence, rule) == _brute_force(ignores, evidence, rule)


def test_many_exceptions_give_the_scan_s_results(tmp_path, monkeypatch):
    """40 exceptions (modules, packages, globs, some unused) on a generated project: same report as a scan."""
    import importlib.util
    import sys
    from pathlib import Path

    from depcheck.filters.ignores import Ignores

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("bench_generator", root / "bench" / "bench.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_generator"] = bench
    try:
        spec.loader.exec_module(bench)
        bench.generate_synth(tmp_path, 300, 3)
    finally:
        del sys.modules["bench_generator"]
    layers = [f"synth.l{i:02d}" for i in range(bench.SYNTH_LAYERS)]
    config = '[tool.depcheck]\npackages = ["synth"]\nlayers = [' + ", ".join(f'"{x}"' for x in layers) + "]\n"
    (tmp_path / "pyproject.toml").write_text(config)
    _, plain = run_json(tmp_path, "--no-cache")
    pairs = sorted({(v["source"], v["target"]) for v in plain["violations"] if v["rule"] == "layer"})
    assert len(pairs) >= 30, len(pairs)
    entries = [(s, t, "") for s, t in pairs[:28]]
    entries += [("synth.l1*", "synth.l0*", ""), ("synth.l19.*", "synth.l18", "layer"), ("synth.l05", "synth.l04", ""),
                ("synth.l0?", "synth", "cycle"), ("synth", "synth.l00", "layer")]
    entries += [(f"synth.l{i:02d}", "synth.l19", "") for i in range(7)]  # nothing goes up to l19: unused
    text = config + "".join(
        f'\n[[tool.depcheck.exceptions]]\nfrom = "{s}"\nto = "{t}"\nreason = "accepted"\n'
        + (f'rules = ["{r}"]\n' if r else "")
        for s, t, r in entries
    )
    assert len(entries) == 40
    (tmp_path / "pyproject.toml").write_text(text)
    _, indexed = run_json(tmp_path, "--no-cache")
    monkeypatch.setattr(Ignores, "_exception_for", lambda self, evidence, rule: _brute_force(self, evidence, rule))
    _, scanned = run_json(tmp_path, "--no-cache")
    for document in (indexed, scanned):
        document["summary"].pop("seconds", None)
    assert indexed == scanned
    assert len(indexed["violations"]) < len(plain["violations"])
    assert any(v["rule"] == "unused-ignore" for v in indexed["violations"])
