"""The one interface every landmark model implements (dlib68, FAN, fine-tuned FANs).

A predictor takes an RGB image (or a video frame's colour image) and an optional face box
and returns 68 points in float pixels with a per-point score. Batch landmarking, the
annotation editor's proposals, evaluation and pose feedback all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

#: A face box (x0, y0, x1, y1) in pixels, float.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class ModelInfo:
    """Provenance of a model: stored with every landmark set it produces."""

    name: str  # registry name, e.g. "dlib68", "fan2d", "fan2d-ft-2026-11-23"
    version: str
    sha256: str  # of the weights file
    architecture: str  # "dlib-shape-predictor-68", "FAN-4", ...
    origin: str = ""  # "official", "imported from FILE", "fine-tuned from X on data Y"
    licence: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Prediction:
    """points_px (68, 2) float64 x right / y down; scores (68,) float32 in [0, 1] (higher = surer);
    box: the face box used."""

    points_px: np.ndarray
    scores: np.ndarray
    box: Box


class LandmarkPredictor(Protocol):
    info: ModelInfo

    def detect(self, image_rgb: np.ndarray) -> list[Box]:
        """Face boxes in ``image_rgb (H, W, 3) uint8``, largest first; [] when none."""

    def predict(self, image_rgb: np.ndarray, box: Box | None = None) -> Prediction | None:
        """68 landmarks of the face in ``box`` (detected when None); None when no face is found."""


def box_from_points(points_px: np.ndarray, margin: float = 0.0) -> Box:
    """Tight box around ``points_px (N, 2)``, grown by ``margin`` times its size on each side."""
    x0, y0 = points_px.min(axis=0)
    x1, y1 = points_px.max(axis=0)
    w, h = x1 - x0, y1 - y0
    return (float(x0 - margin * w), float(y0 - margin * h), float(x1 + margin * w), float(y1 + margin * h))
