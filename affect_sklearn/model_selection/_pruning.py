"""Epoch-level Optuna pruning for the CNN estimators that survives ``clone``."""

from __future__ import annotations

import math

import optuna
from skorch.callbacks import Callback

from ._context import _CURRENT

__all__ = ["EpochPruning"]


class EpochPruning(Callback):
    """skorch callback that reports a score to Optuna each epoch and prunes.

    Add it to an estimator with ``net_kwargs={"callbacks": [("prune",
    EpochPruning("valid_acc"))]}``. Inside :class:`OptunaSearchCV` it reports
    the monitored value of each epoch to the running trial and raises
    ``optuna.TrialPruned`` when the study's pruner says so; outside a search
    it does nothing but check that the monitored key exists. Unlike
    ``optuna_integration.SkorchPruningCallback`` it holds no trial: the trial
    comes from the search at run time, so estimators carrying it survive
    ``sklearn.base.clone``, ``cross_val_score``, ``GridSearchCV`` and pickling.

    Steps count epochs across the folds of a trial: with ``max_epochs=5`` the
    first epoch of the second fold is step 5. Pruners compare trials at the
    same step, so keep ``max_epochs`` fixed across a study.

    Parameters
    ----------
    monitor : str, default="valid_acc"
        Key of the skorch history to report, e.g. ``"valid_acc"``,
        ``"valid_loss"`` or ``"valid_ccc"`` (regressor). The ``valid_*`` keys
        exist only when the estimator holds out a validation split: set
        ``early_stopping`` to an int (e.g. ``early_stopping=max_epochs`` to
        never stop early).
    lower_is_better : bool or None, default=None
        Whether smaller values are better. None infers it from the name (keys
        ending in ``"loss"`` are lower-is-better). Lower-is-better values are
        reported negated, since :class:`OptunaSearchCV` maximises.

    Examples
    --------
    >>> from sklearn.base import clone
    >>> from affect_sklearn import AffectCNNClassifier
    >>> from affect_sklearn.model_selection import EpochPruning
    >>> clf = AffectCNNClassifier(
    ...     early_stopping=5,
    ...     net_kwargs={"callbacks": [("prune", EpochPruning("valid_acc"))]},
    ... )
    >>> clone(clf).net_kwargs["callbacks"][0][1]
    EpochPruning(monitor='valid_acc')
    """

    def __init__(self, monitor="valid_acc", lower_is_better=None):
        self.monitor = monitor
        self.lower_is_better = lower_is_better

    def __repr__(self):
        args = f"monitor={self.monitor!r}"
        if self.lower_is_better is not None:
            args += f", lower_is_better={self.lower_is_better!r}"
        return f"{type(self).__name__}({args})"

    def _sign(self):
        lower = self.lower_is_better
        if lower is None:
            lower = str(self.monitor).endswith("loss")
        return -1.0 if lower else 1.0

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if self.monitor not in row:
            available = sorted(k for k in row if k != "batches")
            hint = ""
            if str(self.monitor).startswith("valid_"):
                hint = (
                    " valid_* keys exist only with a validation split: set "
                    "early_stopping to an int (e.g. the value of max_epochs)."
                )
            raise ValueError(
                f"EpochPruning(monitor={self.monitor!r}) found no {self.monitor!r} "
                f"in the skorch history of epoch {len(net.history)}; available "
                f"keys are {available}. Pass one of them as monitor.{hint}"
            )
        ctx = _CURRENT.get()
        if ctx is None:
            return
        value = float(row[self.monitor])
        if not math.isfinite(value):
            value = -math.inf if self._sign() > 0 else math.inf
        step = ctx.report(self._sign() * value)
        if ctx.trial.should_prune():
            raise optuna.TrialPruned(
                f"Trial {ctx.trial.number} pruned at step {step} "
                f"({self.monitor}={row[self.monitor]:.4g})."
            )
