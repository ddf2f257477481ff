"""Small CNN backbones for face images, their building blocks and memory layout.

A backbone is a ``torch.nn.Module`` taking ``in_channels`` that maps (N, C, H,
W) images to flat (N, ``out_features``) vectors. Optional class or instance
attributes: ``min_size`` (smaller inputs are upsampled to it), ``needs_rgb``
and ``channels_last`` (False keeps the default memory layout). A new built-in
backbone goes here, and its name into ``BUILTIN_BACKBONES`` in ``_registry.py``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "BasicCNN",
    "CompactCNN",
    "ResNetSmall",
    "SepConvNet",
    "VGGNet",
    "to_layout",
    "uses_channels_last",
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


def uses_channels_last(backbone):
    """Whether a backbone runs in channels-last layout (not narrow residual nets)."""
    return getattr(backbone, "channels_last", True)


def to_layout(module, backbone):
    """``module`` in the memory layout its backbone runs fastest (and safely) in."""
    if uses_channels_last(backbone):
        return module.to(memory_format=torch.channels_last)
    return module
