"""Durations and rates from per-frame timestamps (pure numpy; no file access).

A recording's clock is its per-frame timestamps (``timestamps_s (T,)``, seconds, increasing):
the container's presentation times for an imported video, the device clock for a RealSense
file or a live take. ``fps`` in a recording's metadata is the nominal rate of the source, which
a variable-rate video or a take with dropped frames does not keep.

Duration (the definition used by ``project info`` and everywhere a recording's length is shown):
``last - first + one frame interval``, the interval being the median spacing of the timestamps —
the time from the start of the first frame to the end of the last one, as a container states its
duration (``n / fps`` for a constant-rate file). One frame: the nominal ``1 / fps``.
"""

from __future__ import annotations

import numpy as np


def frame_interval_s(timestamps_s: np.ndarray, nominal_fps: float | None = None) -> float:
    """The typical spacing of the frames: median of the positive differences of ``timestamps_s``.

    Falls back to ``1 / nominal_fps`` (0.0 without it) when there are fewer than two distinct
    finite timestamps.
    """
    ts = np.asarray(timestamps_s, dtype=float)
    ts = ts[np.isfinite(ts)]
    steps = np.diff(ts)
    steps = steps[steps > 0]
    if steps.size:
        return float(np.median(steps))
    return 1.0 / nominal_fps if nominal_fps and nominal_fps > 0 else 0.0


def duration_from_timestamps(timestamps_s: np.ndarray, nominal_fps: float | None = None) -> float:
    """Seconds covered by the frames: ``last - first + frame_interval_s`` (0.0 for no frames)."""
    ts = np.asarray(timestamps_s, dtype=float)
    ts = ts[np.isfinite(ts)]
    if ts.size == 0:
        return 0.0
    return float(ts.max() - ts.min()) + frame_interval_s(ts, nominal_fps)


def effective_fps(timestamps_s: np.ndarray, nominal_fps: float | None = None) -> float:
    """Frames per second of the clock: ``n_frames / duration`` (the nominal rate when undefined)."""
    n = int(np.isfinite(np.asarray(timestamps_s, dtype=float)).sum())
    duration = duration_from_timestamps(timestamps_s, nominal_fps)
    if n == 0 or duration <= 0:
        return float(nominal_fps or 0.0)
    return n / duration
