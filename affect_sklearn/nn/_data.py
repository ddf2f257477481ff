"""Torch datasets over in-memory image arrays or lazily read image files."""

from __future__ import annotations

import math
import numbers

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from ..utils._validation import ImageBatch, read_image

__all__ = ["BatchAugmentation", "ImageDataset", "make_augmentation"]


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


# Default training-time augmentation strength for augment=True.
_DEFAULT_AUGMENT = {
    "hflip": True,
    "rotation": 10.0,
    "translate": 0.08,
    "scale": (0.9, 1.1),
    "color_jitter": 0.2,
    "crop_scale": None,
    "crop_size": None,
    "resize_from": None,
    "resize_until": 0.75,
    "erase": None,
}


# augment="auto": flips and shifts only. On FER-2013 in a 15-minute CPU budget
# (11 epochs) this scored 0.652 accuracy / 0.609 macro F1 against 0.648 / 0.583
# for the full set above (benchmarks/bench_fer2013.py; README).
_AUTO_AUGMENT = {
    **_DEFAULT_AUGMENT,
    "rotation": 0.0,
    "scale": None,
    "color_jitter": 0.0,
}


class BatchAugmentation:
    """Random flips, affine warps and brightness/contrast jitter, batch-wise.

    The built-in augmentation of the estimators. It draws independent random
    parameters for every image of a batch, composes rotation, scale, shift and
    crop into one affine matrix per image and resamples the whole batch with a
    single :func:`torch.nn.functional.grid_sample` call, on the batch's device
    (on the GPU when training there), instead of one torchvision call per image
    in the DataLoader.

    Parameters
    ----------
    hflip : bool, default=True
        Mirror half of the images horizontally.
    rotation : float, default=10.0
        Maximum rotation in degrees (uniform in ``[-rotation, rotation]``).
    translate : float, default=0.08
        Maximum shift as a fraction of the width and height.
    scale : tuple of float or None, default=(0.9, 1.1)
        Range of the zoom factor.
    color_jitter : float, default=0.2
        Brightness and contrast factors drawn from ``[1 - j, 1 + j]``.
    crop_scale : tuple of float or None, default=None
        Random resized crop: the fraction of the image area kept, e.g.
        ``(0.8, 1.0)``, with aspect ratios between 3/4 and 4/3.
    crop_size : int, tuple of int or None, default=None
        Random crops of this many pixels (``40`` or ``(height, width)``), at
        the image's own scale: training batches come out smaller than the
        images, which cuts the cost of every convolution by the area ratio,
        while prediction still sees whole images (the backbones end in global
        average pooling). Each crop's position is uniform over the image, on
        top of any ``translate`` shift. Off by default: on FER-2013, 40x40
        crops of the 48x48 faces for 13 epochs scored 0.644 accuracy, against
        0.652 for whole faces for 11 epochs in a similar CPU time
        (``benchmarks/results/bench_fer2013_crop40.json``).
    resize_from : int or None, default=None
        Progressive resizing: early training batches are downscaled so that
        their shorter side has this many pixels, and the size grows linearly
        to the full size over the first ``resize_until`` of the epochs; the
        last epochs, and prediction, see full-size images. Smaller batches make
        every convolution cheaper, so more epochs fit in the same time. Off by
        default: on FER-2013, ``resize_from=32`` for 16 epochs scored 0.657
        and 0.654 accuracy (two seeds), against 0.655 and 0.659 for 12 epochs
        of full-size faces, and took about 10 % longer on the 2-core CPU we
        measured (``benchmarks/results/bench_fer2013_resize32*.json``).
    resize_until : float, default=0.75
        Fraction of the epochs (in ``(0, 1]``) after which training batches
        have their full size again. Only used with ``resize_from``.
    erase : float or None, default=None
        Random erasing (cutout): the probability, in ``[0, 1]``, that an image
        gets one rectangle of whole pixels, covering about 2-25 % of its area
        with an aspect ratio between 1/3 and 3, filled with the image's mean.
        Applied after the warp and the jitter, so the rectangle is never
        blurred or moved. Off by default: with flips and shifts,
        ``erase=0.5`` for 12 epochs scored 0.656 on a held-out eighth of
        FER-2013 Training, against 0.659 without
        (``benchmarks/results/bench_fer2013_holdout_*.json``).

    Notes
    -----
    Pixels that a warp moves in from outside the image repeat the border
    pixels. Random numbers come from torch's global generator, which the
    estimators seed from ``random_state``.

    Examples
    --------
    >>> import torch
    >>> from affect_sklearn.nn import BatchAugmentation
    >>> aug = BatchAugmentation(rotation=5.0)
    >>> aug(torch.rand(8, 1, 48, 48)).shape
    torch.Size([8, 1, 48, 48])
    """

    def __init__(
        self,
        *,
        hflip=True,
        rotation=10.0,
        translate=0.08,
        scale=(0.9, 1.1),
        color_jitter=0.2,
        crop_scale=None,
        crop_size=None,
        resize_from=None,
        resize_until=0.75,
        erase=None,
    ):
        self.hflip = hflip
        self.rotation = rotation
        self.translate = translate
        self.scale = scale
        self.color_jitter = color_jitter
        self.crop_scale = crop_scale
        self.crop_size = crop_size
        self.resize_from = resize_from
        self.resize_until = resize_until
        self.erase = erase
        self._check()

    def _check(self):
        """Reject settings that would fail, or silently do nothing, inside torch."""

        def number(name, low, high, closed=False):
            """``closed``: ``high`` itself is allowed, [low, high] not [low, high)."""
            value = getattr(self, name)
            if value is None:  # off, like 0
                return
            span = f"[{low}, {high}{']' if closed else ')'}"
            if not isinstance(value, numbers.Real) or isinstance(value, bool):
                raise TypeError(
                    f"augmentation {name!r} must be a number in {span} "
                    f"(0 or None turns it off); got {value!r} of type "
                    f"{type(value).__name__}."
                )
            if not (low <= value <= high if closed else low <= value < high):
                raise ValueError(
                    f"augmentation {name!r} must be in {span} (0 or None "
                    f"turns it off); got {value}."
                )

        def interval(name, high):
            value = getattr(self, name)
            if value is None:
                return
            try:
                low_v, high_v = (float(v) for v in value)
            except (TypeError, ValueError):
                raise TypeError(
                    f"augmentation {name!r} must be None or a (low, high) pair of "
                    f"numbers, e.g. {name}=(0.9, 1.1); got {value!r}."
                ) from None
            if not 0 < low_v <= high_v <= high:
                bound = "" if high == math.inf else f" <= {high}"
                raise ValueError(
                    f"augmentation {name!r} needs 0 < low <= high{bound} (None "
                    f"turns it off); got {value!r}."
                )

        if not isinstance(self.hflip, bool | np.bool_):
            raise TypeError(
                f"augmentation 'hflip' must be True or False; got {self.hflip!r}."
            )
        number("rotation", 0, 180)
        number("translate", 0, 1)
        number("color_jitter", 0, 1)
        number("erase", 0, 1, closed=True)  # a probability
        interval("scale", math.inf)
        interval("crop_scale", 1.0)
        if self.crop_size is not None:
            size = self.crop_size
            pair = self._crop_pair()
            try:
                ok = len(pair) == 2 and all(
                    isinstance(v, numbers.Integral) and not isinstance(v, bool)
                    for v in pair
                )
            except TypeError:
                ok = False
            if not ok:
                raise TypeError(
                    "augmentation 'crop_size' must be None, a positive int or a "
                    f"(height, width) pair of positive ints, e.g. crop_size=40; got "
                    f"{size!r}."
                )
            if min(pair) <= 0:
                raise ValueError(
                    "augmentation 'crop_size' must be positive, e.g. crop_size=40; "
                    f"got {size!r}."
                )
        if self.resize_from is not None:
            value = self.resize_from
            if not isinstance(value, numbers.Integral) or isinstance(value, bool):
                raise TypeError(
                    "augmentation 'resize_from' must be None or a positive int (the "
                    f"starting size in pixels), e.g. resize_from=32; got {value!r}."
                )
            if value <= 0:
                raise ValueError(
                    "augmentation 'resize_from' must be positive, e.g. "
                    f"resize_from=32; got {value!r}."
                )
        until = self.resize_until
        if not isinstance(until, numbers.Real) or isinstance(until, bool):
            raise TypeError(
                "augmentation 'resize_until' must be a number in (0, 1], e.g. "
                f"resize_until=0.75; got {until!r}."
            )
        if not 0 < until <= 1:
            raise ValueError(
                f"augmentation 'resize_until' must be in (0, 1]; got {until!r}."
            )

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"

    @property
    def _warps(self):
        """Whether an affine warp (rotation, shift, scale or crop) is drawn."""
        return bool(
            self.rotation
            or self.translate
            or self.scale
            or self.crop_scale
            or self.crop_size
            or self.resize_from
        )

    @property
    def geometric(self):
        """Whether any pixel moves."""
        return bool(self.hflip) or self._warps

    def _uniform(self, n, low, high, like):
        return torch.empty(n, dtype=like.dtype, device=like.device).uniform_(low, high)

    def _box_sides(self, n, area, min_ratio, like):
        """Sides of n random boxes, as fractions of a unit square.

        Each box covers an area fraction uniform in ``area`` (low, high), with
        a side ratio log-uniform in ``[min_ratio, 1 / min_ratio]``; returns the
        two sides (a, b), a * b = area, a / b = ratio.
        """
        frac = self._uniform(n, *area, like)
        ratio = torch.exp(
            self._uniform(n, math.log(min_ratio), -math.log(min_ratio), like)
        )
        return torch.sqrt(frac * ratio), torch.sqrt(frac / ratio)

    @staticmethod
    def _flip_mask(x):
        """A random boolean per image of the batch x: True mirrors it."""
        return torch.rand(len(x), device=x.device) < 0.5

    def _crop_pair(self):
        """``crop_size`` as given, with an int read as a square crop."""
        size = self.crop_size
        return (size, size) if isinstance(size, numbers.Integral) else size

    def _crop_hw(self, h, w):
        """(height, width) of the augmented batch for h x w input images."""
        if self.crop_size is None:
            return h, w
        ch, cw = self._crop_pair()
        if ch > h or cw > w:
            raise ValueError(
                f"augmentation 'crop_size'={self.crop_size!r} is larger than the "
                f"{h}x{w} images; use a crop no larger than the images, or None."
            )
        return int(ch), int(cw)

    def _resized_hw(self, hw, progress):
        """(height, width) of the output at ``progress`` (0 to 1) through training.

        ``hw`` is the size before resizing (the crop, or the whole image).
        """
        full = min(hw)
        if self.resize_from is None or self.resize_from >= full:
            return hw
        ramp = min(1.0, max(0.0, float(progress)) / self.resize_until)
        size = round(self.resize_from + (full - self.resize_from) * ramp)
        return tuple(max(1, round(v * size / full)) for v in hw)

    def _theta(self, x, out_hw):
        """(N, 2, 3) affine matrices mapping output to input coordinates.

        ``out_hw`` is the (height, width) of the output: smaller than x's for
        ``crop_size``.
        """
        n = len(x)
        one = torch.ones(n, dtype=x.dtype, device=x.device)
        sx, sy = one.clone(), one.clone()  # input extent sampled per output unit
        if self.crop_scale:
            sx, sy = self._box_sides(n, self.crop_scale, 3 / 4, x)
            sx, sy = sx.clamp(max=1.0), sy.clamp(max=1.0)
        if self.scale:
            zoom = self._uniform(n, *self.scale, x)
            sx, sy = sx / zoom, sy / zoom
        if self.hflip:
            sx = torch.where(self._flip_mask(x), -sx, sx)
        angle = torch.zeros_like(one)
        if self.rotation:
            angle = self._uniform(n, -self.rotation, self.rotation, x) * (
                math.pi / 180.0
            )
        tx, ty = torch.zeros_like(one), torch.zeros_like(one)
        if self.crop_scale:  # keep the crop inside the image
            tx = self._uniform(n, -1.0, 1.0, x) * (1 - sx.abs())
            ty = self._uniform(n, -1.0, 1.0, x) * (1 - sy.abs())
        if self.translate:
            t = 2.0 * self.translate  # grid coordinates span 2 per image side
            tx = tx + self._uniform(n, -t, t, x)
            ty = ty + self._uniform(n, -t, t, x)
        if self.crop_size is not None:  # a window at the image's own scale
            fy, fx = out_hw[0] / x.shape[-2], out_hw[1] / x.shape[-1]
            sx, sy = sx * fx, sy * fy
            tx = tx + self._uniform(n, -(1 - fx), 1 - fx, x)
            ty = ty + self._uniform(n, -(1 - fy), 1 - fy, x)
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.stack(
            [
                torch.stack([cos * sx, -sin * sy, tx], dim=1),
                torch.stack([sin * sx, cos * sy, ty], dim=1),
            ],
            dim=1,
        )
        return theta

    def _jitter(self, x):
        j = float(self.color_jitter)
        n = len(x)
        shape = (n,) + (1,) * (x.dim() - 1)
        brightness = self._uniform(n, max(0.0, 1 - j), 1 + j, x).view(shape)
        contrast = self._uniform(n, max(0.0, 1 - j), 1 + j, x).view(shape)
        x = x * brightness
        mean = x.mean(dim=tuple(range(1, x.dim())), keepdim=True)
        return (x - mean) * contrast + mean

    def _erase(self, x):
        """Fill one random rectangle per chosen image with that image's mean."""
        n, _, h, w = x.shape
        fh, fw = self._box_sides(n, (0.02, 0.25), 1 / 3, x)
        side = math.sqrt(h * w)  # fh * fw * side**2 is the area in pixels
        eh = (fh * side).round().clamp(1, h)  # whole pixels
        ew = (fw * side).round().clamp(1, w)
        y0 = (self._uniform(n, 0, 1, x) * (h - eh + 1)).floor()
        x0 = (self._uniform(n, 0, 1, x) * (w - ew + 1)).floor()
        rows = torch.arange(h, dtype=x.dtype, device=x.device).view(1, h, 1)
        cols = torch.arange(w, dtype=x.dtype, device=x.device).view(1, 1, w)
        inside = (
            (rows >= y0.view(n, 1, 1))
            & (rows < (y0 + eh).view(n, 1, 1))
            & (cols >= x0.view(n, 1, 1))
            & (cols < (x0 + ew).view(n, 1, 1))
        )
        chosen = torch.rand(n, device=x.device) < float(self.erase)
        mask = (inside & chosen.view(n, 1, 1)).unsqueeze(1)
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        return torch.where(mask, mean, x)

    def __call__(self, x, progress=1.0):
        """Augment a float batch of shape (N, C, H, W), or one (C, H, W) image.

        ``progress`` (0 at the start of training, 1 at the end) sets the output
        size when ``resize_from`` is set; the estimators pass the fraction of
        the epochs done.
        """
        single = x.dim() == 3
        if single:
            x = x.unsqueeze(0)
        if not torch.is_floating_point(x):
            x = x.float()
        if self._warps:  # the flip is part of the affine matrix
            crop_hw = self._crop_hw(*x.shape[-2:])
            theta = self._theta(x, crop_hw)
            out_hw = self._resized_hw(crop_hw, progress)
            grid = F.affine_grid(theta, [*x.shape[:2], *out_hw], align_corners=False)
            x = F.grid_sample(
                x, grid, mode="bilinear", padding_mode="border", align_corners=False
            )
        elif self.hflip:
            x = torch.where(self._flip_mask(x).view(-1, 1, 1, 1), x.flip(-1), x)
        if self.color_jitter:
            x = self._jitter(x)
        if self.erase:
            x = self._erase(x)
        return x[0] if single else x


def make_augmentation(augment, shape, *, geometric=True):
    """Build the training-time augmentation for ``augment``, or None.

    Parameters
    ----------
    augment : bool, "auto", dict or callable
        ``False``/``None``: none. ``True``: flip, rotation up to 10 degrees,
        shifts up to 8 %, scale 0.9-1.1 and brightness/contrast jitter 0.2, as a
        :class:`BatchAugmentation` that the estimators apply to whole batches.
        ``"auto"``: flips and shifts up to 8 % only, for images at least 16
        pixels on each side (on FER-2013 in a 15-minute CPU budget this beat
        the full set of ``True`` by 0.4 point of accuracy and 2.6 points of
        macro F1), brightness/contrast jitter 0.2 when ``geometric=False``, and
        none for smaller inputs (e.g. tabular columns read as pixels). A dict
        overrides the defaults of ``True`` (keys ``hflip``, ``rotation``,
        ``translate``, ``scale``, ``color_jitter``, ``crop_scale``,
        ``crop_size``, ``resize_from``, ``resize_until``, ``erase``). A callable
        (e.g. a ``torchvision.transforms.v2.Compose``) is used as is, on one
        (C, H, W) image at a time.
    shape : tuple
        (C, H, W) of the images.
    geometric : bool, default=True
        False keeps only the brightness/contrast jitter of the built-in
        settings (used when landmarks must stay aligned with the pixels).

    Returns
    -------
    augmentation : BatchAugmentation, callable or None
    """
    if augment is None or augment is False:
        return None
    if callable(augment):
        return augment
    _, h, w = shape
    cfg = dict(_DEFAULT_AUGMENT)
    if augment == "auto":
        if min(h, w) < 16:
            return None
        if geometric:  # with landmarks, the jitter of True is all that is left
            cfg = dict(_AUTO_AUGMENT)
    if isinstance(augment, dict):
        unknown = set(augment) - set(cfg)
        if unknown:
            raise ValueError(
                f"augment has unknown keys {sorted(unknown)}; valid keys are "
                f"{sorted(cfg)}."
            )
        cfg.update(augment)
    if not geometric:
        cfg.update(
            hflip=False,
            rotation=0,
            translate=0,
            scale=None,
            crop_scale=None,
            crop_size=None,
            resize_from=None,
        )
    aug = BatchAugmentation(**cfg)
    aug._crop_hw(h, w)  # a crop larger than the images: say so now, not mid-fit
    if not (aug.geometric or aug.color_jitter or aug.erase):
        return None
    return aug
