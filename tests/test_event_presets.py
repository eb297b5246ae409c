"""Every preset on code shaped like its users' code, false positives included."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_events, sites, write_project


def catalog(tmp_path: Path, presets: str, files: dict[str, str], extra: str = "") -> dict[str, dict]:
    toml = f'[tool.depcheck]\npackages = ["app"]\n[tool.depcheck.events]\npresets = {presets}\n{extra}'
    inits = {}
    for rel in files:
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            inits["/".join(parts[:i]) + "/__init__.py"] = ""
    write_project(tmp_path, {"pyproject.toml": toml, **inits, **files})
    return run_events(tmp_path)


def summary(events: dict[str, dict]) -> dict[str, tuple[list, list]]:
    return {
        event_id: (sites(event, "publishers"), sites(event, "consumers"))
        for event_id, event in events.items()
    }


# --------------------------------------------------------------------------- bus


def test_bus_functions_methods_instances_classes_decorators_and_calls(tmp_path):
    events = catalog(tmp_path, '["bus"]', {
        "app/orders/events.py": """
            from dataclasses import dataclass

            @dataclass
            class OrderCreated:
                order_id: int

            class OrderCancelled: ...
        """,
        "app/orders/service.py": """
            from app.infra.bus import bus, publish
            from app.orders import events as ev
            from app.orders.events import OrderCreated

            def create(order_id):
                publish(OrderCreated(order_id=order_id))

            class Service:
                def cancel(self):
                    bus.emit(ev.OrderCancelled)
        """,
        "app/billing/handlers.py": """
            import app.orders.events
            from app.infra import bus as message_bus
            from app.orders.events import OrderCreated

            @message_bus.subscribe(OrderCreated)
            def bill(event): ...

            @message_bus.handles(app.orders.events.OrderCancelled)
            def refund(event): ...

            def on_created(event): ...

            message_bus.subscribe(OrderCreated)(on_created)
        """,
    })
    assert summary(events) == {
        "app.orders.events.OrderCancelled": ([("app.orders.service", 10)], [("app.billing.handlers", 8)]),
        "app.orders.events.OrderCreated": (
            [("app.orders.service", 6)], [("app.billing.handlers", 5), ("app.billing.handlers", 13)],
        ),
    }


def test_bus_false_positives(tmp_path):
    events = catalog(tmp_path, '["bus"]', {
        "app/events.py": "class OrderCreated: ...\n",
        "app/misc.py": """
            import json

            from app.events import OrderCreated

            def forward(bus, event):
                bus.publish(event)              # a parameter: which event is unknowable
                bus.publish(json.dumps(event))  # a call of a function, not an event class

            def shadowed(bus):
                OrderCreated = object()         # a local shadows the imported class
                bus.publish(OrderCreated)

            def report(publisher):
                publisher.publish(build_report())

            MAXCODE = 65535

            def compile(emit, ctx):
                emit(MAXCODE)                   # a constant, not an event class (re._compiler)
                ctx.emit("Traceback (most recent call last):")  # text, not a topic (traceback)
        """,
    })
    assert events == {}


# --------------------------------------------------------------------------- django


DJANGO_SIGNALS = """
import django.dispatch
from django.dispatch import Signal

order_placed = django.dispatch.Signal()
basket_addition = Signal()
"""


def test_django_signals_defined_sent_and_received(tmp_path):
    events = catalog(tmp_path, '["django"]', {
        "app/order/signals.py": DJANGO_SIGNALS + "from django.db.models.signals import ModelSignal\n"
                                                 "archived = ModelSignal(use_caching=True)\n",
        "app/order/utils.py": """
            from app.order.signals import order_placed

            class OrderCreator:
                def place_order(self, order):
                    order_placed.send(sender=self, order=order)
        """,
        "app/basket/views.py": """
            from django.views.generic import View

            from app.order import signals

            class BasketAddView(View):
                add_signal = signals.basket_addition

                def post(self, request):
                    self.add_signal.send_robust(sender=self, request=request)
        """,
        "app/analytics/receivers.py": """
            from django.db.models.signals import post_save
            from django.dispatch import receiver

            from app.order.signals import basket_addition, order_placed

            @receiver([order_placed, basket_addition])
            def count(sender, **kwargs): ...

            @receiver(post_save, sender="order.Order")
            def saved(sender, **kwargs): ...

            def track(sender, **kwargs): ...

            order_placed.connect(track)
        """,
    })
    assert summary(events) == {
        "app.order.signals.archived": ([], []),
        "app.order.signals.basket_addition": ([("app.basket.views", 9)], [("app.analytics.receivers", 6)]),
        "app.order.signals.order_placed": (
            [("app.order.utils", 5)], [("app.analytics.receivers", 6), ("app.analytics.receivers", 14)],
        ),
        "django.db.models.signals.post_save": ([], [("app.analytics.receivers", 9)]),
    }
    assert events["app.order.signals.order_placed"]["owner"] == "app.order.signals"
    assert sites(events["app.order.signals.order_placed"], "defined") == [("app.order.signals", 4)]
    assert sites(events["app.order.signals.archived"], "defined") == [("app.order.signals", 7)]
    assert events["django.db.models.signals.post_save"]["external"] is True


def test_django_false_positives(tmp_path):
    events = catalog(tmp_path, '["django"]', {
        "app/order/signals.py": DJANGO_SIGNALS,
        "app/mail.py": """
            import socket

            from django.core.mail import EmailMessage
            from django.db import connection

            from app.order.signals import order_placed

            def notify(user):
                message = EmailMessage("Hi", "body", to=[user.email])
                message.send()                 # an email, not a signal

            def ping(host):
                sock = socket.create_connection((host, 80))
                sock.send(b"ping")             # a socket
                connection.connect()           # a database connection

            def replay(order_placed):
                order_placed.send(sender=None) # a parameter shadows the imported signal

            def rebuild():
                order_placed = make_message()  # a local variable shadows it too
                order_placed.send()

            def fire(signal):
                signal.send(sender=None)       # named like a signal, but unknowable

            class Mailer:
                message = EmailMessage()

                def go(self):
                    self.message.send()        # a class attribute that holds an email
        """,
    })
    # Defined, never used: the catalog lists both signals and nothing else.
    assert summary(events) == {
        "app.order.signals.basket_addition": ([], []), "app.order.signals.order_placed": ([], []),
    }


# --------------------------------------------------------------------------- blinker


def test_blinker_named_signals_namespaces_send_and_connect(tmp_path):
    events = catalog(tmp_path, '["blinker"]', {
        "app/signals.py": """
            from blinker import Namespace, signal

            started = signal("job-started")
            _ns = Namespace()
            finished = _ns.signal("finished")
        """,
        "app/worker.py": """
            import blinker

            from app.signals import finished, started

            def run(job):
                started.send(job)
                finished.send(job, result=1)
                blinker.signal("job-retried").send(job)
        """,
        "app/ui.py": """
            from blinker import signal

            from app import signals

            @signals.started.connect
            def show(sender): ...

            @signals.finished.connect_via("app.worker")
            def done(sender, result): ...

            def retried(sender): ...

            signal("job-retried").connect(retried)
        """,
    })
    assert summary(events) == {
        "app.signals.finished": ([("app.worker", 7)], [("app.ui", 8)]),
        "job-retried": ([("app.worker", 8)], [("app.ui", 13)]),
        "job-started": ([("app.worker", 6)], [("app.ui", 5)]),
    }
    assert events["job-started"]["owner"] == "app.signals"  # the module that names it
    # Made by ``signal("job-retried")`` in two modules, named in none: no arbitrary owner.
    assert events["job-retried"]["owner"] is None


def test_blinker_false_positives(tmp_path):
    events = catalog(tmp_path, '["blinker"]', {
        "app/net.py": """
            import smtplib

            import requests

            session = requests.Session()

            def go(prepared, host):
                session.send(prepared)
                smtp = smtplib.SMTP()
                smtp.connect(host)
        """,
    })
    assert events == {}


# --------------------------------------------------------------------------- kafka / faust


def test_kafka_python_and_confluent_producers_and_consumers(tmp_path):
    events = catalog(tmp_path, '["kafka"]', {
        "app/topics.py": 'ORDERS = "orders.created"\n',
        "app/producer.py": """
            from confluent_kafka import Producer
            from kafka import KafkaProducer

            from app.topics import ORDERS

            producer = KafkaProducer(bootstrap_servers="localhost:9092")

            def created(order):
                producer.send(ORDERS, value=order)
                Producer({"bootstrap.servers": "x"}).produce("payments.requested", key="k", value=b"")
        """,
        "app/consumer.py": """
            from confluent_kafka import Consumer
            from kafka import KafkaConsumer

            def run():
                consumer = KafkaConsumer("orders.created", "orders.cancelled", group_id="billing")
                other = Consumer({"group.id": "shipping"})
                other.subscribe(["payments.requested", "orders.created"])
        """,
    })
    assert summary(events) == {
        "orders.cancelled": ([], [("app.consumer", 5)]),
        "orders.created": ([("app.producer", 9)], [("app.consumer", 5), ("app.consumer", 7)]),
        "payments.requested": ([("app.producer", 10)], [("app.consumer", 7)]),
    }
    assert all(event["kind"] == "topic" and event["owner"] is None for event in events.values())


def test_faust_agents_and_topics(tmp_path):
    events = catalog(tmp_path, '["kafka"]', {
        "app/stream.py": """
            import faust

            app = faust.App("clicks", broker="kafka://localhost")
            clicks = app.topic("page-clicks", value_type=bytes)

            @app.agent(clicks)
            async def count(stream):
                async for click in stream:
                    ...

            async def track(click):
                await clicks.send(value=click)
        """,
    })
    assert summary(events) == {"page-clicks": ([("app.stream", 12)], [("app.stream", 6)])}
    assert events["page-clicks"]["owner"] == "app.stream"


def test_kafka_false_positives(tmp_path):
    events = catalog(tmp_path, '["kafka"]', {
        "app/net.py": """
            import json

            def push(sock, ws, data, callback, bus):
                sock.send(data)
                ws.send(json.dumps(data))
                bus.subscribe(callback)
                sock.send(b"raw bytes")
                sock.send(("#RETURN", None))  # a tuple payload, not topics (multiprocessing)
                sock.send(*data, "x")         # after *args, "x" is not the first argument
        """,
    })
    assert events == {}


def test_kafka_clients_shown_by_construction_annotation_and_self_attributes(tmp_path):
    events = catalog(tmp_path, '["kafka"]', {
        "app/clients.py": """
            from typing import Optional

            import confluent_kafka
            from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
            from kafka import KafkaProducer

            class Outbox:
                def __init__(self):
                    self.producer = KafkaProducer(bootstrap_servers="x")
                    self._aio: AIOKafkaProducer

                def flush(self, order):
                    self.producer.send("orders.created", value=order)

                async def later(self, order):
                    await self._aio.send_and_wait("orders.later", order)

            def annotated(producer: Optional[KafkaProducer], other: "confluent_kafka.Producer"):
                producer.send(topic="orders.annotated")
                other.produce("orders.confluent", b"")

            async def consume():
                consumer = AIOKafkaConsumer("orders.aio", bootstrap_servers="x")
                async with AIOKafkaProducer() as producer:
                    await producer.send("orders.context", b"")
                consumer.subscribe(["orders.resubscribed"])
        """,
    })
    assert summary(events) == {
        "orders.aio": ([], [("app.clients", 23)]),
        "orders.annotated": ([("app.clients", 19)], []),
        "orders.confluent": ([("app.clients", 20)], []),
        "orders.context": ([("app.clients", 25)], []),
        "orders.created": ([("app.clients", 13)], []),
        "orders.later": ([("app.clients", 16)], []),
        "orders.resubscribed": ([], [("app.clients", 26)]),
    }


def test_kafka_preset_never_takes_a_method_name_alone(tmp_path):
    # Real shapes from celery, websockets, smtplib and redis: string arguments, no Kafka client.
    events = catalog(tmp_path, '["kafka"]', {
        "app/events.py": """
            import smtplib

            import redis
            from kafka import KafkaProducer

            from app.local import Producer

            def heartbeat(dispatcher, websocket, host):
                dispatcher.send("task-failed", uuid=1)
                websocket.send("ping")
                smtplib.SMTP(host).send("EHLO")
                pubsub = redis.Redis().pubsub()
                pubsub.subscribe("news")
                Producer().send("not-kafka")  # a Producer of the project's own

            def shadowed(producer):
                producer.send("unknown-client")

            kafka_producer = KafkaProducer()

            def rebound(kafka_producer):
                kafka_producer.send("parameter-hides-the-client")
        """,
        "app/local.py": "class Producer:\n    def send(self, topic): ...\n",
    })
    assert events == {}


def test_faust_topic_constants_and_agents_send_ask_cast_to_their_channel(tmp_path):
    events = catalog(tmp_path, '["kafka"]', {
        "app/topics.py": 'ORDERS = "orders"\n',
        "app/stream.py": """
            import faust

            from app import topics

            PAYMENTS = "payments"
            app = faust.App("shop", broker="kafka://localhost")
            payments = app.topic(PAYMENTS)
            orders = app.topic(topics.ORDERS, value_type=bytes)

            @app.agent(orders)
            async def process(stream):
                async for order in stream:
                    await payments.send(value=order)
        """,
        "app/web.py": """
            from app.stream import process

            async def checkout(order):
                await process.send(value=order)
                await process.ask(value=order)
                await process.cast(value=order)
        """,
    })
    assert summary(events) == {
        "orders": ([("app.web", 4), ("app.web", 5), ("app.web", 6)], [("app.stream", 10)]),
        "payments": ([("app.stream", 13)], []),
    }
    assert events["orders"]["owner"] == events["payments"]["owner"] == "app.stream"


def test_saved_bound_methods_and_signals_of_classes_and_instances(tmp_path):
    events = catalog(tmp_path, '["django"]', {
        "app/signals.py": """
            from django.dispatch import Signal

            task_prerun = Signal()
            task_sent = Signal()
        """,
        "app/trace.py": """
            from django.dispatch import Signal

            from app import signals

            send_prerun = signals.task_prerun.send

            class Worker:
                ready = Signal()

                def __init__(self):
                    self.on_configure = Signal()
                    self._send_sent = signals.task_sent.send

                def run(self, task):
                    send_prerun(sender=task)
                    self.ready.send(sender=self)
                    self.on_configure.send(sender=self)
                    self._send_sent(sender=self)

            def publish(task, make_sender):
                send_sent = signals.task_sent.send
                send_sent(sender=task)
                other = make_sender()
                other(sender=task)            # a value nobody can name: no event
                twice = signals.task_sent.send
                twice = make_sender()
                twice(sender=task)            # bound twice: not the signal's send
        """,
        "app/ui.py": """
            from app.trace import Worker

            Worker.ready.connect(print)
        """,
    })
    assert summary(events) == {
        "app.signals.task_prerun": ([("app.trace", 15)], []),
        "app.signals.task_sent": ([("app.trace", 18), ("app.trace", 22)], []),
        "app.trace.Worker.on_configure": ([("app.trace", 17)], []),
        "app.trace.Worker.ready": ([("app.trace", 16)], [("app.ui", 3)]),
    }
    assert events["app.trace.Worker.ready"]["owner"] == "app.trace"
    assert sites(events["app.trace.Worker.on_configure"], "defined") == [("app.trace", 11)]


# --------------------------------------------------------------------------- wagtail / pluggy


def test_wagtail_hooks_resolved_through_imports_owned_by_their_fetcher(tmp_path):
    events = catalog(tmp_path, '["wagtail"]', {
        "app/core/views.py": """
            from wagtail import hooks

            def serve(page, request):
                for fn in hooks.get_hooks("before_serve_page"):
                    fn(page, request)
                return hooks.get_hooks(hook_name="construct_main_menu")
        """,
        "app/blog/wagtail_hooks.py": """
            from django.contrib import admin
            from django.core.checks import register

            from wagtail import hooks
            from wagtail.hooks import register as register_hook

            @hooks.register("before_serve_page")
            def check_paywall(page, request): ...

            def menu(request, items): ...

            hooks.register("construct_main_menu", menu)
            register_hook("insert_editor_js", menu)

            @register("search")  # Django's system checks, not a hook
            def check_backends(app_configs, **kwargs): ...

            admin.site.register(object)
        """,
    })
    assert summary(events) == {
        "before_serve_page": ([("app.core.views", 4)], [("app.blog.wagtail_hooks", 7)]),
        "construct_main_menu": ([("app.core.views", 6)], [("app.blog.wagtail_hooks", 12)]),
        "insert_editor_js": ([], [("app.blog.wagtail_hooks", 13)]),
    }
    assert events["before_serve_page"]["owner"] == "app.core.views"  # the fetcher
    assert events["insert_editor_js"]["owner"] is None  # nobody fetches it here


def test_pluggy_hookspecs_define_hookimpls_consume_and_hook_calls_publish(tmp_path):
    events = catalog(tmp_path, '["pluggy"]', {
        "app/spec.py": """
            import pluggy

            hookspec = pluggy.HookspecMarker("app")
            hookimpl = pluggy.HookimplMarker("app")

            @hookspec
            def app_startup(config): ...

            @hookspec(firstresult=True)
            def app_render(value): ...
        """,
        "app/manager.py": """
            import pluggy

            from app import spec

            class Manager:
                def __init__(self):
                    self.pm = pluggy.PluginManager("app")
                    self.pm.add_hookspecs(spec)

                def start(self, config):
                    self.pm.hook.app_startup(config=config)
                    self.pm.hook.not_a_spec(config=config)   # no hookspec of that name
                    return self.hook.app_render(value=1)
        """,
        "app/plugins/auth.py": """
            from app.spec import hookimpl

            @hookimpl
            def app_startup(config): ...

            @hookimpl(specname="app_render", tryfirst=True)
            def render_twice(value): ...

            @hookimpl
            def helper(): ...  # implements no hookspec

            class Plugin:
                @hookimpl
                def app_render(self, value): ...
        """,
        "app/other.py": """
            from app.local import Marker

            spec = Marker("x")

            @spec
            def looks_like_a_spec(): ...  # not a pluggy HookspecMarker
        """,
        "app/local.py": "class Marker: ...\n",
    })
    assert summary(events) == {
        "app_render": ([("app.manager", 13)], [("app.plugins.auth", 6), ("app.plugins.auth", 13)]),
        "app_startup": ([("app.manager", 11)], [("app.plugins.auth", 3)]),
    }
    assert events["app_startup"]["owner"] == events["app_render"]["owner"] == "app.spec"
    assert sites(events["app_render"], "defined") == [("app.spec", 9)]


# --------------------------------------------------------------------------- custom patterns


HOOKS = """
[[tool.depcheck.events.patterns]]
name = "hooks.get_hooks"
kind = "publish"
call = "app.core.hooks.get_hooks"
event = "arg:0"
accepts = "topic"

[[tool.depcheck.events.patterns]]
name = "hooks.register"
kind = "consume"
call = "app.core.hooks.register"
event = ["arg:0", "kw:hook_name"]
accepts = "topic"

[tool.depcheck.events.owners]
"before_serve_page" = "app.core"
"""


def test_string_keyed_hook_registry_as_custom_patterns(tmp_path):
    events = catalog(tmp_path, "[]", {
        "app/core/views.py": """
            from app.core import hooks

            def serve(page, request):
                for fn in hooks.get_hooks("before_serve_page"):
                    fn(page, request)
        """,
        "app/blog/wagtail_hooks.py": """
            from app.core import hooks

            @hooks.register("before_serve_page")
            def check_paywall(page, request): ...

            @hooks.register(hook_name="insert_editor_js")
            def editor_js(): ...

            admin.site.register(BlogPost)  # a model admin, not a hook: no string
        """,
        "app/search/checks.py": """
            from django.core.checks import register

            @register("search")  # a system check, not a hook
            def check_backends(app_configs, **kwargs): ...
        """,
    }, extra=HOOKS)
    assert summary(events) == {
        "before_serve_page": ([("app.core.views", 4)], [("app.blog.wagtail_hooks", 3)]),
        "insert_editor_js": ([], [("app.blog.wagtail_hooks", 6)]),
    }
    assert events["before_serve_page"]["owner"] == "app.core"


def test_custom_glob_pattern(tmp_path):
    extra = """
[[tool.depcheck.events.patterns]]
kind = "publish"
call = "*.publish_*"
event = "kw:event"
"""
    events = catalog(tmp_path, "[]", {
        "app/events.py": "class Shipped: ...\n",
        "app/ship.py": "from app.events import Shipped\n\n"
                       "def go(bus):\n    bus.publish_later(event=Shipped)\n",
    }, extra=extra)
    assert summary(events) == {"app.events.Shipped": ([("app.ship", 4)], [])}


def test_lone_carriage_returns_end_lines_for_the_statement_filter_too(tmp_path):
    source = "from app.events import Shipped\r\r\r\rdef go(bus):\r    x = 1\r    bus.publish(Shipped)\r"
    events = catalog(tmp_path, '["bus"]', {"app/events.py": "class Shipped: ...\n", "app/ship.py": source})
    assert summary(events) == {"app.events.Shipped": ([("app.ship", 7)], [])}


def test_a_very_long_call_chain_does_not_stop_the_run(tmp_path):
    chain = "from app.signals import sig\n\nsig" + ".send()" * 900 + "\n"
    events = catalog(tmp_path, '["django"]', {
        "app/signals.py": "from django.dispatch import Signal\n\nsig = Signal()\n",
        "app/chain.py": chain,
        "app/ok.py": "from app.signals import sig\n\nsig.send(sender=None)\n",
    })
    assert summary(events) == {"app.signals.sig": ([("app.ok", 3)], [])}


def test_a_broken_string_annotation_is_no_client_and_no_crash(tmp_path):
    events = catalog(tmp_path, '["kafka"]', {
        "app/p.py": 'from kafka import KafkaProducer\n\ndef f(p: "KafkaProducer[", q: "1 is 1"):\n'
                    '    p.send("lost")\n    q.send("lost")\n',
    })
    assert events == {}
