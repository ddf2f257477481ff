"""An estimator for the Dask cluster tests, importable by the worker processes."""

import os
import time
from pathlib import Path

from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone


class HangOnce(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Fit ``estimator``; the first fit of all (``marker`` missing) hangs instead.

    That fit creates ``marker`` holding its process id, then sleeps, so the test
    can SIGKILL the Dask worker running it. Every other fit (the rescheduled one
    included) finds the marker and fits normally. ``marker=None`` never hangs.
    """

    def __init__(self, estimator, marker=None):
        self.estimator = estimator
        self.marker = marker

    def fit(self, X, y):
        if self.marker is not None:
            try:
                with open(self.marker, "x") as f:
                    f.write(str(os.getpid()))
            except FileExistsError:
                pass
            else:
                time.sleep(300)
        self.estimator_ = clone(self.estimator).fit(X, y)
        self.classes_ = self.estimator_.classes_
        return self

    def predict(self, X):
        return self.estimator_.predict(X)

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X)


def killed_pid(marker, timeout=120):
    """The process id written to ``marker`` by the hanging fit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = Path(marker).read_text() if Path(marker).exists() else ""
        if text.strip():
            return int(text)
        time.sleep(0.05)
    raise TimeoutError(f"no fit hung within {timeout} s")
