"""Class names of the FER-2013 and AffectNet label sets, in their standard order."""

from __future__ import annotations

FER2013_CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
AFFECTNET_CLASSES = FER2013_CLASSES + ("contempt",)


def _class_names(n_classes):
    """The first ``n_classes`` FER-2013 names, or the 8 AffectNet ones."""
    if n_classes == 8:
        return list(AFFECTNET_CLASSES)
    return list(FER2013_CLASSES[:n_classes])
