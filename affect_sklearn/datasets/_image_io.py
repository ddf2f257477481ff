"""Shared helpers for the disk loaders: path checks, folder scans, parallel reading."""

from __future__ import annotations

import math
import numbers
import os
import warnings
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs
from tqdm.auto import tqdm

from ..utils._image_io import decode_errors, decode_image, image_size
from ._classes import FER2013_CLASSES

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
_COLOR_MODES = {"grayscale": 1, "rgb": 3}


def _check_path(path, name, *, kind=None):
    """Return ``path`` as an absolute :class:`~pathlib.Path`, checking it exists."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a str or os.PathLike; got {type(path).__name__}."
        )
    path = Path(path).expanduser().absolute()
    if not path.exists():
        raise FileNotFoundError(
            f"{name}={str(path)!r} does not exist. Check the path, or pass the "
            "folder or file where the data set was extracted."
        )
    if kind == "dir" and not path.is_dir():
        raise ValueError(
            f"{name} must be a folder; got the file {str(path)!r}. Pass the folder "
            "that holds it."
        )
    return path


def _check_image_size(image_size):
    """Return ``image_size`` as ``(height, width)`` or None."""
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if (
        isinstance(image_size, (tuple, list))
        and len(image_size) == 2
        and all(isinstance(v, numbers.Integral) and v >= 1 for v in image_size)
    ):
        return int(image_size[0]), int(image_size[1])
    raise ValueError(
        "image_size must be None, a positive int or a (height, width) pair of "
        f"positive ints; got {image_size!r}. Pass e.g. image_size=48."
    )


def _check_color_mode(color_mode):
    if color_mode not in _COLOR_MODES:
        raise ValueError(
            f"color_mode must be 'grayscale' or 'rgb'; got {color_mode!r}."
        )
    return _COLOR_MODES[color_mode]


def _is_image_file(name):
    return not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS)


def _list_images(folder):
    """Image files under ``folder`` (recursively), sorted; dotfiles are ignored."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(
            os.path.join(dirpath, f) for f in sorted(filenames) if _is_image_file(f)
        )
    return found


def _scan_class_folders(root, name="root"):
    """Return ``{class_folder_name: [paths]}`` for the class subfolders of root."""
    classes = sorted(
        d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")
    )
    if not classes:
        raise ValueError(
            f"{name}={str(root)!r} has no class subfolders; expected one folder per "
            f"class holding the images, e.g. {name}/happy/0001.jpg."
        )
    files = {c: _list_images(root / c) for c in classes}
    if not any(files.values()):
        raise ValueError(
            f"The class folders of {name}={str(root)!r} ({', '.join(classes)}) hold "
            f"no image files; expected extensions {', '.join(IMAGE_EXTENSIONS)} "
            "(any case)."
        )
    return files


def _class_index(folder_names):
    """Map folder names to target indices and return ``(target_names, mapping)``.

    When some folder names are FER-2013 classes (any case), the standard FER-2013
    order is used and other folders are kept as extra classes after it, with a
    warning. Otherwise the folder names are sorted.
    """
    fer = {c: i for i, c in enumerate(FER2013_CLASSES)}
    if not any(n.lower() in fer for n in folder_names):
        target_names = sorted(set(folder_names))
        return target_names, {n: target_names.index(n) for n in folder_names}
    unknown = sorted({n for n in folder_names if n.lower() not in fer})
    target_names = list(FER2013_CLASSES) + unknown
    mapping = {
        n: fer[n.lower()] if n.lower() in fer else len(fer) + unknown.index(n)
        for n in folder_names
    }
    if unknown:
        warnings.warn(
            f"Class folders {unknown} are not FER-2013 classes; they were kept as "
            f"extra classes {list(range(len(fer), len(target_names)))} after the "
            "7 standard ones. Rename or remove them if that is not intended.",
            UserWarning,
            stacklevel=3,
        )
    return target_names, mapping


def summarize_classes(target, target_names=None):
    """Per-class counts, fractions and the imbalance ratio of a label vector.

    Parameters
    ----------
    target : array-like of shape (n_samples,)
        Integer class indices (or any hashable labels when ``target_names`` is
        None).
    target_names : sequence of str, default=None
        Name of each class index. Classes without samples are listed with a
        count of 0.

    Returns
    -------
    summary : pandas.DataFrame
        One row per class with columns ``count`` and ``fraction``. The ratio of
        the largest to the smallest non-empty class is in
        ``summary.attrs["imbalance_ratio"]`` (1.0 means balanced).

    Examples
    --------
    >>> from affect_sklearn.datasets import summarize_classes
    >>> s = summarize_classes([0, 0, 0, 1], ["angry", "happy"])
    >>> s["count"].tolist(), s.attrs["imbalance_ratio"]
    ([3, 1], 3.0)
    """
    target = np.asarray(target)
    if target_names is None:
        labels, counts = np.unique(target, return_counts=True)
        index = [str(v) for v in labels]
    else:
        index = [str(v) for v in target_names]
        counts = np.bincount(target.astype(np.int64), minlength=len(index))
    summary = pd.DataFrame(
        {"count": counts.astype(np.int64)}, index=pd.Index(index, name="class")
    )
    total = max(int(summary["count"].sum()), 1)
    summary["fraction"] = summary["count"] / total
    nonzero = summary["count"][summary["count"] > 0]
    ratio = float(nonzero.max() / nonzero.min()) if len(nonzero) else float("nan")
    summary.attrs["imbalance_ratio"] = ratio
    return summary


def _decode_chunk(paths, *, size, channels, header_only):
    """Decode ``paths``; return a list of ``(array or (h, w) size, error or None)``.

    Arrays are (H, W) or (H, W, 3) uint8, decoded by the library's one image
    reader (:func:`~affect_sklearn.utils._image_io.decode_image`).
    """
    errors = decode_errors()
    out = []
    for path in paths:
        try:
            if header_only:
                out.append((image_size(path), None))
                continue
            img = decode_image(path, channels=channels, size=size)
            out.append((img[0] if channels == 1 else img.transpose(1, 2, 0), None))
        except errors as e:
            out.append((None, f"{type(e).__name__}: {e}"))
    return out


def _map_chunks(func, items, *, n_jobs, verbose, desc):
    """Apply ``func`` to chunks of ``items`` (in parallel when n_jobs != 1)."""
    n_workers = effective_n_jobs(n_jobs)
    chunk = max(16, min(1024, math.ceil(len(items) / (4 * n_workers))))
    chunks = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    if n_workers == 1 or len(chunks) == 1:
        results = map(func, chunks)
    else:
        # Threads by default: Pillow releases the GIL while decoding and threads
        # start instantly; parallel_config(backend="loky") overrides this hint.
        results = Parallel(n_jobs=n_jobs, return_as="generator", prefer="threads")(
            delayed(func)(c) for c in chunks
        )
    out = []
    with tqdm(total=len(items), desc=desc, unit="file", disable=not verbose) as bar:
        for part, res in zip(chunks, results, strict=True):
            out.extend(res)
            bar.update(len(part))
    return out


def _read_images(paths, *, image_size, color_mode, header_only, n_jobs, verbose, root):
    """Decode (or, with ``header_only``, open) image files.

    Returns ``(images, kept, skipped)``: a uint8 array (None with
    ``header_only``), the indices of ``paths`` that could be read and a list of
    ``(path, reason)`` for the others. Differing sizes without ``image_size``
    raise a ValueError naming two of them.
    """
    size = _check_image_size(image_size)
    channels = _check_color_mode(color_mode)
    func = partial(_decode_chunk, size=size, channels=channels, header_only=header_only)
    results = _map_chunks(
        func, list(paths), n_jobs=n_jobs, verbose=verbose, desc="Reading images"
    )
    kept = [i for i, (_, err) in enumerate(results) if err is None]
    skipped = [(paths[i], err) for i, (_, err) in enumerate(results) if err]
    if skipped:
        warnings.warn(
            f"Skipped {len(skipped)} of {len(paths)} image files that could not be "
            f"read (first: {skipped[0][0]!r}, {skipped[0][1]}); the result's "
            "'skipped' entry lists them all with the reason.",
            UserWarning,
            stacklevel=3,
        )
    if not kept:
        raise ValueError(
            f"None of the {len(paths)} image files under {str(root)!r} could be "
            f"read; first error: {skipped[0][1]}."
        )
    if size is None:
        shapes = {}
        for i in kept:
            item = results[i][0]
            shapes.setdefault(item if header_only else item.shape[:2], paths[i])
        if len(shapes) > 1:
            (s1, p1), (s2, p2) = list(shapes.items())[:2]
            raise ValueError(
                f"Images under {str(root)!r} have different sizes (height x "
                f"width): {s1[0]}x{s1[1]} (e.g. {_rel(p1, root)!r}) and "
                f"{s2[0]}x{s2[1]} (e.g. {_rel(p2, root)!r}); {len(shapes)} sizes "
                f"in all. Pass image_size={s1[0]} (or a (height, width) pair) to "
                "resize them all."
            )
    if header_only:
        return None, np.asarray(kept, dtype=np.int64), skipped
    images = np.stack([results[i][0] for i in kept])
    return images, np.asarray(kept, dtype=np.int64), skipped


def _rel(path, root):
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)
