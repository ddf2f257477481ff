"""HOGFeatures: descriptor size, names, errors and a HOG + SVM baseline."""

import numpy as np
import pytest
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from affect_sklearn.datasets import make_faces
from affect_sklearn.transformers import HOGFeatures

feature = pytest.importorskip("skimage.feature")


@pytest.fixture(scope="module")
def faces():
    return make_faces(
        n_samples=90, image_size=32, n_classes=3, noise=0.02, random_state=0
    )


def test_matches_skimage_and_names_features(faces):
    hog = HOGFeatures().fit(faces.images)
    out = hog.transform(faces.images[:2])
    ref = feature.hog(
        faces.images[0] / 255.0, pixels_per_cell=(8, 8), cells_per_block=(2, 2)
    )
    assert out.shape == (2, hog.n_features_out_) == (2, ref.size)
    np.testing.assert_allclose(out[0], ref, rtol=1e-5, atol=1e-6)
    names = hog.get_feature_names_out()
    assert names[0] == "hog0" and len(names) == hog.n_features_out_


def test_colour_images_use_the_strongest_channel(faces):
    rgb = np.repeat(faces.images[:2, ..., None], 3, axis=-1)
    np.testing.assert_allclose(
        HOGFeatures().fit_transform(rgb), HOGFeatures().fit_transform(faces.images[:2])
    )


def test_rejects_images_smaller_than_a_block(faces):
    with pytest.raises(ValueError, match="at least 16x16 pixels.*got 8x8"):
        HOGFeatures().fit(faces.images[:, :8, :8])
    with pytest.raises(ValueError, match="X has images of shape"):
        HOGFeatures().fit(faces.images).transform(faces.images[:, :16, :16])
    with pytest.raises(ValueError, match="pixels_per_cell must be a positive int"):
        HOGFeatures(pixels_per_cell=(0, 4)).fit(faces.images)
    with pytest.raises(ValueError, match="transform_sqrt=True needs non-negative"):
        HOGFeatures(transform_sqrt=True).fit_transform(faces.images - 0.5)


def test_hog_svm_baseline_beats_chance(faces):
    model = make_pipeline(HOGFeatures(pixels_per_cell=6), LinearSVC())
    scores = cross_val_score(model, faces.images, faces.target, cv=3)
    assert scores.mean() > 0.6  # 3 classes: chance is 1/3


def test_pandas_output(faces):
    df = HOGFeatures().set_output(transform="pandas").fit_transform(faces.images[:3])
    assert df.shape[0] == 3 and df.columns[0] == "hog0"
