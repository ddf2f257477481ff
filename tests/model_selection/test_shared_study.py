"""Several processes on one study; a process killed mid-trial."""

import os
import signal
import subprocess
import sys
import time

import optuna
import pytest
from optuna.distributions import FloatDistribution
from sklearn.linear_model import LogisticRegression

from affect_sklearn.model_selection import OptunaSearchCV, make_storage

optuna.logging.set_verbosity(optuna.logging.WARNING)

# A worker: runs OptunaSearchCV on a shared study. With a marker path, its
# estimator touches the marker when a fit starts and then hangs, so the test
# can kill the process in the middle of a trial.
WORKER = """
import sys, time
from pathlib import Path

import numpy as np
import optuna
from optuna.distributions import FloatDistribution
from sklearn.linear_model import LogisticRegression

from affect_sklearn.model_selection import OptunaSearchCV


class HangingClassifier(LogisticRegression):
    def __init__(self, C=1.0, marker=None):
        super().__init__(C=C)
        self.marker = marker

    def fit(self, X, y):
        Path(self.marker).touch()
        time.sleep(600)


def storage_for(spec):
    if spec.startswith("heartbeat:"):  # short heartbeats, so the test need not wait
        return optuna.storages.RDBStorage(
            spec[len("heartbeat:"):], heartbeat_interval=1, grace_period=2
        )
    return spec


spec, n_trials, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rng = np.random.RandomState(0)
X = rng.normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
est = LogisticRegression() if marker == "-" else HangingClassifier(marker=marker)
OptunaSearchCV(
    est, {"C": FloatDistribution(1e-2, 1e2, log=True)}, cv=2, n_trials=n_trials,
    storage=storage_for(spec), study_name="shared", load_if_exists=True,
).fit(X, y)
"""


def _start(tmp_path, spec, n_trials, marker="-"):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, str(script), spec, str(n_trials), marker],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _has_heartbeat(tmp_path):
    """Whether the worker recorded its trial's first heartbeat (a loaded machine
    can be slow to), so the killed trial can be found stale afterwards."""
    import sqlite3

    try:
        with sqlite3.connect(tmp_path / "study.db") as con:
            return con.execute("SELECT COUNT(*) FROM trial_heartbeats").fetchone()[0]
    except sqlite3.Error:
        return False


def _data():
    import numpy as np

    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    return X, (X[:, 0] > 0).astype(int)


def test_two_worker_processes_share_one_sqlite_study(tmp_path):
    spec = str(tmp_path / "study.db")  # the default storage for one machine
    workers = [_start(tmp_path, spec, 3) for _ in range(2)]
    for proc in workers:
        out, _ = proc.communicate(timeout=240)
        assert proc.returncode == 0, out.decode()[-2000:]
    study = optuna.load_study(study_name="shared", storage=make_storage(spec))
    assert sorted(t.number for t in study.trials) == list(range(6))
    assert {t.state.name for t in study.trials} == {"COMPLETE"}
    assert all("cv_test_score" in t.user_attrs for t in study.trials)


def test_a_worker_process_and_this_one_share_a_journal_study(tmp_path):
    spec = f"journal:{tmp_path}/study.log"
    proc = _start(tmp_path, spec, 3)
    X, y = _data()
    search = OptunaSearchCV(
        LogisticRegression(),
        {"C": FloatDistribution(1e-2, 1e2, log=True)},
        cv=2,
        n_trials=3,
        storage=spec,
        study_name="shared",
        load_if_exists=True,
    ).fit(X, y)
    out, _ = proc.communicate(timeout=240)
    assert proc.returncode == 0, out.decode()[-2000:]
    study = optuna.load_study(study_name="shared", storage=make_storage(spec))
    assert sorted(t.number for t in study.trials) == list(range(6))
    assert {t.state.name for t in study.trials} == {"COMPLETE"}
    assert search.n_trials_ >= 3


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_worker_killed_mid_trial_leaves_the_study_usable(tmp_path, kind):
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'study.db'}"
        spec = f"heartbeat:{url}"
        storage = optuna.storages.RDBStorage(url, heartbeat_interval=1, grace_period=2)
    else:
        spec = storage = f"journal:{tmp_path}/j.log"
    marker = tmp_path / "fit-started"
    proc = _start(tmp_path, spec, 3, str(marker))
    deadline = time.monotonic() + 120
    while not marker.exists() or (kind == "sqlite" and not _has_heartbeat(tmp_path)):
        assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the worker never started a fit"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()

    study = optuna.load_study(study_name="shared", storage=make_storage(storage))
    assert [t.state.name for t in study.trials] == ["RUNNING"]
    if kind == "sqlite":
        # past the 2 s grace period: SQLite's CURRENT_TIMESTAMP has whole-second
        # resolution, so wait grace + 1.5 s for the dead trial's beat to be stale
        time.sleep(3.5)

    X, y = _data()
    search = OptunaSearchCV(
        LogisticRegression(),
        {"C": FloatDistribution(1e-2, 1e2, log=True)},
        cv=2,
        n_trials=2,
        storage=storage,
        study_name="shared",
        load_if_exists=True,
    ).fit(X, y)
    states = [t.state.name for t in search.study_.trials]
    # heartbeats mark the dead trial failed; without them it stays RUNNING
    assert states[0] == ("FAIL" if kind == "sqlite" else "RUNNING")
    assert states[1:] == ["COMPLETE", "COMPLETE"]
    assert search.best_params_ and search.predict(X).shape == (40,)
    assert search.cv_results_["trial_number"].tolist() == (
        [0, 1, 2] if kind == "sqlite" else [1, 2]
    )


class _SlowFirstFit(LogisticRegression):
    """LogisticRegression whose first fit in this process sleeps ``delay`` s."""

    fits = []

    def __init__(self, C=1.0, delay=0.0):
        super().__init__(C=C)
        self.delay = delay

    def fit(self, X, y):
        if not self.fits:
            time.sleep(self.delay)
        self.fits.append(1)
        return super().fit(X, y)


@pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")
@pytest.mark.filterwarnings("ignore:Heartbeat of storage:UserWarning")
def test_a_trial_that_dies_during_the_search_is_failed_and_retried(tmp_path):
    # a trial of a "dead process": asked and beaten once, then never again
    try:
        from optuna.storages import RetryHeartbeatStaleTrialCallback as Retry

        on_stale = "heartbeat_stale_trial_callback"
    except ImportError:  # optuna < 4.9
        from optuna.storages import RetryFailedTrialCallback as Retry

        on_stale = "failed_trial_callback"
    storage = optuna.storages.RDBStorage(
        f"sqlite:///{tmp_path / 'study.db'}",
        heartbeat_interval=1,
        grace_period=1,
        **{on_stale: Retry(max_retry=1)},
    )
    space = {"C": FloatDistribution(1e-2, 1e2, log=True)}
    study = optuna.create_study(
        storage=storage, study_name="shared", direction="maximize"
    )
    dead = study.ask(space)
    storage.record_heartbeat(dead._trial_id)
    _SlowFirstFit.fits.clear()
    X, y = _data()
    # fresh when the search starts; stale (SQLite's whole-second clock: > 1 s
    # after at most 2.2 s) by the second ask, which fails it and runs its retry
    search = OptunaSearchCV(
        _SlowFirstFit(delay=2.2),
        space,
        cv=2,
        n_trials=2,
        storage=storage,
        study_name="shared",
        load_if_exists=True,
    ).fit(X, y)
    trials = search.study_.trials
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE", "COMPLETE"]
    assert Retry.retried_trial_number(trials[2]) == 0
    assert trials[2].params == trials[0].params
    assert search.n_trials_ == 3
