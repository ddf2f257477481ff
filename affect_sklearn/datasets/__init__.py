"""Synthetic and real facial-affect data sets."""

from ._affectnet import AFFECTNET_EXPRESSIONS, load_affectnet
from ._classes import AFFECTNET_CLASSES, FER2013_CLASSES
from ._image_io import summarize_classes
from ._local import load_fer2013, load_image_folder
from ._splits import load_split_manifest, make_split, save_split_manifest
from ._synthetic import make_face_sequences, make_faces

__all__ = [
    "AFFECTNET_CLASSES",
    "AFFECTNET_EXPRESSIONS",
    "FER2013_CLASSES",
    "load_affectnet",
    "load_fer2013",
    "load_image_folder",
    "load_split_manifest",
    "make_face_sequences",
    "make_faces",
    "make_split",
    "save_split_manifest",
    "summarize_classes",
]
