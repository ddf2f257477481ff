"""``affect-sklearn tune``: search hyperparameters with an Optuna study."""

from __future__ import annotations

import json

from ._common import (
    add_experiment_args,
    add_parser,
    command_line,
    config_from_args,
    key_value,
    positive_int,
    print_metrics,
    verbosity,
)

__all__ = ["register"]


def _cmd_tune(args):
    from ..experiments import run_experiment, tune_experiment

    config = config_from_args(args)
    search = dict(config.get("search") or {})
    for key, spec in args.params:
        search[key] = spec
    config["search"] = search
    verbose = verbosity(args)
    result = tune_experiment(
        config,
        runs_dir=args.runs_dir,
        n_trials=args.n_trials,
        cv=args.cv,
        scoring=args.scoring,
        timeout=args.timeout,
        storage=args.storage,
        study_name=args.study_name,
        verbose=min(verbose, 1),
    )
    print(
        f"\n{result['n_trials']} trials; best score {result['best_score']:.4f} with "
        f"{json.dumps(result['best_params'])}\nstudy folder: {result['path']}"
    )
    if args.train_best:
        config["params"] = {**config["params"], **result["best_params"]}
        config["search"] = {}
        run = run_experiment(
            config, runs_dir=args.runs_dir, verbose=verbose, command=command_line()
        )
        print_metrics(run.metrics, "test (best parameters)", "test_")
        print(f"run folder: {run.path}")
    return 0


def register(subparsers):
    """Add the ``tune`` command to the subparsers action ``subparsers``."""
    p = add_parser(
        subparsers,
        "tune",
        help="search hyperparameters with an Optuna study",
        description=(
            "Cross-validate configurations proposed by Optuna on the train and "
            "validation parts (the test part stays untouched). The search space "
            "comes from the config's 'search' mapping and --param flags."
        ),
        epilog=(
            "examples:\n  affect-sklearn tune --backbone basic --epochs 3 "
            "--param lr=float:1e-4:1e-2:log --param width=int:4:16 --n-trials 20\n"
            "  affect-sklearn tune --config exp.yaml --storage study.db "
            "--study-name s1 --train-best"
        ),
    )
    add_experiment_args(p)
    t = p.add_argument_group("study")
    t.add_argument(
        "--param",
        dest="params",
        type=key_value,
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help="search space: float:LOW:HIGH[:log], int:LOW:HIGH or choice:A,B,C",
    )
    t.add_argument("--n-trials", type=positive_int, default=10)
    t.add_argument("--cv", type=positive_int, default=3, help="folds (3)")
    t.add_argument("--scoring", help="scorer name, e.g. f1_macro or ccc")
    t.add_argument("--timeout", type=float, help="seconds after which no trial starts")
    t.add_argument("--storage", help="SQLite file, journal:<path> or database URL")
    t.add_argument("--study-name", help="continue or share this study")
    t.add_argument(
        "--train-best", action="store_true", help="then train the best as a run"
    )
    t.add_argument("--runs-dir", default="runs", metavar="DIR")
    t.add_argument("--quiet", action="store_true", help="no line per trial")
    p.set_defaults(func=_cmd_tune)
