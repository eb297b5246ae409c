"""Does `depcheck migrate` keep import-linter's and tach's verdicts?

For real projects that ship import-linter contracts in their sdists, this
downloads the sdist, and for each variant of the contracts (as shipped; with
every ignore_imports removed; with every layer stack and forbidden rule
reversed, so that many chains break; acyclic_siblings contracts on the root
package) runs import-linter (through its Python
API) and depcheck (on the migrated config), then compares per contract:

* the verdict (kept / broken);
* the broken package pairs: (lower layer, higher layer) for layers, (source,
  forbidden) for forbidden, (importer, imported) sibling for independence, and
  the packages whose children form a cycle for acyclic_siblings;
* the direct violating imports (importer, imported).

For tach, on tach's own repository at v0.30.0 (tach.toml and a domain file;
tach's sdist needs a Rust toolchain to unpack through pip, so the source comes
from a git clone, ``--tach-repo``, at the pinned commit), it runs ``tach check
--output json`` and depcheck on the migrated config for each variant (as
shipped; without ``# tach-ignore`` comments; every layer list reversed; every
module's ``depends_on`` emptied; every interface narrowed to its first name)
and compares the verdict and the import sites reported (file, line).

Run with a Python that has import-linter 2.17 and tach installed (depcheck
itself is taken from this checkout):

    python scripts/migration_parity.py [--work DIR] [--tach-repo CLONE_OF_gauge-sh/tach]

Exit status 0 when every compared figure agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from depcheck.adopt import replace_section  # noqa: E402
from depcheck.migrate import read_import_linter, toml_key, toml_value  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# (name, version, source root, import-linter config file in the sdist)
PROJECTS = [
    ("kedro", "1.7.0", "", "pyproject.toml"),
    ("sqlfluff", "4.5.0", "src", "pyproject.toml"),
    ("import-linter", "2.17", "src", ".importlinter"),
]
# tach's own repository at v0.30.0 (its tach.toml and python/tach/filesystem/tach.domain.toml).
TACH_COMMIT = "57c1d372842cd8d31fca9fde2cdf881bbe99a1dd"
TACH_URL = "https://github.com/gauge-sh/tach"
# --uses-on: check with depcheck's uses on (the migrated `uses = false` deleted), to measure what
# counting uses of imported names adds to the original tools' pairs.
USES_ON = False
_BOOLS = ("exhaustive", "allow_indirect_imports", "as_packages", "include_external_packages",
          "exclude_type_checking_imports")


def shipped_config(path: Path) -> dict:
    """The import-linter config as TOML-shaped data, whatever file it came from."""
    if path.suffix == ".toml":
        return tomllib.loads(path.read_text())["tool"]["importlinter"]
    top, contracts = read_import_linter(path)

    def typed(options: dict) -> dict:
        result = {}
        for key, value in options.items():
            if key in _BOOLS:
                value = str(value).lower() == "true"
            elif key == "depth":
                value = int(value)
            result[key] = value
        return result

    return {**typed(top), "contracts": [typed(c) for _, c in contracts]}


def fetch(name: str, version: str, work: Path) -> Path:
    target = work / f"{name.replace('-', '_')}-{version}"
    if target.is_dir():
        return target
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:",
         f"{name}=={version}", "-d", str(work)],
        check=True,
    )
    archive = next(work.glob(f"{name.replace('-', '_')}-{version}.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(work)  # noqa: S202 - a PyPI sdist we asked for
    return target


def variants(section: dict) -> dict[str, dict]:
    shipped = copy.deepcopy(section)
    no_ignores = copy.deepcopy(section)
    for contract in no_ignores["contracts"]:
        contract.pop("ignore_imports", None)
    reversed_ = copy.deepcopy(no_ignores)
    for contract in reversed_["contracts"]:
        if contract["type"] == "layers":
            contract["layers"] = list(reversed(contract["layers"]))
        elif contract["type"] == "forbidden":
            contract["source_modules"], contract["forbidden_modules"] = (
                contract["forbidden_modules"], contract["source_modules"])
    # Real code has cycles: the whole package as acyclic_siblings breaks somewhere.
    root = section.get("root_package") or section["root_packages"][0]
    acyclic = {key: value for key, value in section.items() if key != "contracts"}
    acyclic["contracts"] = [
        {"name": "Siblings are acyclic", "type": "acyclic_siblings", "ancestors": [root]},
        {"name": "Children of the root are acyclic", "type": "acyclic_siblings", "ancestors": [root],
         "depth": 0},
    ]
    # import-linter's module expressions: children of every subpackage, one of them not descended into.
    wildcards = {key: value for key, value in section.items() if key != "contracts"}
    wildcards["contracts"] = [
        {"name": "Grandchildren are acyclic", "type": "acyclic_siblings", "ancestors": [f"{root}.*"],
         "depth": 1, "skip_descendants": [f"{root}.*.*"]},
        {"name": "No subpackage imports a test module", "type": "forbidden",
         "source_modules": [f"{root}.*"], "forbidden_modules": [f"{root}.**.tests", f"{root}.**.test"],
         "allow_indirect_imports": True},
    ]
    return {"shipped": shipped, "no-ignores": no_ignores, "reversed": reversed_, "acyclic": acyclic,
            "wildcards": wildcards}


def write_import_linter(section: dict, path: Path) -> None:
    lines = ["[tool.importlinter]"]
    for key, value in section.items():
        if key != "contracts":
            lines.append(f"{key} = {json.dumps(value)}")
    for contract in section["contracts"]:
        lines.append("\n[[tool.importlinter.contracts]]")
        lines.extend(f"{key} = {json.dumps(value)}" for key, value in contract.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def import_linter_results(config: Path, source_root: Path) -> dict[str, dict]:
    from importlinter import configuration
    from importlinter.application import use_cases

    configuration.configure()
    use_cases._register_built_in_contract_types()  # what lint_imports() does first

    sys.path.insert(0, str(source_root))
    try:
        options = use_cases.read_user_options(str(config))
        report = use_cases.create_report(options, cache_dir=None)
    finally:
        sys.path.remove(str(source_root))
    results = {}
    for contract, check in report.get_contracts_and_checks():
        packages, direct = set(), set()
        metadata = check.metadata
        groups = metadata.get("invalid_dependencies") or metadata.get("invalid_chains") or []
        for group in groups:
            low = group.get("importer") or group.get("downstream_module")
            high = group.get("imported") or group.get("upstream_module")
            packages.add((low, high))
            for chain in group.get("routes") or group.get("chains") or []:
                links = chain["chain"] if isinstance(chain, dict) else chain
                firsts = chain.get("extra_firsts", []) if isinstance(chain, dict) else []
                if len(links) == 1:
                    direct.add((links[0]["importer"], links[0]["imported"]))
                    direct.update((f["importer"], f["imported"]) for f in firsts)
        for summary in metadata.get("summaries") or ():
            packages.add(("cycle in", summary.package))
        for module in metadata.get("undeclared_modules") or ():
            packages.add((str(module), "(undeclared)"))
        results[contract.name] = {"kept": check.kept, "packages": packages, "direct": direct}
    return results


def depcheck_results(project: Path, il_config: Path) -> tuple[dict[str, dict], list[str]]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    migrated = subprocess.run(
        [sys.executable, "-m", "depcheck", "migrate", "--from", "import-linter", str(il_config)],
        capture_output=True, text=True, env=env, check=True,
    )
    pyproject = project / "pyproject.toml"
    section = migrated.stdout.replace("\nuses = false\n", "\n") if USES_ON else migrated.stdout
    pyproject.write_text(replace_section(pyproject.read_text(encoding="utf-8"), section), encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "depcheck", "check", "--format", "json", str(project)],
        capture_output=True, text=True, env=env,
    )
    if checked.returncode == 2:
        raise SystemExit(f"depcheck could not run on {project}: {checked.stderr}")
    document = json.loads(checked.stdout)
    results: dict[str, dict] = {}
    names = [c["name"] for c in tomllib.loads(pyproject.read_text())["tool"]["depcheck"]["contracts"]]
    for name in names:
        results[name] = {"kept": True, "packages": set(), "direct": set()}
    for violation in document["violations"]:
        if violation["severity"] != "error" or "contract" not in violation:
            continue
        entry = results[violation["contract"]]
        entry["kept"] = False
        if violation.get("cycle"):
            entry["packages"].add(("cycle in", violation["cycle"][0].rpartition(".")[0]))
            continue
        entry["packages"].add((violation.get("source"), violation.get("target") or "(undeclared)"))
        chain = violation.get("chain", [])
        if len(chain) == 2:
            entry["direct"].add(tuple(chain))
    return results, migrated.stderr.splitlines()


# --------------------------------------------------------------------------- tach


def toml_dump(data: dict, prefix: str = "") -> str:
    """A tach.toml or domain file written back: keys, then tables, then arrays of tables."""
    lines = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)
               and not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v)
                        and k in ("modules", "interfaces"))}
    lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in scalars.items())
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"\n[{prefix}{key}]")
            lines.append(toml_dump(value, f"{prefix}{key}."))
    for key in ("modules", "interfaces"):
        for table in data.get(key, []) if key not in scalars else []:
            lines.append(f"\n[[{prefix}{key}]]")
            lines.append(toml_dump(table, f"{prefix}{key}."))
    return "\n".join(line for line in lines if line) + "\n"


def tach_checkout(repo: Path, work: Path) -> Path:
    target = work / f"tach-{TACH_COMMIT[:7]}"
    if not target.is_dir():
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "--git-dir", str(repo / ".git") if (repo / ".git").exists()
                                  else str(repo), "archive", TACH_COMMIT], capture_output=True, check=True)
        subprocess.run(["tar", "x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def tach_configs(project: Path) -> dict[Path, dict]:
    files = [project / "tach.toml", *sorted(project.glob("python/tach/**/tach.domain.toml"))]
    return {path.relative_to(project): tomllib.loads(path.read_text()) for path in files}


def tach_variants(configs: dict[Path, dict]) -> dict[str, tuple[dict[Path, dict], bool]]:
    """variant -> (config files, keep ``# tach-ignore`` comments)."""
    reversed_ = copy.deepcopy(configs)
    for data in reversed_.values():
        if "layers" in data:
            data["layers"] = list(reversed(data["layers"]))
    undeclared = copy.deepcopy(configs)
    for data in undeclared.values():
        for table in [*data.get("modules", []), *([data["root"]] if "root" in data else [])]:
            if "depends_on" in table:
                table["depends_on"] = []
    narrowed = copy.deepcopy(configs)
    for data in narrowed.values():
        for table in data.get("interfaces", []):
            table["expose"] = table["expose"][:1]
    return {"shipped": (configs, True), "no-ignores": (configs, False), "reversed": (reversed_, True),
            "undeclared": (undeclared, True), "narrowed": (narrowed, True)}


def strip_tach_ignores(project: Path) -> int:
    count = 0
    for path in project.glob("python/**/*.py"):
        text = path.read_text(encoding="utf-8")
        stripped = re.sub(r"#\s*tach-ignore\b[^\n]*", "", text)
        if stripped != text:
            count += text.count("tach-ignore")
            path.write_text(stripped, encoding="utf-8")
    return count


def statement_line(project: Path, path: str, line: int, cache: dict) -> int:
    """The first line of the import statement holding ``line``: tach reports the line of each name
    of a multi-line ``from x import (a, b)``, depcheck the statement's."""
    if path not in cache:
        tree = ast.parse((project / path).read_text(encoding="utf-8"))
        cache[path] = [(n.lineno, n.end_lineno or n.lineno) for n in ast.walk(tree)
                       if isinstance(n, (ast.Import, ast.ImportFrom))]
    return next((start for start, end in cache[path] if start <= line <= end), line)


def tach_results(project: Path) -> tuple[bool, set[tuple[str, int]], list[str]]:
    """(kept, import statements reported, unlocated errors) from ``tach check --output json``."""
    tach = shutil.which("tach", path=str(Path(sys.executable).parent)) or "tach"
    done = subprocess.run([tach, "check", "--output", "json"], cwd=project, capture_output=True, text=True)
    try:
        diagnostics = json.loads(done.stdout or "[]")
    except json.JSONDecodeError:
        return False, set(), [(done.stdout + done.stderr).strip().splitlines()[0]]
    sites, other = set(), []
    statements: dict = {}
    for diagnostic in diagnostics:
        located = diagnostic.get("Located")
        if located is None:
            if diagnostic.get("Global", {}).get("severity", "Error") == "Error":
                other.append(json.dumps(diagnostic)[:160])
            continue
        if located.get("severity") == "Error":
            path = located["file_path"]
            sites.add((path, statement_line(project, path, located["line_number"], statements)))
    return not sites and not other, sites, other


def depcheck_tach_results(project: Path) -> tuple[bool, set[tuple[str, int]], int, list[str]]:
    """(kept, import sites of every error, cycles, not migrated) on the migrated tach config."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    migrated = subprocess.run(
        [sys.executable, "-m", "depcheck", "migrate", "--from", "tach", str(project / "tach.toml")],
        capture_output=True, text=True, env=env, check=True,
    )
    pyproject = project / "pyproject.toml"
    section = migrated.stdout.replace("\nuses = false\n", "\n") if USES_ON else migrated.stdout
    pyproject.write_text(replace_section(pyproject.read_text(encoding="utf-8"), section), encoding="utf-8")
    checked = subprocess.run(
        [sys.executable, "-m", "depcheck", "check", "--no-cache", "--format", "json", str(project)],
        capture_output=True, text=True, env=env,
    )
    if checked.returncode == 2:
        raise SystemExit(f"depcheck could not run on {project}: {checked.stderr}")
    document = json.loads(checked.stdout)
    sites, cycles = set(), 0
    for violation in document["violations"]:
        if violation["severity"] != "error":
            continue
        if violation["rule"] == "cycle":
            cycles += 1  # tach judges cycles in the declared dependencies, not reported per site
            continue
        sites.update((e["file"], e["line"]) for e in violation["evidence"] if e["kind"] == "import")
    return checked.returncode == 0, sites, cycles, migrated.stderr.splitlines()


def tach_parity(repo: Path, work: Path, rows: list[tuple[str, ...]]) -> bool:
    all_equal = True
    pristine = tach_checkout(repo, work)
    for variant, (configs, keep_ignores) in tach_variants(tach_configs(pristine)).items():
        project = work / f"tach-{variant}"
        if project.exists():
            shutil.rmtree(project)
        shutil.copytree(pristine, project)
        for rel, data in configs.items():
            (project / rel).write_text(toml_dump(data), encoding="utf-8")
        if not keep_ignores:
            strip_tach_ignores(project)
        kept, sites, other = tach_results(project)
        ours_kept, ours_sites, cycles, dropped = depcheck_tach_results(project)
        same = kept == ours_kept and sites == ours_sites and not other
        modules = len({s[0] for s in sites})
        rows.append(("tach 0.30.0 (git)", variant, f"{len(configs)} files",
                     f"{int(not kept)} / {int(not ours_kept)}",
                     f"{modules} / {len({s[0] for s in ours_sites})} files",
                     f"{len(sites)} / {len(ours_sites)}", "same" if same else "differences"))
        print(" | ".join(rows[-1]), flush=True)
        if sites != ours_sites:
            print(f"    only tach {sorted(sites - ours_sites)}; only depcheck {sorted(ours_sites - sites)}")
        for line in other:
            print(f"    tach, not located: {line}")
        if cycles:
            print(f"    depcheck: {cycles} cycle(s) in the code (tach checks the declared dependencies)")
        for line in dropped:
            print(f"    {line.removeprefix('depcheck: ')}")
        all_equal = all_equal and same
    return all_equal


def compare(name: str, ours: dict, theirs: dict) -> list[str]:
    differences = []
    for key in ("kept", "packages", "direct"):
        if ours[key] != theirs[key]:
            if isinstance(ours[key], set):
                only_ours, only_theirs = sorted(ours[key] - theirs[key]), sorted(theirs[key] - ours[key])
                differences.append(
                    f"    {name}: {key}: only depcheck ({len(only_ours)}) {only_ours[:8]}; "
                    f"only import-linter ({len(only_theirs)}) {only_theirs[:8]}"
                )
            else:
                differences.append(f"    {name}: kept: depcheck {ours[key]}, import-linter {theirs[key]}")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default=str(REPO / "bench" / ".work" / "parity"))
    parser.add_argument("--only", choices=["import-linter", "tach"], help="compare with one tool only")
    parser.add_argument("--tach-repo", help=f"a git clone of {TACH_URL} (holding {TACH_COMMIT[:7]}, v0.30.0)")
    parser.add_argument("--uses-on", action="store_true",
                        help="delete the migrated `uses = false` (uses the tools do not see then differ)")
    args = parser.parse_args()
    global USES_ON
    USES_ON = args.uses_on
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    all_equal = True
    rows: list[tuple[str, ...]] = []
    for name, version, src, config_file in PROJECTS if args.only != "tach" else ():
        project = fetch(name, version, work)
        shipped = shipped_config(project / config_file)
        for variant, section in variants(shipped).items():
            il_config = work / f"{name}-{variant}.importlinter.toml"
            write_import_linter(section, il_config)
            theirs = import_linter_results(il_config, project / src if src else project)
            ours, dropped = depcheck_results(project, il_config)
            differences = []
            for contract in theirs:
                differences += compare(contract, ours[contract], theirs[contract])
            figures = [(sum(1 for r in results.values() if not r["kept"]),
                        sum(len(r["packages"]) for r in results.values()),
                        sum(len(r["direct"]) for r in results.values())) for results in (theirs, ours)]
            rows.append((f"{name} {version}", variant, str(len(theirs)),
                         *(f"{a} / {b}" for a, b in zip(*figures)),
                         "same" if not differences else f"{len(differences)} differences"))
            print(" | ".join(rows[-1]), flush=True)
            for line in differences + [f"    not migrated: {d}" for d in dropped]:
                print(line)
            all_equal = all_equal and not differences
    if args.only == "tach" and not args.tach_repo:
        parser.error("--only tach needs --tach-repo")
    if args.tach_repo and args.only != "import-linter":
        all_equal = tach_parity(Path(args.tach_repo), work, rows) and all_equal
    print("\n| project | variant | contracts | broken (original / depcheck) | broken package pairs or "
          "modules | violating import sites | verdicts and pairs |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
