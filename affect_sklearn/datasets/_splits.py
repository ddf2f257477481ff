"""Train/validation/test splits and JSON manifests that pin them to the data."""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold, train_test_split
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, RealNotInt, validate_params
from sklearn.utils.multiclass import type_of_target

_FORMAT = "affect_sklearn.split_manifest"
_PARTS = ("train", "val", "test")


# A part's size: a fraction of the samples, or a count (checked against n later).
_SIZE = [
    Interval(RealNotInt, 0, 1, closed="left"),
    Interval(Integral, 0, None, closed="left"),
]


def _n_out(size, n, name):
    """Number of samples for a part given as a fraction or a count."""
    if isinstance(size, bool):  # Interval(Integral) lets booleans through
        raise ValueError(
            f"{name} must be a fraction in [0, 1) or a sample count, not the "
            f"boolean {size!r}."
        )
    if not isinstance(size, Integral):
        return math.ceil(size * n)
    if size >= n:
        raise ValueError(
            f"{name}={size!r} asks for {size} samples but y has only {n}; pass a "
            f"sample count in [0, {n}) or a fraction in [0, 1), e.g. {name}=0.2."
        )
    return int(size)


def _split_off(idx, y, groups, n_out, stratify, seed):
    """Split ``idx`` into ``(rest, out)`` with about ``n_out`` samples in ``out``."""
    if n_out == 0:
        return idx, idx[:0]
    if groups is None:
        try:
            return train_test_split(
                idx,
                test_size=n_out,
                stratify=y[idx] if stratify else None,
                random_state=seed,
            )
        except ValueError as exc:
            if not stratify:
                raise
            warnings.warn(
                f"Could not stratify the split ({exc}); falling back to a random "
                "split. Use fewer parts, larger sizes or stratify=False.",
                UserWarning,
                stacklevel=3,
            )
            return train_test_split(idx, test_size=n_out, random_state=seed)
    n_groups = len(np.unique(groups[idx]))
    n_splits = min(max(2, round(len(idx) / n_out)), n_groups)
    if stratify:
        cv = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    else:
        cv = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        # "The least populated class has only k members": stratification is
        # best effort when subjects are kept whole.
        warnings.simplefilter("ignore", UserWarning)
        folds = list(cv.split(idx, y[idx] if stratify else None, groups[idx]))
    rest, out = min(folds, key=lambda f: abs(len(f[1]) - n_out))
    return idx[rest], idx[out]


@validate_params(
    {
        "y": ["array-like"],
        "test_size": _SIZE,
        "val_size": _SIZE,
        "stratify": ["boolean"],
        "groups": ["array-like", None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_split(
    y, *, test_size=0.2, val_size=0.1, stratify=True, groups=None, random_state=None
):
    """Split sample indices into train, validation and test parts.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets. Only used to stratify.
    test_size : float or int, default=0.2
        Fraction (in [0, 1)) or number of samples in the test part; 0 for none.
    val_size : float or int, default=0.1
        Fraction of all samples (not of the remainder) or number of samples in
        the validation part; 0 for none.
    stratify : bool, default=True
        Keep the class proportions in every part. Ignored for continuous or
        multi-output ``y``; falls back to a random split with a warning when a
        class is too small.
    groups : array-like of shape (n_samples,), default=None
        Subject (or video) id of each sample. If given, all samples of a subject
        land in the same part (a subject-grouped split, e.g. for CK+), with the
        class proportions kept as well as whole subjects allow. Part sizes are
        then approximate.
    random_state : int, RandomState instance or None, default=None
        Seed. If not an int, a seed is drawn from it and recorded as ``seed``.

    Returns
    -------
    split : :class:`~sklearn.utils.Bunch`
        ``train``, ``val``, ``test``: sorted int64 index arrays;
        ``seed``: the int seed used; ``test_size``, ``val_size``, ``stratified``
        and ``grouped`` record the settings. Save it with
        :func:`save_split_manifest`.

    Examples
    --------
    >>> from affect_sklearn.datasets import make_split
    >>> split = make_split([0, 1] * 10, test_size=0.2, val_size=0.2, random_state=0)
    >>> len(split.train), len(split.val), len(split.test)
    (12, 4, 4)
    """
    y = np.asarray(y)
    if y.ndim not in (1, 2) or len(y) < 2:
        raise ValueError(
            "y must be an array of shape (n_samples,) or (n_samples, n_outputs) with "
            f"at least 2 samples; got shape {y.shape}."
        )
    n = len(y)
    n_test = _n_out(test_size, n, "test_size")
    n_val = _n_out(val_size, n, "val_size")
    if n - n_test - n_val < 1:
        raise ValueError(
            f"test_size={test_size!r} and val_size={val_size!r} leave no training "
            f"samples out of {n}. Make them smaller."
        )
    if groups is not None:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(
                f"groups must have shape ({n},), one subject id per sample; got "
                f"shape {groups.shape}."
            )
        n_parts = 1 + (n_test > 0) + (n_val > 0)
        n_groups = len(np.unique(groups))
        if n_groups < n_parts:
            raise ValueError(
                f"groups has {n_groups} distinct subject(s) but a grouped split "
                f"into {n_parts} non-empty parts needs at least {n_parts}. Pass "
                "more subjects, or set test_size=0 or val_size=0."
            )
    stratified = bool(stratify) and type_of_target(y) in ("binary", "multiclass")
    if isinstance(random_state, Integral):
        seed = int(random_state)
    else:
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    rest, test = _split_off(np.arange(n), y, groups, n_test, stratified, seed)
    train, val = _split_off(rest, y, groups, n_val, stratified, seed + 1)
    return Bunch(
        train=np.sort(train).astype(np.int64),
        val=np.sort(val).astype(np.int64),
        test=np.sort(test).astype(np.int64),
        seed=seed,
        test_size=test_size,
        val_size=val_size,
        stratified=stratified,
        grouped=groups is not None,
    )


def _relative_names(filenames):
    names = [os.fspath(f) for f in filenames]
    try:
        common = os.path.commonpath(names)
    except ValueError:  # a mix of absolute and relative paths
        return [Path(f).as_posix() for f in names]
    if len(names) == 1 or common in names:
        common = os.path.dirname(common)
    return [Path(os.path.relpath(f, common) if common else f).as_posix() for f in names]


def _data_hash(X, y, filenames):
    """Return ``(components, sha256 hex digest)`` over the data given."""
    h = hashlib.sha256()
    components = []
    if X is not None:
        X = np.ascontiguousarray(X)
        h.update(f"X{X.dtype.str}{X.shape}".encode())
        h.update(X.data if X.dtype != object else repr(X.tolist()).encode())
        components.append("X")
    if y is not None:
        y = np.asarray(y)
        if y.dtype.kind in "biu":
            y = y.astype(np.int64)
        elif y.dtype.kind == "f":
            y = y.astype(np.float64)
        else:
            y = np.array("\x1f".join(map(str, y.ravel().tolist())).encode())
        h.update(f"y{y.shape}".encode() + y.tobytes())
        components.append("y")
    if filenames is not None:
        h.update("\x1f".join(_relative_names(filenames)).encode())
        components.append("filenames")
    return components, h.hexdigest()


def _to_builtin(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _n_samples(X, y, filenames):
    return {len(a) for a in (X, y, filenames) if a is not None}


def save_split_manifest(split, path, *, X=None, y=None, filenames=None):
    """Save a split as a JSON manifest tied to the data it was made for.

    The manifest holds the indices of each part (and the file names, relative
    to their common folder, when ``filenames`` is given), the part sizes, the
    seed and a SHA-256 hash of the data passed, so that
    :func:`load_split_manifest` can refuse data that changed.

    Parameters
    ----------
    split : dict or Bunch
        The output of :func:`make_split` (at least ``train``, ``val``, ``test``).
    path : str or os.PathLike
        JSON file to write.
    X : ndarray, default=None
        Images (or features) to hash, e.g. ``data.images``.
    y : array-like of shape (n_samples,), default=None
        Targets to hash.
    filenames : array-like of str, default=None
        Image paths to hash and store (e.g. from ``return_paths=True``).

    Examples
    --------
    >>> import os, tempfile
    >>> from affect_sklearn.datasets import (
    ...     load_split_manifest, make_split, save_split_manifest)
    >>> y = [0, 1] * 10
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "split.json")
    ...     save_split_manifest(make_split(y, random_state=0), path, y=y)
    ...     split = load_split_manifest(path, y=y)
    >>> split.test.tolist()
    [0, 9, 10, 15]
    """
    if X is None and y is None and filenames is None:
        raise ValueError(
            "save_split_manifest needs the data the split was made for, to hash "
            "it: pass X=, y= and/or filenames=."
        )
    sizes = _n_samples(X, y, filenames)
    missing = [p for p in _PARTS if p not in split]
    if missing or len(sizes) != 1:
        raise ValueError(
            "split must hold train, val and test index arrays (from make_split) and "
            f"X, y, filenames must have the same length; got parts missing "
            f"{missing} and lengths {sorted(sizes)}."
        )
    n = sizes.pop()
    parts = {p: np.asarray(split[p], dtype=np.int64) for p in _PARTS}
    all_idx = np.concatenate(list(parts.values()))
    if len(all_idx) and (all_idx.min() < 0 or all_idx.max() >= n):
        raise ValueError(
            f"The split's indices run up to {all_idx.max()} but the data has {n} "
            "samples. Pass the data the split was made for."
        )
    components, digest = _data_hash(X, y, filenames)
    manifest = {
        "format": _FORMAT,
        "version": 1,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "n_samples": n,
        "sizes": {p: len(v) for p, v in parts.items()},
        "seed": split.get("seed"),
        "settings": {
            k: split[k]
            for k in ("test_size", "val_size", "stratified", "grouped")
            if k in split
        },
        "data_hash": {"algorithm": "sha256", "over": components, "value": digest},
        "indices": {p: v.tolist() for p, v in parts.items()},
    }
    if filenames is not None:
        names = _relative_names(filenames)
        manifest["filenames"] = {p: [names[i] for i in v] for p, v in parts.items()}
    Path(path).write_text(
        json.dumps(manifest, indent=1, default=_to_builtin) + "\n", encoding="utf-8"
    )


def load_split_manifest(path, *, X=None, y=None, filenames=None, check=True):
    """Load a split saved by :func:`save_split_manifest`, checking the data.

    Parameters
    ----------
    path : str or os.PathLike
        The JSON manifest.
    X, y, filenames : default=None
        The same data as given to :func:`save_split_manifest` (at least the
        parts it hashed, listed in the manifest's ``data_hash.over``).
    check : bool, default=True
        Compare the data's hash with the manifest's. If False, no data is needed
        and nothing is checked.

    Returns
    -------
    split : :class:`~sklearn.utils.Bunch`
        ``train``, ``val``, ``test`` (int64 index arrays), ``seed``, ``sizes``,
        ``n_samples``, ``data_hash`` and ``filenames`` (dict of lists or None).

    Raises
    ------
    ValueError
        If the data does not match the manifest (different hash or length).

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from affect_sklearn.datasets import (
    ...     load_split_manifest, make_split, save_split_manifest)
    >>> y = np.array([0, 1] * 10)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "split.json")
    ...     _ = save_split_manifest(make_split(y, random_state=0), path, y=y)
    ...     split = load_split_manifest(path, y=y)
    ...     try:  # the labels changed since the split was saved
    ...         load_split_manifest(path, y=1 - y)
    ...     except ValueError:
    ...         print("refused")
    refused
    >>> len(split.train), len(split.val), len(split.test)
    (14, 2, 4)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"The split manifest {str(path)!r} does not exist.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        ok = manifest.get("format") == _FORMAT
    except (ValueError, AttributeError):
        ok = False
    if not ok:
        raise ValueError(
            f"{str(path)!r} is not a split manifest written by save_split_manifest."
        )
    expected = manifest["data_hash"]
    if check:
        given = {"X": X, "y": y, "filenames": filenames}
        lacking = [c for c in expected["over"] if given[c] is None]
        if lacking:
            raise ValueError(
                f"The manifest {str(path)!r} hashes {expected['over']}; pass "
                f"{', '.join(c + '=' for c in lacking)} to check the data against it "
                "(or check=False to skip the check)."
            )
        used = {c: given[c] if c in expected["over"] else None for c in given}
        _, digest = _data_hash(**used)
        n_given = _n_samples(**used)
        if n_given != {manifest["n_samples"]} or digest != expected["value"]:
            raise ValueError(
                f"The split manifest {str(path)!r} was made for different data: it "
                f"expects {manifest['n_samples']} samples with sha256 "
                f"{expected['value'][:12]}... over {expected['over']}, but the data "
                f"passed has {sorted(n_given)} samples and sha256 {digest[:12]}.... "
                "The data changed (files added, removed, reordered or edited) since "
                "the split was saved: regenerate it with make_split and "
                "save_split_manifest, or load the data the manifest was made for."
            )
    return Bunch(
        **{p: np.asarray(manifest["indices"][p], dtype=np.int64) for p in _PARTS},
        seed=manifest["seed"],
        sizes=manifest["sizes"],
        n_samples=manifest["n_samples"],
        data_hash=expected["value"],
        filenames=manifest.get("filenames"),
    )
