"""Batch-wise built-in augmentation: what it does, and that only training sees it."""

import numpy as np
import pytest
import torch

from affect_sklearn import AffectCNNClassifier
from affect_sklearn.nn import BatchAugmentation, make_augmentation

from ..conftest import TINY

OFF = dict(hflip=False, rotation=0, translate=0, scale=None, color_jitter=0)


def _square(n=400):
    x = torch.zeros(n, 1, 48, 48)
    x[:, :, 10:20, 5:15] = 1.0  # a bright square left of centre
    return x


def test_all_off_is_identity():
    x = torch.rand(8, 1, 48, 48)
    assert torch.equal(BatchAugmentation(**OFF)(x), x)


def test_hflip_mirrors_about_half_of_the_batch():
    out = BatchAugmentation(**{**OFF, "hflip": True})(_square())
    col = out[:, 0, 15, :].argmax(-1)
    assert set(col.tolist()) == {5, 33}  # unchanged or mirrored
    assert 0.4 < (col == 33).float().mean() < 0.6


def test_hflip_inside_the_affine_warp():
    out = BatchAugmentation(**{**OFF, "hflip": True, "rotation": 1e-4})(_square())
    mirrored = (out[:, 0, 15, :].argmax(-1) >= 30).float().mean()
    assert 0.4 < mirrored < 0.6


def test_translate_stays_within_its_range():
    out = BatchAugmentation(**{**OFF, "translate": 0.1})(_square())
    cols = out[:, 0].sum(1).argmax(-1)  # leftmost column of the square
    rows = out[:, 0].sum(2).argmax(-1)
    shift = 0.1 * 48
    assert (cols - 5).abs().max() <= shift + 1 and (rows - 10).abs().max() <= shift + 1
    assert len(set(cols.tolist())) > 3  # shifts vary from image to image


def test_rotation_and_scale_keep_shape_and_range():
    x = torch.rand(16, 3, 32, 40)
    out = BatchAugmentation(rotation=15, scale=(0.8, 1.2), color_jitter=0)(x)
    assert out.shape == x.shape
    assert out.min() >= 0 and out.max() <= 1  # bilinear + border padding


def test_crop_scale_zooms_in_and_stays_inside():
    ramp = torch.linspace(0, 1, 48).expand(400, 1, 48, 48)  # value = x position
    out = BatchAugmentation(**{**OFF, "crop_scale": (0.25, 0.25)})(ramp)
    span = out.amax((1, 2, 3)) - out.amin((1, 2, 3))
    # a quarter of the area is about half the width (aspect ratio 3/4 to 4/3)
    assert 0.38 < span.min() and span.max() < 0.62
    # crops start anywhere inside the image, never past its edges
    left = out.amin((1, 2, 3))
    assert left.min() < 0.1 and left.max() > 0.35 and (left + span).max() <= 1.0


def test_crop_size_cuts_windows_at_the_image_scale():
    ramp = torch.linspace(0, 1, 48).expand(400, 1, 48, 48)  # value = x position
    out = BatchAugmentation(**{**OFF, "crop_size": (40, 36)})(ramp)
    assert out.shape == (400, 1, 40, 36)
    # same scale: a 36-pixel-wide window spans 35/47 of the ramp
    span = out.amax((1, 2, 3)) - out.amin((1, 2, 3))
    np.testing.assert_allclose(span.numpy(), 35 / 47, atol=1e-4)
    # windows start anywhere inside the image, never past its edges
    left = out.amin((1, 2, 3))
    assert left.min() < 0.03 and left.max() > 0.2 and (left + span).max() <= 1 + 1e-6
    # an int is a square crop; flips and shifts compose with it
    aug = BatchAugmentation(
        **{**OFF, "crop_size": 40, "hflip": True, "translate": 0.05}
    )
    assert aug(torch.rand(5, 3, 48, 48)).shape == (5, 3, 40, 40)


def _size_spy(seen, size_of):
    """A tiny backbone class that appends ``size_of(x)`` of every batch to ``seen``."""

    class Spy(torch.nn.Module):
        def __init__(self, in_channels):
            super().__init__()
            self.conv = torch.nn.Conv2d(in_channels, 4, 3, padding=1)
            self.out_features = 4

        def forward(self, x):
            seen.append(size_of(x))
            return self.conv(x).mean((2, 3))

    return Spy


def test_crop_size_trains_on_crops_and_predicts_on_whole_images(tiny_faces):
    X = np.repeat(np.repeat(tiny_faces.images, 2, axis=1), 2, axis=2)  # 32x32
    seen = []
    Spy = _size_spy(seen, lambda x: tuple(x.shape[-2:]))
    clf = AffectCNNClassifier(
        **{**TINY, "backbone": Spy}, augment={"crop_size": 24}, random_state=0
    ).fit(X, tiny_faces.target)
    assert set(seen) == {(24, 24)}
    seen.clear()
    clf.predict(X[:5])
    assert set(seen) == {(32, 32)}
    # too large for these images: says so, from fit
    with pytest.raises(ValueError, match="'crop_size'=40 is larger than the 32x32"):
        clf.set_params(augment={"crop_size": 40}).fit(X, tiny_faces.target)


def test_resize_from_grows_to_full_size_over_the_epochs():
    ramp = torch.linspace(0, 1, 48).expand(4, 1, 48, 48)  # value = x position
    aug = BatchAugmentation(**{**OFF, "resize_from": 32})
    sizes = [aug(ramp, progress=p).shape[-1] for p in (0, 0.375, 0.75, 1, 2)]
    assert sizes == [32, 40, 48, 48, 48]
    assert aug(ramp).shape == (4, 1, 48, 48)  # progress defaults to the end
    # downscaled, not cropped: the whole width is still seen
    small = aug(ramp, progress=0)
    assert small.amin() < 0.02 and small.amax() > 0.98
    # the aspect ratio is kept, the shorter side starts at resize_from
    wide = BatchAugmentation(**{**OFF, "resize_from": 24, "resize_until": 0.5})
    assert wide(torch.rand(2, 1, 48, 96), progress=0).shape == (2, 1, 24, 48)
    assert wide(torch.rand(2, 1, 48, 96), progress=0.5).shape == (2, 1, 48, 96)
    # with crop_size, the crop is what gets resized
    crop = BatchAugmentation(**{**OFF, "crop_size": 40, "resize_from": 20})
    assert crop(ramp, progress=0).shape == (4, 1, 20, 20)
    # as large as the images or larger: nothing to resize
    same = BatchAugmentation(**{**OFF, "resize_from": 64})
    assert same(ramp, progress=0).shape == (4, 1, 48, 48)


def test_resize_from_trains_small_first_and_predicts_full_size(tiny_faces):
    X = np.repeat(np.repeat(tiny_faces.images, 2, axis=1), 2, axis=2)  # 32x32
    seen = []
    Spy = _size_spy(seen, lambda x: x.shape[-1])
    clf = AffectCNNClassifier(
        **{**TINY, "backbone": Spy, "max_epochs": 4},
        augment={"resize_from": 16, "resize_until": 0.75},
        random_state=0,
    ).fit(X, tiny_faces.target)
    # one size per epoch: 16 px, then linearly to 32 px by 3/4 of the epochs
    per_epoch = np.array_split(np.array(seen), 4)
    assert [set(sizes.tolist()) for sizes in per_epoch] == [{16}, {21}, {27}, {32}]
    seen.clear()
    clf.predict(X[:5])
    assert set(seen) == {32}


def test_color_jitter_changes_brightness_and_contrast_only():
    x = torch.rand(64, 1, 16, 16)
    out = BatchAugmentation(**{**OFF, "color_jitter": 0.3})(x)
    ratio = out.mean((1, 2, 3)) / x.mean((1, 2, 3))
    assert 0.7 - 1e-5 <= ratio.min() and ratio.max() <= 1.3 + 1e-5
    assert ratio.std() > 0.01
    # pixels keep their order within an image (no geometric change)
    corr = np.corrcoef(x[0].ravel(), out[0].ravel())[0, 1]
    assert corr > 0.999


def test_erase_fills_one_rectangle_with_the_image_mean():
    x = torch.rand(200, 1, 32, 32) + torch.arange(200.0).view(-1, 1, 1, 1)
    out = BatchAugmentation(**{**OFF, "erase": 1.0})(x)
    changed = out != x
    frac = changed.float().mean((1, 2, 3))
    assert frac.min() > 0 and frac.max() < 0.3  # about 2-25 % of the area
    for i in range(0, 200, 23):
        rows = changed[i, 0].any(1).nonzero().ravel()
        cols = changed[i, 0].any(0).nonzero().ravel()
        box = changed[i, 0, rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        assert box.all()  # one solid rectangle ...
        filled = out[i, 0][changed[i, 0]]
        torch.testing.assert_close(filled, x[i].mean().expand_as(filled))
    # ... on about `erase` of the images, never on the others
    half = BatchAugmentation(**{**OFF, "erase": 0.5})(x)
    share = (half != x).flatten(1).any(1).float().mean()
    assert 0.35 < share < 0.65
    assert torch.equal(BatchAugmentation(**{**OFF, "erase": 0.0})(x), x)
    assert make_augmentation({**OFF, "erase": 0.5}, (1, 32, 32)).erase == 0.5


def test_one_image_and_integer_input():
    img = torch.randint(0, 255, (1, 20, 20), dtype=torch.uint8)
    out = BatchAugmentation()(img)
    assert out.shape == (1, 20, 20) and out.dtype == torch.float32


def test_make_augmentation_builds_batch_augmentation():
    aug = make_augmentation(True, (1, 48, 48))
    assert isinstance(aug, BatchAugmentation) and aug.rotation == 10.0
    auto = make_augmentation("auto", (1, 48, 48))  # flips and shifts only
    assert auto.hflip and auto.translate == 0.08
    assert not (auto.rotation or auto.scale or auto.color_jitter or auto.crop_scale)
    auto_landmarks = make_augmentation("auto", (1, 48, 48), geometric=False)
    assert not auto_landmarks.geometric and auto_landmarks.color_jitter == 0.2
    assert make_augmentation("auto", (1, 8, 8)) is None
    assert make_augmentation({"crop_scale": (0.8, 1)}, (1, 48, 48)).crop_scale
    jitter_only = make_augmentation(True, (1, 48, 48), geometric=False)
    assert not jitter_only.geometric and jitter_only.color_jitter == 0.2
    assert make_augmentation({"color_jitter": 0}, (1, 48, 48), geometric=False) is None
    assert "rotation=10.0" in repr(aug)
    # with landmarks, no resizing either: the points would no longer match
    assert make_augmentation({"resize_from": 24}, (1, 48, 48)).resize_from == 24
    kept = make_augmentation({"resize_from": 24}, (1, 48, 48), geometric=False)
    assert kept.resize_from is None


class _Recorder(BatchAugmentation):
    """Counts the images it sees (a top-level class, so the net pickles)."""

    seen = 0

    def __call__(self, x, **kwargs):
        type(self).seen += len(x)
        return super().__call__(x, **kwargs)


def test_augmentation_runs_on_training_batches_only(tiny_faces, monkeypatch):
    import affect_sklearn.estimators._base as base

    monkeypatch.setattr(base, "BatchAugmentation", _Recorder)
    monkeypatch.setattr(
        base,
        "make_augmentation",
        lambda augment, shape, geometric=True: _Recorder() if augment else None,
    )
    _Recorder.seen = 0
    clf = AffectCNNClassifier(
        **{**TINY, "max_epochs": 3}, augment=True, early_stopping=2, random_state=0
    )
    clf.fit(tiny_faces.images, tiny_faces.target)
    # every epoch augments the training part only (a few of 24 are held out)
    per_epoch, rest = divmod(_Recorder.seen, clf.n_epochs_)
    assert rest == 0 and 20 <= per_epoch < 24
    seen = _Recorder.seen
    clf.predict_proba(tiny_faces.images)
    assert _Recorder.seen == seen  # prediction is not augmented


@pytest.mark.parametrize("augment", [True, {"crop_scale": (0.7, 1.0)}])
def test_same_seed_same_predictions_with_augmentation(tiny_faces, augment):
    X = np.repeat(np.repeat(tiny_faces.images, 2, axis=1), 2, axis=2)  # 32x32
    fit = lambda: AffectCNNClassifier(  # noqa: E731
        **TINY, augment=augment, random_state=3
    ).fit(X, tiny_faces.target)
    np.testing.assert_array_equal(fit().predict_proba(X), fit().predict_proba(X))


def test_tta_auto_mirrors_when_training_mirrored(tiny_faces):
    X = np.repeat(np.repeat(tiny_faces.images, 2, axis=1), 2, axis=2)  # 32x32
    y = tiny_faces.target
    auto = AffectCNNClassifier(**TINY, random_state=0).fit(X, y)
    assert auto.tta == "auto" and auto._use_tta()
    mirrored = auto.predict_proba(X[:, :, ::-1])
    np.testing.assert_allclose(auto.predict_proba(X), mirrored, atol=1e-6)
    assert not auto.set_params(tta=False)._use_tta()
    # no flips in training -> no mirroring at test time
    for params in ({"augment": False}, {"augment": {"hflip": False}}):
        clf = AffectCNNClassifier(**TINY, random_state=0, **params).fit(X, y)
        assert not clf._use_tta()
    # 16x16 and smaller: "auto" augments nothing, so nothing is mirrored
    small = AffectCNNClassifier(**TINY, augment=False, random_state=0)
    assert not small.fit(tiny_faces.images[:, :8, :8], y)._use_tta()


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"scale": 0.9}, TypeError, "'scale' must be None or a \\(low, high\\) pair"),
        ({"scale": (1.1, 0.9)}, ValueError, "'scale' needs 0 < low <= high \\("),
        ({"crop_scale": (0.5, 1.5)}, ValueError, "'crop_scale' needs .* <= 1.0"),
        ({"crop_scale": (0, 1)}, ValueError, "'crop_scale' needs 0 < low"),
        ({"rotation": -5}, ValueError, "'rotation' must be in \\[0, 180\\)"),
        ({"translate": "8%"}, TypeError, "'translate' must be a number .* str"),
        ({"color_jitter": 1.5}, ValueError, "'color_jitter' must be in \\[0, 1\\)"),
        ({"hflip": 1}, TypeError, "'hflip' must be True or False"),
        ({"crop_size": 0}, ValueError, "'crop_size' must be positive"),
        ({"crop_size": (40, -1)}, ValueError, "'crop_size' must be positive"),
        ({"crop_size": 40.0}, TypeError, "'crop_size' must be None, a positive int"),
        ({"crop_size": (40, 40, 1)}, TypeError, "'crop_size' must be None"),
        ({"resize_from": 0}, ValueError, "'resize_from' must be positive"),
        ({"resize_from": 24.0}, TypeError, "'resize_from' must be None or a positive"),
        ({"resize_until": 0}, ValueError, "'resize_until' must be in \\(0, 1\\]"),
        ({"resize_until": 1.5}, ValueError, "'resize_until' must be in \\(0, 1\\]"),
        ({"resize_until": None}, TypeError, "'resize_until' must be a number"),
        ({"erase": 1.5}, ValueError, "'erase' must be in \\[0, 1\\] \\(0 or None"),
        ({"erase": "half"}, TypeError, "'erase' must be a number in \\[0, 1\\]"),
    ],
)
def test_bad_settings_raise_clear_errors(params, error, match, tiny_faces):
    with pytest.raises(error, match=match):
        BatchAugmentation(**params)
    # the same message reaches the estimator's user, from fit
    X = np.repeat(np.repeat(tiny_faces.images, 2, axis=1), 2, axis=2)  # 32x32
    with pytest.raises(error, match=match):
        AffectCNNClassifier(**TINY, augment=params).fit(X, tiny_faces.target)


def test_none_and_zero_turn_settings_off():
    aug = BatchAugmentation(rotation=None, translate=0, scale=None, color_jitter=None)
    x = torch.rand(4, 1, 16, 16)
    assert aug.hflip and not aug._warps
    assert set(aug(x).sum((1, 2, 3)).round(decimals=3).tolist()) <= set(
        x.sum((1, 2, 3)).round(decimals=3).tolist()
    )
