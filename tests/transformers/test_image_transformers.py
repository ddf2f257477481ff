"""Loading, grayscale, resizing, normalising and flattening images."""

import numpy as np
import pytest
from PIL import Image
from sklearn.pipeline import make_pipeline

from affect_sklearn.datasets import make_faces
from affect_sklearn.exceptions import ImageReadError
from affect_sklearn.transformers import (
    Grayscale,
    ImageFlattener,
    ImageLoader,
    ImageNormalizer,
    ImageReshaper,
    ImageResizer,
)


@pytest.fixture(scope="module")
def faces():
    return make_faces(n_samples=8, image_size=16, random_state=0)


@pytest.fixture
def rgb():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(4, 10, 12, 3), dtype=np.uint8)


def _save(tmp_path, arrays):
    paths = []
    for i, arr in enumerate(arrays):
        path = tmp_path / f"img{i}.png"
        Image.fromarray(arr).save(path)
        paths.append(str(path))
    return paths


def test_loader_reads_paths_with_size_and_color(tmp_path, rgb):
    paths = _save(tmp_path, rgb)
    out = ImageLoader().fit_transform(paths)
    assert out.shape == (4, 10, 12, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, rgb)
    gray = ImageLoader(size=8, color_mode="grayscale").fit_transform(np.array(paths))
    assert gray.shape == (4, 8, 8) and gray.dtype == np.uint8


def test_loader_rejects_files_of_different_sizes(tmp_path, rgb):
    paths = _save(tmp_path, [rgb[0], rgb[1, :8]])
    with pytest.raises(ValueError, match="differ in size.*Set size="):
        ImageLoader().fit_transform(paths)
    assert ImageLoader(size=(6, 5)).fit_transform(paths).shape == (2, 6, 5, 3)


def test_loader_names_a_missing_file(tmp_path, rgb):
    paths = _save(tmp_path, rgb[:1]) + [str(tmp_path / "missing.png")]
    with pytest.raises(ImageReadError, match="missing.png"):
        ImageLoader(size=8).fit_transform(paths)


def test_loader_converts_arrays(rgb):
    out = ImageLoader(color_mode="grayscale", size=5).fit_transform(rgb)
    assert out.shape == (4, 5, 5)
    out = ImageLoader(color_mode="rgb").fit_transform(rgb[..., 0])
    assert out.shape == (4, 10, 12, 3)


def test_grayscale_uses_luma_weights(rgb):
    out = Grayscale().fit_transform(rgb)
    expected = np.asarray([np.asarray(Image.fromarray(im).convert("L")) for im in rgb])
    assert out.dtype == np.uint8
    assert np.abs(out.astype(int) - expected).max() <= 1  # Pillow rounds in fixed point
    three = Grayscale(n_channels=3).fit_transform(rgb.astype(np.float32) / 255)
    assert three.shape == rgb.shape and three.dtype == np.float32
    np.testing.assert_allclose(three[..., 0], three[..., 2])


def test_grayscale_is_stateless_and_accepts_any_size(rgb):
    gray = Grayscale()
    assert gray.transform(rgb).shape == (4, 10, 12)  # no fit needed
    gray.fit(rgb)
    assert gray.transform(rgb[:, :6, :6]).shape == (4, 6, 6)


def test_flat_input_gives_flat_output(faces):
    flat = faces.images.reshape(8, -1)
    out = Grayscale().fit_transform(flat)
    np.testing.assert_array_equal(out, flat)
    small = ImageResizer(size=8).fit_transform(flat)
    assert small.shape == (8, 64)
    with pytest.raises(ValueError, match="X has 255 features, but ImageResizer"):
        ImageResizer(size=8).fit(flat).transform(flat[:, 1:])


def test_resizer_sizes_layouts_and_dtypes(faces):
    X = faces.images
    out = ImageResizer(size=(8, 12)).fit_transform(X)
    assert out.shape == (8, 8, 12) and out.dtype == np.uint8
    same = ImageResizer(size=16).fit_transform(X)
    np.testing.assert_array_equal(same, X)
    chw = np.repeat(X[:, None], 3, axis=1).astype(np.float32)  # (n, C, H, W)
    out = ImageResizer(size=4, interpolation="area").fit_transform(chw)
    assert out.shape == (8, 4, 4, 3) and out.dtype == np.float32
    np.testing.assert_allclose(
        out[..., 0], X.reshape(8, 4, 4, 4, 4).mean(axis=(2, 4)), rtol=1e-5
    )


@pytest.mark.parametrize("size", [0, (4, -1), (4, 4, 4), "big", 2.5])
def test_resizer_rejects_bad_size(size, faces):
    with pytest.raises(ValueError, match="size"):
        ImageResizer(size=size).fit_transform(faces.images)


def test_normalizer_dataset_statistics(rgb):
    norm = ImageNormalizer().fit(rgb)
    np.testing.assert_allclose(norm.mean_, rgb.reshape(-1, 3).mean(0))
    np.testing.assert_allclose(norm.scale_, rgb.reshape(-1, 3).std(0))
    Z = norm.transform(rgb)
    assert Z.shape == rgb.shape and Z.dtype == np.float32
    np.testing.assert_allclose(Z.reshape(-1, 3).mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(Z.reshape(-1, 3).std(0), 1, atol=1e-5)
    pooled = ImageNormalizer(per_channel=False).fit(rgb)
    assert np.ptp(pooled.mean_) == 0 and pooled.mean_[0] == pytest.approx(rgb.mean())
    with pytest.raises(ValueError, match="3 channel.*got 1"):
        norm.transform(rgb[..., 0])


def test_normalizer_per_image_removes_brightness_and_contrast(faces):
    X = faces.images.astype(np.float32)
    norm = ImageNormalizer(method="per_image")
    a = norm.transform(X)  # stateless: no fit needed
    b = norm.fit_transform(3 * X + 40)
    np.testing.assert_allclose(a, b, atol=1e-4)
    np.testing.assert_allclose(a.mean(axis=(1, 2)), 0, atol=1e-5)
    flat = np.zeros((2, 16), np.float32)  # constant images are only centred
    np.testing.assert_array_equal(norm.fit_transform(flat), flat)


def test_normalizer_rejects_bad_method(faces):
    with pytest.raises(ValueError, match="'method' parameter of ImageNormalizer"):
        ImageNormalizer(method="global").fit(faces.images)


def test_flattener_round_trip_and_feature_names(rgb):
    flat = ImageFlattener().fit(rgb)
    rows = flat.transform(rgb)
    assert rows.shape == (4, 10 * 12 * 3) and rows.dtype == np.uint8
    np.testing.assert_array_equal(rows, rgb.reshape(4, -1))
    np.testing.assert_array_equal(flat.inverse_transform(rows), rgb)
    names = flat.get_feature_names_out()
    assert names[0] == "pixel0" and len(names) == rows.shape[1]
    df = ImageFlattener().set_output(transform="pandas").fit_transform(rgb)
    assert list(df.columns[:2]) == ["pixel0", "pixel1"]
    with pytest.raises(ValueError, match="rows of 360 pixels"):
        flat.inverse_transform(rows[:, :10])


def test_reshaper_reads_back_flattened_colour_images(rgb):
    rows = ImageFlattener().fit_transform(rgb)
    back = ImageReshaper(image_shape=(10, 12, 3)).fit(rows)
    np.testing.assert_array_equal(back.transform(rows), rgb)
    np.testing.assert_array_equal(back.inverse_transform(rgb), rows)
    square = ImageReshaper().fit_transform(np.zeros((2, 49), np.float32))
    assert square.shape == (2, 7, 7)
    with pytest.raises(ValueError, match="image_shape=\\(5, 5\\) holds 25 values"):
        ImageReshaper(image_shape=(5, 5)).fit(rows)


def test_flatten_resample_reshape_pipeline(faces):
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import make_pipeline as make_imb_pipeline

    y = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    pipe = make_imb_pipeline(
        ImageFlattener(), RandomOverSampler(random_state=0), ImageReshaper()
    )
    X_res, y_res = pipe[:-1].fit_resample(faces.images, y)
    assert np.bincount(y_res).tolist() == [6, 6]
    images = pipe[-1].fit_transform(X_res)
    assert images.shape == (12, 16, 16) and images.dtype == np.uint8


def test_image_steps_chain_in_a_pipeline(rgb):
    pipe = make_pipeline(Grayscale(), ImageResizer(size=6), ImageNormalizer())
    out = pipe.fit_transform(rgb)
    assert out.shape == (4, 6, 6) and out.dtype == np.float32
