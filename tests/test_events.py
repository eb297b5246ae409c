"""Events end to end: owners, publish/consume edges through every rule, the catalog, hygiene."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from depcheck.cli import main
from tests.conftest import run_events, run_json, sites, write_project

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def copy_fixture(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, tmp_path / name))


def config(*lines: str, presets: str = '["bus"]') -> str:
    return "\n".join([
        "[tool.depcheck]", 'packages = ["app"]', 'layers = ["app.high", "app.low"]',
        "[tool.depcheck.events]", f"presets = {presets}", *lines, "",
    ])


def app(toml: str, **files: str) -> dict[str, str]:
    base = {
        "pyproject.toml": toml, "app/__init__.py": "", "app/high/__init__.py": "",
        "app/low/__init__.py": "", "app/bus.py": "def publish(e): ...\ndef subscribe(t): ...\n",
    }
    base.update({k if "/" in k else k.replace("__", "/") + ".py": v for k, v in files.items()})
    return base


# --------------------------------------------------------------------------- the seed's sagas


def test_choreography_is_one_upward_layer_violation_that_closes_a_choreography_cycle(tmp_path):
    code, doc = run_json(copy_fixture("saga_choreography", tmp_path))
    assert code == 1
    (layer,) = doc["violations"]  # one cause, one finding: the loop is listed under it
    assert layer["rule"] == "layer"
    assert (layer["source"], layer["target"]) == ("shop.customers", "shop.orders")
    consume = [e for e in layer["evidence"] if e["kind"] == "consume"]
    assert consume == [{
        "kind": "consume", "from": "shop.customers.credit", "to": "shop.orders.events",
        "file": "shop/customers/credit.py", "line": 10, "column": 2, "text": "@subscribe(OrderCreated)",
        "event": "shop.orders.events.OrderCreated",
    }]
    assert "orchestration" in layer["hint"]
    assert layer["closes"] == [["shop.customers", "shop.orders", "shop.customers"]]
    assert "closes_total" not in layer  # every loop is listed
    events = ["shop.customers.events.CreditLimitExceeded", "shop.customers.events.CreditReserved",
              "shop.orders.events.OrderCreated"]
    assert layer["closes_events"] == [events]
    assert layer["message"].endswith("; it closes 1 cycle, a choreography through events " + ", ".join(events))


def test_orchestration_is_clean_and_its_catalog_is_complete(tmp_path):
    root = copy_fixture("saga_orchestration", tmp_path)
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])
    events = run_events(root)
    assert sorted(events) == [
        "shop.customers.events.CreditLimitExceeded",
        "shop.customers.events.CreditReserved",
        "shop.customers.events.ReserveCredit",
    ]
    assert {e["owner"] for e in events.values()} == {"shop.customers.events"}
    command = events["shop.customers.events.ReserveCredit"]
    assert sites(command, "publishers") == [("shop.orders.saga", 15)]
    assert sites(command, "consumers") == [("shop.customers.credit", 9)]
    assert command["publishers"][0]["file"] == "shop/orders/saga.py"
    for reply in ("CreditReserved", "CreditLimitExceeded"):
        event = events[f"shop.customers.events.{reply}"]
        assert [m for m, _ in sites(event, "publishers")] == ["shop.customers.credit"]
        assert [m for m, _ in sites(event, "consumers")] == ["shop.orders.saga"]


def test_orchestration_edges_all_point_down(tmp_path):
    root = copy_fixture("saga_orchestration", tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["graph", "--format", "json", str(root)]) == 0
    edges = {(e["from"], e["to"], e["kind"]) for e in json.loads(out.getvalue())["edges"]}
    assert ("shop.orders.saga", "shop.customers.events", "publish") in edges
    assert ("shop.orders.saga", "shop.customers.events", "consume") in edges
    # customers speaks only its own language: none of its edges leaves its package.
    leaving = {b for a, b, _ in edges if a.startswith("shop.customers")}
    assert all(b.startswith(("shop.customers", "shop.shared")) for b in leaving)


def test_shared_event_module_with_configured_owners_still_shows_the_choreography(tmp_path):
    code, doc = run_json(copy_fixture("saga_shared_events", tmp_path))
    assert code == 1
    (layer,) = doc["violations"]
    assert layer["message"].startswith("shop.customers.credit consumes an event of shop.orders")
    assert layer["evidence"][0]["event"] == "shop.shared.events.OrderCreated"
    # No import shows the loop: it runs through event edges to the configured owners' packages.
    assert layer["closes"] == [["shop.customers", "shop.orders", "shop.customers"]]
    assert "choreography" in layer["message"]
    assert set(layer["closes_events"][0]) >= {"shop.shared.events.OrderCreated"}


def test_shared_events_without_owners_are_clean(tmp_path):
    # The same code without ownership: the shared module owns everything, no cycle is visible.
    root = copy_fixture("saga_shared_events", tmp_path)
    toml = root / "pyproject.toml"
    toml.write_text(toml.read_text().split("# Every event class")[0])
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])


# --------------------------------------------------------------------------- edges and owners


def test_consume_edge_up_the_layers_is_a_layer_violation(project):
    root = project(app(
        config(),
        app__high__events="class Placed: ...\n",
        app__low__listener="from app.bus import subscribe\nfrom app.high import events\n\n"
                           "@subscribe(events.Placed)\ndef on(e): ...\n",
    ))
    code, doc = run_json(root, "--config", str(root / "pyproject.toml"))
    assert code == 1
    (layer,) = [v for v in doc["violations"] if v["rule"] == "layer"]
    assert [(e["kind"], e.get("event")) for e in layer["evidence"]] == [
        ("import", None), ("consume", "app.high.events.Placed"), ("use", None),
    ]


def test_publishing_an_event_you_own_makes_no_edge_but_someone_elses_does(project):
    root = project(app(
        config('[tool.depcheck.events.owners]', '"app.high.events.*" = "app.high"'),
        app__high__events="class Placed: ...\n",
        app__high__service="from app.bus import publish\nfrom app.high.events import Placed\n\n"
                           "def place():\n    publish(Placed())\n",
        app__low__worker="from app.bus import publish\nfrom app.high.events import Placed\n\n"
                         "def f():\n    publish(Placed())\n",
    ))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["graph", "--format", "json", str(root)])
    publish = [e for e in json.loads(out.getvalue())["edges"] if e["kind"] == "publish"]
    assert [(e["from"], e["to"], e["line"]) for e in publish] == [("app.low.worker", "app.high", 5)]
    code, doc = run_json(root)
    errors = [v for v in doc["violations"] if v["severity"] == "error"]
    assert code == 1 and {v["rule"] for v in errors} == {"layer"}


def test_owner_package_without_init_points_at_its_first_module(project):
    files = app(
        config('[tool.depcheck.events.owners]', '"orders.*" = "app.high"', presets='["kafka"]'),
        app__high__a="", app__low__c='from kafka import KafkaProducer\nproducer = KafkaProducer()\nproducer.send("orders.created")\n',
    )
    # Only above the first regular package are folders without __init__.py part
    # of the code (inside one they are not imported under its name): make `app` a
    # namespace package so `app.high` is an init-less package that still counts.
    del files["app/high/__init__.py"]
    del files["app/__init__.py"]
    code, doc = run_json(project(files))
    (layer,) = [v for v in doc["violations"] if v["rule"] == "layer"]
    assert layer["evidence"][0]["to"] == "app.high.a"
    assert layer["message"].startswith("app.low.c publishes an event owned by app.high.a:")


# --------------------------------------------------------------------------- resolution across files


def test_reexports_relative_imports_and_aliases_resolve_to_the_defining_module(project):
    root = project(app(
        config(),
        app__high__events="class Placed: ...\nclass Paid: ...\n",
        **{"app/high/__init__.py": "from .events import Placed as OrderPlaced\n"},
        app__high__x="from . import events as ev\nfrom app import bus\n\nbus.publish(ev.Paid)\n",
        app__low__y="import app.bus as b\nfrom app.high import OrderPlaced\n\n"
                    "b.subscribe(OrderPlaced)(print)\n",
    ))
    events = run_events(root)
    assert sorted(events) == ["app.high.events.Paid", "app.high.events.Placed"]
    assert sites(events["app.high.events.Placed"], "consumers") == [("app.low.y", 4)]
    assert sites(events["app.high.events.Paid"], "publishers") == [("app.high.x", 4)]
    assert events["app.high.events.Placed"]["owner"] == "app.high.events"


def test_topic_constants_from_another_module_are_topics(project):
    root = project(app(
        config('[tool.depcheck.events.owners]', '"orders.*" = "app.high"', presets='["kafka"]'),
        app__high__topics='ORDERS = "orders.created"\n',
        app__high__p="from kafka import KafkaProducer\nfrom app.high.topics import ORDERS\n\n"
                     "def f(producer: KafkaProducer):\n    producer.send(ORDERS, b'')\n",
        app__low__c="from kafka import KafkaConsumer\nfrom app.high import topics\n\n"
                    "consumer = KafkaConsumer(topics.ORDERS)\n",
    ))
    events = run_events(root)
    assert list(events) == ["orders.created"]
    assert events["orders.created"]["kind"] == "topic"
    assert events["orders.created"]["owner"] == "app.high"
    assert sites(events["orders.created"], "publishers") == [("app.high.p", 5)]
    assert sites(events["orders.created"], "consumers") == [("app.low.c", 4)]


# --------------------------------------------------------------------------- declarations


def test_inline_declarations_make_the_same_edges(project):
    root = project(app(
        config('[tool.depcheck.events.owners]', '"orders.*" = "app.high"'),
        app__high__p="# depcheck: publishes orders.created\n",
        app__low__c="def handler(message):  # depcheck: consumes orders.created, orders.paid\n    ...\n",
    ))
    code, doc = run_json(root)
    (layer,) = [v for v in doc["violations"] if v["rule"] == "layer"]
    assert [(e["kind"], e["event"], e["file"], e["line"]) for e in layer["evidence"]] == [
        ("consume", "orders.created", "app/low/c.py", 1), ("consume", "orders.paid", "app/low/c.py", 1),
    ]
    warnings = [v for v in doc["violations"] if v["rule"] == "event-not-published"]
    assert [w["evidence"][0]["event"] for w in warnings] == ["orders.paid"]


def test_config_declarations_make_the_same_edges_located_in_the_config(project):
    toml = config(
        '[tool.depcheck.events.owners]', '"orders.*" = "app.high"',
        '[tool.depcheck.events.declare."app.low"]', 'consumes = ["orders.created"]',
        '[tool.depcheck.events.declare."app.high.p"]', 'publishes = ["orders.created"]',
    )
    root = project(app(toml, app__high__p=""))
    code, doc = run_json(root)
    assert code == 1
    (layer,) = doc["violations"]
    assert layer["rule"] == "layer"
    (evidence,) = layer["evidence"]
    assert (evidence["kind"], evidence["file"], evidence["line"], evidence["event"]) == (
        "consume", "pyproject.toml", 9, "orders.created",
    )
    assert (evidence["from"], evidence["to"]) == ("app.low", "app.high")


# --------------------------------------------------------------------------- hygiene


def test_hygiene_warnings(project):
    root = project(app(
        config(presets='["kafka"]'),
        app__low__p='from kafka import KafkaProducer\n\ndef f(producer: KafkaProducer):\n    producer.send("audit.log", b"")\n',
        app__low__c='from kafka import KafkaConsumer\n\nc = KafkaConsumer("payments.settled")\n',
        app__low__topics='# depcheck: publishes app.low.topics.Ghost\nclass Ghost: ...\n',
    ))
    code, doc = run_json(root)
    assert code == 0  # warnings only
    found = sorted((v["rule"], v["evidence"][0]["event"]) for v in doc["violations"])
    assert found == [
        ("event-no-owner", "audit.log"),
        ("event-no-owner", "payments.settled"),
        ("event-not-consumed", "app.low.topics.Ghost"),
        ("event-not-consumed", "audit.log"),
        ("event-not-published", "payments.settled"),
    ]
    assert all(v["severity"] == "warning" and "source" not in v for v in doc["violations"])


def test_hygiene_warning_can_be_suppressed_on_the_site(project):
    root = project(app(
        config('[tool.depcheck.events.owners]', '"audit.*" = "app.low"', presets='["kafka"]'),
        app__low__p='from kafka import KafkaProducer\n\ndef f(producer: KafkaProducer):\n'
                    '    producer.send("audit.log", b"")  # depcheck: ignore[event-not-consumed]\n',
    ))
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])


def test_suppressing_a_consume_for_layer_does_not_invent_a_hygiene_warning(project):
    root = project(app(
        config(),
        app__high__events="class Placed: ...\n",
        app__high__s="from app.bus import publish\nfrom app.high.events import Placed\npublish(Placed())\n",
        app__low__y="from app.bus import subscribe\nfrom app.high import events  # depcheck: ignore\n"
                    "subscribe(events.Placed)  # depcheck: ignore\n",
    ))
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])


# --------------------------------------------------------------------------- output


def test_events_text_and_mermaid(tmp_path, capsys):
    root = copy_fixture("saga_choreography", tmp_path)
    assert main(["check", str(root)]) == 1
    check = capsys.readouterr().out
    assert (
        "shop/customers/credit.py:10:2  shop.customers.credit -> shop.orders.events "
        "[consume] event shop.orders.events.OrderCreated  @subscribe(OrderCreated)"
    ) in check
    assert main(["events", str(root)]) == 0
    text = capsys.readouterr().out
    assert "shop.orders.events.OrderCreated  [object]  owner: shop.orders.events" in text
    assert "    shop.customers.credit  shop/customers/credit.py:10" in text
    assert main(["events", "--format", "mermaid", str(root)]) == 0
    mermaid = capsys.readouterr().out.splitlines()
    assert mermaid[0] == "flowchart LR"
    assert '  shop_orders -- "OrderCreated" --> shop_customers' in mermaid
    assert '  shop_customers -- "CreditReserved" --> shop_orders' in mermaid


def test_mermaid_shows_events_with_one_side_only(project, capsys):
    root = project(app(config(presets='["kafka"]'), app__low__p='import kafka\n\ndef f(p: kafka.KafkaProducer):\n    p.send("audit.log")\n'))
    assert main(["events", "--format", "mermaid", str(root)]) == 0
    out = capsys.readouterr().out
    assert 'event_audit_log(["audit.log"])' in out and 'app_low -- "audit.log" --> event_audit_log' in out


def test_without_presets_code_sites_make_no_edges(tmp_path):
    root = copy_fixture("saga_shared_events", tmp_path)
    toml = root / "pyproject.toml"
    toml.write_text(toml.read_text().replace('presets = ["bus"]', "presets = []"))
    code, doc = run_json(root)
    assert code == 0
    # No sites, so no events: the owner globs assign nothing, and depcheck says so.
    assert {v["rule"] for v in doc["violations"]} == {"unused-config"}
    assert run_events(root) == {}


# --------------------------------------------------------------------------- config


@pytest.mark.parametrize("lines, expected", [
    (['presets = ["djnago"]'], "events.presets: unknown preset 'djnago' (did you mean 'django'?)"),
    (['presets = ["bus"]', "ownrs = {}"], "events.ownrs: unknown key (did you mean 'owners'?)"),
    (['[[tool.depcheck.events.patterns]]', 'kind = "emit"', 'call = "x"', 'event = "arg:0"'],
     "events.patterns[0].kind: expected one of publish, consume, define"),
    (['[[tool.depcheck.events.patterns]]', 'kind = "publish"', 'call = "x"', 'event = "first"'],
     "events.patterns[0].event: expected where the event is"),
    (['[[tool.depcheck.events.patterns]]', 'kind = "publish"', 'call = "x"', 'event = "target"'],
     "'target' (the assigned name) only makes sense with kind = 'define'"),
    (['[[tool.depcheck.events.patterns]]', 'kind = "publish"', 'call = "x"', 'event = "arg:0"',
      'accept = "topic"'], "events.patterns[0].accept: unknown key (did you mean 'accepts'?)"),
    (['[[tool.depcheck.events.patterns]]', 'name = "django.send"', 'kind = "publish"', 'call = "x"',
      'event = "arg:0"'], "events.patterns[0].name: 'django.send' is already the name of another pattern"),
    (['[tool.depcheck.events.owners]', '"orders.*" = 3'], "events.owners.orders.*: expected a module name"),
    (['[tool.depcheck.events.owners]', '"orders.*" = "app.hihg"'],
     "'app.hihg' matches no module under app (did you mean 'app.high'?)"),
    (['[tool.depcheck.events.declare."app.low"]', 'consume = ["x"]'],
     "events.declare.app.low.consume: unknown key (did you mean 'consumes'?)"),
    (['[tool.depcheck.events.declare."app.lwo"]', 'consumes = ["x"]'], "'app.lwo' matches no module"),
])
def test_bad_event_config_exits_2_with_one_line(tmp_path, capsys, lines, expected):
    toml = "\n".join(["[tool.depcheck]", 'packages = ["app"]', "[tool.depcheck.events]", *lines, ""])
    root = tmp_path
    for rel, text in app(toml).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


# --------------------------------------------------------------------------- ownership policy

HOOK_PATTERNS = """
[[tool.depcheck.events.patterns]]
name = "fetch"
kind = "publish"
call = "app.hooks.get_hooks"
event = "arg:0"
accepts = "topic"
{owner}
[[tool.depcheck.events.patterns]]
name = "register"
kind = "consume"
call = "app.hooks.register"
event = "arg:0"
accepts = "topic"
"""

HOOKS = "def get_hooks(name): ...\ndef register(name): ...\n"
FETCH = 'from app import hooks\n\nfor fn in hooks.get_hooks("{hook}"):\n    fn()\n'
REGISTER = 'from app import hooks\n\n@hooks.register("{hook}")\ndef handler(): ...\n'


def hook_project(project, default: str, owner: str, **files: str) -> Path:
    """A project of its own under the test's folder (each call a fresh one)."""
    toml = config(default, HOOK_PATTERNS.format(owner=owner), presets="[]")
    tmp = project({})
    hook_project.count = getattr(hook_project, "count", 0) + 1
    return write_project(tmp / f"p{hook_project.count}", app(toml, app__hooks=HOOKS, **files))


def test_publisher_policy_owns_a_hook_by_the_module_that_fetches_it(project):
    root = hook_project(
        project, 'default_owner = "publisher"', "",
        app__low__menu=FETCH.format(hook="menu_items"),
        app__high__admin=REGISTER.format(hook="menu_items"),
    )
    events = run_events(root)
    assert events["menu_items"]["owner"] == "app.low.menu"
    code, doc = run_json(root)
    assert code == 0 and doc["violations"] == []  # high consumes low's hook: a downward edge
    # A lower module registering for a higher one's hook is an upward dependency.
    root = hook_project(
        project, 'default_owner = "publisher"', "",
        app__high__menu=FETCH.format(hook="menu_items"),
        app__low__admin=REGISTER.format(hook="menu_items"),
    )
    code, doc = run_json(root)
    (layer,) = doc["violations"]
    assert layer["message"].startswith("app.low.admin consumes an event of app.high.menu:")
    assert [(e["kind"], e["from"], e["to"], e["event"]) for e in layer["evidence"]] == [
        ("consume", "app.low.admin", "app.high.menu", "menu_items"),
    ]


def test_the_definer_policy_leaves_it_ownerless_and_a_pattern_can_override_it(project):
    files = {"app__low__menu": FETCH.format(hook="menu_items"),
             "app__high__admin": REGISTER.format(hook="menu_items")}
    assert run_events(hook_project(project, "", "", **files))["menu_items"]["owner"] is None
    root = hook_project(project, "", 'owner = "publisher"', **files)
    assert run_events(root)["menu_items"]["owner"] == "app.low.menu"
    root = hook_project(project, 'default_owner = "publisher"', 'owner = "consumer"', **files)
    assert run_events(root)["menu_items"]["owner"] == "app.high.admin"


def test_several_publishers_own_it_by_their_common_package_inside_one_component(project):
    root = hook_project(
        project, 'default_owner = "publisher"', "",
        app__low__menus__main=FETCH.format(hook="menu_items"),
        app__low__menus__side=FETCH.format(hook="menu_items"),
        **{"app/low/menus/__init__.py": ""},
        app__high__admin=REGISTER.format(hook="menu_items"),
    )
    event = run_events(root)["menu_items"]
    assert event["owner"] == "app.low.menus"
    assert {s["to"] for s in run_json(root)[1]["violations"]} == set()


def test_publishers_in_different_components_leave_it_ownerless_with_a_warning_naming_them(project, capsys):
    root = hook_project(
        project, 'default_owner = "publisher"', "",
        app__low__menu=FETCH.format(hook="menu_items"),
        app__high__menu=FETCH.format(hook="menu_items"),
        app__high__admin=REGISTER.format(hook="menu_items"),
    )
    assert run_events(root)["menu_items"]["owner"] is None
    code, doc = run_json(root)
    (warning,) = [v for v in doc["violations"] if v["rule"] == "event-no-owner"]
    assert warning["message"] == (
        "topic 'menu_items' is published by modules of different components (app.high.menu, app.low.menu) "
        "and none of them owns it, so its publishers and consumers depend on nobody"
    )
    assert not any(v["rule"] == "layer" for v in doc["violations"])
    assert main(["check", str(root)]) == 0
    text = capsys.readouterr().out
    # The sites of an ownerless topic point at nobody: no arrow into an empty name.
    assert "app/low/menu.py:3:11  app.low.menu [publish] event menu_items" in text
    assert "->  " not in text and "-> [" not in text


def test_a_topic_defined_in_several_modules_is_ambiguous_not_the_first_alphabetically(project):
    root = project(app(
        config(presets='["kafka"]'),
        app__high__stream='import faust\n\napp = faust.App("x")\nclicks = app.topic("clicks")\n',
        app__low__stream='import faust\n\napp = faust.App("y")\nclicks = app.topic("clicks")\n'
                         '\n@app.agent(clicks)\nasync def count(stream): ...\n',
    ))
    events = run_events(root)
    assert events["clicks"]["owner"] is None
    code, doc = run_json(root)
    assert not any(v["rule"] == "layer" for v in doc["violations"])  # no edge to an arbitrary definer
    (warning,) = [v for v in doc["violations"] if v["rule"] == "event-no-owner"]
    assert warning["message"].startswith(
        "topic 'clicks' is defined in several modules (app.high.stream, app.low.stream) and none of them owns it"
    )


def test_an_unknown_owner_policy_is_a_config_error(project, capsys):
    root = project(app(config('default_owner = "publishers"')))
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    assert "default_owner" in err and "expected one of definer, publisher, consumer, got a string ('publishers')" in err


# --------------------------------------------------------------------------- choreography naming

CYCLE_TOML = """
[tool.depcheck]
packages = ["app"]
acyclic = ["app.a", "app.b"]
[tool.depcheck.events]
presets = ["kafka"]
[tool.depcheck.events.owners]
"b.*" = "app.b.topics"
"""


def cycle_message(project, a_source: str) -> str:
    root = project({
        "pyproject.toml": CYCLE_TOML, "app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": "",
        "app/b/topics.py": "from app.a import util\n\nHELPER = util.helper\n",
        "app/a/util.py": "def helper(): ...\n",
        "app/a/consumer.py": a_source,
    })
    code, doc = run_json(root)
    (cycle,) = [v for v in doc["violations"] if v["rule"] == "cycle"]
    return cycle["message"]


def test_a_loop_through_a_topic_that_only_repeats_an_import_is_no_choreography(project):
    # app.a.consumer imports app.b.topics anyway; its topic subscription adds nothing to the loop.
    source = ("from kafka import KafkaConsumer\n\nfrom app.b import topics\n\n"
              'KafkaConsumer("b.changed")\nprint(topics.HELPER)\n')
    assert cycle_message(project, source) == "components depend on each other in a loop: app.a -> app.b -> app.a"


def test_a_loop_only_a_topic_closes_is_a_choreography(tmp_path):
    root = tmp_path / "choreography"
    root.mkdir()

    def make(files: dict[str, str]) -> Path:
        return write_project(root, files)

    source = 'from kafka import KafkaConsumer\n\nKafkaConsumer("b.changed")\n'
    assert cycle_message(make, source) == (
        "choreography cycle through events b.changed: app.a -> app.b -> app.a"
    )


# --------------------------------------------------------------------------- small ones


def test_an_external_signal_reexported_elsewhere_has_one_id(project):
    root = project(app(
        config(presets='["django"]'),
        app__high__a="from django.dispatch import receiver\nfrom django.test.signals import setting_changed\n\n"
                     "@receiver(setting_changed)\ndef reset(**kwargs): ...\n",
        app__low__b="from django.core.signals import setting_changed\n\nsetting_changed.connect(print)\n",
    ))
    events = run_events(root)
    assert list(events) == ["django.core.signals.setting_changed"]
    assert sites(events["django.core.signals.setting_changed"], "consumers") == [("app.high.a", 4), ("app.low.b", 3)]
    assert events["django.core.signals.setting_changed"]["owner"] == "django.core.signals"


def test_no_events_with_presets_on_says_what_was_searched(project, capsys):
    root = project(app(config(presets='["django", "kafka"]'), app__low__x="x = 1\n"))
    assert main(["events", str(root)]) == 0
    out = capsys.readouterr().out
    assert out == (
        "No events found: nothing in the code matches the presets django, kafka. Declare events the code "
        "makes at run time ([tool.depcheck.events.declare], # depcheck: publishes).\n"
    )
    root = project(app(config(presets="[]"), app__low__x="x = 1\n"))
    assert main(["events", str(root)]) == 0
    assert capsys.readouterr().out.startswith("No events found. Enable patterns with")


def test_a_topic_with_control_characters_keeps_the_catalog_one_line_per_entry(project, capsys):
    root = project(app(
        config(presets='["kafka"]'),
        app__low__p='from kafka import KafkaProducer\n\nKafkaProducer().send("evil\\r\\ntopic\\x1b[2J")\n',
    ))
    assert main(["events", str(root)]) == 0
    out = capsys.readouterr().out
    assert "evil\\r\\ntopic\\x1b[2J  [topic]  owner: (no owner)\n" in out
    assert "\r" not in out and "\x1b" not in out
    assert main(["check", str(root)]) == 0
    check = capsys.readouterr().out
    assert "event evil\\r\\ntopic\\x1b[2J" in check and "\r" not in check


def test_the_readme_shows_what_the_events_tour_prints(tmp_path, capsys, monkeypatch):
    readme = (FIXTURES.parent / "README.md").read_text(encoding="utf-8")
    root = copy_fixture("events_tour", tmp_path / "fixtures")
    assert main(["events", str(root)]) == 0
    catalog = capsys.readouterr().out
    assert catalog.count("\n\n") == 6 and catalog in readme
    monkeypatch.chdir(tmp_path)  # as the README runs it, from the repository's root
    assert main(["check", "fixtures/events_tour"]) == 1
    layer = capsys.readouterr().out.split("\n\n")[0]
    assert layer.startswith("fixtures/events_tour/shop/blog/wagtail_hooks.py:6:2: layer shop.blog.wagtail_hooks "
                            "consumes") and layer in readme
    toml = root / "pyproject.toml"
    toml.write_text(toml.read_text().replace('"pluggy"]\n', '"pluggy"]\ndefault_owner = "publisher"\n'))
    assert run_events(root)["orders.placed"]["owner"] == "shop.orders.service"
