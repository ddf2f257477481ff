"""Tests for make_split and the split manifest."""

import json

import numpy as np
import pytest

from affect_sklearn.datasets import (
    load_split_manifest,
    make_faces,
    make_split,
    save_split_manifest,
)


@pytest.fixture(scope="module")
def faces():
    return make_faces(n_samples=70, random_state=0)


def _parts(split):
    return [split.train, split.val, split.test]


def test_parts_are_disjoint_cover_and_stratified():
    y = np.repeat(np.arange(4), 25)
    split = make_split(y, test_size=0.2, val_size=0.2, random_state=0)
    assert [len(p) for p in _parts(split)] == [60, 20, 20]
    np.testing.assert_array_equal(
        np.sort(np.concatenate(_parts(split))), np.arange(100)
    )
    for part in (split.val, split.test):
        assert np.bincount(y[part]).tolist() == [5, 5, 5, 5]
    assert split.stratified and not split.grouped and split.seed == 0


def test_seed_reproduces_and_is_recorded():
    y = np.arange(50) % 3
    a, b = make_split(y, random_state=3), make_split(y, random_state=3)
    for pa, pb in zip(_parts(a), _parts(b), strict=True):
        np.testing.assert_array_equal(pa, pb)
    drawn = make_split(y, random_state=np.random.RandomState(0))
    again = make_split(y, random_state=drawn.seed)
    np.testing.assert_array_equal(drawn.test, again.test)


def test_counts_and_empty_parts():
    y = np.arange(20) % 2
    split = make_split(y, test_size=5, val_size=0, random_state=0)
    assert [len(p) for p in _parts(split)] == [15, 0, 5]


def test_continuous_targets_are_not_stratified():
    va = np.random.RandomState(0).uniform(-1, 1, size=(30, 2))
    split = make_split(va, random_state=0)
    assert not split.stratified and len(split.test) == 6


def test_tiny_class_falls_back_with_warning():
    y = np.array([0] * 10 + [1])
    with pytest.warns(UserWarning, match=r"Could not stratify"):
        split = make_split(y, test_size=0.3, val_size=0, random_state=0)
    assert len(split.test) == 4


def test_groups_keep_subjects_whole():
    rng = np.random.RandomState(0)
    groups = np.repeat(np.arange(20), 6)
    y = rng.randint(0, 3, size=len(groups))
    split = make_split(y, groups=groups, test_size=0.2, val_size=0.2, random_state=0)
    subjects = [set(groups[p]) for p in _parts(split)]
    assert not (subjects[0] & subjects[1] or subjects[0] & subjects[2])
    assert not subjects[1] & subjects[2]
    np.testing.assert_array_equal(
        np.sort(np.concatenate(_parts(split))), np.arange(len(y))
    )
    assert split.grouped and 12 <= len(split.test) <= 36
    plain = make_split(y, groups=groups, stratify=False, random_state=0)
    assert not set(groups[plain.train]) & set(groups[plain.test])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"test_size": 1.0}, r"'test_size' parameter of make_split .* \[0.0, 1.0\)"),
        ({"val_size": -1}, r"'val_size' parameter .* or an int in the range \[0, inf"),
        ({"test_size": "20%"}, r"'test_size' parameter of make_split must be"),
        ({"stratify": "yes"}, r"'stratify' parameter of make_split"),
        ({"test_size": 10}, r"test_size=10 asks for 10 samples but y has only 10"),
        ({"test_size": 0.6, "val_size": 0.5}, r"leave no training samples"),
        ({"test_size": True}, r"test_size must be .* not the boolean True"),
        ({"val_size": False}, r"val_size must be .* not the boolean False"),
        ({"groups": np.arange(5)}, r"groups must have shape \(10,\)"),
        ({"groups": [0] * 5 + [1] * 5}, r"groups has 2 distinct subject\(s\)"),
    ],
)
def test_bad_split_parameters_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_split(np.arange(10) % 2, **kwargs)


def test_bad_y_raises():
    with pytest.raises(ValueError, match=r"y must be an array of shape \(n_samples,\)"):
        make_split([1])


def test_manifest_round_trip(tmp_path, faces):
    split = make_split(faces.target, random_state=0)
    path = tmp_path / "split.json"
    save_split_manifest(split, path, X=faces.images, y=faces.target)
    loaded = load_split_manifest(path, X=faces.images, y=faces.target)
    for a, b in zip(_parts(split), _parts(loaded), strict=True):
        np.testing.assert_array_equal(a, b)
    manifest = json.loads(path.read_text())
    assert manifest["seed"] == 0 and manifest["n_samples"] == 70
    assert manifest["sizes"] == {"train": 49, "val": 7, "test": 14}
    assert manifest["data_hash"]["over"] == ["X", "y"]
    assert loaded.filenames is None


def test_manifest_rejects_changed_data(tmp_path, faces):
    path = tmp_path / "split.json"
    save_split_manifest(make_split(faces.target, random_state=0), path, X=faces.images)
    edited = faces.images.copy()
    edited[3, 10, 10] ^= 1
    with pytest.raises(ValueError, match=r"made for different data.*regenerate it"):
        load_split_manifest(path, X=edited)
    with pytest.raises(ValueError, match=r"expects 70 samples .* has \[69\] samples"):
        load_split_manifest(path, X=faces.images[:-1])
    with pytest.raises(ValueError, match=r"hashes \['X'\]; pass X= to check"):
        load_split_manifest(path, y=faces.target)
    assert len(load_split_manifest(path, check=False).test) == 14


def test_manifest_with_filenames_survives_moving_the_data(tmp_path):
    names = [f"/data/fer/{c}/{i}.jpg" for i, c in enumerate("aabbccddee")]
    y = np.arange(10) % 2
    path = tmp_path / "split.json"
    split = make_split(y, val_size=0.2, random_state=1)
    save_split_manifest(split, path, y=y, filenames=names)
    moved = [n.replace("/data/fer", "/mnt/other/fer2013") for n in names]
    loaded = load_split_manifest(path, y=y, filenames=moved)
    stored = json.loads(path.read_text())["filenames"]
    assert stored["test"] == [names[i][len("/data/fer/") :] for i in loaded.test]
    with pytest.raises(ValueError, match=r"made for different data"):
        load_split_manifest(path, y=y, filenames=moved[::-1])


def test_manifest_input_errors(tmp_path, faces):
    split = make_split(faces.target, random_state=0)
    with pytest.raises(ValueError, match=r"needs the data the split was made for"):
        save_split_manifest(split, tmp_path / "a.json")
    with pytest.raises(ValueError, match=r"same length; .* lengths \[10, 70\]"):
        save_split_manifest(
            split, tmp_path / "a.json", X=faces.images[:10], y=faces.target
        )
    with pytest.raises(ValueError, match=r"indices run up to \d+ but the data has 10"):
        save_split_manifest(split, tmp_path / "a.json", y=faces.target[:10])
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match=r"is not a split manifest"):
        load_split_manifest(tmp_path / "other.json", y=faces.target)
    with pytest.raises(FileNotFoundError, match=r"does not exist"):
        load_split_manifest(tmp_path / "none.json", y=faces.target)
    path = tmp_path / "s.json"
    save_split_manifest(split, path, y=faces.target)
    with pytest.raises(ValueError, match=r"pass y= to check"):
        load_split_manifest(path)
