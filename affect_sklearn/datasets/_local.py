"""Loaders for facial-affect data sets stored on disk (FER-2013, image folders)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from ._classes import FER2013_CLASSES
from ._fer_csv import read_fer_csv
from ._image_io import (
    _check_color_mode,
    _check_image_size,
    _check_path,
    _class_index,
    _read_images,
    _scan_class_folders,
    summarize_classes,
)


def load_image_folder(
    root,
    *,
    image_size=None,
    color_mode="grayscale",
    return_paths=False,
    n_jobs=None,
    verbose=False,
):
    """Load images stored as one subfolder per class.

    The layout is ``root/<class>/**/*.jpg``: class folder names may use any
    case, and files ending in .jpg, .jpeg, .png, .bmp or .webp (any case) are
    read; other files and dotfiles are ignored. Files that cannot be decoded are
    skipped, listed in ``skipped`` and counted in a warning.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding the class subfolders.
    image_size : int or tuple of (int, int), default=None
        ``(height, width)`` (or one int for square images) to resize every image
        to. If None, all images must have the same size.
    color_mode : {"grayscale", "rgb"}, default="grayscale"
        Decode to one gray channel or to three RGB channels.
    return_paths : bool, default=False
        If True, only the file headers are read (a quick integrity and size
        check) and ``images`` is None: pass ``filenames`` to the estimators'
        lazy mode instead. Truncated files are then found only when decoded.
    n_jobs : int, default=None
        Number of parallel jobs for decoding (joblib semantics: None means 1
        unless in a :func:`joblib.parallel_config` context, -1 means all cores).
    verbose : bool, default=False
        Show a progress bar.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: uint8 ndarray of shape (n_samples, height, width) or
        (n_samples, height, width, 3), or None with ``return_paths=True``.
        ``target``: int64 ndarray of shape (n_samples,).
        ``target_names``: list of str. If any folder is named after a FER-2013
        class (any case), this is the standard FER-2013 order (angry, disgust,
        fear, happy, sad, surprise, neutral), so that ``target`` follows the
        FER-2013 indices, followed by the other folder names (kept, with a
        warning); otherwise the sorted folder names.
        ``filenames``: object ndarray of absolute paths.
        ``skipped``: list of ``(path, reason)`` for files that could not be read.
        ``summary``: pandas DataFrame of per-class ``count`` and ``fraction``.
        ``imbalance_ratio``: largest over smallest non-empty class count.
        ``DESCR``: str.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from PIL import Image
    >>> from affect_sklearn.datasets import load_image_folder, make_faces
    >>> faces = make_faces(n_samples=6, random_state=0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for i, (img, t) in enumerate(zip(faces.images, faces.target)):
    ...         folder = pathlib.Path(tmp, faces.target_names[t])
    ...         folder.mkdir(exist_ok=True)
    ...         Image.fromarray(img).save(folder / f"{i}.png")
    ...     data = load_image_folder(tmp)
    >>> data.images.shape, data.target_names[:3]
    ((6, 48, 48), ['angry', 'disgust', 'fear'])
    """
    root = _check_path(root, "root", kind="dir")
    _check_image_size(image_size)
    _check_color_mode(color_mode)
    files = _scan_class_folders(root)
    target_names, mapping = _class_index(list(files))
    paths = [p for c in files for p in files[c]]
    labels = np.array([mapping[c] for c in files for _ in files[c]], dtype=np.int64)
    images, kept, skipped = _read_images(
        paths,
        image_size=image_size,
        color_mode=color_mode,
        header_only=return_paths,
        n_jobs=n_jobs,
        verbose=verbose,
        root=root,
    )
    return _image_bunch(
        images,
        labels[kept],
        target_names,
        np.array([paths[i] for i in kept], dtype=object),
        skipped,
        descr=f"Image folder {root}: {len(kept)} images in {len(files)} class "
        f"folders ({len(skipped)} skipped).",
    )


def _image_bunch(images, target, target_names, filenames, skipped, descr, **extra):
    summary = summarize_classes(target, target_names)
    return Bunch(
        images=images,
        target=target,
        target_names=list(target_names),
        filenames=filenames,
        skipped=skipped,
        summary=summary,
        imbalance_ratio=summary.attrs["imbalance_ratio"],
        **extra,
        DESCR=descr,
    )


def load_fer2013(path, *, usage=None, n_jobs=None, verbose=False):
    """Load FER-2013 from the Kaggle CSV, the image-folder export or an npz file.

    Parameters
    ----------
    path : str or os.PathLike
        One of: the Kaggle CSV (columns ``emotion``, ``pixels`` and optionally
        ``Usage``, in any order); a folder holding ``fer2013.csv``; the root of
        the image-folder export (``train/<class>/*.jpg`` and
        ``test/<class>/*.jpg``); or an ``.npz`` file with the arrays ``X``
        (uint8, (n, 48, 48)), ``y`` and optionally ``usage``, ``filename`` and
        ``classes``.
    usage : str or sequence of str, default=None
        Keep only these partitions (any case): ``"Training"``, ``"PublicTest"``
        or ``"PrivateTest"`` for the CSV, ``"train"`` or ``"test"`` for the
        folder export. None keeps everything.
    n_jobs : int, default=None
        Number of parallel jobs for decoding the folder export's JPEGs.
    verbose : bool, default=False
        Show a progress bar while decoding the folder export.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``images``: uint8 ndarray of shape (n_samples, 48, 48).
        ``target``: int64 ndarray of shape (n_samples,), indices into
        ``target_names``.
        ``target_names``: the 7 FER-2013 classes in the standard order angry,
        disgust, fear, happy, sad, surprise, neutral.
        ``usage``: str ndarray, the partition of each sample (``Training``,
        ``PublicTest``, ``PrivateTest``; ``train``, ``test`` for folders).
        ``filenames``: object ndarray of file paths (folder export and npz files
        that list them), else None.
        ``skipped``: list of ``(path, reason)`` for unreadable image files.
        ``summary``, ``imbalance_ratio``: per-class counts, as in
        :func:`load_image_folder`.
        ``DESCR``: str.

    Notes
    -----
    The CSV's pixel strings are parsed in one vectorised pass: the 35,887-row
    file loads in about 2 s on one core. A CSV without a ``Usage`` column (such
    as Kaggle's ``train.csv``) is marked ``Training``.

    Examples
    --------
    >>> import os, tempfile
    >>> from affect_sklearn.datasets import load_fer2013
    >>> rows = ["emotion,pixels,Usage", "3," + " ".join(["128"] * 2304) + ",Training"]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "fer2013.csv")
    ...     with open(path, "w") as f:
    ...         _ = f.write("\\n".join(rows))
    ...     data = load_fer2013(path)
    >>> data.images.shape, data.target_names[data.target[0]], data.usage.tolist()
    ((1, 48, 48), 'happy', ['Training'])
    """
    path = _check_path(path, "path")
    if path.is_dir():
        csv = [p for p in path.iterdir() if p.name.lower() == "fer2013.csv"]
        splits = {
            p.name.lower(): p
            for p in path.iterdir()
            if p.is_dir() and p.name.lower() in ("train", "test")
        }
        if csv:
            return _fer_from_csv(csv[0], usage)
        if splits:
            return _fer_from_folders(splits, usage, n_jobs, verbose, path)
        raise ValueError(
            f"path={str(path)!r} holds neither fer2013.csv nor the train/ and test/ "
            "class folders of the image export. Pass the CSV, the .npz file or the "
            "export's root folder."
        )
    if path.suffix.lower() == ".npz":
        return _fer_from_npz(path, usage)
    return _fer_from_csv(path, usage)


def _usage_mask(values, usage):
    """Boolean mask of the rows whose usage is one of ``usage`` (any case)."""
    if usage is None:
        return np.ones(len(values), dtype=bool)
    wanted = [usage] if isinstance(usage, str) else list(usage)
    available = sorted(set(np.asarray(values).tolist()))
    lower = {v.lower(): v for v in available}
    unknown = [u for u in wanted if not isinstance(u, str) or u.lower() not in lower]
    if unknown:
        raise ValueError(
            f"usage must be one or more of {available} (any case); got {usage!r}. "
            "Pass usage=None to keep every partition."
        )
    return np.isin(values, [lower[u.lower()] for u in wanted])


def _fer_bunch(images, target, usage_values, filenames, usage, skipped, descr):
    mask = _usage_mask(usage_values, usage)
    if not mask.any():
        raise ValueError(f"No rows left after filtering with usage={usage!r}.")
    if not mask.all():
        images, target = images[mask], target[mask]
        usage_values = usage_values[mask]
        filenames = None if filenames is None else filenames[mask]
    return _image_bunch(
        images,
        target,
        FER2013_CLASSES,
        filenames,
        skipped,
        descr=f"{descr}: {len(target)} 48x48 grayscale faces, 7 classes.",
        usage=usage_values,
    )


def _check_fer_target(target, source):
    if len(target) and (target.min() < 0 or target.max() >= len(FER2013_CLASSES)):
        raise ValueError(
            f"FER-2013 emotion labels must be integers in 0-6 (angry, disgust, "
            f"fear, happy, sad, surprise, neutral); {source} has values from "
            f"{target.min()} to {target.max()}."
        )
    return target


def _fer_from_csv(path, usage):
    images, fields = read_fer_csv(path)
    try:
        target = np.array(fields["emotion"]).astype(np.int64)
    except ValueError:
        raise ValueError(
            f"The emotion column of {str(path)!r} must hold integers 0-6; got "
            f"values such as {sorted(set(fields['emotion']))[:5]}."
        ) from None
    _check_fer_target(target, str(path))
    usage_values = np.array(fields.get("usage", ["Training"] * len(target)))
    return _fer_bunch(
        images, target, usage_values, None, usage, [], f"FER-2013 CSV {path}"
    )


def _fer_from_npz(path, usage):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    if "X" not in arrays or "y" not in arrays:
        raise ValueError(
            f"The FER-2013 npz file {str(path)!r} must hold the arrays X and y "
            f"(plus optional usage, filename, classes); got {sorted(arrays)}."
        )
    images, target = arrays["X"], arrays["y"].astype(np.int64)
    if images.ndim != 3 or images.dtype != np.uint8 or len(images) != len(target):
        raise ValueError(
            "The npz array X must be uint8 of shape (n_samples, 48, 48) with one "
            f"label per image in y; got X {images.dtype} {images.shape} and y "
            f"{target.shape}."
        )
    if "classes" in arrays:
        names = [str(c).lower() for c in arrays["classes"]]
        unknown = [c for c in names if c not in FER2013_CLASSES]
        if unknown:
            raise ValueError(
                f"The npz classes must be FER-2013 class names "
                f"{list(FER2013_CLASSES)}; got {unknown} in {str(path)!r}."
            )
        if len(target) and target.max() >= len(names):
            raise ValueError(
                f"y holds class {target.max()} but classes lists only {len(names)}."
            )
        remap = np.array([FER2013_CLASSES.index(c) for c in names], dtype=np.int64)
        target = remap[target] if len(target) else target
    _check_fer_target(target, str(path))
    usage_values = arrays.get("usage", np.full(len(target), "Training"))
    filenames = arrays["filename"].astype(object) if "filename" in arrays else None
    return _fer_bunch(
        images,
        target,
        usage_values.astype(str),
        filenames,
        usage,
        [],
        f"FER-2013 npz {path}",
    )


def _fer_from_folders(splits, usage, n_jobs, verbose, root):
    keep = _usage_mask(np.array(sorted(splits)), usage)
    found = {
        split: _scan_class_folders(splits[split], split)
        for split, k in zip(sorted(splits), keep, strict=True)
        if k
    }
    names = sorted({c for files in found.values() for c in files})
    target_names, mapping = _class_index(names)
    paths, labels, usage_values = [], [], []
    for split, files in sorted(found.items(), reverse=True):  # train, then test
        for c, cpaths in files.items():
            paths += cpaths
            labels += [mapping[c]] * len(cpaths)
            usage_values += [split] * len(cpaths)
    images, kept, skipped = _read_images(
        paths,
        image_size=None,
        color_mode="grayscale",
        header_only=False,
        n_jobs=n_jobs,
        verbose=verbose,
        root=root,
    )
    return _image_bunch(
        images,
        np.asarray(labels, dtype=np.int64)[kept],
        target_names,
        np.array([paths[i] for i in kept], dtype=object),
        skipped,
        descr=f"FER-2013 image folders under {root}: {len(kept)} faces "
        f"({len(skipped)} files skipped).",
        usage=np.asarray(usage_values)[kept],
    )
