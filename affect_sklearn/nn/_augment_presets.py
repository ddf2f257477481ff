"""What the estimators' ``augment`` parameter means.

The presets of ``augment=True`` and ``"auto"``, and :func:`make_augmentation`,
which turns the parameter into a :class:`BatchAugmentation` (or None).
"""

from __future__ import annotations

from ._augment import BatchAugmentation

__all__ = ["make_augmentation"]


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
