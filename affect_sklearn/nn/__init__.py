"""Torch building blocks: backbones, heads, losses and datasets."""

from ._augment import BatchAugmentation
from ._augment_presets import make_augmentation
from ._backbones import BasicCNN, CompactCNN, ResNetSmall, SepConvNet, VGGNet
from ._dataset import ImageDataset
from ._heads import AffectNetModule, LandmarkEncoder, MultiTaskModule
from ._losses import CCCLoss, FocalLoss, MixedRegressionLoss, MultiTaskLoss
from ._registry import BUILTIN_BACKBONES, TORCHVISION_BACKBONES, build_backbone

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
