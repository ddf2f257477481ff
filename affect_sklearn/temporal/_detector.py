"""Emotion change detection over per-frame predictions of one or more sequences."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._metrics import change_point_scores, change_points_from_labels
from ._sequences import split_sequences
from ._smoothing import (
    _check_proba,
    ema_smooth,
    enforce_min_duration,
    hmm_posteriors,
    hysteresis_argmax,
    runs,
    sticky_transition_matrix,
    viterbi_decode,
)

__all__ = ["VA_QUADRANTS", "EmotionChangeDetector"]

#: Labels of ``input_type="va"``: the quadrants of the valence/arousal plane.
VA_QUADRANTS = ("positive_active", "negative_active", "negative_calm", "positive_calm")
# Softness of the quadrant probabilities: P(valence > 0) = expit(valence / 0.1).
_VA_SCALE = 0.1
# stay_prob when it is neither given nor learnable (fit without labels).
_DEFAULT_STAY = 0.9
_FORMS = (
    "per-frame probabilities of shape (n_frames, n_classes) for one sequence, a "
    "list of such arrays (or a 1-D object array) for several, or an array of shape "
    "(n_sequences, n_frames, n_classes)"
)


def _va_to_proba(va):
    """Soft quadrant probabilities, in the order of VA_QUADRANTS."""
    pv = expit(va[:, 0] / _VA_SCALE)
    pa = expit(va[:, 1] / _VA_SCALE)
    return np.stack([pv * pa, (1 - pv) * pa, (1 - pv) * (1 - pa), pv * (1 - pa)], 1)


def _va_to_labels(va):
    """Hard quadrant labels of (n, 2) valence/arousal values (0 counts as >= 0)."""
    q = np.where(
        va[:, 0] >= 0, np.where(va[:, 1] >= 0, 0, 3), np.where(va[:, 1] >= 0, 1, 2)
    )
    return np.asarray(VA_QUADRANTS, dtype=object)[q]


class EmotionChangeDetector(BaseEstimator):
    """Smooth per-frame expression predictions into segments and change points.

    The input is, for each sequence (a video, a session), the per-frame class
    probabilities of a classifier (``predict_proba`` of its frames) or its
    valence/arousal predictions. The detector smooths them over time and
    returns one label per frame, the segments of constant label and the
    frames where the label changes:

    - ``method="hmm"`` decodes the most likely label path of a sticky hidden
      Markov model (Viterbi): a label switch costs about
      ``log(stay_prob / switch_prob)``, so single-frame flicker disappears
      while a sustained change is kept at its frame. It needs the whole
      sequence.
    - ``method="ema"`` takes the label of the largest exponential moving
      average, switching only when another class leads it by ``hysteresis``.
      It is causal, so it also works frame by frame on a live stream.

    Segments shorter than ``min_duration`` frames are then merged into a
    neighbour. Frames whose row is all NaN (no face found) count as
    unobserved: the label carries through them.

    ``fit`` learns what labelled sequences tell: the class order, how often
    the label changes (``stay_prob_``, unless ``stay_prob`` is given), which
    class follows which (``transmat_``) and the class frequencies
    (``startprob_``). It works without labels too, then with
    ``stay_prob=0.9`` and uniform switches. ``score`` is the change-point F1
    within ``tolerance`` frames, so :class:`~sklearn.model_selection.GridSearchCV`
    can tune the parameters against labelled sequences passed as a list.

    Parameters
    ----------
    method : {"hmm", "ema"}, default="hmm"
        Sticky HMM Viterbi decode, or exponential moving average with
        hysteresis.
    stay_prob : float, default=None
        Probability that the label stays the same from one frame to the next,
        in (0, 1), for ``method="hmm"``; higher gives fewer changes. None
        learns it from the labels given to ``fit`` (0.9 without labels).
        The learned value is the true rate of change, which can be too
        sticky for a classifier of low confidence (probabilities around
        0.4): tune it with ``GridSearchCV`` then.
    outlier_prob : float, default=0.1
        For ``method="hmm"``: chance that a frame's prediction says nothing
        about the expression (blink, blur, a bad crop), in [0, 1). The
        per-frame probabilities are mixed with ``outlier_prob`` of uniform
        before decoding, which bounds the evidence of any one frame, so a
        single confident but wrong frame cannot force two changes.
    alpha : float, default=0.3
        Weight of the newest frame in the moving average (``method="ema"``),
        in (0, 1]; smaller is smoother and slower to follow a change.
    hysteresis : float, default=0.1
        For ``method="ema"``: the label changes only when another class's
        smoothed probability exceeds the current label's by more than this,
        in [0, 1). Not used by ``method="hmm"``, where ``stay_prob`` sets the
        cost of a change.
    min_duration : int, default=1
        Shortest segment, in frames; shorter ones are merged into the
        neighbour whose class has the higher mean probability over them.
    input_type : {"proba", "va"}, default="proba"
        "proba": one column per class. "va": two columns, valence and arousal
        in [-1, 1], tracked as the four quadrants of :data:`VA_QUADRANTS`
        (soft membership ``expit(value / 0.1)`` on each axis).
    classes : array-like of shape (n_classes,), default=None
        Label of each probability column, e.g. ``clf.classes_``. None takes
        the sorted distinct labels given to ``fit`` (or ``0 .. n_classes - 1``
        for integer labels and without labels).
    tolerance : int, default=5
        Frames within which a detected change counts as a hit, for ``score``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Label of each probability column.
    n_features_in_ : int
        Columns of the input: n_classes, or 2 for valence/arousal.
    stay_prob_ : float
        Probability of keeping the label, given or learned.
    transmat_ : ndarray of shape (n_classes, n_classes)
        Transition matrix of the HMM: ``stay_prob_`` on the diagonal, switch
        targets learned from the labels (add-one smoothed) or uniform.
    startprob_ : ndarray of shape (n_classes,)
        Class frequencies of the labels (add-one smoothed) or uniform.

    See Also
    --------
    affect_sklearn.temporal.analyze_video : The same on the frames of a video.
    affect_sklearn.temporal.change_point_scores : The metric of ``score``.

    Examples
    --------
    >>> import numpy as np
    >>> from affect_sklearn.temporal import EmotionChangeDetector
    >>> p = np.array([[0.8, 0.2]] * 6 + [[0.1, 0.9]] + [[0.7, 0.3]] * 3
    ...              + [[0.2, 0.8]] * 10)
    >>> det = EmotionChangeDetector(classes=["calm", "happy"]).fit(p)
    >>> det.change_points(p)
    array([10])
    >>> det.segments(p)
       sequence  start  end  label  mean_confidence
    0         0      0   10   calm              0.7
    1         0     10   20  happy              0.8
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"hmm", "ema"})],
        "stay_prob": [Interval(Real, 0, 1, closed="neither"), None],
        "outlier_prob": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="right")],
        "hysteresis": [Interval(Real, 0, 1, closed="left")],
        "min_duration": [Interval(Integral, 1, None, closed="left")],
        "input_type": [StrOptions({"proba", "va"})],
        "classes": ["array-like", None],
        "tolerance": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        method="hmm",
        stay_prob=None,
        outlier_prob=0.1,
        alpha=0.3,
        hysteresis=0.1,
        min_duration=1,
        input_type="proba",
        classes=None,
        tolerance=5,
    ):
        self.method = method
        self.stay_prob = stay_prob
        self.outlier_prob = outlier_prob
        self.alpha = alpha
        self.hysteresis = hysteresis
        self.min_duration = min_duration
        self.input_type = input_type
        self.classes = classes
        self.tolerance = tolerance

    # ------------------------------------------------------------ input
    def _sequences(self, X, *, reset):
        """(list of (n_frames, n_classes) probability arrays, single)."""
        name = type(self).__name__
        seqs, single = split_sequences(
            X, frame_ndim=2, prefix=f"{name} expects", expected=_FORMS, dtype=np.float64
        )
        va = self.input_type == "va"
        n_cols = seqs[0].shape[1] if seqs[0].ndim == 2 else None
        if va and n_cols != 2:
            raise ValueError(
                f"{name} with input_type='va' expects 2 columns (valence, arousal) "
                f"per frame; got shape {seqs[0].shape}. Use input_type='proba' for "
                "class probabilities."
            )
        if not reset and n_cols != self.n_features_in_:
            what = "valence, arousal" if va else "one per class of classes_"
            raise ValueError(
                f"X has {n_cols} columns per frame, but {name} was fitted with "
                f"{self.n_features_in_} ({what}). Pass the same kind of predictions "
                "as in fit."
            )
        out = []
        for i, seq in enumerate(seqs):
            if seq.ndim != 2 or seq.shape[1] != n_cols or seq.shape[0] == 0:
                raise ValueError(
                    f"{name}: every sequence must be a non-empty array of shape "
                    f"(n_frames, {n_cols}); sequence {i} has shape {seq.shape}."
                )
            arr = _check_proba(seq, f"sequence {i}")
            if va:
                missing = np.isnan(arr[:, 0])
                arr = _va_to_proba(np.nan_to_num(arr))
                arr[missing] = np.nan
            else:
                lo, hi = np.nanmin(arr, initial=0.0), np.nanmax(arr, initial=1.0)
                if lo < -1e-6 or hi > 1 + 1e-6:
                    raise ValueError(
                        f"{name} expects probabilities in [0, 1]; sequence {i} has "
                        f"min={lo:.3g}, max={hi:.3g}. Pass predict_proba output, or "
                        "set input_type='va' for valence/arousal."
                    )
            out.append(arr)
        if reset:
            self.n_features_in_ = n_cols
        return out, single

    def _label_sequences(self, y, seqs, single):
        """Per-frame labels matching the sequences, as a list of 1-D arrays."""
        name = type(self).__name__
        va = self.input_type == "va"
        items = [y] if single else y
        if isinstance(items, np.ndarray) and items.ndim == 1 and not single:
            items = list(items)
        try:
            n_items = len(items)
        except TypeError:
            raise TypeError(
                f"{name}: y must hold per-frame labels, one array per sequence; got "
                f"{type(y).__name__}."
            ) from None
        if n_items != len(seqs):
            raise ValueError(
                f"{name}: y must hold one label sequence per sequence of X; got "
                f"{n_items} for {len(seqs)} sequences."
            )
        out = []
        for i, (lab, seq) in enumerate(zip(items, seqs, strict=True)):
            lab = np.asarray(lab)
            if va and lab.ndim == 2 and lab.shape[1] == 2:
                lab = _va_to_labels(lab.astype(np.float64))
            if lab.ndim != 1 or len(lab) != len(seq):
                alt = " or valence/arousal of shape (n_frames, 2)" if va else ""
                raise ValueError(
                    f"{name}: y[{i}] must hold one label per frame, shape "
                    f"({len(seq)},){alt}; got shape {lab.shape}."
                )
            out.append(lab)
        return out

    def _resolve_classes(self, labels):
        name = type(self).__name__
        k = self.n_features_in_
        if self.input_type == "va":
            if self.classes is not None:
                raise ValueError(
                    f"{name}: with input_type='va' the classes are the quadrants "
                    f"{VA_QUADRANTS}; got classes={self.classes!r}. Leave "
                    "classes=None."
                )
            return np.asarray(VA_QUADRANTS, dtype=object)
        if k < 2:
            raise ValueError(
                f"{name} needs at least 2 probability columns (classes); got {k}."
            )
        if self.classes is not None:
            classes = np.asarray(self.classes)
            if classes.ndim != 1 or len(classes) != k or len(np.unique(classes)) != k:
                raise ValueError(
                    f"classes must name each of the {k} probability columns once; "
                    f"got classes={self.classes!r}. Pass e.g. clf.classes_."
                )
            return classes
        if labels is None:
            return np.arange(k)
        uniq = np.unique(np.concatenate(labels))
        if len(uniq) == k:
            return uniq
        if np.issubdtype(uniq.dtype, np.integer) and uniq.min() >= 0 and uniq.max() < k:
            return np.arange(k)
        raise ValueError(
            f"{name}: y has {len(uniq)} distinct labels {uniq[:8].tolist()} but X "
            f"has {k} probability columns. Pass classes=clf.classes_ to name the "
            "columns."
        )

    # ------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the classes and, from labels, the transition probabilities.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_classes), or list of such arrays
            Per-frame probabilities of one sequence, or of several (a list,
            tuple or 1-D object array of 2-D arrays, or a 3-D array of
            sequences of equal length). With ``input_type="va"``, 2 columns of
            valence and arousal.
        y : array-like of shape (n_frames,), or list of such arrays, default=None
            True per-frame labels in the same form (valence/arousal arrays of
            shape (n_frames, 2) are accepted with ``input_type="va"``). None
            keeps the defaults: ``stay_prob=0.9``, uniform switches.

        Returns
        -------
        self : object
        """
        seqs, single = self._sequences(X, reset=True)
        labels = None if y is None else self._label_sequences(y, seqs, single)
        self.classes_ = self._resolve_classes(labels)
        k = len(self.classes_)
        if labels is None:
            stay = _DEFAULT_STAY if self.stay_prob is None else float(self.stay_prob)
            self.stay_prob_ = stay
            self.transmat_ = sticky_transition_matrix(k, stay)
            self.startprob_ = np.full(k, 1.0 / k)
            return self
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        counts = np.zeros((k, k))
        freq = np.ones(k)
        for i, lab in enumerate(labels):
            unknown = set(lab.tolist()) - set(index)
            if unknown:
                raise ValueError(
                    f"y[{i}] has labels {sorted(map(str, unknown))[:5]} that are not "
                    f"in classes {self.classes_.tolist()}. Pass classes naming the "
                    "probability columns."
                )
            idx = np.fromiter((index[c] for c in lab.tolist()), np.intp, len(lab))
            np.add.at(counts, (idx[:-1], idx[1:]), 1)
            freq += np.bincount(idx, minlength=k)
        n_stay = np.trace(counts)
        if self.stay_prob is None:
            self.stay_prob_ = float((n_stay + 1) / (counts.sum() + 2))
        else:
            self.stay_prob_ = float(self.stay_prob)
        switches = counts + 1
        np.fill_diagonal(switches, 0)
        switches /= switches.sum(axis=1, keepdims=True)
        self.transmat_ = switches * (1 - self.stay_prob_)
        np.fill_diagonal(self.transmat_, self.stay_prob_)
        self.startprob_ = freq / freq.sum()
        return self

    # ------------------------------------------------------------ decode
    def _emissions(self, proba):
        """Per-frame probabilities mixed with outlier_prob of uniform."""
        k = proba.shape[1]
        return (1 - self.outlier_prob) * proba + self.outlier_prob / k

    def _decode(self, proba):
        """Column index of the label of each frame of one sequence."""
        if self.method == "hmm":
            path = viterbi_decode(
                self._emissions(proba), self.transmat_, self.startprob_
            )
        else:
            smoothed = ema_smooth(proba, self.alpha)
            path = hysteresis_argmax(smoothed, self.hysteresis)
        return enforce_min_duration(path, proba, self.min_duration)

    def _check_ready(self):
        check_is_fitted(self)
        self._validate_params()

    def predict(self, X):
        """Smoothed label of every frame.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_classes), or list of such arrays
            Per-frame probabilities of one sequence, or of several (see
            :meth:`fit`).

        Returns
        -------
        labels : ndarray of shape (n_frames,), or list of such arrays
            One label of ``classes_`` per frame; a list for several sequences.
        """
        self._check_ready()
        seqs, single = self._sequences(X, reset=False)
        out = [self.classes_[self._decode(p)] for p in seqs]
        return out[0] if single else out

    def smooth_proba(self, X):
        """Smoothed per-frame class probabilities.

        The moving average for ``method="ema"``; for ``method="hmm"`` the
        HMM's posterior probabilities of each class (forward-backward), whose
        argmax may differ from the Viterbi path on a few frames.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_classes), or list of such arrays
            Per-frame probabilities of one sequence, or of several.

        Returns
        -------
        proba : ndarray of shape (n_frames, n_classes), or list of such arrays
            Columns in the order of ``classes_``.
        """
        self._check_ready()
        seqs, single = self._sequences(X, reset=False)
        if self.method == "hmm":
            out = [
                hmm_posteriors(self._emissions(p), self.transmat_, self.startprob_)
                for p in seqs
            ]
        else:
            out = [ema_smooth(p, self.alpha) for p in seqs]
        return out[0] if single else out

    def change_points(self, X):
        """Frames where the smoothed label differs from the previous frame.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_classes), or list of such arrays
            Per-frame probabilities of one sequence, or of several.

        Returns
        -------
        change_points : ndarray of int, or list of ndarrays
            Frame indices, one array per sequence (a list for several).
        """
        labels = self.predict(X)
        return change_points_from_labels(labels)

    def segments(self, X):
        """Segments of constant smoothed label.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_classes), or list of such arrays
            Per-frame probabilities of one sequence, or of several.

        Returns
        -------
        segments : pandas.DataFrame
            One row per segment: ``sequence`` (index of the sequence),
            ``start`` (first frame), ``end`` (one past the last frame),
            ``label`` and ``mean_confidence``, the mean input probability of
            the segment's label over its observed frames (NaN when none is).
        """
        self._check_ready()
        seqs, _ = self._sequences(X, reset=False)
        rows = []
        for s, proba in enumerate(seqs):
            starts, ends, cols = runs(self._decode(proba))
            for a, b, c in zip(starts, ends, cols, strict=True):
                vals = proba[a:b, c]
                vals = vals[~np.isnan(vals)]
                conf = float(vals.mean()) if len(vals) else np.nan
                rows.append((s, int(a), int(b), self.classes_[c], conf))
        return pd.DataFrame(
            rows, columns=["sequence", "start", "end", "label", "mean_confidence"]
        )

    def score(self, X, y):
        """Change-point F1 of the smoothed labels within ``tolerance`` frames.

        Parameters
        ----------
        X : array-like of shape (n_frames, n_classes), or list of such arrays
            Per-frame probabilities of one sequence, or of several.
        y : array-like of shape (n_frames,), or list of such arrays
            True per-frame labels in the same form.

        Returns
        -------
        f1 : float
            See :func:`~affect_sklearn.temporal.change_point_scores`.
        """
        self._check_ready()
        if y is None:
            raise ValueError(
                f"{type(self).__name__}.score needs the true per-frame labels y; "
                "got y=None."
            )
        seqs, single = self._sequences(X, reset=False)
        labels = self._label_sequences(y, seqs, single)
        pred = [self.classes_[self._decode(p)] for p in seqs]
        true_cps = change_points_from_labels(labels)
        pred_cps = change_points_from_labels(pred)
        return change_point_scores(true_cps, pred_cps, tolerance=self.tolerance)[2]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = True
        tags.target_tags.required = False
        return tags
