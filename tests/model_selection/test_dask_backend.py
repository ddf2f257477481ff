"""GridSearchCV and OptunaSearchCV under joblib's Dask backend (one line changes)."""

import joblib
import numpy as np
import pytest
from optuna.distributions import FloatDistribution
from sklearn.model_selection import GridSearchCV

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.model_selection import EpochPruning, OptunaSearchCV

from ..conftest import TINY

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def dask_client():
    # In-process workers keep the test fast; a real cluster only changes how
    # the Client is made (e.g. Client("tcp://scheduler:8786")).
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _clf():
    return AffectCNNClassifier(
        **TINY,
        early_stopping=2,
        random_state=0,
        net_kwargs={"callbacks": [("prune", EpochPruning("valid_acc"))]},
    )


def test_grid_search_runs_on_dask(dask_client, tiny_faces):
    grid = GridSearchCV(_clf(), {"lr": [1e-3, 1e-2]}, cv=2, n_jobs=2)
    with distributed.get_task_stream(dask_client) as stream:
        with joblib.parallel_config(backend="dask"):
            grid.fit(tiny_faces.images, tiny_faces.target)
    assert len(stream.data) >= 4  # 2 candidates x 2 folds ran as Dask tasks
    scores = grid.cv_results_["mean_test_score"]
    assert [p["lr"] for p in grid.cv_results_["params"]] == [1e-3, 1e-2]
    assert grid.best_params_["lr"] == [1e-3, 1e-2][int(np.argmax(scores))]
    # The fold scores are not compared with a serial search: the in-process
    # workers are threads, and fits running at once in threads share torch's
    # global generator that random_state seeds. The refit runs alone, here, and
    # gives exactly the estimator a plain fit with the best parameters gives.
    X, y = tiny_faces.images, tiny_faces.target
    plain = _clf().set_params(**grid.best_params_).fit(X, y)
    np.testing.assert_array_equal(
        grid.best_estimator_.predict_proba(X), plain.predict_proba(X)
    )


def test_optuna_search_runs_on_dask(dask_client, tiny_faces):
    search = OptunaSearchCV(
        _clf(),
        {"lr": FloatDistribution(1e-3, 1e-1, log=True)},
        cv=2,
        n_trials=3,
        n_jobs=2,
        random_state=0,
    )
    with distributed.get_task_stream(dask_client) as stream:
        with joblib.parallel_config(backend="dask"):
            search.fit(tiny_faces.images, tiny_faces.target)
    assert len(stream.data) >= 3  # the trials ran as Dask tasks
    assert search.n_trials_ == 3
    assert set(search.cv_results_["state"]) <= {"COMPLETE", "PRUNED"}
