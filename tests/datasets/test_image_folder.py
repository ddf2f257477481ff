"""Tests for load_image_folder and summarize_classes on generated image folders."""

import numpy as np
import pytest
from PIL import Image

from affect_sklearn.datasets import (
    FER2013_CLASSES,
    load_image_folder,
    make_faces,
    summarize_classes,
)


@pytest.fixture(scope="module")
def faces():
    return make_faces(n_samples=12, random_state=0)


def write_folder(root, images, names, ext=".png"):
    """Write image i to root/<names[i]>/<i>.<ext>; return the paths."""
    paths = []
    for i, (img, name) in enumerate(zip(images, names, strict=True)):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(folder / f"{i:03d}{ext}")
        Image.fromarray(img).save(
            paths[-1], format=Image.registered_extensions()[ext.lower()]
        )
    return paths


def _index(filenames):
    return [int(f.rsplit("/", 1)[-1][:3]) for f in filenames]


def test_fer_names_use_standard_order(tmp_path, faces):
    names = [FER2013_CLASSES[t].upper() for t in faces.target]
    write_folder(tmp_path, faces.images, names)
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / names[0] / "readme.md").write_text("ignored")
    data = load_image_folder(tmp_path)
    assert data.target_names == list(FER2013_CLASSES)
    order = _index(data.filenames)
    np.testing.assert_array_equal(data.images, faces.images[order])
    np.testing.assert_array_equal(data.target, faces.target[order])
    assert data.images.dtype == np.uint8 and data.target.dtype == np.int64
    assert data.filenames.dtype == object and data.skipped == []
    counts = np.bincount(faces.target, minlength=7)
    assert data.summary["count"].tolist() == counts.tolist()
    assert data.imbalance_ratio == counts.max() / counts[counts > 0].min()


@pytest.mark.parametrize("ext", [".JPG", ".jpeg", ".Png", ".bmp", ".webp"])
def test_extensions_any_case(tmp_path, faces, ext):
    write_folder(tmp_path, faces.images[:4], ["a", "b", "a", "b"], ext=ext)
    data = load_image_folder(tmp_path)
    assert data.images.shape == (4, 48, 48)
    assert data.target_names == ["a", "b"] and data.target.tolist() == [0, 0, 1, 1]


def test_unknown_class_folders_are_kept(tmp_path, faces):
    write_folder(tmp_path, faces.images[:3], ["happy", "Contempt", "sad"])
    with pytest.warns(UserWarning, match=r"\['Contempt'\] are not FER-2013 classes"):
        data = load_image_folder(tmp_path)
    assert data.target_names == list(FER2013_CLASSES) + ["Contempt"]
    assert sorted(data.target.tolist()) == [3, 4, 7]


def test_undecodable_files_are_skipped_and_listed(tmp_path, faces):
    paths = write_folder(tmp_path, faces.images[:4], ["x", "x", "y", "y"], ext=".jpg")
    (tmp_path / "x" / "broken.jpg").write_bytes(b"not a jpeg at all")
    good = paths[2].read_bytes()
    (tmp_path / "y" / "truncated.jpg").write_bytes(good[: len(good) // 2])
    with pytest.warns(UserWarning, match=r"Skipped 2 of 6 image files"):
        data = load_image_folder(tmp_path)
    assert len(data.target) == 4
    skipped = sorted(p.rsplit("/", 1)[-1] for p, _ in data.skipped)
    assert skipped == ["broken.jpg", "truncated.jpg"]
    assert all(reason for _, reason in data.skipped)


def test_mixed_sizes_need_image_size(tmp_path, faces):
    small = make_faces(n_samples=2, image_size=24, random_state=1).images
    write_folder(tmp_path, faces.images[:2], ["a", "a"])
    write_folder(tmp_path / "b", small, [".", "."])
    with pytest.raises(
        ValueError, match=r"different sizes .*48x48.*24x24.*image_size=48"
    ):
        load_image_folder(tmp_path)
    with pytest.raises(ValueError, match=r"different sizes"):
        load_image_folder(tmp_path, return_paths=True)
    data = load_image_folder(tmp_path, image_size=(32, 40))
    assert data.images.shape == (4, 32, 40)


def test_rgb_mode(tmp_path, faces):
    write_folder(tmp_path, faces.images[:3], ["a", "b", "c"], ext=".jpg")
    data = load_image_folder(tmp_path, color_mode="rgb", image_size=16)
    assert data.images.shape == (3, 16, 16, 3)


def test_return_paths_reads_headers_only(tmp_path, faces):
    write_folder(tmp_path, faces.images[:4], ["a", "b", "a", "b"])
    (tmp_path / "a" / "junk.png").write_bytes(b"junk")
    with pytest.warns(UserWarning, match=r"Skipped 1 of 5"):
        data = load_image_folder(tmp_path, return_paths=True)
    assert data.images is None and len(data.filenames) == 4
    assert all(f.startswith(str(tmp_path)) for f in data.filenames)
    assert data.target.tolist() == [0, 0, 1, 1]


def test_parallel_matches_sequential(tmp_path, faces):
    write_folder(tmp_path, faces.images, [str(t) for t in faces.target], ext=".jpg")
    seq = load_image_folder(tmp_path, n_jobs=1)
    par = load_image_folder(tmp_path, n_jobs=2, verbose=True)
    np.testing.assert_array_equal(seq.images, par.images)
    np.testing.assert_array_equal(seq.filenames, par.filenames)


def test_missing_or_empty_root_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"root=.*does not exist"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match=r"has no class subfolders"):
        load_image_folder(tmp_path)
    (tmp_path / "happy").mkdir()
    (tmp_path / "happy" / "a.txt").write_text("x")
    with pytest.raises(ValueError, match=r"hold no image files"):
        load_image_folder(tmp_path)
    with pytest.raises(ValueError, match=r"root must be a folder"):
        load_image_folder(tmp_path / "happy" / "a.txt")


def test_all_files_unreadable_raises(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"junk")
    with pytest.warns(UserWarning), pytest.raises(ValueError, match=r"None of the 1"):
        load_image_folder(tmp_path)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"color_mode": "bgr"}, r"color_mode must be 'grayscale' or 'rgb'; got 'bgr'"),
        ({"image_size": 0}, r"image_size must be None, a positive int"),
        ({"image_size": (48, 48, 3)}, r"image_size must be None"),
    ],
)
def test_bad_parameters_raise(tmp_path, faces, kwargs, match):
    write_folder(tmp_path, faces.images[:1], ["a"])
    with pytest.raises(ValueError, match=match):
        load_image_folder(tmp_path, **kwargs)


def test_summarize_classes_by_hand():
    summary = summarize_classes([0, 0, 0, 2, 2, 0], ["a", "b", "c"])
    assert summary["count"].tolist() == [4, 0, 2]
    np.testing.assert_allclose(summary["fraction"], [4 / 6, 0, 2 / 6])
    assert summary.attrs["imbalance_ratio"] == 2.0
    plain = summarize_classes(["x", "y", "y"])
    assert plain.index.tolist() == ["x", "y"] and plain.attrs["imbalance_ratio"] == 2.0
