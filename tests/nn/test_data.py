"""Datasets over arrays and files, the pixel conversion and make_augmentation."""

import numpy as np
import pytest
import torch
from PIL import Image

from affect_sklearn.exceptions import ImageReadError
from affect_sklearn.nn import BatchAugmentation, ImageDataset, make_augmentation
from affect_sklearn.nn._dataset import pixels_to_tensor
from affect_sklearn.utils import ImageBatch


# ----------------------------------------------------------------- pixels_to_tensor
def test_pixels_to_tensor_scales_uint8_to_unit_range():
    arr = np.array([[0, 51, 255]], dtype=np.uint8)
    out = pixels_to_tensor(arr)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([[0.0, 0.2, 1.0]]))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_pixels_to_tensor_keeps_float_values(dtype):
    arr = np.array([[-0.5, 2.0, 300.0]], dtype=dtype)
    out = pixels_to_tensor(arr)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, torch.tensor([[-0.5, 2.0, 300.0]]))


def test_pixels_to_tensor_copies_read_only_input():
    arr = np.full((2, 2), 0.5, dtype=np.float32)
    arr.flags.writeable = False
    out = pixels_to_tensor(arr)  # no warning about non-writable arrays
    out += 1
    assert arr[0, 0] == 0.5


# ----------------------------------------------------------------- ImageDataset
def _batch(n=4, c=1, h=6, w=5, dtype=np.uint8):
    data = (np.arange(n * c * h * w) % 256).reshape(n, c, h, w).astype(dtype)
    return ImageBatch(data, None, (c, h, w))


def test_image_dataset_from_an_array():
    images = _batch()
    y = np.array([3, 1, 4, 1], dtype=np.int64)
    ds = ImageDataset(images, y)
    assert len(ds) == 4
    x, target = ds[2]
    assert x.shape == (1, 6, 5) and x.dtype == torch.float32
    torch.testing.assert_close(x, torch.from_numpy(images.data[2] / 255.0).float())
    assert target == 4


def test_image_dataset_without_targets_yields_zero():
    ds = ImageDataset(_batch(dtype=np.float32))
    x, target = ds[1]
    assert target == 0
    # float pixels pass through unscaled
    torch.testing.assert_close(x, torch.from_numpy(_batch(dtype=np.float32).data[1]))


def test_image_dataset_flip_and_transform():
    images = _batch()
    plain, _ = ImageDataset(images)[0]
    flipped, _ = ImageDataset(images, flip=True)[0]
    torch.testing.assert_close(flipped, plain.flip(-1))
    calls = []

    def add_one(x):
        calls.append(x.shape)
        return x + 1

    # the transform runs on the (C, H, W) tensor, before the test-time flip
    both, _ = ImageDataset(images, transform=add_one, flip=True)[0]
    assert calls == [(1, 6, 5)]
    torch.testing.assert_close(both, (plain + 1).flip(-1))


def test_image_dataset_with_landmarks_yields_a_dict():
    points = np.arange(4 * 3 * 2, dtype=np.float64).reshape(4, 3, 2)
    ds = ImageDataset(_batch(), np.zeros(4), landmarks=points)
    (sample, target) = ds[3]
    assert set(sample) == {"x", "landmarks"}
    assert sample["x"].shape == (1, 6, 5)
    assert sample["landmarks"].dtype == torch.float32
    torch.testing.assert_close(sample["landmarks"], torch.tensor(points[3]).float())


def test_image_dataset_reads_paths_lazily_at_the_batch_shape(tmp_path):
    paths = []
    for i, size in enumerate([(6, 5), (12, 10)]):  # the second one is resized
        arr = np.full(size, 40 * (i + 1), dtype=np.uint8)
        path = tmp_path / f"{i}.png"
        Image.fromarray(arr).save(path)
        paths.append(str(path))
    rgb = np.zeros((6, 5, 3), dtype=np.uint8)
    rgb[..., 0] = 255
    Image.fromarray(rgb).save(tmp_path / "red.png")
    paths.append(str(tmp_path / "red.png"))
    ds = ImageDataset(ImageBatch(None, np.array(paths, dtype=object), (1, 6, 5)))
    first, second, red = (ds[i][0] for i in range(3))
    assert first.shape == second.shape == red.shape == (1, 6, 5)
    torch.testing.assert_close(first, torch.full((1, 6, 5), 40 / 255))
    torch.testing.assert_close(second, torch.full((1, 6, 5), 80 / 255))
    # RGB files are converted to the batch's grayscale (PIL's L: 0.299 R)
    torch.testing.assert_close(red, torch.full((1, 6, 5), 76 / 255))
    # read when indexed, not when built: a file deleted later fails then
    (tmp_path / "0.png").unlink()
    with pytest.raises(ImageReadError, match="Image file not found"):
        ds[0]


def test_image_dataset_works_with_a_dataloader():
    ds = ImageDataset(_batch(n=5), np.arange(5))
    loader = torch.utils.data.DataLoader(ds, batch_size=2)
    xs, ys = zip(*loader, strict=True)
    assert [len(x) for x in xs] == [2, 2, 1]
    assert torch.cat(ys).tolist() == [0, 1, 2, 3, 4]


# ----------------------------------------------------------------- make_augmentation
def test_make_augmentation_off_and_callable():
    assert make_augmentation(None, (1, 48, 48)) is None
    assert make_augmentation(False, (1, 48, 48)) is None

    def custom(x):
        return x

    assert make_augmentation(custom, (1, 8, 8)) is custom  # used as is, any size


def test_make_augmentation_true_uses_the_documented_defaults():
    aug = make_augmentation(True, (1, 8, 8))  # True augments even tiny images
    assert (aug.hflip, aug.rotation, aug.translate, aug.scale, aug.color_jitter) == (
        True,
        10.0,
        0.08,
        (0.9, 1.1),
        0.2,
    )
    assert aug.crop_scale is aug.crop_size is aug.resize_from is aug.erase is None


def test_make_augmentation_auto_depends_on_image_size():
    assert make_augmentation("auto", (1, 15, 48)) is None  # shorter side < 16
    auto = make_augmentation("auto", (3, 16, 16))
    assert isinstance(auto, BatchAugmentation) and auto.translate == 0.08


def test_make_augmentation_dict_overrides_defaults_and_rejects_unknown_keys():
    aug = make_augmentation({"rotation": 3.0, "hflip": False}, (1, 32, 32))
    assert aug.rotation == 3.0 and not aug.hflip and aug.translate == 0.08
    with pytest.raises(ValueError, match=r"unknown keys \['flip', 'zoom'\]"):
        make_augmentation({"flip": True, "zoom": 2}, (1, 32, 32))


def test_make_augmentation_geometric_false_keeps_only_pixel_changes():
    aug = make_augmentation(
        {"rotation": 20.0, "crop_size": 24, "erase": 0.3}, (1, 32, 32), geometric=False
    )
    assert not aug.geometric
    assert aug.rotation == 0 and aug.crop_size is None
    assert aug.color_jitter == 0.2 and aug.erase == 0.3


def test_make_augmentation_all_off_gives_none():
    off = dict(hflip=False, rotation=0, translate=0, scale=None, color_jitter=0)
    assert make_augmentation(off, (1, 32, 32)) is None


def test_make_augmentation_rejects_a_crop_larger_than_the_images_up_front():
    with pytest.raises(ValueError, match=r"'crop_size'=\(20, 40\) is larger than"):
        make_augmentation({"crop_size": (20, 40)}, (1, 32, 32))


# ----------------------------------------------------------------- BatchAugmentation
def test_batch_augmentation_follows_the_torch_seed():
    aug = BatchAugmentation()
    x = torch.rand(6, 1, 16, 16)
    torch.manual_seed(3)
    a = aug(x)
    torch.manual_seed(3)
    b = aug(x)
    torch.manual_seed(4)
    c = aug(x)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_batch_augmentation_draws_per_image():
    aug = BatchAugmentation(hflip=False, rotation=0, scale=None, color_jitter=0)
    x = torch.rand(1, 1, 16, 16).expand(8, 1, 16, 16)  # one image, eight times
    out = aug(x)
    assert len({tuple(o.flatten().tolist()) for o in out}) == 8  # eight shifts


def test_batch_augmentation_leaves_its_input_alone():
    x = torch.rand(4, 3, 16, 16)
    before = x.clone()
    BatchAugmentation(erase=1.0)(x)
    assert torch.equal(x, before)
