"""Loader for AffectNet-style folders: ``images/`` plus per-image ``.npy`` labels."""

from __future__ import annotations

import re
import warnings
from functools import partial

import numpy as np
from sklearn.utils import Bunch

from ._classes import AFFECTNET_CLASSES
from ._image_io import (
    _check_color_mode,
    _check_image_size,
    _check_path,
    _is_image_file,
    _map_chunks,
    _read_images,
    summarize_classes,
)

# AffectNet's own expression indices 0-7 (8-10 = none, uncertain, non-face).
AFFECTNET_EXPRESSIONS = (
    "neutral",
    "happy",
    "sad",
    "surprise",
    "fear",
    "disgust",
    "anger",
    "contempt",
)
# AffectNet index -> index in AFFECTNET_CLASSES (FER-2013 order + contempt).
_TO_FER_ORDER = np.array([6, 3, 4, 5, 2, 1, 0, 7])
_SUFFIXES = ("exp", "val", "aro", "lnd")


def _subfolder(root, name):
    for child in root.iterdir():
        if child.is_dir() and child.name.lower() == name:
            return child
    found = sorted(c.name for c in root.iterdir() if c.is_dir())
    raise ValueError(
        f"root={str(root)!r} must hold the folders images/ and annotations/ "
        f"(AffectNet layout); no {name}/ folder found, subfolders are {found}."
    )


def _scalar(path, kind):
    value = np.load(path, allow_pickle=False)
    if value.size != 1:
        raise ValueError(f"expected one value, got shape {value.shape}")
    return kind(float(value.item()))


def _read_annotations(items):
    """Read ``(exp, val, aro, landmarks)`` for each ``(id, annotation_dir)``."""
    out = []
    for ident, folder in items:
        try:
            exp = _scalar(folder / f"{ident}_exp.npy", int)
            val = _scalar(folder / f"{ident}_val.npy", float)
            aro = _scalar(folder / f"{ident}_aro.npy", float)
            lnd = np.load(folder / f"{ident}_lnd.npy", allow_pickle=False)
            if lnd.dtype.kind in "US":  # some exports store "x0;y0;x1;..."
                text = str(lnd.item()).strip()
                lnd = np.array(re.split(r"[;,\s]+", text), dtype=np.float64)
            if lnd.size != 136:
                raise ValueError(f"landmarks hold {lnd.size} values, expected 136")
            if not 0 <= exp < len(AFFECTNET_EXPRESSIONS):
                raise ValueError(
                    f"expression {exp} is outside 0-7 (AffectNet uses 8-10 for "
                    "none, uncertain and non-face)"
                )
            out.append(((exp, val, aro, lnd.reshape(68, 2)), None))
        except (OSError, ValueError, TypeError) as exc:
            out.append((None, f"annotation: {type(exc).__name__}: {exc}"))
    return out


def load_affectnet(
    root,
    *,
    image_size=None,
    color_mode="rgb",
    class_order="affectnet",
    return_paths=False,
    n_jobs=None,
    verbose=False,
):
    """Load an AffectNet-style data set: images with expression, valence/arousal.

    The layout is ``root/images/<id>.jpg`` plus, for each image,
    ``root/annotations/<id>_exp.npy`` (expression index), ``<id>_val.npy``
    (valence), ``<id>_aro.npy`` (arousal) and ``<id>_lnd.npy`` (68 landmarks as
    a flat vector of 136 values x0, y0, x1, y1, ...). Images with a missing
    annotation file are left out and listed in ``missing``; images or
    annotations that cannot be read (or an expression outside 0-7) are left out
    and listed in ``skipped``. Both are counted in a warning.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding ``images/`` and ``annotations/`` (any case).
    image_size : int or tuple of (int, int), default=None
        Resize every image to this ``(height, width)``. If None, all images must
        have the same size.
    color_mode : {"rgb", "grayscale"}, default="rgb"
        Decode to three RGB channels or one gray channel.
    class_order : {"affectnet", "fer2013"}, default="affectnet"
        ``"affectnet"`` keeps AffectNet's own indices: neutral, happy, sad,
        surprise, fear, disgust, anger, contempt. ``"fer2013"`` maps them to
        :data:`AFFECTNET_CLASSES` (the FER-2013 order plus contempt), the order
        of :func:`make_faces`.
    return_paths : bool, default=False
        If True, only the image headers are read and ``images`` is None; pass
        ``filenames`` to the estimators' lazy mode.
    n_jobs : int, default=None
        Number of parallel jobs for reading annotations and decoding images.
    verbose : bool, default=False
        Show progress bars.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: uint8 ndarray of shape (n_samples, height, width, 3) (or
        (n_samples, height, width) in grayscale), None with ``return_paths``.
        ``target``: int64 ndarray of expression indices into ``target_names``.
        ``target_names``: list of the 8 expression names in ``class_order``.
        ``valence``, ``arousal``: float64 ndarrays of shape (n_samples,).
        ``landmarks``: float32 ndarray of shape (n_samples, 68, 2), (x, y).
        ``filenames``: object ndarray of absolute image paths; ``ids``: the
        matching annotation ids.
        ``missing``: list of ``(image path, [missing annotation files])``.
        ``skipped``: list of ``(path, reason)``.
        ``summary``, ``imbalance_ratio``: per-class counts.
        ``DESCR``: str.
    """
    root = _check_path(root, "root", kind="dir")
    _check_image_size(image_size)
    _check_color_mode(color_mode)
    if class_order not in ("affectnet", "fer2013"):
        raise ValueError(
            f"class_order must be 'affectnet' or 'fer2013'; got {class_order!r}."
        )
    image_dir, ann_dir = _subfolder(root, "images"), _subfolder(root, "annotations")
    files = sorted(p for p in image_dir.iterdir() if _is_image_file(p.name))
    if not files:
        raise ValueError(f"The folder {str(image_dir)!r} holds no image files.")
    annotations = {p.name for p in ann_dir.iterdir()}

    complete, missing = [], []
    for file in files:
        path, ident = str(file), file.stem
        absent = [
            f"{ident}_{s}.npy"
            for s in _SUFFIXES
            if f"{ident}_{s}.npy" not in annotations
        ]
        if absent:
            missing.append((path, absent))
        else:
            complete.append((path, ident))
    if missing:
        warnings.warn(
            f"{len(missing)} of {len(files)} images lack annotation files (first: "
            f"{missing[0][0]!r} lacks {missing[0][1]}); they were left out and are "
            "listed in the result's 'missing' entry.",
            UserWarning,
            stacklevel=2,
        )
    if not complete:
        raise ValueError(
            f"No image under {str(image_dir)!r} has its four annotation files "
            f"(<id>_exp.npy, _val.npy, _aro.npy, _lnd.npy) in {str(ann_dir)!r}."
        )

    labels = _map_chunks(
        _read_annotations,
        [(ident, ann_dir) for _, ident in complete],
        n_jobs=n_jobs,
        verbose=verbose,
        desc="Reading annotations",
    )
    skipped = [
        (p, err) for (p, _), (_, err) in zip(complete, labels, strict=True) if err
    ]
    rows = [
        (p, i, lab)
        for (p, i), (lab, err) in zip(complete, labels, strict=True)
        if not err
    ]
    if skipped:
        warnings.warn(
            f"Skipped {len(skipped)} images whose annotations could not be used "
            f"(first: {skipped[0][0]!r}, {skipped[0][1]}); see 'skipped'.",
            UserWarning,
            stacklevel=2,
        )
    if not rows:
        raise ValueError(f"None of the annotations in {str(ann_dir)!r} is usable.")

    read = partial(
        _read_images,
        image_size=image_size,
        color_mode=color_mode,
        header_only=return_paths,
        n_jobs=n_jobs,
        verbose=verbose,
        root=root,
    )
    images, kept, img_skipped = read([p for p, _, _ in rows])
    rows = [rows[k] for k in kept]
    target = np.array([lab[0] for _, _, lab in rows], dtype=np.int64)
    target_names = list(AFFECTNET_EXPRESSIONS)
    if class_order == "fer2013":
        target, target_names = _TO_FER_ORDER[target], list(AFFECTNET_CLASSES)
    summary = summarize_classes(target, target_names)
    return Bunch(
        images=images,
        target=target,
        target_names=target_names,
        valence=np.array([lab[1] for _, _, lab in rows], dtype=np.float64),
        arousal=np.array([lab[2] for _, _, lab in rows], dtype=np.float64),
        landmarks=np.array([lab[3] for _, _, lab in rows], dtype=np.float32),
        filenames=np.array([p for p, _, _ in rows], dtype=object),
        ids=np.array([i for _, i, _ in rows], dtype=object),
        missing=missing,
        skipped=skipped + img_skipped,
        summary=summary,
        imbalance_ratio=summary.attrs["imbalance_ratio"],
        DESCR=f"AffectNet-style set {root}: {len(rows)} images, "
        f"{len(missing)} missing annotations, {len(skipped + img_skipped)} skipped.",
    )
