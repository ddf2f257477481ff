import joblib
import numpy as np
import pytest
import torch

from affect_sklearn import AffectCNNClassifier, AffectCNNRegressor

from ..conftest import TINY


def test_joblib_round_trip_classifier(tmp_path, fitted_classifier, tiny_faces):
    path = tmp_path / "model.joblib"
    joblib.dump(fitted_classifier, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(tiny_faces.images),
        fitted_classifier.predict_proba(tiny_faces.images),
    )
    np.testing.assert_array_equal(loaded.classes_, fitted_classifier.classes_)


def test_joblib_round_trip_regressor(tmp_path, tiny_faces):
    reg = AffectCNNRegressor(**TINY, random_state=0).fit(
        tiny_faces.images, tiny_faces.va
    )
    joblib.dump(reg, tmp_path / "reg.joblib")
    loaded = joblib.load(tmp_path / "reg.joblib")
    np.testing.assert_array_equal(
        loaded.predict(tiny_faces.images), reg.predict(tiny_faces.images)
    )


def test_safe_save_load_classifier(tmp_path, fitted_classifier, tiny_faces):
    path = tmp_path / "model.pt"
    fitted_classifier.save(path)
    # the file holds only tensors and strings: torch's safe loader reads it
    blob = torch.load(path, weights_only=True)
    assert set(blob) == {"meta", "state_dict"}
    loaded = AffectCNNClassifier.load(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(tiny_faces.images),
        fitted_classifier.predict_proba(tiny_faces.images),
    )
    np.testing.assert_array_equal(loaded.classes_, fitted_classifier.classes_)
    assert loaded.classes_.dtype == fitted_classifier.classes_.dtype


def test_safe_save_load_regressor_1d(tmp_path, tiny_faces):
    reg = AffectCNNRegressor(**TINY, random_state=0).fit(
        tiny_faces.images.reshape(24, -1), tiny_faces.valence * 10
    )
    reg.save(tmp_path / "reg.pt")
    loaded = AffectCNNRegressor.load(tmp_path / "reg.pt")
    X = tiny_faces.images.reshape(24, -1)
    np.testing.assert_allclose(loaded.predict(X), reg.predict(X))
    assert loaded.n_features_in_ == 256


def test_load_with_wrong_class_raises(tmp_path, fitted_classifier):
    fitted_classifier.save(tmp_path / "m.pt")
    with pytest.raises(ValueError, match="load it with AffectCNNClassifier.load"):
        AffectCNNRegressor.load(tmp_path / "m.pt")


def test_load_foreign_file_raises(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is not a file written by"):
        AffectCNNClassifier.load(tmp_path / "other.pt")


def test_save_custom_backbone_raises(tiny_faces, tmp_path):
    from .test_classifier import TinyNet

    clf = AffectCNNClassifier(**{**TINY, "backbone": TinyNet}).fit(
        tiny_faces.images, tiny_faces.target
    )
    with pytest.raises(TypeError, match="Use joblib.dump instead"):
        clf.save(tmp_path / "x.pt")


@pytest.mark.gpu
def test_gpu_fit_then_cpu_load(tmp_path, tiny_faces):
    clf = AffectCNNClassifier(**{**TINY, "device": "cuda", "amp": True}).fit(
        tiny_faces.images, tiny_faces.target
    )
    joblib.dump(clf, tmp_path / "gpu.joblib")
    clf.save(tmp_path / "gpu.pt")
    cpu = AffectCNNClassifier.load(tmp_path / "gpu.pt", device="cpu")
    np.testing.assert_allclose(
        cpu.predict_proba(tiny_faces.images),
        clf.predict_proba(tiny_faces.images),
        atol=1e-2,
    )
