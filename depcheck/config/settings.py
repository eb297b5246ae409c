"""The validated configuration: frozen values, every one located in the config file.

No later stage sees TOML. Entries that can be the subject of a message or a
violation (an exception that hides nothing, an owner glob that matches no
event, a contract) carry ``where`` (the key as users read it,
``exceptions[2]``) and ``line``, recorded while parsing, so nothing after
parsing needs the file's text.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from depcheck.config.fields import display, render_key
from depcheck.config.source import SourceMap
from depcheck.model import UseSettings, matches
from depcheck.patterns import DEFINER, EventPattern


@dataclass(frozen=True)
class ForbiddenRule:
    """``[[forbidden]]``: modules under ``sources`` must not depend on ``targets``."""

    sources: tuple[str, ...]  # module prefixes that must not depend on ...
    targets: tuple[str, ...]  # ... these module prefixes or external packages
    reason: str = ""
    indirect: bool = True  # also through other modules
    where: str = "forbidden"  # the config key it is written at, for messages
    line: int = 1


@dataclass(frozen=True)
class AcceptedDependency:
    """An ``[[exceptions]]`` entry (or a contract's ``ignore_imports`` line): dependencies from
    ``source`` to ``target`` that the rules do not report."""

    source: str
    target: str
    reason: str
    rules: tuple[str, ...] = ()  # () = every rule that judges dependencies
    where: str = "exceptions"
    line: int = 1
    # A contract's ``ignore_imports`` names exact modules (``*`` one name, ``**``
    # one or more), as import-linter does; config exceptions match prefixes.
    exact: bool = False

    def covers(self, source: str, target: str) -> bool:
        if self.exact:
            return matches_expression(source, self.source) and matches_expression(target, self.target)
        return matches(source, self.source) and matches(target, self.target)

    def covers_source(self, source: str) -> bool:
        """Whether some dependency of ``source`` may be covered."""
        return matches_expression(source, self.source) if self.exact else matches(source, self.source)


def matches_expression(module: str, pattern: str) -> bool:
    """import-linter's module expressions: the exact module, ``*`` one name, ``**`` one or more."""
    if "*" not in pattern:
        return module == pattern
    parts = []
    for part in pattern.split("."):
        if part == "**":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        else:
            parts.append("[^.]*".join(re.escape(piece) for piece in part.split("*")))
    return re.fullmatch(r"\.".join(parts), module) is not None


@dataclass(frozen=True)
class Interface:
    """``[[interfaces]]``: code outside ``component`` may use only what ``expose`` matches."""

    component: str
    expose: tuple[str, ...]  # modules, ``module.name``s or globs of them, full names
    where: str = "interfaces"
    line: int = 1


@dataclass(frozen=True)
class Contract:
    """A named rule set, checked on its own view of the graph (``[[contracts]]``).

    Violations carry the contract's name, so verdicts can be compared contract
    by contract (with import-linter after ``depcheck migrate``). Which fields
    are used depends on ``type``; see the README's config reference.
    """

    name: str
    type: str
    where: str  # "contracts[2]", for messages
    line: int = 1
    layers: tuple[tuple[str, ...], ...] = ()  # highest first, relative to each container
    open_layers: frozenset[int] = frozenset()
    optional_layers: frozenset[str] = frozenset()
    containers: tuple[str, ...] = ()
    exhaustive: bool = False
    exhaustive_ignores: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()  # independence / acyclic / protected / allowed components
    children_of: tuple[str, ...] = ()  # acyclic: the children of these packages, level by level
    depth: int = 1
    skip: tuple[str, ...] = ()
    allowed: tuple[str, ...] = ()  # protected: the only importers allowed
    depends_on: tuple[tuple[str, tuple[str, ...]], ...] = ()  # allowed: module -> what it may use
    utility: tuple[str, ...] = ()  # allowed: anyone may depend on these
    forbidden: tuple[ForbiddenRule, ...] = ()
    ignore_imports: tuple[AcceptedDependency, ...] = ()


@dataclass(frozen=True)
class EventDeclaration:
    """``[events.declare."<module>"]``: an edge the code cannot show."""

    module: str
    kind: str  # "publish" | "consume"
    event: str
    line: int = 1  # in the config file


@dataclass(frozen=True)
class OwnerRule:
    """``[events.owners]``: events whose id matches ``event`` (a glob) are owned by ``owner``."""

    event: str
    owner: str
    line: int = 1


@dataclass(frozen=True)
class EventSettings:
    """``[tool.depcheck.events]``, validated."""

    presets: tuple[str, ...] = ()
    patterns: tuple[EventPattern, ...] = ()  # presets expanded, then custom patterns
    owners: tuple[OwnerRule, ...] = ()  # in config order
    declarations: tuple[EventDeclaration, ...] = ()
    default_owner: str = DEFINER  # who owns what no module defines: patterns.OWNER_POLICIES

    def owner_of(self, event: str) -> Optional[str]:
        """The owner config assigns to ``event``: an exact entry wins over globs, then first glob."""
        for rule in self.owners:
            if rule.event == event:
                return rule.owner
        for rule in self.owners:
            if fnmatch.fnmatchcase(event, rule.event):
                return rule.owner
        return None


@dataclass(frozen=True)
class Config:
    """The whole validated config of one run."""

    path: Path  # the config file
    root: Path  # the project root: the config file's directory
    packages: tuple[str, ...]
    source_roots: tuple[Path, ...] = ()  # () = automatic: the root, and src/ where packages live
    exclude: tuple[str, ...] = ()
    layers: tuple[tuple[str, ...], ...] = ()  # highest first, containers already expanded
    containers: tuple[str, ...] = ()
    forbidden: tuple[ForbiddenRule, ...] = ()
    exceptions: tuple[AcceptedDependency, ...] = ()
    type_checking_imports: bool = True
    acyclic: Optional[tuple[str, ...]] = None  # None = every layer component
    max_cycles: int = 20
    open_layers: frozenset[int] = frozenset()  # layers whose siblings may depend on each other
    optional_layers: frozenset[str] = frozenset()  # layer entries that may match no module
    contracts: tuple[Contract, ...] = ()  # named rule sets, checked besides the keys above
    interfaces: tuple[Interface, ...] = ()  # components other code may use only through what they expose
    events: EventSettings = EventSettings()
    uses: UseSettings = UseSettings()  # its ``packages`` are filled from ``packages``
    app_labels: tuple[tuple[str, str], ...] = ()  # (Django app label, package), for django-model loads
    select: tuple[str, ...] = ()  # rule ids reported; () = every rule
    ignore: tuple[str, ...] = ()  # rule ids never reported (wins over select)
    # Where each key was written; for messages about names that only the project can check.
    source: SourceMap = field(default_factory=SourceMap, repr=False, compare=False)
    # How messages name keys: "tool.depcheck." in a pyproject.toml, "" in a depcheck.toml.
    key_prefix: str = field(default="", repr=False, compare=False)

    def reports(self, rule_id: str) -> bool:
        """Whether violations of ``rule_id`` are reported (``select`` and ``ignore``)."""
        return (not self.select or rule_id in self.select) and rule_id not in self.ignore

    @property
    def use_settings(self) -> UseSettings:
        """The extraction settings for uses, naming this config's packages."""
        return dataclasses.replace(self.uses, packages=self.packages)

    def where(self, path: tuple[Union[str, int], ...]) -> str:
        """``pyproject.toml:12: tool.depcheck.layers[2]``: how a message names a key of this file."""
        shown = display(self.path)
        base = tuple(self.key_prefix.rstrip(".").split(".")) if self.key_prefix else ()
        line = self.source.line(base + tuple(path))
        return f"{shown}:{line}: {self.key_prefix}{render_key(path)}" if line else \
            f"{shown}: {self.key_prefix}{render_key(path)}"

    @property
    def file_name(self) -> str:
        """The config file as reports name it: relative to the project root, which is its folder."""
        return self.path.name

    @property
    def layer_components(self) -> tuple[str, ...]:
        return tuple(c for layer in self.layers for c in layer)
