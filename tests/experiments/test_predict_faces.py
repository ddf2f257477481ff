"""Predicting photos: face detection before the model, and the shipped default."""

import numpy as np
import pytest
from PIL import Image

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import make_faces
from affect_sklearn.experiments import predict_images

FER_CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]


@pytest.fixture(scope="module")
def shipped():
    return AffectCNNClassifier.from_pretrained("fer2013")


@pytest.fixture
def photo_and_crop(tmp_path):
    """A 200x160 'photo' with one 48x48 face pasted at (60, 40), and the face alone."""
    face = make_faces(n_samples=1, random_state=3).images[0]
    photo = np.full((160, 200), 90, dtype=np.uint8)
    photo[40:88, 60:108] = face
    Image.fromarray(photo).save(tmp_path / "photo.png")
    Image.fromarray(face).save(tmp_path / "face.png")
    return tmp_path / "photo.png", tmp_path / "face.png", face


def _box_detector(gray):
    """A stand-in detector: the pasted face's box in the photo, none in a crop."""
    return [(68, 48, 100, 80)] if gray.shape == (160, 200) else []


def test_photos_are_cropped_to_the_face_before_predicting(shipped, photo_and_crop):
    photo, crop, face = photo_and_crop
    frame = predict_images(shipped, [photo, crop], detector=_box_detector)
    assert frame["face"].tolist() == ["detected", "whole"]
    box = frame.loc[0, ["face_left", "face_top", "face_right", "face_bottom"]]
    assert box.tolist() == [68, 48, 100, 80]
    assert frame.loc[1, ["face_left"]].isna().all()
    # the crop of the photo (the 32-pixel box + 25 % margin on each side: exactly
    # the pasted 48x48 face) predicts as the face itself
    direct = shipped.predict_proba(face[None])[0]
    got = frame.loc[0, [f"proba_{c}" for c in FER_CLASSES]].to_numpy(float)
    np.testing.assert_allclose(got, direct, atol=1e-5)
    assert (
        frame.loc[0, "pred"]
        == frame.loc[1, "pred"]
        == shipped.classes_[direct.argmax()]
    )


def test_faces_none_and_detect(shipped, photo_and_crop):
    photo, crop, _ = photo_and_crop
    whole = predict_images(shipped, [photo, crop], faces="none")
    assert "face" not in whole.columns and len(whole) == 2
    forced = predict_images(
        shipped, [photo, crop], faces="detect", detector=_box_detector
    )
    assert forced["face"].tolist() == ["detected", "centre"]  # no face in the crop
    with pytest.raises(ValueError, match="faces must be one of"):
        predict_images(shipped, [photo], faces="all")
