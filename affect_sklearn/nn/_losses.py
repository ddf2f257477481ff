"""Losses: focal loss for imbalanced classes, CCC loss for valence/arousal."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["CCCLoss", "FocalLoss", "MixedRegressionLoss", "MultiTaskLoss"]


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

    Examples
    --------
    >>> import torch
    >>> from affect_sklearn.nn import FocalLoss
    >>> logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.5, 0.0]])
    >>> target = torch.tensor([0, 1])
    >>> ce = torch.nn.functional.cross_entropy(logits, target)
    >>> bool(FocalLoss(gamma=2.0)(logits, target) < ce)  # easy examples count less
    True
    >>> torch.allclose(FocalLoss(gamma=0.0)(logits, target), ce)
    True
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
    both correlated with and on the same scale as the targets. Moments are
    normalised by ``1/N`` as in :func:`affect_sklearn.metrics.ccc_score`, so
    batches of at least 32 give a stable estimate.

    Examples
    --------
    >>> import torch
    >>> from affect_sklearn.nn import CCCLoss
    >>> target = torch.tensor([[0.5, -0.2], [-0.4, 0.3], [0.1, 0.8], [-0.6, -0.5]])
    >>> round(CCCLoss()(target, target).item(), 6)  # perfect agreement
    0.0
    >>> round(CCCLoss()(0.5 * target, target).item(), 3)  # right direction, shrunk
    0.208
    """

    def forward(self, pred, target):
        return 1.0 - _ccc_per_output(pred, target).mean()


class MixedRegressionLoss(nn.Module):
    """``alpha * MSE + (1 - alpha) * (1 - CCC)``.

    Parameters
    ----------
    alpha : float, default=0.5
        Weight of the MSE term; ``1 - alpha`` weighs the CCC term.

    Examples
    --------
    >>> import torch
    >>> from affect_sklearn.nn import MixedRegressionLoss
    >>> target = torch.tensor([[0.5, -0.2], [-0.4, 0.3], [0.1, 0.8], [-0.6, -0.5]])
    >>> round(MixedRegressionLoss(alpha=0.5)(target, target).item(), 6)
    0.0
    """

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


class MultiTaskLoss(nn.Module):
    """``w_expr * CE(expression) + w_affect * regression loss`` on one output tensor.

    The target holds the class index in column 0 and valence/arousal after it.
    Rows whose valence/arousal are NaN are masked out of the regression term,
    so data sets that label affect on a subset train on every row.

    Parameters
    ----------
    n_classes : int
        Number of expression logits at the start of the output.
    expression_weight, affect_weight : float
        Weights of the two terms.
    affect_loss : {"mse", "ccc", "mse+ccc"}
        Regression loss.
    weight : Tensor or None
        Class weights for the cross-entropy.
    label_smoothing : float
        Label smoothing of the cross-entropy.

    Examples
    --------
    Two classes, then valence and arousal; the second row has no affect
    label, so only its cross-entropy counts.

    >>> import torch
    >>> from affect_sklearn.nn import MultiTaskLoss
    >>> output = torch.tensor([[2.0, 0.0, 0.5, 0.1],
    ...                        [0.0, 2.0, 0.0, 0.0],
    ...                        [0.0, 2.0, -0.3, 0.4]])
    >>> nan = float("nan")
    >>> target = torch.tensor([[0.0, 0.5, 0.1], [1.0, nan, nan], [1.0, -0.3, 0.4]])
    >>> loss = MultiTaskLoss(n_classes=2)(output, target)
    >>> ce = torch.nn.functional.cross_entropy(output[:, :2], target[:, 0].long())
    >>> torch.allclose(loss, ce)  # the two labelled rows are predicted exactly
    True
    """

    def __init__(
        self,
        n_classes,
        expression_weight=1.0,
        affect_weight=1.0,
        affect_loss="mse",
        weight=None,
        label_smoothing=0.0,
    ):
        super().__init__()
        self.n_classes = n_classes
        self.expression_weight = expression_weight
        self.affect_weight = affect_weight
        self.affect_loss = affect_loss
        self.label_smoothing = label_smoothing
        self.register_buffer("weight", weight)

    def forward(self, output, target):
        k = self.n_classes
        target = target.reshape(len(target), -1).float()
        ce = F.cross_entropy(
            output[:, :k],
            target[:, 0].long(),
            weight=self.weight,
            label_smoothing=self.label_smoothing,
        )
        pred, true = output[:, k:], target[:, 1:]
        rows = ~torch.isnan(true).any(dim=1)
        if rows.sum() < 2:
            return self.expression_weight * ce
        pred, true = pred[rows], true[rows]
        if self.affect_loss == "ccc":
            reg = 1 - _ccc_per_output(pred, true).mean()
        elif self.affect_loss == "mse+ccc":
            reg = 0.5 * F.mse_loss(pred, true) + 0.5 * (
                1 - _ccc_per_output(pred, true).mean()
            )
        else:
            reg = F.mse_loss(pred, true)
        return self.expression_weight * ce + self.affect_weight * reg
