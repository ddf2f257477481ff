"""Models trained by us and shipped inside the package, with their model cards."""

from ._registry import (
    PRETRAINED_MODELS,
    load_pretrained,
    model_card,
    pretrained_names,
    pretrained_path,
)

__all__ = [
    "PRETRAINED_MODELS",
    "load_pretrained",
    "model_card",
    "pretrained_names",
    "pretrained_path",
]
