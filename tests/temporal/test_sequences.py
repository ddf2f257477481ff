"""The one parser of "one sequence or several" behind the detector and metrics."""

import numpy as np
import pandas as pd
import pytest

from affect_sklearn.temporal._sequences import split_sequences

KW = dict(prefix="x must be", expected="one sequence or a list")


@pytest.mark.parametrize(
    "x, frame_ndim, lengths, single",
    [
        ([0, 1, 1], 1, [3], True),
        (np.array(["a", "b"], dtype=object), 1, [2], True),  # labels, not sequences
        ([], 1, [0], True),
        ([[0, 1], [1, 1, 2]], 1, [2, 3], False),
        (np.zeros((2, 5)), 1, [5, 5], False),
        (np.zeros((4, 3)), 2, [4], True),
        ([[0.5, 0.5], [0.2, 0.8]], 2, [2], True),
        (np.zeros((2, 4, 3)), 2, [4, 4], False),
        ([np.zeros((4, 3)), np.zeros((6, 3))], 2, [4, 6], False),
        (pd.DataFrame(np.zeros((5, 2))), 2, [5], True),
    ],
)
def test_split_sequences_forms(x, frame_ndim, lengths, single):
    seqs, got_single = split_sequences(x, frame_ndim=frame_ndim, **KW)
    assert [len(s) for s in seqs] == lengths
    assert all(s.ndim == frame_ndim for s in seqs)
    assert got_single is single


@pytest.mark.parametrize(
    "x, frame_ndim, error, match",
    [
        ("happy", 1, TypeError, "x must be one sequence or a list; got str"),
        (np.float64(3.0), 1, TypeError, "got float64"),
        (np.zeros((2, 2, 2)), 1, ValueError, "one sequence must be 1-D"),
        (np.zeros(5), 2, ValueError, r"shape \(5,\): one sequence must be 2-D"),
        ([], 2, ValueError, "got an empty list"),
        ([[1], [[2]]], 1, ValueError, "item 1 has shape"),
        ([[0.5, 0.5], [0.2]], 2, ValueError, "first items have shapes"),
    ],
)
def test_split_sequences_rejects(x, frame_ndim, error, match):
    with pytest.raises(error, match=match):
        split_sequences(x, frame_ndim=frame_ndim, **KW)
