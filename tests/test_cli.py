"""The command line people already know (ruff's spellings), its messages and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from depcheck.cli import main

SHOP = Path(__file__).resolve().parent.parent / "fixtures" / "shop"
SUMMARY = "Found 3 errors (layer 2, independence 1) in 12 files, 12 modules, 10 dependencies ("


@pytest.fixture
def shop(tmp_path, monkeypatch) -> Path:
    target = tmp_path / "shop"
    shutil.copytree(SHOP, target)
    monkeypatch.chdir(target)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return target


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------- ruff's flags


def test_output_format_is_an_alias_of_format(shop, capsys):
    code, out, _ = run(capsys, "check", "--output-format", "json")
    assert code == 1 and len(json.loads(out)["violations"]) == 3


def test_exit_zero_reports_but_exits_0(shop, capsys):
    code, out, _ = run(capsys, "check", "--exit-zero")
    assert code == 0 and out.rstrip().splitlines()[-1].startswith(SUMMARY)


def test_exit_zero_keeps_exit_2_when_depcheck_cannot_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "check", "--exit-zero")[0] == 2


def test_statistics_one_line_per_rule_most_frequent_first(shop, capsys):
    code, out, _ = run(capsys, "check", "--statistics")
    lines = out.splitlines()
    assert code == 1
    assert lines[:2] == ["2  layer", "1  independence"]
    assert lines[2].startswith(SUMMARY) and len(lines) == 3


def test_statistics_ties_sorted_by_rule_id(shop, capsys):
    code, out, _ = run(capsys, "check", "--statistics", "--ignore", "layer")
    # layer's loops are cycles again once layer is not reported: 5 cycles, 1 independence.
    assert out.splitlines()[:2] == ["5  cycle", "1  independence"]


def test_quiet_prints_only_the_summary_line(shop, capsys):
    code, out, _ = run(capsys, "check", "--quiet")
    assert code == 1 and out.splitlines() == [out.strip()] and out.startswith(SUMMARY)


def test_quiet_and_statistics_refuse_machine_formats(shop, capsys):
    code, out, err = run(capsys, "check", "--quiet", "--format", "sarif")
    assert code == 2 and "--quiet shortens the text and concise formats" in err
    assert json.loads(out)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_select_reports_only_those_rules(shop, capsys):
    code, out, _ = run(capsys, "check", "--format", "json", "--select", "independence")
    assert code == 1 and [v["rule"] for v in json.loads(out)["violations"]] == ["independence"]


def test_ignore_leaves_rules_out_and_their_loops_become_cycles(shop, capsys):
    code, out, _ = run(capsys, "check", "--format", "json", "--ignore", "layer,independence")
    rules = {v["rule"] for v in json.loads(out)["violations"]}
    assert code == 1 and rules == {"cycle"}
    code, out, _ = run(capsys, "check", "--format", "json", "--ignore", "layer,independence,cycle")
    assert code == 0 and json.loads(out)["violations"] == []


def test_select_and_ignore_as_config_keys(shop, capsys):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + 'select = ["layer", "independence"]\nignore = ["layer"]\n')
    code, out, _ = run(capsys, "check", "--format", "json")
    assert [v["rule"] for v in json.loads(out)["violations"]] == ["independence"]
    # --select replaces the config's select; --ignore adds to its ignore.
    code, out, _ = run(capsys, "check", "--format", "json", "--select", "layer,independence")
    assert [v["rule"] for v in json.loads(out)["violations"]] == ["independence"]


def test_ignored_rules_do_not_make_baseline_entries_stale(shop, capsys):
    assert run(capsys, "baseline")[0] == 0
    # Not reported is not fixed: the layer entries stay matched (no stale-baseline error).
    code, out, _ = run(capsys, "check", "--format", "json", "--ignore", "layer,cycle")
    assert code == 0 and json.loads(out)["violations"] == []


def test_unknown_rule_ids_get_a_did_you_mean(shop, capsys):
    code, _, err = run(capsys, "check", "--select", "layr")
    assert code == 2
    assert err.startswith("depcheck: error: --select layr: no such rule (did you mean 'layer'?); rule ids: ")
    assert len(err.splitlines()) == 1
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + 'ignore = ["cylce"]\n')
    code, _, err = run(capsys, "check")
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith("depcheck: config error: pyproject.toml:13: tool.depcheck.ignore: 'cylce' is no "
                          "rule id (did you mean 'cycle'?); rule ids: parse-error, layer,")


def test_concise_one_line_per_violation(shop, capsys):
    code, out, _ = run(capsys, "check", "--format", "concise")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 4
    assert lines[0].startswith(
        "shop/customers/accounts.py:10:5: layer shop.customers.accounts imports shop.orders.service: ")
    assert lines[2].startswith("shop/customers/accounts.py:2:1: independence ")
    assert lines[3].startswith(SUMMARY)


@pytest.mark.parametrize("typo, meant", [
    ("--output-formt", "--output-format"), ("--exit-zeroo", "--exit-zero"), ("--statistcs=1", "--statistics"),
    ("--selct", "--select"), ("--quite", "--quiet"),
])
def test_a_mistyped_flag_gets_a_did_you_mean_on_one_line(shop, capsys, typo, meant):
    code, _, err = run(capsys, "check", typo)
    name = typo.split("=")[0]
    assert code == 2
    assert err == (f"depcheck: error: unknown option '{name}' (did you mean '{meant}'?); "
                   "see 'depcheck check --help'\n")


def test_a_mistyped_choice_or_command_gets_a_did_you_mean(shop, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "--format", "jsn"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.splitlines()) == 1 and "(did you mean 'json'?)" in err
    with pytest.raises(SystemExit) as exc:
        main(["chek"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and len(err.splitlines()) == 1 and "(did you mean 'check'?)" in err


def test_a_config_without_contracts_prints_no_verdict(shop, capsys):
    _, out, _ = run(capsys, "check")
    assert "Contracts:" not in out


# --------------------------------------------------------------------------- paths and file arguments


@pytest.fixture
def monorepo(tmp_path, monkeypatch) -> Path:
    """The shop as one service of a repository: services/shopsvc/pyproject.toml."""
    (tmp_path / ".git").mkdir()
    service = tmp_path / "services" / "shopsvc"
    shutil.copytree(SHOP, service)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def test_text_and_concise_paths_open_from_the_working_directory(monorepo, capsys):
    _, out, _ = run(capsys, "check", "services/shopsvc")
    assert "services/shopsvc/shop/shared/formatting.py:2:5: layer shop.shared.formatting imports" in out
    assert "    services/shopsvc/shop/shared/formatting.py:2:5  shop.shared.formatting -> shop.api.views" in out
    _, out, _ = run(capsys, "check", "--format", "concise", "services/shopsvc")
    assert out.startswith("services/shopsvc/shop/customers/accounts.py:10:5: layer ")
    assert (monorepo / out.split(":")[0]).is_file()


def test_a_path_outside_the_working_directory_is_absolute(monorepo, capsys, monkeypatch):
    service = monorepo / "services" / "shopsvc"
    monkeypatch.chdir(service / "shop" / "api")
    _, out, _ = run(capsys, "check", "--format", "concise", str(service))
    first = out.split(":")[0]
    assert first == (service / "shop" / "customers" / "accounts.py").resolve().as_posix()
    _, out, _ = run(capsys, "check", "--format", "concise", "--select", "layer", str(service))
    assert not any(line.startswith("views.py") for line in out.splitlines())


def test_ci_formats_stay_relative_to_the_repository_root(monorepo, capsys, monkeypatch):
    monkeypatch.chdir(monorepo / "services")
    _, out, _ = run(capsys, "check", "--format", "sarif", "shopsvc")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert "services/shopsvc/shop/shared/formatting.py" in uris
    _, out, _ = run(capsys, "check", "--format", "github", "shopsvc")
    assert "file=services/shopsvc/shop/shared/formatting.py," in out
    _, out, _ = run(capsys, "check", "--format", "json", "shopsvc")
    assert json.loads(out)["violations"][0]["location"]["file"].startswith("shop/")


def test_a_file_argument_narrows_the_report_to_that_file(monorepo, capsys):
    code, out, _ = run(capsys, "check", "--format", "concise", "services/shopsvc/shop/customers/accounts.py")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 3  # layer and independence in accounts.py, then the summary
    assert all(line.startswith("services/shopsvc/shop/customers/accounts.py:") for line in lines[:2])
    # The analysis still read the whole project: the layer violation names a module elsewhere.
    assert "imports shop.orders.service" in lines[0]
    assert lines[2].startswith("Found 2 errors (layer 1, independence 1) in 12 files")


def test_a_clean_file_argument_exits_0_and_several_files_combine(monorepo, capsys):
    shop = "services/shopsvc/shop"
    code, out, _ = run(capsys, "check", f"{shop}/api/views.py")
    assert code == 0 and out.startswith("No violations in 12 files")
    code, out, _ = run(capsys, "check", "--format", "json", f"{shop}/api/views.py", f"{shop}/shared/formatting.py")
    files = [v["location"]["file"] for v in json.loads(out)["violations"]]
    assert code == 1 and files == ["shop/shared/formatting.py"]


def test_files_of_two_projects_are_refused(monorepo, capsys):
    other = monorepo / "services" / "other"
    shutil.copytree(SHOP, other)
    code, _, err = run(capsys, "check", "services/shopsvc/shop/api/views.py", "services/other/shop/api/views.py")
    assert code == 2 and "belong to different projects" in err and len(err.splitlines()) == 1


def test_a_missing_path_is_one_line(monorepo, capsys):
    code, _, err = run(capsys, "check", "services/nope.py")
    assert code == 2 and err == "depcheck: error: services/nope.py: no such file or directory\n"


# --------------------------------------------------------------------------- messages that name the fix


def _no_config(tmp_path, monkeypatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_no_config_suggests_init(tmp_path, capsys, monkeypatch):
    _no_config(tmp_path, monkeypatch)
    code, out, err = run(capsys, "check")
    assert code == 2 and out == ""
    assert err == (f"depcheck: error: no configuration found in {tmp_path.resolve()} or its parents: run "
                   "'depcheck init' to propose a layering from the code (or pass --config, or add a "
                   "[tool.depcheck] table to pyproject.toml)\n")


@pytest.mark.parametrize("name, text, tool", [
    (".importlinter", "[importlinter]\nroot_package = app\n", "import-linter"),
    ("setup.cfg", "[metadata]\nname = app\n\n[importlinter]\nroot_package = app\n", "import-linter"),
    ("tach.toml", 'source_roots = ["."]\n', "tach"),
])
def test_no_config_beside_another_tools_suggests_migrate(tmp_path, capsys, monkeypatch, name, text, tool):
    _no_config(tmp_path, monkeypatch)
    (tmp_path / name).write_text(text)
    code, _, err = run(capsys, "check")
    assert code == 2 and len(err.splitlines()) == 1
    assert f"{name} holds {tool}'s config: run 'depcheck migrate --from {tool} {name} >> pyproject.toml'" in err


def test_a_setup_cfg_without_importlinter_suggests_init(tmp_path, capsys, monkeypatch):
    _no_config(tmp_path, monkeypatch)
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = app\n")
    assert "run 'depcheck init'" in run(capsys, "check")[2]


def test_explain_suggests_the_module_meant(shop, capsys):
    code, _, err = run(capsys, "explain", "shop.inventry", "shop.api")
    assert code == 2
    assert err == "depcheck: error: 'shop.inventry' matches no module of shop (did you mean 'shop.inventory'?)\n"


def test_init_package_names_the_flag_and_the_package_meant(shop, capsys):
    code, _, err = run(capsys, "init", "--package", "shp", "--print")
    assert code == 2
    assert err == (f"depcheck: error: --package shp: no package 'shp' in {shop} or {shop / 'src'} "
                   "(did you mean 'shop'?)\n")


def test_a_missing_package_in_the_config_gets_a_did_you_mean(shop, capsys):
    (shop / "pyproject.toml").write_text('[tool.depcheck]\npackages = ["shopp"]\n')
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err == ("depcheck: config error: pyproject.toml:2: tool.depcheck.packages: package 'shopp' not found "
                   "under ./ (did you mean 'shop'?) (set source_roots if your code lives elsewhere)\n")


def test_a_typo_of_a_forbidden_key_is_one_line(shop, capsys):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + '\n[[tool.depcheck.forbidden]]\nfrom = "shop.api"\ntoo = "shop.inventory"\n')
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err == ("depcheck: config error: pyproject.toml:16: tool.depcheck.forbidden[0].too: unknown key "
                   "(did you mean 'to'?); known keys: from, to, reason, indirect\n")


def test_a_missing_forbidden_key_still_says_so(shop, capsys):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + '\n[[tool.depcheck.forbidden]]\nfrom = "shop.api"\n')
    code, _, err = run(capsys, "check")
    assert code == 2 and err.endswith(
        "tool.depcheck.forbidden[0].to: expected a module name or a list of them, got nothing (the key is missing)\n")


def test_a_typo_of_an_exception_key_is_one_line(shop, capsys):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + '\n[[tool.depcheck.exceptions]]\nfrom = "shop.api"\nto = "shop.shared"\n'
                      'reasn = "legacy"\n')
    code, _, err = run(capsys, "check")
    assert code == 2 and len(err.splitlines()) == 1 and "exceptions[0].reasn: unknown key (did you mean 'reason'?)" in err


def test_forbidden_module_names_get_a_did_you_mean(shop, capsys):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + '\n[[tool.depcheck.forbidden]]\nfrom = "shop.apii"\nto = ["shop.inventori", "requests"]\n')
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err.splitlines() == [
        "depcheck: config error: pyproject.toml:15: tool.depcheck.forbidden[0].from: 'shop.apii' matches no module "
        "under shop (did you mean 'shop.api'?)",
        "depcheck: config error: pyproject.toml:16: tool.depcheck.forbidden[0].to: 'shop.inventori' matches no "
        "module under shop (did you mean 'shop.inventory'?)",
    ]


# --------------------------------------------------------------------------- colour and plurals


@pytest.mark.parametrize("env, coloured", [
    ({}, False),  # captured: not a terminal
    ({"FORCE_COLOR": "1"}, True),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),  # asked for explicitly
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR wins
])
def test_colour_follows_the_environment(shop, capsys, monkeypatch, env, coloured):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert ("\x1b[" in run(capsys, "check")[1]) is coloured


def test_a_dumb_terminal_gets_no_colour(shop, capsys, monkeypatch):
    import sys

    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    from depcheck.replay import use_color as _use_color

    assert _use_color(sys.stdout) is False
    monkeypatch.setenv("TERM", "xterm-256color")
    assert _use_color(sys.stdout) is True


def test_one_of_each_is_singular(tmp_path, capsys, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.depcheck]\npackages = ["app"]\nlayers = ["app.high", "app.low"]\n')
    for name, source in {"app/__init__.py": "", "app/high.py": "", "app/low.py": "import app.high\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(source)
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "check", "--exit-zero")
    assert out.splitlines()[-1].startswith("Found 1 error (layer 1) in 3 files, 3 modules, 1 dependency (")
    _, out, _ = run(capsys, "check", "--format", "github")
    assert "depcheck: 1 error, 0 warnings in 3 files" in out
    _, out, err = run(capsys, "baseline")
    assert out == "depcheck: wrote depcheck-baseline.json: 1 violation\n"
    (tmp_path / "app" / "low.py").write_text("")
    _, out, err = run(capsys, "baseline", "--prune")
    assert out == "depcheck: wrote depcheck-baseline.json: removed 1 fixed entry, 0 left\n"
    _, out, _ = run(capsys, "explain", "app.low", "app.high")
    assert out == "app.low does not depend on app.high\n"
    (tmp_path / "app" / "low.py").write_text("import app.high\n")
    _, out, _ = run(capsys, "explain", "app.low", "app.high")
    assert out.startswith("app.low depends on app.high: 1 path, shortest first") and "(1 hop)" in out


def test_the_report_words_counts_through_one_plural():
    from depcheck.model import plural

    assert [plural(1, "dependency"), plural(2, "dependency"), plural(2, "fixed entry"), plural(0, "cycle"),
            plural(2, "dependency set aside")] == [
        "1 dependency", "2 dependencies", "2 fixed entries", "0 cycles", "2 dependencies set aside"]


# --------------------------------------------------------------------------- contracts


CONTRACTS = """
[[tool.depcheck.contracts]]
name = "Layered shop"
type = "layers"
layers = ["shop.api", "shop.orders", "shop.shared"]

[[tool.depcheck.contracts]]
name = "Independent services"
type = "independence"
modules = ["shop.customers", "shop.inventory"]

[[tool.depcheck.contracts]]
name = "No requests"
type = "forbidden"
from = "shop"
to = "requests"
"""


@pytest.mark.parametrize("fmt", ["text", "concise"])
def test_contract_violations_name_their_contract_and_a_verdict_ends_the_report(shop, capsys, fmt):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + CONTRACTS)
    code, out, _ = run(capsys, "check", "--format", fmt)
    lines = out.splitlines()
    assert code == 1
    assert ("shop/shared/formatting.py:2:5: layer [contract: Layered shop] shop.shared.formatting imports "
            "shop.api.views: ") in out
    assert "independence [contract: Independent services] shop.customers.accounts imports" in out
    # The default rule set's violations carry no tag.
    assert "shop/shared/formatting.py:2:5: layer shop.shared.formatting imports shop.api.views" in out
    assert lines[-2] == "Contracts: 1 kept, 2 broken (Layered shop, Independent services)"
    assert lines[-1].startswith("Found 7 errors")


def test_the_verdict_counts_what_is_reported(shop, capsys):
    config = shop / "pyproject.toml"
    config.write_text(config.read_text() + CONTRACTS)
    _, out, _ = run(capsys, "check", "--quiet", "--ignore", "independence")
    assert out.splitlines()[0] == "Contracts: 2 kept, 1 broken (Layered shop)"
    _, out, _ = run(capsys, "check", "--statistics")
    assert out.splitlines()[:3] == ["4  independence", "3  layer", "Contracts: 1 kept, 2 broken (Layered shop, "
                                    "Independent services)"]


def test_init_words_one_set_aside_dependency_in_the_singular(tmp_path, capsys):
    # a -> b twice at load time, b -> a once under TYPE_CHECKING: that one is set aside.
    for name, source in {
        "app/__init__.py": "", "app/a/__init__.py": "", "app/b/__init__.py": "",
        "app/a/x.py": "import app.b.y\nfrom app.b import y\n",
        "app/b/y.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.a.x\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source)
    assert main(["init", "--print", str(tmp_path)]) == 0
    section = capsys.readouterr().out
    assert "# 1 dependency goes against this layering: it closes cycles." in section
    assert "# 1 of them is only imports under TYPE_CHECKING: with type_checking_imports = false it would" in section
    assert "(1 site: 1 under TYPE_CHECKING; e.g. app/b/y.py:3)" in section
    assert main(["init", str(tmp_path)]) == 0
    assert capsys.readouterr().err.startswith(
        f"depcheck: wrote [tool.depcheck] to {tmp_path / 'pyproject.toml'}: 2 layers, 1 dependency set aside as "
        "exceptions")


def test_add_ignores_edits_only_the_files_given(shop, capsys):
    code, _, err = run(capsys, "check", "--add-ignores", "shop/shared/formatting.py")
    assert code == 0 and "in 1 file" in err
    assert "# depcheck: ignore[layer]" in (shop / "shop/shared/formatting.py").read_text()
    assert "depcheck: ignore" not in (shop / "shop/customers/accounts.py").read_text()
    code, out, _ = run(capsys, "check", "--format", "concise")
    assert code == 1 and [line.split(":")[0] for line in out.splitlines()[:-1]] == [
        "shop/customers/accounts.py", "shop/customers/accounts.py"]


def test_no_config_beside_a_pyproject_importlinter_table_suggests_migrate(tmp_path, capsys, monkeypatch):
    _no_config(tmp_path, monkeypatch)
    (tmp_path / "pyproject.toml").write_text('[tool.importlinter]\nroot_package = "app"\n')
    sub = tmp_path / "app"
    code, _, err = run(capsys, "check", str(sub))
    assert code == 2 and ("pyproject.toml holds import-linter's config: run 'depcheck migrate --from "
                          "import-linter pyproject.toml >> pyproject.toml'") in err
