"""The reference face of the simulated clinic: photo, 68 points, 3D template, mesh, expressions.

The source is ``skimage.data.astronaut()`` (512x512 RGB, public domain, shipped inside
scikit-image) with its 68 reference landmarks in ``resources/faces/astronaut.json``.
Everything here is computed once per process and cached (read-only arrays).

Coordinate frames
-----------------
* **source px**: pixel coordinates in the astronaut photo (x right, y down).
* **head frame, mm**: x right, y down, z *away* from the camera (RealSense axes when the head
  faces the camera), origin at the nose tip (point 30) of the neutral template. A point
  that protrudes towards the camera therefore has negative z.

The neutral template closes the astronaut's smiling mouth (inner lips meet); her teeth
region then maps to zero area and only reappears, as a drawn cavity, when lips part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from scipy.spatial import Delaunay

from neuroface_studio.domain.landmarks import BROWS, JAW, MOUTH, N_LANDMARKS, OUTER_EYE_CORNERS

FACE_JSON = Path(__file__).resolve().parents[2] / "resources" / "faces" / "astronaut.json"

#: Real distance between the outer eye corners (36, 45) of the template, mm.
OUTER_CANTHAL_MM = 95.0
NOSE_TIP = 30

#: Depth of each landmark *behind the nose tip* in the neutral template, mm (generic adult face).
_DEPTH_BEHIND_NOSE_MM = np.array(
    [88, 82, 75, 65, 52, 40, 30, 23, 20, 23, 30, 40, 52, 65, 75, 82, 88]  # jaw 0-16 (ear .. chin .. ear)
    + [30, 24, 20, 19, 18, 18, 19, 20, 24, 30]  # brows 17-26
    + [17, 11, 5, 0]  # nose bridge 27-30 (30 = tip)
    + [12, 8, 5, 8, 12]  # nostrils 31-35
    + [33, 26, 24, 22, 24, 26, 22, 24, 26, 33, 26, 24]  # eyes 36-47
    + [26, 19, 15, 14, 15, 19, 26, 21, 17, 16, 17, 21]  # outer lips 48-59
    + [25, 18, 16, 18, 25, 18, 16, 18],  # inner lips 60-67 (upper = lower: the mouth closes)
    dtype=np.float64,
)
assert _DEPTH_BEHIND_NOSE_MM.shape == (N_LANDMARKS,)

#: Border control points around head and body, source px; they move rigidly with the head.
_RING_SRC_PX = np.array(
    [[225, -20], [300, -5], [345, 50], [355, 120], [335, 185], [390, 300], [300, 330], [225, 335],
     [150, 330], [60, 300], [115, 185], [95, 120], [105, 50], [150, -5]], dtype=np.float64)
#: Depth of the ring points behind the nose tip, mm (back of the head / shoulders).
_RING_DEPTH_MM = np.array([95, 95, 95, 95, 80, 60, 55, 55, 55, 60, 80, 95, 95, 95], dtype=np.float64)

# Expression actions (index into the basis). Each basis is a displacement (68, 3) in mm
# of the head frame for activation 1.0.
JAW_OPEN, LIP_PART, SPREAD, SMILE, PUCKER, ROUND, BROW_RAISE = range(7)
N_ACTIONS = 7
ACTION_NAMES = ("jaw_open", "lip_part", "spread", "smile", "pucker", "round", "brow_raise")
#: Actions driven by the facial nerve around the mouth (lateralised in stroke / palsy).
LIP_ACTIONS = (LIP_PART, SPREAD, SMILE, PUCKER, ROUND)


@dataclass(frozen=True)
class ReferenceFace:
    """The source photo and its mesh. All arrays are read-only.

    texture_rgba (512, 512, 4) uint8: the photo with a soft head+body alpha mask.
    src_px (N, 2) float64: control points in the photo (68 landmarks, then the border ring).
    template_mm (N, 3) float64: the same control points in the neutral head frame, mm.
    triangles (M, 3) int32: Delaunay triangles over ``src_px``.
    mm_per_src_px: scale of the template relative to the photo.
    """

    texture_rgba: np.ndarray
    src_px: np.ndarray
    template_mm: np.ndarray
    triangles: np.ndarray
    mm_per_src_px: float

    @property
    def n_control(self) -> int:
        return int(self.src_px.shape[0])


def _head_mask(image: np.ndarray) -> np.ndarray:
    """Soft alpha (H, W) uint8 of hair, face, neck and suit: the photo's studio backdrop removed.

    The backdrop is pale and unsaturated; it is cut away outside the face core (whose eye
    whites and teeth look similar) and outside the suit collar (which does too).
    """
    region = np.zeros(image.shape[:2], np.uint8)
    cv2.ellipse(region, (225, 98), (80, 95), 0, 0, 360, 255, -1)
    body = np.array([[182, 150], [268, 150], [310, 200], [345, 280], [345, 512], [105, 512],
                     [105, 280], [140, 200]], np.int32)
    cv2.fillPoly(region, [body], 255)
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    backdrop = ((hsv[..., 1] < 42) & (hsv[..., 2] > 140)).astype(np.uint8)
    keep = np.zeros_like(region)
    cv2.ellipse(keep, (225, 120), (45, 62), 0, 0, 360, 1, -1)  # face core
    cv2.ellipse(keep, (207, 238), (94, 90), 0, 0, 360, 1, -1)  # suit collar
    mask = np.where((backdrop == 1) & (keep == 0), 0, region).astype(np.uint8)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    mask = cv2.morphologyEx(cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
    if n > 2:
        mask = np.where(labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA])), 255, 0).astype(np.uint8)
    return cv2.GaussianBlur(mask, (0, 0), 1.2)


def _neutral_source_points(points_px: np.ndarray) -> np.ndarray:
    """Close the astronaut's smile: inner lips meet, lips and chin move half-way."""
    p = points_px.copy()
    gap = float(np.mean(p[[65, 66, 67], 1]) - np.mean(p[[61, 62, 63], 1]))
    upper = [49, 50, 51, 52, 53, 61, 62, 63]
    lower = [55, 56, 57, 58, 59, 65, 66, 67]
    p[upper, 1] += 0.4 * gap
    p[lower, 1] -= 0.6 * gap
    p[[6, 7, 8, 9, 10], 1] -= 0.3 * gap
    p[[48, 54], 0] += np.array([1.0, -1.0])  # slightly less of a smile at the corners
    upper_inner, lower_inner = [61, 62, 63], [67, 66, 65]  # vertically opposite pairs
    meet = 0.5 * (p[upper_inner, 1] + p[lower_inner, 1])
    p[upper_inner, 1] = meet
    p[lower_inner, 1] = meet
    return p


@lru_cache(maxsize=1)
def reference_face() -> ReferenceFace:
    """Load the astronaut photo + reference points and build the mesh (cached)."""
    from skimage import data

    image = data.astronaut()
    points = np.asarray(json.loads(FACE_JSON.read_text())["points_px"], dtype=np.float64)
    alpha = _head_mask(image)
    texture = np.dstack([image, alpha])
    src = np.vstack([points, _RING_SRC_PX])
    neutral = _neutral_source_points(points)
    a, b = OUTER_EYE_CORNERS
    scale = OUTER_CANTHAL_MM / float(np.linalg.norm(points[a] - points[b]))
    nose = neutral[NOSE_TIP]
    xy = np.vstack([neutral, _RING_SRC_PX]) - nose
    dx, dy = points[b] - points[a]
    angle = -np.arctan2(dy, dx)  # level the eye line: the template faces the camera upright
    c, s = np.cos(angle), np.sin(angle)
    xy = xy @ np.array([[c, s], [-s, c]])
    z = np.concatenate([_DEPTH_BEHIND_NOSE_MM, _RING_DEPTH_MM])
    template = np.column_stack([xy * scale, z])
    triangles = Delaunay(src).simplices.astype(np.int32)
    for arr in (texture, src, template, triangles):
        arr.setflags(write=False)
    return ReferenceFace(texture, src, template, triangles, scale)


def _jaw_weights(template_mm: np.ndarray) -> np.ndarray:
    """How much each jaw point follows the chin when the mouth opens, (17,) in 0..1."""
    y = template_mm[list(JAW), 1]
    top = min(y[0], y[16])
    return np.clip((y - top) / (y[8] - top), 0.0, 1.0) ** 1.3


def _lateral(template_mm: np.ndarray, idx: list[int], amount: float) -> np.ndarray:
    """dx for points ``idx`` proportional to their distance from the midline (+ outward)."""
    x = template_mm[idx, 0] - template_mm[[51, 57, 62, 66], 0].mean()
    half = 0.5 * abs(template_mm[54, 0] - template_mm[48, 0])
    return amount * x / half


@lru_cache(maxsize=1)
def expression_basis() -> np.ndarray:
    """Displacements (N_ACTIONS, 68, 3) mm in the head frame for unit activations.

    Amplitudes are those of a healthy adult at full effort: JAW_OPEN drops the chin 30 mm,
    SPREAD moves each corner 9 mm outward, PUCKER 8 mm inward + 12 mm forward, BROW_RAISE
    lifts the brows ~9 mm.
    """
    t = reference_face().template_mm
    B = np.zeros((N_ACTIONS, N_LANDMARKS, 3))
    lips_all = list(MOUTH)

    b = B[JAW_OPEN]
    w = _jaw_weights(t)
    b[list(JAW), 1] = 30.0 * w
    b[list(JAW), 2] = 6.0 * w
    for idx, f in (([56, 57, 58], 0.85), ([55, 59], 0.75), ([65, 66, 67], 0.8), ([48, 54], 0.35),
                   ([60, 64], 0.38)):
        b[idx, 1] = 30.0 * f
        b[idx, 2] = 5.0 * f
    b[[49, 50, 51, 52, 53], 1] = -1.0
    b[[61, 62, 63], 1] = -1.5
    b[[48, 60, 55], 0] += 3.0
    b[[54, 64, 59], 0] -= 3.0

    b = B[LIP_PART]
    b[[61, 63], 1], b[62, 1] = -2.5, -3.0
    b[[50, 51, 52], 1], b[[49, 53], 1] = -2.0, -1.5
    b[[65, 67], 1], b[66, 1] = 4.5, 5.0
    b[[56, 57, 58], 1], b[[55, 59], 1] = 4.0, 3.5

    b = B[SPREAD]
    b[lips_all, 0] = _lateral(t, lips_all, 8.0)
    b[[48, 54], 0] = [-9.0, 9.0]
    b[[60, 64], 0] = [-8.0, 8.0]
    b[[48, 54, 60, 64], 2] = 4.0
    b[[49, 50, 51, 52, 53], 1] = 0.8
    b[[55, 56, 57, 58, 59], 1] = -0.8
    b[[3, 4, 5], 0], b[[11, 12, 13], 0] = -1.5, 1.5

    b = B[SMILE]
    b[lips_all, 0] = _lateral(t, lips_all, 7.0)
    b[[48, 54], 0] = [-8.0, 8.0]
    b[[48, 54], 1] = -5.0
    b[[60, 64], 0], b[[60, 64], 1] = [-7.0, 7.0], -4.0
    b[[48, 54, 60, 64], 2] = 3.0
    b[[50, 51, 52, 61, 62, 63], 1], b[[49, 53], 1] = -2.5, -3.5
    b[[55, 56, 57, 58, 59], 1], b[[65, 66, 67], 1] = 2.0, 3.5
    b[[40, 41, 46, 47], 1] = -1.0
    b[[2, 3, 4, 5], 0], b[[11, 12, 13, 14], 0] = -2.0, 2.0
    b[[2, 3, 4, 5, 11, 12, 13, 14], 1] = -1.0

    b = B[PUCKER]
    b[lips_all, 0] = _lateral(t, lips_all, -6.0)
    b[[48, 54], 0] = [8.0, -8.0]
    b[[60, 64], 0] = [7.0, -7.0]
    for idx, dz in (([51, 57, 62, 66], -12.0), ([50, 52, 56, 58, 61, 63, 65, 67], -10.0),
                    ([49, 53, 55, 59], -8.0), ([48, 54, 60, 64], -6.0)):
        b[idx, 2] = dz
    b[51, 1], b[57, 1] = -1.0, 1.0

    b = B[ROUND]
    b[[61, 62, 63], 1], b[[65, 66, 67], 1] = -2.5, 2.5
    b[[60, 64], 0] = [1.5, -1.5]
    b[[3, 4, 5], 0], b[[11, 12, 13], 0] = -4.0, 4.0
    b[[3, 4, 5, 11, 12, 13], 2] = -3.0

    b = B[BROW_RAISE]
    b[list(BROWS), 1] = [-7.0, -9.0, -10.0, -9.0, -7.0, -7.0, -9.0, -10.0, -9.0, -7.0]
    b[[37, 38, 43, 44], 1] = -1.5
    b[27, 1] = -1.0

    B.setflags(write=False)
    return B


def side_weights(template_mm: np.ndarray) -> np.ndarray:
    """(68, 2) weights of each landmark on the participant's (right, left) side, summing to 1.

    The participant's left is image right (+x). Points within ~5 mm of the midline blend.
    """
    x = template_mm[:N_LANDMARKS, 0] - template_mm[[27, 28, 29, 30, 33, 51, 57, 8], 0].mean()
    left = np.clip(0.5 + x / 10.0, 0.0, 1.0)
    return np.column_stack([1.0 - left, left])
