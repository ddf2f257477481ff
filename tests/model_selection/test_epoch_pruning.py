import pickle

import numpy as np
import optuna
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.model_selection import EpochPruning, current_trial
from affect_sklearn.model_selection._context import _trial_context

from ..conftest import TINY


def _clf(callback, **kw):
    return AffectCNNClassifier(
        **{
            **TINY,
            "random_state": 0,
            "net_kwargs": {"callbacks": [("prune", callback)]},
            **kw,
        }
    )


def _trial(pruner):
    study = optuna.create_study(direction="maximize", pruner=pruner)
    return study, study.ask()


def test_estimator_with_epoch_pruning_survives_clone_and_pickle():
    clf = _clf(EpochPruning("valid_acc"), early_stopping=2)
    cloned = clone(clf)
    cb = cloned.net_kwargs["callbacks"][0][1]
    assert isinstance(cb, EpochPruning)
    assert cb is not clf.net_kwargs["callbacks"][0][1]
    assert cb.get_params() == {"monitor": "valid_acc", "lower_is_better": None}
    assert pickle.loads(pickle.dumps(clf)).get_params()["early_stopping"] == 2


def test_epoch_pruning_outside_a_search_is_a_noop(tiny_faces):
    clf = _clf(EpochPruning("valid_acc"), early_stopping=2)
    scores = cross_val_score(clf, tiny_faces.images, tiny_faces.target, cv=2)
    assert scores.shape == (2,)
    assert current_trial() is None


def test_missing_monitored_key_names_it_and_the_available_keys(tiny_faces):
    clf = _clf(EpochPruning("valid_f1"), early_stopping=2)
    with pytest.raises(ValueError, match=r"'valid_f1'.*available keys.*'valid_acc'"):
        clf.fit(tiny_faces.images, tiny_faces.target)


def test_valid_key_without_validation_split_suggests_early_stopping(tiny_faces):
    clf = _clf(EpochPruning("valid_acc"))
    with pytest.raises(ValueError, match="set early_stopping to an int"):
        clf.fit(tiny_faces.images, tiny_faces.target)


def test_reports_every_epoch_and_raises_trial_pruned_when_told(tiny_faces):
    # the threshold pruner prunes as soon as step 1 reports a value below 10
    study, trial = _trial(optuna.pruners.ThresholdPruner(lower=10, n_warmup_steps=1))
    clf = _clf(EpochPruning("valid_acc"), early_stopping=3, max_epochs=3)
    with _trial_context(trial) as ctx:
        assert current_trial() is trial
        with pytest.raises(optuna.TrialPruned, match="pruned at step 1"):
            clf.fit(tiny_faces.images, tiny_faces.target)
    assert sorted(ctx.values) == [0, 1]
    assert sorted(trial.storage.get_trial(trial._trial_id).intermediate_values) == [
        0,
        1,
    ]
    assert current_trial() is None


def test_losses_are_reported_negated_so_higher_is_better(tiny_faces):
    study, trial = _trial(optuna.pruners.NopPruner())
    clf = _clf(EpochPruning("train_loss"))
    with _trial_context(trial) as ctx:
        clf.fit(tiny_faces.images, tiny_faces.target)
    np.testing.assert_allclose(
        [ctx.values[0], ctx.values[1]], -clf.history_["train_loss"].to_numpy()
    )


def test_repr_shows_the_monitor():
    assert repr(EpochPruning("valid_ccc")) == "EpochPruning(monitor='valid_ccc')"
    assert "lower_is_better=True" in repr(EpochPruning("x", lower_is_better=True))
