"""Input validation shared by the metrics in :mod:`affect_sklearn.metrics`."""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils._param_validation import StrOptions

__all__ = ["UndefinedMetricWarning"]

# Parameter constraints of the regression metrics, for sklearn's validate_params.
REGRESSION_CONSTRAINTS = {
    "y_true": ["array-like"],
    "y_pred": ["array-like"],
    "sample_weight": ["array-like", None],
    "multioutput": [StrOptions({"raw_values", "uniform_average"}), "array-like"],
}


def _to_numpy(x, *, name):
    """Return ``x`` as a NumPy array; accept lists, pandas objects and tensors."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):  # torch.Tensor, without importing
        x = x.detach().cpu().numpy()
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be array-like; got {type(x).__name__} that NumPy cannot "
            "convert. Pass a list, NumPy array, pandas object or torch tensor."
        ) from exc


def _as_float(x, *, name, func):
    """Convert ``x`` to a float64 array or raise a TypeError naming ``func``."""
    arr = _to_numpy(x, name=name)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{func} expects numeric {name}; got dtype {arr.dtype}. Encode the "
            "values as numbers first."
        )
    return arr.astype(np.float64, copy=False)


def _check_finite(arr, *, name, func, hint):
    """Raise a ValueError when ``arr`` holds NaN or infinite values."""
    finite = np.isfinite(arr)
    if finite.all():
        return
    bad = np.flatnonzero(~finite.reshape(-1))
    first = np.unravel_index(bad[0], arr.shape)
    where = f"sample {first[0]}"
    if arr.ndim == 2 and arr.shape[1] > 1:
        where += f", output {first[1]}"
    n_nan = int(np.isnan(arr).sum())
    raise ValueError(
        f"{func}: {name} must be finite; got {n_nan} NaN and "
        f"{bad.size - n_nan} infinite value(s) (first at {where}). {hint}"
    )


def _check_n_samples(n_true, n_pred, *, func, names=("y_true", "y_pred")):
    if n_true != n_pred:
        raise ValueError(
            f"{func}: {names[0]} and {names[1]} must have the same number of "
            f"samples; got {n_true} and {n_pred}. Pass predictions for exactly "
            f"the samples in {names[0]}."
        )
    if n_true == 0:
        raise ValueError(
            f"{func} needs at least one sample; got empty {names[0]} and {names[1]}."
        )


def _check_sample_weight(sample_weight, n_samples, *, func):
    """Validate ``sample_weight``: 1-D, non-negative, finite, positive sum."""
    if sample_weight is None:
        return None
    sw = _as_float(sample_weight, name="sample_weight", func=func)
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"{func}: sample_weight must have shape ({n_samples},), one weight per "
            f"sample; got shape {sw.shape}."
        )
    _check_finite(sw, name="sample_weight", func=func, hint="Use finite weights.")
    if (sw < 0).any() or sw.sum() <= 0:
        raise ValueError(
            f"{func}: sample_weight must be non-negative with a positive sum; got "
            f"min={sw.min():g}, sum={sw.sum():g}."
        )
    return sw


def _check_multioutput(multioutput, n_outputs, *, func):
    """Check the shape of ``multioutput`` weights; return them as floats.

    The string options are checked by ``validate_params`` in the public metrics.
    """
    if isinstance(multioutput, str):
        return multioutput
    weights = _as_float(multioutput, name="multioutput", func=func)
    if weights.shape != (n_outputs,):
        raise ValueError(
            f"{func}: multioutput weights must have shape ({n_outputs},), one per "
            f"output column; got shape {weights.shape}."
        )
    return weights


def _check_reg_targets(y_true, y_pred, sample_weight, multioutput, *, func):
    """Validate regression targets and return them as 2-D float64 arrays.

    A 1-D array and a single-column array are treated as the same target, so a
    net predicting shape ``(n, 1)`` can be scored against ``y`` of shape ``(n,)``.
    """
    arrays = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        arr = _as_float(y, name=name, func=func)
        if arr.ndim == 1:
            arr = arr[:, None]
        elif arr.ndim != 2:
            raise ValueError(
                f"{func} expects {name} of shape (n_samples,) or (n_samples, "
                f"n_outputs), e.g. (n_samples, 2) for valence and arousal; got "
                f"shape {arr.shape}."
            )
        arrays.append(arr)
    yt, yp = arrays
    _check_n_samples(yt.shape[0], yp.shape[0], func=func)
    if yt.shape[1] != yp.shape[1]:
        raise ValueError(
            f"{func}: y_true and y_pred must have the same number of outputs; got "
            f"shapes {yt.shape} and {yp.shape}."
        )
    hint = "Drop or impute samples with missing targets before scoring."
    _check_finite(yt, name="y_true", func=func, hint=hint)
    _check_finite(yp, name="y_pred", func=func, hint="Check the model's output.")
    sw = _check_sample_weight(sample_weight, yt.shape[0], func=func)
    mo = _check_multioutput(multioutput, yt.shape[1], func=func)
    return yt, yp, sw, mo


def _aggregate(scores, multioutput):
    """Combine per-output scores as sklearn's ``multioutput`` parameter does."""
    if isinstance(multioutput, str):
        if multioutput == "raw_values":
            return scores
        return float(np.mean(scores))
    return float(np.average(scores, weights=multioutput))


def _check_label_vector(y, *, name, func):
    """Validate one 1-D label vector without missing values."""
    arr = _to_numpy(y, name=name)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"{func} expects {name} of shape (n_samples,), one label per sample; "
            f"got shape {arr.shape}."
        )
    if _isna(arr).any():
        raise ValueError(
            f"{func}: {name} contains missing values (NaN/None). Drop those "
            "samples first; for ratings with gaps use krippendorff_alpha_matrix, "
            "which treats NaN as missing."
        )
    return arr


def _check_labels_pair(y1, y2, *, func, names=("y_true", "y_pred")):
    """Validate two 1-D label vectors of equal length without missing values."""
    a = _check_label_vector(y1, name=names[0], func=func)
    b = _check_label_vector(y2, name=names[1], func=func)
    _check_n_samples(a.shape[0], b.shape[0], func=func, names=names)
    return a, b


def _isna(arr):
    """Boolean mask of missing entries: NaN for numbers, None/NaN for objects."""
    if arr.dtype.kind == "f":
        return np.isnan(arr)
    if arr.dtype.kind == "O":
        return np.array(
            [v is None or (isinstance(v, numbers.Real) and v != v) for v in arr.flat],
            dtype=bool,
        ).reshape(arr.shape)
    if arr.dtype.kind in "US":
        # np.asarray turns np.nan into the string "nan" next to strings.
        return arr == arr.dtype.type("nan")
    return np.zeros(arr.shape, dtype=bool)


def _warn(message):
    warnings.warn(message, UndefinedMetricWarning, stacklevel=3)
