"""The command line: parse arguments, run the pipeline, print, and pick the exit code.

Exit codes: 0 clean (warnings allowed), 1 violations, 2 depcheck could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional, TextIO

from depcheck import __version__
from depcheck.config import Config, ConfigError, find_config, load_config

if TYPE_CHECKING:
    from depcheck.pipeline import Result

EXIT_CLEAN = 0
EXIT_VIOLATIONS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """depcheck cannot run as asked; the message is one actionable line."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="depcheck",
        description="Architecture linter for Python: layers, independence and cycles "
        "over imports and events.",
    )
    parser.add_argument("--version", action="version", version=f"depcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "path", nargs="?", default=".", metavar="PATH",
            help="project directory; the config is looked for here and in its parents (default: .)",
        )
        sub.add_argument(
            "--config", metavar="FILE",
            help="pyproject.toml with [tool.depcheck], or a depcheck.toml",
        )
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
    check.add_argument("--format", choices=["text", "json"], default="text")

    graph = commands.add_parser("graph", help="print the dependency graph")
    common(graph)
    graph.add_argument("--format", choices=["json", "dot", "mermaid"], default="json")
    graph.add_argument(
        "--components", action="store_true",
        help="the graph of components (layer entries) instead of modules; dot and mermaid "
        "always draw components",
    )
    return parser


def _load(path: str, config_file: Optional[str]) -> Config:
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


def _use_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


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


def _run(args: argparse.Namespace, *, progress: bool) -> Result:
    from depcheck.pipeline import run

    config = _load(args.path, args.config)
    bar = _ProgressBar(sys.stderr) if progress and sys.stderr.isatty() else None
    try:
        result = run(
            config,
            cache_dir=Path(args.cache_dir).resolve() if args.cache_dir else None,
            use_cache=not args.no_cache,
            progress=bar,
        )
    finally:
        if bar is not None:
            bar.close()
    if result.cache_note:
        print(f"depcheck: note: {result.cache_note}", file=sys.stderr)
    return result


def _run_check(args: argparse.Namespace) -> int:
    from depcheck.model import ERROR
    from depcheck.report import CHECK_FORMATS

    result = _run(args, progress=args.format == "text")
    output = CHECK_FORMATS[args.format](result.violations, result.summary, _use_color(sys.stdout))
    sys.stdout.write(output)
    return EXIT_VIOLATIONS if any(v.severity == ERROR for v in result.violations) else EXIT_CLEAN


def _run_graph(args: argparse.Namespace) -> int:
    from depcheck.pipeline import snapshot
    from depcheck.report import GRAPH_FORMATS

    result = _run(args, progress=False)
    components = args.components or args.format in ("dot", "mermaid")
    sys.stdout.write(GRAPH_FORMATS[args.format](snapshot(result, components=components)))
    return EXIT_CLEAN


COMMANDS = {"check": _run_check, "graph": _run_graph}


def main(argv: Optional[list[str]] = None) -> int:
    args = _parser().parse_args(argv)
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
