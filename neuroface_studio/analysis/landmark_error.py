"""Landmark error normalised by face size, with the interocular (outer eye corners) distance.

A thin shortcut to the app's one NRMSE, :func:`neuroface_studio.analysis.evaluation.nrmse`, for
benchmarks that compare a track against simulated truth: ``nrmse(points, truth)`` = per frame,
the root mean square over points of the Euclidean error (SCIENCE.md: "RMS over landmarks of the
Euclidean error") divided by the distance between truth points 36 and 45 (outer eye corners,
0-based iBUG indices: the 300-W "interocular" normaliser). A fraction (x100 = %). Frames where
the prediction is missing (NaN) give NaN. ``subset`` picks the points (e.g.
:data:`~neuroface_studio.domain.landmarks.NO_JAW`, the 51 points without the jaw line).
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.analysis import evaluation as ev

OUTER_EYE_CORNERS = (36, 45)


def nrmse(points_px: np.ndarray, truth_px: np.ndarray, subset=None) -> np.ndarray:
    """Per-frame NRMSE of ``points_px (T, 68, 2)`` (or (68, 2)) vs ``truth_px`` of the same shape."""
    single = np.asarray(points_px).ndim == 2
    err, _ = ev.nrmse(points_px, truth_px, "interocular", "all" if subset is None else subset)
    return err[0] if single else err
