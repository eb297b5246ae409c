"""Named contracts (``[[contracts]]``): each rule set checked on its own view of the graph.

A contract is compiled into *runs* of the registered rules, each with the
settings it needs (a layers contract with two containers is two layer stacks
that know nothing of each other, as in import-linter). A contract's
``ignore_imports`` are accepted dependencies that only its own runs see: they
go through the same :class:`~depcheck.filters.ignores.Ignores` filter as
suppressions, so an ignored import is gone before paths are searched. Every
violation is tagged with the contract's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from depcheck.config import Config, Contract
from depcheck.config.settings import matches_expression
from depcheck.filters.ignores import Ignores, run_filtered, unmatched_ignores
from depcheck.graph import DependencyGraph
from depcheck.model import Violation, matches
from depcheck.rules import Rule, allowed, cycle, exhaustive, forbidden, independence, layer, protected
from depcheck.rules.allowed import AllowedSettings
from depcheck.rules.cycle import CycleSettings
from depcheck.rules.exhaustive import ExhaustiveSettings
from depcheck.rules.forbidden import ForbiddenSettings
from depcheck.rules.layer import LayerSettings
from depcheck.rules.protected import ProtectedSettings


@dataclass
class ContractFindings:
    """What every ``[[contracts]]`` entry found."""

    violations: list[Violation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # rule id -> what the contracts report with no suppression or exception applied,
    # so the run can tell which suppression comments and exceptions are used.
    unfiltered: dict[str, list[Violation]] = field(default_factory=dict)


def _children(package: str, modules: Iterable[str]) -> list[str]:
    prefix = package + "."
    return sorted({prefix + m[len(prefix):].split(".")[0] for m in modules if m.startswith(prefix)})


Stack = tuple[str, tuple[tuple[str, ...], ...], frozenset[int]]  # container, layers, open layers


def _layer_stacks(contract: Contract, modules: Sequence[str]) -> list[Stack]:
    """One (container, layers) per container; optional entries that match nothing dropped."""
    stacks = []
    for container in contract.containers or ("",):
        layers: list[tuple[str, ...]] = []
        open_layers = set()
        for index, entry in enumerate(contract.layers):
            names = tuple(
                full
                for name in entry
                if (full := f"{container}.{name}" if container else name)
                and (name not in contract.optional_layers or any(matches(m, full) for m in modules))
            )
            if names:
                if index in contract.open_layers:
                    open_layers.add(len(layers))
                layers.append(names)
        stacks.append((container, tuple(layers), frozenset(open_layers)))
    return stacks


Run = tuple[Rule, Any, str]  # rule, its settings, package the view is limited to ("" = all)


def _expand(names: tuple[str, ...], modules: Sequence[str]) -> tuple[str, ...]:
    """Each module expression (``pkg.*``, ``pkg.**``) replaced by the modules it matches, as
    import-linter resolves them (exactly: ``*`` is one name); a plain name, or an expression that
    matches no analysed module (a third-party ``django.*``), is kept as written."""
    result: list[str] = []
    for name in names:
        found = [m for m in modules if matches_expression(m, name)] if "*" in name else []
        result.extend(found or [name])
    return tuple(dict.fromkeys(result))


def resolved(contract: Contract, modules: Sequence[str]) -> Contract:
    """The contract with its module expressions resolved against the project's modules."""
    def expand(names: tuple[str, ...]) -> tuple[str, ...]:
        return _expand(names, modules)

    rules = tuple(
        dataclasses.replace(rule, sources=expand(rule.sources), targets=expand(rule.targets))
        for rule in contract.forbidden
    )
    return dataclasses.replace(
        contract, modules=expand(contract.modules), containers=expand(contract.containers),
        children_of=expand(contract.children_of), skip=expand(contract.skip),
        allowed=expand(contract.allowed), forbidden=rules,
    )


def _runs(contract: Contract, config: Config, modules: Sequence[str]) -> list[Run]:
    """The rule runs a contract is checked with."""
    contract = resolved(contract, modules)
    if contract.type == "layers":
        runs: list[Run] = []
        for _, layers, open_layers in _layer_stacks(contract, modules):
            settings = LayerSettings(layers, open_layers)
            runs += [(layer.RULE, settings, ""), (independence.RULE, settings, "")]
        if contract.exhaustive:
            listed = tuple(name for entry in contract.layers for name in entry)
            runs.append((exhaustive.RULE, ExhaustiveSettings(
                contract.name, contract.containers, listed, contract.exhaustive_ignores), ""))
        return runs
    if contract.type == "independence":
        return [(independence.RULE, LayerSettings((contract.modules,)), "")]
    if contract.type == "forbidden":
        return [(forbidden.RULE, ForbiddenSettings(contract.forbidden), "")]
    if contract.type == "protected":
        return [(protected.RULE, ProtectedSettings(contract.modules, contract.allowed), "")]
    if contract.type == "allowed":
        return [(allowed.RULE, AllowedSettings(contract.modules, contract.depends_on, contract.utility), "")]
    # acyclic
    runs = []
    defaults = CycleSettings(packages=config.packages, max_cycles=config.max_cycles)
    if contract.modules:
        runs.append((cycle.RULE, dataclasses.replace(defaults, acyclic=contract.modules), ""))
    # Siblings are judged on the imports between them only (as import-linter's acyclic_siblings
    # does), not through modules outside their parent; the packages in ``skip`` are not descended
    # into (their children are not checked; they still count as siblings). Each package is checked
    # once, however many ancestors (``pkg`` and ``pkg.*``) reach it.
    remaining: dict[str, int] = {}
    level = [(package, contract.depth) for package in contract.children_of]
    while level:
        following = []
        for parent, depth in level:
            if remaining.get(parent, 0) >= depth:
                continue
            first = parent not in remaining
            remaining[parent] = depth
            siblings = _children(parent, modules)
            if first and len(siblings) > 1:
                runs.append((cycle.RULE, dataclasses.replace(defaults, acyclic=tuple(siblings)), parent))
            if depth > 1:
                following.extend((c, depth - 1) for c in siblings if c not in contract.skip)
        level = following
    return runs


def check_contracts(config: Config, graph: DependencyGraph, ignores: Ignores) -> ContractFindings:
    findings = ContractFindings()
    modules = tuple(graph.modules)
    for contract in config.contracts:
        own = ignores.with_exceptions(contract.ignore_imports)
        tagged: list[Violation] = []
        for rule, settings, within in _runs(contract, config, modules):
            result, unfiltered = run_filtered(rule, settings, graph, own, within)
            tagged.extend(result.violations)
            findings.notes.extend(f"{contract.name}: {note}" for note in result.notes)
            if rule is not exhaustive.RULE:
                tagged_unfiltered = [dataclasses.replace(v, contract=contract.name) for v in unfiltered]
                findings.unfiltered.setdefault(rule.id, []).extend(tagged_unfiltered)
        findings.violations.extend(dataclasses.replace(v, contract=contract.name) for v in tagged)
        findings.violations.extend(
            unmatched_ignores(contract.ignore_imports, contract.name, contract.line, graph, config.file_name)
        )
    return findings
