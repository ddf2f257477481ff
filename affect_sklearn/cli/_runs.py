"""``affect-sklearn runs``: list runs, show the leaderboard, promote the best."""

from __future__ import annotations

import argparse
import json

from ._common import add_parser, fmt, positive_int, print_metrics

__all__ = ["register"]


def _runs_dir(args):
    return getattr(args, "runs_dir", None) or "runs"


def _cmd_runs_list(args):
    import pandas as pd

    from ..experiments import list_runs

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
                "test_f1_macro": fmt(metrics.get("test_f1_macro")),
                "test_ccc_mean": fmt(metrics.get("test_ccc_mean")),
                "parent": (cfg.get("parent") or {}).get("run_id") or "",
            }
        )
    print(pd.DataFrame(rows).to_string(index=False))
    return 0


def _cmd_runs_leaderboard(args):
    from ..experiments import read_leaderboard

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
    from ..experiments import promote_best

    info = promote_best(_runs_dir(args), args.metric)
    state = "promoted" if info["changed"] else "already promoted"
    print(
        f"{state}: {info['run_id']} ({args.metric}={fmt(info['value'])}) -> "
        f"{info['path']}"
    )
    return 0


def _cmd_runs_show(args):
    from ..experiments import Run

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
        print_metrics(run.metrics, "validation", "val_")
        print_metrics(run.metrics, "test", "test_")
    return 0


def register(subparsers):
    """Add the ``runs`` command to the subparsers action ``subparsers``."""
    runs_common = argparse.ArgumentParser(add_help=False)
    runs_common.add_argument(
        "--runs-dir",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="runs folder (runs)",
    )
    p = add_parser(
        subparsers,
        "runs",
        parents=[runs_common],
        help="list runs, show the leaderboard, promote the best run",
        description="Inspect the runs folder. Without an action, list the runs.",
        epilog=(
            "examples:\n  affect-sklearn runs\n  affect-sklearn runs leaderboard "
            "--sort test_f1_macro --top 5\n  affect-sklearn runs promote --metric "
            "test_ccc_mean\n  affect-sklearn runs show runs/<run id>"
        ),
    )
    p.set_defaults(func=_cmd_runs_list)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    a = add_parser(
        actions, "list", parents=[runs_common], help="one line per run (default)"
    )
    a.set_defaults(func=_cmd_runs_list)
    a = add_parser(
        actions, "leaderboard", parents=[runs_common], help="finished runs and metrics"
    )
    a.add_argument("--sort", metavar="METRIC", help="sort by a metric, best first")
    a.add_argument("--top", type=positive_int, help="show the N first rows")
    a.set_defaults(func=_cmd_runs_leaderboard)
    a = add_parser(
        actions,
        "promote",
        parents=[runs_common],
        help="copy the best run by a metric to <runs-dir>/best",
    )
    a.add_argument("--metric", default="test_f1_macro", help="(test_f1_macro)")
    a.set_defaults(func=_cmd_runs_promote)
    a = add_parser(actions, "show", help="configuration and metrics of one run")
    a.add_argument("run", help="run folder")
    a.set_defaults(func=_cmd_runs_show)
