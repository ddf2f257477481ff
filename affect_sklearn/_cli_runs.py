"""``affect-sklearn`` evaluate, predict, runs and report: use what runs wrote."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._cli_experiments import (
    _FORMATTER,
    _fmt,
    _positive_int,
    _print_metrics,
)

__all__ = []


# ---------------------------------------------------------------- evaluate
def _cmd_evaluate(args):
    from .experiments import evaluate_model

    data = None
    if args.data is not None:
        data = {"path": args.data}
        for flag in ("format", "image_size", "split"):
            if getattr(args, flag) is not None:
                data[flag] = getattr(args, flag)
    elif not Path(args.model).is_dir():
        raise ValueError(
            f"{args.model} is a model file; pass --data PATH to evaluate it (a run "
            "folder uses its own data and split)."
        )
    report, frame = evaluate_model(args.model, data, part=args.part, seed=args.seed)
    part = args.part or ("test" if data is None else "all")
    _print_metrics(report, f"{part} part ({len(frame)} faces)")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
        print(f"metrics written to {args.out}")
    if args.predictions:
        frame.to_csv(args.predictions, index=False)
        print(f"predictions written to {args.predictions}")
    return 0


def _register_evaluate(sub, common):
    p = sub.add_parser(
        "evaluate",
        parents=[common],
        help="score a saved model on a split",
        description=(
            "Score a run folder on its own data (test part by default), or a model "
            "file (model.joblib, model.pt) on --data."
        ),
        epilog="examples:\n  affect-sklearn evaluate runs/<run id> --part val\n"
        "  affect-sklearn evaluate runs/best/model.pt --data fer2013.csv",
        formatter_class=_FORMATTER,
    )
    p.add_argument("model", help="run folder, .joblib or .pt model file")
    p.add_argument("--data", metavar="PATH", help="data set to score on")
    p.add_argument("--format", choices=["auto", "fer2013", "folder", "affectnet"])
    p.add_argument("--image-size", type=_positive_int)
    p.add_argument("--split", help="random, usage or a split manifest .json")
    p.add_argument(
        "--part",
        choices=["train", "val", "test", "all"],
        help="part of the split (test for a run, all for --data)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of a random split")
    p.add_argument("--out", metavar="FILE", help="write the metrics as JSON")
    p.add_argument("--predictions", metavar="FILE", help="write predictions as CSV")
    p.set_defaults(func=_cmd_evaluate)


# ---------------------------------------------------------------- predict
def _looks_like_model(path):
    """A run folder or a saved model file (the old positional MODEL argument)."""
    p = Path(path)
    if p.is_dir():
        return (p / "model.joblib").is_file() or (p / "config.json").is_file()
    return p.suffix.lower() in (".joblib", ".pt", ".pkl") and p.is_file()


def _cmd_predict(args):
    from .experiments import load_model, predict_images

    inputs, model = list(args.inputs), args.model
    if model is None and len(inputs) > 1 and _looks_like_model(inputs[0]):
        model = inputs.pop(0)  # `predict MODEL INPUTS...`, the earlier form
    est = load_model(model or "fer2013")  # the shipped model by default
    frame = predict_images(
        est,
        inputs,
        batch_size=args.batch_size,
        progress=not args.quiet,
        faces=args.faces,
        detector=args.detector,
    )
    if args.out == "-":
        frame.to_csv(sys.stdout, index=False)
    else:
        frame.to_csv(args.out, index=False)
        print(f"{len(frame)} predictions written to {args.out}")
    return 0


def _register_predict(sub, common):
    p = sub.add_parser(
        "predict",
        parents=[common],
        help="predict images, folders or zip archives into a CSV",
        description=(
            "Predict every image of the inputs (files, folders searched "
            "recursively, .zip archives) with a saved model, by default the "
            "FER-2013 classifier shipped with the package; write one CSV row per "
            "image: path, predicted label and class probabilities, and/or valence "
            "and arousal. Photos (images at least twice the model's input size) "
            "are cropped to their largest face first (--faces)."
        ),
        epilog="examples:\n  affect-sklearn predict photo.jpg --out -\n"
        "  affect-sklearn predict faces/ extra.zip one.png --model runs/best "
        "--out preds.csv",
        formatter_class=_FORMATTER,
    )
    p.add_argument("inputs", nargs="+", help="image files, folders or zip archives")
    p.add_argument(
        "--model",
        default=None,
        help="run folder, .joblib or .pt model file, or a shipped model name "
        "(default: the shipped fer2013 classifier)",
    )
    p.add_argument(
        "--faces",
        choices=["auto", "detect", "none"],
        default="auto",
        help="crop the largest face first: auto (photos only), detect (every "
        "image) or none (the images are face crops)",
    )
    p.add_argument(
        "--detector",
        choices=["haar", "hog", "cnn"],
        default=None,
        help="face detector (default: OpenCV Haar when installed, else dlib HOG)",
    )
    p.add_argument("--out", default="predictions.csv", help="CSV file, or - for stdout")
    p.add_argument("--batch-size", type=_positive_int, default=256)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_predict)


# ---------------------------------------------------------------- runs
def _runs_dir(args):
    return getattr(args, "runs_dir", None) or "runs"


def _cmd_runs_list(args):
    import pandas as pd

    from .experiments import list_runs

    runs = list_runs(_runs_dir(args))
    if not runs:
        print(f"no runs in {_runs_dir(args)}")
        return 0
    rows = []
    for run in runs:
        cfg, metrics = run.config, run.metrics or {}
        epochs = metrics.get("n_epochs")
        if epochs is None:
            epochs = len(run.history)
        rows.append(
            {
                "run_id": run.id,
                "status": run.status,
                "estimator": cfg.get("estimator"),
                "backbone": (cfg.get("params") or {}).get("backbone"),
                "epochs": epochs,
                "test_f1_macro": _fmt(metrics.get("test_f1_macro")),
                "test_ccc_mean": _fmt(metrics.get("test_ccc_mean")),
                "parent": (cfg.get("parent") or {}).get("run_id") or "",
            }
        )
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def _cmd_runs_leaderboard(args):
    from .experiments import read_leaderboard

    board = read_leaderboard(_runs_dir(args), sort_by=args.sort)
    if board.empty:
        print(f"no finished runs in {_runs_dir(args)}")
        return 0
    cols = ["run_id", "estimator", "backbone", "n_epochs"]
    metric_cols = [
        c for c in board.columns if c.startswith("test_") and board[c].notna().any()
    ]
    if args.sort and args.sort not in metric_cols:
        metric_cols.insert(0, args.sort)
    if args.top:
        board = board.head(args.top)
    print(board[cols + metric_cols].to_string(index=False, float_format="%.4f"))
    return 0


def _cmd_runs_promote(args):
    from .experiments import promote_best

    info = promote_best(_runs_dir(args), args.metric)
    state = "promoted" if info["changed"] else "already promoted"
    print(
        f"{state}: {info['run_id']} ({args.metric}={_fmt(info['value'])}) -> "
        f"{info['path']}"
    )
    return 0


def _cmd_runs_show(args):
    from .experiments import Run

    run = Run(args.run)
    cfg = run.config
    print(f"run {run.id} ({run.status}) in {run.path}")
    print(f"estimator: {cfg.get('estimator_class')}  seed: {cfg.get('seed')}")
    print(f"data: {(cfg.get('data_summary') or {}).get('description')}")
    if cfg.get("parent"):
        print(
            f"resumed from {cfg['parent']['run_id']} at epoch "
            f"{cfg['parent']['epoch']}; changes: {json.dumps(cfg.get('changes'))}"
        )
    params = cfg.get("params") or {}
    print("params: " + ", ".join(f"{k}={params[k]!r}" for k in sorted(params)))
    if run.metrics:
        _print_metrics(run.metrics, "validation", "val_")
        _print_metrics(run.metrics, "test", "test_")
    return 0


def _register_runs(sub, common):
    runs_common = argparse.ArgumentParser(add_help=False)
    runs_common.add_argument(
        "--runs-dir",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="runs folder (runs)",
    )
    p = sub.add_parser(
        "runs",
        parents=[common, runs_common],
        help="list runs, show the leaderboard, promote the best run",
        description="Inspect the runs folder. Without an action, list the runs.",
        epilog=(
            "examples:\n  affect-sklearn runs\n  affect-sklearn runs leaderboard "
            "--sort test_f1_macro --top 5\n  affect-sklearn runs promote --metric "
            "test_ccc_mean\n  affect-sklearn runs show runs/<run id>"
        ),
        formatter_class=_FORMATTER,
    )
    p.set_defaults(func=_cmd_runs_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = actions.add_parser(
        "list", parents=[common, runs_common], help="one line per run (default)"
    )
    a.set_defaults(func=_cmd_runs_list)
    a = actions.add_parser(
        "leaderboard", parents=[common, runs_common], help="finished runs and metrics"
    )
    a.add_argument("--sort", metavar="METRIC", help="sort by a metric, best first")
    a.add_argument("--top", type=_positive_int, help="show the N first rows")
    a.set_defaults(func=_cmd_runs_leaderboard)
    a = actions.add_parser(
        "promote",
        parents=[common, runs_common],
        help="copy the best run by a metric to <runs-dir>/best",
    )
    a.add_argument("--metric", default="test_f1_macro", help="(test_f1_macro)")
    a.set_defaults(func=_cmd_runs_promote)
    a = actions.add_parser(
        "show", parents=[common], help="configuration and metrics of one run"
    )
    a.add_argument("run", help="run folder")
    a.set_defaults(func=_cmd_runs_show)


# ---------------------------------------------------------------- report
def _cmd_report(args):
    from .experiments import redraw_plots

    paths, notes = redraw_plots(args.run, dpi=args.dpi)
    for path in paths:
        print(path)
    for note in notes:
        print(f"note: {note}")
    return 0


def _register_report(sub, common):
    p = sub.add_parser(
        "report",
        parents=[common],
        help="re-draw the plots of a run",
        description=(
            "Draw a run's plots again into <run>/plots: learning curves, confusion "
            "matrices, recall per class, valence/arousal and the face grid."
        ),
        epilog="example:\n  affect-sklearn report runs/<run id> --dpi 150",
        formatter_class=_FORMATTER,
    )
    p.add_argument("run", help="run folder")
    p.add_argument("--dpi", type=_positive_int, default=100)
    p.set_defaults(func=_cmd_report)
