"""Tests for ccc_score, pearson_score, sagr_score and rmse."""

import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn.exceptions import UndefinedMetricWarning

from affect_sklearn.metrics import ccc_score, pearson_score, rmse, sagr_score

REGRESSION_METRICS = [ccc_score, pearson_score, sagr_score, rmse]


def _ccc_reference(t, p, w=None):
    """Textbook CCC with 1/N moments, via np.average."""
    mt, mp = np.average(t, weights=w), np.average(p, weights=w)
    vt = np.average((t - mt) ** 2, weights=w)
    vp = np.average((p - mp) ** 2, weights=w)
    cov = np.average((t - mt) * (p - mp), weights=w)
    return 2 * cov / (vt + vp + (mt - mp) ** 2)


@pytest.fixture
def va():
    rng = np.random.default_rng(0)
    y = rng.uniform(-1, 1, size=(50, 2))
    p = 0.7 * y + rng.normal(0, 0.3, size=y.shape) + [0.1, -0.2]
    return y, p


def test_ccc_hand_computed():
    # means 2.5 and 3.5, both variances 1.25, covariance 1.25:
    # CCC = 2 * 1.25 / (1.25 + 1.25 + 1) = 5 / 7
    assert ccc_score([1, 2, 3, 4], [2, 3, 4, 5]) == pytest.approx(5 / 7)
    assert ccc_score([1.0, -1.0], [-1.0, 1.0]) == pytest.approx(-1.0)


def test_ccc_matches_reference(va):
    y, p = va
    raw = ccc_score(y, p, multioutput="raw_values")
    expected = [_ccc_reference(y[:, j], p[:, j]) for j in range(2)]
    np.testing.assert_allclose(raw, expected, rtol=1e-12)
    assert ccc_score(y, p) == pytest.approx(np.mean(expected))


def test_ccc_perfect_agreement_is_exactly_one(va):
    y, _ = va
    assert ccc_score(y, y) == 1.0
    assert ccc_score(y[:, 0], y[:, 0].copy()) == 1.0
    w = np.random.default_rng(1).uniform(0.1, 2, size=y.shape[0])
    np.testing.assert_array_equal(
        ccc_score(y, y, sample_weight=w, multioutput="raw_values"), [1.0, 1.0]
    )
    big = np.random.default_rng(2).normal(1e3, 1e-2, size=1000)
    assert ccc_score(big, big) == 1.0


@pytest.mark.parametrize("metric", [ccc_score, pearson_score, sagr_score, rmse])
def test_metric_is_symmetric(metric, va):
    y, p = va
    assert metric(y, p) == pytest.approx(metric(p, y), rel=1e-12)


def test_ccc_bounds_and_pearson_dominance(va):
    y, p = va
    ccc = ccc_score(y, p, multioutput="raw_values")
    r = pearson_score(y, p, multioutput="raw_values")
    assert np.all(np.abs(ccc) <= np.abs(r) + 1e-12)
    # Mirrored predictions: CCC = -2 var / (2 var + (2 mean)^2), per output.
    yy = y[:, 0]
    var, mean = yy.var(), yy.mean()
    expected = -2 * var / (2 * var + (2 * mean) ** 2)
    assert ccc_score(yy, -yy) == pytest.approx(expected, rel=1e-12)


def test_ccc_penalises_shift_that_pearson_ignores(va):
    y, _ = va
    assert pearson_score(y, y + 0.5) == pytest.approx(1.0)
    assert ccc_score(y, y + 0.5) < 0.9


def test_sample_weight_equals_repetition(va):
    y, p = va
    w = np.random.default_rng(3).integers(1, 4, size=y.shape[0])
    rep_y, rep_p = np.repeat(y, w, axis=0), np.repeat(p, w, axis=0)
    for metric in REGRESSION_METRICS:
        assert metric(y, p, sample_weight=w) == pytest.approx(metric(rep_y, rep_p))
    np.testing.assert_allclose(
        ccc_score(y, p, sample_weight=w, multioutput="raw_values"),
        [_ccc_reference(y[:, j], p[:, j], w) for j in range(2)],
    )


@pytest.mark.parametrize("metric", REGRESSION_METRICS)
def test_multioutput_options(metric, va):
    y, p = va
    raw = metric(y, p, multioutput="raw_values")
    assert raw.shape == (2,)
    assert metric(y, p) == pytest.approx(raw.mean())
    assert metric(y, p, multioutput=[0.25, 0.75]) == pytest.approx(
        0.25 * raw[0] + 0.75 * raw[1]
    )
    assert metric(y[:, 0], p[:, 0]) == pytest.approx(raw[0])
    assert isinstance(metric(y, p), float)


@pytest.mark.parametrize("metric", REGRESSION_METRICS)
def test_vector_and_column_are_interchangeable(metric, va):
    y, p = va
    assert metric(y[:, 0], p[:, :1]) == metric(y[:, :1], p[:, 0])


def test_accepts_torch_tensors(va):
    import torch

    y, p = va
    got = ccc_score(torch.tensor(y), torch.tensor(p, requires_grad=True))
    assert got == pytest.approx(ccc_score(y, p))


def test_pearson_matches_scipy(va):
    y, p = va
    for j in range(2):
        assert pearson_score(y[:, j], p[:, j]) == pytest.approx(
            pearsonr(y[:, j], p[:, j]).statistic, rel=1e-12
        )


def test_rmse_matches_the_formula(va):
    # rmse is computed by sklearn's root_mean_squared_error: check it against
    # the weighted formula, per output and averaged as sklearn averages.
    y, p = va
    w = np.linspace(0.5, 2, y.shape[0])
    per_output = np.sqrt((w[:, None] * (y - p) ** 2).sum(axis=0) / w.sum())
    np.testing.assert_allclose(
        rmse(y, p, sample_weight=w, multioutput="raw_values"), per_output
    )
    assert rmse(y, p, sample_weight=w) == pytest.approx(per_output.mean())
    assert rmse(y, p, sample_weight=w, multioutput=[0.3, 0.7]) == pytest.approx(
        0.3 * per_output[0] + 0.7 * per_output[1]
    )
    assert rmse([0.0, 0.5, -0.5], [0.0, 0.5, 0.5]) == pytest.approx(np.sqrt(1 / 3))
    assert isinstance(rmse(y, p), float)


@pytest.mark.parametrize("metric", REGRESSION_METRICS)
def test_non_array_arguments_are_rejected_by_name(metric, va):
    y, p = va
    name = metric.__name__
    with pytest.raises(
        ValueError, match=f"'y_true' parameter of {name} must be an array-like"
    ):
        metric(0.5, p[:, 0])
    with pytest.raises(ValueError, match=f"'sample_weight' parameter of {name}"):
        metric(y, p, sample_weight=1.0)


def test_sagr_hand_computed_and_zero_rule():
    assert sagr_score([0.5, -0.2, 0.3, -0.9], [0.1, 0.4, 0.9, -0.1]) == 0.75
    # zero is its own sign: it only agrees with zero
    assert sagr_score([0.0, 0.0, 0.5], [0.0, 0.1, 0.5]) == pytest.approx(2 / 3)
    assert sagr_score([1.0, -1.0], [1.0, -1.0], sample_weight=[3, 1]) == 1.0
    assert sagr_score([1.0, -1.0], [1.0, 1.0], sample_weight=[3, 1]) == 0.75


def test_constant_prediction_gives_zero_and_warns(va):
    y, _ = va
    constant = np.full_like(y, 0.3)
    for metric in (ccc_score, pearson_score):
        with pytest.warns(UndefinedMetricWarning, match="constant"):
            assert metric(y, constant) == 0.0
    # defined everywhere, no warning needed
    assert 0.0 <= sagr_score(y, constant) <= 1.0
    assert rmse(y, constant) > 0


def test_constant_target_and_prediction():
    with pytest.warns(UndefinedMetricWarning, match="both are the same constant"):
        assert ccc_score([0.2, 0.2, 0.2], [0.2, 0.2, 0.2]) == 1.0
    with pytest.warns(UndefinedMetricWarning):
        assert ccc_score([0.2, 0.2, 0.2], [0.1, 0.1, 0.1]) == 0.0
    with pytest.warns(UndefinedMetricWarning):
        assert ccc_score([0.5], [0.1]) == 0.0  # a single sample is constant
    with pytest.warns(UndefinedMetricWarning):
        # constant only over the samples with positive weight
        assert ccc_score([1.0, 1.0, 5.0], [0.0, 2.0, 4.0], sample_weight=[1, 1, 0]) == 0


@pytest.mark.parametrize("metric", REGRESSION_METRICS)
def test_nan_in_y_true_raises(metric):
    with pytest.raises(
        ValueError, match=r"y_true must be finite; got 1 NaN .*first at sample 1\)"
    ):
        metric([0.1, np.nan, 0.3], [0.1, 0.2, 0.3])


@pytest.mark.parametrize("metric", REGRESSION_METRICS)
def test_nonfinite_y_pred_raises(metric):
    with pytest.raises(ValueError, match=r"y_pred must be finite; got 0 NaN and 1 inf"):
        metric([0.1, 0.2, 0.3], [0.1, np.inf, 0.3])


@pytest.mark.parametrize("metric", REGRESSION_METRICS)
def test_length_mismatch_raises(metric):
    with pytest.raises(ValueError, match="same number of samples; got 3 and 2"):
        metric([0.1, 0.2, 0.3], [0.1, 0.2])


def test_shape_errors():
    with pytest.raises(ValueError, match="same number of outputs"):
        ccc_score(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"got shape \(2, 2, 2\)"):
        ccc_score(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="at least one sample"):
        ccc_score([], [])


def test_parameter_errors(va):
    y, p = va
    with pytest.raises(
        ValueError,
        match=r"'multioutput' parameter of ccc_score must be a str among "
        r"\{'\w+', '\w+'\} or an array-like. Got 'variance_weighted'",
    ):
        ccc_score(y, p, multioutput="variance_weighted")
    with pytest.raises(ValueError, match=r"multioutput weights must have shape \(2,\)"):
        ccc_score(y, p, multioutput=[1, 2, 3])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(50,\)"):
        ccc_score(y, p, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative with a positive sum"):
        ccc_score(y, p, sample_weight=-np.ones(50))
    with pytest.raises(TypeError, match="expects numeric y_true; got dtype <U"):
        ccc_score(["a", "b"], [0.1, 0.2])
