"""Experiment runs: train, evaluate and write a self-describing run folder."""

from __future__ import annotations

import copy
import datetime
import json
import secrets
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from ._artifacts import _classes_order, _leaderboard_row, _write_report, write_plots
from ._config import ESTIMATORS, estimator_class, resolve_config
from ._data import load_experiment_data, targets_for
from ._evaluate import HoldoutScoring, score_estimator
from ._folder import (
    CHECKPOINTS,
    FILES,
    Run,
    _json_default,
    _say,
    _versions,
    _write_json,
)

__all__ = ["resume_run", "run_experiment"]


def _new_run_dir(runs_dir, cfg):
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    backbone = cfg["params"].get("backbone")
    backbone = backbone if isinstance(backbone, str) else "custom"
    label = cfg["name"] or cfg["estimator"]
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in str(label))
    for _ in range(100):
        path = Path(runs_dir) / f"{stamp}-{safe}-{backbone}-{secrets.token_hex(2)}"
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:  # pragma: no cover - 1 in 65536
            continue
    raise RuntimeError(f"Could not create a new run folder in {runs_dir}.")


def _params_for_json(params):
    return json.loads(json.dumps(params, default=_json_default))


def _summary(data, cfg):
    split = data.split
    return {
        "description": data.description,
        "n_samples": len(data.labels),
        "image_shape": list(np.asarray(data.images).shape[1:]),
        "sizes": {p: len(split[p]) for p in ("train", "val", "test")},
        "split_seed": split.get("seed"),
        "target_names": data.target_names,
        "has_valence_arousal": data.va is not None,
    }


def _execute(config, runs_dir, *, verbose, command, parent=None, changes=None):
    """Train (or resume), evaluate, and write one run folder."""
    from ..callbacks import load_training_state
    from ._leaderboard import append_leaderboard

    cfg = resolve_config(config)
    seed = cfg["seed"]
    task = cfg["estimator"]
    cls = estimator_class(task)
    t0 = time.perf_counter()
    data = load_experiment_data(cfg["data"], seed)
    if parent is not None:
        expected = parent.config.get("data_fingerprint")
        if expected != data.fingerprint:
            raise ValueError(
                f"The data of run {parent.id!r} changed since it ran: its fingerprint "
                f"was {str(expected)[:12]}..., the data loaded now has "
                f"{data.fingerprint[:12]}.... Resume with the same data (path and "
                "contents), or start a new run."
            )
    split = data.split
    _say(
        verbose,
        f"data: {data.description}; train {len(split.train)}, val "
        f"{len(split.val)}, test {len(split.test)}",
    )
    run_dir = _new_run_dir(runs_dir, cfg)
    ckpt_dir = run_dir / CHECKPOINTS
    record = {
        "run_id": run_dir.name,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "command": command,
        "estimator_class": ESTIMATORS[task],
        "versions": _versions(),
        "data_fingerprint": data.fingerprint,
        "data_summary": _summary(data, cfg),
        "parent": None,
        "changes": changes or {},
    }
    if parent is not None:
        ckpt_dir.mkdir()
        for item in (parent.path / CHECKPOINTS).iterdir():
            if item.is_file() and not item.name.endswith(".tmp"):
                shutil.copy2(item, ckpt_dir / item.name)
        state = load_training_state(ckpt_dir)  # errors name the copied file
        record["parent"] = {
            "run_id": parent.id,
            "path": str(parent.path.resolve()),
            "epoch": int(state["epoch"]),
            "status": parent.status,
        }
    config_out = {
        "name": cfg["name"],
        "estimator": task,
        "seed": seed,
        "params": {**_params_for_json(cfg["params"]), "checkpoint_dir": CHECKPOINTS},
        "data": cfg["data"],
        "search": cfg["search"],
        **record,
    }
    _write_json(run_dir / FILES["config"], config_out)
    from ..datasets import save_split_manifest

    save_split_manifest(split, run_dir / FILES["split"], y=data.labels)
    X_tr = data.images[split.train]
    y_tr = targets_for(task, data, split.train)
    X_val = data.images[split.val] if len(split.val) else None
    y_val = targets_for(task, data, split.val) if len(split.val) else None
    params = dict(cfg["params"])
    params.setdefault("verbose", 0)
    est = cls(**params, checkpoint_dir=str(ckpt_dir))
    user_kwargs = est.net_kwargs
    kwargs = copy.copy(user_kwargs) or {}
    if X_val is not None:
        kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + [
            ("holdout", HoldoutScoring(est, X_val, y_val))
        ]
    est.set_params(net_kwargs=kwargs)
    what = "resuming" if parent is not None else "training"
    _say(verbose, f"{what} {cls.__name__} -> {run_dir}")
    t_fit = time.perf_counter()
    try:
        if parent is not None:
            est.resume(X_tr, y_tr)
        else:
            est.fit(X_tr, y_tr)
    finally:
        est.set_params(net_kwargs=user_kwargs)
    fit_s = time.perf_counter() - t_fit
    est.history_.to_csv(run_dir / FILES["history"], index=False)
    import joblib

    joblib.dump(est, run_dir / FILES["model"])
    try:
        est.save(run_dir / FILES["weights"])
    except TypeError as exc:  # a custom backbone class: joblib only
        _say(verbose, f"note: no model.pt written ({exc})")
    frames, reports = {}, {}
    for part in ("val", "test"):
        idx = split[part]
        if len(idx):
            frame, report = score_estimator(
                est, data.images[idx], targets_for(task, data, idx)
            )
            frame.insert(0, "index", idx)
            frames[part], reports[part] = frame, report
    frames["test"].to_csv(run_dir / FILES["predictions"], index=False)
    metrics = {
        f"{part}_{k}": v for part, report in reports.items() for k, v in report.items()
    }
    classes = None
    if task != "regressor":
        classes = _classes_order(data.target_names, est.classes_)
    metrics.update(
        {
            "n_epochs": int(est.n_epochs_),
            "fit_seconds": round(fit_s, 3),
            "total_seconds": round(time.perf_counter() - t0, 3),
            "classes": classes,
        }
    )
    _write_json(run_dir / FILES["metrics"], metrics)
    _write_report(run_dir / FILES["report"], task, frames, reports)
    write_plots(
        run_dir,
        history=est.history_,
        frame=frames["test"],
        classes=classes,
        images=data.images[split.test],
    )
    append_leaderboard(runs_dir, _leaderboard_row(run_dir, cfg, record, metrics))
    _say(verbose, f"run folder: {run_dir}")
    return Run(run_dir)


def run_experiment(config, runs_dir="runs", *, verbose=1, command=None):
    """Train, evaluate and record one experiment as a run folder.

    The folder ``runs_dir/<run id>/`` receives ``config.json`` (the fully
    resolved parameters, library versions, seed and data fingerprint),
    ``split.json``, ``history.csv`` (per-epoch losses and validation
    scores), ``metrics.json`` and ``classification_report.txt`` (validation
    and test), ``predictions_test.csv``, ``checkpoints/`` (best and last,
    plus the resumable ``last_state.pt``), ``model.joblib``, the weights-only
    ``model.pt`` and ``plots/``; ``runs_dir/leaderboard.csv`` gains a row.

    Parameters
    ----------
    config : dict
        See :func:`resolve_config`.
    runs_dir : str or Path, default="runs"
        Parent folder of the runs and of the leaderboard.
    verbose : int, default=1
        0 is silent, 1 prints progress lines, 2 adds the estimator's
        per-epoch progress bar.
    command : str, default=None
        Command line to record.

    Returns
    -------
    run : Run

    Examples
    --------
    >>> from affect_sklearn.experiments import run_experiment
    >>> run = run_experiment(
    ...     {"params": {"backbone": "basic", "width": 4, "max_epochs": 1,
    ...                 "batch_size": 8, "device": "cpu"},
    ...      "data": {"n_samples": 40, "image_size": 16, "n_classes": 3}},
    ...     runs_dir=getfixture("tmp_path"), verbose=0)
    >>> run.status, sorted(run.metrics)[:2]
    ('finished', ['classes', 'fit_seconds'])
    """
    config = dict(config)
    if verbose >= 2:
        config["params"] = {"verbose": 1, **(config.get("params") or {})}
    return _execute(config, Path(runs_dir), verbose=verbose, command=command or _argv())


def _argv():
    return " ".join(sys.argv) if sys.argv and sys.argv[0] else None


def resume_run(
    run,
    *,
    runs_dir=None,
    max_epochs=None,
    class_sampling_weights=None,
    verbose=1,
    command=None,
):
    """Continue a run from its last checkpoint as a new run.

    The new run restores the weights, optimizer, schedule, history and random
    state saved at the end of the parent's last finished epoch, then trains
    up to ``max_epochs``. Its ``config.json`` names the parent (``parent``)
    and lists what changed (``changes``). A run interrupted by a crash or
    SIGKILL loses at most the epoch it was in.

    Parameters
    ----------
    run : Run, str or Path
        The run to continue (finished or interrupted).
    runs_dir : str or Path, default=None
        Where the new run goes (default: next to the parent).
    max_epochs : int, default=None
        New total number of epochs (default: the parent's).
    class_sampling_weights : "balanced", dict or None, default=None
        New per-class sampling weights of the training batches (default: the
        parent's). Pass ``"none"`` to switch sampling off.
    verbose : int, default=1
        As in :func:`run_experiment`.
    command : str, default=None
        Command line to record.

    Returns
    -------
    run : Run
        The new run.
    """
    from ..callbacks import load_training_state

    parent = run if isinstance(run, Run) else Run(run)
    load_training_state(parent.path / CHECKPOINTS)  # fail before any new folder
    config = parent.config
    params = dict(config.get("params") or {})
    changes = {}
    if max_epochs is not None and max_epochs != params.get("max_epochs"):
        changes["max_epochs"] = {"from": params.get("max_epochs"), "to": max_epochs}
        params["max_epochs"] = max_epochs
    if class_sampling_weights is not None:
        new = None if class_sampling_weights == "none" else class_sampling_weights
        if new != params.get("class_sampling_weights"):
            changes["class_sampling_weights"] = {
                "from": params.get("class_sampling_weights"),
                "to": new,
            }
            params["class_sampling_weights"] = new
    config["params"] = params
    if verbose >= 2:
        config["params"] = {**params, "verbose": 1}
    return _execute(
        config,
        Path(runs_dir) if runs_dir is not None else parent.path.parent,
        verbose=verbose,
        command=command or _argv(),
        parent=parent,
        changes=changes,
    )
