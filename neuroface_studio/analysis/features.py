"""Per-repetition kinematic features (SCIENCE.md "From landmarks to diagnosis").

Input: landmark trajectories ``points (T, 68, 3)`` in mm (3D from depth; 2D px with a zero third
column works too, then "mm" reads "px"), the recording's ``fps``, and one repetition
``(start, end)`` (inclusive frames). iBUG 0-based points; the participant's right is the image
left (48 = right mouth corner, 54 = left).

FEATURES (name: unit - definition):

* ``range_of_motion``: mm - max - min of the lip aperture (inner lips 62-66 distance)
* ``peak_opening_velocity`` / ``mean_opening_velocity``: mm/s - largest / mean positive rate of
  change of the aperture
* ``peak_closing_velocity`` / ``mean_closing_velocity``: mm/s - the same for closing (as positive numbers)
* ``duration``: s - length of the repetition
* ``width_range``: mm - max - min of the mouth width (corners 48-54)
* ``corner_asymmetry``: 1 - ``|R - L| / (R + L)`` of the largest excursions of the right (48)
  and left (54) mouth corners from their start positions (0 = symmetric)
* ``brow_asymmetry``: 1 - the same for the brow centres (19, 24) relative to the eyes
* ``lower_lip_path``: mm - path length of the lower-lip centre (57)
* ``jaw_range``: mm - largest displacement of the chin (8) from its start position
* ``roundness``: 1 - aperture / width at the frame of the largest aperture
* ``sparc`` / ``ldj``: 1 - smoothness of the lower-lip speed over the first ``window_s`` seconds of
  the repetition, computed on the **unfiltered** signal (the SBR paper)

All other features use the signal after the ``median`` -point median filter (5 in the papers; 1
turns it off). A repetition with more than ``max_missing`` of its frames missing gives NaN
features (never values from a few frames).
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.analysis.kinematics3d import interpolate_gaps, median_filter
from neuroface_studio.analysis.smoothness import log_dimensionless_jerk, sparc

FEATURE_NAMES = ("range_of_motion", "peak_opening_velocity", "mean_opening_velocity", "peak_closing_velocity",
                 "mean_closing_velocity", "duration", "width_range", "corner_asymmetry", "brow_asymmetry",
                 "lower_lip_path", "jaw_range", "roundness", "sparc", "ldj")
UNITS = {"range_of_motion": "mm", "peak_opening_velocity": "mm/s", "mean_opening_velocity": "mm/s",
         "peak_closing_velocity": "mm/s", "mean_closing_velocity": "mm/s", "duration": "s", "width_range": "mm",
         "corner_asymmetry": "1", "brow_asymmetry": "1", "lower_lip_path": "mm", "jaw_range": "mm",
         "roundness": "1", "sparc": "1", "ldj": "1"}


def _dist(p: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(p[:, a] - p[:, b], axis=-1)


def _asymmetry(r: float, left: float) -> float:
    total = r + left
    return float(abs(r - left) / total) if total > 0 else float("nan")


def repetition_features(points: np.ndarray, fps: float, start: int, end: int, median: int = 5,
                        window_s: float = 5.0, max_missing: float = 0.2) -> dict[str, float]:
    """The FEATURES of one repetition (a dict with every name; NaN where it cannot be computed)."""
    p_all = np.asarray(points, np.float64)
    if p_all.ndim != 3 or p_all.shape[1] != 68:
        raise ValueError(f"landmarks must be (frames, 68, 2 or 3), got {p_all.shape}")
    if p_all.shape[2] == 2:
        p_all = np.concatenate([p_all, np.zeros((*p_all.shape[:2], 1))], axis=2)
    if not 0 <= start <= end < len(p_all):
        raise ValueError(f"repetition {start}..{end} is outside the recording (0..{len(p_all) - 1})")
    out = {k: float("nan") for k in FEATURE_NAMES}
    raw = p_all[start:end + 1]
    missing = ~np.isfinite(raw).all(axis=(1, 2))
    if missing.mean() > max_missing or len(raw) < 3:
        return out
    raw, _ = interpolate_gaps(raw, max_gap=len(raw))
    if not np.isfinite(raw).all():  # missing at the edges: keep the frames that have values
        keep = np.isfinite(raw).all(axis=(1, 2))
        raw = raw[np.argmax(keep):len(keep) - np.argmax(keep[::-1])]
        if len(raw) < 3:
            return out
    p = median_filter(raw, median) if median > 1 else raw
    dt = 1.0 / fps
    aperture = _dist(p, 62, 66)
    width = _dist(p, 48, 54)
    rate = np.gradient(aperture, dt)
    opening, closing = rate[rate > 0], -rate[rate < 0]
    out["range_of_motion"] = float(aperture.max() - aperture.min())
    out["peak_opening_velocity"] = float(opening.max()) if opening.size else 0.0
    out["mean_opening_velocity"] = float(opening.mean()) if opening.size else 0.0
    out["peak_closing_velocity"] = float(closing.max()) if closing.size else 0.0
    out["mean_closing_velocity"] = float(closing.mean()) if closing.size else 0.0
    out["duration"] = (end - start + 1) / fps
    out["width_range"] = float(width.max() - width.min())
    exc_r = np.linalg.norm(p[:, 48] - p[0, 48], axis=1).max()
    exc_l = np.linalg.norm(p[:, 54] - p[0, 54], axis=1).max()
    out["corner_asymmetry"] = _asymmetry(exc_r, exc_l)
    brow_r = _dist(p, 19, 37)
    brow_l = _dist(p, 24, 44)
    out["brow_asymmetry"] = _asymmetry(float(np.ptp(brow_r)), float(np.ptp(brow_l)))
    out["lower_lip_path"] = float(np.linalg.norm(np.diff(p[:, 57], axis=0), axis=1).sum())
    out["jaw_range"] = float(np.linalg.norm(p[:, 8] - p[0, 8], axis=1).max())
    k = int(np.argmax(aperture))
    out["roundness"] = float(aperture[k] / width[k]) if width[k] > 0 else float("nan")
    window = raw[:max(3, int(round(window_s * fps)))]
    speed = np.linalg.norm(np.gradient(window[:, 57], dt, axis=0), axis=1)
    if speed.any():
        out["sparc"] = sparc(speed, fps)
        out["ldj"] = log_dimensionless_jerk(speed, fps)
    return out


def recording_features(points: np.ndarray, fps: float, repetitions: list[tuple[int, int]],
                       **kw) -> list[dict[str, float]]:
    """Features of every repetition of a recording, in order."""
    return [repetition_features(points, fps, s, e, **kw) for s, e in repetitions]
