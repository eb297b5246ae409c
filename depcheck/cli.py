"""The command line: parse arguments, run the pipeline, print, and pick the exit code.

Exit codes: 0 clean (warnings allowed), 1 violations, 2 depcheck could not run.
"""

from __future__ import annotations

import gc
import os
import sys
import time

# First, and alone: a repeated check answered by the fast lane imports nothing else of
# depcheck (and none of argparse, pathlib, typing, dataclasses). Everything else is
# imported where it is used.
from depcheck import replay

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Optional, TextIO

    from depcheck import codemod
    from depcheck.config import Config
    from depcheck.filters.baseline import Baseline
    from depcheck.pipeline import Prepared, Result
    from depcheck.report.registry import Formats

MAP_FORMAT = "html"  # the graph format `depcheck map` writes
MAP_FILE = "depcheck-map.html"

EXIT_CLEAN = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """depcheck cannot run as asked; the message is one actionable line."""


def _format_option(sub: argparse.ArgumentParser, formats: Formats) -> None:
    sub.add_argument("--format", choices=list(formats), default=formats.default)


def _parser() -> argparse.ArgumentParser:
    import argparse

    from depcheck import __version__
    from depcheck.model import DEFAULT_BASELINE
    from depcheck.report import CHECK_FORMATS, EVENT_FORMATS, GRAPH_FORMATS

    parser = argparse.ArgumentParser(
        prog="depcheck",
        description="Architecture linter for Python: layers, independence and cycles "
        "over imports and events.",
    )
    parser.add_argument("--version", action="version", version=f"depcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def common(sub: argparse.ArgumentParser, cache: bool = True) -> None:
        sub.add_argument(
            "path", nargs="?", default=".", metavar="PATH",
            help="project directory; the config is looked for here and in its parents (default: .)",
        )
        sub.add_argument(
            "--config", metavar="FILE",
            help="pyproject.toml with [tool.depcheck], or a depcheck.toml",
        )
        if not cache:
            return
        sub.add_argument(
            "--cache-dir", metavar="DIR",
            help="where to keep the facts and result cache (default: .depcheck_cache in the project root)",
        )
        sub.add_argument(
            "--no-cache", action="store_true",
            help="parse every file and run every rule; neither read nor write the cache",
        )

    check = commands.add_parser("check", help="check the architecture; exit 1 on violations")
    common(check)
    _format_option(check, CHECK_FORMATS)
    known = check.add_mutually_exclusive_group()
    known.add_argument(
        "--baseline", metavar="FILE",
        help=f"report only violations not in this baseline (default: {DEFAULT_BASELINE} at the "
        "project root, when it exists)",
    )
    known.add_argument("--no-baseline", action="store_true", help="ignore the baseline; show everything")
    edits = check.add_mutually_exclusive_group()
    edits.add_argument(
        "--add-ignores", action="store_true",
        help="write '# depcheck: ignore[rule]' on each violating line, then check again",
    )
    edits.add_argument(
        "--remove-unused-ignores", action="store_true",
        help="remove the suppression comments that hide nothing, then check again",
    )
    check.add_argument("--reason", metavar="TEXT", default="", help="text after an added ignore")

    baseline = commands.add_parser(
        "baseline", help=f"write the current violations to a baseline ({DEFAULT_BASELINE})"
    )
    common(baseline)
    baseline.add_argument(
        "--baseline", metavar="FILE", help=f"where (default: {DEFAULT_BASELINE} at the project root)"
    )
    baseline.add_argument(
        "--prune", action="store_true",
        help="only drop entries whose violation is fixed; never add one",
    )

    graph = commands.add_parser("graph", help="print the dependency graph")
    common(graph)
    _format_option(graph, GRAPH_FORMATS)
    pictures = [name for name in GRAPH_FORMATS if GRAPH_FORMATS.format(name).components]
    drawn = ", ".join(pictures[:-1]) + " and " + pictures[-1] if len(pictures) > 1 else "".join(pictures)
    graph.add_argument(
        "--components", action="store_true",
        help=f"the graph of components (layer entries) instead of modules; {drawn} always draw components",
    )
    chart = commands.add_parser(
        "map", help=f"write the architecture map: graph --format {MAP_FORMAT}, one self-contained file"
    )
    common(chart)
    chart.add_argument("-o", "--output", metavar="FILE", default=MAP_FILE,
                       help=f"where to write it; - for stdout (default: {MAP_FILE})")
    chart.add_argument("--open", action="store_true", help="open it in the web browser")

    events = commands.add_parser(
        "events", help="the event catalog: every event, its owner, publishers and consumers"
    )
    common(events)
    _format_option(events, EVENT_FORMATS)
    _add_adoption_commands(commands, common)
    return parser


def _add_adoption_commands(commands: argparse._SubParsersAction, common: object) -> None:
    from depcheck.report import EXPLAIN_FORMATS

    init = commands.add_parser(
        "init", help="propose a layering from the code and write it into pyproject.toml"
    )
    init.add_argument("path", nargs="?", default=".", metavar="PATH", help="project directory (default: .)")
    init.add_argument("--package", action="append", metavar="NAME",
                      help="top-level package to analyse (default: every package found in PATH or PATH/src)")
    init.add_argument("--depth", type=int, default=1, metavar="N",
                      help="components are the packages N levels below the top one (default: 1)")
    init.add_argument("--print", action="store_true", dest="print_only",
                      help="print the section instead of writing pyproject.toml")
    init.add_argument("--force", action="store_true", help="replace an existing [tool.depcheck] section")

    migrate = commands.add_parser("migrate", help="print the depcheck config equivalent to another tool's")
    migrate.add_argument("--from", dest="tool", required=True, choices=["import-linter", "tach"])
    migrate.add_argument("file", nargs="?", metavar="FILE",
                         help="the other tool's config (default: found in the current directory)")

    explain = commands.add_parser(
        "explain", help="every dependency path from A to B; exit 0 if A depends on B, 1 if not"
    )
    explain.add_argument("source", metavar="A", help="module or component that depends")
    explain.add_argument("target", metavar="B", help="module or component depended on")
    common(explain, cache=False)  # type: ignore[operator]
    explain.add_argument(
        "--max", type=int, default=10, metavar="N", help="show at most N paths (default: 10)"
    )
    _format_option(explain, EXPLAIN_FORMATS)


def _load(path: str, config_file: Optional[str]) -> Config:
    from pathlib import Path

    from depcheck.config import find_config, load_config

    if config_file:
        return load_config(Path(config_file))
    start = Path(path)
    if not start.exists():
        raise UsageError(f"{path}: no such directory")
    if start.is_file():
        start = start.parent
    found = find_config(start)
    if found is None:
        raise UsageError(
            f"no configuration found in {start.resolve()} or its parents: add a "
            "[tool.depcheck] table to pyproject.toml (or a depcheck.toml), or pass --config"
        )
    return load_config(found)


class _ProgressBar:
    """files parsed / total on stderr, drawn only once a run has taken about a second.

    Hand-rolled: drawing library imports would cost more than a cached run.
    """

    DELAY = 0.8
    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.started < self.DELAY or (now - self.last < 0.1 and done < total):
            return
        self.last = now
        filled = self.WIDTH * done // max(total, 1)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.stream.write(f"\rdepcheck: parsing [{bar}] {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _cache_dir(args: argparse.Namespace) -> Optional[Path]:
    from pathlib import Path

    return Path(args.cache_dir).resolve() if args.cache_dir else None


def _prepared(args: argparse.Namespace, config: Config, *, progress: bool) -> Prepared:
    """The pipeline up to the result key, with the cache flags of ``args`` and a progress bar."""
    from depcheck.pipeline import prepare

    bar = _ProgressBar(sys.stderr) if progress and sys.stderr.isatty() else None
    try:
        return prepare(config, cache_dir=_cache_dir(args), use_cache=not args.no_cache, progress=bar)
    finally:
        if bar is not None:
            bar.close()


def _run(args: argparse.Namespace, config: Config, *, progress: bool) -> Result:
    """The pipeline with the cache flags of ``args``, and a progress bar on a terminal."""
    from depcheck.pipeline import complete

    result = complete(_prepared(args, config, progress=progress))
    _note(result.cache_note)
    return result


def _note(cache_note: Optional[str]) -> None:
    if cache_note:
        print(f"depcheck: note: {cache_note}", file=sys.stderr)


def _repo_root(root: Path) -> str:
    """The project root relative to its git repository's root ("" when the same or no git)."""
    resolved = root.resolve()
    for parent in (resolved, *resolved.parents):
        if (parent / ".git").exists():
            relative = resolved.relative_to(parent).as_posix()
            return "" if relative == "." else relative
    return ""


def _baseline_path(config: Config, given: Optional[str]) -> Path:
    from pathlib import Path

    from depcheck.model import DEFAULT_BASELINE

    return Path(given) if given else config.root / DEFAULT_BASELINE


def _shown(config: Config, path: Path) -> str:
    try:
        return path.resolve().relative_to(config.root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())  # outside the project: absolute, so no format misreads it


def _read_baseline(config: Config, path: Path) -> Baseline:
    from depcheck.filters.baseline import BaselineError, parse_baseline

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"{path}: cannot read the baseline: {reason}") from None
    try:
        return parse_baseline(text, _shown(config, path))
    except BaselineError as exc:
        raise UsageError(str(exc)) from None


def _update_command(config: Config, given: Optional[str]) -> str:
    return "depcheck baseline --prune" + (f" --baseline {given}" if given else "")


def _checked(config: Config, args: argparse.Namespace) -> Result:
    return _with_baseline(config, args, _run(args, config, progress=args.format == "text"))


def _used_baseline(config: Config, args: argparse.Namespace) -> Optional[Path]:
    """The baseline this check applies: --baseline, else the default one when it exists."""
    if args.no_baseline:
        return None
    path = _baseline_path(config, args.baseline)
    if args.baseline is None and not path.exists():
        return None
    return path


def _with_baseline(config: Config, args: argparse.Namespace, result: Result) -> Result:
    from depcheck.pipeline import filter_baseline

    path = _used_baseline(config, args)
    if path is None:
        return result
    baseline = _read_baseline(config, path)
    return filter_baseline(result, baseline, _update_command(config, args.baseline))


def _print_edits(verb: str, report: codemod.Report) -> None:
    changes, skipped, files = report.changes, report.skipped, len(report.files)
    lines = [
        f"depcheck: {verb} {len(changes)} comment{'s' if len(changes) != 1 else ''} "
        f"in {files} file{'s' if files != 1 else ''}"
    ]
    for change in changes:
        after = change.after or "(comment removed)"
        lines.append(f"  {change.file}:{change.line}: {after}")
    for skip in skipped:
        where = f"{skip.file}:{skip.line}" if skip.line else skip.file
        lines.append(f"  skipped {where}: {skip.reason}")
    print("\n".join(lines), file=sys.stderr)


def _run_check(args: argparse.Namespace) -> int:
    import dataclasses

    from depcheck.model import ERROR
    from depcheck.pipeline import complete, shown
    from depcheck.report import CHECK_FORMATS

    if args.reason and not args.add_ignores:
        raise UsageError("--reason goes with --add-ignores: it is the text written after each new ignore")
    config = _load(args.path, args.config)
    color = replay.use_color(sys.stdout)
    edits = args.add_ignores or args.remove_unused_ignores
    # What this run prints is stored for replay unless it edits files or writes the step summary.
    replays = not edits and not args.no_cache and not os.environ.get("GITHUB_STEP_SUMMARY")
    report_key = None
    if replays:
        checked = _existence_checks(config)
        prepared = _prepared(args, config, progress=args.format == "text")
        report_key = _report_key(prepared, config, args, color)
        stored = replay.load_report(str(prepared.directory), report_key) if report_key else None
        if stored is not None:
            # Only bodies changed (or nothing the manifest could vouch for): the same report.
            _note(prepared.note)
            sys.stdout.write(stored.fill(time.perf_counter() - prepared.started))
            _remember(args, config, prepared, report_key, checked)
            return stored.code
        result = complete(prepared)
        _note(result.cache_note)
        result = _with_baseline(config, args, result)
    else:
        result = _checked(config, args)
    if edits:
        from depcheck import codemod

        def check() -> Result:
            return _checked(config, args)

        if args.add_ignores:
            report, result = codemod.add_ignores_and_check(config.root, result, check, args.reason)
            _print_edits("added or extended", report)
        else:
            report, result = codemod.remove_unused_ignores_and_check(config.root, result, check)
            _print_edits("removed or trimmed", report)
    result = shown(result)
    summary = dataclasses.replace(result.summary, root=_repo_root(config.root))
    code = EXIT_VIOLATIONS if any(v.severity == ERROR for v in result.all_violations) else EXIT_CLEAN
    render = CHECK_FORMATS[args.format]
    stored = None
    if report_key and result.cache_note is None:
        stored = replay.template(
            lambda seconds: render(result.violations, dataclasses.replace(summary, seconds=seconds), color),
            lambda seconds: render([], dataclasses.replace(summary, seconds=seconds), color),
            code,
        )
    if stored is not None:
        sys.stdout.write(stored.fill(summary.seconds))
        try:
            replay.save_report(str(prepared.directory), report_key, stored)
        except OSError:
            pass  # the facts and result caches were written: an unwritable cache gave a note
        else:
            _remember(args, config, prepared, report_key, checked)
    else:
        sys.stdout.write(render(result.violations, summary, color))
    if args.format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        from depcheck.report import github

        try:
            with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
                handle.write(github.step_summary(result.violations, summary))
        except OSError as exc:
            print(f"depcheck: warning: cannot write GITHUB_STEP_SUMMARY: {exc}", file=sys.stderr)
    return code


def _report_key(prepared: Prepared, config: Config, args: argparse.Namespace, color: bool) -> Optional[str]:
    """What a check's output depends on besides its result: the format, the colour, the repository
    root, the baseline's bytes and how it is named. None without the cache or a readable baseline."""
    from depcheck import store

    if not prepared.key:
        return None
    path = _used_baseline(config, args)
    baseline = None
    if path is not None:
        try:
            data = path.read_bytes()
        except OSError:
            return None  # the long way says why it cannot be read
        baseline = (str(path.resolve()), _shown(config, path), args.baseline, store.digest(data))
    return store.digest(("report", prepared.key, args.format, color, _repo_root(config.root), baseline))


def _existence_checks(config: Config) -> list[tuple[str, str, bool]]:
    """What discovery and the repository root look for besides the listed directories, answered
    before the run looks: (path, kind, answer)."""
    from depcheck.discover import source_roots

    root = config.root
    checks = [] if config.source_roots else [(str(root / "src"), "isdir")]
    for source_root in source_roots(config):
        checks.append((str(source_root), "isdir"))
        for package in config.packages:
            directory = source_root.joinpath(*package.split("."))
            checks.append((str(directory), "isdir"))
            checks.append((str(directory.with_suffix(".py")), "isfile"))
    resolved = root.resolve()
    for parent in (resolved, *resolved.parents):
        checks.append((str(parent / ".git"), "exists"))
        if (parent / ".git").exists():
            break
    return [(path, kind, replay.exists(path, kind)) for path, kind in checks]


def _remember(args: argparse.Namespace, config: Config, prepared: Prepared, report_key: str,
              checked: list[tuple[str, str, bool]]) -> None:
    """Record what this check read, so that the same command line can be replayed while it holds.

    Recorded only when the fast lane would find the same config and cache directory, and
    nothing read is racy; a failure to write only costs the next run its shortcut.
    """
    try:
        place = replay.locate(args.argv)
    except OSError:  # the working directory is gone
        return
    if place is None or (place[1], place[2]) != (str(prepared.directory), str(config.path)):
        return
    files = [str(config.path)]
    if not args.no_baseline:
        files.append(str(_baseline_path(config, args.baseline).resolve()))
    files.extend(os.path.join(prepared.project.root, f.path) for f in prepared.project.files)
    files.extend(prepared.project.directories)
    entries = replay.observe(files, checked, args.started_ns)
    if entries is None:
        return
    digests = {os.path.join(prepared.project.root, f.path): prepared.table.digests[f.module]
               for f in prepared.project.files}
    try:
        replay.remember(place[1], place[0], entries, report_key, digests)
    except OSError:
        pass


def _run_baseline(args: argparse.Namespace) -> int:
    from depcheck.filters.baseline import baselined, prune_baseline, render_baseline
    from depcheck.rules import parse_error

    config = _load(args.path, args.config)
    result = _run(args, config, progress=False)
    path = _baseline_path(config, args.baseline)
    if args.prune:
        if not path.exists():
            raise UsageError(f"{path}: no baseline to prune; create one with 'depcheck baseline'")
        old = _read_baseline(config, path)
        keys = prune_baseline(old, result.violations, result.hidden)
        message = f"removed {len(old.entries) - len(keys)} fixed entries, {len(keys)} left"
    else:
        keys = [v.key for v in baselined(result.violations)]
        message = f"{len(keys)} violation{'s' if len(keys) != 1 else ''}"
    try:
        path.write_text(render_baseline(keys), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the baseline: {exc.strerror or exc}") from None
    print(f"depcheck: wrote {_shown(config, path)}: {message}")
    broken = sum(1 for v in result.violations if v.rule == parse_error.RULE.id)
    if broken:
        print(
            f"depcheck: note: {broken} parse error{'s are' if broken != 1 else ' is'} not baselined; "
            "'depcheck check' still reports them (fix or exclude the files)",
            file=sys.stderr,
        )
    return EXIT_CLEAN


def _picture(result: Result, name: str, components: bool = False) -> str:
    """What graph format ``name`` draws of the run; a format registered with components=True
    always gets the component graph."""
    from depcheck.pictures import snapshot
    from depcheck.report import GRAPH_FORMATS

    output = GRAPH_FORMATS.format(name)
    components = components or output.components
    return output.render(snapshot(result.config, result.graph, result.violations, components=components))


def _run_graph(args: argparse.Namespace) -> int:
    result = _run(args, _load(args.path, args.config), progress=False)
    sys.stdout.write(_picture(result, args.format, args.components))
    return EXIT_CLEAN


def _run_map(args: argparse.Namespace) -> int:
    from pathlib import Path

    result = _run(args, _load(args.path, args.config), progress=args.output != "-")
    page = _picture(result, MAP_FORMAT)
    if args.output == "-":
        sys.stdout.write(page)
        return EXIT_CLEAN
    target = Path(args.output)
    try:
        target.write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write the map: {exc.strerror or exc}") from None
    size = len(page.encode("utf-8")) // 1024
    print(f"depcheck: wrote {args.output} ({size} kB); open it in a browser", file=sys.stderr)
    if args.open:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())
    return EXIT_CLEAN


def _run_init(args: argparse.Namespace) -> int:
    from pathlib import Path

    from depcheck import adopt

    root = Path(args.path).resolve()
    if not root.is_dir():
        raise UsageError(f"{args.path}: no such directory")
    if args.depth < 1:
        raise UsageError(f"--depth {args.depth}: expected 1 or more")
    packages = args.package or adopt.find_packages(root)
    if not packages:
        raise UsageError(f"no package (a directory with __init__.py) in {root} or {root / 'src'}: "
                         "pass --package NAME")
    target = root / "pyproject.toml"
    existing = target.read_text(encoding="utf-8") if target.is_file() else ""
    if not args.print_only and adopt.has_section(existing) and not args.force:
        raise UsageError(f"{target}: already has a [tool.depcheck] section; pass --force to replace it, "
                         "or --print to see the proposal")
    try:
        proposal = adopt.init(root, packages, args.depth)
    except adopt.AdoptionError as exc:
        raise UsageError(str(exc)) from None
    section = adopt.render(proposal)
    if args.print_only:
        sys.stdout.write(section)
        return EXIT_CLEAN
    target.write_text(adopt.replace_section(existing, section), encoding="utf-8")
    print(f"depcheck: wrote [tool.depcheck] to {target}: {len(proposal.layers)} layers, "
          f"{len(proposal.set_aside)} dependencies set aside as exceptions; run `depcheck check`",
          file=sys.stderr)
    return EXIT_CLEAN


def _run_migrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from depcheck import migrate

    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise UsageError(f"{args.file}: no such file")
    elif args.tool == "tach":
        path = Path("tach.toml")
        if not path.is_file():
            raise UsageError("no tach.toml in the current directory: pass FILE")
    else:
        found = migrate.find_import_linter_config(Path.cwd())
        if found is None:
            raise UsageError("no import-linter config (setup.cfg [importlinter], .importlinter or "
                             "pyproject.toml [tool.importlinter]) in the current directory: pass FILE")
        path = found
    try:
        result = migrate.from_tach(path) if args.tool == "tach" else migrate.from_import_linter(path)
    except migrate.MigrationError as exc:
        raise UsageError(str(exc)) from None
    sys.stdout.write(result.text)
    for item in result.dropped:
        print(f"depcheck: not migrated: {item}", file=sys.stderr)
    return EXIT_CLEAN


def _run_explain(args: argparse.Namespace) -> int:
    from pathlib import Path

    from depcheck import explain
    from depcheck.config import Config
    from depcheck.pipeline import load_graph
    from depcheck.report import EXPLAIN_FORMATS

    if args.max < 1:
        raise UsageError(f"--max {args.max}: expected 1 or more")
    try:
        config = _load(args.path, args.config)
    except UsageError:
        # No config yet (explain is useful before `depcheck init`): read the packages found here.
        from depcheck import adopt

        root = Path(args.path).resolve()
        packages = adopt.find_packages(root) if root.is_dir() else []
        if args.config or not packages:
            raise
        config = Config(path=root / "pyproject.toml", root=root, packages=tuple(packages))
    _, _, graph = load_graph(config)
    for name in (args.source, args.target):
        if not explain.module_names(graph, name):
            raise UsageError(f"'{name}' matches no module of the analysed packages")
    paths = explain.dependency_paths(graph, args.source, args.target, args.max)
    sys.stdout.write(EXPLAIN_FORMATS[args.format](args.source, args.target, paths, args.max))
    return EXIT_CLEAN if paths else EXIT_VIOLATIONS


def _run_events(args: argparse.Namespace) -> int:
    from depcheck.pictures import event_catalog
    from depcheck.report import EVENT_FORMATS

    result = _run(args, _load(args.path, args.config), progress=False)
    sys.stdout.write(EVENT_FORMATS[args.format](event_catalog(result.config, result.graph)))
    return EXIT_CLEAN


COMMANDS = {
    "check": _run_check, "graph": _run_graph, "map": _run_map, "events": _run_events,
    "baseline": _run_baseline, "init": _run_init, "migrate": _run_migrate, "explain": _run_explain,
}


def main(argv: Optional[list[str]] = None) -> int:
    started, started_ns = time.perf_counter(), time.time_ns()
    # A run allocates millions of objects that live until it ends and form no reference
    # cycles (facts, evidence, graph edges): the cyclic collector traversing them again and
    # again took 21-38% of a large run's CPU and freed nothing. Memory is still freed by
    # reference counting; whatever cycles a run makes are collected once it returns.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _main(list(sys.argv[1:] if argv is None else argv), started, started_ns)
    finally:
        if enabled:
            gc.enable()


def _replayed(argv: list[str], started: float, started_ns: int) -> Optional[int]:
    """The exit code when the fast lane answered (and printed), else None."""
    try:
        found = replay.lookup(argv)
        answer = None
        if found is not None and not found.changed:
            answer = replay.replayed(found, started)
        elif found is not None and found.only_sources_changed and len(found.changed) <= _REPARSE_AT_MOST:
            answer = _replayed_after_body_edits(found, started, started_ns)
    except Exception:  # noqa: BLE001 - the fast lane can only ever save time
        if os.environ.get("DEPCHECK_DEBUG"):
            raise
        return None
    if answer is None:
        return None
    output, code = answer
    try:
        sys.stdout.write(output)
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_ERROR
    return code


# Past this many changed files, the long way (which also updates the facts cache) is as cheap.
_REPARSE_AT_MOST = 20


def _replayed_after_body_edits(
    found: replay.Found, started: float, started_ns: int
) -> Optional[tuple[str, int]]:
    """Only some source files changed since the manifest: when each one's facts are what they were
    (a body edit, a touch), the result and so the report are too. Needs the config (unchanged,
    the manifest says) for the extraction settings, and a parse of each changed file."""
    from pathlib import Path

    from depcheck import cache
    from depcheck.config import load_config
    from depcheck.pipeline import extraction_settings

    settings = extraction_settings(load_config(Path(found.config)))
    for path in found.changed:
        if cache.extract_file(path, settings)[1] != found.digests[path]:
            return None
    answer = replay.replayed(found, started)
    if answer is not None:
        found.refresh(started_ns)
    return answer


def _main(argv: list[str], started: float, started_ns: int) -> int:
    code = _replayed(argv, started, started_ns)
    if code is not None:
        return code
    from depcheck.config import ConfigError

    args = _parser().parse_args(argv)
    args.argv, args.started_ns = argv, started_ns
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"depcheck: config error: {problem}", file=sys.stderr)
        return EXIT_ERROR
    except UsageError as exc:
        print(f"depcheck: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("depcheck: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`depcheck check | head`); nothing left to say.
        sys.stderr.close()
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - a linter in CI must never show a traceback
        if os.environ.get("DEPCHECK_DEBUG"):
            raise
        print(
            f"depcheck: internal error: {type(exc).__name__}: {exc} "
            "(please report it; set DEPCHECK_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_ERROR
