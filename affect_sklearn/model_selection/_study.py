"""The study of an OptunaSearchCV: search space, scorers, creation, best trial."""

from __future__ import annotations

import copy
import numbers

import optuna
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state

from ..metrics import get_scorer, get_scorers
from ._storage import make_storage


def check_search_space(estimator, param_distributions, n_trials, timeout):
    """Raise unless every distribution is Optuna's and names a parameter."""
    valid = estimator.get_params(deep=True)
    for name, dist in param_distributions.items():
        if not isinstance(dist, optuna.distributions.BaseDistribution):
            raise TypeError(
                f"param_distributions[{name!r}] must be an Optuna distribution; "
                f"got {type(dist).__name__} ({dist!r}). Use e.g. "
                "optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True) "
                "or CategoricalDistribution([...])."
            )
        if name not in valid:
            raise ValueError(
                f"param_distributions names {name!r}, which is not a parameter "
                f"of {type(estimator).__name__}; valid names are "
                f"{sorted(valid)}."
            )
    if n_trials is None and timeout is None:
        raise ValueError(
            "n_trials=None and timeout=None would search forever; set n_trials "
            "(e.g. n_trials=20) or timeout in seconds."
        )


def check_scorers(estimator, scoring, refit):
    """Scorers as a dict, the key of the one the study maximises, and whether
    there are several."""
    multi = isinstance(scoring, list | tuple | set | dict)
    if not multi:
        if scoring is None:
            scorer = check_scoring(estimator)
        else:
            scorer = get_scorer(scoring)
        return {"score": scorer}, "score", False
    scorers = get_scorers(scoring)
    if not isinstance(refit, str) or refit not in scorers:
        raise ValueError(
            f"With several scorers, refit must name the one to maximise, one "
            f"of {list(scorers)}; got refit={refit!r}."
        )
    return scorers, refit, True


def create_study(search):
    """The maximising study of ``search`` (an OptunaSearchCV) and its storage.

    Copies of ``search.sampler`` and ``search.pruner`` are used (the default
    sampler is a TPE sampler seeded by ``search.random_state``).
    """
    if search.sampler is not None:
        sampler = copy.deepcopy(search.sampler)
    else:
        rs = search.random_state
        if rs is None or isinstance(rs, numbers.Integral):
            seed = rs
        else:
            seed = int(check_random_state(rs).randint(0, 2**31 - 1))
        sampler = optuna.samplers.TPESampler(seed=seed)
    pruner = copy.deepcopy(search.pruner) if search.pruner is not None else None
    storage = make_storage(search.storage)
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=search.study_name,
            sampler=sampler,
            pruner=pruner,
            direction="maximize",
            load_if_exists=search.load_if_exists,
        )
    except optuna.exceptions.DuplicatedStudyError as exc:
        raise ValueError(
            f"storage already holds a study named {search.study_name!r}. Pass "
            "load_if_exists=True to continue it, or choose another study_name."
        ) from exc
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        raise ValueError(
            f"study {study.study_name!r} minimises, but OptunaSearchCV maximises "
            "scores (higher is better). Use a new study_name."
        )
    return study, storage


def best_trial(study, states, errors):
    """The study's best completed trial, or a ValueError saying why there is none.

    ``states`` is the list of the finished trials' states (the ``state``
    column of ``cv_results_``), ``errors`` the errors of this search's failed
    trials.
    """
    try:
        return study.best_trial
    except ValueError as exc:
        first = ""
        if errors:
            err = errors[0]
            if isinstance(err, BaseException):
                err = f"{type(err).__name__}: {err}"
            first = f" The first error was: {err}."
        raise ValueError(
            f"No trial of study {study.study_name!r} completed "
            f"({states.count('PRUNED')} pruned, {states.count('FAIL')} failed)."
            f"{first} Check the estimator with error_score='raise', relax the "
            "pruner, or run more trials."
        ) from exc
