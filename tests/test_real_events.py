"""The event presets on downloaded real projects, each catalog compared with facts read off its source.

Each project is pinned and downloaded once per session; what the tests
expect was read from that version's source by hand (file and line named
beside each fact). A false event counts as a failure as much as a missed one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import download_source, run_events, sites

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
