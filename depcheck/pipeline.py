"""One run of depcheck: config -> discover -> facts -> graph -> rules -> filters.

This is the only module that knows the order of the stages. It returns plain
data (:class:`Result`); printing and exit codes belong to the command line.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from depcheck import cache as cache_mod
from depcheck.config import Config, ConfigError
from depcheck.discover import Listings, Project, discover
from depcheck.model import (
    ERROR,
    RULE_PARSE_ERROR,
    EventCatalog,
    Evidence,
    ExtractionSettings,
    FileFacts,
    GraphSnapshot,
    Location,
    ParseFailure,
    SourceFile,
    Summary,
    Violation,
    matches,
)

# The graph, the rules and the parser are imported where they are used: a run
# answered from the cache needs none of them, and they cost start-up time.
if TYPE_CHECKING:
    from depcheck.filters import Baseline
    from depcheck.graph import DependencyGraph

Progress = Callable[[int, int], None]  # (files parsed, files to parse)

# Below this much source to parse, forking workers costs more than it saves.
# Measured on a 2-core machine (Django's files, first k by name): forking and
# collecting one child costs about 6 ms, parsing runs at about 2-5 MB/s per
# core; at 126 kB serial and parallel were within noise, from about 450 kB
# on parallel won whenever the second core was free.
PARALLEL_MIN_BYTES = 250_000


@dataclass
class Result:
    config: Config
    project: Project
    _graph: Optional[DependencyGraph]
    violations: list[Violation]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dependencies: Optional[int] = None  # known without the graph when the result came from the cache
    cache_note: Optional[str] = None  # why the cache could not be used, for stderr
    parsed: tuple[str, ...] = ()  # modules whose files were parsed in this run, not taken from the cache
    facts: Optional[Callable[[], Mapping[str, FileFacts]]] = field(default=None, repr=False)

    @property
    def graph(self) -> DependencyGraph:
        """The dependency graph; built on first use when the violations came from the cache."""
        if self._graph is None:
            assert self.facts is not None
            self._graph = _build(self.config, self.project, self.facts())
        return self._graph

    @property
    def summary(self) -> Summary:
        errors = sum(1 for v in self.violations if v.severity == ERROR)
        dependencies = self.dependencies
        if dependencies is None:
            dependencies = self.graph.number_of_edges()
        return Summary(
            files=len(self.project.files),
            modules=len(self.project.files),
            dependencies=dependencies,
            errors=errors,
            warnings=len(self.violations) - errors,
            seconds=self.seconds,
            notes=tuple(self.notes),
        )


def extraction_settings(config: Config) -> ExtractionSettings:
    """Every config value that changes what extraction returns for a file's bytes."""
    return ExtractionSettings(config.events.patterns, config.use_settings)


def make_extractor(settings: ExtractionSettings) -> Callable[[bytes], FileFacts]:
    """The per-file extraction for these settings; picklable, for worker processes."""
    return functools.partial(_extract, settings=settings)


def _extract(data: bytes, settings: ExtractionSettings) -> FileFacts:
    # Imported on the first file parsed: a run answered from the cache parses none.
    from depcheck.facts import extract

    return extract(data, settings)


def extractor(config: Config) -> Callable[[bytes], FileFacts]:
    return make_extractor(extraction_settings(config))


def _unreadable(exc: OSError) -> FileFacts:
    reason = exc.strerror or type(exc).__name__
    return FileFacts(error=ParseFailure(1, 1, f"cannot read the file: {reason}"))


def _extract_one(job: tuple[str, Callable[[bytes], FileFacts]]) -> tuple[str, str, Any]:
    """Read, hash and extract one file: (content hash, facts digest, plain facts).

    Runs in worker processes, so it returns plain data, which is cheaper to
    send back than dataclasses. An unreadable file gives an empty hash.
    """
    path, extract_fn = job
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        plain = cache_mod.encode_facts(_unreadable(exc))
        return "", cache_mod.digest(plain), plain
    plain = cache_mod.encode_facts(extract_fn(data))
    return cache_mod.content_hash(data), cache_mod.digest(plain), plain


def _parse_all(
    jobs: list[tuple[str, Callable[[bytes], FileFacts]]],
    parallel: bool,
    progress: Optional[Progress],
    sizes: Optional[list[int]] = None,
) -> list[tuple[str, str, Any]]:
    total = len(jobs)
    workers = min(_cpu_count(), total) if parallel else 1
    if workers <= 1:
        return _parse_serial(jobs, progress, total, 1)
    if sys.platform.startswith("linux"):
        return _parse_forked(jobs, workers, progress, sizes or [0] * total)
    import multiprocessing

    # Elsewhere fork is unsafe or missing: a pool with the platform's start method.
    results = []
    with multiprocessing.Pool(workers) as pool:
        for result in pool.imap(_extract_one, jobs, chunksize=max(1, min(64, total // (workers * 8)))):
            results.append(result)
            if progress is not None:
                progress(len(results), total)
    return results


def _parse_serial(
    jobs: list[tuple[str, Callable[[bytes], FileFacts]]],
    progress: Optional[Progress],
    total: int,
    scale: int,
) -> list[tuple[str, str, Any]]:
    results = []
    for done, job in enumerate(jobs, 1):
        results.append(_extract_one(job))
        if progress is not None:
            progress(min(done * scale, total), total)
    return results


def _parse_forked(
    jobs: list[tuple[str, Callable[[bytes], FileFacts]]],
    workers: int,
    progress: Optional[Progress],
    sizes: list[int],
) -> list[tuple[str, str, Any]]:
    """Parse in ``workers - 1`` forked children and this process, shares balanced by size.

    Plain os.fork and a pipe per child: multiprocessing's import and pool
    cost more than a whole cached run. Children send their results back with
    JSON; a child that fails has its share parsed here instead.
    """
    import json

    shares: list[list[int]] = [[] for _ in range(workers)]
    load = [0] * workers
    for index in sorted(range(len(jobs)), key=lambda i: -sizes[i]):
        lightest = load.index(min(load))
        shares[lightest].append(index)
        load[lightest] += sizes[index] + 1
    children = []
    for share in shares[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: parse, send, and leave without running any cleanup
            status = 1
            try:
                os.close(read_end)
                data = json.dumps([_extract_one(jobs[i]) for i in share]).encode()
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        children.append((pid, read_end, share))
    results: list[Any] = [None] * len(jobs)
    mine = _parse_serial([jobs[i] for i in shares[0]], progress, len(jobs), workers)
    for index, result in zip(shares[0], mine):
        results[index] = result
    for pid, read_end, share in children:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        try:
            theirs = json.loads(data) if status == 0 else None
        except (EOFError, ValueError, TypeError):
            theirs = None
        if type(theirs) is not list or len(theirs) != len(share):
            theirs = [_extract_one(jobs[i]) for i in share]
        for index, result in zip(share, theirs):
            results[index] = tuple(result)
    if progress is not None:
        progress(len(jobs), len(jobs))
    return results


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass
class FactsTable:
    """Every file's facts digest, and its facts as plain data or dataclasses."""

    digests: dict[str, str]  # module -> facts digest
    plain: dict[str, Any]  # module -> plain facts, not decoded yet
    decoded: dict[str, FileFacts]
    parsed: list[str]  # modules whose files were parsed in this run (not from the cache)
    reparse: Callable[[str], FileFacts]  # module -> facts parsed afresh

    def facts(self) -> dict[str, FileFacts]:
        for module, plain in list(self.plain.items()):
            try:
                self.decoded[module] = cache_mod.decode_facts(plain)
            except cache_mod.CacheError:
                # Only a cache file edited by hand gets here (it passed its checksum).
                self.decoded[module] = self.reparse(module)
            del self.plain[module]
        return self.decoded


def load_facts(
    project: Project,
    extract_fn: Callable[[bytes], FileFacts],
    facts_cache: Optional[cache_mod.FactsCache] = None,
    *,
    progress: Optional[Progress] = None,
    parallel: Optional[bool] = None,
) -> FactsTable:
    """Facts of every file: from the cache when its bytes are known, else parsed.

    ``parallel`` None decides by the amount of source to parse.
    """
    digests: dict[str, str] = {}
    plain: dict[str, Any] = {}
    pending: list[tuple[SourceFile, Optional[cache_mod.Stat]]] = []
    root = project.root
    for source in project.files:
        full = os.path.join(root, source.path)
        try:
            stat = cache_mod.stat_key(os.stat(full))
        except OSError:
            stat = None
        if facts_cache is not None and stat is not None:
            chash = facts_cache.lookup_stat(source.path, stat)
            known = facts_cache.lookup_content(chash) if chash is not None else None
            if known is not None:
                digests[source.module], plain[source.module] = known
                continue
        pending.append((source, stat))

    to_parse: list[tuple[SourceFile, Optional[cache_mod.Stat]]] = []
    if facts_cache is not None and facts_cache.contents:
        # Same bytes under a new stat (a fresh clone, a touched file, a rename).
        for source, stat in pending:
            try:
                with open(os.path.join(root, source.path), "rb") as handle:
                    chash = cache_mod.content_hash(handle.read())
            except OSError:
                to_parse.append((source, stat))
                continue
            known = facts_cache.lookup_content(chash)
            if known is None:
                to_parse.append((source, stat))
                continue
            digests[source.module], plain[source.module] = known
            facts_cache.record(source.path, stat, chash, *known)
    else:
        to_parse = pending

    size = sum(stat[2] for _, stat in to_parse if stat is not None)
    if parallel is None:
        parallel = size >= PARALLEL_MIN_BYTES and _cpu_count() > 1 and len(to_parse) > 1
    jobs = [(os.path.join(root, source.path), extract_fn) for source, _ in to_parse]
    sizes = [stat[2] if stat is not None else 0 for _, stat in to_parse]
    parsed = _parse_all(jobs, parallel, progress, sizes)
    for (source, stat), (chash, fdigest, fplain) in zip(to_parse, parsed):
        digests[source.module], plain[source.module] = fdigest, fplain
        if facts_cache is not None and chash:
            facts_cache.record(source.path, stat, chash, fdigest, fplain)
    paths = {source.module: os.path.join(root, source.path) for source in project.files}

    def reparse(module: str) -> FileFacts:
        return cache_mod.decode_facts(_extract_one((paths[module], extract_fn))[2])

    return FactsTable(digests, plain, {}, [source.module for source, _ in to_parse], reparse)


def read_facts(project: Project, settings: ExtractionSettings) -> dict[str, FileFacts]:
    """Facts of every file, keyed by module, parsed without the cache."""
    return load_facts(project, make_extractor(settings), parallel=False).facts()


def check_entries(config: Config, project: Project) -> None:
    """Every module named in the config must exist; raises ConfigError with suggestions."""
    modules = sorted(project.modules)
    # Every module and each of its parent packages: a plain name is checked by one lookup.
    prefixes = {
        ".".join(parts[:i]) for parts in (m.split(".") for m in modules) for i in range(1, len(parts) + 1)
    }
    problems = []

    def check(key: str, name: str) -> None:
        glob = any(ch in name for ch in "*?[")
        if name in prefixes if not glob else any(matches(m, name) for m in modules):
            return
        close = difflib.get_close_matches(name, modules, n=1, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        packages = ", ".join(config.packages)
        problems.append(f"{config.where(key)}: '{name}' matches no module under {packages}{hint}")

    for name in config.layer_components:
        if name not in config.optional_layers:
            check("layers", name)
    for name in config.acyclic or ():
        check("acyclic", name)
    for rule in config.forbidden:
        for name in rule.sources:
            check(f"{rule.key}.from", name)
    for event, owner in config.events.owners:
        # An owner outside the analysed packages (another service) is allowed: its edges are external.
        if any(owner == p or owner.startswith(p + ".") for p in config.packages):
            check(f"events.owners.{event}", owner)
    for declaration in config.events.declarations:
        check(f"events.declare.{declaration.module}", declaration.module)
    if problems:
        raise ConfigError(problems)


def _build(config: Config, project: Project, facts: Mapping[str, FileFacts]) -> DependencyGraph:
    from depcheck.graph import build_graph

    return build_graph(
        project.files, facts, config.packages, type_checking_imports=config.type_checking_imports,
        events=config.events, config_file=config.file_name, uses=config.uses,
    )


def load_graph(
    config: Config, *, validate: bool = False
) -> tuple[Project, dict[str, FileFacts], DependencyGraph]:
    """The stages up to the graph, without the cache; ``validate`` checks the config's names first."""
    from depcheck.contracts import check_contract_entries

    project = discover(config)
    if validate:
        check_entries(config, project)
        check_contract_entries(config, project)
    facts = read_facts(project, extraction_settings(config))
    return project, facts, _build(config, project, facts)


def evaluate(
    config: Config, project: Project, facts: Mapping[str, FileFacts]
) -> tuple[DependencyGraph, list[Violation], list[str]]:
    """The graph, the sorted violations and the notes of a run, from every file's facts."""
    from depcheck.contracts import check_contracts
    from depcheck.filters import Ignores
    from depcheck.rules import RULES, GraphView

    graph = _build(config, project, facts)
    ignores = Ignores.collect(project.files, facts, config)
    violations: list[Violation] = []
    notes: list[str] = list(project.notes)
    unfiltered: dict[str, list[Violation]] = {}
    modules = tuple(graph.modules)
    for rule_id, check in RULES.items():
        keep = ignores.keep(rule_id)
        view = GraphView(
            modules, graph.adjacency(keep), graph.external_evidence(keep),
            graph.events, graph.ignored_event_sites(keep),
        )
        findings = check(view, config)
        violations.extend(findings.violations)
        notes.extend(findings.notes)
        if ignores:
            # What the rule would report with nothing ignored tells which ignores are used.
            full = GraphView(modules, graph.adjacency(), graph.external, graph.events)
            unfiltered[rule_id] = check(full, config).violations
    if config.contracts:
        contracted = check_contracts(config, graph, ignores)
        violations.extend(contracted.violations)
        notes.extend(contracted.notes)
        for rule_id, found in contracted.unfiltered.items():
            unfiltered.setdefault(rule_id, []).extend(found)
    if ignores:
        violations.extend(ignores.unused(unfiltered, config))
    for source in project.files:
        failure = graph.parse_failures.get(source.module)
        if failure is not None:
            violations.append(
                Violation(
                    rule=RULE_PARSE_ERROR,
                    severity=ERROR,
                    message=f"cannot parse {source.path}: {failure.message}",
                    location=Location(source.path, failure.line, failure.column),
                    hint="its dependencies are unknown until it parses; fix the syntax or exclude the file",
                    key_extra=(failure.message,),
                )
            )
    violations.sort(key=Violation.sort_key)
    return graph, violations, notes


def result_key(config: Config, project: Project, digests: Mapping[str, str]) -> str:
    """A digest of everything a run's violations depend on: code, config, files and their facts."""
    return cache_mod.digest(
        (
            cache_mod.code_fingerprint(),
            repr(config),
            config.text,
            repr(extraction_settings(config)),
            tuple((f.module, f.path, f.is_package, digests[f.module]) for f in project.files),
            project.notes,
        )
    )


def run(
    config: Config,
    *,
    cache_dir: Optional[Path] = None,
    use_cache: bool = True,
    progress: Optional[Progress] = None,
    parallel: Optional[bool] = None,
) -> Result:
    """One run. ``cache_dir`` defaults to ``.depcheck_cache`` in the project root.

    A cache that cannot be written is not an error: the run goes on without
    it and ``Result.cache_note`` says why.
    """
    started = time.perf_counter()
    directory = cache_dir if cache_dir is not None else config.root / cache_mod.DEFAULT_DIR
    facts_cache = results = None
    listings = None
    if use_cache:
        facts_cache = cache_mod.FactsCache(directory, cache_mod.facts_key(extraction_settings(config)))
        results = cache_mod.ResultCache(directory, config.path)
        listings = Listings(facts_cache.listings)
    project = discover(config, listings)
    check_entries(config, project)
    if config.contracts:
        from depcheck.contracts import check_contract_entries

        check_contract_entries(config, project)
    table = load_facts(project, extractor(config), facts_cache, progress=progress, parallel=parallel)
    note = None
    if facts_cache is not None:
        try:
            facts_cache.save((f.path for f in project.files), listings.seen if listings else None)
        except OSError as exc:
            note = _cache_note(directory, exc)
    key = result_key(config, project, table.digests) if results is not None else ""
    cached = results.load(key) if results is not None else None
    if cached is not None:
        violations, notes, dependencies = cached
        return Result(
            config, project, None, violations, notes, time.perf_counter() - started,
            dependencies=dependencies, cache_note=note, parsed=tuple(table.parsed), facts=table.facts,
        )
    graph, violations, notes = evaluate(config, project, table.facts())
    if results is not None and note is None:
        try:
            results.save(key, violations, notes, graph.number_of_edges())
        except OSError as exc:
            note = _cache_note(directory, exc)
    return Result(
        config, project, graph, violations, notes, time.perf_counter() - started,
        cache_note=note, parsed=tuple(table.parsed),
    )


def _cache_note(directory: Path, exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return f"cannot write the cache in {directory} ({reason}); ran without it"


def filter_baseline(result: Result, baseline: Baseline, update_command: str) -> Result:
    """The result without the violations ``baseline`` knows, plus its stale entries as errors."""
    from depcheck.filters import apply_baseline

    outcome = apply_baseline(result.violations, baseline, update_command)
    notes = list(result.notes)
    if outcome.skipped:
        known = f"{outcome.skipped} known violation{'s' if outcome.skipped != 1 else ''}"
        notes.append(f"{known} in the baseline {baseline.path} not shown (--no-baseline shows them)")
    return dataclasses.replace(result, violations=outcome.violations, notes=notes)


def snapshot(result: Result, *, components: bool = False) -> GraphSnapshot:
    """The module graph, or the component graph, with the pairs that some violation blames."""
    from depcheck.rules import Components, acyclic_components

    config, graph = result.config, result.graph
    names = Components((*config.layer_components, *acyclic_components(config, graph.modules)))
    violating: set[tuple[str, str]] = set()
    for violation in result.violations:
        if violation.cycle:
            # Colour only the hop to cut (where the cycle is located), not the whole loop.
            at = violation.location
            for e in violation.evidence:
                if at is not None and (e.file, e.line) == (at.file, at.line):
                    a, b = (names.of(e.source), names.of(e.target)) if components else (e.source, e.target)
                    if a and b:
                        violating.add((a, b))
        elif components and violation.source and violation.target:
            violating.add((violation.source, violation.target))
        else:
            violating.update(zip(violation.chain, violation.chain[1:]))
    edges = [
        (e.source, e.target, e.kind, e.file, e.line)
        for evidence in graph.edges.values()
        for e in _drawn(evidence)
    ]
    if not components:
        return GraphSnapshot(tuple(graph.modules), tuple(sorted(edges)), config.layers, frozenset(violating))
    lifted = {
        (a, b, kind, path, line)
        for source, target, kind, path, line in edges
        if (a := names.of(source)) and (b := names.of(target)) and a != b
    }
    nodes = sorted({names.of(m) for m in graph.modules} - {None})
    return GraphSnapshot(tuple(nodes), tuple(sorted(lifted)), config.layers, frozenset(violating), True)


def _drawn(evidence: tuple[Evidence, ...]) -> tuple[Evidence, ...]:
    """An edge's evidence as pictures show it: the uses an import enables are that import."""
    if any(e.kind == "import" for e in evidence):
        return tuple(e for e in evidence if e.kind not in ("call", "use"))
    return evidence


def event_catalog(result: Result) -> EventCatalog:
    """Every event with its owner and sites, and the component of each module involved."""
    from depcheck.rules import Components, acyclic_components

    config, graph = result.config, result.graph
    names = Components((*config.layer_components, *acyclic_components(config, graph.modules)))
    modules = {
        e.source for event in graph.events for e in (*event.definitions, *event.publishers, *event.consumers)
    }
    modules.update(event.owner for event in graph.events if event.owner)
    components = tuple(sorted((m, names.of(m) or m) for m in modules))
    return EventCatalog(graph.events, components)
