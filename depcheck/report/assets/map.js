/* depcheck architecture map. Draws the embedded graph JSON document as SVG.
 *
 * Layers are bands, highest first; components sit in their layer's band. dagre
 * lays out the components (each layer one rank) and, inside an expanded
 * component or package, its children. Stable hooks: data-component on every
 * component, data-from/data-to on every dependency, data-violation (rule ids,
 * space-separated) on violating ones, data-closes (how many loops it closes) on
 * those that close loops, data-event on every event flow.
 *
 * One cause, one finding: a loop through a violating dependency is listed under
 * that dependency (its "closes"); only the other loops are cycle violations
 * (DATA.cycles). The map highlights both kinds.
 */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("depcheck-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("map");
  var panel = document.getElementById("panel");
  var canvas = document.getElementById("canvas");
  var BAND_LABEL = 150; // room at the left of each band for its name
  var LEAF_H = 26, NODE_H = 46, HEADER = 30, PAD = 12;

  // ------------------------------------------------------------------ model
  var components = {};
  DATA.components.forEach(function (c) { components[c.name] = c; });
  var componentOf = {};
  DATA.components.forEach(function (c) { c.modules.forEach(function (m) { componentOf[m] = c.name; }); });
  var layerCount = DATA.layers.length;
  var externals = {};
  DATA.dependencies.forEach(function (d) {
    [d.from, d.to].forEach(function (n) { if (!components[n]) externals[n] = true; });
  });
  function bandOf(name) {
    var c = components[name];
    if (!layerCount) return c ? 0 : 1; // no layers: dagre ranks the components by their dependencies
    if (!c) return layerCount + 1; // outside the analysed packages
    return c.layer ? c.layer - 1 : layerCount; // "no layer" after the layers
  }
  var bandNames = DATA.layers.map(function (layer, i) { return "layer " + (i + 1); });
  bandNames.push("no layer", "outside");

  // Every loop listed: the cycle violations first, then the loops each violating dependency closes.
  var loops = DATA.cycles.map(function (c) {
    return { components: c.components, events: c.events, cut: c.cut, message: c.message, standalone: true };
  });
  var loopsOf = {}; // "FROM\u0000TO" -> indices in loops of the loops that dependency closes
  DATA.dependencies.forEach(function (d) {
    var key = d.from + "\u0000" + d.to;
    d.closes.forEach(function (loop, i) {
      (loopsOf[key] = loopsOf[key] || []).push(loops.length);
      loops.push({ components: loop, events: d.closes_events[i] || [], cut: [d.from, d.to], standalone: false });
    });
  });
  // A violation may close more loops than it lists: counts through a component are then at least.
  var allListed = DATA.dependencies.every(function (d) { return !d.closes_at_least && d.closes_total === d.closes.length; });
  var loopTotal = DATA.cycles.length + DATA.dependencies.reduce(function (n, d) { return n + d.closes_total; }, 0);
  var inCycle = {};
  loops.forEach(function (c) {
    c.components.slice(1).forEach(function (n) { inCycle[n] = (inCycle[n] || 0) + 1; }); // the loop repeats its first
  });
  function cycleBadge(name) { return " \u00b7 \u21bb " + (allListed ? "" : "\u2265") + plural(inCycle[name], "cycle"); }
  var eventsOf = {};
  DATA.events.forEach(function (e) {
    e.publishers.concat(e.consumers).forEach(function (s) {
      if (s.component) (eventsOf[s.component] = eventsOf[s.component] || {})[e.id] = true;
    });
  });

  // The component a module or package belongs to (a package need not be a module: no __init__.py).
  function ownerOf(name) {
    if (componentOf[name]) return componentOf[name];
    for (var at = name; at; at = at.slice(0, Math.max(0, at.lastIndexOf(".")))) {
      if (components[at]) return at;
    }
    return null;
  }

  // A component's packages: children of a prefix are its sub-packages and modules.
  function childrenOf(prefix) {
    var mods = components[ownerOf(prefix)].modules;
    var seen = {}, out = [];
    mods.forEach(function (m) {
      if (m === prefix) { out.push({ id: "m:" + m, name: m, label: "__init__", group: false }); return; }
      if (m.indexOf(prefix + ".") !== 0) return;
      var head = prefix + "." + m.slice(prefix.length + 1).split(".")[0];
      if (seen[head]) return;
      seen[head] = true;
      var group = mods.some(function (o) { return o.indexOf(head + ".") === 0; });
      out.push({ id: (group ? "g:" : "m:") + head, name: head, label: head.slice(prefix.length + 1), group: group });
    });
    return out;
  }
  function modulesUnder(prefix) {
    return components[ownerOf(prefix)].modules.filter(function (m) {
      return m === prefix || m.indexOf(prefix + ".") === 0;
    });
  }

  // ------------------------------------------------------------------ state
  var expanded = {}; // component or package name -> true
  var selected = null; // {kind, key}
  var matches = {}; // module -> true, from the search box

  // ------------------------------------------------------------------ helpers
  var measureCtx = document.createElement("canvas").getContext("2d");
  function textWidth(text, size, bold) {
    measureCtx.font = (bold ? "bold " : "") + size + 'px "DejaVu Sans", "Liberation Sans", Arial, sans-serif';
    return measureCtx.measureText(text).width;
  }
  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== null) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, value, cls, anchor) {
    var t = el("text", { x: x, y: y, "class": cls, "text-anchor": anchor || "start" }, parent);
    t.textContent = value;
    return t;
  }
  function smooth(points) {
    if (points.length < 3) return "M" + points.map(function (p) { return p.x + "," + p.y; }).join(" L");
    var d = "M" + points[0].x + "," + points[0].y;
    for (var i = 1; i < points.length - 1; i++) {
      var mx = (points[i].x + points[i + 1].x) / 2, my = (points[i].y + points[i + 1].y) / 2;
      d += " Q" + points[i].x + "," + points[i].y + " " + mx + "," + my;
    }
    var last = points[points.length - 1];
    return d + " L" + last.x + "," + last.y;
  }
  function midpoint(points) {
    var total = 0, i, seg = [];
    for (i = 1; i < points.length; i++) {
      var l = Math.hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
      seg.push(l); total += l;
    }
    var half = total / 2;
    for (i = 1; i < points.length; i++) {
      if (half <= seg[i - 1] || i === points.length - 1) {
        var f = seg[i - 1] ? Math.min(1, half / seg[i - 1]) : 0;
        return { x: points[i - 1].x + f * (points[i].x - points[i - 1].x), y: points[i - 1].y + f * (points[i].y - points[i - 1].y) };
      }
      half -= seg[i - 1];
    }
    return points[0];
  }
  function border(box, toward) {
    // Where the line from a box's centre toward a point leaves the box.
    var dx = toward.x - box.x, dy = toward.y - box.y, w = box.width / 2, h = box.height / 2;
    if (!dx && !dy) return { x: box.x, y: box.y };
    var s = Math.abs(dy) * w > Math.abs(dx) * h ? h / Math.abs(dy) : w / Math.abs(dx);
    return { x: box.x + dx * s, y: box.y + dy * s };
  }
  function closesCount(d) { return d.closes_total + (d.closes_at_least ? "+" : ""); }
  function depLabel(d, brief) {
    var label = d.sites === 0 ? "indirect" : String(d.sites);
    if (d.rules.length && !brief) label += " \u00b7 " + d.rules.join(", ");
    return d.closes_total ? label + " \u00b7 \u21bb" + closesCount(d) : label;
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function short(id) { return id.length > 28 ? id.split(".").pop() : id; }

  // ------------------------------------------------------------------ layout
  // Inside an expanded component or package: its children, laid out by dagre.
  function layoutInside(prefix) {
    var kids = childrenOf(prefix);
    var box = {};
    kids.forEach(function (k) {
      if (k.group && expanded[k.name]) {
        var inner = layoutInside(k.name);
        box[k.id] = { kid: k, width: Math.max(inner.width, textWidth(k.label, 12, true) + 40), height: inner.height + HEADER, inner: inner };
      } else {
        var meta = k.group ? plural(modulesUnder(k.name).length, "module") : "";
        var w = Math.max(textWidth(k.label, 12, k.group), textWidth(meta, 11)) + (k.group ? 34 : 18);
        box[k.id] = { kid: k, width: w, height: k.group ? 38 : LEAF_H };
      }
    });
    var idOf = function (m) {
      for (var i = 0; i < kids.length; i++) {
        var k = kids[i];
        if (k.group ? m.indexOf(k.name + ".") === 0 || m === k.name && !kids.some(function (o) { return o.id === "m:" + m; }) : m === k.name) return k.id;
      }
      return null;
    };
    var pairs = {};
    components[ownerOf(prefix)].internal.forEach(function (d) {
      var a = idOf(d.from), b = idOf(d.to);
      if (!a || !b || a === b) return;
      var key = a + "\u0000" + b;
      (pairs[key] = pairs[key] || { from: a, to: b, sites: 0 }).sites += d.sites;
    });
    var best = null;
    ["TB", "LR"].forEach(function (dir) {
      var g = new dagre.graphlib.Graph({ multigraph: true });
      g.setGraph({ rankdir: dir, nodesep: 14, ranksep: dir === "TB" ? 34 : 46, edgesep: 8, marginx: PAD, marginy: PAD });
      kids.forEach(function (k) { g.setNode(k.id, { width: box[k.id].width, height: box[k.id].height }); });
      Object.keys(pairs).forEach(function (key) { g.setEdge(pairs[key].from, pairs[key].to, {}, key); });
      dagre.layout(g);
      var gw = g.graph().width, gh = g.graph().height;
      var score = Math.max(gw / gh, gh / gw * 0.6); // prefer wide-ish boxes, never a one-line strip
      if (!best || score < best.score) best = { g: g, score: score, width: gw, height: gh };
    });
    var g = best.g;
    return {
      width: best.width, height: best.height,
      children: kids.map(function (k) {
        var n = g.node(k.id), b = box[k.id];
        return { kid: k, x: n.x, y: n.y, width: b.width, height: b.height, inner: b.inner };
      }),
      edges: Object.keys(pairs).map(function (key) {
        var p = pairs[key];
        return { from: p.from, to: p.to, sites: p.sites, points: g.edge({ v: p.from, w: p.to, name: key }).points };
      })
    };
  }

  function layoutAll() {
    // In a big graph only violations and event flows are routed and labelled; the allowed
    // dependencies are drawn as quiet curves that do not widen the layout.
    var big = DATA.dependencies.length > 40;
    var g = new dagre.graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir: "TB", ranker: layerCount ? "none" : "network-simplex", nodesep: big ? 30 : 40, ranksep: big ? 44 : 56, edgesep: big ? 9 : 18,
      marginx: 10, marginy: 20 });
    var nodes = {};
    Object.keys(components).concat(Object.keys(externals)).forEach(function (name) {
      var node = { name: name, band: bandOf(name) };
      if (components[name] && expanded[name] && components[name].modules.length > 1) {
        node.inner = layoutInside(name);
        node.width = Math.max(node.inner.width, textWidth(name, 13, true) + 60);
        node.height = node.inner.height + HEADER;
      } else {
        var meta = components[name] ? plural(components[name].modules.length, "module") : "outside the packages";
        if (eventsOf[name]) meta += " \u00b7 " + plural(Object.keys(eventsOf[name]).length, "event");
        if (inCycle[name]) meta += cycleBadge(name);
        node.width = Math.max(textWidth(name, 13, true) + 40, textWidth(meta, 11) + 24, 120);
        node.height = NODE_H;
      }
      nodes[name] = node;
      // Ranks are fixed by the layers. dagre doubles every edge's length to make room for
      // labels, so a band is every second rank (an edge spanning one rank would get no route).
      var label = { width: node.width, height: node.height };
      if (layerCount) label.rank = node.band * 2;
      g.setNode(name, label);
    });
    // Layout edges point down the bands; same-band ones are drawn as arcs afterwards.
    var links = [];
    DATA.dependencies.forEach(function (d) { links.push({ kind: "dep", dep: d, from: d.from, to: d.to }); });
    flows().forEach(function (f) { links.push({ kind: "flow", flow: f, from: f.from, to: f.to }); });
    links.forEach(function (l, i) {
      var a = nodes[l.from], b = nodes[l.to];
      // A big graph's labels are short (sites only; rules and event names on hover and click).
      l.label = l.kind === "dep" ? depLabel(l.dep, big)
        : (big ? "" : "\u26a1 " + short(l.flow.event.id));
      l.quiet = big && l.kind === "dep" && !l.dep.rules.length;
      if (!a || !b || a === b || l.quiet || layerCount && a.band === b.band) return;
      l.reversed = layerCount > 0 && a.band > b.band;
      l.key = "e" + i;
      // dagre keeps room for each label, so labels of parallel arrows do not overlap.
      g.setEdge(l.reversed ? l.to : l.from, l.reversed ? l.from : l.to, l.label ? {
        weight: l.kind === "dep" ? 2 : 1, width: textWidth(l.label, 11, true) + 8, height: 16, labelpos: "c"
      } : { weight: 1 }, l.key);
    });
    dagre.layout(g);
    Object.keys(nodes).forEach(function (name) {
      var n = g.node(name);
      nodes[name].x = n.x + BAND_LABEL;
      nodes[name].y = n.y;
    });
    var quiet = [];
    links.forEach(function (l) {
      var a = nodes[l.from], b = nodes[l.to];
      if (l.key) {
        var routed = g.edge({ v: l.reversed ? l.to : l.from, w: l.reversed ? l.from : l.to, name: l.key });
        var pts = routed.points.map(function (p) { return { x: p.x + BAND_LABEL, y: p.y }; });
        l.points = l.reversed ? pts.slice().reverse() : pts;
        l.at = { x: routed.x + BAND_LABEL, y: routed.y };
      } else if (l.quiet && a && b && a !== b && (a.band !== b.band || !layerCount)) {
        l.label = "";
        quiet.push(l);
      } else if (a && b && a !== b) {
        // Siblings in one band: an arc below them.
        if (l.quiet) l.label = "";
        var toward = b.x > a.x ? 1 : -1;
        var p = { x: a.x + toward * a.width / 4, y: a.y + a.height / 2 }, q = { x: b.x - toward * b.width / 4, y: b.y + b.height / 2 };
        var dip = 18 + Math.abs(a.x - b.x) * 0.06;
        var c = { x: (p.x + q.x) / 2, y: Math.max(p.y, q.y) + 2 * dip };
        l.d = "M" + p.x + "," + p.y + " Q" + c.x + "," + c.y + " " + q.x + "," + q.y;
        l.at = { x: (p.x + q.x) / 4 + c.x / 2, y: (p.y + q.y) / 4 + c.y / 2 + 10 }; // below the curve's lowest point
        l.points = [p, l.at, q];
      } else if (a) {
        l.self = true; // an event published and consumed inside one component
      }
    });
    ports(quiet, nodes);
    return { nodes: nodes, links: links, width: g.graph().width + BAND_LABEL, height: g.graph().height };
  }

  // Quiet curves leave a node's bottom (or top) at spread-out ports, ordered by where they go.
  function ports(quiet, nodes) {
    var ends = {};
    quiet.forEach(function (l) {
      var a = nodes[l.from], b = nodes[l.to], down = a.y < b.y;
      (ends[l.from + (down ? "|b" : "|t")] = ends[l.from + (down ? "|b" : "|t")] || []).push({ l: l, side: "from", other: b });
      (ends[l.to + (down ? "|t" : "|b")] = ends[l.to + (down ? "|t" : "|b")] || []).push({ l: l, side: "to", other: a });
    });
    Object.keys(ends).forEach(function (key) {
      var name = key.split("|")[0], bottom = key.slice(-1) === "b", n = nodes[name], list = ends[key];
      list.sort(function (p, q) { return p.other.x - q.other.x; });
      list.forEach(function (e, i) {
        var x = n.x - n.width * 0.38 + n.width * 0.76 * (i + 1) / (list.length + 1);
        e.l[e.side === "from" ? "p0" : "p1"] = { x: x, y: bottom ? n.y + n.height / 2 : n.y - n.height / 2 };
      });
    });
    quiet.forEach(function (l) {
      var k = Math.max(30, Math.abs(l.p1.y - l.p0.y) * 0.45) * (l.p1.y > l.p0.y ? 1 : -1);
      l.d = "M" + l.p0.x + "," + l.p0.y + " C" + l.p0.x + "," + (l.p0.y + k) + " " + l.p1.x + "," + (l.p1.y - k) + " " + l.p1.x + "," + l.p1.y;
      l.points = [l.p0, l.p1];
    });
  }

  // Event flows between components: publisher -> event -> consumers, one per pair.
  function flows() {
    var out = [];
    DATA.events.forEach(function (e) {
      var pubs = {}, cons = {};
      e.publishers.forEach(function (s) { if (s.component) pubs[s.component] = true; });
      e.consumers.forEach(function (s) { if (s.component) cons[s.component] = true; });
      Object.keys(pubs).forEach(function (p) {
        Object.keys(cons).forEach(function (c) { out.push({ event: e, from: p, to: c }); });
      });
      if (!Object.keys(pubs).length || !Object.keys(cons).length) {
        var only = Object.keys(pubs).concat(Object.keys(cons));
        var at = only[0] || e.owner_component;
        if (at) out.push({ event: e, from: at, to: at, loose: true });
      }
    });
    return out;
  }

  // ------------------------------------------------------------------ drawing
  var view = { x: 0, y: 0, scale: 1 };
  var drawing = null;

  function draw() {
    var layout = layoutAll();
    svg.textContent = "";
    var defs = el("defs", {}, svg);
    // Arrowheads of one size whatever the line's width (the width shows the sites).
    [["arrow", "#8c959f", 9], ["arrow-red", "#d0312d", 11], ["arrow-event", "#7b3fe4", 9], ["arrow-internal", "#afb8c1", 8],
     ["arrow-quiet", "#aeb7c2", 7]].forEach(function (a) {
      var m = el("marker", { id: a[0], viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: a[2], markerHeight: a[2],
        markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" }, defs);
      el("path", { d: "M0,0 L10,5 L0,10 z", fill: a[1] }, m);
    });
    var root = el("g", { id: "viewport" }, svg);
    drawing = root;
    drawBands(root, layout);
    var edgeLayer = el("g", { "class": "edges" }, root);
    var nodeLayer = el("g", { "class": "nodes" }, root);
    var portLayer = el("g", { "class": "ports" }, root);
    var flowLayer = el("g", { "class": "flows" }, root);
    var labelLayer = el("g", { "class": "labels" }, root);
    placed = {};
    Object.keys(layout.nodes).forEach(function (name) { drawComponent(nodeLayer, layout.nodes[name]); });
    var flowGroups = {};
    DATA.events.forEach(function (e) {
      flowGroups[e.id] = el("g", { "class": "flow", "data-event": e.id }, flowLayer);
      flowGroups[e.id].addEventListener("click", function (ev) { ev.stopPropagation(); select("event", e.id); });
    });
    var selfCount = {};
    layout.links.forEach(function (l) {
      if (l.kind === "dep") { drawDependency(edgeLayer, l, labelLayer); drawPorts(portLayer, l); }
      else drawFlow(flowGroups[l.flow.event.id], l, layout.nodes, selfCount);
    });
    if (!Object.keys(layout.nodes).length) {
      text(root, 20, 40, "No components to draw: the packages have no layers and no sub-packages.", "meta");
    }
    applyState();
    return layout;
  }

  function drawBands(root, layout) {
    if (!layerCount) return; // no layers configured: nothing to band
    var ranges = {};
    Object.keys(layout.nodes).forEach(function (name) {
      var n = layout.nodes[name], r = ranges[n.band] = ranges[n.band] || { top: Infinity, bottom: -Infinity, names: [] };
      r.top = Math.min(r.top, n.y - n.height / 2);
      r.bottom = Math.max(r.bottom, n.y + n.height / 2);
      r.names.push(name);
    });
    var bands = el("g", { "class": "bands" }, root);
    Object.keys(ranges).map(Number).sort(function (a, b) { return a - b; }).forEach(function (band, i) {
      var r = ranges[band];
      var g = el("g", { "class": "band" + (i % 2 ? " odd" : ""), "data-band": bandNames[band] }, bands);
      el("rect", { x: 0, y: r.top - 16, width: layout.width + 40, height: r.bottom - r.top + 32 }, g);
      text(g, 12, r.top + 4, bandNames[band]);
      if (band < layerCount && DATA.layers[band].length > 1) text(g, 12, r.top + 20, "independent siblings", "members");
    });
  }

  function drawComponent(parent, n) {
    var name = n.name, comp = components[name];
    var cls = "node component" + (comp ? "" : " external") + (inCycle[name] ? " in-cycle" : "") + (n.inner ? " expanded" : "");
    var g = el("g", { "class": cls, "data-component": name, transform: "translate(" + (n.x - n.width / 2) + "," + (n.y - n.height / 2) + ")" }, parent);
    el("rect", { "class": "body", width: n.width, height: n.height, rx: 7 }, g);
    var title = el("title", {}, g);
    title.textContent = name;
    if (n.inner) {
      text(g, 10, 19, name, "name");
      drawInside(g, n.inner, 0, HEADER, name, n.x - n.width / 2, n.y - n.height / 2 + HEADER);
    } else {
      text(g, n.width / 2 - (comp && comp.modules.length > 1 ? 8 : 0), 20, name, "name", "middle");
      var meta = comp ? plural(comp.modules.length, "module") : "outside the packages";
      var evs = eventsOf[name] ? Object.keys(eventsOf[name]).length : 0;
      if (evs) meta += " \u00b7 " + plural(evs, "event");
      var line = text(g, n.width / 2, 37, meta, "meta", "middle");
      if (inCycle[name]) el("tspan", { "class": "badge" }, line).textContent = cycleBadge(name);
    }
    if (comp && comp.modules.length > 1) addToggle(g, n.width, name);
    g.addEventListener("click", function (ev) { ev.stopPropagation(); select("component", name); });
    g.addEventListener("dblclick", function (ev) { ev.stopPropagation(); toggle(name); });
  }

  function addToggle(g, width, name) {
    var t = text(g, width - 16, 17, expanded[name] ? "\u2212" : "+", "toggle", "middle");
    t.addEventListener("click", function (ev) { ev.stopPropagation(); toggle(name); });
  }

  function drawInside(parent, inner, ox, oy, prefix, ax, ay) {
    var lines = el("g", { "class": "edges" }, parent);
    inner.edges.forEach(function (e) {
      var from = e.from.slice(2), to = e.to.slice(2);
      var g = el("g", { "class": "dep internal", "data-level": "module", "data-from": from, "data-to": to, "data-sites": e.sites }, lines);
      var pts = e.points.map(function (p) { return { x: p.x + ox, y: p.y + oy }; });
      el("path", { "class": "line", d: smooth(pts), "stroke-width": 1 + Math.min(3, Math.log2(e.sites)), "marker-end": "url(#arrow-internal)" }, g);
      var t = el("title", {}, g);
      t.textContent = from + " \u2192 " + to + " (" + plural(e.sites, "site") + ")";
    });
    inner.children.forEach(function (c) {
      var k = c.kid;
      var cls = "node " + (k.group ? "group" : "module") + (c.inner ? " expanded" : "");
      placed[k.id] = { x: ax + c.x, y: ay + c.y, width: c.width, height: c.height };
      var g = el("g", { "class": cls, "data-module": k.group ? null : k.name, "data-package": k.group ? k.name : null,
        transform: "translate(" + (ox + c.x - c.width / 2) + "," + (oy + c.y - c.height / 2) + ")" }, parent);
      el("rect", { "class": "body", width: c.width, height: c.height, rx: k.group ? 6 : 4 }, g);
      var title = el("title", {}, g);
      title.textContent = k.name;
      if (c.inner) {
        text(g, 8, 19, k.label, "name");
        drawInside(g, c.inner, 0, HEADER, k.name, ax + c.x - c.width / 2, ay + c.y - c.height / 2 + HEADER);
      } else if (k.group) {
        text(g, c.width / 2 - 8, 16, k.label, "name", "middle");
        text(g, c.width / 2 - 8, 31, plural(modulesUnder(k.name).length, "module"), "meta", "middle");
      } else {
        text(g, c.width / 2, 17, k.label, "name", "middle");
      }
      if (k.group) addToggle(g, c.width, k.name);
      g.addEventListener("click", function (ev) { ev.stopPropagation(); select(k.group ? "package" : "module", k.name); });
      if (k.group) g.addEventListener("dblclick", function (ev) { ev.stopPropagation(); toggle(k.name); });
    });
  }

  function drawDependency(parent, l, labels) {
    var d = l.dep;
    if (!l.points) return;
    var violation = d.rules.length > 0;
    var cls = "dep" + (violation ? " violation" : "") + (d.sites === 0 ? " indirect" : "") + (l.quiet ? " quiet" : "");
    var g = el("g", { "class": cls, "data-level": "component", "data-from": d.from, "data-to": d.to, "data-sites": d.sites,
      "data-violation": violation ? d.rules.join(" ") : null, "data-closes": d.closes_total || null,
      "data-dep": d.from + "\u2192" + d.to }, parent);
    var path = l.d || smooth(l.points);
    var width = violation ? 2.2 + Math.min(3, Math.log2(1 + d.sites) / 1.5)
      : l.quiet ? 0.8 + Math.min(2.5, Math.log2(1 + d.sites) / 2.5) : 1 + Math.min(4, Math.log2(1 + d.sites) / 1.3);
    el("path", { "class": "line", d: path, "stroke-width": width.toFixed(2),
      "marker-end": violation ? "url(#arrow-red)" : l.quiet ? "url(#arrow-quiet)" : "url(#arrow)" }, g);
    el("path", { "class": "hit", d: path }, g);
    var m = l.at || midpoint(l.points);
    if (l.label) {
      // Labels sit above the boxes; they belong to the dependency all the same.
      var label = text(labels, m.x, m.y + 4, l.label, "dep-label" + (violation ? " violation" : ""), "middle");
      label.setAttribute("data-dep", d.from + "\u2192" + d.to);
      label.addEventListener("click", function (ev) { ev.stopPropagation(); select("dependency", d.from + "\u0000" + d.to); });
    }
    var t = el("title", {}, g);
    t.textContent = d.from + " \u2192 " + d.to + " (" + plural(d.sites, "site") + ")" + (violation ? " breaks " + d.rules.join(", ") : "") +
      (d.closes_total ? ", closes " + closesCount(d) + (d.closes_total === 1 && !d.closes_at_least ? " cycle" : " cycles") : "");
    g.addEventListener("click", function (ev) { ev.stopPropagation(); select("dependency", d.from + "\u0000" + d.to); });
  }

  // Where a module is drawn inside expanded boxes: itself, or the collapsed package holding it.
  var placed = {};
  function visibleId(m) {
    var at = componentOf[m];
    if (!at || !expanded[at]) return null;
    for (;;) {
      var kids = childrenOf(at), next = null;
      for (var i = 0; i < kids.length; i++) {
        if (kids[i].id === "m:" + m) return kids[i].id;
        if (kids[i].group && m.indexOf(kids[i].name + ".") === 0) next = kids[i];
      }
      if (!next) return null;
      if (!expanded[next.name]) return next.id;
      at = next.name;
    }
  }

  // Inside an expanded component, thin lines from the arrow's end to the modules it comes from or goes to.
  function drawPorts(parent, l) {
    // Quiet (allowed, in a big graph) dependencies get no ports: they would hide the violations'.
    if (!l.points || l.quiet || !(expanded[l.from] || expanded[l.to])) return;
    var d = l.dep, ends = {};
    d.evidence.forEach(function (e) {
      var a = visibleId(e.from), b = visibleId(e.to);
      if (a) ends["from\u0000" + a] = true;
      if (b) ends["to\u0000" + b] = true;
    });
    var g = el("g", { "class": "port" + (d.rules.length ? " violation" : ""), "data-dep": d.from + "\u2192" + d.to }, parent);
    Object.keys(ends).forEach(function (key) {
      var side = key.split("\u0000")[0], box = placed[key.split("\u0000")[1]];
      if (!box) return;
      var at = side === "from" ? l.points[0] : l.points[l.points.length - 1];
      var edge = border(box, at);
      el("path", { "class": "line", d: side === "from" ? "M" + edge.x + "," + edge.y + " L" + at.x + "," + at.y
        : "M" + at.x + "," + at.y + " L" + edge.x + "," + edge.y, "marker-end": side === "to" ? (d.rules.length ? "url(#arrow-red)" : "url(#arrow)") : null }, g);
    });
  }

  function drawFlow(g, l, nodes, selfCount) {
    var pts = l.points;
    if (l.self || !pts) {
      var n = nodes[l.from];
      if (!n) return;
      var k = selfCount[l.from] = (selfCount[l.from] || 0) + 1;
      var x = n.x + n.width / 2, y = n.y - n.height / 2 + 8 + (k - 1) * 10;
      var span = 22 + 8 * k;
      el("path", { "class": "line", d: "M" + x + "," + y + " C" + (x + span) + "," + (y - 6) + " " + (x + span) + "," + (y + 18) + " " + x + "," + (y + 12),
        "marker-end": l.loose ? null : "url(#arrow-event)" }, g);
      text(g, x + span + 2, y + 9, short(l.flow.event.id) + (l.loose ? (l.flow.event.consumers.length ? " (no publisher)" : " (no consumer)") : ""));
      return;
    }
    var path = l.d || smooth(pts);
    el("path", { "class": "line", d: path, "marker-end": "url(#arrow-event)" }, g);
    el("path", { "class": "hit", d: path }, g);
    var m = l.at || midpoint(pts);
    text(g, m.x, m.y + 4, l.label, null, "middle");
  }

  // ------------------------------------------------------------------ state and panel
  function toggle(name) {
    if (expanded[name]) delete expanded[name]; else expanded[name] = true;
    redraw();
  }
  function redraw() {
    draw();
    fit();
  }

  function applyState() {
    svg.querySelectorAll(".selected, .dimmed, .match, .cycle-hl").forEach(function (n) {
      n.classList.remove("selected", "dimmed", "match", "cycle-hl");
    });
    Object.keys(matches).forEach(function (m) {
      var hit = svg.querySelector('[data-module="' + cssEscape(m) + '"]');
      if (!hit) {
        var owner = componentOf[m];
        var prefix = deepestVisible(m);
        hit = prefix ? svg.querySelector(prefix === owner ? '[data-component="' + cssEscape(owner) + '"]' : '[data-package="' + cssEscape(prefix) + '"]') : null;
      }
      if (hit) hit.classList.add("match");
    });
    if (!selected) return;
    var k = selected.kind, key = selected.key, hops = {};
    if (k === "cycle") {
      var loop = loops[key].components;
      for (var i = 0; i + 1 < loop.length; i++) hops[loop[i] + "\u2192" + loop[i + 1]] = true;
    }
    // Everything drawn for a dependency carries data-dep="FROM→TO"; an event flow, data-event.
    svg.querySelectorAll("[data-dep], .flow").forEach(function (e) {
      var dep = e.getAttribute("data-dep"), ev = e.getAttribute("data-event"), keep, mark = null;
      if (k === "component") keep = dep ? dep.split("\u2192").indexOf(key) >= 0 : flowEnds(ev).indexOf(key) >= 0;
      else if (k === "dependency") { keep = dep === key.replace("\u0000", "\u2192"); mark = "selected"; }
      else if (k === "event") { keep = ev === key; mark = "selected"; }
      else if (k === "cycle") { keep = !!hops[dep]; mark = "cycle-hl"; }
      else keep = true;
      if (!keep) e.classList.add("dimmed");
      else if (mark && e.classList.contains(ev ? "flow" : "dep")) e.classList.add(mark);
    });
    var node = k === "component" ? svg.querySelector('[data-component="' + cssEscape(key) + '"]')
      : k === "module" || k === "package" ? svg.querySelector("[data-" + k + '="' + cssEscape(key) + '"]') : null;
    if (node) node.classList.add("selected");
  }
  function cssEscape(s) { return window.CSS && CSS.escape ? CSS.escape(s) : s.replace(/["\\]/g, "\\$&"); }
  function flowEnds(id) {
    var e = DATA.events.filter(function (x) { return x.id === id; })[0];
    return e ? e.publishers.concat(e.consumers).map(function (s) { return s.component; }) : [];
  }
  function deepestVisible(m) {
    var c = componentOf[m];
    if (!c) return null;
    var at = c;
    while (expanded[at]) {
      var next = childrenOf(at).filter(function (k) { return k.group && m.indexOf(k.name + ".") === 0; })[0];
      if (!next) break;
      at = next.name;
    }
    return at;
  }

  function select(kind, key) {
    selected = kind ? { kind: kind, key: key } : null;
    applyState();
    showPanel();
  }

  function h(tag, cls, value, parent) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (value !== undefined && value !== null) n.textContent = value;
    if (parent) parent.appendChild(n);
    return n;
  }
  function link(parent, label, onclick) {
    var a = h("span", "link", label, parent);
    a.addEventListener("click", onclick);
    return a;
  }
  function siteLine(parent, e) {
    var li = h("li", "site", null, parent);
    h("span", "where", e.file + ":" + e.line + (e.column ? ":" + e.column : ""), li);
    var what = e.from ? "  " + e.from + " \u2192 " + e.to : "  " + e.module;
    if (e.kind && e.kind !== "import") what += " [" + e.kind + "]";
    if (e.event) what += " event " + e.event;
    h("span", null, what, li);
    if (e.text) h("span", "code", e.text, li);
  }

  function showPanel() {
    panel.textContent = "";
    if (!selected) return overview();
    var k = selected.kind, key = selected.key;
    link(panel, "\u2190 overview", function () { select(null); });
    if (k === "component" || k === "package") componentPanel(key, k);
    else if (k === "module") modulePanel(key);
    else if (k === "dependency") dependencyPanel(key.split("\u0000"));
    else if (k === "event") eventPanel(key);
    else if (k === "cycle") cyclePanel(loops[key]);
  }

  function overview() {
    h("h2", null, "Architecture", panel);
    var bad = DATA.dependencies.filter(function (d) { return d.rules.length; });
    h("p", "muted", plural(DATA.components.length, "component") + ", " + plural(DATA.dependencies.length, "dependency").replace("dependencys", "dependencies") +
      ", " + plural(DATA.events.length, "event") + ". Click a component, an arrow or an event; double-click or + to expand.", panel);
    h("h3", null, "Violations (" + bad.length + ")", panel);
    var ul = h("ul", null, null, panel);
    bad.forEach(function (d) {
      var li = h("li", null, null, ul);
      d.rules.forEach(function (r) { h("span", "rule " + r, r, li); });
      link(li, d.from + " \u2192 " + d.to, function () { select("dependency", d.from + "\u0000" + d.to); });
      if (d.closes_total) h("span", "muted", "  closes \u21bb" + closesCount(d), li);
    });
    if (!bad.length) h("li", "muted", "none", ul);
    // Cycle violations: the loops no violation above closes.
    h("h3", null, "Cycles (" + DATA.cycles.length + ")", panel);
    ul = h("ul", null, null, panel);
    DATA.cycles.forEach(function (c, i) {
      var li = h("li", null, null, ul);
      if (c.choreography) h("span", "rule cycle", "events", li);
      link(li, c.components.join(" \u2192 "), function () { select("cycle", i); });
    });
    var closed = loopTotal - DATA.cycles.length;
    if (closed) {
      h("li", "muted", (DATA.cycles.length ? "and " : "none of their own: ") + (allListed ? "" : "at least ") +
        plural(closed, "loop") + " through the violations above, listed under them (\u21bb)", ul);
    } else if (!DATA.cycles.length) h("li", "muted", "none", ul);
    h("h3", null, "Events (" + DATA.events.length + ")", panel);
    ul = h("ul", null, null, panel);
    DATA.events.forEach(function (e) {
      var li = h("li", null, null, ul);
      link(li, e.id, function () { select("event", e.id); });
      h("span", "muted", " " + e.publishers.length + " \u2192 " + e.consumers.length, li);
    });
    if (!DATA.events.length) h("li", "muted", "none", ul);
  }

  function componentPanel(name, kind) {
    var owner = ownerOf(name) || name;
    h("h2", null, name, panel);
    var c = components[owner];
    if (kind === "component" && !c) { h("p", "muted", "Outside the analysed packages.", panel); }
    if (c) {
      h("p", "muted", (c.layer ? "layer " + c.layer : "in no layer") + (kind === "package" ? " \u00b7 package of " + owner : ""), panel);
      link(panel, expanded[name] ? "collapse" : "expand", function () { toggle(name); showPanel(); });
    }
    var mine = function (m) { return m === name || m.indexOf(name + ".") === 0; };
    [["Depends on", "from", "to"], ["Depended on by", "to", "from"]].forEach(function (side) {
      var deps = DATA.dependencies.filter(function (d) { return kind === "component" ? d[side[1]] === name : d.evidence.some(function (e) { return mine(e[side[1]]); }); });
      h("h3", null, side[0] + " (" + deps.length + ")", panel);
      var ul = h("ul", null, null, panel);
      deps.forEach(function (d) {
        var li = h("li", null, null, ul);
        d.rules.forEach(function (r) { h("span", "rule " + r, r, li); });
        link(li, d[side[2]], function () { select("dependency", d.from + "\u0000" + d.to); });
        h("span", "muted", " " + plural(d.sites, "site"), li);
      });
    });
    if (c) {
      var mods = c.modules.filter(mine);
      h("h3", null, "Modules (" + mods.length + ")", panel);
      var ul = h("ul", "site", null, panel);
      mods.forEach(function (m) { link(h("li", null, null, ul), m, function () { reveal(m); }); });
    }
  }

  function modulePanel(m) {
    h("h2", null, m, panel);
    h("p", "muted", "in " + componentOf[m], panel);
    [["Imports and depends on", "from"], ["Depended on by", "to"]].forEach(function (side) {
      var sites = [];
      DATA.dependencies.forEach(function (d) { d.evidence.forEach(function (e) { if (e[side[1]] === m) sites.push(e); }); });
      var internal = components[componentOf[m]].internal.filter(function (d) { return d[side[1]] === m; });
      h("h3", null, side[0] + " (" + (sites.length + internal.length) + ")", panel);
      var ul = h("ul", null, null, panel);
      sites.forEach(function (e) { siteLine(ul, e); });
      internal.forEach(function (d) { h("li", "site", d.from + " \u2192 " + d.to + "  (" + plural(d.sites, "site") + ", same component)", ul); });
    });
  }

  function dependencyOf(a, b) {
    return DATA.dependencies.filter(function (x) { return x.from === a && x.to === b; })[0];
  }
  function dependencyPanel(ends) {
    var d = dependencyOf(ends[0], ends[1]);
    if (!d) return;
    h("h2", null, d.from + " \u2192 " + d.to, panel);
    var kinds = Object.keys(d.kinds).map(function (k) { return d.kinds[k] + " " + k; }).join(", ");
    h("p", "muted", d.sites ? plural(d.sites, "site") + " (" + kinds + ")" : "no direct site: through modules outside every component", panel);
    var listed = loopsOf[d.from + "\u0000" + d.to] || [], next = 0;
    d.violations.forEach(function (v) {
      var p = h("div", null, null, panel);
      h("span", "rule " + v.rule, v.rule, p);
      h("span", null, v.message, p);
      var ul = h("ul", null, null, panel);
      v.evidence.forEach(function (e) { siteLine(ul, e); });
      if (v.closes) {
        // The loops this violation closes, as check lists them under it; click one to see it.
        h("h3", null, "Closes " + (v.closes_at_least ? "at least " : "") + plural(v.closes_total || v.closes.length, "cycle"), panel);
        ul = h("ul", "loops", null, panel);
        v.closes.forEach(function () {
          var at = listed[next++], li = h("li", null, null, ul);
          if (loops[at].events.length) h("span", "rule cycle", "events", li);
          link(li, loops[at].components.join(" \u2192 "), function () { select("cycle", at); });
        });
        var more = (v.closes_total || v.closes.length) - v.closes.length;
        if (more > 0) h("li", "muted", "\u2026 " + (v.closes_at_least ? "at least " : "") + more + " more", ul);
      }
      if (v.hint) h("div", "hint", "hint: " + v.hint, panel);
    });
    if (d.evidence.length) {
      h("h3", null, "Every site (" + d.evidence.length + ")", panel);
      var ul = h("ul", null, null, panel);
      d.evidence.forEach(function (e) { siteLine(ul, e); });
    }
  }

  function eventPanel(id) {
    var e = DATA.events.filter(function (x) { return x.id === id; })[0];
    if (!e) return;
    h("h2", null, e.id, panel);
    h("p", "muted", e.kind + " \u00b7 owner: " + (e.owner || "none") + (e.owner_component ? " (" + e.owner_component + ")" : "") + (e.external ? ", outside the analysed packages" : ""), panel);
    [["Published by", e.publishers], ["Consumed by", e.consumers]].forEach(function (side) {
      h("h3", null, side[0] + " (" + side[1].length + ")", panel);
      var ul = h("ul", null, null, panel);
      side[1].forEach(function (s) { siteLine(ul, s); });
      if (!side[1].length) h("li", "muted", "nothing in the analysed code", ul);
    });
  }

  function cyclePanel(c) {
    h("h2", null, c.components.join(" \u2192 "), panel);
    if (c.standalone) {
      h("span", "rule cycle", "cycle", panel);
      h("span", null, c.message, panel);
      h("p", "muted", "located at the hop " + c.cut.join(" \u2192 "), panel);
    } else {
      var p = h("p", null, "Listed under the violation that closes it: ", panel);
      link(p, c.cut.join(" \u2192 "), function () { select("dependency", c.cut[0] + "\u0000" + c.cut[1]); });
      if (c.events.length) h("p", "muted", "a choreography through events " + c.events.join(", "), panel);
    }
    h("h3", null, "Hops", panel);
    var ul = h("ul", null, null, panel);
    for (var i = 0; i + 1 < c.components.length; i++) {
      (function (a, b) {
        var li = h("li", null, null, ul), hop = a + " \u2192 " + b;
        if (dependencyOf(a, b)) link(li, hop, function () { select("dependency", a + "\u0000" + b); });
        else h("span", null, hop + "  (through modules outside every component)", li);
      })(c.components[i], c.components[i + 1]);
    }
  }

  // Expand the packages down to a module and select it.
  function reveal(m) {
    var c = componentOf[m];
    if (!c) return;
    if (components[c].modules.length > 1) {
      expanded[c] = true;
      var at = c;
      for (;;) {
        var next = childrenOf(at).filter(function (k) { return k.group && m.indexOf(k.name + ".") === 0; })[0];
        if (!next) break;
        expanded[next.name] = true;
        at = next.name;
      }
    }
    redraw();
    select(components[c].modules.length > 1 ? "module" : "component", components[c].modules.length > 1 ? m : c);
  }

  // ------------------------------------------------------------------ search
  var search = document.getElementById("search");
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    matches = {};
    if (q) Object.keys(componentOf).forEach(function (m) { if (m.toLowerCase().indexOf(q) >= 0) matches[m] = true; });
    applyState();
    if (!q) return showPanel();
    panel.textContent = "";
    var found = Object.keys(matches).sort();
    h("h2", null, plural(found.length, "module") + " match \u201c" + q + "\u201d", panel);
    var ul = h("ul", "site", null, panel);
    found.slice(0, 300).forEach(function (m) {
      var li = h("li", null, null, ul);
      link(li, m, function () { reveal(m); });
      h("span", "muted", "  " + componentOf[m], li);
    });
    var outside = DATA.unassigned.filter(function (m) { return m.toLowerCase().indexOf(q) >= 0; });
    if (outside.length) h("p", "muted", "In no component: " + outside.join(", "), panel);
  });
  document.getElementById("expand-all").addEventListener("click", function () {
    Object.keys(components).forEach(function (c) { if (components[c].modules.length > 1) expanded[c] = true; });
    redraw();
  });
  document.getElementById("collapse-all").addEventListener("click", function () { expanded = {}; redraw(); });

  // ------------------------------------------------------------------ pan and zoom
  var size = { w: 0, h: 0 };
  function applyView() {
    if (drawing) drawing.setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.scale + ")");
  }
  function fit() {
    drawing.removeAttribute("transform");
    var box = drawing.getBBox();
    var w = canvas.clientWidth || 1200, hgt = canvas.clientHeight || 800;
    var s = Math.min((w - 16) / box.width, (hgt - 16) / box.height, 1.6);
    view.scale = Math.max(s, 0.05);
    view.x = (w - box.width * view.scale) / 2 - box.x * view.scale;
    view.y = Math.max(8, (hgt - box.height * view.scale) / 2) - box.y * view.scale;
    size = { w: box.width, h: box.height };
    applyView();
  }
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = canvas.getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top;
    var f = Math.exp(-ev.deltaY * 0.0015);
    view.x = px - (px - view.x) * f; view.y = py - (py - view.y) * f; view.scale *= f;
    applyView();
  }, { passive: false });
  var drag = null;
  canvas.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false }; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) { drag.moved = true; canvas.classList.add("dragging"); }
    view.x = drag.vx + ev.clientX - drag.x; view.y = drag.vy + ev.clientY - drag.y;
    applyView();
  });
  window.addEventListener("mouseup", function () { drag = null; canvas.classList.remove("dragging"); });
  svg.addEventListener("click", function () { if (selected) select(null); });
  window.addEventListener("resize", function () { if (size.w) fit(); });

  // ------------------------------------------------------------------ start
  var legend = document.getElementById("legend");
  [["#8c959f", "", "import (width: sites)"], ["#d0312d", "", "breaks a rule"], ["#7b3fe4", "6 3", "event flow"], ["#e8890c", "", "\u21bb in a cycle"]].forEach(function (item) {
    var span = h("span", null, null, legend);
    var s = el("svg", { width: 26, height: 10 }, null);
    el("line", { x1: 1, y1: 5, x2: 25, y2: 5, stroke: item[0], "stroke-width": 2.5, "stroke-dasharray": item[1] || null }, s);
    span.appendChild(s);
    span.appendChild(document.createTextNode(item[2]));
  });
  var bad = DATA.dependencies.filter(function (d) { return d.rules.length; }).length;
  // What there is, shortest first; a count of none is left out.
  document.getElementById("summary").textContent = [plural(DATA.components.length, "component"),
    bad ? plural(bad, "violating dependency").replace("dependencys", "dependencies") : "no violation",
    loopTotal ? (allListed ? "" : "at least ") + plural(loopTotal, "cycle") : "",
    DATA.events.length ? plural(DATA.events.length, "event") : ""].filter(Boolean).join(" \u00b7 ");
  // Tests and scripts may expand components before reading the DOM: ?expand=a,b or #expand=a,b.
  var wanted = /(?:[?#&])expand=([^&#]*)/.exec(location.search + location.hash);
  if (wanted) decodeURIComponent(wanted[1]).split(",").forEach(function (n) {
    if (n === "*") Object.keys(components).forEach(function (c) { if (components[c].modules.length > 1) expanded[c] = true; });
    else if (n) expanded[n] = true;
  });
  redraw();
  showPanel();
  document.body.setAttribute("data-ready", "true");
})();
