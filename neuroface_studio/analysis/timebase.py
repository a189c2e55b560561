"""Frame times of a recording: the recorded per-frame timestamps, checked, and resampling onto a uniform grid.

Every time-based number (durations, velocities, SPARC/LDJ sampling, segmentation parameters in
seconds, trace time axes) uses the clock the frames were recorded with, not ``frame index / fps``:
a live take with dropped frames, or a variable-rate video, has fewer frames than ``fps x seconds``.

* :func:`frame_times` - ``(T,)`` seconds from the first frame, from the stored timestamps when they
  are usable (one per frame, finite, strictly increasing); otherwise ``index / fps`` with a note
  saying why (old recordings, damaged timestamps).
* :class:`FrameTimes` - those times, the nominal ``fps`` and the **grid rate**: the rate of the
  uniform time grid analyses resample onto, ``max(fps, 1 / median frame interval)`` (a take with
  drops is resampled back to the camera's rate; a video whose container rate understates its real
  rate keeps its real rate).
* :func:`resample` - linear interpolation of per-frame values onto grid times; a grid sample that
  falls in a recorded interval longer than ``max_gap_s`` (frames lost for too long) or next to a
  missing (NaN) frame is NaN, never invented.

Policy (stated in docs/USER_GUIDE.md): features and segmentation **resample onto the uniform grid at
the grid rate** by linear interpolation, then work at that rate; when the frames are already
uniform at the grid rate (every interval within 10 % of ``1 / rate``, e.g. every simulated or
drop-free recording) nothing is resampled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuroface_studio.domain.timing import duration_from_timestamps

#: Intervals within this fraction of the grid period count as uniform (no resampling needed).
UNIFORM_TOLERANCE = 0.1
#: A recorded interval longer than this (seconds, at least 1.5 frame periods) is a hole: grid samples in it are
#: NaN (missing, as frames without a face); shorter ones are interpolated (a 0.25 s hole is still a quarter of a
#: typical repetition: the features' own 20 % missing limit then decides).
MAX_GAP_S = 0.25


@dataclass(frozen=True)
class FrameTimes:
    """Times ``t_s (T,)`` seconds from the first frame; ``from_timestamps`` False when they are index/fps."""

    t_s: np.ndarray
    fps: float  # nominal rate of the recording (its ``fps`` attribute)
    from_timestamps: bool
    note: str = ""  # why the timestamps were not used ("" when they were, or there are none to check)

    @property
    def n(self) -> int:
        return int(self.t_s.size)

    @property
    def median_interval_s(self) -> float:
        d = np.diff(self.t_s)
        return float(np.median(d)) if d.size else 1.0 / self.fps

    @property
    def rate_hz(self) -> float:
        """Rate of the uniform grid analyses resample onto: max(nominal fps, 1 / median interval)."""
        measured = 1.0 / self.median_interval_s
        return float(measured if measured > self.fps * (1 + 1e-6) else self.fps)

    @property
    def uniform(self) -> bool:
        """True when every frame interval is within :data:`UNIFORM_TOLERANCE` of ``1 / rate_hz``."""
        d = np.diff(self.t_s)
        period = 1.0 / self.rate_hz
        return bool(d.size == 0 or np.all(np.abs(d - period) <= UNIFORM_TOLERANCE * period))

    @property
    def duration_s(self) -> float:
        """Length of the recording as ``project info`` states it (domain/timing.py): last frame time -
        first + the median frame interval (``n / fps`` when uniform)."""
        return duration_from_timestamps(self.t_s, self.fps)

    def span_duration_s(self, start: int, end: int) -> float:
        """Duration of frames ``start..end`` inclusive: ``t[end] - t[start]`` + one grid period."""
        return float(self.t_s[end] - self.t_s[start] + 1.0 / self.rate_hz)

    def frame_at(self, t: float) -> int:
        """The frame whose time is nearest ``t`` seconds."""
        if not self.n:
            return 0
        i = int(np.searchsorted(self.t_s, t))
        if i <= 0:
            return 0
        if i >= self.n:
            return self.n - 1
        return i if self.t_s[i] - t < t - self.t_s[i - 1] else i - 1

    def describe(self) -> str:
        """One line for reports and CLI output: where the times come from."""
        if not self.from_timestamps:
            return f"frame index / {self.fps:g} fps ({self.note})" if self.note else f"frame index / {self.fps:g} fps"
        if self.uniform:
            return f"recorded timestamps (uniform, {self.rate_hz:.4g} Hz)"
        return (f"recorded timestamps (irregular: median {1.0 / self.median_interval_s:.4g} Hz; "
                f"resampled to {self.rate_hz:.4g} Hz)")


def index_times(n: int, fps: float, note: str = "") -> FrameTimes:
    """Times from the frame index and the nominal rate (the fallback)."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    return FrameTimes(np.arange(int(n), dtype=np.float64) / float(fps), float(fps), False, note)


def frame_times(timestamps_s, n_frames: int, fps: float) -> FrameTimes:
    """Checked frame times of a recording of ``n_frames`` at nominal ``fps``.

    ``timestamps_s``: the stored ``(T,)`` seconds (None when the file has none). Used when there is
    one per frame, all finite and strictly increasing (shifted to start at 0); otherwise the
    times are ``index / fps`` and ``note`` says why.
    """
    n = int(n_frames)
    if timestamps_s is None:
        return index_times(n, fps, "the recording has no timestamps")
    t = np.asarray(timestamps_s, np.float64).ravel()
    if t.size < n:
        return index_times(n, fps, f"only {t.size} timestamps for {n} frames")
    t = t[:n]
    if n == 0:
        return FrameTimes(t, float(fps), True)
    if not np.isfinite(t).all():
        return index_times(n, fps, f"{int((~np.isfinite(t)).sum())} timestamp(s) are not numbers")
    d = np.diff(t)
    if (d <= 0).any():
        k = int(np.flatnonzero(d <= 0)[0])
        return index_times(n, fps, f"timestamps are not increasing (frame {k + 1}: {t[k + 1]:.4f} s after "
                                   f"{t[k]:.4f} s)")
    return FrameTimes(t - t[0], float(fps), True)


def uniform_grid(t0: float, t1: float, rate_hz: float) -> np.ndarray:
    """Grid times ``t0, t0 + 1/rate, ...`` up to ``t1`` (inclusive within a microsecond)."""
    n = int(np.floor((t1 - t0) * rate_hz + 1e-6)) + 1
    return t0 + np.arange(max(n, 1), dtype=np.float64) / rate_hz


def resample(values: np.ndarray, t_s: np.ndarray, grid_s: np.ndarray, max_gap_s: float | None = None) -> np.ndarray:
    """``values (T, ...)`` at times ``t_s (T,)`` linearly interpolated at ``grid_s (G,)`` -> ``(G, ...)``.

    NaN where the grid time is outside ``t_s``, falls in an interval longer than ``max_gap_s``
    (default: :data:`MAX_GAP_S` or 1.5 x the median interval, whichever is longer), or either
    neighbouring frame is NaN.
    """
    v = np.asarray(values, np.float64)
    t = np.asarray(t_s, np.float64)
    g = np.asarray(grid_s, np.float64)
    if v.shape[0] != t.size:
        raise ValueError(f"{v.shape[0]} values for {t.size} times")
    out = np.full((g.size, *v.shape[1:]), np.nan)
    if t.size == 0:
        return out
    if max_gap_s is None:
        max_gap_s = max(MAX_GAP_S, 1.5 * float(np.median(np.diff(t)))) if t.size > 1 else MAX_GAP_S
    eps = 1e-9
    j = np.searchsorted(t, g - eps, side="left")  # first frame at or after the grid time
    exact = (j < t.size) & (np.abs(t[np.minimum(j, t.size - 1)] - g) <= eps)
    hi = np.clip(j, 1, t.size - 1) if t.size > 1 else np.zeros_like(j)
    lo = hi - 1 if t.size > 1 else hi
    inside = (g >= t[0] - eps) & (g <= t[-1] + eps)
    span = t[hi] - t[lo]
    w = np.where(span > 0, (g - t[lo]) / np.where(span > 0, span, 1.0), 0.0)
    w = w.reshape(-1, *([1] * (v.ndim - 1)))
    interp = (1.0 - w) * v[lo] + w * v[hi]
    ok = inside & (span <= max_gap_s + eps)
    out[ok] = interp[ok]
    ex = np.flatnonzero(exact)
    out[ex] = v[j[ex]]  # a grid time on a frame takes that frame as it is (even next to a hole)
    return out


def grid_to_frame(grid_s, t_s: np.ndarray, which: str = "nearest", step_s: float = 0.0) -> np.ndarray:
    """Frame index for each grid time: ``nearest``, ``first`` (first frame at or after the grid time
    less half a grid step ``step_s``) or ``last`` (last frame at or before it plus half a step)."""
    g = np.atleast_1d(np.asarray(grid_s, np.float64))
    t = np.asarray(t_s, np.float64)
    if t.size == 0:
        raise ValueError("no frame times")
    if which == "nearest":
        i = np.clip(np.searchsorted(t, g), 1, max(t.size - 1, 1))
        return np.where(np.abs(t[i - 1] - g) <= np.abs(t[np.minimum(i, t.size - 1)] - g), i - 1, i).astype(int)
    if which == "first":
        return np.clip(np.searchsorted(t, g - 0.5 * step_s - 1e-9), 0, t.size - 1).astype(int)
    if which == "last":
        return np.clip(np.searchsorted(t, g + 0.5 * step_s + 1e-9, side="right") - 1, 0, t.size - 1).astype(int)
    raise ValueError(f"which must be nearest, first or last, got {which!r}")
