"""``affect-sklearn export``: ONNX files that predict as the saved model."""

import joblib
import numpy as np
import pytest

from affect_sklearn.cli import main
from affect_sklearn.deploy import OnnxAffectModel

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

ATOL = 1e-5


def test_export_of_a_joblib_and_a_weights_file(
    fitted_classifier, tiny_faces, tmp_path, capsys
):
    classifier = fitted_classifier  # read-only: saved, never refitted
    joblib.dump(classifier, tmp_path / "model.joblib")
    out = tmp_path / "from_joblib.onnx"
    assert main(["export", str(tmp_path / "model.joblib"), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    X = tiny_faces.images[:4]
    np.testing.assert_allclose(
        OnnxAffectModel(out).predict_proba(X), classifier.predict_proba(X), atol=ATOL
    )
    classifier.save(tmp_path / "weights.pt")
    assert main(["export", str(tmp_path / "weights.pt"), "--format", "onnx"]) == 0
    model = OnnxAffectModel(tmp_path / "weights.onnx")
    np.testing.assert_array_equal(model.predict(X), classifier.predict(X))
    assert main(["export", str(tmp_path / "missing.pt")]) == 1
    assert "does not exist" in capsys.readouterr().err
