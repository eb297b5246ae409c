"""The architecture map in headless Chromium: after the page's scripts ran, every component,
violation, loop and event flow is in the DOM with its data- attributes, no request left the page,
and the screenshot shows a drawing (its pixels, decoded)."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from depcheck.cli import main
from tests.chromium import Browser, executable
from tests.conftest import DJANGO_CONFIG
from tests.test_map import INDIRECT_CYCLE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# What the page drew, read from the DOM by the hooks the README documents.
DRAWN = """JSON.stringify({
  components: [...document.querySelectorAll("#map [data-component]")].map(e => e.dataset.component),
  dependencies: [...document.querySelectorAll('#map [data-level="component"][data-from]')]
    .map(e => [e.dataset.from, e.dataset.to, e.dataset.violation || "", e.dataset.closes || ""]),
  events: [...document.querySelectorAll("#map [data-event]")].map(e => e.dataset.event),
  modules: [...document.querySelectorAll("#map [data-module]")].map(e => e.dataset.module),
  cycled: [...document.querySelectorAll("#map [data-component].in-cycle")].map(e => e.dataset.component),
})"""
CLICK = "(el => el.dispatchEvent(new MouseEvent('click', {bubbles: true})))"
PANEL = "document.getElementById('panel').innerText"


def run(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(list(argv))
    return out.getvalue()


@pytest.fixture(scope="module")
def browser():
    path = executable()
    if path is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (.ci/run installs it)")
    with Browser(path) as opened:
        yield opened


def write_map(root: Path, target: Path) -> tuple[Path, dict, list[dict]]:
    """The map of ``root`` and what it must show: the graph document and check's violations."""
    violations = json.loads(run("check", "--format", "json", str(root)))["violations"]
    assert main(["map", str(root), "-o", str(target)]) == 0
    document = json.loads(run("graph", "--format", "json", "--components", str(root)))
    return target, document, violations


def open_map(browser: Browser, page: Path, query: str = "") -> dict:
    url = page.resolve().as_uri()
    browser.open(url + query)
    assert browser.errors() == []
    # Every request the page made (from the browser's network events): only the page itself.
    assert browser.requests() == [url + query]
    return json.loads(browser.evaluate(DRAWN))


def assert_everything_drawn(drawn: dict, document: dict, violations: list[dict]) -> None:
    components = {c["name"] for c in document["components"]}
    outside = {n for d in document["dependencies"] for n in (d["from"], d["to"])} - components
    assert sorted(drawn["components"]) == sorted(components | outside)
    shown = {(a, b): (set(rules.split()), closes) for a, b, rules, closes in drawn["dependencies"]}
    assert len(drawn["dependencies"]) == len(shown) == len(document["dependencies"])
    for d in document["dependencies"]:
        assert shown[(d["from"], d["to"])] == (set(d["rules"]), str(d["closes_total"] or ""))
    # Every violation check reports for a dependency is on a drawn element with its rule, and the
    # one that lists loops carries how many it closes.
    judged = [v for v in violations if v["rule"] in ("layer", "independence", "cycle", "forbidden")]
    assert judged
    for violation in judged:
        (pair,) = [(d["from"], d["to"]) for d in document["dependencies"] if violation in d["violations"]]
        rules, closes = shown[pair]
        assert violation["rule"] in rules
        if "closes" in violation:
            assert int(closes) >= violation.get("closes_total", len(violation["closes"]))
    # Cycles highlighted: a component is marked when a cycle violation or a listed loop runs through it.
    loops = [c["components"] for c in document["cycles"]] + [
        loop for d in document["dependencies"] for loop in d["closes"]]
    assert sorted(drawn["cycled"]) == sorted({c for loop in loops for c in loop})
    assert sorted(set(drawn["events"])) == sorted(e["id"] for e in document["events"])


def assert_layers_top_to_bottom(browser: Browser, document: dict) -> None:
    """Every component of a higher layer is drawn above every component of a lower one."""
    tops = json.loads(browser.evaluate(
        "JSON.stringify(Object.fromEntries([...document.querySelectorAll('#map [data-component]')]"
        ".map(e => [e.dataset.component, [e.getBoundingClientRect().top, e.getBoundingClientRect().bottom]])))"))
    layers: dict[int, list[str]] = {}
    for component in document["components"]:
        if component["layer"]:
            layers.setdefault(component["layer"], []).append(component["name"])
    ordered = [layers[n] for n in sorted(layers)]
    for higher, lower in zip(ordered, ordered[1:]):
        assert max(tops[c][1] for c in higher) < min(tops[c][0] for c in lower), (higher, lower)


def assert_picture(browser: Browser, *, violet: bool) -> dict:
    stats = browser.pixel_stats(browser.screenshot())
    assert (stats["width"], stats["height"]) == (1600, 1000)
    assert stats["colors"] > 40 and stats["ink"] > 0.02, stats  # not blank, not one flat colour
    assert stats["red"] > 300, stats  # violations are drawn in red
    assert stats["orange"] > 300, stats  # components in cycles are outlined in orange
    if violet:
        assert stats["violet"] > 300, stats  # event flows in violet
    return stats


@pytest.fixture(scope="module")
def shop_map(tmp_path_factory) -> tuple[Path, dict, list[dict]]:
    root = tmp_path_factory.mktemp("map") / "shop"
    shutil.copytree(FIXTURES / "shop", root)
    return write_map(root, root.parent / "shop.html")


def test_the_shop_map(browser, shop_map):
    page, document, violations = shop_map
    drawn = open_map(browser, page)
    assert_everything_drawn(drawn, document, violations)
    assert drawn["modules"] == []  # collapsed by default
    # One cause, one finding: the shop's 6 loops are listed under its 3 violations.
    assert sorted(closes for *_, closes in drawn["dependencies"] if closes) == ["1", "2", "3"]
    assert document["cycles"] == []
    assert_layers_top_to_bottom(browser, document)
    assert_picture(browser, violet=False)


def test_clicks_show_evidence_and_loops_expand_search_finds_modules(browser, shop_map):
    page = shop_map[0]
    open_map(browser, page)
    browser.evaluate(f"{CLICK}(document.querySelector('[data-from=\"shop.shared\"][data-to=\"shop.api\"] path'))")
    text = browser.evaluate(PANEL)
    # The evidence the text report shows: file:line:col, the modules, the source line.
    assert "shop/shared/formatting.py:2:5" in text and "shop.shared.formatting → shop.api.views" in text
    assert "from shop.api.views import render  # the shared kernel reaching up into the API" in text
    assert "must not depend on the higher layer shop.api (layer 1); it closes 3 cycles" in text
    # The loops it closes, as check lists them under it; one clicked is highlighted hop by hop.
    loops = json.loads(browser.evaluate("JSON.stringify([...document.querySelectorAll('#panel .loops li')]"
                                        ".map(e => e.innerText))"))
    assert loops == [
        "shop.api → shop.customers → shop.shared → shop.api",
        "shop.api → shop.orders → shop.shared → shop.api",
        "shop.api → shop.orders → shop.inventory → shop.shared → shop.api",
    ]
    browser.evaluate(f"{CLICK}(document.querySelectorAll('#panel .loops .link')[2])")
    assert "Listed under the violation that closes it: shop.shared → shop.api" in browser.evaluate(PANEL)
    marked = json.loads(browser.evaluate(
        "JSON.stringify([...document.querySelectorAll('#map .dep.cycle-hl')].map(e => e.dataset.dep).sort())"))
    assert marked == ["shop.api→shop.orders", "shop.inventory→shop.shared", "shop.orders→shop.inventory",
                      "shop.shared→shop.api"]
    browser.evaluate(f"{CLICK}(document.querySelector('[data-component=\"shop.inventory\"] .toggle'))")
    drawn = json.loads(browser.evaluate(DRAWN))
    assert sorted(drawn["modules"]) == ["shop.inventory", "shop.inventory.stock"]
    browser.evaluate("(s => { s.value = 'money'; s.dispatchEvent(new Event('input')); })"
                     "(document.getElementById('search'))")
    assert "shop.shared.money" in browser.evaluate(PANEL)
    assert browser.evaluate("document.querySelector('[data-component=\"shop.shared\"]').classList.contains('match')")
    assert browser.requests() == [page.resolve().as_uri()]


def test_a_saga_map_draws_event_flows_and_the_choreography_it_closes(browser, tmp_path):
    root = tmp_path / "saga"
    shutil.copytree(FIXTURES / "saga_choreography", root)
    page, document, violations = write_map(root, tmp_path / "saga.html")
    drawn = open_map(browser, page)
    assert_everything_drawn(drawn, document, violations)
    assert len(document["events"]) == 3
    assert ["shop.customers", "shop.orders", "layer", "1"] in drawn["dependencies"]
    assert_picture(browser, violet=True)  # (the picture is decoded on a blank page)
    expanded = open_map(browser, page, "?expand=*")
    assert "shop.orders.service" in expanded["modules"]
    assert_everything_drawn(expanded, document, violations)
    browser.evaluate(f"{CLICK}(document.querySelector('[data-from=\"shop.customers\"][data-to=\"shop.orders\"] path'))")
    loop = json.loads(browser.evaluate("JSON.stringify([...document.querySelectorAll('#panel .loops li > *')]"
                                       ".map(e => [e.className, e.innerText]))"))
    assert loop == [["rule cycle", "events"], ["link", "shop.customers → shop.orders → shop.customers"]]


def test_a_cycle_no_violation_closes_is_drawn_on_its_hop(browser, project, tmp_path):
    root = project(INDIRECT_CYCLE)
    page, document, violations = write_map(root, tmp_path / "cycle.html")
    drawn = open_map(browser, page)
    assert_everything_drawn(drawn, document, violations)
    assert ["app.a", "app.b", "cycle", ""] in drawn["dependencies"]
    assert browser.evaluate("document.querySelector('[data-from=\"app.a\"][data-to=\"app.b\"]')"
                            ".classList.contains('indirect')")
    text = browser.evaluate(PANEL)
    assert "CYCLES (1)\napp.a → app.b → app.a" in text


@pytest.fixture(scope="module")
def django_map(django_source, tmp_path_factory):
    """Django's map and what it must show, from one run of the pipeline (the CLI is tested on the shop)."""
    from depcheck.config import load_config
    from depcheck.pictures import snapshot
    from depcheck.pipeline import run as run_pipeline
    from depcheck.report import GRAPH_FORMATS, graphs, json_report

    root = tmp_path_factory.mktemp("django-map")
    shutil.copytree(django_source / "django", root / "django")
    (root / "pyproject.toml").write_text(DJANGO_CONFIG)
    result = run_pipeline(load_config(root / "pyproject.toml"), use_cache=False)
    violations = json.loads(json_report.render(result.violations, result.summary))["violations"]
    drawn = snapshot(result.config, result.graph, result.violations, components=True)
    page = root / "django.html"
    page.write_text(GRAPH_FORMATS["html"](drawn), encoding="utf-8")
    return page, graphs.document(drawn), violations


def test_the_django_map(browser, django_map):
    page, document, violations = django_map
    assert len(document["components"]) == 16 and sum(len(c["modules"]) for c in document["components"]) > 800
    assert len(document["events"]) >= 15
    assert sum(1 for d in document["dependencies"] if d["closes_total"]) >= 20
    drawn = open_map(browser, page)
    assert_everything_drawn(drawn, document, violations)
    assert drawn["modules"] == []
    assert_layers_top_to_bottom(browser, document)
    assert_picture(browser, violet=True)
    expanded = open_map(browser, page, "?expand=django.db")
    assert_everything_drawn(expanded, document, violations)
    assert browser.evaluate("document.querySelectorAll('[data-package^=\"django.db.\"]').length") >= 3


def test_without_layers_dagre_ranks_the_components_by_their_dependencies(browser, project, tmp_path):
    root = project({
        "pyproject.toml": '[tool.depcheck]\npackages = ["app"]\n',
        "app/__init__.py": "",
        "app/a/__init__.py": "from app.b import x\n",
        "app/b/__init__.py": "from app.c import y\n",
        "app/c/__init__.py": "x = y = 1\n",
    })
    page, document, _ = write_map(root, tmp_path / "plain.html")
    drawn = open_map(browser, page)
    assert sorted(drawn["components"]) == ["app.a", "app.b", "app.c"]
    assert sorted((a, b) for a, b, *_ in drawn["dependencies"]) == [("app.a", "app.b"), ("app.b", "app.c")]
    tops = browser.evaluate("JSON.stringify(['app.a', 'app.b', 'app.c'].map(n => "
                            "document.querySelector(`[data-component='${n}']`).getBoundingClientRect().top))")
    assert json.loads(tops) == sorted(json.loads(tops))  # the dependency order, top to bottom
