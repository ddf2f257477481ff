"""Torch building blocks: backbones, heads, losses and datasets."""

from ._data import BatchAugmentation, ImageDataset, make_augmentation
from ._losses import CCCLoss, FocalLoss, MixedRegressionLoss, MultiTaskLoss
from ._modules import (
    BUILTIN_BACKBONES,
    TORCHVISION_BACKBONES,
    AffectNetModule,
    BasicCNN,
    CompactCNN,
    LandmarkEncoder,
    MultiTaskModule,
    ResNetSmall,
    SepConvNet,
    VGGNet,
    build_backbone,
)

__all__ = [
    "BUILTIN_BACKBONES",
    "TORCHVISION_BACKBONES",
    "AffectNetModule",
    "BatchAugmentation",
    "BasicCNN",
    "CompactCNN",
    "CCCLoss",
    "FocalLoss",
    "ImageDataset",
    "LandmarkEncoder",
    "MixedRegressionLoss",
    "MultiTaskLoss",
    "MultiTaskModule",
    "ResNetSmall",
    "SepConvNet",
    "VGGNet",
    "build_backbone",
    "make_augmentation",
]
