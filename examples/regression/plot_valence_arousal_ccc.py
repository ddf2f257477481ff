"""
Valence and arousal regression, scored with CCC
================================================

:class:`~affect_sklearn.AffectCNNRegressor` predicts valence and arousal, two
values in [-1, 1] per face; its outputs are bounded with a scaled tanh. The
figure of merit in affect work is Lin's concordance correlation coefficient
(CCC, :func:`~affect_sklearn.metrics.ccc_score`): unlike Pearson's r it
penalises predictions that are shifted or shrunk towards the mean, which
mean-squared-error training tends to produce.

This example selects the training loss, MSE or CCC (``loss="ccc"``), with
``GridSearchCV`` and CCC scorers chosen by name
(:func:`~affect_sklearn.metrics.get_scorer`), one per output; then it scores
the best model on held-out faces with CCC, Pearson's r, SAGR and RMSE
(:func:`~affect_sklearn.metrics.affect_report`).

The regressor's own ``score`` is the mean CCC over the outputs, not R².

Run ``python examples/regression/plot_valence_arousal_ccc.py`` (about 30 s on 2
CPU cores). FER-2013 has no valence/arousal labels; ``--data PATH`` takes an
AffectNet-style folder instead (:func:`~affect_sklearn.datasets.load_affectnet`).
"""

# %%
import argparse

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split

from affect_sklearn import AffectCNNRegressor
from affect_sklearn.datasets import load_affectnet, make_faces
from affect_sklearn.metrics import affect_report, ccc_score, get_scorer
from affect_sklearn.plotting import plot_valence_arousal

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="AffectNet-style folder")
parser.add_argument("--max-train", type=int, default=1000)
args, _ = parser.parse_known_args()

# %%
# Data: faces and their (valence, arousal) targets, shape (n, 2).
if args.data:
    data = load_affectnet(args.data, image_size=48, color_mode="grayscale")
    n = min(args.max_train, len(data.images))
    idx = np.random.RandomState(0).choice(len(data.images), n, False)
    X = data.images[idx]
    va = np.column_stack([data.valence, data.arousal])[idx].astype(np.float32)
else:
    faces = make_faces(n_samples=args.max_train, image_size=32, random_state=0)
    X, va = faces.images, faces.va
print(X.shape, va.shape, f"valence in [{va[:, 0].min():.2f}, {va[:, 0].max():.2f}]")
X_train, X_test, va_train, va_test = train_test_split(
    X, va, test_size=0.25, random_state=0
)

# %%
# Select the loss by cross-validated CCC. ``loss="ccc"`` minimises 1 - CCC
# over each batch (use batches of at least 32); ``"mse+ccc"`` is their mean.
# ``"ccc_valence"`` and ``"ccc_arousal"`` score columns 0 and 1 of the
# target, ``"ccc"`` their mean; ``"sagr"``, ``"pearson"`` and ``"neg_rmse"``
# exist too (:func:`~affect_sklearn.metrics.get_scorer_names`). Plain
# scikit-learn scorer names work alongside.
params = dict(backbone="basic", max_epochs=6, augment=False, random_state=0)
scoring = {name: get_scorer(name) for name in ["ccc", "ccc_valence", "ccc_arousal"]}
search = GridSearchCV(
    AffectCNNRegressor(**params),
    {"loss": ["mse", "ccc"]},
    scoring=scoring,
    refit="ccc",
    cv=2,
).fit(X_train, va_train)
res = search.cv_results_
for i, loss in enumerate(res["param_loss"]):
    cells = ", ".join(f"{name} {res[f'mean_test_{name}'][i]:.3f}" for name in scoring)
    print(f"loss={loss:4s}: {cells}")
print("best:", search.best_params_)

# %%
# The refitted best model on the held-out faces. Its ``score`` is the mean
# CCC over valence and arousal.
reg = search.best_estimator_
va_pred = reg.predict(X_test)
report = affect_report(va_test, va_pred, output_names=["valence", "arousal"])
for metric in ["ccc", "pcc", "sagr", "rmse"]:
    cells = "  ".join(
        f"{out} {report[f'{metric}_{out}']:.3f}"
        for out in ["valence", "arousal", "mean"]
    )
    print(f"{metric:5s} {cells}")
print("reg.score(X_test, va_test) =", round(reg.score(X_test, va_test), 3))

# %%
# Predicted against true values, with their CCC.
fig = plot_valence_arousal(va_test, va_pred)
fig.set_size_inches(8, 3.8)
fig.tight_layout()

# %%
# Why CCC and not Pearson's r: shrinking the predictions towards their mean
# keeps r but lowers CCC, and so does a constant offset.
true, pred = va_test[:, 0], va_pred[:, 0]
for label, p in [("as predicted", pred), ("x 0.5", 0.5 * pred), ("+ 0.3", pred + 0.3)]:
    r = np.corrcoef(true, p)[0, 1]
    print(f"{label:>12s}: Pearson r {r:.3f}, CCC {ccc_score(true, p):.3f}")
plt.show()
