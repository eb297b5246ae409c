"""Run one function over many items on every core: forked children and a pipe each.

Plain ``os.fork`` and a pipe per child: multiprocessing's import and pool cost
more than a whole cached run. Children send their results back as JSON, so the
function must return plain data (tuples, str, int, ...; tuples come back as
lists). A child that fails has its share done here instead. Where fork is
unsafe or missing (not Linux), a multiprocessing pool with the platform's
start method takes over.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any, Callable, Optional, TypeVar

Item = TypeVar("Item")
Progress = Callable[[int, int], None]  # (items done, items in all)


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run_all(
    function: Callable[[Item], Any],
    items: Sequence[Item],
    *,
    parallel: bool,
    progress: Optional[Progress] = None,
    sizes: Optional[Sequence[int]] = None,
) -> list[Any]:
    """``[function(item) for item in items]``, in parallel when asked and worth it.

    ``sizes`` (the work each item is, e.g. bytes to parse) balances the shares.
    """
    total = len(items)
    workers = min(cpu_count(), total) if parallel else 1
    if workers <= 1:
        return _serial(function, items, progress, total, 1)
    if sys.platform.startswith("linux"):
        return _forked(function, items, workers, progress, sizes or [0] * total)
    import multiprocessing

    results = []
    with multiprocessing.Pool(workers) as pool:
        for result in pool.imap(function, items, chunksize=max(1, min(64, total // (workers * 8)))):
            results.append(result)
            if progress is not None:
                progress(len(results), total)
    return results


def _serial(
    function: Callable[[Item], Any],
    items: Sequence[Item],
    progress: Optional[Progress],
    total: int,
    scale: int,
) -> list[Any]:
    results = []
    for done, item in enumerate(items, 1):
        results.append(function(item))
        if progress is not None:
            progress(min(done * scale, total), total)
    return results


def _forked(
    function: Callable[[Item], Any],
    items: Sequence[Item],
    workers: int,
    progress: Optional[Progress],
    sizes: Sequence[int],
) -> list[Any]:
    """``workers - 1`` forked children and this process, shares balanced by size."""
    import json

    shares: list[list[int]] = [[] for _ in range(workers)]
    load = [0] * workers
    for index in sorted(range(len(items)), key=lambda i: -sizes[i]):
        lightest = load.index(min(load))
        shares[lightest].append(index)
        load[lightest] += sizes[index] + 1
    children = []
    for share in shares[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: work, send, and leave without running any cleanup
            status = 1
            try:
                os.close(read_end)
                data = json.dumps([function(items[i]) for i in share]).encode()
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(data)
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        children.append((pid, read_end, share))
    results: list[Any] = [None] * len(items)
    mine = _serial(function, [items[i] for i in shares[0]], progress, len(items), workers)
    for index, result in zip(shares[0], mine):
        results[index] = result
    for pid, read_end, share in children:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        try:
            theirs = json.loads(data) if status == 0 else None
        except (EOFError, ValueError, TypeError):
            theirs = None
        if type(theirs) is not list or len(theirs) != len(share):
            theirs = [function(items[i]) for i in share]
        for index, result in zip(share, theirs):
            results[index] = tuple(result) if type(result) is list else result
    if progress is not None:
        progress(len(items), len(items))
    return results
