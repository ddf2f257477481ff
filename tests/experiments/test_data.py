"""The data of a run: the usage split without a validation part, and max_train."""

import numpy as np
import pytest

from affect_sklearn.datasets import make_faces
from affect_sklearn.experiments import resolve_config
from affect_sklearn.experiments._data import load_experiment_data

USAGE = ["Training"] * 12 + ["PublicTest"] * 5 + ["PrivateTest"] * 3


@pytest.fixture
def fer_csv(tmp_path):
    faces = make_faces(n_samples=len(USAGE), n_classes=2, random_state=0)
    rows = ["emotion,pixels,Usage"] + [
        f"{t},{' '.join(map(str, img.ravel()))},{u}"
        for t, img, u in zip(faces.target, faces.images, USAGE, strict=True)
    ]
    path = tmp_path / "fer2013.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _data(**data):
    return resolve_config({"data": data})["data"]


def test_usage_split_with_val_size_zero_tests_every_held_out_row(fer_csv):
    split = load_experiment_data(_data(path=str(fer_csv), split="usage"), 0).split
    assert split.val.tolist() == list(range(12, 17))
    assert split.test.tolist() == list(range(17, 20))
    cfg = _data(path=str(fer_csv), split="usage", val_size=0)
    split = load_experiment_data(cfg, 0).split
    assert split.train.tolist() == list(range(12)) and not len(split.val)
    assert split.test.tolist() == list(range(12, 20))


@pytest.mark.parametrize("how", ["usage", "random"])
def test_max_train_keeps_a_seeded_sample_of_the_training_rows(fer_csv, how):
    full = load_experiment_data(_data(path=str(fer_csv), split=how), 0).split
    cfg = _data(path=str(fer_csv), split=how, max_train=5)
    capped = load_experiment_data(cfg, 0).split
    assert len(capped.train) == 5 and set(capped.train) < set(full.train)
    assert np.all(np.diff(capped.train) > 0)
    np.testing.assert_array_equal(capped.test, full.test)
    np.testing.assert_array_equal(capped.val, full.val)
    again = load_experiment_data(cfg, 0).split
    np.testing.assert_array_equal(again.train, capped.train)
    if how == "usage":  # the same training part, another draw from it
        other = load_experiment_data(cfg, 1).split
        assert other.train.tolist() != capped.train.tolist()
    # a cap above the training part keeps it whole
    cfg = _data(path=str(fer_csv), split=how, max_train=100)
    np.testing.assert_array_equal(load_experiment_data(cfg, 0).split.train, full.train)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "10"])
def test_max_train_must_be_a_positive_integer(bad):
    with pytest.raises(ValueError, match="data.max_train must be a positive integer"):
        _data(max_train=bad)
