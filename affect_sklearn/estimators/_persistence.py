"""Weights-only files of fitted estimators: ``save`` and ``load`` without pickle."""

from __future__ import annotations

import json

import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from ..nn._net import AffectNeuralNet

__all__ = [
    "FORMAT_VERSION",
    "PersistenceMixin",
    "estimator_from_state",
    "load_estimator",
    "save_estimator",
]

FORMAT_VERSION = 1
_PLAIN = (str, int, float, bool, type(None), list, tuple)


def save_estimator(estimator, path):
    """Write ``estimator``'s weights and metadata (tensors, numbers, strings only)."""
    est = estimator
    check_is_fitted(est)
    if not isinstance(est.backbone, str):
        raise TypeError(
            "save() stores weights for built-in backbones only; this model uses "
            f"a custom backbone class {est.backbone!r}. Use joblib.dump instead."
        )
    params = est.get_params(deep=False)
    params = {k: (v if isinstance(v, _PLAIN) else None) for k, v in params.items()}
    meta = {
        "format_version": FORMAT_VERSION,
        "estimator": type(est).__name__,
        "params": params,
        "image_shape_": list(est.image_shape_),
        "n_features_in_": getattr(est, "n_features_in_", None),
        "state": est._fitted_state(),
    }
    state_dict = {k: v.detach().cpu() for k, v in est.net_.module_.state_dict().items()}
    torch.save({"meta": json.dumps(meta), "state_dict": state_dict}, path)
    return est


def load_estimator(cls, path, *, device="cpu"):
    """A fitted ``cls`` from a file written by :func:`save_estimator`."""
    blob = torch.load(path, map_location="cpu", weights_only=True)
    try:
        meta = json.loads(blob["meta"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(
            f"{path!s} is not a file written by {cls.__name__}.save()."
        ) from exc
    return estimator_from_state(cls, meta, blob["state_dict"], path, device=device)


def estimator_from_state(cls, meta, sd, path, *, device="cpu"):
    """A fitted ``cls`` from the ``meta`` and weights ``sd`` that ``path`` held.

    For callers that have read the file already (``from_pretrained``).
    """
    if meta.get("estimator") != cls.__name__:
        raise ValueError(
            f"{path!s} holds a {meta.get('estimator')}; load it with "
            f"{meta.get('estimator')}.load()."
        )
    params = {
        k: tuple(v) if k == "image_shape" and v is not None else v
        for k, v in meta["params"].items()
    }
    params["device"] = device
    est = cls(**params)
    est.image_shape_ = tuple(meta["image_shape_"])
    if meta.get("n_features_in_") is not None:
        est.n_features_in_ = meta["n_features_in_"]
    est._set_fitted_state(meta["state"])
    prefix = "" if "mean" in sd else "image."  # multi-task nests the image net
    module = est._make_module(
        est.image_shape_[0], sd[prefix + "mean"], sd[prefix + "std"]
    )
    module.load_state_dict(sd)
    net = AffectNeuralNet(
        module=module,
        criterion=torch.nn.MSELoss,
        predict_nonlinearity=est._predict_nonlinearity,
        batch_size=est.batch_size,
        device=device,
    )
    est.net_ = net.initialize()
    est.history_ = pd.DataFrame()
    return est


class PersistenceMixin:
    """``save``, ``load`` and ``export_onnx`` of the CNN estimators."""

    def save(self, path):
        """Save the fitted weights and metadata without pickling any code.

        Writes a ``torch.save`` file holding only tensors, numbers and strings,
        so :meth:`load` can read it with ``torch.load(weights_only=True)``:
        unlike joblib/pickle files, loading it never executes code. Custom
        backbone classes cannot be stored this way; use joblib for those.

        Parameters
        ----------
        path : str or Path
            File to write (conventionally ``*.pt``).

        Returns
        -------
        self : estimator
        """
        return save_estimator(self, path)

    @classmethod
    def load(cls, path, *, device="cpu"):
        """Load a model written by :meth:`save` (weights only, no code unpickled).

        Parameters
        ----------
        path : str or Path
            File written by :meth:`save`.
        device : str, default="cpu"
            Where to put the network.

        Returns
        -------
        estimator : fitted estimator
        """
        return load_estimator(cls, path, device=device)

    def export_onnx(self, path, *, opset=None):
        """Write the prediction path (scaling, TTA, softmax) as an ONNX model.

        Runs anywhere onnxruntime does, without torch: load the file with
        :class:`affect_sklearn.deploy.OnnxAffectModel`. See
        :func:`affect_sklearn.deploy.export_onnx` for the graph's inputs,
        outputs and metadata. Needs ``pip install "affect-sklearn[onnx]"``.

        Parameters
        ----------
        path : str or Path
            File to write (conventionally ``*.onnx``).
        opset : int, default=None
            ONNX opset version; None uses the default of torch's exporter.

        Returns
        -------
        path : Path
            The file written.
        """
        from ..deploy import export_onnx

        return export_onnx(self, path, opset=opset)
