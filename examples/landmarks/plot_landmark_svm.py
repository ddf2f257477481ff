"""
Expressions from facial landmarks: detector, normaliser, features, SVM
======================================================================

A classical, CNN-free baseline: :class:`~affect_sklearn.transformers.LandmarkDetector`
predicts the 68 landmarks of a face (dlib, fully offline),
:class:`~affect_sklearn.transformers.LandmarkNormalizer` removes position, size
and in-plane rotation, :class:`~affect_sklearn.transformers.LandmarkFeatures`
turns the shape into 24 named measurements (eye and mouth aspect ratios, brow
heights, mouth-corner lift, ...) and an SVM classifies them, all inside one
scikit-learn ``Pipeline`` that ``cross_val_score`` refits per fold.

The faces are synthetic (:func:`~affect_sklearn.datasets.make_faces`), so their
true landmarks are known and we can score the same pipeline on them: the
ceiling a perfect landmark detector would reach. dlib's models were trained
on photos; on these drawn faces its points are rough (on real photos its
normalised mean error is 3-4 %, see ``benchmarks/bench_landmarks_nme.py``).

Needs ``pip install "affect-sklearn[landmarks]"``. Runs in about 20 s on one
CPU core: ``python examples/landmarks/plot_landmark_svm.py``.
"""

# %%
import time

import matplotlib.pyplot as plt
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from affect_sklearn.datasets import make_faces
from affect_sklearn.transformers import (
    LandmarkDetector,
    LandmarkFeatures,
    LandmarkNormalizer,
)

# %%
# Data: 48x48 synthetic faces, 7 expressions, cropped around the face like
# FER-2013. For such crops the face box is known: ``detector="none"`` predicts
# the landmarks in ``face_box`` (fractions of the image) without running a
# face detector.
faces = make_faces(n_samples=280, image_size=48, noise=0.02, random_state=0)
X, y = faces.images, faces.target

pipe = Pipeline(
    [
        ("landmarks", LandmarkDetector(detector="none")),
        ("normalize", LandmarkNormalizer()),
        ("features", LandmarkFeatures()),
        ("svc", SVC(C=10)),
    ]
)
cv = StratifiedKFold(n_splits=4, shuffle=True, random_state=0)
t = time.perf_counter()
scores = cross_val_score(pipe, X, y, cv=cv)
print(
    f"known face box:   accuracy {scores.mean():.3f} +- {scores.std():.3f} "
    f"({time.perf_counter() - t:.1f} s; chance is {1 / 7:.3f})"
)

# %%
# The same last three steps on the true landmarks: the ceiling.
truth = cross_val_score(pipe[1:], faces.landmarks, y, cv=cv)
print(f"true landmarks:   accuracy {truth.mean():.3f} +- {truth.std():.3f}")

# %%
# With dlib's HOG face detector (the default, for photos). It finds only some
# of these drawn faces, at any image size; where it finds none, the landmarks
# are predicted in ``face_box`` as above, and ``n_missed_`` counts those.
pipe.set_params(landmarks__detector="hog")
t = time.perf_counter()
detected = cross_val_score(pipe, X, y, cv=cv)
print(
    f"HOG face detector: accuracy {detected.mean():.3f} +- {detected.std():.3f} "
    f"({time.perf_counter() - t:.1f} s)"
)
detector = LandmarkDetector().fit(X)
points = detector.transform(X[:40])
print(f"faces missed by the detector: {detector.n_missed_} of 40")

# %%
# Where the points land: detected (dots) against true (crosses) landmarks.
fig, axes = plt.subplots(1, 4, figsize=(10, 3))
for ax, img, pred, true, label in zip(
    axes, X[:4], points, faces.landmarks[:4], y[:4], strict=False
):
    ax.imshow(img, cmap="gray")
    ax.scatter(*true.T, s=8, marker="x", c="tab:green", label="true")
    ax.scatter(*pred.T, s=6, c="tab:red", label="detected")
    ax.set_title(faces.target_names[label])
    ax.axis("off")
axes[0].legend(loc="lower left", fontsize=7)
fig.tight_layout()

# %%
# Feature names come through the pipeline, e.g. for a pandas DataFrame.
pipe[:3].set_output(transform="pandas")
table = pipe[:3].fit_transform(X[:5])
print(table.iloc[:, :4].round(3))
