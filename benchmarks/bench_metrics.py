"""Benchmark affect_sklearn's Krippendorff's alpha and CCC against references.

* Krippendorff's alpha, all four levels, on a (2 raters x N units) 5-point
  Likert reliability matrix with missing ratings, against the ``krippendorff``
  package (``pip install krippendorff``; the comparison is skipped without it).
* Lin's CCC on 10**7 values against a straightforward NumPy formula
  (``np.mean``/``np.var``/``np.cov``).

Both sides run in the same process on the same data; the table reports the best
of ``--repeat`` runs and the speed ratio reference / ours (above 1 means ours is
faster). Results go to ``benchmarks/results/bench_metrics.json``.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/bench_metrics.py
    python benchmarks/bench_metrics.py --n-units 100000 --n-ccc 1000000 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from affect_sklearn.metrics import ccc_score, krippendorff_alpha_matrix

LEVELS = ("nominal", "ordinal", "interval", "ratio")
DEFAULT_OUTPUT = Path(__file__).parent / "results" / "bench_metrics.json"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n-units",
        type=int,
        default=1_000_000,
        help="units rated by each of the 2 raters (default: 1e6)",
    )
    parser.add_argument(
        "--missing",
        type=float,
        default=0.05,
        help="fraction of ratings set to NaN (default: 0.05)",
    )
    parser.add_argument(
        "--n-ccc",
        type=int,
        default=10_000_000,
        help="values per side for CCC (default: 1e7)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs per case; the best is reported (default: 3)",
    )
    parser.add_argument("--levels", nargs="+", choices=LEVELS, default=list(LEVELS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help=f"JSON file to write (default: {DEFAULT_OUTPUT})",
    )
    return parser.parse_args(argv)


def timed(func, repeat):
    """Return (best seconds, median seconds, last value) over ``repeat`` runs."""
    times, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), value


def numpy_ccc(t, p):
    """Reference CCC written the obvious way."""
    cov = np.cov(t, p, bias=True)[0, 1]
    return 2 * cov / (np.var(t) + np.var(p) + (np.mean(t) - np.mean(p)) ** 2)


def machine_info():
    import sklearn

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count()
    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "usable_cores": cores,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        import krippendorff

        info["krippendorff"] = getattr(krippendorff, "__version__", "installed")
    except ImportError:
        info["krippendorff"] = None
    return info


def bench_alpha(args, rng):
    try:
        import krippendorff
    except ImportError:
        krippendorff = None
        print("krippendorff package not installed: timing ours only.")
    truth = rng.integers(1, 6, size=args.n_units)
    data = np.vstack([truth, truth]).astype(np.float64)
    noisy = rng.random(args.n_units) < 0.4
    data[1, noisy] = rng.integers(1, 6, size=noisy.sum())
    data[rng.random(data.shape) < args.missing] = np.nan
    rows = []
    for level in args.levels:
        best, median, ours = timed(
            lambda level=level: krippendorff_alpha_matrix(data, level=level),
            args.repeat,
        )
        row = {
            "case": f"alpha {level}",
            "shape": list(data.shape),
            "ours_s": best,
            "ours_median_s": median,
            "ours_value": ours,
        }
        if krippendorff is not None:
            ref_best, ref_median, ref = timed(
                lambda level=level: krippendorff.alpha(
                    reliability_data=data, level_of_measurement=level
                ),
                args.repeat,
            )
            row.update(
                reference="krippendorff.alpha",
                reference_s=ref_best,
                reference_median_s=ref_median,
                reference_value=float(ref),
                abs_diff=abs(ours - float(ref)),
                speedup=ref_best / best,
            )
        rows.append(row)
    return rows


def bench_ccc(args, rng):
    t = rng.uniform(-1, 1, size=args.n_ccc)
    p = 0.8 * t + rng.normal(0, 0.3, size=args.n_ccc)
    best, median, ours = timed(lambda: ccc_score(t, p), args.repeat)
    ref_best, ref_median, ref = timed(lambda: numpy_ccc(t, p), args.repeat)
    return [
        {
            "case": "ccc",
            "shape": [args.n_ccc],
            "ours_s": best,
            "ours_median_s": median,
            "ours_value": ours,
            "reference": "numpy np.cov/np.var formula",
            "reference_s": ref_best,
            "reference_median_s": ref_median,
            "reference_value": float(ref),
            "abs_diff": abs(ours - float(ref)),
            "speedup": ref_best / best,
        }
    ]


def print_table(rows):
    header = f"{'case':<16} {'shape':>14} {'ours (s)':>9} {'ref (s)':>9} "
    header += f"{'ref/ours':>9} {'|diff|':>9}"
    print(header)
    print("-" * len(header))
    for row in rows:
        shape = "x".join(str(s) for s in row["shape"])
        ref = row.get("reference_s")
        ref_s = f"{ref:9.4f}" if ref is not None else f"{'-':>9}"
        ratio = f"{row['speedup']:8.1f}x" if ref is not None else f"{'-':>9}"
        diff = f"{row['abs_diff']:9.1e}" if ref is not None else f"{'-':>9}"
        print(
            f"{row['case']:<16} {shape:>14} {row['ours_s']:9.4f} {ref_s} {ratio} {diff}"
        )


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    rows = bench_alpha(args, rng) + bench_ccc(args, rng)
    print_table(rows)
    result = {
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "machine": machine_info(),
        "settings": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
        },
        "note": "Times are the best of `repeat` runs in one process; speedup = "
        "reference_s / ours_s measured in the same run.",
        "results": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.output}")


if __name__ == "__main__":
    main()
