"""Tests for auroc_score, aupr_score and affect_report."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    roc_auc_score,
)

from affect_sklearn.metrics import (
    affect_report,
    aupr_score,
    auroc_score,
    ccc_score,
    cohen_kappa_score,
    krippendorff_alpha,
    pearson_score,
    rmse,
    sagr_score,
)


@pytest.fixture
def multiclass():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, size=80)
    logits = rng.normal(size=(80, 4)) + 2.0 * np.eye(4)[y]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y, proba


def test_auroc_aupr_match_sklearn_multiclass(multiclass):
    y, proba = multiclass
    assert auroc_score(y, proba) == pytest.approx(
        roc_auc_score(y, proba, multi_class="ovr", average="macro")
    )
    expected_ap = np.mean(
        [average_precision_score(y == c, proba[:, c]) for c in range(4)]
    )
    assert aupr_score(y, proba) == pytest.approx(expected_ap)
    names = np.array(["angry", "happy", "neutral", "sad"])
    assert auroc_score(names[y], proba) == pytest.approx(auroc_score(y, proba))


def test_auroc_aupr_binary_forms_agree():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=60)
    score = np.clip(0.3 * y + rng.uniform(0, 0.7, size=60), 0, 1)
    proba = np.column_stack([1 - score, score])
    for ours, ref in (
        (auroc_score, roc_auc_score),
        (aupr_score, average_precision_score),
    ):
        assert ours(y, score) == pytest.approx(ref(y, score))
        assert ours(y, proba) == pytest.approx(ref(y, score))


def test_sample_weight_is_passed_on(multiclass):
    y, proba = multiclass
    w = np.linspace(0.5, 2.0, y.size)
    assert auroc_score(y, proba, sample_weight=w) == pytest.approx(
        np.mean([roc_auc_score(y == c, proba[:, c], sample_weight=w) for c in range(4)])
    )


def test_class_missing_from_fold_is_skipped_with_warning(multiclass):
    y, proba = multiclass
    keep = y != 2
    with pytest.warns(UndefinedMetricWarning, match=r"class\(es\) \[2\]"):
        got = auroc_score(y[keep], proba[keep])
    expected = np.mean([roc_auc_score(y[keep] == c, proba[keep, c]) for c in (0, 1, 3)])
    assert got == pytest.approx(expected)


def test_single_class_fold_returns_chance_and_warns():
    with pytest.warns(UndefinedMetricWarning, match="single class"):
        assert auroc_score(["sad"] * 3, [0.2, 0.6, 0.9]) == 0.5
    with pytest.warns(UndefinedMetricWarning, match="single class"):
        assert aupr_score([1, 1, 1], [0.2, 0.6, 0.9]) == 0.0
    proba = np.full((3, 3), 1 / 3)
    with pytest.warns(UndefinedMetricWarning, match="returning 0.5"):
        assert auroc_score([1, 1, 1], proba) == 0.5


def test_ranking_errors(multiclass):
    y, proba = multiclass
    names = np.array(["angry", "happy", "neutral", "sad"])
    with pytest.raises(ValueError, match="Pass labels=estimator.classes_"):
        auroc_score(names[y][y != 1], proba[y != 1])
    with pytest.raises(ValueError, match="labels must name the 4 columns"):
        auroc_score(y, proba, labels=[0, 1, 2])
    with pytest.raises(ValueError, match=r"labels \[3\] that are not in labels"):
        auroc_score(y, proba, labels=[0, 1, 2, 7])
    with pytest.raises(ValueError, match=r"y_score of shape \(n_samples,\)"):
        aupr_score(y, proba[:, :1])
    with pytest.raises(ValueError, match="y_true and y_score must have the same"):
        aupr_score(y[:-1], proba)
    with pytest.raises(ValueError, match="y_score must be finite"):
        aupr_score([0, 1], [0.5, np.nan])
    with pytest.raises(ValueError, match="'labels' parameter of auroc_score must"):
        auroc_score(y, proba, labels="abcd")
    with pytest.raises(ValueError, match="'y_score' parameter of aupr_score must"):
        aupr_score(y, 0.5)


def test_classification_report_values(multiclass):
    y, proba = multiclass
    pred = proba.argmax(axis=1)
    report = affect_report(y, pred, y_proba=proba)
    assert report["accuracy"] == accuracy_score(y, pred)
    assert report["f1_macro"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert report["cohen_kappa"] == pytest.approx(cohen_kappa_score(y, pred))
    assert report["quadratic_kappa"] == pytest.approx(
        cohen_kappa_score(y, pred, weights="quadratic")
    )
    assert report["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(y, pred))
    assert report["auroc_macro"] == pytest.approx(auroc_score(y, proba))
    assert report["aupr_macro"] == pytest.approx(aupr_score(y, proba))
    for c in range(4):
        assert report[f"recall_{c}"] == pytest.approx(np.mean(pred[y == c] == c))
    json.dumps(report)  # plain floats
    assert affect_report(y, y_proba=proba) == report  # y_pred from argmax


def test_classification_report_labels_and_frame(multiclass):
    y, proba = multiclass
    names = np.array(["angry", "happy", "neutral", "sad", "surprise"])
    report = affect_report(names[y], names[proba.argmax(1)], labels=names)
    assert "auroc_macro" not in report
    assert np.isnan(report["recall_surprise"])  # class absent from y_true
    frame = affect_report(names[y], names[proba.argmax(1)], as_frame=True)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["value"]
    assert frame.loc["accuracy", "value"] == pytest.approx(report["accuracy"])


def test_regression_report_values_and_frame():
    rng = np.random.default_rng(2)
    y = rng.uniform(-1, 1, size=(40, 2))
    p = 0.8 * y + rng.normal(0, 0.2, size=y.shape)
    report = affect_report(y, p)
    for key, metric in (
        ("rmse", rmse),
        ("pcc", pearson_score),
        ("sagr", sagr_score),
        ("ccc", ccc_score),
    ):
        raw = metric(y, p, multioutput="raw_values")
        assert report[f"{key}_valence"] == pytest.approx(raw[0])
        assert report[f"{key}_arousal"] == pytest.approx(raw[1])
        assert report[f"{key}_mean"] == pytest.approx(raw.mean())
    json.dumps(report)
    frame = affect_report(y, p, as_frame=True)
    assert frame.shape == (3, 4)
    assert list(frame.index) == ["valence", "arousal", "mean"]
    assert frame.loc["arousal", "ccc"] == pytest.approx(report["ccc_arousal"])
    single = affect_report(y[:, 0], p[:, 0], output_names=["valence"])
    assert single["ccc_valence"] == pytest.approx(report["ccc_valence"])
    assert "ccc_output_0" in affect_report(y[:, 0], p[:, 0])


def test_auto_task_detection():
    assert "accuracy" in affect_report([0, 1, 2, 1], [0, 1, 1, 1])
    assert "ccc_output_0" in affect_report([0.5, -0.2, 0.1], [0.4, -0.1, 0.0])
    assert "ccc_valence" in affect_report(np.eye(3)[:, :2], np.eye(3)[:, :2] * 0.5)
    whole = affect_report([1.0, 2.0, 3.0], [1.0, 2.5, 2.0], task="regression")
    assert "rmse_output_0" in whole


def test_report_errors():
    with pytest.raises(ValueError, match="'task' parameter of affect_report must be"):
        affect_report([0, 1], [0, 1], task="ranking")
    with pytest.raises(ValueError, match="'as_frame' parameter of affect_report"):
        affect_report([0, 1], [0, 1], as_frame="yes")
    with pytest.raises(ValueError, match="'output_names' parameter of affect_report"):
        affect_report([[0.1, 0.2]], [[0.1, 0.2]], output_names="valence")
    with pytest.raises(ValueError, match="needs y_pred, or y_proba"):
        affect_report([0, 1], task="classification")
    with pytest.raises(ValueError, match="needs y_pred for a regression report"):
        affect_report([0.1, 0.2], task="regression")
    with pytest.raises(ValueError, match=r"output_names must name the 2 column\(s\)"):
        affect_report(
            np.zeros((3, 2)) + [[0.1], [0.2], [0.3]],
            np.ones((3, 2)),
            output_names=["valence"],
        )
    with pytest.raises(ValueError, match="y_proba applies to classification only"):
        affect_report(
            [0.1, 0.2], [0.1, 0.3], y_proba=[[0.5, 0.5]] * 2, task="regression"
        )
    with pytest.raises(ValueError, match="y_true must be finite"):
        affect_report([0.1, np.nan], [0.1, 0.3])
    with pytest.raises(ValueError, match="same number of samples"):
        affect_report([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="single class, so the classes of the"):
        affect_report(["a", "a"], y_proba=[[0.4, 0.6], [0.3, 0.7]])
