"""The facts and graph caches' journals: a save that changed a few entries appends one record
beside the base file; a load applies the chain of records that starts at the base it read and
stops at the first that does not check out. Whatever a journal holds, a load gives a state some
save wrote (or less), never a mix and never a traceback."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from depcheck import cache, pipeline, store
from depcheck.config import load_config
from tests.conftest import write_project

KEY = "k" * 32


def journal_of(base: Path) -> Path:
    return Path(store.journal_path(base))


def facts_cache(directory: Path) -> cache.FactsCache:
    return cache.FactsCache(directory, KEY)


def record(facts: cache.FactsCache, path: str, version: int) -> None:
    """``path`` holding bytes number ``version``: a stat, a hash and facts of their own (an old
    stat, so that the racy rule keeps it)."""
    chash = f"h-{path}-{version}"
    facts.record(path, (version, version, len(path), 1), chash, f"d-{chash}", ["facts", path, version])


def state(facts: cache.FactsCache) -> tuple:
    """Everything a lookup can return, the facts as parsed JSON (stored as text, or as recorded)."""
    contents = {h: (e[0], json.loads(e[1]) if type(e[1]) is bytes else e[1], e[2]) for h, e in facts.contents.items()}
    return facts.generation, facts.files, contents, facts.listings


def visible(facts: cache.FactsCache) -> tuple:
    """What lookups return: the files whose content is known, and those contents."""
    _, files, contents, listings = state(facts)
    return ({p: e for p, e in files.items() if e[1] in contents}, {h: e[:2] for h, e in contents.items()}, listings)


def saved(directory: Path, paths: list[str], edits: dict[str, int], listings: dict | None = None) -> cache.FactsCache:
    """A run: load, record the edited paths, save; returns the cache as the next run loads it."""
    facts = facts_cache(directory)
    for path, version in edits.items():
        record(facts, path, version)
    facts.save(paths, listings)
    return facts_cache(directory)


PATHS = [f"app/m{i}.py" for i in range(20)]


def first_run(directory: Path, listed: str = "m0.py") -> Path:
    saved(directory, PATHS, {p: 0 for p in PATHS}, {"app": [[1, 1], [[listed, False, True]]]})
    return directory / facts_cache(directory).name


def test_a_save_of_one_change_appends_and_leaves_the_base_alone(tmp_path):
    base = first_run(tmp_path)
    before = base.read_bytes(), base.stat().st_mtime_ns
    loaded = saved(tmp_path, PATHS, {"app/m3.py": 1})
    assert (base.read_bytes(), base.stat().st_mtime_ns) == before
    assert journal_of(base).stat().st_size < len(before[0]) / 5
    assert loaded.journal.records == 1 and loaded.lookup_stat("app/m3.py", (1, 1, 9, 1)) == "h-app/m3.py-1"
    assert loaded.lookup_content("h-app/m3.py-1") == ("d-h-app/m3.py-1", b'["facts","app/m3.py",1]')
    assert loaded.lookup_stat("app/m3.py", (0, 0, 9, 1)) is None  # the old stat no longer vouches
    # The same runs, each writing a whole base: the lookups are the same.
    compacted = tmp_path / "compacted"
    first_run(compacted)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store, "JOURNAL_RECORDS", 0)
        full = saved(compacted, PATHS, {"app/m3.py": 1})
    assert not journal_of(compacted / full.name).exists()
    assert visible(loaded) == visible(full)


def test_paths_gone_and_listings_changed_are_journaled_too(tmp_path):
    base = first_run(tmp_path)
    listings = {"app": [[2, 2], [["m1.py", False, True]]], "app/sub": [[3, 3], []]}
    loaded = saved(tmp_path, PATHS[1:], {"app/m5.py": 1}, listings)
    assert journal_of(base).exists()
    assert "app/m0.py" not in loaded.files and loaded.listings == listings
    again = saved(tmp_path, PATHS[1:], {}, {"app": listings["app"]})
    assert again.listings == {"app": listings["app"]} and again.journal.records == 2


def steps(rng: random.Random, count: int) -> list[tuple[list[str], dict[str, int], dict]]:
    """Runs of a random history: files edited (some back to earlier bytes), gone, listings."""
    history = []
    for step in range(1, count + 1):
        paths = [p for p in PATHS if rng.random() > 0.1]
        edits = {p: rng.choice([step, step, rng.randrange(step)]) for p in rng.sample(paths, rng.randrange(1, 4))}
        listings = {"app": [[step, step], []]} if rng.random() < 0.3 else None
        history.append((paths, edits, listings))
    return history


@pytest.mark.parametrize("seed", range(6))
def test_a_journaled_load_equals_the_compacted_one_step_by_step(tmp_path, seed, monkeypatch):
    """Two directories, one history: one appends records, the other writes a base each save
    (as before journals). Every load sees the same lookups; after a compaction of both, the
    same entries, down to each content's last generation (what _KEEP_GENERATIONS drops)."""
    journaled, compacted = tmp_path / "j", tmp_path / "c"
    first_run(journaled)
    first_run(compacted)
    monkeypatch.setattr(store, "JOURNAL_RECORDS", 10**6)
    monkeypatch.setattr(store, "JOURNAL_SHARE", 10.0)
    for paths, edits, listings in steps(random.Random(seed), 20):
        left = saved(journaled, paths, edits, listings)
        with monkeypatch.context() as patch:
            patch.setattr(store, "JOURNAL_RECORDS", 0)
            right = saved(compacted, paths, edits, listings)
        assert left.generation == right.generation
        assert {p: left.lookup_stat(p, e[0]) for p, e in right.files.items()} == {
            p: right.lookup_stat(p, e[0]) for p, e in right.files.items()}
        assert {h: left.lookup_content(h)[0] for h in right.contents} == {
            h: right.lookup_content(h)[0] for h in right.contents}
    assert 10 < left.journal.records <= 20  # a run that changed nothing saves nothing
    monkeypatch.setattr(store, "JOURNAL_RECORDS", 0)
    final = {"app/m0.py": 99}
    assert state(saved(journaled, PATHS, final)) == state(saved(compacted, PATHS, final))
    assert not journal_of(journaled / left.name).exists()


def two_records(directory: Path) -> tuple[Path, tuple, tuple]:
    """A base and two records; the visible state after the first and after both."""
    base = first_run(directory)
    after_one = visible(saved(directory, PATHS, {"app/m1.py": 1}))
    after_two = visible(saved(directory, PATHS, {"app/m2.py": 1, "app/m1.py": 2}))
    return base, after_one, after_two


@pytest.mark.parametrize("damage", [
    lambda data: data[:-1],  # torn: the last write cut short
    lambda data: data[:-40],
    lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # a flipped bit in the last record
    lambda data: data[: data.rindex(store.JOURNAL_MAGIC) + 5],  # cut inside the record's head
], ids=["torn", "truncated", "bit-flip", "torn-head"])
def test_a_damaged_last_record_is_ignored(tmp_path, damage):
    base, after_one, _ = two_records(tmp_path)
    journal = journal_of(base)
    journal.write_bytes(damage(journal.read_bytes()))
    loaded = facts_cache(tmp_path)
    assert visible(loaded) == after_one and not loaded.journal.whole
    # The next save cannot extend a journal it did not read whole: it writes a new base.
    again = saved(tmp_path, PATHS, {"app/m4.py": 1})
    assert not journal.exists() and again.lookup_stat("app/m4.py", (1, 1, 9, 1)) == "h-app/m4.py-1"


@pytest.mark.parametrize("tail", [os.urandom(300), b"\0" * 64, store.JOURNAL_MAGIC + b"\xff" * 40])
def test_garbage_after_the_records_is_ignored(tmp_path, tail):
    base, _, after_two = two_records(tmp_path)
    with open(journal_of(base), "ab") as handle:
        handle.write(tail)
    assert visible(facts_cache(tmp_path)) == after_two


def test_a_garbage_journal_or_a_record_of_the_wrong_shape_is_ignored(tmp_path):
    base, _, _ = two_records(tmp_path)
    journal = journal_of(base)
    base_id = store.read_base(base)[2]
    for hostile in [os.urandom(1000), b"", store._frame(base_id, {"__class__": "os.system"}, b""),
                    store._frame(base_id, [KEY, 1, {}, [], {"h": ["d", 10, 1]}, {}, {}, []], b"short"),
                    store._frame(base_id, ["other-key", 1, {}, [], {}, {}, {}, []], b""),
                    store._frame(base_id, [[[[[[[[]]]]]]]] * 8, b"")]:
        journal.write_bytes(hostile)
        loaded = facts_cache(tmp_path)
        assert loaded.journal.records == 0 and loaded.generation == 1


def test_a_record_for_another_base_is_ignored(tmp_path):
    """Records name the base (or record) they extend: a journal left beside another base, or
    appended after another run rewrote the base, is not applied to it."""
    base, _, _ = two_records(tmp_path / "a")
    other = first_run(tmp_path / "b", "m1.py")  # the same key and generation, another listing
    expected = visible(facts_cache(tmp_path / "b"))
    journal_of(other).write_bytes(journal_of(base).read_bytes())
    loaded = facts_cache(tmp_path / "b")
    assert visible(loaded) == expected and loaded.journal.records == 0
    assert loaded.lookup_stat("app/m1.py", (1, 1, 9, 1)) is None


def test_the_journal_is_folded_into_a_new_base_past_its_bound(tmp_path, monkeypatch):
    base = first_run(tmp_path)
    monkeypatch.setattr(store, "JOURNAL_RECORDS", 3)
    for version in range(1, 4):
        saved(tmp_path, PATHS, {"app/m1.py": version})
    assert journal_of(base).exists() and facts_cache(tmp_path).journal.records == 3
    loaded = saved(tmp_path, PATHS, {"app/m1.py": 4})
    assert not journal_of(base).exists() and loaded.generation == 5
    assert loaded.lookup_stat("app/m1.py", (4, 4, 9, 1)) == "h-app/m1.py-4"
    # By size: a record larger than a quarter of the base (or than JOURNAL_MIN) is not appended.
    facts = facts_cache(tmp_path)
    facts.record("app/m2.py", (5, 5, 9, 1), "big", "d-big", ["x" * store.JOURNAL_MIN])
    facts.save(PATHS)
    assert not journal_of(base).exists() and facts_cache(tmp_path).lookup_content("big")[0] == "d-big"


def test_interleaved_saves_of_two_caches_never_give_a_wrong_lookup(tmp_path, monkeypatch):
    """Runs of two caches on one directory, loads and saves interleaved at random (each loaded
    state extended by either, bases rewritten under the other's feet): a lookup finds what a
    run recorded for that path and stat, or nothing."""
    first_run(tmp_path)
    monkeypatch.setattr(store, "JOURNAL_RECORDS", 6)
    rng = random.Random(7)
    runs: list[cache.FactsCache] = []
    hits = 0
    for step in range(1, 120):
        if not runs or rng.random() < 0.4:
            runs.append(facts_cache(tmp_path))
        facts = runs.pop(rng.randrange(len(runs))) if rng.random() < 0.5 else None
        if facts is not None:
            for path in rng.sample(PATHS, rng.randrange(1, 3)):
                record(facts, path, step)
            facts.save(PATHS)
        check = facts_cache(tmp_path)
        for path, entry in check.files.items():
            found = check.lookup_stat(path, entry[0])
            if found is not None:
                hits += 1
                version = entry[0][0]
                assert found == f"h-{path}-{version}"
                assert check.lookup_content(found) == (f"d-{found}", json.dumps(
                    ["facts", path, version], separators=(",", ":")).encode())
    assert hits > 1000


# --------------------------------------------------------------------------- the graph cache

GRAPH_CONFIG = '[tool.depcheck]\npackages = ["app"]\nlayers = ["app.a", "app.b"]\n'


def graph_project(root: Path) -> Path:
    files = {"pyproject.toml": GRAPH_CONFIG, "app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": ""}
    for index in range(6):
        files[f"app/a/x{index}.py"] = f"import app.b.y{index}\n"
        files[f"app/b/y{index}.py"] = ""
    return write_project(root, files)


def parts_after(root: Path, edit: dict[str, str], previous):
    for path, text in edit.items():
        (root / path).write_text(text, encoding="utf-8")
    config = load_config(root / "pyproject.toml")
    project = pipeline.discover_checked(config)
    table = cache.load_facts(project, pipeline.extraction_settings(config), parallel=False)
    graph = pipeline.build(config, project, table.lazy(), digests=table.digests, previous=previous)
    return graph.parts, project.files


def graph_cache(root: Path, directory: Path) -> cache.GraphCache:
    return cache.GraphCache(directory, root / "pyproject.toml")


def test_a_graph_save_of_relinked_modules_appends_and_a_load_applies_it(tmp_path):
    root = graph_project(tmp_path / "p")
    directory = tmp_path / "cache"
    parts, files = parts_after(root, {}, None)
    graph_cache(root, directory).save("key", parts, files)
    base = directory / graph_cache(root, directory).name
    before = base.read_bytes(), base.stat().st_mtime_ns
    for step in range(3):
        writer = graph_cache(root, directory)
        previous = writer.load("key", files)
        assert previous is not None
        parts, files = parts_after(root, {f"app/b/y{step}.py": "import app.a.x5\n"}, previous)
        writer.save("key", parts, files)
        assert graph_cache(root, directory).load("key", files) == parts
    assert (base.read_bytes(), base.stat().st_mtime_ns) == before
    assert graph_cache(root, directory).journal.records == 0  # not loaded yet
    reader = graph_cache(root, directory)
    assert reader.load("key", files) == parts and reader.journal.records == 3
    assert graph_cache(root, directory).load("other key", files) is None
    # A record must carry the key: one for another key is not applied.
    journal = journal_of(base)
    data = journal.read_bytes()
    tip = graph_cache(root, directory)
    tip.load("key", files)
    journal.write_bytes(data + store._frame(tip.journal.tip, ["another key", None, None, {}], b""))
    reader = graph_cache(root, directory)
    assert reader.load("key", files) == parts and reader.journal.records == 3 and not reader.journal.whole


def test_interleaved_graph_saves_give_one_saved_state_never_a_mix(tmp_path):
    """Two runs load the same graph (a base, no journal), each relinks other modules and saves:
    the second to save finds the journal moved on and writes a base; or, when the first wrote a
    base, appends to a fresh journal a record naming the base it loaded: ignored. A load gives
    exactly one of the saved graphs, never a mix. (A record extends content: had the new base the
    very bytes of the one the second run loaded, its record would rightly apply; each step's
    edits differ so that it does not.)"""
    root = graph_project(tmp_path / "p")
    directory = tmp_path / "cache"
    for step, (order, first_compacts) in enumerate([("ab", False), ("ba", False), ("ab", True)]):
        parts, files = parts_after(root, {"app/b/y1.py": "", "app/b/y3.py": ""}, None)
        graph_cache(root, directory).save("key", parts, files)  # never loaded: writes a base
        a, b = graph_cache(root, directory), graph_cache(root, directory)
        start_a, start_b = a.load("key", files), b.load("key", files)
        parts_a, _ = parts_after(root, {"app/b/y1.py": f"import app.a.x{step}\n"}, start_a)
        parts_b, _ = parts_after(root, {"app/b/y1.py": "", "app/b/y3.py": f"import app.a.x{step + 3}\n"},
                                 start_b)
        writers = [(a, parts_a), (b, parts_b)] if order == "ab" else [(b, parts_b), (a, parts_a)]
        for number, (writer, written) in enumerate(writers):
            if number == 0 and first_compacts:
                writer._loaded = None  # as if the module set had changed: it writes a base
            writer.save("key", written, files)
        loaded = graph_cache(root, directory).load("key", files)
        assert loaded in (parts_a, parts_b), step
        assert loaded == writers[0 if first_compacts else 1][1], step
        assert journal_of(directory / a.name).exists() == first_compacts


# --------------------------------------------------------------------------- whole runs


def test_a_run_after_an_edit_appends_to_both_journals_and_equals_a_cold_run(tmp_path):
    from tests.test_cache import FILES, edit, run, same_as_without_cache

    root = write_project(tmp_path, FILES)
    run(root)
    directory = root / cache.DEFAULT_DIR
    bases = {p.name: p.read_bytes() for p in directory.glob("*.bin") if p.name.startswith(("facts", "graph"))}
    for step in range(4):
        edit(root / "app/low/other.py", f"import app.mid.m\nX = {step}\n")
        same_as_without_cache(root)
    assert {p.name: p.read_bytes() for p in directory.glob("*.bin") if p.name in bases} == bases
    assert sorted(p.name.split("-")[0] for p in directory.glob(f"*{store.JOURNAL_SUFFIX}")) == ["facts", "graph"]
