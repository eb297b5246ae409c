"""Event patterns: how depcheck recognises a publish, consume or define site.

A pattern names a call (or decorator) target and where in that call the
event is. The built-in presets below are plain data; a user's custom
patterns (``[[tool.depcheck.events.patterns]]``) are parsed into the same
type. Everything here is static: nothing of the analysed code is imported.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

PUBLISH = "publish"
CONSUME = "consume"
DEFINE = "define"
KINDS = (PUBLISH, CONSUME, DEFINE)

ACCEPTS = ("any", "topic", "name", "class")

# Who owns a topic or hook that no module defines and no owner glob assigns: nobody (the
# definer policy), or the module that publishes it (for hooks: fetches), or that consumes it.
DEFINER = "definer"
OWNER_POLICIES = (DEFINER, "publisher", "consumer")

# Where the event sits in a matched call.
PLACE_RE = re.compile(r"^(arg:\d+|kw:[A-Za-z_]\w*|args|object|target|method|function)$")


@dataclass(frozen=True)
class EventPattern:
    """One way of writing a publish/consume/define site.

    ``call`` is a glob over the called name as written (``bus.publish``,
    ``self.add_signal.send``) or as resolved through imports
    (``django.dispatch.receiver``); ``*`` also spans dots, so ``*.send``
    matches any method named ``send``. ``event`` lists the places tried in
    order: ``arg:N`` (a positional argument), ``kw:NAME``, ``args`` (every
    positional argument), ``object`` (what the method is called on), ``method``
    (the called method's name: ``pm.hook.startup()`` is ``"startup"``),
    ``function`` (a decorator's: the decorated function's name) and, for define
    patterns, ``target`` (the module-level name the call is assigned to).
    """

    name: str
    kind: str
    call: str
    event: tuple[str, ...]
    # "topic": string topics only; "name": objects and classes only; "class": names
    # that look like a class (CapWords, not ALL_CAPS constants)
    accepts: str = "any"
    defined: bool = False  # only events some define site (or ``known``) makes
    known: tuple[str, ...] = ()  # globs of event ids defined outside the analysed code
    # Globs of classes (resolved through imports) the called object must be shown to be an
    # instance of, in the same file: ``producer.send`` only on a ``kafka.KafkaProducer``.
    instance_of: tuple[str, ...] = ()
    owner: str = ""  # an OWNER_POLICIES entry for this pattern's events; "": the configured default
    # The function this (consume) pattern decorates stands for its event: a faust agent,
    # whose ``agent.send()``/``ask()``/``cast()`` publish to the agent's channel.
    names_function: bool = False

    @functools.cached_property
    def word(self) -> str:
        """The identifier every matching source must contain: a cheap pre-filter.

        The call's last name when it is spelled out (``*.send``), else another name
        spelled out in it (``*.hook.*``: ``hook``), else the longest fragment of the
        last name (``pub*``: ``pub``; ``*``: none).
        """
        parts = self.call.split(".")
        if parts[-1].isidentifier():
            return parts[-1]
        spelled = [p for p in parts if p.isidentifier()]
        if spelled:
            return max(spelled, key=len)
        return max(re.split(r"\*|\?|\[[^\]]*\]?", parts[-1]), key=len)

    @functools.cached_property
    def exact_word(self) -> bool:
        """Whether ``word`` is a whole name as written in every matching call: ``*.send``, and
        ``*.hook.*`` (an attribute in the middle), not ``pub*`` nor ``app.pub*`` (as resolved)."""
        parts = self.call.split(".")
        if parts[-1].isidentifier():
            return True
        return parts[0] == "*" and parts[-1] == "*" and any(p.isidentifier() for p in parts)


# Django's built-in signals: defined in Django, so never by a ``Signal()`` in
# the analysed code, yet real events.
DJANGO_SIGNALS = (
    "django.db.models.signals.*",
    "django.core.signals.*",
    "django.test.signals.*",
    "django.contrib.auth.signals.*",
    "django.db.backends.signals.*",
)


KAFKA_PRODUCERS = (
    "kafka.KafkaProducer", "kafka.*.KafkaProducer", "confluent_kafka.Producer", "confluent_kafka.*.Producer",
    "confluent_kafka.SerializingProducer", "aiokafka.AIOKafkaProducer", "aiokafka.*.AIOKafkaProducer",
)
KAFKA_CONSUMERS = (
    "kafka.KafkaConsumer", "kafka.*.KafkaConsumer", "confluent_kafka.Consumer", "confluent_kafka.*.Consumer",
    "confluent_kafka.DeserializingConsumer", "aiokafka.AIOKafkaConsumer", "aiokafka.*.AIOKafkaConsumer",
)
FAUST_APPS = ("faust.App", "faust.app.App", "faust.app.base.App")
HOOKSPEC_MARKERS = ("pluggy.HookspecMarker", "pluggy.*.HookspecMarker")
BLINKER_NAMESPACES = ("blinker.Namespace", "blinker.base.Namespace", "flask.signals.Namespace")


# External events re-exported under a second name, as their package's source shows
# (django/test/signals.py: ``from django.core.signals import setting_changed``): one object,
# one id, whichever module the analysed code imports it from.
EXTERNAL_REEXPORTS = {
    "django.test.signals.setting_changed": "django.core.signals.setting_changed",
}


def _p(name: str, kind: str, call: str, *event: str, **options: object) -> EventPattern:
    return EventPattern(name, kind, call, tuple(event), **options)  # type: ignore[arg-type]


PRESETS: dict[str, tuple[EventPattern, ...]] = {
    "bus": (
        _p("bus.publish", PUBLISH, "publish", "arg:0", "kw:event", accepts="class"),
        _p("bus.publish", PUBLISH, "*.publish", "arg:0", "kw:event", accepts="class"),
        _p("bus.emit", PUBLISH, "emit", "arg:0", "kw:event", accepts="class"),
        _p("bus.emit", PUBLISH, "*.emit", "arg:0", "kw:event", accepts="class"),
        _p("bus.subscribe", CONSUME, "subscribe", "arg:0", "kw:event", accepts="class"),
        _p("bus.subscribe", CONSUME, "*.subscribe", "arg:0", "kw:event", accepts="class"),
        _p("bus.handles", CONSUME, "handles", "arg:0", "kw:event", accepts="class"),
        _p("bus.handles", CONSUME, "*.handles", "arg:0", "kw:event", accepts="class"),
    ),
    "django": (
        _p("django.Signal", DEFINE, "Signal", "target"),
        _p("django.Signal", DEFINE, "*.Signal", "target"),
        _p("django.ModelSignal", DEFINE, "ModelSignal", "target"),
        _p("django.ModelSignal", DEFINE, "*.ModelSignal", "target"),
        _p("django.send", PUBLISH, "*.send", "object", accepts="name", defined=True, known=DJANGO_SIGNALS),
        _p("django.send_robust", PUBLISH, "*.send_robust", "object", accepts="name", defined=True,
           known=DJANGO_SIGNALS),
        _p("django.receiver", CONSUME, "receiver", "arg:0", "kw:signal", accepts="name", defined=True,
           known=DJANGO_SIGNALS),
        _p("django.receiver", CONSUME, "*.receiver", "arg:0", "kw:signal", accepts="name", defined=True,
           known=DJANGO_SIGNALS),
        _p("django.connect", CONSUME, "*.connect", "object", accepts="name", defined=True,
           known=DJANGO_SIGNALS),
    ),
    "blinker": (
        # blinker.signal("name") is one global signal per name: the name is the event.
        _p("blinker.signal", DEFINE, "blinker.signal", "arg:0", "kw:name", accepts="topic"),
        # Namespace().signal("name") is private to its namespace: the object is the event.
        _p("blinker.Namespace.signal", DEFINE, "*.signal", "target", instance_of=BLINKER_NAMESPACES),
        _p("blinker.send", PUBLISH, "*.send", "object", defined=True),
        _p("blinker.connect", CONSUME, "*.connect", "object", defined=True),
        _p("blinker.connect_via", CONSUME, "*.connect_via", "object", defined=True),
    ),
    "kafka": (
        # Only on objects the file shows to be clients of kafka-python, confluent-kafka or
        # aiokafka: celery's ``dispatcher.send("task-failed")`` or ``pubsub.subscribe("news")``
        # are no topics.
        _p("kafka.send", PUBLISH, "*.send", "arg:0", "kw:topic", accepts="topic",
           instance_of=KAFKA_PRODUCERS),
        _p("kafka.send_and_wait", PUBLISH, "*.send_and_wait", "arg:0", "kw:topic", accepts="topic",
           instance_of=KAFKA_PRODUCERS),
        _p("kafka.produce", PUBLISH, "*.produce", "arg:0", "kw:topic", accepts="topic",
           instance_of=KAFKA_PRODUCERS),
        _p("kafka.subscribe", CONSUME, "*.subscribe", "arg:0", "kw:topics", accepts="topic",
           instance_of=KAFKA_CONSUMERS),
        _p("kafka.KafkaConsumer", CONSUME, "kafka.KafkaConsumer", "args", "kw:topics", accepts="topic"),
        _p("kafka.KafkaConsumer", CONSUME, "kafka.*.KafkaConsumer", "args", "kw:topics", accepts="topic"),
        _p("kafka.AIOKafkaConsumer", CONSUME, "aiokafka.AIOKafkaConsumer", "args", "kw:topics",
           accepts="topic"),
        _p("kafka.AIOKafkaConsumer", CONSUME, "aiokafka.*.AIOKafkaConsumer", "args", "kw:topics",
           accepts="topic"),
        # faust: app.topic("t") on a faust.App names a topic; agents consume it, topic.send publishes to it.
        _p("faust.topic", DEFINE, "*.topic", "arg:0", accepts="topic", instance_of=FAUST_APPS),
        _p("faust.agent", CONSUME, "*.agent", "arg:0", "kw:channel", accepts="topic",
           instance_of=FAUST_APPS, names_function=True),
        _p("faust.send", PUBLISH, "*.send", "object", accepts="topic", defined=True),
        _p("faust.ask", PUBLISH, "*.ask", "object", accepts="topic", defined=True),
        _p("faust.cast", PUBLISH, "*.cast", "object", accepts="topic", defined=True),
    ),
    # Wagtail's string-keyed hooks, resolved through imports (Django's ``checks.register("x")``
    # is no hook): whoever fetches a hook owns it.
    "wagtail": (
        _p("wagtail.get_hooks", PUBLISH, "wagtail.hooks.get_hooks", "arg:0", "kw:hook_name", accepts="topic",
           owner="publisher"),
        _p("wagtail.register", CONSUME, "wagtail.hooks.register", "arg:0", "kw:hook_name", accepts="topic",
           owner="publisher"),
    ),
    # pluggy: a function decorated by a HookspecMarker defines the hook of its name (its module
    # owns it), a ``@hookimpl`` function of that name implements it, ``pm.hook.NAME()`` calls it.
    "pluggy": (
        _p("pluggy.hookspec", DEFINE, "*", "function", accepts="topic", instance_of=HOOKSPEC_MARKERS,
           owner=DEFINER),
        _p("pluggy.hookimpl", CONSUME, "hookimpl", "kw:specname", "function", accepts="topic",
           defined=True),
        _p("pluggy.hookimpl", CONSUME, "*.hookimpl", "kw:specname", "function", accepts="topic",
           defined=True),
        _p("pluggy.hookimpl", CONSUME, "impl", "kw:specname", "function", accepts="topic",
           defined=True),
        _p("pluggy.hookimpl", CONSUME, "*.impl", "kw:specname", "function", accepts="topic",
           defined=True),
        _p("pluggy.hook", PUBLISH, "*.hook.*", "method", accepts="topic", defined=True),
    ),
}
