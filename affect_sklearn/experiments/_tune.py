"""Hyperparameter studies over an experiment config with OptunaSearchCV."""

from __future__ import annotations

import datetime
import json
import secrets
from pathlib import Path

import numpy as np
import optuna

from ._config import estimator_class, resolve_config
from ._data import load_experiment_data, targets_for

__all__ = ["parse_distribution", "tune_experiment"]

_SPEC_HELP = (
    "Use 'float:LOW:HIGH', 'float:LOW:HIGH:log', 'int:LOW:HIGH' or "
    "'choice:A,B,C' (or a mapping with type, low, high, log / choices)."
)


def _literal(text):
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_distribution(name, spec):
    """An Optuna distribution from a short spec string or a mapping.

    Parameters
    ----------
    name : str
        Parameter name (for error messages).
    spec : str or dict
        ``"float:1e-4:1e-2:log"``, ``"int:4:16"``, ``"choice:basic,compact"``,
        or ``{"type": "float", "low": 1e-4, "high": 1e-2, "log": True}`` /
        ``{"type": "choice", "choices": [...]}``.

    Returns
    -------
    distribution : optuna.distributions.BaseDistribution

    Examples
    --------
    >>> from affect_sklearn.experiments import parse_distribution
    >>> parse_distribution("lr", "float:1e-4:1e-2:log")
    FloatDistribution(high=0.01, log=True, low=0.0001, step=None)
    """
    dist = optuna.distributions
    if isinstance(spec, str):
        kind, _, rest = spec.partition(":")
        if kind in ("choice", "categorical"):
            spec = {"type": "choice", "choices": [_literal(c) for c in rest.split(",")]}
        else:
            parts = rest.split(":")
            if kind not in ("float", "int") or len(parts) not in (2, 3):
                raise ValueError(
                    f"Search space of {name!r}: cannot read {spec!r}. {_SPEC_HELP}"
                )
            log = len(parts) == 3 and parts[2] == "log"
            if len(parts) == 3 and not log:
                raise ValueError(
                    f"Search space of {name!r}: the third field of {spec!r} must be "
                    f"'log'. {_SPEC_HELP}"
                )
            spec = {"type": kind, "low": parts[0], "high": parts[1], "log": log}
    if not isinstance(spec, dict) or "type" not in spec:
        raise ValueError(f"Search space of {name!r}: got {spec!r}. {_SPEC_HELP}")
    kind = spec["type"]
    try:
        if kind in ("choice", "categorical"):
            choices = [tuple(c) if isinstance(c, list) else c for c in spec["choices"]]
            return dist.CategoricalDistribution(choices)
        if kind == "float":
            return dist.FloatDistribution(
                float(spec["low"]), float(spec["high"]), log=bool(spec.get("log"))
            )
        if kind == "int":
            return dist.IntDistribution(
                int(spec["low"]), int(spec["high"]), log=bool(spec.get("log"))
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"Search space of {name!r}: {spec!r} is invalid ({exc}). {_SPEC_HELP}"
        ) from exc
    raise ValueError(f"Search space of {name!r}: unknown type {kind!r}. {_SPEC_HELP}")


def tune_experiment(
    config,
    runs_dir="runs",
    *,
    n_trials=10,
    cv=3,
    scoring=None,
    timeout=None,
    storage=None,
    study_name=None,
    verbose=1,
):
    """Search the ``search`` space of a config with cross-validation.

    Trials cross-validate on the train and validation parts; the test part
    is not touched. The study is written to
    ``runs_dir/tuning/<stamp>/``: ``trials.csv`` (one row per trial, as
    ``cv_results_``), ``best_params.json`` and ``study.json`` (the config,
    search space, best score). Train the best configuration as a run with
    the returned ``best_params``.

    Parameters
    ----------
    config : dict
        An experiment config with a ``search`` mapping of parameter names to
        distributions (see :func:`parse_distribution`).
    runs_dir : str or Path, default="runs"
        Parent of the ``tuning`` folder.
    n_trials : int, default=10
        Trials to run.
    cv : int, default=3
        Cross-validation folds.
    scoring : str, default=None
        Scorer name (e.g. "f1_macro", "ccc"); None uses the estimator's
        ``score``.
    timeout : float, default=None
        Start no new trial after this many seconds.
    storage, study_name : default=None
        Shared Optuna storage and study name (see
        :class:`~affect_sklearn.model_selection.OptunaSearchCV`); an existing
        study is continued.
    verbose : int, default=1
        >0 prints one line per trial.

    Returns
    -------
    result : dict
        ``best_params``, ``best_score``, ``n_trials`` and ``path``.
    """
    from ..model_selection import OptunaSearchCV

    cfg = resolve_config(config)
    if not cfg["search"]:
        raise ValueError(
            "Nothing to tune: the config has no 'search' mapping. Add e.g. search: "
            "{lr: 'float:1e-4:1e-2:log', width: 'int:4:16'} (or --param on the "
            "command line)."
        )
    space = {k: parse_distribution(k, v) for k, v in cfg["search"].items()}
    data = load_experiment_data(cfg["data"], cfg["seed"])
    idx = np.sort(np.concatenate([data.split.train, data.split.val]))
    X, y = data.images[idx], targets_for(cfg["estimator"], data, idx)
    est = estimator_class(cfg["estimator"])(**cfg["params"])
    search = OptunaSearchCV(
        est,
        space,
        scoring=scoring,
        cv=cv,
        n_trials=n_trials,
        timeout=timeout,
        refit=False,
        storage=storage,
        study_name=study_name,
        load_if_exists=study_name is not None,
        random_state=cfg["seed"],
        verbose=verbose,
    )
    search.fit(X, y)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = Path(runs_dir) / "tuning" / f"{stamp}-{secrets.token_hex(2)}"
    out.mkdir(parents=True)
    import pandas as pd

    results = pd.DataFrame(
        {k: v for k, v in search.cv_results_.items() if k != "params"}
    )
    results.to_csv(out / "trials.csv", index=False)
    best = {
        k: (v.item() if hasattr(v, "item") else v)
        for k, v in search.best_params_.items()
    }
    (out / "best_params.json").write_text(json.dumps(best, indent=2) + "\n")
    study = {
        "config": {k: cfg[k] for k in ("name", "estimator", "seed", "data")},
        "params": {
            k: repr(v) if not isinstance(v, (str, int, float, bool, type(None))) else v
            for k, v in cfg["params"].items()
        },
        "search": {k: repr(v) for k, v in space.items()},
        "scoring": scoring,
        "cv": cv,
        "best_score": float(search.best_score_),
        "n_trials": int(search.n_trials_),
        "study_name": search.study_.study_name,
    }
    (out / "study.json").write_text(json.dumps(study, indent=2, default=str) + "\n")
    return {
        "best_params": best,
        "best_score": float(search.best_score_),
        "n_trials": int(search.n_trials_),
        "path": out,
    }
