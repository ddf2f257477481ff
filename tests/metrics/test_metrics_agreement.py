"""Tests for Krippendorff's alpha and Cohen's kappa."""

import time

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import cohen_kappa_score as sk_kappa

from affect_sklearn.metrics import (
    cohen_kappa_score,
    krippendorff_alpha,
    krippendorff_alpha_matrix,
)

krippendorff = pytest.importorskip("krippendorff")  # test-only reference

LEVELS = ["nominal", "ordinal", "interval", "ratio"]
nan = np.nan
# Krippendorff (2011), 3 coders x 15 units, missing ratings as NaN.
KRIPPENDORFF_EXAMPLE = np.array(
    [
        [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
        [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
        [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
    ]
)


def _reference(data, level):
    return krippendorff.alpha(reliability_data=data, level_of_measurement=level)


def _random_ratings(rng, n_raters, n_units, *, continuous, missing=0.3):
    truth = rng.integers(1, 6, size=n_units)
    data = np.where(rng.random((n_raters, n_units)) < 0.6, truth, 0)
    data = np.where(data == 0, rng.integers(1, 6, size=(n_raters, n_units)), data)
    data = data.astype(float)
    if continuous:  # about 50 distinct values; the reference is O(units * values**2)
        data += rng.integers(0, 10, size=data.shape) / 10
    data[rng.random(data.shape) < missing] = nan
    return data


def test_golden_values():
    assert krippendorff_alpha_matrix(KRIPPENDORFF_EXAMPLE, level="nominal") == (
        pytest.approx(0.691358, abs=5e-7)
    )
    assert krippendorff_alpha_matrix(KRIPPENDORFF_EXAMPLE, level="interval") == (
        pytest.approx(0.810845, abs=5e-7)
    )


@pytest.mark.parametrize("level", LEVELS)
def test_golden_data_matches_reference(level):
    got = krippendorff_alpha_matrix(KRIPPENDORFF_EXAMPLE, level=level)
    assert got == pytest.approx(_reference(KRIPPENDORFF_EXAMPLE, level), abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("n_raters", [2, 3, 12])  # 12 takes the sorting branch
@pytest.mark.parametrize("continuous", [False, True])
def test_random_data_matches_reference(level, n_raters, continuous):
    rng = np.random.default_rng(n_raters)
    data = _random_ratings(rng, n_raters, 150, continuous=continuous)
    got = krippendorff_alpha_matrix(data, level=level)
    assert got == pytest.approx(_reference(data, level), abs=1e-9)


def test_string_ratings_match_reference():
    data = np.array(
        [
            ["joy", "joy", "fear", "anger", "nan", "joy"],
            ["joy", "fear", "fear", "anger", "anger", "nan"],
            ["joy", "joy", "fear", "joy", "anger", "joy"],
        ]
    )
    expected = _reference(data, "nominal")
    assert krippendorff_alpha_matrix(data) == pytest.approx(expected, abs=1e-12)
    objects = np.where(data == "nan", None, data).astype(object)
    assert krippendorff_alpha_matrix(objects) == pytest.approx(expected, abs=1e-12)


def test_two_rater_form_equals_matrix_form_and_is_symmetric():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, size=100)
    p = np.where(rng.random(100) < 0.7, y, rng.integers(0, 4, size=100))
    for level in LEVELS:
        pair = krippendorff_alpha(y, p, level=level)
        assert pair == pytest.approx(krippendorff_alpha_matrix([y, p], level=level))
        assert pair == pytest.approx(krippendorff_alpha(p, y, level=level))
    labels = np.array(["neutral", "happy", "sad", "angry"])
    assert krippendorff_alpha(labels[y], labels[p]) == pytest.approx(
        krippendorff_alpha(y, p)
    )


def test_perfect_agreement_and_invariances():
    data = _random_ratings(np.random.default_rng(1), 4, 60, continuous=False)
    complete = np.tile(data[0], (3, 1))
    complete[:, np.isnan(complete[0])] = 1.0
    for level in LEVELS:
        assert krippendorff_alpha_matrix(complete, level=level) == pytest.approx(1.0)
        alpha = krippendorff_alpha_matrix(data, level=level)
        assert alpha <= 1.0
        # rater order does not matter
        assert krippendorff_alpha_matrix(data[::-1], level=level) == pytest.approx(
            alpha
        )
        # a unit with a single rating is not pairable and is ignored
        extra = np.column_stack([data, [7.0, nan, nan, nan]])
        assert krippendorff_alpha_matrix(extra, level=level) == pytest.approx(alpha)
    # interval alpha is invariant to shifting and scaling all ratings
    assert krippendorff_alpha_matrix(3 * data + 10, level="interval") == (
        pytest.approx(krippendorff_alpha_matrix(data, level="interval"))
    )


def test_constant_prediction_is_finite():
    y = np.array([0, 1, 2, 1, 0, 2])
    alpha = krippendorff_alpha(y, np.ones_like(y))
    assert np.isfinite(alpha) and alpha < 0


def test_identical_constant_ratings_return_one_and_warn():
    with pytest.warns(UndefinedMetricWarning, match="alpha is undefined"):
        assert krippendorff_alpha([2, 2, 2], [2, 2, 2], level="interval") == 1.0
    with pytest.warns(UndefinedMetricWarning):
        assert krippendorff_alpha_matrix([[1, 1, nan], [1, 1, 3]]) == 1.0


def test_alpha_errors():
    with pytest.raises(
        ValueError, match="'level' parameter of krippendorff_alpha must be a str among"
    ):
        krippendorff_alpha([1, 2], [1, 2], level="metric")
    with pytest.raises(ValueError, match="'level' parameter of krippendorff_alpha_m"):
        krippendorff_alpha_matrix([[1, 2], [1, 2]], level=None)
    with pytest.raises(ValueError, match=r"shape \(n_raters, n_units\).*\(4,\)"):
        krippendorff_alpha_matrix([1, 2, 3, 4])
    with pytest.raises(ValueError, match="at least one unit rated by two or more"):
        krippendorff_alpha_matrix([[1, nan, 3], [nan, 2, nan]])
    with pytest.raises(ValueError, match="must be finite"):
        krippendorff_alpha_matrix([[1, np.inf], [1, 2]])
    with pytest.raises(ValueError, match="needs non-negative ratings"):
        krippendorff_alpha([-1, 2, 3], [1, 2, 3], level="ratio")
    with pytest.raises(ValueError, match="only level='nominal' applies"):
        krippendorff_alpha(["a", "b"], ["a", "a"], level="ordinal")
    with pytest.raises(ValueError, match="y_pred contains missing values"):
        krippendorff_alpha([1.0, 2.0], [1.0, nan])
    with pytest.raises(ValueError, match="same number of samples; got 3 and 2"):
        krippendorff_alpha([1, 2, 3], [1, 2])
    with pytest.raises(TypeError, match="numeric or string ratings"):
        krippendorff_alpha_matrix(np.ones((2, 3), dtype=complex))


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_kappa_matches_sklearn(weights):
    rng = np.random.default_rng(4)
    y1 = rng.integers(0, 5, size=200)
    y2 = np.clip(y1 + rng.integers(-1, 2, size=200), 0, 4)
    w = rng.uniform(0.5, 2.0, size=200)
    assert cohen_kappa_score(y1, y2, weights=weights) == pytest.approx(
        sk_kappa(y1, y2, weights=weights), abs=1e-12
    )
    assert cohen_kappa_score(y1, y2, weights=weights, sample_weight=w) == (
        pytest.approx(sk_kappa(y1, y2, weights=weights, sample_weight=w), abs=1e-12)
    )
    labels = [4, 3, 2, 1, 0]
    assert cohen_kappa_score(y1, y2, labels=labels, weights=weights) == (
        pytest.approx(sk_kappa(y1, y2, labels=labels, weights=weights), abs=1e-12)
    )
    assert cohen_kappa_score(y1, y2, weights=weights) == pytest.approx(
        cohen_kappa_score(y2, y1, weights=weights)
    )


def test_kappa_hand_computed_and_string_labels():
    # p_o = 4/5; p_e = (1*1 + 2*1 + 2*3) / 25 = 9/25; kappa = (20-9)/(25-9)
    assert cohen_kappa_score([0, 1, 2, 2, 1], [0, 2, 2, 2, 1]) == pytest.approx(11 / 16)
    assert cohen_kappa_score(["a", "b", "b"], ["a", "b", "b"]) == 1.0
    assert cohen_kappa_score([0, 1, 2, 1], [1, 1, 1, 1]) == 0.0  # constant y2


def test_kappa_degenerate_input():
    with pytest.warns(UndefinedMetricWarning, match="only the label 'sad'"):
        assert cohen_kappa_score(["sad"] * 4, ["sad"] * 4) == 1.0
    with pytest.warns(UndefinedMetricWarning, match="returning 0.0"):
        assert cohen_kappa_score([0, 1], [0, 1], labels=[5, 6]) == 0.0
    with pytest.warns(UndefinedMetricWarning):
        assert cohen_kappa_score([0, 1, 2], [0, 1, 1], labels=[0, 9]) == 1.0


def test_kappa_errors():
    with pytest.raises(
        ValueError,
        match=r"'weights' parameter of cohen_kappa_score must be a str among "
        r"\{'\w+', '\w+'\} or None. Got 'cubic'",
    ):
        cohen_kappa_score([0, 1], [0, 1], weights="cubic")
    with pytest.raises(ValueError, match="y1 and y2 must have the same number"):
        cohen_kappa_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="y1 contains missing values"):
        cohen_kappa_score([0.0, nan], [0.0, 1.0])
    with pytest.raises(ValueError, match=r"y2 of shape \(n_samples,\)"):
        cohen_kappa_score([0, 1], [[0, 1], [1, 0]])


@pytest.mark.slow
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_not_slower_than_reference_on_two_million_ratings(level):
    rng = np.random.default_rng(0)
    data = rng.integers(1, 6, size=(2, 1_000_000)).astype(float)
    data[1] = np.where(rng.random(data.shape[1]) < 0.6, data[0], data[1])

    def best_of(func, repeat=3):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            value = func()
            times.append(time.perf_counter() - start)
        return min(times), value

    ours, a = best_of(lambda: krippendorff_alpha_matrix(data, level=level))
    theirs, b = best_of(lambda: _reference(data, level))
    assert a == pytest.approx(b, abs=1e-9)
    assert ours <= theirs
