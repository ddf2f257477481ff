"""Losses: focal loss for imbalanced classes, CCC loss for valence/arousal."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CCCLoss", "FocalLoss", "MixedRegressionLoss"]


class FocalLoss(nn.Module):
    """Focal loss (Lin et al. 2017) on logits: ``-(1 - p_t)^gamma * log p_t``.

    Parameters
    ----------
    gamma : float, default=2.0
        Focusing parameter; 0 gives cross-entropy.
    weight : Tensor of shape (n_classes,) or None
        Per-class weights (as in ``nn.CrossEntropyLoss``).
    label_smoothing : float, default=0.0
        Label smoothing applied to the cross-entropy term.
    """

    def __init__(self, gamma=2.0, weight=None, label_smoothing=0.0):
        super().__init__()
        self.gamma = gamma
        self.label_smoothing = label_smoothing
        self.register_buffer("weight", weight)

    def forward(self, logits, target):
        ce = F.cross_entropy(
            logits,
            target,
            weight=self.weight,
            reduction="none",
            label_smoothing=self.label_smoothing,
        )
        p_t = torch.softmax(logits, dim=-1).gather(1, target[:, None]).squeeze(1)
        loss = (1.0 - p_t).clamp(min=0).pow(self.gamma) * ce
        if self.weight is not None:
            return loss.sum() / self.weight[target].sum()
        return loss.mean()


def _ccc_per_output(pred, target, eps=1e-8):
    pred = pred.reshape(len(pred), -1).float()
    target = target.reshape(len(target), -1).float()
    mp, mt = pred.mean(0), target.mean(0)
    vp = ((pred - mp) ** 2).mean(0)
    vt = ((target - mt) ** 2).mean(0)
    cov = ((pred - mp) * (target - mt)).mean(0)
    return 2 * cov / (vp + vt + (mp - mt) ** 2 + eps)


class CCCLoss(nn.Module):
    """``1 - CCC`` per output, averaged; CCC computed over the batch.

    Lin's concordance correlation coefficient rewards predictions that are
    both correlated with and on the same scale as the targets.
    """

    def forward(self, pred, target):
        return 1.0 - _ccc_per_output(pred, target).mean()


class MixedRegressionLoss(nn.Module):
    """``alpha * MSE + (1 - alpha) * (1 - CCC)``."""

    def __init__(self, alpha=0.5):
        super().__init__()
        self.alpha = alpha

    def forward(self, pred, target):
        pred = pred.reshape(target.shape)
        mse = F.mse_loss(pred, target)
        return self.alpha * mse + (1 - self.alpha) * (
            1 - _ccc_per_output(pred, target).mean()
        )


class MSELossReshaped(nn.MSELoss):
    """MSE that tolerates (n, 1) predictions for (n,) targets."""

    def forward(self, pred, target):
        return super().forward(pred.reshape(target.shape), target)
