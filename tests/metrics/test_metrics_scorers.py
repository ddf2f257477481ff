"""Tests for get_scorer, get_scorers and the scorers in model selection and skorch."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.base import is_classifier
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, check_cv, cross_validate

from affect_sklearn.metrics import (
    aupr_score,
    auroc_score,
    ccc_score,
    get_scorer,
    get_scorer_names,
    get_scorers,
    krippendorff_alpha,
    pearson_score,
    rmse,
    sagr_score,
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


# Each scorer name written out as the metric call it stands for, independently of
# the registry in affect_sklearn/metrics/_scorers.py.
BY_HAND = {
    "ccc": lambda y, p: ccc_score(y, p),
    "sagr": lambda y, p: sagr_score(y, p),
    "pearson": lambda y, p: pearson_score(y, p),
    "neg_rmse": lambda y, p: -rmse(y, p),
    "cohen_kappa": lambda y, p: skm.cohen_kappa_score(y, p),
    "linear_kappa": lambda y, p: skm.cohen_kappa_score(y, p, weights="linear"),
    "quadratic_kappa": lambda y, p: skm.cohen_kappa_score(y, p, weights="quadratic"),
    "krippendorff_alpha": lambda y, p: krippendorff_alpha(y, p),
    "krippendorff_alpha_ordinal": lambda y, p: krippendorff_alpha(
        y, p, level="ordinal"
    ),
    "krippendorff_alpha_interval": lambda y, p: krippendorff_alpha(
        y, p, level="interval"
    ),
    "auroc": lambda y, p: auroc_score(y, p),
    "aupr": lambda y, p: aupr_score(y, p),
}


def _by_hand(name, search, model, X, y):
    """Mean test score of each candidate, refitted and scored without scorers."""
    base, column = name, None
    for suffix, col in (("_valence", 0), ("_arousal", 1)):
        if name.endswith(suffix):
            base, column = name[: -len(suffix)], col
    metric = BY_HAND[base]
    method = "predict_proba" if base in ("auroc", "aupr") else "predict"
    cv = check_cv(search.cv, y, classifier=is_classifier(search.estimator))
    means = []
    for params in search.cv_results_["params"]:
        scores = []
        for tr, te in cv.split(X, y):
            fitted = model(**params).fit(X[tr], y[tr])
            pred, truth = getattr(fitted, method)(X[te]), y[te]
            if column is not None:
                pred, truth = pred[:, column], truth[:, column]
            scores.append(metric(truth, pred))
        means.append(np.mean(scores))
    return means


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
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        _by_hand(name, search, Ridge, X, y),
        rtol=1e-10,
    )


@pytest.mark.parametrize("name", CLASSIFICATION_SCORERS)
def test_classification_scorer_in_grid_search(name, class_data):
    X, y = class_data
    search = GridSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, cv=2, scoring=get_scorer(name)
    )
    search.fit(X, y)
    np.testing.assert_allclose(
        search.cv_results_["mean_test_score"],
        _by_hand(name, search, LogisticRegression, X, y),
        rtol=1e-10,
    )


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
    assert get_scorer("ccc_valence")(reg, X, y[:, 0]) == pytest.approx(
        ccc_score(y[:, 0], reg.predict(X))
    )
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
            np.testing.assert_allclose(
                search.cv_results_[f"mean_test_{name}"],
                _by_hand(name, search, DummyClassifier, Xc, yc),
                rtol=1e-10,
            )
    assert search.cv_results_["mean_test_auroc"][0] == pytest.approx(0.5)
    assert search.cv_results_["mean_test_cohen_kappa"][0] == 0.0


def test_ccc_scorer_in_skorch_epoch_scoring(va_data):
    import skorch
    import torch
    from skorch.callbacks import EpochScoring
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    torch.manual_seed(0)
    X, y = (a.astype(np.float32) for a in va_data)
    X, Xv, y, yv = X[:30], X[30:], y[:30], y[30:]
    net = skorch.NeuralNetRegressor(
        torch.nn.Linear,
        module__in_features=3,
        module__out_features=2,
        max_epochs=2,
        batch_size=8,
        lr=0.05,
        train_split=predefined_split(Dataset(Xv, yv)),
        callbacks=[
            EpochScoring(get_scorer("ccc"), lower_is_better=False, name="valid_ccc"),
            EpochScoring(get_scorer("ccc_valence"), lower_is_better=False),
        ],
    )
    net.fit(X, y)
    assert len(net.history) == 2
    # The last epoch's scores are the metrics of the final net on the valid set;
    # the second name comes from the scorer.
    pred = net.predict(Xv)
    assert net.history[-1, "valid_ccc"] == pytest.approx(ccc_score(yv, pred))
    assert net.history[-1, "ccc_valence"] == pytest.approx(
        ccc_score(yv[:, 0], pred[:, 0])
    )


def test_classification_scorers_in_skorch_epoch_scoring(class_data):
    import skorch
    import torch
    from skorch.callbacks import EpochScoring
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    torch.manual_seed(0)
    X, y = class_data[0].astype(np.float32), class_data[1].astype(np.int64)
    X, Xv, y, yv = X[:45], X[45:], y[:45], y[45:]
    net = skorch.NeuralNetClassifier(
        torch.nn.Linear,
        module__in_features=3,
        module__out_features=3,
        criterion=torch.nn.CrossEntropyLoss,
        max_epochs=2,
        batch_size=8,
        train_split=predefined_split(Dataset(Xv, yv)),
        callbacks=[
            EpochScoring(get_scorer(name), lower_is_better=False, name=f"valid_{name}")
            for name in ("auroc", "quadratic_kappa", "krippendorff_alpha")
        ],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        net.fit(X, y)
    last = net.history[-1]
    assert last["valid_auroc"] == pytest.approx(auroc_score(yv, net.predict_proba(Xv)))
    pred = net.predict(Xv)
    assert last["valid_quadratic_kappa"] == pytest.approx(
        skm.cohen_kappa_score(yv, pred, weights="quadratic")
    )
    assert last["valid_krippendorff_alpha"] == pytest.approx(
        krippendorff_alpha(yv, pred)
    )
