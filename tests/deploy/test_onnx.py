"""ONNX export and the torch-free runtime: same outputs as the estimators."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from torch import nn

from affect_sklearn import AffectCNNClassifier, AffectCNNMultiTask, AffectCNNRegressor
from affect_sklearn.datasets import make_faces
from affect_sklearn.deploy import OnnxAffectModel, OnnxExportError, export_onnx

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

ATOL = 1e-5
SMALL = ("compact", "basic", "xception", "resnet", "vgg")
TORCHVISION = (
    "resnet18",
    "efficientnet_b0",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
)


@pytest.fixture(scope="module")
def faces():
    return make_faces(n_samples=24, image_size=16, n_classes=3, random_state=0)


def _fit(cls, faces, y, **params):
    params = {
        "backbone": "compact",
        "width": 4,
        "max_epochs": 1,
        "batch_size": 8,
        "device": "cpu",
        "random_state": 0,
        **params,
    }
    return cls(**params).fit(faces.images, y)


@pytest.fixture(scope="module")
def classifier(faces):
    names = np.array(faces.target_names)[faces.target]
    return _fit(AffectCNNClassifier, faces, names)


@pytest.fixture(scope="module")
def exported(classifier, tmp_path_factory):
    """The classifier exported with TTA on and off: {tta: path}."""
    paths = {}
    for tta in (True, False):
        clf = classifier.set_params(tta=tta)
        paths[tta] = clf.export_onnx(tmp_path_factory.mktemp("onnx") / "clf.onnx")
    classifier.set_params(tta="auto")
    return paths


@pytest.mark.parametrize("tta", [True, False])
def test_onnx_proba_equals_predict_proba(classifier, exported, faces, tta):
    classifier.set_params(tta=tta)
    model = OnnxAffectModel(exported[tta])
    assert model.tta is tta
    np.testing.assert_array_equal(model.classes_, classifier.classes_)
    for n in (1, 7, 24):  # the batch axis is dynamic
        X = faces.images[:n]
        got = model.predict_proba(X)
        assert got.shape == (n, 3) and got.dtype == np.float64
        np.testing.assert_allclose(got, classifier.predict_proba(X), atol=ATOL, rtol=0)
        np.testing.assert_array_equal(model.predict(X), classifier.predict(X))
    # float pixels pass through as the estimator reads them
    X = faces.images[:5].astype(np.float32) / 255
    np.testing.assert_allclose(
        model.predict_proba(X), classifier.predict_proba(X), atol=ATOL, rtol=0
    )
    classifier.set_params(tta="auto")


def test_metadata_records_task_classes_layout_and_opset(exported, classifier):
    import onnx

    proto = onnx.load(str(exported[True]))
    props = {p.key: p.value for p in proto.metadata_props}
    meta = json.loads(props["affect_sklearn"])
    opset = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    assert meta["opset"] == opset
    assert meta["task"] == "classification"
    assert meta["estimator"] == "AffectCNNClassifier"
    assert meta["classes"] == classifier.classes_.tolist()
    assert meta["image_shape"] == [1, 16, 16]
    assert meta["input_layout"] == "NCHW" and meta["input_dtype"] == "float32"
    assert meta["tta"] is True
    assert "affect_sklearn_version" in meta
    (inp,) = proto.graph.input
    assert inp.name == "pixels"
    assert not inp.type.tensor_type.shape.dim[0].HasField("dim_value")  # dynamic


def test_runtime_accepts_the_estimators_layouts(exported, classifier, faces):
    model = OnnxAffectModel(exported[False], n_threads=1, batch_size=5)
    X = faces.images[:11]
    ref = model.predict_proba(X)
    for other in (X[..., None], X[:, None], X.reshape(11, -1), X.astype(np.float64)):
        scale = 255.0 if other.dtype == np.float64 else 1.0
        np.testing.assert_allclose(
            model.predict_proba(other / scale if scale != 1 else other), ref, atol=ATOL
        )
    assert "classification" in repr(model)


def test_runtime_rejects_wrong_shapes_and_values(exported, faces):
    model = OnnxAffectModel(exported[False])
    with pytest.raises(ValueError, match=r"expects \(C, H, W\) = \(1, 16, 16\)"):
        model.predict(np.zeros((2, 24, 24), np.uint8))
    with pytest.raises(ValueError, match=r"expects \(C, H, W\) = \(1, 16, 16\)"):
        model.predict(np.zeros((2, 16, 16, 3), np.uint8))
    with pytest.raises(ValueError, match="256 values"):
        model.predict(np.zeros((2, 100)))
    with pytest.raises(ValueError, match="got an array of shape"):
        model.predict(np.zeros(5))
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((1, 16, 16), np.nan))
    with pytest.raises(ValueError, match="no images"):
        model.predict(np.zeros((0, 16, 16), np.uint8))
    with pytest.raises(TypeError, match="numeric image array"):
        model.predict(np.array([["a"]]))
    with pytest.raises(AttributeError, match="predict_affect is not available"):
        model.predict_affect(faces.images[:1])


def test_regressor_export_matches_predict(faces, tmp_path):
    reg = _fit(AffectCNNRegressor, faces, faces.va, tta=True)
    model = OnnxAffectModel(reg.export_onnx(tmp_path / "reg.onnx"))
    assert model.task == "regression" and not hasattr(model, "classes_")
    for n in (1, 9):
        got = model.predict(faces.images[:n])
        assert got.shape == (n, 2)
        np.testing.assert_allclose(got, reg.predict(faces.images[:n]), atol=ATOL)
    with pytest.raises(AttributeError, match="predict_proba is not available"):
        model.predict_proba(faces.images[:1])


def test_multitask_export_matches_all_heads(faces, tmp_path):
    y = pd.DataFrame(
        {
            "expression": faces.target,
            "valence": faces.va[:, 0],
            "arousal": faces.va[:, 1],
        }
    )
    mt = _fit(AffectCNNMultiTask, faces, y, tta=True)
    model = OnnxAffectModel(export_onnx(mt, tmp_path / "mt.onnx"))
    assert model.task == "multitask"
    X = faces.images[:6]
    np.testing.assert_allclose(model.predict_proba(X), mt.predict_proba(X), atol=ATOL)
    np.testing.assert_allclose(model.predict_affect(X), mt.predict_affect(X), atol=ATOL)
    got, ref = model.predict(X), mt.predict(X)
    assert list(got.columns) == list(ref.columns)
    np.testing.assert_array_equal(got["expression"], ref["expression"])
    np.testing.assert_allclose(
        got[["valence", "arousal"]], ref[["valence", "arousal"]], atol=ATOL
    )


class _ValueBranchBackbone(nn.Module):
    """Branches on the values of its input: torch.export cannot trace it."""

    def __init__(self, in_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 4, 3, padding=1)
        self.out_features = 4

    def forward(self, x):
        x = self.conv(x)
        if x.mean() > 0:
            x = x * 2
        return x.mean(dim=(2, 3))


def test_untraceable_backbone_raises_a_clear_error(faces, tmp_path):
    clf = _fit(AffectCNNClassifier, faces, faces.target, backbone=_ValueBranchBackbone)
    with pytest.raises(OnnxExportError, match="_ValueBranchBackbone.*torch.export"):
        clf.export_onnx(tmp_path / "bad.onnx")
    assert not (tmp_path / "bad.onnx").exists()


def test_export_before_fit_raises(tmp_path):
    with pytest.raises(NotFittedError):
        AffectCNNClassifier().export_onnx(tmp_path / "m.onnx")
    with pytest.raises(TypeError, match="expects a fitted AffectCNNClassifier"):
        export_onnx(object(), tmp_path / "m.onnx")


def test_runtime_loads_without_torch(exported):
    code = (
        "import sys, numpy as np\n"
        "from affect_sklearn.deploy import OnnxAffectModel\n"
        f"m = OnnxAffectModel({str(exported[True])!r})\n"
        "print(m.predict(np.zeros((3, 16, 16), np.uint8)).tolist())\n"
        "bad = [k for k in ('torch', 'skorch') if k in sys.modules]\n"
        "assert not bad, bad\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout.replace("'", '"'))) == 3


def test_missing_onnxruntime_names_the_extra(exported, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import raises
    with pytest.raises(ImportError, match=r'pip install "affect-sklearn\[onnx\]"'):
        OnnxAffectModel(exported[True])


def test_missing_exporter_names_the_extra(classifier, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxscript", None)
    with pytest.raises(ImportError, match=r'pip install "affect-sklearn\[onnx\]"'):
        classifier.export_onnx(tmp_path / "m.onnx")


def test_file_without_metadata_is_refused(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Identity", ["x"], ["y"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save_model(model, str(tmp_path / "plain.onnx"))
    with pytest.raises(ValueError, match="not written by affect_sklearn"):
        OnnxAffectModel(tmp_path / "plain.onnx")


@pytest.mark.slow
@pytest.mark.parametrize("tta", [True, False])
@pytest.mark.parametrize("backbone", SMALL + TORCHVISION)
def test_every_builtin_backbone_exports(backbone, tta, faces, tmp_path):
    # freeze_backbone: only the head trains (fast; random backbone weights are as
    # good a check of the graph as trained ones); torchvision nets upsample the
    # 16x16 faces to their minimum of 32 inside the graph
    params = {"width": 4} if backbone in SMALL else {"pretrained": False}
    clf = _fit(
        AffectCNNClassifier,
        faces,
        faces.target,
        backbone=backbone,
        freeze_backbone=True,
        tta=tta,
        **params,
    )
    model = OnnxAffectModel(clf.export_onnx(tmp_path / f"{backbone}.onnx"))
    for n in (1, 5):
        X = faces.images[:n]
        np.testing.assert_allclose(
            model.predict_proba(X), clf.predict_proba(X), atol=ATOL, rtol=0
        )
