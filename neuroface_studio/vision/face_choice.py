"""Which face to landmark when a picture holds several: one rule for photos and videos.

:func:`order_faces` puts the face to landmark first: the **largest** box (area); faces whose area
is within ``near_tie`` (default 20%) of the largest count as equally large and the one whose
centre is **nearest the image centre** wins among them (a participant sits in front of the
camera, centred; a bystander is smaller or off to the side). The rest follow by area.

Every detector of the app returns its boxes in this order (:meth:`vision.dlib68.Dlib68.detect`),
so ``predictor.predict(image)`` without a box, ``predict-image`` and the first frame of video
landmarking (:class:`vision.tracking.VideoTracker`: later frames follow the tracked face) all pick
the same face. ``predict-image --all-faces`` landmarks them all; the GUI lets the user click one.

Boxes are ``(x0, y0, x1, y1)`` px, image shape ``(H, W[, C])``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NEAR_TIE = 0.2


def _area(box) -> float:
    return max(0.0, float(box[2]) - float(box[0])) * max(0.0, float(box[3]) - float(box[1]))


def _centre_distance(box, image_shape) -> float:
    h, w = float(image_shape[0]), float(image_shape[1])
    cx, cy = 0.5 * (float(box[0]) + float(box[2])), 0.5 * (float(box[1]) + float(box[3]))
    return float(np.hypot((cx - w / 2) / max(w, 1.0), (cy - h / 2) / max(h, 1.0)))


def order_faces(boxes: Sequence, image_shape: Sequence[int], near_tie: float = NEAR_TIE) -> list[int]:
    """Indices of ``boxes``, the face to landmark first (see the module docstring)."""
    if not len(boxes):
        return []
    areas = [_area(b) for b in boxes]
    biggest = max(areas)
    tied = [i for i, a in enumerate(areas) if a >= (1.0 - near_tie) * biggest]
    first = min(tied, key=lambda i: (_centre_distance(boxes[i], image_shape), -areas[i], i))
    rest = sorted((i for i in range(len(boxes)) if i != first), key=lambda i: (-areas[i], i))
    return [first, *rest]


def choose_face(boxes: Sequence, image_shape: Sequence[int]) -> int | None:
    """Index of the face to landmark, None when there is none."""
    order = order_faces(boxes, image_shape)
    return order[0] if order else None


def face_at(boxes: Sequence, x: float, y: float) -> int | None:
    """Index of the (smallest) box containing the point ``(x, y)`` px, None when none does: a click."""
    inside = [i for i, b in enumerate(boxes) if b[0] <= x <= b[2] and b[1] <= y <= b[3]]
    return min(inside, key=lambda i: _area(boxes[i])) if inside else None


def several_faces_warning(n: int, where: str = "the image") -> str:
    """The warning text for ``n`` > 1 faces (empty for 0 or 1)."""
    if n <= 1:
        return ""
    return (f"{n} faces found in {where}: landmarked the largest, most central one (face 1); "
            "use --all-faces to landmark every face, or pick one in the GUI")
