"""The plots use the user's matplotlib backend and never switch it."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from affect_sklearn.experiments._artifacts import write_plots
from affect_sklearn.plotting import plot_confusion_matrix, plot_prediction_grid
from affect_sklearn.plotting._figure import detached_figures


@pytest.fixture
def user_backend():
    """A backend the user chose that is not Agg ("template": no display needed)."""
    before = matplotlib.get_backend()
    matplotlib.use("template")
    yield "template"
    plt.close("all")
    matplotlib.use(before)


def test_plot_functions_keep_the_users_backend(user_backend, tmp_path):
    fig = plot_confusion_matrix(["a", "b", "a"], ["a", "a", "a"])
    assert matplotlib.get_backend() == user_backend
    # drawn through pyplot, so plt.show() and Jupyter's inline display see it
    assert fig.number in plt.get_fignums()

    frame = pd.DataFrame({"true": ["a", "b", "a", "b"], "pred": ["a", "a", "a", "b"]})
    figures = plt.get_fignums()
    written = write_plots(tmp_path, history=None, frame=frame, classes=["a", "b"])
    assert matplotlib.get_backend() == user_backend
    # the run's plots are written, not left open in pyplot
    assert plt.get_fignums() == figures
    assert [p.name for p in written] == [
        "confusion_matrix.png",
        "confusion_matrix_normalized.png",
        "recall_per_class.png",
    ]
    assert all(p.stat().st_size > 0 for p in written)


def test_detached_figures_are_not_tracked_by_pyplot(tmp_path):
    images = np.zeros((4, 8, 8), np.uint8)
    figures = plt.get_fignums()
    with detached_figures():
        fig = plot_prediction_grid(images, [0, 1, 0, 1], [0, 1, 1, 1], n=4, n_cols=2)
    assert plt.get_fignums() == figures
    fig.savefig(tmp_path / "grid.png")
    assert (tmp_path / "grid.png").stat().st_size > 0
    # outside the block, figures go through pyplot again
    fig = plot_prediction_grid(images, [0, 1, 0, 1], [0, 1, 1, 1], n=4, n_cols=2)
    assert fig.number in plt.get_fignums()
    plt.close(fig)
