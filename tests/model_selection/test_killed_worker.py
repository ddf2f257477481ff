"""Worker processes on one PostgreSQL (or journal) study, one SIGKILLed mid-trial.

The workers are forked from the test process (no second torch import, so each
starts in milliseconds); each runs its own ``OptunaSearchCV`` on the shared
study, as processes on several machines would.
"""

import json
import multiprocessing
import os
import signal
import time
import uuid
from pathlib import Path

import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.storages import RDBStorage
from optuna.trial import TrialState
from sklearn.linear_model import LogisticRegression

from affect_sklearn.model_selection import OptunaSearchCV, make_storage

try:
    from optuna.storages import RetryHeartbeatStaleTrialCallback as Retry

    ON_STALE = "heartbeat_stale_trial_callback"
except ImportError:  # optuna < 4.9
    from optuna.storages import RetryFailedTrialCallback as Retry

    ON_STALE = "failed_trial_callback"

optuna.logging.set_verbosity(optuna.logging.WARNING)
pytestmark = [
    pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning"),
    pytest.mark.skipif(
        "fork" not in multiprocessing.get_all_start_methods(),
        reason="the workers are forked",
    ),
]

SPACE = {"C": FloatDistribution(1e-2, 1e2, log=True)}
GRACE = 1  # seconds without a heartbeat before a RUNNING trial counts as dead


class _Worker(LogisticRegression):
    """LogisticRegression whose fit can announce itself, hang, or wait for a gate.

    ``started``: touch this file when a fit starts. ``hang``: then sleep until
    killed. ``gate``: wait for this file before fitting. ``delay``: seconds to
    sleep in each fit (so a search outlasts the grace period).
    """

    def __init__(self, C=1.0, started=None, hang=False, gate=None, delay=0.0):
        super().__init__(C=C)
        self.started, self.hang, self.gate, self.delay = started, hang, gate, delay

    def fit(self, X, y):
        if self.started:
            Path(self.started).touch()
        if self.hang:
            time.sleep(600)
        deadline = time.monotonic() + 120
        while self.gate and not Path(self.gate).exists():
            assert time.monotonic() < deadline, "the test never opened the gate"
            time.sleep(0.02)
        time.sleep(self.delay)
        return super().fit(X, y)


def _data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] + 0.5 * rng.normal(size=40) > 0).astype(int)


def _storage(spec):
    """Heartbeat every second and one retry of a dead trial (postgres), or journal.

    A ``url:`` prefix passes the URL string as is (make_storage's heartbeat).
    """
    if spec.startswith("url:"):
        return spec[len("url:") :]
    if spec.startswith("journal:"):
        return spec  # JournalStorage has no heartbeat in Optuna
    return RDBStorage(
        spec,
        heartbeat_interval=1,
        grace_period=GRACE,
        **{ON_STALE: Retry(max_retry=1)},
    )


def _search(spec, study_name, n_trials, seed, **worker):
    X, y = _data()
    return OptunaSearchCV(
        _Worker(**worker),
        SPACE,
        cv=2,
        n_trials=n_trials,
        storage=_storage(spec),
        study_name=study_name,
        load_if_exists=True,
        random_state=seed,
        refit=False,
    ).fit(X, y)


def _run_worker(spec, study_name, n_trials, seed, out, worker):
    search = _search(spec, study_name, n_trials, seed, **worker)
    Path(out).write_text(json.dumps({"best_params": search.best_params_}))


def _fork(spec, study_name, n_trials, seed, out, **worker):
    proc = multiprocessing.get_context("fork").Process(
        target=_run_worker, args=(spec, study_name, n_trials, seed, str(out), worker)
    )
    proc.start()
    return proc


def _wait_for(path, *procs, timeout=60):
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        for proc in procs:
            assert proc.exitcode is None, f"worker exited with {proc.exitcode}"
        assert time.monotonic() < deadline, f"no {Path(path).name} after {timeout} s"
        time.sleep(0.02)


def _best_complete(trials):
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    return max(done, key=lambda t: t.value)


@pytest.mark.postgres
def test_two_workers_share_a_postgres_study_given_by_its_url(postgres_url, tmp_path):
    name = f"share-{uuid.uuid4().hex}"
    spec = f"url:{postgres_url}"  # the plain URL string, as a user passes it
    # a new database's tables once, before the workers start (RDBStorage does
    # not guard against two processes creating them at once; this test was
    # flaky on a fresh server); the workers then create the study themselves
    make_storage(postgres_url).engine.dispose()
    workers = [
        _fork(spec, name, 3, seed, tmp_path / f"w{seed}.json") for seed in (0, 1)
    ]
    for proc in workers:
        proc.join(120)
        assert proc.exitcode == 0
    X, y = _data()
    search = OptunaSearchCV(
        LogisticRegression(),
        SPACE,
        cv=2,
        n_trials=1,
        storage=postgres_url,
        study_name=name,
        load_if_exists=True,
        random_state=2,
    ).fit(X, y)
    trials = search.study_.trials
    assert sorted(t.number for t in trials) == list(range(7))
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 7
    assert search.n_trials_ == 7
    best = _best_complete(trials)
    assert search.best_params_ == best.params and search.best_score_ == best.value


@pytest.mark.parametrize(
    "kind", [pytest.param("postgres", marks=pytest.mark.postgres), "journal"]
)
def test_worker_killed_mid_trial_the_study_goes_on(kind, request, tmp_path):
    """A hangs in its first trial and is SIGKILLed while B waits mid-trial; B
    then runs its 3 trials and C (this process) 2 more on the same study."""
    if kind == "postgres":
        spec = request.getfixturevalue("postgres_url")
    else:
        spec = f"journal:{tmp_path / 'study.log'}"
    name = f"killed-{uuid.uuid4().hex}"
    # create the study (and a new database's tables) once, before the workers
    # start, as with `optuna create-study`: RDBStorage does not guard against
    # two processes creating the tables of a new database at once
    storage = make_storage(_storage(spec))
    optuna.create_study(storage=storage, study_name=name, direction="maximize")
    if kind == "postgres":
        storage.engine.dispose()  # no pooled connection shared with the forks
    a_started, b_started, gate = (tmp_path / n for n in ("a", "b", "gate"))
    a = _fork(spec, name, 2, 0, tmp_path / "a.json", started=a_started, hang=True)
    b = _fork(
        spec, name, 3, 1, tmp_path / "b.json", started=b_started, gate=gate, delay=0.5
    )
    _wait_for(a_started, a)
    _wait_for(b_started, b)
    os.kill(a.pid, signal.SIGKILL)  # mid-trial: A is inside its estimator's fit
    a.join(30)
    killed_at = time.monotonic()
    assert a.exitcode == -signal.SIGKILL
    gate.touch()  # B goes on; each of its fits now takes 0.5 s
    b.join(120)
    assert b.exitcode == 0
    b_result = json.loads((tmp_path / "b.json").read_text())

    trials = optuna.load_study(study_name=name, storage=storage).trials
    states = sorted(t.state.name for t in trials)
    if kind == "postgres":
        # B (the only live worker) failed A's trial once its heartbeat was
        # GRACE s old, and ran the retry (a copy with the same params) as one
        # of its own 3 trials
        assert states == ["COMPLETE"] * 3 + ["FAIL"]
        (failed,) = [t for t in trials if t.state == TrialState.FAIL]
        (retry,) = [t for t in trials if t.system_attrs.get("failed_trial") is not None]
        assert Retry.retried_trial_number(retry) == failed.number
        assert retry.state == TrialState.COMPLETE and retry.params == failed.params
    else:
        # no heartbeat in a journal: the dead trial stays RUNNING, never retried
        assert states == ["COMPLETE"] * 3 + ["RUNNING"]
    assert b_result["best_params"] == _best_complete(trials).params

    time.sleep(max(0.0, killed_at + GRACE + 0.5 - time.monotonic()))
    search = _search(spec, name, 2, 2)  # a third worker, started afterwards
    trials = search.study_.trials
    states = sorted(t.state.name for t in trials)
    assert len(trials) == 6
    if kind == "postgres":
        assert states == ["COMPLETE"] * 5 + ["FAIL"]
        assert search.n_trials_ == 6  # the FAIL trial is a row of cv_results_
    else:
        assert states == ["COMPLETE"] * 5 + ["RUNNING"]
        assert search.n_trials_ == 5  # a RUNNING trial is not
    done = search.cv_results_["state"] == "COMPLETE"
    assert np.isfinite(search.cv_results_["mean_test_score"][done]).all()
    best = _best_complete(trials)
    assert search.best_params_ == best.params and search.best_score_ == best.value
