import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from torch import nn

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import make_faces
from affect_sklearn.exceptions import ConvergenceWarning

from ..conftest import TINY


def _clf(**kw):
    return AffectCNNClassifier(**{**TINY, "random_state": 0, **kw})


def test_fit_predict_proba_rows_sum_to_one(tiny_faces):
    clf = _clf().fit(tiny_faces.images, tiny_faces.target)
    proba = clf.predict_proba(tiny_faces.images)
    assert proba.shape == (24, 3)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    assert set(clf.predict(tiny_faces.images)) <= {0, 1, 2}
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.n_features_in_ == 16 * 16
    assert clf.image_shape_ == (1, 16, 16)


def test_string_labels(fitted_classifier, tiny_faces):
    pred = fitted_classifier.predict(tiny_faces.images)
    assert set(pred) <= {"angry", "disgust", "fear"}
    names = np.array(tiny_faces.target_names)[tiny_faces.target]
    # score is the accuracy of predict on the string labels
    accuracy = np.mean(pred == names)
    assert fitted_classifier.score(tiny_faces.images, names) == pytest.approx(accuracy)


def test_fits_synthetic_faces(small_faces):
    X, y = small_faces.images, small_faces.target
    clf = AffectCNNClassifier(
        backbone="basic",
        width=16,
        max_epochs=15,
        batch_size=16,
        augment=False,
        random_state=0,
        device="cpu",
    ).fit(X[:72], y[:72])
    assert clf.score(X[:72], y[:72]) > 0.75  # chance is 1/3


@pytest.mark.slow
def test_generalises_on_synthetic_faces():
    faces = make_faces(n_samples=2000, random_state=0)
    X, y = faces.images, faces.target
    clf = AffectCNNClassifier(max_epochs=6, random_state=0, device="cpu")
    clf.fit(X[:1600], y[:1600])
    assert clf.score(X[1600:], y[1600:]) > 0.6  # chance is 1/7


def test_same_seed_same_predictions(tiny_faces):
    X, y = tiny_faces.images, tiny_faces.target
    a = _clf(random_state=7).fit(X, y).predict_proba(X)
    b = _clf(random_state=7).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_history_is_a_dataframe(tiny_faces):
    clf = _clf(max_epochs=3).fit(tiny_faces.images, tiny_faces.target)
    assert isinstance(clf.history_, pd.DataFrame)
    assert list(clf.history_["epoch"]) == [1, 2, 3]
    assert "train_loss" in clf.history_
    assert clf.n_epochs_ == 3


@pytest.mark.parametrize("backbone", ["basic", "compact", "xception", "resnet", "vgg"])
def test_builtin_backbones(backbone, tiny_faces):
    clf = _clf(backbone=backbone, max_epochs=1).fit(
        tiny_faces.images, tiny_faces.target
    )
    assert clf.predict_proba(tiny_faces.images[:3]).shape == (3, 3)


@pytest.mark.parametrize(
    "backbone",
    ["resnet18", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0"],
)
def test_torchvision_backbones_without_pretrained_weights(backbone, tiny_faces):
    clf = AffectCNNClassifier(
        backbone=backbone,
        pretrained=False,
        max_epochs=1,
        batch_size=8,
        device="cpu",
        random_state=0,
    )
    clf.fit(tiny_faces.images[:12], tiny_faces.target[:12])
    assert clf.predict_proba(tiny_faces.images[:2]).shape[0] == 2
    first_conv = next(m for m in clf.net_.module_.modules() if isinstance(m, nn.Conv2d))
    assert first_conv.in_channels == 3  # grayscale repeated to RGB


class TinyNet(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 4, 3, padding=1)
        self.out_features = 4

    def forward(self, x):
        return self.conv(x).mean(dim=(2, 3))


def test_custom_module_class(tiny_faces):
    clf = _clf(backbone=TinyNet).fit(tiny_faces.images, tiny_faces.target)
    assert isinstance(clf.net_.module_.backbone, TinyNet)
    clone(clf)  # a class parameter clones


def _backbone_params(clf):
    return {
        k: p.detach().clone() for k, p in clf.net_.module_.backbone.named_parameters()
    }


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def frozen(tiny_faces):
    """Backbone parameters and head of a fit with freeze_backbone=True."""
    clf = _clf(freeze_backbone=True).fit(tiny_faces.images, tiny_faces.target)
    assert not any(p.requires_grad for p in clf.net_.module_.backbone.parameters())
    return _backbone_params(clf), clf.net_.module_.head.weight.detach().clone()


def test_freeze_backbone_keeps_backbone_weights(tiny_faces, frozen):
    X, y = tiny_faces.images, tiny_faces.target
    backbone, head = frozen
    # other labels, same seed: the same initial weights get other gradients, so
    # only a backbone that never trains is the same after both fits
    shuffled = _clf(freeze_backbone=True).fit(X, np.roll(y, 5))
    assert _same(_backbone_params(shuffled), backbone)
    assert not torch.equal(shuffled.net_.module_.head.weight, head)
    trained = _clf().fit(X, y)  # without freezing, the same fit moves the backbone
    assert not _same(_backbone_params(trained), backbone)


def test_freeze_backbone_for_n_epochs_then_unfreeze(tiny_faces, frozen):
    clf = _clf(freeze_backbone=1, max_epochs=2).fit(
        tiny_faces.images, tiny_faces.target
    )
    assert all(p.requires_grad for p in clf.net_.module_.backbone.parameters())
    # the second epoch trained the backbone that the first kept frozen
    assert not _same(_backbone_params(clf), frozen[0])


@pytest.fixture(scope="module")
def imbalanced(tiny_faces):
    """The tiny faces relabelled 13/8/3, so class weights have something to do."""
    y = tiny_faces.target.copy()
    y[np.flatnonzero(y == 2)[:5]] = 0
    return tiny_faces.images, y


@pytest.fixture(scope="module")
def default_proba(imbalanced):
    """predict_proba of the default tiny fit, the baseline every option must move."""
    X, y = imbalanced
    torch.manual_seed(0)
    return _clf().fit(X, y).predict_proba(X)


# Each option, and the class whose mean probability it must raise (None: no
# direction is implied). The default loss smooths labels by 0.1, so 0.0 is
# the option that differs.
@pytest.mark.parametrize(
    "params, favoured",
    [
        ({"loss": "focal", "focal_gamma": 1.5}, None),
        ({"loss": "cross_entropy", "label_smoothing": 0.0}, None),
        ({"class_weight": "balanced"}, 2),
        ({"class_weight": {0: 2.0, 1: 1.0}}, 0),
        ({"loss": "focal", "class_weight": "balanced"}, 2),
        ({"class_sampling_weights": {0: 5.0, 2: 0.5}}, 0),
        ({"class_sampling_weights": "balanced"}, 2),
        ({"optimizer": "adam", "weight_decay": 0.1}, None),
        ({"optimizer": "sgd", "weight_decay": 0.0}, None),
        ({"scheduler": "cosine"}, None),
        ({"scheduler": "step"}, None),
        ({"scheduler": "plateau"}, None),
        ({"scheduler": None}, None),
        ({"grad_clip": 1.0}, None),
        ({"augment": True}, None),
        ({"augment": {"hflip": True, "rotation": 5, "color_jitter": 0.0}}, None),
        ({"augment": {"crop_scale": (0.8, 1.0)}}, None),
        ({"augment": False, "tta": True}, None),
        ({"dropout": 0.0}, None),
    ],
)
def test_training_options_change_training(params, favoured, imbalanced, default_proba):
    X, y = imbalanced
    proba = _clf(**params).fit(X, y).predict_proba(X)
    assert proba.shape == (24, 3)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    # same seed, same data: only the option differs, so it must reach training
    assert np.abs(proba - default_proba).max() > 5e-4
    if favoured is not None:
        gain = proba.mean(0) - default_proba.mean(0)
        assert gain[favoured] > 0, gain


def test_callable_augmentation_is_used(tiny_faces):
    calls = []

    def aug(x):
        calls.append(1)
        return x

    _clf(augment=aug, max_epochs=1).fit(tiny_faces.images, tiny_faces.target)
    assert len(calls) == 24


def test_early_stopping_uses_a_validation_split(small_faces):
    clf = _clf(early_stopping=2, max_epochs=30, validation_fraction=0.25)
    clf.fit(small_faces.images, small_faces.target)
    assert "valid_loss" in clf.history_ and "valid_acc" in clf.history_
    # stopped 2 epochs (the patience) after the best validation loss, not at 30
    best_epoch = int(clf.history_["valid_loss"].to_numpy().argmin()) + 1
    assert clf.n_epochs_ == best_epoch + 2 < 30


def test_checkpoint_dir_writes_best_weights_and_the_training_state(
    tmp_path, tiny_faces
):
    import json

    clf = _clf(checkpoint_dir=tmp_path).fit(tiny_faces.images, tiny_faces.target)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"best_params.pt", "last_state.pt", "history.json"} <= names
    assert "last_params.pt" not in names  # one last state: ours, not skorch's too
    history = json.loads((tmp_path / "history.json").read_text())
    assert [row["train_loss"] for row in history] == clf.history_["train_loss"].tolist()


def test_net_kwargs_reach_skorch(tiny_faces):
    from skorch.callbacks import Callback

    class Count(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kw):
            self.epochs += 1

    counter = Count()
    clf = _clf(net_kwargs={"callbacks": [("count", counter)]})
    clf.fit(tiny_faces.images, tiny_faces.target)
    assert dict(clf.net_.callbacks_)["count"].epochs == 2


def test_verbose_prints_progress(tiny_faces, capsys):
    _clf(verbose=1, max_epochs=1).fit(tiny_faces.images, tiny_faces.target)
    out = capsys.readouterr()
    assert "train_loss" in out.out + out.err


def test_warm_start_continues_with_new_sampling_weights(tiny_faces):
    X, y = tiny_faces.images, tiny_faces.target
    clf = _clf(warm_start=True, max_epochs=1).fit(X, y)
    before = clf.net_.module_.head.weight.detach().clone()
    cold = _clf(max_epochs=1).fit(X, y).net_.module_.head.weight.detach()
    np.testing.assert_array_equal(before.numpy(), cold.numpy())
    clf.set_params(class_sampling_weights={0: 10.0})
    clf.fit(X, y)
    # training continued from the first fit's weights, not a fresh init
    after = clf.net_.module_.head.weight.detach()
    assert not torch.equal(before, after)
    assert np.abs((after - before).numpy()).max() < 1.0


def test_warm_start_rejects_new_classes(tiny_faces):
    X, y = tiny_faces.images, tiny_faces.target
    clf = _clf(warm_start=True, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="warm_start=True needs the classes"):
        clf.fit(X, np.where(y == 2, 5, y))


def test_amp_on_cpu_warns(tiny_faces):
    with pytest.warns(UserWarning, match="amp=True has no effect on CPU"):
        _clf(amp=True, max_epochs=1).fit(tiny_faces.images, tiny_faces.target)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_cuda_without_gpu_raises(tiny_faces):
    with pytest.raises(ValueError, match="CUDA is not available"):
        _clf(device="cuda").fit(tiny_faces.images, tiny_faces.target)


def test_non_finite_loss_stops_with_warning(tiny_faces):
    X = tiny_faces.images.astype(np.float32) * 1e30
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(ConvergenceWarning, match="Training loss became"):
            _clf(lr=1e6, scheduler=None, max_epochs=3).fit(X, tiny_faces.target)


# ----------------------------------------------------------------- bad input
def test_predict_before_fit_raises(tiny_faces):
    with pytest.raises(NotFittedError):
        _clf().predict(tiny_faces.images)


def test_single_class_raises(tiny_faces):
    with pytest.raises(ValueError, match="only one class"):
        _clf().fit(tiny_faces.images, np.zeros(24))


def test_continuous_labels_raise(tiny_faces):
    with pytest.raises(ValueError, match="Unknown label type"):
        _clf().fit(tiny_faces.images, np.linspace(0, 1, 24))


def test_unknown_labels_at_score_raise(fitted_classifier, tiny_faces):
    y = np.array(["happy"] * 24)
    with pytest.raises(ValueError, match=r"labels not seen in fit: \['happy'\]"):
        fitted_classifier.score(tiny_faces.images, y)


def test_unknown_backbone_lists_valid_names(tiny_faces):
    with pytest.raises(ValueError, match="'backbone' parameter .* must be a str among"):
        _clf(backbone="alexnet").fit(tiny_faces.images, tiny_faces.target)


def test_unknown_class_in_class_weight(tiny_faces):
    with pytest.raises(ValueError, match=r"class_weight names labels .* \[9\]"):
        _clf(class_weight={9: 1.0}).fit(tiny_faces.images, tiny_faces.target)


def test_unknown_class_in_sampling_weights(tiny_faces):
    with pytest.raises(ValueError, match="class_sampling_weights names labels"):
        _clf(class_sampling_weights={"sad": 2.0}).fit(
            tiny_faces.images, tiny_faces.target
        )


def test_negative_sampling_weights(tiny_faces):
    with pytest.raises(ValueError, match="must be non-negative"):
        _clf(class_sampling_weights={0: -1.0}).fit(tiny_faces.images, tiny_faces.target)


def test_bad_augment_key(tiny_faces):
    with pytest.raises(ValueError, match="augment has unknown keys"):
        _clf(augment={"mirror": True}).fit(tiny_faces.images, tiny_faces.target)


def test_mismatched_lengths(tiny_faces):
    with pytest.raises(ValueError, match="same number of samples; got 24 images"):
        _clf().fit(tiny_faces.images, tiny_faces.target[:10])


def test_early_stopping_needs_enough_samples():
    X, y = make_faces(
        n_samples=2, image_size=16, n_classes=2, random_state=0, return_X_y=True
    )
    with pytest.raises(ValueError, match="needs a validation split"):
        _clf(early_stopping=True).fit(X, y)


def test_custom_backbone_without_out_features(tiny_faces):
    class NoOut(nn.Module):
        def __init__(self, in_channels):
            super().__init__()

    with pytest.raises(ValueError, match="must set `self.out_features`"):
        _clf(backbone=NoOut).fit(tiny_faces.images, tiny_faces.target)


# ----------------------------------------------------------------- sklearn tools
def test_clone_and_params():
    clf = _clf(lr=0.5)
    c = clone(clf)
    assert c.get_params()["lr"] == 0.5
    c.set_params(backbone="vgg")
    assert clf.backbone == "basic"


def test_cross_val_score_and_pipeline(small_faces):
    flat = FunctionTransformer(lambda X: X.reshape(len(X), -1))
    pipe = make_pipeline(flat, _clf(image_shape=(24, 24)))
    scores = cross_val_score(pipe, small_faces.images, small_faces.target, cv=2)
    assert scores.shape == (2,)


def test_grid_search_with_two_jobs(small_faces):
    def search(n_jobs):
        grid = GridSearchCV(
            _clf(max_epochs=1),
            {"backbone": ["basic", "compact"]},
            cv=2,
            n_jobs=n_jobs,
            scoring="f1_macro",
        )
        return grid.fit(small_faces.images, small_faces.target)

    parallel, serial = search(2), search(1)
    # seeded fits in worker processes score exactly as in this one
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )
    assert parallel.best_params_ == serial.best_params_
    assert parallel.best_estimator_.backbone == parallel.best_params_["backbone"]
    np.testing.assert_array_equal(
        parallel.best_estimator_.predict(small_faces.images[:8]),
        serial.best_estimator_.predict(small_faces.images[:8]),
    )
