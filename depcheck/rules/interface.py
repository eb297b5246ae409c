"""**interface**: code outside a component may use only what the component exposes.

``[[interfaces]]`` names a component and the modules (``shop.orders.api``), names
(``shop.orders.models.Order``) or globs of them (``shop.orders.events.*``) it
exposes. A module outside the component that imports, or uses through dotted
access, anything else of the component is reported, with the import and the
uses as evidence. A use is judged by the module its name is reached through, as
written: a name an exposed module re-exports is allowed wherever it is defined.
Inside the component everything is allowed.

It is not one of the rules that explain cycles (``explained_by`` of the cycle rule):
it judges *how* a component is reached, not whether the dependency may exist, so
a loop through an interface violation is still a loop once the access goes through
the interface, and must stay reported on its own.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from depcheck.config import Config, Interface
from depcheck.model import ERROR, Evidence, Violation
from depcheck.rules.base import Findings, Rule, RuleDoc, location, verb

if TYPE_CHECKING:
    from depcheck.graph import GraphView

# Evidence that reaches a component's code; event edges (publish, consume) reach its events'
# owner, not its code, and are the event rules' business.
_NAME_KINDS = ("call", "use")
_EVENT_KINDS = ("publish", "consume")


@dataclass(frozen=True)
class InterfaceSettings:
    """The ``[[interfaces]]`` entries."""

    interfaces: tuple[Interface, ...] = ()

    @classmethod
    def of(cls, config: Config) -> InterfaceSettings:
        return cls(config.interfaces)


def reached(evidence: Evidence, modules: frozenset[str]) -> Optional[str]:
    """The module a piece of evidence reaches, as the rule judges it: an import's target, a use's
    module as written (the longest module its name starts with); None for an event site."""
    if evidence.kind in _EVENT_KINDS:
        return None
    if evidence.kind not in _NAME_KINDS:
        return evidence.target
    name = evidence.written or evidence.name or evidence.target
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


class _Exposed:
    """Decides what one interface lets other code reach."""

    def __init__(self, interface: Interface, modules: frozenset[str]) -> None:
        self.interface = interface
        self.modules = modules

    def module(self, module: str) -> bool:
        """A module is exposed by its own entry or a glob (a plain entry is that module only)."""
        return any(module == e or _glob(e) and fnmatch.fnmatchcase(module, e) for e in self.interface.expose)

    def name(self, name: str) -> bool:
        """A ``module.name`` entry exposes the name and its attributes; a glob, what it matches."""
        for entry in self.interface.expose:
            if _glob(entry):
                if fnmatch.fnmatchcase(name, entry):
                    return True
            elif entry not in self.modules and (name == entry or name.startswith(entry + ".")):
                return True
        return False

    def allows(self, evidence: Evidence) -> bool:
        module = reached(evidence, self.modules)
        if module is None:
            return True
        if evidence.kind in _NAME_KINDS:
            written = evidence.written or evidence.name or evidence.target
            if not self.inside(written):
                return True  # reached through another component's re-export: not this interface's
            return self.module(module) or self.name(written) or (
                evidence.name is not None and self.name(evidence.name)
            )
        if self.module(evidence.target):
            return True
        if not evidence.names and self.leads_to_exposed(evidence.target):
            # ``from shop import orders`` binds the package on the way to its interface
            # (``orders.api.create_order()``): what is reached through it is judged by its uses.
            return True
        # ``from shop.orders.models import Order``: the names imported, when each is exposed.
        return bool(evidence.names) and all(
            self.name(f"{evidence.target}.{n}") for n in evidence.names.split(",")
        )

    def leads_to_exposed(self, package: str) -> bool:
        return any(e.startswith(package + ".") for e in self.interface.expose)

    def inside(self, module: str) -> bool:
        component = self.interface.component
        return module == component or module.startswith(component + ".")


def check(view: GraphView, settings: InterfaceSettings) -> Findings:
    findings = Findings()
    if not settings.interfaces:
        return findings
    modules = frozenset(view.modules)
    exposed = [_Exposed(i, modules) for i in settings.interfaces]
    for module in view.modules:
        for target, evidence in sorted(view.adjacency.get(module, {}).items()):
            interface = _judging(exposed, module, target)
            if interface is None:
                continue
            breaches = tuple(e for e in evidence if not interface.allows(e))
            if breaches:
                findings.violations.append(_violation(module, target, breaches, interface.interface))
    return findings


def _judging(exposed: list[_Exposed], module: str, target: str) -> Optional[_Exposed]:
    """The innermost interface around ``target`` that ``module`` is outside of."""
    best = None
    for candidate in exposed:
        if candidate.inside(target) and not candidate.inside(module):
            if best is None or len(candidate.interface.component) > len(best.interface.component):
                best = candidate
    return best


def _violation(module: str, target: str, evidence: tuple[Evidence, ...], interface: Interface) -> Violation:
    shown = ", ".join(interface.expose) or "nothing"
    return Violation(
        rule=RULE.id,
        severity=ERROR,
        message=f"{module} {verb(evidence)} {target}, which {interface.component} does not expose "
                f"(its interface: {shown})",
        location=location(evidence),
        source=module,
        target=interface.component,
        evidence=evidence,
        chain=(module, target),
        hint=f"use what {interface.component} exposes, or add {target} to {interface.where}.expose",
    )


RULE = Rule(
    id="interface",
    severity=ERROR,
    doc=RuleDoc(
        "Only a component's interface may be used from outside it",
        "A module outside a component declared in [[interfaces]] imports or uses, through "
        "dotted access, a module or name of that component that its 'expose' list does not match.",
        "Import what you need from one of the exposed modules (re-export it there if it belongs "
        "to the interface), or add it to the component's 'expose' list.",
    ),
    settings=InterfaceSettings.of,
    check=check,
    judges_dependencies=True,
)
