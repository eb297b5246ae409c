"""A graph built from the previous run's parts equals a graph built from scratch.

``build_graph(..., digests=, previous=)`` relinks only the modules whose facts changed and
those that resolved names through them (re-exports, aliases); everything else is taken from
the previous parts. Random edit sequences on a generated project with imports, uses through
re-exports, events, topic constants, app labels and suppressions check that the shortcut
never shows: after every edit the incremental graph, and the parts the next run starts from,
are those of a build from scratch.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from depcheck import cache, pipeline
from depcheck.config import load_config
from depcheck.graph import DependencyGraph
from depcheck.model import GraphParts
from tests.conftest import write_project

CONFIG = """\
[tool.depcheck]
packages = ["app"]
layers = ["app.a", "app.b", "app.c"]

[tool.depcheck.events]
presets = ["django", "blinker", "bus"]

[tool.depcheck.dynamic]
django_models = true
"""

PACKAGES = ("app.a", "app.b", "app.c")


def modules(root: Path) -> list[str]:
    found = [".".join(p.relative_to(root).with_suffix("").parts) for p in root.glob("app/*/m*.py")]
    return sorted(found)


SNIPPETS = ["import", "from", "alias-use", "package-use", "reexport", "signal", "send", "topic", "publish",
            "suppressed", "app", "model", "lazy"]


def snippet(rng: random.Random, names: list[str], step: int) -> str:
    """One piece of a module: an import and what uses it, an event, an alias, an app label."""
    return snippet_of(rng.choice(SNIPPETS), rng, names, step)


def snippet_of(kind: str, rng: random.Random, names: list[str], step: int) -> str:
    other = rng.choice(names)
    package, leaf = other.rsplit(".", 1)
    if kind == "import":
        return f"import {other}\n\n\ndef u{step}():\n    return {other}.f()\n"
    if kind == "from":
        return f"from {package} import {leaf}\n\n\ndef u{step}():\n    return {leaf}.f()\n"
    if kind == "alias-use":
        return f"from {other} import f as g{step}\n\n\ndef u{step}():\n    return g{step}()\n"
    if kind == "package-use":  # through the package's re-export, when it has one
        return f"import {package}\n\n\ndef u{step}():\n    return {package}.f()\n"
    if kind == "reexport":
        return f"from {other} import f\n"
    signal = f"sent{rng.randint(0, 2)}"
    if kind == "signal":
        return f"from django.dispatch import Signal\n\n{signal} = Signal()\n"
    if kind == "send":  # from the module, or through its package's re-export
        where = rng.choice([other, package])
        return f"from {where} import {signal}\n\n\ndef s{step}():\n    {signal}.send(sender=None)\n"
    if kind == "topic":
        return f'TOPIC{step} = "orders.created"\n'
    if kind == "publish":
        verb = rng.choice(["publishes", "consumes"])
        return f"# depcheck: {verb} orders.created\n"
    if kind == "suppressed":
        return f"import {other}  # depcheck: ignore[layer]\n"
    if kind == "app":
        return (f"from django.apps import AppConfig\n\n\nclass Config{step}(AppConfig):\n"
                f"    name = \"{package}\"\n    label = \"{package.replace('.', '_')}\"\n")
    if kind == "model":
        label = rng.choice(PACKAGES).replace(".", "_")
        return (f"from django.db import models\n\n\nclass M{step}(models.Model):\n"
                f"    other = models.ForeignKey(\"{label}.Thing\", on_delete=None)\n")
    return f"def lazy{step}():\n    import {other}\n    return {other}\n"


def source(rng: random.Random, names: list[str], step: int) -> str:
    parts = [snippet(rng, names, step * 10 + i) for i in range(rng.randint(0, 4))]
    return "\n\n".join(parts) + f"\n\ndef f():\n    return {rng.randint(0, 99)}\n"


def new_project(rng: random.Random, root: Path) -> None:
    files = {"pyproject.toml": CONFIG, "app/__init__.py": ""}
    names = [f"{p}.m{i}" for p in PACKAGES for i in range(3)]
    for package in PACKAGES:
        init = f"from .m{rng.randint(0, 2)} import f\n" if rng.random() < 0.7 else ""
        files[package.replace(".", "/") + "/__init__.py"] = init
    for name in names:
        files[name.replace(".", "/") + ".py"] = source(rng, names, 0)
    write_project(root, files)


def edit(rng: random.Random, root: Path, step: int) -> str:
    files = sorted(root.glob("app/*/*.py"))
    target = rng.choice(files)
    kind = rng.choice(["rewrite", "append", "imports", "syntax", "lines", "nothing", "add", "remove",
                       "reexport", "app"])
    names = modules(root)
    if kind == "reexport":  # a package's __init__ now re-exports from another of its modules
        package = rng.choice(PACKAGES)
        target = root / package.replace(".", "/") / "__init__.py"
        chosen = rng.choice([n for n in names if n.startswith(package + ".")] or [package + ".m0"])
        target.write_text(f"from .{chosen.rsplit('.', 1)[1]} import f, sent{rng.randint(0, 2)}\n",
                          encoding="utf-8")
    elif kind == "app":  # a Django app's label appears or goes: model references elsewhere move
        text = target.read_text(encoding="utf-8")
        cut = text.split("from django.apps import AppConfig")[0]
        target.write_text(cut if cut != text else text + "\n\n" + snippet_of("app", rng, names, step),
                          encoding="utf-8")
    elif kind == "rewrite":
        target.write_text(source(rng, names, step), encoding="utf-8")
    elif kind == "append":
        with target.open("a", encoding="utf-8") as handle:
            handle.write("\n\n" + snippet(rng, names, step))
    elif kind == "imports":
        text = target.read_text(encoding="utf-8")
        target.write_text(f"import {rng.choice(names)}\n" + text, encoding="utf-8")
    elif kind == "syntax":
        target.write_text("def broken(:\n", encoding="utf-8")
    elif kind == "lines":  # every site moves down a line: same imports, other evidence
        target.write_text("\n" + target.read_text(encoding="utf-8"), encoding="utf-8")
    elif kind == "add":
        (root / f"app/{rng.choice('abc')}/m{step + 10}.py").write_text(source(rng, names, step), encoding="utf-8")
    elif kind == "remove" and target.name != "__init__.py":
        target.unlink()
    return f"{kind} {target.relative_to(root)}"


def graph_of(root: Path, previous: GraphParts | None) -> tuple[DependencyGraph, DependencyGraph]:
    """(built from ``previous``, built from scratch) for the project as it is now."""
    config = load_config(root / "pyproject.toml")
    project = pipeline.discover_checked(config)
    table = cache.load_facts(project, pipeline.extraction_settings(config), parallel=False)
    lazy = table.lazy()
    incremental = pipeline.build(config, project, lazy, digests=table.digests, previous=previous)
    scratch = pipeline.build(config, project, table.facts(), digests=table.digests)
    return incremental, scratch


def same(incremental: DependencyGraph, scratch: DependencyGraph) -> bool:
    return (
        list(incremental.edges.items()) == list(scratch.edges.items())
        and list(incremental.external.items()) == list(scratch.external.items())
        and incremental.parse_failures == scratch.parse_failures
        and incremental.events == scratch.events
    )


@pytest.mark.parametrize("sequence", range(24))
def test_random_edits_relink_to_exactly_the_graph_built_from_scratch(tmp_path, sequence):
    rng = random.Random(f"incremental-{sequence}")
    root = tmp_path / "p"
    new_project(rng, root)
    previous = None
    history: list[str] = []
    reused = 0
    for step in range(8):
        incremental, scratch = graph_of(root, previous)
        assert same(incremental, scratch), history
        assert incremental.parts is not None and scratch.parts is not None
        # The parts the next run starts from are a full build's, whatever was reused.
        assert incremental.parts.modules == scratch.parts.modules, history
        assert incremental.parts.event_consulted == scratch.parts.event_consulted, history
        reused += len(incremental.files) - len(incremental.relinked)
        # Through the cache file, as the next run reads them.
        store = cache.GraphCache(tmp_path / "cache", root / "pyproject.toml")
        files = tuple(incremental.files.values())
        store.save("key", incremental.parts, files)
        previous = cache.GraphCache(tmp_path / "cache", root / "pyproject.toml").load("key", files)
        assert previous == incremental.parts
        history.append(edit(rng, root, step))
    assert reused > 0  # the shortcut was taken, so it was what got compared


def test_an_alias_change_relinks_the_modules_that_resolved_through_it(tmp_path):
    root = write_project(tmp_path, {
        "pyproject.toml": CONFIG,
        "app/__init__.py": "",
        "app/a/__init__.py": "",
        "app/a/top.py": "import app.b\n\n\ndef f():\n    return app.b.create()\n",
        "app/a/other.py": "import app.c.low\n",
        "app/b/__init__.py": "from .api import create\n",
        "app/b/api.py": "def create():\n    pass\n",
        "app/b/impl.py": "def create():\n    pass\n",
        "app/c/__init__.py": "",
        "app/c/low.py": "",
    })
    first, _ = graph_of(root, None)
    assert ("app.a.top", "app.b.api") in first.edges
    (root / "app/b/__init__.py").write_text("from .impl import create\n", encoding="utf-8")
    second, scratch = graph_of(root, first.parts)
    assert same(second, scratch)
    assert ("app.a.top", "app.b.impl") in second.edges and ("app.a.top", "app.b.api") not in second.edges
    assert set(second.relinked) == {"app.b", "app.a.top"}  # the re-exporter and who used it
    # A new import binds a name in app.b that app.a.top never looked up there: only app.b is
    # linked again.
    (root / "app/b/__init__.py").write_text("from .impl import create\nimport app.c.low\n", encoding="utf-8")
    third, scratch = graph_of(root, second.parts)
    assert same(third, scratch)
    assert third.relinked == ("app.b",)


def test_a_body_edit_elsewhere_relinks_only_that_module_and_reads_only_its_facts(tmp_path):
    root = write_project(tmp_path, {
        "pyproject.toml": CONFIG.replace('presets = ["django", "blinker", "bus"]', "presets = []"),
        "app/__init__.py": "",
        "app/a/__init__.py": "",
        "app/a/x.py": "import app.b.y\n",
        "app/b/__init__.py": "",
        "app/b/y.py": "import app.c.z\n",
        "app/c/__init__.py": "",
        "app/c/z.py": "",
    })
    first, _ = graph_of(root, None)
    (root / "app/b/y.py").write_text("import app.c.z\nimport app.c\n", encoding="utf-8")
    config = load_config(root / "pyproject.toml")
    project = pipeline.discover_checked(config)
    table = cache.load_facts(project, pipeline.extraction_settings(config), parallel=False)
    graph = pipeline.build(config, project, table.lazy(), digests=table.digests, previous=first.parts)
    assert graph.relinked == ("app.b.y",)
    assert set(table.decoded) == {"app.b.y"}  # no other module's facts were decoded
    assert ("app.b.y", "app.c") in graph.edges


def test_evidence_is_decoded_only_where_read_and_bad_stored_evidence_is_linked_again(tmp_path):
    """A reused module's evidence stays undecoded until read; stored evidence that does not
    check out (a crafted cache with a valid checksum) is linked again from the facts."""
    files = {"pyproject.toml": CONFIG, "app/__init__.py": "", "app/a/__init__.py": "",
             "app/b/__init__.py": "", "app/c/__init__.py": ""}
    for index in range(6):
        files[f"app/a/x{index}.py"] = f"import app.b.y{index}\nimport app.c.z\n"
        files[f"app/b/y{index}.py"] = "import app.c.z\n"
    files["app/c/z.py"] = ""
    root = write_project(tmp_path, files)
    first, _ = graph_of(root, None)
    store = cache.GraphCache(tmp_path / "cache", root / "pyproject.toml")
    sources = tuple(first.files.values())
    store.save("key", first.parts, sources)
    (header, catalog, consulted, modules), body = cache._read_blob(tmp_path / "cache" / store.name)
    # app.a.x0's rows replaced by rows of the wrong shape, its size in the header to match.
    offset = sum(h[6] for m, h in modules.items() if m < "app.a.x0")
    size = modules["app.a.x0"][6]
    bad = b'[[["not","a","row"]],[[1]]]'
    modules["app.a.x0"][6] = len(bad)
    cache._write_blob(tmp_path / "cache", store.name, (header, catalog, consulted, modules),
                      body[:offset] + bad + body[offset + size:])
    previous = cache.GraphCache(tmp_path / "cache", root / "pyproject.toml").load("key", sources)
    assert previous is not None
    incremental, scratch = graph_of(root, previous)
    assert incremental.relinked == ()
    rows = incremental.edges.rows  # type: ignore[attr-defined]
    assert not any(row.decoded for row in rows.values())
    assert incremental.edges["app.a.x1", "app.b.y1"] == scratch.edges["app.a.x1", "app.b.y1"]
    assert [m for m, row in rows.items() if row.decoded] == ["app.a.x1"]
    assert same(incremental, scratch)  # app.a.x0 too, linked again from its facts

