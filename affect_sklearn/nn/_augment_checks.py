"""Checks of :class:`BatchAugmentation` settings, with errors that name the setting.

A new setting of :class:`~affect_sklearn.nn.BatchAugmentation` gets its check
in :func:`check_augmentation`, which the constructor calls.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["check_augmentation", "crop_pair"]


def crop_pair(size):
    """``crop_size`` as given, with an int read as a square crop."""
    return (size, size) if isinstance(size, numbers.Integral) else size


def check_augmentation(aug):
    """Reject settings that would fail, or silently do nothing, inside torch."""

    def number(name, low, high, closed=False):
        """``closed``: ``high`` itself is allowed, [low, high] not [low, high)."""
        value = getattr(aug, name)
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
        value = getattr(aug, name)
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

    if not isinstance(aug.hflip, bool | np.bool_):
        raise TypeError(
            f"augmentation 'hflip' must be True or False; got {aug.hflip!r}."
        )
    number("rotation", 0, 180)
    number("translate", 0, 1)
    number("color_jitter", 0, 1)
    number("erase", 0, 1, closed=True)  # a probability
    interval("scale", math.inf)
    interval("crop_scale", 1.0)
    if aug.crop_size is not None:
        size = aug.crop_size
        pair = crop_pair(aug.crop_size)
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
    if aug.resize_from is not None:
        value = aug.resize_from
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
    until = aug.resize_until
    if not isinstance(until, numbers.Real) or isinstance(until, bool):
        raise TypeError(
            "augmentation 'resize_until' must be a number in (0, 1], e.g. "
            f"resize_until=0.75; got {until!r}."
        )
    if not 0 < until <= 1:
        raise ValueError(
            f"augmentation 'resize_until' must be in (0, 1]; got {until!r}."
        )
