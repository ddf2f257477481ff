"""Resample image arrays and image paths with imbalanced-learn samplers."""

from __future__ import annotations

import numpy as np
from imblearn import combine, over_sampling, under_sampling
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import _num_samples

from ..utils import is_path_input

__all__ = ["ImageResampler"]

_FEATURE_PATTERN = (
    "To use it on images, resample features instead of pixels: images -> feature "
    "transformer -> sampler -> classifier, e.g. imblearn.pipeline.make_pipeline("
    "FunctionTransformer(flatten), PCA(50), SMOTE(), LogisticRegression()); see "
    "examples/imbalance/plot_imbalance_strategies.py. For the CNN estimators, use "
    "a sampler that selects existing images (RandomOverSampler, "
    "RandomUnderSampler) or their class_sampling_weights / class_weight."
)


def _synthesising_classes():
    """imblearn samplers known to create new rows (no ``sample_indices_``)."""
    return (
        over_sampling.SMOTE,
        over_sampling.SMOTENC,
        over_sampling.SMOTEN,
        over_sampling.BorderlineSMOTE,
        over_sampling.SVMSMOTE,
        over_sampling.KMeansSMOTE,
        over_sampling.ADASYN,
        under_sampling.ClusterCentroids,
        combine.SMOTEENN,
        combine.SMOTETomek,
    )


class ImageResampler(BaseEstimator):
    """Over- or under-sample face images with any row-selecting imblearn sampler.

    imbalanced-learn samplers accept 2-D arrays only. This wrapper hands the
    sampler a 2-D view of the data (the flattened pixels of in-memory images,
    the row index for image paths), reads which rows it kept or repeated from
    its ``sample_indices_``, and returns those rows of the original images or
    paths: ``(n, H, W)`` and ``(n, H, W, C)`` arrays keep their shape and
    dtype, paths stay paths. It works as a step of
    ``imblearn.pipeline.Pipeline`` (applied during ``fit`` only), with string
    labels, and is clone-safe.

    Samplers that synthesise new samples (SMOTE, ADASYN, ClusterCentroids and
    their combinations) cannot produce images and raise a ``ValueError``; use
    them on features instead (image -> feature transformer -> sampler ->
    classifier), as in the imbalance example.

    Parameters
    ----------
    sampler : imblearn sampler, default=None
        A sampler that selects existing rows and sets ``sample_indices_``:
        ``RandomOverSampler``, ``RandomUnderSampler``, ``NearMiss``,
        ``TomekLinks``, ``EditedNearestNeighbours``, ... (distance-based ones
        compare raw pixels; with image paths they see only the row index, so
        use the random samplers there). None means ``RandomOverSampler()``.
        The sampler is cloned in ``fit_resample``; the given one is not
        changed.
    random_state : int, RandomState instance or None, default=None
        Sets the clone's ``random_state`` (when the sampler has one and this
        is not None).

    Attributes
    ----------
    sampler_ : imblearn sampler
        The fitted clone of ``sampler``.
    sample_indices_ : ndarray of shape (n_resampled,)
        Rows of the input that make up the resampled data.

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.imbalance import ImageResampler
    >>> images = np.zeros((6, 8, 8), dtype=np.uint8)
    >>> labels = np.array(["happy"] * 4 + ["disgust"] * 2)
    >>> X_res, y_res = ImageResampler(random_state=0).fit_resample(images, labels)
    >>> X_res.shape, X_res.dtype, sorted(y_res.tolist()).count("disgust")
    ((8, 8, 8), dtype('uint8'), 4)
    """

    # imbalanced-learn's Pipeline and is_sampler recognise samplers by this
    _estimator_type = "sampler"

    _parameter_constraints: dict = {
        "sampler": [HasMethods(["fit_resample"]), None],
        "random_state": ["random_state"],
    }

    def __init__(self, sampler=None, *, random_state=None):
        self.sampler = sampler
        self.random_state = random_state

    def _make_sampler(self):
        if self.sampler is None:
            sampler = over_sampling.RandomOverSampler()
        else:
            sampler = clone(self.sampler)
        name = type(sampler).__name__
        if isinstance(sampler, _synthesising_classes()):
            raise ValueError(
                f"ImageResampler selects existing images, but sampler={name}() "
                f"synthesises new samples, which cannot be images. "
                f"{_FEATURE_PATTERN}"
            )
        if getattr(sampler, "shrinkage", None) is not None:
            raise ValueError(
                f"ImageResampler selects existing images, but {name}(shrinkage="
                f"{sampler.shrinkage!r}) generates perturbed samples. Set "
                "shrinkage=None."
            )
        params = sampler.get_params(deep=False)
        if self.random_state is not None and "random_state" in params:
            sampler.set_params(random_state=self.random_state)
        return sampler

    @staticmethod
    def _sampler_view(sampler, X, n):
        """The 2-D array the sampler sees: flattened pixels, or the row index.

        Random samplers never look at X, and paths have no pixels in memory:
        both get the row index, which costs no copy of the images.
        """
        random = isinstance(
            sampler, over_sampling.RandomOverSampler | under_sampling.RandomUnderSampler
        )
        if random or is_path_input(X) or not hasattr(X, "shape") or np.ndim(X) < 2:
            return np.arange(n, dtype=np.int64).reshape(-1, 1)
        return np.asarray(X).reshape(n, -1)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Resample X and y; return the selected rows of the original X.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) or sequence of image paths
            Images in any layout (``(n, H, W)``, ``(n, H, W, C)``, flattened
            ``(n, H*W)``), or one path per image.
        y : array-like of shape (n_samples,)
            Labels of any type (e.g. ``"disgust"``).

        Returns
        -------
        X_resampled : ndarray of shape (n_resampled, ...) or ndarray of paths
            Rows of X (same trailing shape and dtype; paths as an array).
        y_resampled : ndarray of shape (n_resampled,)
            Their labels.
        """
        n = _num_samples(X)
        if y is None or _num_samples(y) != n:
            got = "None" if y is None else f"{_num_samples(y)} labels"
            raise ValueError(
                f"ImageResampler needs one label per image; got {n} images and "
                f"{got}. Pass y to fit_resample (in a Pipeline, to fit)."
            )
        sampler = self._make_sampler()
        view = self._sampler_view(sampler, X, n)
        y = np.asarray(y)
        sampler.fit_resample(view, y)
        if not hasattr(sampler, "sample_indices_"):
            raise ValueError(
                f"ImageResampler needs a sampler that selects existing samples and "
                f"records them in sample_indices_; {type(sampler).__name__} sets "
                f"no sample_indices_ (it synthesises samples or does not say "
                f"which it kept). {_FEATURE_PATTERN}"
            )
        idx = np.asarray(sampler.sample_indices_, dtype=np.int64)
        self.sampler_ = sampler
        self.sample_indices_ = idx
        if is_path_input(X) and not hasattr(X, "shape"):
            X = np.asarray([str(p) if not isinstance(p, str) else p for p in X])
        return _safe_indexing(X, idx), y[idx]

    def fit(self, X, y):
        """Fit the sampler (as ``fit_resample`` does) and return self.

        Parameters
        ----------
        X : ndarray of shape (n_samples, ...) or sequence of image paths
            Images.
        y : array-like of shape (n_samples,)
            Labels.

        Returns
        -------
        self : ImageResampler
        """
        self.fit_resample(X, y)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags
