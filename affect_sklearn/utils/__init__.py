"""Input validation and helpers shared by the estimators and transformers."""

from ._validation import ImageBatch, check_images, is_path_input, read_image

__all__ = ["ImageBatch", "check_images", "is_path_input", "read_image"]
