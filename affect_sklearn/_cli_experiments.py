"""``affect-sklearn`` train and tune, shared flags, and registration of all."""

from __future__ import annotations

import argparse
import json
import math
import sys

__all__ = ["register"]


class HelpFormatter(argparse.HelpFormatter):
    """Wrap one-paragraph descriptions; keep texts with line breaks (examples)."""

    def _fill_text(self, text, width, indent):
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


_FORMATTER = HelpFormatter
_TABLE_KEYS = (
    "accuracy",
    "f1_macro",
    "cohen_kappa",
    "auroc_macro",
    "ccc_mean",
    "ccc_valence",
    "ccc_arousal",
    "rmse_mean",
)


# ---------------------------------------------------------------- small helpers
def _literal(text):
    """A flag value as JSON when it parses (numbers, true, null, lists), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _key_value(text):
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE; got {text!r}")
    return key.strip(), value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number; got {text!r}") from None
    if not 0 <= value < 1 and not (value >= 1 and value.is_integer()):
        raise argparse.ArgumentTypeError(
            f"expected a fraction in [0, 1) or a count; got {text!r}"
        )
    return int(value) if value >= 1 else value


def parse_sampling_weights(text):
    """``balanced``, ``none``, JSON ``{"sad": 5}`` or ``sad=5,happy=0.5``."""
    if text in ("balanced", "none"):
        return text
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"invalid JSON {text!r}: {exc}") from None
        return value
    weights = {}
    for item in text.split(","):
        key, value = _key_value(item)
        try:
            weights[key] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"weight of {key!r} must be a number; got {value!r}"
            ) from None
    return weights


def _fmt(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _print_metrics(metrics, title, prefix=""):
    rows = [
        (k, metrics[prefix + k])
        for k in _TABLE_KEYS
        if prefix + k in metrics and metrics[prefix + k] is not None
    ]
    if not rows:
        return
    width = max(len(k) for k, _ in rows)
    print(f"\n{title}")
    print("-" * (width + 12))
    for key, value in rows:
        print(f"{key:<{width}}  {_fmt(value):>9}")
    print("-" * (width + 12))


def _verbosity(args):
    """0 with --quiet, else 2: progress lines plus the per-epoch table."""
    return 0 if getattr(args, "quiet", False) else 2


# ---------------------------------------------------------------- shared flags
def _add_experiment_args(p):
    g = p.add_argument_group("experiment", "flags override the values of --config")
    g.add_argument("--config", metavar="FILE", help="YAML or JSON experiment config")
    g.add_argument(
        "--estimator",
        choices=["classifier", "regressor", "multitask"],
        help="task: expression labels, valence/arousal, or both (default classifier)",
    )
    g.add_argument("--name", help="label put in the run id")
    g.add_argument(
        "--seed", type=int, metavar="N", help="seed of data, split and training (0)"
    )
    d = p.add_argument_group("data", "without --data, synthetic faces are drawn")
    d.add_argument(
        "--data",
        metavar="PATH",
        help="FER-2013 CSV/npz/export folder, class-subfolder images or AffectNet",
    )
    d.add_argument(
        "--format",
        choices=["auto", "fer2013", "folder", "affectnet"],
        help="layout of --data (default: detected)",
    )
    d.add_argument(
        "--n-samples", type=_positive_int, metavar="N", help="synthetic faces (300)"
    )
    d.add_argument(
        "--n-classes", type=_positive_int, metavar="N", help="synthetic classes (7)"
    )
    d.add_argument(
        "--image-size", type=_positive_int, metavar="N", help="resize to N x N pixels"
    )
    d.add_argument(
        "--split",
        metavar="HOW",
        help="'random' (default), 'usage' (FER-2013 partitions) or a manifest .json",
    )
    d.add_argument(
        "--test-size", type=_fraction, metavar="F", help="test fraction or count (0.2)"
    )
    d.add_argument(
        "--val-size", type=_fraction, metavar="F", help="validation fraction (0.1)"
    )
    e = p.add_argument_group("estimator", "any other parameter: --set KEY=VALUE")
    e.add_argument(
        "--backbone", help="compact, basic, xception, resnet, vgg, resnet18…"
    )
    e.add_argument(
        "--width", type=_positive_int, metavar="N", help="channels of the first stage"
    )
    e.add_argument("--epochs", type=_positive_int, metavar="N", help="max_epochs")
    e.add_argument("--batch-size", type=_positive_int, metavar="N")
    e.add_argument("--lr", type=float, metavar="F", help="learning rate")
    e.add_argument("--device", help="auto, cpu, cuda or cuda:N")
    e.add_argument(
        "--sampling-weights",
        type=parse_sampling_weights,
        metavar="SPEC",
        help="class_sampling_weights: balanced, none, sad=5,happy=0.5 or JSON",
    )
    e.add_argument(
        "--set",
        dest="overrides",
        type=_key_value,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any estimator parameter; VALUE is read as JSON when it parses "
        "(e.g. --set dropout=0.3 --set early_stopping=5)",
    )


def _config_from_args(args):
    from .experiments import load_config

    config = load_config(args.config) if args.config else {}
    config = dict(config)
    params = dict(config.get("params") or {})
    data = dict(config.get("data") or {})
    for flag, key in (("estimator", "estimator"), ("name", "name"), ("seed", "seed")):
        if getattr(args, flag) is not None:
            config[key] = getattr(args, flag)
    for flag, key in (
        ("data", "path"),
        ("format", "format"),
        ("n_samples", "n_samples"),
        ("n_classes", "n_classes"),
        ("image_size", "image_size"),
        ("split", "split"),
        ("test_size", "test_size"),
        ("val_size", "val_size"),
    ):
        if getattr(args, flag) is not None:
            data[key] = getattr(args, flag)
    for flag, key in (
        ("backbone", "backbone"),
        ("width", "width"),
        ("epochs", "max_epochs"),
        ("batch_size", "batch_size"),
        ("lr", "lr"),
        ("device", "device"),
    ):
        if getattr(args, flag) is not None:
            params[key] = getattr(args, flag)
    if args.sampling_weights is not None:
        sw = args.sampling_weights
        params["class_sampling_weights"] = None if sw == "none" else sw
    for key, value in args.overrides:
        params[key] = _literal(value)
    config["params"] = params
    config["data"] = data
    return config


def _command_line():
    return "affect-sklearn " + " ".join(sys.argv[1:]) if sys.argv else None


# ---------------------------------------------------------------- train
_TRAIN_EPILOG = """\
examples:
  affect-sklearn train --epochs 5                     # synthetic faces
  affect-sklearn train --data fer2013.csv --split usage --backbone compact
  affect-sklearn train --config exp.yaml --set dropout=0.3 --runs-dir runs
  affect-sklearn train --resume runs/<run id> --epochs 20 --sampling-weights balanced
"""


def _cmd_train(args):
    from .experiments import promote_best, resume_run, run_experiment

    verbose = _verbosity(args)
    if args.resume:
        changed = [
            flag
            for flag in (
                "config",
                "estimator",
                "name",
                "seed",
                "data",
                "format",
                "n_samples",
                "n_classes",
                "image_size",
                "split",
                "test_size",
                "val_size",
                "backbone",
                "width",
                "batch_size",
                "lr",
                "device",
            )
            if getattr(args, flag) is not None
        ] + (["set"] if args.overrides else [])
        if changed:
            raise ValueError(
                f"--resume continues a run with its own settings; only --epochs and "
                f"--sampling-weights may change, got also "
                f"{', '.join('--' + c.replace('_', '-') for c in changed)}. Start a "
                "new run to change them."
            )
        run = resume_run(
            args.resume,
            runs_dir=args.runs_dir,
            max_epochs=args.epochs,
            class_sampling_weights=args.sampling_weights,
            verbose=verbose,
            command=_command_line(),
        )
        runs_dir = run.path.parent
    else:
        runs_dir = args.runs_dir or "runs"
        run = run_experiment(
            _config_from_args(args),
            runs_dir=runs_dir,
            verbose=verbose,
            command=_command_line(),
        )
    metrics = run.metrics
    _print_metrics(metrics, "validation", "val_")
    _print_metrics(metrics, "test", "test_")
    print(
        f"\nrun {run.id}: {metrics['n_epochs']} epochs in "
        f"{metrics['fit_seconds']:.1f} s; folder {run.path}"
    )
    metric = args.promote_metric
    if not args.no_promote and metrics.get(metric) is not None:
        info = promote_best(runs_dir, metric)
        if info["changed"]:
            print(
                f"best run by {metric}: {info['run_id']} ({_fmt(info['value'])}) -> "
                f"{info['path']}"
            )
    return 0


def _register_train(sub, common):
    p = sub.add_parser(
        "train",
        parents=[common],
        help="train an estimator and write a run folder (or resume a run)",
        description=(
            "Train AffectCNNClassifier, AffectCNNRegressor or AffectCNNMultiTask on "
            "synthetic faces or a data set on disk, evaluate it on the validation "
            "and test parts, and write a run folder (config, history, metrics, "
            "checkpoints, model, plots) under --runs-dir; leaderboard.csv gains a "
            "row and the best run is copied to <runs-dir>/best."
        ),
        epilog=_TRAIN_EPILOG,
        formatter_class=_FORMATTER,
    )
    _add_experiment_args(p)
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


# ---------------------------------------------------------------- tune
def _cmd_tune(args):
    from .experiments import run_experiment, tune_experiment

    config = _config_from_args(args)
    search = dict(config.get("search") or {})
    for key, spec in args.params:
        search[key] = spec
    config["search"] = search
    verbose = _verbosity(args)
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
            config, runs_dir=args.runs_dir, verbose=verbose, command=_command_line()
        )
        _print_metrics(run.metrics, "test (best parameters)", "test_")
        print(f"run folder: {run.path}")
    return 0


def _register_tune(sub, common):
    p = sub.add_parser(
        "tune",
        parents=[common],
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
        formatter_class=_FORMATTER,
    )
    _add_experiment_args(p)
    t = p.add_argument_group("study")
    t.add_argument(
        "--param",
        dest="params",
        type=_key_value,
        action="append",
        default=[],
        metavar="NAME=SPEC",
        help="search space: float:LOW:HIGH[:log], int:LOW:HIGH or choice:A,B,C",
    )
    t.add_argument("--n-trials", type=_positive_int, default=10)
    t.add_argument("--cv", type=_positive_int, default=3, help="folds (3)")
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


def register(sub, common=None):
    """Add the experiment subcommands to the ``affect-sklearn`` parser.

    Parameters
    ----------
    sub : argparse subparsers action
        From ``parser.add_subparsers()``.
    common : argparse.ArgumentParser, default=None
        Parent parser with options shared by every subcommand (``--debug``).
    """
    common = common or argparse.ArgumentParser(add_help=False)
    from ._cli_runs import (
        _register_evaluate,
        _register_predict,
        _register_report,
        _register_runs,
    )

    for add in (
        _register_train,
        _register_evaluate,
        _register_predict,
        _register_tune,
        _register_runs,
        _register_report,
    ):
        add(sub, common)
