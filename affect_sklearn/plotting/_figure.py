"""The one matplotlib set-up of the plots: pyplot figures, or detached ones for files.

Library code never selects a backend (no ``matplotlib.use``): the user's
backend draws the figures, so they show inline in Jupyter and in a window
with ``plt.show()``, and without a display matplotlib itself falls back to
Agg. Code that only writes files draws inside :func:`detached_figures`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

_DETACHED = ContextVar("affect_sklearn_detached_figures", default=False)


@contextmanager
def detached_figures():
    """Within this block the plot functions draw on figures that pyplot does not track.

    Such a :class:`matplotlib.figure.Figure` is tied to no backend and no GUI:
    it only renders through ``fig.savefig``, in any thread and without a
    display, and it is freed with its last reference (no ``plt.close``).
    """
    token = _DETACHED.set(True)
    try:
        yield
    finally:
        _DETACHED.reset(token)


def subplots(nrows=1, ncols=1, *, figsize=None, **kwargs):
    """A new figure and its axes, as :func:`matplotlib.pyplot.subplots` returns them.

    Through pyplot and the user's backend; inside :func:`detached_figures`, a
    plain :class:`~matplotlib.figure.Figure`.
    """
    if _DETACHED.get():
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        return fig, fig.subplots(nrows, ncols, **kwargs)
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=figsize, **kwargs)
