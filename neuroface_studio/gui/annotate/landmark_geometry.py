"""Qt-free geometry for the landmark editor: transforms of a point selection, mirroring, picking.

Everything here works on ``points_px (68, 2)`` float64 arrays in image pixels (pixel centres at
integer coordinates, y down) and returns new arrays; nothing is changed in place. The editor
(:mod:`neuroface_studio.gui.annotate.landmark_editor`) calls these; tests can call them without a window.
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.domain.landmarks import CONTOURS, FLIP_PERMUTATION, MIDLINE, N_LANDMARKS

#: Display groups, one per contour, in drawing order: (name, indices).
DISPLAY_GROUPS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("jaw", tuple(CONTOURS[0][0])),
    ("right brow", tuple(CONTOURS[1][0])),
    ("left brow", tuple(CONTOURS[2][0])),
    ("nose bridge", tuple(CONTOURS[3][0])),
    ("nostrils", tuple(CONTOURS[4][0])),
    ("right eye", tuple(CONTOURS[5][0])),
    ("left eye", tuple(CONTOURS[6][0])),
    ("outer lips", tuple(CONTOURS[7][0])),
    ("inner lips", tuple(CONTOURS[8][0])),
)


def contour_segments() -> tuple[tuple[int, int], ...]:
    """The face's connecting lines as (a, b) index pairs, from the contours of the scheme.

    The nose bridge is joined to the nose tip (30-33), as in the usual iBUG drawing.
    """
    segs: list[tuple[int, int]] = []
    for indices, closed in CONTOURS:
        idx = list(indices)
        segs += list(zip(idx[:-1], idx[1:]))
        if closed:
            segs.append((idx[-1], idx[0]))
    segs.append((30, 33))
    return tuple(segs)


SEGMENTS = contour_segments()


def centroid(points_px: np.ndarray, indices) -> np.ndarray:
    """Mean (2,) of the selected points."""
    return np.asarray(points_px, dtype=np.float64)[list(indices)].mean(axis=0)


def translate(points_px: np.ndarray, indices, delta_px) -> np.ndarray:
    out = np.array(points_px, dtype=np.float64, copy=True)
    idx = list(indices)
    out[idx] += np.asarray(delta_px, dtype=np.float64)
    return out


def rotate(points_px: np.ndarray, indices, angle_rad: float, center=None) -> np.ndarray:
    """Rotate the selected points by ``angle_rad`` about ``center`` (default: their centroid).

    Positive angles turn from +x towards +y, i.e. clockwise on screen (image y points down).
    """
    out = np.array(points_px, dtype=np.float64, copy=True)
    idx = list(indices)
    c = centroid(out, idx) if center is None else np.asarray(center, dtype=np.float64)
    cos, sin = np.cos(angle_rad), np.sin(angle_rad)
    v = out[idx] - c
    out[idx] = c + np.column_stack([cos * v[:, 0] - sin * v[:, 1], sin * v[:, 0] + cos * v[:, 1]])
    return out


def scale(points_px: np.ndarray, indices, factor: float, center=None) -> np.ndarray:
    """Scale the selected points by ``factor`` about ``center`` (default: their centroid)."""
    out = np.array(points_px, dtype=np.float64, copy=True)
    idx = list(indices)
    c = centroid(out, idx) if center is None else np.asarray(center, dtype=np.float64)
    out[idx] = c + float(factor) * (out[idx] - c)
    return out


def midline_axis(points_px: np.ndarray) -> np.ndarray:
    """Unit (2,) direction of the face's vertical midline (chin up through nose and lips).

    A least-squares line through the midline points, oriented so that y decreases (upwards).
    """
    pts = np.asarray(points_px, dtype=np.float64)[list(MIDLINE)]
    centred = pts - pts.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    axis = vt[0]
    if axis[1] > 0:
        axis = -axis
    return axis / np.linalg.norm(axis)


def reflect_vectors(vectors: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """Reflect (N, 2) displacement vectors across a line of direction ``axis`` (unit)."""
    v = np.asarray(vectors, dtype=np.float64)
    along = v @ axis
    return 2.0 * along[:, None] * axis[None, :] - v


def mirror_edit(points_px: np.ndarray, baseline_px: np.ndarray, indices) -> tuple[np.ndarray, list[int]]:
    """Give each selected point's left/right partner the point's edit, mirrored.

    The edit of point i is ``points[i] - baseline[i]`` (the baseline is the state the frame was
    loaded with). Its partner p becomes ``baseline[p] + reflect(edit)`` about the face midline,
    so applying it twice changes nothing more. Midline points, and pairs where both sides are
    selected, are skipped. Returns (new points, indices of the partners changed).
    """
    pts = np.array(points_px, dtype=np.float64, copy=True)
    base = np.asarray(baseline_px, dtype=np.float64)
    sel = set(int(i) for i in indices)
    src = [i for i in sorted(sel) if FLIP_PERMUTATION[i] != i and int(FLIP_PERMUTATION[i]) not in sel]
    if not src:
        return pts, []
    partners = [int(FLIP_PERMUTATION[i]) for i in src]
    axis = midline_axis(pts)
    edits = pts[src] - base[src]
    pts[partners] = base[partners] + reflect_vectors(edits, axis)
    return pts, partners


def points_in_rect(points_px: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> list[int]:
    pts = np.asarray(points_px, dtype=np.float64)
    lo_x, hi_x = min(x0, x1), max(x0, x1)
    lo_y, hi_y = min(y0, y1), max(y0, y1)
    inside = (pts[:, 0] >= lo_x) & (pts[:, 0] <= hi_x) & (pts[:, 1] >= lo_y) & (pts[:, 1] <= hi_y)
    return np.flatnonzero(inside).tolist()


def points_in_polygon(points_px: np.ndarray, polygon_px: np.ndarray) -> list[int]:
    """Indices of points inside a closed polygon (N, 2) (even-odd rule)."""
    pts = np.asarray(points_px, dtype=np.float64)
    poly = np.asarray(polygon_px, dtype=np.float64)
    if len(poly) < 3:
        return []
    x, y = pts[:, 0][:, None], pts[:, 1][:, None]
    ax, ay = poly[:, 0][None, :], poly[:, 1][None, :]
    bx, by = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    crosses = (ay > y) != (by > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = ax + (y - ay) * (bx - ax) / (by - ay)
    hits = crosses & (x < x_at)
    return np.flatnonzero(hits.sum(axis=1) % 2 == 1).tolist()


def nudge_step_px(view_scale: float) -> float:
    """Arrow-key step in image px: about one screen pixel, rounded to a power of two (1/16..4)."""
    s = max(float(view_scale), 1e-6)
    return float(2.0 ** np.clip(np.round(np.log2(1.0 / s)), -4, 2))


def nearest_point(screen_xy: np.ndarray, target_xy, max_dist: float) -> int | None:
    """Index of the point nearest ``target_xy`` among (68, 2) screen positions, within ``max_dist``."""
    d = np.hypot(screen_xy[:, 0] - target_xy[0], screen_xy[:, 1] - target_xy[1])
    i = int(np.argmin(d))
    return i if d[i] <= max_dist else None


def check_visible(visible, n: int = N_LANDMARKS) -> np.ndarray:
    vis = np.ones(n, dtype=bool) if visible is None else np.array(visible, dtype=bool, copy=True)
    if vis.shape != (n,):
        raise ValueError(f"visible must be a ({n},) bool array, got shape {vis.shape}")
    return vis
