"""Backbones by name: the built-in table, torchvision nets and ``build_backbone``.

A new built-in backbone is defined in ``_backbones.py`` and named in
``BUILTIN_BACKBONES``; a new torchvision net is named in
``TORCHVISION_BACKBONES`` and has its classifier removed in
``_TorchvisionBackbone``.
"""

from __future__ import annotations

from torch import nn

from ._backbones import BasicCNN, CompactCNN, ResNetSmall, SepConvNet, VGGNet

__all__ = ["BUILTIN_BACKBONES", "TORCHVISION_BACKBONES", "build_backbone"]


BUILTIN_BACKBONES = {
    "compact": CompactCNN,
    "basic": BasicCNN,
    "vgg": VGGNet,
    "resnet": ResNetSmall,
    "xception": SepConvNet,
}
TORCHVISION_BACKBONES = (
    "resnet18",
    "efficientnet_b0",
    "mobilenet_v3_small",
    "mobilenet_v3_large",
)


class _TorchvisionBackbone(nn.Module):
    """A torchvision classification net with its classifier replaced by identity."""

    min_size = 32
    needs_rgb = True

    def __init__(self, name, pretrained=False):
        super().__init__()
        import torchvision.models as tvm

        weights = "DEFAULT" if pretrained else None
        try:
            net = getattr(tvm, name)(weights=weights)
        except Exception as exc:  # network or cache failures
            if not pretrained:
                raise
            raise RuntimeError(
                f"Could not load pretrained ImageNet weights for backbone={name!r} "
                f"({exc}). Download them once where there is network access "
                "(they are cached under ~/.cache/torch), or set pretrained=False."
            ) from exc
        if name == "resnet18":
            self.out_features = net.fc.in_features
            net.fc = nn.Identity()
        elif name == "efficientnet_b0":
            self.out_features = net.classifier[-1].in_features
            net.classifier = nn.Identity()
        else:  # mobilenet_v3_*
            self.out_features = net.classifier[0].in_features
            net.classifier = nn.Identity()
        self.net = net

    def forward(self, x):
        return self.net(x)


def build_backbone(backbone, in_channels, *, pretrained=False, width=None):
    """Instantiate a backbone by name, or from a user's module class.

    Returns the module and the channels it expects (3 for torchvision nets).
    """
    if isinstance(backbone, str):
        if backbone in BUILTIN_BACKBONES:
            kwargs = {} if width is None else {"width": width}
            return BUILTIN_BACKBONES[backbone](in_channels, **kwargs), in_channels
        if backbone in TORCHVISION_BACKBONES:
            return _TorchvisionBackbone(backbone, pretrained=pretrained), 3
        valid = sorted(BUILTIN_BACKBONES) + list(TORCHVISION_BACKBONES)
        raise ValueError(
            f"Unknown backbone={backbone!r}. Valid names are {valid}, or pass a "
            "torch.nn.Module subclass."
        )
    module = backbone(in_channels=in_channels)
    if not isinstance(module, nn.Module):
        raise TypeError(
            "backbone must be a name or a torch.nn.Module subclass taking "
            f"`in_channels`; calling it returned {type(module).__name__}."
        )
    if not hasattr(module, "out_features"):
        raise ValueError(
            f"Custom backbone {type(module).__name__} must set `self.out_features` "
            "(the size of the flat feature vector its forward returns)."
        )
    return module, in_channels
