"""``affect-sklearn train``: train an estimator as a run folder, or resume a run."""

from __future__ import annotations

from ._common import (
    EXPERIMENT_FLAGS,
    add_experiment_args,
    add_parser,
    command_line,
    config_from_args,
    fmt,
    print_metrics,
    verbosity,
)

__all__ = ["register"]

_EPILOG = """\
examples:
  affect-sklearn train --epochs 5                     # synthetic faces
  affect-sklearn train --data fer2013.csv --split usage --backbone compact
  affect-sklearn train --config exp.yaml --set dropout=0.3 --runs-dir runs
  affect-sklearn train --resume runs/<run id> --epochs 20 --sampling-weights balanced
"""


def _resume(args, verbose):
    from ..experiments import resume_run

    changed = [
        flag
        for flag in EXPERIMENT_FLAGS
        if flag != "epochs" and getattr(args, flag) is not None
    ] + (["set"] if args.overrides else [])
    if changed:
        raise ValueError(
            f"--resume continues a run with its own settings; only --epochs and "
            f"--sampling-weights may change, got also "
            f"{', '.join('--' + c.replace('_', '-') for c in changed)}. Start a "
            "new run to change them."
        )
    return resume_run(
        args.resume,
        runs_dir=args.runs_dir,
        max_epochs=args.epochs,
        class_sampling_weights=args.sampling_weights,
        verbose=verbose,
        command=command_line(),
    )


def _cmd_train(args):
    from ..experiments import promote_best, run_experiment

    verbose = verbosity(args)
    if args.resume:
        run = _resume(args, verbose)
        runs_dir = run.path.parent
    else:
        runs_dir = args.runs_dir or "runs"
        run = run_experiment(
            config_from_args(args),
            runs_dir=runs_dir,
            verbose=verbose,
            command=command_line(),
        )
    metrics = run.metrics
    print_metrics(metrics, "validation", "val_")
    print_metrics(metrics, "test", "test_")
    print(
        f"\nrun {run.id}: {metrics['n_epochs']} epochs in "
        f"{metrics['fit_seconds']:.1f} s; folder {run.path}"
    )
    metric = args.promote_metric
    if not args.no_promote and metrics.get(metric) is not None:
        info = promote_best(runs_dir, metric)
        if info["changed"]:
            print(
                f"best run by {metric}: {info['run_id']} ({fmt(info['value'])}) -> "
                f"{info['path']}"
            )
    return 0


def register(subparsers):
    """Add the ``train`` command to the subparsers action ``subparsers``."""
    p = add_parser(
        subparsers,
        "train",
        help="train an estimator and write a run folder (or resume a run)",
        description=(
            "Train AffectCNNClassifier, AffectCNNRegressor or AffectCNNMultiTask on "
            "synthetic faces or a data set on disk, evaluate it on the validation "
            "and test parts, and write a run folder (config, history, metrics, "
            "checkpoints, model, plots) under --runs-dir; leaderboard.csv gains a "
            "row and the best run is copied to <runs-dir>/best."
        ),
        epilog=_EPILOG,
    )
    add_experiment_args(p)
    r = p.add_argument_group("runs")
    r.add_argument("--runs-dir", metavar="DIR", help="parent of run folders (runs)")
    r.add_argument(
        "--resume",
        metavar="RUN",
        help="continue RUN from its last checkpoint as a new run (optionally with "
        "--epochs and --sampling-weights)",
    )
    r.add_argument(
        "--promote-metric",
        default="test_f1_macro",
        metavar="METRIC",
        help="promote the best run by this leaderboard column (test_f1_macro)",
    )
    r.add_argument("--no-promote", action="store_true", help="do not update best/")
    r.add_argument(
        "--quiet",
        action="store_true",
        help="no progress output (by default each epoch prints a line)",
    )
    p.set_defaults(func=_cmd_train)
