import pickle
import warnings

import joblib
import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GroupKFold, cross_val_score

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.metrics import get_scorer
from affect_sklearn.model_selection import EpochPruning, OptunaSearchCV, make_storage
from affect_sklearn.model_selection._trials import evaluate_trial, record_result

from ..conftest import TINY

optuna.logging.set_verbosity(optuna.logging.WARNING)

C_SPACE = {"C": FloatDistribution(1e-2, 1e2, log=True)}


@pytest.fixture(scope="module")
def tabular():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=40) > 0).astype(int)
    return X, y


class _InOrder(optuna.samplers.BaseSampler):
    """Test sampler: proposes the given values of each parameter in order."""

    def __init__(self, values):
        self.values = values

    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, name, distribution):
        return self.values[name][trial.number % len(self.values[name])]


def test_search_tunes_the_cnn_and_refits(small_faces):
    clf = AffectCNNClassifier(**TINY, random_state=0)
    search = OptunaSearchCV(
        clf,
        {
            "lr": FloatDistribution(1e-3, 3e-2, log=True),
            "dropout": FloatDistribution(0.0, 0.5),
        },
        cv=2,
        n_trials=2,
        random_state=0,
    )
    X, y = small_faces.images[:48], small_faces.target[:48]
    search.fit(X, y)
    assert set(search.best_params_) == {"lr", "dropout"}
    res = search.cv_results_
    assert search.n_trials_ == len(res["params"]) == 2
    assert res["state"].tolist() == ["COMPLETE", "COMPLETE"]
    for key in ("split0_test_score", "mean_test_score", "rank_test_score"):
        assert res[key].shape == (2,)
    assert search.best_score_ == pytest.approx(res["mean_test_score"].max())
    assert res["rank_test_score"][search.best_index_] == 1
    assert search.best_estimator_.lr == search.best_params_["lr"]
    assert search.predict(X[:4]).shape == (4,)
    assert search.predict_proba(X[:4]).shape == (4, 3)
    np.testing.assert_array_equal(search.classes_, [0, 1, 2])
    assert isinstance(search.study_, optuna.Study)


def test_pruning_stops_a_bad_trial(small_faces):
    clf = AffectCNNClassifier(
        **{**TINY, "max_epochs": 3},
        random_state=0,
        net_kwargs={"callbacks": [("prune", EpochPruning("train_loss"))]},
    )
    search = OptunaSearchCV(
        clf,
        {"lr": CategoricalDistribution([3e-2, 1e-7])},  # trial 1 cannot learn
        cv=2,
        n_trials=2,
        sampler=_InOrder({"lr": [3e-2, 1e-7]}),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0),
    )
    search.fit(small_faces.images[:48], small_faces.target[:48])
    assert search.cv_results_["state"].tolist() == ["COMPLETE", "PRUNED"]
    pruned = search.study_.trials[1]
    assert len(pruned.intermediate_values) < 6  # fewer epochs than 2 folds x 3
    assert np.isnan(search.cv_results_["mean_test_score"][1])
    assert search.best_params_ == {"lr": 3e-2}


def test_multimetric_scoring_with_affect_scorer_names(tabular):
    X, y = tabular
    search = OptunaSearchCV(
        LogisticRegression(),
        C_SPACE,
        scoring=["accuracy", "quadratic_kappa"],
        refit="quadratic_kappa",
        cv=2,
        n_trials=3,
        random_state=0,
        return_train_score=True,
    ).fit(X, y)
    res = search.cv_results_
    assert {"mean_test_accuracy", "mean_test_quadratic_kappa"} <= set(res)
    assert "split1_train_accuracy" in res
    best = np.nanargmax(res["mean_test_quadratic_kappa"])
    assert search.best_index_ == best
    assert search.score(X, y) == pytest.approx(
        search.scorer_["quadratic_kappa"](search.best_estimator_, X, y)
    )


def test_regression_scorer_ccc(tabular):
    X, _ = tabular
    y = np.tanh(X[:, :2])
    search = OptunaSearchCV(
        Ridge(),
        {"alpha": FloatDistribution(1e-3, 10, log=True)},
        scoring="ccc",
        cv=2,
        n_trials=2,
        random_state=0,
    ).fit(X, y)
    # the best trial's score is the mean CCC of the two folds, as sklearn gets it
    best = Ridge(alpha=search.best_params_["alpha"])
    expected = cross_val_score(best, X, y, scoring=get_scorer("ccc"), cv=2).mean()
    assert search.best_score_ == pytest.approx(expected)
    assert search.best_score_ > 0.5  # a linear fit of tanh(X) agrees well


def test_multimetric_needs_refit_to_name_a_scorer(tabular):
    search = OptunaSearchCV(
        LogisticRegression(), C_SPACE, scoring=["accuracy", "f1_macro"], n_trials=1
    )
    with pytest.raises(ValueError, match=r"refit must name .*'accuracy', 'f1_macro'"):
        search.fit(*tabular)


def test_param_distributions_must_be_optuna_distributions(tabular):
    search = OptunaSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_trials=1)
    with pytest.raises(
        TypeError, match=r"param_distributions\['C'\].*FloatDistribution"
    ):
        search.fit(*tabular)


def test_unknown_parameter_name_is_rejected(tabular):
    search = OptunaSearchCV(LogisticRegression(), {"lr": C_SPACE["C"]}, n_trials=1)
    with pytest.raises(ValueError, match="'lr', which is not a parameter"):
        search.fit(*tabular)


def test_no_trial_limit_and_no_timeout_is_rejected(tabular):
    search = OptunaSearchCV(LogisticRegression(), C_SPACE, n_trials=None)
    with pytest.raises(ValueError, match="n_trials=None and timeout=None"):
        search.fit(*tabular)


def test_timeout_stops_starting_trials(tabular):
    search = OptunaSearchCV(
        LogisticRegression(), C_SPACE, n_trials=None, timeout=1e-9, cv=2
    ).fit(*tabular)
    assert 1 <= search.n_trials_ <= 2


def test_failed_fits_score_nan_and_report_the_first_error(tabular):
    X, y = tabular
    search = OptunaSearchCV(
        LogisticRegression(), {"tol": FloatDistribution(-2, -1)}, cv=2, n_trials=2
    )
    with pytest.warns(FitFailedWarning, match="tol"):
        with pytest.raises(ValueError, match=r"No trial .* 2 failed.*first error.*tol"):
            search.fit(X, y)
    assert search.cv_results_["state"].tolist() == ["FAIL", "FAIL"]


def test_error_score_raise_raises_and_marks_the_trial_failed(tmp_path, tabular):
    url = f"sqlite:///{tmp_path / 'raise.db'}"
    search = OptunaSearchCV(
        LogisticRegression(),
        {"tol": FloatDistribution(-2, -1)},
        cv=2,
        n_trials=2,
        error_score="raise",
        storage=url,
        study_name="r",
    )
    with pytest.raises(ValueError, match="tol"):
        search.fit(*tabular)
    study = optuna.load_study(study_name="r", storage=url)
    assert [t.state.name for t in study.trials] == ["FAIL"]


def test_sqlite_path_study_resumes_with_load_if_exists(tmp_path, tabular):
    path = tmp_path / "study.db"
    kw = dict(cv=2, n_trials=2, storage=str(path), study_name="s", random_state=0)
    first = OptunaSearchCV(LogisticRegression(), C_SPACE, **kw).fit(*tabular)
    with pytest.raises(ValueError, match="load_if_exists=True to continue"):
        OptunaSearchCV(LogisticRegression(), C_SPACE, **kw).fit(*tabular)
    second = OptunaSearchCV(
        LogisticRegression(), C_SPACE, load_if_exists=True, **kw
    ).fit(*tabular)
    assert first.n_trials_ == 2 and second.n_trials_ == 4
    assert second.best_score_ >= first.best_score_
    assert path.exists()


def test_journal_storage_string(tmp_path, tabular):
    spec = f"journal:{tmp_path / 'logs' / 'study.log'}"
    search = OptunaSearchCV(
        LogisticRegression(), C_SPACE, cv=2, n_trials=2, storage=spec, study_name="j"
    ).fit(*tabular)
    loaded = optuna.load_study(study_name="j", storage=make_storage(spec))
    assert len(loaded.trials) == 2 == search.n_trials_


def test_make_storage_accepts_paths_urls_and_objects(tmp_path):
    from optuna.storages import InMemoryStorage, JournalStorage, RDBStorage

    assert isinstance(make_storage(None), InMemoryStorage)
    assert isinstance(make_storage(tmp_path / "a.db"), RDBStorage)
    assert isinstance(make_storage(f"sqlite:///{tmp_path / 'b.db'}"), RDBStorage)
    assert isinstance(make_storage(f"journal:{tmp_path / 'c.log'}"), JournalStorage)
    mem = InMemoryStorage()
    assert make_storage(mem) is mem
    with pytest.raises(TypeError, match="storage must be None, a file path"):
        make_storage(3)
    with pytest.raises(ValueError, match="needs a file path after the colon"):
        make_storage("journal:")


def test_a_minimising_study_is_rejected(tmp_path, tabular):
    url = f"sqlite:///{tmp_path / 'min.db'}"
    optuna.create_study(storage=url, study_name="m", direction="minimize")
    search = OptunaSearchCV(
        LogisticRegression(), C_SPACE, storage=url, study_name="m", load_if_exists=True
    )
    with pytest.raises(ValueError, match="minimises"):
        search.fit(*tabular)


def test_threads_run_trials_in_parallel(tabular):
    search = OptunaSearchCV(
        LogisticRegression(), C_SPACE, cv=2, n_trials=4, n_jobs=2, random_state=0
    )
    with joblib.parallel_config(backend="threading"):
        search.fit(*tabular)
    assert search.cv_results_["state"].tolist() == ["COMPLETE"] * 4


def test_values_reported_in_another_process_reach_the_study(tabular):
    # a worker process gets a pickled copy of an in-memory study: what it
    # reports must be re-recorded by the driving process
    X, y = tabular
    study = optuna.create_study(direction="maximize")
    trial = study.ask(C_SPACE)
    copy = pickle.loads(pickle.dumps(trial))
    result = evaluate_trial(
        copy, LogisticRegression(), copy.params, X, y,
        [(np.arange(20), np.arange(20, 40))],
        {"score": lambda est, X, y: est.score(X, y)}, {}, np.nan, False,
    )  # fmt: skip
    result["intermediate"] = {0: 0.25, 1: 0.5}
    assert record_result(study, trial, result, "score", np.nan, 0) == "complete"
    frozen = study.trials[0]
    assert frozen.intermediate_values == {0: 0.25, 1: 0.5}
    assert frozen.user_attrs["cv_test_score"] == [result["test"]["score"][0]]


def test_seeded_search_is_reproducible_and_leaves_params_untouched(tabular):
    sampler = optuna.samplers.TPESampler(seed=3)
    search = OptunaSearchCV(
        LogisticRegression(), C_SPACE, cv=2, n_trials=3, sampler=sampler
    )
    first = search.fit(*tabular).cv_results_["param_C"].tolist()
    second = clone(search).fit(*tabular).cv_results_["param_C"].tolist()
    assert first == second
    assert search.get_params()["sampler"] is sampler


def test_refit_false_keeps_best_params_but_cannot_predict(tabular):
    search = OptunaSearchCV(
        LogisticRegression(), C_SPACE, cv=2, n_trials=2, refit=False
    ).fit(*tabular)
    assert "C" in search.best_params_
    assert not hasattr(search, "best_estimator_")
    with pytest.raises(AttributeError, match="refit=False"):
        search.predict(tabular[0])


def test_groups_and_fit_params_follow_the_folds(tabular):
    X, y = tabular
    groups = np.repeat(np.arange(4), 10)
    weights = np.ones(len(y))
    search = OptunaSearchCV(
        DummyClassifier(),
        {"strategy": CategoricalDistribution(["prior", "most_frequent"])},
        cv=GroupKFold(n_splits=4),
        n_trials=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", FitFailedWarning)
        search.fit(X, y, groups=groups, sample_weight=weights)
    assert search.n_splits_ == 4
    assert "split3_test_score" in search.cv_results_
