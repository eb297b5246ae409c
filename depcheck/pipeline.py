"""One run of depcheck: config -> discover -> facts -> graph -> rules -> filters.

This is the only module that knows the order of the stages. It returns plain
data (:class:`Result`); printing and exit codes belong to the command line.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Optional

from depcheck import cache as cache_mod
from depcheck.config import Config
from depcheck.config.validate import check_names, check_source_roots
from depcheck.discover import Listings, Project, discover
from depcheck.model import ERROR, ExtractionSettings, FileFacts, GraphParts, Loops, Summary, Violation, plural
from depcheck.pool import Progress
from depcheck.store import Stat

# The graph, the rules and the parser are imported where they are used: a run
# answered from the cache needs none of them, and they cost start-up time.
if TYPE_CHECKING:
    from depcheck.filters.baseline import Baseline
    from depcheck.graph import DependencyGraph


@dataclass
class Result:
    """Everything one run found, for cli.py to filter and render."""

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
    shown_of: Optional[Result] = field(default=None, repr=False)  # the whole result, when this shows part
    hidden: tuple[Violation, ...] = ()  # found by the rules, hidden by suppressions and exceptions

    @property
    def all_violations(self) -> list[Violation]:
        """Every violation, also those a display limit leaves out (see ``shown``)."""
        return self.shown_of.all_violations if self.shown_of is not None else self.violations

    @property
    def graph(self) -> DependencyGraph:
        """The dependency graph; built on first use when the violations came from the cache."""
        if self._graph is None:
            assert self.facts is not None
            self._graph = build(self.config, self.project, self.facts())
        return self._graph

    @property
    def summary(self) -> Summary:
        every = self.all_violations
        errors = sum(1 for v in every if v.severity == ERROR)
        dependencies = self.dependencies
        if dependencies is None:
            dependencies = self.graph.number_of_edges()
        return Summary(
            files=len(self.project.files),
            modules=len(self.project.files),  # every analysed file is one module
            dependencies=dependencies,
            errors=errors,
            warnings=len(every) - errors,
            seconds=self.seconds,
            notes=tuple(self.notes),
            counts=_counts(every),
            contracts=tuple(
                (contract.name, sum(1 for v in every if v.contract == contract.name and v.severity == ERROR))
                for contract in self.config.contracts
            ),
        )


def _counts(violations: list[Violation]) -> tuple[tuple[str, str, int], ...]:
    found: dict[tuple[str, str], int] = {}
    for violation in violations:
        found[(violation.rule, violation.severity)] = found.get((violation.rule, violation.severity), 0) + 1
    # Most frequent first; ties in the order of first appearance, which is the report's (cause first).
    order = {pair: index for index, pair in enumerate(found)}
    return tuple((rule, severity, count) for (rule, severity), count in
                 sorted(found.items(), key=lambda item: (-item[1], order[item[0]])))


def extraction_settings(config: Config) -> ExtractionSettings:
    """Every config value that changes what extraction returns for a file's bytes."""
    return ExtractionSettings(config.events.patterns, config.use_settings)


def read_facts(project: Project, settings: ExtractionSettings) -> dict[str, FileFacts]:
    """Facts of every file, keyed by module, parsed without the cache."""
    return cache_mod.load_facts(project, settings, parallel=False).facts()


def discover_checked(config: Config, listings: Optional[Listings] = None) -> Project:
    """The project's files, once every name the config relies on is known to exist."""
    check_source_roots(config)
    project = discover(config, listings)
    exception_rules: tuple[str, ...] = ()
    rule_ids: tuple[str, ...] = ()
    if any(exception.rules for exception in config.exceptions) or config.select or config.ignore:
        # The rule registry is loaded only when it has a question to answer: a cached run needs no rule.
        from depcheck import rules

        exception_rules, rule_ids = rules.exception_ids(), rules.rule_ids()
    check_names(config, project.modules, exception_rules, rule_ids)
    return project


def build(
    config: Config, project: Project, facts: Mapping[str, FileFacts], *,
    digests: Optional[Mapping[str, str]] = None, previous: Optional[GraphParts] = None,
) -> DependencyGraph:
    """The graph; with ``digests`` and the ``previous`` run's parts, only what changed is relinked."""
    from depcheck.graph import build_graph

    return build_graph(
        project.files, facts, config.packages, type_checking_imports=config.type_checking_imports,
        events=config.events, config_file=config.file_name, app_labels=config.app_labels,
        components=[entry for layer in config.layers for entry in layer],
        digests=digests, previous=previous,
    )


def graph_key(config: Config, project: Project) -> str:
    """A digest of everything linking depends on besides the files' facts (see GraphCache)."""
    return cache_mod.digest(
        (
            cache_mod.code_fingerprint(),
            repr(config),
            repr(extraction_settings(config)),
            tuple((f.module, f.path, f.is_package) for f in project.files),
        )
    )


def load_graph(
    config: Config, *, validate: bool = False
) -> tuple[Project, dict[str, FileFacts], DependencyGraph]:
    """The stages up to the graph, without the cache; ``validate`` checks the config's names first."""
    project = discover_checked(config) if validate else discover(config)
    facts = read_facts(project, extraction_settings(config))
    return project, facts, build(config, project, facts)


def evaluate(
    config: Config, project: Project, facts: Mapping[str, FileFacts], *,
    digests: Optional[Mapping[str, str]] = None, previous: Optional[GraphParts] = None,
) -> tuple[DependencyGraph, list[Violation], list[str], tuple[Violation, ...]]:
    """The graph, the violations (cause first), the notes of a run, from every file's facts,
    and what the rules found but suppressions and exceptions hide. ``digests`` and
    ``previous`` as for :func:`build`; then only the facts of the modules relinked and of
    those holding suppressions are read."""
    from depcheck.contracts import check_contracts
    from depcheck.filters.ignores import Ignores, run_filtered
    from depcheck.rules import ordered, run_by_default

    graph = build(config, project, facts, digests=digests, previous=previous)
    assert graph.parts is not None  # build_graph always gives them
    # Only the files holding suppressions: their facts say so without being decoded.
    suppressing = {m: facts[m] for m, links in graph.parts.modules.items() if links.suppressions}
    ignores = Ignores.collect(project.files, suppressing, config.exceptions)
    violations: list[Violation] = []
    notes: list[str] = list(project.notes)
    # rule id -> what the rules report with nothing ignored: tells which ignores are used,
    # and which dependencies explain the loops through them (Rule.explained_by).
    unfiltered: dict[str, list[Violation]] = {}
    closes: list[tuple[tuple[tuple[str, ...], ...], Loops]] = []
    for rule in run_by_default:
        settings = rule.settings(config)
        if rule.explained_by:
            # A rule left out by select/ignore explains nothing: its loops are cycles again.
            judged = [v for rule_id in rule.explained_by if config.reports(rule_id)
                      for v in unfiltered.get(rule_id, ())]
            settings = dataclasses.replace(settings, judged=tuple((v.key, v.chain) for v in judged))
        findings, found = run_filtered(rule, settings, graph, ignores)
        violations.extend(findings.violations)
        notes.extend(findings.notes)
        closes.extend(findings.closes)
        unfiltered.setdefault(rule.id, []).extend(found if ignores else findings.violations)
    if config.contracts:
        contracted = check_contracts(config, graph, ignores)
        violations.extend(contracted.violations)
        notes.extend(contracted.notes)
        for rule_id, found in contracted.unfiltered.items():
            unfiltered.setdefault(rule_id, []).extend(found)
    if ignores:
        violations.extend(ignores.unused(unfiltered, config.file_name))
    hidden = _hidden(violations, unfiltered)
    if config.select or config.ignore:
        # Left out, not fixed: a baseline entry they match is not stale.
        hidden += tuple(_bare(v) for v in violations if not config.reports(v.rule))
        violations = [v for v in violations if config.reports(v.rule)]
    from depcheck.rules.cycle import trimmed

    memo: dict[str, tuple[str, ...]] = {}  # every loop looks a module's packages up the same way
    reported = [trimmed(v, memo) for v in attach_closes(ordered(violations), closes)]
    return graph, reported, notes, hidden


def _hidden(reported: list[Violation], unfiltered: Mapping[str, list[Violation]]) -> tuple[Violation, ...]:
    """What the rules found but ignores hide, as bare identities (no evidence): a baseline entry
    they match is not stale."""
    count: dict[tuple[str, ...], int] = {}
    for violation in reported:
        count[violation.key] = count.get(violation.key, 0) + 1
    hidden = []
    for found in unfiltered.values():
        for violation in found:
            if count.get(violation.key, 0) > 0:
                count[violation.key] -= 1
                continue
            hidden.append(_bare(violation))
    return tuple(hidden)


def _bare(violation: Violation) -> Violation:
    # Evidence only adds events to the key, which baselines match without.
    return dataclasses.replace(violation, evidence=(), closes=None, message="", hint="")


def attach_closes(
    violations: list[Violation], closes: list[tuple[tuple[tuple[str, ...], ...], Loops]]
) -> list[Violation]:
    """Each group of loops goes under the first reported violation among those that close them
    (in report order); loops whose every closing violation is suppressed are accepted with it."""
    position: dict[tuple[str, ...], int] = {}
    for index, violation in enumerate(violations):
        if violation.contract is None:
            position.setdefault(violation.key, index)
    result = list(violations)
    for keys, loops in closes:
        found = [position[key] for key in keys if key in position]
        if found:
            index = min(found)
            violation = result[index]
            result[index] = dataclasses.replace(
                violation, closes=loops, message=f"{violation.message}; {_closing(loops)}"
            )
    return result


def _closing(loops: Loops) -> str:
    """``it closes 3 cycles, choreography through events E``: said in the message, so every
    format tells it."""
    count = f"at least {loops.total}" if loops.at_least else f"{loops.total}"
    text = f"it closes {count} cycle{'s' if loops.total != 1 else ''}"
    through = sorted({event for events in loops.events for event in events})
    if through:
        single = loops.total == 1 and not loops.at_least
        text += f", {'a ' if single else ''}choreography through events {', '.join(through)}"
    return text


def result_key(project: Project, digests: Mapping[str, str], linking: str) -> str:
    """A digest of everything a run's violations depend on: what linking does (``linking``,
    the :func:`graph_key`: code, config, files), every file's facts, discovery's notes."""
    return cache_mod.digest((linking, tuple(digests[f.module] for f in project.files), project.notes))


@dataclass
class Prepared:
    """A run up to its result key: the files found, their facts, and the key of the result.

    A caller that stored what it printed for this key (``replay.py``) can answer from it;
    :func:`complete` does the rest otherwise.
    """

    config: Config
    project: Project
    table: cache_mod.FactsTable
    key: str  # the result key; "" without the cache
    linking: str  # the graph key (graph_key); "" without the cache
    directory: Path  # the cache directory
    results: Optional[cache_mod.ResultCache]
    note: Optional[str]  # why the cache could not be written
    started: float
    # Absolute path -> the stat key the run took before reading that file or listing that
    # directory (None: missing), for the fast lane's manifest.
    stats: dict[str, Optional[Stat]] = field(default_factory=dict)


def prepare(
    config: Config,
    *,
    cache_dir: Optional[Path] = None,
    use_cache: bool = True,
    progress: Optional[Progress] = None,
    parallel: Optional[bool] = None,
) -> Prepared:
    """Discover the files, take their facts from the cache or extract them, compute the result key."""
    started = time.perf_counter()
    directory = cache_dir if cache_dir is not None else config.root / cache_mod.DEFAULT_DIR
    settings = extraction_settings(config)
    facts_cache = results = None
    listings = None
    if use_cache:
        facts_cache = cache_mod.FactsCache(directory, cache_mod.facts_key(settings))
        results = cache_mod.ResultCache(directory, config.path)
        listings = Listings(facts_cache.listings)
    project = discover_checked(config, listings)
    table = cache_mod.load_facts(project, settings, facts_cache, progress=progress, parallel=parallel)
    note = None
    if facts_cache is not None:
        try:
            facts_cache.save((f.path for f in project.files), listings.seen if listings else None)
        except OSError as exc:
            note = _cache_note(directory, exc)
    linking = graph_key(config, project) if results is not None else ""
    key = result_key(project, table.digests, linking) if results is not None else ""
    stats = {**listings.stats, **table.stats} if listings is not None else table.stats
    return Prepared(config, project, table, key, linking, directory, results, note, started, stats)


def complete(prepared: Prepared) -> Result:
    """The violations of a prepared run: from the result cache when its key is there, else evaluated."""
    config, project, table, key, results = (
        prepared.config, prepared.project, prepared.table, prepared.key, prepared.results
    )
    note, started = prepared.note, prepared.started
    cached = results.load(key) if results is not None else None
    if cached is not None:
        violations, notes, dependencies, hidden = cached
        return Result(
            config, project, None, violations, notes, time.perf_counter() - started,
            dependencies=dependencies, cache_note=note, parsed=tuple(table.parsed), facts=table.facts,
            hidden=hidden,
        )
    graphs = previous = None
    if results is not None:
        graphs = cache_mod.GraphCache(prepared.directory, config.path)
        previous = graphs.load(prepared.linking, project.files)
    graph, violations, notes, hidden = evaluate(config, project, table.lazy(), digests=table.digests,
                                                previous=previous)
    if results is not None and note is None:
        try:
            results.save(key, violations, notes, graph.number_of_edges(), hidden)
            if graphs is not None and graph.parts is not None and (previous is None or graph.relinked):
                graphs.save(prepared.linking, graph.parts, project.files)
        except OSError as exc:
            note = _cache_note(prepared.directory, exc)
    return Result(
        config, project, graph, violations, notes, time.perf_counter() - started,
        cache_note=note, parsed=tuple(table.parsed), hidden=hidden,
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
    return complete(prepare(config, cache_dir=cache_dir, use_cache=use_cache, progress=progress,
                            parallel=parallel))


def _cache_note(directory: Path, exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return f"cannot write the cache in {directory} ({reason}); ran without it"


def filter_baseline(result: Result, baseline: Baseline, update_command: str) -> Result:
    """The result without the violations ``baseline`` knows, plus its stale entries as errors."""
    from depcheck.filters.baseline import apply_baseline

    outcome = apply_baseline(result.violations, baseline, update_command, result.hidden)
    kept = [v for v in outcome.violations if result.config.reports(v.rule)]
    notes = list(result.notes)
    if outcome.skipped:
        known = plural(outcome.skipped, "known violation")
        notes.append(f"{known} in the baseline {baseline.path} not shown (--no-baseline shows them)")
    return dataclasses.replace(result, violations=kept, notes=notes)


def shown(result: Result) -> Result:
    """The result as reports show it: at most ``max_cycles`` cycle violations (per contract), the
    shortest, and a note for the rest. Everything else (the exit code, the summary's counts, the
    baseline) sees every violation."""
    limit = result.config.max_cycles
    seen: dict[Optional[str], int] = {}
    kept: list[Violation] = []
    for violation in result.violations:
        if violation.cycle:
            seen[violation.contract] = seen.get(violation.contract, 0) + 1
            if seen[violation.contract] > limit:
                continue
        kept.append(violation)
    if len(kept) == len(result.violations):
        return result
    notes = list(result.notes)
    for contract, count in seen.items():
        if count > limit:
            where = f"{contract}: " if contract else ""
            notes.append(f"{where}{plural(count - limit, 'more cycle')} not shown (max_cycles = {limit}); "
                         "cut the cycles above first, or raise max_cycles")
    return dataclasses.replace(result, violations=kept, notes=notes, shown_of=result)
