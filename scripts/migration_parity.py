"""Does `depcheck migrate --from import-linter` keep import-linter's verdicts?

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

Run with a Python that has import-linter 2.17 installed (depcheck itself is
taken from this checkout):

    /work/venvs/bench/bin/python scripts/migration_parity.py [--work DIR]

Exit status 0 when every compared figure agrees, 1 otherwise.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from depcheck.adopt import replace_section  # noqa: E402
from depcheck.migrate import read_import_linter  # noqa: E402

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
    return {"shipped": shipped, "no-ignores": no_ignores, "reversed": reversed_, "acyclic": acyclic}


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
    pyproject.write_text(replace_section(pyproject.read_text(encoding="utf-8"), migrated.stdout),
                         encoding="utf-8")
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


def compare(name: str, ours: dict, theirs: dict) -> list[str]:
    differences = []
    for key in ("kept", "packages", "direct"):
        if ours[key] != theirs[key]:
            if isinstance(ours[key], set):
                differences.append(
                    f"    {name}: {key}: only depcheck {sorted(ours[key] - theirs[key])}; "
                    f"only import-linter {sorted(theirs[key] - ours[key])}"
                )
            else:
                differences.append(f"    {name}: kept: depcheck {ours[key]}, import-linter {theirs[key]}")
    return differences


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", default=str(REPO / "bench" / ".work" / "parity"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    all_equal = True
    for name, version, src, config_file in PROJECTS:
        project = fetch(name, version, work)
        shipped = shipped_config(project / config_file)
        for variant, section in variants(shipped).items():
            il_config = work / f"{name}-{variant}.importlinter.toml"
            write_import_linter(section, il_config)
            theirs = import_linter_results(il_config, project / src if src else project)
            ours, dropped = depcheck_results(project, il_config)
            broken = sum(1 for r in theirs.values() if not r["kept"])
            pairs = sum(len(r["direct"]) for r in theirs.values())
            package_pairs = sum(len(r["packages"]) for r in theirs.values())
            differences = []
            for contract in theirs:
                differences += compare(contract, ours[contract], theirs[contract])
            status = "same" if not differences else f"{len(differences)} differences"
            print(f"{name} {version} [{variant}]: {len(theirs)} contracts, {broken} broken, "
                  f"{package_pairs} broken package pairs, {pairs} direct violating imports "
                  f"per import-linter; depcheck: {status}")
            for line in differences + [f"    not migrated: {d}" for d in dropped]:
                print(line)
            all_equal = all_equal and not differences
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
