"""
Rare expressions: five ways to train with an imbalanced class
=============================================================

FER-2013's disgust is 1.5% of its training images: a classifier can ignore it
and lose little accuracy. This example draws synthetic faces with FER-2013's
class proportions and compares, on the same budget:

- no handling;
- class weights in the loss (``class_weight="balanced"``);
- the focal loss (``loss="focal"``);
- over-sampling the images with imbalanced-learn
  (:class:`~affect_sklearn.imbalance.ImageResampler` in an
  ``imblearn.pipeline.Pipeline``);
- balanced batches (``class_sampling_weights="balanced"``).

It reports accuracy, macro F1 and the recall of disgust, then shows the
pattern for SMOTE and other samplers that synthesise samples: they work on
features, not on images.

Run ``python examples/imbalance/plot_imbalance_strategies.py`` (about 40 s on 2
CPU cores), or add ``--data ../shared/data/fer2013/fer2013_train_publictest.npz``
for real FER-2013 faces (Training sample -> PublicTest).
"""

# %%
import argparse

import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import SMOTE, RandomOverSampler
from imblearn.pipeline import Pipeline, make_pipeline
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import FunctionTransformer

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import load_fer2013, make_faces
from affect_sklearn.imbalance import ImageResampler
from affect_sklearn.metrics import affect_report

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="FER-2013 CSV, npz or folder")
parser.add_argument("--max-train", type=int, default=4000)
args, _ = parser.parse_known_args()

# %%
# Data with string labels; "disgust" is rare.
fer_counts = np.array([3995, 436, 4097, 7215, 4830, 3171, 4965])
if args.data:
    data = load_fer2013(args.data)
    names = np.asarray(data.target_names)
    usage = np.asarray(data.usage).astype(str)
    train, test = usage == "Training", usage == "PublicTest"
    X_train, y_train = data.images[train], names[data.target[train]]
    X_train, _, y_train, _ = train_test_split(
        X_train, y_train, train_size=args.max_train, stratify=y_train, random_state=0
    )
    X_test, y_test = data.images[test], names[data.target[test]]
else:
    faces = make_faces(
        n_samples=2000,
        image_size=32,
        weights=fer_counts / fer_counts.sum(),
        random_state=0,
    )
    names = np.asarray(faces.target_names)
    X_train, X_test, y_train, y_test = train_test_split(
        faces.images,
        names[faces.target],
        test_size=0.3,
        stratify=faces.target,
        random_state=0,
    )
labels, counts = np.unique(y_train, return_counts=True)
print(dict(zip(labels.tolist(), counts.tolist(), strict=True)))

# %%
# The five strategies. Over-sampling repeats rare images until every class
# has as many as the majority (more images per epoch); sampling weights draw
# balanced batches from the same number of images per epoch.
base = dict(backbone="basic", width=16, max_epochs=6, augment=False, random_state=0)
models = {
    "none": AffectCNNClassifier(**base),
    "class weights": AffectCNNClassifier(**base, class_weight="balanced"),
    "focal loss": AffectCNNClassifier(**base, loss="focal", focal_gamma=2.0),
    "over-sampling": Pipeline(
        [
            ("resample", ImageResampler(RandomOverSampler(), random_state=0)),
            ("clf", AffectCNNClassifier(**base)),
        ]
    ),
    "sampling weights": AffectCNNClassifier(**base, class_sampling_weights="balanced"),
}
rows = {}
for name, model in models.items():
    y_pred = model.fit(X_train, y_train).predict(X_test)
    rep = affect_report(y_test, y_pred, labels=names)
    rows[name] = (rep["accuracy"], rep["f1_macro"], rep["recall_disgust"])
print(f"{'strategy':18s} {'accuracy':>8s} {'macro F1':>8s} {'disgust':>8s}")
for name, (acc, f1, rec) in rows.items():
    print(f"{name:18s} {acc:8.3f} {f1:8.3f} {rec:8.3f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.27
pos = np.arange(len(rows))
for i, metric in enumerate(["accuracy", "macro F1", "disgust recall"]):
    ax.bar(pos + (i - 1) * width, [r[i] for r in rows.values()], width, label=metric)
ax.set_xticks(pos, list(rows), rotation=15)
ax.set_ylim(0, 1)
ax.legend(ncols=3, loc="upper center")
fig.tight_layout()

# %%
# SMOTE and other synthesising samplers create new rows by interpolating
# features; interpolated pixels are not faces, so ``ImageResampler`` refuses
# them and says what to do instead:
try:
    ImageResampler(SMOTE()).fit_resample(X_train, y_train)
except ValueError as exc:
    print(exc)


# %%
# The pattern that works: images -> features -> sampler -> classifier. Here
# the features are PCA components of the pixels; any transformer that turns
# images into a 2-D array fits in its place.
def flatten(images):
    return np.asarray(images, dtype=np.float32).reshape(len(images), -1) / 255


features = make_pipeline(
    FunctionTransformer(flatten),
    PCA(n_components=40, random_state=0),
    SMOTE(random_state=0),
    LogisticRegression(max_iter=1000),
)
rep = affect_report(
    y_test, features.fit(X_train, y_train).predict(X_test), labels=names
)
print(
    f"PCA + SMOTE + logistic regression: accuracy {rep['accuracy']:.3f}, "
    f"macro F1 {rep['f1_macro']:.3f}, disgust recall {rep['recall_disgust']:.3f}"
)
