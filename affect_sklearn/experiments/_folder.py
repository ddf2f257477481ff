"""Run folders: their layout, the Run view of one, and loading saved models."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd

from ..callbacks._training_state import HISTORY_FILE
from ._config import ESTIMATORS

__all__ = ["CHECKPOINTS", "FILES", "Run", "load_model"]

CHECKPOINTS = "checkpoints"
# files of a finished run folder
FILES = {
    "config": "config.json",
    "history": "history.csv",
    "metrics": "metrics.json",
    "report": "classification_report.txt",
    "model": "model.joblib",
    "weights": "model.pt",
    "split": "split.json",
    "predictions": "predictions_test.csv",
}


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def _write_json(path, payload):
    text = json.dumps(payload, indent=2, default=_json_default, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def _versions():
    import sklearn
    import skorch
    import torch

    from .. import __version__

    out = {
        "affect_sklearn": __version__,
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        import torchvision

        out["torchvision"] = torchvision.__version__
    except ImportError:  # pragma: no cover - a dependency
        pass
    return out


def _say(verbose, message):
    if verbose:
        print(message, flush=True)


class Run:
    """A run folder: its configuration, history, metrics and model.

    Parameters
    ----------
    path : str or Path
        The folder (it must hold ``config.json``).

    Attributes
    ----------
    path : Path
        The folder.
    id : str
        The run id (the folder name, or the promoted run's id in ``best/``).

    Examples
    --------
    >>> from affect_sklearn.experiments import Run
    >>> Run("no/such/run")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: 'no/such/run' is not a run folder: it has no config.json...
    """

    def __init__(self, path):
        self.path = Path(path)
        if not (self.path / FILES["config"]).is_file():
            raise FileNotFoundError(
                f"{str(path)!r} is not a run folder: it has no config.json. Pass a "
                "folder written by `affect-sklearn train` (see `affect-sklearn runs`)."
            )

    def __repr__(self):
        return f"Run({str(self.path)!r}, status={self.status!r})"

    @property
    def config(self):
        """The run's config.json as a dict."""
        return json.loads((self.path / FILES["config"]).read_text(encoding="utf-8"))

    @property
    def id(self):
        return self.config.get("run_id", self.path.name)

    @property
    def metrics(self):
        """metrics.json as a dict, or None while the run is incomplete."""
        path = self.path / FILES["metrics"]
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    @property
    def status(self):
        """ "finished" when metrics.json exists, else "incomplete"."""
        return "finished" if (self.path / FILES["metrics"]).is_file() else "incomplete"

    @property
    def history(self):
        """The per-epoch history (history.csv, or the last checkpoint's)."""
        path = self.path / FILES["history"]
        if path.is_file():
            return pd.read_csv(path)
        last = self.path / CHECKPOINTS / HISTORY_FILE
        if last.is_file():
            rows = json.loads(last.read_text())
            return pd.DataFrame(
                [{k: v for k, v in r.items() if k != "batches"} for r in rows]
            )
        return pd.DataFrame()

    def load_model(self, kind="joblib"):
        """Load the fitted estimator.

        Parameters
        ----------
        kind : {"joblib", "weights"}, default="joblib"
            ``model.joblib`` (pickle: load only runs you trust) or the
            weights-only ``model.pt`` (no code is unpickled).

        Returns
        -------
        estimator : fitted estimator
        """
        if kind not in ("joblib", "weights"):
            raise ValueError(f"kind must be 'joblib' or 'weights'; got {kind!r}.")
        return load_model(self.path / FILES["model" if kind == "joblib" else "weights"])


def load_model(path):
    """Load a fitted estimator: a run folder, a ``.joblib`` or ``.pt`` file, or a
    shipped model.

    Parameters
    ----------
    path : str or Path
        A run folder (its ``model.joblib``), a joblib file, a weights file
        written by ``estimator.save``, or the name of a model shipped with the
        package (``"fer2013"``, when no file of that name exists).

    Returns
    -------
    estimator : fitted estimator
    """
    import torch

    from ..pretrained import pretrained_names

    if str(path) in pretrained_names() and not Path(path).exists():
        from ..estimators import AffectCNNClassifier

        return AffectCNNClassifier.from_pretrained(str(path))
    path = Path(path)
    if path.is_dir():
        Run(path)  # a clear error when it is not a run folder
        path = path / FILES["model"]
        if not path.is_file():
            raise FileNotFoundError(
                f"The run {str(path.parent)!r} has no model.joblib: it did not finish. "
                f"Resume it with `affect-sklearn train --resume {path.parent}`."
            )
    if not path.is_file():
        raise FileNotFoundError(f"The model file {str(path)!r} does not exist.")
    if path.suffix == ".pt":
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
            name = json.loads(blob["meta"])["estimator"]
        except Exception as exc:  # noqa: BLE001 - any failure means a bad file
            raise ValueError(
                f"{str(path)!r} is not a readable weights file written by "
                f"estimator.save() ({type(exc).__name__}); it may be truncated."
            ) from exc
        import affect_sklearn

        if name not in ESTIMATORS.values():
            raise ValueError(f"{str(path)!r} holds an unknown estimator {name!r}.")
        return getattr(affect_sklearn, name).load(path)
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # noqa: BLE001
        raise ValueError(
            f"Could not load the model {str(path)!r} ({type(exc).__name__}: {exc}); "
            "the file is truncated, corrupt or not a joblib file."
        ) from exc
