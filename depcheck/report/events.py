"""The event catalog (``depcheck events``): text, JSON and a Mermaid flow of components."""

from __future__ import annotations

import json

from depcheck.model import CatalogEvent, EventCatalog, Evidence, plural
from depcheck.patterns import PRESETS
from depcheck.report.evidence import printable
from depcheck.report.mermaid import node_id
from depcheck.report.registry import EVENT_FORMATS


def _site(evidence: Evidence) -> dict:
    return {"module": evidence.source, "file": evidence.file, "line": evidence.line}


def _modules(sites: tuple[Evidence, ...]) -> list[dict]:
    return [_site(e) for e in sites]


def _lines(label: str, sites: tuple[Evidence, ...]) -> list[str]:
    if not sites:
        return [f"  {label}: (none)"]
    return [f"  {label}:"] + [f"    {e.source}  {e.file}:{e.line}" for e in sites]


@EVENT_FORMATS.register("text")
def render_text(catalog: EventCatalog) -> str:
    if not catalog.events:
        if catalog.patterns:
            on = f"the presets {', '.join(catalog.presets)}" if catalog.presets else "the custom patterns"
            if catalog.presets and catalog.patterns > sum(len(PRESETS[p]) for p in catalog.presets):
                on += " and the custom patterns"
            return (
                f"No events found: nothing in the code matches {on}. Declare events the code "
                "makes at run time ([tool.depcheck.events.declare], # depcheck: publishes).\n"
            )
        return (
            "No events found. Enable patterns with [tool.depcheck.events] presets = [...] "
            f"({', '.join(PRESETS)}) or declare events.\n"
        )
    out: list[str] = []
    for event in catalog.events:
        kind = "topic" if event.topic else "object"
        owner = event.owner or "(no owner)"
        external = ", outside the analysed packages" if event.external else ""
        out.append(f"{printable(event.id)}  [{kind}]  owner: {owner}{external}")
        if event.definitions:
            out.extend(_lines("defined", event.definitions))
        out.extend(_lines("published by", event.publishers))
        out.extend(_lines("consumed by", event.consumers))
        out.append("")
    topics = sum(1 for e in catalog.events if e.topic)
    out.append(f"{plural(len(catalog.events), 'event')} ({plural(topics, 'topic')}).")
    return "\n".join(out) + "\n"


@EVENT_FORMATS.register("json")
def render_json(catalog: EventCatalog) -> str:
    document = {
        "version": 1,
        "events": [
            {
                "id": event.id,
                "kind": "topic" if event.topic else "object",
                "owner": event.owner,
                "external": event.external,
                "defined": _modules(event.definitions),
                "publishers": _modules(event.publishers),
                "consumers": _modules(event.consumers),
            }
            for event in catalog.events
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _label(event: CatalogEvent) -> str:
    # Mermaid labels cannot hold quotes; a class's short name reads best in a picture.
    name = event.id if event.topic else event.id.rsplit(".", 1)[-1]
    return printable(name).replace('"', "'")


@EVENT_FORMATS.register("mermaid")
def render_mermaid(catalog: EventCatalog) -> str:
    """Components publishing to components, each arrow labelled by the event.

    An event nobody consumes (or nobody publishes) ends (or starts) at a node of
    its own, so every event of the catalog appears in the picture.
    """
    component = dict(catalog.components)
    nodes: set[str] = set()
    arrows: set[tuple[str, str, str]] = set()
    loose: set[tuple[str, str]] = set()
    for event in catalog.events:
        label = _label(event)
        publishers = sorted({component.get(e.source, e.source) for e in event.publishers})
        consumers = sorted({component.get(e.source, e.source) for e in event.consumers})
        nodes.update(publishers, consumers)
        if not publishers or not consumers:
            loose.add((event.id, label))
        for publisher in publishers or [f"event:{event.id}"]:
            for consumer in consumers or [f"event:{event.id}"]:
                if publisher != consumer:
                    arrows.add((publisher, consumer, label))
    lines = ["flowchart LR"]
    for node in sorted(nodes):
        lines.append(f'  {node_id(node)}["{node}"]')
    for event_id, label in sorted(loose):
        lines.append(f'  {node_id("event:" + event_id)}(["{label}"])')
    for source, target, label in sorted(arrows):
        lines.append(f'  {node_id(source)} -- "{label}" --> {node_id(target)}')
    return "\n".join(lines) + "\n"
