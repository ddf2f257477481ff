"""
A CNN in a Pipeline, cross-validated like any scikit-learn model
================================================================

:class:`~affect_sklearn.AffectCNNClassifier` is a scikit-learn estimator, so it
sits at the end of a :class:`~sklearn.pipeline.Pipeline` of image
transformers, and :func:`~sklearn.model_selection.cross_val_score` and
:func:`~sklearn.model_selection.cross_validate` clone and refit the whole
pipeline on each fold. Here a pipeline resizes the faces to 24x24 pixels
(:class:`~affect_sklearn.transformers.ImageResizer`) before a small CNN, and is
compared, fold by fold, with a classical baseline: flattened pixels, PCA and
logistic regression, scored with several metrics at once by
:func:`~sklearn.model_selection.cross_validate`.

Run ``python examples/model_selection/plot_pipeline_cross_val.py`` (about 20 s
on 2 CPU cores), or add ``--data ../shared/data/fer2013/fer2013_train_publictest.npz``
for a sample of real FER-2013 faces.
"""

# %%
import argparse
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import load_fer2013, make_faces
from affect_sklearn.metrics import get_scorers
from affect_sklearn.transformers import ImageFlattener, ImageResizer

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="FER-2013 CSV, npz or folder")
parser.add_argument("--max-train", type=int, default=900)
args, _ = parser.parse_known_args()

# %%
# Data: 48x48 grayscale faces with string labels.
if args.data:
    data = load_fer2013(args.data, usage="Training")
    idx = np.random.RandomState(0).choice(len(data.images), args.max_train, False)
    X, y = data.images[idx], np.asarray(data.target_names)[data.target[idx]]
else:
    faces = make_faces(n_samples=args.max_train, n_classes=5, random_state=0)
    X, y = faces.images, np.asarray(faces.target_names)[faces.target]
print(X.shape, X.dtype, np.unique(y))

# %%
# The pipeline: resize, then a small CNN. Its steps' parameters are reachable
# as ``<step>__<param>``, e.g. ``cnn__max_epochs``, for ``set_params`` and
# ``GridSearchCV``.
cnn = Pipeline(
    [
        ("resize", ImageResizer(size=24)),
        (
            "cnn",
            AffectCNNClassifier(
                backbone="basic",
                max_epochs=16,
                augment=False,
                random_state=0,
            ),
        ),
    ]
)
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
t = time.perf_counter()
scores = cross_val_score(cnn, X, y, cv=cv, scoring="f1_macro")
print(
    f"CNN pipeline, macro F1 per fold: {np.round(scores, 3)} "
    f"({time.perf_counter() - t:.1f} s)"
)

# %%
# The classical baseline: flattened pixels, standardised, 50 principal
# components and a logistic regression, in the same folds.
baseline = make_pipeline(
    ImageFlattener(),
    StandardScaler(),
    PCA(n_components=50, random_state=0),
    LogisticRegression(max_iter=2000),
)
base_scores = cross_val_score(baseline, X, y, cv=cv, scoring="f1_macro")
print(f"PCA + logistic regression, macro F1 per fold: {np.round(base_scores, 3)}")

# %%
# Several scorers at once with ``cross_validate``: scikit-learn's by name and
# ours (:func:`~affect_sklearn.metrics.get_scorers` maps names to scorers, ours
# first), here Cohen's kappa and Krippendorff's alpha. Any of them also works
# as ``scoring=`` in ``cross_val_score`` and ``GridSearchCV``.
scoring = get_scorers(["accuracy", "f1_macro", "cohen_kappa", "krippendorff_alpha"])
res = cross_validate(baseline, X, y, cv=cv, scoring=scoring)
for name in scoring:
    values = res[f"test_{name}"]
    print(f"PCA + LR {name:>20s}: {values.mean():.3f} +- {values.std():.3f}")

# %%
# Fold by fold: the CNN against the baseline.
fig, ax = plt.subplots(figsize=(5, 3.2))
width = 0.38
pos = np.arange(len(scores))
ax.bar(pos - width / 2, scores, width, label="resize + CNN")
ax.bar(pos + width / 2, base_scores, width, label="pixels + PCA + LR")
ax.set_xticks(pos, [f"fold {i + 1}" for i in pos])
ax.set_ylim(0, 1)
ax.set_ylabel("macro F1")
ax.legend(loc="lower right")
fig.tight_layout()
