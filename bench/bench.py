#!/usr/bin/env python3
"""Benchmark depcheck against import-linter and tach on the same layers rules.

Stdlib only, Python 3.9+.  See bench/README.md for set-up and usage.

What it does, per codebase (Django 5.2.8 from its sdist, and synthetic
packages of N modules):

1. lays out one project directory per tool (a private copy of the source plus
   that tool's config expressing the same layering), so that configs and
   caches never collide;
2. runs every tool in five scenarios (cold, warm, touched, body edited,
   imports changed), interleaving the tools run by run;
3. prints one markdown table per codebase and writes the whole output to
   bench/results.md.

The cold scenario also times ``parse-floor`` (bench/parse_floor.py): a program that
only reads and ast.parses every file on every core, the least any cold run that checks
every file with CPython's parser takes, measured in the same run as the tools.
"""

from __future__ import annotations

import argparse
import ast
import fcntl
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

BENCH_DIR = Path(__file__).resolve().parent
DJANGO_VERSION = "5.2.8"
SYNTH_LAYERS = 20
SYNTH_IMPORTS_PER_MODULE = 8
SYNTH_UP_FRACTION = 0.02  # fraction of imports pointing to a higher layer
SYNTH_GENERATOR_VERSION = 1
TOOLS = ("depcheck", "import-linter", "tach", "parse-floor")
# Not a tool: bench/parse_floor.py, which only reads and ast.parses every file on every core,
# timed in the cold scenario as a floor for any cold run that parses every file with ast.
FLOOR_TOOL = "parse-floor"
FLOOR_SCRIPT = BENCH_DIR / "parse_floor.py"
SCENARIOS = ("cold", "warm", "touched", "body edited", "imports changed")
BASELINE_TOOL = "import-linter"

# Highest layer first.  A tuple is a group of independent siblings sharing
# one layer (they may not import each other).
LayerEntry = Union[str, tuple]
DJANGO_LAYERS: list[LayerEntry] = [
    "django.contrib",
    "django.test",
    ("django.views", "django.middleware", "django.shortcuts"),
    ("django.forms", "django.templatetags"),
    "django.template",
    "django.urls",
    "django.http",
    "django.db",
    "django.core",
    ("django.apps", "django.conf"),
    "django.dispatch",
    "django.utils",
]
# The file that the touched / body edited / imports changed scenarios modify,
# and the package whose modules it gains an import of (a higher layer, so the
# added import is one more violation for every tool).
DJANGO_TARGET = "django/utils/text.py"
DJANGO_IMPORT_FROM = "django/forms"


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_quiet(cmd: list[str], cwd: Path | None = None, timeout: float = 120) -> str:
    """Run a command and return stdout+stderr ('' if it could not run)."""
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):
        return ""
    return (proc.stdout or "") + (proc.stderr or "")


def entries_flat(layers: list[LayerEntry]) -> list[str]:
    out: list[str] = []
    for entry in layers:
        out.extend(entry if isinstance(entry, tuple) else [entry])
    return out


def module_exists(src_root: Path, dotted: str) -> bool:
    base = src_root.joinpath(*dotted.split("."))
    return (base / "__init__.py").is_file() or base.with_suffix(".py").is_file()


# --------------------------------------------------------------------------
# Tool discovery
# --------------------------------------------------------------------------


@dataclass
class ToolPaths:
    python: str
    exes: dict[str, str | None] = field(default_factory=dict)


EXE_NAMES = {"depcheck": "depcheck", "import-linter": "lint-imports", "tach": "tach"}


def find_tools(args: argparse.Namespace) -> ToolPaths:
    python = args.python or sys.executable
    search_dirs = [Path(python).parent, Path(sys.executable).parent]
    explicit = {
        "depcheck": args.depcheck,
        "import-linter": args.lint_imports,
        "tach": args.tach,
    }
    paths = ToolPaths(python=python)
    for tool, exe in EXE_NAMES.items():
        found = explicit[tool]
        if not found:
            for d in search_dirs:
                cand = d / exe
                if cand.is_file() and os.access(cand, os.X_OK):
                    found = str(cand)
                    break
        if not found:
            found = shutil.which(exe)
        paths.exes[tool] = found
    # The floor runs on depcheck's interpreter: the ast.parse depcheck itself would run.
    dc_python = tool_python(paths.exes["depcheck"]) if paths.exes.get("depcheck") else None
    paths.exes[FLOOR_TOOL] = dc_python or python
    return paths


def tool_version(tool: str, exe: str, python: str) -> str:
    if tool == FLOOR_TOOL:
        version = run_quiet([exe, "-c", "import sys; print(sys.version.split()[0])"]).strip()
        return f"{FLOOR_SCRIPT.name}: ast.parse only, on Python {version or '?'}"
    out = run_quiet([exe, "--version"]).strip()
    if out and "rror" not in out and "usage" not in out.lower():
        return out.splitlines()[-1]
    dist = {"depcheck": "depcheck", "import-linter": "import-linter", "tach": "tach"}[tool]
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    out = run_quiet([python, "-c", code]).strip()
    return f"{dist} {out}" if out and "Error" not in out else "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def depcheck_source(python: str) -> str:
    """Where the depcheck being benched lives, with its git commit if any."""
    code = "import depcheck, os; print(os.path.dirname(os.path.abspath(depcheck.__file__)))"
    pkg_dir = run_quiet([python, "-I", "-c", code]).strip().splitlines()
    if not pkg_dir or not Path(pkg_dir[-1]).is_dir():
        return "unknown"
    where = Path(pkg_dir[-1])
    commit = run_quiet(["git", "-C", str(where), "rev-parse", "--short", "HEAD"]).strip()
    if not commit or " " in commit:
        return str(where)
    dirty = run_quiet(["git", "-C", str(where), "status", "--porcelain", "--", "."]).strip()
    return f"{where} at commit {commit}" + (" + uncommitted changes" if dirty else "")


def tool_python(exe: str) -> str | None:
    """The interpreter a console script runs with (its shebang), if it is a Python script."""
    try:
        with open(exe, "rb") as handle:
            first = handle.readline().decode(errors="replace").strip()
    except OSError:
        return None
    return first[2:].strip() if first.startswith("#!") and "python" in first else None


def compile_tools(paths: ToolPaths, tools: list[str]) -> list[str]:
    """Byte-compile every Python tool's packages, as ``pip install`` does by default.

    With PYTHONDONTWRITEBYTECODE set (as on some CI images and here), an install may have no
    .pyc files, and then every run of a Python tool compiles its modules again: a cost no
    installed tool has in use. Returns the header lines saying what was compiled.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    done = []
    for tool in tools:
        exe = paths.exes.get(tool)
        python = tool_python(exe) if exe else None
        if python is None:
            continue
        dirs = run_quiet([python, "-I", "-c", where]).strip().splitlines()[-1:]
        if tool == "depcheck":  # an editable install's source lies outside site-packages
            source = depcheck_source(python).split(" at commit ")[0]
            dirs += [source] if Path(source).is_dir() else []
        for folder in dirs:
            subprocess.run([python, "-m", "compileall", "-q", "-j", "0", folder], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        done.append(f"{tool} ({', '.join(dirs)})")
    if not done:
        return []
    return [f"- bytecode: compiled before timing, as pip install does: {'; '.join(done)}"]


def machine_info(paths: ToolPaths, tools: list[str]) -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        mem = "unknown"
    tool_py = run_quiet([paths.python, "-c", "import sys; print(sys.version.split()[0])"])
    lines = [
        f"- CPU: {cpu}",
        f"- cores: {os.cpu_count()} logical ({usable} usable), memory {mem}",
        f"- OS: {platform.platform()}",
        f"- load average at start (1/5/15 min): {load_average()}",
        f"- bench python: {platform.python_version()} ({sys.executable})",
        f"- tools' python: {tool_py.strip() or '?'} ({paths.python})",
    ]
    for tool in tools:
        exe = paths.exes.get(tool)
        ver = tool_version(tool, exe, paths.python) if exe else "NOT FOUND"
        lines.append(f"- {tool}: {ver} ({exe or '-'})")
    dc_exe = paths.exes.get("depcheck")
    if "depcheck" in tools and dc_exe:
        dc_python = Path(dc_exe).parent / "python"
        dc_python_s = str(dc_python) if dc_python.is_file() else paths.python
        lines.append(f"- depcheck source: {depcheck_source(dc_python_s)}")
    grimp = run_quiet([paths.python, "-c", "import grimp; print(grimp.__version__)"])
    if grimp.strip() and "Error" not in grimp:
        lines.append(f"- grimp (import-linter's engine): {grimp.strip()}")
    return lines


# --------------------------------------------------------------------------
# Codebases
# --------------------------------------------------------------------------


@dataclass
class Codebase:
    name: str
    src: Path  # directory containing the top-level package directory
    package: str
    layers: list[LayerEntry]
    target: str  # file (relative to src) modified by the edit scenarios
    import_candidates: list[str]  # modules the target gains an import of
    files: int = 0


def prepare_django(work: Path, python: str) -> Codebase:
    downloads = work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    sdists = sorted(downloads.glob(f"[Dd]jango-{DJANGO_VERSION}.tar.gz"))
    if not sdists:
        log(f"downloading django=={DJANGO_VERSION} sdist ...")
        cmd = [
            python,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"django=={DJANGO_VERSION}",
            "-d",
            str(downloads),
        ]
        subprocess.run(cmd, check=True)
        sdists = sorted(downloads.glob(f"[Dd]jango-{DJANGO_VERSION}.tar.gz"))
        if not sdists:
            raise SystemExit("pip download did not produce the Django sdist")
    unpacked = work / "src" / f"django-{DJANGO_VERSION}"
    if not (unpacked / "django" / "__init__.py").is_file():
        log("unpacking Django sdist ...")
        tmp = work / "src" / "_unpack"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with tarfile.open(sdists[0]) as tar:
            members = [m for m in tar.getmembers() if m.name.split("/")[1:2] == ["django"]]
            if hasattr(tarfile, "data_filter"):  # 3.12+, and backported security releases
                tar.extractall(tmp, members=members, filter="data")
            else:
                tar.extractall(tmp, members=members)  # pinned sdist from PyPI
        top = next(tmp.iterdir())
        shutil.rmtree(unpacked, ignore_errors=True)
        unpacked.mkdir(parents=True)
        shutil.move(str(top / "django"), str(unpacked / "django"))
        shutil.rmtree(tmp)
    candidates = sorted(
        ".".join(p.relative_to(unpacked).with_suffix("").parts)
        for p in (unpacked / DJANGO_IMPORT_FROM).glob("*.py")
        if p.name != "__init__.py"
    )
    return Codebase(
        name="django",
        src=unpacked,
        package="django",
        layers=list(DJANGO_LAYERS),
        target=DJANGO_TARGET,
        import_candidates=candidates,
    )


def synth_layer_of(i: int, n: int) -> int:
    return i * SYNTH_LAYERS // n


def synth_module_source(rng: random.Random, name: str, imports: list[str], lazy: str | None) -> str:
    """About 150 lines: docstring, imports, constants, 3 classes, 5 functions."""
    out = [f'"""Synthetic module {name}, generated by depcheck\'s bench."""', ""]
    out.extend(imports)
    out += ["", ""]
    for c in range(3):
        out.append(f"CONSTANT_{c} = {rng.randint(0, 10_000)}")
    out.append(f'LABEL = "{name.rsplit(".", 1)[-1]}-{rng.randint(0, 999)}"')
    out += ["", ""]
    for c in range(3):
        out += [
            f"class Component{c}:",
            f'    """Component {c} of {name}."""',
            "",
            "    def __init__(self, size: int = 3) -> None:",
            "        self.size = size",
            f"        self.items = [i * {rng.randint(2, 9)} for i in range(size)]",
            "",
            "    def total(self) -> int:",
            "        acc = 0",
            "        for item in self.items:",
            f"            acc += item % {rng.randint(3, 97)}",
            "        return acc",
            "",
            "    def describe(self) -> str:",
            f'        return "Component{c}(%d)" % self.total()',
            "",
            "    def scaled(self, factor: float) -> list:",
            "        return [item * factor for item in self.items]",
            "",
            "",
        ]
    for f in range(5):
        body = [
            f"def func_{f}(x: int, y: int = {rng.randint(1, 50)}) -> int:",
            f'    """Function {f}: arithmetic that nobody calls."""',
        ]
        if f == 0 and lazy:
            body.append(f"    {lazy}")
        body += [
            "    result = 0",
            f"    for i in range(x % {rng.randint(5, 40)}):",
            f"        if i % {rng.randint(2, 7)} == 0:",
            f"            result += i * {rng.randint(1, 999)}",
            "        else:",
            "            result -= y",
            f'    values = {{"a": {rng.randint(0, 99)}, "b": {rng.randint(0, 99)}}}',
            "    while result > 1000:",
            "        result //= 2",
            f'    message = "{name} func_{f} %d" % result',
            "    if len(message) > 200:",
            "        return -1",
            '    return result + values["a"] - values["b"]',
            "",
            "",
        ]
        out += body
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def synth_modules(n: int) -> list[str]:
    return [f"synth.l{synth_layer_of(i, n):02d}.m{i:05d}" for i in range(n)]


def generate_synth(root: Path, n: int, seed: int) -> None:
    rng = random.Random(f"depcheck-bench-{seed}-{n}")
    modules = synth_modules(n)
    by_layer: dict[int, list[str]] = {}
    for i, mod in enumerate(modules):
        by_layer.setdefault(synth_layer_of(i, n), []).append(mod)
    pkg = root / "synth"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Synthetic package for depcheck\'s bench."""\n')
    for layer in range(SYNTH_LAYERS):
        d = pkg / f"l{layer:02d}"
        d.mkdir()
        (d / "__init__.py").write_text(f'"""Layer {layer}."""\n')
    for i, mod in enumerate(modules):
        own = synth_layer_of(i, n)
        chosen: list[str] = []
        attempts = 0
        while len(chosen) < SYNTH_IMPORTS_PER_MODULE and attempts < 100:
            attempts += 1
            if own > 0 and rng.random() < SYNTH_UP_FRACTION:
                layer = rng.randrange(0, own)  # upward: a violation
            else:  # downward or sideways, mostly to the next few layers
                layer = min(SYNTH_LAYERS - 1, own + int(rng.expovariate(0.6)))
            target = rng.choice(by_layer[layer])
            if target != mod and target not in chosen:
                chosen.append(target)
        lines: list[str] = []
        lazy: str | None = None
        for k, target in enumerate(chosen):
            pkg_name, leaf = target.rsplit(".", 1)
            same_layer = pkg_name == mod.rsplit(".", 1)[0]
            roll = rng.random()
            if roll < 0.4:
                line = f"import {target}"
            elif roll < 0.7:
                line = f"from {pkg_name} import {leaf}"
            elif roll < 0.9:
                line = f"from {target} import func_{rng.randrange(5)}"
            elif same_layer:
                line = f"from . import {leaf}"
            else:
                line = f"import {target} as alias_{k}"
            if lazy is None and k == len(chosen) - 1 and rng.random() < 0.1:
                lazy = line  # one import in ten modules sits inside a function
            else:
                lines.append(line)
        path = root.joinpath(*mod.split(".")).with_suffix(".py")
        path.write_text(synth_module_source(rng, mod, lines, lazy))


def prepare_synth(work: Path, n: int, seed: int) -> Codebase:
    src = work / "src" / f"synth-{n}-seed{seed}-v{SYNTH_GENERATOR_VERSION}"
    if not (src / ".complete").is_file():
        log(f"generating synthetic codebase of {n} modules ...")
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        generate_synth(src, n, seed)
        (src / ".complete").write_text("ok\n")
    modules = synth_modules(n)
    mid = SYNTH_LAYERS // 2
    target_mod = next(m for i, m in enumerate(modules) if synth_layer_of(i, n) == mid)
    candidates = [m for i, m in enumerate(modules) if synth_layer_of(i, n) < mid][:50]
    return Codebase(
        name=f"synth-{n}",
        src=src,
        package="synth",
        layers=[f"synth.l{i:02d}" for i in range(SYNTH_LAYERS)],
        target="/".join(target_mod.split(".")) + ".py",
        import_candidates=candidates,
    )


# --------------------------------------------------------------------------
# Per-tool configs
# --------------------------------------------------------------------------


def toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string of plain ASCII is a TOML basic string


def write_depcheck_config(proj: Path, cb: Codebase) -> Path:
    items = []
    for entry in cb.layers:
        if isinstance(entry, tuple):
            items.append("[" + ", ".join(toml_str(e) for e in entry) + "]")
        else:
            items.append(toml_str(entry))
    text = (
        "# generated by bench/bench.py\n"
        "[tool.depcheck]\n"
        f"packages = [{toml_str(cb.package)}]\n"
        "layers = [\n" + "".join(f"    {it},\n" for it in items) + "]\n"
    )
    path = proj / "pyproject.toml"
    path.write_text(text)
    return path


def write_importlinter_config(proj: Path, cb: Codebase) -> Path:
    lines = [
        "# generated by bench/bench.py",
        "[importlinter]",
        f"root_package = {cb.package}",
        "",
        "[importlinter:contract:layers]",
        f"name = {cb.name} layers",
        "type = layers",
        "layers =",
    ]
    for entry in cb.layers:
        text = " | ".join(entry) if isinstance(entry, tuple) else entry
        lines.append(f"    {text}")
    path = proj / ".importlinter"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_tach_config(proj: Path, cb: Codebase) -> Path:
    layer_names = [f"layer{i:02d}" for i in range(len(cb.layers))]
    out = [
        "# generated by bench/bench.py",
        'source_roots = ["."]',
        'exclude = ["**/__pycache__"]',
        "respect_gitignore = false",
        'root_module = "ignore"',
        "layers = [" + ", ".join(toml_str(n) for n in layer_names) + "]",
        "",
    ]
    for name, entry in zip(layer_names, cb.layers):
        group = list(entry) if isinstance(entry, tuple) else [entry]
        for mod in group:
            out += ["[[modules]]", f"path = {toml_str(mod)}", f"layer = {toml_str(name)}"]
            siblings = [s for s in group if s != mod]
            if siblings:  # independent siblings: forbid imports between them
                joined = ", ".join(toml_str(s) for s in siblings)
                out.append(f"cannot_depend_on = [{joined}]")
            out.append("")
    path = proj / "tach.toml"
    path.write_text("\n".join(out))
    return path


# --------------------------------------------------------------------------
# Running and measuring one command
# --------------------------------------------------------------------------


@dataclass
class Measurement:
    wall: float
    rss_mb: float
    exit_code: int
    stdout: str
    stderr: str
    error: str | None = None
    violations: str = "?"


# The tools are started by a small launcher process, not by this script.  On
# Linux a process's ru_maxrss survives exec(), and a child forked (or vforked)
# from a big parent starts with the parent's resident pages, so a tool run
# straight from this script would never report less than this script's own
# peak RSS (which grows while it parses the tools' JSON).  The launcher stays
# at ~10 MB for the whole run; that is the floor it reports back as "self".
LAUNCHER_SOURCE = """
import json, os, resource, subprocess, sys, threading, time
for line in sys.stdin:
    req = json.loads(line)
    reply = {}
    with open(req["out"], "wb") as out, open(req["err"], "wb") as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(req["cmd"], cwd=req["cwd"], stdout=out, stderr=err)
        except OSError as exc:
            reply["error"] = str(exc)
        else:
            timer = threading.Timer(req["timeout"], proc.kill)
            timer.start()
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            reply["wall"] = time.perf_counter() - start
            proc.returncode = reply["code"] = os.waitstatus_to_exitcode(status)
            reply["maxrss"] = usage.ru_maxrss
    reply["self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(reply), flush=True)
"""


class Launcher:
    """Runs commands in the launcher process; one request at a time."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER_SOURCE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.self_rss_kb = 0

    def run(self, cmd: list[str], cwd: Path, out: Path, err: Path, timeout: float) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        req = {"cmd": cmd, "cwd": str(cwd), "out": str(out), "err": str(err), "timeout": timeout}
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        self.self_rss_kb = max(self.self_rss_kb, reply.get("self", 0))
        return reply

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()


_LAUNCHER: Launcher | None = None


def launcher() -> Launcher:
    global _LAUNCHER
    if _LAUNCHER is None:
        _LAUNCHER = Launcher()
    return _LAUNCHER


def kib_to_mb(kib: float) -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    return (kib / 1024 if sys.platform == "darwin" else kib) / 1024


def run_measured(cmd: list[str], cwd: Path, timeout: float) -> Measurement:
    """Run cmd in cwd: wall time, peak RSS (wait4 on the child) and exit code."""
    out_path = cwd.parent / f".bench-{cwd.name}.out"
    err_path = cwd.parent / f".bench-{cwd.name}.err"
    reply = launcher().run(cmd, cwd, out_path, err_path, timeout)
    if "error" in reply:
        return Measurement(0.0, 0.0, -1, "", "", error=f"cannot start: {reply['error']}")
    code = reply["code"]
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    m = Measurement(reply["wall"], kib_to_mb(reply["maxrss"]), code, stdout, stderr)
    if code < 0:
        m.error = f"killed by signal {-code} (timeout {timeout:.0f}s?)"
    elif code not in (0, 1) or "Traceback (most recent call last)" in stderr:
        lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        first = lines[0] if lines else f"exit {code}, no stderr"
        if first.startswith("Traceback") and len(lines) > 1:
            first = lines[-1]  # the exception line says more than the header
        m.error = first[:160]
    return m


# --------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------


class Tool:
    name = ""
    cache_dirs: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = SCENARIOS

    def __init__(self, exe: str, proj: Path, cb: Codebase) -> None:
        self.exe = exe
        self.proj = proj
        self.cb = cb

    def configure(self) -> None:
        raise NotImplementedError

    def command(self, cold: bool) -> list[str]:
        raise NotImplementedError

    def clear_cache(self) -> None:
        for d in self.cache_dirs:
            shutil.rmtree(self.proj / d, ignore_errors=True)

    def check_output(self, m: Measurement) -> None:
        """Fill m.violations; set m.error if the output shows no analysis."""


class DepcheckTool(Tool):
    name = "depcheck"
    cache_dirs = (".depcheck_cache",)
    supports_no_cache: bool | None = None

    def configure(self) -> None:
        write_depcheck_config(self.proj, self.cb)
        if DepcheckTool.supports_no_cache is None:
            help_text = run_quiet([self.exe, "check", "--help"])
            DepcheckTool.supports_no_cache = "--no-cache" in help_text
            if not DepcheckTool.supports_no_cache:
                log("depcheck check has no --no-cache: cold = cache dir deleted only")

    def command(self, cold: bool) -> list[str]:
        cmd = [self.exe, "check", "--format", "json"]
        if cold and DepcheckTool.supports_no_cache:
            cmd.append("--no-cache")
        return cmd + [str(self.proj)]

    def check_output(self, m: Measurement) -> None:
        try:
            data = json.loads(m.stdout)
        except ValueError:
            if m.error is None:
                m.error = "stdout is not JSON: " + (m.stdout.strip()[:80] or "(empty)")
            return
        m.violations = str(count_json_violations(data))


def count_json_violations(data: object) -> int | str:
    """Number of violations, with a per-rule breakdown when entries name their rule."""
    if isinstance(data, dict) and isinstance(data.get("violations"), list):
        data = data["violations"]
    if isinstance(data, list):
        rules: dict[str, int] = {}
        for item in data:
            rule = item.get("rule") if isinstance(item, dict) else None
            if isinstance(rule, str):
                rules[rule] = rules.get(rule, 0) + 1
        if rules:
            detail = ", ".join(f"{k} {v}" for k, v in sorted(rules.items()))
            return f"{len(data)} ({detail})"
        return len(data)
    if isinstance(data, dict):
        for key in ("violation_count", "count", "total"):
            if isinstance(data.get(key), int):
                return data[key]
        summary = data.get("summary")
        if isinstance(summary, dict):
            for key in ("violations", "violation_count", "count", "total"):
                if isinstance(summary.get(key), int):
                    return summary[key]
    return "?"


class ImportLinterTool(Tool):
    name = "import-linter"
    cache_dirs = (".import_linter_cache",)
    config: Path

    def configure(self) -> None:
        self.config = write_importlinter_config(self.proj, self.cb)

    def command(self, cold: bool) -> list[str]:
        # The config is passed positionally: `--config FILE` is deprecated
        # in import-linter 2.x (it prints a DeprecationWarning) but equivalent.
        return [self.exe, self.config.name]

    def check_output(self, m: Measurement) -> None:
        analysed = re.search(r"Analyzed (\d+) files, (\d+) dependencies", m.stdout)
        contract = f"{self.cb.name} layers"
        if m.error is None and (not analysed or contract not in m.stdout):
            m.error = "no analysis in output: " + (m.stderr.strip() or m.stdout.strip())[:100]
            return
        chains = sum(1 for ln in m.stdout.splitlines() if ln.startswith("- "))
        pairs = m.stdout.count(" is not allowed to import ")
        m.violations = f"{chains} chains / {pairs} pairs"


class ParseFloorTool(Tool):
    """Reads and ast.parses every file, on every core, and does nothing else (cold only)."""

    name = FLOOR_TOOL
    scenarios = ("cold",)

    def configure(self) -> None:
        pass

    def command(self, cold: bool) -> list[str]:
        return [self.exe, str(FLOOR_SCRIPT), self.cb.package]

    def check_output(self, m: Measurement) -> None:
        found = re.search(r"parsed (\d+) of (\d+) files", m.stdout)
        if m.error is None and not found:
            m.error = "no parse count in output: " + (m.stderr.strip() or m.stdout.strip())[:100]
            return
        if found:
            m.violations = f"{found.group(1)} of {found.group(2)} files parsed"


class TachTool(Tool):
    name = "tach"
    cache_dirs = (".tach",)  # tach test's cache only; `tach check` has none

    def configure(self) -> None:
        write_tach_config(self.proj, self.cb)

    def command(self, cold: bool) -> list[str]:
        return [self.exe, "check"]

    def check_output(self, m: Measurement) -> None:
        text = m.stdout + m.stderr
        fails = sum(1 for ln in text.splitlines() if ln.startswith("[FAIL]"))
        if m.error is None and m.exit_code == 1 and fails == 0:
            m.error = "exit 1 without [FAIL] lines: " + text.strip()[:100]
        m.violations = str(fails)


TOOL_CLASSES: dict[str, type[Tool]] = {
    "depcheck": DepcheckTool,
    "import-linter": ImportLinterTool,
    "tach": TachTool,
    FLOOR_TOOL: ParseFloorTool,
}


# --------------------------------------------------------------------------
# Scenarios: file modifications, one fresh variant per timed run
# --------------------------------------------------------------------------


def find_int_literal(src: bytes) -> tuple[int, int, int]:
    """(line index, start byte, end byte) of a plain int literal in a function body."""
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for stmt in node.body:
            for sub in ast.walk(stmt):
                if isinstance(sub, ast.Constant) and type(sub.value) is int and sub.lineno == sub.end_lineno:
                    line = lines[sub.lineno - 1]
                    seg = line[sub.col_offset : sub.end_col_offset]
                    if seg.isdigit():
                        return sub.lineno - 1, sub.col_offset, sub.end_col_offset
    raise ValueError("no int literal inside a function body")


def import_insert_line(src: bytes) -> int:
    """Line index just after the last top-level import statement."""
    tree = ast.parse(src)
    last = 0
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            last = stmt.end_lineno or stmt.lineno
    return last


class FileEditor:
    """Applies per-run variants to one file and restores it exactly."""

    def __init__(self, path: Path, candidates: list[str]) -> None:
        self.path = path
        self.original = path.read_bytes()
        st = path.stat()
        self.times = (st.st_atime_ns, st.st_mtime_ns)
        self.candidates = candidates
        self.literal = find_int_literal(self.original)
        self.insert_at = import_insert_line(self.original)

    def _write(self, data: bytes) -> None:
        self.path.write_bytes(data)
        now = time.time_ns()  # strictly newer than anything cached before
        os.utime(self.path, ns=(now, now))

    def touch(self, k: int) -> None:
        now = time.time_ns()
        os.utime(self.path, ns=(now, now))

    def edit_body(self, k: int) -> None:
        lines = self.original.splitlines(keepends=True)
        idx, start, end = self.literal
        line = lines[idx]
        lines[idx] = line[:start] + str(9000 + k).encode() + line[end:]
        self._write(b"".join(lines))

    def change_imports(self, k: int) -> None:
        lines = self.original.splitlines(keepends=True)
        mod = self.candidates[k % len(self.candidates)]
        lines.insert(self.insert_at, f"import {mod}  # added by bench\n".encode())
        self._write(b"".join(lines))

    def restore(self) -> None:
        # Nothing to restore after a scenario that edits nothing (cold, warm): rewriting the
        # file would still change its ctime, and so touch it before the next scenario.
        st = self.path.stat()
        if st.st_mtime_ns == self.times[1] and self.path.read_bytes() == self.original:
            return
        self.path.write_bytes(self.original)
        os.utime(self.path, ns=self.times)


# --------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------


@dataclass
class Row:
    scenario: str
    tool: str
    runs: list[Measurement] = field(default_factory=list)
    note: str = ""


def setup_projects(cb: Codebase, work: Path, tools: list[str], paths: ToolPaths) -> dict[str, Tool]:
    missing = [e for e in entries_flat(cb.layers) if not module_exists(cb.src, e)]
    if missing:
        raise SystemExit(f"{cb.name}: layer entries that do not exist: {missing}")
    cb.files = sum(1 for _ in (cb.src / cb.package).rglob("*.py"))
    base = work / "projects" / cb.name
    shutil.rmtree(base, ignore_errors=True)
    instances: dict[str, Tool] = {}
    for name in tools:
        exe = paths.exes.get(name)
        if not exe:
            log(f"{name}: executable not found, skipped")
            continue
        proj = base / name
        shutil.copytree(cb.src / cb.package, proj / cb.package)
        tool = TOOL_CLASSES[name](exe, proj, cb)
        tool.configure()
        instances[name] = tool
    return instances


def bench_codebase(
    cb: Codebase, work: Path, tools: list[str], paths: ToolPaths, runs: int, timeout: float
) -> list[Row]:
    instances = setup_projects(cb, work, tools, paths)
    editors = {n: FileEditor(t.proj / cb.target, cb.import_candidates) for n, t in instances.items()}
    rows: list[Row] = []
    broken: dict[str, str] = {}
    actions: dict[str, Callable[[FileEditor, int], None] | None] = {
        "cold": None,
        "warm": None,
        "touched": FileEditor.touch,
        "body edited": FileEditor.edit_body,
        "imports changed": FileEditor.change_imports,
    }
    for scenario in SCENARIOS:
        cold = scenario == "cold"
        timed = {n: t for n, t in instances.items() if scenario in t.scenarios}
        scen_rows = {n: Row(scenario, n) for n in timed}
        rows.extend(scen_rows.values())
        if not cold:  # one untimed run so that the cache matches the files
            for name, tool in timed.items():
                if name not in broken:
                    run_measured(tool.command(False), tool.proj, timeout)
        for k in range(runs):
            for name, tool in timed.items():
                if name in broken:
                    scen_rows[name].note = broken[name]
                    continue
                action = actions[scenario]
                if cold:
                    tool.clear_cache()
                elif action is not None:
                    action(editors[name], k)
                m = run_measured(tool.command(cold), tool.proj, timeout)
                tool.check_output(m)
                m.stdout = m.stderr = ""  # keep this process small
                scen_rows[name].runs.append(m)
                log(
                    f"  {cb.name:>11} | {scenario:<15} | {name:<13} | run {k + 1}/{runs}:"
                    f" {m.wall:7.3f}s {m.rss_mb:7.1f}MB exit {m.exit_code}"
                    f" violations={m.violations}" + (f" ERROR {m.error}" if m.error else "")
                )
                if m.error and "cannot start" in m.error:
                    broken[name] = m.error
        for editor in editors.values():
            editor.restore()
    return rows


def fmt_s(x: float) -> str:
    return f"{x:.3f}"


def render_table(cb: Codebase, rows: list[Row], runs: int) -> list[str]:
    out = [
        f"## {cb.name}",
        "",
        f"{cb.files} .py files in package `{cb.package}`; {len(cb.layers)} layers;"
        f" edited file `{cb.target}`; {runs} timed runs per cell.",
        "",
        "| scenario | tool | median s | min s | max s | vs lint-imports | peak RSS MB | exit | violations |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    medians: dict[tuple[str, str], float] = {}
    for r in rows:
        ok = [m for m in r.runs if m.error is None]
        if ok and len(ok) == len(r.runs):
            medians[(r.scenario, r.tool)] = statistics.median(m.wall for m in ok)
    for r in rows:
        if not r.runs:
            out.append(f"| {r.scenario} | {r.tool} | error: {r.note} | | | | | | |")
            continue
        errors = [m.error for m in r.runs if m.error]
        exits = ",".join(sorted({str(m.exit_code) for m in r.runs}))
        if errors:
            out.append(f"| {r.scenario} | {r.tool} | error | | | | | {exits} | {errors[0]} |")
            continue
        walls = [m.wall for m in r.runs]
        med = medians[(r.scenario, r.tool)]
        base = medians.get((r.scenario, BASELINE_TOOL))
        ratio = f"{med / base:.2f}x" if base else "-"
        rss = max(m.rss_mb for m in r.runs)
        viol = sorted({m.violations for m in r.runs})
        out.append(
            f"| {r.scenario} | {r.tool} | {fmt_s(med)} | {fmt_s(min(walls))} |"
            f" {fmt_s(max(walls))} | {ratio} | {rss:.1f} | {exits} | {' or '.join(viol)} |"
        )
    out.append("")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=("django", "synth"), help="bench one codebase kind")
    p.add_argument("--runs", type=int, default=None, help="timed runs per cell (default 5)")
    p.add_argument("--sizes", default=None, help="synthetic sizes, comma separated (default 1000,5000,20000)")
    p.add_argument("--tools", default=",".join(TOOLS), help="comma separated subset of " + ",".join(TOOLS))
    p.add_argument("--quick", action="store_true", help="smoke test: runs=3, sizes=1000")
    p.add_argument("--work-dir", type=Path, default=BENCH_DIR / ".work")
    p.add_argument("--results", type=Path, default=BENCH_DIR / "results.md")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--timeout", type=float, default=900, help="seconds per tool run")
    p.add_argument("--python", help="python of the venv holding the tools (default: this one)")
    p.add_argument("--depcheck", help="path to the depcheck executable")
    p.add_argument("--lint-imports", help="path to the lint-imports executable")
    p.add_argument("--tach", help="path to the tach executable")
    p.add_argument("--label", help="free text for the header, e.g. which depcheck commit")
    args = p.parse_args(argv)
    if args.runs is None:
        args.runs = 3 if args.quick else 5
    if args.sizes is None:
        args.sizes = "1000" if args.quick else "1000,5000,20000"
    args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.tool_list = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(args.tool_list) - set(TOOLS)
    if unknown:
        p.error(f"unknown tools: {sorted(unknown)}")
    if args.runs < 1:
        p.error("--runs must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    launcher()  # start it while this process is still small
    work: Path = args.work_dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    lock = open(work / ".lock", "w")  # held (and flocked) for the whole run
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        raise SystemExit(f"another bench run is using {work}; wait, or pass --work-dir") from None
    paths = find_tools(args)
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    header = [
        "# depcheck benchmark results",
        "",
        f"Generated by `python bench/bench.py {shlex.join(sys.argv[1:] if argv is None else argv)}`"
        f" at {started}.",
        "",
        *machine_info(paths, args.tool_list),
        *compile_tools(paths, args.tool_list),
        *([f"- note: {args.label}"] if args.label else []),
        "",
        "Times are wall-clock seconds per invocation (process start to exit);"
        " peak RSS is the child's ru_maxrss from wait4 (largest single process)."
        " Exit 1 = violations found. See bench/README.md for what each scenario does.",
        "",
    ]
    print("\n".join(header), flush=True)
    codebases: list[Callable[[], Codebase]] = []
    if args.only in (None, "django"):
        codebases.append(lambda: prepare_django(work, paths.python))
    if args.only in (None, "synth"):
        for n in args.size_list:
            codebases.append(lambda n=n: prepare_synth(work, n, args.seed))
    body: list[str] = []
    for make in codebases:
        cb = make()
        log(f"== {cb.name} ==")
        rows = bench_codebase(cb, work, args.tool_list, paths, args.runs, args.timeout)
        table = render_table(cb, rows, args.runs)
        print("\n".join(table), flush=True)
        body.extend(table)
        partial = ["_Partial: the run was still going when this was written._", ""]
        args.results.write_text("\n".join(header + body + partial))  # survives a kill
    finished = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    floor = kib_to_mb(launcher().self_rss_kb)
    body.append(
        f"Finished at {finished}, load average (1/5/15 min) then {load_average()}."
        f" The launcher that started the tools peaked at {floor:.1f} MB RSS:"
        " no peak RSS above can be lower than that."
    )
    launcher().close()
    args.results.write_text("\n".join(header + body) + "\n")
    log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
