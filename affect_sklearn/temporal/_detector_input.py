"""Input checks of the change detector: probability sequences, labels, classes."""

from __future__ import annotations

import numpy as np

from ._quadrants import VA_QUADRANTS, _va_to_labels, _va_to_proba
from ._sequences import split_sequences
from ._smoothing import _check_proba

_FORMS = (
    "per-frame probabilities of shape (n_frames, n_classes) for one sequence, a "
    "list of such arrays (or a 1-D object array) for several, or an array of shape "
    "(n_sequences, n_frames, n_classes)"
)


def validate_sequences(detector, X, *, reset):
    """(list of (n_frames, n_classes) probability arrays, single).

    Like scikit-learn's ``validate_data``: ``reset=True`` (in ``fit``) sets
    the detector's ``n_features_in_``, ``reset=False`` checks ``X`` against
    it. Valence/arousal input (``input_type="va"``) comes back as soft
    quadrant probabilities.
    """
    name = type(detector).__name__
    seqs, single = split_sequences(
        X, frame_ndim=2, prefix=f"{name} expects", expected=_FORMS, dtype=np.float64
    )
    va = detector.input_type == "va"
    n_cols = seqs[0].shape[1] if seqs[0].ndim == 2 else None
    if va and n_cols != 2:
        raise ValueError(
            f"{name} with input_type='va' expects 2 columns (valence, arousal) "
            f"per frame; got shape {seqs[0].shape}. Use input_type='proba' for "
            "class probabilities."
        )
    if not reset and n_cols != detector.n_features_in_:
        what = "valence, arousal" if va else "one per class of classes_"
        raise ValueError(
            f"X has {n_cols} columns per frame, but {name} was fitted with "
            f"{detector.n_features_in_} ({what}). Pass the same kind of predictions "
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
        detector.n_features_in_ = n_cols
    return out, single


def validate_labels(detector, y, seqs, single):
    """Per-frame labels matching the sequences, as a list of 1-D arrays."""
    name = type(detector).__name__
    va = detector.input_type == "va"
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


def resolve_classes(detector, labels):
    """Label of each probability column: ``classes``, or from the labels."""
    name = type(detector).__name__
    k = detector.n_features_in_
    classes = detector.classes
    if detector.input_type == "va":
        if classes is not None:
            raise ValueError(
                f"{name}: with input_type='va' the classes are the quadrants "
                f"{VA_QUADRANTS}; got classes={classes!r}. Leave "
                "classes=None."
            )
        return np.asarray(VA_QUADRANTS, dtype=object)
    if k < 2:
        raise ValueError(
            f"{name} needs at least 2 probability columns (classes); got {k}."
        )
    if classes is not None:
        given = classes
        classes = np.asarray(given)
        if classes.ndim != 1 or len(classes) != k or len(np.unique(classes)) != k:
            raise ValueError(
                f"classes must name each of the {k} probability columns once; "
                f"got classes={given!r}. Pass e.g. clf.classes_."
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
