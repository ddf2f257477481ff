import numpy as np
import pytest

from affect_sklearn.temporal import (
    ema_smooth,
    sticky_transition_matrix,
    viterbi_decode,
)
from affect_sklearn.temporal._smoothing import (
    enforce_min_duration,
    hmm_posteriors,
    hysteresis_argmax,
)


def _onehot(labels, k=3, strength=0.8):
    labels = np.asarray(labels)
    p = np.full((len(labels), k), (1 - strength) / (k - 1))
    p[np.arange(len(labels)), labels] = strength
    return p


def test_ema_hand_computed_and_alpha_one_is_identity():
    p = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(
        ema_smooth(p, alpha=0.25), [[1, 0], [0.75, 0.25], [0.5625, 0.4375]]
    )
    np.testing.assert_array_equal(ema_smooth(p, alpha=1.0), p)


def test_ema_holds_through_nan_rows_and_backfills_leading_ones():
    p = np.array([[np.nan, np.nan], [0.2, 0.8], [np.nan, np.nan], [1.0, 0.0]])
    out = ema_smooth(p, alpha=0.5)
    np.testing.assert_allclose(out, [[0.2, 0.8], [0.2, 0.8], [0.2, 0.8], [0.6, 0.4]])
    np.testing.assert_allclose(ema_smooth(np.full((2, 4), np.nan)), 0.25)


def test_viterbi_removes_single_frame_flicker_but_keeps_a_real_change():
    labels = [0] * 10 + [1] + [0] * 10 + [2] * 10
    p = _onehot(labels, strength=0.9)
    path = viterbi_decode(p, sticky_transition_matrix(3, 0.97))
    assert path.tolist() == [0] * 21 + [2] * 10
    # Without stickiness the flicker stays.
    assert viterbi_decode(p, np.full((3, 3), 1 / 3)).tolist() == labels


def test_viterbi_carries_state_through_unobserved_frames():
    p = _onehot([1] * 5 + [0] * 5)
    p[2:5] = np.nan
    assert viterbi_decode(p, sticky_transition_matrix(3, 0.9)).tolist() == (
        [1] * 5 + [0] * 5
    )


def test_hmm_posteriors_are_distributions_that_follow_the_path():
    p = _onehot([0] * 8 + [2] * 8)
    post = hmm_posteriors(p, sticky_transition_matrix(3, 0.95))
    np.testing.assert_allclose(post.sum(axis=1), 1)
    assert post.argmax(axis=1).tolist() == [0] * 8 + [2] * 8


def test_hysteresis_waits_for_a_clear_lead():
    s = np.array([[0.6, 0.4], [0.45, 0.55], [0.3, 0.7]])
    assert hysteresis_argmax(s, 0.0).tolist() == [0, 1, 1]
    assert hysteresis_argmax(s, 0.2).tolist() == [0, 0, 1]


def test_min_duration_merges_short_runs_into_the_likelier_neighbour():
    path = np.array([0, 0, 0, 0, 1, 2, 2, 2, 2])
    p = _onehot(path)
    p[4] = [0.1, 0.3, 0.6]  # the short run looks more like its right neighbour
    assert enforce_min_duration(path, p, 2).tolist() == [0] * 4 + [2] * 5
    # A short run between two equal labels fuses them.
    path = np.array([0, 0, 0, 1, 0, 0, 0])
    assert enforce_min_duration(path, _onehot(path), 3).tolist() == [0] * 7
    # A sequence shorter than min_duration stays whole.
    assert enforce_min_duration(np.array([1, 1]), _onehot([1, 1]), 5).tolist() == [
        1,
        1,
    ]


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: ema_smooth(np.ones((3, 2)) / 2, alpha=0),
            r"'alpha' parameter of ema_smooth .* range \(0.0, 1.0\]",
        ),
        (lambda: ema_smooth(np.ones(3)), r"shape \(n_frames, n_classes\)"),
        (lambda: ema_smooth([[0.5, np.nan]]), "partly-NaN rows"),
        (
            lambda: sticky_transition_matrix(1, 0.9),
            r"'n_classes' parameter of sticky_transition_matrix .* \[2, inf\)",
        ),
        (
            lambda: sticky_transition_matrix(3, 1.0),
            r"'stay_prob' parameter of sticky_transition_matrix .* \(0.0, 1.0\)",
        ),
        (lambda: viterbi_decode(np.ones((3, 2)) / 2, np.eye(3)), "transmat must be"),
        (
            lambda: viterbi_decode(np.ones((3, 2)) / 2, np.eye(2), [1.0]),
            "startprob must hold 2",
        ),
    ],
)
def test_smoothing_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
