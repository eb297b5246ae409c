"""Every output format, by what it renders and its name.

A format's module registers its renderers here when it is imported::

    @CHECK_FORMATS.register("sarif")
    def render(violations, summary, color=False) -> str: ...

``report/__init__.py`` imports every format module; cli.py builds each
``--format`` choice list, and its default, from these tables. Renderers of one
table share a signature (below); a format ignores the inputs it does not need.
Modules registering here import only what every run needs: a heavy library
(rich, xml) is imported inside the renderer that draws with it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Callable, Generic, Protocol, TypeVar

from depcheck.model import EventCatalog, Evidence, GraphSnapshot, Summary, Violation

R = TypeVar("R", bound=Callable[..., str])


class Format(Generic[R]):
    """One registered format.

    A plain class: a dataclass compiles its methods when the class is made, which cost
    about 2 ms of every run's start-up (measured), more than all the format modules.
    """

    __slots__ = ("name", "render", "components")

    def __init__(self, name: str, render: R, components: bool) -> None:
        self.name = name
        self.render = render
        # A picture too dense to draw module by module: cli always gives it the component graph.
        self.components = components


class Formats(Generic[R]):
    """The formats of one kind of output, by name, in the order they registered."""

    def __init__(self, renders: str, default: str) -> None:
        self.renders = renders
        self.default = default
        self._formats: dict[str, Format[R]] = {}

    def register(self, name: str, *, components: bool = False) -> Callable[[R], R]:
        def add(render: R) -> R:
            if name in self._formats:
                raise ValueError(f"two {self.renders} formats are called {name!r}")
            self._formats[name] = Format(name, render, components)
            return render

        return add

    def format(self, name: str) -> Format[R]:
        return self._formats[name]

    def __getitem__(self, name: str) -> R:
        return self._formats[name].render

    def __iter__(self) -> Iterator[str]:
        return iter(self._formats)

    def __len__(self) -> int:
        return len(self._formats)

    def __contains__(self, name: object) -> bool:
        return name in self._formats


class DependencyPath(Protocol):
    """What explain's formats read of a path (``depcheck.explain.Path``, a layer above)."""

    @property
    def modules(self) -> tuple[str, ...]: ...

    @property
    def hops(self) -> tuple[tuple[Evidence, ...], ...]: ...  # the evidence of each hop, in order


# (violations, summary, color) -> text; color: the output may carry ANSI colour (only text draws any).
CheckRender = Callable[[Sequence[Violation], Summary, bool], str]
# (one line per problem) -> a document of the format saying the run failed (exit 2): a CI step
# reading the report then shows why instead of failing on an empty file.
FailureRender = Callable[[Sequence[str]], str]
GraphRender = Callable[[GraphSnapshot], str]
EventsRender = Callable[[EventCatalog], str]
# (source, target, paths shortest first, the --max that limited them) -> text
ExplainRender = Callable[[str, str, Sequence[DependencyPath], int], str]

CHECK_FORMATS: Formats[CheckRender] = Formats("check report", default="text")
CHECK_FAILURES: Formats[FailureRender] = Formats("failed check report", default="json")
GRAPH_FORMATS: Formats[GraphRender] = Formats("graph", default="json")
EVENT_FORMATS: Formats[EventsRender] = Formats("event catalog", default="text")
EXPLAIN_FORMATS: Formats[ExplainRender] = Formats("explain", default="text")
