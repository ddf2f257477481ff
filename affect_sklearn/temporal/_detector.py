"""Emotion change detection over per-frame predictions of one or more sequences."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._detector_input import resolve_classes, validate_labels, validate_sequences
from ._metrics import change_point_scores, change_points_from_labels
from ._smoothing import (
    ema_smooth,
    enforce_min_duration,
    hmm_posteriors,
    hysteresis_argmax,
    runs,
    viterbi_decode,
)
from ._transitions import learn_transitions

__all__ = ["EmotionChangeDetector"]


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
        seqs, single = validate_sequences(self, X, reset=True)
        labels = None if y is None else validate_labels(self, y, seqs, single)
        self.classes_ = resolve_classes(self, labels)
        self.stay_prob_, self.transmat_, self.startprob_ = learn_transitions(
            labels, self.classes_, self.stay_prob
        )
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
        seqs, single = validate_sequences(self, X, reset=False)
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
        seqs, single = validate_sequences(self, X, reset=False)
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
        seqs, _ = validate_sequences(self, X, reset=False)
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
        seqs, single = validate_sequences(self, X, reset=False)
        labels = validate_labels(self, y, seqs, single)
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
