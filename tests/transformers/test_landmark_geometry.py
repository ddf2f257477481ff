"""LandmarkNormalizer invariances and LandmarkFeatures values, on known landmarks."""

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from affect_sklearn.datasets import make_faces
from affect_sklearn.transformers import (
    GEOMETRIC_FEATURES,
    LandmarkFeatures,
    LandmarkNormalizer,
)


@pytest.fixture(scope="module")
def faces():
    return make_faces(n_samples=60, n_classes=3, noise=0.0, random_state=0)


def _similarity(P, angle, scale, shift):
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    return scale * P @ R.T + np.asarray(shift)


@pytest.mark.parametrize("rotation", ["procrustes", "eyes"])
def test_normalizer_is_invariant_to_rotation_scale_and_shift(faces, rotation):
    P = faces.landmarks.astype(np.float64)
    norm = LandmarkNormalizer(rotation=rotation).fit(P)
    rng = np.random.default_rng(0)
    moved = np.stack(
        [
            _similarity(
                p, rng.uniform(-0.6, 0.6), rng.uniform(0.3, 3), rng.normal(0, 50, 2)
            )
            for p in P
        ]
    )
    np.testing.assert_allclose(norm.transform(moved), norm.transform(P), atol=1e-9)


def test_normalizer_output_is_centred_with_unit_interocular_distance(faces):
    Z = LandmarkNormalizer().fit_transform(faces.landmarks.astype(np.float64))
    np.testing.assert_allclose(Z.mean(axis=1), 0, atol=1e-12)
    iod = np.linalg.norm(Z[:, 42:48].mean(1) - Z[:, 36:42].mean(1), axis=1)
    np.testing.assert_allclose(iod, 1)


def test_normalizer_mean_shape_has_level_eyes(faces):
    norm = LandmarkNormalizer().fit(faces.landmarks)
    eyes = norm.mean_shape_[42:48].mean(0) - norm.mean_shape_[36:42].mean(0)
    assert eyes[0] > 0 and abs(eyes[1]) < 1e-9
    assert norm.mean_shape_[8, 1] > 0  # chin below the centroid (y down)


def test_normalizer_without_rotation_keeps_orientation(faces):
    P = faces.landmarks[:4].astype(np.float64)
    Z = LandmarkNormalizer(rotation=None).fit_transform(P)
    turned = LandmarkNormalizer(rotation=None).fit_transform(
        np.stack([_similarity(p, 0.5, 1, 0) for p in P])
    )
    np.testing.assert_allclose(turned, np.stack([_similarity(z, 0.5, 1, 0) for z in Z]))


def test_normalizer_handles_other_layouts_with_rms_scale():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(10, 5, 2))
    Z = LandmarkNormalizer().fit_transform(P)
    rms = np.sqrt((Z**2).sum(axis=2).mean(axis=1))
    np.testing.assert_allclose(rms, 1)
    with pytest.raises(ValueError, match="rotation='eyes' needs the 68-point"):
        LandmarkNormalizer(rotation="eyes").fit(P)
    with pytest.raises(ValueError, match="scale='interocular' needs the 68-point"):
        LandmarkNormalizer(scale="interocular").fit(P)


def test_normalizer_pandas_output_is_flat_with_names(faces):
    norm = LandmarkNormalizer().set_output(transform="pandas")
    df = norm.fit_transform(faces.landmarks)
    assert df.shape == (60, 136) and list(df.columns[:3]) == ["x0", "y0", "x1"]


def test_normalizer_rejects_points_that_are_not_pairs(faces):
    with pytest.raises(
        ValueError, match=r"got shape \(60, 68, 3\)\. Points must be \(x, y\)"
    ):
        LandmarkNormalizer().fit(np.zeros((60, 68, 3)))


def test_geometric_features_names_and_invariance(faces):
    P = faces.landmarks.astype(np.float64)
    lf = LandmarkFeatures().fit(P)
    assert list(lf.get_feature_names_out()) == list(GEOMETRIC_FEATURES)
    F = lf.transform(P)
    assert F.shape == (60, 24) and np.isfinite(F).all()
    moved = np.stack([_similarity(p, 0.3, 2.5, (7, -3)) for p in P])
    np.testing.assert_allclose(lf.transform(moved), F, atol=1e-9)
    normed = LandmarkNormalizer().fit_transform(P)
    np.testing.assert_allclose(lf.transform(normed), F, atol=1e-9)


def _eye_and_mouth(open_eye, open_mouth):
    """68 points, eyes 2 apart, with hand-set eye and mouth openings."""
    P = np.zeros((68, 2))
    P[:, 1] = 1.0  # everything else below the eyes
    for start, cx in ((36, -1.0), (42, 1.0)):
        P[start : start + 6] = [
            [cx - 0.3, 0],
            [cx - 0.1, -open_eye / 2],
            [cx + 0.1, -open_eye / 2],
            [cx + 0.3, 0],
            [cx + 0.1, open_eye / 2],
            [cx - 0.1, open_eye / 2],
        ]
    P[60:68] = [
        [-0.5, 2],
        [-0.2, 2 - open_mouth / 2],
        [0, 2 - open_mouth / 2],
        [0.2, 2 - open_mouth / 2],
        [0.5, 2],
        [0.2, 2 + open_mouth / 2],
        [0, 2 + open_mouth / 2],
        [-0.2, 2 + open_mouth / 2],
    ]
    return P


def test_geometric_features_match_hand_computed_values():
    P = np.stack([_eye_and_mouth(0.15, 0.0), _eye_and_mouth(0.3, 0.4)])
    names = [
        "left_eye_aspect_ratio",
        "right_eye_aspect_ratio",
        "inner_mouth_aspect_ratio",
        "mouth_opening",
        "mouth_height",
    ]
    F = LandmarkFeatures(features=names).fit_transform(P)
    # EAR = mean lid distance / eye width = open / 0.6; distances in units of
    # the inter-ocular distance (2); mouth 2 below the eye line.
    expected = [[0.25, 0.25, 0.0, 0.0, 1.0], [0.5, 0.5, 0.4, 0.2, 1.0]]
    np.testing.assert_allclose(F, expected, atol=1e-12)


def test_features_subset_and_errors(faces):
    with pytest.raises(ValueError, match=r"unknown feature name\(s\) \['smile'\]"):
        LandmarkFeatures(features=["smile"]).fit(faces.landmarks)
    with pytest.raises(ValueError, match="needs the 68-point iBUG layout; got 5"):
        LandmarkFeatures().fit(np.zeros((3, 5, 2)))
    with pytest.raises(ValueError, match="kind='geometric' or features=None"):
        LandmarkFeatures(kind="pairwise", features=["brow_gap"]).fit(faces.landmarks)
    pairwise = LandmarkFeatures(kind="pairwise").fit(np.zeros((3, 5, 2)))
    assert list(pairwise.get_feature_names_out()[:2]) == ["d0_1", "d0_2"]


def test_features_pandas_output(faces):
    lf = LandmarkFeatures(features=["brow_gap", "mouth_width"])
    df = lf.set_output(transform="pandas").fit_transform(faces.landmarks)
    assert list(df.columns) == ["brow_gap", "mouth_width"]


def test_true_landmark_features_classify_expressions(faces):
    model = make_pipeline(
        LandmarkNormalizer(), LandmarkFeatures(), StandardScaler(), SVC()
    )
    scores = cross_val_score(model, faces.landmarks, faces.target, cv=3)
    assert scores.mean() > 0.8  # 3 classes: chance is 1/3
