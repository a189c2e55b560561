"""Per-repetition kinematic features (SCIENCE.md "From landmarks to diagnosis").

Input: landmark trajectories ``points (T, 68, 3)`` in mm (3D from depth; 2D with a zero third
column works too, then "mm" reads the 2D unit, e.g. fractions of the interocular distance, see
:data:`UNITS_2D`), the recording's ``fps`` and frame times (:mod:`.timebase`: the recorded
timestamps; velocities and durations are in real seconds even with dropped frames), and one
repetition ``(start, end)`` (inclusive frames). iBUG 0-based points; the participant's right is the image
left (48 = right mouth corner, 54 = left).

FEATURES (name: unit - definition):

* ``range_of_motion``: mm - max - min of the lip aperture (inner lips 62-66 distance)
* ``peak_opening_velocity`` / ``mean_opening_velocity``: mm/s - largest / mean positive rate of
  change of the aperture
* ``peak_closing_velocity`` / ``mean_closing_velocity``: mm/s - the same for closing (as positive numbers)
* ``duration``: s - length of the repetition from the frame times (never depends on landmarks or depth)
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
features (never values from a few frames), except ``duration``;
:func:`repetition_features_explained` says why each NaN is NaN.
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.analysis.kinematics3d import interpolate_gaps, median_filter
from neuroface_studio.analysis.smoothness import log_dimensionless_jerk, sparc
from neuroface_studio.analysis.timebase import FrameTimes, frame_times, index_times, resample, uniform_grid

FEATURE_NAMES = ("range_of_motion", "peak_opening_velocity", "mean_opening_velocity", "peak_closing_velocity",
                 "mean_closing_velocity", "duration", "width_range", "corner_asymmetry", "brow_asymmetry",
                 "lower_lip_path", "jaw_range", "roundness", "sparc", "ldj")
UNITS = {"range_of_motion": "mm", "peak_opening_velocity": "mm/s", "mean_opening_velocity": "mm/s",
         "peak_closing_velocity": "mm/s", "mean_closing_velocity": "mm/s", "duration": "s", "width_range": "mm",
         "corner_asymmetry": "1", "brow_asymmetry": "1", "lower_lip_path": "mm", "jaw_range": "mm",
         "roundness": "1", "sparc": "1", "ldj": "1"}
#: Units of the 2D fallback (no depth): lengths in fractions of the interocular distance (36-45).
UNITS_2D = {k: v.replace("mm", "IOD") for k, v in UNITS.items()}
#: Feature spaces: 3D from depth in mm, or 2D image landmarks in interocular distances.
SPACE_3D, SPACE_2D = "3d_mm", "2d_iod"


def units_of(space: str) -> dict[str, str]:
    """The UNITS of a feature space (:data:`SPACE_3D` or :data:`SPACE_2D`)."""
    return UNITS_2D if space == SPACE_2D else UNITS


def _dist(p: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(p[:, a] - p[:, b], axis=-1)


def _asymmetry(r: float, left: float) -> float:
    total = r + left
    return float(abs(r - left) / total) if total > 0 else float("nan")


def _frame_times(times, fps: float, n: int) -> FrameTimes:
    if times is None:
        return index_times(n, fps)
    if isinstance(times, FrameTimes):
        ft = times
    else:
        ft = frame_times(times, n, fps)
    if ft.n != n:
        raise ValueError(f"{ft.n} frame times for {n} frames of landmarks")
    return ft


def repetition_features(points: np.ndarray, fps: float, start: int, end: int, median: int = 5,
                        window_s: float = 5.0, max_missing: float = 0.2, times=None) -> dict[str, float]:
    """The FEATURES of one repetition (a dict with every name; NaN where it cannot be computed).

    ``times``: the recording's frame times (a :class:`~.timebase.FrameTimes` or ``(T,)`` seconds;
    None: ``index / fps``). See :func:`repetition_features_explained`.
    """
    return repetition_features_explained(points, fps, start, end, median, window_s, max_missing, times)[0]


def repetition_features_explained(points: np.ndarray, fps: float, start: int, end: int, median: int = 5,
                                  window_s: float = 5.0, max_missing: float = 0.2,
                                  times=None) -> tuple[dict[str, float], dict[str, str]]:
    """``(features, why)``: the FEATURES of one repetition and, for each NaN one, the reason.

    Time: ``duration`` is ``t[end] - t[start]`` + one grid period from the recorded frame times
    (never from the landmarks, so it is known even when they are not). When the frames are not
    uniform in time (drops, variable rate) the repetition's landmarks are first resampled by
    linear interpolation onto a uniform grid at the recording's grid rate
    (:attr:`~.timebase.FrameTimes.rate_hz`), so velocities, the median filter's span and the
    SPARC/LDJ sampling rate are in real seconds.
    """
    p_all = np.asarray(points, np.float64)
    if p_all.ndim != 3 or p_all.shape[1] != 68:
        raise ValueError(f"landmarks must be (frames, 68, 2 or 3), got {p_all.shape}")
    if p_all.shape[2] == 2:
        p_all = np.concatenate([p_all, np.zeros((*p_all.shape[:2], 1))], axis=2)
    if not 0 <= start <= end < len(p_all):
        raise ValueError(f"repetition {start}..{end} is outside the recording (0..{len(p_all) - 1})")
    ft = _frame_times(times, fps, len(p_all))
    out = {k: float("nan") for k in FEATURE_NAMES}
    out["duration"] = ft.span_duration_s(start, end)
    rate = ft.rate_hz
    raw = p_all[start:end + 1]
    if not ft.uniform:
        raw = resample(raw, ft.t_s[start:end + 1], uniform_grid(ft.t_s[start], ft.t_s[end], rate))
    missing = ~np.isfinite(raw).all(axis=(1, 2))

    def nothing(reason: str) -> tuple[dict[str, float], dict[str, str]]:
        return out, {k: reason for k in FEATURE_NAMES if k != "duration"}

    if len(raw) < 3:
        return nothing(f"the repetition is shorter than 3 samples ({len(raw)})")
    if missing.mean() > max_missing:
        return nothing(f"{missing.mean():.0%} of the repetition's samples lack landmarks (no face, no depth "
                       f"or frames lost); features need at least {1 - max_missing:.0%}")
    raw, _ = interpolate_gaps(raw, max_gap=len(raw))
    if not np.isfinite(raw).all():  # missing at the edges: keep the frames that have values
        keep = np.isfinite(raw).all(axis=(1, 2))
        raw = raw[np.argmax(keep):len(keep) - np.argmax(keep[::-1])]
        if len(raw) < 3:
            return nothing("fewer than 3 samples with landmarks")
    why: dict[str, str] = {}
    p = median_filter(raw, median) if median > 1 else raw
    dt = 1.0 / rate
    aperture = _dist(p, 62, 66)
    width = _dist(p, 48, 54)
    rate_of_change = np.gradient(aperture, dt)
    opening, closing = rate_of_change[rate_of_change > 0], -rate_of_change[rate_of_change < 0]
    out["range_of_motion"] = float(aperture.max() - aperture.min())
    out["peak_opening_velocity"] = float(opening.max()) if opening.size else 0.0
    out["mean_opening_velocity"] = float(opening.mean()) if opening.size else 0.0
    out["peak_closing_velocity"] = float(closing.max()) if closing.size else 0.0
    out["mean_closing_velocity"] = float(closing.mean()) if closing.size else 0.0
    out["width_range"] = float(width.max() - width.min())
    exc_r = np.linalg.norm(p[:, 48] - p[0, 48], axis=1).max()
    exc_l = np.linalg.norm(p[:, 54] - p[0, 54], axis=1).max()
    out["corner_asymmetry"] = _asymmetry(exc_r, exc_l)
    if not np.isfinite(out["corner_asymmetry"]):
        why["corner_asymmetry"] = "the mouth corners do not move (0/0)"
    brow_r = _dist(p, 19, 37)
    brow_l = _dist(p, 24, 44)
    out["brow_asymmetry"] = _asymmetry(float(np.ptp(brow_r)), float(np.ptp(brow_l)))
    if not np.isfinite(out["brow_asymmetry"]):
        why["brow_asymmetry"] = "the brows do not move (0/0)"
    out["lower_lip_path"] = float(np.linalg.norm(np.diff(p[:, 57], axis=0), axis=1).sum())
    out["jaw_range"] = float(np.linalg.norm(p[:, 8] - p[0, 8], axis=1).max())
    k = int(np.argmax(aperture))
    out["roundness"] = float(aperture[k] / width[k]) if width[k] > 0 else float("nan")
    if not np.isfinite(out["roundness"]):
        why["roundness"] = "the mouth width is 0"
    window = raw[:max(3, int(round(window_s * rate)))]
    speed = np.linalg.norm(np.gradient(window[:, 57], dt, axis=0), axis=1)
    if speed.any():
        out["sparc"] = sparc(speed, rate)
        out["ldj"] = log_dimensionless_jerk(speed, rate)
    else:
        why["sparc"] = why["ldj"] = "the lower lip does not move: no speed profile to measure"
    return out, why


def recording_features(points: np.ndarray, fps: float, repetitions: list[tuple[int, int]],
                       **kw) -> list[dict[str, float]]:
    """Features of every repetition of a recording, in order (``times=`` as for :func:`repetition_features`)."""
    return [repetition_features(points, fps, s, e, **kw) for s, e in repetitions]
