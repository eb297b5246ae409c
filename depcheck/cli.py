"""The command line: parse arguments, run the pipeline, print, and pick the exit code.

Exit codes: 0 clean (warnings allowed), 1 violations, 2 depcheck could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional

from depcheck import __version__
from depcheck.config import Config, ConfigError, find_config, load_config

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

    events = commands.add_parser(
        "events", help="the event catalog: every event, its owner, publishers and consumers"
    )
    common(events)
    events.add_argument("--format", choices=["text", "json", "mermaid"], default="text")
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


def _run_check(args: argparse.Namespace) -> int:
    from depcheck.model import ERROR
    from depcheck.pipeline import run
    from depcheck.report import CHECK_FORMATS

    result = run(_load(args.path, args.config))
    output = CHECK_FORMATS[args.format](result.violations, result.summary, _use_color(sys.stdout))
    sys.stdout.write(output)
    return EXIT_VIOLATIONS if any(v.severity == ERROR for v in result.violations) else EXIT_CLEAN


def _run_graph(args: argparse.Namespace) -> int:
    from depcheck.pipeline import run, snapshot
    from depcheck.report import GRAPH_FORMATS

    result = run(_load(args.path, args.config))
    components = args.components or args.format in ("dot", "mermaid")
    sys.stdout.write(GRAPH_FORMATS[args.format](snapshot(result, components=components)))
    return EXIT_CLEAN


def _run_events(args: argparse.Namespace) -> int:
    from depcheck.pipeline import event_catalog, run
    from depcheck.report import EVENT_FORMATS

    result = run(_load(args.path, args.config))
    sys.stdout.write(EVENT_FORMATS[args.format](event_catalog(result)))
    return EXIT_CLEAN


COMMANDS = {"check": _run_check, "graph": _run_graph, "events": _run_events}


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
