"""Building and training the net of a fit (the core of ``BaseAffectCNN._fit``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from skorch.helper import predefined_split

from ..callbacks import TrainingState, default_callbacks
from ..callbacks._defaults import backbone_param_groups
from ..nn._augment import BatchAugmentation
from ..nn._dataset import ImageDataset
from ..nn._net import build_net
from ._training import check_resume_meta, fingerprint, split_indices

__all__ = ["train_net"]


def _datasets(est, images, landmarks, y_enc, seed, transform):
    """Training and validation datasets (validation only when needed)."""
    n = len(images)
    needs_valid = bool(est.early_stopping) or est.scheduler == "plateau"
    if needs_valid:
        train_idx, valid_idx = split_indices(
            n, est.validation_fraction, est._stratify_labels(y_enc), seed
        )
    else:
        train_idx, valid_idx = np.arange(n), None

    def part(idx, tf=None):
        lm = None if landmarks is None else landmarks[idx]
        return ImageDataset(images.subset(idx), y_enc[idx], tf, landmarks=lm)

    valid = None if valid_idx is None else part(valid_idx)
    return train_idx, part(train_idx, transform), valid


def train_net(est, images, landmarks, y_enc, seed, device, warm, resume_state):
    """Build the net for the staged estimator ``est`` and train it.

    Returns the trained net and the number of training samples. ``warm``
    starts from ``est.net_``'s weights; ``resume_state`` (from
    :func:`~affect_sklearn.callbacks.load_training_state`) continues an
    interrupted fit.
    """
    augmentation = est._augmentation(images.shape)
    # built-in augmentation runs on whole batches; a user's callable per image
    batch_augment = augmentation
    transform = None
    if not isinstance(augmentation, BatchAugmentation):
        batch_augment, transform = None, augmentation
    train_idx, train_ds, valid_ds = _datasets(
        est, images, landmarks, y_enc, seed, transform
    )
    n_train = len(train_idx)
    module = est._build_module(images.subset(train_idx), np.random.RandomState(seed))
    max_epochs = est._resolve_max_epochs(n_train)
    lr = est._resolve_lr()
    backbone_lr = est._resolve_backbone_lr(lr)
    done = 0 if resume_state is None else int(resume_state["steps"])
    callbacks = default_callbacks(
        est,
        n_train=n_train,
        has_valid=valid_ds is not None,
        max_epochs=max_epochs,
        lr=lr,
        scoring=est._valid_scoring(),
        steps_done=done,
    )
    state_cb = []
    if est.checkpoint_dir is not None or resume_state is not None:
        meta = {
            "estimator": type(est).__name__,
            "seed": seed,
            "image_shape_": list(est.image_shape_),
            "n_samples": len(images),
            "data_sha256": fingerprint(images, y_enc),
            "schedule": [est.scheduler, max_epochs, n_train, est.batch_size],
            # the optimizer's groups: a change would fail inside torch
            "learning_rates": [float(lr), float(backbone_lr)],
        }
        if resume_state is not None:
            check_resume_meta(resume_state["meta"], meta, resume_state["path"])
        state_dir = est.checkpoint_dir
        if state_dir is None:  # resume(checkpoint_dir=...) keeps writing there
            state_dir = Path(resume_state["path"]).parent
        state_cb = [("training_state", TrainingState(str(state_dir), meta))]
    net = build_net(
        est,
        module=module,
        criterion=est._build_criterion(y_enc),
        lr=lr,
        max_epochs=max_epochs,
        callbacks=callbacks,
        last_callbacks=state_cb,
        device=device,
        n_train=n_train,
        seed=seed,
        train_split=None if valid_ds is None else predefined_split(valid_ds),
        batch_augment=batch_augment,
        sampler_weights=est._sampler_weights(y_enc[train_idx]),
        param_groups=backbone_param_groups(lr, backbone_lr),
    )
    if warm:
        try:
            net.module_.load_state_dict(est.net_.module_.state_dict())
        except RuntimeError as exc:
            raise ValueError(
                "warm_start=True could not reuse the fitted weights (the number of "
                f"outputs or the architecture changed): {exc}. Set "
                "warm_start=False."
            ) from exc
    if resume_state is None:
        # partial_fit: the net is initialised (and may hold warm-start weights)
        net.partial_fit(train_ds, None)
        return net, n_train
    training_state = dict(net.callbacks_)["training_state"]
    try:
        training_state.restore_before_training(net, resume_state)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ValueError(
            f"The checkpoint {resume_state['path']!r} does not fit this "
            f"{type(est).__name__} (were parameters such as backbone or "
            f"width changed?): {exc}"
        ) from exc
    epochs = max_epochs - resume_state["epoch"]
    if epochs > 0:
        net.partial_fit(train_ds, None, epochs=epochs)
    else:
        training_state.pending_ = None  # nothing left to train: keep no copy
    return net, n_train
