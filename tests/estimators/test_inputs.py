"""Every accepted X form, and a clear error for every rejected one."""

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from affect_sklearn import AffectCNNClassifier, AffectCNNRegressor
from affect_sklearn.exceptions import ImageReadError

from ..conftest import TINY


def _clf(**kw):
    return AffectCNNClassifier(**{**TINY, "random_state": 0, **kw})


@pytest.fixture(scope="module")
def rgb(tiny_faces):
    return np.repeat(tiny_faces.images[..., None], 3, axis=-1)


@pytest.mark.parametrize(
    "form, shape",
    [
        ("nhw", (1, 16, 16)),
        ("nhw1", (1, 16, 16)),
        ("n1hw", (1, 16, 16)),
        ("nhw3", (3, 16, 16)),
        ("n3hw", (3, 16, 16)),
        ("nhw4", (3, 16, 16)),
        ("float", (1, 16, 16)),
        ("flat", (1, 16, 16)),
        ("dataframe", (1, 16, 16)),
        ("list", (1, 16, 16)),
    ],
)
def test_accepted_array_forms(form, shape, tiny_faces, rgb):
    imgs = tiny_faces.images
    X = {
        "nhw": imgs,
        "nhw1": imgs[..., None],
        "n1hw": imgs[:, None],
        "nhw3": rgb,
        "n3hw": rgb.transpose(0, 3, 1, 2),
        "nhw4": np.concatenate([rgb, np.full(rgb.shape[:3] + (1,), 255, np.uint8)], -1),
        "float": imgs.astype(np.float32) / 255,
        "flat": imgs.reshape(24, -1),
        "dataframe": pd.DataFrame(imgs.reshape(24, -1).astype(float) / 255),
        "list": imgs.tolist(),
    }[form]
    clf = _clf(max_epochs=1).fit(X, tiny_faces.target)
    assert clf.image_shape_ == shape
    assert clf.predict(X).shape == (24,)


def test_non_square_flat_input_with_image_shape(tiny_faces):
    X = tiny_faces.images[:, :, :12].reshape(24, -1)  # 16 x 12
    clf = _clf(image_shape=(16, 12), max_epochs=1).fit(X, tiny_faces.target)
    assert clf.image_shape_ == (1, 16, 12)
    with pytest.raises(ValueError, match="image_shape=\\(16, 16\\) holds 256 values"):
        _clf(image_shape=(16, 16)).fit(X, tiny_faces.target)


def test_tabular_width_is_a_one_pixel_image(tiny_faces):
    X = np.random.RandomState(0).rand(24, 5)
    clf = _clf(max_epochs=1).fit(X, tiny_faces.target)
    assert clf.image_shape_ == (5, 1, 1)
    with pytest.raises(ValueError, match="X has 4 features, but AffectCNNClassifier"):
        clf.predict(X[:, :4])


def test_flattened_predict_after_image_fit(tiny_faces):
    clf = _clf(max_epochs=1).fit(tiny_faces.images, tiny_faces.target)
    np.testing.assert_array_equal(
        clf.predict_proba(tiny_faces.images),
        clf.predict_proba(tiny_faces.images.reshape(24, -1)),
    )


@pytest.fixture
def image_paths(tmp_path, tiny_faces):
    paths = []
    for i, img in enumerate(tiny_faces.images):
        p = tmp_path / f"face_{i}.png"
        Image.fromarray(img).save(p)
        paths.append(str(p))
    return np.array(paths)


def test_paths_are_read_lazily_and_match_arrays(image_paths, tiny_faces):
    clf_paths = _clf(augment=False).fit(image_paths, tiny_faces.target)
    clf_arr = _clf(augment=False).fit(tiny_faces.images, tiny_faces.target)
    assert clf_paths.image_shape_ == (1, 16, 16)
    assert not hasattr(clf_paths, "n_features_in_")
    np.testing.assert_allclose(
        clf_paths.predict_proba(image_paths),
        clf_arr.predict_proba(tiny_faces.images),
        rtol=1e-5,
    )
    # a list of pathlib paths works too
    from pathlib import Path

    assert clf_paths.predict([Path(p) for p in image_paths[:2]]).shape == (2,)


def test_paths_resized_to_image_shape(image_paths, tiny_faces):
    clf = _clf(image_shape=(20, 20), max_epochs=1).fit(image_paths, tiny_faces.target)
    assert clf.image_shape_ == (1, 20, 20)


def test_rgb_paths(tmp_path, rgb, tiny_faces):
    paths = []
    for i, img in enumerate(rgb):
        p = tmp_path / f"rgb_{i}.jpg"
        Image.fromarray(img).save(p)
        paths.append(str(p))
    clf = _clf(max_epochs=1).fit(paths, tiny_faces.target)
    assert clf.image_shape_ == (3, 16, 16)


def test_missing_path_is_named(image_paths, tiny_faces):
    clf = _clf(max_epochs=1).fit(image_paths, tiny_faces.target)
    bad = np.array(list(image_paths[:2]) + ["/nonexistent/face.png"])
    with pytest.raises(ImageReadError, match="/nonexistent/face.png"):
        clf.predict(bad)


def test_unreadable_file_is_named(tmp_path, image_paths, tiny_faces):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    paths = np.array([str(broken)] + list(image_paths[1:]))
    with pytest.raises(ImageReadError, match="broken.jpg"):
        _clf(max_epochs=1).fit(paths, tiny_faces.target)


def test_nan_pixels_raise(tiny_faces):
    X = tiny_faces.images.astype(np.float32)
    X[3, 2, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        _clf().fit(X, tiny_faces.target)


def test_inf_pixels_raise(tiny_faces):
    X = tiny_faces.images.astype(np.float32)
    X[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        _clf().fit(X, tiny_faces.target)


def test_wrong_rank_raises(tiny_faces):
    X = tiny_faces.images[:, None, :, :, None]
    with pytest.raises(ValueError, match="got an array with 5 dimensions"):
        _clf().fit(X, tiny_faces.target)


def test_one_dimensional_numbers_raise(tiny_faces):
    with pytest.raises(ValueError, match="Expected 2D array"):
        _clf().fit(np.arange(24.0), tiny_faces.target)


def test_ambiguous_channel_layout_raises(tiny_faces):
    X = np.zeros((24, 5, 16, 16), dtype=np.uint8)
    with pytest.raises(ValueError, match="with 1, 3 or 4 channels; got shape"):
        _clf().fit(X, tiny_faces.target)


def test_predict_with_other_image_size_raises(fitted_classifier, tiny_faces):
    with pytest.raises(ValueError, match=r"fitted on images of shape \(1, 16, 16\)"):
        fitted_classifier.predict(np.zeros((2, 20, 20), np.uint8))


def test_bad_image_shape_parameter(tiny_faces):
    with pytest.raises(ValueError, match="image_shape must be"):
        _clf(image_shape=(16,)).fit(
            tiny_faces.images.reshape(24, -1), tiny_faces.target
        )


def test_regressor_accepts_paths(image_paths, tiny_faces):
    reg = AffectCNNRegressor(**TINY, random_state=0).fit(image_paths, tiny_faces.va)
    assert reg.predict(image_paths).shape == (24, 2)


@pytest.mark.parametrize("device", ["tpu9", "gpu", "cuda:x", ""])
def test_invalid_device_string_is_a_value_error_naming_the_parameter(
    device, tiny_faces
):
    clf = AffectCNNClassifier(**{**TINY, "device": device})
    with pytest.raises(ValueError, match=r"'device' parameter must be 'auto', 'cpu'"):
        clf.fit(tiny_faces.images, tiny_faces.target)
    assert not hasattr(clf, "net_")


def test_failed_fit_leaves_the_estimator_unfitted(tiny_faces):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    clf = AffectCNNClassifier(**TINY)
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(tiny_faces.images, np.zeros(len(tiny_faces.images), dtype=int))
    assert [k for k in vars(clf) if k.endswith("_")] == []
    with pytest.raises(NotFittedError):
        check_is_fitted(clf)
    with pytest.raises(NotFittedError):
        clf.predict(tiny_faces.images[:2])


def test_failed_refit_keeps_the_previous_fit(fitted_classifier, tiny_faces):
    import copy

    clf = copy.deepcopy(fitted_classifier)
    before = clf.predict_proba(tiny_faces.images[:4])
    classes = clf.classes_.copy()
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(tiny_faces.images, np.full(len(tiny_faces.images), "sad"))
    np.testing.assert_array_equal(clf.classes_, classes)
    np.testing.assert_array_equal(clf.predict_proba(tiny_faces.images[:4]), before)
