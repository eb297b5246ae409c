"""The command line: parse arguments, run the pipeline, print, and pick the exit code.

Exit codes: 0 clean (warnings allowed), 1 violations, 2 depcheck could not run.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, Optional, TextIO

from depcheck import __version__, replay
from depcheck.config import Config, ConfigError, find_config, load_config
from depcheck.config import display as display_path
from depcheck.config.fields import close_matches
from depcheck.model import DEFAULT_BASELINE, Summary, plural
from depcheck.report import CHECK_FAILURES, CHECK_FORMATS, EVENT_FORMATS, EXPLAIN_FORMATS, GRAPH_FORMATS
from depcheck.report.registry import Formats

if TYPE_CHECKING:
    from depcheck import codemod
    from depcheck.filters.baseline import Baseline
    from depcheck.pipeline import Prepared, Result

MAP_FORMAT = "html"  # the graph format `depcheck map` writes
MAP_FILE = "depcheck-map.html"

EXIT_CLEAN = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """depcheck cannot run as asked; the message is one actionable line."""


def _format_option(sub: argparse.ArgumentParser, formats: Formats, *aliases: str) -> None:
    sub.add_argument("--format", *aliases, dest="format", choices=list(formats), default=formats.default,
                     metavar="FORMAT", help=f"{', '.join(formats)} (default: {formats.default})")


def _close(word: str, known: list[str]) -> str:
    close = close_matches(word, known, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# argparse's "argument --format: invalid choice: 'jsn' (choose from 'text', 'json')"
_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)$")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors that suggest the closest choice."""

    def error(self, message: str) -> NoReturn:
        found = _INVALID_CHOICE.search(message)
        if found:
            message += _close(found.group(1), re.findall(r"'([^']*)'", found.group(2)))
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


def _unknown_options(parser: argparse.ArgumentParser, command: str, extra: list[str]) -> str:
    """One line about what argparse left over, each unknown option with the closest known one."""
    sub = _subcommands(parser)[command]
    known = [option for option in sub._option_string_actions if option.startswith("--")]
    parts = []
    for word in extra:
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            parts.append(f"unknown option '{name}'{_close(name, known)}")
    if not parts:
        parts.append(f"unexpected {'argument' if len(extra) == 1 else 'arguments'} {' '.join(extra)}")
    return f"{'; '.join(parts)}; see 'depcheck {command} --help'"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _rule_list(option: str, value: str) -> tuple[str, ...]:
    """``--select layer,cycle``: rule ids, each checked against the registry (did-you-mean)."""
    from depcheck.rules import rule_ids

    known = list(rule_ids())
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    for name in names:
        if name not in known:
            raise UsageError(
                f"{option} {name}: no such rule{_close(name, known)}; rule ids: {', '.join(known)}"
            )
    return names


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="depcheck",
        description="Architecture linter for Python: layers, independence and cycles "
        "over imports and events.",
    )
    parser.add_argument("--version", action="version", version=f"depcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def common(sub: argparse.ArgumentParser, cache: bool = True) -> None:
        if sub.prog.endswith(" check"):
            sub.add_argument(
                "paths", nargs="*", default=["."], metavar="PATH",
                help="project directory, or files to report on (the whole project is still analysed); "
                "the config is looked for here and in its parents (default: .)",
            )
        else:
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
    _format_option(check, CHECK_FORMATS, "--output-format")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are violations")
    check.add_argument("--statistics", action="store_true",
                       help="one line per rule id with its count instead of the violations")
    check.add_argument("-q", "--quiet", action="store_true", help="print only the summary line")
    check.add_argument("--select", metavar="RULE,...",
                       help="report only these rule ids (replaces the config's select)")
    check.add_argument("--ignore", metavar="RULE,...",
                       help="never report these rule ids (added to the config's ignore)")
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
    if config_file:
        return load_config(Path(config_file))
    start = Path(path)
    if not start.exists():
        raise UsageError(f"{path}: no such file or directory")
    if start.is_file():
        start = start.parent
    found = find_config(start)
    if found is None:
        raise UsageError(
            f"no configuration found in {start.resolve()} or its parents: {_how_to_configure(start)}"
        )
    return load_config(found)


def _how_to_configure(start: Path) -> str:
    """The fix for a missing config: migrate another tool's config found here, else init."""
    from depcheck.migrate import find_import_linter_config

    for directory in (start.resolve(), *start.resolve().parents):
        found = find_import_linter_config(directory)
        tool = "import-linter"
        if found is None and (directory / "tach.toml").is_file():
            found, tool = directory / "tach.toml", "tach"
        if found is not None:
            shown = os.path.relpath(found) if found.is_relative_to(Path.cwd()) else str(found)
            return (f"{shown} holds {tool}'s config: run 'depcheck migrate --from {tool} {shown} >> "
                    "pyproject.toml' to translate it, or 'depcheck init' to propose a layering")
        if (directory / ".git").exists():
            break  # the repository's own root: a parent project's config is not this one's
    where = f" {start}" if start != Path(".") else ""
    return (f"run 'depcheck init{where}' to propose a layering from the code (or pass --config, or add "
            "a [tool.depcheck] table to pyproject.toml)")


def _load_check(args: argparse.Namespace) -> tuple[Config, Optional[frozenset[str]]]:
    """The config of ``check``'s paths, and the files to report on when only files are given
    (as the project root names them; ``None`` = everything)."""
    paths = [Path(p) for p in args.paths or ["."]]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or directory")
    configs = {}
    if args.config:
        configs[None] = load_config(Path(args.config))
    else:
        for path in paths:
            config = _load(str(path), None)
            configs.setdefault(config.path, config)
    if len(configs) > 1:
        names = ", ".join(display_path(p) for p in configs)
        raise UsageError(f"the paths belong to different projects ({names}): run depcheck once per project")
    config = next(iter(configs.values()))
    if not all(path.is_file() for path in paths):
        return config, None
    root = config.root.resolve()
    files = set()
    for path in paths:
        resolved = path.resolve()
        files.add(resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved))
    return config, frozenset(files)


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
        self.stream.write(f"\rdepcheck: parsing [{bar}] {done}/{plural(total, 'file')}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _prepared(args: argparse.Namespace, config: Config, *, progress: bool) -> Prepared:
    """The pipeline up to the result key, with the cache flags of ``args`` and a progress bar."""
    from depcheck.pipeline import prepare

    bar = _ProgressBar(sys.stderr) if progress and sys.stderr.isatty() else None
    cache_dir = Path(args.cache_dir).resolve() if args.cache_dir else None
    try:
        return prepare(config, cache_dir=cache_dir, use_cache=not args.no_cache, progress=bar)
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
        f"depcheck: {verb} {plural(len(changes), 'comment')} in {plural(files, 'file')}"
    ]
    for change in changes:
        after = change.after or "(comment removed)"
        lines.append(f"  {change.file}:{change.line}: {after}")
    for skip in skipped:
        where = f"{skip.file}:{skip.line}" if skip.line else skip.file
        lines.append(f"  skipped {where}: {skip.reason}")
    print("\n".join(lines), file=sys.stderr)


# Formats for people: paths open from the working directory; the others are read by CI
# against the repository root.
LOCAL_FORMATS = ("text", "concise")


def _selected(config: Config, args: argparse.Namespace) -> Config:
    """The config with ``--select`` (replacing its select) and ``--ignore`` (added to its ignore)."""
    changes: dict[str, tuple[str, ...]] = {}
    if args.select is not None:
        changes["select"] = _rule_list("--select", args.select)
    if args.ignore is not None:
        changes["ignore"] = tuple(dict.fromkeys(config.ignore + _rule_list("--ignore", args.ignore)))
    return dataclasses.replace(config, **changes) if changes else config


def _located_in(result: Result, files: frozenset[str]) -> Result:
    """Only the violations located in ``files`` (the run still read the whole project)."""
    kept = [v for v in result.violations if v.location is not None and v.location.file in files]
    return dataclasses.replace(result, violations=kept)


def _run_check(args: argparse.Namespace) -> int:
    from depcheck.model import ERROR
    from depcheck.pipeline import complete, shown

    if args.reason and not args.add_ignores:
        raise UsageError("--reason goes with --add-ignores: it is the text written after each new ignore")
    if (args.quiet or args.statistics) and args.format not in LOCAL_FORMATS:
        option = "--quiet" if args.quiet else "--statistics"
        raise UsageError(f"{option} shortens the text and concise formats; --format {args.format} is "
                         "always the whole report")
    config, files = _load_check(args)
    config = _selected(config, args)
    color = replay.use_color(sys.stdout)
    edits = args.add_ignores or args.remove_unused_ignores

    def narrowed(found: Result) -> Result:
        # File arguments narrow what is reported, and so what --add-ignores edits.
        return found if files is None else _located_in(found, files)

    def check() -> Result:
        return narrowed(_checked(config, args))

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
        result = narrowed(_with_baseline(config, args, result))
    else:
        result = check()
    if edits:
        from depcheck import codemod

        if args.add_ignores:
            report, result = codemod.add_ignores_and_check(config.root, result, check, args.reason)
            _print_edits("added or extended", report)
        else:
            report, result = codemod.remove_unused_ignores_and_check(config.root, result, check)
            _print_edits("removed or trimmed", report)
    result = shown(result)
    summary = dataclasses.replace(result.summary, root=_repo_root(config.root))
    if args.format in LOCAL_FORMATS:
        summary = dataclasses.replace(summary, project=config.root.resolve().as_posix(),
                                      here=Path.cwd().resolve().as_posix())
    failed = any(v.severity == ERROR for v in result.all_violations)
    code = EXIT_VIOLATIONS if failed and not args.exit_zero else EXIT_CLEAN
    stored = None
    if report_key and result.cache_note is None:
        empty = dataclasses.replace(result, violations=[])
        stored = replay.template(
            lambda seconds: _report(args, result, dataclasses.replace(summary, seconds=seconds)),
            lambda seconds: _report(args, empty, dataclasses.replace(summary, seconds=seconds)),
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
        sys.stdout.write(_report(args, result, summary))
    if args.format == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        from depcheck.report import github

        try:
            with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as handle:
                handle.write(github.step_summary(result.violations, summary))
        except OSError as exc:
            print(f"depcheck: warning: cannot write GITHUB_STEP_SUMMARY: {exc}", file=sys.stderr)
    return code


def _report_key(prepared: Prepared, config: Config, args: argparse.Namespace, color: bool) -> Optional[str]:
    """What a check's output depends on besides its result: the command line and where it runs
    (format, flags, file arguments, paths shown from the working directory), the colour, the
    repository root, the baseline's bytes and how it is named. None without the cache or a
    readable baseline."""
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
    return store.digest(("report", prepared.key, tuple(args.argv), os.getcwd(), color,
                         _repo_root(config.root), baseline))


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
            checks.append((str(directory / "__init__.py"), "isfile"))
            checks.append((str(directory / "__init__.pyi"), "isfile"))
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
    project = prepared.project
    files.extend(project.paths)
    files.extend(project.directories)
    entries = replay.observe(files, checked, args.started_ns, prepared.stats)
    table = prepared.table.digests
    digests = {path: table[f.module] for path, f in zip(project.paths, project.files)}
    try:
        replay.remember(place[1], place[0], entries, report_key, digests)
    except OSError:
        pass


def _report(args: argparse.Namespace, result: Result, summary: Summary) -> str:
    """What ``check`` prints: the format's report, or with --statistics / --quiet only counts."""
    if not (args.quiet or args.statistics):
        return CHECK_FORMATS[args.format](result.violations, summary, replay.use_color(sys.stdout))
    from depcheck.report import tally

    lines = tally.statistics(summary) if args.statistics else []
    contracts = tally.verdict(summary)
    if contracts:
        lines.append(contracts)
    lines.append(tally.summary_line(summary))
    return "\n".join(lines) + "\n"


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
        message = f"removed {plural(len(old.entries) - len(keys), 'fixed entry')}, {len(keys)} left"
    else:
        keys = [v.key for v in baselined(result.violations)]
        message = plural(len(keys), "violation")
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

    output = GRAPH_FORMATS.format(name)
    components = components or output.components
    return output.render(snapshot(result.config, result.graph, result.violations, components=components))


def _run_graph(args: argparse.Namespace) -> int:
    result = _run(args, _load(args.path, args.config), progress=False)
    sys.stdout.write(_picture(result, args.format, args.components))
    return EXIT_CLEAN


def _run_map(args: argparse.Namespace) -> int:
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
    from depcheck import adopt

    root = Path(args.path).resolve()
    if not root.is_dir():
        raise UsageError(f"{args.path}: no such directory")
    if args.depth < 1:
        raise UsageError(f"--depth {args.depth}: expected 1 or more")
    found = adopt.find_packages(root)
    for name in args.package or ():
        bases = (root, root / "src")
        if not any((base / name).is_dir() or (base / f"{name}.py").is_file() for base in bases):
            raise UsageError(f"--package {name}: no package '{name}' in {root} or {root / 'src'}"
                             f"{_close(name, found)}")
    packages = args.package or found
    if not packages:
        raise UsageError(f"no package (a directory with __init__.py) in {root} or {root / 'src'}: "
                         "pass --package NAME")
    target = root / "pyproject.toml"
    existing = target.read_text(encoding="utf-8") if target.is_file() else ""
    if not args.print_only and adopt.has_section(existing) and not args.force:
        raise UsageError(f"{target}: already has a [tool.depcheck] section; pass --force to replace it, "
                         "or --print to see the proposal")
    # Top-level test packages are left out unless asked for; the proposal names them.
    tests = [] if args.package else adopt.find_packages(root, tests=True)
    try:
        proposal = adopt.init(root, packages, args.depth, tests)
    except adopt.AdoptionError as exc:
        raise UsageError(str(exc)) from None
    section = adopt.render(proposal)
    if args.print_only:
        sys.stdout.write(section)
        return EXIT_CLEAN
    target.write_text(adopt.replace_section(existing, section), encoding="utf-8")
    print(f"depcheck: wrote [tool.depcheck] to {target}: {plural(len(proposal.layers), 'layer')}, "
          f"{plural(len(proposal.set_aside), 'dependency set aside')} as exceptions; run `depcheck check`",
          file=sys.stderr)
    return EXIT_CLEAN


def _run_migrate(args: argparse.Namespace) -> int:
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
    from depcheck import explain
    from depcheck.pipeline import load_graph

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
            modules = sorted(graph.modules)
            raise UsageError(f"'{name}' matches no module of {', '.join(config.packages)}"
                             f"{_close(name, modules)}")
    paths = explain.dependency_paths(graph, args.source, args.target, args.max)
    sys.stdout.write(EXPLAIN_FORMATS[args.format](args.source, args.target, paths, args.max))
    return EXIT_CLEAN if paths else EXIT_VIOLATIONS


def _run_events(args: argparse.Namespace) -> int:
    from depcheck.pictures import event_catalog

    result = _run(args, _load(args.path, args.config), progress=False)
    sys.stdout.write(EVENT_FORMATS[args.format](event_catalog(result.config, result.graph)))
    return EXIT_CLEAN


COMMANDS = {
    "check": _run_check, "graph": _run_graph, "map": _run_map, "events": _run_events,
    "baseline": _run_baseline, "init": _run_init, "migrate": _run_migrate, "explain": _run_explain,
}


def _could_not_run(args: argparse.Namespace, problems: list[str]) -> int:
    """Exit 2: each problem on stderr, one line each, and for a machine format a document of that
    format saying the run failed, so the CI step reading it reports this and not an empty file."""
    for problem in problems:
        print(f"depcheck: {problem}", file=sys.stderr)
    if getattr(args, "command", None) == "check" and args.format in CHECK_FAILURES:
        try:
            sys.stdout.write(CHECK_FAILURES[args.format](problems))
        except BrokenPipeError:
            pass
    return EXIT_ERROR


def main(argv: Optional[list[str]] = None) -> int:
    """The command line without the fast lane (``depcheck.entry.main`` is the process's one)."""
    return run(list(sys.argv[1:] if argv is None else argv), time.time_ns())


def run(argv: list[str], started_ns: int) -> int:
    """Run one command line; ``started_ns`` is when the process began it (the racy rule's clock)."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        return _could_not_run(args, [f"error: {_unknown_options(parser, args.command, extra)}"])
    args.argv, args.started_ns = argv, started_ns
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        return _could_not_run(args, [f"config error: {problem}" for problem in exc.problems])
    except UsageError as exc:
        return _could_not_run(args, [f"error: {exc}"])
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
        return _could_not_run(args, [
            f"internal error: {type(exc).__name__}: {exc} (please report it; set DEPCHECK_DEBUG=1 for "
            "the traceback)"
        ])
