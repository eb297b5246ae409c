"""The facts and result cache: a run with the cache must equal a run without it."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, make_dataclass
from pathlib import Path
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depcheck import cache, pipeline, pool, store
from depcheck.config import load_config
from depcheck.discover import discover
from depcheck.entry import main
from depcheck.model import ExtractionSettings, FileFacts, ImportFact, ParseFailure, Suppression, UseSettings
from tests.conftest import run_json, write_project

CONFIG = """
[tool.depcheck]
packages = ["app"]
layers = ["app.high", "app.mid", "app.low"]
"""

FILES = {
    "pyproject.toml": CONFIG,
    "app/__init__.py": "",
    "app/high/__init__.py": "",
    "app/high/h.py": "import app.mid.m\n",
    "app/mid/__init__.py": "",
    "app/mid/m.py": "from app.low import l\n",
    "app/low/__init__.py": "",
    "app/low/l.py": "def f():\n    return 1\n",
    "app/low/other.py": "X = 1\n",
}


def run(root: Path, **kwargs) -> pipeline.Result:
    return pipeline.run(load_config(root / "pyproject.toml"), **kwargs)


def comparable(result: pipeline.Result) -> tuple:
    """Everything a user sees of a run except the elapsed time."""
    summary = result.summary
    return (
        result.violations,
        result.notes,
        (summary.files, summary.modules, summary.dependencies, summary.errors, summary.warnings),
    )


def same_as_without_cache(root: Path, **kwargs) -> pipeline.Result:
    cached = run(root, **kwargs)
    fresh = run(root, use_cache=False)
    assert comparable(cached) == comparable(fresh)
    return cached


def edit(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- what is re-read


def test_unchanged_files_are_not_parsed_again_and_a_changed_one_is(tmp_path):
    root = write_project(tmp_path, FILES)
    first = run(root)
    assert len(first.parsed) == 8
    assert run(root).parsed == ()
    edit(root / "app/low/l.py", "import app.high.h\n")
    second = same_as_without_cache(root)
    assert second.parsed == ("app.low.l",)
    assert {v.rule for v in second.violations} == {"layer"}  # which closes the loop it makes


def test_a_touched_file_with_the_same_bytes_is_hashed_not_parsed(tmp_path):
    root = write_project(tmp_path, FILES)
    run(root)
    later = time.time() + 5
    os.utime(root / "app/mid/m.py", (later, later))
    assert run(root).parsed == ()


def test_same_size_rewrite_with_the_old_mtime_is_still_seen(tmp_path):
    root = write_project(tmp_path, FILES)
    target = root / "app/low/other.py"
    old = time.time() - 100
    os.utime(target, (old, old))
    run(root)
    stat = target.stat()
    edit(target, "import app.high\n"[: stat.st_size].ljust(stat.st_size, "\n"))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # size and mtime as before
    result = same_as_without_cache(root)
    assert result.parsed == ("app.low.other",)


def test_a_fresh_clone_with_a_restored_cache_parses_nothing(tmp_path):
    first = write_project(tmp_path / "one", FILES)
    run(first)
    clone = write_project(tmp_path / "two", FILES)  # new inodes and mtimes, same bytes
    (clone / cache.DEFAULT_DIR).mkdir()
    for item in (first / cache.DEFAULT_DIR).iterdir():
        (clone / cache.DEFAULT_DIR / item.name).write_bytes(item.read_bytes())
    result = run(clone)
    assert result.parsed == ()
    assert comparable(result) == comparable(run(clone, use_cache=False))


def test_a_body_edit_that_keeps_the_facts_reuses_the_result_without_building_the_graph(tmp_path):
    root = write_project(tmp_path, FILES)
    run(root)
    edit(root / "app/low/l.py", "def f():\n    return 2\n")
    result = run(root)
    assert result.parsed == ("app.low.l",)
    assert result._graph is None  # the violations came from the result cache
    assert comparable(result) == comparable(run(root, use_cache=False))
    assert result.graph.number_of_edges() == result.summary.dependencies  # built on demand


def test_renamed_and_deleted_files_leave_no_stale_edge(tmp_path):
    root = write_project(tmp_path, FILES)
    run(root)
    (root / "app/mid/m.py").rename(root / "app/mid/n.py")
    result = same_as_without_cache(root)
    assert ("app.mid.n", "app.low.l") in result.graph.edges
    assert not any("app.mid.m" in pair for pair in result.graph.edges)
    (root / "app/mid/n.py").unlink()
    result = same_as_without_cache(root)
    assert not any("app.mid" in a and b == "app.low.l" for a, b in result.graph.edges)


def test_a_config_change_invalidates_the_result(tmp_path):
    root = write_project(tmp_path, FILES)
    assert run(root).violations == []
    layers = CONFIG.replace('["app.high", "app.mid", "app.low"]', '["app.low", "app.mid"]')
    edit(root / "pyproject.toml", layers)
    result = same_as_without_cache(root)
    assert "layer" in {v.rule for v in result.violations}


def test_an_extraction_setting_change_reparses_every_file(tmp_path, monkeypatch):
    root = write_project(tmp_path, FILES)
    run(root)
    assert run(root).parsed == ()
    other = ExtractionSettings(uses=UseSettings(packages=("elsewhere",)))
    monkeypatch.setattr(pipeline, "extraction_settings", lambda config: other)
    assert len(run(root).parsed) == 8


# --------------------------------------------------------------------------- robustness


def cache_files(root: Path) -> list[Path]:
    return sorted((root / cache.DEFAULT_DIR).glob("*.bin"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"",
        lambda data: os.urandom(200),
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one flipped bit in the payload
        lambda data: b'{"json": "from someone else"}',
    ],
    ids=["truncated", "empty", "garbage", "bit-flip", "foreign"],
)
def test_a_damaged_cache_file_is_ignored_and_rebuilt(tmp_path, damage):
    root = write_project(tmp_path, FILES)
    edit(root / "app/low/l.py", "import app.high.h\n")
    run(root)
    files = cache_files(root)
    assert [f.name.split("-")[0] for f in files] == ["facts", "graph", "result"]
    for path in files:
        path.write_bytes(damage(path.read_bytes()))
    result = same_as_without_cache(root)
    assert len(result.parsed) == 8
    assert run(root).parsed == ()  # rebuilt


def test_a_valid_file_with_the_wrong_shape_is_ignored(tmp_path):
    root = write_project(tmp_path, FILES)
    run(root)
    facts_file = next(p for p in cache_files(root) if p.name.startswith("facts"))
    header, body = cache._read_blob(facts_file)
    key = header[0]
    # Same key, but every entry mangled: a checksum cannot catch a file written this way.
    for mangled, rest in [
        ((key, 1, {"app/low/l.py": "x"}, {"h": 1}, {"d": 2}), body),
        ((key, *header[1:3], {h: (d, size + 1, g) for h, (d, size, g) in header[3].items()}, header[4]), body),
        (header, body[:-1]),  # the sizes no longer add up to the body
    ]:
        cache._write_blob(facts_file.parent, facts_file.name, mangled, rest)
        result = same_as_without_cache(root)
        assert len(result.parsed) == 8


def test_facts_that_do_not_decode_are_parsed_again(tmp_path):
    root = write_project(tmp_path, FILES)
    run(root)
    facts_file = next(p for p in cache_files(root) if p.name.startswith("facts"))
    (key, generation, files, index, listings), _ = cache._read_blob(facts_file)
    bad = b'["not","facts"]'
    index = {h: (d, len(bad), g) for h, (d, size, g) in index.items()}
    cache._write_blob(facts_file.parent, facts_file.name, (key, generation, files, index, listings),
                      bad * len(index))
    for path in cache_files(root):
        if path.name.startswith(("result", "graph")):  # so that the facts are decoded
            path.unlink()
    same_as_without_cache(root)


def test_a_cache_from_another_version_is_ignored(tmp_path, monkeypatch):
    root = write_project(tmp_path, FILES)
    run(root)
    assert run(root).parsed == ()
    monkeypatch.setattr(cache, "__version__", "99.0")
    result = same_as_without_cache(root)
    assert len(result.parsed) == 8


def test_a_cache_dir_that_cannot_be_written_gives_the_same_result_and_a_note(tmp_path, capsys):
    root = write_project(tmp_path / "p", FILES)
    edit(root / "app/low/l.py", "import app.high.h\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, document = run_json(root, "--cache-dir", str(blocker / "cache"))
    note = capsys.readouterr().err
    assert code == 1
    assert note.count("\n") == 1 and "cannot write the cache" in note
    assert document["violations"] == run_json(root, "--no-cache")[1]["violations"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere")
def test_a_read_only_cache_dir_gives_the_same_result(tmp_path):
    root = write_project(tmp_path, FILES)
    run(root)
    edit(root / "app/low/l.py", "import app.high.h\n")
    directory = root / cache.DEFAULT_DIR
    directory.chmod(0o555)
    try:
        result = same_as_without_cache(root)
    finally:
        directory.chmod(0o755)
    assert result.cache_note is not None


def test_a_full_disk_gives_the_same_result(tmp_path, monkeypatch):
    root = write_project(tmp_path, FILES)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache, "_write", full)
    result = same_as_without_cache(root)
    assert "No space left on device" in (result.cache_note or "")


def test_concurrent_runs_leave_a_valid_cache(tmp_path):
    files = dict(FILES)
    for index in range(60):
        files[f"app/low/gen{index}.py"] = f"import app.low.other\nVALUE = {index}\n" + "x = 1\n" * 200
    root = write_project(tmp_path, files)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    command = [sys.executable, "-m", "depcheck", "check", "--format", "json", str(root)]
    for _ in range(3):
        processes = [subprocess.Popen(command, stdout=subprocess.PIPE, env=env) for _ in range(4)]
        outputs = [json.loads(p.communicate()[0]) for p in processes]
        assert all(p.returncode == 0 for p in processes)
        assert len({json.dumps(o["violations"]) for o in outputs}) == 1
        edit(root / "app/low/gen0.py", f"VALUE = {time.time()}\n")
    assert not list((root / cache.DEFAULT_DIR).glob(".*.tmp"))  # no temporary file left behind
    assert run(root).parsed == ("app.low.gen0",)
    same_as_without_cache(root)


def test_the_cache_dir_ignores_itself_and_no_cache_writes_nothing(tmp_path):
    root = write_project(tmp_path, FILES)
    run_json(root, "--no-cache")
    assert not (root / cache.DEFAULT_DIR).exists()
    run_json(root)
    assert (root / cache.DEFAULT_DIR / ".gitignore").read_text().splitlines()[-1] == "*"
    elsewhere = tmp_path / "elsewhere"
    run_json(root, "--cache-dir", str(elsewhere))
    # The report and the manifest for replay too.
    assert [p.name.split("-")[0] for p in sorted(elsewhere.glob("*.bin"))] == [
        "facts", "graph", "replay", "report", "result",
    ]


# --------------------------------------------------------------------------- discovery listings


def stored_listings(root: Path) -> dict:
    """The listings the facts file holds, its journal applied."""
    base = next(p for p in cache_files(root) if p.name.startswith("facts"))
    return cache.FactsCache(base.parent, cache._read_blob(base)[0][0]).listings


def test_remembered_directory_listings_see_added_and_removed_files(tmp_path, monkeypatch):
    from depcheck import discover as discover_module

    root = write_project(tmp_path, FILES)
    run(root)
    assert stored_listings(root) == {}  # directories changed a moment ago are not remembered
    monkeypatch.setattr(discover_module, "RACY_NS", 0)
    run(root)
    assert len(stored_listings(root)) == 4  # the listings of app/ and its three packages
    edit(root / "app/low/new.py", "import app.high.h\n")
    (root / "app/low/other.py").unlink()
    result = same_as_without_cache(root)
    modules = {f.module for f in result.project.files}
    assert "app.low.new" in modules and "app.low.other" not in modules
    assert "layer" in {v.rule for v in result.violations}


# --------------------------------------------------------------------------- property: cache == no cache

MODULES = ["app.high.h", "app.mid.m", "app.low.l", "app.low.other", "app.mid.extra"]
Edit = st.tuples(
    st.sampled_from(["imports", "body", "touch", "delete", "rename", "syntax", "suppress"]),
    st.sampled_from(MODULES),
    st.lists(st.sampled_from(MODULES), max_size=3),
)


def path_of(module: str) -> str:
    return module.replace(".", "/") + ".py"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(Edit, min_size=1, max_size=6))
def test_results_with_the_cache_equal_results_without_it(tmp_path_factory, edits):
    root = write_project(tmp_path_factory.mktemp("p"), FILES)
    run(root)
    for number, (kind, module, imports) in enumerate(edits):
        path = root / path_of(module)
        lines = [f"import {target}" for target in imports]
        if kind == "imports":
            edit(path, "\n".join(lines) + "\n")
        elif kind == "body":
            edit(path, "\n".join(lines) + f"\ndef f():\n    return {number}\n")
        elif kind == "touch" and path.exists():
            os.utime(path, (time.time() + number, time.time() + number))
        elif kind == "delete" and path.exists():
            path.unlink()
        elif kind == "rename" and path.exists():
            path.rename(path.with_name(f"renamed{number}.py"))
        elif kind == "syntax":
            edit(path, "def broken(:\n")
        elif kind == "suppress":
            edit(path, "".join(f"{line}  # depcheck: ignore[layer]\n" for line in lines))
        same_as_without_cache(root)


# --------------------------------------------------------------------------- parallel extraction


def test_parallel_and_serial_extraction_give_identical_facts_and_results():
    root = Path(__file__).parent.parent
    config = load_config(root / "pyproject.toml")
    project = discover(config)
    serial = cache.load_facts(project, pipeline.extraction_settings(config), parallel=False)
    parallel = cache.load_facts(project, pipeline.extraction_settings(config), parallel=True)
    assert serial.digests == parallel.digests
    assert serial.facts() == parallel.facts()
    one = pipeline.run(config, use_cache=False, parallel=False)
    two = pipeline.run(config, use_cache=False, parallel=True)
    assert comparable(one) == comparable(two)


def test_facts_a_worker_sent_as_text_are_cached_and_read_back_as_parsed(tmp_path):
    root = Path(__file__).parent.parent
    config = load_config(root / "pyproject.toml")
    project = discover(config)
    settings = pipeline.extraction_settings(config)
    facts_cache = cache.FactsCache(tmp_path, cache.facts_key(settings))
    parallel = cache.load_facts(project, settings, facts_cache, parallel=True)
    if pool.cpu_count() > 1:  # one core: no worker, every file parsed here
        assert any(type(plain) is bytes for plain in parallel.plain.values())
    expected = cache.load_facts(project, settings, parallel=False).facts()
    assert parallel.facts() == expected
    facts_cache.save(source.path for source in project.files)
    again = cache.load_facts(project, settings, cache.FactsCache(tmp_path, cache.facts_key(settings)))
    assert again.parsed == [] and again.facts() == expected


def test_facts_parsed_in_this_process_are_read_without_decoding_and_equal_the_decoded_ones():
    root = Path(__file__).parent.parent
    config = load_config(root / "pyproject.toml")
    project = discover(config)
    table = cache.load_facts(project, pipeline.extraction_settings(config), parallel=False)
    assert set(table.made) == set(table.digests)  # every file was parsed here
    decoded = {
        module: cache.decode_facts(json.loads(plain) if type(plain) is bytes else plain)
        for module, plain in table.plain.items()
    }
    assert table.facts() == decoded
    assert not table.made and set(table.decoded) == set(decoded)  # each moved once read


def test_parallel_extraction_reports_progress_and_unreadable_files(tmp_path):
    files = {**FILES, **{f"app/low/gen{i}.py": f"import app.mid.m\nX = {i}\n" for i in range(40)}}
    root = write_project(tmp_path, files)
    (root / "app/low/gen3.py").chmod(0)
    seen: list[tuple[int, int]] = []
    try:
        result = run(
            root, use_cache=False, parallel=True, progress=lambda done, total: seen.append((done, total))
        )
    finally:
        (root / "app/low/gen3.py").chmod(0o644)
    assert seen[-1] == (48, 48)
    if os.geteuid() != 0:
        assert any(v.rule == "parse-error" and "cannot read" in v.message for v in result.violations)


# --------------------------------------------------------------------------- generic codec and schema


def test_every_facts_field_round_trips_through_the_codec():
    facts = FileFacts(
        imports=(ImportFact(3, 5, "a.b", ("c", "*"), 2, True, True, False, 4, "from ..a.b import c"),),
        suppressions=(Suppression(7, ("layer",)), Suppression(8)),
        error=ParseFailure(1, 2, "bad"),
    )
    plain = cache.encode_facts(facts)
    assert cache.decode_facts(plain) == facts
    assert cache.decode_facts(cache.encode_facts(FileFacts())) == FileFacts()


@dataclass(frozen=True)
class Site:
    line: int
    name: Optional[str] = None


@dataclass(frozen=True)
class Richer:
    sites: tuple[Site, ...] = ()
    names: frozenset[str] = frozenset()
    owners: dict[str, int] = None  # type: ignore[assignment]
    pair: tuple[int, str] = (0, "")
    ratio: float = 0.0


def test_new_fields_of_any_supported_type_need_no_cache_code():
    encode, decode = cache.codec(Richer)
    value = Richer((Site(1, "x"), Site(2)), frozenset({"b", "a"}), {"e": 1}, (3, "y"), 0.5)
    assert decode(encode(value)) == value
    assert encode(value) == encode(Richer(value.sites, frozenset({"a", "b"}), {"e": 1}, (3, "y"), 0.5))


def test_the_schema_digest_changes_when_a_nested_field_changes():
    def schema(*site_fields: tuple) -> str:
        # Same class names each time: only the fields differ, as between two depcheck versions.
        site = make_dataclass("Site", list(site_fields), frozen=True)
        fields = [("sites", tuple[site, ...]), ("error", Optional[site])]
        holder = make_dataclass("Holder", fields, frozen=True)
        return cache.schema_digest(holder)

    base = schema(("line", int))
    assert schema(("line", int)) == base
    assert schema(("line", int), ("column", int)) != base  # a field added
    assert schema(("line", str)) != base  # a type changed
    assert schema(("row", int)) != base  # a field renamed


@pytest.mark.parametrize(
    "plain",
    [
        None,
        (),
        ((), (), None, "extra"),
        (((True, 1, "m", (), 0, False, False, False, 1, ""),), (), None),  # bool where an int belongs
        ((("1", 1, "m", (), 0, False, False, False, 1, ""),), (), None),
        (((1, 1, "m", ["c"], 0, False, False, False, 1, ""),), (), None),  # a list is not a tuple
        ((), ((1, ("layer", 2)),), None),
    ],
)
def test_decoding_checks_every_value(plain):
    with pytest.raises(cache.CacheError):
        cache.decode_facts(plain)


def test_an_unsupported_field_type_is_a_clear_error():
    bad = make_dataclass("Bad", [("value", list[int])], frozen=True)
    with pytest.raises(TypeError, match="cannot store a field"):
        cache.codec(bad)


# --------------------------------------------------------------------------- start-up and progress


def modules_imported_by_a_check(root: Path) -> list[str]:
    script = (
        "import sys, io, contextlib\n"
        "from depcheck.entry import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', '--format', 'json', {str(root)!r}])\n"
        "heavy = ('networkx', 'libcst', 'rich', 'depcheck.facts', 'depcheck.graph', 'multiprocessing')\n"
        "print(' '.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    command = [sys.executable, "-c", script]
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    return output.stdout.split()


def test_start_up_imports_only_what_the_run_needs(tmp_path):
    root = write_project(tmp_path, FILES)
    run_json(root)
    # Nothing changed: the result comes from the cache; no parser, no graph.
    assert modules_imported_by_a_check(root) == []
    # One file's imports changed: it is parsed and the graph built, still without networkx.
    edit(root / "app/low/l.py", "import app.high.h\n")
    assert modules_imported_by_a_check(root) == ["depcheck.facts", "depcheck.graph"]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_shows_only_on_a_terminal_in_text_mode(tmp_path, monkeypatch):
    from depcheck import cli

    files = {**FILES, **{f"app/low/gen{i}.py": f"X = {i}\n" for i in range(30)}}
    root = write_project(tmp_path, files)
    monkeypatch.setattr(cli._ProgressBar, "DELAY", 0.0)
    monkeypatch.setattr(cli._ProgressBar, "__call__", _drawing_every_call(cli._ProgressBar.__call__))
    cases = (("json", Terminal(), False), ("text", io.StringIO(), False), ("text", Terminal(), True))
    for fmt, stream, expect in cases:
        monkeypatch.setattr(sys, "stderr", stream)
        with contextlib.redirect_stdout(io.StringIO()):
            main(["check", "--no-cache", "--format", fmt, str(root)])
        assert ("38/38 files" in stream.getvalue()) is expect, (fmt, stream.getvalue())


def _drawing_every_call(draw):
    def call(self, done: int, total: int) -> None:
        self.last = 0.0
        draw(self, done, total)

    return call


def test_annotations_are_resolved_as_typing_does():
    import typing

    from depcheck import model

    classes = [c for c in vars(model).values() if isinstance(c, type) and hasattr(c, "__dataclass_fields__")]
    assert len(classes) >= 8
    for cls in classes:
        assert cache._hints(cls) == typing.get_type_hints(cls), cls.__name__


def test_cache_files_nobody_wrote_for_a_day_are_removed(tmp_path):
    root = write_project(tmp_path, FILES)
    run(root)
    directory = root / cache.DEFAULT_DIR
    old = directory / "facts-0123456789abcdef.bin"
    recent = directory / "facts-fedcba9876543210.bin"
    old.write_bytes(b"from an older depcheck")
    recent.write_bytes(b"from another config")
    day_ago = time.time() - 2 * 24 * 3600
    os.utime(old, (day_ago, day_ago))
    edit(root / "app/low/other.py", "X = 2\n")
    run(root)
    assert not old.exists() and recent.exists()


def test_evidence_shared_between_violations_is_stored_once_and_read_back_equal(tmp_path):
    files = {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nacyclic = ["app.a", "app.b", "app.c"]\n',
        "app/__init__.py": "",
        "app/a.py": "import app.b\nimport app.c\n",
        "app/b.py": "import app.a\nimport app.c\n",
        "app/c.py": "import app.a\nimport app.b\n",
    }
    root = write_project(tmp_path, files)
    first = run(root)
    cycles = [v for v in first.violations if v.rule == "cycle"]
    assert len(cycles) >= 3  # the hop a -> b appears in several cycles, with the same Evidence
    again = run(root)
    assert again._graph is None and again.violations == first.violations
    shared = [e for v in again.violations for e in v.evidence if e.source == "app.a" and e.target == "app.b"]
    assert len(shared) >= 2 and all(e is shared[0] for e in shared)


def test_a_crafted_cache_with_a_valid_checksum_cannot_change_or_crash_the_run(tmp_path):
    """The cache is untrusted (CI caches can be poisoned): hostile JSON with a correct
    checksum is ignored, and nothing in it is executed."""
    import json as json_module

    from depcheck import cache as cache_mod
    from tests.conftest import run_json, write_project

    root = write_project(tmp_path, {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.high", "app.low"]\n',
        "app/__init__.py": "", "app/high/__init__.py": "", "app/low/__init__.py": "",
        "app/low/y.py": "import app.high\n",
    })
    expected = run_json(root, "--no-cache")[1]["violations"]
    run_json(root)  # writes the cache
    hostile = [
        ["x"] * 5, {"__class__": "os.system"}, [[[[[[[[[[[]]]]]]]]]]] * 3, "import os; os._exit(9)",
        [None, -1, {"a": [1, 2]}, {"b": "c"}, {}], 1e308, [[["depcheck"], {}, {}, {}, {}]],
    ]
    for path in sorted((root / cache_mod.DEFAULT_DIR).glob("*.bin")):
        for value in hostile:
            payload = json_module.dumps(value).encode()
            path.write_bytes(store.sealed(payload))
            code, document = run_json(root)
            assert (code, document["violations"]) == (1, expected)


EVERY_SHAPE = """
[tool.depcheck]
packages = ["app"]
layers = ["app.high", "app.mid", "app.low"]
type_checking_imports = false

[[tool.depcheck.exceptions]]
from = "app.low"
to = "app.high"
reason = "legacy"
rules = ["layer"]

[[tool.depcheck.forbidden]]
from = "app.low"
to = ["requests"]

[tool.depcheck.events]
presets = ["bus", "django", "blinker", "kafka"]

[tool.depcheck.events.owners]
"orders.*" = "app.mid"

[tool.depcheck.dynamic]
imports = true
django_models = true
loaders = [{ call = "get_class", module_arg = 0, prefix = "app." }]

[[tool.depcheck.contracts]]
name = "layers"
type = "layers"
layers = ["app.high", "app.mid", "app.low"]
ignore_imports = ["app.low.l -> app.high.h"]

[[tool.depcheck.contracts]]
name = "acyclic"
type = "acyclic"
children_of = ["app"]
"""


def test_start_up_is_lean_for_every_config_shape(tmp_path):
    """Contracts, ignore_imports, exceptions, events, uses and dynamic loads: a JSON check imports
    neither networkx, libcst nor rich, cold or from the cache."""
    root = write_project(tmp_path, {**FILES, "pyproject.toml": EVERY_SHAPE,
                                    "app/low/l.py": "import app.high.h\nfrom app.mid import m\nm.f()\n"})
    heavy = {"networkx", "libcst", "rich", "multiprocessing"}
    assert heavy.isdisjoint(modules_imported_by_a_check(root))  # cold: parsed and evaluated
    assert heavy.isdisjoint(modules_imported_by_a_check(root))  # warm: from the cache


# --------------------------------------------------------------------------- the warm fast lane (replay.py)

@pytest.mark.parametrize("shape", [
    "took {s:.2f}s",
    "{s!r} | 17391846.5 | 3.7391846 | {s:.0f}",
    "{s:.3f} | ٣7391846 | .7391846 | {s:.1f}",
])
def test_a_report_template_finds_exactly_the_elapsed_time_slots(shape):
    """The probe's digits inside another number (after a digit or a dot) are not a slot."""
    from depcheck import replay

    def render(seconds: float) -> str:
        return (shape.format(s=seconds) + "\n") * 3

    template = replay.template(render, render, 1)
    assert template is not None
    for seconds in (0.25, 12.5, 1.0):
        assert template.fill(seconds) == render(seconds)
    # Text that reads as the elapsed time but is not: no template, so no replay.
    assert replay.template(lambda s: render(s) + " x7391846", render, 1) is None


REPLAY_CONFIGS = [
    CONFIG,
    CONFIG + "uses = true\n",
    '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.low", "app.mid", "app.high"]\nmax_cycles = 1\n',
    CONFIG + '\n[tool.depcheck.events]\npresets = ["bus"]\n\n[tool.depcheck.events.owners]\n"orders.*" = "app.high"\n',
]
REPLAY_FORMATS = ["json", "text", "junit", "sarif"]


def cli(root: Path, *arguments: str) -> tuple[str, int]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*arguments, str(root)])
    return out.getvalue(), code


@pytest.fixture
def replays(monkeypatch):
    """Counts the runs the fast lane answered, with a fixed clock (so elapsed times print alike)
    and no racy window (each test run takes longer than a timestamp tick, so no edit below
    shares its tick with what a run recorded; the racy rule has its own test)."""
    from depcheck import store

    monkeypatch.setattr(store, "RACY_NS", 0)
    monkeypatch.setattr(time, "perf_counter", lambda: 0.0)
    counts = {"long": 0}
    real = pipeline.prepare

    def counting(*args, **kwargs):
        counts["long"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "prepare", counting)
    return counts


def replay_project(rng, root: Path) -> None:
    files = {"pyproject.toml": CONFIG, "app/__init__.py": ""}
    for layer in ("high", "mid", "low"):
        files[f"app/{layer}/__init__.py"] = ""
        for index in range(rng.randint(1, 3)):
            files[f"app/{layer}/m{index}.py"] = ""
    write_project(root, files)
    for path in sorted(root.glob("app/*/m*.py")):
        path.write_text(random_source(rng, root), encoding="utf-8")


def modules_of(root: Path) -> list[str]:
    return sorted(".".join(p.relative_to(root).with_suffix("").parts) for p in root.glob("app/*/m*.py"))


def random_source(rng, root: Path, keep_imports: Optional[str] = None) -> str:
    modules = modules_of(root) or ["app.low"]
    if keep_imports is not None:
        imports = keep_imports
    else:
        chosen = rng.sample(modules, k=min(len(modules), rng.randint(0, 3)))
        imports = "".join(f"import {m}\n" if rng.random() < 0.5 else "from {} import {}\n".format(*m.rsplit(".", 1))
                          for m in chosen)
    return imports + f"\n\ndef f():\n    return {rng.randint(0, 10**rng.randint(1, 6))}\n"


def random_edit(rng, root: Path, step: int) -> str:
    """One edit of the kinds a working tree sees; returns its name (for the failure message)."""
    files = sorted(root.glob("app/*/m*.py"))
    kind = rng.choice(["add", "remove", "rename", "imports", "body", "events", "uses", "suppress",
                       "config", "baseline", "touch", "same-size", "nothing"])
    target = rng.choice(files) if files else None
    if kind == "add" or target is None:
        layer = rng.choice(["high", "mid", "low"])
        (root / f"app/{layer}/n{step}.py").write_text(random_source(rng, root), encoding="utf-8")
    elif kind == "remove":
        target.unlink()
    elif kind == "rename":
        target.rename(target.with_name(f"r{step}.py"))
    elif kind == "imports":
        target.write_text(random_source(rng, root), encoding="utf-8")
    elif kind == "body":  # same imports, same lines: the facts stay equal
        text = target.read_text(encoding="utf-8")
        target.write_text(random_source(rng, root, keep_imports=text.split("\n\n\n")[0] + "\n"), encoding="utf-8")
    elif kind == "events":
        verb = rng.choice(["publishes", "consumes"])
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"# depcheck: {verb} orders.created\n")
    elif kind == "uses":
        other = rng.choice(modules_of(root))
        package, name = other.rsplit(".", 1)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(f"from {package} import {name}\n\n\ndef g():\n    return {name}.f()\n")
    elif kind == "suppress":
        lines = target.read_text(encoding="utf-8").split("\n")
        target.write_text("\n".join(line + "  # depcheck: ignore[layer]" if line.startswith(("import", "from"))
                                    else line for line in lines), encoding="utf-8")
    elif kind == "config":
        (root / "pyproject.toml").write_text(rng.choice(REPLAY_CONFIGS), encoding="utf-8")
    elif kind == "baseline":
        baseline = root / "depcheck-baseline.json"
        if baseline.exists() and rng.random() < 0.5:
            baseline.unlink()
        else:
            cli(root, "baseline")
    elif kind == "touch":
        later = time.time() + step
        os.utime(target, (later, later))
    elif kind == "same-size":  # the same size and mtime, other bytes: only ctime (and inode) tell
        stat = target.stat()
        data = target.read_bytes()
        digit = next((i for i in range(len(data) - 1, -1, -1) if data[i:i + 1].isdigit()), None)
        if digit is not None:
            changed = data[:digit] + (b"1" if data[digit:digit + 1] != b"1" else b"2") + data[digit + 1:]
            target.write_bytes(changed)
            os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return f"{kind} {target.relative_to(root) if target is not None and kind != 'add' else ''}"


def test_random_edit_sequences_replay_exactly_what_a_cold_run_prints(tmp_path, replays):
    """After every edit, the cached command line (twice: the second is usually answered by the fast
    lane) prints byte for byte what a --no-cache run prints, with the same exit code."""
    import random

    answered = 0
    for sequence in range(32):
        rng = random.Random(f"replay-{sequence}")
        root = tmp_path / f"p{sequence}"
        replay_project(rng, root)
        history = []
        for step in range(6):
            history.append(random_edit(rng, root, step))
            fmt = rng.choice(REPLAY_FORMATS)
            cold = cli(root, "check", "--format", fmt, "--no-cache")
            for attempt in range(2):
                before = replays["long"]
                assert cli(root, "check", "--format", fmt) == cold, (sequence, history, fmt, attempt)
                answered += replays["long"] == before
    assert answered >= 150  # most repeated runs took the fast lane: it was what got compared


def test_the_fast_lane_answers_without_loading_the_config_or_the_caches(tmp_path, replays):
    root = write_project(tmp_path, FILES)
    first = cli(root, "check", "--format", "json")
    assert replays["long"] == 1
    assert cli(root, "check", "--format", "json") == first
    assert replays["long"] == 1  # answered before the pipeline
    # Another command line (other format, other path spelling) is not this one's replay.
    cli(root, "check", "--format", "text")
    assert replays["long"] == 2


@pytest.mark.parametrize("flags", [
    ("--exit-zero",), ("--statistics",), ("-q",), ("--output-format", "concise"),
    ("--select", "layer"), ("--ignore=layer",), ("--format", "text", "--quiet", "--exit-zero"),
])
def test_ruffs_flags_replay_what_the_long_way_prints(tmp_path, replays, flags):
    """Flags that change only what is printed or the exit code are part of the replay's key."""
    root = write_project(tmp_path, {**FILES, "app/low/other.py": "import app.high.h\n"})  # a layer error
    assert cli(root, "check", "--no-cache")[1] == 1
    cold = cli(root, "check", *flags, "--no-cache")
    assert cli(root, "check", *flags) == cold
    long_runs = replays["long"]
    assert cli(root, "check", *flags) == cold
    assert replays["long"] == long_runs  # the fast lane answered
    if "--exit-zero" in flags:
        assert cold[1] == 0


def test_a_body_edit_replays_the_stored_report_without_the_result(tmp_path, replays, monkeypatch):
    root = write_project(tmp_path, FILES)
    first = cli(root, "check", "--format", "json")
    load = cache.ResultCache.load
    monkeypatch.setattr(cache.ResultCache, "load", lambda self, key: pytest.fail("decoded the result"))
    edit(root / "app/low/l.py", "def f():\n    return 2\n")  # the same facts
    assert cli(root, "check", "--format", "json") == first
    assert replays["long"] == 1  # only l.py changed, its facts did not: parsed it, no pipeline
    edit(root / "app/low/l.py", "def f():\n    return 3\n")
    for manifest in (root / cache.DEFAULT_DIR).glob("replay-*.bin"):
        manifest.unlink()
    assert cli(root, "check", "--format", "json") == first
    assert replays["long"] == 2  # no manifest: the pipeline's result key found the report
    monkeypatch.setattr(cache.ResultCache, "load", load)
    edit(root / "app/low/l.py", "import app.high.h\n\n\ndef f():\n    return 3\n")  # other facts
    changed = cli(root, "check", "--format", "json")
    assert changed == cli(root, "check", "--format", "json", "--no-cache") != first


def crafted(path: Path, value) -> None:
    path.write_bytes(store.sealed(json.dumps(value).encode()))


def test_a_damaged_or_foreign_manifest_or_report_is_ignored(tmp_path, replays):
    root = write_project(tmp_path, FILES)
    expected = cli(root, "check", "--format", "json")
    manifest = next((root / cache.DEFAULT_DIR).glob("replay-*.bin"))
    report = next((root / cache.DEFAULT_DIR).glob("report-*.bin"))
    good = manifest.read_bytes(), report.read_bytes()
    key, entries, report_key, digests = cache._read(manifest)
    stat_entry = next(e for e in entries if e[1] == "stat" and e[2] is not None)
    foreign_text = b'["x", 1, []]\n{"violations": []}'
    damages = [
        lambda: manifest.write_bytes(good[0][:-5]),  # truncated
        lambda: manifest.write_bytes(good[0][:40] + bytes([good[0][40] ^ 0xFF]) + good[0][41:]),  # bad checksum
        lambda: crafted(manifest, ["another key", entries, report_key, digests]),
        lambda: crafted(manifest, [key, entries, report_key]),
        lambda: crafted(manifest, [key, [[1, "stat", None]], report_key, digests]),
        lambda: crafted(manifest, [key, [["/nonexistent\x00", "stat", [1, 2, 3, 4]]], report_key, {}]),
        lambda: crafted(manifest, [key, [[stat_entry[0], "stat", [0, 0, 0, 0]]], report_key, {}]),
        lambda: crafted(manifest, [key, [[stat_entry[0], "stat", [0, 0, 0, 0]]], report_key,
                                   {stat_entry[0]: "not its digest"}]),
        lambda: crafted(manifest, [key, entries, report_key, {stat_entry[0]: 7}]),
        lambda: crafted(manifest, [key, entries, "no such report", digests]),
        lambda: crafted(manifest, {"key": key}),
        lambda: report.write_bytes(good[1][:-3]),
        lambda: report.write_bytes(store.sealed(foreign_text)),
    ]
    for number, damage in enumerate(damages):
        manifest.write_bytes(good[0])
        report.write_bytes(good[1])
        damage()
        before = replays["long"]
        assert cli(root, "check", "--format", "json") == expected, number
        assert replays["long"] == before + 1, number  # went the long way


def test_a_report_with_a_valid_checksum_and_a_hostile_header_is_not_replayed(tmp_path, replays):
    from depcheck import store

    root = write_project(tmp_path, FILES)
    expected = cli(root, "check", "--format", "json")
    report = next((root / cache.DEFAULT_DIR).glob("report-*.bin"))
    header, body = store.read_blob(report)
    for hostile in ([header[0], 7, []], [header[0], 1, [[10**9, "f", 2]]], [header[0], 1, [[0, "x", 2]]],
                    [header[0], True, []], [header[0], 1, [[0, "f", True]]], ["other", 1, []]):
        store.write_blob(report.parent, report.name, hostile, body)
        before = replays["long"]
        assert cli(root, "check", "--format", "json") == expected
        assert replays["long"] == before + 1


@pytest.mark.parametrize("color", [False, True])
def test_a_report_holding_control_sequences_is_not_replayed(tmp_path, replays, monkeypatch, color):
    """A stored report reaches the terminal as is: one holding anything but text and colour
    (a cursor move, an OSC clipboard write) was not written by depcheck and is never printed."""
    from depcheck import store

    monkeypatch.setenv("FORCE_COLOR" if color else "NO_COLOR", "1")
    root = write_project(tmp_path, {**FILES, "app/low/other.py": "import app.high.h\n"})
    expected = cli(root, "check")
    assert ("\x1b[" in expected[0]) is color
    assert cli(root, "check") == expected and replays["long"] == 1  # colour itself replays
    report = next((root / cache.DEFAULT_DIR).glob("report-*.bin"))
    header, body = store.read_blob(report)
    for hostile in (b"\x1b]52;c;ZWNobyBoaQ==\x07", b"\x1b[2J", b"\r", "\u009b1m".encode()):
        store.write_blob(report.parent, report.name, header, hostile + body)
        before = replays["long"]
        assert cli(root, "check") == expected
        assert replays["long"] == before + 1


def manifest_kinds(root: Path) -> dict[str, str]:
    """Each path of the recorded manifest (relative to ``root``) -> how it is vouched for."""
    from depcheck import store

    manifest = store.read(next((root / cache.DEFAULT_DIR).glob("replay-*.bin")))
    return {os.path.relpath(path, root): kind for path, kind, _ in manifest[1]}


def test_a_racy_file_is_not_vouched_for_by_its_stat(tmp_path, replays, monkeypatch):
    """A file changed just before (or during) a run could change again within its timestamp tick
    without its stat changing: the manifest holds it as unsure, so the next run parses it again
    and replays only if its facts are the same; anything else racy means the long way."""
    from depcheck import store

    root = write_project(tmp_path, FILES)
    expected = cli(root, "check", "--format", "json", "--no-cache")
    old = time.time() - 60
    for path in root.rglob("*"):
        os.utime(path, (old, old))
    monkeypatch.setattr(store, "RACY_NS", 3_000_000_000)  # ctimes are now: racy by ctime alone
    long = replays["long"]
    assert cli(root, "check", "--format", "json") == expected and replays["long"] == long + 1
    kinds = manifest_kinds(root)
    assert kinds["app/low/other.py"] == kinds["pyproject.toml"] == "unsure"
    # The config is unsure too: the long way, which (nothing racy now) vouches by stat.
    monkeypatch.setattr(store, "RACY_NS", 0)
    assert cli(root, "check", "--format", "json") == expected and replays["long"] == long + 2
    assert "unsure" not in manifest_kinds(root).values()
    # Only a source file racy: it is parsed again, its facts are the same, the report replayed.
    other = root / "app/low/other.py"
    other.write_text(other.read_text() + "\n# a comment\n")
    monkeypatch.setattr(store, "RACY_NS", 3_000_000_000)
    for _ in range(2):
        assert cli(root, "check", "--format", "json") == expected and replays["long"] == long + 2
        assert manifest_kinds(root)["app/low/other.py"] == "unsure"
    # An unsure file whose facts did change is no replay.
    other.write_text("import app.high\n")
    assert cli(root, "check", "--format", "json") != expected and replays["long"] == long + 3


def test_a_file_changed_after_the_run_read_it_is_seen_by_the_next_run(tmp_path, replays, monkeypatch):
    """The manifest vouches for the stat a run took before it read each file (not a second stat
    at its end, which here would be racy): a file rewritten while the rules ran is changed to
    the next run."""
    from depcheck import store

    root = write_project(tmp_path, FILES)
    cli(root, "check", "--format", "json")
    target = root / "app/low/l.py"
    before = list(store.stat_key(target.stat()))
    evaluate = pipeline.evaluate

    def rewriting(*args, **kwargs):
        found = evaluate(*args, **kwargs)
        edit(target, "import app.high.h\n")
        return found

    edit(root / "app/low/other.py", "import app.mid\n")  # so that the run below goes the long way
    monkeypatch.setattr(pipeline, "evaluate", rewriting)
    cli(root, "check", "--format", "json")
    monkeypatch.setattr(pipeline, "evaluate", evaluate)
    manifest = store.read(next((root / cache.DEFAULT_DIR).glob("replay-*.bin")))
    assert [str(target), "stat", before] in manifest[1]
    long = replays["long"]
    assert cli(root, "check", "--format", "json") == cli(root, "check", "--format", "json", "--no-cache")
    assert replays["long"] == long + 2  # the run after the rewrite was no replay

def test_a_file_added_while_the_run_went_on_is_seen_by_the_next_run(tmp_path, replays, monkeypatch):
    """A directory is vouched for by the stat discovery took before listing it: a module added
    while the rules ran is found by the next run."""
    from depcheck import store

    root = write_project(tmp_path, FILES)
    cli(root, "check", "--format", "json")
    folder = root / "app/low"
    before = list(store.stat_key(folder.stat()))
    evaluate = pipeline.evaluate

    def adding(*args, **kwargs):
        found = evaluate(*args, **kwargs)
        edit(folder / "new.py", "import app.high.h\n")
        return found

    edit(root / "app/low/other.py", "import app.mid\n")  # so that the run below goes the long way
    monkeypatch.setattr(pipeline, "evaluate", adding)
    cli(root, "check", "--format", "json")
    monkeypatch.setattr(pipeline, "evaluate", evaluate)
    manifest = store.read(next((root / cache.DEFAULT_DIR).glob("replay-*.bin")))
    assert [str(folder), "stat", before] in manifest[1]
    output = cli(root, "check", "--format", "json")
    assert output == cli(root, "check", "--format", "json", "--no-cache") and "app.low.new" in output[0]


def test_a_file_the_fast_lane_parsed_is_not_parsed_again_by_the_long_way(tmp_path, replays, monkeypatch):
    """The fast lane parses each changed file to compare its facts; when they changed, the long
    way takes those facts (the file's stat unchanged since) instead of parsing it again."""
    root = write_project(tmp_path, FILES)
    cli(root, "check", "--format", "json")
    target = root / "app/low/l.py"
    edit(target, "import app.high.h\n")
    parsed = []
    extract = cache._extract

    def counting(data, settings):
        parsed.append(data)
        return extract(data, settings)

    monkeypatch.setattr(cache, "_extract", counting)
    long = replays["long"]
    assert cli(root, "check", "--format", "json") == cli(root, "check", "--format", "json", "--no-cache")
    assert replays["long"] == long + 2 and parsed.count(target.read_bytes()) == 2  # one each
    assert str(target) not in cache._kept
    # A kept result whose file changed since is not taken.
    edit(target, "import app.mid.m\n")
    cache.extract_file(str(target), pipeline.extraction_settings(load_config(root / "pyproject.toml")),
                       keep=True)
    edit(target, "import app.high\n")
    parsed.clear()
    assert comparable(run(root)) == comparable(run(root, use_cache=False))
    assert target.read_bytes() in parsed


def test_a_rewrite_that_restores_size_and_mtime_is_seen_by_its_ctime(tmp_path, replays):
    root = write_project(tmp_path, FILES)
    target = root / "app/low/other.py"
    cli(root, "check", "--format", "json")
    stat = target.stat()
    edit(target, "import app.high\n"[: stat.st_size].ljust(stat.st_size, "\n"))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_mtime_ns == stat.st_mtime_ns and target.stat().st_size == stat.st_size
    assert cli(root, "check", "--format", "json") == cli(root, "check", "--format", "json", "--no-cache")


def test_the_replayed_report_says_how_long_the_replay_took(tmp_path, monkeypatch):
    from depcheck import store

    monkeypatch.setattr(store, "RACY_NS", 0)
    root = write_project(tmp_path, FILES)
    cli(root, "check", "--format", "json")
    clock = iter([100.0, 100.25])  # main's start, the fill
    monkeypatch.setattr(time, "perf_counter", lambda: next(clock))
    output, _ = cli(root, "check", "--format", "json")
    assert json.loads(output)["summary"]["seconds"] == 0.25


def test_a_warm_check_imports_only_the_fast_lane(tmp_path):
    from depcheck import store

    root = write_project(tmp_path, FILES)
    old = (time.time_ns() - 2 * store.RACY_NS) / 1e9
    for path in root.rglob("*"):
        os.utime(path, (old, old))
    script = (
        "import sys, io, contextlib\n"
        "before = set(sys.modules)\n"
        "import depcheck.store\n"
        "depcheck.store.RACY_NS = 0\n"  # the files' ctimes are a moment ago
        "from depcheck.entry import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', '--format', 'json', {str(root)!r}])\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    command = [sys.executable, "-c", script]
    subprocess.run(command, capture_output=True, text=True, env=env, check=True)  # records
    imported = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout.split()
    # json, zlib (and the C parts of json and blake2b) besides the fast lane; no config, no argparse.
    imported = [m for m in imported if not m.startswith(("json", "_json", "_blake2", "zlib", "gc"))]
    assert imported == ["depcheck", "depcheck.entry", "depcheck.replay", "depcheck.store"]


def test_what_discovery_looks_for_is_vouched_for_too(tmp_path, replays):
    """A package directory that appears beside a module file of the same name takes its place;
    the fast lane knows discovery looks for it (and for src/), not only at the files it read."""
    root = write_project(tmp_path, {
        "pyproject.toml": '[tool.depcheck]\npackages = ["app", "lib"]\nlayers = ["lib", "app"]\n',
        "app.py": "X = 1\n", "lib.py": "import app\n",
    })
    first = cli(root, "check", "--format", "json")
    assert cli(root, "check", "--format", "json") == first and replays["long"] == 1
    write_project(root, {"app/__init__.py": "import lib\n"})
    after = cli(root, "check", "--format", "json")
    assert after == cli(root, "check", "--format", "json", "--no-cache") != first
    write_project(root, {"src/other.py": ""})
    assert cli(root, "check", "--format", "json") == cli(root, "check", "--format", "json", "--no-cache")


def test_a_result_of_other_inputs_is_told_by_its_first_bytes_not_read_whole(tmp_path, monkeypatch):
    root = write_project(tmp_path, FILES)
    run(root)
    read = []
    real = cache._read
    monkeypatch.setattr(cache, "_read", lambda path: read.append(Path(path).name) or real(path))
    edit(root / "app/low/l.py", "import app.high.h\n")
    same_as_without_cache(root)
    assert not [name for name in read if name.startswith("result")]
    assert run(root)._graph is None  # the result it wrote is found (and read) by the next run
    assert [name for name in read if name.startswith("result")]
