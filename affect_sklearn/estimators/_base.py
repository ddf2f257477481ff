"""The base of the CNN estimators: parameters, one template ``fit``, prediction, I/O.

A fit runs as a template (``BaseAffectCNN._fit``) that calls small task hooks
of the subclass: ``_prepare_targets`` validates and encodes y and *returns*
the fitted attributes it derives (``classes_``, target scaling, ...);
``_n_outputs``, ``_output_activation``, ``_build_criterion``,
``_valid_scoring``, ``_stratify_labels`` and ``_sampler_weights`` describe the
head, the loss and the batches. The hooks run on a staged shallow copy of the
estimator; the estimator itself gets its fitted attributes only once
training has finished, so a failed ``fit`` leaves it as it was.

Where the rest lives: the skorch net and the prediction path in
:mod:`affect_sklearn.nn._net`, the callbacks in :mod:`affect_sklearn.callbacks`,
device/seed/split/epoch rules in ``_training``, shipped-weight transfer in
``_transfer``, and weights-only files in ``_persistence``.
"""

from __future__ import annotations

import copy
import math
import numbers
from pathlib import Path

import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted

from ..callbacks import load_training_state
from ..nn._augment import BatchAugmentation
from ..nn._augment_presets import make_augmentation
from ..nn._backbones import to_layout
from ..nn._heads import AffectNetModule
from ..nn._net import OPTIMIZERS
from ..nn._registry import BUILTIN_BACKBONES, TORCHVISION_BACKBONES, build_backbone
from ..pretrained._registry import PRETRAINED_MODELS
from ..utils._validation import check_images
from ._persistence import PersistenceMixin
from ._train import train_net
from ._training import (
    AUTO_BACKBONE_LR_FACTOR,
    AUTO_LR,
    AUTO_LR_PRETRAINED,
    auto_max_epochs,
    input_statistics,
    resolve_device,
    seed_torch,
)
from ._transfer import pretrained_module

BACKBONE_NAMES = tuple(BUILTIN_BACKBONES) + TORCHVISION_BACKBONES


class BaseAffectCNN(PersistenceMixin, BaseEstimator):
    """Base of the CNN estimators; not for direct use.

    Subclasses set the task through the hooks below; see the module docstring.
    """

    _parameter_constraints: dict = {
        "backbone": [StrOptions(set(BACKBONE_NAMES)), callable],
        "pretrained": ["boolean", StrOptions(set(PRETRAINED_MODELS))],
        "freeze_backbone": [
            "boolean",
            Interval(numbers.Integral, 0, None, closed="left"),
        ],
        "width": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "image_shape": [tuple, list, None],
        "augment": ["boolean", StrOptions({"auto"}), dict, callable, None],
        "tta": ["boolean", StrOptions({"auto"})],
        "lr": [Interval(numbers.Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "backbone_lr": [
            Interval(numbers.Real, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "optimizer": [StrOptions(set(OPTIMIZERS))],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "scheduler": [StrOptions({"onecycle", "cosine", "step", "plateau"}), None],
        "early_stopping": [
            "boolean",
            Interval(numbers.Integral, 1, None, closed="left"),
        ],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "grad_clip": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "amp": ["boolean"],
        "device": [str],
        "random_state": ["random_state"],
        "checkpoint_dir": [str, Path, None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "net_kwargs": [dict, None],
    }

    # ------------------------------------------------------------------ hooks
    def _prepare_targets(self, y, n_samples):  # pragma: no cover - abstract
        """Validate and encode y: return ``(y_enc, fitted_attributes)``."""
        raise NotImplementedError

    def _landmark_attributes(self, landmarks):
        """Fitted attributes that the per-sample landmarks (or None) give."""
        return {}

    def _n_outputs(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _output_activation(self):
        return "linear"

    def _build_criterion(self, y_enc):  # pragma: no cover - abstract
        """The loss module; ``y_enc`` is the whole encoded target, before any
        validation split (class weights are computed from all of it)."""
        raise NotImplementedError

    def _valid_scoring(self):
        return None

    def _stratify_labels(self, y):
        return None

    def _sampler_weights(self, y_train):
        return None

    def _unpack_X(self, X, *, reset):
        """Split X into the image input and optional per-sample landmarks."""
        return X, None

    def _geometric_augmentation(self):
        """Whether augmentation may move pixels (False when landmarks ride along)."""
        return True

    def _image_module(self, module):
        """The AffectNetModule (normalisation, backbone) inside the task module."""
        return module

    def _transfer_head(self, module, state_dict, meta):
        """Copy what fits of the shipped head into ``module``; the default: none."""

    def _fitted_state(self):  # pragma: no cover - overridden
        """The task's fitted attributes as JSON-able values (for ``save``)."""
        return {}

    def _set_fitted_state(self, state):  # pragma: no cover - overridden
        """Set the attributes that ``_fitted_state`` described (for ``load``)."""

    _predict_nonlinearity = None

    # ------------------------------------------------------------------ set-up
    def _pretrained_name(self):
        """The shipped model that ``fit`` starts from, or None."""
        return self.pretrained if isinstance(self.pretrained, str) else None

    def _resolve_max_epochs(self, n_train):
        """``max_epochs``, or for None the epochs of the step budget."""
        if self.max_epochs is not None:
            return int(self.max_epochs)
        return auto_max_epochs(
            n_train, self.batch_size, pretrained=self._pretrained_name() is not None
        )

    def _resolve_lr(self):
        """``lr``, or for "auto" 3e-3 from scratch and 1e-3 from shipped weights."""
        if self.lr != "auto":
            return float(self.lr)
        return AUTO_LR_PRETRAINED if self._pretrained_name() else AUTO_LR

    def _resolve_backbone_lr(self, lr):
        """``backbone_lr``, or for "auto" ``lr`` from scratch and
        ``lr * AUTO_BACKBONE_LR_FACTOR`` from shipped weights."""
        if self.backbone_lr != "auto":
            return float(self.backbone_lr)
        return lr * AUTO_BACKBONE_LR_FACTOR if self._pretrained_name() else lr

    def _make_module(self, c, mean, std, pretrained=False):
        backbone, bb_channels = build_backbone(
            self.backbone, c, pretrained=pretrained, width=self.width
        )
        module = AffectNetModule(
            backbone,
            self._n_outputs(),
            mean=mean,
            std=std,
            in_channels=c,
            backbone_channels=bb_channels,
            min_size=getattr(backbone, "min_size", 8),
            dropout=self.dropout,
            output=self._output_activation(),
        )
        return to_layout(module, backbone)

    def _build_module(self, images, rng):
        name = self._pretrained_name()
        if name is not None:
            return pretrained_module(self, name, images)
        mean, std = input_statistics(images, rng)
        return self._make_module(images.shape[0], mean, std, self.pretrained is True)

    def _augmentation(self, image_shape):
        return make_augmentation(
            self.augment, image_shape, geometric=self._geometric_augmentation()
        )

    # ------------------------------------------------------------------ fit
    def _fit(self, X, y, resume_state=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        device = resolve_device(self.device, self.amp)
        warm = self.warm_start and hasattr(self, "net_") and resume_state is None
        # the hooks run on this copy; self gets its attributes when training ends
        staged = copy.copy(self)
        X, landmarks = staged._unpack_X(X, reset=True)
        images = check_images(staged, X, reset=True, image_shape=self.image_shape)
        n = len(images)
        if _num_samples(y) != n:
            raise ValueError(
                f"X and y must have the same number of samples; got {n} images and "
                f"{_num_samples(y)} targets. Found input variables with inconsistent "
                "numbers of samples."
            )
        y_enc, attributes = staged._prepare_targets(y, n)
        staged.__dict__.update(attributes)
        staged.__dict__.update(staged._landmark_attributes(landmarks))
        if n < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples to train; got "
                f"n_samples={n} (1 sample)."
            )
        if warm and tuple(self.image_shape_) != tuple(staged.image_shape_):
            raise ValueError(
                "warm_start=True needs images of the shape the model was fitted on: "
                f"{tuple(self.image_shape_)}; got {tuple(staged.image_shape_)}. Set "
                "warm_start=False."
            )
        if resume_state is None:
            seed = seed_torch(self.random_state)
        else:  # the interrupted fit's seed gives the same split and statistics
            seed = int(resume_state["meta"]["seed"])
            torch.manual_seed(seed)
        self._staged = staged  # what HoldoutScoring predicts with during training
        try:
            net, n_train = train_net(
                staged, images, landmarks, y_enc, seed, device, warm, resume_state
            )
        finally:
            self.__dict__.pop("_staged", None)
        self.__dict__.update(vars(staged))
        max_epochs = net.max_epochs
        self.net_ = net
        self.history_ = pd.DataFrame(
            [{k: v for k, v in row.items() if k != "batches"} for row in net.history]
        )
        self.history_.attrs["max_epochs"] = max_epochs
        self.history_.attrs["steps_per_epoch"] = math.ceil(n_train / self.batch_size)
        self.n_epochs_ = len(net.history)
        self.max_epochs_ = max_epochs
        return self

    def resume(self, X, y, *, checkpoint_dir=None):
        """Continue an interrupted (or finished) fit from its last checkpoint.

        With ``checkpoint_dir`` set, every epoch ends by writing
        ``last_state.pt``: weights, optimizer, learning-rate scheduler,
        history, early-stopping state, random number generators and epoch
        count. ``resume`` rebuilds the fit on the same X and y, restores that
        state and trains the remaining ``max_epochs - epochs done`` epochs. A
        fit killed mid-epoch loses only that epoch, and on CPU the resumed
        fit ends with the same weights as an uninterrupted one. Raise
        ``max_epochs`` to train longer (the schedule is re-planned from the
        step reached), or change ``class_sampling_weights`` to draw the next
        batches differently.

        Parameters
        ----------
        X : array-like or sequence of paths
            The training images of the interrupted fit.
        y : array-like
            Its targets.
        checkpoint_dir : str or Path, default=None
            Folder (or file) of the saved state; None uses ``checkpoint_dir``.
            New checkpoints go to the estimator's ``checkpoint_dir`` (or, when
            that is None, back to this folder).

        Returns
        -------
        self : estimator
            The fitted estimator.

        Raises
        ------
        FileNotFoundError
            If there is no saved state.
        ValueError
            If the state file is truncated or corrupt, or was written for
            another estimator or other data.

        Examples
        --------
        >>> from affect_sklearn import AffectCNNClassifier
        >>> from affect_sklearn.datasets import make_faces
        >>> faces = make_faces(n_samples=24, image_size=16, n_classes=3,
        ...                    random_state=0)
        >>> ckpt = getfixture("tmp_path")
        >>> clf = AffectCNNClassifier(backbone="basic", width=4, max_epochs=1,
        ...                           device="cpu", random_state=0,
        ...                           checkpoint_dir=ckpt)
        >>> clf = clf.fit(faces.images, faces.target)
        >>> clf.set_params(max_epochs=2).resume(faces.images, faces.target).n_epochs_
        2
        """
        self._validate_params()
        if checkpoint_dir is None and self.checkpoint_dir is None:
            raise ValueError(
                "resume() needs the folder of the saved training state: set "
                "checkpoint_dir on the estimator or pass checkpoint_dir=; got "
                "neither."
            )
        state = load_training_state(
            self.checkpoint_dir if checkpoint_dir is None else checkpoint_dir
        )
        return self._fit(X, y, resume_state=state)

    # ------------------------------------------------------------------ predict
    def _use_tta(self):
        """Whether predictions average each image with its mirror image.

        ``tta="auto"`` mirrors at test time when training mirrored too: the
        built-in augmentation with ``hflip`` on (the default for images of at
        least 16x16 pixels, and never with landmarks).
        """
        if self.tta != "auto":
            return bool(self.tta)
        aug = self._augmentation(tuple(self.image_shape_))
        return isinstance(aug, BatchAugmentation) and bool(aug.hflip)

    def _forward(self, X):
        """Network outputs for X (after the prediction nonlinearity), float64."""
        check_is_fitted(self)
        X, landmarks = self._unpack_X(X, reset=False)
        images = check_images(self, X, reset=False)
        return self.net_.predict_outputs(images, landmarks, tta=self._use_tta())

    def _more_init_tags(self, tags):
        # Seeded CPU training is reproducible; CUDA kernels may not be.
        tags.non_deterministic = self.device != "cpu"
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        return tags
