"""Uses of imported names (calls, dotted access, re-exports) and dynamic dependencies."""

from __future__ import annotations

import dataclasses
import textwrap

from depcheck.cli import main
from depcheck.facts import extract
from depcheck.model import ExtractionSettings, Loader, Use, UseSettings
from tests.conftest import rules_of, run_json

CONFIG = """
[tool.depcheck]
packages = ["shop"]
layers = ["shop.orders", "shop.billing"]
"""

ORDERS = {
    "shop/__init__.py": "",
    "shop/orders/__init__.py": "from .api import create_order\n",
    "shop/orders/api.py": "def create_order(): ...\nclass Base: ...\ndef register(f): return f\n",
    "shop/billing/__init__.py": "",
}


def files(invoice: str, config: str = CONFIG, **extra: str) -> dict[str, str]:
    return {"pyproject.toml": config, **ORDERS, "shop/billing/invoice.py": invoice, **extra}


def layer_evidence(doc: dict) -> list[tuple]:
    """(kind, to, line, name, import_line) of every layer violation's evidence."""
    return sorted(
        (e["kind"], e["to"], e["line"], e.get("name"), e.get("import_line"))
        for v in doc["violations"] if v["rule"] == "layer" for e in v["evidence"]
    )


def uses_of(source: str, **settings) -> list[tuple]:
    facts = extract(textwrap.dedent(source).encode(), ExtractionSettings(uses=UseSettings(packages=("shop",), **settings)))
    return [(u.kind, u.name, u.line) for u in facts.uses]


# --------------------------------------------------------------------------- uses as evidence


def test_calls_are_evidence_under_the_import_with_the_qualified_name(project):
    code, doc = run_json(project(files(
        "from shop.orders.api import create_order\n\n\ndef bill():\n    return create_order()\n"
    )))
    assert code == 1
    (violation,) = doc["violations"]
    assert violation["evidence"] == [
        {"kind": "import", "from": "shop.billing.invoice", "to": "shop.orders.api",
         "file": "shop/billing/invoice.py", "line": 1, "column": 1,
         "text": "from shop.orders.api import create_order"},
        {"kind": "call", "from": "shop.billing.invoice", "to": "shop.orders.api",
         "file": "shop/billing/invoice.py", "line": 5, "column": 12, "text": "return create_order()",
         "name": "shop.orders.api.create_order", "import_line": 1},
    ]


def test_base_classes_decorators_annotations_and_reads_are_uses():
    found = uses_of("""
        from shop.orders import api

        @api.register
        class A(api.Base):
            limit: api.Limit = api.DEFAULT

        def f(x: api.Base) -> api.Result:
            return api.create_order(x)
    """)
    assert found == [
        ("use", "shop.orders.api.register", 4),
        ("use", "shop.orders.api.Base", 5),
        ("use", "shop.orders.api.Limit", 6),
        ("use", "shop.orders.api.DEFAULT", 6),
        ("use", "shop.orders.api.Base", 8),
        ("use", "shop.orders.api.Result", 8),
        ("call", "shop.orders.api.create_order", 9),
    ]


def test_only_names_imported_from_the_analysed_packages_are_followed():
    assert uses_of("import os\nfrom shop import orders\nos.path.join()\norders.x()\n") == [
        ("call", "shop.orders.x", 4),
    ]


def test_dotted_access_through_a_parent_package_is_a_dependency(project):
    code, doc = run_json(project(files(
        "import shop\nimport shop.orders as o\n\n\n"
        "def bill():\n    shop.orders.api.create_order()\n    o.api.create_order()\n"
    )))
    assert code == 1
    assert layer_evidence(doc) == [
        ("call", "shop.orders.api", 6, "shop.orders.api.create_order", 1),
        ("call", "shop.orders.api", 7, "shop.orders.api.create_order", 2),
        ("import", "shop.orders", 2, None, None),
    ]
    messages = sorted(v["message"] for v in doc["violations"])
    assert messages[1].startswith("shop.billing.invoice uses shop.orders.api:")


def test_a_re_exported_name_resolves_to_the_module_that_defines_it(project):
    code, doc = run_json(project(files(
        "from shop.orders import create_order\n\n\ndef bill():\n    return create_order()\n"
    )))
    assert code == 1
    assert layer_evidence(doc) == [
        ("call", "shop.orders.api", 5, "shop.orders.api.create_order", 1),
        ("import", "shop.orders", 1, None, None),
    ]


def test_uses_can_be_turned_off(project):
    code, doc = run_json(project(files(
        "import shop\nfrom shop.orders import create_order\n\n\n"
        "def bill():\n    shop.orders.api.create_order()\n    create_order()\n",
        CONFIG + "uses = false\n",
    )))
    assert code == 1
    assert layer_evidence(doc) == [("import", "shop.orders", 2, None, None)]


def test_uses_through_an_excluded_type_checking_import_are_dropped(project):
    invoice = (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import shop\n\n\n"
        "def bill(x: 'int') -> None:\n    shop.orders.api.create_order()\n"
    )
    code, doc = run_json(project(files(invoice)))
    assert code == 1 and layer_evidence(doc)[0][0] == "call"
    code, doc = run_json(project(files(invoice, CONFIG + "type_checking_imports = false\n")))
    assert (code, doc["violations"]) == (0, [])


# --------------------------------------------------------------------------- false positives


def test_a_parameter_or_local_named_like_the_import_hides_it():
    found = uses_of("""
        from shop import orders

        def f(orders):
            orders.api.create_order()

        def g():
            orders = []
            orders.append(1)

        def h():
            for orders in range(3):
                orders.bit_length()

        def k():
            return orders.api.create_order()
    """)
    assert found == [("call", "shop.orders.api.create_order", 16)]


def test_a_shadowed_import_is_not_followed():
    found = uses_of("""
        from shop.orders import api

        def api():
            pass

        api.create_order()
    """)
    assert found == []


def test_a_walrus_binding_hides_the_import():
    found = uses_of("""
        from shop import orders

        def f(xs):
            if (orders := xs):
                orders.pop()
    """)
    assert found == []


def test_a_module_like_local_variable_or_string_is_no_dependency(project):
    code, doc = run_json(project(files(
        "shop = object()\n\n\ndef bill(value='shop.orders.api'):\n"
        "    print('shop.orders.api.create_order')\n    return shop.orders.api.create_order()\n"
    )))
    assert (code, doc["violations"]) == (0, [])


def test_function_level_imports_bind_inside_their_function_only():
    found = uses_of("""
        def f():
            from shop.orders import api
            return api.create_order()

        def g(api):
            return api.create_order()
    """)
    assert found == [("call", "shop.orders.api.create_order", 4)]


# --------------------------------------------------------------------------- suppressions


def test_a_suppression_on_the_import_also_covers_its_uses(project):
    code, doc = run_json(project(files(
        "import shop  # depcheck: ignore[layer]\nfrom shop.orders import create_order  # depcheck: ignore\n\n\n"
        "def bill():\n    shop.orders.api.create_order()\n    create_order()\n"
    )))
    # Both comments are used, so neither is an unused-ignore warning.
    assert (code, doc["violations"]) == (0, [])


def test_a_suppression_on_the_use_line_covers_that_use_only(project):
    code, doc = run_json(project(files(
        "import shop\n\n\ndef bill():\n    shop.orders.api.create_order()  # depcheck: ignore[layer]\n"
        "    shop.orders.api.Base()\n"
    )))
    assert code == 1
    assert [e[2] for e in layer_evidence(doc)] == [6]


def test_an_exception_for_the_import_also_covers_uses_it_leads_elsewhere(project):
    config = CONFIG + """
[[tool.depcheck.exceptions]]
from = "shop.billing"
to = "shop.common"
reason = "legacy facade"
"""
    code, doc = run_json(project(files(
        "from shop.common import create_order\n\n\ndef bill():\n    return create_order()\n", config,
        **{"shop/common/__init__.py": "from shop.orders.api import create_order\n"},
    )))
    # The call lands on shop.orders.api (a higher layer) through the accepted facade import.
    assert (code, doc["violations"]) == (0, [])
    code, doc = run_json(project(files(
        "from shop.common import create_order\n\n\ndef bill():\n    return create_order()\n", CONFIG,
        **{"shop/common/__init__.py": "from shop.orders.api import create_order\n"},
    )))
    assert code == 1
    assert ("call", "shop.orders.api", 5, "shop.orders.api.create_order", 1) in layer_evidence(doc)


def test_add_ignores_comments_the_import_not_the_call(project, capsys):
    root = project(files("import shop\n\n\ndef bill():\n    shop.orders.api.create_order()\n"))
    assert main(["check", "--add-ignores", str(root)]) == 0
    text = (root / "shop/billing/invoice.py").read_text().splitlines()
    assert text[0].startswith("import shop  # depcheck: ignore[layer]")
    assert "depcheck" not in text[4]
    code, doc = run_json(root)
    assert (code, doc["violations"]) == (0, [])


# --------------------------------------------------------------------------- text output


def test_text_output_groups_calls_under_their_import(project, capsys, monkeypatch):
    root = project(files(
        "from shop.orders import api\nimport shop\n\n\ndef bill():\n    api.create_order()\n"
        "    api.Base()\n    shop.orders.api.register(bill)\n"
    ))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(root)  # text paths open from the working directory
    assert main(["check", str(root)]) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("    ")]
    assert lines[:6] == [
        "    shop/billing/invoice.py:1:1  shop.billing.invoice -> shop.orders.api  from shop.orders import api",
        "        shop/billing/invoice.py:6:5  call shop.orders.api.create_order  api.create_order()",
        "        shop/billing/invoice.py:7:5  call shop.orders.api.Base  api.Base()",
        "    shop/billing/invoice.py:2  shop.billing.invoice imports shop, which leads to shop.orders.api:",
        "        shop/billing/invoice.py:8:5  call shop.orders.api.register  shop.orders.api.register(bill)",
        lines[5],
    ]
    assert lines[5].lstrip().startswith("hint:")


# --------------------------------------------------------------------------- dynamic dependencies

DYNAMIC = CONFIG + "[tool.depcheck.dynamic]\nimports = true\n"


def test_importlib_and_dunder_import_with_literal_strings(project):
    invoice = (
        "import importlib\nfrom importlib import import_module\n\n\ndef load(name):\n"
        "    importlib.import_module('shop.orders.api')\n"
        "    import_module('.api', 'shop.orders')\n"
        "    __import__('shop.orders')\n"
        "    import_module(name)\n"
    )
    code, doc = run_json(project(files(invoice, DYNAMIC)))
    assert code == 1
    assert layer_evidence(doc) == [
        ("dynamic-import", "shop.orders", 8, "shop.orders", None),
        ("dynamic-import", "shop.orders.api", 6, "shop.orders.api", None),
        ("dynamic-import", "shop.orders.api", 7, "shop.orders.api", None),
    ]
    # Off by default: without [dynamic] the same code has no dependency at all.
    code, doc = run_json(project(files(invoice)))
    assert (code, doc["violations"]) == (0, [])


def test_import_module_relative_to_this_package():
    found = uses_of("import importlib\nimportlib.import_module('..orders', __package__)\n",
                    dynamic_imports=True)
    facts = extract(b"import importlib\nimportlib.import_module('..orders', __package__)\n",
                    ExtractionSettings(uses=UseSettings(packages=("shop",), dynamic_imports=True)))
    assert found == [("dynamic-import", "orders", 2)] and facts.uses[0].level == 2


def test_an_import_module_that_is_not_importlibs_is_not_dynamic():
    found = uses_of("""
        def import_module(x): ...
        import_module("shop.orders")
        __import__ = print
        __import__("shop.orders")
    """, dynamic_imports=True, uses=False)
    assert found == []


def test_configured_string_loader(project):
    config = CONFIG + (
        "[tool.depcheck.dynamic]\n"
        "loaders = [{ call = 'get_class', module_arg = 0, prefix = 'shop.' }]\n"
    )
    invoice = (
        "from shop.loading import get_class\n\n\n"
        "def load():\n    get_class('orders.api', 'Base')\n    get_class(f'orders.{1}', 'Base')\n"
    )
    code, doc = run_json(project(files(invoice, config, **{"shop/loading.py": "def get_class(m, c): ...\n"})))
    assert code == 1
    assert layer_evidence(doc) == [("string-loader", "shop.orders.api", 5, "shop.orders.api", None)]


def test_loader_matching_and_argument_position():
    settings = {"uses": False, "loaders": (Loader("*.load_*", 1, "shop."), Loader("get_class", 0, ""))}
    found = uses_of("""
        loading.load_view("x", "orders.views")
        load_view("x", "orders.views")
        get_class(*args)
        get_class("not a module path")
    """, **settings)
    assert found == [("string-loader", "shop.orders.views", 2)]


MODELS = CONFIG + "[tool.depcheck.dynamic]\ndjango_models = true\n"
DJANGO_APPS = {
    "shop/orders/apps.py": "from django.apps import AppConfig\n\n\nclass OrdersConfig(AppConfig):\n"
                           "    name = 'shop.orders'\n    label = 'orders'\n",
    "shop/orders/models.py": "class Order: ...\n",
}


def test_django_model_references_by_app_label(project):
    invoice = (
        "from django.apps import apps\nfrom django.db import models\n\n\n"
        "class Invoice(models.Model):\n"
        "    order = models.ForeignKey('orders.Order', on_delete=models.CASCADE)\n"
        "    others = models.ManyToManyField(to='orders.Order')\n"
        "    me = models.ForeignKey('self', on_delete=models.CASCADE)\n"
        "    nobody = models.ForeignKey('unknown.Thing', on_delete=models.CASCADE)\n\n\n"
        "def find():\n    apps.get_model('orders', 'Order')\n    apps.get_model('orders.Order')\n"
    )
    code, doc = run_json(project(files(invoice, MODELS, **DJANGO_APPS)))
    assert code == 1
    assert layer_evidence(doc) == [
        ("django-model", "shop.orders.models", line, "orders", None) for line in (6, 7, 13, 14)
    ]


def test_app_label_from_config_and_from_app_config_name(project):
    config = MODELS + "app_labels = { sales = 'shop.orders' }\n"
    invoice = "from django.apps import apps\napps.get_model('sales', 'Order')\napps.get_model('orders.Order')\n"
    apps_py = {"shop/orders/apps.py": "class C(AppConfig):\n    name = 'shop.orders'\n"}
    code, doc = run_json(project(files(invoice, config, **apps_py)))
    assert code == 1
    # No models module: the edge goes to the app's package; "orders" comes from name's last part.
    assert layer_evidence(doc) == [
        ("django-model", "shop.orders", 2, "sales", None), ("django-model", "shop.orders", 3, "orders", None),
    ]


def test_dynamic_config_errors_are_one_line_each(project, capsys):
    config = CONFIG + "uses = 'no'\n" + (
        "[tool.depcheck.dynamic]\nimports = 'yes'\nloaders = [{ call = 'get class', module_arg = -1 }]\n"
        "app_labels = { orders = 'not a module' }\nmystery = 1\n"
    )
    root = project(files("", config))
    assert main(["check", str(root)]) == 2
    err = capsys.readouterr().err
    for key in ("uses", "dynamic.imports", "dynamic.loaders[0].call", "dynamic.loaders[0].module_arg",
                "dynamic.app_labels.orders", "dynamic.mystery"):
        assert f"tool.depcheck.{key}:" in err
    assert "Traceback" not in err


def test_uses_are_plain_frozen_facts():
    facts = extract(b"from shop import orders\norders.go()\n", ExtractionSettings(uses=UseSettings(packages=("shop",))))
    (use,) = facts.uses
    assert isinstance(facts.uses, tuple)
    assert Use(*dataclasses.astuple(use)) == use
    assert all(isinstance(v, (int, str)) for v in dataclasses.astuple(use))


def test_rules_see_use_edges_like_any_other(project):
    config = """
[tool.depcheck]
packages = ["shop"]
acyclic = ["shop.orders", "shop.billing"]
"""
    orders_uses_billing = {"shop/orders/api.py": "import shop\n\n\ndef create_order():\n    shop.billing.invoice.bill()\n"}
    code, doc = run_json(project(files("from shop.orders import create_order\n", config, **orders_uses_billing)))
    assert code == 1 and rules_of(doc) == ["cycle"]
    kinds = {e["kind"] for e in doc["violations"][0]["evidence"]}
    assert kinds == {"import", "call"}


def test_a_dynamic_import_of_a_third_party_package_is_external(project):
    config = DYNAMIC + """
[[tool.depcheck.forbidden]]
from = "shop.billing"
to = "requests"
"""
    code, doc = run_json(project(files("import importlib\nhttp = importlib.import_module('requests.adapters')\n", config)))
    assert code == 1
    (violation,) = doc["violations"]
    assert violation["rule"] == "forbidden"
    assert [(e["kind"], e["to"], e["line"]) for e in violation["evidence"]] == [
        ("dynamic-import", "requests.adapters", 2),
    ]


def test_line_endings_do_not_shift_or_hide_uses():
    settings = UseSettings(packages=("shop",))
    for source, line in [
        (b"import shop\r\n\r\nshop.orders.x()\r\n", 3),
        (b"import shop\r\rshop.orders.x()\r", 3),  # old Mac line ends
        (b"import shop\x0c\n\nshop.orders.x()\n", 3),  # a form feed ends no line for Python
        (b"import shop\n\n\\\nshop.orders.x()\n", 4),
    ]:
        (use,) = extract(source, ExtractionSettings(uses=settings)).uses
        assert (use.line, use.name) == (line, "shop.orders.x"), source


def test_a_function_inside_a_match_case_still_scopes_its_parameters():
    import sys

    if sys.version_info < (3, 10):
        return
    found = uses_of("""
        from shop import orders

        match 1:
            case 1:
                def f(orders):
                    orders.pop()
                orders.api.go()
    """)
    assert found == [("call", "shop.orders.api.go", 8)]


def test_events_and_uses_share_one_binding_of_the_module(monkeypatch):
    import depcheck.facts as facts
    from depcheck.patterns import PRESETS

    calls = []

    def counted(*args):
        calls.append(args)
        return bind_module(*args)

    bind_module = facts.bind_module
    monkeypatch.setattr(facts, "bind_module", counted)
    source = b"from shop import signals\nfrom shop.orders import Order\n\nsignals.paid.send(sender=Order)\n"
    found = facts.extract(source, ExtractionSettings(PRESETS["django"], UseSettings(packages=("shop",))))
    assert len(calls) == 1
    assert [(e.kind, e.event) for e in found.events] == [("publish", "shop.signals.paid")]
    assert [(u.kind, u.name) for u in found.uses] == [("call", "shop.signals.paid.send"), ("use", "shop.orders.Order")]
