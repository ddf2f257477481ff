"""Tests for get_scorer, get_scorers and the scorers in model selection and skorch."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from affect_sklearn.metrics import (
    ccc_score,
    get_scorer,
    get_scorer_names,
    get_scorers,
    rmse,
)

REGRESSION_SCORERS = [
    f"{base}{suffix}"
    for base in ("ccc", "sagr", "pearson", "neg_rmse")
    for suffix in ("", "_valence", "_arousal")
]
CLASSIFICATION_SCORERS = [
    "cohen_kappa",
    "linear_kappa",
    "quadratic_kappa",
    "krippendorff_alpha",
    "krippendorff_alpha_ordinal",
    "krippendorff_alpha_interval",
    "auroc",
    "aupr",
]


@pytest.fixture(scope="module")
def va_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.tanh(X @ rng.normal(size=(3, 2)) * 0.5) + rng.normal(0, 0.1, (40, 2))
    return X, y


@pytest.fixture(scope="module")
def class_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    y = np.argmax(X @ rng.normal(size=(3, 3)) + rng.normal(0, 0.5, (60, 3)), axis=1)
    return X, y


def test_names_cover_both_tasks():
    names = get_scorer_names()
    assert names == sorted(names)
    assert set(REGRESSION_SCORERS + CLASSIFICATION_SCORERS) == set(names)


@pytest.mark.parametrize("name", REGRESSION_SCORERS + CLASSIFICATION_SCORERS)
def test_scorers_are_sklearn_scorers_and_pickle(name):
    scorer = get_scorer(name)
    assert isinstance(scorer, skm._scorer._BaseScorer)
    method = "predict_proba" if name in ("auroc", "aupr") else "predict"
    assert scorer._response_method == method
    assert scorer._sign == (-1 if name.startswith("neg_") else 1)
    assert repr(pickle.loads(pickle.dumps(scorer))) == repr(scorer)


@pytest.mark.parametrize("name", REGRESSION_SCORERS)
def test_regression_scorer_in_grid_search(name, va_data):
    X, y = va_data
    search = GridSearchCV(
        Ridge(), {"alpha": [0.1, 10.0]}, cv=2, scoring=get_scorer(name)
    )
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize("name", CLASSIFICATION_SCORERS)
def test_classification_scorer_in_grid_search(name, class_data):
    X, y = class_data
    search = GridSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, scoring=get_scorer(name)
    )
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_scorer_values_and_signs(va_data):
    X, y = va_data
    reg = Ridge().fit(X, y)
    pred = reg.predict(X)
    assert get_scorer("ccc")(reg, X, y) == pytest.approx(ccc_score(y, pred))
    assert get_scorer("ccc_valence")(reg, X, y) == pytest.approx(
        ccc_score(y[:, 0], pred[:, 0])
    )
    assert get_scorer("ccc_arousal")(reg, X, y) == pytest.approx(
        ccc_score(y[:, 1], pred[:, 1])
    )
    assert get_scorer("neg_rmse")(reg, X, y) == pytest.approx(-rmse(y, pred))


def test_output_scorer_needs_two_columns(va_data):
    X, y = va_data
    reg = Ridge().fit(X, y[:, 0])
    assert np.isfinite(get_scorer("ccc_valence")(reg, X, y[:, 0]))
    with pytest.raises(ValueError, match=r"ccc_arousal scores column 1 .*\(40, 1\)"):
        get_scorer("ccc_arousal")(reg, X, y[:, 0])


def test_sklearn_fallback_and_passthrough():
    assert repr(get_scorer("r2")) == repr(skm.get_scorer("r2"))

    def custom(estimator, X, y):
        return 0.0

    assert get_scorer(custom) is custom


def test_unknown_name_raises_with_suggestion():
    with pytest.raises(ValueError, match=r"Unknown scorer 'cc'\. Did you mean 'ccc'"):
        get_scorer("cc")
    with pytest.raises(ValueError, match="sklearn.metrics.get_scorer_names"):
        get_scorer("no_such_metric_at_all")
    with pytest.raises(
        TypeError, match="'scoring' parameter of get_scorer must be an instance of"
    ):
        get_scorer(3)


def test_get_scorers_forms_and_errors():
    assert list(get_scorers(["ccc", "sagr", "r2"])) == ["ccc", "sagr", "r2"]
    assert list(get_scorers("ccc")) == ["ccc"]
    custom = get_scorers({"valence": "ccc_valence", "mine": get_scorer("ccc")})
    assert list(custom) == ["valence", "mine"]
    with pytest.raises(ValueError, match=r"must be unique; got \['ccc'\]"):
        get_scorers(["ccc", "sagr", "ccc"])
    with pytest.raises(ValueError, match="at least one scorer name"):
        get_scorers([])
    with pytest.raises(TypeError, match="'scoring' parameter of get_scorers must be"):
        get_scorers(5)


def test_multi_metric_cross_validate_and_refit(va_data):
    X, y = va_data
    scoring = get_scorers(["ccc", "sagr", "neg_rmse"])
    results = cross_validate(Ridge(), X, y, cv=2, scoring=scoring)
    assert {"test_ccc", "test_sagr", "test_neg_rmse"} <= set(results)
    search = GridSearchCV(
        Ridge(), {"alpha": [0.1, 10.0]}, cv=2, scoring=scoring, refit="ccc"
    ).fit(X, y)
    assert search.best_score_ == pytest.approx(
        search.cv_results_["mean_test_ccc"].max()
    )


def test_constant_prediction_fold_does_not_crash_grid_search(va_data, class_data):
    X, y = va_data
    with pytest.warns(UndefinedMetricWarning, match="y_pred is constant"):
        search = GridSearchCV(
            DummyRegressor(),
            {"strategy": ["mean", "median"]},
            cv=KFold(2),
            scoring=get_scorers(["ccc", "pearson"]),
            refit=False,
            error_score="raise",
        ).fit(X, y)
    np.testing.assert_array_equal(search.cv_results_["mean_test_ccc"], [0.0, 0.0])
    Xc, yc = class_data
    names = ["cohen_kappa", "krippendorff_alpha", "auroc", "aupr"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        search = GridSearchCV(
            DummyClassifier(),
            {"strategy": ["most_frequent", "prior"]},
            cv=2,
            scoring=get_scorers(names),
            refit=False,
            error_score="raise",
        ).fit(Xc, yc)
    for name in names:
        assert np.isfinite(search.cv_results_[f"mean_test_{name}"]).all()
    assert search.cv_results_["mean_test_auroc"][0] == pytest.approx(0.5)


def test_ccc_scorer_in_skorch_epoch_scoring(va_data):
    import skorch
    import torch
    from skorch.callbacks import EpochScoring

    torch.manual_seed(0)
    X, y = va_data
    net = skorch.NeuralNetRegressor(
        torch.nn.Linear,
        module__in_features=3,
        module__out_features=2,
        max_epochs=2,
        batch_size=8,
        lr=0.05,
        callbacks=[
            EpochScoring(get_scorer("ccc"), lower_is_better=False, name="valid_ccc"),
            EpochScoring(get_scorer("ccc_valence"), lower_is_better=False),
        ],
    )
    net.fit(X.astype(np.float32), y.astype(np.float32))
    assert len(net.history) == 2
    for key in ("valid_ccc", "ccc_valence"):  # the second name comes from the scorer
        values = net.history[:, key]
        assert np.isfinite(values).all() and all(-1 <= v <= 1 for v in values)


def test_classification_scorers_in_skorch_epoch_scoring(class_data):
    import skorch
    import torch
    from skorch.callbacks import EpochScoring

    torch.manual_seed(0)
    X, y = class_data
    net = skorch.NeuralNetClassifier(
        torch.nn.Linear,
        module__in_features=3,
        module__out_features=3,
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=2,
        batch_size=8,
        callbacks=[
            EpochScoring(get_scorer(name), lower_is_better=False, name=f"valid_{name}")
            for name in ("auroc", "quadratic_kappa", "krippendorff_alpha")
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        net.fit(X.astype(np.float32), y.astype(np.int64))
    for name in ("auroc", "quadratic_kappa", "krippendorff_alpha"):
        assert np.isfinite(net.history[:, f"valid_{name}"]).all()
