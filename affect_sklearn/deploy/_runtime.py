"""Run an exported ONNX model with onnxruntime and numpy only (no torch, no skorch)."""

from __future__ import annotations

import json
import os

import numpy as np

__all__ = ["OnnxAffectModel"]

# The same key and install hint as _export.py; repeated here so that this module
# imports nothing that pulls in torch.
METADATA_KEY = "affect_sklearn"
_INSTALL = 'pip install "affect-sklearn[onnx]"'
_CHANNELS = (1, 3, 4)


def _import_onnxruntime():
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError(
            "OnnxAffectModel needs onnxruntime to run ONNX models. Install it with: "
            f"{_INSTALL}"
        ) from exc
    return onnxruntime


def _classes(meta):
    values, dtype = meta["classes"], meta.get("classes_dtype", "")
    if dtype == "object" or not dtype:
        classes = np.empty(len(values), dtype=object)
        classes[:] = values
        return classes
    return np.asarray(values, dtype=dtype)


class OnnxAffectModel:
    """A model written by ``export_onnx``, run with onnxruntime (no torch needed).

    Accepts the image arrays the estimator's ``predict`` accepts for in-memory
    images: uint8 (0-255) or float (0-1) arrays of shape (n, H, W),
    (n, H, W, C), (n, C, H, W) or flattened (n, C*H*W), converted with numpy
    exactly as the estimator converts them. The outputs match the
    estimator's: ``predict_proba`` and ``predict`` with the same
    ``classes_`` for a classifier, ``predict`` in the units of the training
    y for a regressor, and ``predict_proba``, ``predict_affect`` and a
    ``predict`` DataFrame (needs pandas) for a multi-task model.

    Parameters
    ----------
    path : str or Path
        ONNX file written by :func:`~affect_sklearn.deploy.export_onnx` (or
        ``estimator.export_onnx``).
    n_threads : int, default=None
        Threads of onnxruntime's intra-op pool; None lets onnxruntime choose
        (one per physical core). On a busy machine, or at batch 1, 1 is often
        as fast.
    batch_size : int, default=256
        Images per ``session.run`` call; bounds the memory of large inputs.
    providers : list of str, default=None
        onnxruntime execution providers; None uses ``["CPUExecutionProvider"]``.

    Attributes
    ----------
    metadata : dict
        What the exporter recorded: task, classes, image shape, input layout
        and dtype, TTA, opset, library version.
    task : {"classification", "regression", "multitask"}
        The exported estimator's task.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classifier and multi-task models).
    image_shape : tuple of int
        ``(channels, height, width)`` of the images the model expects.
    session : onnxruntime.InferenceSession
        The underlying session.

    Examples
    --------
    >>> from affect_sklearn import AffectCNNClassifier
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.deploy import OnnxAffectModel
    >>> faces = make_faces(n_samples=24, image_size=16, n_classes=3, random_state=0)
    >>> clf = AffectCNNClassifier(backbone="basic", width=4, max_epochs=1,
    ...                           random_state=0).fit(faces.images, faces.target)
    >>> path = getfixture("tmp_path") / "model.onnx"
    >>> onnx_model = OnnxAffectModel(clf.export_onnx(path))
    >>> bool((onnx_model.predict(faces.images) == clf.predict(faces.images)).all())
    True
    """

    def __init__(self, path, *, n_threads=None, batch_size=256, providers=None):
        ort = _import_onnxruntime()
        self.path = os.fspath(path)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if n_threads is not None:
            options.intra_op_num_threads = int(n_threads)
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            self.path,
            options,
            providers=list(providers or ["CPUExecutionProvider"]),
        )
        props = self.session.get_modelmeta().custom_metadata_map
        if METADATA_KEY not in props:
            raise ValueError(
                f"{self.path!r} has no {METADATA_KEY!r} metadata: it was not written "
                "by affect_sklearn's export_onnx. Export the model with "
                "estimator.export_onnx(path), or run it with onnxruntime directly."
            )
        self.metadata = json.loads(props[METADATA_KEY])
        self.task = self.metadata["task"]
        self.image_shape = tuple(int(v) for v in self.metadata["image_shape"])
        self.tta = bool(self.metadata["tta"])
        self.batch_size = int(batch_size)
        self.n_landmarks = self.metadata.get("n_landmarks")
        if self.task != "regression":
            self.classes_ = _classes(self.metadata)
        self._outputs = list(self.metadata["outputs"])

    def __repr__(self):
        c, h, w = self.image_shape
        return (
            f"OnnxAffectModel({self.path!r}, task={self.task!r}, "
            f"image_shape=({c}, {h}, {w}), tta={self.tta})"
        )

    # ------------------------------------------------------------------ input
    def _pixels(self, X):
        """Validate X and return a float32 (n, C, H, W) array, as the estimator."""
        c, h, w = self.image_shape
        if not hasattr(X, "dtype"):
            X = np.asarray(X)
        uint8 = X.dtype == np.uint8
        if X.dtype.kind not in "uif" and X.dtype.kind != "b":
            raise TypeError(
                f"X must be a numeric image array (uint8 0-255 or float 0-1); got "
                f"dtype {X.dtype}."
            )
        arr = X
        if arr.ndim == 2:  # flattened images, as the estimator reads them
            if arr.shape[1] != c * h * w:
                raise ValueError(
                    f"X has {arr.shape[1]} columns, but the model expects flattened "
                    f"images of {c * h * w} values ({c}x{h}x{w}); got shape "
                    f"{X.shape}. Pass images of shape (n, {h}, {w}) or (n, {h}, {w}, "
                    f"{c})."
                )
            arr = arr.reshape(len(arr), c, h, w)
        elif arr.ndim == 3:
            arr = arr[:, None]
        elif arr.ndim == 4:
            # the estimator's rule: the channel axis is the one of size 1, 3 or
            # 4, and channels-last when both are (e.g. (n, 3, 3, 3))
            s = arr.shape
            if s[3] in _CHANNELS:
                arr = arr.transpose(0, 3, 1, 2)
            elif s[1] not in _CHANNELS:
                raise ValueError(
                    f"X must hold images of shape (n, {h}, {w}) or (n, {h}, {w}, "
                    f"{c}) (or (n, {c}, {h}, {w})); got shape {X.shape}: neither "
                    "axis 1 nor axis 3 has 1, 3 or 4 channels."
                )
            if arr.shape[1] == 4:  # RGBA: drop alpha
                arr = arr[:, :3]
        else:
            raise ValueError(
                f"X must hold images of shape (n, {h}, {w}) or (n, {h}, {w}, {c}); "
                f"got an array of shape {X.shape}."
            )
        if tuple(arr.shape[1:]) != (c, h, w):
            expected = f"(n, {h}, {w})" if c == 1 else f"(n, {h}, {w}, {c})"
            raise ValueError(
                f"X has images of shape (C, H, W) = {tuple(arr.shape[1:])} (X.shape "
                f"= {X.shape}), but the model expects (C, H, W) = ({c}, {h}, {w}), "
                f"i.e. X of shape {expected}. Resize or convert the images first."
            )
        if uint8:
            # float32 division, as torch's div_(255.0) in the estimator
            return np.ascontiguousarray(arr, dtype=np.float32) / np.float32(255.0)
        arr = np.asarray(arr, dtype=np.float32)
        if not np.isfinite(arr).all():
            raise ValueError("X contains NaN or infinity; drop or fill those pixels.")
        return np.ascontiguousarray(arr)

    def _inputs(self, X):
        if self.n_landmarks is None:
            return self._pixels(X), None
        names = getattr(getattr(X, "dtype", None), "names", None) or ()
        if "image" not in names or "landmarks" not in names:
            raise ValueError(
                "This model was exported with a landmark branch: pass X = "
                "affect_sklearn.utils.pack_faces(images, landmarks) (a structured "
                f"array with fields 'image' and 'landmarks'); got {type(X).__name__}."
            )
        points = np.asarray(X["landmarks"], dtype=np.float32)
        if points.shape[1:] != (self.n_landmarks, 2):
            raise ValueError(
                f"landmarks must have shape (n, {self.n_landmarks}, 2); got "
                f"{points.shape}."
            )
        return self._pixels(np.stack(X["image"])), np.ascontiguousarray(points)

    # ------------------------------------------------------------------ outputs
    def run(self, X):
        """Raw graph outputs for X, float64, one array per output name.

        Parameters
        ----------
        X : ndarray
            Images (see the class docstring).

        Returns
        -------
        outputs : dict of str to ndarray
            ``{"proba": ...}``, ``{"prediction": ...}`` or ``{"proba": ...,
            "affect": ...}``.
        """
        pixels, points = self._inputs(X)
        if len(pixels) == 0:
            raise ValueError(f"X holds no images; got shape {np.shape(X)}.")
        chunks = []
        for start in range(0, len(pixels), self.batch_size):
            feed = {"pixels": pixels[start : start + self.batch_size]}
            if points is not None:
                feed["landmarks"] = points[start : start + self.batch_size]
            chunks.append(self.session.run(self._outputs, feed))
        return {
            name: np.concatenate([c[i] for c in chunks]).astype(np.float64)
            for i, name in enumerate(self._outputs)
        }

    def _check_task(self, method, tasks):
        if self.task not in tasks:
            raise AttributeError(
                f"{method} is not available for a {self.task} model "
                f"({self.metadata['estimator']})."
            )

    def predict_proba(self, X):
        """Class probabilities; columns follow ``classes_``.

        Parameters
        ----------
        X : ndarray
            Images.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        self._check_task("predict_proba", ("classification", "multitask"))
        return self.run(X)["proba"]

    def predict_affect(self, X):
        """Valence and arousal of a multi-task model.

        Parameters
        ----------
        X : ndarray
            Images.

        Returns
        -------
        affect : ndarray of shape (n_samples, 2)
        """
        self._check_task("predict_affect", ("multitask",))
        return self.run(X)["affect"]

    def predict(self, X):
        """Predictions shaped as the estimator's ``predict`` returns them.

        Parameters
        ----------
        X : ndarray
            Images.

        Returns
        -------
        y_pred : ndarray or pandas.DataFrame
            Class labels (n_samples,) for a classifier; values (n_samples,) or
            (n_samples, n_outputs), like the training y, for a regressor; a
            DataFrame with columns expression, valence, arousal for a
            multi-task model.
        """
        out = self.run(X)
        if self.task == "classification":
            return self.classes_[np.argmax(out["proba"], axis=1)]
        if self.task == "regression":
            pred = out["prediction"]
            return pred[:, 0] if self.metadata.get("y_ndim", 2) == 1 else pred
        import pandas as pd

        affect = out["affect"]
        return pd.DataFrame(
            {
                "expression": self.classes_[out["proba"].argmax(1)],
                "valence": affect[:, 0],
                "arousal": affect[:, 1],
            }
        )
