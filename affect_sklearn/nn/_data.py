"""Torch datasets over in-memory image arrays or lazily read image files."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..utils._validation import ImageBatch, read_image

__all__ = ["ImageDataset", "make_augmentation"]


class ImageDataset(Dataset):
    """(image, target) pairs from an :class:`~affect_sklearn.utils.ImageBatch`.

    uint8 pixels are scaled to [0, 1]; float pixels pass through. Path input is
    read one file at a time, so a data set larger than memory trains.

    Parameters
    ----------
    images : ImageBatch
        Validated images.
    y : ndarray or None
        Targets (int64 class indices or float32 values). None yields a dummy 0.
    transform : callable or None
        Applied to the (C, H, W) float tensor of each training sample.
    flip : bool
        Mirror every image horizontally (test-time augmentation).
    landmarks : ndarray of shape (n, k, 2) or None
        Per-sample landmarks; when given, samples are ``({"x": image,
        "landmarks": points}, target)`` so skorch passes both to the module.
    """

    def __init__(
        self, images: ImageBatch, y=None, transform=None, flip=False, landmarks=None
    ):
        self.images = images
        self.y = y
        self.transform = transform
        self.flip = flip
        self.landmarks = landmarks

    def __len__(self):
        return len(self.images)

    def _pixels(self, i):
        if self.images.data is not None:
            arr = self.images.data[i]
        else:
            c, h, w = self.images.shape
            arr = read_image(self.images.paths[i], channels=c, size=(h, w))
        x = torch.from_numpy(np.array(arr))  # a copy: inputs may be read-only
        if x.dtype == torch.uint8:
            x = x.float().div_(255.0)
        else:
            x = x.float()
        return x

    def __getitem__(self, i):
        x = self._pixels(i)
        if self.transform is not None:
            x = self.transform(x)
        if self.flip:
            x = torch.flip(x, dims=(-1,))
        target = 0 if self.y is None else self.y[i]
        if self.landmarks is not None:
            points = torch.as_tensor(self.landmarks[i], dtype=torch.float32)
            return {"x": x, "landmarks": points}, target
        return x, target


# Default training-time augmentation strength for augment=True.
_DEFAULT_AUGMENT = {
    "hflip": True,
    "rotation": 10.0,
    "translate": 0.08,
    "scale": (0.9, 1.1),
    "color_jitter": 0.2,
    "crop_scale": None,
}


def make_augmentation(augment, shape, *, geometric=True):
    """Build a torchvision v2 transform for ``augment``, or None.

    Parameters
    ----------
    augment : bool, "auto", dict or callable
        ``False``/``None``: none. ``True``: flip, rotation up to 10 degrees,
        shifts up to 8 %, scale 0.9-1.1 and brightness/contrast jitter 0.2.
        ``"auto"``: the same for images at least 16 pixels on each side, and
        none for smaller inputs (e.g. tabular columns read as pixels). A dict
        overrides the defaults of ``True`` (keys ``hflip``, ``rotation``,
        ``translate``, ``scale``, ``color_jitter``, ``crop_scale``). A callable
        (e.g. a ``torchvision.transforms.v2.Compose``) is used as is.
    shape : tuple
        (C, H, W) of the images.
    geometric : bool, default=True
        False keeps only the brightness/contrast jitter of the built-in
        settings (used when landmarks must stay aligned with the pixels).
    """
    if augment is None or augment is False:
        return None
    if callable(augment):
        return augment
    _, h, w = shape
    if augment == "auto":
        if min(h, w) < 16:
            return None
        augment = True
    cfg = dict(_DEFAULT_AUGMENT)
    if isinstance(augment, dict):
        unknown = set(augment) - set(cfg)
        if unknown:
            raise ValueError(
                f"augment has unknown keys {sorted(unknown)}; valid keys are "
                f"{sorted(cfg)}."
            )
        cfg.update(augment)
    if not geometric:
        cfg.update(hflip=False, rotation=0, translate=0, scale=None, crop_scale=None)
    from torchvision.transforms import v2

    steps = []
    if cfg["crop_scale"]:
        steps.append(
            v2.RandomResizedCrop((h, w), scale=tuple(cfg["crop_scale"]), antialias=True)
        )
    if cfg["hflip"]:
        steps.append(v2.RandomHorizontalFlip())
    if cfg["rotation"] or cfg["translate"] or cfg["scale"]:
        t = cfg["translate"] or 0.0
        steps.append(
            v2.RandomAffine(
                degrees=cfg["rotation"] or 0.0,
                translate=(t, t) if t else None,
                scale=tuple(cfg["scale"]) if cfg["scale"] else None,
            )
        )
    if cfg["color_jitter"]:
        j = cfg["color_jitter"]
        steps.append(v2.ColorJitter(brightness=j, contrast=j))
    return v2.Compose(steps) if steps else None
