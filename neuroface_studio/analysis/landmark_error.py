"""Landmark error normalised by face size: NRMSE with the interocular (outer eye corners) distance.

``nrmse(points, truth)`` = root mean square over points of the Euclidean error (SCIENCE.md:
"RMS over landmarks of the Euclidean error") divided by the distance between truth points 36
and 45 (outer eye corners, 0-based iBUG indices: the 300-W "interocular" normaliser), per frame. Frames
where either side is missing (NaN) give NaN. ``subset`` picks the points averaged (e.g.
:data:`~neuroface_studio.domain.landmarks.NO_JAW`, the 51 points without the jaw line).
"""

from __future__ import annotations

import numpy as np

OUTER_EYE_CORNERS = (36, 45)


def nrmse(points_px: np.ndarray, truth_px: np.ndarray, subset=None) -> np.ndarray:
    """Per-frame NRMSE of ``points_px (T, 68, 2)`` (or (68, 2)) vs ``truth_px`` of the same shape."""
    p = np.asarray(points_px, np.float64)
    t = np.asarray(truth_px, np.float64)
    single = p.ndim == 2
    if single:
        p, t = p[None], t[None]
    d = np.linalg.norm(t[:, OUTER_EYE_CORNERS[0]] - t[:, OUTER_EYE_CORNERS[1]], axis=1)
    idx = list(subset) if subset is not None else slice(None)
    err = np.sqrt((np.linalg.norm(p[:, idx] - t[:, idx], axis=2) ** 2).mean(axis=1)) / d
    return err[0] if single else err
