"""Searches on a LocalCluster of 2 worker processes, one of them SIGKILLed.

Unlike test_dask_backend.py (in-process workers), the candidates here are
pickled to other processes, as on a real cluster, and the nanny restarts a
killed worker while the scheduler reruns its tasks elsewhere.
"""

import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from optuna.distributions import FloatDistribution
from sklearn.model_selection import GridSearchCV

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.model_selection import OptunaSearchCV

from ..conftest import TINY
from ._dask_helpers import HangOnce, killed_pid

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.dask

ROOT = str(Path(__file__).resolve().parents[2])
LRS = [1e-3, 1e-2, 5e-2]
# a continuous score: accuracy on 12 tiny faces ties, and then the best trial
# depends on the order in which the trials finish
SCORING = "neg_log_loss"


def _warm():
    import affect_sklearn  # noqa: F401 - import torch once per worker, up front

    return os.getpid()


@pytest.fixture(scope="module")
def client():
    # spawned workers get this process's sys.path: put the repository on it so
    # that they can unpickle tests.model_selection._dask_helpers.HangOnce
    added = ROOT not in sys.path
    if added:
        sys.path.insert(0, ROOT)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    client.run(_warm)
    yield client
    client.close()
    cluster.close()
    if added:
        sys.path.remove(ROOT)


@contextmanager
def _one_thread():
    """The workers run torch on one thread (OMP_NUM_THREADS=1); so does the
    local reference, so that the folds' scores match to the last bit."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _grid(marker=None):
    clf = AffectCNNClassifier(**TINY, random_state=0)
    return GridSearchCV(
        HangOnce(clf, marker), {"estimator__lr": LRS}, cv=2, scoring=SCORING
    )


def _optuna(marker=None):
    clf = AffectCNNClassifier(**TINY, random_state=0)
    return OptunaSearchCV(
        HangOnce(clf, marker),
        {"estimator__lr": FloatDistribution(1e-3, 1e-1, log=True)},
        cv=2,
        scoring=SCORING,
        n_trials=4,
        n_jobs=2,  # trials asked in order: the seeded TPE draws the same lrs
        random_state=0,
    )


@pytest.fixture(scope="module")
def local(tiny_faces):
    """The two searches fitted here, without Dask: the reference."""
    X, y = tiny_faces.images, tiny_faces.target
    with _one_thread():
        return {
            "grid": _grid().fit(X, y),
            "optuna": _optuna().set_params(n_jobs=1).fit(X, y),
        }


def _by_trial(search):
    order = np.argsort(search.cv_results_["trial_number"])
    params = [search.cv_results_["params"][i] for i in order]
    return params, search.cv_results_["mean_test_score"][order]


def _assert_same_search(kind, remote, local):
    assert remote.best_params_ == local.best_params_
    if kind == "grid":
        assert remote.cv_results_["params"] == local.cv_results_["params"]
        np.testing.assert_allclose(
            remote.cv_results_["mean_test_score"],
            local.cv_results_["mean_test_score"],
            rtol=1e-5,
        )
    else:
        assert remote.n_trials_ == local.n_trials_ == 4
        assert list(remote.cv_results_["state"]) == ["COMPLETE"] * 4
        (params, scores), (params0, scores0) = _by_trial(remote), _by_trial(local)
        assert params == params0
        np.testing.assert_allclose(scores, scores0, rtol=1e-5)


@pytest.mark.parametrize("kind", ["grid", "optuna"])
def test_search_on_a_cluster_matches_the_local_run(kind, client, local, tiny_faces):
    search = _grid() if kind == "grid" else _optuna()
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask"):
            search.fit(tiny_faces.images, tiny_faces.target)
    workers = {task["worker"] for task in stream.data}
    # the tasks ran on the cluster; the scheduler may put them all on one of the
    # two workers (seen for the 4-trial Optuna search on a loaded machine)
    assert 1 <= len(workers) <= 2 and stream.data
    _assert_same_search(kind, search, local[kind])


@pytest.mark.parametrize("kind", ["grid", "optuna"])
def test_a_worker_killed_mid_search_loses_nothing(
    kind, client, local, tiny_faces, tmp_path
):
    marker = tmp_path / "hung"
    search = _grid(marker) if kind == "grid" else _optuna(marker)
    pids = set(client.run(os.getpid).values())
    killed = []

    def kill_the_hung_worker():
        pid = killed_pid(marker)
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_the_hung_worker, daemon=True)
    killer.start()
    X, y = tiny_faces.images, tiny_faces.target
    # scatter=[X, y] copies the data to every worker up front; without it
    # joblib scatters X to one worker, and if that is the killed one the
    # scheduler cannot recover the data and cancels the search
    # (FutureCancelledError: "already forgotten")
    with joblib.parallel_config(backend="dask", scatter=[X, y]):
        search.fit(X, y)
    killer.join(timeout=5)
    # a worker process was killed in a fit; the scheduler reran that task on
    # the other worker, the search has every candidate, and the nanny restarted
    # the dead worker
    assert len(killed) == 1 and killed[0] in pids
    _assert_same_search(kind, search, local[kind])
    client.wait_for_workers(2, timeout=120)
    after = set(client.run(os.getpid).values())
    assert len(after) == 2 and killed[0] not in after
