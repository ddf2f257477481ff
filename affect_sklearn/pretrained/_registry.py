"""Where the shipped weights live, how they are read, and their class names."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = [
    "PRETRAINED_MODELS",
    "canonical_label",
    "load_pretrained",
    "model_card",
    "pretrained_names",
    "pretrained_path",
]

_HERE = Path(__file__).resolve().parent

#: The shipped models: name -> weights file and model card, both in this folder.
#: Each weights file is written by ``AffectCNNClassifier.save`` (tensors, numbers
#: and strings only) and read with ``torch.load(weights_only=True)``.
PRETRAINED_MODELS = {
    "fer2013": {
        "file": "fer2013.pt",
        "card": "fer2013.md",
        "summary": (
            "7-class expression classifier (compact backbone, 48x48 grayscale) "
            "trained on the FER-2013 Training split; research-use data."
        ),
    },
}

# Other names that data sets use for the FER-2013 classes (CK+, JAFFE, AffectNet,
# RAF-DB), so that a fine-tuning run with "happiness" reuses the "happy" head row.
_ALIASES = {
    "anger": "angry",
    "angry": "angry",
    "disgust": "disgust",
    "disgusted": "disgust",
    "fear": "fear",
    "fearful": "fear",
    "afraid": "fear",
    "happy": "happy",
    "happiness": "happy",
    "joy": "happy",
    "sad": "sad",
    "sadness": "sad",
    "surprise": "surprise",
    "surprised": "surprise",
    "neutral": "neutral",
}


def canonical_label(label):
    """The FER-2013 class a label names ("Happiness" -> "happy"), or None."""
    if not isinstance(label, str):
        return None
    return _ALIASES.get(label.strip().lower())


def pretrained_names():
    """Names accepted by ``pretrained=`` and ``from_pretrained``."""
    return sorted(PRETRAINED_MODELS)


def _entry(name):
    if not isinstance(name, str) or name not in PRETRAINED_MODELS:
        raise ValueError(
            f"Unknown pretrained model {name!r}. The shipped models are "
            f"{pretrained_names()}."
        )
    return PRETRAINED_MODELS[name]


def pretrained_path(name):
    """Path of a shipped weights file; a missing file raises FileNotFoundError.

    Parameters
    ----------
    name : str
        One of :func:`pretrained_names`.

    Returns
    -------
    path : pathlib.Path
    """
    path = _HERE / _entry(name)["file"]
    if not path.is_file():
        raise FileNotFoundError(
            f"The weights of the pretrained model {name!r} should be at {path}, but "
            "that file is missing. Reinstall affect-sklearn (the file ships inside "
            "the package), or train it with benchmarks/train_pretrained.py."
        )
    return path


def load_pretrained(name):
    """Read a shipped model: its metadata and its weights, no code unpickled.

    Parameters
    ----------
    name : str
        One of :func:`pretrained_names`.

    Returns
    -------
    meta : dict
        What ``save`` recorded: ``estimator``, ``params``, ``image_shape_`` and
        the fitted ``state`` (e.g. ``classes_``).
    state_dict : dict of str to torch.Tensor
        Weights of the torch module.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or a file that
        is truncated or is not a weights file (the message names the file).
    FileNotFoundError
        When the file is missing.
    """
    import torch

    path = pretrained_path(name)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        meta = json.loads(blob["meta"])
        state_dict = blob["state_dict"]
    except Exception as exc:  # truncated zip, pickle error, wrong layout
        raise ValueError(
            f"The weights file of the pretrained model {name!r} ({path}) is corrupt "
            f"or not a file written by save(): {type(exc).__name__}: {exc}. "
            "Reinstall affect-sklearn to restore it."
        ) from exc
    if not isinstance(state_dict, dict) or "mean" not in state_dict:
        raise ValueError(
            f"The weights file of the pretrained model {name!r} ({path}) holds no "
            "image network (no 'mean' buffer). Reinstall affect-sklearn."
        )
    return meta, state_dict


def model_card(name):
    """The model card (Markdown) of a shipped model: data, licence, figures.

    Parameters
    ----------
    name : str
        One of :func:`pretrained_names`.

    Returns
    -------
    card : str
    """
    return (_HERE / _entry(name)["card"]).read_text(encoding="utf-8")
