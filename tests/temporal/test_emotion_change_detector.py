import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from affect_sklearn.datasets import make_face_sequences
from affect_sklearn.temporal import (
    VA_QUADRANTS,
    EmotionChangeDetector,
    change_point_scores,
    change_points_from_labels,
    segment_accuracy,
)

N_CLASSES = 5


def _noisy_proba(target, rng, strength=0.55, flicker=0.05):
    """Classifier-like probabilities: the true class plus Dirichlet noise, and a
    few frames confidently wrong (single-frame flicker)."""
    n = len(target)
    p = rng.dirichlet(np.ones(N_CLASSES), size=n) * (1 - strength)
    p[np.arange(n), target] += strength
    flick = rng.rand(n) < flicker
    wrong = (target + 1 + rng.randint(N_CLASSES - 1, size=n)) % N_CLASSES
    p[flick] = 0.01
    p[flick, wrong[flick]] = 1 - 0.01 * (N_CLASSES - 1)
    return p


@pytest.fixture(scope="module")
def sequences():
    """Six 120-frame label sequences of make_face_sequences and their probabilities."""
    seq = make_face_sequences(
        n_sequences=6, n_frames=120, image_size=8, n_classes=N_CLASSES, random_state=0
    )
    rng = np.random.RandomState(0)
    X = [_noisy_proba(t, rng) for t in seq.target]
    return X, list(seq.target), seq.change_points


def test_detector_finds_the_known_change_points(sequences):
    X, _, true_cps = sequences
    raw = change_point_scores(
        true_cps, change_points_from_labels([p.argmax(1) for p in X]), tolerance=3
    )
    assert raw[0] < 0.5  # flicker: many false alarms before smoothing
    for method in ("hmm", "ema"):
        det = EmotionChangeDetector(method=method).fit(X)
        precision, recall, f1 = change_point_scores(
            true_cps, det.change_points(X), tolerance=3
        )
        assert f1 >= 0.9, (method, precision, recall)


def test_fit_learns_transitions_from_labels(sequences):
    X, y, true_cps = sequences
    det = EmotionChangeDetector().fit(X, y)
    n_changes = sum(len(c) for c in true_cps)
    n_pairs = sum(len(t) - 1 for t in y)
    assert det.stay_prob_ == pytest.approx((n_pairs - n_changes + 1) / (n_pairs + 2))
    np.testing.assert_allclose(det.transmat_.sum(axis=1), 1)
    np.testing.assert_allclose(np.diag(det.transmat_), det.stay_prob_)
    assert det.startprob_.shape == (N_CLASSES,)
    assert det.classes_.tolist() == list(range(N_CLASSES))
    assert det.n_features_in_ == N_CLASSES
    assert det.score(X, y) >= 0.9
    # A given stay_prob wins over the learned one; without labels it defaults.
    assert EmotionChangeDetector(stay_prob=0.9).fit(X, y).stay_prob_ == 0.9
    assert EmotionChangeDetector().fit(X).stay_prob_ == 0.9


def test_smoothing_removes_single_frame_flicker():
    labels = np.array([0] * 15 + [1] + [0] * 15 + [2] + [0] * 8)
    p = np.full((len(labels), 3), 0.05)
    p[np.arange(len(labels)), labels] = 0.9
    for method in ("hmm", "ema"):
        det = EmotionChangeDetector(method=method).fit(p)
        assert (det.predict(p) == 0).all(), method
        assert det.change_points(p).tolist() == []


def test_min_duration_drops_short_segments():
    labels = np.array([0] * 10 + [1] * 3 + [0] * 10)
    p = np.full((len(labels), 2), 0.02)
    p[np.arange(len(labels)), labels] = 0.98
    det = EmotionChangeDetector(method="ema", hysteresis=0.0, alpha=1.0)
    assert det.fit(p).change_points(p).tolist() == [10, 13]
    assert det.set_params(min_duration=4).fit(p).change_points(p).tolist() == []


def test_string_classes_segments_and_nan_frames():
    p = np.array([[0.9, 0.1]] * 6 + [[np.nan, np.nan]] * 3 + [[0.2, 0.8]] * 6)
    det = EmotionChangeDetector(classes=["calm", "happy"]).fit(p)
    labels = det.predict(p)
    assert labels[:6].tolist() == ["calm"] * 6 and labels[-6:].tolist() == ["happy"] * 6
    seg = det.segments(p)
    assert seg.columns.tolist() == [
        "sequence",
        "start",
        "end",
        "label",
        "mean_confidence",
    ]
    assert seg["label"].tolist() == ["calm", "happy"]
    assert seg["start"].iloc[0] == 0 and seg["end"].iloc[-1] == len(p)
    assert (seg["start"].iloc[1:].to_numpy() == seg["end"].iloc[:-1].to_numpy()).all()
    np.testing.assert_allclose(seg["mean_confidence"], [0.9, 0.8])
    smooth = det.smooth_proba(p)
    assert smooth.shape == p.shape and not np.isnan(smooth).any()


def test_labels_name_the_columns_in_fit():
    p = np.array([[0.8, 0.2]] * 4 + [[0.1, 0.9]] * 4)
    y = np.array(["angry"] * 4 + ["sad"] * 4)
    det = EmotionChangeDetector().fit(p, y)
    assert det.classes_.tolist() == ["angry", "sad"]
    assert det.predict(p).tolist() == y.tolist()
    assert det.score(p, y) == 1.0


def test_input_forms_give_the_same_answer(sequences):
    X, _, _ = sequences
    det = EmotionChangeDetector().fit(X)
    ref = det.predict(X)
    three_d = det.predict(np.stack(X))
    objects = np.empty(len(X), dtype=object)
    objects[:] = X
    for out in (three_d, det.predict(objects), det.predict(tuple(X))):
        assert isinstance(out, list) and len(out) == len(X)
        for a, b in zip(out, ref, strict=True):
            np.testing.assert_array_equal(a, b)
    single = det.predict(X[0])
    assert isinstance(single, np.ndarray) and single.shape == (len(X[0]),)
    np.testing.assert_array_equal(single, ref[0])
    np.testing.assert_array_equal(det.predict(X[0].tolist()), ref[0])
    assert len(det.segments(X)["sequence"].unique()) == len(X)


def test_valence_arousal_input():
    v = np.r_[np.full(20, 0.6), np.full(20, -0.5)]
    a = np.r_[np.full(20, 0.4), np.full(20, 0.5)]
    rng = np.random.RandomState(0)
    va = np.c_[v, a] + rng.normal(0, 0.1, (40, 2))
    va[7] = [-0.8, -0.8]  # one wild frame
    det = EmotionChangeDetector(input_type="va").fit(va)
    assert det.classes_.tolist() == list(VA_QUADRANTS)
    assert det.n_features_in_ == 2
    assert (
        det.predict(va).tolist() == ["positive_active"] * 20 + ["negative_active"] * 20
    )
    # True valence/arousal works as labels: the quadrants are read off the signs.
    assert det.fit(va, np.c_[v, a]).score(va, np.c_[v, a]) == 1.0


def test_grid_search_tunes_the_detector(sequences):
    X, y, _ = sequences
    grid = GridSearchCV(
        EmotionChangeDetector(tolerance=3),
        {"method": ["hmm", "ema"], "stay_prob": [0.5, 0.97], "min_duration": [1, 4]},
        cv=3,
        error_score="raise",
    ).fit(X, y)
    assert grid.best_score_ >= 0.9
    assert (
        grid.best_params_["stay_prob"] == 0.97 or grid.best_params_["method"] == "ema"
    )
    assert len(grid.best_estimator_.predict(X[:2])) == 2
    seg = GridSearchCV(
        EmotionChangeDetector(),
        {"method": ["hmm", "ema"]},
        cv=2,
        scoring=make_scorer(segment_accuracy),
        error_score="raise",
    ).fit(X, y)
    assert seg.best_score_ > 0.8


def test_clone_joblib_and_sklearn_api_checks(sequences, tmp_path):
    X, y, _ = sequences
    det = EmotionChangeDetector(method="ema", classes=list("abcde"))
    name = type(det).__name__
    check_parameters_default_constructible(name, det)
    check_no_attributes_set_in_init(name, det)
    check_get_params_invariance(name, det)
    check_set_params(name, det)
    assert clone(det).get_params() == det.get_params()
    fitted = clone(det).fit(X)
    path = tmp_path / "detector.joblib"
    joblib.dump(fitted, path)
    again = joblib.load(path)
    for a, b in zip(again.predict(X), fitted.predict(X), strict=True):
        np.testing.assert_array_equal(a, b)


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError):
        EmotionChangeDetector().predict(np.full((3, 2), 0.5))


@pytest.mark.parametrize(
    "params, X, y, match",
    [
        ({}, np.full((4, 2), 1.5), None, r"probabilities in \[0, 1\]"),
        ({}, np.ones(5), None, "expects per-frame probabilities"),
        ({}, np.ones((2, 2, 2, 2)), None, "expects per-frame probabilities"),
        ({}, [], None, "empty list"),
        ({}, [np.full((3, 2), 0.5), np.full((3, 3), 0.3)], None, "sequence 1"),
        ({}, [np.full((0, 2), 0.5)], None, "non-empty array"),
        ({}, np.full((3, 1), 1.0), None, "at least 2 probability columns"),
        ({}, [[0.5, np.nan]], None, "partly-NaN rows"),
        ({"method": "viterbi"}, np.full((3, 2), 0.5), None, "'method' parameter"),
        ({"stay_prob": 1.0}, np.full((3, 2), 0.5), None, "'stay_prob' parameter"),
        ({"min_duration": 0}, np.full((3, 2), 0.5), None, "'min_duration'"),
        ({"classes": ["a"]}, np.full((3, 2), 0.5), None, "classes must name each"),
        ({}, np.full((3, 2), 0.5), [0, 1], r"y\[0\] must hold one label per frame"),
        ({}, [np.full((3, 2), 0.5)] * 2, [[0, 0, 1]], "one label sequence per"),
        ({}, np.full((3, 3), 0.3), ["a", "b", "b"], "2 distinct labels"),
        ({"classes": ["a", "b"]}, np.full((3, 2), 0.5), ["a", "c", "a"], "not in"),
        ({"input_type": "va"}, np.full((3, 3), 0.3), None, "expects 2 columns"),
        ({"input_type": "va", "classes": [1, 2]}, np.zeros((3, 2)), None, "quadrants"),
    ],
)
def test_bad_input_raises(params, X, y, match):
    with pytest.raises(ValueError, match=match):
        EmotionChangeDetector(**params).fit(X, y)


def test_predict_checks_columns_and_score_needs_labels():
    det = EmotionChangeDetector().fit(np.full((4, 3), 1 / 3))
    with pytest.raises(ValueError, match="X has 2 columns per frame"):
        det.predict(np.full((4, 2), 0.5))
    with pytest.raises(ValueError, match="needs the true per-frame labels"):
        det.score(np.full((4, 3), 1 / 3), None)
    with pytest.raises(TypeError, match="expects per-frame probabilities"):
        det.predict("frames.csv")
