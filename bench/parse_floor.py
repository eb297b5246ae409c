#!/usr/bin/env python3
"""The least a cold run that parses every file with ``ast`` can take: a program that does only that.

``python bench/parse_floor.py DIR`` reads and ``ast.parse``s every ``.py`` file under DIR on
every usable core (one forked child per extra core, shares balanced by size, as depcheck's
pool does) and prints how many it parsed. Nothing else: no config, no facts, no graph, no
rules, no report. bench.py times it as a tool in the cold scenario, so its ratio to
lint-imports, from the same run on the same machine, is a floor for any tool whose cold run
checks every file with CPython's parser: a cold target below it cannot be met that way.

Stdlib only, Python 3.9+.
"""

from __future__ import annotations

import ast
import gc
import os
import sys
import warnings
from pathlib import Path


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # a dangling link: parse_all counts it as not parsed


def parse_all(paths: list[str]) -> int:
    parsed = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            ast.parse(data)
            parsed += 1
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            pass  # counted as not parsed, as depcheck reports such a file
    return parsed


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: parse_floor.py DIR", file=sys.stderr)
        return 2
    files = sorted((str(path), file_size(path)) for path in Path(argv[0]).rglob("*.py"))
    workers = max(1, min(cores(), len(files)))
    shares: list[list[str]] = [[] for _ in range(workers)]
    load = [0] * workers
    for path, size in sorted(files, key=lambda item: -item[1]):
        lightest = load.index(min(load))
        shares[lightest].append(path)
        load[lightest] += size + 1
    warnings.simplefilter("ignore")  # the compiler's warnings about the parsed code
    # The trees are no cyclic garbage: collecting while they are built only costs (depcheck's
    # console script turns the collector off too).
    gc.disable()
    children = []
    for share in shares[1:]:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_end)
            os.write(write_end, str(parse_all(share)).encode())
            os._exit(0)
        os.close(write_end)
        children.append((pid, read_end))
    parsed = parse_all(shares[0])
    for pid, read_end in children:
        with os.fdopen(read_end, "rb") as pipe:
            parsed += int(pipe.read() or b"0")
        os.waitpid(pid, 0)
    print(f"parsed {parsed} of {len(files)} files on {workers} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
