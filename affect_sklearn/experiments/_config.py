"""Experiment configurations: read YAML/JSON files, fill defaults, check every key."""

from __future__ import annotations

import copy
import json
import numbers
from pathlib import Path

import yaml

__all__ = ["ESTIMATORS", "load_config", "resolve_config"]

ESTIMATORS = {
    "classifier": "AffectCNNClassifier",
    "regressor": "AffectCNNRegressor",
    "multitask": "AffectCNNMultiTask",
}
_TOP_KEYS = ("name", "estimator", "seed", "params", "data", "search")
# keys a run adds to its config.json; ignored when that file is used as a config
_RECORD_KEYS = (
    "run_id",
    "created",
    "command",
    "estimator_class",
    "versions",
    "device",
    "data_fingerprint",
    "data_summary",
    "parent",
    "changes",
)
DATA_DEFAULTS = {
    "path": None,
    "format": "auto",
    "n_samples": 300,
    "image_size": None,
    "n_classes": 7,
    "noise": 0.05,
    "color_mode": "grayscale",
    "split": "random",
    "test_size": 0.2,
    "val_size": 0.1,
    "max_train": None,
}
_FORMATS = ("auto", "synthetic", "fer2013", "folder", "affectnet")
# parameters a run sets itself (the checkpoint folder is inside the run folder)
_RUN_OWNED = ("checkpoint_dir", "warm_start")


def estimator_class(name):
    """The estimator class for a config's ``estimator`` entry."""
    import affect_sklearn

    if name not in ESTIMATORS:
        raise ValueError(
            f"estimator must be one of {sorted(ESTIMATORS)}; got {name!r}. Use "
            "'classifier' for expression labels, 'regressor' for valence/arousal "
            "and 'multitask' for both."
        )
    return getattr(affect_sklearn, ESTIMATORS[name])


def load_config(path):
    """Read an experiment configuration from a YAML or JSON file.

    Parameters
    ----------
    path : str or Path
        ``*.yaml``/``*.yml`` or ``*.json``. A run's ``config.json`` is
        accepted and repeats the run.

    Returns
    -------
    config : dict
        The raw configuration (see :func:`resolve_config`).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"The config file {str(path)!r} does not exist.")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            config = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"{str(path)!r} is not valid YAML: {exc}") from exc
    else:
        try:
            config = json.loads(text)
        except ValueError as exc:
            raise ValueError(
                f"{str(path)!r} is not valid JSON ({exc}). Name YAML files *.yaml."
            ) from exc
    if not isinstance(config, dict):
        raise ValueError(
            f"{str(path)!r} must hold a mapping with keys such as 'estimator', "
            f"'params' and 'data'; got a {type(config).__name__}."
        )
    return config


def _check_mapping(value, name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a mapping; got {type(value).__name__}.")
    return dict(value)


def resolve_config(config):
    """Check a configuration and fill in every default.

    Parameters
    ----------
    config : dict
        ``estimator`` ("classifier", "regressor" or "multitask"), ``params``
        (estimator parameters), ``data`` (``path`` or synthetic settings and
        the split), ``seed``, ``name`` and, for tuning, ``search``.

    Returns
    -------
    config : dict
        A new dict with all keys, ``params`` holding the estimator's full
        parameter set (defaults included) with ``random_state`` set to ``seed``
        unless given.

    Examples
    --------
    >>> from affect_sklearn.experiments import resolve_config
    >>> cfg = resolve_config({"params": {"backbone": "basic"}, "seed": 3})
    >>> cfg["estimator"], cfg["params"]["random_state"], cfg["data"]["split"]
    ('classifier', 3, 'random')
    """
    config = copy.deepcopy(_check_mapping(config, "config"))
    for key in _RECORD_KEYS:
        config.pop(key, None)
    unknown = sorted(set(config) - set(_TOP_KEYS))
    if unknown:
        raise ValueError(
            f"Unknown config keys {unknown}; valid keys are {list(_TOP_KEYS)}. "
            "Estimator parameters go under 'params', data settings under 'data'."
        )
    name = config.get("estimator", "classifier")
    cls = estimator_class(name)
    seed = config.get("seed", 0)
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}.")
    params = _check_mapping(config.get("params"), "params")
    for key in _RUN_OWNED:
        params.pop(key, None)
    valid = cls().get_params(deep=False)
    bad = sorted(set(params) - set(valid))
    if bad:
        raise ValueError(
            f"params has keys {bad} that {cls.__name__} does not take; valid "
            f"parameters are {sorted(valid)}."
        )
    if isinstance(params.get("image_shape"), list):
        params["image_shape"] = tuple(params["image_shape"])
    params.setdefault("random_state", int(seed))
    resolved_params = {**valid, **params}
    for key in _RUN_OWNED:
        resolved_params.pop(key, None)
    data = _check_mapping(config.get("data"), "data")
    bad = sorted(set(data) - set(DATA_DEFAULTS))
    if bad:
        raise ValueError(
            f"data has keys {bad}; valid keys are {sorted(DATA_DEFAULTS)}."
        )
    data = {**DATA_DEFAULTS, **data}
    if data["format"] not in _FORMATS:
        raise ValueError(
            f"data.format must be one of {list(_FORMATS)}; got {data['format']!r}."
        )
    if data["path"] is None and data["format"] not in ("auto", "synthetic"):
        raise ValueError(
            f"data.format={data['format']!r} needs data.path; got none. Set the "
            "path, or leave it out for synthetic faces."
        )
    cap = data["max_train"]
    if cap is not None and (
        not isinstance(cap, numbers.Integral) or isinstance(cap, bool) or cap < 1
    ):
        raise ValueError(
            f"data.max_train must be a positive integer or None; got {cap!r}."
        )
    search = _check_mapping(config.get("search"), "search")
    return {
        "name": config.get("name"),
        "estimator": name,
        "seed": int(seed),
        "params": resolved_params,
        "data": data,
        "search": search,
    }
