"""The 68-point facial landmark scheme (iBUG 300-W / Multi-PIE layout).

Indices are 0-based everywhere. Sides are named from the *participant's* point of
view, as clinicians name them: point 36 (image left in a frontal photo) is the outer
corner of the participant's right eye.
"""

from __future__ import annotations

import numpy as np

N_LANDMARKS = 68

JAW = range(0, 17)
RIGHT_BROW = range(17, 22)
LEFT_BROW = range(22, 27)
BROWS = range(17, 27)
NOSE_BRIDGE = range(27, 31)
NOSTRILS = range(31, 36)
NOSE = range(27, 36)
RIGHT_EYE = range(36, 42)
LEFT_EYE = range(42, 48)
EYES = range(36, 48)
OUTER_LIPS = range(48, 60)
INNER_LIPS = range(60, 68)
MOUTH = range(48, 68)
NO_JAW = range(17, 68)

INNER_EYE_CORNERS = (39, 42)
OUTER_EYE_CORNERS = (36, 45)
MOUTH_CORNERS = (48, 54)

#: Named groups usable by evaluation, display and selection.
GROUPS: dict[str, range] = {
    "jaw": JAW,
    "brows": BROWS,
    "nose": NOSE,
    "eyes": EYES,
    "mouth": MOUTH,
    "outer_lips": OUTER_LIPS,
    "inner_lips": INNER_LIPS,
    "no_jaw": NO_JAW,
    "all": range(0, N_LANDMARKS),
}

#: Contours drawn when landmarks are displayed: (indices, closed?).
CONTOURS: tuple[tuple[range, bool], ...] = (
    (JAW, False),
    (RIGHT_BROW, False),
    (LEFT_BROW, False),
    (NOSE_BRIDGE, False),
    (NOSTRILS, False),
    (RIGHT_EYE, True),
    (LEFT_EYE, True),
    (OUTER_LIPS, True),
    (INNER_LIPS, True),
)


def _build_flip() -> np.ndarray:
    """Permutation mapping each point to its mirror point under a horizontal flip."""
    pairs = [(i, 16 - i) for i in range(8)]  # jaw
    pairs += [(17 + i, 26 - i) for i in range(5)]  # brows
    pairs += [(31, 35), (32, 34)]  # nostrils
    pairs += [(36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]  # eyes
    pairs += [(48, 54), (49, 53), (50, 52), (55, 59), (56, 58)]  # outer lips
    pairs += [(60, 64), (61, 63), (65, 67)]  # inner lips
    perm = np.arange(N_LANDMARKS)
    for a, b in pairs:
        perm[a], perm[b] = b, a
    return perm


#: ``points[FLIP_PERMUTATION]`` relabels the points of a horizontally flipped image.
FLIP_PERMUTATION: np.ndarray = _build_flip()
FLIP_PERMUTATION.setflags(write=False)

#: (right, left) pairs from the participant's view; self-symmetric points excluded.
LEFT_RIGHT_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (int(i), int(FLIP_PERMUTATION[i])) for i in range(N_LANDMARKS) if FLIP_PERMUTATION[i] > i
)

#: Points on the vertical midline (their own mirror image).
MIDLINE: tuple[int, ...] = tuple(int(i) for i in range(N_LANDMARKS) if FLIP_PERMUTATION[i] == i)


def _build_names() -> tuple[str, ...]:
    names = [f"jaw_{i:02d}" for i in range(17)]
    names += [f"right_brow_{i}" for i in range(5)] + [f"left_brow_{i}" for i in range(5)]
    names += [f"nose_bridge_{i}" for i in range(4)]
    names += ["nostril_right_outer", "nostril_right", "nose_tip_bottom", "nostril_left", "nostril_left_outer"]
    names += ["right_eye_outer", "right_eye_top_outer", "right_eye_top_inner", "right_eye_inner",
              "right_eye_bottom_inner", "right_eye_bottom_outer"]
    names += ["left_eye_inner", "left_eye_top_inner", "left_eye_top_outer", "left_eye_outer",
              "left_eye_bottom_outer", "left_eye_bottom_inner"]
    names += ["mouth_right_corner", "upper_lip_right_outer", "upper_lip_right", "upper_lip_top",
              "upper_lip_left", "upper_lip_left_outer", "mouth_left_corner", "lower_lip_left_outer",
              "lower_lip_left", "lower_lip_bottom", "lower_lip_right", "lower_lip_right_outer"]
    names += ["inner_right_corner", "inner_upper_right", "inner_upper_mid", "inner_upper_left",
              "inner_left_corner", "inner_lower_left", "inner_lower_mid", "inner_lower_right"]
    return tuple(names)


NAMES: tuple[str, ...] = _build_names()


def flip_points(points_px: np.ndarray, image_width: float) -> np.ndarray:
    """Mirror ``points_px (..., 68, 2)`` for an image of ``image_width`` px, relabelling points.

    Pixel centres are at integer coordinates, so x maps to ``image_width - 1 - x``.
    """
    pts = np.asarray(points_px, dtype=np.float64)
    out = pts[..., FLIP_PERMUTATION, :].copy()
    out[..., 0] = image_width - 1 - out[..., 0]
    return out


def validate_points(points_px: np.ndarray) -> np.ndarray:
    """Return ``points_px`` as float64 (68, 2) or raise ValueError saying what is wrong."""
    pts = np.array(points_px, dtype=np.float64, copy=True)  # never share the caller's array
    if pts.shape != (N_LANDMARKS, 2):
        raise ValueError(
            f"expected {N_LANDMARKS} landmarks as a (68, 2) array, got shape {pts.shape}; "
            "NeuroFace Studio uses the 68-point iBUG layout"
        )
    if not np.all(np.isfinite(pts)):
        bad = np.flatnonzero(~np.all(np.isfinite(pts), axis=1))
        raise ValueError(f"landmark coordinates must be finite; points {bad.tolist()} are not")
    return pts
