"""Named contracts (``[[contracts]]``): each rule set checked on its own view of the graph.

A contract is compiled into one or more *runs* of the ordinary rules, each
with a narrowed copy of the config (a layers contract with two containers is
two layer stacks that know nothing of each other, as in import-linter). A
contract's ``ignore_imports`` are exceptions that only its own runs see: they
go through the same :class:`~depcheck.filters.Ignores` filter as suppressions,
so an ignored import is gone before paths are searched. Every violation is
tagged with the contract's name.

``protected`` and ``allowed`` have no counterpart among the registered rules
(they judge direct imports against an allow-list), so their checks live here;
they report under the ``forbidden`` rule id, which is what they are: "X must
not depend on Y" written as the complement of a list.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from depcheck.config import Config, ConfigError, Contract
from depcheck.discover import Project
from depcheck.filters import Ignores
from depcheck.graph import Adjacency, DependencyGraph
from depcheck.model import (
    ERROR,
    RULE_CYCLE,
    RULE_FORBIDDEN,
    RULE_INDEPENDENCE,
    RULE_LAYER,
    RULE_UNUSED_IGNORE,
    WARNING,
    Evidence,
    Location,
    Violation,
    matches,
)
from depcheck.rules import RULES, Components, GraphView


@dataclass
class ContractFindings:
    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # rule id -> what the contracts report with no suppression or exception applied,
    # so the run can tell which suppression comments and exceptions are used.
    unfiltered: dict[str, list[Violation]] = field(default_factory=dict)


def _children(package: str, modules: Iterable[str]) -> list[str]:
    prefix = package + "."
    return sorted({prefix + m[len(prefix):].split(".")[0] for m in modules if m.startswith(prefix)})


def _narrow(config: Config, **changes: object) -> Config:
    """A copy of ``config`` holding only what one run of one contract needs."""
    blank: dict[str, object] = {
        "layers": (), "containers": (), "forbidden": (), "acyclic": (),
        "open_layers": frozenset(), "optional_layers": frozenset(), "contracts": (),
    }
    blank.update(changes)
    return dataclasses.replace(config, **blank)  # type: ignore[arg-type]


Stack = tuple[str, tuple[tuple[str, ...], ...], frozenset[int]]  # container, layers, open layers


def _layer_stacks(contract: Contract, modules: Sequence[str]) -> list[Stack]:
    """One (container, layers) per container; optional entries that match nothing dropped."""
    stacks = []
    for container in contract.containers or ("",):
        layers: list[tuple[str, ...]] = []
        open_layers = set()
        for index, layer in enumerate(contract.layers):
            names = tuple(
                full
                for name in layer
                if (full := f"{container}.{name}" if container else name)
                and (name not in contract.optional_layers or any(matches(m, full) for m in modules))
            )
            if names:
                if index in contract.open_layers:
                    open_layers.add(len(layers))
                layers.append(names)
        stacks.append((container, tuple(layers), frozenset(open_layers)))
    return stacks


def check_contract_entries(config: Config, project: Project) -> None:
    """Every non-optional module a contract names must exist, as import-linter requires."""
    modules = sorted(project.modules)
    problems = []
    for contract in config.contracts:
        names: list[tuple[str, str]] = []
        if contract.type == "layers":
            for container, layers, _ in _layer_stacks(contract, modules):
                names.extend(("layers", n) for layer in layers for n in layer)
                if container:
                    names.append(("containers", container))
        elif contract.type == "forbidden":
            names.extend(("from", n) for rule in contract.forbidden for n in rule.sources)
        else:
            names.extend(("modules", n) for n in contract.modules if "*" not in n)
            names.extend(("children_of", n) for n in contract.children_of)
        for key, name in names:
            if not any(matches(m, name) for m in modules):
                problems.append(
                    f"{config.where(contract.key)}.{key}: '{name}' (contract '{contract.name}') "
                    f"matches no module under {', '.join(config.packages)}"
                )
    if problems:
        raise ConfigError(problems)


Run = tuple[str, Config, str]  # rule id, narrowed config, package the view is limited to ("" = all)


def _runs(contract: Contract, config: Config, modules: Sequence[str]) -> list[Run]:
    """The rule runs a contract is checked with."""
    if contract.type == "layers":
        runs: list[Run] = []
        for _, layers, open_layers in _layer_stacks(contract, modules):
            narrowed = _narrow(config, layers=layers, open_layers=open_layers)
            runs += [(RULE_LAYER, narrowed, ""), (RULE_INDEPENDENCE, narrowed, "")]
        return runs
    if contract.type == "independence":
        return [(RULE_INDEPENDENCE, _narrow(config, layers=(contract.modules,)), "")]
    if contract.type == "forbidden":
        return [(RULE_FORBIDDEN, _narrow(config, forbidden=contract.forbidden), "")]
    if contract.type == "acyclic":
        runs = []
        if contract.modules:
            runs.append((RULE_CYCLE, _narrow(config, acyclic=contract.modules), ""))
        for package in contract.children_of:
            # Siblings are judged on the imports between them only (as import-linter's
            # acyclic_siblings does), not through modules outside their parent.
            level = [package]
            for _ in range(contract.depth):
                following = []
                for parent in level:
                    siblings = _children(parent, modules)
                    if len(siblings) > 1:
                        runs.append((RULE_CYCLE, _narrow(config, acyclic=tuple(siblings)), parent))
                    following.extend(c for c in siblings if not any(matches(c, s) for s in contract.skip))
                level = following
        return runs
    return []


def _within(adjacency: Adjacency, package: str) -> dict[str, dict[str, tuple[Evidence, ...]]]:
    prefix = package + "."
    return {
        m: {t: ev for t, ev in targets.items() if t.startswith(prefix)}
        for m, targets in adjacency.items()
        if m.startswith(prefix)
    }


def _check_protected(view: GraphView, contract: Contract) -> list[Violation]:
    """Only ``allowed`` importers (and the protected package itself) import a protected module directly."""
    found = []
    for module in view.modules:
        if any(matches(module, a) for a in contract.allowed):
            continue
        for target, evidence in sorted(view.adjacency.get(module, {}).items()):
            for protected in contract.modules:
                if matches(target, protected) and not matches(module, protected):
                    found.append(
                        _direct(module, target, evidence, f"{protected} is protected: only "
                                f"{', '.join(contract.allowed) or 'itself'} may import it",
                                module, protected, f"import it through {', '.join(contract.allowed)}"
                                if contract.allowed else "move the import into the protected package")
                    )
                    break
    return found


def _check_allowed(view: GraphView, contract: Contract) -> list[Violation]:
    """A listed component with a ``depends_on`` entry uses only those components (and utilities)."""
    components = Components(contract.modules)
    allowed = dict(contract.depends_on)
    found = []
    for module in view.modules:
        mine = components.of(module)
        if mine is None or mine not in allowed:
            continue
        for target, evidence in sorted(view.adjacency.get(module, {}).items()):
            theirs = components.of(target)
            if theirs is None or theirs == mine or any(matches(theirs, u) for u in contract.utility):
                continue
            if not any(matches(theirs, a) for a in allowed[mine]):
                found.append(
                    _direct(module, target, evidence,
                            f"{mine} may depend only on {', '.join(allowed[mine]) or 'nothing listed'}",
                            mine, theirs, f"add {theirs} to depends_on of {mine}, or remove the import")
                )
    return found


def _direct(module: str, target: str, evidence: tuple, relation: str, source: str, component: str,
            hint: str) -> Violation:
    first = evidence[0]
    return Violation(
        rule=RULE_FORBIDDEN,
        severity=ERROR,
        message=f"{module} imports {target}: {relation}",
        location=Location(first.file, first.line, first.column),
        source=source,
        target=component,
        evidence=tuple(evidence),
        chain=(module, target),
        hint=hint,
    )


_CUSTOM = {"protected": _check_protected, "allowed": _check_allowed}


def _unmatched(contract: Contract, graph: DependencyGraph, config: Config) -> list[Violation]:
    """``ignore_imports`` entries that match no import at all (import-linter's 'unmatched' alert)."""
    warnings = []
    for ignore in contract.ignore_imports:
        if any(ignore.covers(a, b) for a, b in graph.graph.edges) or any(
            ignore.covers(e.source, e.target) for ev in graph.external.values() for e in ev
        ):
            continue
        line = config.line_of(contract.key) or 1
        warnings.append(
            Violation(
                rule=RULE_UNUSED_IGNORE,
                severity=WARNING,
                message=f"{ignore.key} ({ignore.source} -> {ignore.target}) matches no import",
                location=Location(config.file_name, line, 1),
                hint="remove it from the contract, or fix the module names",
                contract=contract.name,
                key_extra=("ignore_imports", contract.name, ignore.source, ignore.target),
            )
        )
    return warnings


def check_contracts(config: Config, graph: DependencyGraph, ignores: Ignores) -> ContractFindings:
    findings = ContractFindings()
    modules = tuple(graph.modules)
    for contract in config.contracts:
        own = Ignores(ignores.comments, ignores.exceptions + contract.ignore_imports)
        tagged: list[Violation] = []
        for rule_id, narrowed, scope in _runs(contract, config, modules):
            keep = own.keep(rule_id)
            adjacency = graph.adjacency(keep)
            view = GraphView(modules, _within(adjacency, scope) if scope else adjacency,
                             graph.external_evidence(keep))
            result = RULES[rule_id](view, narrowed)
            tagged.extend(result.violations)
            findings.notes.extend(f"{contract.name}: {note}" for note in result.notes)
            if ignores:
                adjacency = graph.adjacency()
                full = GraphView(modules, _within(adjacency, scope) if scope else adjacency, graph.external)
                findings.unfiltered.setdefault(rule_id, []).extend(RULES[rule_id](full, narrowed).violations)
        custom = _CUSTOM.get(contract.type)
        if custom is not None:
            keep = own.keep(RULE_FORBIDDEN)
            tagged.extend(custom(GraphView(modules, graph.adjacency(keep), graph.external), contract))
            if ignores:
                full = GraphView(modules, graph.adjacency(), graph.external)
                findings.unfiltered.setdefault(RULE_FORBIDDEN, []).extend(custom(full, contract))
        if contract.type == "layers" and contract.exhaustive:
            tagged.extend(_unlisted(contract, graph, modules))
        findings.violations.extend(dataclasses.replace(v, contract=contract.name) for v in tagged)
        findings.violations.extend(_unmatched(contract, graph, config))
    return findings


def _unlisted(contract: Contract, graph: DependencyGraph, modules: Sequence[str]) -> list[Violation]:
    """An exhaustive layers contract: every child of a container must be in some layer."""
    found = []
    for container in contract.containers:
        listed = {f"{container}.{n}" for layer in contract.layers for n in layer}
        ignored = {f"{container}.{n}" for n in contract.exhaustive_ignores}
        for child in _children(container, modules):
            if child in listed or child in ignored:
                continue
            source = graph.files.get(child)
            found.append(
                Violation(
                    rule=RULE_LAYER,
                    severity=ERROR,
                    message=f"{child} is in none of the layers of exhaustive contract '{contract.name}'",
                    location=Location(source.path, 1, 1) if source else None,
                    source=child,
                    hint="add it to a layer, or to exhaustive_ignores",
                )
            )
    return found
