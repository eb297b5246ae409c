"""The architecture map: one self-contained HTML file (``depcheck map``, ``graph --format html``).

Pure: a graph snapshot in, the page's text out. The page embeds the graph JSON
document (graphs.document, the same data as ``graph --format json``), the
vendored dagre layout library with its license, and the map's own script and
style (assets/); it loads nothing from anywhere, so it works offline and from a
CI artifact. Element hooks for tests and scripts (a stable interface):
``data-component``, ``data-from``/``data-to``, ``data-violation`` (rule ids,
space-separated), ``data-closes`` (the loops a violating dependency closes),
``data-event``.
"""

from __future__ import annotations

import json

from depcheck.model import GraphSnapshot
from depcheck.report import graphs
from depcheck.report.registry import GRAPH_FORMATS

DAGRE_VERSION = "3.1.3"


def _asset(*parts: str) -> str:
    # Package data (pyproject.toml); importlib.resources is loaded only when a map is drawn.
    from importlib import resources

    return resources.files("depcheck.report").joinpath(*parts).read_text(encoding="utf-8")


def _script(text: str) -> str:
    # Nothing inlined may end the script element early; the source map link would be a request.
    lines = [line for line in text.splitlines() if not line.startswith("//# sourceMappingURL=")]
    return "\n".join(lines).replace("</script", "<\\/script")


def _json(document: dict) -> str:
    # Escaping every "<" keeps the JSON valid and the script element unbreakable.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).replace("<", "\\u003c")


@GRAPH_FORMATS.register("html", components=True)
def render(snapshot: GraphSnapshot) -> str:
    license_text = _asset("vendor", "dagre", "LICENSE").strip().replace("*/", "* /")
    return _PAGE.format(
        style=_asset("assets", "map.css").replace("</style", "<\\/style"),
        data=_json(graphs.document(snapshot)),
        dagre_version=DAGRE_VERSION,
        dagre_license=license_text,
        dagre=_script(_asset("vendor", "dagre", "dagre.min.js")),
        script=_script(_asset("assets", "map.js")),
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>depcheck architecture map</title>
<style>
{style}
</style>
</head>
<body>
<header id="bar">
  <strong>depcheck map</strong>
  <span id="summary"></span>
  <input id="search" type="search" placeholder="Search modules" autocomplete="off">
  <button id="expand-all" type="button">Expand all</button>
  <button id="collapse-all" type="button">Collapse all</button>
  <span id="legend"></span>
</header>
<main>
  <div id="canvas"><svg id="map" xmlns="http://www.w3.org/2000/svg"></svg></div>
  <aside id="panel"></aside>
</main>
<script type="application/json" id="depcheck-data">{data}</script>
<script>
/* dagre {dagre_version} (with @dagrejs/graphlib), https://github.com/dagrejs/dagre
{dagre_license}
*/
{dagre}
</script>
<script>
{script}
</script>
</body>
</html>
"""
