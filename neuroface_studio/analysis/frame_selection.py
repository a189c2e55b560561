"""Which frames of a recording to annotate: the ones that teach a landmark model most.

Three kinds, from one model track (``points (T, 68, 2)`` px with NaN where there is no face,
``scores (T, 68)``) and the recording's repetitions:

* **peak of movement**: per repetition, the frame whose face shape is farthest from the
  recording's resting shape (the median shape) - the wide-open mouth, the full smile;
* **model unsure**: frames with low per-point scores or large frame-to-frame jumps of the
  landmarks (jitter and tracking slips are where models fail);
* **shape cluster**: k-means on the pose-normalised shapes (centred, scaled by the interocular
  distance, eye line levelled) and the frame nearest each centre, so that the chosen frames
  cover the expressions the recording holds.

Chosen frames keep ``min_gap`` frames apart (neighbouring frames teach nearly the same thing).
Frames with the head turned away (``turned_away``: from the head pose of the landmarks, the live
feedback's red limits; app/head_pose.py) are never chosen: the analysis drops them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REASON_PEAK = "peak of movement"
REASON_UNSURE = "model unsure"
REASON_CLUSTER = "shape cluster"


@dataclass(frozen=True)
class SelectedFrame:
    frame: int
    reason: str
    detail: str = ""  # e.g. "repetition 2", "score 0.41, jump 0.08"


def normalised_shapes(points: np.ndarray) -> np.ndarray:
    """``(T, 68, 2)`` -> ``(T, 136)``: centred, divided by the interocular distance (36-45), rotated
    so the eye line is horizontal. NaN rows stay NaN."""
    p = np.asarray(points, np.float64)
    centred = p - p.mean(axis=1, keepdims=True)
    eye = p[:, 45] - p[:, 36]
    iod = np.linalg.norm(eye, axis=1)
    ang = np.arctan2(eye[:, 1], eye[:, 0])
    c, s = np.cos(-ang), np.sin(-ang)
    rot = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)  # (T, 2, 2)
    out = np.einsum("tij,tkj->tki", rot, centred) / np.where(iod > 0, iod, np.nan)[:, None, None]
    return out.reshape(len(p), -1)


def movement(points: np.ndarray) -> np.ndarray:
    """Per frame, the distance of the normalised shape from the median shape (NaN: no face)."""
    shapes = normalised_shapes(points)
    ok = np.isfinite(shapes).all(axis=1)
    if not ok.any():
        return np.full(len(shapes), np.nan)
    rest = np.median(shapes[ok], axis=0)
    d = np.full(len(shapes), np.nan)
    d[ok] = np.linalg.norm((shapes[ok] - rest).reshape(ok.sum(), 68, 2), axis=2).mean(axis=1)
    return d


def uncertainty(points: np.ndarray, scores: np.ndarray | None = None) -> np.ndarray:
    """Per frame: ``(1 - mean score) + jump``, jump = mean landmark displacement to the nearer of
    the previous/next frame in interocular distances (large = jitter or a slip). NaN: no face."""
    p = np.asarray(points, np.float64)
    T = len(p)
    iod = np.linalg.norm(p[:, 45] - p[:, 36], axis=1)
    step = np.full(T + 1, np.nan)  # step[t] = displacement between frames t-1 and t
    if T > 1:
        step[1:T] = np.linalg.norm(p[1:] - p[:-1], axis=2).mean(axis=1) / iod[1:]
    jump = np.fmin(step[:T], step[1:])  # the smaller neighbour step: a real outlier differs from both
    jump = np.where(np.isnan(jump), 0.0, jump)
    unsure = jump.copy()
    if scores is not None:
        unsure += 1.0 - np.asarray(scores, np.float64).mean(axis=1)
    unsure[~np.isfinite(p).all(axis=(1, 2))] = np.nan
    return unsure


def _far_enough(frame: int, chosen: list[SelectedFrame], min_gap: int) -> bool:
    return all(abs(frame - c.frame) >= min_gap for c in chosen)


def select_frames(points: np.ndarray, n: int, scores: np.ndarray | None = None,
                  repetitions: list[tuple[int, int]] | None = None, min_gap: int = 3,
                  exclude: set[int] | None = None, seed: int = 0,
                  turned_away: np.ndarray | None = None) -> list[SelectedFrame]:
    """Up to ``n`` frames to annotate, sorted by frame (fewer when the recording has fewer faces).

    About a third are peaks of movement (one per repetition, the most movement first), a
    quarter the frames where the model is least sure, the rest shape clusters. ``exclude``:
    frames already annotated or queued (never chosen again). ``turned_away`` (T,) bool: frames
    with the head turned away, never chosen.
    """
    p = np.asarray(points, np.float64)
    if p.ndim != 3 or p.shape[1:] != (68, 2):
        raise ValueError(f"landmarks must be (frames, 68, 2), got {p.shape}")
    n = int(n)
    if n <= 0:
        return []
    exclude = set(exclude or ())
    valid = np.isfinite(p).all(axis=(1, 2)) & (np.linalg.norm(p[:, 45] - p[:, 36], axis=1) > 0)
    if turned_away is not None:
        away = np.asarray(turned_away, bool)
        if away.shape != (len(p),):
            raise ValueError(f"turned_away must be ({len(p)},) like the landmarks, got {away.shape}")
        valid &= ~away
    candidates = [t for t in np.flatnonzero(valid) if t not in exclude]
    if not candidates:
        return []
    chosen: list[SelectedFrame] = []
    move = movement(p)

    # 1. peak of movement, one per repetition
    n_peak = max(1, round(n / 3)) if repetitions else 0
    peaks = []
    for k, (s, e) in enumerate(repetitions or []):
        frames = [t for t in range(max(0, s), min(e + 1, len(p))) if valid[t] and t not in exclude]
        if frames:
            t = max(frames, key=lambda f: move[f])
            peaks.append((move[t], t, k))
    for _, t, k in sorted(peaks, reverse=True):
        if len(chosen) >= min(n_peak, n):
            break
        if _far_enough(t, chosen, min_gap):
            chosen.append(SelectedFrame(int(t), REASON_PEAK, f"repetition {k + 1}"))

    # 2. model unsure
    n_unsure = min(n - len(chosen), max(1, round(n / 4)) if n > 1 else 0)
    unsure = uncertainty(p, scores)
    added = 0
    for t in sorted(candidates, key=lambda f: -unsure[f]):
        if added >= n_unsure:
            break
        if _far_enough(t, chosen, min_gap):
            chosen.append(SelectedFrame(int(t), REASON_UNSURE, f"uncertainty {unsure[t]:.3f}"))
            added += 1

    # 3. shape clusters for the rest
    k = n - len(chosen)
    if k > 0:
        pool = np.array([t for t in candidates if _far_enough(t, chosen, min_gap)], int)
        if len(pool):
            chosen += _cluster_frames(normalised_shapes(p[pool]), pool, k, chosen, min_gap, seed)
    return sorted(chosen, key=lambda c: c.frame)


def _cluster_frames(shapes: np.ndarray, pool: np.ndarray, k: int, chosen: list[SelectedFrame], min_gap: int,
                    seed: int) -> list[SelectedFrame]:
    from sklearn.cluster import KMeans

    distinct = len(np.unique(shapes.round(6), axis=0))
    k = max(1, min(k, len(pool), distinct))  # never more clusters than distinct shapes
    labels = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(shapes)
    out: list[SelectedFrame] = []
    dist = np.linalg.norm(shapes[:, None, :] - labels.cluster_centers_[None], axis=2)  # (N, k)
    sizes = np.bincount(labels.labels_, minlength=k)
    for c in np.argsort(-sizes):  # biggest clusters first
        for i in np.argsort(dist[:, c]):
            t = int(pool[i])
            if _far_enough(t, chosen + out, min_gap):
                out.append(SelectedFrame(t, REASON_CLUSTER, f"cluster of {sizes[c]} frames"))
                break
    return out
