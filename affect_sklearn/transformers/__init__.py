"""Image and landmark transformers: loading, cropping, normalising, features."""

from ._faces import FaceAligner, FaceCropper
from ._hog import HOGFeatures
from ._image import Grayscale, ImageLoader, ImageResizer
from ._landmark_detector import LandmarkDetector
from ._landmark_features import GEOMETRIC_FEATURES, LandmarkFeatures
from ._landmarks import LandmarkNormalizer
from ._normalize import ImageFlattener, ImageNormalizer, ImageReshaper

__all__ = [
    "GEOMETRIC_FEATURES",
    "FaceAligner",
    "FaceCropper",
    "Grayscale",
    "HOGFeatures",
    "ImageFlattener",
    "ImageLoader",
    "ImageNormalizer",
    "ImageReshaper",
    "ImageResizer",
    "LandmarkDetector",
    "LandmarkFeatures",
    "LandmarkNormalizer",
]
