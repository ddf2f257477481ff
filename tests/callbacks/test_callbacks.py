"""Our callbacks: early stopping that resumes, the defaults table, freezing."""

import numpy as np
import pytest
import skorch.callbacks

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.callbacks import EarlyStopping, default_callbacks
from affect_sklearn.callbacks._stopping import _best_epoch_and_misses

from ..conftest import TINY


class _Net:
    """The little of a skorch net that EarlyStopping reads."""

    def __init__(self, scores):
        self.history = skorch.history.History()
        self.scores = list(scores)
        self.verbose = 0

    def epochs(self, cb):
        """Feed the scores to ``cb`` epoch by epoch; the epoch it stopped, or None."""
        for i, s in enumerate(self.scores, start=1):
            self.history.new_epoch()
            self.history.record("epoch", i)
            self.history.record("valid_loss", s)
            try:
                cb.on_epoch_end(self)
            except KeyboardInterrupt:
                return i
        return None


@pytest.mark.parametrize("mode", ["rel", "abs"])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_stops_at_the_epoch_skorch_stops(mode, lower, seed):
    rng = np.random.default_rng(seed)
    # noisy plateaus: improvements, ties and near-ties around the threshold
    scores = np.round(np.cumsum(rng.normal(0, 1, 40)) * 0.01 + 1, 3).tolist()
    kw = dict(patience=3, threshold=1e-3, threshold_mode=mode, lower_is_better=lower)
    ours = EarlyStopping(**kw).initialize()
    theirs = skorch.callbacks.EarlyStopping(**kw, sink=lambda *a: None)
    theirs.on_train_begin(None)
    assert _Net(scores).epochs(ours) == _Net(scores).epochs(theirs)
    assert ours.best_epoch_ == theirs.best_epoch_


def test_best_epoch_and_misses_by_hand():
    # 1.0 best at epoch 1; 0.9999 is not 1e-3 better (relative); 0.5 is
    assert _best_epoch_and_misses([1.0, 0.9999, 0.5, 0.6], 1e-3, "rel", True) == (3, 1)
    assert _best_epoch_and_misses([1.0, 2.0, 1.5], 0.1, "abs", False) == (2, 1)
    assert _best_epoch_and_misses([], 1e-4, "rel", True) == (0, 0)


def test_resumed_count_continues_from_the_history():
    # a fresh callback on a history of 2 misses stops after 1 more, like the
    # callback that saw all three epochs
    net = _Net([1.0, 1.2, 1.3, 1.4])
    cb = EarlyStopping(patience=3).initialize()
    assert net.epochs(cb) == 4


def test_state_dict_round_trip():
    cb = EarlyStopping(load_best=True).initialize()
    cb.load_state_dict({"best_epoch": 3, "best_weights": {"w": 1}})
    assert cb.state_dict() == {"best_epoch": 3, "best_weights": {"w": 1}}


def test_bad_threshold_mode():
    with pytest.raises(ValueError, match="threshold_mode must be 'rel' or 'abs'"):
        EarlyStopping(threshold_mode="max").initialize()


def test_default_callbacks_follow_the_parameters():
    est = AffectCNNClassifier(
        early_stopping=4, grad_clip=1.0, freeze_backbone=2, scheduler="cosine"
    )
    names = dict(
        default_callbacks(est, n_train=100, has_valid=True, max_epochs=7, lr=1e-3)
    )
    assert list(names) == [
        "stop_non_finite",
        "lr_scheduler",
        "early_stopping",
        "grad_clip",
        "freeze_backbone",
        "unfreeze_backbone",
    ]
    assert names["early_stopping"].patience == 4
    assert names["early_stopping"].monitor == "valid_loss"
    assert names["lr_scheduler"].kwargs == {"T_max": 7}
    plain = AffectCNNClassifier(scheduler=None)
    assert [
        n
        for n, _ in default_callbacks(
            plain, n_train=10, has_valid=False, max_epochs=1, lr=1e-3
        )
    ] == ["stop_non_finite"]


def test_default_callbacks_are_tuned_by_name_through_net_kwargs(tiny_faces):
    clf = AffectCNNClassifier(
        **{**TINY, "max_epochs": 2},
        early_stopping=3,
        net_kwargs={"callbacks__early_stopping__patience": 1},
    ).fit(tiny_faces.images, tiny_faces.target)
    assert dict(clf.net_.callbacks_)["early_stopping"].patience == 1


@pytest.mark.parametrize("freeze, frozen_epochs", [(True, 3), (2, 2), (False, 0)])
def test_freeze_backbone_trains_only_the_head_while_frozen(
    tiny_faces, freeze, frozen_epochs
):
    import torch
    from skorch.callbacks import Callback

    seen = []

    class Watch(Callback):
        def on_epoch_end(self, net, **kwargs):
            backbone = net.module_.backbone.parameters()
            seen.append(not any(p.requires_grad for p in backbone))

    clf = AffectCNNClassifier(
        **{**TINY, "max_epochs": 3},
        freeze_backbone=freeze,
        net_kwargs={"callbacks": [("watch", Watch())]},
    ).fit(tiny_faces.images, tiny_faces.target)
    assert seen == [True] * frozen_epochs + [False] * (3 - frozen_epochs)
    assert isinstance(clf.net_.module_.head, torch.nn.Linear)
