"""The floor of a cold run: what parsing every file costs before depcheck does anything else.

Run with the Python (and the depcheck) to measure, on one of bench.py's projects:

    python bench/floor.py /tmp/benchwork/projects/django/depcheck [--runs 3]

It times, in this one process and on one core (CPU seconds, median of the runs):
``ast.parse`` of every file the project's config covers; CPython's parser and symbol table
without building Python AST objects (``symtable``: the least that checking every file's
syntax with CPython's own parser costs); and depcheck's whole per-file extraction
(``ast.parse`` plus the import, event and use walks, as a cold run does it). It then divides
by the usable cores for the best a cold run could do with perfect parallelism.
Compare that with the peers' cold wall time in bench/results.md.
"""

from __future__ import annotations

import argparse
import ast
import gc
import statistics
import symtable
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="a directory holding a depcheck config")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from depcheck import cache, pipeline, pool
    from depcheck.config import load_config

    config = load_config(args.project / "pyproject.toml")
    project = pipeline.discover_checked(config)
    settings = pipeline.extraction_settings(config)
    paths = [str(project.root / source.path) for source in project.files]
    sources = [Path(path).read_bytes() for path in paths]
    gc.disable()  # as depcheck's console script runs

    def cpu(work) -> float:
        times = []
        for _ in range(args.runs):
            start = time.process_time()
            work()
            times.append(time.process_time() - start)
        return statistics.median(times)

    def parse_all() -> None:
        for source in sources:
            try:
                ast.parse(source)
            except (SyntaxError, ValueError):
                pass

    def symtable_all() -> None:
        # The parser and the symbol table in C, with no Python AST objects built: what any
        # check of every file's syntax with CPython's own parser costs at least.
        for source in sources:
            try:
                symtable.symtable(source.decode("utf-8", "replace"), "<file>", "exec")
            except (SyntaxError, ValueError):
                pass

    def extract_all() -> None:
        for path in paths:
            cache.extract_file(path, settings)

    parse = cpu(parse_all)
    syntax = cpu(symtable_all)
    extract = cpu(extract_all)
    cores = pool.cpu_count()
    megabytes = sum(map(len, sources)) / 1e6
    print(f"{len(paths)} files, {megabytes:.1f} MB, {cores} usable cores, Python {sys.version.split()[0]}")
    for what, seconds in (
        ("ast.parse of every file", parse),
        ("CPython's parser, no AST objects", syntax),
        ("depcheck's extraction (cold)", extract),
    ):
        print(f"{what + ':':34} {seconds:6.2f} s CPU  -> {seconds / cores:6.2f} s on {cores} cores")
    beyond = extract - parse
    print(f"{'extraction beyond ast.parse:':34} {beyond:6.2f} s CPU  ({beyond / parse:.0%} of the parse)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
