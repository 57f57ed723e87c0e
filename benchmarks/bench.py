"""Benchmark the full lint pipeline (read, parse, check) over a directory; prints files/second.

    python benchmarks/bench.py DIRECTORY [--dialect postgres] [--repeat 5]

Not a test: timings depend on the machine. Use it to compare changes on the same machine.
"""

from __future__ import annotations

import argparse
import statistics
import time

from safemig_lint.config import Config
from safemig_lint.engine import lint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--dialect", default="postgres")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    config = Config(dialect=args.dialect)
    timings = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = lint([args.directory], config)
        timings.append(time.perf_counter() - started)
    files = result.files_checked
    best, median = min(timings), statistics.median(timings)
    print(f"{files} files, {len(result.diagnostics)} diagnostics")
    print(f"best {best:.3f}s ({files / best:,.0f} files/s), median {median:.3f}s ({files / median:,.0f} files/s)")


if __name__ == "__main__":
    main()
