"""``affect-sklearn demo``: train and evaluate the default classifier as a run."""

from __future__ import annotations

from ._common import (
    add_parser,
    command_line,
    existing_path,
    int_at_least,
    positive_int,
    print_metrics,
)

__all__ = ["demo_config", "register"]

_KEYS = ("accuracy", "f1_macro", "cohen_kappa", "krippendorff_alpha", "auroc_macro")


def demo_config(args):
    """The :func:`~affect_sklearn.experiments.run_experiment` config of a demo.

    Synthetic faces split 80/20, or a FER-2013 file trained on its Training
    rows (at most ``--max-train``) and tested on the other partitions; no
    validation part in either case.
    """
    if args.data:
        data = {
            "path": args.data,
            "format": "fer2013",
            "split": "usage",
            "val_size": 0,
            "max_train": args.max_train or None,
        }
    else:
        data = {
            "n_samples": args.n_samples,
            "image_size": args.image_size,
            "test_size": 0.2,
            "val_size": 0,
            "max_train": args.max_train or None,
        }
    return {
        "name": "demo",
        "estimator": "classifier",
        "seed": args.seed,
        "data": data,
        "params": {
            "backbone": args.backbone,
            "max_epochs": args.epochs,
            "batch_size": args.batch_size,
        },
    }


def _cmd_demo(args):
    from ..experiments import run_experiment

    # verbose 1: the run's progress lines; 2 adds the per-epoch progress bar
    run = run_experiment(
        demo_config(args),
        runs_dir=args.out,
        verbose=1 if args.quiet else 2,
        command=command_line(),
    )
    metrics = run.metrics
    print_metrics(metrics, "held-out test set", "test_", keys=_KEYS)
    n_train = run.config["data_summary"]["sizes"]["train"]
    print(
        f"\ntrained {metrics['n_epochs']} epochs on {n_train} faces in "
        f"{metrics['fit_seconds']:.1f} s; run folder: {run.path}"
    )
    return 0


def register(subparsers):
    """Add the ``demo`` command to the subparsers action ``subparsers``."""
    demo = add_parser(
        subparsers,
        "demo",
        help="train and evaluate the default classifier (synthetic faces by default)",
        description=(
            "Train AffectCNNClassifier on synthetic faces (or a FER-2013 file with "
            "--data), print accuracy, macro F1 and Cohen's kappa on a held-out "
            "split, and write a run folder (as `affect-sklearn train` does) with "
            "plots and the model."
        ),
    )
    demo.add_argument(
        "--data", type=existing_path, help="FER-2013 CSV, npz or image-folder export"
    )
    demo.add_argument(
        "--n-samples", type=int_at_least(20), default=3000, help="synthetic faces"
    )
    demo.add_argument("--image-size", type=int, default=48)
    demo.add_argument("--max-train", type=int, default=None, help="cap training rows")
    demo.add_argument("--epochs", type=positive_int, default=6)
    demo.add_argument("--batch-size", type=int, default=64)
    demo.add_argument("--backbone", default="compact")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="runs", help="parent folder of run folders")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(func=_cmd_demo)
