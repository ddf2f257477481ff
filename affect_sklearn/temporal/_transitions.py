"""Sticky HMM parameters of the change detector, learned from labelled sequences."""

from __future__ import annotations

import numpy as np

from ._smoothing import sticky_transition_matrix

# stay_prob when it is neither given nor learnable (fit without labels).
_DEFAULT_STAY = 0.9


def learn_transitions(labels, classes, stay_prob):
    """(stay_prob_, transmat_, startprob_) of the HMM over ``classes``.

    Parameters
    ----------
    labels : list of 1-D arrays or None
        True per-frame labels of each sequence; None without labels.
    classes : ndarray of shape (n_classes,)
        Label of each state.
    stay_prob : float or None
        Given probability of keeping the label; None learns it from the
        labels (add-one smoothed), or takes 0.9 without labels.

    Returns
    -------
    stay_prob_ : float
    transmat_ : ndarray of shape (n_classes, n_classes)
        ``stay_prob_`` on the diagonal; switch targets in proportion to the
        observed switches (add-one smoothed), uniform without labels.
    startprob_ : ndarray of shape (n_classes,)
        Class frequencies (add-one smoothed), uniform without labels.
    """
    k = len(classes)
    if labels is None:
        stay = _DEFAULT_STAY if stay_prob is None else float(stay_prob)
        return stay, sticky_transition_matrix(k, stay), np.full(k, 1.0 / k)
    index = {c: i for i, c in enumerate(classes.tolist())}
    counts = np.zeros((k, k))
    freq = np.ones(k)
    for i, lab in enumerate(labels):
        unknown = set(lab.tolist()) - set(index)
        if unknown:
            raise ValueError(
                f"y[{i}] has labels {sorted(map(str, unknown))[:5]} that are not "
                f"in classes {classes.tolist()}. Pass classes naming the "
                "probability columns."
            )
        idx = np.fromiter((index[c] for c in lab.tolist()), np.intp, len(lab))
        np.add.at(counts, (idx[:-1], idx[1:]), 1)
        freq += np.bincount(idx, minlength=k)
    n_stay = np.trace(counts)
    if stay_prob is None:
        stay = float((n_stay + 1) / (counts.sum() + 2))
    else:
        stay = float(stay_prob)
    switches = counts + 1
    np.fill_diagonal(switches, 0)
    switches /= switches.sum(axis=1, keepdims=True)
    transmat = switches * (1 - stay)
    np.fill_diagonal(transmat, stay)
    return stay, transmat, freq / freq.sum()
