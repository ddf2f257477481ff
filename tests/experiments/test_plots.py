"""The plots of a run folder: learning curves, recall bars, valence/arousal."""

import numpy as np
import pandas as pd
import pytest

from affect_sklearn.plotting import (
    plot_affect_grid,
    plot_learning_curves,
    plot_per_class_recall,
    plot_valence_arousal,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


def test_learning_curves_draw_losses_and_scores():
    history = pd.DataFrame(
        {
            "epoch": [1, 2, 3],
            "train_loss": [1.0, 0.8, 0.7],
            "val_loss": [1.1, 0.9, 0.95],
            "val_accuracy": [0.3, 0.5, 0.6],
        }
    )
    fig = plot_learning_curves(history)
    loss_ax, score_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["train_loss", "val_loss"]
    assert [line.get_label() for line in score_ax.lines] == ["val_accuracy"]


def test_learning_curves_accept_a_skorch_history_and_note_missing_scores():
    fig = plot_learning_curves([{"epoch": 1, "train_loss": 1.0, "batches": []}])
    assert "no validation scores" in fig.axes[1].texts[0].get_text()
    with pytest.raises(ValueError, match="history has no epochs"):
        plot_learning_curves(pd.DataFrame())


def test_learning_curves_of_a_fitted_estimator(fitted_classifier):
    fig = plot_learning_curves(fitted_classifier)
    assert fig.axes[0].lines[0].get_label() == "train_loss"


def test_per_class_recall_bars():
    fig = plot_per_class_recall(
        ["a", "a", "b", "c"], ["a", "b", "b", "a"], labels=["c", "b", "a"]
    )
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [0.0, 1.0, 0.5]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["c", "b", "a"]
    with pytest.raises(ValueError, match="same length"):
        plot_per_class_recall([1, 2], [1])


def test_valence_arousal_scatter_skips_missing_truth():
    true = np.array([[0.1, 0.2], [np.nan, np.nan], [0.5, -0.5], [-0.3, 0.1]])
    pred = np.array([[0.0, 0.1], [0.3, 0.3], [0.4, -0.4], [-0.2, 0.0]])
    fig = plot_valence_arousal(true, pred)
    assert len(fig.axes[0].collections[0].get_offsets()) == 3
    assert fig.axes[1].get_title().startswith("Arousal (CCC")
    with pytest.raises(ValueError, match="va_true must have 2 columns"):
        plot_valence_arousal(np.zeros(3), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="same length"):
        plot_valence_arousal(np.zeros((3, 2)), np.zeros((2, 2)))


@pytest.mark.parametrize("with_labels", [False, True])
def test_affect_grid_shows_true_and_predicted_values(tiny_faces, with_labels):
    va = np.column_stack([tiny_faces.valence, tiny_faces.arousal])
    labels = {}
    if with_labels:
        labels = {"y_true": tiny_faces.target, "y_pred": tiny_faces.target[::-1]}
    fig = plot_affect_grid(tiny_faces.images, va, va * 0.5, n=8, n_cols=4, **labels)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 8
    assert all("T v" in t and "P v" in t for t in titles)
    assert all(t.count("/") == int(with_labels) for t in titles)
    with pytest.raises(ValueError, match="same length"):
        plot_affect_grid(tiny_faces.images[:3], va, va)
