"""check_images, read_image, is_path_input and ImageBatch, without any fitting."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.base import BaseEstimator

from affect_sklearn.exceptions import ImageReadError
from affect_sklearn.utils import ImageBatch, check_images, is_path_input, read_image


class Est(BaseEstimator):
    """A bare estimator whose name appears in the messages."""


def _images(*shape, dtype=np.uint8):
    return (np.arange(int(np.prod(shape))) % 251).reshape(shape).astype(dtype)


# ----------------------------------------------------------------- is_path_input
@pytest.mark.parametrize(
    "X, expected",
    [
        (["a.png", "b.png"], True),
        (("a.png", Path("b.png")), True),
        (np.array(["a.png", "b.png"]), True),
        (np.array([b"a.png"]), True),
        (np.array([Path("a.png"), "b.png"], dtype=object), True),
        (pd.Series(["a.png", "b.png"]), True),
        ("a.png", False),
        (b"a.png", False),
        ([], False),
        (np.array([], dtype=object), False),
        (["a.png", 3], False),
        (np.array(["a.png", None], dtype=object), False),
        (np.zeros(3), False),
        (np.zeros((2, 8, 8)), False),
        ([[1, 2], [3, 4]], False),
    ],
)
def test_is_path_input(X, expected):
    assert is_path_input(X) is expected


# ----------------------------------------------------------------- read_image
def _save(path, arr, **kw):
    Image.fromarray(arr).save(path, **kw)
    return path


def test_read_image_keeps_grayscale_and_colour_files(tmp_path):
    gray = _images(6, 5)
    rgb = _images(6, 5, 3)
    assert np.array_equal(read_image(_save(tmp_path / "g.png", gray)), gray[None])
    out = read_image(_save(tmp_path / "c.png", rgb))
    assert out.dtype == np.uint8 and np.array_equal(out, rgb.transpose(2, 0, 1))


def test_read_image_converts_channels(tmp_path):
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[..., 1] = 200
    path = _save(tmp_path / "green.png", rgb)
    gray = read_image(path, channels=1)
    assert gray.shape == (1, 4, 4)
    assert (gray == round(0.587 * 200)).all()  # ITU-R 601-2 luma, as PIL's L
    back = read_image(_save(tmp_path / "g.png", gray[0]), channels=3)
    assert back.shape == (3, 4, 4) and (back == gray).all()
    rgba = np.dstack([rgb, np.full((4, 4), 255, np.uint8)])
    assert read_image(_save(tmp_path / "a.png", rgba)).shape == (3, 4, 4)


def test_read_image_resizes_to_height_and_width(tmp_path):
    path = _save(tmp_path / "wide.png", np.full((10, 20), 90, np.uint8))
    out = read_image(path, size=(4, 6))
    assert out.shape == (1, 4, 6) and (out == 90).all()
    same = read_image(path, size=(10, 20))  # the file's size: unchanged
    assert np.array_equal(same, np.full((1, 10, 20), 90, np.uint8))


def test_read_image_missing_and_broken_files_name_the_path(tmp_path):
    missing = tmp_path / "nope.png"
    with pytest.raises(ImageReadError, match=r"Image file not found: '.*nope\.png'"):
        read_image(missing)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    with pytest.raises(ImageReadError, match=r"Could not decode image file .*broken"):
        read_image(broken)
    # an ImageReadError is a ValueError, so sklearn-style handlers catch it
    assert issubclass(ImageReadError, ValueError)


# ----------------------------------------------------------------- ImageBatch
def test_image_batch_len_and_subset():
    data = ImageBatch(_images(5, 1, 2, 2), None, (1, 2, 2))
    sub = data.subset([4, 0])
    assert len(data) == 5 and len(sub) == 2
    assert np.array_equal(sub.data, data.data[[4, 0]]) and sub.shape == (1, 2, 2)
    paths = ImageBatch(None, np.array(["a", "b", "c"], dtype=object), (3, 8, 8))
    sub = paths.subset(np.array([False, True, True]))
    assert sub.data is None and list(sub.paths) == ["b", "c"] and len(sub) == 2


# ----------------------------------------------------------------- check_images
@pytest.mark.parametrize(
    "shape, layout, expected",
    [
        ((3, 8, 6), None, (1, 8, 6)),
        ((3, 8, 6, 1), (0, 3, 1, 2), (1, 8, 6)),
        ((3, 1, 8, 6), None, (1, 8, 6)),
        ((3, 8, 6, 3), (0, 3, 1, 2), (3, 8, 6)),
        ((3, 3, 8, 6), None, (3, 8, 6)),
        # ambiguous tiny images are read channels-last, as PIL and OpenCV store them
        ((2, 3, 3, 3), (0, 3, 1, 2), (3, 3, 3)),
    ],
)
def test_check_images_array_layouts(shape, layout, expected):
    X = _images(*shape)
    est = Est()
    batch = check_images(est, X, reset=True)
    moved = X[:, None] if len(shape) == 3 else X
    if layout is not None:
        moved = moved.transpose(layout)
    assert batch.shape == est.image_shape_ == expected
    assert batch.paths is None and batch.data.dtype == np.uint8
    assert np.array_equal(batch.data, moved) and batch.data.flags.c_contiguous
    assert est.n_features_in_ == int(np.prod(expected))


def test_check_images_drops_alpha():
    X = _images(2, 5, 5, 4)
    batch = check_images(Est(), X, reset=True)
    assert batch.shape == (3, 5, 5)
    assert np.array_equal(batch.data, X[..., :3].transpose(0, 3, 1, 2))


def test_check_images_dtypes():
    est = Est()
    assert check_images(est, _images(2, 4, 4), reset=True).data.dtype == np.uint8
    for dtype in (np.float64, np.int64, np.float16):
        X = _images(2, 4, 4, dtype=dtype)
        batch = check_images(est, X, reset=True)
        assert batch.data.dtype == np.float32
        np.testing.assert_array_equal(batch.data[:, 0], X.astype(np.float32))
    nested = _images(2, 4, 4).tolist()  # nested lists of numbers
    assert check_images(est, nested, reset=True).data.dtype == np.float32


def test_check_images_reset_false_checks_the_fitted_shape():
    est = Est()
    check_images(est, _images(2, 8, 8, 3), reset=True)
    again = check_images(est, _images(4, 3, 8, 8), reset=False)  # other layout
    assert again.shape == (3, 8, 8) and len(again) == 4
    with pytest.raises(
        ValueError,
        match=r"X has images of shape \(C, H, W\) = \(3, 8, 6\), but Est was fitted "
        r"on images of shape \(3, 8, 8\)\. Resize",
    ):
        check_images(est, _images(2, 8, 6, 3), reset=False)


def test_check_images_flattened_square_and_tabular():
    est = Est()
    X = _images(3, 36, dtype=np.float64)
    batch = check_images(est, X, reset=True)
    assert batch.shape == est.image_shape_ == (1, 6, 6) and est.n_features_in_ == 36
    assert batch.data.dtype == np.float32
    np.testing.assert_array_equal(batch.data.reshape(3, -1), X)
    tab = check_images(est, _images(3, 5, dtype=np.float32), reset=True)
    assert tab.shape == (5, 1, 1)  # not square: a one-pixel image of 5 channels
    with pytest.raises(ValueError, match="X has 4 features, but Est is expecting 5"):
        check_images(est, _images(3, 4, dtype=np.float32), reset=False)


def test_check_images_image_shape_for_flattened_colour_images():
    images = _images(2, 4, 3, 3)  # (n, H, W, C), flattened the usual way
    est = Est()
    batch = check_images(est, images.reshape(2, -1), reset=True, image_shape=(4, 3, 3))
    assert batch.shape == est.image_shape_ == (3, 4, 3)
    np.testing.assert_array_equal(batch.data, images.transpose(0, 3, 1, 2))
    gray = check_images(Est(), _images(2, 12), reset=True, image_shape=(3, 4))
    assert gray.shape == (1, 3, 4)


def test_check_images_uint8_flattened_stays_uint8():
    batch = check_images(Est(), _images(2, 16), reset=True)
    assert batch.data.dtype == np.uint8 and batch.shape == (1, 4, 4)


def test_check_images_dataframe_keeps_feature_names_then_images_drop_them():
    est = Est()
    frame = pd.DataFrame(_images(2, 4, dtype=np.float32), columns=list("abcd"))
    check_images(est, frame, reset=True)
    assert list(est.feature_names_in_) == list("abcd")
    check_images(est, _images(2, 4, 4), reset=True)
    assert not hasattr(est, "feature_names_in_")


@pytest.mark.parametrize(
    "image_shape, n_features, match",
    [
        ((4,), 4, r"image_shape must be \(height, width\) or \(height, width, ch"),
        ((4, 0), 4, "of positive ints; got image_shape=\\(4, 0\\)"),
        ((2, 2, 2, 2), 16, "image_shape must be"),
        ((4, 4), 12, r"image_shape=\(4, 4\) holds 16 values but X has 12 columns"),
    ],
)
def test_check_images_bad_image_shape(image_shape, n_features, match):
    X = _images(2, n_features, dtype=np.float32)
    with pytest.raises(ValueError, match=match) as info:
        check_images(Est(), X, reset=True, image_shape=image_shape)
    assert str(info.value).startswith("Est: ")  # names the estimator


def test_check_images_rejects_bad_arrays():
    est = Est()
    with pytest.raises(ValueError, match=r"with 1, 3 or 4 channels; got shape \(2, 5"):
        check_images(est, _images(2, 5, 6, 7), reset=True)
    with pytest.raises(ValueError, match="got an array with 5 dimensions. Stack"):
        check_images(est, _images(1, 2, 3, 4, 3), reset=True)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        check_images(est, np.zeros(5), reset=True)
    bad = _images(2, 4, 4, dtype=np.float32)
    bad[0, 1, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        check_images(est, bad, reset=True)
    bad[0, 1, 1] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        check_images(est, bad.reshape(2, -1), reset=True)


def test_check_images_flat_input_after_path_fit_is_rejected(tmp_path):
    path = _save(tmp_path / "a.png", _images(4, 4))
    est = Est()
    check_images(est, [path], reset=True)
    with pytest.raises(ValueError, match=r"fitted on image arrays or paths of shape"):
        check_images(est, _images(1, 16, dtype=np.float32), reset=False)


def test_check_images_paths_are_read_lazily(tmp_path):
    first = _save(tmp_path / "a.png", _images(6, 5, 3))
    missing = tmp_path / "later.png"  # only the first file is read to get the shape
    est = Est()
    est.n_features_in_ = 99  # left over from an earlier array fit
    batch = check_images(est, [first, missing], reset=True)
    assert batch.data is None and batch.shape == est.image_shape_ == (3, 6, 5)
    assert list(batch.paths) == [os.fspath(first), os.fspath(missing)]
    assert not hasattr(est, "n_features_in_")
    # image_shape overrides what the first file says, and nothing is read
    est2 = Est()
    lazy = check_images(est2, [missing], reset=True, image_shape=(8, 8))
    assert lazy.shape == est2.image_shape_ == (1, 8, 8)
    # predict uses the fitted shape, whatever the files hold
    assert check_images(est, np.array([str(missing)]), reset=False).shape == (3, 6, 5)
