"""The FAN family (vision/fan_arch.py): sizes, official-layout compatibility, non-256 models end to end."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.training.augment import crop_to_heatmap, heatmap_to_crop, make_sample, resize_sample  # noqa: E402
from neuroface_studio.training.fan_parts import SplitFan  # noqa: E402
from neuroface_studio.vision import fan_geometry as geo  # noqa: E402
from neuroface_studio.vision.errors import NotAModelError  # noqa: E402
from neuroface_studio.vision.fan import (FanPredictor, build_fan, fan_from_state, fan_spec, load_fan_state,  # noqa: E402
                                         validate_fan_state)
from neuroface_studio.vision.fan_arch import FanSpec  # noqa: E402
from neuroface_studio.vision.predictor import ModelInfo  # noqa: E402

INFO = ModelInfo("fan-small", "1", "cd" * 32, "FAN-1x32@128", origin="built by the test")


def _params(net) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("stacks,width,size", [(1, 32, 64), (2, 64, 128), (1, 128, 192)])
def test_builder_sizes_heatmap_is_input_over_4(stacks, width, size):
    net = build_fan(stacks, width, size)
    assert net.spec == FanSpec(stacks, width, size) and net.spec.heatmap_size == size // 4
    with torch.no_grad():
        outs = net(torch.rand(1, 3, size, size))
    assert len(outs) == stacks and all(tuple(o.shape) == (1, 68, size // 4, size // 4) for o in outs)
    assert net.conv1.out_channels == width // 4 and net.l0.in_channels == width


def test_parameter_counts_match_face_alignment_and_the_issue_table():
    from face_alignment.models.fan import FAN
    with torch.device("meta"):
        assert _params(build_fan(4)) == _params(FAN(4))  # 23.8 M: the official architecture
        assert _params(build_fan(1)) == _params(FAN(1))
        assert round(_params(build_fan(2, 128, 128)) / 1e6, 2) == 3.05  # the demo FAN
        assert round(_params(build_fan(1, 128, 128)) / 1e6, 2) == 1.57


def test_official_state_dict_loads_unchanged_with_identical_outputs():
    from face_alignment.models.fan import FAN
    torch.manual_seed(0)
    theirs = FAN(4).eval()
    ours = build_fan(4)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}  # same names, no extra entry
    ours.load_state_dict(theirs.state_dict(), strict=True)
    state, n = validate_fan_state(theirs.state_dict())
    assert n == 4 and fan_spec(state) == FanSpec(4, 256, 256)
    x = torch.rand(1, 3, 64, 64)  # both take any multiple of 64; small keeps the test cheap
    with torch.no_grad():
        for a, b in zip(theirs(x), ours(x)):
            assert torch.equal(a, b)


def test_non_256_input_size_travels_in_the_state_dict():
    net = build_fan(1, 32, 128)
    state = net.state_dict()
    assert int(state["input_size"]) == 128 and "input_size" not in build_fan(1, 32, 256).state_dict()
    checked, n = validate_fan_state(state)
    assert n == 1 and fan_spec(checked) == FanSpec(1, 32, 128)
    rebuilt = fan_from_state(state)
    assert rebuilt.spec == FanSpec(1, 32, 128)


@pytest.mark.parametrize("why,edit", [
    ("multiple of 64", lambda s: s.__setitem__("input_size", torch.tensor(100))),
    ("shape", lambda s: s.__setitem__("m0.b1_4.conv1.weight", torch.zeros(16, 64, 3, 3))),
    ("heatmaps", lambda s: s.__setitem__("l0.weight", torch.zeros(98, 32, 1, 1))),
])
def test_inconsistent_family_weights_are_refused(tmp_path, why, edit):
    state = build_fan(1, 32, 128).state_dict()
    edit(state)
    path = tmp_path / "bad.pth"
    torch.save(state, path)
    with pytest.raises(NotAModelError, match=why):
        load_fan_state(path)


def test_float16_file_loads_as_float32_and_predicts(tmp_path):
    torch.manual_seed(1)
    net = build_fan(1, 32, 128)
    path = tmp_path / "half.pth"
    torch.save({k: (v.half() if v.is_floating_point() else v) for k, v in net.state_dict().items()}, path)
    state, _ = load_fan_state(path)
    assert state["conv1.weight"].dtype == torch.float16
    pred = FanPredictor(path, INFO, device="cpu", backend="torch")
    assert pred.spec == FanSpec(1, 32, 128)
    assert next(pred._net.parameters()).dtype == torch.float32
    hm = pred.forward(np.random.default_rng(0).random((2, 3, 128, 128), dtype=np.float32))
    assert hm.shape == (2, 68, 32, 32) and hm.dtype == np.float32 and np.isfinite(hm).all()


def test_crop_and_decode_at_128_map_back_to_image_coordinates():
    """A bright blob drawn in the image is found in the 128 px crop, and its crop position mapped to
    heatmap px (stride 4) and back through the 32 px decode affine lands on the blob's centre."""
    dot = np.array([301.3, 171.6])
    yy, xx = np.mgrid[0:360, 0:640]
    blob = 255 * np.exp(-((xx - dot[0]) ** 2 + (yy - dot[1]) ** 2) / (2 * 8.0 ** 2))
    img = np.repeat(blob[..., None], 3, axis=2).round().astype(np.uint8)
    box = (230.0, 100.0, 390.0, 270.0)
    crop, to_image = geo.crop_face(img, box, 128)
    assert crop.shape == (128, 128, 3) and to_image.shape == (2, 3)
    w = crop[..., 0].astype(float)
    ys, xs = np.mgrid[0:128, 0:128]
    in_crop = np.array([(xs * w).sum() / w.sum(), (ys * w).sum() / w.sum()])
    back = geo.heatmap_points_to_image(crop_to_heatmap(in_crop[None]), to_image)[0]
    assert np.abs(back - dot).max() < 0.3  # image px (the crop is ~0.38 image px per crop px)


def test_resize_sample_keeps_points_on_the_same_face_pixels():
    rng = np.random.default_rng(0)
    img = (rng.random((300, 400, 3)) * 255).astype(np.uint8)
    pts = np.stack([np.linspace(120, 280, 68), np.linspace(80, 220, 68)], axis=1)
    big = make_sample(img, pts, size=256)
    small = make_sample(img, pts, size=128)
    resized = resize_sample(big, 128)
    assert resized.crop.shape == (128, 128, 3)
    np.testing.assert_allclose(resized.points, small.points, atol=1e-9)
    assert resize_sample(small, 128) is small
    np.testing.assert_allclose(heatmap_to_crop(crop_to_heatmap(small.points)), small.points)


def test_split_fan_small_model_trunk_plus_head_is_forward():
    torch.manual_seed(0)
    fan = build_fan(2, 32, 128).eval()
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        full = fan(x)[-1]
        for last in (1, 2):
            split = SplitFan(fan, train_last=last)
            assert split.spec.heatmap_size == 32
            heat, feats = split.head(split.trunk(x))
            assert torch.allclose(heat, full, atol=1e-5) and tuple(feats.shape) == (2, 32, 32, 32)


def test_onnx_export_of_a_128_model_matches_torch(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    torch.manual_seed(2)
    state = build_fan(1, 32, 128).state_dict()
    ours = FanPredictor(state, INFO, device="cpu", backend="torch")
    onnx = FanPredictor(state, INFO, device="cpu", backend="onnx", onnx_cache_dir=tmp_path)
    assert onnx.backend == "onnx" and list(tmp_path.glob("*.onnx"))
    x = np.random.default_rng(3).random((2, 3, 128, 128), dtype=np.float32)
    a, b = ours.forward(x), onnx.forward(x)
    assert b.shape == (2, 68, 32, 32)
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)


def test_finetune_engine_runs_a_128_model_on_256_px_samples():
    """Samples made at the official 256 px are resized to the model's 128 px input by the engine."""
    from neuroface_studio.training.engine import FinetuneConfig, finetune
    rng = np.random.default_rng(0)
    img = (rng.random((240, 320, 3)) * 255).astype(np.uint8)
    pts = np.stack([np.linspace(100, 220, 68), np.linspace(60, 180, 68)], axis=1)
    samples = [make_sample(img, pts + d, participant=f"P{d}", group="HC", key=f"k{d}") for d in range(4)]
    torch.manual_seed(0)
    res = finetune(samples[:3], samples[3:], build_fan(1, 32, 128).state_dict(),
                   FinetuneConfig(epochs=1, batch_size=2, augment_copies=1, device="cpu"))
    assert res.num_modules == 1 and int(res.state_dict["input_size"]) == 128
    assert np.isfinite(res.nrmse_before["all"]) and np.isfinite(res.nrmse_after["all"])
