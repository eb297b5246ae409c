"""The data that flows between the pipeline's stages.

Everything here is a frozen value: facts extracted from one file, the evidence
of one dependency, and the violations rules produce. Stages after extraction
only read these, so they can be cached, compared and sorted freely.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Callable, Optional

from depcheck.patterns import EventPattern

# The built-in SHA-256: importing hashlib loads OpenSSL (4 ms of a run).
try:
    from _sha2 import sha256  # Python 3.12+
except ImportError:
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - an interpreter built without them
        from hashlib import sha256


def short_digest(text: str) -> str:
    """20 hex digits of the SHA-256 of ``text``: a fingerprint that outputs keep across runs."""
    return sha256(text.encode()).hexdigest()[:20]


ERROR = "error"
WARNING = "warning"

# Where ``depcheck baseline`` writes and ``depcheck check`` looks, at the project root.
DEFAULT_BASELINE = "depcheck-baseline.json"

# Where users read about depcheck; SARIF viewers link rules to it.
HOMEPAGE = "https://github.com/your-org/depcheck"

# Plurals that are not the word plus "s".
_PLURALS = {"dependency": "dependencies", "entry": "entries",
            "dependency set aside": "dependencies set aside"}


def plural(count: int, word: str) -> str:
    """``1 file``, ``2 files``, ``2 dependencies``: every count a message shows."""
    if count == 1:
        return f"{count} {word}"
    last = word.rsplit(" ", 1)[-1]
    many = _PLURALS.get(word) or (word[: len(word) - len(last)] + _PLURALS.get(last, last + "s"))
    return f"{count} {many}"


@dataclass(frozen=True)
class Loader:
    """A call that loads a module named by a string: ``get_class("basket.views", ...)``."""

    call: str  # a name or glob; one without a dot matches the call's last name
    module_arg: int = 0
    prefix: str = ""  # put before the string: "oscar.apps." + "basket.views"


@dataclass(frozen=True)
class UseSettings:
    """What extraction records besides imports: uses of imported names and dynamic loads.

    ``packages`` are the analysed packages (only names imported from them are
    followed); the rest comes from ``uses`` and ``[dynamic]``.
    """

    packages: tuple[str, ...] = ()
    uses: bool = True
    dynamic_imports: bool = False
    loaders: tuple[Loader, ...] = ()
    django_models: bool = False

    @property
    def active(self) -> bool:
        return bool(self.packages) and (
            self.uses or self.dynamic_imports or bool(self.loaders) or self.django_models
        )


@dataclass(frozen=True)
class ExtractionSettings:
    """Every setting that changes what extraction returns for a file's bytes.

    It is both the extractor's argument and part of the facts cache key, so a
    setting added here invalidates cached facts by itself. Owners and
    declarations are applied to the graph, not here.
    """

    patterns: tuple[EventPattern, ...] = ()  # event patterns, presets expanded
    uses: UseSettings = UseSettings()


@dataclass(frozen=True, order=True)
class ImportFact:
    """One imported module as written in a file, before resolution.

    ``import a, b`` gives two facts; ``from a import b, c`` gives one with
    ``names == ("b", "c")``. Relative imports keep their ``level`` because
    resolving them needs the importing module's name, which is not part of
    the file's content (and so not part of its cache key).
    """

    line: int
    column: int  # 1-based
    module: str  # "a.b" in ``import a.b`` / ``from a.b import c``; "" in ``from . import c``
    names: tuple[str, ...] = ()  # imported names of a from-import; ("*",) for a star import
    level: int = 0  # leading dots of a relative import
    is_from: bool = False
    type_checking: bool = False  # under ``if TYPE_CHECKING:``
    in_function: bool = False  # inside a def/lambda: runs later than module load
    end_line: int = 0
    text: str = ""  # the statement's first source line, stripped
    # under a module-level ``if __name__ == "__main__":``: runs only when the file is run as a
    # script, never when it is imported (init weighs it as a function-local import; check and
    # grimp count it as any import)
    under_main: bool = False


@dataclass(frozen=True, order=True)
class Suppression:
    """A ``# depcheck: ignore[...]`` comment; ``rules == ()`` ignores every rule."""

    line: int
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParseFailure:
    """Why a file has no facts: where the parser stopped, and its message."""

    line: int
    column: int
    message: str


@dataclass(frozen=True, order=True)
class Alias:
    """A module-level name bound to something an event reference may go through.

    ``from .signals import sent as s`` gives ``Alias("s", "signals.sent", level=1)``;
    ``TOPIC = "orders.created"`` gives ``Alias("TOPIC", "orders.created", topic=True)``.
    Relative targets stay relative: resolving them needs the module's name.
    """

    name: str
    target: str
    level: int = 0
    topic: bool = False
    own: bool = False  # ``target`` is another name of this same module


def alias_seen(alias: Optional[Alias]) -> str:
    """What a lookup of a name in a module's aliases found, as one string ("" = no alias):
    equal strings, equal aliases."""
    if alias is None:
        return ""
    return f"{alias.level}{'t' if alias.topic else ''}{'o' if alias.own else ''}:{alias.target}"


@dataclass(frozen=True, order=True)
class EventSite:
    """One publish, consume or define site, or an inline declaration, in one file.

    ``event`` is resolved as far as the file alone allows: a topic string
    (``topic``), a name defined in this module (``own``: qualify it with the
    module's name), a name relative to the module's package (``level`` dots),
    or an absolute dotted name. Which object it finally is, and who owns it,
    is decided when all files are known (graph.py).
    """

    line: int
    column: int  # 1-based
    kind: str  # "publish" | "consume" | "define"
    event: str
    topic: bool = False
    level: int = 0
    own: bool = False
    pattern: str = ""  # the pattern's name; "inline" for a ``# depcheck: publishes`` comment
    text: str = ""
    named: bool = False  # a topic define site assigned to a module-level name (``T = app.topic("t")``)


@dataclass(frozen=True, order=True)
class Use:
    """One use of an imported name, or one dynamic dependency, in one file.

    For ``call``/``use`` kinds, ``name`` is the dotted name used, qualified
    through the import that bound its first part (``shop.orders.api.create_order``
    after ``import shop``), and ``bound`` is what that import bound (``shop``);
    ``import_line`` is the import's line, so a suppression there covers the use.
    Relative names keep their ``level``, as imports do. Dynamic kinds
    (``dynamic-import``, ``string-loader``: a module path; ``django-model``: an
    app label) have ``import_line == 0``.
    """

    line: int
    column: int  # 1-based
    kind: str  # "call" | "use" | "dynamic-import" | "string-loader" | "django-model"
    name: str
    level: int = 0
    bound: str = ""
    import_line: int = 0
    text: str = ""


@dataclass(frozen=True, order=True)
class AppLabel:
    """A Django ``AppConfig`` subclass's app label and package (``label``, else ``name``'s last part)."""

    label: str
    package: str


@dataclass(frozen=True)
class FileFacts:
    """Everything depcheck needs from one file. Depends only on the file's bytes
    (and, for events, on the event patterns in use)."""

    imports: tuple[ImportFact, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    error: Optional[ParseFailure] = None
    aliases: tuple[Alias, ...] = ()
    events: tuple[EventSite, ...] = ()
    uses: tuple[Use, ...] = ()
    apps: tuple[AppLabel, ...] = ()


@dataclass(frozen=True)
class SourceFile:
    """One analysed file and the module it is."""

    module: str  # dotted module name, "shop.orders" for shop/orders/__init__.py
    path: str  # posix path relative to the project root
    is_package: bool


@dataclass(frozen=True, order=True)
class Evidence:
    """Where one dependency between two modules is seen in the code."""

    file: str
    line: int
    column: int
    source: str  # the depending module
    target: str  # the module depended on (or an external name)
    kind: str = "import"
    text: str = ""
    event: Optional[str] = None
    # A use of an imported name: the qualified name used, and the import that bound it
    # (line and target), so ignoring that import ignores its uses too.
    name: Optional[str] = None
    import_line: int = 0
    import_target: str = ""
    # The name as the code spells it, before re-exports are followed (``shop.orders.api.create_order``
    # when ``name`` is where it is defined): which module it is reached through.
    written: str = ""
    # A from-import's names that are no module of their own, comma-separated (``from a import b, c``:
    # "b,c"); a string, not a tuple, so that the cache keeps an Evidence all-scalar (shared once).
    names: str = ""

    def to_json(self) -> dict:
        data = {
            "kind": self.kind,
            "from": self.source,
            "to": self.target,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "text": self.text,
        }
        if self.event is not None:
            data["event"] = self.event
        if self.name is not None:
            data["name"] = self.name
        if self.import_line:
            data["import_line"] = self.import_line
        return data


@dataclass(frozen=True)
class Location:
    """Where a violation is reported: file, line, column."""

    file: str
    line: int
    column: int = 1


@dataclass(frozen=True)
class Loops:
    """The cycles a dependency closes: loops of components it is the one to cut in.

    A loop runs through a dependency that another rule already reports (an upward or
    sibling dependency): it is listed under that violation, not reported again on its own.
    """

    loops: tuple[tuple[str, ...], ...]  # shortest first; each a list of components, first repeated last
    events: tuple[tuple[str, ...], ...]  # per loop: the events its hops run through (a choreography)
    total: int  # how many such loops there are (at least, when ``at_least``)
    at_least: bool = False  # the search stopped before it found them all


@dataclass(frozen=True)
class Violation:
    """One finding. ``evidence`` is ordered hop by hop along the dependency chain."""

    rule: str
    severity: str
    message: str
    location: Optional[Location] = None
    source: Optional[str] = None  # component
    target: Optional[str] = None  # component
    cycle: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    chain: tuple[str, ...] = ()  # modules along the path, first to last
    hint: str = ""
    contract: Optional[str] = None
    # What the violation is about, by meaning (the rule sets it; see ``key``).
    identity: tuple[str, ...] = ()
    closes: Optional[Loops] = None  # the cycles this dependency closes (not part of its identity)

    @property
    def key(self) -> tuple[str, ...]:
        """Identity by meaning, not position: survives line shifts and unrelated edits.

        A rule that judges a dependency leaves ``identity`` empty: the rule, the components
        and the modules (and events) of the chain, or of the loop, identify it. Two contracts
        can find the same dependency; each finding is its own."""
        base, events, suffix = self.key_parts()
        return (*base, *events, *suffix)

    def key_parts(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """The key as (what depends on what, the events its sites carry, the contract).

        A baseline matches on the first and last part: the events are sites of the same
        dependency, as a second import of it is, so losing one must not make it new."""
        suffix = ("contract", self.contract) if self.contract is not None else ()
        if self.identity:
            return self.identity, (), suffix
        events = tuple(sorted({e.event for e in self.evidence if e.event}))
        if self.cycle:
            return (self.rule, *self.cycle), events, suffix
        return (self.rule, self.source or "", self.target or "", *self.chain), events, suffix

    @property
    def fingerprint(self) -> str:
        return short_digest("\x1f".join(self.key))



def matches(module: str, pattern: str) -> bool:
    """A module pattern matches the module and everything inside it; globs allowed."""
    if module == pattern or module.startswith(pattern + "."):
        return True
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(module, pattern) or fnmatch.fnmatchcase(module, pattern + ".*")
    return False


@dataclass(frozen=True)
class Summary:
    """The counts a report ends with."""

    files: int
    modules: int
    dependencies: int
    errors: int
    warnings: int
    seconds: float
    notes: tuple[str, ...] = ()
    # The project root relative to the repository root ("" when they are the same): CI
    # formats need repository-relative paths, reports elsewhere are project-relative.
    root: str = ""
    # (rule, severity, count) of every violation, most frequent first.
    counts: tuple[tuple[str, str, int], ...] = ()
    # (name, errors) of each [[contracts]] table, in config order: a contract with none is kept.
    contracts: tuple[tuple[str, int], ...] = ()
    # Where text and concise output are read from: the project root and the working directory,
    # both absolute ("" = show paths as they are, relative to the project root).
    project: str = ""
    here: str = ""

    def local_path(self, path: str) -> str:
        """``path`` (relative to the project root) as it opens from the working directory: relative
        when under it, else absolute."""
        if not self.here or PurePath(path).is_absolute() or (len(path) > 1 and path[1] == ":"):
            return path
        full = PurePath(self.project) / path
        try:
            return full.relative_to(self.here).as_posix()
        except ValueError:
            return full.as_posix()

    def repo_path(self, path: str) -> str:
        # An absolute path (a baseline kept outside the project) has no better form.
        if not self.root or path.startswith("/") or (len(path) > 1 and path[1] == ":"):
            return path
        return f"{self.root}/{path}"

    def to_json(self) -> dict:
        return {
            "files": self.files,
            "modules": self.modules,
            "dependencies": self.dependencies,
            "violations": self.errors + self.warnings,
            "errors": self.errors,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CatalogEvent:
    """One event with its owner and every site that publishes or consumes it.

    Each site is an :class:`Evidence` whose ``target`` is the owner's module
    (``""`` when the event has no owner) whether or not it makes an edge.
    """

    id: str
    owner: Optional[str]  # a module or package name; None for a topic nobody owns
    topic: bool
    external: bool  # owned outside the analysed packages (Django's post_save)
    definitions: tuple[Evidence, ...] = ()
    publishers: tuple[Evidence, ...] = ()
    consumers: tuple[Evidence, ...] = ()
    # For an event left without an owner because several modules could own it: those
    # modules, and what each does with it ("define", "publish" or "consume").
    claimants: tuple[str, ...] = ()
    claim: str = ""


@dataclass(frozen=True)
class ModuleLinks:
    """What one module's facts made of the graph when it was last linked: kept between runs so
    that a module whose facts, and the modules it resolved names through, did not change is
    not linked again (``graph.build_graph``'s ``previous``)."""

    digest: str  # the facts digest it was linked from
    # target -> its evidence, in target order; from the cache, a LazyEdges
    edges: Mapping[str, tuple[Evidence, ...]] = field(default_factory=dict)
    external: tuple[Evidence, ...] = ()
    # The names resolving its uses looked up in other modules' aliases (re-exports), each as
    # (module, name, what it was there: ``alias_seen``): only a change to one of those moves
    # where its uses land.
    consulted: tuple[tuple[str, str, str], ...] = ()
    error: Optional[ParseFailure] = None
    # Whether its facts hold these, so a run can tell without decoding them.
    suppressions: bool = False
    events: bool = False
    apps: bool = False


class LazyEdges(Mapping[str, tuple[Evidence, ...]]):
    """A module's targets, known at once, and their evidence, decoded when first read: after
    an edit, rules read the evidence of the few dependencies they report, not of all of them.

    ``decode`` gives target -> evidence, or None when the stored value does not check out; then
    ``fallback`` (set by whoever can link the module again) gives it, else there is none.
    """

    __slots__ = ("targets", "_decode", "_found", "_known", "fallback")

    def __init__(self, targets: tuple[str, ...],
                 decode: Callable[[], Optional[dict[str, tuple[Evidence, ...]]]]) -> None:
        self.targets = targets
        self._decode = decode
        self._found: Optional[dict[str, tuple[Evidence, ...]]] = None
        self._known: Optional[frozenset[str]] = None
        self.fallback: Optional[Callable[[], Mapping[str, tuple[Evidence, ...]]]] = None

    def _evidence(self) -> dict[str, tuple[Evidence, ...]]:
        if self._found is None:
            found = self._decode()
            if found is None or tuple(found) != self.targets:
                found = dict(self.fallback()) if self.fallback is not None else {}
            self._found = found
        return self._found

    @property
    def decoded(self) -> bool:
        return self._found is not None

    def __getitem__(self, target: str) -> tuple[Evidence, ...]:
        found = self._evidence()
        if target not in found and target in self:
            return ()  # only a stored value that lied about its targets gets here
        return found[target]

    def __contains__(self, target: object) -> bool:
        if self._known is None:
            self._known = frozenset(self.targets)
        return target in self._known

    def __iter__(self) -> Iterator[str]:
        return iter(self.targets)

    def __len__(self) -> int:
        return len(self.targets)


@dataclass(frozen=True)
class GraphParts:
    """The graph as per-module pieces and the event catalog, with what links them across
    modules: what a later run needs to relink only what its changes can reach."""

    modules: dict[str, ModuleLinks]
    catalog: tuple[CatalogEvent, ...] = ()
    event_consulted: frozenset[str] = frozenset()  # modules whose aliases the catalog read


@dataclass(frozen=True)
class EventCatalog:
    """What ``depcheck events`` shows; ``components`` maps a module to its component."""

    events: tuple[CatalogEvent, ...]
    components: tuple[tuple[str, str], ...] = ()
    presets: tuple[str, ...] = ()  # the presets that were on, for the text format's empty message
    patterns: int = 0  # how many event patterns were on (presets expanded, custom ones)


@dataclass(frozen=True)
class GraphSnapshot:
    """A frozen picture of the dependency graph for the graph formats."""

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, str, str, int], ...]  # (from, to, kind, file, line)
    layers: tuple[tuple[str, ...], ...] = ()  # highest first, for grouping pictures
    violating: frozenset[tuple[str, str]] = frozenset()
    components: bool = False
    # What the map adds (report/mapdata.py): every module with its component ("" for none), every
    # drawn site, each violation with the component pair it is drawn on, and the event catalog.
    members: tuple[tuple[str, str], ...] = ()
    evidence: tuple[Evidence, ...] = ()
    blamed: tuple[tuple[str, str, Violation], ...] = ()
    events: tuple[CatalogEvent, ...] = ()
