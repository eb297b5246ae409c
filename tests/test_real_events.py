"""The event presets on downloaded real projects, each catalog compared with facts read off its source.

Each project is pinned and downloaded once per session; what the tests
expect was read from that version's source by hand (file and line named
beside each fact). A false event counts as a failure as much as a missed one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import download_source, run_events, run_json, sites

CELERY = "celery==5.4.0"


def configure(root: Path, packages: list[str], events: str) -> Path:
    (root / "pyproject.toml").write_text(
        f"[tool.depcheck]\npackages = {packages!r}\nacyclic = []\n"
        f"[tool.depcheck.events]\n{events}\n".replace("'", '"')
    )
    return root


@pytest.fixture(scope="session")
def celery_source(tmp_path_factory) -> Path:
    return download_source(tmp_path_factory, CELERY)


# --------------------------------------------------------------------------- kafka


def test_kafka_finds_no_topic_in_celery(celery_source):
    # celery/worker/control.py:363 ``dispatcher.send('worker-heartbeat', ...)``,
    # celery/worker/consumer/gossip.py:104 ``self.dispatcher.send('worker-elect-ack', ...)``,
    # celery/backends/redis.py ``self._pubsub.subscribe(...)``: none is a Kafka client.
    events = run_events(configure(celery_source, ["celery"], 'presets = ["kafka"]'))
    assert events == {}


# --------------------------------------------------------------------------- django preset on celery


def test_celery_signals_saved_bound_methods_class_and_instance_signals(celery_source):
    """celery 5.4.0 defines its own ``Signal`` class (celery/utils/dispatch/signal.py) and uses it
    like Django's: module-level signals in celery/signals.py, class attributes
    (``Polaroid.shutter_signal = Signal(...)``, celery/events/snapshot.py:28) and instance
    attributes (``self.on_configure = Signal(...)`` in ``Celery.__init__``, celery/app/base.py:299)."""
    events = run_events(configure(celery_source, ["celery"], 'presets = ["django"]'))
    module_signals = re.findall(r"^(\w+) = Signal\(", (celery_source / "celery/signals.py").read_text(), re.M)
    assert len(module_signals) == 34
    expected = {f"celery.signals.{name}" for name in module_signals}
    expected |= {f"celery.contrib.testing.worker.{n}" for n in ("test_worker_starting", "test_worker_started",
                                                                "test_worker_stopped")}
    expected |= {f"celery.app.base.Celery.{n}" for n in ("on_configure", "on_after_configure",
                                                         "on_after_finalize", "on_after_fork")}
    expected |= {"celery.events.snapshot.Polaroid.shutter_signal", "celery.events.snapshot.Polaroid.cleanup_signal"}
    assert set(events) == expected  # and nothing else: no e-mail, socket or dispatcher send()
    for event_id, event in events.items():
        owner = event_id.rsplit(".", 2)[0] if ".Celery." in event_id or ".Polaroid." in event_id else (
            event_id.rsplit(".", 1)[0])
        assert event["owner"] == owner
        assert [m for m, _ in sites(event, "defined")] == [owner]

    def published(name: str) -> list[tuple[str, int]]:
        return sites(events[name], "publishers")

    # celery/app/trace.py:104-106 ``send_prerun = signals.task_prerun.send`` (module level), called at
    # 439, 551 and 531; celery/app/amqp.py:445-450 the same inside ``send_task_message``, called at
    # 512, 530, 534 and 540; celery/concurrency/eventlet.py:115 ``self._quick_apply_sig =
    # signals.eventlet_pool_apply.send``, called at 126 in another method.
    assert published("celery.signals.task_prerun") == [("celery.app.trace", 439)]
    assert published("celery.signals.task_postrun") == [("celery.app.trace", 551)]
    assert published("celery.signals.task_success") == [("celery.app.trace", 531)]
    assert published("celery.signals.before_task_publish") == [("celery.app.amqp", 512)]
    assert published("celery.signals.after_task_publish") == [("celery.app.amqp", 530)]
    assert published("celery.signals.task_sent") == [("celery.app.amqp", 534), ("celery.app.amqp", 540)]
    assert published("celery.signals.eventlet_pool_apply") == [("celery.concurrency.eventlet", 126)]
    # ``self.on_configure.send(sender=self)`` (celery/app/base.py:992), ``self.shutter_signal.send``
    # (celery/events/snapshot.py:65).
    assert published("celery.app.base.Celery.on_configure") == [("celery.app.base", 992)]
    assert published("celery.events.snapshot.Polaroid.shutter_signal") == [("celery.events.snapshot", 65)]
    # celery/worker/heartbeat.py:36-37 saves ``heartbeat_sent.send if heartbeat_sent.receivers else
    # None``: a value chosen at run time, out of reach (a declaration covers it).
    assert published("celery.signals.heartbeat_sent") == []
    # Receivers: celery/fixups/django.py:84-85 and 143-146, celery/app/base.py:687.
    consumed = {e: sites(v, "consumers") for e, v in events.items() if v["consumers"]}
    assert consumed == {
        "celery.signals.beat_embedded_init": [("celery.fixups.django", 143)],
        "celery.signals.import_modules": [("celery.app.base", 687), ("celery.fixups.django", 84)],
        "celery.signals.task_postrun": [("celery.fixups.django", 145)],
        "celery.signals.task_prerun": [("celery.fixups.django", 144)],
        "celery.signals.worker_init": [("celery.fixups.django", 85)],
        "celery.signals.worker_process_init": [("celery.fixups.django", 146)],
    }


# --------------------------------------------------------------------------- wagtail

WAGTAIL = "wagtail==6.3"
WAGTAIL_CONFIG = """
[tool.depcheck]
packages = ["wagtail"]
acyclic = []
exclude = ["*/tests/*", "*/test_*.py", "*/tests.py", "wagtail/test/*"]
[tool.depcheck.events]
presets = ["wagtail"]
"""


@pytest.fixture(scope="session")
def wagtail_source(tmp_path_factory) -> Path:
    root = download_source(tmp_path_factory, WAGTAIL, wheel=True)
    (root / "pyproject.toml").write_text(WAGTAIL_CONFIG)
    return root


def _literal_hook_sites(root: Path, call: str) -> set[tuple[str, str, int]]:
    """(hook, module, line) of every ``hooks.<call>("literal", ...)`` in non-test wagtail code."""
    found = set()
    finder = re.compile(r"\bhooks\." + call + r"\(\s*(?:hook_name=)?[\"']([\w-]+)[\"']")
    for path in sorted((root / "wagtail").rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in rel or "/test_" in rel or rel.endswith("/tests.py") or rel.startswith("wagtail/test/"):
            continue
        module = rel[:-3].replace("/", ".").removesuffix(".__init__")
        text = path.read_text(encoding="utf-8")
        for match in finder.finditer(text):
            found.add((match.group(1), module, text.count("\n", 0, match.start()) + 1))
    return found


def test_wagtail_hooks_every_fetch_and_registration_with_the_fetcher_as_owner(wagtail_source):
    events = run_events(wagtail_source)
    published = {(e, m, line) for e, v in events.items() for m, line in sites(v, "publishers")}
    consumed = {(e, m, line) for e, v in events.items() for m, line in sites(v, "consumers")}
    # Read off the source independently: every literal ``hooks.get_hooks("x")`` and
    # ``hooks.register("x")`` (decorator or call), and nothing else.
    assert published == _literal_hook_sites(wagtail_source, "get_hooks")
    assert consumed == _literal_hook_sites(wagtail_source, "register")
    assert (len(published), len(consumed), len(events)) == (49, 89, 49)
    assert all(v["kind"] == "topic" for v in events.values())
    for event_id, event in events.items():
        fetchers = {m for m, _ in sites(event, "publishers")}
        if len(fetchers) == 1:
            assert event["owner"] == next(iter(fetchers)), event_id
    # wagtail/views.py:19 ``for fn in hooks.get_hooks("before_serve_page")``; wagtail.admin fetches
    # construct_explorer_page_queryset in admin/api/filters.py:38 and admin/views/pages/listing.py:381:
    # their common package, inside the one component wagtail, owns it.
    assert events["before_serve_page"]["owner"] == "wagtail.views"
    assert events["construct_explorer_page_queryset"]["owner"] == "wagtail.admin"
    # Fetched through ``MenuItem``'s ``self.register_hook_name`` (admin/menu.py:109), a name set at run
    # time: no fetcher, so no owner (a declaration names it).
    assert events["register_admin_menu_item"]["publishers"] == []
    assert events["register_admin_menu_item"]["owner"] is None


def test_wagtail_admin_and_users_depend_on_each_other_through_hooks(wagtail_source):
    # wagtail/users/wagtail_hooks.py:23 ``@hooks.register("register_admin_viewset")`` and :35
    # ``hooks.register("register_bulk_action", action_class)``; fetched in
    # wagtail/admin/viewsets/__init__.py:12 and wagtail/admin/views/bulk_action/registry.py:12.
    (wagtail_source / "pyproject.toml").write_text(
        WAGTAIL_CONFIG.replace('acyclic = []', 'layers = ["wagtail.users", "wagtail.admin"]\nacyclic = []')
    )
    try:
        code, doc = run_json(wagtail_source)
    finally:
        (wagtail_source / "pyproject.toml").write_text(WAGTAIL_CONFIG)
    users = [
        (e["from"], e["to"], e["event"], e["line"])
        for v in doc["violations"] if v["rule"] == "layer" for e in v["evidence"] if e["kind"] == "consume"
    ]
    # users (above) registering for admin's hooks is a downward dependency; admin registering for
    # the hooks wagtail.users fetches (users/forms.py:234 ``get_hooks("register_permissions")``,
    # users/views/groups.py:26 ``get_hooks("register_group_permission_panel")``) goes up:
    # admin/wagtail_hooks.py:134, :160 and admin/viewsets/model.py:642.
    assert sorted(users) == [
        ("wagtail.admin.viewsets.model", "wagtail.users.forms", "register_permissions", 642),
        ("wagtail.admin.wagtail_hooks", "wagtail.users.forms", "register_permissions", 134),
        ("wagtail.admin.wagtail_hooks", "wagtail.users.views.groups", "register_group_permission_panel", 160),
    ]
    events = run_events(wagtail_source)
    assert ("wagtail.users.wagtail_hooks", 23) in sites(events["register_admin_viewset"], "consumers")
    assert ("wagtail.users.wagtail_hooks", 35) in sites(events["register_bulk_action"], "consumers")
    assert events["register_admin_viewset"]["owner"] == "wagtail.admin.viewsets"
    assert events["register_bulk_action"]["owner"] == "wagtail.admin.views.bulk_action.registry"


# --------------------------------------------------------------------------- pluggy

DATASETTE = "datasette==0.65.1"


@pytest.fixture(scope="session")
def datasette_source(tmp_path_factory) -> Path:
    root = download_source(tmp_path_factory, DATASETTE, wheel=True)
    return configure(root, ["datasette"], 'presets = ["pluggy"]')


def _source_sites(root: Path, finder: re.Pattern) -> set[tuple[str, str, int]]:
    found = set()
    for path in sorted((root / "datasette").rglob("*.py")):
        module = path.relative_to(root).as_posix()[:-3].replace("/", ".").removesuffix(".__init__")
        text = path.read_text(encoding="utf-8")
        for match in finder.finditer(text):
            name = next(g for g in match.groups() if g)  # specname= before the function name
            found.add((name, module, text.count("\n", 0, match.start()) + 1))
    return found


def test_datasette_hookspecs_implementations_and_calls_match_the_source(datasette_source):
    """datasette 0.65.1: ``hookspec = HookspecMarker("datasette")`` in datasette/hookspecs.py:4 marks
    26 hooks; ``@hookimpl`` (re-exported by datasette/__init__.py:4) implements them, once by
    ``specname=`` (datasette/filters.py:9); ``pm.hook.NAME(...)`` calls them."""
    events = run_events(datasette_source)
    specs = _source_sites(datasette_source, re.compile(r"^@hookspec(?:\(.*\))?\n(?:async )?def (\w+)", re.M))
    assert len(specs) == 26
    assert set(events) == {name for name, _, _ in specs}
    for name, module, line in specs:
        assert events[name]["owner"] == "datasette.hookspecs"
        assert sites(events[name], "defined") == [(module, line)]
    calls = _source_sites(datasette_source, re.compile(r"\bpm\.hook\.(\w+)\("))
    published = {(e, m, line) for e, v in events.items() for m, line in sites(v, "publishers")}
    assert published == calls and len(calls) == 25
    impls = _source_sites(datasette_source, re.compile(
        r"^@hookimpl(?:\((?:.*specname=\"(\w+)\".*|.*)\))?\n(?:async )?def (\w+)", re.M))
    consumed = {(e, m, line) for e, v in events.items() for m, line in sites(v, "consumers")}
    assert consumed == impls and len(impls) == 14
    # datasette/app.py:1105 ``getattr(pm.hook, key)(...)``: a hook chosen at run time, out of reach.
    assert events["extra_css_urls"]["publishers"] == []


# --------------------------------------------------------------------------- blinker: flask and an extension


@pytest.fixture(scope="session")
def flask_source(tmp_path_factory) -> Path:
    flask = download_source(tmp_path_factory, "flask==3.0.3", wheel=True)
    login = download_source(tmp_path_factory, "flask-login==0.6.3", wheel=True)
    (flask / "flask_login").mkdir()
    for path in (login / "flask_login").glob("*.py"):
        (flask / "flask_login" / path.name).write_bytes(path.read_bytes())
    return configure(flask, ["flask", "flask_login"], 'presets = ["blinker"]')


def test_flask_and_flask_login_signals_on_namespaces(flask_source):
    """flask/signals.py:6 ``_signals = Namespace()`` (``from blinker import Namespace``) and
    flask_login/signals.py:3 the same through ``from flask.signals import Namespace``; every
    ``name = _signals.signal("...")`` is a signal, sent as ``name.send(...)``."""
    events = run_events(flask_source)
    defined = {}
    for package in ("flask", "flask_login"):
        text = (flask_source / package / "signals.py").read_text(encoding="utf-8")
        for match in re.finditer(r"^(\w+) = _signals\.signal\(", text, re.M):
            defined[f"{package}.signals.{match.group(1)}"] = text.count("\n", 0, match.start()) + 1
    assert len(defined) == 10 + 10
    assert {e: sites(v, "defined")[0][1] for e, v in events.items()} == defined
    sent = set()
    for path in sorted(flask_source.rglob("*.py")):
        module = path.relative_to(flask_source).as_posix()[:-3].replace("/", ".").removesuffix(".__init__")
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\b(\w+)\.send\(", text):
            if match.group(1) in {e.rsplit(".", 1)[-1] for e in defined}:
                sent.add((match.group(1), module, text.count("\n", 0, match.start()) + 1))
    published = {(e.rsplit(".", 1)[-1], m, line) for e, v in events.items() for m, line in sites(v, "publishers")}
    assert published == sent and len(sent) == 23
    assert events["flask.signals.template_rendered"]["owner"] == "flask.signals"
