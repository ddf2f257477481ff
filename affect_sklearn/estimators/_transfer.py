"""Start a fit from a shipped model: its backbone, normalisation and head rows."""

from __future__ import annotations

import warnings

__all__ = ["pretrained_module"]


def pretrained_module(estimator, name, images):
    """The task module of ``estimator`` with the backbone (and what fits of the
    head) of the shipped model ``name``.

    The shipped normalisation is kept, so the backbone sees the pixel
    statistics it was trained on. Grayscale weights serve RGB images: the
    first convolution's kernel is split evenly over the three channels, so
    an RGB image of a gray face gives the grayscale model's features.
    ``estimator`` is the fit's staged estimator (its task attributes set).
    """
    from ..pretrained import load_pretrained

    est = estimator
    meta, sd = load_pretrained(name)
    params = meta.get("params", {})
    shipped = params.get("backbone")
    width = params.get("width")
    if est.backbone != shipped or est.width not in (None, width):
        raise ValueError(
            f"pretrained={name!r} holds a backbone={shipped!r} (width={width}) "
            f"network; this estimator has backbone={est.backbone!r}, "
            f"width={est.width}. Set backbone={shipped!r} and width=None, or "
            "pretrained=False to train from scratch."
        )
    c = images.shape[0]
    shipped_c = int(sd["mean"].numel())
    if c != shipped_c and shipped_c != 1:
        raise ValueError(
            f"pretrained={name!r} was trained on {shipped_c}-channel images; got "
            f"{c}-channel images."
        )
    shape = tuple(meta.get("image_shape_", ()))[1:]
    if shape and tuple(images.shape[1:]) != shape:
        warnings.warn(
            f"pretrained={name!r} was trained on {shape[0]}x{shape[1]} faces; "
            f"these are {images.shape[1]}x{images.shape[2]}. The backbone runs "
            "at any size, but features match best at the training size: put "
            f"ImageResizer(size={shape}) before the estimator in a Pipeline.",
            UserWarning,
            stacklevel=5,
        )
    mean = sd["mean"].repeat(c // shipped_c)
    std = sd["std"].repeat(c // shipped_c)
    module = est._make_module(c, mean, std, False)
    image = est._image_module(module)
    own = image.state_dict()
    backbone = {}
    for key, value in sd.items():
        if not key.startswith("backbone."):
            continue
        if key not in own:
            raise ValueError(
                f"The shipped weights of {name!r} do not fit this backbone "
                f"(no parameter {key!r})."
            )
        if value.shape != own[key].shape and value.ndim == 4 and value.shape[1] == 1:
            value = value.repeat(1, c, 1, 1) / c  # gray kernel over c channels
        backbone[key] = value
    missing = [k for k in own if k.startswith("backbone.") and k not in backbone]
    if missing:
        raise ValueError(
            f"The shipped weights of {name!r} lack {missing[:3]} for this backbone."
        )
    image.load_state_dict(backbone, strict=False)
    est._transfer_head(module, sd, meta)
    return module
