"""Training-time augmentation of whole batches on their device.

A new built-in augmentation is a keyword of :class:`BatchAugmentation` (its
parameter documentation, a step in ``__call__``), a check in
``_augment_checks.py`` and a default in ``_augment_presets.py``.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._augment_checks import check_augmentation, crop_pair

__all__ = ["BatchAugmentation"]


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
        check_augmentation(self)

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
        return crop_pair(self.crop_size)

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
