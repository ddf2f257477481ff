"""
Quick start: train, evaluate, cross-validate and save
=====================================================

Train :class:`~affect_sklearn.AffectCNNClassifier` on synthetic faces, report
accuracy, macro F1 and Cohen's kappa, cross-validate it like any scikit-learn
estimator, and save it with joblib and with the weights-only format.

Run ``python examples/quickstart/plot_quickstart.py`` (about 30 s on 2 CPU
cores), or ``--data ../shared/data/fer2013/fer2013_train_publictest.npz
--max-train 3000`` for real FER-2013 faces.
"""

# %%
import argparse
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from sklearn.model_selection import cross_val_score, train_test_split

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import load_fer2013, make_faces
from affect_sklearn.metrics import affect_report

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="FER-2013 CSV, npz or folder")
parser.add_argument("--max-train", type=int, default=3000)
args, _ = parser.parse_known_args()

# %%
# Data: 48x48 grayscale faces as a uint8 array of shape (n, 48, 48).
if args.data:
    data = load_fer2013(args.data)
    rng = np.random.RandomState(0)
    idx = rng.choice(len(data.images), size=min(args.max_train, len(data.images)))
    X, y, names = data.images[idx], data.target[idx], data.target_names
else:
    faces = make_faces(n_samples=2000, random_state=0)
    X, y, names = faces.images, faces.target, faces.target_names
y = np.asarray(names)[y]  # string labels work as they are
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Fit and evaluate. ``max_epochs`` and ``backbone`` are plain parameters.
clf = AffectCNNClassifier(max_epochs=6, random_state=0, device="cpu")
t = time.perf_counter()
clf.fit(X_train, y_train)
print(f"trained in {time.perf_counter() - t:.1f} s")
proba = clf.predict_proba(X_test)
report = affect_report(
    y_test, clf.classes_[proba.argmax(1)], y_proba=proba, labels=clf.classes_
)
for key in ("accuracy", "f1_macro", "cohen_kappa"):
    print(f"{key:12s} {report[key]:.3f}")

# %%
# Cross-validate a cheaper configuration with a scorer chosen by name: the
# small "basic" net without augmentation, on the first 900 training faces.
small = AffectCNNClassifier(
    backbone="basic",
    width=16,
    max_epochs=10,
    augment=False,
    random_state=0,
    device="cpu",
)
scores = cross_val_score(small, X_train[:900], y_train[:900], cv=3, scoring="f1_macro")
print("3-fold macro F1:", np.round(scores, 3))

# %%
# Persist: joblib keeps everything; ``save``/``load`` keep only the weights
# and metadata, and loading never unpickles code.
with tempfile.TemporaryDirectory() as tmp:
    joblib.dump(clf, Path(tmp) / "model.joblib")
    clf.save(Path(tmp) / "model.pt")
    same = AffectCNNClassifier.load(Path(tmp) / "model.pt")
    assert (same.predict(X_test) == clf.predict(X_test)).all()
print("saved and reloaded")
