"""``depcheck init``: propose a layering from the code itself.

Components are the packages at a chosen depth. Real code is full of cycles,
so layering the condensation alone collapses into a layer or two. Instead the
cycles are broken by setting aside the lightest set of dependencies (a
minimum-weight feedback arc set: exact by dynamic programming over subsets for
small strongly connected parts, Eades-Lin-Smyth plus local search beyond), the
rest is layered by longest path, and the set-aside dependencies become
``[[exceptions]]`` that name themselves as the places to cut. The output
passes ``depcheck check`` on the code it came from, and every accepted
dependency is visible and reviewable in the config.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import networkx as nx

from depcheck.config import Config, EventSettings
from depcheck.discover import discover
from depcheck.graph import DependencyGraph
from depcheck.migrate import toml_value
from depcheck.model import FileFacts, SourceFile, plural
from depcheck.patterns import PRESETS
from depcheck.pipeline import load_graph
from depcheck.rules.interface import reached

# A load-time import binds the importer to the imported module when it loads;
# a function-local or TYPE_CHECKING import is a lighter tie and cheaper to move.
WEIGHT_LOAD_TIME = 3
WEIGHT_DEFERRED = 1
EXACT_LIMIT = 12  # strongly connected parts up to this size get the exact answer
NOT_PACKAGES = {"docs", "doc", "examples", "example", "scripts", "build", "dist",
                "benchmarks", "bench", "tools", "site-packages", "node_modules"}
# Tests import across the components they test: left out of a proposal (named in a comment).
TEST_NAMES = ("tests",)
TEST_GLOBS = ("test_*", "*_tests", "*_test")
# Only at the top: below it these are usually helpers shipped to users (django.test,
# flask.testing, celery.contrib.testing), whose imports are the architecture.
TOP_LEVEL_TEST_NAMES = ("test", "testing", "t")


def is_test_name(name: str, top_level: bool = False) -> bool:
    """Whether a package (or module, without .py) of this name holds tests."""
    return (name in TEST_NAMES or (top_level and name in TOP_LEVEL_TEST_NAMES)
            or any(fnmatch.fnmatchcase(name, glob) for glob in TEST_GLOBS))

# External (or internal) module prefixes that show an events mechanism in use, per preset.
EVENT_MARKERS = {
    "django": ("django.dispatch", "django.db.models.signals", "django.core.signals"),
    "blinker": ("blinker",),
    "kafka": ("kafka", "confluent_kafka", "aiokafka", "faust"),
    "wagtail": ("wagtail.hooks",),
    "pluggy": ("pluggy",),
}
BUS_NAMES = {"publish", "subscribe", "emit", "handles"}


def find_packages(root: Path, tests: bool = False) -> list[str]:
    """Top-level packages under ``root`` or ``root/src`` (directories with an ``__init__.py``);
    ``tests``: only the test packages, which are otherwise left out."""
    found = []
    for base in (root, root / "src"):
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            if (child.is_dir() and child.name.isidentifier() and child.name not in NOT_PACKAGES
                    and (child / "__init__.py").is_file()
                    and is_test_name(child.name, top_level=True) == tests):
                found.append(child.name)
    return found


def tests_inside(files: Iterable[SourceFile]) -> list[str]:
    """The test packages and modules inside the analysed packages, as exclude paths: the
    directory of a test package, the file of a test module (the top package itself is kept)."""
    found = set()
    for source in files:
        parts = source.module.split(".")
        segments = source.path.split("/")
        prefix = len(segments) - len(parts) - (1 if source.is_package else 0)
        for index in range(1, len(parts)):
            if is_test_name(parts[index]):
                last = index == len(parts) - 1 and not source.is_package
                found.add(source.path if last else "/".join(segments[: prefix + index + 1]))
                break
    return sorted(found)


def component_of(source: SourceFile, depth: int) -> Optional[str]:
    """The package ``depth`` levels below the top one; a shallower plain module is its own
    component; a shallower package's ``__init__`` belongs to none."""
    parts = source.module.split(".")
    if len(parts) > depth:
        return ".".join(parts[: depth + 1])
    return None if source.is_package else source.module


def facade_files(files: Iterable[SourceFile], depth: int) -> list[str]:
    """``__init__`` files above the components: excluded, because a package that re-exports
    its children would otherwise be a hub every dependency can be routed through."""
    return sorted(f.path for f in files if component_of(f, depth) is None)


# --------------------------------------------------------------------------- feedback arc set

Weights = Mapping[tuple[str, str], int]


def _exact_order(nodes: list[str], weights: Weights) -> list[str]:
    """An order of ``nodes`` with the least total weight of backward edges (DP over subsets)."""
    n = len(nodes)
    index = {node: i for i, node in enumerate(nodes)}
    # into[v][mask]: weight of edges from v into nodes of mask: they point backward if v comes later.
    into = [[0] * n for _ in range(n)]
    for (a, b), w in weights.items():
        if a in index and b in index:
            into[index[a]][index[b]] += w
    best = [0] + [-1] * ((1 << n) - 1)
    choice = [0] * (1 << n)
    for mask in range(1, 1 << n):
        lowest = None
        for v in range(n):
            if not mask >> v & 1:
                continue
            rest = mask ^ (1 << v)
            # v placed last among ``mask``: its edges into ``rest`` go backward.
            cost = best[rest] + sum(into[v][u] for u in range(n) if rest >> u & 1)
            if lowest is None or cost < lowest:
                lowest, choice[mask] = cost, v
        best[mask] = lowest or 0
    order = []
    mask = (1 << n) - 1
    while mask:
        v = choice[mask]
        order.append(nodes[v])
        mask ^= 1 << v
    return list(reversed(order))


def _eades_order(nodes: list[str], weights: Weights) -> list[str]:
    """Eades-Lin-Smyth: peel sinks and sources, else take the node with the largest
    (out - in) weight; then improve by moving single nodes while that lowers the cost."""
    out_w: dict[str, dict[str, int]] = {v: {} for v in nodes}
    in_w: dict[str, dict[str, int]] = {v: {} for v in nodes}
    for (a, b), w in weights.items():
        if a in out_w and b in out_w:
            out_w[a][b] = w
            in_w[b][a] = w
    remaining = set(nodes)
    left: list[str] = []
    right: list[str] = []

    def remove(v: str) -> None:
        remaining.discard(v)
        for b in out_w[v]:
            in_w[b].pop(v, None)
        for a in in_w[v]:
            out_w[a].pop(v, None)

    while remaining:
        changed = True
        while changed:
            changed = False
            for v in sorted(remaining):
                if not any(b in remaining for b in out_w[v]):
                    right.append(v)
                    remove(v)
                    changed = True
                elif not any(a in remaining for a in in_w[v]):
                    left.append(v)
                    remove(v)
                    changed = True
        if remaining:
            v = max(sorted(remaining), key=lambda x: sum(out_w[x].values()) - sum(in_w[x].values()))
            left.append(v)
            remove(v)
    order = left + list(reversed(right))
    return _improve(order, weights)


def backward_weight(order: list[str], weights: Weights) -> int:
    position = {v: i for i, v in enumerate(order)}
    return sum(w for (a, b), w in weights.items()
               if a in position and b in position and position[a] > position[b])


def _improve(order: list[str], weights: Weights) -> list[str]:
    """Local search: move one node to its best position while that lowers the backward weight.

    Only the moved node's own edges change direction, so each candidate position
    is scored incrementally: O(n) per node instead of re-counting every edge.
    """
    out_w: dict[str, dict[str, int]] = {v: {} for v in order}
    in_w: dict[str, dict[str, int]] = {v: {} for v in order}
    for (a, b), w in weights.items():
        if a in out_w and b in out_w:
            out_w[a][b] = w
            in_w[b][a] = w
    for _ in range(50):
        improved = False
        for v in list(order):
            rest = [x for x in order if x != v]
            here = order.index(v)
            # v first: every in-edge from ``rest`` points backward.
            cost = sum(in_w[v].values())
            best_cost, best_at, current = cost, 0, cost if here == 0 else None
            for i, u in enumerate(rest, 1):
                cost += out_w[v].get(u, 0) - in_w[v].get(u, 0)
                if i == here:
                    current = cost
                if cost < best_cost:
                    best_cost, best_at = cost, i
            if current is not None and best_cost < current:
                order = rest[:best_at] + [v] + rest[best_at:]
                improved = True
        if not improved:
            break
    return order


def feedback_arcs(weights: Weights) -> set[tuple[str, str]]:
    """A light set of edges whose removal leaves no cycle (exact for small parts)."""
    graph = nx.DiGraph()
    graph.add_edges_from(sorted(weights))
    arcs: set[tuple[str, str]] = set()
    for part in nx.strongly_connected_components(graph):
        if len(part) < 2:
            continue
        nodes = sorted(part)
        sub = {e: w for e, w in weights.items() if e[0] in part and e[1] in part}
        order = _exact_order(nodes, sub) if len(nodes) <= EXACT_LIMIT else _eades_order(nodes, sub)
        position = {v: i for i, v in enumerate(order)}
        arcs.update(e for e in sub if position[e[0]] > position[e[1]])
    return arcs


def longest_path_levels(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Level 0 depends on nothing; every other node sits one above the highest it depends on."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(nodes))
    graph.add_edges_from(sorted(edges))
    level: dict[str, int] = {}
    for node in reversed(list(nx.lexicographical_topological_sort(graph))):
        level[node] = 1 + max((level[b] for b in graph.successors(node)), default=-1)
    return level


# --------------------------------------------------------------------------- the proposal


@dataclass(frozen=True)
class SetAside:
    """A component dependency against the proposed layering, with its sites by kind
    (load-time, in a function, under TYPE_CHECKING for imports; publish or consume for events)."""

    source: str
    target: str
    sites: tuple[tuple[str, str], ...]  # ("file:line", kind), sorted

    def describe(self) -> str:
        kinds: dict[str, int] = {}
        for _, kind in self.sites:
            kinds[kind] = kinds.get(kind, 0) + 1
        count = len(self.sites)
        breakdown = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        return f"{plural(count, 'site')}: {breakdown}; e.g. {self.sites[0][0]}"

    @property
    def type_only(self) -> bool:
        return all(kind == KIND_TYPING for _, kind in self.sites)


@dataclass
class Proposal:
    """What ``depcheck init`` proposes: the packages, the layers found and what it set aside."""

    packages: tuple[str, ...]
    depth: int
    layers: list[list[str]]  # highest first
    set_aside: list[SetAside]  # heaviest first
    excluded: list[str]  # the __init__ files above the components
    presets: dict[str, str] = field(default_factory=dict)  # preset -> why
    tests: list[str] = field(default_factory=list)  # test packages and modules excluded (paths)
    test_packages: list[str] = field(default_factory=list)  # top-level test packages not analysed
    unparsable: list[tuple[str, str]] = field(default_factory=list)  # (path, message)
    modules: int = 0
    dependencies: int = 0
    total_weight: int = 0
    set_aside_weight: int = 0
    # component -> the modules of it that other code reaches today (its proposed interface)
    interfaces: dict[str, list[str]] = field(default_factory=dict)


KIND_LOAD, KIND_FUNCTION, KIND_TYPING = "load-time", "in a function", "under TYPE_CHECKING"
KIND_MAIN = 'under if __name__ == "__main__"'
DEFERRED_KINDS = (KIND_FUNCTION, KIND_TYPING, KIND_MAIN)  # weighed WEIGHT_DEFERRED


def _site_kinds(facts: Mapping[str, FileFacts]) -> dict[tuple[str, int], str]:
    """(module, line) -> when that import runs; unlisted lines are load-time."""
    kinds = {}
    for module, file_facts in facts.items():
        for fact in file_facts.imports:
            if fact.type_checking:
                kinds[(module, fact.line)] = KIND_TYPING
            elif fact.in_function:
                kinds[(module, fact.line)] = KIND_FUNCTION
            elif fact.under_main:
                # Runs only when the file is a script, never on import: as late as a function's.
                kinds[(module, fact.line)] = KIND_MAIN
    return kinds


def detect_presets(graph: DependencyGraph, facts: Mapping[str, FileFacts]) -> dict[str, str]:
    """Which events presets the code uses, with the evidence count, from imports alone."""
    targets = [e.target for ev in graph.external.values() for e in ev]
    targets += [t for _, t in graph.graph.edges]
    found = {}
    for preset, prefixes in EVENT_MARKERS.items():
        hits = [t for t in targets if any(t == p or t.startswith(p + ".") for p in prefixes)]
        if hits:
            found[preset] = f"imports of {', '.join(sorted(set(hits))[:3])} ({len(hits)})"
    bus = sorted({
        name for file_facts in facts.values() for fact in file_facts.imports
        if fact.is_from for name in fact.names if name in BUS_NAMES
    })
    if bus:
        found["bus"] = f"from-imports of {', '.join(bus)}"
    return found


def propose(
    config: Config, files: Iterable[SourceFile], facts: Mapping[str, FileFacts],
    graph: DependencyGraph, depth: int, tests: Sequence[str] = (),
) -> Proposal:
    by_module = {f.module: f for f in files}
    component = {m: c for m, f in by_module.items() if (c := component_of(f, depth)) is not None}
    kinds = _site_kinds(facts)
    weights: dict[tuple[str, str], int] = {}
    sites: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for source, target, evidence in graph.graph.edges(data="evidence"):
        a, b = component.get(source), component.get(target)
        if a is None or b is None or a == b:
            continue
        lines = {e.line for e in evidence if e.kind == "import"}
        for e in evidence:
            if e.kind in ("call", "use"):
                # Uses weigh as the import that enables them, once: calls are not votes.
                if e.import_line in lines:
                    continue
                lines.add(e.import_line)
                kind = kinds.get((source, e.import_line), KIND_LOAD)
            else:
                # An event site binds its module like a load-time import does.
                kind = kinds.get((source, e.line), KIND_LOAD) if e.kind == "import" else e.kind
            weight = WEIGHT_DEFERRED if kind in DEFERRED_KINDS else WEIGHT_LOAD_TIME
            weights[(a, b)] = weights.get((a, b), 0) + weight
            sites.setdefault((a, b), []).append((f"{e.file}:{e.line}", kind))
    nodes = sorted(set(component.values()))
    arcs = feedback_arcs(weights)
    level = longest_path_levels(nodes, (e for e in weights if e not in arcs))
    # A set-aside edge the layering happens to satisfy needs no exception: put it back.
    arcs = {(a, b) for a, b in arcs if level[a] <= level[b]}
    top = max(level.values(), default=0)
    layers = [sorted(n for n in nodes if level[n] == lv) for lv in range(top, -1, -1)]
    return Proposal(
        packages=config.packages,
        depth=depth,
        layers=[layer for layer in layers if layer],
        set_aside=sorted(
            (SetAside(a, b, tuple(sorted(sites[(a, b)]))) for a, b in arcs),
            key=lambda item: (-weights[(item.source, item.target)], item.source, item.target),
        ),
        excluded=sorted({*config.exclude, *facade_files(by_module.values(), depth)} - set(tests)),
        tests=list(tests),
        unparsable=sorted((by_module[m].path, f.message) for m, f in graph.parse_failures.items()),
        presets=detect_presets(graph, facts),
        modules=len(by_module),
        dependencies=graph.graph.number_of_edges(),
        total_weight=sum(weights.values()),
        set_aside_weight=sum(weights[e] for e in arcs),
        interfaces=used_interfaces(graph, sorted(set(component.values()))),
    )


def used_interfaces(graph: DependencyGraph, components: Sequence[str]) -> dict[str, list[str]]:
    """Each package component's interface as the code uses it today: the modules of it that
    modules outside it reach (judged as the interface rule judges them), when that is not all
    of its modules (an interface exposing everything says nothing)."""
    modules = frozenset(graph.files)
    used: dict[str, set[str]] = {}
    for (source, _), evidence in graph.edges.items():
        for e in evidence:
            target = reached(e, modules)
            for name in components:
                inside = name + "."
                if target is not None and (target == name or target.startswith(inside)) and not (
                        source == name or source.startswith(inside)):
                    used.setdefault(name, set()).add(target)
    result = {}
    for name in components:
        members = [m for m in modules if m == name or m.startswith(name + ".")]
        if name in used and len(members) > 1 and len(used[name]) < len(members):
            result[name] = sorted(used[name])
    return result


class AdoptionError(Exception):
    """init has nothing to propose; the message is one actionable line."""


def init(root: Path, packages: Sequence[str], depth: int, test_packages: Sequence[str] = ()) -> Proposal:
    """The layering ``depcheck init`` proposes for ``packages`` under ``root``.

    Each step reads what the one before found: the files (the ``__init__`` files above
    the components are left out), then the graph of the rest, whose imports tell which
    events presets the code uses; when it uses some, the graph again with their events,
    because event edges are dependencies too and the proposal must pass ``check``. Test
    packages and modules inside ``packages`` are left out; ``test_packages`` are the top-level
    ones the caller left out, named in the proposal.
    """
    target = root / "pyproject.toml"
    # Only the file list: the parse comes once the excluded files are known.
    files = discover(Config(path=target, root=root, packages=tuple(packages))).files
    tests = tests_inside(files)
    excluded = tuple(sorted({*facade_files(files, depth), *tests}))
    config = Config(path=target, root=root, packages=tuple(packages), exclude=excluded)
    project, facts, graph = load_graph(config)
    proposal = propose(config, project.files, facts, graph, depth, tests)
    if proposal.presets:
        # The extraction changes with the events settings: every file is parsed again.
        config = dataclasses.replace(config, events=event_settings(proposal.presets))
        project, facts, graph = load_graph(config)
        proposal = propose(config, project.files, facts, graph, depth, tests)
    proposal.test_packages = list(test_packages)
    if sum(len(layer) for layer in proposal.layers) < 2:
        raise AdoptionError(f"{', '.join(packages)} has fewer than two components at depth {depth}: "
                            "nothing to layer; try another --depth or --package")
    return proposal


def render(proposal: Proposal) -> str:
    """The proposal as a commented ``[tool.depcheck]`` section."""
    depth_text = "direct subpackages" if proposal.depth == 1 else f"packages {proposal.depth} levels down"
    lines = [
        "# Proposed by `depcheck init` from the code's imports "
        f"({plural(proposal.modules, 'module')}, {plural(proposal.dependencies, 'dependency')} "
        "between them).",
        f"# Components: the {depth_text} of {', '.join(proposal.packages)}, highest layer first;",
        "# each may depend only on components in lower layers, and the components of one",
        "# layer must not depend on each other. Review it: this is what the code does today,",
        "# not necessarily what it should do.",
        "[tool.depcheck]",
        f"packages = {toml_value(list(proposal.packages))}",
    ]
    if proposal.test_packages:
        lines.append(f"# Left out as tests: {', '.join(proposal.test_packages)} (add to packages to check "
                     f"{'it' if len(proposal.test_packages) == 1 else 'them'}).")
    excluded = [path for path in proposal.excluded if path not in dict(proposal.unparsable)]
    if excluded or proposal.unparsable or proposal.tests:
        if excluded:
            lines.append("# Package __init__ files above the components re-export them; left out so they")
            lines.append("# do not route every dependency through themselves.")
        for path, message in proposal.unparsable:
            lines.append(f"# {path} does not parse ({message}): excluded until it does.")
        if proposal.tests:
            lines.append("# Tests import what they test across components; left out: "
                         f"{', '.join(proposal.tests)}.")
        lines.append(
            f"exclude = {toml_value(excluded + [path for path, _ in proposal.unparsable] + proposal.tests)}"
        )
    lines.append("layers = [")
    for layer in proposal.layers:
        lines.append(f"  {toml_value(layer[0] if len(layer) == 1 else layer, inline=True)},")
    lines.append("]")
    if proposal.interfaces:
        lines += [
            "",
            "# Interfaces: the modules of each component that other components use today; other",
            "# code may use only these (the interface rule). Narrow them to what should be public.",
        ]
        for name, exposed in sorted(proposal.interfaces.items()):
            lines += [
                "",
                "[[tool.depcheck.interfaces]]",
                f"component = {toml_value(name)}",
                f"expose = {toml_value(exposed)}",
            ]
    if proposal.presets:
        lines.append("")
        body = ["[tool.depcheck.events]",
                f"presets = {toml_value(sorted(proposal.presets), inline=True)}"]
        lines.append("# Events: " + "; ".join(f"{k}: {v}" for k, v in sorted(proposal.presets.items())))
        lines.extend(body)
    if proposal.set_aside:
        share = 100 * proposal.set_aside_weight / max(proposal.total_weight, 1)
        lines += [
            "",
            f"# {plural(len(proposal.set_aside), 'dependency')} "
            f"{'goes' if len(proposal.set_aside) == 1 else 'go'} against this layering: "
            f"{'it closes' if len(proposal.set_aside) == 1 else 'they close'} cycles.",
            "# depcheck init set aside the lightest such set (import sites weighted: load-time 3;",
            "# in a function, under TYPE_CHECKING or under if __name__ == \"__main__\" 1;",
            f"# {share:.0f}% of the total weight) and accepts them below so the check is green today.",
            "# Each is a place to cut to untangle the code; remove an exception once its",
            "# dependency is gone. `depcheck explain FROM TO` shows why.",
        ]
        type_only = sum(1 for item in proposal.set_aside if item.type_only)
        if type_only:
            lines.append(
                f"# {type_only} of them {'is' if type_only == 1 else 'are'} only imports under "
                f"TYPE_CHECKING: with type_checking_imports = false {'it' if type_only == 1 else 'they'} "
                "would not count."
            )
        for item in proposal.set_aside:
            reason = f"set aside by depcheck init: cut here to untangle ({item.describe()})"
            lines += [
                "[[tool.depcheck.exceptions]]",
                f"from = {toml_value(item.source)}",
                f"to = {toml_value(item.target)}",
                f"reason = {toml_value(reason)}",
            ]
    return "\n".join(lines) + "\n"


_SECTION_RE = re.compile(r"^\s*\[\[?\s*tool\.depcheck\b")
_HEADER_RE = re.compile(r"^\s*\[")


def _bracket_change(line: str) -> int:
    """Net ``[`` minus ``]`` outside strings and comments: tells array lines from headers."""
    depth, quote, escaped = 0, "", False
    for ch in line:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
    return depth


def has_section(text: str) -> bool:
    return any(is_header and _SECTION_RE.match(line) for line, is_header in _lines(text))


def _lines(text: str) -> list[tuple[str, bool]]:
    """Each line with whether it is a table header (not a line inside a multi-line array)."""
    result = []
    depth = 0
    for line in text.splitlines(keepends=True):
        is_header = depth == 0 and bool(_HEADER_RE.match(line))
        if not is_header:
            depth = max(depth + _bracket_change(line), 0)
        result.append((line, is_header))
    return result


def replace_section(text: str, section: str) -> str:
    """``text`` with every ``[tool.depcheck...]`` table (and the comment block right above
    each) removed and ``section`` appended; everything else is left byte for byte."""
    kept: list[str] = []
    inside = False
    for line, is_header in _lines(text):
        if is_header:
            inside = bool(_SECTION_RE.match(line))
            if inside:
                while kept and kept[-1].lstrip().startswith("#"):
                    kept.pop()
        if not inside:
            kept.append(line)
    result = "".join(kept).rstrip("\n")
    return (result + "\n\n" if result else "") + section


def event_settings(presets: Iterable[str]) -> EventSettings:
    """The events config the detected presets stand for, as `check` will read it."""
    names = tuple(sorted(presets))
    return EventSettings(presets=names, patterns=tuple(p for name in names for p in PRESETS[name]))
