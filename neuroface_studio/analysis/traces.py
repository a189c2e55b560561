"""Kinematic traces: one number per frame computed from 68-point landmarks (numpy/scipy only).

A trace turns ``landmarks_px (T, 68, 2)`` (x right / y down, 0-based iBUG indices, NaN on
frames without a face) into ``(T,)`` float64 values that show a task's repetitions: lip
aperture for OPEN and speech, mouth width for SPREAD/SMILE/KISS/BLOW, brow height for BROW
(the protocol's ``Task.trace`` names the trace; every name a protocol uses is in
:data:`TRACES`).

Pose and size: each frame is first registered to the recording's median face by a 2D affine
transform fitted to the rigid points (outer and inner eye corners 36, 39, 42, 45 and the nose
27-35, which no protocol expression moves), so head turns and nods foreshorten the face less
into the traces. Distances are then divided by the **interocular distance** (outer eye
corners 36-45, the 300-W convention) of that median face: a trace reads "fraction of the
interocular distance" and is comparable between faces and camera distances.

Head turns: frames where the face is turned away from the camera (the nose tip shifted
sideways from the eyes' midpoint by more than :data:`TURN_THRESHOLD` of the interocular
distance, relative to the recording's habitual posture: about 22 degrees of yaw) are treated
as missing, because a turned face distorts every 2D distance; so are frames whose eye corners
and nose no longer have the recording's usual shape (the tracker lost the face, which dlib68
does on turned heads while still returning points).

Missing frames: gaps of at most ``max_gap`` frames are filled by linear interpolation;
longer gaps, and missing frames at either end, stay NaN (:func:`fill_short_gaps`).

Time: a trace has one value per recorded frame, in frame order; it carries no time itself. Plot
it, segment it or measure it against the recording's frame times (:mod:`.timebase`, from the
recorded timestamps), never ``index / fps``: callers convert seconds to frames with the real
frame rate (app/segmentation.py ``trace_for_recording``).

Usage::

    aperture = compute_trace("lip_aperture", track.landmarks_px)        # (T,)
    for name, spec in TRACES.items(): print(name, spec.description)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from neuroface_studio.domain.landmarks import (
    LEFT_BROW, LEFT_EYE, MOUTH_CORNERS, N_LANDMARKS, OUTER_EYE_CORNERS, RIGHT_BROW, RIGHT_EYE,
)

#: Points no protocol expression moves: eye corners and nose (registration anchors).
RIGID_POINTS = (36, 39, 42, 45, 27, 28, 29, 30, 31, 32, 33, 34, 35)
#: Default longest gap (frames) filled by interpolation.
DEFAULT_MAX_GAP = 5

#: Sideways nose-tip shift (fraction of interocular distance, from the recording's median)
#: beyond which a frame counts as turned away (~22 degrees of yaw).
TURN_THRESHOLD = 0.22
#: Rigid-shape deviation (:func:`rigid_shape_deviation`) beyond which a frame is implausible.
SHAPE_THRESHOLD = 0.2
NOSE_TIP = 30

#: Inner-lip (upper, lower) pairs: 61-67, 62-66, 63-65.
INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))
#: Outer-lip (upper, lower) pairs: 50-58, 51-57, 52-56.
OUTER_LIP_PAIRS = ((50, 58), (51, 57), (52, 56))
INNER_LIP_RING = (60, 61, 62, 63, 64, 65, 66, 67)
CHIN, NOSE_TIP_BOTTOM, NASION = 8, 33, 27


def _dist(points: np.ndarray, a, b) -> np.ndarray:
    """Euclidean distance (T,) between point (or mean of points) ``a`` and ``b``."""
    pa = points[:, list(a)].mean(axis=1) if isinstance(a, (tuple, list, range)) else points[:, a]
    pb = points[:, list(b)].mean(axis=1) if isinstance(b, (tuple, list, range)) else points[:, b]
    return np.linalg.norm(pa - pb, axis=-1)


def _lip_aperture(p: np.ndarray) -> np.ndarray:
    return np.mean([_dist(p, u, lo) for u, lo in INNER_LIP_PAIRS], axis=0)


def _outer_lip_aperture(p: np.ndarray) -> np.ndarray:
    return np.mean([_dist(p, u, lo) for u, lo in OUTER_LIP_PAIRS], axis=0)


def _mouth_width(p: np.ndarray) -> np.ndarray:
    return _dist(p, *MOUTH_CORNERS)


def _inner_mouth_width(p: np.ndarray) -> np.ndarray:
    return _dist(p, 60, 64)


def _brow_height(p: np.ndarray) -> np.ndarray:
    right = _dist(p, RIGHT_BROW, RIGHT_EYE)
    left = _dist(p, LEFT_BROW, LEFT_EYE)
    return 0.5 * (right + left)


def _jaw_opening(p: np.ndarray) -> np.ndarray:
    return _dist(p, NOSE_TIP_BOTTOM, CHIN)


def _lower_lip_height(p: np.ndarray) -> np.ndarray:
    return _dist(p, NOSE_TIP_BOTTOM, 57)


def _mouth_area(p: np.ndarray) -> np.ndarray:
    """Inner-lip polygon area (shoelace), px² (normalised by face size² in compute_trace)."""
    ring = p[:, list(INNER_LIP_RING)]
    x, y = ring[..., 0], ring[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))


@dataclass(frozen=True)
class TraceSpec:
    name: str
    description: str
    function: Callable[[np.ndarray], np.ndarray]  # (T, 68, 2) px -> (T,) px (or px² when power 2)
    points: tuple[int, ...]  # landmarks the trace needs (a frame missing any of them is NaN)
    power: int = 1  # 1: a distance (divided by face size), 2: an area (divided by face size²)


def _spec(name, description, function, points, power=1) -> TraceSpec:
    return TraceSpec(name, description, function, tuple(sorted(set(int(i) for i in points))), power)


#: Every trace the app knows, by name (the names protocol files may use in ``trace``).
TRACES: dict[str, TraceSpec] = {s.name: s for s in (
    _spec("lip_aperture", "inner lip opening: mean of 61-67, 62-66, 63-65 (the trace of OPEN and the speech tasks)",
          _lip_aperture, [i for pair in INNER_LIP_PAIRS for i in pair]),
    _spec("outer_lip_aperture", "outer lip opening: mean of 50-58, 51-57, 52-56",
          _outer_lip_aperture, [i for pair in OUTER_LIP_PAIRS for i in pair]),
    _spec("mouth_width", "distance between the mouth corners 48-54 (the trace of SPREAD, SMILE, KISS and BLOW)",
          _mouth_width, MOUTH_CORNERS),
    _spec("inner_mouth_width", "distance between the inner mouth corners 60-64", _inner_mouth_width, (60, 64)),
    _spec("mouth_area", "area inside the inner lips 60-67 (per face size squared)", _mouth_area,
          INNER_LIP_RING, power=2),
    _spec("brow_height", "mean distance of each brow (17-21, 22-26) to its eye centre (36-41, 42-47) (the trace of BROW)",
          _brow_height, [*RIGHT_BROW, *LEFT_BROW, *RIGHT_EYE, *LEFT_EYE]),
    _spec("jaw_opening", "distance from the nose base 33 to the chin 8", _jaw_opening, (NOSE_TIP_BOTTOM, CHIN)),
    _spec("lower_lip_height", "distance from the nose base 33 to the lower lip 57", _lower_lip_height,
          (NOSE_TIP_BOTTOM, 57)),
)}


def trace_names() -> list[str]:
    """Names of the known traces, sorted."""
    return sorted(TRACES)


def check_landmarks(landmarks_px: np.ndarray) -> np.ndarray:
    """Return ``landmarks_px`` as float64 (T, 68, 2) or raise ValueError saying what is wrong."""
    pts = np.asarray(landmarks_px, dtype=np.float64)
    if pts.ndim != 3 or pts.shape[1:] != (N_LANDMARKS, 2):
        raise ValueError(f"expected landmarks as a (frames, 68, 2) array, got shape {pts.shape}")
    return pts


def align_to_face(landmarks_px: np.ndarray) -> tuple[np.ndarray, float]:
    """Register every frame to the median face: ``(aligned (T, 68, 2), interocular px of the median face)``.

    A least-squares affine map of the rigid points (:data:`RIGID_POINTS`) of each frame onto
    the median of those points is applied to all 68 points. Frames missing a rigid point are
    NaN. The face size is NaN when no frame has all rigid points.
    """
    pts = check_landmarks(landmarks_px)
    rigid = pts[:, list(RIGID_POINTS)]  # (T, R, 2)
    ok = np.isfinite(rigid).all(axis=(1, 2))
    out = np.full_like(pts, np.nan)
    if not ok.any():
        return out, float("nan")
    ref = np.median(rigid[ok], axis=0)  # (R, 2)
    ones = np.ones((len(RIGID_POINTS), 1))
    for t in np.flatnonzero(ok):
        a, *_ = np.linalg.lstsq(np.hstack([rigid[t], ones]), ref, rcond=None)  # (3, 2)
        out[t] = pts[t] @ a[:2] + a[2]
    i, j = (RIGID_POINTS.index(c) for c in OUTER_EYE_CORNERS)
    return out, float(np.linalg.norm(ref[i] - ref[j]))


def head_turn_index(landmarks_px: np.ndarray) -> np.ndarray:
    """Sideways shift (T,) of the nose tip (30) from the outer eye corners' midpoint, along the
    eye line, as a fraction of the interocular distance; 0 when frontal, about +-0.25 at 25
    degrees of yaw (sign: towards image right). NaN where a point is missing."""
    pts = check_landmarks(landmarks_px)
    a, b = pts[:, OUTER_EYE_CORNERS[0]], pts[:, OUTER_EYE_CORNERS[1]]
    eye = b - a
    iod = np.linalg.norm(eye, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return ((pts[:, NOSE_TIP] - 0.5 * (a + b)) * eye).sum(axis=1) / iod ** 2


def rigid_shape_deviation(landmarks_px: np.ndarray) -> np.ndarray:
    """How far (T,) the rigid points' shape departs from the recording's median shape.

    Each frame's rigid points (:data:`RIGID_POINTS`) are centred, scaled to unit norm and
    rotated onto the median shape; the value is the remaining distance (0 = same shape; about
    0.009 per degree of yaw; a tracker that lost the face often gives 0.2-0.4). NaN where missing.
    """
    pts = check_landmarks(landmarks_px)
    r = pts[:, list(RIGID_POINTS)]
    out = np.full(len(pts), np.nan)
    ok = np.isfinite(r).all(axis=(1, 2))
    if not ok.any():
        return out
    c = r[ok] - r[ok].mean(axis=1, keepdims=True)
    norm = np.linalg.norm(c, axis=(1, 2))
    c = c / np.where(norm > 0, norm, 1.0)[:, None, None]
    ref = np.median(c, axis=0)
    ref /= max(float(np.linalg.norm(ref)), 1e-12)
    num = (c[..., 0] * ref[None, :, 1] - c[..., 1] * ref[None, :, 0]).sum(axis=1)
    den = (c[..., 0] * ref[None, :, 0] + c[..., 1] * ref[None, :, 1]).sum(axis=1)
    th = np.arctan2(num, den)
    cos, sin = np.cos(th)[:, None], np.sin(th)[:, None]
    rotated = np.stack([cos * c[..., 0] - sin * c[..., 1], sin * c[..., 0] + cos * c[..., 1]], axis=-1)
    out[ok] = np.linalg.norm(rotated - ref, axis=(1, 2))
    return out


def turned_away(landmarks_px: np.ndarray, threshold: float = TURN_THRESHOLD,
                shape_threshold: float = SHAPE_THRESHOLD) -> np.ndarray:
    """Frames (T,) bool that are turned away or implausible: the head turn departs from the
    recording's median by more than ``threshold``, or the rigid shape by more than
    ``shape_threshold`` (:func:`rigid_shape_deviation`: the tracker lost the face)."""
    turn = head_turn_index(landmarks_px)
    ok = np.isfinite(turn)
    out = np.zeros(turn.shape, bool)
    if ok.any():
        out[ok] = np.abs(turn[ok] - np.median(turn[ok])) > threshold
    dev = rigid_shape_deviation(landmarks_px)
    with np.errstate(invalid="ignore"):
        out |= dev > shape_threshold
    return out


def fill_short_gaps(values: np.ndarray, max_gap: int = DEFAULT_MAX_GAP) -> np.ndarray:
    """Copy of ``values (T,)`` with NaN runs of at most ``max_gap`` frames linearly interpolated.

    Runs longer than ``max_gap`` and runs touching either end of the array stay NaN.
    """
    v = np.array(values, dtype=np.float64, copy=True)
    nan = ~np.isfinite(v)
    if not nan.any() or nan.all() or max_gap <= 0:
        v[nan] = np.nan
        return v
    idx = np.arange(v.size)
    # runs of NaN
    edges = np.diff(np.concatenate([[0], nan.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # [start, end)
    good = ~nan
    filled = np.interp(idx, idx[good], v[good])
    for s, e in zip(starts, ends):
        if s == 0 or e == v.size or e - s > max_gap:
            v[s:e] = np.nan
        else:
            v[s:e] = filled[s:e]
    return v


def compute_trace(name: str, landmarks_px: np.ndarray, max_gap: int = DEFAULT_MAX_GAP,
                  normalise: bool = True, drop_turned: bool = True, turn_margin: int = 0) -> np.ndarray:
    """Trace ``name`` (T,) from ``landmarks_px (T, 68, 2)``; in interocular units when ``normalise``.

    ``max_gap``: longest run of missing frames filled by interpolation. ``drop_turned``: frames
    with the head turned away (:func:`turned_away`), and ``turn_margin`` frames either side of
    them (the head is already turning), count as missing. Raises ValueError for
    an unknown name (listing the known ones) or badly shaped landmarks.
    """
    spec = TRACES.get(name)
    if spec is None:
        raise ValueError(f"unknown trace {name!r}; known traces: {', '.join(trace_names())}. "
                         "Fix the 'trace' of the task in the protocol file")
    pts = check_landmarks(landmarks_px)
    if pts.shape[0] == 0:
        return np.zeros(0)
    with np.errstate(invalid="ignore"):
        raw = spec.function(pts)
        missing = ~np.isfinite(pts[:, list(spec.points)]).all(axis=(1, 2))
        if drop_turned:
            turned = turned_away(pts)
            if turn_margin > 0 and turned.any():
                turned = np.convolve(turned, np.ones(2 * int(turn_margin) + 1), mode="same") > 0
            missing |= turned
        raw[missing] = np.nan
        if normalise:
            aligned, size = align_to_face(pts)
            raw = spec.function(aligned) / size ** spec.power if size > 0 else np.full(len(pts), np.nan)
            raw[missing] = np.nan
    return fill_short_gaps(raw, max_gap)


def compute_traces(landmarks_px: np.ndarray, names=None, max_gap: int = DEFAULT_MAX_GAP,
                   drop_turned: bool = True, turn_margin: int = 0) -> dict[str, np.ndarray]:
    """Several traces at once: ``{name: (T,)}`` (all known traces when ``names`` is None)."""
    return {n: compute_trace(n, landmarks_px, max_gap, drop_turned=drop_turned, turn_margin=turn_margin)
            for n in (names or trace_names())}
