"""
Save and load: joblib and the safe weights-only format
======================================================

A fitted estimator can be saved in two ways:

- ``joblib.dump`` / ``joblib.load`` keep everything: whole pipelines, search
  objects, custom backbone classes. But loading a pickle runs code, so only
  load files you trust.
- :meth:`~affect_sklearn.AffectCNNClassifier.save` /
  :meth:`~affect_sklearn.AffectCNNClassifier.load` write only tensors and a
  JSON string of metadata, read back with ``torch.load(weights_only=True)``:
  loading never unpickles code, so a file from anyone is safe to open.

Both give back a model that predicts exactly as before.

Run ``python examples/persistence/plot_save_and_load.py`` (about 15 s on 2 CPU
cores), or add ``--data ../shared/data/fer2013/fer2013_train_publictest.npz``
for a sample of real FER-2013 faces.
"""

# %%
import argparse
import json
import tempfile
from pathlib import Path

import joblib
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from affect_sklearn import AffectCNNClassifier, AffectCNNRegressor
from affect_sklearn.datasets import load_fer2013, make_faces
from affect_sklearn.plotting import plot_prediction_grid
from affect_sklearn.transformers import ImageResizer

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="FER-2013 CSV, npz or folder")
parser.add_argument("--max-train", type=int, default=800)
args, _ = parser.parse_known_args()
tmp = Path(tempfile.mkdtemp(prefix="affect_models_"))

# %%
# Fit a small classifier.
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
clf = AffectCNNClassifier(backbone="basic", max_epochs=6, augment=False, random_state=0)
clf.fit(X_train, y_train)
print(f"test accuracy {clf.score(X_test, y_test):.3f}")

# %%
# joblib
# ------
# One call each way; it works for pipelines and search objects too.
joblib.dump(clf, tmp / "model.joblib")
same = joblib.load(tmp / "model.joblib")
assert np.array_equal(same.predict_proba(X_test), clf.predict_proba(X_test))

pipe = make_pipeline(ImageResizer(size=24), AffectCNNClassifier(**clf.get_params()))
pipe.fit(X_train, y_train)
joblib.dump(pipe, tmp / "pipeline.joblib")
assert np.array_equal(
    joblib.load(tmp / "pipeline.joblib").predict(X_test), pipe.predict(X_test)
)
print("joblib round trips: identical predictions")

# %%
# The weights-only format
# -----------------------
# ``save`` writes a ``torch.save`` file of plain tensors plus metadata as
# JSON; the class's ``load`` rebuilds the estimator from them, on the device
# you ask for (a model trained on a GPU loads on a CPU-only machine).
clf.save(tmp / "model.pt")
safe = AffectCNNClassifier.load(tmp / "model.pt", device="cpu")
assert np.array_equal(safe.predict_proba(X_test), clf.predict_proba(X_test))
print("weights-only round trip: identical predictions;", safe.classes_)

# %%
# What is inside: tensors and a JSON string, nothing executable. Any tool can
# open it with ``torch.load(weights_only=True)``, which refuses pickled code.
blob = torch.load(tmp / "model.pt", weights_only=True)
meta = json.loads(blob["meta"])
print("keys:", sorted(blob))
print("estimator:", meta["estimator"], "| format", meta["format_version"])
print("params:", {k: meta["params"][k] for k in ("backbone", "max_epochs", "lr")})
print("tensors:", len(blob["state_dict"]), "e.g.", next(iter(blob["state_dict"])))
for path in sorted(tmp.iterdir()):
    print(f"{path.name:16s} {path.stat().st_size / 1024:8.0f} KiB")

# %%
# The file names its class; loading it with another class says which to use.
reg = AffectCNNRegressor(backbone="basic", max_epochs=1, random_state=0)
reg.fit(X_train[:64], np.zeros((64, 2), dtype=np.float32))
reg.save(tmp / "regressor.pt")
try:
    AffectCNNClassifier.load(tmp / "regressor.pt")
except ValueError as exc:
    print("ValueError:", exc)

# %%
# The reloaded model at work.
fig = plot_prediction_grid(
    X_test[:12], y_test[:12], safe.predict(X_test[:12]), n=12, n_cols=6
)
plt.show()
