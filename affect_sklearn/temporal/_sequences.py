"""One parser for "one sequence or several": per-frame arrays of the temporal tools."""

from __future__ import annotations

import numpy as np


def split_sequences(x, *, frame_ndim, prefix, expected, dtype=None):
    """Split one sequence, or several, into a list of arrays.

    One sequence is an array-like with ``frame_ndim`` dimensions (the first
    indexes frames): 1 for per-frame labels or change points, 2 for per-frame
    probabilities. Several are an array with one more dimension (the first
    indexes sequences), or a list, tuple or 1-D object array whose items
    have ``frame_ndim`` dimensions each. A pandas object is one sequence.

    Parameters
    ----------
    x : object
        The input.
    frame_ndim : {1, 2}
        Dimensions of one sequence.
    prefix : str
        Start of the error messages, e.g. ``"labels must be"``.
    expected : str
        The accepted forms, completing ``prefix``.
    dtype : dtype or None, default=None
        Type a list holding one sequence is converted to.

    Returns
    -------
    sequences : list of ndarray
        One array of ``frame_ndim`` dimensions per sequence.
    single : bool
        True when ``x`` was one sequence (return one result, not a list).
    """
    what = f"{prefix} {expected}"
    scalar = isinstance(x, np.ndarray) and x.ndim == 0
    if isinstance(x, (str, bytes)) or x is None or scalar:
        raise TypeError(f"{what}; got {type(x).__name__}.")
    if hasattr(x, "iloc"):  # pandas: one sequence
        x = np.asarray(x)
        if x.ndim != frame_ndim:
            raise ValueError(_bad_shape(what, x.shape, frame_ndim))
        return [x], True
    if isinstance(x, np.ndarray) and x.dtype != object:
        if x.ndim == frame_ndim:
            return [x], True
        if x.ndim == frame_ndim + 1:
            return list(x), False
        raise ValueError(_bad_shape(what, x.shape, frame_ndim))
    if not isinstance(x, (list, tuple, np.ndarray)):
        raise TypeError(f"{what}; got {type(x).__name__}.")
    if len(x) == 0 and frame_ndim > 1:
        raise ValueError(f"{what}; got an empty {type(x).__name__}.")
    if any(np.ndim(item) >= frame_ndim for item in x):  # several sequences
        seqs = [np.asarray(item) for item in x]
        for i, seq in enumerate(seqs):
            if seq.ndim != frame_ndim:
                raise ValueError(
                    f"{what}; got a {type(x).__name__} whose item {i} has shape "
                    f"{seq.shape}: each sequence must be {frame_ndim}-D."
                )
        return seqs, False
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != frame_ndim:
        shapes = [np.shape(item) for item in x[:3]]
        raise ValueError(
            f"{what}; got a {type(x).__name__} whose first items have shapes {shapes}."
        )
    return [arr], True


def _bad_shape(what, shape, frame_ndim):
    return (
        f"{what}; got an array of shape {shape}: one sequence must be "
        f"{frame_ndim}-D, several {frame_ndim + 1}-D."
    )
