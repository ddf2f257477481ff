"""The ``affect-sklearn`` command line."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

__all__ = ["main"]


def _print_table(rows, title):
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}")
    print("-" * (width + 12))
    for key, value in rows:
        print(f"{key:<{width}}  {value:>9.4f}")
    print("-" * (width + 12))


def _load_real(path, max_train, seed):
    from .datasets import load_fer2013

    data = load_fer2013(path)
    usage = np.asarray(data.usage).astype(str)
    train = np.isin(np.char.lower(usage), ["training", "train"])
    test = np.isin(np.char.lower(usage), ["publictest", "test", "privatetest"])
    if not train.any() or not test.any():
        raise SystemExit(
            f"error: {path} has no Training/PublicTest (or train/test) usage column "
            "to split on; pass a FER-2013 CSV, npz or image-folder export."
        )
    tr_idx = np.flatnonzero(train)
    if max_train and len(tr_idx) > max_train:
        rng = np.random.RandomState(seed)
        tr_idx = np.sort(rng.choice(tr_idx, size=max_train, replace=False))
    te_idx = np.flatnonzero(test)
    names = list(data.target_names)
    return (
        data.images[tr_idx],
        data.target[tr_idx],
        data.images[te_idx],
        data.target[te_idx],
        names,
        f"{path} (train {len(tr_idx)}, test {len(te_idx)})",
    )


def _load_synthetic(n_samples, image_size, seed):
    from sklearn.model_selection import train_test_split

    from .datasets import make_faces

    faces = make_faces(n_samples=n_samples, image_size=image_size, random_state=seed)
    X_tr, X_te, y_tr, y_te = train_test_split(
        faces.images,
        faces.target,
        test_size=0.2,
        stratify=faces.target,
        random_state=seed,
    )
    desc = f"synthetic make_faces(n_samples={n_samples}, image_size={image_size})"
    return X_tr, y_tr, X_te, y_te, list(faces.target_names), desc


def run_demo(args):
    """Train the default classifier, evaluate it and write a run folder."""
    import joblib

    from . import AffectCNNClassifier, __version__
    from .metrics import affect_report
    from .plotting import plot_confusion_matrix, plot_prediction_grid

    t0 = time.perf_counter()
    if args.data:
        X_tr, y_tr, X_te, y_te, names, desc = _load_real(
            args.data, args.max_train, args.seed
        )
    else:
        X_tr, y_tr, X_te, y_te, names, desc = _load_synthetic(
            args.n_samples, args.image_size, args.seed
        )
    print(f"data: {desc}")
    clf = AffectCNNClassifier(
        backbone=args.backbone,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        random_state=args.seed,
        verbose=0 if args.quiet else 1,
    )
    t_fit = time.perf_counter()
    clf.fit(X_tr, y_tr)
    fit_s = time.perf_counter() - t_fit
    proba = clf.predict_proba(X_te)
    y_pred = clf.classes_[proba.argmax(1)]
    report = affect_report(y_te, y_pred, y_proba=proba, labels=clf.classes_)
    keys = ["accuracy", "f1_macro", "cohen_kappa", "krippendorff_alpha", "auroc_macro"]
    _print_table([(k, report[k]) for k in keys if k in report], "held-out test set")

    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_dir = Path(args.out) / f"demo-{stamp}"
    run_dir.mkdir(parents=True, exist_ok=True)
    named_true = np.asarray(names, dtype=object)[y_te]
    named_pred = np.asarray(names, dtype=object)[y_pred]
    fig = plot_confusion_matrix(named_true, named_pred, labels=names)
    fig.savefig(run_dir / "confusion_matrix.png", dpi=120)
    fig = plot_confusion_matrix(named_true, named_pred, labels=names, normalize="true")
    fig.savefig(run_dir / "confusion_matrix_normalized.png", dpi=120)
    fig = plot_prediction_grid(X_te, named_true, named_pred, random_state=args.seed)
    fig.savefig(run_dir / "predictions.png", dpi=120)
    clf.history_.to_csv(run_dir / "history.csv", index=False)
    joblib.dump(clf, run_dir / "model.joblib")
    metrics = {k: float(v) for k, v in report.items()}
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    config = {
        "command": " ".join(sys.argv),
        "data": desc,
        "params": {k: repr(v) for k, v in clf.get_params().items()},
        "affect_sklearn": __version__,
        "python": platform.python_version(),
        "fit_seconds": round(fit_s, 2),
        "total_seconds": round(time.perf_counter() - t0, 2),
    }
    (run_dir / "config.json").write_text(json.dumps(config, indent=2))
    print(
        f"\ntrained {clf.n_epochs_} epochs on {len(X_tr)} faces in {fit_s:.1f} s; "
        f"run folder: {run_dir}"
    )
    return run_dir


def _build_parser():
    parser = argparse.ArgumentParser(
        prog="affect-sklearn",
        description="Facial affect recognition through the scikit-learn API.",
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser(
        "demo",
        help="train and evaluate the default classifier (synthetic faces by default)",
        description=(
            "Train AffectCNNClassifier on synthetic faces (or a FER-2013 file with "
            "--data), print accuracy, macro F1 and Cohen's kappa on a held-out "
            "split, and write a run folder with plots and the model."
        ),
    )
    demo.add_argument("--data", help="FER-2013 CSV, npz or image-folder export")
    demo.add_argument("--n-samples", type=int, default=3000, help="synthetic faces")
    demo.add_argument("--image-size", type=int, default=48)
    demo.add_argument("--max-train", type=int, default=None, help="cap training rows")
    demo.add_argument("--epochs", type=int, default=6)
    demo.add_argument("--batch-size", type=int, default=64)
    demo.add_argument("--backbone", default="compact")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="runs", help="parent folder of run folders")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    return parser


def main(argv=None):
    """Entry point of the ``affect-sklearn`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(__version__)
        return 0
    if args.command == "demo":
        if args.n_samples < 20:
            parser.error("--n-samples must be at least 20")
        if args.epochs < 1:
            parser.error("--epochs must be at least 1")
        if args.data and not Path(args.data).exists():
            parser.error(f"--data path does not exist: {args.data}")
        run_demo(args)
        return 0
    parser.print_help()
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
