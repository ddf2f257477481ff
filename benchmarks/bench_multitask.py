"""Multi-task estimator: landmark branch on vs off, in one run on make_faces data.

Both configurations share the data, split, seed, backbone and epochs; only
``use_landmarks`` differs. Reports held-out accuracy, macro F1, CCC valence and
CCC arousal, plus training time.

Usage::

    python benchmarks/bench_multitask.py
    python benchmarks/bench_multitask.py --n-samples 4000 --epochs 8 --image-size 48

Results go to ``benchmarks/results/bench_multitask.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

from affect_sklearn import AffectCNNMultiTask  # noqa: E402
from affect_sklearn.datasets import make_faces  # noqa: E402
from affect_sklearn.estimators import multitask_scorer  # noqa: E402
from affect_sklearn.utils import pack_faces  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-samples", type=int, default=3000)
    parser.add_argument("--image-size", type=int, default=48)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--backbone", default="compact")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)

    faces = make_faces(
        n_samples=args.n_samples, image_size=args.image_size, random_state=args.seed
    )
    X = pack_faces(faces.images, faces.landmarks)
    y = pd.DataFrame(
        {"expression": faces.target, "valence": faces.valence, "arousal": faces.arousal}
    )
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.25, stratify=faces.target, random_state=args.seed
    )
    rows = []
    for use_landmarks in (False, True):
        mt = AffectCNNMultiTask(
            backbone=args.backbone,
            use_landmarks=use_landmarks,
            max_epochs=args.epochs,
            random_state=args.seed,
            device="cpu",
        )
        t = time.perf_counter()
        mt.fit(X_tr, y_tr)
        fit_s = time.perf_counter() - t
        row = {"use_landmarks": use_landmarks, "train_seconds": round(fit_s, 1)}
        for metric in ("accuracy", "f1_macro", "ccc_valence", "ccc_arousal"):
            row[metric] = round(multitask_scorer(metric)(mt, X_te, y_te), 4)
        rows.append(row)
        print(row, flush=True)
    head = ("landmarks", "acc", "F1", "CCC v", "CCC a", "s")
    print(
        "\n"
        + " ".join(f"{h:>9s}" if i == 0 else f"{h:>6s}" for i, h in enumerate(head))
    )
    for r in rows:
        print(
            f"{str(r['use_landmarks']):>9s} {r['accuracy']:6.3f} {r['f1_macro']:6.3f} "
            f"{r['ccc_valence']:6.3f} {r['ccc_arousal']:6.3f} {r['train_seconds']:6.0f}"
        )
    path = write_result(
        "bench_multitask",
        {
            "settings": {
                "n_samples": args.n_samples,
                "test_fraction": 0.25,
                "image_size": args.image_size,
                "epochs": args.epochs,
                "backbone": args.backbone,
                "seed": args.seed,
            },
            "results": rows,
        },
        args.output,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
