"""Shared fixtures: seeds, tiny synthetic faces, one shared fitted estimator."""

import os

# Plots render off-screen in the tests; the library itself never picks a
# backend (affect_sklearn/plotting/_figure.py).
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pytest
import torch

from affect_sklearn.datasets import make_faces

# Under pytest-xdist each worker gets one thread, so 2 workers fill 2 cores.
torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else 2)


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def tiny_faces():
    """24 faces of 16x16 pixels, 3 classes, with VA and 68 landmarks."""
    return make_faces(n_samples=24, image_size=16, n_classes=3, random_state=0)


@pytest.fixture(scope="module")
def small_faces():
    """96 faces of 24x24 pixels, 3 classes: enough to beat chance quickly."""
    return make_faces(
        n_samples=96, image_size=24, n_classes=3, noise=0.02, random_state=1
    )


TINY = dict(backbone="basic", width=4, max_epochs=2, batch_size=8, device="cpu")


@pytest.fixture(scope="session")
def fitted_classifier():
    """A shared, read-only fitted classifier (do not refit or set_params on it)."""
    from affect_sklearn import AffectCNNClassifier

    faces = make_faces(n_samples=24, image_size=16, n_classes=3, random_state=0)
    names = np.array(faces.target_names)[faces.target]
    return AffectCNNClassifier(**TINY, random_state=0).fit(faces.images, names)


def pytest_collection_modifyitems(config, items):
    """Skip @pytest.mark.gpu tests when no CUDA device is visible."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
