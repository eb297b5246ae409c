"""What the architecture map draws, as keys added to the graph JSON document.

``depcheck graph --format json`` and the HTML map (report/html.py) share this
one document, so the page and the JSON never disagree. Every key here is an
addition: the base keys of graphs.py keep their meaning.

- ``components``: each with its layer (1 = highest; null outside the layers),
  its modules and the dependencies between its own modules (``internal``).
- ``dependencies``: one per pair of components, with the number of sites, the
  sites per kind, every site (file, line, column, source line) and, when it
  breaks rules, the rule ids and each violation as ``check --format json``
  reports it, and the loops its violations close (``closes``: one cause, one
  finding). A violation whose chain runs only through modules outside every
  component (or ends in a third-party package) gets an entry with 0 sites.
- ``events``: every event of the catalog with its owner and the sites (module,
  component, file, line) that publish and consume it.
- ``cycles``: each cycle violation (a loop no other violation closes) and the
  hop it is located at.
- ``unassigned``: modules that belong to no component.
"""

from __future__ import annotations

from typing import Any, Optional

from depcheck.model import Evidence, GraphSnapshot, Violation
from depcheck.report.json_report import violation_to_json


def _site(evidence: Evidence, component_of: dict[str, str]) -> dict[str, Any]:
    return {
        "module": evidence.source,
        "component": component_of.get(evidence.source) or None,
        "file": evidence.file,
        "line": evidence.line,
        "column": evidence.column,
        "text": evidence.text,
    }


def _add_closes(entry: dict[str, Any], violation: Violation) -> None:
    """The loops a violation closes, added to its dependency's (as check's JSON lists them)."""
    closes = violation.closes
    if closes is None:
        return
    entry["closes"].extend(list(loop) for loop in closes.loops)
    entry["closes_events"].extend(list(events) for events in closes.events)
    entry["closes_total"] += closes.total
    entry["closes_at_least"] = entry["closes_at_least"] or closes.at_least


def _cycle(violation: Violation, cut: tuple[str, str]) -> dict[str, Any]:
    through = sorted({e.event for e in violation.evidence if e.event and e.kind in ("publish", "consume")})
    return {"components": list(violation.cycle), "cut": list(cut), "choreography": bool(through),
            "events": through, "message": violation.message}


def _owner_component(owner: str, component_of: dict[str, str]) -> Optional[str]:
    """The component of an event's owner, which may be a package of modules rather than a module."""
    if owner in component_of:
        return component_of[owner] or None
    inside = {c for m, c in component_of.items() if c and m.startswith(owner + ".")}
    return inside.pop() if len(inside) == 1 else None


def extras(snapshot: GraphSnapshot) -> dict[str, Any]:
    """The keys the map adds to the graph document."""
    component_of = dict(snapshot.members)
    layer_of = {name: index + 1 for index, layer in enumerate(snapshot.layers) for name in layer}
    modules: dict[str, list[str]] = {}
    for module, component in snapshot.members:
        if component:
            modules.setdefault(component, []).append(module)

    dependencies: dict[tuple[str, str], dict[str, Any]] = {}
    internal: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}

    def dependency(source: str, target: str) -> dict[str, Any]:
        return dependencies.setdefault(
            (source, target),
            {"from": source, "to": target, "sites": 0, "kinds": {}, "rules": [], "evidence": [],
             "violations": [], "closes": [], "closes_events": [], "closes_total": 0,
             "closes_at_least": False},
        )

    for evidence in snapshot.evidence:
        source, target = component_of.get(evidence.source), component_of.get(evidence.target)
        if not source or not target:
            continue
        if source == target:
            pair = internal.setdefault(source, {}).setdefault(
                (evidence.source, evidence.target),
                {"from": evidence.source, "to": evidence.target, "sites": 0, "kinds": {}},
            )
        else:
            pair = dependency(source, target)
            pair["evidence"].append(evidence.to_json())
        pair["sites"] += 1
        pair["kinds"][evidence.kind] = pair["kinds"].get(evidence.kind, 0) + 1

    cycles = []
    for source, target, violation in snapshot.blamed:
        entry = dependency(source, target)
        if violation.rule not in entry["rules"]:
            entry["rules"].append(violation.rule)
        entry["violations"].append(violation_to_json(violation))
        _add_closes(entry, violation)
        if violation.cycle:
            cycles.append(_cycle(violation, (source, target)))

    events = []
    for event in snapshot.events:
        events.append({
            "id": event.id,
            "kind": "topic" if event.topic else "object",
            "owner": event.owner,
            "owner_component": _owner_component(event.owner, component_of) if event.owner else None,
            "external": event.external,
            "publishers": [_site(e, component_of) for e in event.publishers],
            "consumers": [_site(e, component_of) for e in event.consumers],
        })

    return {
        "components": [
            {
                "name": name,
                "layer": layer_of.get(name),
                "modules": members,
                "internal": [internal[name][pair] for pair in sorted(internal.get(name, {}))],
            }
            for name, members in sorted(modules.items())
        ],
        "dependencies": [dependencies[pair] for pair in sorted(dependencies)],
        "events": events,
        "cycles": cycles,
        "unassigned": [module for module, component in snapshot.members if not component],
    }
