"""Proposed repetition spans from a kinematic trace, and their agreement with true spans.

:func:`propose_repetitions` takes one trace ``(T,)`` (see :mod:`.traces`) and the frame rate
and returns inclusive ``(start, end)`` frame spans with a confidence in [0, 1] each. The
clinician accepts or edits them; nothing here writes to a project.

How (all durations in seconds, converted with ``fps``; with irregular frame ``times`` the trace is
first resampled onto a uniform time grid, see :func:`propose_repetitions`):

1. The trace is oriented so movement goes *up* (``direction``: OPEN opens the lips, KISS
   narrows the mouth, so KISS uses -1), gaps are bridged for detection only, and it is
   smoothed with a Gaussian (``smooth_s``; more, up to ``max_smooth_s``, when frame-to-frame
   tracker noise is large against the movement).
2. Movement peaks come from :func:`scipy.signal.find_peaks` with a prominence relative to the
   trace's robust range (1st-99th percentile) and a minimum distance; in speech modes, peaks
   lower than 0.4 x the median peak are dropped as noise.
3. Peaks are grouped into repetitions by the task's **mode**:

   * ``excursion`` (non-speech OPEN, SPREAD, SMILE, KISS, BLOW, BROW): each peak is one
     repetition, away from rest and back.
   * ``cycle`` (PA, PATAKA: as many as possible): consecutive peaks belong to one cycle until
     the trace comes back near rest (lip closure, ``closure_level`` of the range); cycles are
     contiguous, split at the middle of the closure.
   * ``phrase`` (BBP): syllable peaks separated by less than ``min_pause_s`` near rest form
     one sentence (a shorter pause counts when the quiet stretches between peaks clearly
     fall in two groups, dips between syllables and pauses between sentences).
   * ``none`` (REST): no repetitions.

4. Edges: the rise of a repetition crosses 10 % and 50 % of its excursion at ``t10`` and
   ``t50`` (sub-frame); the movement started ``edge_extrapolation * (t50 - t10)`` before
   ``t10``. 0.973 is exact for the minimum-jerk profile of a voluntary point-to-point
   movement (Flash & Hogan 1985), which reaches 10 % at 24.7 % of its duration; a plain
   threshold at 10 % would be late by a quarter of the rise. The end mirrors the start.

Frames without a face (NaN, including head turned away) are bridged for detection; an edge
that falls in (or next to) such a gap is moved to the first (last) frame seen, and its
confidence halved.
Confidence of a span = (prominence / half the range, capped at 1) x (how well the trace
returns to the same level on both sides) x (fraction of its frames with a face).

:func:`boundary_error_frames` matches proposed spans to true ones (Hungarian, overlapping
pairs only) and reports the mean absolute boundary error in frames, misses and extras.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.optimize import linear_sum_assignment
from scipy.signal import find_peaks

from neuroface_studio.analysis.timebase import FrameTimes, frame_times, grid_to_frame, resample, uniform_grid

MODES = ("excursion", "cycle", "phrase", "none")
#: Movement direction of the default trace of each protocol task (+1 rises, -1 falls).
TASK_DIRECTIONS = {"OPEN": 1, "SPREAD": 1, "SMILE": 1, "BROW": 1, "KISS": -1, "BLOW": -1,
                   "BBP": 1, "PA": 1, "PATAKA": 1}
EDGE_LOW, EDGE_HIGH = 0.1, 0.5  # fractions of a repetition's excursion used to locate its edges
NOISE_TARGET = 0.03  # smoothing brings frame-to-frame noise to this fraction of the range
MIN_RELATIVE_HEIGHT = 0.4  # cycle/phrase modes: peaks lower than this x the median peak are noise
QUIET_LEVEL = 0.25  # frames before the rise below this fraction give the rest level (median)


@dataclass(frozen=True)
class SegmentationParams:
    """How to segment one trace. Durations in seconds; levels as fractions of the trace range."""

    mode: str = "excursion"
    direction: int | None = 1  # +1: the trace rises during a repetition; -1: falls; None: guess
    smooth_s: float = 0.03  # Gaussian sigma (at least)
    max_smooth_s: float = 0.05  # Gaussian sigma at most, for noisy traces (tracker jitter)
    prominence: float = 0.3  # minimum peak prominence, fraction of the robust range
    min_distance_s: float = 0.5  # minimum time between two peaks
    min_duration_s: float = 0.2  # shorter spans are dropped
    edge_extrapolation: float = 0.973  # see the module docstring; 0 = plain 10 % threshold
    closure_level: float = 0.25  # cycle mode: valley this close to rest ends a cycle
    min_pause_s: float = 0.2  # phrase/cycle mode: this long near rest separates repetitions

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"segmentation mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.direction not in (1, -1, None):
            raise ValueError("direction must be +1 (trace rises), -1 (falls) or None (guess)")
        if not 0 < self.prominence < 1:
            raise ValueError("prominence is a fraction of the trace range: give a value between 0 and 1")
        if min(self.smooth_s, self.min_distance_s, self.min_duration_s, self.min_pause_s) < 0:
            raise ValueError("segmentation durations must not be negative")

    def to_dict(self) -> dict:
        return asdict(self)


def default_params(task_code: str, category: str = "nonspeech", repetitions: int | None = 5) -> SegmentationParams:
    """Sensible defaults for a protocol task (code, category and repetitions of a ``Task``).

    REST or category "rest": mode none. Speech with a fixed count (BBP): phrase. Speech as many
    as possible (PA, PATAKA): cycle. Anything else: excursion.
    """
    code = task_code.upper()
    direction = TASK_DIRECTIONS.get(code)
    if code == "REST" or category == "rest":
        return SegmentationParams(mode="none", direction=direction or 1)
    if category == "speech" and repetitions:
        return SegmentationParams(mode="phrase", direction=direction or 1, prominence=0.2, max_smooth_s=0.03,
                                  min_distance_s=0.1, min_duration_s=0.3, min_pause_s=0.2)
    if category == "speech":
        closure = 0.12 if code == "PATAKA" else 0.5
        return SegmentationParams(mode="cycle", direction=direction or 1, prominence=0.15,
                                  min_distance_s=0.06, min_duration_s=0.06, closure_level=closure,
                                  min_pause_s=0.3, smooth_s=0.015, max_smooth_s=0.015)
    return SegmentationParams(mode="excursion", direction=direction)


def params_for_task(task) -> SegmentationParams:
    """:func:`default_params` for a :class:`~neuroface_studio.domain.protocol.Task`."""
    if not task.segmented:
        return SegmentationParams(mode="none")
    return default_params(task.code, task.category, task.repetitions)


@dataclass(frozen=True)
class ProposedSpan:
    """A proposed repetition: frames ``start .. end`` inclusive, confidence in [0, 1]."""

    start: int
    end: int
    confidence: float
    peak: int  # frame of the largest excursion inside the span

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "confidence": round(self.confidence, 3), "peak": self.peak}


@dataclass(frozen=True)
class Proposal:
    spans: tuple[ProposedSpan, ...]
    params: SegmentationParams
    direction: int
    fps: float

    @property
    def frames(self) -> list[tuple[int, int]]:
        return [(s.start, s.end) for s in self.spans]


# -- helpers ------------------------------------------------------------------------------
def bridge_nans(trace: np.ndarray) -> np.ndarray:
    """NaN frames filled by linear interpolation (ends held) for detection only."""
    v = np.asarray(trace, np.float64)
    ok = np.isfinite(v)
    idx = np.arange(v.size)
    return np.interp(idx, idx[ok], v[ok])


def _smoothing_frames(s: np.ndarray, fps: float, p: SegmentationParams) -> float:
    """Gaussian sigma (frames): ``smooth_s``, raised up to ``max_smooth_s`` for a noisy trace.

    Frame-to-frame noise (robust SD of the first differences / sqrt 2) smoothed by a Gaussian
    of sigma frames shrinks by ~1.88 sqrt(sigma); the sigma brings it to 3 % of the range.
    """
    if p.smooth_s <= 0 and p.max_smooth_s <= 0:
        return 0.0
    low = max(p.smooth_s * fps, 0.5)
    high = max(low, p.max_smooth_s * fps)
    spread = float(np.subtract(*np.percentile(s, [99, 1])))
    noise = 1.4826 * float(np.median(np.abs(np.diff(s)))) / np.sqrt(2) if s.size > 2 else 0.0
    if spread <= 0 or noise <= 0:
        return low
    return float(np.clip((noise / (NOISE_TARGET * 1.88 * spread)) ** 2, low, high))


def _guess_direction(v: np.ndarray, fps: float) -> int:
    """+1 if the trace moves up from its rest level (median of the first/last 0.25 s), else -1."""
    edge = max(2, int(0.25 * fps))
    rest = float(np.median(np.concatenate([v[:edge], v[-edge:]])))
    return 1 if np.percentile(v, 98) - rest >= rest - np.percentile(v, 2) else -1


def _crossing_back(s: np.ndarray, lo: int, peak: int, level: float) -> float:
    """Sub-frame time of the last upward crossing of ``level`` in ``s[lo..peak]`` (lo if none)."""
    below = np.flatnonzero(s[lo:peak + 1] < level)
    if below.size == 0:
        return float(lo)
    i = lo + int(below[-1])
    if i >= peak:
        return float(peak)
    return i + (level - s[i]) / (s[i + 1] - s[i])


def _rise_start(s: np.ndarray, lo: int, peak: int, k: float) -> float:
    seg = s[lo:peak + 1]
    base = float(seg.min())
    h = float(s[peak]) - base
    # rest level: median of the quiet frames just before the rise (the minimum is biased by noise)
    quiet_end = int(_crossing_back(s, lo, peak, base + QUIET_LEVEL * h))
    quiet = s[max(lo, quiet_end - max(3, (peak - lo) // 3)):quiet_end + 1]
    if quiet.size >= 2:
        base = float(np.median(quiet))
        h = float(s[peak]) - base
    t_low = _crossing_back(s, lo, peak, base + EDGE_LOW * h)
    t_high = _crossing_back(s, lo, peak, base + EDGE_HIGH * h)
    return float(np.clip(t_low - k * max(t_high - t_low, 0.0), lo, peak))


def _fall_end(s: np.ndarray, peak: int, hi: int, k: float) -> float:
    r = s[::-1]
    n = s.size - 1
    return float(n - _rise_start(r, n - hi, n - peak, k))


def _flat_min(s: np.ndarray, a: int, b: int) -> int:
    """Middle frame of the lowest stretch of ``s[a..b]``."""
    seg = s[a:b + 1]
    low = np.flatnonzero(seg <= seg.min() + 1e-3 * max(float(np.ptp(seg)), 1e-12))
    return a + int(round(0.5 * (low[0] + low[-1])))


def _group_peaks(s: np.ndarray, peaks: np.ndarray, p: SegmentationParams, base: float, rng: float,
                 fps: float) -> list[list[int]]:
    if p.mode == "excursion" or peaks.size == 0:
        return [[int(q)] for q in peaks]
    pause = max(1, int(round(p.min_pause_s * fps)))
    quiet = [int((s[a:b + 1] <= base + EDGE_LOW * rng).sum()) for a, b in zip(peaks[:-1], peaks[1:])]
    if p.mode == "phrase" and len(quiet) >= 2:  # pauses between phrases vs dips between syllables
        q = np.sort(quiet)
        i = int(np.argmax(np.diff(q)))
        if q[i + 1] >= max(2, 0.08 * fps) and q[i + 1] >= 2 * q[i] + 1:
            pause = min(pause, int(np.ceil(0.5 * (q[i] + q[i + 1]))))
    groups = [[int(peaks[0])]]
    for k, (a, b) in enumerate(zip(peaks[:-1], peaks[1:])):
        valley = s[a:b + 1]
        if p.mode == "phrase":
            split = quiet[k] >= pause
        else:  # cycle: lips close between cycles
            split = valley.min() <= base + p.closure_level * rng
        if split:
            groups.append([int(b)])
        else:
            groups[-1].append(int(b))
    return groups


# -- public -------------------------------------------------------------------------------
def propose_repetitions(trace: np.ndarray, fps: float, params: SegmentationParams | None = None,
                        times=None) -> Proposal:
    """Propose repetitions in ``trace (T,)`` sampled at ``fps`` (frames per second).

    ``times``: the frames' times (a :class:`~.timebase.FrameTimes` or ``(T,)`` seconds; None:
    ``index / fps``). When they are not uniform (dropped frames, variable rate) the trace is
    resampled onto a uniform grid at the grid rate (linear interpolation; grid samples in holes
    longer than 0.25 s are NaN), proposed there, and the spans mapped back to the nearest recorded
    frames, so every duration parameter is in real seconds.

    NaN frames (no face) are bridged for detection; spans whose peak has no face are dropped
    and the others lose confidence in proportion to their missing frames. Raises ValueError
    when the trace has no finite value (no face on any frame) or ``fps`` is not positive.
    """
    p = params or SegmentationParams()
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    raw = np.asarray(trace, np.float64).ravel()
    if times is not None and raw.size >= 2:
        ft = times if isinstance(times, FrameTimes) else frame_times(times, raw.size, fps)
        if ft.n != raw.size:
            raise ValueError(f"{ft.n} frame times for a trace of {raw.size} frames")
        if ft.uniform:
            fps = ft.rate_hz
        else:
            return _propose_on_grid(raw, ft, p, fps)
    finite = np.isfinite(raw)
    if raw.size and not finite.any():
        raise ValueError("the trace has no value on any frame (no face was found); landmark the recording "
                         "with another model or segment it by hand")
    direction = p.direction if p.direction is not None else (_guess_direction(bridge_nans(raw), fps) if raw.size else 1)
    if p.mode == "none" or raw.size < 3:
        return Proposal((), p, direction, fps)
    s = direction * bridge_nans(raw)
    sigma = _smoothing_frames(s, fps, p)
    if sigma > 0:
        s = gaussian_filter1d(s, sigma=sigma, mode="nearest")
    lo_p, hi_p = np.percentile(s, [1, 99])
    rng = float(hi_p - lo_p)
    if rng <= 1e-9 * max(1.0, abs(float(hi_p))):
        return Proposal((), p, direction, fps)
    base = float(lo_p)
    peaks, _ = find_peaks(s, prominence=p.prominence * rng, distance=max(1, int(round(p.min_distance_s * fps))))
    peaks = np.array([q for q in peaks if finite[q]], dtype=int)
    if p.mode in ("cycle", "phrase") and peaks.size >= 3:  # a noise blip is far smaller than a syllable
        heights = s[peaks] - base
        peaks = peaks[heights >= MIN_RELATIVE_HEIGHT * np.median(heights)]
    groups = _group_peaks(s, peaks, p, base, rng, fps)
    k = p.edge_extrapolation
    n = s.size
    spans: list[ProposedSpan] = []
    for gi, g in enumerate(groups):
        lo = 0 if gi == 0 else _flat_min(s, groups[gi - 1][-1], g[0])
        hi = n - 1 if gi == len(groups) - 1 else _flat_min(s, g[-1], groups[gi + 1][0])
        top = max(g, key=lambda q: s[q])
        start = _rise_start(s, lo, g[0], k)
        end = _fall_end(s, g[-1], hi, k)
        if p.mode == "cycle":  # contiguous cycles meet at the closure unless there was a pause
            pause = max(1, int(round(p.min_pause_s * fps)))
            if gi > 0 and int((s[lo:g[0] + 1] <= base + EDGE_LOW * rng).sum()) < pause:
                start = float(lo)
            if gi < len(groups) - 1 and int((s[g[-1]:hi + 1] <= base + EDGE_LOW * rng).sum()) < pause:
                end = float(hi - 1)
        a, b = int(round(start)), int(round(end))
        hidden = 1.0
        if not finite[max(0, a - 2):a + 1].all():  # start in (or at) a gap without a face: less sure
            seen = np.flatnonzero(finite[a:g[0] + 1])
            a, hidden = (a + int(seen[0]) if seen.size else a), 0.5 * hidden
        if not finite[b:b + 3].all():
            seen = np.flatnonzero(finite[g[-1]:b + 1])
            b, hidden = (g[-1] + int(seen[-1]) if seen.size else b), 0.5 * hidden
        a = max(a, spans[-1].end + 1 if spans else 0)
        if b < a or (b - a + 1) < p.min_duration_s * fps:
            continue
        left, right = float(s[lo:g[0] + 1].min()), float(s[g[-1]:hi + 1].min())
        height = float(s[top]) - min(left, right)
        conf = min(1.0, height / (0.5 * rng)) * max(0.0, 1.0 - abs(left - right) / max(height, 1e-12))
        conf *= float(finite[a:b + 1].mean()) * hidden
        spans.append(ProposedSpan(a, b, float(np.clip(conf, 0.0, 1.0)), int(top)))
    return Proposal(tuple(spans), p, direction, fps)


def _propose_on_grid(raw: np.ndarray, ft: FrameTimes, p: SegmentationParams, fps: float) -> Proposal:
    """:func:`propose_repetitions` on the trace resampled to a uniform grid, spans mapped back to frames."""
    grid = uniform_grid(0.0, float(ft.t_s[-1]), ft.rate_hz)
    # holes up to MAX_GAP_S (0.25 s) are bridged for detection; a peak in a longer hole is unseen
    on_grid = propose_repetitions(resample(raw, ft.t_s, grid), ft.rate_hz, p)
    return spans_to_frames(on_grid, grid, ft, fps)


def spans_to_frames(on_grid: Proposal, grid: np.ndarray, ft: FrameTimes, fps: float) -> Proposal:
    """A proposal made on the uniform ``grid`` with each edge moved to the recorded frame nearest in time."""
    spans: list[ProposedSpan] = []
    for sp in on_grid.spans:  # each edge to the recorded frame nearest in time
        a, b = (int(i) for i in grid_to_frame(grid[[sp.start, sp.end]], ft.t_s))
        a = max(a, spans[-1].end + 1 if spans else 0)
        if b < a:
            continue
        peak = int(np.clip(grid_to_frame(grid[sp.peak], ft.t_s)[0], a, b))
        spans.append(ProposedSpan(a, b, sp.confidence, peak))
    return Proposal(tuple(spans), on_grid.params, on_grid.direction, fps)


def _as_pairs(spans) -> list[tuple[int, int]]:
    out = []
    for s in spans:
        if hasattr(s, "start_frame"):
            out.append((int(s.start_frame), int(s.end_frame)))
        elif hasattr(s, "start") and hasattr(s, "end"):
            out.append((int(s.start), int(s.end)))
        else:
            a, b = s
            out.append((int(a), int(b)))
    return out


@dataclass(frozen=True)
class BoundaryError:
    """Agreement of proposed spans with true spans (frames)."""

    mean_abs: float | None  # mean |error| over the start and end of every matched pair; None if none
    matched: tuple[tuple[int, int], ...]  # (proposed index, true index)
    errors: tuple[tuple[int, int], ...]  # (start error, end error), proposed - true, per matched pair
    misses: int  # true spans without a proposal
    extras: int  # proposals without a true span

    def to_dict(self) -> dict:
        return {"mean_abs": None if self.mean_abs is None else round(self.mean_abs, 3),
                "matched": len(self.matched), "misses": self.misses, "extras": self.extras,
                "errors": [list(e) for e in self.errors]}


def boundary_error_frames(proposed, true) -> BoundaryError:
    """Match ``proposed`` to ``true`` spans and measure boundary errors in frames.

    Spans are ``(start, end)`` pairs, :class:`ProposedSpan` or ``Repetition`` objects. Pairs are
    matched one to one (Hungarian algorithm on |start error| + |end error|); only spans that
    share at least one frame can match.
    """
    P, T = _as_pairs(proposed), _as_pairs(true)
    if not P or not T:
        return BoundaryError(None, (), (), len(T), len(P))
    big = 1e9
    cost = np.full((len(P), len(T)), big)
    for i, (a, b) in enumerate(P):
        for j, (c, d) in enumerate(T):
            if a <= d and c <= b:
                cost[i, j] = abs(a - c) + abs(b - d)
    rows, cols = linear_sum_assignment(cost)
    pairs = [(int(i), int(j)) for i, j in zip(rows, cols) if cost[i, j] < big]
    errs = tuple((P[i][0] - T[j][0], P[i][1] - T[j][1]) for i, j in pairs)
    mean = float(np.mean(np.abs(np.array(errs)))) if errs else None
    return BoundaryError(mean, tuple(pairs), errs, len(T) - len(pairs), len(P) - len(pairs))


def pooled_mean_abs(results) -> float | None:
    """Mean absolute boundary error over every matched boundary of several :class:`BoundaryError`."""
    errs = [abs(e) for r in results for pair in r.errors for e in pair]
    return float(np.mean(errs)) if errs else None


def with_overrides(params: SegmentationParams, **changes) -> SegmentationParams:
    """A copy of ``params`` with some fields changed (validated)."""
    return replace(params, **changes)
