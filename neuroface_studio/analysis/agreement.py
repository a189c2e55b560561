"""Several annotators on the same frames: the consensus and how well they agree.

* :func:`consensus` - per landmark, the mean of the annotators who marked it visible (a
  point nobody saw is the mean of all, flagged not visible).
* :func:`agreement` - inter-annotator NRMSE per point group: for every pair of annotators and
  every frame both annotated, the RMS distance between their points of the group (points
  both saw) divided by the interocular distance (outer eye corners 36-45, mean of the two
  annotators), averaged over frames and pairs. 0.02 (2%) is about one pixel of disagreement
  on a 50 px interocular distance.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from neuroface_studio.domain.landmarks import GROUPS, OUTER_EYE_CORNERS

#: point groups reported by :func:`agreement`
AGREEMENT_GROUPS = ("all", "jaw", "brows", "nose", "eyes", "mouth")


def consensus(points: np.ndarray, visible: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``points (A, 68, 2)`` of A annotators (``visible (A, 68)``) -> ``(mean (68, 2), visible (68,))``."""
    p = np.asarray(points, np.float64)
    if p.ndim != 3 or p.shape[1:] != (68, 2) or len(p) == 0:
        raise ValueError(f"consensus needs (annotators, 68, 2) points, got {p.shape}")
    vis = np.ones(p.shape[:2], bool) if visible is None else np.asarray(visible, bool)
    w = vis[..., None].astype(np.float64)
    seen = vis.any(axis=0)
    mean_seen = (p * w).sum(axis=0) / np.maximum(w.sum(axis=0), 1)
    mean_all = p.mean(axis=0)
    return np.where(seen[:, None], mean_seen, mean_all), seen


def pair_nrmse(a: np.ndarray, b: np.ndarray, va: np.ndarray | None = None, vb: np.ndarray | None = None,
               group: str = "all") -> float:
    """NRMSE between two annotations of one frame over ``group`` (points both saw); NaN if none."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    idx = np.array(list(GROUPS[group]))
    both = np.ones(68, bool) if va is None or vb is None else np.asarray(va, bool) & np.asarray(vb, bool)
    idx = idx[both[idx]]
    iod = 0.5 * (np.linalg.norm(a[OUTER_EYE_CORNERS[0]] - a[OUTER_EYE_CORNERS[1]])
                 + np.linalg.norm(b[OUTER_EYE_CORNERS[0]] - b[OUTER_EYE_CORNERS[1]]))
    if len(idx) == 0 or iod <= 0:
        return float("nan")
    return float(np.sqrt((np.linalg.norm(a[idx] - b[idx], axis=1) ** 2).mean()) / iod)


def agreement(annotations: dict[str, dict], groups=AGREEMENT_GROUPS) -> dict:
    """Inter-annotator agreement.

    ``annotations``: annotator -> {frame key: (points (68, 2), visible (68,))}. Returns
    ``{"annotators": [...], "frames": number of (pair, frame) comparisons, "nrmse": {group: mean},
    "pairs": {"a~b": {"frames": n, "nrmse": {group: mean}}}}``; NaN where no frame is shared.
    """
    names = sorted(annotations)
    out: dict = {"annotators": names, "frames": 0, "nrmse": {}, "pairs": {}}
    per_group: dict[str, list[float]] = {g: [] for g in groups}
    for x, y in combinations(names, 2):
        shared = sorted(set(annotations[x]) & set(annotations[y]))
        pair = {g: [] for g in groups}
        for key in shared:
            (pa, va), (pb, vb) = annotations[x][key], annotations[y][key]
            for g in groups:
                v = pair_nrmse(pa, pb, va, vb, g)
                if np.isfinite(v):
                    pair[g].append(v)
                    per_group[g].append(v)
        out["pairs"][f"{x}~{y}"] = {"frames": len(shared),
                                    "nrmse": {g: float(np.mean(v)) if v else float("nan") for g, v in pair.items()}}
        out["frames"] += len(shared)
    out["nrmse"] = {g: float(np.mean(v)) if v else float("nan") for g, v in per_group.items()}
    return out
