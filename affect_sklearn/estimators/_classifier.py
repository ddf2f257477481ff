"""CNN expression classifier: skorch inside, the scikit-learn contract outside."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d
from skorch.callbacks import EpochScoring
from torch import nn

from ..nn._losses import FocalLoss
from ..nn._net import softmax as _softmax
from ._base import BaseAffectCNN
from ._docs import fill_doc
from ._labels import ExpressionLabelsMixin, copy_head_rows

__all__ = ["AffectCNNClassifier"]


def _valid_accuracy(net, X, y):
    """Accuracy of the cached validation outputs (used by skorch EpochScoring)."""
    proba = net.predict_proba(X)
    return float(np.mean(np.argmax(proba, axis=1) == np.asarray(y)))


@fill_doc
class AffectCNNClassifier(ExpressionLabelsMixin, ClassifierMixin, BaseAffectCNN):
    """CNN classifier of facial expressions (7 or 8 classes, or any labels).

    A scikit-learn estimator around a skorch network: it clones, grid-searches,
    cross-validates, pipelines and pickles like any classifier, while training
    a convolutional net on face images.

    Parameters
    ----------
    {model_parameters}
    loss : {"cross_entropy", "focal"}, default="cross_entropy"
        Training loss.
    focal_gamma : float, default=2.0
        Focusing parameter of the focal loss.
    label_smoothing : float, default=0.1
        Label smoothing in [0, 1): the target puts this much probability mass
        spread evenly over all classes. With flip TTA, 0.1 added 0.8 point of
        FER-2013 accuracy (``benchmarks/results/bench_fer2013_ls_tta.json``
        against ``bench_fer2013.json``); use 0.0 for plain cross-entropy.
    class_weight : None, "balanced" or dict, default=None
        Per-class loss weights, keyed by the original labels.
    class_sampling_weights : None, "balanced" or dict, default=None
        Per-class weights of a ``WeightedRandomSampler`` that draws the
        training batches, e.g. ``{"sad": 5.0, "happy": 0.5}`` (classes not
        named keep 1.0). "balanced" draws every class equally often.
    {training_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    {fitted_attributes}

    Examples
    --------
    >>> from affect_sklearn import AffectCNNClassifier
    >>> from affect_sklearn.datasets import make_faces
    >>> faces = make_faces(n_samples=64, image_size=24, n_classes=3, random_state=0)
    >>> clf = AffectCNNClassifier(backbone="basic", max_epochs=2, random_state=0)
    >>> clf.fit(faces.images, faces.target).predict(faces.images[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **BaseAffectCNN._parameter_constraints,
        "loss": [StrOptions({"cross_entropy", "focal"})],
        "focal_gamma": [Interval(numbers.Real, 0, None, closed="left")],
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "class_sampling_weights": [StrOptions({"balanced"}), dict, None],
    }
    _predict_nonlinearity = staticmethod(_softmax)

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
        loss="cross_entropy",
        focal_gamma=2.0,
        label_smoothing=0.1,
        class_weight=None,
        class_sampling_weights=None,
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
        self.focal_gamma = focal_gamma
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.class_sampling_weights = class_sampling_weights
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
        return self._encode_labels(y)

    def _n_outputs(self):
        return len(self.classes_)

    def _build_criterion(self, y_enc):
        weight = self._class_weight_tensor(y_enc)
        if self.loss == "focal":
            return FocalLoss(self.focal_gamma, weight, self.label_smoothing)
        return nn.CrossEntropyLoss(weight=weight, label_smoothing=self.label_smoothing)

    def _stratify_labels(self, y):
        return y

    def _sampler_weights(self, y_train):
        return self._label_sampler_weights(y_train)

    def _valid_scoring(self):
        return EpochScoring(
            _valid_accuracy, name="valid_acc", lower_is_better=False, on_train=False
        )

    def _transfer_head(self, module, state_dict, meta):
        # classes the shipped model knows keep its head rows; others start fresh
        copy_head_rows(
            module.head,
            state_dict["head.weight"],
            state_dict["head.bias"],
            self._head_rows(meta),
        )

    def _fitted_state(self):
        return self._labels_state()

    def _set_fitted_state(self, state):
        self._set_labels_state(state)

    # ------------------------------------------------------------------ public API
    @classmethod
    def from_pretrained(cls, name="fer2013", *, device="cpu", **params):
        """A classifier shipped inside the package, fitted and ready to predict.

        The estimator has the library defaults with ``pretrained=name``, so
        calling ``fit`` on it (or on its ``clone``) fine-tunes the shipped
        weights on your faces instead of training from scratch. Nothing is
        downloaded: the weights are a file inside the package (its model card:
        :func:`affect_sklearn.pretrained.model_card`).

        Parameters
        ----------
        name : str, default="fer2013"
            One of :func:`affect_sklearn.pretrained.pretrained_names`.
        device : str, default="cpu"
            Where to put the network.
        **params
            Other estimator parameters (e.g. ``max_epochs``, ``freeze_backbone``)
            for a later fine-tuning ``fit``.

        Returns
        -------
        clf : AffectCNNClassifier
            Fitted; ``classes_`` are the shipped model's labels (for
            ``"fer2013"``: angry, disgust, fear, happy, neutral, sad, surprise).

        Raises
        ------
        ValueError
            For an unknown name (the message lists the shipped ones) or a corrupt
            weights file (the message names the file).
        FileNotFoundError
            If the weights file is missing from the installation.

        Examples
        --------
        >>> from affect_sklearn import AffectCNNClassifier
        >>> from affect_sklearn.datasets import make_faces
        >>> clf = AffectCNNClassifier.from_pretrained("fer2013")
        >>> clf.classes_.tolist()
        ['angry', 'disgust', 'fear', 'happy', 'neutral', 'sad', 'surprise']
        >>> faces = make_faces(n_samples=4, random_state=0)
        >>> clf.predict_proba(faces.images).shape
        (4, 7)
        """
        from ..pretrained import load_pretrained, pretrained_path
        from ._persistence import estimator_from_state

        # one read of the file; clear errors for bad names and files
        meta, sd = load_pretrained(name)
        if meta.get("estimator") != cls.__name__:
            raise ValueError(
                f"The pretrained model {name!r} is a {meta.get('estimator')}, not "
                f"a {cls.__name__}."
            )
        est = estimator_from_state(cls, meta, sd, pretrained_path(name), device=device)
        shipped = meta["params"]
        defaults = cls().get_params()
        defaults.update(
            pretrained=name,
            backbone=shipped["backbone"],
            width=shipped["width"],
            dropout=shipped["dropout"],
            device=device,
        )
        return est.set_params(**{**defaults, **params})

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on face images X with expression labels y.

        Parameters
        ----------
        X : array-like of shape (n, H, W), (n, H, W, C), (n, C, H, W), (n, H*W) \
or sequence of image paths
            uint8 (0-255) or float (0-1) images; paths are read lazily.
        y : array-like of shape (n,)
            Labels of any type (e.g. ``"happy"`` or ints).

        Returns
        -------
        self : AffectCNNClassifier
        """
        return self._fit(X, y)

    def predict_proba(self, X):
        """Class probabilities; rows sum to 1, columns follow ``classes_``.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images in any form accepted by :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._forward(X)

    def predict(self, X):
        """Most probable class label per image.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images in any form accepted by :meth:`fit`.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def score(self, X, y, sample_weight=None):
        """Accuracy on (X, y); labels never seen in ``fit`` raise a ValueError.

        Parameters
        ----------
        X : array-like or sequence of paths
            Images.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        y = column_or_1d(y, warn=True)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y contains labels not seen in fit: {unknown.tolist()}; the model "
                f"knows {self.classes_.tolist()}. Refit with all classes or drop "
                "those samples."
            )
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        return self._more_init_tags(tags)
