"""Torch building blocks: backbones, heads, losses and datasets."""

from ._data import ImageDataset, make_augmentation
from ._losses import CCCLoss, FocalLoss, MixedRegressionLoss
from ._modules import (
    BUILTIN_BACKBONES,
    TORCHVISION_BACKBONES,
    AffectNetModule,
    BasicCNN,
    CompactCNN,
    ResNetSmall,
    SepConvNet,
    VGGNet,
    build_backbone,
)

__all__ = [
    "BUILTIN_BACKBONES",
    "TORCHVISION_BACKBONES",
    "AffectNetModule",
    "BasicCNN",
    "CompactCNN",
    "CCCLoss",
    "FocalLoss",
    "ImageDataset",
    "MixedRegressionLoss",
    "ResNetSmall",
    "SepConvNet",
    "VGGNet",
    "build_backbone",
    "make_augmentation",
]
