"""Callbacks that end training: non-finite loss, and early stopping that can resume."""

from __future__ import annotations

import copy
import math
import warnings

from skorch.callbacks import Callback

from ..exceptions import ConvergenceWarning

__all__ = ["EarlyStopping", "StopOnNonFinite"]


class StopOnNonFinite(Callback):
    """Stop training with a ConvergenceWarning when the training loss is NaN/inf."""

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        if not math.isfinite(loss):
            warnings.warn(
                f"Training loss became {loss} at epoch {len(net.history)}; training "
                "stopped. Lower lr, set grad_clip, or check the inputs for extreme "
                "values.",
                ConvergenceWarning,
                stacklevel=2,
            )
            raise KeyboardInterrupt  # skorch ends fit cleanly on KeyboardInterrupt


def _best_epoch_and_misses(scores, threshold, threshold_mode, lower_is_better):
    """skorch's EarlyStopping rule replayed over a score sequence.

    A score improves when it beats the threshold set at the last improvement:
    ``best - threshold * best`` for "rel" (``best - threshold`` for "abs"),
    ``+`` when higher is better, exactly as skorch computes it. Returns the
    1-based epoch of the last improvement (0 if none) and the epochs since.
    """
    bar = math.inf if lower_is_better else -math.inf
    best_epoch, misses = 0, 0
    for epoch, score in enumerate(scores, start=1):
        score = float(score)
        if score < bar if lower_is_better else score > bar:
            change = threshold * score if threshold_mode == "rel" else threshold
            bar = score - change if lower_is_better else score + change
            best_epoch, misses = epoch, 0
        else:
            misses += 1
    return best_epoch, misses


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    The rule is skorch's ``EarlyStopping`` (same ``threshold`` and
    ``threshold_mode``), but the count of epochs without improvement is read
    from ``net.history`` at every epoch instead of being kept in counters
    that skorch resets in ``on_train_begin``: a fit resumed from a checkpoint
    (``estimator.resume``) continues the count of the interrupted one. With
    ``load_best=True`` the weights of the best epoch are kept and loaded at
    the end of training; they travel in :meth:`state_dict`, which
    :class:`TrainingState` saves, so a resumed fit keeps them too.

    Parameters
    ----------
    monitor : str, default="valid_loss"
        History key to watch.
    patience : int, default=5
        Epochs without improvement before training stops.
    threshold : float, default=1e-4
        Least improvement that counts.
    threshold_mode : {"rel", "abs"}, default="rel"
        Whether ``threshold`` is relative to the best score or absolute.
    lower_is_better : bool, default=True
        Whether a lower ``monitor`` is an improvement.
    load_best : bool, default=False
        Restore the weights of the best epoch at the end of training.

    Attributes
    ----------
    best_epoch_ : int
        1-based epoch of the best score so far (0 before the first epoch).
    """

    def __init__(
        self,
        monitor="valid_loss",
        patience=5,
        threshold=1e-4,
        threshold_mode="rel",
        lower_is_better=True,
        load_best=False,
    ):
        self.monitor = monitor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.lower_is_better = lower_is_better
        self.load_best = load_best

    def initialize(self):
        if self.threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"threshold_mode must be 'rel' or 'abs'; got {self.threshold_mode!r}."
            )
        self.best_epoch_ = 0
        self.best_weights_ = None
        return self

    def on_epoch_end(self, net, **kwargs):
        scores = net.history[:, self.monitor]
        best, misses = _best_epoch_and_misses(
            scores, self.threshold, self.threshold_mode, self.lower_is_better
        )
        if best == len(scores) and self.load_best:
            self.best_weights_ = copy.deepcopy(net.module_.state_dict())
        self.best_epoch_ = best
        if misses >= self.patience:
            if net.verbose:
                print(
                    f"Stopping since {self.monitor} has not improved in the last "
                    f"{self.patience} epochs."
                )
            raise KeyboardInterrupt

    def on_train_end(self, net, **kwargs):
        if (
            self.load_best
            and self.best_weights_ is not None
            and self.best_epoch_ != len(net.history)
        ):
            net.module_.load_state_dict(self.best_weights_)

    def state_dict(self):
        """What a resumed fit needs: the best epoch and its weights."""
        return {"best_epoch": self.best_epoch_, "best_weights": self.best_weights_}

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned."""
        self.best_epoch_ = int(state["best_epoch"])
        self.best_weights_ = state["best_weights"]
