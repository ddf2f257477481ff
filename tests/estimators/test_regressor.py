import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from affect_sklearn import AffectCNNRegressor
from affect_sklearn.metrics import ccc_score, get_scorer

from ..conftest import TINY


def _reg(**kw):
    return AffectCNNRegressor(**{**TINY, "random_state": 0, **kw})


def test_valence_arousal_outputs_are_bounded(tiny_faces):
    reg = _reg().fit(tiny_faces.images, tiny_faces.va)
    pred = reg.predict(tiny_faces.images)
    assert pred.shape == (24, 2) and pred.dtype == np.float64
    assert reg.bounded_
    assert np.all(np.abs(pred) <= 1.0)
    assert reg.n_outputs_ == 2


def test_one_dimensional_target(tiny_faces):
    reg = _reg().fit(tiny_faces.images, tiny_faces.valence)
    assert reg.predict(tiny_faces.images).shape == (24,)


def test_unbounded_targets_are_standardised(tiny_faces):
    y = np.c_[tiny_faces.va * 50 + 10, tiny_faces.intensity]
    reg = _reg().fit(tiny_faces.images, y)
    assert not reg.bounded_
    assert reg.predict(tiny_faces.images).shape == (24, 3)
    np.testing.assert_allclose(reg.target_center_, y.mean(0))


def test_explicit_target_range_scales_tanh(tiny_faces):
    y = (tiny_faces.valence + 1) * 2  # in [0, 4]
    reg = _reg(target_range=(0, 4)).fit(tiny_faces.images, y)
    pred = reg.predict(tiny_faces.images)
    assert pred.min() >= 0 and pred.max() <= 4


def test_score_is_mean_ccc(tiny_faces):
    reg = _reg(max_epochs=3).fit(tiny_faces.images, tiny_faces.va)
    expected = ccc_score(tiny_faces.va, reg.predict(tiny_faces.images))
    assert reg.score(tiny_faces.images, tiny_faces.va) == pytest.approx(expected)


def test_losses(tiny_faces):
    X, y = tiny_faces.images, tiny_faces.va
    preds = {}
    for loss in ("mse", "ccc", "mse+ccc"):
        reg = _reg(loss=loss).fit(X, y)
        assert np.isfinite(reg.history_["train_loss"]).all()
        preds[loss] = reg.predict(X)
    # same seed and data: each loss trains the net its own way
    assert np.abs(preds["ccc"] - preds["mse"]).max() > 1e-4
    assert np.abs(preds["mse+ccc"] - preds["mse"]).max() > 1e-4
    assert np.abs(preds["mse+ccc"] - preds["ccc"]).max() > 1e-4


def test_learns_valence_on_synthetic_faces(small_faces):
    reg = AffectCNNRegressor(
        backbone="basic",
        width=16,
        max_epochs=15,
        batch_size=16,
        augment=False,
        random_state=0,
        device="cpu",
    ).fit(small_faces.images, small_faces.va)
    assert reg.score(small_faces.images, small_faces.va) > 0.5


def test_early_stopping_monitors_valid_ccc(small_faces):
    reg = _reg(early_stopping=3, max_epochs=4).fit(small_faces.images, small_faces.va)
    assert "valid_ccc" in reg.history_


def test_va_out_of_range_raises(tiny_faces):
    y = tiny_faces.va * 3
    with pytest.raises(
        ValueError,
        match=r"valence/arousal values must lie in \[-1, 1\]; got min=.*clip_targets",
    ):
        _reg(target_range=(-1, 1)).fit(tiny_faces.images, y)


def test_clip_targets(tiny_faces):
    reg = _reg(target_range=(-1, 1), clip_targets=True)
    reg.fit(tiny_faces.images, tiny_faces.va * 3)
    assert reg.bounded_


def test_bad_target_range(tiny_faces):
    with pytest.raises(ValueError, match="target_range needs low < high"):
        _reg(target_range=(1, -1)).fit(tiny_faces.images, tiny_faces.va)


def test_nan_target_raises(tiny_faces):
    y = tiny_faces.va.copy()
    y[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input y contains NaN"):
        _reg().fit(tiny_faces.images, y)


def test_three_dimensional_target_raises(tiny_faces):
    with pytest.raises(ValueError, match="y must have shape"):
        _reg().fit(tiny_faces.images, tiny_faces.va[:, :, None])


def test_predict_before_fit(tiny_faces):
    with pytest.raises(NotFittedError):
        _reg().predict(tiny_faces.images)


def test_grid_search_with_our_scorer(small_faces):
    grid = GridSearchCV(
        _reg(max_epochs=1),
        {"loss": ["mse", "ccc"]},
        cv=2,
        scoring={
            "ccc_v": get_scorer("ccc_valence"),
            "ccc_a": get_scorer("ccc_arousal"),
        },
        refit="ccc_v",
    )
    grid.fit(small_faces.images, small_faces.va)
    assert "mean_test_ccc_a" in grid.cv_results_
