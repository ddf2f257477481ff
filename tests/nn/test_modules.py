"""Backbones, the head module and the landmark branch at small sizes."""

import pytest
import torch
from torch import nn

from affect_sklearn.nn import (
    BUILTIN_BACKBONES,
    TORCHVISION_BACKBONES,
    AffectNetModule,
    BasicCNN,
    CompactCNN,
    LandmarkEncoder,
    MultiTaskModule,
    ResNetSmall,
    SepConvNet,
    VGGNet,
    build_backbone,
)
from affect_sklearn.nn._backbones import to_layout, uses_channels_last

# out_features for a given width, as each class documents its last layer
OUT_FEATURES = {
    "basic": lambda w: 4 * w * 4,  # 4w channels, 2x2 adaptive pooling
    "compact": lambda w: 8 * w,
    "vgg": lambda w: 8 * w,
    "resnet": lambda w: 8 * w,
    "xception": lambda w: 8 * w,
}
NAMES = sorted(BUILTIN_BACKBONES)


def test_builtin_names_map_to_their_classes():
    assert BUILTIN_BACKBONES == {
        "basic": BasicCNN,
        "compact": CompactCNN,
        "resnet": ResNetSmall,
        "vgg": VGGNet,
        "xception": SepConvNet,
    }
    assert set(OUT_FEATURES) == set(BUILTIN_BACKBONES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("width", [4, 8])
def test_builtin_backbone_builds_and_runs_forward_and_backward(name, channels, width):
    backbone, expects = build_backbone(name, channels, width=width)
    assert type(backbone) is BUILTIN_BACKBONES[name] and expects == channels
    assert backbone.out_features == OUT_FEATURES[name](width)
    x = torch.rand(3, channels, 20, 24)  # not square, not a power of two
    out = backbone(x)
    assert out.shape == (3, backbone.out_features)
    out.square().mean().backward()
    first_conv = next(m for m in backbone.modules() if isinstance(m, nn.Conv2d))
    assert first_conv.in_channels == channels
    assert first_conv.weight.grad is not None and first_conv.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name", NAMES)
def test_builtin_backbone_runs_at_its_min_size(name):
    cls = BUILTIN_BACKBONES[name]
    backbone = cls(1, width=4).eval()
    size = cls.min_size
    assert size == (8 if name == "basic" else 16)
    out = backbone(torch.rand(2, 1, size, size))
    assert out.shape == (2, backbone.out_features)


@pytest.mark.parametrize("name", NAMES)
def test_eval_output_of_one_image_does_not_depend_on_the_batch(name):
    backbone = BUILTIN_BACKBONES[name](3, width=4)
    backbone(torch.rand(8, 3, 16, 16))  # one training step moves the BN statistics
    backbone.eval()
    x = torch.rand(4, 3, 16, 16)
    torch.testing.assert_close(backbone(x)[:1], backbone(x[:1]), rtol=1e-4, atol=1e-5)


def test_default_widths_give_the_documented_sizes():
    n_params = {
        name: sum(p.numel() for p in cls(1).parameters())
        for name, cls in BUILTIN_BACKBONES.items()
    }
    assert 550_000 < n_params["compact"] < 580_000  # "about 565k parameters"
    assert 4_600_000 < n_params["vgg"] < 4_800_000  # "about 4.7M parameters"
    assert n_params["basic"] < n_params["compact"] < n_params["vgg"]
    assert BUILTIN_BACKBONES["compact"](1).out_features == 256  # 16-64-128-256


def test_compact_stem_has_half_the_width_of_the_next_stage():
    convs = [m for m in CompactCNN(3, width=8).modules() if isinstance(m, nn.Conv2d)]
    assert [c.out_channels for c in convs] == [4, 16, 16, 32, 32, 64]
    # width 1 still has a one-channel stem
    assert CompactCNN(1, width=1).features[0][0].out_channels == 1


@pytest.mark.parametrize("cls", [ResNetSmall, SepConvNet])
def test_narrow_residual_nets_stay_in_the_default_layout(cls):
    # below 8 channels their backward pass in channels-last corrupted the heap
    assert not uses_channels_last(cls(1, width=4))
    assert not uses_channels_last(cls(1, width=7))
    assert uses_channels_last(cls(1, width=8))


@pytest.mark.parametrize("cls", [BasicCNN, CompactCNN, VGGNet])
def test_plain_nets_and_custom_modules_use_channels_last(cls):
    assert uses_channels_last(cls(1, width=4))
    assert uses_channels_last(nn.Conv2d(1, 1, 3))  # no attribute: channels-last


def test_to_layout_converts_only_backbones_that_use_channels_last():
    def conv():
        return nn.Conv2d(3, 4, 3)

    fast = to_layout(conv(), BasicCNN(3, width=4))
    assert fast.weight.is_contiguous(memory_format=torch.channels_last)
    assert not fast.weight.is_contiguous()
    kept = to_layout(conv(), ResNetSmall(3, width=4))
    assert kept.weight.is_contiguous()


class _Spy(nn.Module):
    """Records the input each forward receives."""

    def __init__(self, in_channels, channels_last=True):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 2, 1)
        self.out_features = 2
        self.channels_last = channels_last
        self.seen = []

    def forward(self, x):
        self.seen.append(x)
        return self.conv(x).mean((2, 3))


def _module(backbone, in_channels=3, backbone_channels=None, **kw):
    return AffectNetModule(
        backbone,
        n_outputs=5,
        mean=[0.5] * in_channels,
        std=[0.25] * in_channels,
        in_channels=in_channels,
        backbone_channels=backbone_channels or in_channels,
        **kw,
    )


@pytest.mark.parametrize("channels_last", [True, False])
def test_affect_net_module_passes_the_backbone_its_layout(channels_last):
    spy = _Spy(3, channels_last=channels_last)
    _module(spy)(torch.rand(2, 3, 8, 8))
    (x,) = spy.seen
    assert x.is_contiguous(memory_format=torch.channels_last) is channels_last
    assert x.is_contiguous() is not channels_last


def test_affect_net_module_normalises_per_channel():
    spy = _Spy(3)
    module = AffectNetModule(
        spy,
        2,
        mean=[0.1, 0.2, 0.3],
        std=[0.5, 1.0, 2.0],
        in_channels=3,
        backbone_channels=3,
        min_size=1,
    )
    x = torch.rand(2, 3, 4, 4)
    module(x)
    mean = torch.tensor([0.1, 0.2, 0.3]).view(1, 3, 1, 1)
    std = torch.tensor([0.5, 1.0, 2.0]).view(1, 3, 1, 1)
    torch.testing.assert_close(spy.seen[0], (x - mean) / std)


def test_affect_net_module_upsamples_small_inputs_to_min_size():
    spy = _Spy(1)
    module = _module(spy, in_channels=1, min_size=8)
    x = torch.arange(4.0).view(1, 1, 2, 2)
    module(x)
    seen = spy.seen[-1]
    assert seen.shape == (1, 1, 8, 8)
    # nearest neighbour: every input pixel becomes a 4x4 block of itself
    expected = ((x - 0.5) / 0.25).repeat_interleave(4, 2).repeat_interleave(4, 3)
    torch.testing.assert_close(seen, expected)
    # only the short side grows; inputs at least min_size pass unchanged
    module(torch.rand(1, 1, 4, 12))
    assert spy.seen[-1].shape == (1, 1, 8, 12)
    module(torch.rand(1, 1, 9, 10))
    assert spy.seen[-1].shape == (1, 1, 9, 10)


def test_affect_net_module_feeds_tabular_columns_through_a_real_backbone():
    backbone = BasicCNN(5, width=4)
    module = _module(backbone, in_channels=5, min_size=BasicCNN.min_size).eval()
    assert module(torch.rand(3, 5, 1, 1)).shape == (3, 5)


def test_affect_net_module_repeats_grayscale_for_rgb_backbones():
    spy = _Spy(3)
    module = _module(spy, in_channels=1, backbone_channels=3, min_size=1)
    x = torch.rand(2, 1, 4, 4)
    module(x)
    seen = spy.seen[0]
    assert seen.shape == (2, 3, 4, 4)
    for c in range(3):
        torch.testing.assert_close(seen[:, c : c + 1], (x - 0.5) / 0.25)


def test_affect_net_module_dropout_and_tanh_output():
    backbone = BasicCNN(1, width=4)
    linear = _module(backbone, in_channels=1, dropout=0.0)
    assert isinstance(linear.dropout, nn.Identity)
    bounded = _module(backbone, in_channels=1, dropout=0.5, output="tanh")
    assert isinstance(bounded.dropout, nn.Dropout) and bounded.dropout.p == 0.5
    bounded.load_state_dict(linear.state_dict())
    with torch.no_grad():
        bounded.head.weight.mul_(100)  # large raw outputs
        linear.head.weight.mul_(100)
    linear.eval(), bounded.eval()
    x = torch.rand(4, 1, 16, 16)
    raw = linear(x)
    assert raw.abs().max() > 1
    torch.testing.assert_close(bounded(x), torch.tanh(raw))


def test_build_backbone_width_and_unknown_names():
    default, _ = build_backbone("basic", 1)
    assert default.out_features == 4 * 32 * 4  # width=None keeps the default
    narrow, _ = build_backbone("basic", 1, width=4)
    assert narrow.out_features == 4 * 4 * 4
    with pytest.raises(ValueError, match=r"Unknown backbone='alexnet'\. Valid names"):
        build_backbone("alexnet", 1)
    assert "mobilenet_v3_small" in TORCHVISION_BACKBONES


def test_build_backbone_torchvision_expects_three_channels():
    backbone, expects = build_backbone("mobilenet_v3_small", 1)
    assert expects == 3 and backbone.min_size == 32 and backbone.needs_rgb
    out = backbone.eval()(torch.rand(1, 3, 32, 32))
    assert out.shape == (1, backbone.out_features)


def test_build_backbone_custom_classes():
    backbone, expects = build_backbone(_Spy, 4)
    assert isinstance(backbone, _Spy) and backbone.conv.in_channels == 4
    assert expects == 4

    def not_a_module(in_channels):
        return "conv"

    with pytest.raises(TypeError, match="calling it returned str"):
        build_backbone(not_a_module, 1)

    class NoOutFeatures(nn.Module):
        def __init__(self, in_channels):
            super().__init__()

    with pytest.raises(ValueError, match="NoOutFeatures must set `self.out_features`"):
        build_backbone(NoOutFeatures, 1)


def _points(n=4, k=10):
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, k, 2, generator=g) * 40 + 4


def test_landmark_encoder_ignores_position_and_size_of_the_face():
    enc = LandmarkEncoder(10, out_features=6, hidden=16)
    pts = _points()
    out = enc(pts)
    assert out.shape == (4, 6) and enc.out_features == 6
    moved = pts * 2.5 + torch.tensor([30.0, -7.0])
    torch.testing.assert_close(enc(moved), out, rtol=1e-4, atol=1e-5)
    # but not to the shape itself
    assert not torch.allclose(enc(pts.flip(1)), out)


def test_landmark_encoder_tolerates_collapsed_points():
    enc = LandmarkEncoder(10, out_features=6, hidden=16)
    same = torch.full((2, 10, 2), 5.0)  # every point at one place: scale 0
    assert torch.isfinite(enc(same)).all()


def test_multitask_module_outputs_logits_then_bounded_affect():
    image = _module(BasicCNN(1, width=4), in_channels=1)
    mt = MultiTaskModule(image, n_classes=4, n_affect=2).eval()
    out = mt(torch.rand(3, 1, 16, 16))
    assert out.shape == (3, 6)
    with torch.no_grad():
        mt.affect.weight.mul_(1000)
    out = mt(torch.rand(3, 1, 16, 16))
    assert out[:, 4:].abs().max() <= 1 and out[:, 4:].abs().max() > 0.9
    assert mt.landmarks is None


def test_multitask_module_fuses_landmarks_and_requires_them():
    image = _module(BasicCNN(1, width=4), in_channels=1)
    mt = MultiTaskModule(image, n_classes=3, n_landmarks=10).eval()
    assert mt.expression.in_features == image.backbone.out_features + 64
    x, pts = torch.rand(2, 1, 16, 16), _points(2)
    out = mt(x, landmarks=pts)
    assert out.shape == (2, 5)
    assert not torch.allclose(mt(x, landmarks=pts.flip(1)), out)  # points matter
    with pytest.raises(ValueError, match="built with a landmark branch"):
        mt(x)
