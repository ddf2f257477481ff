"""
GridSearchCV over backbones
===========================

The network is a parameter like any other: ``backbone`` names one of the
built-in CNNs (``"basic"``, ``"compact"``, ``"xception"``, ``"resnet"``,
``"vgg"``), a torchvision model or your own ``nn.Module`` class. So
:class:`~sklearn.model_selection.GridSearchCV` can search over the
architecture together with the training parameters, and ``cv_results_`` keeps
the fit time of each candidate next to its score.

Run ``python examples/model_selection/plot_grid_search_backbones.py`` (about
30 s on 2 CPU cores), or add
``--data ../shared/data/fer2013/fer2013_train_publictest.npz`` for a sample of
real FER-2013 faces.
"""

# %%
import argparse

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, train_test_split

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import load_fer2013, make_faces
from affect_sklearn.metrics import affect_report

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="FER-2013 CSV, npz or folder")
parser.add_argument("--max-train", type=int, default=800)
args, _ = parser.parse_known_args()

# %%
# Data: synthetic 32x32 faces by default (FER-2013's 48x48 with ``--data``).
if args.data:
    data = load_fer2013(args.data, usage="Training")
    idx = np.random.RandomState(0).choice(len(data.images), args.max_train, False)
    X, y = data.images[idx], np.asarray(data.target_names)[data.target[idx]]
else:
    faces = make_faces(
        n_samples=args.max_train, image_size=32, n_classes=5, random_state=0
    )
    X, y = faces.images, np.asarray(faces.target_names)[faces.target]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# A list of grids: the "basic" net at two widths (channels of its first
# stage), and the default "compact" net. 2-fold cross-validation on the
# training part makes 6 fits, then ``refit`` trains the best candidate on all
# of it. (Add ``"xception"``, ``"resnet"`` or ``"resnet18"`` to the list when
# time allows; they are slower per image on a CPU.)
clf = AffectCNNClassifier(max_epochs=8, augment=False, random_state=0)
grid = [
    {"backbone": ["basic"], "width": [16, 32]},
    {"backbone": ["compact"]},
]
search = GridSearchCV(clf, grid, scoring="f1_macro", cv=2, refit=True)
search.fit(X_train, y_train)
print(
    "best:", search.best_params_, f"cross-validated macro F1 {search.best_score_:.3f}"
)

# %%
# ``cv_results_`` as a table: score and time of each candidate.
res = pd.DataFrame(search.cv_results_)
table = res[
    [
        "param_backbone",
        "param_width",
        "mean_test_score",
        "std_test_score",
        "mean_fit_time",
        "rank_test_score",
    ]
].sort_values("rank_test_score")
print(table.round(3).to_string(index=False))

# %%
# The refitted best model is ``best_estimator_``; ``search`` itself predicts
# with it.
report = affect_report(y_test, search.predict(X_test))
print(f"held-out accuracy {report['accuracy']:.3f}, macro F1 {report['f1_macro']:.3f}")
n_params = sum(p.numel() for p in search.best_estimator_.net_.module_.parameters())
print(f"{search.best_params_['backbone']}: {n_params:,} parameters")

# %%
# Score against fit time, one point per candidate.
fig, ax = plt.subplots(figsize=(5.5, 3.5))
for _, row in res.iterrows():
    width = row["param_width"]
    label = row["param_backbone"] + ("" if pd.isna(width) else f", width {width:.0f}")
    ax.errorbar(
        row["mean_fit_time"],
        row["mean_test_score"],
        yerr=row["std_test_score"],
        fmt="o",
        label=label,
    )
ax.set_xlabel("mean fit time per fold (s)")
ax.set_ylabel("cross-validated macro F1")
ax.legend()
fig.tight_layout()
