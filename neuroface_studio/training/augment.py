"""Training samples and their augmentation (numpy + OpenCV, no torch).

A :class:`Sample` is a square FAN input crop (face-alignment geometry, see
``vision/fan_geometry.py``; 256 px for the official FAN, the model's input size for a smaller
one: ``make_sample(..., size=)``) with its 68 points in crop pixel-centre coordinates. Augmentation
draws a random similarity transform about the crop centre (scale, rotation, translation),
brightness/contrast/colour gains, and a horizontal flip that relabels the points with the
68-point left/right permutation, so the flipped face is still a correctly labelled face.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from neuroface_studio.domain.landmarks import FLIP_PERMUTATION
from neuroface_studio.vision import fan_geometry as geo

CROP = 256


@dataclass
class Sample:
    crop: np.ndarray  # (S, S, 3) uint8 RGB, S = the FAN's input size (256 official)
    points: np.ndarray  # (68, 2) crop px (pixel centres)
    visible: np.ndarray  # (68,) bool
    participant: str = ""
    group: str = ""
    key: str = ""  # where it came from, e.g. "REC-f00012"


@dataclass(frozen=True)
class AugmentParams:
    scale: float = 0.10  # +- fraction
    rotation_deg: float = 15.0
    translation: float = 0.05  # +- fraction of the crop side
    brightness: float = 0.2  # +- fraction
    contrast: float = 0.2
    colour: float = 0.1  # per-channel gain +-
    flip: float = 0.5  # probability


def flip_sample(crop: np.ndarray, points: np.ndarray, visible: np.ndarray):
    """Mirror left-right: columns reversed, x -> W - 1 - x, points relabelled (37 <-> 46, ...)."""
    w = crop.shape[1]
    pts = points[FLIP_PERMUTATION].copy()
    pts[:, 0] = (w - 1) - pts[:, 0]
    return np.ascontiguousarray(crop[:, ::-1]), pts, visible[FLIP_PERMUTATION].copy()


def augment(sample: Sample, rng: np.random.Generator, params: AugmentParams = AugmentParams()) -> Sample:
    """A randomly transformed copy of ``sample`` (the original is not changed)."""
    p = params
    s = 1.0 + rng.uniform(-p.scale, p.scale)
    angle = rng.uniform(-p.rotation_deg, p.rotation_deg)
    side = sample.crop.shape[0]
    tx, ty = rng.uniform(-p.translation, p.translation, size=2) * side
    c = (side - 1) / 2.0
    m = cv2.getRotationMatrix2D((c, c), angle, s)
    m[:, 2] += (tx, ty)
    crop = cv2.warpAffine(sample.crop, m, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    pts = sample.points @ m[:, :2].T + m[:, 2]
    img = crop.astype(np.float32)
    gain = (1.0 + rng.uniform(-p.colour, p.colour, size=3)) * (1.0 + rng.uniform(-p.contrast, p.contrast))
    mean = img.mean(axis=(0, 1), keepdims=True)
    img = (img - mean) * gain + mean * (1.0 + rng.uniform(-p.brightness, p.brightness))
    crop = np.clip(img, 0, 255).astype(np.uint8)
    vis = sample.visible.copy()
    if rng.random() < p.flip:
        crop, pts, vis = flip_sample(crop, pts, vis)
    return Sample(crop, pts, vis, sample.participant, sample.group, sample.key)


def crop_to_heatmap(points_crop: np.ndarray) -> np.ndarray:
    """Crop px (pixel centres) -> heatmap px (stride 4, any input size): ``v = 4 u + 1.5``."""
    return (np.asarray(points_crop, np.float64) - 1.5) / 4.0


def heatmap_to_crop(points_hm: np.ndarray) -> np.ndarray:
    return np.asarray(points_hm, np.float64) * 4.0 + 1.5


def make_sample(image_rgb: np.ndarray, points_px: np.ndarray, visible: np.ndarray | None = None,
                participant: str = "", group: str = "", key: str = "", margin: float = 0.1,
                size: int = CROP) -> Sample:
    """The ``size`` px FAN input crop around annotated ``points_px (68, 2)`` (box = their bounding box
    grown by ``margin``, as batch landmarking tracks faces) and the points in crop coordinates."""
    from neuroface_studio.vision.predictor import box_from_points

    pts = np.asarray(points_px, np.float64)
    if pts.shape != (68, 2) or not np.isfinite(pts).all():
        raise ValueError(f"{key or 'a sample'}: landmarks must be 68 finite points, got shape {pts.shape}")
    center, scale = geo.crop_params(box_from_points(pts, margin))
    m = geo.crop_affine(center, scale, size)
    crop = cv2.warpAffine(np.ascontiguousarray(image_rgb), m, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    vis = np.ones(68, bool) if visible is None else np.asarray(visible, bool)
    return Sample(crop, geo.apply_affine(m, pts), vis, participant, group, key)


def resize_sample(sample: Sample, size: int) -> Sample:
    """The same crop at ``size`` px (e.g. a 256 px sample for a 128 px FAN); points follow the
    pixel-centre rule ``v' = (v + 0.5) k - 0.5``. Returns ``sample`` itself when already that size."""
    old = sample.crop.shape[0]
    if old == size:
        return sample
    k = size / old
    crop = cv2.resize(sample.crop, (size, size), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
    return Sample(crop, (np.asarray(sample.points, np.float64) + 0.5) * k - 0.5, sample.visible.copy(),
                  sample.participant, sample.group, sample.key)
