"""From 2D landmarks + depth to 3D landmark trajectories, filtered, optionally in a head frame.

Shapes and units: landmarks ``(T, 68, 2)`` colour-image px; depth frames ``(H, W)`` uint16 in
the depth unit of the camera (``depth_scale_m`` metres per unit; 0 = no depth), already aligned
to the colour image (as recordings store them); 3D points ``(T, 68, 3)`` mm in the colour
camera's frame (x right, y down, z forward, origin at the camera).

* :func:`robust_depth` - per landmark the median of the valid (non-zero) depth values in a
  ``(2r+1)^2`` neighbourhood; NaN when all of them are holes.
* :func:`landmarks_3d` - pinhole deprojection with the stored intrinsics; depth gaps (NaN) of
  at most ``max_gap`` frames are interpolated in time and flagged, longer ones stay NaN.
* :func:`median_filter` - the papers' 5-point median filter along time (NaN-aware).
* :func:`to_head_frame` - head-motion compensation: each frame's stable points (eye corners,
  nose bridge) are rigidly aligned (Kabsch) onto their median shape and every point follows.
"""

from __future__ import annotations

import numpy as np

STABLE_POINTS = (27, 28, 29, 30, 36, 39, 42, 45)  # nose bridge + eye corners: move with the head only


def robust_depth(depth: np.ndarray, points_px: np.ndarray, radius: int = 2, depth_scale_mm: float = 1.0) -> np.ndarray:
    """``(68,)`` mm (NaN: only holes around the point, or the point is off the image)."""
    d = np.asarray(depth)
    h, w = d.shape
    pts = np.asarray(points_px, np.float64)
    out = np.full(len(pts), np.nan)
    ok = np.isfinite(pts).all(axis=1)
    cx = np.clip(np.round(pts[ok, 0]).astype(int), 0, w - 1)
    cy = np.clip(np.round(pts[ok, 1]).astype(int), 0, h - 1)
    inside = (pts[ok, 0] >= -0.5) & (pts[ok, 0] < w - 0.5) & (pts[ok, 1] >= -0.5) & (pts[ok, 1] < h - 0.5)
    offs = np.arange(-radius, radius + 1)
    ys = np.clip(cy[:, None, None] + offs[None, :, None], 0, h - 1)
    xs = np.clip(cx[:, None, None] + offs[None, None, :], 0, w - 1)
    patch = d[ys, xs].reshape(len(cx), -1).astype(np.float64)
    patch[patch == 0] = np.nan
    med = _row_nanmedian(patch)
    med[~inside] = np.nan
    out[np.flatnonzero(ok)] = med * depth_scale_mm
    return out


def _row_nanmedian(a: np.ndarray) -> np.ndarray:
    """Median of each row ignoring NaN (NaN for an all-NaN row), by sorting: NaN sorts last.
    np.nanmedian takes a slow masked-array path for many small rows (half of feature extraction)."""
    s = np.sort(a, axis=1)
    n = np.isfinite(a).sum(axis=1)
    rows = np.arange(len(a))
    lo = s[rows, np.maximum(n - 1, 0) // 2]
    hi = np.where(n % 2 == 0, s[rows, np.minimum(n // 2, a.shape[1] - 1)], lo)
    out = 0.5 * (lo + hi)
    out[n == 0] = np.nan
    return out


def interpolate_gaps(x: np.ndarray, max_gap: int, times: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation along axis 0 of NaN runs of at most ``max_gap`` samples that have
    values on both sides; returns ``(filled, flagged)`` (flagged = interpolated here).

    ``times (T,)``: the samples' times (recorded frame timestamps), so a gap between unevenly
    spaced frames is interpolated in real time; None: evenly spaced."""
    a = np.array(x, np.float64, copy=True)
    flat = a.reshape(len(a), -1)
    flags = np.zeros(flat.shape, bool)
    t = np.arange(len(a), dtype=np.float64) if times is None else np.asarray(times, np.float64)
    for j in range(flat.shape[1]):
        col = flat[:, j]
        bad = ~np.isfinite(col)
        if not bad.any() or bad.all():
            continue
        edges = np.diff(np.concatenate([[0], bad.astype(int), [0]]))
        for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
            if e - s <= max_gap and s > 0 and e < len(col):
                col[s:e] = np.interp(t[s:e], [t[s - 1], t[e]], [col[s - 1], col[e]])
                flags[s:e, j] = True
    return a, flags.reshape(a.shape)


def landmarks_3d(points_px: np.ndarray, depth_frames, intrinsics, depth_scale_m: float = 0.001, radius: int = 2,
                 max_gap: int = 5, times: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(points_mm (T, 68, 3), interpolated (T, 68))`` from 2D landmarks and aligned depth frames.

    ``depth_frames``: a sequence of ``(H, W)`` arrays (or a callable ``frame -> array``);
    ``intrinsics``: the colour camera's (``deproject``); ``times (T,)``: the frames' recorded
    times, so depth holes are interpolated in real time (None: evenly spaced frames).
    """
    p = np.asarray(points_px, np.float64)
    T = len(p)
    z = np.full((T, p.shape[1]), np.nan)
    get = depth_frames if callable(depth_frames) else (lambda i: depth_frames[i])
    for i in range(T):
        if np.isfinite(p[i]).any():
            z[i] = robust_depth(get(i), p[i], radius, depth_scale_m * 1000.0)
    z, flags = interpolate_gaps(z, max_gap, times)
    return intrinsics.deproject(p, z), flags


def median_filter(x: np.ndarray, k: int = 5) -> np.ndarray:
    """Centred k-point median along axis 0 ignoring NaN (edges use the samples available)."""
    a = np.asarray(x, np.float64)
    if k <= 1:
        return a.copy()
    half = k // 2
    pad = np.concatenate([np.full((half, *a.shape[1:]), np.nan), a, np.full((half, *a.shape[1:]), np.nan)])
    windows = np.stack([pad[i:i + len(a)] for i in range(k)])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.nanmedian(windows, axis=0)
    out[~np.isfinite(a)] = np.nan  # never invent a sample that was missing
    return out


def _kabsch(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R, t minimising |R src + t - dst| (rows are points)."""
    cs, cd = src.mean(axis=0), dst.mean(axis=0)
    u, _, vt = np.linalg.svd((src - cs).T @ (dst - cd))
    d = np.sign(np.linalg.det(vt.T @ u.T))
    r = vt.T @ np.diag([1.0] * (src.shape[1] - 1) + [d]) @ u.T
    return r, cd - r @ cs


def to_head_frame(points: np.ndarray, stable=STABLE_POINTS) -> np.ndarray:
    """Remove rigid head motion: each frame is rotated/translated so its stable points best match
    their median shape. Works for 3D (mm) and 2D (px) points; frames missing a stable point stay NaN."""
    p = np.asarray(points, np.float64)
    idx = list(stable)
    ok = np.isfinite(p[:, idx]).all(axis=(1, 2))
    out = np.full_like(p, np.nan)
    if not ok.any():
        return out
    ref = np.median(p[ok][:, idx], axis=0)
    for i in np.flatnonzero(ok):
        r, t = _kabsch(p[i, idx], ref)
        out[i] = p[i] @ r.T + t
    return out
