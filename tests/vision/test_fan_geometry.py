"""Float crop/decode vs face-alignment 1.5.0 on identical inputs (docs/FAN_GEOMETRY.md)."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.domain.landmarks import FLIP_PERMUTATION
from neuroface_studio.vision import fan_geometry as geo

pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.vision.fan_bench import stock_crop, stock_decode  # noqa: E402


def blob_image(x: float, y: float, sigma: float, height: int = 480, width: int = 640) -> np.ndarray:
    """Grey VGA image (H, W, 3) uint8 with one Gaussian blob centred on pixel-centre coords (x, y)."""
    yy, xx = np.mgrid[0:height, 0:width]
    g = np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma ** 2))
    return np.repeat((g * 255).round().astype(np.uint8)[..., None], 3, axis=2)


def dot_network(inputs: np.ndarray) -> np.ndarray:
    """A 'network' whose 68 heatmaps are the crop's 4 x 4 block means: a blob becomes a heatmap peak."""
    b = inputs.shape[0]
    hm = inputs[:, 0].reshape(b, 64, 4, 64, 4).mean(axis=(2, 4))
    return np.repeat(hm[:, None], 68, axis=1).astype(np.float32)


def test_crop_affine_round_trips_and_matches_face_alignment_transform():
    center, scale = geo.crop_params((200.0, 100.0, 420.0, 330.0))
    assert np.allclose(center, [310.0, 215.0 - 0.12 * 230]) and scale == pytest.approx(450 / 195)
    m = geo.crop_affine(center, scale)
    pts = np.random.default_rng(0).uniform(0, 600, (50, 2))
    assert np.allclose(geo.apply_affine(geo.invert_affine(m), geo.apply_affine(m, pts)), pts)
    # face-alignment's transform (edge coordinates, before .int()): U = (X - c) * 256 / h + 128
    h = 200 * scale
    edges = (pts + 0.5 - center) * 256 / h + 128
    assert np.allclose(geo.apply_affine(m, pts) + 0.5, edges)


def test_our_crop_matches_face_alignment_crop_up_to_its_rounding():
    rng = np.random.default_rng(1)
    image = (rng.uniform(0, 255, (480, 640, 3))).astype(np.uint8)
    import cv2

    image = cv2.GaussianBlur(image, (0, 0), 6)  # smooth: a sub-pixel shift changes values little
    box = (220.3, 130.7, 421.9, 345.2)
    ours, _ = geo.crop_face(image, box)
    theirs, _, _ = stock_crop(image, box)
    diff = np.abs(ours.astype(float) - theirs.astype(float))
    assert diff.mean() < 1.0  # grey levels: the ~1 px offset on a blurred image


def test_decode_matches_face_alignment_up_to_truncation_on_identical_heatmaps():
    rng = np.random.default_rng(2)
    hm = rng.normal(0, 0.05, (1, 68, 64, 64)).astype(np.float32)
    peaks = rng.uniform(2, 61, (68, 2))
    yy, xx = np.mgrid[0:64, 0:64]
    for j, (x, y) in enumerate(peaks):
        hm[0, j] += np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 8.0)
    box = (215.0, 140.0, 425.0, 350.0)  # a 210 px face at VGA
    center, scale = geo.crop_params(box)
    to_image = geo.invert_affine(geo.crop_affine(center, scale, geo.HEATMAP_RES))
    pts_q, _ = geo.decode_heatmaps(hm, "quarter")
    ours = geo.heatmap_points_to_image(pts_q[0], to_image)
    theirs, scores = stock_decode(hm[0], center, scale)
    # Same argmax and 0.25 rule: the only difference is face-alignment's truncation, floor(X),
    # X = ours + 0.5, so theirs - ours lies in (-0.5, 0.5] on each axis.
    delta = theirs - ours
    assert np.all(delta > -0.5 - 1e-6) and np.all(delta <= 0.5 + 1e-6)
    assert np.linalg.norm(delta, axis=1).max() < 1.5 / 2 + 1e-6
    assert abs(delta.mean()) < 0.15  # unbiased: ours is the centre of face-alignment's pixel
    _, our_scores = geo.decode_heatmaps(hm, "subpixel")
    assert np.allclose(our_scores[0], scores)


def test_subpixel_decode_recovers_known_gaussians_face_alignment_does_not():
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:64, 0:64]
    truth = rng.uniform(3, 60, (2, 68, 2))
    hm = np.exp(-((xx - truth[..., 0, None, None]) ** 2 + (yy - truth[..., 1, None, None]) ** 2) / 8.0)
    pts, _ = geo.decode_heatmaps(hm.astype(np.float32), "subpixel")
    assert np.abs(pts - truth).max() < 1e-3
    quarter, _ = geo.decode_heatmaps(hm.astype(np.float32), "quarter")
    assert 0.2 < np.abs(quarter - truth).max() <= 0.25 + 1e-9


@pytest.mark.parametrize("face_px", [120, 210])
def test_whole_pipeline_finds_a_blob_to_a_fraction_of_a_pixel(face_px):
    rng = np.random.default_rng(face_px)
    errs, stock_errs = [], []
    for _ in range(8):
        cx, cy = rng.uniform(260, 380), rng.uniform(200, 280)
        box = (cx - face_px / 2, cy - face_px / 2 + rng.uniform(-1, 1), cx + face_px / 2 + rng.uniform(-1, 1),
               cy + face_px / 2)
        center, scale = geo.crop_params(box)
        x, y = center + rng.uniform(-0.3, 0.3, 2) * face_px
        image = blob_image(x, y, sigma=2.0 * 200 * scale / 64)  # 2 heatmap px, like FAN's targets
        crop, to_image = geo.crop_face(image, box)
        pts, _ = geo.decode_heatmaps(dot_network(geo.to_network_input(crop[None])))
        errs.append(np.hypot(*(geo.heatmap_points_to_image(pts[0, 0], to_image) - (x, y))))
        scrop, c, s = stock_crop(image, box)
        spts, _ = stock_decode(dot_network(scrop.transpose(2, 0, 1)[None].astype(np.float32) / 255)[0], c, s)
        stock_errs.append(np.hypot(*(spts[0] - (x, y))))
    assert max(errs) < 0.3
    assert np.mean(stock_errs) > 0.5  # face-alignment: crop rounding + 0.25 rule + truncation


def test_unflip_heatmaps_swaps_mirror_points_and_columns():
    hm = np.random.default_rng(4).normal(size=(2, 68, 64, 64)).astype(np.float32)
    back = geo.unflip_heatmaps(geo.unflip_heatmaps(hm))
    assert np.array_equal(back, hm)
    assert np.array_equal(geo.unflip_heatmaps(hm)[:, 36, :, 5], hm[:, FLIP_PERMUTATION[36], :, 58])


def test_empty_box_and_unknown_method_are_errors():
    with pytest.raises(ValueError):
        geo.crop_params((10, 10, 10, 50))
    with pytest.raises(ValueError):
        geo.decode_heatmaps(np.zeros((1, 68, 64, 64), np.float32), "soft-argmax")
