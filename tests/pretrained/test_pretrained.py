"""The shipped FER-2013 model: loading, stable predictions, fine-tuning, errors."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from affect_sklearn import AffectCNNClassifier, AffectCNNMultiTask, AffectCNNRegressor
from affect_sklearn.datasets import make_faces
from affect_sklearn.pretrained import (
    _registry,
    load_pretrained,
    model_card,
    pretrained_names,
    pretrained_path,
)
from affect_sklearn.transformers import ImageResizer

FER_CLASSES = ["angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"]
EXPECTED = Path(__file__).with_name("expected_fer2013.json")
# Fine-tuning tests: the shipped compact net on a few 48x48 faces, one epoch.
FT = dict(pretrained="fer2013", max_epochs=1, batch_size=16, device="cpu")


@pytest.fixture(scope="module")
def faces48():
    return make_faces(n_samples=32, random_state=0)


@pytest.fixture(scope="module")
def shipped():
    return AffectCNNClassifier.from_pretrained("fer2013")


def test_shipped_file_is_small_and_has_a_model_card():
    assert pretrained_names() == ["fer2013"]
    path = pretrained_path("fer2013")
    assert path.stat().st_size < 4 * 2**20  # weights only, a few MB
    card = model_card("fer2013")
    for needed in ("PublicTest", "macro F1", "licence", "research"):
        assert needed in card
    meta, sd = load_pretrained("fer2013")
    assert meta["estimator"] == "AffectCNNClassifier"
    assert meta["state"]["classes_"] == FER_CLASSES
    assert all(isinstance(v, torch.Tensor) for v in sd.values())


def test_from_pretrained_predicts_out_of_the_box(shipped, faces48):
    assert shipped.classes_.tolist() == FER_CLASSES
    proba = shipped.predict_proba(faces48.images)
    assert proba.shape == (32, 7)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert set(shipped.predict(faces48.images)) <= set(FER_CLASSES)
    params = shipped.get_params()
    assert params["pretrained"] == "fer2013" and params["checkpoint_dir"] is None
    assert params["verbose"] == 0 and params["max_epochs"] is None


def test_shipped_predictions_are_stable(shipped):
    """The shipped weights give the recorded probabilities on fixed inputs."""
    expected = json.loads(EXPECTED.read_text())
    faces = make_faces(n_samples=len(expected["proba"]), random_state=0)
    proba = shipped.predict_proba(faces.images)
    np.testing.assert_allclose(proba, expected["proba"], atol=1e-4)
    assert shipped.predict(faces.images).tolist() == expected["pred"]


def test_from_pretrained_reads_the_weights_file_once(monkeypatch):
    calls = []
    real = torch.load

    def counting_load(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(torch, "load", counting_load)
    clf = AffectCNNClassifier.from_pretrained("fer2013")
    assert calls == [pretrained_path("fer2013")]
    assert clf.classes_.tolist() == FER_CLASSES


def test_clone_of_a_pretrained_model_is_unfitted_and_keeps_the_name(shipped):
    fresh = clone(shipped)
    assert not hasattr(fresh, "net_")
    assert fresh.get_params()["pretrained"] == "fer2013"


def test_weights_load_in_fit_never_in_init(monkeypatch, faces48):
    def fail(name):
        raise AssertionError("loaded outside fit")

    monkeypatch.setattr(_registry, "load_pretrained", fail)
    import affect_sklearn.pretrained as pkg

    monkeypatch.setattr(pkg, "load_pretrained", fail)
    clf = AffectCNNClassifier(**FT)
    clone(clf).get_params()
    with pytest.raises(AssertionError, match="outside fit"):
        clf.fit(faces48.images, np.array(FER_CLASSES)[faces48.target % 7])


class _Capture(Callback):
    """Keeps a copy of the weights the training starts from."""

    def on_train_begin(self, net, **kwargs):
        self.state_ = {k: v.clone() for k, v in net.module_.state_dict().items()}


def _start_weights(est, X, y):
    capture = _Capture()
    est.set_params(net_kwargs={"callbacks": [("capture", capture)]}).fit(X, y)
    return capture.state_


def test_fine_tune_with_another_class_set_reuses_matching_head_rows(faces48):
    # "Happiness" is FER's "happy", "contempt" is new, "disgust" is dropped
    labels = np.array(["Happiness", "contempt", "surprise"])[faces48.target % 3]
    clf = AffectCNNClassifier(**FT, random_state=0)
    start = _start_weights(clf, faces48.images, labels)
    assert clf.classes_.tolist() == ["Happiness", "contempt", "surprise"]
    _, sd = load_pretrained("fer2013")
    fer = {c: i for i, c in enumerate(FER_CLASSES)}
    head = start["head.weight"]
    torch.testing.assert_close(head[0], sd["head.weight"][fer["happy"]])
    torch.testing.assert_close(head[2], sd["head.weight"][fer["surprise"]])
    assert not any(torch.allclose(head[1], row) for row in sd["head.weight"])
    for key in sd:
        if key.startswith("backbone.") and key.endswith("weight"):
            torch.testing.assert_close(start[key], sd[key])
    torch.testing.assert_close(start["mean"], sd["mean"])
    assert clf.predict(faces48.images[:4]).shape == (4,)


def test_fine_tuning_defaults_use_a_lower_lr_and_fewer_steps(faces48):
    labels = np.array(FER_CLASSES)[faces48.target % 7]
    clf = AffectCNNClassifier(**{**FT, "max_epochs": None})
    assert clf._resolve_lr() == pytest.approx(1e-3)
    assert clf.set_params(pretrained=False)._resolve_lr() == pytest.approx(3e-3)
    assert clf._resolve_max_epochs(608) == 27  # 38 batches of 16 -> 1,000 steps
    clf.set_params(pretrained="fer2013")
    assert clf._resolve_max_epochs(608) == 14  # -> 500 steps
    assert clf.set_params(max_epochs=1).fit(faces48.images, labels).max_epochs_ == 1
    assert clf.net_.lr == pytest.approx(1e-3)


class _GroupLRs(Callback):
    """Records every optimizer group's lr and parameter names after each batch."""

    def on_train_begin(self, net, **kwargs):
        ids = {id(p): n for n, p in net.module_.named_parameters()}
        self.names_ = [
            {ids[id(p)] for p in g["params"]} for g in net.optimizer_.param_groups
        ]
        self.lrs_ = []

    def on_batch_end(self, net, training=False, **kwargs):
        if training:
            self.lrs_.append([g["lr"] for g in net.optimizer_.param_groups])


@pytest.mark.parametrize(
    "params, backbone_peak, head_peak",
    [
        ({}, 3e-4, 1e-3),  # auto from shipped weights: backbone at 0.3 lr
        ({"lr": 2e-3, "backbone_lr": 5e-4}, 5e-4, 2e-3),
    ],
)
def test_fine_tuning_backbone_learns_slower_than_the_head(
    faces48, params, backbone_peak, head_peak
):
    labels = np.array(["happy", "sad", "contempt"])[faces48.target % 3]
    rec = _GroupLRs()
    clf = AffectCNNClassifier(
        **{**FT, "max_epochs": 4, **params},
        random_state=0,
        net_kwargs={"callbacks": [("group_lrs", rec)]},
    ).fit(faces48.images, labels)
    backbone, rest = rec.names_
    assert all(n.startswith("backbone.") for n in backbone)
    assert "head.weight" in rest and not any(n.startswith("backbone.") for n in rest)
    lrs = np.array(rec.lrs_)  # (steps, 2): one cycle per group, 4 epochs of 2 batches
    assert lrs.shape == (8, 2)
    # the same schedule, scaled to each group's peak
    np.testing.assert_allclose(lrs[:, 0] / backbone_peak, lrs[:, 1] / head_peak)
    assert lrs[:, 0].max() == pytest.approx(backbone_peak, rel=0.05)
    assert clf.predict(faces48.images[:2]).shape == (2,)


@pytest.mark.parametrize("bad", [0, -1e-4, "fast"])
def test_backbone_lr_rejects_bad_values_by_name(faces48, bad):
    with pytest.raises(
        InvalidParameterError, match=r"'backbone_lr' parameter .* must be .*'auto'"
    ):
        AffectCNNClassifier(**FT, backbone_lr=bad).fit(faces48.images, faces48.target)


def test_from_scratch_one_group_at_lr(faces48):
    rec = _GroupLRs()
    AffectCNNClassifier(
        backbone="compact",
        width=4,
        max_epochs=4,
        batch_size=16,
        device="cpu",
        random_state=0,
        net_kwargs={"callbacks": [("group_lrs", rec)]},
    ).fit(faces48.images, faces48.target)
    assert len(rec.names_) == 1 and np.array(rec.lrs_).max() == pytest.approx(
        3e-3, rel=0.05
    )


def test_rgb_faces_start_from_the_grayscale_weights(faces48):
    """An RGB image of a gray face gets the grayscale model's features."""
    gray = faces48.images[:8]
    rgb = np.repeat(gray[..., None], 3, axis=-1)
    labels = np.array(["happy", "sad"])[np.arange(8) % 2]
    ft = {**FT, "max_epochs": 1, "lr": 1e-9, "augment": False, "random_state": 0}
    a = AffectCNNClassifier(**ft).fit(gray, labels).net_.module_.eval()
    b = AffectCNNClassifier(**ft).fit(rgb, labels).net_.module_.eval()
    xa = torch.as_tensor(gray[:, None], dtype=torch.float32) / 255
    xb = torch.as_tensor(np.moveaxis(rgb, -1, 1), dtype=torch.float32) / 255
    assert b.backbone.features[0][0].weight.shape[1] == 3
    with torch.no_grad():
        torch.testing.assert_close(a.features(xa), b.features(xb), atol=1e-4, rtol=1e-4)


def test_regressor_and_multitask_start_from_the_shipped_backbone(faces48):
    _, sd = load_pretrained("fer2013")
    keys = [k for k in sd if k.startswith("backbone.")]
    reg = AffectCNNRegressor(**FT, random_state=0)
    start = _start_weights(reg, faces48.images, faces48.va)
    for key in keys:
        torch.testing.assert_close(start[key], sd[key])
    assert reg.predict(faces48.images[:2]).shape == (2, 2)
    y = pd.DataFrame(
        {
            "expression": np.array(FER_CLASSES)[faces48.target % 7],
            "valence": faces48.valence,
            "arousal": faces48.arousal,
        }
    )
    mt = AffectCNNMultiTask(**FT, random_state=0)
    start = _start_weights(mt, faces48.images, y)
    for key in keys:
        torch.testing.assert_close(start["image." + key], sd[key])
    # every class is a FER class: the expression head starts as the shipped head
    order = [FER_CLASSES.index(c) for c in mt.classes_]
    torch.testing.assert_close(start["expression.weight"], sd["head.weight"][order])


def test_fine_tuning_works_in_pipeline_grid_search_and_cross_val(faces48):
    labels = np.array(["happy", "sad", "neutral"])[faces48.target % 3]
    clf = AffectCNNClassifier(**FT, random_state=0)
    pipe = make_pipeline(ImageResizer(size=(48, 48)), clone(clf))
    grid = GridSearchCV(
        pipe, {"affectcnnclassifier__freeze_backbone": [True, False]}, cv=2
    )
    grid.fit(faces48.images, labels)
    # the clones start from the shipped weights: the unfrozen candidate scores
    # as cross-validating the estimator itself on the same folds
    scores = cross_val_score(clf, faces48.images, labels, cv=2)
    unfrozen = grid.cv_results_["params"].index(
        {"affectcnnclassifier__freeze_backbone": False}
    )
    assert grid.cv_results_["mean_test_score"][unfrozen] == pytest.approx(scores.mean())
    best = grid.best_estimator_[-1]
    assert (
        best.freeze_backbone
        == grid.best_params_["affectcnnclassifier__freeze_backbone"]
    )


def test_images_of_another_size_warn_with_the_fix(faces48):
    small = faces48.images[:, 4:44, 4:44]
    labels = np.array(FER_CLASSES)[faces48.target % 7]
    with pytest.warns(UserWarning, match=r"48x48 faces; these are 40x40.*ImageResizer"):
        AffectCNNClassifier(**FT).fit(small, labels)


def test_bad_names_list_the_shipped_models(faces48):
    with pytest.raises(
        ValueError, match=r"Unknown pretrained model 'affectnet'.*fer2013"
    ):
        AffectCNNClassifier.from_pretrained("affectnet")
    with pytest.raises(InvalidParameterError, match="fer2013"):
        AffectCNNClassifier(pretrained="fer").fit(faces48.images, faces48.target)


def test_a_shipped_model_needs_its_own_backbone(faces48):
    with pytest.raises(ValueError, match="backbone='compact'.*pretrained=False"):
        AffectCNNClassifier(**FT, backbone="basic").fit(faces48.images, faces48.target)
    with pytest.raises(ValueError, match="width=None"):
        AffectCNNClassifier(**FT, width=8).fit(faces48.images, faces48.target)


def test_missing_or_corrupt_weights_file_names_the_file(monkeypatch, tmp_path, faces48):
    monkeypatch.setattr(_registry, "_HERE", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"fer2013\.pt.*missing"):
        AffectCNNClassifier.from_pretrained("fer2013")
    (tmp_path / "fer2013.pt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match=r"fer2013\.pt\) is corrupt"):
        AffectCNNClassifier.from_pretrained("fer2013")
    with pytest.raises(ValueError, match="corrupt"):
        AffectCNNClassifier(**FT).fit(faces48.images, faces48.target)
