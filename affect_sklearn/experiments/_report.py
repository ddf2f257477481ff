"""Re-evaluate saved models and re-draw the plots of a run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ._artifacts import write_plots
from ._config import DATA_DEFAULTS
from ._data import load_experiment_data, targets_for
from ._evaluate import score_estimator, task_of
from ._folder import FILES, Run, load_model

__all__ = ["evaluate_model", "redraw_plots"]

_PARTS = ("train", "val", "test", "all")


def _run_data(run):
    config = run.config
    data = load_experiment_data(config["data"], config["seed"])
    if data.fingerprint != config.get("data_fingerprint"):
        raise ValueError(
            f"The data of run {run.id!r} changed since it ran (fingerprint "
            f"{str(config.get('data_fingerprint'))[:12]}... then, "
            f"{data.fingerprint[:12]}... now)."
        )
    split_file = run.path / FILES["split"]
    if split_file.is_file():
        from ..datasets import load_split_manifest

        data.split = load_split_manifest(split_file, y=data.labels)
    return data


def evaluate_model(model, data=None, *, part=None, seed=0):
    """Score a saved model on one part of a data set.

    Parameters
    ----------
    model : Run, str, Path or fitted estimator
        A run folder, a ``.joblib``/``.pt`` model file or an estimator.
    data : dict, default=None
        A ``data`` config section (``path`` etc., see
        :func:`resolve_config`). None uses the run's own data and split (a
        run folder is needed then).
    part : {"train", "val", "test", "all"}, default=None
        Part to score: "test" for a run's data, "all" for other data.
    seed : int, default=0
        Seed of synthetic data and of a random split (other data only).

    Returns
    -------
    report : dict
        The metrics (``affect_report`` keys, NaN as None).
    predictions : pandas.DataFrame
        Truth and predictions per face, with the row ``index``.
    """
    run = None
    if isinstance(model, Run):
        run = model
    elif isinstance(model, (str, Path)) and Path(model).is_dir():
        run = Run(model)
    if run is not None:
        est = run.load_model()
    elif isinstance(model, (str, Path)):
        est = load_model(model)
    else:
        est = model
    task = task_of(est)
    if data is None:
        if run is None:
            raise ValueError(
                "evaluate_model needs data= (e.g. {'path': 'fer2013.csv'}) when the "
                "model is not a run folder; got a model file or estimator only."
            )
        loaded = _run_data(run)
        part = part or "test"
    else:
        bad = sorted(set(data) - set(DATA_DEFAULTS))
        if bad:
            raise ValueError(
                f"data has keys {bad}; valid keys are {sorted(DATA_DEFAULTS)}."
            )
        loaded = load_experiment_data({**DATA_DEFAULTS, **data}, seed)
        part = part or "all"
    if part not in _PARTS:
        raise ValueError(f"part must be one of {list(_PARTS)}; got {part!r}.")
    if part == "all":
        idx = np.arange(len(loaded.labels))
    else:
        idx = np.asarray(loaded.split[part])
    if not len(idx):
        raise ValueError(
            f"The {part} part of this split is empty; choose another part."
        )
    frame, report = score_estimator(
        est, loaded.images[idx], targets_for(task, loaded, idx)
    )
    frame.insert(0, "index", idx)
    return report, frame


def redraw_plots(run, *, dpi=100):
    """Draw the plots of a run again from its files.

    Learning curves come from ``history.csv`` (or the last checkpoint of an
    unfinished run), the confusion matrices, recall bars and valence/arousal
    plots from ``predictions_test.csv``, and the face grid from the run's
    data, loaded again and checked against its fingerprint.

    Parameters
    ----------
    run : Run, str or Path
        The run folder.
    dpi : int, default=100
        Resolution of the PNG files.

    Returns
    -------
    paths : list of Path
        The files written.
    notes : list of str
        What could not be drawn, and why.
    """
    run = run if isinstance(run, Run) else Run(run)
    notes = []
    pred_file = run.path / FILES["predictions"]
    history = run.history
    if not pred_file.is_file():
        notes.append(
            "the run has no predictions_test.csv (unfinished): only the learning "
            "curves were drawn"
        )
        if not len(history):
            raise ValueError(
                f"The run {run.id!r} has neither a history nor predictions to plot: "
                "it stopped before its first epoch ended."
            )
        frame = pd.DataFrame({"index": []})
        return write_plots(
            run.path, history=history, frame=frame, classes=None, dpi=dpi
        ), notes
    frame = pd.read_csv(pred_file)
    if "true" in frame:
        frame["true"] = frame["true"].astype(str)
        frame["pred"] = frame["pred"].astype(str)
    classes = (run.metrics or {}).get("classes")
    images = None
    try:
        images = _run_data(run).images[frame["index"].to_numpy()]
    except Exception as exc:  # noqa: BLE001 - the other plots still get drawn
        notes.append(f"the face grid was skipped: {exc}")
    paths = write_plots(
        run.path,
        history=history,
        frame=frame,
        classes=classes,
        images=images,
        dpi=dpi,
    )
    return paths, notes
