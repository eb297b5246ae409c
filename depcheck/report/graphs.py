"""Pictures of the architecture: JSON, Graphviz dot and Mermaid."""

from __future__ import annotations

import json

from depcheck.model import GraphSnapshot
from depcheck.report.mermaid import node_id
from depcheck.report.registry import GRAPH_FORMATS


def _edges(snapshot: GraphSnapshot) -> list[dict]:
    """One entry per (from, to, kind), located at its first site, with the number of sites."""
    grouped: dict[tuple[str, str, str], dict] = {}
    for source, target, kind, path, line in snapshot.edges:
        entry = grouped.setdefault(
            (source, target, kind),
            {"from": source, "to": target, "kind": kind, "file": path, "line": line, "sites": 0},
        )
        entry["sites"] += 1
    return [grouped[key] for key in sorted(grouped)]


def document(snapshot: GraphSnapshot) -> dict:
    """The graph JSON document, with the keys the map adds; the HTML map embeds this same one."""
    from depcheck.report import mapdata  # only a picture needs it, not every run's start-up

    edges = _edges(snapshot)
    for edge in edges:
        edge["violation"] = (edge["from"], edge["to"]) in snapshot.violating
    document = {
        "version": 1,
        "level": "component" if snapshot.components else "module",
        "layers": [list(layer) for layer in snapshot.layers],
        "nodes": list(snapshot.nodes),
        "edges": edges,
    }
    document.update(mapdata.extras(snapshot))
    return document


@GRAPH_FORMATS.register("json")
def render_json(snapshot: GraphSnapshot) -> str:
    return json.dumps(document(snapshot), indent=2) + "\n"


def _layer_groups(snapshot: GraphSnapshot) -> list[tuple[str, list[str]]]:
    """Nodes grouped by layer (highest first); nodes in no layer come last."""
    placed: set[str] = set()
    groups = []
    for index, layer in enumerate(snapshot.layers):
        members = [n for n in snapshot.nodes if any(n == c or n.startswith(c + ".") for c in layer)]
        placed.update(members)
        groups.append((f"layer {index + 1}", members))
    rest = [n for n in snapshot.nodes if n not in placed]
    if rest:
        groups.append(("no layer", rest))
    return [(label, members) for label, members in groups if members]


def _pairs(snapshot: GraphSnapshot) -> list[tuple[str, str, str]]:
    """(from, to, label) per node pair; the label lists the edge kinds other than import.

    A violating pair with no edge of its own runs through modules outside every component
    (a cycle's hop or a layer violation through them): drawn all the same, as ``indirect``."""
    kinds: dict[tuple[str, str], set[str]] = {}
    for edge in _edges(snapshot):
        kinds.setdefault((edge["from"], edge["to"]), set()).add(edge["kind"])
    nodes = set(snapshot.nodes)
    for pair in snapshot.violating:
        if pair not in kinds and set(pair) <= nodes:
            kinds[pair] = {"indirect"}
    return [
        (a, b, ", ".join(sorted(k - {"import"})))
        for (a, b), k in sorted(kinds.items())
    ]


@GRAPH_FORMATS.register("dot", components=True)
def render_dot(snapshot: GraphSnapshot) -> str:
    lines = ["digraph depcheck {", "  rankdir=TB;", '  node [shape=box, fontname="Helvetica"];']
    for index, (label, members) in enumerate(_layer_groups(snapshot)):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f'    label="{label}"; style=dashed;')
        for node in members:
            lines.append(f'    "{node}";')
        lines.append("  }")
    for source, target, label in _pairs(snapshot):
        attrs = []
        if (source, target) in snapshot.violating:
            attrs += ["color=red", "fontcolor=red", "penwidth=2"]
        if label:
            attrs.append(f'label="{label}"')
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f'  "{source}" -> "{target}"{suffix};')
    lines.append("}")
    return "\n".join(lines) + "\n"


@GRAPH_FORMATS.register("mermaid", components=True)
def render_mermaid(snapshot: GraphSnapshot) -> str:
    lines = ["flowchart TB"]
    for index, (label, members) in enumerate(_layer_groups(snapshot)):
        lines.append(f'  subgraph group{index}["{label}"]')
        for node in members:
            lines.append(f'    {node_id(node)}["{node}"]')
        lines.append("  end")
    red = []
    for number, (source, target, label) in enumerate(_pairs(snapshot)):
        arrow = f"-. {label} .->" if label else "-->"
        lines.append(f"  {node_id(source)} {arrow} {node_id(target)}")
        if (source, target) in snapshot.violating:
            red.append(str(number))
    if red:
        lines.append(f"  linkStyle {','.join(red)} stroke:red,stroke-width:2px")
    return "\n".join(lines) + "\n"
