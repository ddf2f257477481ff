"""The callbacks an estimator's parameters switch on, by name.

Each entry is a ``(name, callback)`` pair of skorch's callback list, so that a
default can be tuned the skorch way through ``net_kwargs``, e.g.
``net_kwargs={"callbacks__early_stopping__threshold": 1e-3}``, or replaced by
passing a callback of the same name in ``net_kwargs["callbacks"]``.

====================  =====================================  ==================
name                  callback                               switched on by
====================  =====================================  ==================
stop_non_finite       :class:`StopOnNonFinite`               always
valid_<metric>        skorch ``EpochScoring``                a validation split
lr_scheduler          skorch ``LRScheduler``                 ``scheduler``
early_stopping        :class:`EarlyStopping`                 ``early_stopping``
grad_clip             skorch ``GradientNormClipping``        ``grad_clip``
freeze_backbone       skorch ``Freezer``                     ``freeze_backbone``
unfreeze_backbone     skorch ``Unfreezer``                   ``freeze_backbone=n``
checkpoint_best       skorch ``Checkpoint`` (best weights)   ``checkpoint_dir``
progress_bar          skorch ``ProgressBar``                 ``verbose``
training_state        :class:`TrainingState` (resume)        ``checkpoint_dir``
====================  =====================================  ==================
"""

from __future__ import annotations

import math
from functools import partial

import torch
from skorch.callbacks import (
    Checkpoint,
    Freezer,
    GradientNormClipping,
    LRScheduler,
    ProgressBar,
    Unfreezer,
)

from ._stopping import EarlyStopping, StopOnNonFinite

__all__ = [
    "BACKBONE_PATTERNS",
    "backbone_param_groups",
    "default_callbacks",
    "one_cycle",
]

# parameter names of the backbone in the classifier/regressor module and in the
# multi-task module (which nests the image network as ``image``)
BACKBONE_PATTERNS = ("backbone.*", "image.backbone.*")


def backbone_param_groups(lr, backbone_lr):
    """skorch ``optimizer__param_groups`` giving the backbone ``backbone_lr``.

    None when it equals ``lr``. Each group also records its ``peak_lr`` for
    :func:`one_cycle`.
    """
    if backbone_lr == lr:
        return None
    group = {"lr": backbone_lr, "peak_lr": backbone_lr}
    return [(pattern, dict(group)) for pattern in BACKBONE_PATTERNS]


def one_cycle(optimizer, *, max_lr, total_steps, last_epoch=-1):
    """``OneCycleLR`` peaking at each group's ``peak_lr`` (default ``max_lr``).

    The peaks come from the groups, not from their current ``lr``, which the
    schedule changes: a resumed fit (``last_epoch >= 0``) finds the same peaks.
    """
    peaks = [group.get("peak_lr", max_lr) for group in optimizer.param_groups]
    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=peaks, total_steps=total_steps, last_epoch=last_epoch
    )


def _frozen(net, last=None):
    """Freezer's schedule: every epoch up to ``last`` (None: the whole fit).

    Every epoch rather than only the first, so that a resumed fit freezes too.
    """
    return last is None or len(net.history) <= last


def _scheduler(name, *, lr, max_epochs, steps_per_epoch, monitor, steps_done):
    if name == "onecycle":
        # batch-stepped: a resumed fit starts at the batches already done
        return LRScheduler(
            policy=one_cycle,
            max_lr=lr,
            total_steps=max_epochs * steps_per_epoch,
            step_every="batch",
            **({"last_epoch": steps_done - 1} if steps_done else {}),
        )
    if name == "cosine":
        return LRScheduler(policy="CosineAnnealingLR", T_max=max_epochs)
    if name == "step":
        return LRScheduler(
            policy="StepLR", step_size=max(1, max_epochs // 3), gamma=0.1
        )
    if name == "plateau":
        return LRScheduler(
            policy="ReduceLROnPlateau", monitor=monitor, patience=2, factor=0.3
        )
    return None


def default_callbacks(
    estimator, *, n_train, has_valid, max_epochs, lr, scoring=None, steps_done=0
):
    """The named callbacks for a fit with ``estimator``'s parameters.

    Parameters
    ----------
    estimator : BaseAffectCNN
        Its ``scheduler``, ``early_stopping``, ``grad_clip``,
        ``freeze_backbone``, ``checkpoint_dir``, ``batch_size`` and
        ``verbose`` choose the callbacks.
    n_train : int
        Training samples (sets the steps of the one-cycle schedule).
    has_valid : bool
        Whether there is a validation split (monitors ``valid_loss``, else
        ``train_loss``).
    max_epochs : int
        Epochs of the fit (the schedules span them).
    lr : float
        Peak learning rate of the one-cycle schedule.
    scoring : skorch callback, default=None
        The task's per-epoch validation metric (used only with a split).
    steps_done : int, default=0
        Optimisation steps already taken (a resumed fit).

    Returns
    -------
    callbacks : list of (str, Callback)
    """
    est = estimator
    monitor = "valid_loss" if has_valid else "train_loss"
    cbs = [("stop_non_finite", StopOnNonFinite())]
    if scoring is not None and has_valid:
        cbs.append((scoring.name, scoring))
    sched = _scheduler(
        est.scheduler,
        lr=lr,
        max_epochs=max_epochs,
        steps_per_epoch=max(1, math.ceil(n_train / est.batch_size)),
        monitor=monitor,
        steps_done=steps_done,
    )
    if sched is not None:
        cbs.append(("lr_scheduler", sched))
    if est.early_stopping:
        patience = 5 if est.early_stopping is True else int(est.early_stopping)
        cbs.append(
            (
                "early_stopping",
                EarlyStopping(monitor=monitor, patience=patience, load_best=True),
            )
        )
    if est.grad_clip is not None:
        cbs.append(("grad_clip", GradientNormClipping(est.grad_clip)))
    if est.freeze_backbone is not False:
        last = None if est.freeze_backbone is True else int(est.freeze_backbone)
        cbs.append(
            (
                "freeze_backbone",
                Freezer(list(BACKBONE_PATTERNS), at=partial(_frozen, last=last)),
            )
        )
        if last is not None:
            cbs.append(
                ("unfreeze_backbone", Unfreezer(list(BACKBONE_PATTERNS), at=last + 1))
            )
    if est.checkpoint_dir is not None:
        cbs.append(
            (
                "checkpoint_best",
                Checkpoint(
                    dirname=str(est.checkpoint_dir),
                    monitor=f"{monitor}_best",
                    fn_prefix="best_",
                    f_pickle=None,
                    load_best=False,
                ),
            )
        )
    if est.verbose and est.verbose > 0:
        cbs.append(("progress_bar", ProgressBar()))
    return cbs
