"""In-memory prediction slices batches from the array: same outputs as skorch's path."""

import numpy as np
import pytest
import torch

from affect_sklearn import AffectCNNClassifier, AffectCNNMultiTask, AffectCNNRegressor
from affect_sklearn.nn import ImageDataset
from affect_sklearn.utils import pack_faces
from affect_sklearn.utils._validation import check_images

from ..conftest import TINY


def _through_skorch(est, X, landmarks=None):
    """What ``_forward`` computed before the array path: skorch's DataLoader."""
    images = check_images(est, X, reset=False)
    out = est.net_.predict_proba(ImageDataset(images, landmarks=landmarks))
    if est._use_tta():
        mirrored = ImageDataset(images, flip=True, landmarks=landmarks)
        out = (out + est.net_.predict_proba(mirrored)) / 2
    return out


@pytest.mark.parametrize("tta", ["auto", False])
def test_classifier_matches_skorch_path_over_several_batches(tiny_faces, tta):
    X = np.repeat(np.repeat(tiny_faces.images, 2, axis=1), 2, axis=2)  # 32x32
    clf = AffectCNNClassifier(**TINY, tta=tta, random_state=0)
    clf.fit(X, tiny_faces.target)
    assert clf._use_tta() == (tta == "auto")
    # 24 images in batches of 8 (TINY), the last one partial
    proba = clf.predict_proba(X[:21])
    np.testing.assert_allclose(proba, _through_skorch(clf, X[:21]), atol=1e-6)
    # one image at a time gives the same rows (eval mode: no batch statistics)
    single = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(3)])
    np.testing.assert_allclose(single, proba[:3], atol=1e-6)
    # float pixels in [0, 1] and uint8 pixels are the same images
    np.testing.assert_allclose(
        clf.predict_proba(X[:5].astype(np.float32) / 255), proba[:5], atol=1e-6
    )


def test_predict_after_training_mode_switches_to_eval(tiny_faces):
    clf = AffectCNNClassifier(**{**TINY, "dropout": 0.9}, random_state=0)
    clf.fit(tiny_faces.images, tiny_faces.target)
    clf.net_.module_.train()  # e.g. left so by a user's callback
    first = clf.predict_proba(tiny_faces.images)
    assert not clf.net_.module_.training
    np.testing.assert_array_equal(first, clf.predict_proba(tiny_faces.images))


def test_predict_sets_eval_mode_once_per_call_and_reaches_every_submodule(
    tiny_faces, monkeypatch
):
    clf = AffectCNNClassifier(**TINY, random_state=0)
    clf.fit(tiny_faces.images, tiny_faces.target)
    module = clf.net_.module_
    bn = next(m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d))
    module.eval()
    bn.train()  # one submodule out of step, e.g. left so by a user's callback
    clf.predict_proba(tiny_faces.images[:2])
    assert not any(m.training for m in module.modules())
    # eval() once per predict call, not once per batch (24 images, batches of 8)
    calls = []
    train = module.train
    monkeypatch.setattr(
        module, "train", lambda mode=True: calls.append(mode) or train(mode)
    )
    clf.predict_proba(tiny_faces.images)
    assert calls == [False]


def test_uint8_fast_path_validates_like_check_array(tiny_faces):
    clf = AffectCNNClassifier(**TINY, random_state=0)
    clf.fit(tiny_faces.images, tiny_faces.target)
    with pytest.raises(ValueError, match="0 sample"):
        clf.predict(tiny_faces.images[:0])
    with pytest.raises(ValueError, match="shape"):
        clf.predict(tiny_faces.images[:2, :8])
    # a read-only uint8 array (e.g. a memory map) predicts as a writable one
    ro = tiny_faces.images[:3].copy()
    ro.flags.writeable = False
    np.testing.assert_array_equal(
        clf.predict_proba(ro), clf.predict_proba(tiny_faces.images[:3])
    )


def test_regressor_and_multitask_with_landmarks_match(tiny_faces):
    reg = AffectCNNRegressor(**TINY, random_state=0)
    reg.fit(tiny_faces.images, tiny_faces.va)
    np.testing.assert_allclose(
        reg._forward(tiny_faces.images),
        _through_skorch(reg, tiny_faces.images),
        atol=1e-6,
    )
    X = pack_faces(tiny_faces.images, tiny_faces.landmarks)
    mt = AffectCNNMultiTask(**TINY, use_landmarks=True, random_state=0)
    mt.fit(X, np.column_stack([tiny_faces.target, tiny_faces.va]))
    images, landmarks = mt._unpack_X(X, reset=False)
    expected = _through_skorch(mt, images, landmarks)
    np.testing.assert_allclose(mt._forward(X), expected, atol=1e-6)
    # the landmarks reach the landmark branch: other points, other outputs
    moved = pack_faces(tiny_faces.images, tiny_faces.landmarks[::-1])
    assert not np.allclose(mt._forward(moved), expected, atol=1e-4)
