"""
Multi-task: expression and valence/arousal from one network, with landmarks
===========================================================================

:class:`~affect_sklearn.AffectCNNMultiTask` trains one backbone with two
heads, expression classes and valence/arousal. With ``use_landmarks=True`` a
small MLP encodes the 68 facial landmarks of each face and fuses them with the
image features. Images and landmarks travel together as one X built by
:func:`~affect_sklearn.utils.pack_faces`, a 1-D structured array, so
``train_test_split``, ``cross_validate`` and ``GridSearchCV`` index it by rows
like any X.

Affect annotations are often partial: rows whose valence/arousal are NaN
still train the expression head and are masked out of the affect loss. Here
40% of the training faces have no valence/arousal.

Run ``python examples/multitask/plot_multitask_landmarks.py`` (about 30 s on 2
CPU cores). FER-2013 has neither valence/arousal nor landmarks; ``--data PATH``
takes an AffectNet-style folder instead
(:func:`~affect_sklearn.datasets.load_affectnet`).
"""

# %%
import argparse

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import cross_validate, train_test_split

from affect_sklearn import AffectCNNMultiTask
from affect_sklearn.datasets import load_affectnet, make_faces
from affect_sklearn.estimators import multitask_scorer
from affect_sklearn.metrics import affect_report
from affect_sklearn.utils import pack_faces

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="AffectNet-style folder")
parser.add_argument("--max-train", type=int, default=1000)
args, _ = parser.parse_known_args()

# %%
# Data: images, 68 landmarks (x, y) per face, and a target DataFrame with the
# columns ``expression``, ``valence`` and ``arousal``.
if args.data:
    data = load_affectnet(args.data, color_mode="grayscale")
    n = min(args.max_train, len(data.images))
    idx = np.random.RandomState(0).choice(len(data.images), n, False)
    images, landmarks = data.images[idx], data.landmarks[idx]
    names = np.asarray(data.target_names)
    target, valence, arousal = data.target[idx], data.valence[idx], data.arousal[idx]
else:
    faces = make_faces(
        n_samples=args.max_train, image_size=32, n_classes=5, random_state=0
    )
    images, landmarks = faces.images, faces.landmarks
    names = np.asarray(faces.target_names)
    target, valence, arousal = faces.target, faces.valence, faces.arousal
X = pack_faces(images, landmarks)
y = pd.DataFrame({"expression": names[target], "valence": valence, "arousal": arousal})
print(X.dtype.names, X.shape, "images", images.shape, "landmarks", landmarks.shape)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y["expression"], random_state=0
)

# %%
# Hide valence/arousal for 40% of the training faces.
y_train = y_train.copy()
hidden = np.random.RandomState(1).rand(len(y_train)) < 0.4
y_train.loc[hidden, ["valence", "arousal"]] = np.nan
print(f"{hidden.sum()} of {len(y_train)} training faces without valence/arousal")

# %%
# Without and with the landmark branch, same budget. Without it, the images
# are enough as X (``pack_faces`` input also works: landmarks are ignored).
params = dict(backbone="basic", max_epochs=8, random_state=0)
models = {
    "images only": AffectCNNMultiTask(**params),
    "images + landmarks": AffectCNNMultiTask(**params, use_landmarks=True),
}
rows = {}
for name, model in models.items():
    model.fit(X_train, y_train)
    pred = model.predict(X_test)  # a DataFrame with all three columns
    cls = affect_report(y_test["expression"], pred["expression"])
    reg = affect_report(
        y_test[["valence", "arousal"]].to_numpy(),
        pred[["valence", "arousal"]].to_numpy(),
        output_names=["valence", "arousal"],
    )
    rows[name] = {
        "accuracy": cls["accuracy"],
        "macro F1": cls["f1_macro"],
        "CCC valence": reg["ccc_valence"],
        "CCC arousal": reg["ccc_arousal"],
    }
table = pd.DataFrame(rows).T
print(table.round(3))
print(pred.head())

# %%
# ``predict_proba`` gives the expression probabilities (columns in
# ``classes_`` order) and ``predict_affect`` the (n, 2) valence/arousal.
mt = models["images + landmarks"]
print(mt.classes_, mt.predict_proba(X_test[:2]).round(2))
print(mt.predict_affect(X_test[:2]).round(2))

# %%
ax = table.plot.bar(figsize=(6, 3.5), rot=0, ylim=(0, 1))
ax.legend(ncols=2, loc="upper left", fontsize=8)
ax.figure.tight_layout()

# %%
# Cross-validation with one scorer per head
# (:func:`~affect_sklearn.estimators.multitask_scorer`): the affect scorers
# use only the rows that have valence/arousal.
scoring = {
    "accuracy": multitask_scorer("accuracy"),
    "ccc": multitask_scorer("ccc"),
}
cv = cross_validate(mt, X_train, y_train, cv=2, scoring=scoring)
for key in scoring:
    print(f"{key:8s} {cv[f'test_{key}'].round(3)}")
plt.show()
