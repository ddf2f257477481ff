"""Multi-task CNN: expression classes and valence/arousal from one shared backbone."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import EpochScoring

from ..nn._backbones import to_layout
from ..nn._heads import MultiTaskModule
from ..nn._losses import MultiTaskLoss
from ._base import BaseAffectCNN
from ._docs import fill_doc
from ._labels import ExpressionLabelsMixin, copy_head_rows
from ._multitask_inputs import check_affect, split_multitask_y, unpack_multitask_X
from ._multitask_outputs import (
    MultiTaskOutput,
    MultiTaskPredictMixin,
    valid_expression_accuracy,
)

__all__ = ["AffectCNNMultiTask"]


@fill_doc
class AffectCNNMultiTask(MultiTaskPredictMixin, ExpressionLabelsMixin, BaseAffectCNN):
    """One backbone, two heads: expression classes and valence/arousal.

    An optional landmark branch encodes (n, k, 2) facial landmarks with a small
    MLP and fuses them with the image features. The loss is
    ``expression_weight * cross-entropy + affect_weight * regression loss``,
    where rows with missing (NaN) valence/arousal are masked out of the
    regression term.

    **Inputs.** Without landmarks, X takes every image form of
    :class:`AffectCNNClassifier`. With ``use_landmarks=True``, pack images and
    landmarks with :func:`affect_sklearn.utils.pack_faces`: the result is a
    1-D structured array, so ``cross_val_score``, ``GridSearchCV`` and
    ``Pipeline`` index it by rows like any X.

    **Targets.** A DataFrame with columns ``expression``, ``valence``,
    ``arousal`` (affect may be NaN, or the columns absent), an array of shape
    (n, 3) in that column order, or 1-D expression labels only. Valence and
    arousal must lie in [-1, 1] (the affect head ends in tanh).

    With landmarks, ``augment="auto"`` or ``True`` applies only
    brightness/contrast jitter (geometric transforms would move the face away
    from its landmarks), ``tta="auto"`` does not mirror, and ``tta=True`` is
    an error.

    Parameters
    ----------
    use_landmarks : bool, default=False
        Add the landmark branch (X must then come from ``pack_faces``).
    expression_weight : float, default=1.0
        Weight of the expression cross-entropy in the loss.
    affect_weight : float, default=1.0
        Weight of the valence/arousal loss.
    affect_loss : {"mse", "ccc", "mse+ccc"}, default="mse"
        Regression loss on the rows that have valence/arousal.
    label_smoothing : float, default=0.1
        Label smoothing of the cross-entropy.
    class_weight : None, "balanced" or dict, default=None
        Per-class weights of the cross-entropy.
    class_sampling_weights : None, "balanced" or dict, default=None
        Per-class weights of the training batch sampler.
    clip_targets : bool, default=False
        Clip valence/arousal into [-1, 1] instead of raising.
    {model_parameters}
    {training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Expression labels.
    n_landmarks_ : int or None
        Points per face of the landmark branch.
    {fitted_attributes}

    Examples
    --------
    >>> import pandas as pd
    >>> from affect_sklearn import AffectCNNMultiTask
    >>> from affect_sklearn.datasets import make_faces
    >>> from affect_sklearn.utils import pack_faces
    >>> f = make_faces(n_samples=48, image_size=24, n_classes=3, random_state=0)
    >>> X = pack_faces(f.images, f.landmarks)
    >>> y = pd.DataFrame({"expression": f.target, "valence": f.valence,
    ...                   "arousal": f.arousal})
    >>> mt = AffectCNNMultiTask(backbone="basic", use_landmarks=True, max_epochs=2,
    ...                         random_state=0).fit(X, y)
    >>> list(mt.predict(X[:2]).columns)
    ['expression', 'valence', 'arousal']
    >>> mt.predict_affect(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        **BaseAffectCNN._parameter_constraints,
        "use_landmarks": ["boolean"],
        "expression_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "affect_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "affect_loss": [StrOptions({"mse", "ccc", "mse+ccc"})],
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "class_sampling_weights": [StrOptions({"balanced"}), dict, None],
        "clip_targets": ["boolean"],
    }

    def __init__(
        self,
        *,
        use_landmarks=False,
        expression_weight=1.0,
        affect_weight=1.0,
        affect_loss="mse",
        label_smoothing=0.1,
        class_weight=None,
        class_sampling_weights=None,
        clip_targets=False,
        backbone="compact",
        pretrained=False,
        freeze_backbone=False,
        width=None,
        dropout=0.25,
        image_shape=None,
        augment="auto",
        tta="auto",
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
        self.use_landmarks = use_landmarks
        self.expression_weight = expression_weight
        self.affect_weight = affect_weight
        self.affect_loss = affect_loss
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.class_sampling_weights = class_sampling_weights
        self.clip_targets = clip_targets
        self.backbone = backbone
        self.pretrained = pretrained
        self.freeze_backbone = freeze_backbone
        self.width = width
        self.dropout = dropout
        self.image_shape = image_shape
        self.augment = augment
        self.tta = tta
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

    # ------------------------------------------------------------------ hooks
    def _unpack_X(self, X, *, reset):
        return unpack_multitask_X(self, X, reset=reset)

    def _geometric_augmentation(self):
        return not self.use_landmarks

    def _prepare_targets(self, y, n_samples):
        labels, affect = split_multitask_y(y, n_samples)
        codes, attributes = self._encode_labels(labels)
        affect = check_affect(affect, clip_targets=self.clip_targets)
        return np.column_stack([codes, affect]).astype(np.float32), attributes

    def _landmark_attributes(self, landmarks):
        return {"n_landmarks_": None if landmarks is None else landmarks.shape[1]}

    def _n_outputs(self):
        return len(self.classes_)

    def _make_module(self, c, mean, std, pretrained=False):
        image = super()._make_module(c, mean, std, pretrained)
        module = MultiTaskModule(
            image,
            len(self.classes_),
            n_affect=2,
            n_landmarks=self.n_landmarks_ if self.use_landmarks else None,
            dropout=self.dropout,
        )
        return to_layout(module, image.backbone)

    def _image_module(self, module):
        return module.image

    def _transfer_head(self, module, state_dict, meta):
        # the expression head takes the shipped rows when its input is the
        # image features alone (no landmark branch)
        copy_head_rows(
            module.expression,
            state_dict["head.weight"],
            state_dict["head.bias"],
            self._head_rows(meta),
        )

    @property
    def _predict_nonlinearity(self):
        return MultiTaskOutput(len(self.classes_))

    def _build_criterion(self, y_enc):
        return MultiTaskLoss(
            len(self.classes_),
            expression_weight=self.expression_weight,
            affect_weight=self.affect_weight,
            affect_loss=self.affect_loss,
            weight=self._class_weight_tensor(y_enc[:, 0].astype(np.int64)),
            label_smoothing=self.label_smoothing,
        )

    def _stratify_labels(self, y):
        return y[:, 0].astype(int)

    def _sampler_weights(self, y_train):
        return self._label_sampler_weights(y_train[:, 0].astype(np.int64))

    def _valid_scoring(self):
        return EpochScoring(
            valid_expression_accuracy,
            name="valid_acc",
            lower_is_better=False,
            on_train=False,
        )

    def _fitted_state(self):
        return {**self._labels_state(), "n_landmarks_": self.n_landmarks_}

    def _set_fitted_state(self, state):
        self._set_labels_state(state)
        self.n_landmarks_ = state["n_landmarks_"]

    # ------------------------------------------------------------------ public API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train both heads (and the landmark branch when enabled).

        Parameters
        ----------
        X : array-like, sequence of paths, or output of ``pack_faces``
            Images; with ``use_landmarks=True``, ``pack_faces(images, landmarks)``.
        y : DataFrame, array of shape (n, 3) or (n,)
            Expression labels with valence and arousal (NaN where missing).

        Returns
        -------
        self : AffectCNNMultiTask
        """
        return self._fit(X, y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return self._more_init_tags(tags)
