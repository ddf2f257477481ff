"""Resume from the training state saved at the end of every epoch."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from affect_sklearn import AffectCNNClassifier, AffectCNNMultiTask, AffectCNNRegressor
from affect_sklearn.callbacks import STATE_FILE, load_training_state
from affect_sklearn.datasets import make_faces

PARAMS = dict(
    backbone="basic",
    width=4,
    max_epochs=3,
    batch_size=8,
    device="cpu",
    random_state=0,
)


@pytest.fixture(scope="module")
def faces():
    # 20x20 so that augmentation (random transforms) is on
    return make_faces(n_samples=40, image_size=20, n_classes=3, random_state=0)


class Interrupt(Callback):
    """Raise in the middle of an epoch, as a crash would."""

    def __init__(self, epoch=2, batch=2):
        self.epoch = epoch
        self.batch = batch

    def on_batch_end(self, net, training=False, **kwargs):
        if (
            training
            and len(net.history) == self.epoch
            and len(net.history[-1, "batches"]) == self.batch
        ):
            raise RuntimeError("interrupted")


def _weights(est):
    return {k: v.clone() for k, v in est.net_.module_.state_dict().items()}


def _assert_same_weights(a, b):
    wa, wb = _weights(a), _weights(b)
    assert wa.keys() == wb.keys()
    for key in wa:
        assert torch.equal(wa[key], wb[key]), key


def _interrupted(cls, X, y, ckpt, **params):
    est = cls(
        **{**PARAMS, **params},
        checkpoint_dir=ckpt,
        net_kwargs={"callbacks": [("interrupt", Interrupt())]},
    )
    with pytest.raises(RuntimeError, match="interrupted"):
        est.fit(X, y)


SIGKILL_SCRIPT = """
import os, signal, sys
import torch
torch.set_num_threads(1)
from skorch.callbacks import Callback
from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import make_faces

class Kill(Callback):
    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == 2 and len(net.history[-1, "batches"]) == 2:
            os.kill(os.getpid(), signal.SIGKILL)

f = make_faces(n_samples=40, image_size=20, n_classes=3, random_state=0)
AffectCNNClassifier(
    backbone="basic", width=4, max_epochs=3, batch_size=8, device="cpu",
    random_state=0, class_sampling_weights="balanced", checkpoint_dir=sys.argv[1],
    net_kwargs={"callbacks": [("kill", Kill())]},
).fit(f.images, f.target)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_sigkill_mid_epoch_then_resume_matches_uninterrupted(tmp_path, faces):
    X, y = faces.images, faces.target
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(SIGKILL_SCRIPT))
    ckpt = tmp_path / "ckpt"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(script), str(ckpt)], env=env, capture_output=True
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    # killed in epoch 2: the state of epoch 1 survives, nothing else is lost
    assert load_training_state(ckpt)["epoch"] == 1
    assert not list(ckpt.glob("*.tmp"))

    params = {**PARAMS, "class_sampling_weights": "balanced"}
    resumed = AffectCNNClassifier(**params, checkpoint_dir=ckpt).resume(X, y)
    reference = AffectCNNClassifier(**params).fit(X, y)
    assert resumed.n_epochs_ == 3
    _assert_same_weights(resumed, reference)
    np.testing.assert_allclose(
        resumed.history_["train_loss"], reference.history_["train_loss"]
    )


@pytest.mark.parametrize(
    "params",
    [
        {"scheduler": "onecycle"},
        {"scheduler": "plateau", "early_stopping": 5, "validation_fraction": 0.25},
        {"scheduler": "cosine", "dropout": 0.5},
    ],
    ids=["onecycle", "plateau-early-stopping", "cosine"],
)
def test_resume_after_a_crash_matches_uninterrupted(tmp_path, faces, params):
    X, y = faces.images, faces.target
    _interrupted(AffectCNNClassifier, X, y, tmp_path, **params)
    resumed = AffectCNNClassifier(**PARAMS, **params, checkpoint_dir=tmp_path)
    resumed.resume(X, y)
    reference = AffectCNNClassifier(**PARAMS, **params).fit(X, y)
    _assert_same_weights(resumed, reference)
    for key in ("train_loss", "valid_loss"):
        if key in reference.history_:
            np.testing.assert_array_equal(
                resumed.history_[key], reference.history_[key]
            )


@pytest.mark.parametrize("cls", [AffectCNNRegressor, AffectCNNMultiTask])
def test_resume_regressor_and_multitask(tmp_path, faces, cls):
    X = faces.images
    if cls is AffectCNNRegressor:
        y = faces.va
    else:
        y = np.column_stack([faces.target, faces.va])
    _interrupted(cls, X, y, tmp_path)
    resumed = cls(**PARAMS, checkpoint_dir=tmp_path).resume(X, y)
    _assert_same_weights(resumed, cls(**PARAMS).fit(X, y))


def test_resume_with_more_epochs_and_new_sampling_weights(tmp_path, faces):
    X, y = faces.images, faces.target
    clf = AffectCNNClassifier(**{**PARAMS, "max_epochs": 1}, checkpoint_dir=tmp_path)
    clf.fit(X, y)
    first = clf.history_["train_loss"].tolist()
    clf.set_params(max_epochs=3, class_sampling_weights={0: 5.0})
    clf.resume(X, y)
    assert clf.n_epochs_ == 3
    assert clf.history_["train_loss"].tolist()[:1] == first
    assert load_training_state(tmp_path)["epoch"] == 3


def test_resume_of_a_finished_fit_trains_no_more(tmp_path, faces):
    X, y = faces.images, faces.target
    clf = AffectCNNClassifier(**PARAMS, checkpoint_dir=tmp_path).fit(X, y)
    again = AffectCNNClassifier(**PARAMS, checkpoint_dir=tmp_path).resume(X, y)
    assert again.n_epochs_ == 3
    _assert_same_weights(clf, again)
    np.testing.assert_array_equal(clf.predict(X), again.predict(X))


def test_resume_reads_another_folder(tmp_path, faces):
    X, y = faces.images, faces.target
    AffectCNNClassifier(**{**PARAMS, "max_epochs": 1}, checkpoint_dir=tmp_path).fit(
        X, y
    )
    clf = AffectCNNClassifier(**{**PARAMS, "max_epochs": 2})
    clf.resume(X, y, checkpoint_dir=tmp_path / STATE_FILE)
    assert clf.n_epochs_ == 2


def test_fit_without_checkpoint_dir_writes_no_state(tmp_path, faces, monkeypatch):
    monkeypatch.chdir(tmp_path)
    AffectCNNClassifier(**{**PARAMS, "max_epochs": 1}).fit(faces.images, faces.target)
    assert not list(tmp_path.iterdir())


def test_resume_needs_a_checkpoint_dir(faces):
    with pytest.raises(ValueError, match="resume\\(\\) needs the folder"):
        AffectCNNClassifier(**PARAMS).resume(faces.images, faces.target)


def test_resume_without_a_state_file_raises(tmp_path, faces):
    with pytest.raises(FileNotFoundError, match="last_state.pt"):
        AffectCNNClassifier(**PARAMS, checkpoint_dir=tmp_path).resume(
            faces.images, faces.target
        )


@pytest.fixture
def state_file(tmp_path, faces):
    AffectCNNClassifier(**{**PARAMS, "max_epochs": 1}, checkpoint_dir=tmp_path).fit(
        faces.images, faces.target
    )
    return tmp_path / STATE_FILE


def test_truncated_checkpoint_raises_naming_the_file(state_file, faces):
    data = state_file.read_bytes()
    state_file.write_bytes(data[: len(data) // 2])
    clf = AffectCNNClassifier(**PARAMS, checkpoint_dir=state_file.parent)
    with pytest.raises(ValueError, match="truncated or corrupt") as exc:
        clf.resume(faces.images, faces.target)
    assert str(state_file) in str(exc.value)
    assert not hasattr(clf, "net_")  # no silent restart from scratch


@pytest.mark.parametrize("cut", [0, 10, 90])
def test_checkpoint_cut_in_its_header_raises(state_file, cut):
    state_file.write_bytes(state_file.read_bytes()[:cut])
    with pytest.raises(ValueError, match=f"only {cut} bytes"):
        load_training_state(state_file)


def test_corrupt_checkpoint_raises_naming_the_file(state_file):
    data = bytearray(state_file.read_bytes())
    data[-100] ^= 0xFF
    state_file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum") as exc:
        load_training_state(state_file.parent)
    assert str(state_file) in str(exc.value)


def test_foreign_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / STATE_FILE
    torch.save({"a": 1}, path)
    with pytest.raises(ValueError, match="not a training state"):
        load_training_state(path)


def test_resume_on_other_data_raises(state_file, faces):
    clf = AffectCNNClassifier(**PARAMS, checkpoint_dir=state_file.parent)
    with pytest.raises(ValueError, match="different data"):
        clf.resume(faces.images[::-1], faces.target[::-1])
    with pytest.raises(ValueError, match="different number of samples"):
        clf.resume(faces.images[:30], faces.target[:30])


def test_resume_with_another_estimator_raises(state_file, faces):
    reg = AffectCNNRegressor(**PARAMS, checkpoint_dir=state_file.parent)
    with pytest.raises(ValueError, match="different estimator"):
        reg.resume(faces.images, faces.va)


@pytest.mark.parametrize("change", [{"backbone_lr": 1e-4}, {"lr": 1e-2}])
def test_resume_with_other_learning_rates_raises_naming_them(state_file, faces, change):
    clf = AffectCNNClassifier(**PARAMS, **change, checkpoint_dir=state_file.parent)
    with pytest.raises(ValueError, match=r"learning rates \[lr, backbone_lr\]"):
        clf.resume(faces.images, faces.target)


def test_checkpoint_from_before_backbone_lr_is_not_refused(state_file):
    from affect_sklearn.estimators._training import check_resume_meta

    meta = load_training_state(state_file)["meta"]
    assert meta["learning_rates"] == [3e-3, 3e-3]  # lr="auto", from scratch
    older = {k: v for k, v in meta.items() if k != "learning_rates"}
    check_resume_meta(older, meta, str(state_file))  # no error
    with pytest.raises(ValueError, match="learning rates"):
        check_resume_meta(meta, {**meta, "learning_rates": [1.0, 1.0]}, "x")


def test_resume_with_another_architecture_raises(state_file, faces):
    clf = AffectCNNClassifier(
        **{**PARAMS, "width": 8}, checkpoint_dir=state_file.parent
    )
    with pytest.raises(ValueError, match="does not fit this AffectCNNClassifier"):
        clf.resume(faces.images, faces.target)
