"""One run of depcheck: config -> discover -> facts -> graph -> rules -> filters.

This is the only module that knows the order of the stages. It returns plain
data (:class:`Result`); printing and exit codes belong to the command line.
"""

from __future__ import annotations

import dataclasses
import difflib
import time
from dataclasses import dataclass, field
from typing import Optional

from depcheck.config import Config, ConfigError, EventSettings, UseSettings
from depcheck.contracts import check_contract_entries, check_contracts
from depcheck.discover import Project, discover
from depcheck.facts import extract
from depcheck.filters import Baseline, Ignores, apply_baseline
from depcheck.graph import DependencyGraph, build_graph
from depcheck.model import (
    ERROR,
    RULE_PARSE_ERROR,
    EventCatalog,
    Evidence,
    FileFacts,
    GraphSnapshot,
    Location,
    ParseFailure,
    Summary,
    Violation,
    matches,
)
from depcheck.rules import RULES, Components, GraphView, acyclic_components


@dataclass
class Result:
    config: Config
    project: Project
    graph: DependencyGraph
    violations: list[Violation]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> Summary:
        errors = sum(1 for v in self.violations if v.severity == ERROR)
        return Summary(
            files=len(self.project.files),
            modules=len(self.graph.files),
            dependencies=self.graph.graph.number_of_edges(),
            errors=errors,
            warnings=len(self.violations) - errors,
            seconds=self.seconds,
            notes=tuple(self.notes),
        )


def read_facts(
    project: Project, events: Optional[EventSettings] = None, uses: Optional[UseSettings] = None
) -> dict[str, FileFacts]:
    """Facts of every file, keyed by module. A file that cannot be read is a parse failure."""
    facts = {}
    for source in project.files:
        try:
            data = (project.root / source.path).read_bytes()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            facts[source.module] = FileFacts(error=ParseFailure(1, 1, f"cannot read the file: {reason}"))
            continue
        facts[source.module] = extract(data, events, uses)
    return facts


def check_entries(config: Config, project: Project) -> None:
    """Every module named in the config must exist; raises ConfigError with suggestions."""
    modules = sorted(project.modules)
    problems = []

    def check(key: str, name: str) -> None:
        if any(matches(m, name) for m in modules):
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


def load_graph(
    config: Config, *, validate: bool = False
) -> tuple[Project, dict[str, FileFacts], DependencyGraph]:
    """The stages up to the graph; ``validate`` checks the config's module names first."""
    project = discover(config)
    if validate:
        check_entries(config, project)
        check_contract_entries(config, project)
    facts = read_facts(project, config.events, config.use_settings)
    graph = build_graph(
        project.files, facts, config.packages, type_checking_imports=config.type_checking_imports,
        events=config.events, config_file=config.file_name, uses=config.uses,
    )
    return project, facts, graph


def run(config: Config) -> Result:
    started = time.perf_counter()
    project, facts, graph = load_graph(config, validate=True)
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
    return Result(config, project, graph, violations, notes, time.perf_counter() - started)


def filter_baseline(result: Result, baseline: Baseline, update_command: str) -> Result:
    """The result without the violations ``baseline`` knows, plus its stale entries as errors."""
    outcome = apply_baseline(result.violations, baseline, update_command)
    notes = list(result.notes)
    if outcome.skipped:
        known = f"{outcome.skipped} known violation{'s' if outcome.skipped != 1 else ''}"
        notes.append(f"{known} in the baseline {baseline.path} not shown (--no-baseline shows them)")
    return dataclasses.replace(result, violations=outcome.violations, notes=notes)


def snapshot(result: Result, *, components: bool = False) -> GraphSnapshot:
    """The module graph, or the component graph, with the pairs that some violation blames."""
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
        for _, _, evidence in graph.graph.edges(data="evidence")
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
    config, graph = result.config, result.graph
    names = Components((*config.layer_components, *acyclic_components(config, graph.modules)))
    modules = {
        e.source for event in graph.events for e in (*event.definitions, *event.publishers, *event.consumers)
    }
    modules.update(event.owner for event in graph.events if event.owner)
    components = tuple(sorted((m, names.of(m) or m) for m in modules))
    return EventCatalog(graph.events, components)
