"""The use walk's prefilter is exact: it skips only statements that cannot hold a use.

Every test compares the facts extracted with the prefilter against the facts
of the walk over every statement (``use_statements`` patched to admit all),
on hand-written traps, on hypothesmith's random sources, and on every file of
Django 5.2.8, celery 5.5.3 and a codebase from bench/bench.py's generator.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings

import depcheck.facts.uses as uses_module
from depcheck.facts import extract, prefilter
from depcheck.facts.prefilter import EVERY, name_lines
from depcheck.model import ExtractionSettings, FileFacts, Loader, UseSettings
from tests.conftest import download_source

ROOT = Path(__file__).resolve().parent.parent
CELERY = "celery==5.5.3"


def _settings(*packages: str) -> ExtractionSettings:
    return ExtractionSettings(uses=UseSettings(packages=packages, dynamic_imports=True, django_models=True))


def _unfiltered(data: bytes, extraction: ExtractionSettings) -> FileFacts:
    original = uses_module.use_statements
    uses_module.use_statements = lambda *args, **kwargs: EVERY  # type: ignore[assignment]
    try:
        return extract(data, extraction)
    finally:
        uses_module.use_statements = original


def _differences(files: list[Path], extraction: ExtractionSettings) -> list[str]:
    """Files whose facts differ with the prefilter, under both f-string grammars (before and from 3.12)."""
    differ = []
    nested = prefilter.NESTED_FSTRINGS
    try:
        for path in files:
            data = path.read_bytes()
            expected = _unfiltered(data, extraction)
            for prefilter.NESTED_FSTRINGS in (False, True):
                if extract(data, extraction) != expected:
                    differ.append(f"{path} (nested f-strings: {prefilter.NESTED_FSTRINGS})")
    finally:
        prefilter.NESTED_FSTRINGS = nested
    return differ


TRAPS = {
    "docstring and comment only": 'import pkg.a\n"""pkg is here."""\n# pkg too\nx = 1\n',
    "bare name": "import pkg.a\ndef f():\n    return pkg\n",
    "f-string field": 'import pkg.a\ndef f():\n    return f"{pkg.a.x}"\n',
    "prefixed f-string": 'from pkg import a\nprint(rf"{a}", Rb"a", fR"{ a }")\n',
    "keyword before a string": 'from pkg import a\nif"x"in a:\n    pass\nelif"a"or a:\n    pass\n',
    "import then use on one line": "from pkg import a; a.run()\n",
    "use before the import on its line": "if a: from pkg import a\nfrom pkg import a\n",
    "lazy import": "def f():\n    from pkg import a\n    return 1\n\ndef g():\n    return a\n\nfrom pkg import a\n",
    "attribute and definition": "from pkg import a\nx.a = 1\ndef a():\n    pass\nclass  a: pass\n",
    "escaped quotes": 'from pkg import a\ns = "\\"a"; t = \'\\\'\'; u = """a\\""" a"""; a.x\n',
    "continued string": 'from pkg import a\ns = "x\\\na"\nb = a\n',
    "triple quote runs": "from pkg import a\ns = '''x''''' + a\n",
    "hash in a string": 'from pkg import a\ns = "#" + a\n',
    "crlf": 'from pkg import a\r\n"""a"""\r\nb = a\r\n',
    "walrus and shadowing": "from pkg import a\ndef f(a):\n    return a\nif (a := 1):\n    pass\n",
    "alias of an import": "import pkg.mod as m\nX = m.thing\ndef f():\n    return X\n",
    "dynamic load": 'import importlib\nfrom pkg import a\nimportlib.import_module("pkg.b")\n',
}


@pytest.mark.parametrize("name", sorted(TRAPS))
def test_traps(name: str, tmp_path: Path) -> None:
    path = tmp_path / "trap.py"
    path.write_bytes(TRAPS[name].encode())
    assert _differences([path], _settings("pkg")) == []


def test_the_traps_find_uses() -> None:
    """The traps are not vacuous: the prefilter keeps the uses they hold."""
    found = {name: extract(source.encode(), _settings("pkg")).uses for name, source in TRAPS.items()}
    assert [u.line for u in found["bare name"]] == [3]
    assert [u.name for u in found["f-string field"]] == ["pkg.a.x"]
    assert [u.line for u in found["use before the import on its line"]] == [1]
    assert [u.line for u in found["import then use on one line"]] == [1]
    assert found["docstring and comment only"] == ()


def test_name_lines_drops_what_cannot_be_a_name() -> None:
    text = (
        '"""pkg in a docstring."""\n'  # 1
        "# pkg in a comment\n"  # 2
        "import pkg.a\n"  # 3
        "x.pkg = pkg_2\n"  # 4: an attribute, a longer name
        "def pkg(): pass\n"  # 5: what def defines
        "y = f'{pkg}'\n"  # 6: an f-string field
        "z = b'pkg' + pkg\n"  # 7: a name after bytes
    )
    imports = [node for node in ast.parse(text).body if isinstance(node, ast.Import)]
    assert name_lines(text, ["pkg"], imports) == [6, 7]


def test_fstrings_that_may_end_later_stop_the_scanner() -> None:
    """From 3.12 an f-string's field may hold its own quote: the scanner stops telling code from text."""
    assert not prefilter._may_end_later('"plain {x}"')
    assert not prefilter._may_end_later('"no fields"')
    for literal in ('"{d["', '"{x!r:{w}}"', "\"{d['k']}\"", '"{x # c"', '"{{x}}{y}"', '"{a\\n}"'):
        assert prefilter._may_end_later(literal), literal


def test_loaders_and_globs_still_count_everywhere() -> None:
    source = b'from pkg import a\nget_class("x.y")\n'
    extraction = ExtractionSettings(uses=UseSettings(packages=("pkg",), loaders=(Loader("get_class"),)))
    assert [u.kind for u in extract(source, extraction).uses] == ["string-loader"]
    glob = ExtractionSettings(uses=UseSettings(packages=("pkg",), loaders=(Loader("get_*"),)))
    assert prefilter.use_statements("get_class('x')", (), (), glob.uses.loaders) is EVERY


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(hypothesmith.from_grammar())
def test_random_sources(source: str) -> None:
    data = source.encode("utf-8", "surrogatepass")
    extraction = _settings(*"abcdefghijklmnopqrstuvwxyz_")
    expected = _unfiltered(data, extraction)
    assert extract(data, extraction) == expected


# --------------------------------------------------------------------------- real codebases


def _python_files(root: Path) -> list[Path]:
    files = sorted(root.rglob("*.py"))
    assert len(files) > 100, root
    return files


def test_exact_on_django(django_source: Path) -> None:
    files = _python_files(django_source / "django")
    assert _differences(files, _settings("django")) == []


@pytest.fixture(scope="module")
def celery_source(tmp_path_factory) -> Path:
    return download_source(tmp_path_factory, CELERY) / "celery"


def test_exact_on_celery(celery_source: Path) -> None:
    assert _differences(_python_files(celery_source), _settings("celery")) == []


def test_exact_on_the_synthetic_codebase(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_generator", ROOT / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_generator"] = bench  # dataclasses look their module up
    try:
        spec.loader.exec_module(bench)
        bench.generate_synth(tmp_path, 400, 1)
    finally:
        del sys.modules["bench_generator"]
    files = _python_files(tmp_path / "synth")
    assert _differences(files, _settings("synth")) == []
    # ``synth`` occurs in every docstring and import, never as a name in code: no statement to walk for it.
    for path in (p for p in files if p.name != "__init__.py"):
        text = path.read_text()
        imports = [n for n in ast.walk(ast.parse(text)) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert "synth" in text and name_lines(text, ["synth"], imports) == [], path
