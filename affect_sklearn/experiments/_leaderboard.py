"""The leaderboard of a runs folder, the list of runs and promotion of the best."""

from __future__ import annotations

import datetime
import json
import math
import os
import secrets
import shutil
from pathlib import Path

import pandas as pd

__all__ = ["append_leaderboard", "list_runs", "promote_best", "read_leaderboard"]

LEADERBOARD = "leaderboard.csv"
BEST = "best"
PROMOTED = "promoted.json"
_LOWER_IS_BETTER = ("rmse", "loss", "error", "seconds")


def lower_is_better(metric):
    """Whether smaller values of ``metric`` are better (losses, errors, rmse)."""
    return any(word in metric for word in _LOWER_IS_BETTER)


def read_leaderboard(runs_dir, *, sort_by=None):
    """Read ``runs_dir/leaderboard.csv`` (one row per finished run).

    Parameters
    ----------
    runs_dir : str or Path
        The runs folder.
    sort_by : str, default=None
        Metric column to sort by, best first.

    Returns
    -------
    leaderboard : pandas.DataFrame
        Empty when no run has finished yet.
    """
    path = Path(runs_dir) / LEADERBOARD
    if not path.is_file():
        return pd.DataFrame(columns=["run_id"])
    board = pd.read_csv(path)
    if sort_by is not None:
        if sort_by not in board:
            raise ValueError(
                f"The leaderboard has no column {sort_by!r}; metric columns are "
                f"{_metric_columns(board)}."
            )
        board = board.sort_values(
            sort_by, ascending=lower_is_better(sort_by), na_position="last"
        ).reset_index(drop=True)
    return board


def _metric_columns(board):
    return [c for c in board.columns if c.startswith(("val_", "test_"))]


def append_leaderboard(runs_dir, row):
    """Add a run's row to the leaderboard (new metric columns are added)."""
    path = Path(runs_dir) / LEADERBOARD
    board = read_leaderboard(runs_dir)
    new = pd.DataFrame([row])
    board = new if board.empty else pd.concat([board, new], ignore_index=True)
    tmp = path.with_name(f".{LEADERBOARD}.{secrets.token_hex(3)}.tmp")
    board.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def list_runs(runs_dir):
    """Every run folder of ``runs_dir`` (finished or not), oldest first.

    Parameters
    ----------
    runs_dir : str or Path
        The runs folder.

    Returns
    -------
    runs : list of Run
    """
    from ._folder import Run

    root = Path(runs_dir)
    if not root.is_dir():
        return []
    runs = [
        Run(p)
        for p in sorted(root.iterdir())
        if p.is_dir() and p.name != BEST and (p / "config.json").is_file()
    ]
    return sorted(runs, key=lambda r: (r.config.get("created") or "", r.path.name))


def promote_best(runs_dir, metric="test_f1_macro"):
    """Copy the best run by ``metric`` to the stable folder ``runs_dir/best``.

    ``best/`` then holds a full copy of the run folder plus ``promoted.json``
    (run id, metric, value, time). Nothing is copied when ``best/`` already
    holds that run.

    Parameters
    ----------
    runs_dir : str or Path
        The runs folder.
    metric : str, default="test_f1_macro"
        Leaderboard column; higher is better except for losses, errors and
        rmse.

    Returns
    -------
    promoted : dict
        ``run_id``, ``metric``, ``value``, ``path`` (of ``best/``) and
        ``changed`` (False when that run was already promoted).
    """
    board = read_leaderboard(runs_dir)
    if board.empty:
        raise ValueError(
            f"No finished run in {str(runs_dir)!r} to promote: its leaderboard.csv is "
            "missing or empty. Train a run first (affect-sklearn train)."
        )
    if metric not in board or board[metric].isna().all():
        raise ValueError(
            f"No run in {str(runs_dir)!r} has the metric {metric!r}; metric columns "
            f"are {_metric_columns(board)}. Pass one of them, e.g. test_ccc_mean for "
            "regressors."
        )
    board = board[board["path"].map(lambda p: Path(p).is_dir())]
    board = board.dropna(subset=[metric])
    if board.empty:
        raise ValueError(
            f"Every run with {metric!r} was deleted from disk; nothing to promote."
        )
    best = board.sort_values(metric, ascending=lower_is_better(metric)).iloc[0]
    root = Path(runs_dir)
    target = root / BEST
    info = {
        "run_id": str(best["run_id"]),
        "metric": metric,
        "value": float(best[metric]),
        "source": str(best["path"]),
    }
    current = target / PROMOTED
    if current.is_file():
        old = json.loads(current.read_text())
        if old.get("run_id") == info["run_id"] and old.get("metric") == metric:
            return {**info, "path": str(target), "changed": False}
    tmp = root / f".best.{secrets.token_hex(3)}.tmp"
    shutil.copytree(best["path"], tmp)
    info["promoted"] = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"
    )
    value = info["value"]
    info["value"] = value if math.isfinite(value) else None
    (tmp / PROMOTED).write_text(json.dumps(info, indent=2) + "\n")
    if target.exists():
        old = root / f".best.old.{secrets.token_hex(3)}"
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, target)
    return {**info, "path": str(target), "changed": True}
