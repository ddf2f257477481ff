"""pack_faces/unpack_faces and split_multitask_target, with their errors."""

import numpy as np
import pandas as pd
import pytest

from affect_sklearn.utils import pack_faces, split_multitask_target, unpack_faces


def test_pack_faces_round_trip_and_row_indexing():
    images = np.arange(3 * 4 * 4, dtype=np.uint8).reshape(3, 4, 4)
    points = np.arange(3 * 5 * 2, dtype=np.float64).reshape(3, 5, 2)
    X = pack_faces(images, points)
    assert X.shape == (3,) and X["landmarks"].dtype == np.float32
    imgs, lms = unpack_faces(X[[2, 0]])  # rows move together
    np.testing.assert_array_equal(imgs, images[[2, 0]])
    np.testing.assert_array_equal(lms, points[[2, 0]])
    paths = pack_faces(["a.png", "b.png", "c.png"], points)
    assert paths["image"].tolist() == ["a.png", "b.png", "c.png"]


def test_unpack_faces_passes_other_input_through():
    images = np.zeros((2, 4, 4))
    out, lms = unpack_faces(images)
    assert out is images and lms is None


@pytest.mark.parametrize(
    "images, points, match",
    [
        (np.zeros((2, 16)), np.zeros((2, 5, 2)), r"\(n, H, W\) .* got shape \(2, 16\)"),
        (np.zeros((2, 4, 4)), np.zeros((2, 5, 3)), r"\(n_samples, n_points, 2\); got"),
        (np.zeros((2, 4, 4)), np.zeros((3, 5, 2)), "got 2 images and 3 landmark sets"),
    ],
)
def test_pack_faces_rejects_bad_shapes(images, points, match):
    with pytest.raises(ValueError, match=match):
        pack_faces(images, points)


def test_split_multitask_target_forms():
    frame = pd.DataFrame(
        {"expression": ["a", "b"], "arousal": [0.1, None], "other": [1, 2]}
    )
    labels, affect = split_multitask_target(frame)
    assert labels.tolist() == ["a", "b"]
    np.testing.assert_array_equal(affect, [[np.nan, 0.1], [np.nan, np.nan]])
    arr = np.array([["a", 0.5, -0.5], ["b", np.nan, 0.2]], dtype=object)
    labels, affect = split_multitask_target(arr)
    assert labels.tolist() == ["a", "b"] and affect.dtype == np.float64
    np.testing.assert_array_equal(affect, [[0.5, -0.5], [np.nan, 0.2]])
    for y in (["x", "y"], np.array([["x"], ["y"]])):
        labels, affect = split_multitask_target(y)
        assert labels.tolist() == ["x", "y"] and np.isnan(affect).all()
        assert affect.shape == (2, 2)


@pytest.mark.parametrize(
    "y, match",
    [
        (None, "y is None"),
        (pd.DataFrame({"label": [1]}), r"needs an 'expression' column .* \['label'\]"),
        (np.array([["a", "x", 0.1]], dtype=object), "must be numbers or NaN"),
        (np.zeros((2, 2)), r"got shape \(2, 2\)"),
    ],
)
def test_split_multitask_target_errors(y, match):
    with pytest.raises(ValueError, match=match):
        split_multitask_target(y)
