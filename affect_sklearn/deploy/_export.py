"""Export a fitted CNN estimator to ONNX: the whole predict path in one graph."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

__all__ = ["OnnxExportError", "export_onnx"]

METADATA_KEY = "affect_sklearn"
FORMAT_VERSION = 1
_INSTALL = 'pip install "affect-sklearn[onnx]"'


class OnnxExportError(RuntimeError):
    """The network of a fitted estimator could not be traced into an ONNX graph."""


def _require_exporter():
    """Import onnx and onnxscript (torch.s exporter needs both) or name the extra."""
    try:
        import onnx  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"export_onnx needs the onnx and onnxscript packages ({exc}). Install "
            f"them with: {_INSTALL}"
        ) from exc


def _task(estimator):
    from ..estimators import AffectCNNClassifier, AffectCNNMultiTask, AffectCNNRegressor

    for cls, task in (
        (AffectCNNClassifier, "classification"),
        (AffectCNNRegressor, "regression"),
        (AffectCNNMultiTask, "multitask"),
    ):
        if isinstance(estimator, cls):
            return task
    raise TypeError(
        "export_onnx expects a fitted AffectCNNClassifier, AffectCNNRegressor or "
        f"AffectCNNMultiTask; got {type(estimator).__name__}."
    )


def _graph_module(estimator, task, tta):
    """The torch module whose forward is the estimator's predict path on pixels."""
    import torch
    from torch import nn

    class PredictGraph(nn.Module):
        """Pixels in [0, 1] (NCHW float32) to what ``predict_proba`` returns.

        Input scaling (mean/std), resizing and channel repeat live in the
        wrapped module; around it: the mirror-image average under TTA and the
        output nonlinearity, applied as in ``AffectNeuralNet.predict_outputs``
        (nonlinearity on the batch and its mirror, then the mean of the two).
        """

        def __init__(self, module, n_classes, scale, center):
            super().__init__()
            self.module = module
            self.n_classes = n_classes
            if scale is not None:
                self.register_buffer(
                    "scale", torch.as_tensor(scale, dtype=torch.float32)
                )
                self.register_buffer(
                    "center", torch.as_tensor(center, dtype=torch.float32)
                )
            else:
                self.scale = self.center = None

        def forward(self, pixels, landmarks=None):
            n = pixels.shape[0]
            x = torch.cat([pixels, pixels.flip(-1)]) if tta else pixels
            if landmarks is not None:
                points = torch.cat([landmarks, landmarks]) if tta else landmarks
                out = self.module(x, points)
            else:
                out = self.module(x)
            k = self.n_classes
            if task == "classification":
                out = torch.softmax(out, dim=-1)
            elif task == "multitask":
                out = torch.cat([torch.softmax(out[:, :k], dim=1), out[:, k:]], dim=1)
            if tta:
                out = (out[:n] + out[n:]) / 2
            if task == "multitask":
                return out[:, :k], out[:, k:]
            if self.scale is not None:
                out = out * self.scale + self.center
            return out

    module = copy.deepcopy(estimator.net_.module_).cpu().eval()
    n_classes = len(estimator.classes_) if task != "regression" else None
    scale = center = None
    if task == "regression":
        scale, center = estimator.target_scale_, estimator.target_center_
    return PredictGraph(module, n_classes, scale, center).eval()


def _metadata(estimator, task, tta, opset, landmarks):
    from .. import __version__

    c, h, w = (int(v) for v in estimator.image_shape_)
    meta = {
        "format_version": FORMAT_VERSION,
        "estimator": type(estimator).__name__,
        "task": task,
        "backbone": estimator.backbone
        if isinstance(estimator.backbone, str)
        else getattr(estimator.backbone, "__name__", repr(estimator.backbone)),
        "image_shape": [c, h, w],
        "input_name": "pixels",
        "input_layout": "NCHW",
        "input_dtype": "float32",
        "input_scaling": "uint8 pixels divided by 255; float pixels as they are "
        "(the estimator's predict path); mean/std scaling is inside the graph",
        "tta": bool(tta),
        "opset": int(opset),
        "affect_sklearn_version": __version__,
    }
    if task == "classification":
        meta["outputs"] = ["proba"]
    elif task == "regression":
        meta["outputs"] = ["prediction"]
        meta["n_outputs"] = int(estimator.n_outputs_)
        meta["y_ndim"] = int(estimator._y_ndim)
    else:
        meta["outputs"] = ["proba", "affect"]
        meta["affect_columns"] = ["valence", "arousal"]
    if task != "regression":
        state = estimator._labels_state()
        meta["classes"] = state["classes_"]
        meta["classes_dtype"] = state["classes_dtype"]
    if landmarks is not None:
        meta["n_landmarks"] = int(landmarks)
    return meta


def export_onnx(estimator, path, *, opset=None):
    """Write a fitted estimator's prediction path as an ONNX model.

    The graph takes a float32 batch of shape ``(batch, channels, height,
    width)`` holding the pixels as the estimator's ``predict`` sees them
    (uint8 images divided by 255, float images as they are) and contains
    everything after that: the mean/std input scaling learned in ``fit``,
    the resize of images smaller than the backbone's minimum, the
    mirror-image averaging that ``predict_proba`` applies when test-time
    augmentation is on, and the output nonlinearity. The batch axis is
    dynamic. Outputs:

    - classifier: ``proba`` of shape (batch, n_classes), the softmax
      probabilities in the order of ``classes_``;
    - regressor: ``prediction`` of shape (batch, n_outputs) in the units of
      the training y (the tanh bound and the target rescaling included);
    - multi-task: ``proba`` (batch, n_classes) and ``affect`` (batch, 2),
      valence and arousal. With ``use_landmarks=True`` the graph has a second
      input ``landmarks`` of shape (batch, n_landmarks, 2).

    The model's metadata (``metadata_props``, key ``"affect_sklearn"``, a
    JSON object) records the task, the classes, the image shape, the input
    layout and dtype, whether TTA is in the graph, the opset and the library
    version. :class:`~affect_sklearn.deploy.OnnxAffectModel` reads it to
    accept the same image arrays as the estimator, with onnxruntime only.

    Parameters
    ----------
    estimator : AffectCNNClassifier, AffectCNNRegressor or AffectCNNMultiTask
        A fitted estimator.
    path : str or Path
        File to write (conventionally ``*.onnx``).
    opset : int, default=None
        ONNX opset version; None uses the default of torch's exporter.

    Returns
    -------
    path : Path
        The file written.

    Raises
    ------
    NotFittedError
        If the estimator is not fitted.
    OnnxExportError
        If the network cannot be traced (e.g. a custom backbone whose
        ``forward`` branches on the values of its input).
    ImportError
        If onnx or onnxscript is missing.

    Examples
    --------
    >>> from affect_sklearn import AffectCNNClassifier
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.deploy import OnnxAffectModel, export_onnx
    >>> faces = make_faces(n_samples=24, image_size=16, n_classes=3, random_state=0)
    >>> clf = AffectCNNClassifier(backbone="basic", width=4, max_epochs=1,
    ...                           random_state=0).fit(faces.images, faces.target)
    >>> path = export_onnx(clf, getfixture("tmp_path") / "model.onnx")
    >>> onnx_model = OnnxAffectModel(path)
    >>> onnx_model.predict_proba(faces.images[:2]).shape
    (2, 3)
    """
    from sklearn.utils.validation import check_is_fitted

    task = _task(estimator)  # a clear TypeError for what is no estimator of ours
    check_is_fitted(estimator)
    _require_exporter()
    import onnx
    import torch

    tta = estimator._use_tta()
    n_landmarks = getattr(estimator, "n_landmarks_", None)
    if task != "multitask" or not estimator.use_landmarks:
        n_landmarks = None
    graph = _graph_module(estimator, task, tta)
    c, h, w = (int(v) for v in estimator.image_shape_)
    batch = torch.export.Dim("batch", min=1)
    args = (torch.rand(2, c, h, w),)
    shapes = ({0: batch},)
    input_names = ["pixels"]
    if n_landmarks is not None:
        args += (torch.rand(2, n_landmarks, 2),)
        shapes += ({0: batch},)
        input_names.append("landmarks")
    output_names = {
        "classification": ["proba"],
        "regression": ["prediction"],
        "multitask": ["proba", "affect"],
    }[task]
    try:
        with warnings.catch_warnings():
            # the exporter's progress notes and TracerWarnings are not the user's
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                graph,
                args,
                dynamo=True,
                input_names=input_names,
                output_names=output_names,
                opset_version=opset,
                dynamic_shapes=shapes,
                verbose=False,
                report=False,
            )
    except Exception as exc:  # noqa: BLE001 - any tracing failure, one clear error
        name = (
            estimator.backbone
            if isinstance(estimator.backbone, str)
            else getattr(estimator.backbone, "__name__", repr(estimator.backbone))
        )
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise OnnxExportError(
            f"Could not export the {type(estimator).__name__} with backbone={name!r} "
            f"to ONNX: torch.export failed to trace its network "
            f"({type(exc).__name__}: {first}). A custom backbone must be traceable "
            "by torch.export: no Python branches on tensor values and no "
            "non-tensor outputs. Use a built-in backbone, rewrite its forward, or "
            "keep the model as joblib/save()."
        ) from exc
    proto = program.model_proto
    used = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    meta = _metadata(estimator, task, tta, used, n_landmarks)
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, {METADATA_KEY: json.dumps(meta)})
    proto.doc_string = (
        f"affect_sklearn {meta['estimator']} ({task}); input 'pixels' float32 "
        f"(batch, {c}, {h}, {w}); TTA {'on' if tta else 'off'}"
    )
    path = Path(path)
    onnx.save_model(proto, str(path))
    return path
