"""CNN regressor of continuous affect (valence, arousal) from face images."""

from __future__ import annotations

import numbers

import numpy as np
import torch
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import EpochScoring

from ..nn._losses import CCCLoss, MixedRegressionLoss, MSELossReshaped, _ccc_per_output
from ._base import BaseAffectCNN
from ._docs import fill_doc

__all__ = ["AffectCNNRegressor"]


def _valid_ccc(net, X, y):
    """Mean CCC of the cached validation outputs (used by skorch EpochScoring)."""
    pred = torch.as_tensor(np.asarray(net.predict_proba(X)))
    return float(_ccc_per_output(pred, torch.as_tensor(np.asarray(y))).mean())


@fill_doc
class AffectCNNRegressor(RegressorMixin, BaseAffectCNN):
    """CNN regressor of valence and arousal (or any continuous targets).

    Parameters are those of :class:`AffectCNNClassifier` except the
    classification-specific ones, plus ``loss``, ``target_range`` and
    ``clip_targets``. ``pretrained="fer2013"`` starts from the shipped
    expression model's backbone (the head is new). A horizontal flip (in
    ``augment`` and ``tta``) keeps valence and arousal unchanged.

    Parameters
    ----------
    {model_parameters}
    loss : {"mse", "ccc", "mse+ccc"}, default="mse"
        ``"ccc"`` minimises 1 - CCC computed over each batch (use batches of
        at least 32); ``"mse+ccc"`` is their mean.
    target_range : "auto", tuple of (float, float) or None, default="auto"
        Range the outputs are bounded to with a scaled tanh. "auto" uses
        (-1, 1) when every training target lies in [-1, 1] (valence/arousal)
        and unbounded, standardised outputs otherwise. An explicit range
        rejects targets outside it unless ``clip_targets=True``.
    clip_targets : bool, default=False
        Clip training targets into ``target_range`` instead of raising.
    {training_parameters}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    target_center_, target_scale_ : ndarray of shape (n_outputs,)
        The network predicts ``(y - target_center_) / target_scale_``.
    bounded_ : bool
        Whether outputs pass through a tanh (bounded to the target range).
    {fitted_attributes}

    Notes
    -----
    :meth:`score` returns the mean over outputs of Lin's concordance
    correlation coefficient (CCC), the standard figure of merit for valence
    and arousal, not the R^2 of other scikit-learn regressors.

    Examples
    --------
    >>> from affect_sklearn import AffectCNNRegressor
    >>> from affect_sklearn.datasets import make_faces
    >>> faces = make_faces(n_samples=64, image_size=24, random_state=0)
    >>> reg = AffectCNNRegressor(backbone="basic", max_epochs=2, random_state=0)
    >>> reg.fit(faces.images, faces.va).predict(faces.images[:3]).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        **BaseAffectCNN._parameter_constraints,
        "loss": [StrOptions({"mse", "ccc", "mse+ccc"})],
        "target_range": [StrOptions({"auto"}), tuple, list, None],
        "clip_targets": ["boolean"],
    }

    def __init__(
        self,
        *,
        backbone="compact",
        pretrained=False,
        freeze_backbone=False,
        width=None,
        dropout=0.25,
        image_shape=None,
        augment="auto",
        tta="auto",
        loss="mse",
        target_range="auto",
        clip_targets=False,
        lr="auto",
        backbone_lr="auto",
        optimizer="adamw",
        weight_decay=1e-4,
        batch_size=64,
        max_epochs=None,
        scheduler="onecycle",
        early_stopping=False,
        validation_fraction=0.1,
        grad_clip=None,
        amp=False,
        device="auto",
        random_state=None,
        checkpoint_dir=None,
        warm_start=False,
        verbose=0,
        net_kwargs=None,
    ):
        self.backbone = backbone
        self.pretrained = pretrained
        self.freeze_backbone = freeze_backbone
        self.width = width
        self.dropout = dropout
        self.image_shape = image_shape
        self.augment = augment
        self.tta = tta
        self.loss = loss
        self.target_range = target_range
        self.clip_targets = clip_targets
        self.lr = lr
        self.backbone_lr = backbone_lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.scheduler = scheduler
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.grad_clip = grad_clip
        self.amp = amp
        self.device = device
        self.random_state = random_state
        self.checkpoint_dir = checkpoint_dir
        self.warm_start = warm_start
        self.verbose = verbose
        self.net_kwargs = net_kwargs

    # ------------------------------------------------------------------ task hooks
    def _prepare_targets(self, y, n_samples):
        y = check_array(
            y,
            ensure_2d=False,
            allow_nd=True,
            dtype=np.float64,
            ensure_all_finite=True,
            input_name="y",
        )
        if y.ndim > 2:
            raise ValueError(
                f"y must have shape (n_samples,) or (n_samples, n_outputs), e.g. "
                f"(n, 2) for valence and arousal; got shape {y.shape}."
            )
        y2 = y[:, None] if y.ndim == 1 else y
        lo_hi = self.target_range
        if lo_hi == "auto":
            lo_hi = (-1.0, 1.0) if (y2.min() >= -1 and y2.max() <= 1) else None
        elif lo_hi is not None:
            if len(lo_hi) != 2 or not all(isinstance(v, numbers.Real) for v in lo_hi):
                raise ValueError(
                    "target_range must be 'auto', None or (low, high); got "
                    f"{self.target_range!r}."
                )
            lo, hi = float(lo_hi[0]), float(lo_hi[1])
            if not lo < hi:
                raise ValueError(f"target_range needs low < high; got {lo_hi!r}.")
            if y2.min() < lo or y2.max() > hi:
                if not self.clip_targets:
                    what = (
                        "valence/arousal values"
                        if (lo, hi) == (-1.0, 1.0)
                        else "target values"
                    )
                    raise ValueError(
                        f"{what} must lie in [{lo:g}, {hi:g}]; got min={y2.min():.3g}, "
                        f"max={y2.max():.3g}. Rescale y or set clip_targets=True."
                    )
                y2 = np.clip(y2, lo, hi)
        if lo_hi is None:
            center = y2.mean(axis=0)
            scale = y2.std(axis=0)
            scale = np.where(scale > 1e-12, scale, 1.0)
        else:
            lo, hi = float(lo_hi[0]), float(lo_hi[1])
            center = np.full(y2.shape[1], (lo + hi) / 2)
            scale = np.full(y2.shape[1], (hi - lo) / 2)
        if self.warm_start and hasattr(self, "n_outputs_"):
            if y2.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"warm_start=True needs {self.n_outputs_} outputs as in the first "
                    f"fit; got {y2.shape[1]}. Set warm_start=False."
                )
        attributes = {
            "n_outputs_": y2.shape[1],
            "bounded_": lo_hi is not None,
            "target_center_": center,
            "target_scale_": scale,
            "_y_ndim": y.ndim,
        }
        return ((y2 - center) / scale).astype(np.float32), attributes

    def _n_outputs(self):
        return self.n_outputs_

    def _output_activation(self):
        return "tanh" if self.bounded_ else "linear"

    def _build_criterion(self, y_enc):
        if self.loss == "ccc":
            return CCCLoss()
        if self.loss == "mse+ccc":
            return MixedRegressionLoss(0.5)
        return MSELossReshaped()

    def _valid_scoring(self):
        return EpochScoring(
            _valid_ccc, name="valid_ccc", lower_is_better=False, on_train=False
        )

    def _fitted_state(self):
        return {
            "n_outputs_": int(self.n_outputs_),
            "bounded_": bool(self.bounded_),
            "target_center_": self.target_center_.tolist(),
            "target_scale_": self.target_scale_.tolist(),
            "y_ndim": int(self._y_ndim),
        }

    def _set_fitted_state(self, state):
        self.n_outputs_ = state["n_outputs_"]
        self.bounded_ = state["bounded_"]
        self.target_center_ = np.asarray(state["target_center_"])
        self.target_scale_ = np.asarray(state["target_scale_"])
        self._y_ndim = state["y_ndim"]

    # ------------------------------------------------------------------ public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on face images X with continuous targets y.

        Parameters
        ----------
        X : array-like or sequence of image paths
            Images in any form accepted by :class:`AffectCNNClassifier`.
        y : array-like of shape (n_samples, 2), (n_samples,) or (n_samples, k)
            Targets, e.g. valence and arousal in [-1, 1].

        Returns
        -------
        self : AffectCNNRegressor
        """
        return self._fit(X, y)

    def predict(self, X):
        """Predicted targets, in the units of the training y.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Shaped like the training y.
        """
        check_is_fitted(self)
        out = self._forward(X).reshape(-1, self.n_outputs_)
        out = out * self.target_scale_ + self.target_center_
        return out[:, 0] if self._y_ndim == 1 else out

    def score(self, X, y, sample_weight=None):
        """Mean concordance correlation coefficient (CCC) over the outputs.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean CCC in [-1, 1]; 1 is perfect agreement.
        """
        from ..metrics import ccc_score

        check_is_fitted(self)
        return float(
            ccc_score(
                y,
                self.predict(X),
                sample_weight=sample_weight,
                multioutput="uniform_average",
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return self._more_init_tags(tags)
