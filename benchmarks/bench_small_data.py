"""Small data sets: HOG + SVM, our defaults from scratch, and fine-tuned weights.

Our users' own data sets have a few hundred faces. This benchmark draws stratified
subsets of 250, 500 and 1,000 faces from FER-2013 **PublicTest** (the shipped
model was trained on the Training split and never saw them) and runs 5-fold
stratified cross-validation of, side by side in one run:

- ``hog_svm``: ``HOGFeatures`` + standardisation + RBF SVM (the 2005-era baseline);
- ``scratch``: ``AffectCNNClassifier()`` with its defaults, from random weights;
- ``finetune``: ``AffectCNNClassifier(pretrained="fer2013")``, the defaults
  starting from the shipped weights;
- ``finetune_head``: the same with ``freeze_backbone=True`` (only the new
  head trains on the fold: a linear probe of the shipped features);
- ``shipped``: the shipped model as it is (``from_pretrained``), no training on
  the fold: how much fine-tuning adds.

It records accuracy and macro F1 per fold (mean and spread) with the training
seconds. Every finished fold is appended to ``--cache`` (JSON lines), and a
rerun with the same cache skips the folds already there: a stopped run
resumes where it stopped. ``--synthetic`` runs the synthetic-face case
instead: 630 training and 270 test faces from ``make_faces``, defaults, macro F1
(the fine-tuned rows there start from FER-2013 weights on faces unlike FER-2013).
``--set NAME=VALUE`` sets a parameter on the CNN rows (the cache keys record
it, the learning rates each CNN row resolves to, and for the rows that use the
shipped weights, a hash of the weights file).

Usage::

    python benchmarks/bench_small_data.py \
        --data ../shared/data/fer2013/fer2013_train_publictest.npz
    python benchmarks/bench_small_data.py --data ... --sizes 500 --folds 5 \
        --rows hog_svm finetune
    python benchmarks/bench_small_data.py --synthetic
    python benchmarks/bench_small_data.py --data ... --rows finetune --set lr=1e-4

Exits 0 with a message when ``--data`` does not exist.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result  # noqa: E402

from affect_sklearn import AffectCNNClassifier  # noqa: E402
from affect_sklearn.datasets import load_fer2013, make_faces  # noqa: E402
from affect_sklearn.transformers import HOGFeatures  # noqa: E402

ROWS = ("hog_svm", "scratch", "finetune", "finetune_head", "shipped")
CNN_ROWS = ("scratch", "finetune", "finetune_head")
# rows that start from (or are) the shipped weights: their cache keys name the
# weights file, so new shipped weights never reuse folds of the old ones
WEIGHT_ROWS = ("finetune", "finetune_head", "shipped")


def weights_tag(name="fer2013"):
    """``"weights=<first 12 hex digits of the shipped file's SHA-256>"``."""
    import hashlib

    from affect_sklearn.pretrained import pretrained_path

    digest = hashlib.sha256(pretrained_path(name).read_bytes()).hexdigest()
    return f"weights={digest[:12]}"


def make_row(name, seed, overrides=None):
    """A fresh estimator for one row, or None for the no-training row.

    ``overrides`` (from ``--set``) are parameters set on the CNN rows.
    """
    if name == "hog_svm":
        return make_pipeline(HOGFeatures(), StandardScaler(), SVC(kernel="rbf"))
    cnn = {"random_state": seed, "device": "cpu"}
    if name == "scratch":
        return AffectCNNClassifier(**cnn).set_params(**(overrides or {}))
    if name == "finetune":
        return AffectCNNClassifier(pretrained="fer2013", **cnn).set_params(
            **(overrides or {})
        )
    if name == "finetune_head":
        return AffectCNNClassifier(
            pretrained="fer2013", freeze_backbone=True, **cnn
        ).set_params(**(overrides or {}))
    if name == "shipped":
        return None
    raise ValueError(f"unknown row {name!r}; choose from {ROWS}")


def parse_overrides(pairs):
    """``["lr=1e-4", "freeze_backbone=3"]`` -> ``{"lr": 1e-4, ...}``."""
    out = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set expects NAME=VALUE, got {pair!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def config_tag(name, seed, overrides=None):
    """The training configuration of a CNN row, for the cache key.

    The learning rates as the estimator resolves them (so that a change of
    the defaults does not reuse folds trained under the old ones), then any
    other ``--set`` parameters: ``"lr=0.001 backbone_lr=0.0001 dropout=0.5"``.
    """
    est = make_row(name, seed, overrides)
    lr = est._resolve_lr()
    parts = [f"lr={lr:g}", f"backbone_lr={est._resolve_backbone_lr(lr):g}"]
    for key, value in sorted((overrides or {}).items()):
        if key not in ("lr", "backbone_lr"):
            parts.append(f"{key}={value!r}")
    return " ".join(parts)


def fit_predict(name, X_tr, y_tr, X_te, seed, overrides=None):
    est = make_row(name, seed, overrides)
    t = time.perf_counter()
    if est is None:
        est = AffectCNNClassifier.from_pretrained("fer2013")
    else:
        est.fit(X_tr, y_tr)
    train_s = time.perf_counter() - t
    epochs = getattr(est, "max_epochs_", None)
    return est.predict(X_te), train_s, epochs


def summary(folds):
    acc = np.array([f["accuracy"] for f in folds])
    f1 = np.array([f["f1_macro"] for f in folds])
    return {
        "accuracy_mean": round(float(acc.mean()), 4),
        "accuracy_std": round(float(acc.std()), 4),
        "f1_macro_mean": round(float(f1.mean()), 4),
        "f1_macro_std": round(float(f1.std()), 4),
        "train_seconds_mean": round(float(np.mean([f["train_s"] for f in folds])), 1),
        "epochs": folds[0].get("epochs"),
        "folds": folds,
    }


def _load_cache(path):
    """Finished folds of earlier runs: {(size, row, fold, folds, seed): fold}."""
    done = {}
    if path and Path(path).is_file():
        for line in Path(path).read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                done[tuple(rec["key"])] = rec["fold"]
    return done


def _append_cache(path, key, fold):
    if path:
        with open(path, "a") as fh:
            fh.write(json.dumps({"key": list(key), "fold": fold}) + "\n")


def run_fer(args):
    data = load_fer2013(args.data)
    usage = np.char.lower(np.asarray(data.usage).astype(str))
    test = np.isin(usage, ["publictest", "test"])
    X_all = data.images[test]
    names = np.asarray(data.target_names)
    y_all = names[data.target[test]]  # names, so fine-tuning reuses the head rows
    results = []
    done = _load_cache(args.cache)
    weights = weights_tag()
    for size in args.sizes:
        X, _, y, _ = train_test_split(
            X_all, y_all, train_size=size, stratify=y_all, random_state=args.seed
        )
        cv = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
        per_row = {r: [] for r in args.rows}
        for k, (tr, te) in enumerate(cv.split(X, y)):
            for r in args.rows:
                key = (size, r, k, args.folds, args.seed)
                if r in CNN_ROWS:
                    key += (config_tag(r, args.seed, args.overrides),)
                if r in WEIGHT_ROWS:
                    key += (weights,)
                if key in done:
                    per_row[r].append(done[key])
                    print(f"[{size} faces, fold {k}] {r}: cached {done[key]}")
                    continue
                pred, train_s, epochs = fit_predict(
                    r, X[tr], y[tr], X[te], args.seed, args.overrides
                )
                fold = {
                    "fold": k,
                    "accuracy": round(float(accuracy_score(y[te], pred)), 4),
                    "f1_macro": round(
                        float(f1_score(y[te], pred, average="macro", labels=names)), 4
                    ),
                    "train_s": round(train_s, 1),
                    "epochs": epochs,
                }
                per_row[r].append(fold)
                _append_cache(args.cache, key, fold)
                print(f"[{size} faces, fold {k}] {r}: {fold}", flush=True)
        for r in args.rows:
            results.append({"size": size, "row": r, **summary(per_row[r])})
            print(
                f"== {size} faces, {r}: accuracy {results[-1]['accuracy_mean']:.3f} "
                f"macro F1 {results[-1]['f1_macro_mean']:.3f}",
                flush=True,
            )
    settings = {
        "data": "FER-2013 PublicTest (stratified subsets)",
        "sizes": args.sizes,
        "folds": args.folds,
        "seed": args.seed,
        "rows": list(args.rows),
        "set": list(args.set),
    }
    return {"settings": settings, "results": results}


def run_synthetic(args):
    faces = make_faces(n_samples=900, random_state=args.seed)
    X_tr, X_te, y_tr, y_te = train_test_split(
        faces.images,
        faces.target,
        train_size=630,
        stratify=faces.target,
        random_state=args.seed,
    )
    results = []
    for r in [r for r in args.rows if r != "shipped"]:
        pred, train_s, epochs = fit_predict(
            r, X_tr, y_tr, X_te, args.seed, args.overrides
        )
        results.append(
            {
                "size": 630,
                "row": r,
                "accuracy": round(float(accuracy_score(y_te, pred)), 4),
                "f1_macro": round(float(f1_score(y_te, pred, average="macro")), 4),
                "train_seconds": round(train_s, 1),
                "epochs": epochs,
            }
        )
        print(results[-1], flush=True)
    settings = {
        "data": "make_faces, 630 train / 270 test",
        "seed": args.seed,
        "set": list(args.set),
    }
    return {"settings": settings, "results": results}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", help="FER-2013 npz, CSV or image folder")
    p.add_argument("--synthetic", action="store_true", help="the make_faces case")
    p.add_argument("--sizes", type=int, nargs="+", default=[250, 500, 1000])
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--rows", nargs="+", default=list(ROWS), choices=ROWS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--output", default=None, help="JSON result path")
    p.add_argument(
        "--cache",
        default=None,
        help="JSON-lines file of finished folds; a rerun skips them (resume)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the CNN rows, e.g. --set lr=1e-4 (repeatable)",
    )
    args = p.parse_args(argv)
    args.overrides = parse_overrides(args.set)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.synthetic:
        payload = run_synthetic(args)
        name = "bench_small_data_synthetic"
    else:
        if not args.data or not Path(args.data).exists():
            print(f"--data {args.data} does not exist; nothing to do.")
            return 0
        payload = run_fer(args)
        name = "bench_small_data"
    write_result(name, payload, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
