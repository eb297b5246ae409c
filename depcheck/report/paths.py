"""``depcheck explain``'s dependency paths: text and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from depcheck.model import plural
from depcheck.report.evidence import evidence_line
from depcheck.report.registry import EXPLAIN_FORMATS, DependencyPath


@EXPLAIN_FORMATS.register("text")
def render_text(source: str, target: str, paths: Sequence[DependencyPath], limit: int) -> str:
    if not paths:
        return f"{source} does not depend on {target}\n"
    more = " (more may exist: raise --max)" if len(paths) == limit else ""
    lines = [f"{source} depends on {target}: {plural(len(paths), 'path')}, "
             f"shortest first{more}"]
    for number, path in enumerate(paths, 1):
        hops = len(path.modules) - 1
        lines.append("")
        lines.append(f"{number}. {' -> '.join(path.modules)}  ({plural(hops, 'hop')})")
        for (a, b), evidence in zip(zip(path.modules, path.modules[1:]), path.hops):
            lines.append(f"   {a} -> {b}")
            # Each site of the hop, under the hop that names its source and target.
            lines.extend(f"     {evidence_line(e, pair=False)}" for e in evidence)
    return "\n".join(lines) + "\n"


@EXPLAIN_FORMATS.register("json")
def render_json(source: str, target: str, paths: Sequence[DependencyPath], limit: int = 0) -> str:
    document = {
        "from": source,
        "to": target,
        "paths": [
            {
                "modules": list(path.modules),
                "hops": [
                    {"from": a, "to": b, "evidence": [e.to_json() for e in evidence]}
                    for (a, b), evidence in zip(zip(path.modules, path.modules[1:]), path.hops)
                ],
            }
            for path in paths
        ],
    }
    return json.dumps(document, indent=2) + "\n"
