"""The event presets on downloaded real projects, each catalog compared with facts read off its source.

Each project is pinned and downloaded once per session; what the tests
expect was read from that version's source by hand (file and line named
beside each fact). A false event counts as a failure as much as a missed one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import download_source, run_events

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
