"""Input validation and helpers shared by the estimators and transformers."""

from ._multitask import pack_faces, split_multitask_target, unpack_faces
from ._validation import ImageBatch, check_images, is_path_input, read_image

__all__ = [
    "ImageBatch",
    "check_images",
    "is_path_input",
    "pack_faces",
    "read_image",
    "split_multitask_target",
    "unpack_faces",
]
