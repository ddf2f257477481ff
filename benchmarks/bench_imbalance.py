"""Class imbalance: five ways to train with a rare class, side by side.

Strategies, each on the same data, epochs and seed:

- ``none``: plain cross-entropy;
- ``class_weight``: cross-entropy weighted by inverse class frequency;
- ``focal``: focal loss (gamma 2);
- ``oversampling``: ``ImageResampler(RandomOverSampler())`` in an imbalanced-learn
  pipeline (every class repeated up to the majority count: more images per epoch);
- ``sampling_weights``: ``class_sampling_weights="balanced"`` (balanced batches,
  same number of images per epoch).

Reports accuracy, macro F1 and the recall of "disgust" (1.5% of FER-2013
Training) plus per-class recall and training time. Synthetic faces drawn with
FER-2013's class proportions by default; ``--data`` trains on FER-2013 Training and
tests on PublicTest.

Usage::

    python benchmarks/bench_imbalance.py --quick          # ~2 min on 2 cores
    python benchmarks/bench_imbalance.py                  # synthetic, larger
    python benchmarks/bench_imbalance.py \
        --data ../shared/data/fer2013/fer2013_train_publictest.npz --epochs 10

Results go to ``benchmarks/results/bench_imbalance.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402
from affect_sklearn.datasets import load_fer2013, make_faces  # noqa: E402
from affect_sklearn.metrics import affect_report  # noqa: E402

# FER-2013 Training class counts (angry, disgust, fear, happy, sad, surprise, neutral)
FER_COUNTS = np.array([3995, 436, 4097, 7215, 4830, 3171, 4965])

STRATEGIES = {
    "none": {},
    "class_weight": {"class_weight": "balanced"},
    "focal": {"loss": "focal", "focal_gamma": 2.0},
    "oversampling": "pipeline",
    "sampling_weights": {"class_sampling_weights": "balanced"},
}


def load_data(args):
    """(X_train, y_train, X_test, y_test, class names) as string labels."""
    if args.data:
        data = load_fer2013(args.data)
        usage = np.char.lower(np.asarray(data.usage).astype(str))
        tr = np.isin(usage, ["training", "train"])
        te = np.isin(usage, ["publictest", "test"])
        names = np.asarray(data.target_names)
        X_tr, y_tr = data.images[tr], names[data.target[tr]]
        X_te, y_te = data.images[te], names[data.target[te]]
        if args.max_train and args.max_train < len(X_tr):
            X_tr, _, y_tr, _ = train_test_split(
                X_tr, y_tr, train_size=args.max_train, stratify=y_tr, random_state=0
            )
        return X_tr, y_tr, X_te, y_te, names.tolist()
    faces = make_faces(
        n_samples=args.n_samples,
        image_size=args.image_size,
        weights=FER_COUNTS / FER_COUNTS.sum(),
        random_state=args.seed,
    )
    names = np.asarray(faces.target_names)
    X_tr, X_te, y_tr, y_te = train_test_split(
        faces.images,
        names[faces.target],
        test_size=0.3,
        stratify=faces.target,
        random_state=args.seed,
    )
    return X_tr, y_tr, X_te, y_te, names.tolist()


def make_model(strategy, args):
    base = dict(
        backbone=args.backbone,
        max_epochs=args.epochs,
        # small synthetic sets learn faster without augmentation
        augment="auto" if args.data else False,
        random_state=args.seed,
        device="cpu",
    )
    spec = STRATEGIES[strategy]
    if spec == "pipeline":
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.pipeline import Pipeline

        from affect_sklearn.imbalance import ImageResampler

        return Pipeline(
            [
                (
                    "resample",
                    ImageResampler(RandomOverSampler(), random_state=args.seed),
                ),
                ("clf", AffectCNNClassifier(**base)),
            ]
        )
    return AffectCNNClassifier(**base, **spec)


def run(strategy, X_tr, y_tr, X_te, y_te, names, args):
    model = make_model(strategy, args)
    t = time.perf_counter()
    model.fit(X_tr, y_tr)
    train_s = time.perf_counter() - t
    y_pred = model.predict(X_te)
    rep = affect_report(y_te, y_pred, labels=names)
    recall = {n: round(float(rep[f"recall_{n}"]), 4) for n in names}
    return {
        "strategy": strategy,
        "accuracy": round(float(rep["accuracy"]), 4),
        "f1_macro": round(float(rep["f1_macro"]), 4),
        "disgust_recall": recall.get("disgust"),
        "recall": recall,
        "train_seconds": round(train_s, 1),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="FER-2013 npz/CSV/folder")
    parser.add_argument("--quick", action="store_true", help="~2 minute run")
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES))
    parser.add_argument("--backbone", default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--n-samples", type=int, default=None)
    parser.add_argument("--image-size", type=int, default=48)
    parser.add_argument("--max-train", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    if args.data and not Path(args.data).exists():
        print(f"FER-2013 data not found at {args.data}. Skipping.")
        return 0
    if args.quick:
        args.backbone = args.backbone or "basic"
        args.epochs = args.epochs or 6
        args.n_samples = args.n_samples or 3000
        args.image_size = min(args.image_size, 32)
        args.max_train = args.max_train or 4000
    args.backbone = args.backbone or "compact"
    args.epochs = args.epochs or 10
    args.n_samples = args.n_samples or 10000
    if args.threads:
        torch.set_num_threads(args.threads)
    unknown = sorted(set(args.strategies) - set(STRATEGIES))
    if unknown:
        parser.error(f"unknown strategies {unknown}; choose from {list(STRATEGIES)}")

    X_tr, y_tr, X_te, y_te, names = load_data(args)
    counts = {n: int((y_tr == n).sum()) for n in names}
    print(f"train {len(X_tr)} {counts}, test {len(X_te)}", flush=True)
    results = []
    for strategy in args.strategies:
        results.append(run(strategy, X_tr, y_tr, X_te, y_te, names, args))
        print(json.dumps(results[-1]), flush=True)
    print(f"\n{'strategy':18s} {'acc':>6s} {'F1':>6s} {'disgust':>8s} {'train s':>8s}")
    for r in results:
        print(
            f"{r['strategy']:18s} {r['accuracy']:6.3f} {r['f1_macro']:6.3f} "
            f"{r['disgust_recall']:8.3f} {r['train_seconds']:8.1f}"
        )
    settings = {
        "data": "FER-2013 Training -> PublicTest" if args.data else "make_faces",
        "backbone": args.backbone,
        "epochs": args.epochs,
        "image_size": int(X_tr.shape[1]),
        "train": len(X_tr),
        "test": len(X_te),
        "train_class_counts": counts,
        "seed": args.seed,
        "quick": args.quick,
    }
    path = write_result(
        "bench_imbalance", {"settings": settings, "results": results}, args.output
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
