"""One decoder and one resampler: every route gives the same pixels for a file."""

import numpy as np
import pytest
from PIL import Image
from sklearn.base import BaseEstimator

from affect_sklearn.datasets import load_image_folder
from affect_sklearn.experiments._predict import _image_sizes
from affect_sklearn.nn._dataset import ImageDataset
from affect_sklearn.temporal._tracking import crop_face
from affect_sklearn.temporal._video import _center_crop
from affect_sklearn.transformers import FaceCropper, ImageLoader, ImageResizer
from affect_sklearn.utils import check_images, read_image
from affect_sklearn.utils._image_io import decode_image, image_size, resize_images

SIZE = (48, 40)  # (height, width): a quarter of the files, so JPEG draft shrinks


def _smooth_rgb(rng, h=200, w=160):
    """A photo-like RGB image: smooth gradients plus a little noise."""
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack(
        [127 + 100 * np.sin(xx / 17.0 + k) * np.cos(yy / 23.0 - k) for k in range(3)],
        axis=-1,
    )
    noisy = base + rng.normal(0, 6, base.shape)
    return np.clip(noisy, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    """root/<class>/<i>.<ext>: 4 JPEG and 4 PNG colour photos of 200x160."""
    root = tmp_path_factory.mktemp("faces")
    rng = np.random.default_rng(0)
    for i in range(8):
        folder = root / ("happy" if i % 2 else "sad")
        folder.mkdir(exist_ok=True)
        ext = ".jpg" if i < 4 else ".png"
        Image.fromarray(_smooth_rgb(rng)).save(folder / f"{i}{ext}", quality=90)
    return root


def _reference(image_folder):
    data = load_image_folder(image_folder, image_size=SIZE, color_mode="grayscale")
    return data.images, [str(p) for p in data.filenames]


def test_every_route_gives_the_pixels_of_load_image_folder(image_folder):
    images, paths = _reference(image_folder)
    assert images.shape == (8, *SIZE) and images.dtype == np.uint8

    # path input to the estimators (fit/predict): check_images + ImageDataset
    est = BaseEstimator()
    batch = check_images(est, paths, reset=True, image_shape=(*SIZE, 1))
    dataset = ImageDataset(batch)
    served = np.stack([dataset[i][0].numpy()[0] for i in range(len(paths))])
    np.testing.assert_array_equal(np.round(served * 255).astype(np.uint8), images)

    # read_image, as ImageDataset and the transformers call it
    read = np.stack([read_image(p, channels=1, size=SIZE)[0] for p in paths])
    np.testing.assert_array_equal(read, images)

    # the transformers
    loaded = ImageLoader(size=SIZE, color_mode="grayscale").fit_transform(paths)
    np.testing.assert_array_equal(loaded, images)


def test_jpeg_draft_is_applied_on_every_route(image_folder):
    # libjpeg's downscaled decode differs from a full decode then resize, so
    # the routes agree only because they share the one policy
    images, paths = _reference(image_folder)
    jpeg = [i for i, p in enumerate(paths) if p.endswith(".jpg")]
    full = [read_image(paths[i], channels=1) for i in jpeg]
    resized_full = np.stack([resize_images(f[None], SIZE)[0, 0] for f in full])
    assert not np.array_equal(resized_full, images[jpeg])
    drafted = np.stack([decode_image(paths[i], channels=1, size=SIZE)[0] for i in jpeg])
    np.testing.assert_array_equal(drafted, images[jpeg])


def test_resizing_arrays_matches_resizing_files(image_folder):
    # PNG decodes in full, so reading at full size and resizing the array (with
    # ImageResizer) must give the pixels of reading at the size directly
    images, paths = _reference(image_folder)
    png = [i for i, p in enumerate(paths) if p.endswith(".png")]
    full = ImageLoader(color_mode="grayscale").fit_transform([paths[i] for i in png])
    resized = ImageResizer(size=SIZE).fit_transform(full)
    np.testing.assert_array_equal(resized, images[png])


def test_video_crops_use_the_same_resampler():
    rng = np.random.default_rng(1)
    frame = _smooth_rgb(rng, 120, 160)
    # face_cropper="none": the centred square of the frame
    square = frame[:, 20:140]
    expected = ImageResizer(size=48).fit_transform(square[None])[0]
    np.testing.assert_array_equal(_center_crop(frame, 48), expected)
    # tracked faces: crop_face cuts the box FaceCropper would and resizes alike
    bgr = frame[..., ::-1].copy()
    box = np.array([40.0, 30.0, 100.0, 90.0])
    cv2 = pytest.importorskip("cv2")
    crop = crop_face(bgr, box, 0.0, 48, cv2.COLOR_BGR2RGB)
    cropper = FaceCropper(size=48, margin=0.0, detector=lambda gray: [box])
    np.testing.assert_array_equal(crop, cropper.fit_transform(frame[None])[0])


def test_image_size_reads_the_header(image_folder):
    _, paths = _reference(image_folder)
    assert image_size(paths[0]) == (200, 160)
    assert _image_sizes(paths[:2]) == [(200, 160), (200, 160)]
    assert read_image(paths[0]).shape == (3, 200, 160)
