"""Small CNN backbones for face images and the module that wraps them with a head."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "BUILTIN_BACKBONES",
    "TORCHVISION_BACKBONES",
    "AffectNetModule",
    "BasicCNN",
    "CompactCNN",
    "LandmarkEncoder",
    "MultiTaskModule",
    "ResNetSmall",
    "SepConvNet",
    "VGGNet",
    "build_backbone",
]


def _conv_bn(cin, cout, k=3, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class _Pool(nn.Module):
    """2x2 max pooling that leaves maps smaller than 2 pixels unchanged."""

    def forward(self, x):
        if min(x.shape[-2:]) < 2:
            return x
        return F.max_pool2d(x, 2, ceil_mode=True)


class BasicCNN(nn.Module):
    """Three conv-BN-ReLU layers (32-64-128) with pooling; fast, for tests.

    Parameters
    ----------
    in_channels : int
        Input channels.
    width : int, default=32
        Channels of the first layer (doubled twice).
    """

    min_size = 8

    def __init__(self, in_channels, width=32):
        super().__init__()
        self.features = nn.Sequential(
            _conv_bn(in_channels, width),
            _Pool(),
            _conv_bn(width, 2 * width),
            _Pool(),
            _conv_bn(2 * width, 4 * width),
            nn.AdaptiveAvgPool2d(2),
            nn.Flatten(),
        )
        self.out_features = 4 * width * 4

    def forward(self, x):
        return self.features(x)


class VGGNet(nn.Module):
    """VGG-style net with batch norm: four stages of two 3x3 convs (64-128-256-512).

    About 4.7M parameters at 48x48 input; accurate but slow on CPU (use it on
    a GPU). ``width`` scales the channels.
    """

    min_size = 16

    def __init__(self, in_channels, width=64):
        super().__init__()
        layers, cin = [], in_channels
        for mult in (1, 2, 4, 8):
            cout = width * mult
            layers += [_conv_bn(cin, cout), _conv_bn(cout, cout), _Pool()]
            cin = cout
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.out_features = cin

    def forward(self, x):
        return self.features(x)


class _ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)), inplace=True)
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.short is None else self.short(x)), inplace=True)


class ResNetSmall(nn.Module):
    """Residual net for small faces: stem, four residual stages, global pooling."""

    min_size = 16

    def __init__(self, in_channels, width=32):
        super().__init__()
        # With fewer than 8 channels, the backward pass of these residual nets in
        # channels-last layout corrupts the heap ("corrupted size vs. prev_size")
        # with torch 2.14.1 on one thread on a 2-core AMD EPYC; the default
        # layout does not (checked at widths 4, 8, 16 and 32).
        self.channels_last = width >= 8
        self.features = nn.Sequential(
            _conv_bn(in_channels, width),
            _ResBlock(width, width, 1),
            _ResBlock(width, 2 * width, 2),
            _ResBlock(2 * width, 4 * width, 2),
            _ResBlock(4 * width, 8 * width, 2),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.out_features = 8 * width

    def forward(self, x):
        return self.features(x)


class _SepConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return self.bn(self.pointwise(self.depthwise(x)))


class _XceptionBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.sep1 = _SepConv(cin, cout)
        self.sep2 = _SepConv(cout, cout)
        self.short = nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride=2, bias=False), nn.BatchNorm2d(cout)
        )

    def forward(self, x):
        out = F.relu(self.sep1(x), inplace=True)
        out = self.sep2(out)
        out = F.max_pool2d(out, 3, stride=2, padding=1)
        return F.relu(out + self.short(x), inplace=True)


class SepConvNet(nn.Module):
    """Depthwise-separable residual net in the spirit of mini-Xception.

    A two-conv stem, then residual blocks of two separable convolutions with
    stride-2 pooling (32-64-128-256 channels by default), global average
    pooling. Designed for accuracy per CPU-minute on 48x48 faces.
    """

    min_size = 16

    def __init__(self, in_channels, width=32):
        super().__init__()
        # With fewer than 8 channels, the backward pass of these residual nets in
        # channels-last layout corrupts the heap ("corrupted size vs. prev_size")
        # with torch 2.14.1 on one thread on a 2-core AMD EPYC; the default
        # layout does not (checked at widths 4, 8, 16 and 32).
        self.channels_last = width >= 8
        self.stem = nn.Sequential(_conv_bn(in_channels, width), _conv_bn(width, width))
        self.blocks = nn.Sequential(
            _XceptionBlock(width, 2 * width),
            _XceptionBlock(2 * width, 4 * width),
            _XceptionBlock(4 * width, 8 * width),
        )
        self.pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.out_features = 8 * width

    def forward(self, x):
        return self.pool(self.blocks(self.stem(x)))


class CompactCNN(nn.Module):
    """Plain 3x3-conv net tuned for accuracy per CPU-minute on 48x48 faces (default).

    One conv at full resolution, then two convs per stage at 1/2 and 1/4
    resolution and one at 1/8, each followed by 2x2 max pooling, then global
    average pooling: 16-64-128-256 channels, about 565k parameters. The
    full-resolution conv has half the width of the next stage: batch norm and
    ReLU are memory-bound, and their largest maps are at full resolution. With
    16 channels instead of 32 there, training ran about 7 % more images per
    second (two runs side by side) and scored 0.655 on FER-2013 in 12 epochs,
    against 0.652 and 0.650 (two seeds) with 32 channels in 11
    (``benchmarks/results/bench_fer2013_defaults.json`` and
    ``bench_fer2013_stem32*.json``). Plain 3x3
    convolutions in channels-last layout ran 3-6 times faster per image than
    depthwise-separable blocks on the 2-core CPU we measured
    (``benchmarks/bench_overhead.py``).
    """

    min_size = 16

    def __init__(self, in_channels, width=32):
        super().__init__()
        w = width
        stem = max(1, w // 2)
        self.features = nn.Sequential(
            _conv_bn(in_channels, stem),
            _Pool(),
            _conv_bn(stem, 2 * w),
            _conv_bn(2 * w, 2 * w),
            _Pool(),
            _conv_bn(2 * w, 4 * w),
            _conv_bn(4 * w, 4 * w),
            _Pool(),
            _conv_bn(4 * w, 8 * w),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.out_features = 8 * w

    def forward(self, x):
        return self.features(x)


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


def uses_channels_last(backbone):
    """Whether a backbone runs in channels-last layout (not narrow residual nets)."""
    return getattr(backbone, "channels_last", True)


def to_layout(module, backbone):
    """``module`` in the memory layout its backbone runs fastest (and safely) in."""
    if uses_channels_last(backbone):
        return module.to(memory_format=torch.channels_last)
    return module


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


class AffectNetModule(nn.Module):
    """Backbone + dropout + linear head, with input normalisation built in.

    Parameters
    ----------
    backbone : nn.Module
        Maps (N, C, H, W) to (N, backbone.out_features).
    n_outputs : int
        Size of the head (classes, or regression targets).
    mean, std : sequence of float
        Per-channel input statistics, subtracted and divided in ``forward``.
    in_channels : int
        Channels of the input images.
    backbone_channels : int
        Channels the backbone expects; grayscale is repeated to 3 when needed.
    min_size : int
        Smaller inputs are upsampled to this size (nearest), so tiny images and
        tabular columns still pass through the pooling layers.
    dropout : float
        Dropout before the head.
    output : {"linear", "tanh"}
        Output activation; tanh bounds regression outputs to [-1, 1].
    """

    def __init__(
        self,
        backbone,
        n_outputs,
        *,
        mean,
        std,
        in_channels,
        backbone_channels,
        min_size=8,
        dropout=0.0,
        output="linear",
    ):
        super().__init__()
        self.backbone = backbone
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.as_tensor(std, dtype=torch.float32))
        self.repeat = backbone_channels // in_channels if in_channels == 1 else 1
        self.min_size = min_size
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.head = nn.Linear(backbone.out_features, n_outputs)
        self.output = output

    def features(self, x):
        """Backbone features of a batch, before dropout and the head."""
        x = (x - self.mean.view(1, -1, 1, 1)) / self.std.view(1, -1, 1, 1)
        h, w = x.shape[-2:]
        if h < self.min_size or w < self.min_size:
            x = F.interpolate(
                x, size=(max(h, self.min_size), max(w, self.min_size)), mode="nearest"
            )
        if self.repeat > 1:
            x = x.expand(-1, self.repeat, -1, -1)
        # channels-last runs the 3x3 convolutions several times faster on CPU
        if uses_channels_last(self.backbone):
            return self.backbone(x.contiguous(memory_format=torch.channels_last))
        return self.backbone(x.contiguous())

    def forward(self, x):
        out = self.head(self.dropout(self.features(x)))
        if self.output == "tanh":
            out = torch.tanh(out)
        return out


class LandmarkEncoder(nn.Module):
    """MLP over (k, 2) landmarks, centred and scaled per face before encoding.

    Centring on the centroid and dividing by the RMS distance to it makes the
    encoding invariant to where the face sits in the image and to its size.
    """

    def __init__(self, n_points, out_features=64, hidden=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(2 * n_points, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, out_features),
            nn.ReLU(inplace=True),
        )
        self.out_features = out_features

    def forward(self, points):
        centred = points - points.mean(dim=1, keepdim=True)
        scale = centred.pow(2).sum(dim=2).mean(dim=1).sqrt().clamp(min=1e-6)
        return self.net(centred / scale[:, None, None])


class MultiTaskModule(nn.Module):
    """Shared image features (+ optional landmark encoding) feeding two heads.

    ``forward`` returns one (N, n_classes + n_affect) tensor: expression
    logits, then tanh-bounded valence/arousal.

    Parameters
    ----------
    image_module : AffectNetModule
        Supplies ``features(x)`` (normalisation, resizing and the backbone).
    n_classes : int
        Expression classes.
    n_affect : int
        Continuous outputs (2: valence, arousal).
    n_landmarks : int or None
        Points per face for the landmark branch; None disables it.
    dropout : float
        Dropout on the fused features.
    """

    def __init__(
        self, image_module, n_classes, n_affect=2, n_landmarks=None, dropout=0.0
    ):
        super().__init__()
        self.image = image_module
        width = image_module.backbone.out_features
        self.landmarks = None
        if n_landmarks:
            self.landmarks = LandmarkEncoder(n_landmarks)
            width += self.landmarks.out_features
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        self.expression = nn.Linear(width, n_classes)
        self.affect = nn.Linear(width, n_affect)

    def forward(self, x, landmarks=None):
        feats = self.image.features(x)
        if self.landmarks is not None:
            if landmarks is None:
                raise ValueError("this model was built with a landmark branch")
            feats = torch.cat([feats, self.landmarks(landmarks)], dim=1)
        feats = self.dropout(feats)
        return torch.cat(
            [self.expression(feats), torch.tanh(self.affect(feats))], dim=1
        )
