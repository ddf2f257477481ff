"""Modules that put heads on a backbone: single-task, landmark branch, multi-task."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ._backbones import uses_channels_last

__all__ = ["AffectNetModule", "LandmarkEncoder", "MultiTaskModule"]


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
