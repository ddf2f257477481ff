"""Predictions for image files, folders and zip archives, as one table."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path, PurePosixPath

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


def predict_images(estimator, inputs, *, batch_size=256, progress=False):
    """Predict every image of files, folders and zip archives.

    Parameters
    ----------
    estimator : fitted AffectCNNClassifier, AffectCNNRegressor or AffectCNNMultiTask
        The model; images are resized to its input size.
    inputs : sequence of str or Path
        Image files, folders (searched recursively) and ``.zip`` archives.
    batch_size : int, default=256
        Images read and predicted at a time.
    progress : bool, default=False
        Show a progress bar (on stderr).

    Returns
    -------
    predictions : pandas.DataFrame
        ``path`` and, for labels, ``pred`` and ``proba_<class>`` columns; for
        valence/arousal, ``valence_pred`` and ``arousal_pred``.
    """
    from tqdm.auto import tqdm

    with tempfile.TemporaryDirectory() as tmp:
        files = collect_images(inputs, tmp)
        frames = []
        bar = tqdm(total=len(files), unit="img", disable=not progress, leave=False)
        for start in range(0, len(files), batch_size):
            chunk = files[start : start + batch_size]
            paths = [str(p) for _, p in chunk]
            frame = predict_frame(estimator, paths)
            frame.insert(0, "path", [name for name, _ in chunk])
            frames.append(frame)
            bar.update(len(chunk))
        bar.close()
    return pd.concat(frames, ignore_index=True)
