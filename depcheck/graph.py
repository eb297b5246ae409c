"""Resolve extracted facts into a module dependency graph.

Edge targets follow grimp's conventions so results can be compared with it:

* ``import a.b.c`` depends on ``a.b.c`` (not on ``a`` or ``a.b``);
* ``from a import b`` depends on ``a.b`` when that is a module, else on ``a``;
* an internal name that resolves to no file depends on its nearest existing
  parent package;
* imports of anything outside the analysed packages are kept as *external*
  dependencies (for ``forbidden`` rules), not as nodes of the architecture.
"""

from __future__ import annotations

import fnmatch
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Hashable, Iterable, Iterator, Mapping, Optional

from depcheck.config import EventSettings
from depcheck.model import (
    Alias,
    CatalogEvent,
    EventSite,
    Evidence,
    FileFacts,
    GraphParts,
    ImportFact,
    LazyEdges,
    ModuleLinks,
    ParseFailure,
    SourceFile,
    alias_seen,
    matches,
)
from depcheck.patterns import CONSUME, DEFINE, EXTERNAL_REEXPORTS, PUBLISH, EventPattern

if TYPE_CHECKING:
    import networkx as nx

# What a module does with a topic to own it under each ownership policy (the definer policy: define).
POLICY_CLAIMS = {"publisher": PUBLISH, "consumer": CONSUME}

Adjacency = Mapping[str, Mapping[str, tuple[Evidence, ...]]]


@dataclass(frozen=True)
class Keep:
    """What a rule's view leaves out: the evidence ``evidence`` rejects. Evidence lies in its
    source module's row, so only the rows of ``sources`` can lose any; the others are shared
    with the unfiltered view as they are (a cached row is not even decoded). Two Keeps with the
    same ``key`` reject the same evidence, so they share one view."""

    evidence: Callable[[Evidence], bool]
    sources: frozenset[str]
    key: Hashable


@dataclass(frozen=True)
class Resolved:
    """What one import names, once resolved against the project's modules."""

    target: str
    external: bool
    names: tuple[str, ...] = ()  # a from-import's names that are no module of their own


def relative_base(module: SourceFile, fact: ImportFact) -> Optional[str]:
    """The absolute module a from-import refers to, or None when it climbs above the top."""
    if fact.level == 0:
        return fact.module
    parts = module.module.split(".")
    if not module.is_package:
        parts = parts[:-1]
    climb = fact.level - 1
    if climb >= len(parts):
        return None
    parts = parts[: len(parts) - climb]
    if fact.module:
        parts.append(fact.module)
    return ".".join(parts)


class Resolver:
    """Maps import facts to module names, given the set of analysed modules."""

    def __init__(self, modules: Iterable[str], packages: Iterable[str]) -> None:
        self.modules = frozenset(modules)
        self.packages = tuple(packages)
        # Answers by name: linking asks about the same names tens of thousands of times.
        self._internal: dict[str, bool] = {}
        self._nearest: dict[str, Optional[str]] = {}

    def is_internal(self, name: str) -> bool:
        known = self._internal.get(name)
        if known is None:
            known = self._internal[name] = any(name == p or name.startswith(p + ".") for p in self.packages)
        return known

    def nearest(self, name: str) -> Optional[str]:
        if name in self._nearest:
            return self._nearest[name]
        asked = name
        while name:
            if name in self.modules:
                break
            name = name.rpartition(".")[0]
        found = self._nearest[asked] = name or None
        return found

    def resolve(self, module: SourceFile, fact: ImportFact) -> list[Resolved]:
        base = relative_base(module, fact)
        if base is None or not base:
            return []
        names: dict[str, list[str]] = {}  # candidate -> the names imported from it
        if not fact.is_from:
            names[base] = []
        else:
            for name in fact.names:
                full = f"{base}.{name}"
                if name != "*" and full in self.modules:
                    names.setdefault(full, [])
                else:
                    names.setdefault(base, []).append(name)
        result: list[Resolved] = []
        for candidate, imported in names.items():
            if self.is_internal(candidate):
                target = self.nearest(candidate)
                if target is not None and target != module.module:
                    result.append(Resolved(target, False, tuple(imported)))
            else:
                result.append(Resolved(base if fact.is_from else candidate, True))
        return result


@dataclass(frozen=True)
class GraphView:
    """What a rule sees: the module graph after suppressions and exceptions took their part out."""

    modules: tuple[str, ...]
    adjacency: Adjacency
    external: Mapping[str, tuple[Evidence, ...]]
    events: tuple[CatalogEvent, ...] = ()
    ignored_event_sites: frozenset[Evidence] = frozenset()  # suppressed for the rule looking
    failures: tuple[tuple[str, ParseFailure], ...] = ()  # (path, why) of files that did not parse
    paths: Mapping[str, str] = field(default_factory=dict)  # module -> its file


class EdgeMap(Mapping[tuple[str, str], tuple[Evidence, ...]]):
    """(from, to) -> evidence, in (from, to) order, held as each module's row of targets; a row
    from the cache (``LazyEdges``) decodes its evidence only when it is read."""

    def __init__(self, rows: dict[str, Mapping[str, tuple[Evidence, ...]]]) -> None:
        self.rows = rows
        self._size: Optional[int] = None

    def __getitem__(self, pair: tuple[str, str]) -> tuple[Evidence, ...]:
        source, target = pair
        row = self.rows.get(source)
        if row is None or target not in row:
            raise KeyError(pair)
        return row[target]

    def __contains__(self, pair: object) -> bool:
        if type(pair) is not tuple or len(pair) != 2:
            return False
        row = self.rows.get(pair[0])
        return row is not None and pair[1] in row

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for source, row in self.rows.items():
            for target in row:
                yield source, target

    def __len__(self) -> int:
        if self._size is None:
            self._size = sum(len(row) for row in self.rows.values())
        return self._size


@dataclass
class DependencyGraph:
    """Modules of the analysed packages and the evidence of every dependency between them.

    ``edges`` maps (from, to) to its evidence, sorted by pair. The networkx
    view, ``graph``, is built on first use: importing networkx costs more
    start-up time than a whole cached run, and the rules do not need it.
    """

    files: dict[str, SourceFile]
    edges: Mapping[tuple[str, str], tuple[Evidence, ...]]  # a dict, or built_graph's EdgeMap
    external: dict[str, tuple[Evidence, ...]] = field(default_factory=dict)
    parse_failures: dict[str, ParseFailure] = field(default_factory=dict)
    events: tuple[CatalogEvent, ...] = ()
    # What the next run may start from (see build_graph's ``previous``), and which modules
    # this build linked (all of them unless it started from a previous run's parts).
    parts: Optional[GraphParts] = field(default=None, repr=False, compare=False)
    relinked: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _nx: Any = field(default=None, init=False, repr=False, compare=False)
    _full: Any = field(default=None, init=False, repr=False, compare=False)
    _views: dict[tuple[Hashable, str], GraphView] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def modules(self) -> list[str]:
        return sorted(self.files)

    @property
    def graph(self) -> nx.DiGraph:
        if self._nx is None:
            import networkx as nx

            graph = nx.DiGraph()
            graph.add_nodes_from(self.files)
            for (source, target), evidence in self.edges.items():
                graph.add_edge(source, target, evidence=evidence)
            self._nx = graph
        return self._nx

    def number_of_edges(self) -> int:
        return len(self.edges)

    def evidence(self, source: str, target: str) -> tuple[Evidence, ...]:
        return self.edges[source, target]

    def adjacency(self, keep: Optional[Keep] = None) -> dict[str, Mapping[str, tuple[Evidence, ...]]]:
        """Successors with their evidence, dropping the evidence ``keep`` rejects.

        An edge none of whose evidence is kept disappears: that is how
        suppressions and exceptions take a dependency out of a rule's view
        before paths are searched.
        """
        if self._full is None:
            if isinstance(self.edges, EdgeMap):
                # The rows as they are: evidence the rules do not read is never decoded.
                rows = self.edges.rows
                self._full = {m: rows.get(m) or {} for m in self.files}
            else:
                full: dict[str, dict[str, tuple[Evidence, ...]]] = {m: {} for m in self.files}
                for (source, target), evidence in self.edges.items():
                    if evidence:
                        full[source][target] = evidence
                self._full = full
        if keep is None:
            return self._full  # rules only read their view: one unfiltered copy serves all
        result = dict(self._full)
        accept = keep.evidence
        for module in keep.sources:
            row = result.get(module)
            if row:
                result[module] = {
                    target: kept for target, evidence in row.items()
                    if (kept := tuple(e for e in evidence if accept(e)))
                }
        return result

    def external_evidence(self, keep: Optional[Keep] = None) -> Mapping[str, tuple[Evidence, ...]]:
        if keep is None:
            return self.external
        result = dict(self.external)
        for module in keep.sources:
            evidence = result.pop(module, ())
            kept = tuple(e for e in evidence if keep.evidence(e))
            if kept:
                result[module] = kept
        return result

    def view(self, keep: Optional[Keep] = None, within: str = "") -> GraphView:
        """The graph as a rule sees it: without the evidence ``keep`` rejects and, with ``within``,
        only the modules inside that package and the edges between them. Rules only read their
        view, so one view serves every rule that leaves out the same evidence."""
        key = (None if keep is None else keep.key, within)
        found = self._views.get(key)
        if found is not None:
            return found
        adjacency: Adjacency = self.adjacency(keep)
        if within:
            prefix = within + "."
            adjacency = {
                m: {t: ev for t, ev in targets.items() if t.startswith(prefix)}
                for m, targets in adjacency.items()
                if m.startswith(prefix)
            }
        view = self._views[key] = GraphView(
            tuple(self.modules), adjacency, self.external_evidence(keep), self.events,
            self.ignored_event_sites(keep),
            tuple((self.files[m].path, failure) for m, failure in sorted(self.parse_failures.items())),
            {m: f.path for m, f in self.files.items()},
        )
        return view

    def ignored_event_sites(self, keep: Optional[Keep] = None) -> frozenset[Evidence]:
        """The publish/consume sites ``keep`` rejects: hygiene rules do not report them."""
        if keep is None:
            return frozenset()
        return frozenset(
            e for event in self.events for e in (*event.publishers, *event.consumers)
            if e.source in keep.sources and not keep.evidence(e)
        )


def build_graph(
    files: Iterable[SourceFile],
    facts: Mapping[str, FileFacts],
    packages: Iterable[str],
    *,
    type_checking_imports: bool = True,
    events: Optional[EventSettings] = None,
    config_file: str = "",
    app_labels: Iterable[tuple[str, str]] = (),
    components: Iterable[str] = (),
    digests: Optional[Mapping[str, str]] = None,
    previous: Optional[GraphParts] = None,
) -> DependencyGraph:
    """The module graph; ``facts`` is keyed by module name.

    With ``events``, publish and consume sites (and the config's declarations,
    located in ``config_file``) become edges to the events' owners. The uses in
    ``facts`` (if extraction recorded any) become evidence on the edge to the
    module that defines what they use; ``app_labels`` map Django app labels to packages.
    ``components`` (the layers' entries) bound the package that several publishers of a
    topic may own it by.

    With ``digests`` (module -> facts digest) and the ``previous`` run's parts (built with
    the same settings), only the modules whose facts changed, and those that resolved names
    through them, are linked again; the others' links are taken as they were, and ``facts``
    is read only for the modules linked (it may decode on access). The graph is the same as a
    build from scratch: tests/test_incremental_graph.py compares them.
    """
    by_module = {f.module: f for f in sorted(files, key=lambda f: f.module)}
    resolver = Resolver(by_module, packages)
    plan = _Plan.of(by_module, facts, digests, previous)
    before = plan.previous.modules if plan.previous is not None else {}
    linked: dict[str, ModuleLinks] = {m: before[m] for m in plan.reused}
    relinked = {m: facts.get(m) or _NO_FACTS for m in plan.relink}
    # The modules that label Django apps: every use of a model may need them.
    apps_modules = [m for m in by_module if (relinked[m] if m in relinked else linked[m]).apps]
    uses = UseLinker(by_module, facts, resolver, app_labels, type_checking_imports, apps_modules)
    for name in plan.reused:
        edges = linked[name].edges
        if isinstance(edges, LazyEdges):
            # Stored evidence that does not check out when read is linked again from the facts.
            edges.fallback = functools.partial(_relinked_edges, by_module[name], facts, resolver, uses,
                                               type_checking_imports)
    for name, file_facts in relinked.items():
        digest = digests.get(name, "") if digests is not None else ""
        linked[name] = _link_module(by_module[name], file_facts, resolver, uses, type_checking_imports,
                                    digest)
    catalog: tuple[CatalogEvent, ...] = ()
    event_consulted: frozenset[str] = frozenset()
    if events is not None:
        if plan.previous is not None and plan.catalog_reusable(linked):
            catalog, event_consulted = plan.previous.catalog, plan.previous.event_consulted
        else:
            with_events = {m: facts[m] for m, links in linked.items() if links.events}
            linker = EventLinker(by_module, with_events, resolver, events, components, aliases_of=facts)
            catalog = linker.link(config_file)
            event_consulted = frozenset(module for module, _, _ in linker.consulted)
    return _assemble(by_module, linked, catalog, GraphParts(linked, catalog, event_consulted),
                     tuple(plan.relink))


class _Plan:
    """Which modules a build links again and which it takes from the previous run."""

    def __init__(self, relink: list[str], reused: list[str], changed: set[str],
                 previous: Optional[GraphParts]) -> None:
        self.relink = relink
        self.reused = reused
        self.changed = changed
        self.previous = previous

    @classmethod
    def of(
        cls, by_module: Mapping[str, SourceFile], facts: Mapping[str, FileFacts],
        digests: Optional[Mapping[str, str]], previous: Optional[GraphParts],
    ) -> _Plan:
        every = list(by_module)
        if previous is None or digests is None or previous.modules.keys() != by_module.keys():
            return cls(every, [], set(every), None)
        changed = {m for m in every if previous.modules[m].digest != digests.get(m)}
        # App labels name packages for every file's model references: a change to one is
        # linked everywhere again.
        if any(previous.modules[m].apps or (facts.get(m) or _NO_FACTS).apps for m in changed):
            return cls(every, [], set(every), None)
        relink = set(changed)
        # A module that looked names up in a changed module's aliases is linked again only when
        # one of those names is not what it was.
        aliases = _Aliases(facts)
        for module, links in previous.modules.items():
            if module not in relink and any(
                consulted in changed and alias_seen(aliases.get(consulted).get(name)) != seen
                for consulted, name, seen in links.consulted
            ):
                relink.add(module)
        reused = [m for m in every if m not in relink]
        return cls([m for m in every if m in relink], reused, changed, previous)

    def catalog_reusable(self, linked: Mapping[str, ModuleLinks]) -> bool:
        """The catalog depends on every module's event sites and on the aliases it read."""
        if self.previous is None:
            return False
        return not any(
            self.previous.modules[m].events or linked[m].events or m in self.previous.event_consulted
            for m in self.changed
        )


def _relinked_edges(
    source: SourceFile, facts: Mapping[str, FileFacts], resolver: Resolver, uses: UseLinker,
    type_checking_imports: bool,
) -> Mapping[str, tuple[Evidence, ...]]:
    file_facts = facts.get(source.module) or _NO_FACTS
    return _link_module(source, file_facts, resolver, uses, type_checking_imports, "").edges


def _link_module(
    source: SourceFile, file_facts: FileFacts, resolver: Resolver, uses: UseLinker,
    type_checking_imports: bool, digest: str,
) -> ModuleLinks:
    """One module's imports and uses as evidence, grouped by target."""
    name = source.module
    internal: dict[str, set[Evidence]] = {}
    external: set[Evidence] = set()
    for fact in file_facts.imports:
        if fact.type_checking and not type_checking_imports:
            continue
        for resolved in resolver.resolve(source, fact):
            evidence = Evidence(
                source.path, fact.line, fact.column, name, resolved.target, "import", fact.text,
                names=",".join(resolved.names),
            )
            if resolved.external:
                external.add(evidence)
            else:
                internal.setdefault(resolved.target, set()).add(evidence)
    consulted: tuple[tuple[str, str, str], ...] = ()
    if file_facts.uses:
        found, seen = uses.link_module(name, file_facts)
        for evidence, is_external in found:
            if is_external:
                external.add(evidence)
            else:
                internal.setdefault(evidence.target, set()).add(evidence)
        consulted = tuple(sorted(lookup for lookup in seen if lookup[0] != name))
    return ModuleLinks(
        digest=digest,
        edges={target: tuple(sorted(internal[target])) for target in sorted(internal)},
        external=tuple(sorted(external)),
        consulted=consulted,
        error=file_facts.error,
        suppressions=bool(file_facts.suppressions),
        events=bool(file_facts.events),
        apps=bool(file_facts.apps),
    )


_NO_LINKS = ModuleLinks("", {})
_NO_FACTS = FileFacts()


def _assemble(
    by_module: dict[str, SourceFile], linked: Mapping[str, ModuleLinks], catalog: tuple[CatalogEvent, ...],
    parts: GraphParts, relinked: tuple[str, ...],
) -> DependencyGraph:
    """The graph from every module's links and the edges events make."""
    by_events: dict[str, dict[str, list[Evidence]]] = {}
    external_events: dict[str, list[Evidence]] = {}
    for event in catalog:
        for evidence in (*event.publishers, *event.consumers):
            if not makes_edge(evidence, event):
                continue
            if event.external:
                external_events.setdefault(evidence.source, []).append(evidence)
            else:
                by_events.setdefault(evidence.source, {}).setdefault(evidence.target, []).append(evidence)
    rows: dict[str, Mapping[str, tuple[Evidence, ...]]] = {}
    external: dict[str, tuple[Evidence, ...]] = {}
    failures: dict[str, ParseFailure] = {}
    # Events may start at a name that is no file: a config declaration owned by one.
    for name in sorted(by_module.keys() | by_events.keys() | external_events.keys()):
        links = linked.get(name, _NO_LINKS)
        if links.error is not None:
            failures[name] = links.error
        more = by_events.get(name)
        if more is None:
            if links.edges:
                rows[name] = links.edges
        else:
            merged: dict[str, tuple[Evidence, ...]] = dict(links.edges)
            for target, evidence in more.items():
                merged[target] = tuple(sorted(set(merged.get(target, ())).union(evidence)))
            rows[name] = {target: merged[target] for target in sorted(merged)}
        outside = links.external
        if name in external_events:
            outside = tuple(sorted(set(outside).union(external_events[name])))
        if outside:
            external[name] = outside
    edges = EdgeMap(rows)
    return DependencyGraph(
        files=by_module, edges=edges, external=external, parse_failures=failures, events=catalog,
        parts=parts, relinked=relinked,
    )


# --------------------------------------------------------------------------- events


def _qualify_relative(module: SourceFile, name: str, level: int) -> Optional[str]:
    if level == 0:
        return name
    return relative_base(module, ImportFact(line=0, column=0, module=name, level=level, is_from=True))


class _Components:
    """The listed component that contains a module (rules/base.py's ``Components`` sits above graph)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)

    def of(self, module: str) -> Optional[str]:
        name = module
        while name:
            if name in self.names:
                return name
            name = name.rpartition(".")[0]
        return None


def _common_package(modules: Iterable[str]) -> str:
    """The longest dotted prefix all ``modules`` share ("" when none)."""
    split = [m.split(".") for m in modules]
    common: list[str] = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return ".".join(common)


def _class_like(name: str) -> bool:
    """``OrderCreated`` or ``E``, not ``MAXCODE`` nor ``order_created``."""
    bare = name.lstrip("_")
    return bare[:1].isupper() and (len(bare) == 1 or not bare.isupper())


class _Aliases:
    """module -> its aliases by name, read from its facts when first asked for."""

    def __init__(self, facts: Mapping[str, FileFacts]) -> None:
        self.facts = facts
        # A mapping that decodes on access may read a module's aliases alone (cache.FactsTable).
        self.read: Optional[Callable[[str], tuple[Alias, ...]]] = getattr(facts, "aliases_of", None)
        self.known: dict[str, dict[str, Alias]] = {}

    def get(self, module: str) -> Mapping[str, Alias]:
        found = self.known.get(module)
        if found is None:
            if self.read is not None and module in self.facts:
                aliases: tuple[Alias, ...] = self.read(module)
            else:
                file_facts = self.facts.get(module)
                aliases = file_facts.aliases if file_facts else ()
            found = self.known[module] = {a.name: a for a in aliases}
        return found


class Names:
    """Follows a dotted name through other modules' aliases (re-exports, constants) to its definition."""

    def __init__(
        self, files: Mapping[str, SourceFile], facts: Mapping[str, FileFacts], resolver: Resolver,
        aliases_of: Optional[Mapping[str, FileFacts]] = None,
    ) -> None:
        self.files = files
        self.facts = facts
        self.resolver = resolver
        # Whose aliases names are followed through: every file's (``aliases_of``, default
        # ``facts``), read module by module as names reach them, so a build that links few
        # modules decodes few facts.
        self.aliases = _Aliases(facts if aliases_of is None else aliases_of)
        self._canonical: dict[str, tuple[str, bool, tuple[tuple[str, str, str], ...]]] = {}
        # (module, name, alias_seen) of every lookup in a module's aliases, since last cleared
        self.consulted: set[tuple[str, str, str]] = set()

    def module_prefix(self, name: str) -> Optional[str]:
        """The longest analysed module that ``name`` is strictly inside."""
        return self.resolver.nearest(name.rpartition(".")[0])

    def canonical(self, name: str) -> tuple[str, bool]:
        """Follow re-exports, aliases and topic constants to the name's definition."""
        known = self._canonical.get(name)
        if known is None:
            read: list[tuple[str, str, str]] = []
            found, topic = self._follow(name, read)
            known = self._canonical[name] = (found, topic, tuple(read))
        self.consulted.update(known[2])
        return known[0], known[1]

    def _follow(self, name: str, read: list[tuple[str, str, str]]) -> tuple[str, bool]:
        seen = {name}
        for _ in range(50):
            module = self.module_prefix(name)
            if module is None:
                break
            first, _, tail = name[len(module) + 1:].partition(".")
            alias = self.aliases.get(module).get(first)
            read.append((module, first, alias_seen(alias)))
            if alias is None:
                break
            if alias.topic:
                return (alias.target, True) if not tail else (name, False)
            if alias.own:
                target: Optional[str] = f"{module}.{alias.target}"
            else:
                target = _qualify_relative(self.files[module], alias.target, alias.level)
            if not target:
                break
            name = f"{target}.{tail}" if tail else target
            if name in seen:
                break
            seen.add(name)
        return name, False


class UseLinker(Names):
    """Turns every file's uses and dynamic loads into evidence, with all files known.

    A use lands on the module that defines what it names: through dotted access
    (``shop.orders.api.create_order`` after ``import shop``) and through
    re-exports (``from .api import create_order`` in ``shop/orders/__init__.py``).
    """

    def __init__(
        self,
        files: Mapping[str, SourceFile],
        facts: Mapping[str, FileFacts],
        resolver: Resolver,
        app_labels: Iterable[tuple[str, str]],
        type_checking_imports: bool,
        apps_modules: Optional[Iterable[str]] = None,
    ) -> None:
        super().__init__(files, facts, resolver)
        self.type_checking_imports = type_checking_imports
        self.labels: dict[str, str] = dict(app_labels)
        # ``apps_modules``: the modules whose facts hold app labels, when the caller knows them
        # (else every module's facts are read).
        for module in sorted(facts if apps_modules is None else apps_modules):
            for app in facts[module].apps:
                self.labels.setdefault(app.label, app.package)

    def target(self, name: str) -> Optional[tuple[str, bool]]:
        """The module ``name`` lives in (internal), or ``name`` itself (external)."""
        if not self.resolver.is_internal(name):
            return name, True
        found = self.resolver.nearest(name)
        return (found, False) if found else None

    def model_target(self, label: str) -> Optional[tuple[str, bool]]:
        package = self.labels.get(label)
        if package is None:
            return None
        if not self.resolver.is_internal(package):
            return package, True
        models = f"{package}.models"
        return self.target(models if self.resolver.nearest(models) == models else package)

    def link_module(
        self, module: str, file_facts: FileFacts,
    ) -> tuple[list[tuple[Evidence, bool]], set[tuple[str, str, str]]]:
        """One module's uses as (evidence, whether external), and the lookups in other modules'
        aliases that resolving them made (``Names.consulted``)."""
        source = self.files[module]
        self.consulted = set()
        found: list[tuple[Evidence, bool]] = []
        hidden = set()
        if not self.type_checking_imports:
            hidden = {fact.line for fact in file_facts.imports if fact.type_checking}
        for use in file_facts.uses:
            if use.import_line in hidden:
                continue
            name: Optional[str] = use.name
            import_target = written = ""
            if use.kind == "django-model":
                where = self.model_target(use.name)
            else:
                name = _qualify_relative(source, use.name, use.level)
                if not name:
                    continue
                if use.import_line:
                    written = name
                    canonical, topic = self.canonical(name)
                    if not topic and self.resolver.is_internal(canonical):
                        name = canonical
                    bound = _qualify_relative(source, use.bound, use.level) or ""
                    import_target = self.resolver.nearest(bound) or bound
                    where = self.target(name)
                    if where is not None and where[1]:
                        continue  # a use of something the analysed code only re-exports
                else:
                    where = self.target(name)
            if where is None or where[0] == module:
                continue
            found.append((Evidence(
                source.path, use.line, use.column, module, where[0], use.kind, use.text,
                name=name, import_line=use.import_line, import_target=import_target,
                written=written,
            ), where[1]))
        return found, self.consulted


class EventLinker(Names):
    """Turns every file's event sites into one catalog: canonical ids, owners, sites.

    Needs all files at once: which module defines a name, whether an object is
    a ``Signal()`` someone defined, and what a re-export or a topic constant in
    another module stands for are only known here.
    """

    def __init__(
        self,
        files: Mapping[str, SourceFile],
        facts: Mapping[str, FileFacts],
        resolver: Resolver,
        settings: EventSettings,
        components: Iterable[str] = (),
        aliases_of: Optional[Mapping[str, FileFacts]] = None,
    ) -> None:
        super().__init__(files, facts, resolver, aliases_of)
        self.settings = settings
        # Where several modules' common package may own what they publish (layers' entries;
        # without layers, the analysed packages).
        self.components = _Components(tuple(components) or resolver.packages)
        self.patterns: dict[str, EventPattern] = {}
        for pattern in settings.patterns:
            self.patterns.setdefault(pattern.name, pattern)

    def site_id(self, module: str, site: EventSite) -> Optional[tuple[str, bool]]:
        if site.topic:
            return site.event, True
        if site.own:
            return self.canonical(f"{module}.{site.event}")
        name = _qualify_relative(self.files[module], site.event, site.level)
        return self.canonical(name) if name else None

    def canonical(self, name: str) -> tuple[str, bool]:
        """Also an external event re-exported elsewhere (``django.test.signals.setting_changed``)
        goes by the name of the module that defines it, when the analysed code does not hold it."""
        found, topic = super().canonical(name)
        if not topic and not self.resolver.is_internal(found):
            found = EXTERNAL_REEXPORTS.get(found, found)
        return found, topic

    # ------------------------------------------------------------ owners

    def owner_module(self, owner: str) -> tuple[str, bool]:
        """The node an edge to ``owner`` points at: the module itself, a package's ``__init__``,
        or, for a package without one, its first module (so the edge stays inside the owner's
        component); a name that is no module falls back to its nearest parent."""
        if owner in self.files:
            return owner, False
        if not self.resolver.is_internal(owner):
            return owner, True
        inside = next((m for m in sorted(self.files) if m.startswith(owner + ".")), None)
        return inside or self.resolver.nearest(owner) or owner, False

    def owner(self, event: str, topic: bool) -> Optional[str]:
        """The owner of an event that config names or that a module defines (else None for a topic)."""
        configured = self.settings.owner_of(event)
        if configured is not None:
            return configured
        if topic:
            return None
        defined_in = self.module_prefix(event)
        if defined_in is not None:
            return defined_in
        if self.resolver.is_internal(event):
            return self.resolver.nearest(event)
        return event.rpartition(".")[0] or None

    def claimed(self, modules: set[str]) -> Optional[str]:
        """The owner several modules make: one module, or their nearest common package if it lies
        inside one component; None when they spread over components."""
        if len(modules) == 1:
            return next(iter(modules))
        common = _common_package(modules)
        if common and self.components.of(common) is not None:
            return common
        return None

    # ------------------------------------------------------------ linking

    def _allowed(self, pattern: Optional[EventPattern], event: str, topic: bool, defined: set[str]) -> bool:
        if pattern is None:  # declarations are taken at their word
            return True
        if pattern.accepts == "topic" and not topic or pattern.accepts in ("name", "class") and topic:
            return False
        if pattern.accepts == "class" and not _class_like(event.rsplit(".", 1)[-1]):
            return False
        if pattern.defined:
            return event in defined or any(fnmatch.fnmatchcase(event, k) for k in pattern.known)
        return True

    def policy(self, sites: list[tuple[str, EventSite]]) -> str:
        """Who owns an event no module defines: its first site's pattern's ``owner``, else the default."""
        for _, site in sites:
            pattern = self.patterns.get(site.pattern)
            if pattern is not None and pattern.owner:
                return pattern.owner
        return self.settings.default_owner

    def link(self, config_file: str) -> tuple[CatalogEvent, ...]:
        resolved: list[tuple[str, EventSite, str, bool]] = []
        defined: set[str] = set()
        declared: list[tuple[str, EventSite, str]] = []
        for module in sorted(self.files):
            file_facts = self.facts.get(module)
            for site in file_facts.events if file_facts else ():
                if site.pattern == "inline":
                    declared.append((module, site, self.files[module].path))
                    continue
                found = self.site_id(module, site)
                if found is None:
                    continue
                event, topic = found
                resolved.append((module, site, event, topic))
                if site.kind == DEFINE:
                    defined.add(event)
        for declaration in self.settings.declarations:
            module, _ = self.owner_module(declaration.module)
            site = EventSite(
                declaration.line, 1, declaration.kind, declaration.event, pattern="config",
                text=f'{declaration.kind}s = ["{declaration.event}"]',
            )
            declared.append((module, site, config_file))

        # Every site of every event first: who owns a topic may depend on who publishes it.
        kinds: dict[str, bool] = {}
        sites: dict[str, list[tuple[str, EventSite, str]]] = {}
        for module, site, event, topic in resolved:
            if not self._allowed(self.patterns.get(site.pattern), event, topic, defined):
                continue
            kinds.setdefault(event, topic)
            sites.setdefault(event, []).append((module, site, self.files[module].path))
        for module, site, path in declared:
            if site.event in kinds:
                event = site.event
            else:
                # A declared id is an object's name if it lies inside the analysed
                # packages; anything else is a topic string.
                event, topic = self.canonical(site.event)
                if not topic:
                    topic = self.module_prefix(event) is None and not self.resolver.is_internal(event)
                kinds.setdefault(event, topic)
            sites.setdefault(event, []).append((module, site, path))

        catalog = []
        for event, topic in sorted(kinds.items()):
            owner = self.owner(event, topic)
            claimants: tuple[str, ...] = ()
            claim = ""
            if owner is None and topic and self.settings.owner_of(event) is None:
                by_kind = {
                    kind: {m for m, site, _ in sites[event] if site.kind == kind}
                    for kind in (DEFINE, PUBLISH, CONSUME)
                }
                # The modules that name the topic (``T = app.topic("t")``) define it; a
                # ``signal("t").send()`` in a function only uses it, unless nobody names it.
                named = {m for m, site, _ in sites[event] if site.kind == DEFINE and site.named}
                by_kind[DEFINE] = named or by_kind[DEFINE]
                policy = self.policy([(m, site) for m, site, _ in sites[event]])
                claim = DEFINE if by_kind[DEFINE] else POLICY_CLAIMS.get(policy, "")
                if claim:
                    modules = by_kind[claim]
                    # Several definers: depcheck will not pick one of them.
                    owner = next(iter(modules)) if claim == DEFINE and len(modules) == 1 else (
                        self.claimed(modules) if claim != DEFINE and modules else None
                    )
                    if owner is None:
                        claimants = tuple(sorted(modules))
            external = owner is not None and not self.resolver.is_internal(owner)
            target = self.owner_module(owner)[0] if owner is not None else ""
            found: dict[str, set[Evidence]] = {DEFINE: set(), PUBLISH: set(), CONSUME: set()}
            for module, site, path in sites[event]:
                found[site.kind].add(
                    Evidence(path, site.line, site.column, module, target, site.kind, site.text, event)
                )
            catalog.append(CatalogEvent(
                id=event,
                owner=owner,
                topic=topic,
                external=external,
                definitions=tuple(sorted(found[DEFINE])),
                publishers=tuple(sorted(found[PUBLISH])),
                consumers=tuple(sorted(found[CONSUME])),
                claimants=claimants if len(claimants) > 1 else (),
                claim=claim if len(claimants) > 1 else "",
            ))
        return tuple(catalog)


def makes_edge(evidence: Evidence, event: CatalogEvent) -> bool:
    """Publishing or consuming an event makes an edge to its owner, except from inside the owner."""
    if event.owner is None or not evidence.target:
        return False
    if not event.external and matches(evidence.source, event.owner):
        return False
    return evidence.source != evidence.target
