import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from affect_sklearn import AffectCNNMultiTask
from affect_sklearn.datasets import make_faces
from affect_sklearn.estimators import multitask_scorer
from affect_sklearn.utils import pack_faces, split_multitask_target

from ..conftest import TINY


def _mt(**kw):
    return AffectCNNMultiTask(**{**TINY, "random_state": 0, **kw})


def _y(faces, names=False):
    labels = np.array(faces.target_names)[faces.target] if names else faces.target
    return pd.DataFrame(
        {"expression": labels, "valence": faces.valence, "arousal": faces.arousal}
    )


def test_predict_returns_all_heads(tiny_faces):
    mt = _mt().fit(tiny_faces.images, _y(tiny_faces, names=True))
    pred = mt.predict(tiny_faces.images)
    assert list(pred.columns) == ["expression", "valence", "arousal"]
    assert set(pred["expression"]) <= {"angry", "disgust", "fear"}
    proba = mt.predict_proba(tiny_faces.images)
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-6)
    affect = mt.predict_affect(tiny_faces.images)
    assert affect.shape == (24, 2) and np.abs(affect).max() <= 1


def test_array_target_form(tiny_faces):
    y = np.column_stack([tiny_faces.target, tiny_faces.va])
    mt = _mt().fit(tiny_faces.images, y)
    assert mt.predict_affect(tiny_faces.images[:2]).shape == (2, 2)


def test_missing_affect_is_masked(tiny_faces):
    y = _y(tiny_faces)
    y.loc[::2, ["valence", "arousal"]] = np.nan
    mt = _mt().fit(tiny_faces.images, y)
    assert np.isfinite(mt.history_["train_loss"]).all()
    # expression labels alone also train
    mt = _mt().fit(tiny_faces.images, tiny_faces.target)
    assert np.isfinite(mt.history_["train_loss"]).all()


def test_landmark_branch(tiny_faces):
    X = pack_faces(tiny_faces.images, tiny_faces.landmarks)
    mt = _mt(use_landmarks=True).fit(X, _y(tiny_faces))
    assert mt.n_landmarks_ == 68
    assert mt.net_.module_.landmarks is not None
    assert mt.predict(X).shape == (24, 3)
    # any number of points works
    X10 = pack_faces(tiny_faces.images, tiny_faces.landmarks[:, :10])
    assert _mt(use_landmarks=True).fit(X10, _y(tiny_faces)).n_landmarks_ == 10


def test_packed_input_without_landmark_branch_uses_images(tiny_faces):
    X = pack_faces(tiny_faces.images, tiny_faces.landmarks)
    a = _mt().fit(X, _y(tiny_faces)).predict_affect(X)
    b = _mt().fit(tiny_faces.images, _y(tiny_faces)).predict_affect(tiny_faces.images)
    np.testing.assert_allclose(a, b, rtol=1e-5)


def test_landmarks_with_cross_val_and_pipeline(small_faces):
    X = pack_faces(small_faces.images, small_faces.landmarks)
    y = _y(small_faces)
    identity = FunctionTransformer(lambda X: X)
    pipe = make_pipeline(identity, _mt(use_landmarks=True))
    scores = cross_val_score(pipe, X, y, cv=2)
    assert scores.shape == (2,)


def test_grid_search_picks_either_head(small_faces):
    grid = GridSearchCV(
        _mt(max_epochs=1),
        {"affect_weight": [0.5, 2.0]},
        cv=2,
        scoring={
            "f1": multitask_scorer("f1_macro"),
            "ccc": multitask_scorer("ccc"),
            "ccc_v": multitask_scorer("ccc_valence"),
        },
        refit="ccc",
    )
    grid.fit(small_faces.images, _y(small_faces))
    assert {"mean_test_f1", "mean_test_ccc", "mean_test_ccc_v"} <= set(grid.cv_results_)


def test_score_combines_heads(tiny_faces):
    mt = _mt().fit(tiny_faces.images, _y(tiny_faces))
    y = _y(tiny_faces)
    acc = multitask_scorer("accuracy")(mt, tiny_faces.images, y)
    ccc = multitask_scorer("ccc")(mt, tiny_faces.images, y)
    assert mt.score(tiny_faces.images, y) == pytest.approx(0.5 * acc + 0.5 * ccc)
    assert mt.score(tiny_faces.images, tiny_faces.target) == pytest.approx(acc)
    # both heads from one forward pass over X
    calls = []
    forward = mt.net_.predict_outputs
    mt.net_.predict_outputs = lambda *a, **k: calls.append(1) or forward(*a, **k)
    try:
        mt.score(tiny_faces.images, y)
    finally:
        del mt.net_.predict_outputs
    assert len(calls) == 1


def test_fits_both_heads(small_faces):
    X = pack_faces(small_faces.images, small_faces.landmarks)
    y = _y(small_faces)
    mt = AffectCNNMultiTask(
        backbone="basic",
        width=16,
        use_landmarks=True,
        max_epochs=15,
        batch_size=16,
        augment=False,  # a fit of the training set, not a test of augmentation
        random_state=0,
        device="cpu",
    ).fit(X, y)
    assert multitask_scorer("accuracy")(mt, X, y) > 0.6  # chance 1/3
    assert multitask_scorer("ccc")(mt, X, y) > 0.4  # chance 0


@pytest.mark.slow
def test_beats_chance_on_both_heads_held_out():
    faces = make_faces(n_samples=1200, image_size=32, random_state=0)
    X = pack_faces(faces.images, faces.landmarks)
    y = _y(faces)
    mt = AffectCNNMultiTask(
        backbone="basic",
        width=16,
        use_landmarks=True,
        max_epochs=15,
        random_state=0,
        device="cpu",
    ).fit(X[:1000], y.iloc[:1000])
    test = y.iloc[1000:]
    assert multitask_scorer("accuracy")(mt, X[1000:], test) > 0.4  # chance 1/7
    assert multitask_scorer("ccc")(mt, X[1000:], test) > 0.3  # chance 0


def test_joblib_and_safe_round_trip(tmp_path, tiny_faces):
    X = pack_faces(tiny_faces.images, tiny_faces.landmarks)
    mt = _mt(use_landmarks=True).fit(X, _y(tiny_faces, names=True))
    joblib.dump(mt, tmp_path / "mt.joblib")
    pd.testing.assert_frame_equal(
        joblib.load(tmp_path / "mt.joblib").predict(X), mt.predict(X)
    )
    mt.save(tmp_path / "mt.pt")
    loaded = AffectCNNMultiTask.load(tmp_path / "mt.pt")
    pd.testing.assert_frame_equal(loaded.predict(X), mt.predict(X))


def test_pack_faces_with_paths(tmp_path, tiny_faces):
    from PIL import Image

    paths = []
    for i, img in enumerate(tiny_faces.images):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(img).save(paths[-1])
    X = pack_faces(paths, tiny_faces.landmarks)
    mt = _mt(use_landmarks=True, max_epochs=1).fit(X, _y(tiny_faces))
    assert mt.image_shape_ == (1, 16, 16)


# ----------------------------------------------------------------- bad input
def test_landmarks_required_when_enabled(tiny_faces):
    with pytest.raises(ValueError, match="pass X = affect_sklearn.utils.pack_faces"):
        _mt(use_landmarks=True).fit(tiny_faces.images, _y(tiny_faces))


def test_nan_landmarks_raise(tiny_faces):
    lm = tiny_faces.landmarks.copy()
    lm[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="landmarks contain NaN"):
        _mt(use_landmarks=True).fit(pack_faces(tiny_faces.images, lm), _y(tiny_faces))


def test_wrong_landmark_count_at_predict(tiny_faces):
    X = pack_faces(tiny_faces.images, tiny_faces.landmarks)
    mt = _mt(use_landmarks=True).fit(X, _y(tiny_faces))
    with pytest.raises(ValueError, match="X has 5 landmarks per face"):
        mt.predict(pack_faces(tiny_faces.images, tiny_faces.landmarks[:, :5]))


def test_tta_with_landmarks_raises(tiny_faces):
    X = pack_faces(tiny_faces.images, tiny_faces.landmarks)
    with pytest.raises(ValueError, match="tta=True is not available"):
        _mt(use_landmarks=True, tta=True).fit(X, _y(tiny_faces))


def test_affect_out_of_range(tiny_faces):
    y = _y(tiny_faces)
    y["valence"] *= 5
    with pytest.raises(ValueError, match=r"must lie in \[-1, 1\].*clip_targets=True"):
        _mt().fit(tiny_faces.images, y)
    assert _mt(clip_targets=True).fit(tiny_faces.images, y).classes_.size == 3


def test_bad_target_forms(tiny_faces):
    with pytest.raises(ValueError, match="needs an 'expression' column"):
        _mt().fit(tiny_faces.images, pd.DataFrame({"label": tiny_faces.target}))
    with pytest.raises(ValueError, match=r"array of shape \(n_samples, 3\)"):
        _mt().fit(tiny_faces.images, np.zeros((24, 4)))
    with pytest.raises(ValueError, match="same number of samples"):
        _mt().fit(tiny_faces.images, _y(tiny_faces).iloc[:10])


def test_pack_faces_errors(tiny_faces):
    with pytest.raises(ValueError, match="same length"):
        pack_faces(tiny_faces.images, tiny_faces.landmarks[:3])
    with pytest.raises(ValueError, match=r"shape \(n_samples, n_points, 2\)"):
        pack_faces(tiny_faces.images, tiny_faces.landmarks[..., 0])
    with pytest.raises(ValueError, match="pack_faces expects images"):
        pack_faces(tiny_faces.images.reshape(24, -1), tiny_faces.landmarks)


def test_unknown_scorer_metric():
    with pytest.raises(ValueError, match="Unknown multi-task metric"):
        multitask_scorer("r2")


def test_split_multitask_target_forms():
    labels, affect = split_multitask_target(np.array(["a", "b"]))
    assert np.isnan(affect).all()
    labels, affect = split_multitask_target(
        pd.DataFrame({"expression": [1, 2], "valence": [0.1, 0.2]})
    )
    np.testing.assert_allclose(affect[:, 0], [0.1, 0.2])
    assert np.isnan(affect[:, 1]).all()
