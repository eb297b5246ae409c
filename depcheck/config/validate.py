"""What only the project can tell about a config: every name it uses must exist.

Parsing (config/schema.py) checks shapes and reads no file. Once the project's
modules are known, this checks every module name the config relies on, in one
place, with a did-you-mean; and every rule id it names against the ids the
rule registry passes in (config sits below the rules and does not know them).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from depcheck.config import ConfigError
from depcheck.config.fields import close_matches, did_you_mean
from depcheck.config.settings import Config, Contract
from depcheck.model import matches


def check_source_roots(config: Config) -> None:
    """Every configured source root must be a directory; raises ConfigError."""
    problems = [
        f"{config.where(('source_roots',))}: '{_shown(config, root)}' is not a directory under "
        f"{config.root.as_posix()}"
        for root in config.source_roots if not root.is_dir()
    ]
    if problems:
        raise ConfigError(problems)


def _shown(config: Config, path: object) -> str:
    try:
        return path.relative_to(config.root).as_posix()  # type: ignore[attr-defined]
    except ValueError:
        return str(path)


def check_names(
    config: Config, modules: Iterable[str], exception_rules: Collection[str], rule_ids: Collection[str] = ()
) -> None:
    """Every module and rule id named in ``config`` must exist; raises ConfigError with suggestions.

    ``exception_rules`` are the ids of the rules an ``[[exceptions]]`` entry may name, ``rule_ids``
    every id (what ``select`` and ``ignore`` may name).
    """
    names = sorted(modules)
    # Every module and each of its parent packages: a plain name is checked by one lookup.
    prefixes = {
        ".".join(parts[:i]) for parts in (m.split(".") for m in names) for i in range(1, len(parts) + 1)
    }
    known_modules = set(names)
    packages = ", ".join(config.packages)
    problems: list[str] = []

    def exists(name: str) -> bool:
        if any(ch in name for ch in "*?["):
            return any(matches(m, name) for m in names)
        return name in prefixes

    def check(path: tuple, name: str, what: str = "") -> None:
        if exists(name):
            return
        close = close_matches(name, names, cutoff=0.75)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        problems.append(f"{config.where(path)}: '{name}'{what} matches no module under {packages}{hint}")

    for index, layer in enumerate(config.layers):
        for name in layer:
            if name not in config.optional_layers:
                check(("layers", index), name)
    for name in config.acyclic or ():
        check(("acyclic",), name)
    for index, rule in enumerate(config.forbidden):
        for name in rule.sources:
            check(("forbidden", index, "from"), name)
        for name in rule.targets:
            # A target outside the analysed packages is an external package: nothing to check.
            if any(name == p or name.startswith(p + ".") for p in config.packages):
                check(("forbidden", index, "to"), name)
    for owner in config.events.owners:
        # An owner outside the analysed packages (another service) is allowed: its edges are external.
        if any(owner.owner == p or owner.owner.startswith(p + ".") for p in config.packages):
            check(("events", "owners", owner.event), owner.owner)
    for declaration in config.events.declarations:
        check(("events", "declare", declaration.module), declaration.module)
    for index, interface in enumerate(config.interfaces):
        check(("interfaces", index, "component"), interface.component)
        for position, name in enumerate(interface.expose):
            # ``module.name``: a name its module defines, which only the module's source tells.
            # ``module.name``: a name its module defines, which only the module's source tells; an
            # entry that is no module but reads like one (a typo) is still reported.
            # A glob of names (``tach.show.generate_*``) is checked for its module only.
            parent, _, last = name.rpartition(".")
            is_name = parent in known_modules
            glob = any(ch in last for ch in "*?[")
            siblings = [m.rpartition(".")[2] for m in names if m.rpartition(".")[0] == parent]
            if not is_name or not glob and not exists(name) and close_matches(last, siblings, 0.8):
                check(("interfaces", index, "expose", position), name)
    for index, contract in enumerate(config.contracts):
        for key, name in _contract_names(contract, names):
            check(("contracts", index, key), name, f" (contract '{contract.name}')")
    for index, exception in enumerate(config.exceptions):
        unknown = [r for r in exception.rules if r not in exception_rules]
        if unknown:
            problems.append(
                f"{config.where(('exceptions', index, 'rules'))}: expected a list drawn from "
                f"{', '.join(exception_rules)} (the rules that judge dependencies), got "
                f"{', '.join(repr(r) for r in unknown)}"
            )
    for key in ("select", "ignore"):
        for rule_id in getattr(config, key):
            if rule_id not in rule_ids:
                hint = did_you_mean(rule_id, rule_ids)
                problems.append(f"{config.where((key,))}: '{rule_id}' is no rule id{hint}; "
                                f"rule ids: {', '.join(rule_ids)}")
    if problems:
        raise ConfigError(problems)


def _contract_names(contract: Contract, modules: list[str]) -> list[tuple[str, str]]:
    """(key, module name) of every non-optional module a contract names, as import-linter requires."""
    if contract.type == "layers":
        found = []
        for container in contract.containers or ("",):
            if container:
                found.append(("containers", container))
            for layer in contract.layers:
                for name in layer:
                    full = f"{container}.{name}" if container else name
                    if name not in contract.optional_layers or any(matches(m, full) for m in modules):
                        found.append(("layers", full))
        return found
    if contract.type == "forbidden":
        return [("from", n) for rule in contract.forbidden for n in rule.sources]
    return [("modules", n) for n in contract.modules if "*" not in n] + [
        ("children_of", n) for n in contract.children_of
    ]
