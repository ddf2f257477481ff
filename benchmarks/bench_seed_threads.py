"""Does ``random_state`` reproduce a fit when fits run at the same time?

``random_state`` seeds torch's global generator. This script fits a tiny
``AffectCNNClassifier`` with ``random_state=0`` once on its own (the
reference), then four times at once through joblib, once with processes
(``loky``, joblib's default) and once with threads (``threading``), and records
the largest difference of each fit's ``predict_proba`` from the reference.
Processes each own a generator and reproduce the reference up to the effect of
their thread count; threads share one generator and do not.

Usage::

    python benchmarks/bench_seed_threads.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402
from affect_sklearn.datasets import make_faces  # noqa: E402

TINY = dict(backbone="basic", width=4, max_epochs=3, batch_size=8, device="cpu")


def fit_proba(images, target):
    est = AffectCNNClassifier(**TINY, random_state=0).fit(images, target)
    return est.predict_proba(images)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fits", type=int, default=4)
    p.add_argument("--output", default=None, help="JSON result path")
    args = p.parse_args(argv)
    faces = make_faces(n_samples=120, random_state=0)
    ref = fit_proba(faces.images, faces.target)
    results = {}
    for backend in ("loky", "threading"):
        outs = Parallel(n_jobs=2, backend=backend)(
            delayed(fit_proba)(faces.images, faces.target) for _ in range(args.fits)
        )
        diffs = [round(float(np.abs(o - ref).max()), 6) for o in outs]
        results[backend] = {"max_abs_diff": diffs, "worst": max(diffs)}
        print(f"{backend}: largest |proba - reference| per fit {diffs}", flush=True)
    settings = {"estimator": TINY, "n_samples": 120, "fits": args.fits, "n_jobs": 2}
    write_result(
        "bench_seed_threads", {"settings": settings, "results": results}, args.output
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
