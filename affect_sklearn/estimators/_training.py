"""Training set-up shared by the estimators: device, seed, split, epochs, statistics."""

from __future__ import annotations

import hashlib
import math
import numbers
import warnings

import numpy as np
import torch
from skorch.dataset import ValidSplit

from ..nn._dataset import ImageDataset

__all__ = [
    "AUTO_BACKBONE_LR_FACTOR",
    "AUTO_LR",
    "AUTO_LR_PRETRAINED",
    "AUTO_MAX_EPOCHS",
    "AUTO_MIN_EPOCHS",
    "AUTO_MIN_STEPS",
    "AUTO_MIN_STEPS_PRETRAINED",
    "auto_max_epochs",
    "check_resume_meta",
    "fingerprint",
    "input_statistics",
    "resolve_device",
    "seed_torch",
    "split_indices",
]

# ``max_epochs=None``: train for at least AUTO_MIN_EPOCHS epochs and at least
# AUTO_MIN_STEPS optimisation steps (batches), at most AUTO_MAX_EPOCHS epochs.
# Large data sets get the 10 epochs of the old fixed default (FER-2013's 28,709
# faces make 449 steps an epoch); a few hundred faces get enough updates
# (600 faces: 10 batches an epoch, so 100 epochs). Starting from shipped weights
# needs fewer steps (AUTO_MIN_STEPS_PRETRAINED). Measured in
# benchmarks/bench_small_data.py.
AUTO_MIN_EPOCHS = 10
AUTO_MIN_STEPS = 1000
AUTO_MIN_STEPS_PRETRAINED = 500
AUTO_MAX_EPOCHS = 300
# ``lr="auto"``: the peak learning rate from scratch, and from shipped weights.
AUTO_LR = 3e-3
AUTO_LR_PRETRAINED = 1e-3
# ``backbone_lr="auto"`` from shipped weights: the backbone at 0.3 lr, the head at
# lr. Measured in benchmarks/bench_small_data.py (fine-tuned accuracy, lr 1e-3):
# backbone at 1e-3 / 3e-4 / 1e-4 gave 0.944 / 0.896 / 0.822 on synthetic faces
# (unlike FER-2013, new head), and on 1,000 FER-2013 PublicTest faces (like the
# shipped model's data) 0.621 / 0.657 / 0.669 (lr 1e-4 for all). A
# slower backbone keeps what the shipped model knows; a faster one adapts to
# new faces; 0.3 gives up least on either.
AUTO_BACKBONE_LR_FACTOR = 0.3

_DEVICE_TYPES = ("cpu", "cuda", "mps")


def auto_max_epochs(n_train, batch_size, *, pretrained=False):
    """Epochs that ``max_epochs=None`` trains for on ``n_train`` samples.

    At least ``AUTO_MIN_EPOCHS`` epochs and ``AUTO_MIN_STEPS`` optimisation steps
    (``AUTO_MIN_STEPS_PRETRAINED`` from shipped weights), at most
    ``AUTO_MAX_EPOCHS`` epochs.

    >>> auto_max_epochs(28709, 64), auto_max_epochs(600, 64)
    (10, 100)
    """
    steps = max(1, math.ceil(n_train / batch_size))
    budget = AUTO_MIN_STEPS_PRETRAINED if pretrained else AUTO_MIN_STEPS
    return int(min(AUTO_MAX_EPOCHS, max(AUTO_MIN_EPOCHS, math.ceil(budget / steps))))


def resolve_device(device, amp=False):
    """The torch device string for the ``device`` parameter.

    "auto" picks CUDA when available, else the CPU. Other strings must name a
    torch device of type cpu, cuda or mps ("cuda:1"); an unknown string, or a
    device this machine lacks, raises a ValueError naming the parameter.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError, ValueError):
        kind = None
    if kind not in _DEVICE_TYPES:
        raise ValueError(
            f"The 'device' parameter must be 'auto', 'cpu', 'cuda', 'cuda:<index>' "
            f"or 'mps'; got {device!r}."
        )
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available on this machine. "
            "Use device='auto' or device='cpu'."
        )
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"device={device!r} but MPS is not available on this machine. "
            "Use device='auto' or device='cpu'."
        )
    if amp and kind != "cuda":
        warnings.warn(
            "amp=True has no effect on CPU (automatic mixed precision is used on "
            "CUDA only); training in float32.",
            UserWarning,
            stacklevel=4,
        )
    return device


def seed_torch(random_state):
    """Seed torch's global generator from ``random_state``; return the seed."""
    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
    else:
        rs = random_state
        rng = rs if isinstance(rs, np.random.RandomState) else np.random
        seed = int(rng.randint(0, 2**31 - 1))
    torch.manual_seed(seed)
    return seed


def split_indices(n, fraction, stratify, seed):
    """Training and validation indices from skorch's ``ValidSplit``.

    Stratified on ``stratify`` (None: not stratified), falling back to a
    plain shuffle split when a class has fewer than two members or there are
    fewer validation places than classes.
    """
    n_valid = math.ceil(fraction * n)
    if n - n_valid < 2:
        raise ValueError(
            f"early stopping needs a validation split, but only {n} samples "
            "arrived. Pass more data or set early_stopping=False."
        )
    if stratify is not None:
        _, counts = np.unique(stratify, return_counts=True)
        if counts.min() < 2 or n_valid < len(counts):
            stratify = None
    split = ValidSplit(
        cv=float(fraction), stratified=stratify is not None, random_state=seed
    )
    train, valid = split(np.arange(n), y=stratify)
    return np.asarray(train.indices), np.asarray(valid.indices)


def input_statistics(images, rng, max_samples=2048):
    """Per-channel mean and std of the training pixels (on a sample)."""
    n = len(images)
    idx = np.sort(rng.choice(n, size=min(n, max_samples), replace=False))
    if images.data is None:
        idx = idx[:64]
    ds = ImageDataset(images.subset(idx))
    x = torch.stack([ds[i][0] for i in range(len(ds))])
    mean = x.mean(dim=(0, 2, 3))
    std = x.std(dim=(0, 2, 3), unbiased=False)
    std = torch.where(std > 1e-6, std, torch.ones_like(std))
    return mean.tolist(), std.tolist()


def fingerprint(images, y_enc):
    """SHA-256 of the training images (or their paths) and encoded targets."""
    h = hashlib.sha256()
    if images.data is not None:
        h.update(np.ascontiguousarray(images.data).tobytes())
    else:
        h.update("\x1f".join(map(str, images.paths)).encode())
    h.update(np.ascontiguousarray(y_enc).tobytes())
    return h.hexdigest()


def check_resume_meta(saved, current, path):
    """Refuse to resume a checkpoint written by another estimator or data."""
    for key, what in (
        ("estimator", "estimator"),
        ("image_shape_", "image shape (channels, height, width)"),
        ("n_samples", "number of samples"),
        ("data_sha256", "data (SHA-256 of images and targets)"),
        ("learning_rates", "learning rates [lr, backbone_lr]"),
    ):
        if key == "learning_rates" and key not in saved:
            continue  # a checkpoint from before backbone_lr
        if saved.get(key) != current[key]:
            then, now = saved.get(key), current[key]
            if key == "data_sha256":
                then, now = f"{str(then)[:12]}...", f"{now[:12]}..."
            raise ValueError(
                f"The checkpoint {path!r} was written by a fit with a different "
                f"{what}: {then!r}; this call has {now!r}. Resume with the same "
                "estimator class, X, y, lr and backbone_lr as the interrupted fit."
            )
