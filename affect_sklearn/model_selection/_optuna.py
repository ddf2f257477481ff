"""Hyperparameter search with cross-validation driven by an Optuna study."""

from __future__ import annotations

import numbers
import time
import warnings

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    _fit_context,
    clone,
    is_classifier,
)
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import indexable

from ._delegation import BestEstimatorMixin
from ._results import build_cv_results
from ._study import best_trial, check_scorers, check_search_space, create_study
from ._trials import run_trials

__all__ = ["OptunaSearchCV"]


class OptunaSearchCV(BestEstimatorMixin, MetaEstimatorMixin, BaseEstimator):
    """Search hyperparameters with cross-validation, proposed by an Optuna study.

    The ``GridSearchCV`` interface (``fit``, ``best_params_``,
    ``best_score_``, ``best_estimator_``, ``cv_results_``, ``refit``,
    ``scoring``, ``n_jobs``) with candidates drawn by an Optuna sampler from
    ``param_distributions``. Each trial cross-validates a clone of
    ``estimator``; an :class:`EpochPruning` callback in the estimator lets the
    study's pruner stop bad trials after any epoch. With ``storage`` and
    ``study_name``, processes on one or many machines share a study and a
    crashed run resumes where it stopped (``load_if_exists=True``).

    Parameters
    ----------
    estimator : estimator object
        Estimator (or pipeline) to tune.
    param_distributions : dict of str to optuna.distributions.BaseDistribution
        Search space: parameter names (``get_params`` keys, e.g. ``"lr"`` or
        ``"clf__lr"``) to Optuna distributions, e.g.
        ``FloatDistribution(1e-4, 1e-1, log=True)``.
    scoring : str, callable, list, tuple or dict, default=None
        Our scorer names (``"ccc"``, ``"quadratic_kappa"``, ...) or
        scikit-learn's, a callable scorer, or several of them as a list or a
        ``{name: scorer}`` dict; then ``refit`` names the one to maximise.
        None uses the estimator's ``score``.
    cv : int, cross-validation generator or iterable, default=None
        As in ``GridSearchCV`` (None is 5-fold, stratified for classifiers).
    n_trials : int or None, default=10
        Trials this call runs. On a shared study each process runs its own
        ``n_trials``; None runs until ``timeout``.
    timeout : float or None, default=None
        Start no new trial after this many seconds (the first trial always
        runs).
    n_jobs : int or None, default=None
        Trials run at once through joblib, so ``joblib.parallel_config(
        backend="dask")`` spreads them over a Dask cluster. None means 1
        unless joblib's configuration says otherwise.
    refit : bool or str, default=True
        Refit the best configuration on the whole data as ``best_estimator_``.
        With several scorers, the name of the scorer to maximise (and refit
        on).
    storage : None, str, path-like or optuna storage, default=None
        Where the study lives: None (in memory), a SQLite file path,
        ``"journal:<path>"``, a SQLAlchemy URL or an Optuna storage. See
        :func:`make_storage`.
    study_name : str, default=None
        Name of the study in ``storage`` (None: a new, generated name).
    load_if_exists : bool, default=False
        Continue the study ``study_name`` if ``storage`` already holds it.
    sampler : optuna.samplers.BaseSampler, default=None
        Proposes the trials (None: ``TPESampler`` seeded by ``random_state``).
        A copy is used; the given object is not changed.
    pruner : optuna.pruners.BasePruner, default=None
        Stops unpromising trials reported by :class:`EpochPruning` (None:
        Optuna's ``MedianPruner``).
    error_score : "raise" or float, default=np.nan
        Score of a fold whose fit fails (with a ``FitFailedWarning``);
        "raise" raises the error. A trial with a NaN score is marked failed.
    return_train_score : bool, default=False
        Also score the training folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the default sampler.
    verbose : int, default=0
        >0 prints one line per finished trial.

    Attributes
    ----------
    best_params_ : dict
        Parameters of the best completed trial of the study.
    best_score_ : float
        Its mean cross-validated score (of the ``refit`` scorer).
    best_index_ : int
        Its row in ``cv_results_``.
    best_estimator_ : estimator
        The estimator refitted with ``best_params_`` (``refit`` only).
    cv_results_ : dict of ndarray
        One row per finished trial of the study (all processes), in the
        ``GridSearchCV`` layout plus ``trial_number`` and ``state``
        ("COMPLETE", "PRUNED", "FAIL"); pruned folds are NaN.
    study_ : optuna.study.Study
        The study.
    n_trials_ : int
        Finished trials of the study (rows of ``cv_results_``).
    n_splits_ : int
        Number of cross-validation splits.
    refit_time_ : float
        Seconds spent refitting the best estimator.
    scorer_ : callable or dict
        The scorer(s) used.
    multimetric_ : bool
        Whether several scorers were used.

    Examples
    --------
    >>> from optuna.distributions import FloatDistribution
    >>> from sklearn.linear_model import LogisticRegression
    >>> from affect_sklearn.model_selection import OptunaSearchCV
    >>> X = [[0.0], [0.2], [0.4], [0.6], [0.8], [1.0]] * 2
    >>> y = [0, 0, 0, 1, 1, 1] * 2
    >>> search = OptunaSearchCV(
    ...     LogisticRegression(),
    ...     {"C": FloatDistribution(1e-2, 1e2, log=True)},
    ...     cv=2, n_trials=3, random_state=0,
    ... ).fit(X, y)
    >>> sorted(search.best_params_), search.n_trials_
    (['C'], 3)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "param_distributions": [dict],
        "scoring": [str, callable, list, tuple, set, dict, None],
        "cv": ["cv_object"],
        "n_trials": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "timeout": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "n_jobs": [numbers.Integral, None],
        "refit": ["boolean", str],
        "storage": "no_validation",
        "study_name": [str, None],
        "load_if_exists": ["boolean"],
        "sampler": "no_validation",
        "pruner": "no_validation",
        "error_score": [StrOptions({"raise"}), numbers.Real],
        "return_train_score": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # estimator and param_distributions stay positional, as in GridSearchCV
    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        scoring=None,
        cv=None,
        n_trials=10,
        timeout=None,
        n_jobs=None,
        refit=True,
        storage=None,
        study_name=None,
        load_if_exists=False,
        sampler=None,
        pruner=None,
        error_score=np.nan,
        return_train_score=False,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.scoring = scoring
        self.cv = cv
        self.n_trials = n_trials
        self.timeout = timeout
        self.n_jobs = n_jobs
        self.refit = refit
        self.storage = storage
        self.study_name = study_name
        self.load_if_exists = load_if_exists
        self.sampler = sampler
        self.pruner = pruner
        self.error_score = error_score
        self.return_train_score = return_train_score
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, groups=None, **fit_params):
        """Run the trials, then refit the best configuration on all of X, y.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or sequence of image paths
            Training data, in any form the estimator accepts.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            Targets.
        groups : array-like of shape (n_samples,), default=None
            Group labels for group-aware ``cv`` splitters.
        **fit_params : dict
            Passed to the estimator's ``fit``; sample-aligned arrays are split
            with the folds.

        Returns
        -------
        self : OptunaSearchCV
        """
        check_search_space(
            self.estimator, self.param_distributions, self.n_trials, self.timeout
        )
        scorers, key, multi = check_scorers(self.estimator, self.scoring, self.refit)
        X, y, groups = indexable(X, y, groups)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = list(cv.split(X, y, groups))
        study, storage = create_study(self)
        with warnings.catch_warnings():
            # asking a trial of a heartbeat storage outside Study.optimize warns;
            # the heartbeats are recorded by _Heartbeat here
            warnings.filterwarnings("ignore", message="Heartbeat of storage")
            errors = run_trials(
                self, study, storage, X, y, splits, scorers, key, fit_params
            )

        self.study_, self.scorer_, self.multimetric_ = study, scorers, multi
        if not multi:
            self.scorer_ = scorers["score"]
        self.n_splits_ = len(splits)
        trials = study.get_trials(deepcopy=False)
        self.cv_results_ = build_cv_results(
            trials,
            list(self.param_distributions),
            list(scorers),
            self.n_splits_,
            self.return_train_score,
        )
        self.n_trials_ = len(self.cv_results_["params"])
        best = best_trial(study, self.cv_results_["state"].tolist(), errors)
        self.best_params_ = dict(best.params)
        self.best_score_ = float(best.value)
        numbers_ = self.cv_results_["trial_number"].tolist()
        self.best_index_ = numbers_.index(best.number)
        if self.refit:
            est = clone(self.estimator).set_params(**self.best_params_)
            start = time.perf_counter()
            est.fit(X, y, **fit_params)
            self.refit_time_ = time.perf_counter() - start
            self.best_estimator_ = est
        return self
