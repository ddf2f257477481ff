"""Class imbalance: resample face images and paths with imbalanced-learn samplers."""

from ._resampler import ImageResampler

__all__ = ["ImageResampler"]
