import numpy as np
import pytest
from imblearn import FunctionSampler
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline, make_pipeline
from imblearn.under_sampling import (
    ClusterCentroids,
    EditedNearestNeighbours,
    RandomUnderSampler,
)
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import FunctionTransformer

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import make_faces
from affect_sklearn.imbalance import ImageResampler

from ..conftest import TINY


@pytest.fixture(scope="module")
def skewed():
    """40 faces of 16x16 with string labels, "happy" the majority, "disgust" rare."""
    faces = make_faces(
        n_samples=40,
        image_size=16,
        n_classes=3,
        weights=[0.1, 0.2, 0.7],
        random_state=0,
    )
    names = np.array(["disgust", "sad", "happy"])[faces.target]
    return faces.images, names


def _flatten(X):
    return np.asarray(X, dtype=np.float32).reshape(len(X), -1)


def _counts(y):
    labels, counts = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), counts.tolist(), strict=True))


def test_oversampling_keeps_image_shape_dtype_and_rows(skewed):
    X, y = skewed
    res = ImageResampler(random_state=0)
    X_res, y_res = res.fit_resample(X, y)
    assert X_res.shape[1:] == X.shape[1:] and X_res.dtype == X.dtype
    assert len(set(_counts(y_res).values())) == 1  # balanced
    np.testing.assert_array_equal(X_res, X[res.sample_indices_])
    np.testing.assert_array_equal(y_res, y[res.sample_indices_])


def test_colour_images_and_under_sampling(skewed):
    X, y = skewed
    rgb = np.repeat(X[..., None], 3, axis=-1)
    X_res, y_res = ImageResampler(RandomUnderSampler(random_state=0)).fit_resample(
        rgb, y
    )
    assert X_res.shape[1:] == (16, 16, 3)
    n_min = min(_counts(y).values())
    assert _counts(y_res) == {"disgust": n_min, "happy": n_min, "sad": n_min}


def test_distance_based_sampler_compares_pixels_and_returns_original_rows(skewed):
    X, y = skewed
    res = ImageResampler(EditedNearestNeighbours())
    X_res, y_res = res.fit_resample(X, y)
    assert len(X_res) <= len(X)
    np.testing.assert_array_equal(X_res, X[res.sample_indices_])


def test_paths_are_resampled_by_index(skewed):
    _, y = skewed
    paths = [f"faces/{i:03d}.png" for i in range(len(y))]
    res = ImageResampler(RandomOverSampler(random_state=0))
    X_res, y_res = res.fit_resample(paths, y)
    assert X_res.dtype.kind == "U" and X_res.ndim == 1
    np.testing.assert_array_equal(X_res, np.asarray(paths)[res.sample_indices_])
    assert _counts(y_res)["disgust"] == _counts(y)["happy"]


def test_imblearn_pipeline_with_string_labels_and_the_cnn(skewed):
    X, y = skewed
    pipe = Pipeline(
        [
            ("resample", ImageResampler(RandomOverSampler(random_state=0))),
            ("clf", AffectCNNClassifier(**TINY, random_state=0)),
        ]
    )
    pipe.fit(X, y)
    seen = y[pipe.named_steps["resample"].sample_indices_]
    assert len(set(_counts(seen).values())) == 1
    assert set(pipe.predict(X)) <= {"disgust", "happy", "sad"}
    assert pipe.named_steps["clf"].classes_.tolist() == ["disgust", "happy", "sad"]


def test_clone_safe_and_the_given_sampler_is_not_fitted(skewed):
    sampler = RandomOverSampler(random_state=0)
    res = ImageResampler(sampler, random_state=1)
    cloned = clone(res)
    assert cloned.get_params()["random_state"] == 1
    assert cloned.sampler is not sampler
    res.fit_resample(*skewed)
    assert not hasattr(sampler, "sample_indices_")
    assert res.sampler_.random_state == 1
    # clones run inside cross-validation
    pipe = make_pipeline(
        ImageResampler(random_state=0),
        FunctionTransformer(_flatten),
        LogisticRegression(max_iter=200),
    )
    assert cross_val_score(pipe, *skewed, cv=2).shape == (2,)


def test_random_state_makes_resampling_reproducible(skewed):
    first = ImageResampler(random_state=3).fit(*skewed).sample_indices_
    second = ImageResampler(random_state=3).fit(*skewed).sample_indices_
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("sampler", [SMOTE(), ClusterCentroids()])
def test_synthesising_samplers_point_to_the_feature_pipeline(skewed, sampler):
    name = type(sampler).__name__
    with pytest.raises(
        ValueError, match=rf"{name}\(\) synthesises new samples.*feature"
    ):
        ImageResampler(sampler).fit_resample(*skewed)


def test_sampler_without_sample_indices_is_rejected(skewed):
    sampler = FunctionSampler()  # returns X, y unchanged; records no indices
    with pytest.raises(ValueError, match="FunctionSampler sets no sample_indices_"):
        ImageResampler(sampler).fit_resample(*skewed)


def test_smoothed_bootstrap_is_rejected(skewed):
    with pytest.raises(ValueError, match="shrinkage=0.5.*Set shrinkage=None"):
        ImageResampler(RandomOverSampler(shrinkage=0.5)).fit_resample(*skewed)


def test_labels_must_match_the_images(skewed):
    X, y = skewed
    with pytest.raises(ValueError, match="got 40 images and 39 labels"):
        ImageResampler().fit_resample(X, y[:-1])
    with pytest.raises(ValueError, match="got 40 images and None"):
        ImageResampler().fit_resample(X, None)


def test_sampler_must_have_fit_resample(skewed):
    with pytest.raises(ValueError, match="'sampler' parameter"):
        ImageResampler(LogisticRegression()).fit_resample(*skewed)


def test_smote_works_on_features_the_documented_pattern(skewed):
    pipe = make_pipeline(
        FunctionTransformer(_flatten),
        PCA(n_components=5, random_state=0),
        SMOTE(k_neighbors=2, random_state=0),
        LogisticRegression(max_iter=500),
    )
    pipe.fit(*skewed)
    assert set(pipe.predict(skewed[0])) <= {"disgust", "happy", "sad"}
