"""The django preset on a real project: django-oscar's signals, checked against its source.

What a reading of django-oscar 3.2.4 shows (verified by hand before writing this):
fifteen ``Signal()`` objects in seven ``signals.py`` modules; ``basket_addition``
is defined in ``oscar/apps/basket/signals.py``, sent through a class attribute
(``add_signal = basket_addition`` then ``self.add_signal.send``) in
``basket/views.py`` and received with ``@receiver`` in ``analytics/receivers.py``;
``voucher_addition`` is received with ``.connect`` in ``voucher/receivers.py``;
``start_checkout`` is sent as ``signals.start_checkout.send_robust`` after
``from . import signals``; ``communication/utils.py`` calls ``email.send()`` on
an e-mail, which is not a signal.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from depcheck.cli import main
from tests.conftest import run_events, run_json, sites

VERSION = "3.2.4"


@pytest.fixture(scope="module")
def oscar(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("oscar")
    download = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         f"django-oscar=={VERSION}", "-d", str(root / "dist"), "-q"],
        capture_output=True, text=True, timeout=300,
    )
    wheels = list((root / "dist").glob("django_oscar-*.whl"))
    if download.returncode != 0 or not wheels:
        pytest.fail(f"could not download django-oscar {VERSION} from PyPI: {download.stderr.strip()[-200:]}")
    with zipfile.ZipFile(wheels[0]) as wheel:
        wheel.extractall(root / "src", [n for n in wheel.namelist() if n.startswith("oscar/")])
    (root / "src" / "pyproject.toml").write_text(
        '[tool.depcheck]\npackages = ["oscar"]\nacyclic = []\n'
        '[tool.depcheck.events]\npresets = ["django"]\n'
    )
    return root / "src"


SIGNALS = {
    "basket": ["basket_addition", "voucher_addition", "voucher_removal"],
    "catalogue": ["product_viewed"],
    "catalogue.reviews": ["review_added"],
    "checkout": ["start_checkout", "pre_payment", "post_payment", "post_checkout"],
    "customer": ["user_registered", "user_logged_in"],
    "order": ["order_placed", "order_status_changed", "order_line_status_changed"],
    "search": ["user_search"],
}


def test_every_oscar_signal_and_nothing_else(oscar):
    events = run_events(oscar)
    expected = {f"oscar.apps.{app}.signals.{name}" for app, names in SIGNALS.items() for name in names}
    assert {e for e in events if e.startswith("oscar.")} == expected
    for event_id in expected:
        module = event_id.rsplit(".", 1)[0]
        assert events[event_id]["owner"] == module
        assert [m for m, _ in sites(events[event_id], "defined")] == [module]
    # Everything else is one of Django's own model signals, never an e-mail's send().
    assert {e for e in events if not e.startswith("oscar.")} == {
        "django.db.models.signals.post_delete", "django.db.models.signals.post_save",
        "django.db.models.signals.pre_save",
    }
    every_site = [s for e in events.values() for side in ("publishers", "consumers") for s in e[side]]
    assert not any(s["file"] == "oscar/apps/communication/utils.py" for s in every_site)


def test_oscar_senders_and_receivers_match_the_source(oscar):
    events = run_events(oscar)

    def uses(name: str) -> tuple[list, list]:
        return sites(events[name], "publishers"), sites(events[name], "consumers")

    basket = events["oscar.apps.basket.signals.basket_addition"]
    assert basket["defined"][0]["file"] == "oscar/apps/basket/signals.py"
    assert uses("oscar.apps.basket.signals.basket_addition") == (
        [("oscar.apps.basket.views", 374)], [("oscar.apps.analytics.receivers", 100)],
    )
    assert uses("oscar.apps.basket.signals.voucher_addition") == (
        [("oscar.apps.basket.views", 429)], [("oscar.apps.voucher.receivers", 22)],
    )
    assert uses("oscar.apps.order.signals.order_placed") == (
        [("oscar.apps.order.utils", 128)], [("oscar.apps.analytics.receivers", 110)],
    )
    assert uses("oscar.apps.catalogue.signals.product_viewed") == (
        [("oscar.apps.catalogue.views", 93)],
        [("oscar.apps.analytics.receivers", 82), ("oscar.apps.customer.receivers", 10)],
    )
    assert uses("oscar.apps.checkout.signals.start_checkout")[0] == [
        ("oscar.apps.checkout.views", 55), ("oscar.apps.checkout.views", 75),
        ("oscar.apps.checkout.views", 98),
    ]
    assert uses("oscar.apps.checkout.signals.post_checkout")[0] == [("oscar.apps.checkout.mixins", 289)]
    assert sites(events["django.db.models.signals.post_save"], "consumers") == [
        ("oscar.apps.catalogue.receivers", 38), ("oscar.apps.customer.alerts.receivers", 18),
        ("oscar.apps.partner.receivers", 11),
    ]


def test_oscar_check_reports_the_receivers_edges_and_unconsumed_signals(oscar):
    code, doc = run_json(oscar)
    assert code == 0  # no layers configured: only hygiene warnings
    unconsumed = sorted(
        v["evidence"][0]["event"] for v in doc["violations"] if v["rule"] == "event-not-consumed"
    )
    assert "oscar.apps.order.signals.order_status_changed" in unconsumed
    assert "oscar.apps.basket.signals.basket_addition" not in unconsumed
    assert all(v["rule"] == "event-not-consumed" for v in doc["violations"])


# --------------------------------------------------------------------------- dynamic loads

# django-oscar reaches other apps through its loader (``get_class("checkout.calculators",
# "OrderTotalCalculator")`` loads ``oscar.apps.checkout.calculators``, unless a project forks the
# app) and through model references by app label (``get_model("communication", ...)``,
# ``ForeignKey("catalogue.Product")``), whose labels its ``apps.py`` files declare
# (``label = "catalogue"``, ``name = "oscar.apps.catalogue"``). Checked by reading the source.
OSCAR_DYNAMIC = """
packages = ["oscar"]
acyclic = [{apps}]
max_cycles = 1
[dynamic]
django_models = true
loaders = [
    {{ call = "get_class", module_arg = 0, prefix = "oscar.apps." }},
    {{ call = "get_classes", module_arg = 0, prefix = "oscar.apps." }},
]
"""


def oscar_graph(root: Path, dynamic: bool, components: bool) -> dict:
    import contextlib
    import io
    import json

    apps = ", ".join(f'"oscar.apps.{p.name}"' for p in sorted((root / "oscar/apps").iterdir()) if p.is_dir())
    text = OSCAR_DYNAMIC.format(apps=apps)
    if not dynamic:
        text = text[: text.index("[dynamic]")]
    config = root / ("dynamic.toml" if dynamic else "static.toml")
    config.write_text(text)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["graph", "--format", "json", "--config", str(config), str(root)]
                    + (["--components"] if components else []))
    assert code == 0
    return json.loads(out.getvalue())


def test_oscar_loader_and_model_references_show_cross_app_dependencies(oscar):
    static = {(e["from"], e["to"]) for e in oscar_graph(oscar, False, True)["edges"]}
    dynamic = oscar_graph(oscar, True, True)["edges"]
    kinds: dict[tuple[str, str], set[str]] = {}
    for edge in dynamic:
        kinds.setdefault((edge["from"], edge["to"]), set()).add(edge["kind"])
    assert static <= set(kinds)
    hidden = {pair for pair in kinds if pair not in static}
    # Most of oscar's cross-app dependencies are invisible to an import graph.
    assert len(hidden) >= 40 and len(hidden) > 3 * len(static)
    app = "oscar.apps."
    assert kinds[(app + "basket", app + "checkout")] == {"string-loader"}
    assert kinds[(app + "checkout", app + "payment")] == {"string-loader"}
    assert kinds[(app + "order", app + "communication")] == {"django-model", "string-loader"}
    assert kinds[(app + "wishlists", app + "catalogue")] == {"django-model"}
    for pair in [("basket", "checkout"), ("checkout", "payment"), ("order", "communication"),
                 ("wishlists", "catalogue")]:
        assert (app + pair[0], app + pair[1]) in hidden

    module_edges = {
        (e["from"], e["to"], e["kind"], e["file"], e["line"]) for e in oscar_graph(oscar, True, False)["edges"]
    }
    for site in [
        # OrderTotalCalculator = get_class("checkout.calculators", "OrderTotalCalculator")
        ("basket.views", "checkout.calculators", "string-loader", "basket/views.py", 29),
        # RedirectRequired, UnableToTakePayment, PaymentError = get_classes("payment.exceptions", [...])
        ("checkout.views", "payment.exceptions", "string-loader", "checkout/views.py", 22),
        # CommunicationEventType = get_model("communication", "CommunicationEventType")
        ("order.utils", "communication.models", "django-model", "order/utils.py", 19),
        # Dispatcher = get_class("communication.utils", "Dispatcher")
        ("order.utils", "communication.utils", "string-loader", "order/utils.py", 20),
        # product = models.ForeignKey("catalogue.Product", ...)
        ("wishlists.abstract_models", "catalogue.models", "django-model", "wishlists/abstract_models.py", 138),
    ]:
        source, target, kind, path, line = site
        assert (app + source, app + target, kind, "oscar/apps/" + path, line) in module_edges


def test_oscar_hides_a_customer_communication_cycle_behind_its_loader(oscar):
    config = oscar / "cycle.toml"
    text = OSCAR_DYNAMIC.format(apps='"oscar.apps.customer", "oscar.apps.communication"')
    config.write_text('exclude = ["oscar/apps/*/migrations/*"]\n' + text)
    code, doc = run_json(oscar, "--config", str(config))
    assert code == 1
    (cycle,) = doc["violations"]
    assert cycle["cycle"] == ["oscar.apps.communication", "oscar.apps.customer", "oscar.apps.communication"]
    # The one hop back: PageTitleMixin = get_class("customer.mixins", "PageTitleMixin")
    assert cycle["location"] == {"file": "oscar/apps/communication/notifications/views.py", "line": 13, "column": 18}
    assert {e["kind"] for e in cycle["evidence"]} == {"string-loader", "django-model"}
    config.write_text('exclude = ["oscar/apps/*/migrations/*"]\n' + text[: text.index("[dynamic]")])
    # With imports alone the cycle is invisible.
    code, doc = run_json(oscar, "--config", str(config))
    assert (code, doc["violations"]) == (0, [])
