"""The Optuna trial that OptunaSearchCV is evaluating in this thread."""

from __future__ import annotations

import contextlib
import contextvars

__all__ = ["current_trial"]

# The trial being evaluated in this thread (set by OptunaSearchCV around the
# fits of one trial). A context variable, not an estimator parameter, so the
# estimator and its callbacks stay plain, clonable and picklable.
_CURRENT = contextvars.ContextVar("affect_sklearn_optuna_trial", default=None)


class _TrialContext:
    """The running trial plus the epochs it reported, counted across its folds."""

    def __init__(self, trial):
        self.trial = trial
        self.values = {}  # step -> reported value, returned to the parent process

    def report(self, value):
        step = len(self.values)
        self.values[step] = value
        self.trial.report(value, step)
        return step


def current_trial():
    """Return the Optuna trial that :class:`OptunaSearchCV` is evaluating, if any.

    Returns
    -------
    trial : optuna.trial.Trial or None
        The trial whose cross-validation runs in this thread, or None outside
        a search (e.g. in a plain ``fit`` or ``cross_val_score``).

    Examples
    --------
    >>> from affect_sklearn.model_selection import current_trial
    >>> current_trial() is None
    True
    """
    ctx = _CURRENT.get()
    return None if ctx is None else ctx.trial


@contextlib.contextmanager
def _trial_context(trial):
    ctx = _TrialContext(trial)
    token = _CURRENT.set(ctx)
    try:
        yield ctx
    finally:
        _CURRENT.reset(token)
