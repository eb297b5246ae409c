"""The interface rule: other code may use a component only through what it exposes."""

from __future__ import annotations

import json

import pytest

from depcheck.cli import main
from tests.conftest import run_json

CONFIG = """
[tool.depcheck]
packages = ["shop"]

[[tool.depcheck.interfaces]]
component = "shop.orders"
expose = ["shop.orders.api", "shop.orders.events.*", "shop.orders.models.Order"]
"""

ORDERS = {
    "shop/__init__.py": "",
    "shop/orders/__init__.py": "from .internal import helper\n",
    "shop/orders/api.py": "from .internal import create_order\n",
    "shop/orders/internal.py": "def create_order(): ...\ndef helper(): ...\n",
    "shop/orders/models.py": "class Order: ...\nclass Line: ...\n",
    "shop/orders/events/__init__.py": "",
    "shop/orders/events/created.py": "class Created: ...\n",
    "shop/billing/__init__.py": "",
}


def files(invoice: str, config: str = CONFIG, **extra: str) -> dict[str, str]:
    return {"pyproject.toml": config, **ORDERS, "shop/billing/invoice.py": invoice, **extra}


def interface_violations(doc: dict) -> list[dict]:
    return [v for v in doc["violations"] if v["rule"] == "interface"]


def evidence(violation: dict) -> list[tuple]:
    return [(e["kind"], e["line"], e.get("name")) for e in violation["evidence"]]


def test_exposed_modules_globs_and_names_are_clean(project):
    root = project(files(
        "from shop.orders.api import create_order\n"
        "from shop.orders.events.created import Created\n"
        "from shop.orders.models import Order\n"
        "import shop.orders.api\n\n\n"
        "def bill():\n    create_order()\n    shop.orders.api.create_order()\n    Order.objects\n    Created()\n"
    ))
    code, doc = run_json(root)
    assert interface_violations(doc) == [], doc
    assert code == 0


def test_an_import_of_an_internal_module_is_reported_with_its_uses(project):
    root = project(files("from shop.orders.internal import create_order\n\n\ndef bill():\n    create_order()\n"))
    code, doc = run_json(root)
    assert code == 1
    (violation,) = interface_violations(doc)
    assert (violation["source"], violation["target"]) == ("shop.billing.invoice", "shop.orders")
    assert violation["chain"] == ["shop.billing.invoice", "shop.orders.internal"]
    assert evidence(violation) == [("import", 1, None), ("call", 5, "shop.orders.internal.create_order")]
    assert "shop.orders does not expose" in violation["message"]


def test_a_name_not_listed_from_a_module_that_exposes_one_name(project):
    root = project(files("from shop.orders.models import Order, Line\n"))
    _, doc = run_json(root)
    (violation,) = interface_violations(doc)
    assert violation["chain"] == ["shop.billing.invoice", "shop.orders.models"]


def test_dotted_use_through_a_parent_package_is_reported(project):
    root = project(files("import shop\n\n\ndef bill():\n    shop.orders.internal.helper()\n"))
    code, doc = run_json(root)
    (violation,) = interface_violations(doc)
    assert violation["chain"] == ["shop.billing.invoice", "shop.orders.internal"]
    assert evidence(violation) == [("call", 5, "shop.orders.internal.helper")]
    assert code == 1


def test_a_name_re_exported_by_the_package_init_is_reached_through_an_unexposed_module(project):
    root = project(files("from shop import orders\n\n\ndef bill():\n    orders.helper()\n    orders.api.create_order()\n"))
    _, doc = run_json(root)
    (violation,) = interface_violations(doc)
    # The package import leads to the interface; the use of what only __init__ offers does not.
    assert evidence(violation) == [("call", 5, "shop.orders.internal.helper")]


def test_a_re_export_through_the_exposed_module_is_allowed(project):
    # create_order is defined in internal; billing reaches it through api, which exposes it.
    root = project(files("from shop.orders import api\n\n\ndef bill():\n    api.create_order()\n"))
    code, doc = run_json(root)
    assert interface_violations(doc) == []
    assert code == 0


def test_inside_the_component_everything_is_allowed(project):
    root = project(files("", **{"shop/orders/service.py": "from shop.orders.internal import helper\nhelper()\n"}))
    code, doc = run_json(root)
    assert interface_violations(doc) == []
    assert code == 0


def test_a_suppression_on_the_import_covers_it_and_its_uses(project):
    root = project(files(
        "from shop.orders.internal import helper  # depcheck: ignore[interface]\n\n\ndef bill():\n    helper()\n"
    ))
    code, doc = run_json(root)
    assert interface_violations(doc) == []
    assert code == 0


def test_an_exception_accepts_the_dependency(project):
    config = CONFIG + (
        '\n[[tool.depcheck.exceptions]]\nfrom = "shop.billing"\nto = "shop.orders.internal"\n'
        'reason = "until billing moves to the api"\nrules = ["interface"]\n'
    )
    root = project(files("from shop.orders.internal import helper\nhelper()\n", config))
    code, doc = run_json(root)
    assert interface_violations(doc) == []
    assert code == 0


def test_a_baselined_violation_is_not_reported_again(project, capsys):
    root = project(files("from shop.orders.internal import helper\n"))
    assert main(["baseline", str(root)]) == 0
    capsys.readouterr()
    code, doc = run_json(root)
    assert interface_violations(doc) == []
    assert code == 0
    # A new breach is still reported.
    (root / "shop/billing/other.py").write_text("import shop.orders.internal\n")
    code, doc = run_json(root)
    assert [v["chain"] for v in interface_violations(doc)] == [["shop.billing.other", "shop.orders.internal"]]
    assert code == 1


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "gitlab", "junit"])
def test_every_format_renders_it(project, capsys, fmt):
    root = project(files("from shop.orders.internal import helper\n"))
    assert main(["check", str(root), "--format", fmt, "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert "interface" in out
    assert "shop.orders.internal" in out
    if fmt == "sarif":
        (rule,) = [r for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "interface"]
        assert rule["shortDescription"]["text"] == "Only a component's interface may be used from outside it"


BAD = [
    ('component = "shop.order"\nexpose = ["shop.order.api"]', "'shop.order' matches no module under shop (did you mean 'shop.orders'?)"),
    ('component = "shop.orders"\nexpose = ["shop.orders.apii"]', "'shop.orders.apii' matches no module under shop (did you mean 'shop.orders.api'?)"),
    ('component = "shop.orders"\nexpose = ["shop.billing"]', "'shop.billing' is not inside the component 'shop.orders'"),
    ('component = "shop.orders"\nexpose = "shop.orders.api"', "expected a list of the modules or module.names"),
    ('component = "shop.orders"\nexpsoe = ["shop.orders.api"]', "unknown key (did you mean 'expose'?)"),
]


@pytest.mark.parametrize(("table", "message"), BAD)
def test_bad_interfaces_are_located_one_line_errors(project, capsys, table, message):
    config = f'[tool.depcheck]\npackages = ["shop"]\n\n[[tool.depcheck.interfaces]]\n{table}\n'
    root = project(files("", config))
    assert main(["check", str(root), "--no-cache"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "pyproject.toml:5: tool.depcheck.interfaces[0]" in err or "pyproject.toml:6: tool.depcheck.interfaces[0]" in err


def test_a_module_that_exposes_one_name_is_judged_by_the_names_used(project):
    root = project(files("import shop.orders.models\n\nshop.orders.models.Order\nshop.orders.models.Line\n"))
    _, doc = run_json(root)
    (violation,) = interface_violations(doc)
    assert evidence(violation) == [("use", 4, "shop.orders.models.Line")]
