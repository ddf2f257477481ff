"""
Tune a CNN with Optuna: pruning, a shared study, and resuming it
================================================================

:class:`~affect_sklearn.model_selection.OptunaSearchCV` has the
``GridSearchCV`` interface, but an Optuna sampler proposes the candidates and a
pruner stops bad ones after any epoch. The study lives in a SQLite file, so
other processes (``study_name`` + ``load_if_exists=True``) can add trials to it,
and a crashed run resumes where it stopped.

Run ``python examples/tuning/plot_optuna_search.py`` (about 30 s on 2 CPU
cores), or add ``--data ../shared/data/fer2013/fer2013_train_publictest.npz``
for a sample of real FER-2013 faces.
"""

# %%
import argparse
import tempfile
import warnings
from pathlib import Path

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.datasets import load_fer2013, make_faces
from affect_sklearn.model_selection import EpochPruning, OptunaSearchCV

parser = argparse.ArgumentParser()
parser.add_argument("--data", default=None, help="FER-2013 CSV, npz or folder")
parser.add_argument("--max-train", type=int, default=1500)
args, _ = parser.parse_known_args()
optuna.logging.set_verbosity(optuna.logging.WARNING)

# %%
# Data: synthetic 32x32 faces by default (FER-2013's 48x48 with ``--data``).
if args.data:
    data = load_fer2013(args.data, usage="Training")
    idx = np.random.RandomState(0).choice(len(data.images), args.max_train, False)
    X, y = data.images[idx], np.asarray(data.target_names)[data.target[idx]]
else:
    faces = make_faces(n_samples=600, image_size=32, n_classes=4, random_state=0)
    X, y = faces.images, np.asarray(faces.target_names)[faces.target]

# %%
# The estimator reports its validation accuracy to the running trial after
# each epoch through :class:`~affect_sklearn.model_selection.EpochPruning`.
# ``early_stopping`` carves the validation split that ``valid_acc`` needs (a
# patience equal to ``max_epochs`` never stops early). The callback holds no
# trial, so the estimator clones and pickles like any other.
clf = AffectCNNClassifier(
    backbone="basic",
    width=16,
    max_epochs=6,
    early_stopping=6,
    batch_size=16,
    augment=False,
    random_state=0,
    device="cpu",
    net_kwargs={"callbacks": [("prune", EpochPruning("valid_acc"))]},
)
space = {
    "lr": FloatDistribution(5e-4, 2e-2, log=True),
    "dropout": FloatDistribution(0.0, 0.5),
    "loss": CategoricalDistribution(["cross_entropy", "focal"]),
    "class_sampling_weights": CategoricalDistribution([None, "balanced"]),
}

# %%
# Run 6 trials into a SQLite study, scoring macro F1 and quadratic kappa and
# maximising macro F1. ``storage`` also takes ``"journal:<path>"`` or a
# database URL such as ``"postgresql://user:pass@host/db"`` for many machines.
tmp = Path(tempfile.mkdtemp())
search = OptunaSearchCV(
    clf,
    space,
    scoring=["f1_macro", "quadratic_kappa"],
    refit="f1_macro",
    cv=2,
    n_trials=6,
    storage=tmp / "study.db",
    study_name="faces",
    pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=3),
    random_state=0,
)
search.fit(X, y)
print(f"best macro F1 {search.best_score_:.3f} with {search.best_params_}")
res = search.cv_results_
for n, state, f1 in zip(
    res["trial_number"], res["state"], res["mean_test_f1_macro"], strict=True
):
    print(f"trial {n}: {state:9s} macro F1 {f1:.3f}")

# %%
# Resume: another ``fit`` (in this process, another one, or another machine
# sharing the database) with ``load_if_exists=True`` adds trials to the same
# study; the sampler learns from all of them, and ``cv_results_`` lists them
# all. After a crash, the same call continues the study.
more = OptunaSearchCV(
    clf,
    space,
    scoring="f1_macro",
    cv=2,
    n_trials=3,
    storage=tmp / "study.db",
    study_name="faces",
    load_if_exists=True,
    random_state=1,
).fit(X, y)
print(f"{more.n_trials_} trials in the study; best macro F1 {more.best_score_:.3f}")

# %%
# Optuna's own plots work on ``search.study_``.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
    ax = optuna.visualization.matplotlib.plot_optimization_history(more.study_)
ax.figure.set_size_inches(6, 4)
ax.figure.tight_layout()

# %%
# Scale out: with a Dask cluster, trials run on its workers; only the joblib
# backend changes (``pip install distributed``)::
#
#     import joblib
#     from distributed import Client
#
#     client = Client("tcp://scheduler:8786")  # or Client() for a local cluster
#     with joblib.parallel_config(backend="dask"):
#         OptunaSearchCV(clf, space, n_jobs=-1, n_trials=50).fit(X, y)
#
# The same ``with`` block runs ``GridSearchCV(clf, grid, n_jobs=-1)`` there too.
