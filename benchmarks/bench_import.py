"""Benchmark import time: affect_sklearn, its metrics, an estimator and torch alone.

Each statement runs in ``--repeat`` fresh Python processes (nothing is cached
in ``sys.modules`` between them); the time is measured inside the child around
the statement only, so interpreter start-up is left out. The children take
turns (the order is reversed on every other repeat) so that a machine that
slows down does not penalise one statement. The record keeps every value, the
median, whether the statement loaded torch, and the load average before and
after (the machine is shared). Results go to
``benchmarks/results/bench_import.json``.

Usage::

    python benchmarks/bench_import.py
    python benchmarks/bench_import.py --repeat 21
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import take_turns, write_result  # noqa: E402

STATEMENTS = {
    "import affect_sklearn": "import affect_sklearn",
    "import affect_sklearn.metrics": "import affect_sklearn.metrics",
    "from affect_sklearn import AffectCNNClassifier": (
        "from affect_sklearn import AffectCNNClassifier"
    ),
    "import torch": "import torch",
}

_CHILD = """\
import sys, time, json
t0 = time.perf_counter()
{statement}
seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "torch": "torch" in sys.modules}}))
"""


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=11,
        help="fresh processes per statement (default: 11)",
    )
    parser.add_argument("--output", default=None, help="JSON path (default: results/)")
    return parser.parse_args(argv)


def time_once(statement):
    """Seconds that ``statement`` takes in a fresh interpreter, and torch loaded."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    record = json.loads(out.stdout.strip().splitlines()[-1])
    return record["seconds"], record["torch"]


def main(argv=None):
    args = parse_args(argv)
    load_before = list(os.getloadavg())  # the machine is shared: record how busy
    for statement in STATEMENTS.values():  # warm the OS file cache and .pyc files
        time_once(statement)
    values = {name: [] for name in STATEMENTS}
    loads_torch = {}

    def step(name):
        def run():
            seconds, torch = time_once(STATEMENTS[name])
            values[name].append(seconds)
            loads_torch[name] = torch

        return run

    take_turns(
        [step(name) for name in STATEMENTS],
        args.repeat,
        after=lambda: print(".", end="", flush=True),
    )
    print()
    results = []
    for name in STATEMENTS:
        row = {
            "statement": name,
            "median_s": statistics.median(values[name]),
            "min_s": min(values[name]),
            "max_s": max(values[name]),
            "loads_torch": loads_torch[name],
            "values_s": values[name],
        }
        results.append(row)
        print(
            f"{name:50s} median {row['median_s']:.3f} s "
            f"(min {row['min_s']:.3f}, max {row['max_s']:.3f}), "
            f"torch {'loaded' if row['loads_torch'] else 'not loaded'}"
        )
    settings = {
        "repeat": args.repeat,
        "python": sys.executable,
        "load_average_before": load_before,
        "load_average_after": list(os.getloadavg()),
    }
    path = write_result(
        "bench_import", {"settings": settings, "results": results}, args.output
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
