"""Running the trials of a study: evaluation in any worker, recording in the driver."""

from __future__ import annotations

import threading
import time
import traceback
import warnings

import numpy as np
import optuna
from joblib import Parallel, delayed
from optuna.trial import TrialState
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _num_samples

from ._context import _trial_context
from ._results import _user_attrs


def _fold_params(fit_params, idx, n_samples):
    """Slice the sample-aligned fit parameters to the fold's rows."""
    out = {}
    for key, value in fit_params.items():
        if hasattr(value, "__len__") and not isinstance(value, str | bytes | dict):
            if _num_samples(value) == n_samples:
                value = _safe_indexing(value, idx)
        out[key] = value
    return out


def evaluate_trial(
    trial,
    estimator,
    params,
    X,
    y,
    splits,
    scorers,
    fit_params,
    error_score,
    return_train_score,
):
    """Cross-validate ``estimator`` with ``params`` for one trial (in any worker).

    Never raises: returns the fold scores, times, the values reported for
    pruning, and the state ("complete", "pruned" or "fail" with the error), so
    the process driving the study can record them in its storage.
    """
    n = _num_samples(X)
    out = {
        "number": trial.number,
        "state": "complete",
        "test": {name: [] for name in scorers},
        "train": {name: [] for name in scorers} if return_train_score else None,
        "fit_time": [],
        "score_time": [],
        "fold_errors": [],
        "error": None,
        "traceback": None,
    }
    estimator = estimator.set_params(**params)
    with _trial_context(trial) as ctx:
        try:
            for train, test in splits:
                est = clone(estimator)
                X_train = _safe_indexing(X, train)
                y_train = None if y is None else _safe_indexing(y, train)
                X_test = _safe_indexing(X, test)
                y_test = None if y is None else _safe_indexing(y, test)
                start = time.perf_counter()
                try:
                    est.fit(X_train, y_train, **_fold_params(fit_params, train, n))
                    fit_time = time.perf_counter() - start
                    test_scores = {
                        k: s(est, X_test, y_test) for k, s in scorers.items()
                    }
                    train_scores = (
                        {k: s(est, X_train, y_train) for k, s in scorers.items()}
                        if return_train_score
                        else None
                    )
                except optuna.TrialPruned:
                    raise
                except Exception as exc:
                    if error_score == "raise":
                        raise
                    fit_time = time.perf_counter() - start
                    out["fold_errors"].append(f"{type(exc).__name__}: {exc}")
                    test_scores = dict.fromkeys(scorers, float(error_score))
                    train_scores = test_scores if return_train_score else None
                out["fit_time"].append(fit_time)
                out["score_time"].append(time.perf_counter() - start - fit_time)
                for key in scorers:
                    out["test"][key].append(float(test_scores[key]))
                    if return_train_score:
                        out["train"][key].append(float(train_scores[key]))
        except optuna.TrialPruned as exc:
            out["state"] = "pruned"
            out["error"] = str(exc)
        except Exception as exc:
            out["state"] = "fail"
            out["error"] = exc
            out["traceback"] = traceback.format_exc()
    out["intermediate"] = dict(ctx.values)
    return out


class _Heartbeat:
    """Record a heartbeat for the running trials of a heartbeat-enabled storage."""

    def __init__(self, storage, running):
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self.storage, self.running, self.interval = storage, running, interval
        self._stop = threading.Event()
        self._thread = None

    def record(self, trial):
        """Beat once now: a trial without any heartbeat is never found stale."""
        if self.interval:
            try:
                # trial ids are private in Optuna, but record_heartbeat needs one
                self.storage.record_heartbeat(trial._trial_id)
            except Exception:  # noqa: BLE001 - a missed beat is not fatal
                pass

    def fail_stale(self, study):
        """Fail the study's trials whose heartbeat stopped (their process died)."""
        if self.interval:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)

    def _beat(self):
        while not self._stop.wait(self.interval):
            for trial in list(self.running.values()):
                self.record(trial)

    def __enter__(self):
        if self.interval:
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def record_result(study, trial, result, key, error_score, verbose):
    """Store a worker's result in the study (from the driving process).

    Re-reports the intermediate values (a worker in another process reported
    them to its copy of an in-memory study), stores the fold scores as user
    attributes and tells the study the trial's state. Returns that state.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # steps the worker reported already
        for step, value in sorted(result["intermediate"].items()):
            trial.report(value, step)
    for name, value in _user_attrs(result).items():
        trial.set_user_attr(name, value)
    for msg in result["fold_errors"]:
        warnings.warn(
            f"Trial {trial.number}: a fold failed to fit and scored "
            f"error_score={error_score!r}: {msg}",
            FitFailedWarning,
            stacklevel=4,
        )
    state, value = result["state"], np.nan
    if state == "complete":
        scores = np.asarray(result["test"][key], dtype=float)
        value = float(np.mean(scores)) if len(scores) else np.nan
        if not np.isfinite(value):
            state = "fail"
    if state == "complete":
        study.tell(trial, value)
    else:
        pruned = state == "pruned"
        study.tell(trial, state=TrialState.PRUNED if pruned else TrialState.FAIL)
    if verbose:
        print(
            f"[OptunaSearchCV] trial {trial.number} {state}: {value:.4g} "
            f"{trial.params}",
            flush=True,
        )
    return state


def run_trials(search, study, storage, X, y, splits, scorers, key, fit_params):
    """Ask, evaluate (through joblib, ``search.n_jobs`` at once) and tell trials.

    Trials are asked lazily, when a worker is free, so the sampler sees every
    result told so far. Returns the errors of failed trials; with
    ``error_score="raise"`` the first one is raised. Trials still running when
    the loop is interrupted are told FAIL rather than left RUNNING.
    """
    running, errors, start = {}, [], time.monotonic()

    def tasks():
        i = 0
        while search.n_trials is None or i < search.n_trials:
            elapsed = time.monotonic() - start
            if i and search.timeout is not None and elapsed > search.timeout:
                return
            # as Study.optimize does before each trial: a trial whose process
            # died (before or during this search) is failed, and retried by the
            # storage's failed_trial_callback, before the next ask
            heartbeat.fail_stale(study)
            trial = study.ask(search.param_distributions)
            running[trial.number] = trial
            heartbeat.record(trial)
            i += 1
            yield delayed(evaluate_trial)(
                trial,
                clone(search.estimator),
                trial.params,
                X,
                y,
                splits,
                scorers,
                fit_params,
                search.error_score,
                search.return_train_score,
            )

    parallel = Parallel(
        n_jobs=search.n_jobs, return_as="generator_unordered", pre_dispatch="n_jobs"
    )
    heartbeat = _Heartbeat(storage, running)
    try:
        with heartbeat:
            for result in parallel(tasks()):
                trial = running.pop(result["number"])
                state = record_result(
                    study, trial, result, key, search.error_score, search.verbose
                )
                if state == "fail" and result["error"] is not None:
                    errors.append(result["error"])
                    if search.error_score == "raise":
                        raise result["error"]
                elif state == "fail" and result["fold_errors"]:
                    errors.append(result["fold_errors"][0])
    finally:
        for trial in list(running.values()):
            try:
                study.tell(trial, state=TrialState.FAIL)
            except Exception:  # noqa: BLE001 - best effort while unwinding
                pass
    return errors
