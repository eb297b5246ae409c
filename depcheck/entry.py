"""The process's front door: a repeated ``depcheck check`` is answered by the fast lane
(``replay.py``) before anything else of depcheck is imported; every other run goes to cli.py.

Only the standard library's smallest modules and ``replay``/``store`` are imported here, so a
warm run costs the interpreter's start-up and a stat of each file it read.
"""

from __future__ import annotations

import gc
import os
import sys
import time

from depcheck import replay

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

EXIT_ERROR = 2  # cli.EXIT_ERROR: importing cli is what the fast lane exists to avoid

# Past this many changed files, the long way (which also updates the facts cache) is as cheap.
_REPARSE_AT_MOST = 20


def main(argv: Optional[list[str]] = None) -> int:
    started, started_ns = time.perf_counter(), time.time_ns()
    # A run allocates millions of objects that live until it ends and form no reference
    # cycles (facts, evidence, graph edges): the cyclic collector traversing them again and
    # again took 21-38% of a large run's CPU and freed nothing. Memory is still freed by
    # reference counting; whatever cycles a run makes are collected once it returns.
    enabled = gc.isenabled()
    gc.disable()
    try:
        arguments = list(sys.argv[1:] if argv is None else argv)
        code = _replayed(arguments, started, started_ns)
        if code is not None:
            return code
        from depcheck import cli

        return cli.run(arguments, started_ns)
    finally:
        if enabled:
            gc.enable()


def console() -> None:
    """The console script: :func:`main`, then out of the process without tearing it down.

    Everything a run writes (the report, the cache files) is written by then; what is left is
    freeing millions of objects one by one, 0.3-0.4 s after a run at 20,000 modules, which
    the process's end does at once.
    """
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = EXIT_ERROR  # the reader went away (`depcheck check | head`)
    try:
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):  # ValueError: closed on a broken pipe
        pass
    os._exit(code)


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
        # Kept: when the facts changed, the long way that follows takes them instead of a parse.
        if cache.extract_file(path, settings, keep=True)[1] != found.digests[path]:
            return None
    answer = replay.replayed(found, started)
    if answer is not None:
        found.refresh(started_ns)
    return answer
