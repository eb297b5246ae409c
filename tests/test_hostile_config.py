"""Config that looks valid but cannot mean anything: errors or warnings, never silence."""

from __future__ import annotations

import pytest

from depcheck.cli import main
from tests.conftest import run_json, write_project

PACKAGE = {"app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": ""}


def config(body: str) -> dict[str, str]:
    return {"pyproject.toml": f'[tool.depcheck]\npackages = ["app"]\n{body}\n', **PACKAGE}


@pytest.mark.parametrize("layers", ['["app.a", "app.a.__init__"]', '["app.a", " app.a "]', '[["app.a", "app.b"], "app.b"]'])
def test_the_same_module_twice_in_different_forms(tmp_path, capsys, layers):
    write_project(tmp_path, config(f"layers = {layers}"))
    assert main(["check", str(tmp_path)]) == 2
    assert "is listed twice" in capsys.readouterr().err


@pytest.mark.parametrize(
    "pattern, expected",
    [
        ('kind = "publish"\ncall = "fire"\nevent = "object"', "'object' needs a method call pattern like '*.fire'"),
        ('kind = "publish"\ncall = "a..b"\nevent = "arg:0"', "expected a call name or glob"),
        ('kind = "publish"\ncall = ".fire"\nevent = "arg:0"', "expected a call name or glob"),
        ('kind = "shout"\ncall = "fire"\nevent = "arg:0"', "expected one of"),
        ('kind = "publish"\ncall = "fire"\nevent = "arg:x"', "expected where the event is"),
    ],
)
def test_patterns_that_can_never_match_are_config_errors(tmp_path, capsys, pattern, expected):
    write_project(tmp_path, config(f"[tool.depcheck.events]\n[[tool.depcheck.events.patterns]]\n{pattern}"))
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.splitlines()) == 1


def test_unknown_preset_is_a_config_error(tmp_path, capsys):
    write_project(tmp_path, config('[tool.depcheck.events]\npresets = ["djang"]'))
    assert main(["check", str(tmp_path)]) == 2
    assert "unknown preset 'djang' (did you mean 'django'?)" in capsys.readouterr().err


def test_an_owner_glob_that_matches_no_event_is_a_warning_at_its_line(project):
    files = config(
        '[tool.depcheck.events]\npresets = ["kafka"]\n[tool.depcheck.events.owners]\n'
        '"orders.*" = "app.a"\n"ordrs.*" = "app.a"'
    )
    files["app/b/worker.py"] = 'from kafka import KafkaProducer\nproducer = KafkaProducer()\nproducer.send("orders.created")\n'
    files["app/a/listen.py"] = 'from aiokafka import AIOKafkaConsumer\nconsumer = AIOKafkaConsumer()\nconsumer.subscribe(["orders.created"])\n'
    code, doc = run_json(project(files))
    assert code == 0
    (warning,) = [v for v in doc["violations"] if v["rule"] == "unused-config"]
    assert warning["severity"] == "warning"
    assert warning["location"] == {"file": "pyproject.toml", "line": 7, "column": 1}
    assert "'ordrs.*'" in warning["message"]


def test_empty_layer_and_empty_packages(tmp_path, capsys):
    write_project(tmp_path, config('layers = [[], "app.a"]'))
    assert main(["check", str(tmp_path)]) == 2
    assert "an empty layer" in capsys.readouterr().err
    write_project(tmp_path, {"pyproject.toml": "[tool.depcheck]\npackages = []\n"})
    assert main(["check", str(tmp_path)]) == 2
    assert "expected at least one package name" in capsys.readouterr().err
