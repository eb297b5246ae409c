"""What every rule is made of: its descriptor, what it sees, what it returns, shared helpers.

A rule is one module of this package holding one :class:`Rule` value: its id
and severity, its docs, the properties the other stages ask about (can a
comment suppress it, can the baseline hold it), the settings type it needs
from the config and its check. Rules only read the view they are given
(suppressed and excepted dependencies are already gone from it) and return
plain data; they never print, read files or know about output formats.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generic, Optional, TypeVar

from depcheck.config import Config
from depcheck.model import Evidence, Location, Loops, Violation

if TYPE_CHECKING:
    from depcheck.graph import Adjacency, GraphView

Settings = TypeVar("Settings")

# Rules that judge dependencies between modules run in the graph stage; the filter stage's
# rules (unused-ignore, stale-baseline) judge the suppressions and the baseline themselves.
GRAPH = "graph"
FILTER = "filter"


@dataclass(frozen=True)
class RuleDoc:
    """What a rule reports, for people and for formats that describe rules (SARIF):
    one line, a paragraph, a fix."""

    short: str
    full: str
    help: str


Key = tuple[str, ...]


@dataclass
class Findings:
    """What one rule returns: violations, notes and the loops other violations close."""

    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Loops that run through dependencies other rules report: (the keys of those violations,
    # the loops); they go under the first of those violations that is reported.
    closes: list[tuple[tuple[Key, ...], Loops]] = field(default_factory=list)


@dataclass(frozen=True)
class NoSettings:
    """For rules that need nothing from the config."""

    @classmethod
    def of(cls, config: Config) -> NoSettings:
        return cls()


@dataclass(frozen=True)
class Rule(Generic[Settings]):
    """One rule. ``name`` is its key in the registry; ``id`` is what its findings report
    (a contract's ``protected`` check is its own rule that reports as ``forbidden``)."""

    id: str
    severity: str
    doc: RuleDoc
    # The rule's own settings, read from a config (contracts build them directly).
    settings: Callable[[Config], Settings] = NoSettings.of  # type: ignore[assignment]
    check: Optional[Callable[[GraphView, Settings], Findings]] = None  # None for filter-stage rules
    stage: str = GRAPH
    name: str = ""  # registry key; "" = the id
    # The rules whose findings explain this rule's: it runs after them and its settings'
    # ``judged`` field receives their findings (the cycle rule: loops through a reported
    # upward dependency are listed under it).
    explained_by: tuple[str, ...] = ()
    suppressible: bool = True  # a suppression comment naming its id can hide its findings
    judges_dependencies: bool = False  # [[exceptions]] apply; its findings name two components
    baselinable: bool = True  # ``depcheck baseline`` may accept its findings

    @property
    def key(self) -> str:
        return self.name or self.id

    def run(self, view: GraphView, settings: Any) -> Findings:
        assert self.check is not None, f"{self.key} runs in the {self.stage} stage"
        return self.check(view, settings)


# --------------------------------------------------------------------------- components


class Components:
    """Assigns each module to the most specific listed component that contains it."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self._cache: dict[str, Optional[str]] = {}

    def of(self, module: str) -> Optional[str]:
        try:
            return self._cache[module]
        except KeyError:
            pass
        found = None
        name = module
        while name:
            if name in self.names:
                found = name
                break
            name = name.rpartition(".")[0]
        self._cache[module] = found
        return found

    def members(self, modules: Iterable[str]) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {name: [] for name in sorted(self.names)}
        for module in sorted(modules):
            component = self.of(module)
            if component is not None:
                result[component].append(module)
        return result


# --------------------------------------------------------------------------- paths


class Search:
    """Breadth-first search that remembers how it reached each module, in sorted order so the
    paths it gives are deterministic: the one path-search of the rules."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.queue: deque[str] = deque()

    def reach(self, module: str, came_from: str) -> bool:
        """Enqueue ``module`` unless it was reached before; whether it was new."""
        if module in self.parent:
            return False
        self.parent[module] = came_from
        self.queue.append(module)
        return True

    def __iter__(self) -> Iterator[str]:
        while self.queue:
            yield self.queue.popleft()

    def path(self, module: str) -> tuple[str, ...]:
        """The modules from where the search started to ``module``."""
        chain = [module]
        while chain[-1] in self.parent:
            chain.append(self.parent[chain[-1]])
        return tuple(reversed(chain))


def component_paths(
    adjacency: Adjacency, sources: list[str], component: Callable[[str], Optional[str]]
) -> list[tuple[str, ...]]:
    """Dependencies of a group of modules on modules of *other* components.

    Every direct edge is a path of two modules. Every module reached through
    modules that belong to no component also gets its one shortest path, found
    by breadth-first search in sorted order so the choice is deterministic --
    even when another member imports that module directly: the indirect route
    is a dependency of its own, and hiding it would let it survive the fix of
    the direct one.
    """
    return _paths_and_ends(adjacency, sources, component)[0]


def _paths_and_ends(
    adjacency: Adjacency, sources: list[str], component: Callable[[str], Optional[str]]
) -> tuple[list[tuple[str, ...]], list[str]]:
    """``component_paths`` and, path by path, the component it ends in (known on the way)."""
    own = component(sources[0]) if sources else None
    members = set(sources)
    paths: list[tuple[str, ...]] = []
    ends: list[str] = []
    search = Search()
    successors = adjacency.get
    for module in sources:
        targets = successors(module)
        if not targets:
            continue
        for target in sorted(targets):
            owner = component(target)
            if owner is None:
                search.reach(target, module)
            elif owner != own:
                paths.append((module, target))
                ends.append(owner)
    reached: set[str] = set()
    for current in search:
        for target in sorted(adjacency.get(current, {})):
            owner = component(target)
            if owner is None:
                if target not in members:
                    search.reach(target, current)
            elif owner != own and target not in reached:
                reached.add(target)
                paths.append((*search.path(current), target))
                ends.append(owner)
    return paths, ends


@dataclass(frozen=True)
class ComponentPaths:
    """One component's ``component_paths``, each with the component it ends in (``targets[i]``
    for ``paths[i]``): parallel lists, not a tuple per path (85k of them at 20k modules)."""

    name: str
    members: list[str]
    paths: list[tuple[str, ...]]
    targets: list[str]


# (id of a view, its components) -> (the view, weakly, and its component paths).
_SHARED: dict[tuple[int, frozenset[str]], tuple[weakref.ref[GraphView], tuple[ComponentPaths, ...]]] = {}


def component_dependencies(view: GraphView, components: Components) -> tuple[ComponentPaths, ...]:
    """The ``component_paths`` of every component with modules, in name order.

    Computed once per view and set of components and shared: the layer, independence and
    cycle rules ask it of the same components, and the graph hands every rule that sees it
    whole the same view. The entry goes when the view does. At 20k modules (85k paths) the
    rules stage took 0.67 s of CPU against 1.37 s walking once per rule with the cyclic GC off
    (as entry.py runs), 0.92 against 1.72 s with it on (medians of 5).
    """
    key = (id(view), components.names)
    found = _SHARED.get(key)
    if found is not None and found[0]() is view:
        return found[1]
    groups = components.members(view.modules)
    owners = _Owners(components)
    owners.update(components._cache)  # every module's, found by ``members``: no lookup misses
    computed = tuple(
        ComponentPaths(name, members, *_paths_and_ends(view.adjacency, members, owners.__getitem__))
        for name, members in groups.items()
        if members
    )
    _SHARED[key] = (weakref.ref(view, _forget(key)), computed)
    return computed


def _forget(key: tuple[int, frozenset[str]]) -> Callable[[weakref.ref[GraphView]], None]:
    """Drops the entry when its view goes, before another object can have the view's id."""

    def forget(ref: weakref.ref[GraphView]) -> None:
        if key in _SHARED and _SHARED[key][0] is ref:
            del _SHARED[key]

    return forget


class _Owners(dict):  # type: ignore[type-arg]
    """module -> its component, filled on first lookup (``__getitem__`` stays the C one)."""

    def __init__(self, components: Components) -> None:
        super().__init__()
        self.components = components

    def __missing__(self, module: str) -> Optional[str]:
        owner = self[module] = self.components.of(module)
        return owner


# --------------------------------------------------------------------------- evidence


def chain_evidence(adjacency: Adjacency, path: tuple[str, ...]) -> tuple[Evidence, ...]:
    return tuple(e for a, b in zip(path, path[1:]) for e in adjacency[a][b])


def path_evidence(adjacency: Adjacency, path: tuple[str, ...], members: list[str]) -> tuple[Evidence, ...]:
    """Evidence hop by hop; an indirect path's first hop lists every member that
    takes the same exit (import-linter's ``a & b -> x``), since all must be cut."""
    if len(path) == 2:
        return chain_evidence(adjacency, path)
    exit_module = path[1]
    first = sorted(
        e for m in members if exit_module in adjacency.get(m, {}) for e in adjacency[m][exit_module]
    )
    return (*first, *chain_evidence(adjacency, path[1:]))


def location(evidence: tuple[Evidence, ...]) -> Optional[Location]:
    """Where a finding is reported: its first piece of evidence."""
    if not evidence:
        return None
    first = evidence[0]
    return Location(first.file, first.line, first.column)


def verb(evidence: tuple[Evidence, ...]) -> str:
    """How a message names a dependency: by the kinds of evidence that make it."""
    kinds = {e.kind for e in evidence}
    if kinds == {"consume"}:
        return "consumes an event of"
    if kinds == {"publish"}:
        return "publishes an event owned by"
    if kinds == {"import"} or "import" in kinds and kinds <= {"import", "call", "use"}:
        return "imports"
    if kinds <= {"call", "use"}:
        return "uses"
    return "depends on"


def via(path: tuple[str, ...]) -> str:
    """`` through a, b`` for an indirect path, else nothing."""
    return f" through {', '.join(path[1:-1])}" if len(path) > 2 else ""



