import numpy as np
import pytest

from affect_sklearn.datasets import (
    AFFECTNET_CLASSES,
    FER2013_CLASSES,
    make_face_sequences,
    make_faces,
)


def test_make_faces_shapes_and_dtypes():
    faces = make_faces(n_samples=30, image_size=32, random_state=0)
    assert faces.images.shape == (30, 32, 32)
    assert faces.images.dtype == np.uint8
    assert faces.target.shape == (30,)
    assert faces.target.dtype == np.int64
    assert faces.landmarks.shape == (30, 68, 2)
    assert faces.landmarks.dtype == np.float32
    assert faces.va.shape == (30, 2)
    assert faces.target_names == list(FER2013_CLASSES)


def test_make_faces_is_deterministic():
    a = make_faces(n_samples=20, random_state=3)
    b = make_faces(n_samples=20, random_state=3)
    c = make_faces(n_samples=20, random_state=4)
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.landmarks, b.landmarks)
    assert not np.array_equal(a.images, c.images)


def test_return_X_y():
    X, y = make_faces(n_samples=10, random_state=0, return_X_y=True)
    assert X.shape == (10, 48, 48) and y.shape == (10,)


def test_classes_are_balanced_by_default():
    faces = make_faces(n_samples=70, random_state=0)
    np.testing.assert_array_equal(np.bincount(faces.target), np.full(7, 10))


def test_weights_give_imbalance():
    w = [0.3, 0.02, 0.1, 0.3, 0.1, 0.08, 0.1]
    faces = make_faces(n_samples=2000, weights=w, random_state=0)
    frac = np.bincount(faces.target, minlength=7) / 2000
    np.testing.assert_allclose(frac, w, atol=0.03)


def test_eight_classes_add_contempt():
    faces = make_faces(n_samples=16, n_classes=8, random_state=0)
    assert faces.target_names == list(AFFECTNET_CLASSES)
    assert faces.target_names[-1] == "contempt"
    assert faces.target.max() <= 7


def test_landmarks_inside_image():
    faces = make_faces(n_samples=200, image_size=48, random_state=0)
    assert faces.landmarks.min() >= 0
    assert faces.landmarks.max() <= 47


def test_landmarks_follow_the_drawn_face():
    """Eye landmarks sit on dark pixels more often than random face points."""
    faces = make_faces(n_samples=50, image_size=64, noise=0.0, random_state=0)
    pts = np.round(faces.landmarks).astype(int)
    rows = np.arange(50)[:, None]
    mouth = faces.images[rows, pts[:, 48:60, 1], pts[:, 48:60, 0]].mean()
    cheek = faces.images[:, 40, 32].mean()
    assert mouth < cheek


def test_valence_arousal_signs_per_class():
    faces = make_faces(n_samples=700, random_state=0)
    mean_v = np.array([faces.valence[faces.target == k].mean() for k in range(7)])
    mean_a = np.array([faces.arousal[faces.target == k].mean() for k in range(7)])
    names = faces.target_names
    assert mean_v[names.index("happy")] > 0.3
    for neg in ("angry", "disgust", "fear", "sad"):
        assert mean_v[names.index(neg)] < -0.2
    assert mean_a[names.index("surprise")] > 0.3
    assert mean_a[names.index("sad")] < 0
    assert abs(mean_v[names.index("neutral")]) < 0.1
    assert faces.va.min() >= -1 and faces.va.max() <= 1


def test_expressions_change_geometry():
    """Happy mouth corners sit higher than sad ones (relative to mouth centre)."""
    faces = make_faces(n_samples=400, noise=0.0, random_state=0)
    lm = faces.landmarks
    corner_lift = (lm[:, 51, 1] - (lm[:, 48, 1] + lm[:, 54, 1]) / 2) * 1.0
    happy = corner_lift[faces.target == 3].mean()
    sad = corner_lift[faces.target == 4].mean()
    assert happy > sad


@pytest.mark.slow  # a wall-clock bound: flaky on a busy machine, so not by default
def test_make_faces_is_fast():
    import time

    t = time.perf_counter()
    make_faces(n_samples=1000, random_state=0)
    assert time.perf_counter() - t < 5.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, r"'n_samples' parameter .* range \[1, inf\)"),
        ({"n_samples": 2.5}, "'n_samples' parameter of make_faces must be an int"),
        ({"image_size": 4}, r"'image_size' parameter .* range \[8, inf\)"),
        ({"n_classes": 9}, r"'n_classes' parameter .* range \[2, 8\]"),
        ({"noise": 2.0}, r"'noise' parameter .* range \[0.0, 1.0\]"),
        ({"return_X_y": "yes"}, "'return_X_y' parameter of make_faces"),
        ({"weights": [1, 2]}, "weights must be 7 non-negative numbers"),
    ],
)
def test_make_faces_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_faces(**{"n_samples": 10, **kwargs})


def test_make_face_sequences_change_points():
    seq = make_face_sequences(n_sequences=3, n_frames=60, random_state=0)
    assert seq.images.shape == (3, 60, 48, 48)
    assert seq.target.shape == (3, 60)
    assert seq.landmarks.shape == (3, 60, 68, 2)
    for i, cps in enumerate(seq.change_points):
        changes = np.flatnonzero(np.diff(seq.target[i])) + 1
        np.testing.assert_array_equal(changes, cps)


def test_make_face_sequences_keep_identity_and_min_length():
    seq = make_face_sequences(
        n_sequences=2, n_frames=80, min_segment_length=10, random_state=1
    )
    for cps in seq.change_points:
        bounds = np.concatenate([[0], cps, [80]])
        assert np.all(np.diff(bounds)[:-1] >= 10)
    # consecutive frames of one sequence differ less than frames of two sequences
    within = np.abs(seq.images[0, 1].astype(int) - seq.images[0, 0]).mean()
    across = np.abs(seq.images[1, 0].astype(int) - seq.images[0, 0]).mean()
    assert within < across


def test_make_face_sequences_rejects_bad_lengths():
    with pytest.raises(ValueError, match="'n_frames' parameter of make_face_seq"):
        make_face_sequences(n_frames=1)
    with pytest.raises(ValueError, match="'min_segment_length' parameter of"):
        make_face_sequences(min_segment_length=0)
    with pytest.raises(ValueError, match="mean_segment_length must be >="):
        make_face_sequences(mean_segment_length=2, min_segment_length=5)
