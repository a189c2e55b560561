"""Landmark accuracy the way the papers compute it (SCIENCE.md "Landmark accuracy").

Shapes and units: ``pred`` and ``truth`` are ``(N, 68, 2)`` pixel arrays (x right, y down) of N
images; ``visible`` is ``(N, 68)`` bool (False: the annotator marked the point occluded).

* :func:`nrmse` - per image, the **RMS over landmarks** of the Euclidean point error divided by a
  normaliser of the ground truth: ``"intercanthal"`` (inner eye corners 39-42, the JBHI paper),
  ``"interocular"`` (outer corners 36-45, 300-W) or ``"bbox"`` (diagonal of the truth's bounding
  box, the SBR paper). A fraction (multiply by 100 for %).
* Missing data is explicit, never averaged in silently: points the truth marks not visible are
  left out of that image's RMS (the count used is returned); an image whose prediction is
  missing (NaN: the model found no face) gets NaN and is counted as a *failure to detect* by
  :func:`summarize`, not dropped.
* :func:`ced` / :func:`ced_auc` - cumulative error distribution and its normalised area up to a
  threshold; :func:`failure_rate` - share of images above thresholds (missing images count as
  failures).
* Statistics: :func:`paired_t` (scipy ``ttest_rel``), :func:`smd` (pooled-SD standardised mean
  difference, exactly SCIENCE.md's formula), :func:`wilcoxon_holm` (Wilcoxon signed-rank per
  model pair, Holm-Bonferroni adjusted), :func:`summarize` (mean, median, SD, n, missing over
  images: the one summary every table, report and JSON uses), :func:`group_table` (it per group).
* :func:`describe` - the one-line label every figure carries: normaliser (with its points),
  subset (with its points), per-image RMS, the statistic and n.

This is the only NRMSE in the app: :mod:`analysis.landmark_error` (benchmarks), the CLI
(`evaluate`, `evaluate-pts`, `experiment`), Analyze, the study summary and the study export all
call :func:`nrmse`. Values are **fractions** of the normalising distance (x100 = %).
"""

from __future__ import annotations

import numpy as np

from neuroface_studio.domain.landmarks import GROUPS

NORMALIZERS = ("intercanthal", "interocular", "bbox")
SUBSETS: dict[str, range] = {"all": range(68), "nojaw": range(17, 68), "mouth": range(48, 68), **GROUPS}


#: What the normalisers and subsets are, in words (labels, docs, JSON).
NORMALIZER_TEXT = {"intercanthal": "intercanthal distance (inner eye corners, points 39-42)",
                   "interocular": "interocular distance (outer eye corners, points 36-45)",
                   "bbox": "diagonal of the ground truth's bounding box"}
UNITS = "fraction of the normalising distance (x100 = %)"
PER_IMAGE = ("per image: root mean square over the subset's landmarks of the Euclidean point error, "
             "divided by the normaliser")


def subset_text(subset) -> str:
    """``"nojaw (points 17-67, 51 points)"``: a subset's name and 0-based points."""
    if isinstance(subset, str):
        idx = subset_indices(subset)
        name = subset
    else:
        idx, name = np.array(list(subset)), "custom"
    contiguous = idx.size and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size))
    span = f"points {idx[0]}-{idx[-1]}, " if contiguous else ""
    return f"{name} ({span}{idx.size} points)"


def describe(normalizer: str, subset, n: int | None = None, stat: str = "mean ± SD",
             predictions: str | None = None) -> str:
    """The label of an NRMSE figure: ``NRMSE = per-image RMS point error / intercanthal distance
    (inner eye corners, points 39-42); landmarks nojaw (points 17-67, 51 points); mean ± SD over
    n = 241 images; predictions: ...``."""
    if normalizer not in NORMALIZER_TEXT:
        raise ValueError(f"unknown normaliser {normalizer!r}: use one of {', '.join(NORMALIZERS)}")
    text = (f"NRMSE = per-image RMS point error / {NORMALIZER_TEXT[normalizer]}; landmarks {subset_text(subset)}; "
            f"{stat}" + (f" over n = {n} image(s)" if n is not None else " over images"))
    return text + (f"; predictions: {predictions}" if predictions else "")


def subset_indices(subset) -> np.ndarray:
    """0-based landmark indices of a subset name (``all``, ``nojaw``, ``mouth``, a group), or of
    an iterable of indices given directly."""
    if not isinstance(subset, str):
        idx = np.array(list(subset), int)
        if idx.size == 0 or idx.min() < 0 or idx.max() > 67:
            raise ValueError(f"landmark subset {subset!r}: give 0-based indices 0-67")
        return idx
    if subset not in SUBSETS:
        raise ValueError(f"unknown landmark subset {subset!r}: use one of {', '.join(SUBSETS)}")
    return np.array(list(SUBSETS[subset]))


def normaliser(truth: np.ndarray, kind: str = "intercanthal") -> np.ndarray:
    """``(N,)`` normalising distance of each ground-truth shape, px."""
    t = np.asarray(truth, np.float64)
    if kind == "intercanthal":
        return np.linalg.norm(t[:, 39] - t[:, 42], axis=1)
    if kind == "interocular":
        return np.linalg.norm(t[:, 36] - t[:, 45], axis=1)
    if kind == "bbox":
        return np.linalg.norm(np.nanmax(t, axis=1) - np.nanmin(t, axis=1), axis=1)
    raise ValueError(f"unknown normaliser {kind!r}: use one of {', '.join(NORMALIZERS)}")


def _check(pred: np.ndarray, truth: np.ndarray, visible) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p, t = np.asarray(pred, np.float64), np.asarray(truth, np.float64)
    if p.ndim == 2:
        p, t = p[None], t[None]
    if p.shape != t.shape or p.shape[1:] != (68, 2):
        raise ValueError(f"predictions {p.shape} and truth {t.shape} must both be (images, 68, 2)")
    vis = np.ones(p.shape[:2], bool) if visible is None else np.asarray(visible, bool).reshape(p.shape[:2])
    vis = vis & np.isfinite(t).all(axis=2)
    return p, t, vis


def point_errors(pred: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``(N, 68)`` Euclidean point errors, px (NaN where either side is missing)."""
    p, t, _ = _check(pred, truth, None)
    return np.linalg.norm(p - t, axis=2)


def nrmse(pred: np.ndarray, truth: np.ndarray, normalizer: str = "intercanthal", subset: str = "all",
          visible: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(nrmse (N,), points_used (N,))``: RMS over the subset's visible points / normaliser.

    NaN for an image whose prediction is missing (any NaN predicted point of the subset) or
    whose truth has no visible point of the subset or no normaliser.
    """
    p, t, vis = _check(pred, truth, visible)
    idx = subset_indices(subset)
    err = np.linalg.norm(p[:, idx] - t[:, idx], axis=2)  # (N, k)
    use = vis[:, idx]
    sq = np.where(use, err, 0.0) ** 2
    n = use.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.sqrt(sq.sum(axis=1) / n)
        norm = normaliser(t, normalizer)
        out = rms / norm
    missing_pred = ~np.isfinite(np.where(use[..., None], p[:, idx], 0.0)).all(axis=(1, 2))
    out[missing_pred | (n == 0) | ~(norm > 0)] = np.nan
    return out, n


def mean_error_px(pred: np.ndarray, truth: np.ndarray, subset: str = "all", visible=None) -> np.ndarray:
    """``(N,)`` mean Euclidean point error in pixels over the subset's visible points."""
    p, t, vis = _check(pred, truth, visible)
    idx = subset_indices(subset)
    err = np.linalg.norm(p[:, idx] - t[:, idx], axis=2)
    use = vis[:, idx]
    with np.errstate(invalid="ignore"):
        return np.where(use, err, 0.0).sum(axis=1) / use.sum(axis=1)


def failure_rate(errors: np.ndarray, thresholds=(0.05, 0.08, 0.10)) -> dict[float, float]:
    """Share of images with error above each threshold; missing (NaN) images count as failures."""
    e = np.asarray(errors, np.float64)
    if e.size == 0:
        return {float(t): float("nan") for t in thresholds}
    return {float(t): float(np.mean(~(e <= t))) for t in thresholds}


def ced(errors: np.ndarray, max_error: float = 0.10, steps: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative error distribution: ``(x, share of images with error <= x)``; missing images
    never count as below any threshold."""
    e = np.asarray(errors, np.float64)
    x = np.linspace(0.0, max_error, steps)
    if e.size == 0:
        return x, np.full_like(x, np.nan)
    return x, np.array([np.mean(e <= v) for v in x])


def ced_auc(errors: np.ndarray, threshold: float = 0.08, steps: int = 1001) -> float:
    """Area under the CED curve from 0 to ``threshold``, divided by ``threshold`` (1 = perfect)."""
    x, y = ced(errors, threshold, steps)
    return float(np.trapezoid(y, x) / threshold)


def smd(a: np.ndarray, b: np.ndarray) -> float:
    """``|mean1 - mean2| / sqrt(((n1-1) s1^2 + (n2-1) s2^2) / (n1 + n2 - 2))`` (sample SDs, ddof 1)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    n1, n2 = len(a), len(b)
    if n1 < 2 or n2 < 2:
        return float("nan")
    pooled = np.sqrt(((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / (n1 + n2 - 2))
    return float(abs(a.mean() - b.mean()) / pooled) if pooled > 0 else float("nan")


def _paired(a, b) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError("paired tests need the same images for both models")
    ok = np.isfinite(a) & np.isfinite(b)
    return a[ok], b[ok]


def paired_t(a: np.ndarray, b: np.ndarray) -> dict:
    """Paired t-test of per-image errors of two models on the same images (missing pairs dropped
    and counted). ``{"t", "p", "n", "dropped"}``."""
    from scipy import stats
    x, y = _paired(a, b)
    dropped = int(np.asarray(a).size - x.size)
    if x.size < 2:
        return {"t": float("nan"), "p": float("nan"), "n": int(x.size), "dropped": dropped}
    res = stats.ttest_rel(x, y)
    return {"t": float(res.statistic), "p": float(res.pvalue), "n": int(x.size), "dropped": dropped}


def holm(pvalues: dict[str, float]) -> dict[str, float]:
    """Holm-Bonferroni adjusted p-values (monotone, capped at 1)."""
    items = sorted(pvalues.items(), key=lambda kv: kv[1])
    m, out, running = len(items), {}, 0.0
    for k, (name, p) in enumerate(items):
        running = max(running, min(1.0, (m - k) * p))
        out[name] = running
    return out


def wilcoxon_holm(pairs: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, dict]:
    """Wilcoxon signed-rank test per model pair, Holm-Bonferroni across the pairs.
    ``{pair: {"statistic", "p", "p_holm", "n"}}``."""
    from scipy import stats
    raw, out = {}, {}
    for name, (a, b) in pairs.items():
        x, y = _paired(a, b)
        if x.size < 1 or np.allclose(x, y):
            out[name] = {"statistic": float("nan"), "p": 1.0, "n": int(x.size)}
        else:
            res = stats.wilcoxon(x, y)
            out[name] = {"statistic": float(res.statistic), "p": float(res.pvalue), "n": int(x.size)}
        raw[name] = out[name]["p"]
    for name, p in holm(raw).items():
        out[name]["p_holm"] = p
    return out


def summarize(errors: np.ndarray) -> dict:
    """``{"mean", "median", "sd" (ddof 1), "n" (images with a value), "missing" (NaN images)}`` of
    per-image errors, in their own units (fractions for NRMSE). NaN where undefined (no image;
    SD of one image)."""
    e = np.asarray(errors, np.float64).ravel()
    ok = e[np.isfinite(e)]
    return {"mean": float(ok.mean()) if ok.size else float("nan"),
            "median": float(np.median(ok)) if ok.size else float("nan"),
            "sd": float(ok.std(ddof=1)) if ok.size > 1 else float("nan"),
            "n": int(ok.size), "missing": int(e.size - ok.size)}


def group_table(errors: np.ndarray, groups: list[str] | np.ndarray) -> dict[str, dict]:
    """Per group (and "all"): :func:`summarize` of the group's images."""
    e = np.asarray(errors, np.float64)
    g = np.asarray(groups)
    return {name: summarize(e if name == "all" else e[g == name]) for name in ["all", *sorted(set(g.tolist()))]}


def json_safe(obj):
    """``obj`` with every non-finite float replaced by None (valid JSON: no bare NaN)."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, np.floating):
        return json_safe(float(obj))
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj
