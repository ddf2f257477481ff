"""Tests for load_affectnet on a generated AffectNet-style folder."""

import numpy as np
import pytest
from PIL import Image

from affect_sklearn.datasets import (
    AFFECTNET_CLASSES,
    AFFECTNET_EXPRESSIONS,
    load_affectnet,
    make_faces,
)

N = 8


@pytest.fixture(scope="module")
def faces():
    return make_faces(n_samples=N, n_classes=8, random_state=0)


def write_affectnet(root, faces, as_strings=False):
    """AffectNet layout: images/<id>.jpg and annotations/<id>_{exp,val,aro,lnd}.npy."""
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    exp = np.arange(N) % 8  # AffectNet indices
    for i in range(N):
        rgb = np.repeat(faces.images[i][:, :, None], 3, axis=2)
        Image.fromarray(rgb).save(root / "images" / f"{i}.png")
        lnd = faces.landmarks[i].ravel()
        values = {
            "exp": exp[i],
            "val": faces.valence[i],
            "aro": faces.arousal[i],
            "lnd": lnd,
        }
        if as_strings:  # the original AffectNet files hold numpy strings
            values = {k: str(v) for k, v in values.items()}
            values["lnd"] = ";".join(f"{v:.3f}" for v in lnd)
        for key, value in values.items():
            np.save(root / "annotations" / f"{i}_{key}.npy", np.asarray(value))
    return exp


@pytest.mark.parametrize("as_strings", [False, True])
def test_round_trip(tmp_path, faces, as_strings):
    exp = write_affectnet(tmp_path, faces, as_strings=as_strings)
    data = load_affectnet(tmp_path)
    order = [int(i) for i in data.ids]
    assert data.images.shape == (N, 48, 48, 3) and data.images.dtype == np.uint8
    np.testing.assert_array_equal(data.images[..., 0], faces.images[order])
    np.testing.assert_array_equal(data.target, exp[order])
    assert data.target_names == list(AFFECTNET_EXPRESSIONS)
    assert data.target_names[:3] == ["neutral", "happy", "sad"]
    np.testing.assert_allclose(data.valence, faces.valence[order], atol=1e-6)
    np.testing.assert_allclose(data.arousal, faces.arousal[order], atol=1e-6)
    assert data.landmarks.shape == (N, 68, 2) and data.landmarks.dtype == np.float32
    np.testing.assert_allclose(data.landmarks, faces.landmarks[order], atol=1e-3)
    assert data.missing == [] and data.skipped == []
    assert data.summary["count"].sum() == N


def test_fer2013_class_order(tmp_path, faces):
    exp = write_affectnet(tmp_path, faces)
    data = load_affectnet(tmp_path, class_order="fer2013", color_mode="grayscale")
    assert data.target_names == list(AFFECTNET_CLASSES)
    assert data.images.shape == (N, 48, 48)
    names = [AFFECTNET_CLASSES[t] for t in data.target]
    expected = [AFFECTNET_EXPRESSIONS[exp[int(i)]] for i in data.ids]
    assert names == [{"anger": "angry"}.get(n, n) for n in expected]


def test_missing_annotations_are_reported(tmp_path, faces):
    write_affectnet(tmp_path, faces)
    (tmp_path / "annotations" / "3_aro.npy").unlink()
    (tmp_path / "annotations" / "5_lnd.npy").unlink()
    (tmp_path / "annotations" / "5_exp.npy").unlink()
    with pytest.warns(UserWarning, match=r"2 of 8 images lack annotation files"):
        data = load_affectnet(tmp_path, return_paths=True)
    assert data.images is None and len(data.filenames) == N - 2
    missing = {p.rsplit("/", 1)[-1]: files for p, files in data.missing}
    assert missing == {"3.png": ["3_aro.npy"], "5.png": ["5_exp.npy", "5_lnd.npy"]}
    assert "3" not in set(data.ids)


def test_bad_annotations_are_skipped(tmp_path, faces):
    write_affectnet(tmp_path, faces)
    np.save(tmp_path / "annotations" / "1_exp.npy", np.asarray(9))  # "uncertain"
    np.save(tmp_path / "annotations" / "2_lnd.npy", np.zeros(10))
    with pytest.warns(UserWarning, match=r"Skipped 2 images"):
        data = load_affectnet(tmp_path)
    reasons = dict(data.skipped)
    assert len(data.target) == N - 2 and len(reasons) == 2
    assert any("outside 0-7" in r for r in reasons.values())
    assert any("136" in r for r in reasons.values())


def test_layout_errors(tmp_path, faces):
    with pytest.raises(FileNotFoundError, match=r"root=.*does not exist"):
        load_affectnet(tmp_path / "missing")
    (tmp_path / "images").mkdir()
    with pytest.raises(ValueError, match=r"no annotations/ folder found"):
        load_affectnet(tmp_path)
    (tmp_path / "annotations").mkdir()
    with pytest.raises(ValueError, match=r"holds no image files"):
        load_affectnet(tmp_path)
    Image.fromarray(faces.images[0]).save(tmp_path / "images" / "0.jpg")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"No image under"):
        load_affectnet(tmp_path)


def test_bad_class_order_raises(tmp_path, faces):
    write_affectnet(tmp_path, faces)
    with pytest.raises(ValueError, match=r"class_order must be 'affectnet' or"):
        load_affectnet(tmp_path, class_order="alphabetical")
