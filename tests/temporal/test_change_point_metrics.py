import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.metrics import make_scorer

from affect_sklearn.temporal import (
    change_point_scores,
    change_points_from_labels,
    segment_accuracy,
)


def test_change_point_scores_hand_computed():
    # 12 hits 10 (|2| <= 3), 49 hits 50; 30 is a false alarm.
    p, r, f1 = change_point_scores([10, 50], [12, 30, 49], tolerance=3)
    assert (p, r) == (2 / 3, 1.0)
    assert f1 == pytest.approx(2 * (2 / 3) / (2 / 3 + 1))


def test_change_point_scores_tolerance_is_inclusive_and_matching_one_to_one():
    assert change_point_scores([10], [13], tolerance=3) == (1.0, 1.0, 1.0)
    assert change_point_scores([10], [14], tolerance=3) == (0.0, 0.0, 0.0)
    # Two detections near one true change: only one of them is a hit.
    assert change_point_scores([10], [9, 11], tolerance=2) == (0.5, 1.0, 2 / 3)
    # Greedy-by-distance would pair 11 with 12 and lose 8; the best matching has 2.
    assert change_point_scores([8, 12], [11, 14], tolerance=3)[:2] == (1.0, 1.0)


def test_change_point_scores_pools_sequences():
    true = [np.array([5, 20]), np.array([], dtype=int), np.array([7])]
    pred = [np.array([6]), np.array([30]), np.array([7])]
    p, r, f1 = change_point_scores(true, pred, tolerance=1)
    assert (p, r) == (2 / 3, 2 / 3)
    assert f1 == pytest.approx(2 / 3)


def test_change_point_scores_empty_sides():
    assert change_point_scores([], [], tolerance=2) == (1.0, 1.0, 1.0)
    assert change_point_scores([4], [], tolerance=2) == (1.0, 0.0, 0.0)
    assert change_point_scores([], [4], tolerance=2) == (0.0, 1.0, 0.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(true_cps=[1], pred_cps=[1], tolerance=-1),
            r"'tolerance' parameter of change_point_scores .* \[0, inf\)",
        ),
        (
            dict(true_cps=[1], pred_cps=[1], tolerance=1.5),
            "'tolerance' parameter of change_point_scores must be an int",
        ),
        (dict(true_cps=[1.5], pred_cps=[1]), "non-negative integer frame"),
        (dict(true_cps=[-2], pred_cps=[1]), "non-negative integer frame"),
        (dict(true_cps=[[1], [2]], pred_cps=[[1]]), "same sequences"),
        (dict(true_cps=[[1, 2]], pred_cps=[1, 2]), "same sequences"),
        (dict(true_cps=np.zeros((2, 2, 2)), pred_cps=[1]), "must be 1-D"),
    ],
)
def test_change_point_scores_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        change_point_scores(**kwargs)


def test_change_points_from_labels():
    assert change_points_from_labels([0, 0, 1, 1, 1, 0]).tolist() == [2, 5]
    assert change_points_from_labels(["a"]).tolist() == []
    out = change_points_from_labels([np.array(["x", "y"]), np.array(["z", "z"])])
    assert [o.tolist() for o in out] == [[1], []]
    with pytest.raises(TypeError, match="labels must be an array"):
        change_points_from_labels("happy")


def test_segment_accuracy_hand_computed():
    y_true = [0, 0, 0, 0, 1, 1, 2, 2]
    # segment 0: 3/4 right; segment 1: 0/2; segment 2: 2/2 -> 2 of 3.
    y_pred = [0, 0, 0, 1, 0, 0, 2, 2]
    assert segment_accuracy(y_true, y_pred) == pytest.approx(2 / 3)
    assert segment_accuracy(y_true, y_pred, min_overlap=1.0) == pytest.approx(1 / 3)
    assert segment_accuracy(y_true, y_true) == 1.0
    # Two sequences are pooled: 2 of 3 plus 1 of 1.
    assert segment_accuracy([y_true, [5]], [y_pred, [5]]) == pytest.approx(3 / 4)


def test_segment_accuracy_bad_input():
    with pytest.raises(
        ValueError, match=r"'min_overlap' parameter of segment_accuracy .* \(0.0, 1.0\]"
    ):
        segment_accuracy([0, 1], [0, 1], min_overlap=0)
    with pytest.raises(ValueError, match="same sequences and lengths"):
        segment_accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="no frames"):
        segment_accuracy([], [])


def test_segment_accuracy_as_a_scorer():
    class Echo(BaseEstimator):
        def predict(self, X):
            return X

    scorer = make_scorer(segment_accuracy)
    assert scorer(Echo(), [[0, 0, 1]], [[0, 0, 1]]) == 1.0


def test_object_arrays_of_labels_are_one_sequence():
    labels = np.array(["calm", "calm", "happy"], dtype=object)
    assert change_points_from_labels(labels).tolist() == [2]
    nested = np.empty(2, dtype=object)
    nested[:] = [np.array([0, 1]), np.array([1, 1, 1])]
    assert [c.tolist() for c in change_points_from_labels(nested)] == [[1], []]
