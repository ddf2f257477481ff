"""Predictions for image files, folders and zip archives, as one table."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from ._evaluate import predict_frame

__all__ = ["collect_images", "predict_images"]

_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".gif", ".tif", ".tiff")


def _is_image(name):
    name = str(name)
    return name.lower().endswith(_IMAGE_SUFFIXES) and not name.rsplit("/")[
        -1
    ].startswith(".")


def collect_images(inputs, workdir):
    """Image files named by ``inputs``: files, folders (recursive) and zip archives.

    Parameters
    ----------
    inputs : sequence of str or Path
        Image files, folders and ``.zip`` archives (members are extracted to
        ``workdir``).
    workdir : str or Path
        Folder for extracted zip members.

    Returns
    -------
    files : list of (source name, path on disk)
    """
    files = []
    for i, item in enumerate(inputs):
        path = Path(item)
        if not path.exists():
            raise FileNotFoundError(
                f"Input {str(path)!r} does not exist. Pass image files, folders or "
                "zip archives."
            )
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _is_image(p))
            files.extend((str(p), p) for p in found)
        elif path.suffix.lower() == ".zip":
            try:
                archive = zipfile.ZipFile(path)
            except zipfile.BadZipFile as exc:
                raise ValueError(
                    f"{str(path)!r} is not a readable zip archive ({exc})."
                ) from exc
            with archive:
                dest = Path(workdir) / f"zip{i}"
                for j, member in enumerate(sorted(archive.namelist())):
                    if member.endswith("/") or not _is_image(member):
                        continue
                    # flat, numbered names: no path of the archive leaves dest
                    out = dest / f"{j:06d}_{PurePosixPath(member).name}"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(archive.read(member))
                    files.append((f"{path}:{member}", out))
        elif _is_image(path):
            files.append((str(path), path))
        else:
            raise ValueError(
                f"{str(path)!r} is neither an image ({', '.join(_IMAGE_SUFFIXES)}), "
                "a folder nor a .zip archive."
            )
    if not files:
        raise ValueError(
            f"No image files found in {[str(i) for i in inputs]}; image names must "
            f"end in one of {', '.join(_IMAGE_SUFFIXES)}."
        )
    return files


_FACES = ("auto", "detect", "none")


def _default_detector():
    """OpenCV's Haar cascade when OpenCV is installed, else dlib's HOG detector."""
    import importlib.util

    if importlib.util.find_spec("cv2") is not None:
        return "haar"
    if importlib.util.find_spec("dlib") is not None:
        return "hog"
    raise ImportError(
        "Finding faces in photos needs a face detector: install OpenCV with "
        'pip install "affect-sklearn[video]" (or dlib with '
        '"affect-sklearn[landmarks]"), '
        "or pass faces='none' (--faces none) for images that are already face crops."
    )


def _image_sizes(paths):
    """(height, width) of each file, from its header."""
    from ..utils._image_io import image_size

    return [image_size(p) for p in paths]


def _face_crops(estimator, paths, faces, detector):
    """Face crops of ``paths`` at the model's input size, their boxes, and a mask
    of the images that were cropped (the others are predicted whole)."""
    from ..transformers import FaceCropper, Grayscale

    c, h, w = (int(v) for v in estimator.image_shape_)
    if faces == "none":
        return None, None, np.zeros(len(paths), dtype=bool)
    sizes = _image_sizes(paths)
    if faces == "auto":  # a photo, not a face crop: twice the model's input or more
        mask = np.array([hh >= 2 * h and ww >= 2 * w for hh, ww in sizes])
    else:
        mask = np.ones(len(paths), dtype=bool)
    if not mask.any():
        return None, None, mask
    cropper = FaceCropper(size=h, detector=detector or _default_detector())
    crops, boxes = [], []
    for path in (p for p, m in zip(paths, mask, strict=True) if m):
        # one file at a time: files differ in size and channels
        crop = cropper.fit_transform([path])
        crops.append(_to_channels(Grayscale, crop, c))
        boxes.append(cropper.boxes_[0])
    return np.concatenate(crops), np.vstack(boxes), mask


def _to_channels(grayscale, crop, c):
    """(1, s, s[, k]) crop with ``c`` channels, as (1, s, s) or (1, s, s, c)."""
    k = 1 if crop.ndim == 3 else crop.shape[-1]
    if k == c:
        return crop
    if c == 1:
        return grayscale().fit_transform(crop)
    return grayscale(n_channels=c).fit_transform(crop)


def predict_images(
    estimator,
    inputs,
    *,
    batch_size=256,
    progress=False,
    faces="auto",
    detector=None,
):
    """Predict every image of files, folders and zip archives.

    Parameters
    ----------
    estimator : fitted AffectCNNClassifier, AffectCNNRegressor or AffectCNNMultiTask
        The model; images (or their face crops) are resized to its input size.
    inputs : sequence of str or Path
        Image files, folders (searched recursively) and ``.zip`` archives.
    batch_size : int, default=256
        Images read and predicted at a time.
    progress : bool, default=False
        Show a progress bar (on stderr).
    faces : {"auto", "detect", "none"}, default="auto"
        Where the face is. "detect" finds the largest face of each image
        (:class:`~affect_sklearn.transformers.FaceCropper`, margin 0.25) and
        predicts its crop; "none" predicts whole images (face crops already);
        "auto" detects in images at least twice the model's input size on both
        sides (photos) and predicts smaller ones whole. An image without a
        detected face is predicted from its centre square.
    detector : {"haar", "hog", "cnn"} or callable, default=None
        Face detector; None uses OpenCV's Haar cascade when OpenCV is
        installed, else dlib's HOG detector.

    Returns
    -------
    predictions : pandas.DataFrame
        ``path`` and, for labels, ``pred`` and ``proba_<class>`` columns; for
        valence/arousal, ``valence_pred`` and ``arousal_pred``. With face
        detection, also ``face`` ("detected"; "centre" when no face was found;
        "whole" for images predicted whole) and the box ``face_left``,
        ``face_top``, ``face_right``, ``face_bottom`` in pixels of the image.
    """
    from tqdm.auto import tqdm

    if faces not in _FACES:
        raise ValueError(f"faces must be one of {list(_FACES)}; got {faces!r}.")
    with tempfile.TemporaryDirectory() as tmp:
        files = collect_images(inputs, tmp)
        frames = []
        bar = tqdm(total=len(files), unit="img", disable=not progress, leave=False)
        for start in range(0, len(files), batch_size):
            chunk = files[start : start + batch_size]
            paths = [str(p) for _, p in chunk]
            crops, boxes, mask = _face_crops(estimator, paths, faces, detector)
            if not mask.any():
                frame = predict_frame(estimator, paths)
            else:
                parts = [None] * len(paths)
                whole = [i for i in range(len(paths)) if not mask[i]]
                if whole:
                    rest = predict_frame(estimator, [paths[i] for i in whole])
                    for j, i in enumerate(whole):
                        parts[i] = rest.iloc[[j]]
                found = predict_frame(estimator, crops)
                for j, i in enumerate(np.flatnonzero(mask)):
                    parts[i] = found.iloc[[j]]
                frame = pd.concat(parts, ignore_index=True)
                box = np.full((len(paths), 4), np.nan)
                box[mask] = boxes
                found_face = ~np.isnan(box[:, 0])
                frame["face"] = np.where(
                    mask, np.where(found_face, "detected", "centre"), "whole"
                )
                for k, name in enumerate(("left", "top", "right", "bottom")):
                    frame[f"face_{name}"] = box[:, k]
            frame.insert(0, "path", [name for name, _ in chunk])
            frames.append(frame)
            bar.update(len(chunk))
        bar.close()
    return pd.concat(frames, ignore_index=True)
