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


def _int_at_least(low):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer; got {text!r}"
            ) from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}; got {value}")
        return value

    return parse


def _existing_path(text):
    if not Path(text).exists():
        raise argparse.ArgumentTypeError(f"path does not exist: {text}")
    return text


def _cmd_demo(args):
    run_demo(args)
    return 0


def register_demo(sub, common=None):
    """Add the ``demo`` subcommand."""
    demo = sub.add_parser(
        "demo",
        parents=[common] if common is not None else [],
        help="train and evaluate the default classifier (synthetic faces by default)",
        description=(
            "Train AffectCNNClassifier on synthetic faces (or a FER-2013 file with "
            "--data), print accuracy, macro F1 and Cohen's kappa on a held-out "
            "split, and write a run folder with plots and the model."
        ),
    )
    demo.add_argument(
        "--data", type=_existing_path, help="FER-2013 CSV, npz or image-folder export"
    )
    demo.add_argument(
        "--n-samples", type=_int_at_least(20), default=3000, help="synthetic faces"
    )
    demo.add_argument("--image-size", type=int, default=48)
    demo.add_argument("--max-train", type=int, default=None, help="cap training rows")
    demo.add_argument("--epochs", type=_int_at_least(1), default=6)
    demo.add_argument("--batch-size", type=int, default=64)
    demo.add_argument("--backbone", default="compact")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="runs", help="parent folder of run folders")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_cmd_demo)


_EPILOG = """\
commands take --help, e.g. `affect-sklearn train --help`. Errors print one
line; add --debug to see the traceback.

quick start:
  affect-sklearn train --backbone basic --epochs 3   # synthetic faces
  affect-sklearn runs leaderboard
  affect-sklearn predict runs/best face.png --out preds.csv
"""


def _build_parser():
    """The argument parser.

    Every subcommand module exposes ``register(sub)``, which adds its parser(s)
    to the subparsers action ``sub`` and sets ``func`` (a callable taking the
    parsed arguments and returning the exit code) with ``set_defaults``. Adding
    a subcommand module is one ``register_x(sub)`` line below.
    """
    from ._cli_experiments import HelpFormatter
    from ._cli_experiments import register as register_experiments
    from .deploy._cli import register as register_export
    from .temporal._video_cli import register as register_video

    parser = argparse.ArgumentParser(
        prog="affect-sklearn",
        description="Facial affect recognition through the scikit-learn API.",
        epilog=_EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks instead of one line"
    )
    # --debug is accepted after the subcommand too (SUPPRESS keeps the value
    # given before it)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks instead of one line",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_demo(sub, common)
    register_experiments(sub, common)
    register_video(sub, common)
    register_export(sub, common)
    return parser


def _one_line(exc):
    text = " ".join(str(exc).split())
    if isinstance(exc, KeyError | AttributeError | TypeError) or not text:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text


def main(argv=None):
    """Entry point of the ``affect-sklearn`` console script."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(__version__)
        return 0
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 1
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"affect-sklearn {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line unless --debug
        if args.debug:
            raise
        print(
            f"affect-sklearn {args.command}: error: {_one_line(exc)} "
            "(--debug shows the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
