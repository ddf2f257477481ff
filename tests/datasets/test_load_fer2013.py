"""Tests for load_fer2013 on small generated CSV, npz and image-folder files."""

import numpy as np
import pytest
from PIL import Image

from affect_sklearn.datasets import FER2013_CLASSES, load_fer2013, make_faces

USAGES = ("Training", "PublicTest", "PrivateTest")


@pytest.fixture(scope="module")
def faces():
    return make_faces(n_samples=14, random_state=0)


def _pixels(img):
    return " ".join(map(str, img.ravel()))


def write_csv(path, images, target, usage=None, order=("emotion", "pixels", "Usage")):
    usage = [USAGES[i % 3] for i in range(len(images))] if usage is None else usage
    rows = []
    for img, t, u in zip(images, target, usage, strict=True):
        values = {"emotion": str(t), "pixels": _pixels(img), "Usage": u}
        rows.append(",".join(values[c] for c in order))
    path.write_text("\n".join([",".join(order)] + rows) + "\n")
    return path


def test_csv_round_trip(tmp_path, faces):
    path = write_csv(tmp_path / "fer.csv", faces.images, faces.target)
    data = load_fer2013(path)
    assert data.images.dtype == np.uint8 and data.images.shape == (14, 48, 48)
    np.testing.assert_array_equal(data.images, faces.images)
    np.testing.assert_array_equal(data.target, faces.target)
    assert data.target.dtype == np.int64
    assert data.target_names == list(FER2013_CLASSES)
    assert data.usage.tolist() == [USAGES[i % 3] for i in range(14)]
    assert data.filenames is None and data.skipped == []
    assert data.summary["count"].sum() == 14
    assert "FER-2013" in data.DESCR


def test_csv_matches_naive_parse_on_random_pixels(tmp_path):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(9, 48, 48)).astype(np.uint8)
    images[0, 0, 0], images[1, -1, -1] = 255, 0
    path = write_csv(tmp_path / "fer.csv", images, rng.randint(0, 7, size=9))
    np.testing.assert_array_equal(load_fer2013(path).images, images)


def test_csv_icml_layout_crlf_quotes(tmp_path, faces):
    # icml_face_data.csv: "emotion, Usage, pixels", quoted pixels, CRLF endings.
    rows = zip(faces.images, faces.target, strict=True)
    lines = ["emotion, Usage, pixels"] + [
        f'{t},Training,"{_pixels(img)}"' for img, t in rows
    ]
    path = tmp_path / "icml_face_data.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = load_fer2013(path)
    np.testing.assert_array_equal(data.images, faces.images)
    np.testing.assert_array_equal(data.target, faces.target)


def test_csv_without_usage_and_small_images(tmp_path):
    images = make_faces(n_samples=3, image_size=16, random_state=1).images
    path = write_csv(
        tmp_path / "train.csv", images, [1, 2, 3], order=("emotion", "pixels")
    )
    data = load_fer2013(path)
    assert data.images.shape == (3, 16, 16)
    assert data.usage.tolist() == ["Training"] * 3


def test_folder_with_fer2013_csv_and_usage_filter(tmp_path, faces):
    write_csv(tmp_path / "fer2013.csv", faces.images, faces.target)
    data = load_fer2013(tmp_path, usage=["publictest", "PrivateTest"])
    assert set(data.usage) == {"PublicTest", "PrivateTest"}
    assert len(data.target) == 9
    np.testing.assert_array_equal(data.images, faces.images[np.arange(14) % 3 > 0])


def test_unknown_usage_raises(tmp_path, faces):
    path = write_csv(tmp_path / "fer.csv", faces.images, faces.target)
    with pytest.raises(
        ValueError, match=r"usage must be one or more of \['PrivateTest'"
    ):
        load_fer2013(path, usage="validation")


def test_npz_in_shared_format(tmp_path, faces):
    classes = np.array(list(FER2013_CLASSES)[::-1])  # reversed order in the file
    names = np.array([f"train/x/{i}.jpg" for i in range(14)])
    path = tmp_path / "fer.npz"
    y = (6 - faces.target).astype(np.int8)
    usage = np.array(["Training"] * 10 + ["PublicTest"] * 4)
    np.savez(path, X=faces.images, y=y, usage=usage, filename=names, classes=classes)
    data = load_fer2013(path)
    np.testing.assert_array_equal(data.target, faces.target)
    assert data.filenames.tolist() == names.tolist()
    assert load_fer2013(path, usage="PublicTest").images.shape == (4, 48, 48)


def test_npz_errors(tmp_path, faces):
    np.savez(tmp_path / "a.npz", images=faces.images)
    with pytest.raises(ValueError, match=r"must hold the arrays X and y"):
        load_fer2013(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", X=faces.images, y=faces.target, classes=["a", "b"])
    with pytest.raises(ValueError, match=r"classes must be FER-2013 class names"):
        load_fer2013(tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", X=faces.images[:, :, :, None], y=faces.target)
    with pytest.raises(
        ValueError, match=r"must be uint8 of shape \(n_samples, 48, 48\)"
    ):
        load_fer2013(tmp_path / "c.npz")


def write_export(root, faces, case=str.lower):
    for i, (img, t) in enumerate(zip(faces.images, faces.target, strict=True)):
        split = "train" if i < 10 else "test"
        folder = root / split / case(FER2013_CLASSES[t])
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(folder / f"{i:03d}.png")


def test_image_folder_export(tmp_path, faces):
    write_export(tmp_path, faces, case=str.capitalize)
    data = load_fer2013(tmp_path)
    assert data.target_names == list(FER2013_CLASSES)
    assert sorted(data.usage.tolist()) == ["test"] * 4 + ["train"] * 10
    order = [int(f.rsplit("/", 1)[-1][:3]) for f in data.filenames]
    np.testing.assert_array_equal(data.images, faces.images[order])
    np.testing.assert_array_equal(data.target, faces.target[order])
    assert all(f.startswith(str(tmp_path)) for f in data.filenames)
    test = load_fer2013(tmp_path, usage="test")
    assert len(test.target) == 4 and set(test.usage) == {"test"}


def test_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"path=.*does not exist"):
        load_fer2013(tmp_path / "nope.csv")
    with pytest.raises(TypeError, match=r"path must be a str or os.PathLike"):
        load_fer2013(3)


def test_folder_without_data_raises(tmp_path):
    (tmp_path / "other").mkdir()
    with pytest.raises(ValueError, match=r"holds neither fer2013.csv nor the train/"):
        load_fer2013(tmp_path)


@pytest.mark.parametrize(
    "content, match",
    [
        ("label,pixels\n0,1 2 3 4\n", r"must have the columns emotion, pixels"),
        ("emotion,pixels,Usage\n", r"has a header but no data rows"),
        ("emotion,pixels\n0,1 2 3 4 5\n", r"has 5 values, which is not a square"),
        ("emotion,pixels\n0,1 2 3 4\n1,1 2 3\n", r"Line 3 of .* has 3 pixel values"),
        ("emotion,pixels,Usage\n0,1 2 3 4\n", r"Line 2 .* 3 comma-separated fields"),
        ("emotion,pixels\n0,1 2 300 4\n", r"integers in 0-255 .* single spaces"),
        ("emotion,pixels\n0,1 2 3 x\n", r"integers in 0-255"),
        ("emotion,pixels\n9,1 2 3 4\n", r"labels must be integers in 0-6"),
        ("emotion,pixels\nhappy,1 2 3 4\n", r"emotion column .* must hold integers"),
    ],
)
def test_bad_csv_raises(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ValueError, match=match):
        load_fer2013(path)
