"""Adaptive wing loss, target heatmaps, the trunk/head split of FAN, flip augmentation."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.training.augment import (  # noqa: E402
    Sample, augment, crop_to_heatmap, flip_sample, heatmap_to_crop,
)
from neuroface_studio.training.fan_parts import SplitFan  # noqa: E402
from neuroface_studio.training.losses import (  # noqa: E402
    REGULARIZERS, adaptive_wing_loss, gaussian_heatmaps,
)
from neuroface_studio.vision import fan_geometry as geo  # noqa: E402
from neuroface_studio.vision.fan import build_fan  # noqa: E402


def _awl_scalar(d: float, y: float, alpha=2.1, omega=14.0, eps=1.0, theta=0.5) -> float:
    """SCIENCE.md's formula, written out for one element."""
    p = alpha - y
    if abs(d) < theta:
        return omega * math.log(1 + abs(d / eps) ** p)
    a = omega * (1 / (1 + (theta / eps) ** p)) * p * (theta / eps) ** (p - 1) / eps
    c = theta * a - omega * math.log(1 + (theta / eps) ** p)
    return a * abs(d) - c


def test_adaptive_wing_loss_matches_the_formula_and_is_continuous():
    target = torch.tensor([0.0, 0.3, 1.0, 1.0, 0.0, 0.7]).reshape(1, 1, 2, 3)
    pred = torch.tensor([0.2, 0.3, 0.1, 1.6, -0.7, 0.69]).reshape(1, 1, 2, 3)
    want = np.mean([_awl_scalar(float(t - p), float(t)) for t, p in zip(target.flatten(), pred.flatten())])
    assert float(adaptive_wing_loss(pred, target)) == pytest.approx(want, rel=1e-5)
    y = torch.full((1, 1, 1, 2), 0.4)
    below, above = adaptive_wing_loss(y - 0.5 + 1e-6, y), adaptive_wing_loss(y - 0.5 - 1e-6, y)
    assert float(below) == pytest.approx(float(above), abs=1e-4)  # the pieces meet at theta
    p = torch.zeros(1, 68, 8, 8, requires_grad=True)
    adaptive_wing_loss(p, torch.rand(1, 68, 8, 8)).backward()
    assert torch.isfinite(p.grad).all()
    with pytest.raises(ValueError, match="differ in shape"):
        adaptive_wing_loss(torch.zeros(1, 68, 8, 8), torch.zeros(1, 68, 8, 7))


def test_gaussian_targets_decode_to_their_subpixel_centres():
    pts = torch.tensor([[[20.3, 40.7], [5.0, 6.25]]])
    hm = gaussian_heatmaps(pts, 64, 1.5, visible=torch.tensor([[True, False]]))
    assert hm.shape == (1, 2, 64, 64) and float(hm[0, 0].max()) > 0.8 and float(hm[0, 1].max()) == 0.0
    decoded, _ = geo.decode_heatmaps(hm[:, :1].numpy())
    assert np.allclose(decoded[0, 0], [20.3, 40.7], atol=0.02)
    assert np.allclose(heatmap_to_crop(crop_to_heatmap([[100.0, 37.5]])), [[100.0, 37.5]])


def test_split_fan_equals_fan_and_freezes_the_trunk():
    torch.manual_seed(0)
    fan = build_fan(2)
    x = torch.rand(1, 3, 256, 256)
    with torch.inference_mode():
        full = fan(x)[-1]
    net = SplitFan(fan, train_last=1)
    with torch.inference_mode():
        split = net(x)
    assert torch.allclose(full, split, atol=1e-5)
    trained = {n.split(".")[0] for n, p in fan.named_parameters() if p.requires_grad}
    assert trained == {"m1", "top_m_1", "conv_last1", "bn_end1", "l1"}
    net.train()
    assert not any(m.training for m in fan.modules())  # BatchNorm statistics stay frozen
    with pytest.raises(ValueError, match="train_last"):
        SplitFan(build_fan(1), train_last=2)


def test_regularizers_are_zero_for_identical_features():
    e = torch.rand(2, 256, 8, 8)
    for name, fn in REGULARIZERS.items():
        assert float(fn(e, e.clone())) == pytest.approx(0.0, abs=1e-6), name
        assert float(fn(e, torch.rand(2, 256, 8, 8))) > 0, name


def test_flip_relabels_points_and_augment_keeps_points_on_the_face():
    img = np.zeros((256, 256, 3), np.uint8)
    rng = np.random.default_rng(0)
    pts = rng.uniform(60, 200, size=(68, 2))
    for x, y in pts.round().astype(int):
        img[y - 1:y + 2, x - 1:x + 2] = 255  # 3x3 dots: bilinear resampling keeps their centres bright
    s = Sample(img, pts, np.ones(68, bool))
    fc, fp, _ = flip_sample(img, pts, s.visible)
    assert fp[45, 0] == pytest.approx(255 - pts[36, 0]) and fp[36, 0] == pytest.approx(255 - pts[45, 0])
    assert all(fc[int(round(y)), int(round(x))].max() == 255 for x, y in fp)
    for _ in range(5):
        a = augment(s, rng)
        inside = [(0 <= x < 256 and 0 <= y < 256) for x, y in a.points]
        xy = a.points[np.array(inside)].round().astype(int)
        assert (a.crop[xy[:, 1].clip(0, 255), xy[:, 0].clip(0, 255)].max(axis=1) > 60).mean() > 0.95
