"""Data of an experiment: synthetic faces or a data set on disk, split three ways."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["data_fingerprint", "load_experiment_data", "targets_for"]

_DEFAULT_SIZE = 48


def data_fingerprint(images, labels, va=None):
    """SHA-256 over the pixels, labels and valence/arousal of a data set."""
    h = hashlib.sha256()
    images = np.ascontiguousarray(images)
    h.update(f"{images.dtype.str}{images.shape}".encode())
    h.update(images.tobytes())
    h.update("\x1f".join(map(str, np.asarray(labels).tolist())).encode())
    if va is not None:
        h.update(np.ascontiguousarray(va, dtype=np.float64).tobytes())
    return h.hexdigest()


def _detect_format(path):
    path = Path(path)
    if path.is_file():
        return "fer2013"
    names = {p.name.lower() for p in path.iterdir()}
    if "fer2013.csv" in names or {"train", "test"} & names:
        return "fer2013"
    if {"images", "annotations"} <= names:
        return "affectnet"
    return "folder"


def _load_disk(cfg):
    from ..datasets import load_affectnet, load_fer2013, load_image_folder

    path = Path(cfg["path"])
    if not path.exists():
        raise FileNotFoundError(
            f"data.path {str(path)!r} does not exist. Pass a FER-2013 CSV/npz/export "
            "folder, a folder with one subfolder per class, or an AffectNet-style "
            "folder."
        )
    fmt = cfg["format"] if cfg["format"] != "auto" else _detect_format(path)
    size = cfg["image_size"]
    va = usage = None
    if fmt == "fer2013":
        data = load_fer2013(path)
        usage = np.asarray(data.usage).astype(str)
        images = data.images
    elif fmt == "affectnet":
        data = load_affectnet(
            path, image_size=size, color_mode=cfg["color_mode"], class_order="fer2013"
        )
        va = np.column_stack([data.valence, data.arousal])
        images = data.images
    else:
        data = load_image_folder(path, image_size=size, color_mode=cfg["color_mode"])
        images = data.images
    if size is not None and images.shape[1:3] != (size, size) and fmt == "fer2013":
        from ..transformers import ImageResizer

        images = ImageResizer(size=size).fit_transform(images)
    names = np.asarray(data.target_names, dtype=object)[data.target]
    desc = f"{fmt} {path} ({len(images)} images)"
    return images, names, list(data.target_names), va, usage, desc


def _load_synthetic(cfg, seed):
    from ..datasets import make_faces

    size = cfg["image_size"] or _DEFAULT_SIZE
    faces = make_faces(
        n_samples=cfg["n_samples"],
        image_size=size,
        n_classes=cfg["n_classes"],
        noise=cfg["noise"],
        random_state=seed,
    )
    names = np.asarray(faces.target_names, dtype=object)[faces.target]
    desc = (
        f"synthetic make_faces(n_samples={cfg['n_samples']}, image_size={size}, "
        f"n_classes={cfg['n_classes']}, random_state={seed})"
    )
    return faces.images, names, list(faces.target_names), faces.va, None, desc


def _usage_split(usage, val_size):
    lower = np.char.lower(usage.astype(str))
    train = np.flatnonzero(np.isin(lower, ["training", "train"]))
    val = np.flatnonzero(lower == "publictest")
    test = np.flatnonzero(np.isin(lower, ["privatetest", "test"]))
    if val_size == 0:  # no validation part: every held-out partition is tested
        held_out = ["publictest", "privatetest", "test"]
        val, test = val[:0], np.flatnonzero(np.isin(lower, held_out))
    elif not len(val) and len(test):  # the folder export has train/ and test/ only
        val, test = test[: len(test) // 2], test[len(test) // 2 :]
    if not len(train) or not len(test):
        raise ValueError(
            "data.split='usage' needs Training and PublicTest/PrivateTest (or train "
            f"and test) partitions; the data has {sorted(set(usage.tolist()))}. Use "
            "data.split='random'."
        )
    return Bunch(train=train, val=val, test=test, seed=None)


def _split(cfg, labels, usage, seed):
    from ..datasets import load_split_manifest, make_split

    how = cfg["split"]
    if how == "usage":
        if usage is None:
            raise ValueError(
                "data.split='usage' needs FER-2013 data with a Usage column or "
                "train/test folders; this data has no partitions. Use "
                "data.split='random' or a split manifest file."
            )
        return _usage_split(usage, cfg["val_size"])
    if how == "random":
        return make_split(
            labels,
            test_size=cfg["test_size"],
            val_size=cfg["val_size"],
            random_state=seed,
        )
    if isinstance(how, str) and Path(how).suffix.lower() == ".json":
        return load_split_manifest(how, y=labels)
    raise ValueError(
        f"data.split must be 'random', 'usage' or the path of a split manifest "
        f"(*.json, from save_split_manifest); got {how!r}."
    )


def load_experiment_data(cfg, seed):
    """Load (or draw) the data of a run and split it into train, val and test.

    Parameters
    ----------
    cfg : dict
        The ``data`` section of a resolved config. With ``split="usage"``,
        ``val_size=0`` puts every held-out partition (PublicTest and
        PrivateTest) in the test part; ``max_train`` keeps that many training
        rows, drawn at random with ``seed``.
    seed : int
        Seed of the synthetic faces, of the random split and of the
        ``max_train`` draw.

    Returns
    -------
    data : Bunch
        ``images``, ``labels`` (class names), ``target_names``, ``va`` (n, 2)
        or None, ``split`` (train/val/test indices), ``fingerprint``,
        ``description``.
    """
    if cfg["path"] is None:
        loaded = _load_synthetic(cfg, seed)
    else:
        loaded = _load_disk(cfg)
    images, labels, target_names, va, usage, desc = loaded
    split = _split(cfg, labels, usage, seed)
    cap = cfg.get("max_train")
    if cap is not None and len(split.train) > cap:
        rng = np.random.RandomState(seed)
        train = np.sort(rng.choice(split.train, size=cap, replace=False))
        split = Bunch(**{**split, "train": train})
    if not len(split.test):
        raise ValueError(
            "The test part of the split is empty; set data.test_size > 0 (every "
            "run reports test metrics)."
        )
    return Bunch(
        images=images,
        labels=labels,
        target_names=target_names,
        va=va,
        split=split,
        fingerprint=data_fingerprint(images, labels, va),
        description=desc,
    )


def targets_for(task, data, idx=None):
    """The y of ``task`` ("classifier", "regressor", "multitask") for rows idx."""
    idx = slice(None) if idx is None else idx
    if task == "classifier":
        return data.labels[idx]
    if data.va is None:
        if task == "regressor":
            raise ValueError(
                "estimator='regressor' needs valence/arousal targets, but this data "
                "set has expression labels only. Use synthetic faces (no data.path), "
                "an AffectNet-style folder, or estimator='classifier'."
            )
        va = np.full((len(data.labels), 2), np.nan)
    else:
        va = np.asarray(data.va, dtype=np.float64)
    if task == "regressor":
        return va[idx]
    return pd.DataFrame(
        {
            "expression": data.labels[idx],
            "valence": va[idx, 0],
            "arousal": va[idx, 1],
        }
    )
