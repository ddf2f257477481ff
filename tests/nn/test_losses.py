"""The public losses against their formulas, computed by hand with numpy."""

import numpy as np
import pytest
import torch

from affect_sklearn.nn import CCCLoss, FocalLoss, MixedRegressionLoss, MultiTaskLoss

LOGITS = np.array(
    [[2.0, 0.5, -1.0], [0.1, 0.2, 0.3], [-0.5, 1.5, 0.0], [3.0, -2.0, 1.0]]
)
LABELS = np.array([0, 2, 1, 2])
PRED = np.array([[0.5, -0.2], [-0.1, 0.4], [0.3, 0.1], [-0.6, -0.3], [0.2, 0.9]])
TRUE = np.array([[0.4, -0.5], [0.0, 0.2], [0.6, 0.3], [-0.8, 0.1], [0.1, 0.7]])


def _t(a):
    return torch.tensor(a, dtype=torch.float32)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _cross_entropy(z, y, weight=None, smoothing=0.0):
    """Per-sample cross-entropy as torch defines it, with weights and smoothing."""
    n, k = z.shape
    w = np.ones(k) if weight is None else np.asarray(weight, float)
    logp = np.log(_softmax(z))
    nll = -w[y] * logp[np.arange(n), y]
    smooth = -(w * logp).sum(axis=1) / k
    return (1 - smoothing) * nll + smoothing * smooth


def _ccc(p, t):
    """Lin's CCC per column, moments over rows with 1/N."""
    p, t = p.reshape(len(p), -1), t.reshape(len(t), -1)
    mp, mt = p.mean(0), t.mean(0)
    cov = ((p - mp) * (t - mt)).mean(0)
    return 2 * cov / (p.var(0) + t.var(0) + (mp - mt) ** 2)


# ----------------------------------------------------------------- FocalLoss
@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0, 5.0])
def test_focal_loss_matches_formula(gamma):
    p_t = _softmax(LOGITS)[np.arange(4), LABELS]
    expected = np.mean((1 - p_t) ** gamma * -np.log(p_t))
    got = FocalLoss(gamma=gamma)(_t(LOGITS), torch.tensor(LABELS))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


def test_focal_loss_with_class_weights_is_a_weighted_mean():
    w = np.array([0.5, 2.0, 1.0])
    p_t = _softmax(LOGITS)[np.arange(4), LABELS]
    per_sample = (1 - p_t) ** 2 * w[LABELS] * -np.log(p_t)
    expected = per_sample.sum() / w[LABELS].sum()
    got = FocalLoss(gamma=2.0, weight=_t(w))(_t(LOGITS), torch.tensor(LABELS))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)
    # gamma=0 is torch's weighted cross-entropy, which divides by sum w[y] too
    ce = torch.nn.functional.cross_entropy(
        _t(LOGITS), torch.tensor(LABELS), weight=_t(w)
    )
    got0 = FocalLoss(gamma=0.0, weight=_t(w))(_t(LOGITS), torch.tensor(LABELS))
    np.testing.assert_allclose(got0.item(), ce.item(), rtol=1e-6)


def test_focal_loss_label_smoothing_applies_to_the_cross_entropy_term():
    w = np.array([1.0, 3.0, 0.5])
    p_t = _softmax(LOGITS)[np.arange(4), LABELS]
    ce = _cross_entropy(LOGITS, LABELS, weight=w, smoothing=0.2)
    expected = ((1 - p_t) ** 1.5 * ce).sum() / w[LABELS].sum()
    loss = FocalLoss(gamma=1.5, weight=_t(w), label_smoothing=0.2)
    got = loss(_t(LOGITS), torch.tensor(LABELS))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


def test_focal_loss_down_weights_easy_examples():
    easy = _t([[6.0, 0.0, 0.0]])
    hard = _t([[0.0, 0.0, 0.5]])
    target = torch.tensor([0])
    ce = torch.nn.functional.cross_entropy
    ratio_easy = FocalLoss()(easy, target) / ce(easy, target)
    ratio_hard = FocalLoss()(hard, target) / ce(hard, target)
    # the factor is (1 - p_t)^2: tiny for a confident right answer
    p_easy = torch.softmax(easy, 1)[0, 0]
    np.testing.assert_allclose(ratio_easy.item(), (1 - p_easy).item() ** 2, rtol=1e-4)
    assert ratio_easy < 1e-4 < 0.4 < ratio_hard


def test_focal_loss_gradient_is_finite_and_points_to_the_target():
    logits = _t(LOGITS).requires_grad_()
    FocalLoss(gamma=2.0)(logits, torch.tensor(LABELS)).backward()
    grad = logits.grad.numpy()
    assert np.isfinite(grad).all()
    # descending the gradient raises every true-class logit relative to the rest
    assert (grad[np.arange(4), LABELS] < 0).all()


def test_focal_loss_weight_moves_with_the_module():
    loss = FocalLoss(weight=_t([1.0, 2.0, 3.0]))
    assert "weight" in dict(loss.named_buffers())
    assert loss.double().weight.dtype == torch.float64


# ----------------------------------------------------------------- CCCLoss
def test_ccc_loss_matches_formula():
    expected = 1 - _ccc(PRED, TRUE).mean()
    got = CCCLoss()(_t(PRED), _t(TRUE))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


def test_ccc_loss_one_output_accepts_column_or_flat():
    expected = 1 - _ccc(PRED[:, 0], TRUE[:, 0])[0]
    flat = CCCLoss()(_t(PRED[:, 0]), _t(TRUE[:, 0]))
    column = CCCLoss()(_t(PRED[:, :1]), _t(TRUE[:, 0]))
    np.testing.assert_allclose([flat.item(), column.item()], expected, rtol=1e-5)


def test_ccc_loss_values_at_known_points():
    t = _t(TRUE)
    assert CCCLoss()(t, t).item() == pytest.approx(0.0, abs=1e-6)  # perfect
    centred = t - t.mean(0)  # reversed about the mean: CCC -1
    assert CCCLoss()(-centred, centred).item() == pytest.approx(2.0, abs=1e-5)
    # a shifted copy is perfectly correlated but penalised for the bias
    shifted = t + 0.5
    expected = 1 - _ccc(TRUE + 0.5, TRUE).mean()
    assert CCCLoss()(shifted, t).item() == pytest.approx(expected, rel=1e-5)
    assert expected > 0.1
    # a constant prediction has no covariance: CCC 0 (eps keeps it finite)
    const = torch.full_like(t, 0.3)
    assert CCCLoss()(const, t).item() == pytest.approx(1.0, abs=1e-6)
    both_const = torch.zeros(4, 2)
    assert CCCLoss()(both_const, both_const).item() == pytest.approx(1.0)


def test_ccc_loss_averages_outputs_equally():
    true = TRUE - TRUE.mean(0)
    good = np.c_[true[:, 0], -true[:, 1]]  # first output right, second reversed
    got = CCCLoss()(_t(good), _t(true)).item()
    assert got == pytest.approx(1 - (1.0 + -1.0) / 2, abs=1e-5)


# ----------------------------------------------------------- MixedRegressionLoss
@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.5, 1.0])
def test_mixed_regression_loss_matches_formula(alpha):
    mse = np.mean((PRED - TRUE) ** 2)
    expected = alpha * mse + (1 - alpha) * (1 - _ccc(PRED, TRUE).mean())
    got = MixedRegressionLoss(alpha=alpha)(_t(PRED), _t(TRUE))
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


def test_mixed_regression_loss_reshapes_column_predictions():
    p, t = PRED[:, 0], TRUE[:, 0]
    expected = 0.5 * np.mean((p - t) ** 2) + 0.5 * (1 - _ccc(p, t)[0])
    got = MixedRegressionLoss()(_t(p[:, None]), _t(t))  # (n, 1) against (n,)
    np.testing.assert_allclose(got.item(), expected, rtol=1e-5)


# ----------------------------------------------------------------- MultiTaskLoss
OUT = np.c_[LOGITS, PRED[:4]]  # 3 logits, then valence and arousal
AFFECT = TRUE[:4]


def _target(affect=AFFECT):
    return _t(np.c_[LABELS, affect])


@pytest.mark.parametrize("affect_loss", ["mse", "ccc", "mse+ccc"])
def test_multitask_loss_matches_formula(affect_loss):
    ce = _cross_entropy(LOGITS, LABELS).mean()
    mse = np.mean((PRED[:4] - AFFECT) ** 2)
    cccl = 1 - _ccc(PRED[:4], AFFECT).mean()
    reg = {"mse": mse, "ccc": cccl, "mse+ccc": 0.5 * mse + 0.5 * cccl}[affect_loss]
    loss = MultiTaskLoss(
        n_classes=3, expression_weight=0.7, affect_weight=2.0, affect_loss=affect_loss
    )
    got = loss(_t(OUT), _target())
    np.testing.assert_allclose(got.item(), 0.7 * ce + 2.0 * reg, rtol=1e-5)


def test_multitask_loss_class_weights_and_smoothing_reach_the_cross_entropy():
    w = np.array([2.0, 1.0, 0.5])
    per_sample = _cross_entropy(LOGITS, LABELS, weight=w, smoothing=0.1)
    ce = per_sample.sum() / w[LABELS].sum()  # torch's weighted mean
    mse = np.mean((PRED[:4] - AFFECT) ** 2)
    loss = MultiTaskLoss(n_classes=3, weight=_t(w), label_smoothing=0.1)
    np.testing.assert_allclose(loss(_t(OUT), _target()).item(), ce + mse, rtol=1e-5)


def test_multitask_loss_masks_rows_with_missing_affect():
    affect = AFFECT.copy()
    affect[1, 0] = np.nan  # one missing value drops the whole row
    ce = _cross_entropy(LOGITS, LABELS).mean()
    keep = [0, 2, 3]
    mse = np.mean((PRED[keep] - AFFECT[keep]) ** 2)
    got = MultiTaskLoss(n_classes=3)(_t(OUT), _target(affect))
    np.testing.assert_allclose(got.item(), ce + mse, rtol=1e-5)
    assert np.isfinite(got.item())


def test_multitask_loss_with_fewer_than_two_labelled_rows_is_expression_only():
    affect = np.full_like(AFFECT, np.nan)
    affect[2] = AFFECT[2]  # one labelled row: no batch CCC can be computed
    ce = _cross_entropy(LOGITS, LABELS).mean()
    for affect_loss in ("mse", "ccc"):
        loss = MultiTaskLoss(
            n_classes=3, expression_weight=1.5, affect_loss=affect_loss
        )
        got = loss(_t(OUT), _target(affect))
        np.testing.assert_allclose(got.item(), 1.5 * ce, rtol=1e-5)
    # and no gradient reaches the affect outputs
    out = _t(OUT).requires_grad_()
    MultiTaskLoss(n_classes=3)(out, _target(np.full_like(AFFECT, np.nan))).backward()
    assert torch.equal(out.grad[:, 3:], torch.zeros(4, 2))
    assert out.grad[:, :3].abs().sum() > 0


def test_multitask_loss_zero_affect_weight_ignores_affect():
    ce = _cross_entropy(LOGITS, LABELS).mean()
    got = MultiTaskLoss(n_classes=3, affect_weight=0.0)(_t(OUT), _target())
    np.testing.assert_allclose(got.item(), ce, rtol=1e-5)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_focal_loss_saturated_logits_give_zero_loss_and_finite_gradient(gamma):
    # p_t == 1 in float32: (1 - p_t)^gamma has an infinite slope for gamma < 1
    logits = _t([[100.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).requires_grad_()
    loss = FocalLoss(gamma=gamma)(logits, torch.tensor([0, 1]))
    loss.backward()
    p_t = _softmax(np.array([[0.0, 1.0, 0.0]]))[0, 1]
    expected = (1 - p_t) ** gamma * -np.log(p_t) / 2  # the first row adds 0
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-5)
    assert torch.isfinite(logits.grad).all()
    assert torch.equal(logits.grad[0], torch.zeros(3))
