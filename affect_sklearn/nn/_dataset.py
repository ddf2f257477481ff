"""Torch datasets over in-memory image arrays or lazily read image files."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ..utils._validation import ImageBatch, read_image

__all__ = ["ImageDataset", "pixels_to_tensor"]


def pixels_to_tensor(arr):
    """A float32 tensor copy of pixels: uint8 scaled to [0, 1], floats as they are.

    The one conversion rule for training, prediction and the estimators' fast
    prediction path (a copy, since inputs may be read-only).
    """
    x = torch.from_numpy(np.array(arr))
    return x.float().div_(255.0) if x.dtype == torch.uint8 else x.float()


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
        return pixels_to_tensor(arr)

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
