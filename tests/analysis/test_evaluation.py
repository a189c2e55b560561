"""Landmark-accuracy metrics and statistics against hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuroface_studio.analysis import evaluation as ev


def _truth() -> np.ndarray:
    t = np.zeros((68, 2))
    t[:, 0] = np.arange(68)  # points on a line, x = index
    t[39], t[42] = (40.0, 10.0), (60.0, 10.0)  # intercanthal 20 px
    t[36], t[45] = (20.0, 10.0), (80.0, 10.0)  # interocular 60 px
    return t


def test_nrmse_is_rms_over_points_divided_by_the_normaliser():
    t = _truth()
    p = t.copy()
    p[0] += [3.0, 4.0]  # one point off by 5 px
    p[1] += [0.0, 10.0]  # another by 10 px
    rms = math.sqrt((25 + 100) / 68)
    val, n = ev.nrmse(p, t, "intercanthal", "all")
    assert val[0] == pytest.approx(rms / 20) and n[0] == 68
    assert ev.nrmse(p, t, "interocular")[0][0] == pytest.approx(rms / 60)
    diag = np.linalg.norm(t.max(0) - t.min(0))
    assert ev.nrmse(p, t, "bbox")[0][0] == pytest.approx(rms / diag)
    assert ev.nrmse(p, t, subset="nojaw")[0][0] == 0.0  # both errors are on the jaw
    assert ev.mean_error_px(p, t)[0] == pytest.approx(15 / 68)


def test_invisible_points_are_left_out_and_missing_predictions_are_nan():
    t = _truth()
    p = t.copy()
    p[0] += [30.0, 40.0]
    vis = np.ones(68, bool)
    vis[0] = False
    val, n = ev.nrmse(p[None], t[None], visible=vis[None])
    assert val[0] == 0.0 and n[0] == 67
    q = p.copy()
    q[5] = np.nan
    val, _ = ev.nrmse(np.stack([t, q]), np.stack([t, t]))
    assert val[0] == 0.0 and np.isnan(val[1])
    with pytest.raises(ValueError, match="unknown normaliser"):
        ev.nrmse(p, t, normalizer="ears")
    with pytest.raises(ValueError, match="unknown landmark subset"):
        ev.nrmse(p, t, subset="ears")


def test_ced_auc_and_failure_rate_count_missing_images_as_failures():
    e = np.array([0.01, 0.03, 0.05, np.nan])
    x, y = ev.ced(e, 0.1, 11)
    assert y[0] == 0.0 and y[1] == 0.25 and y[3] == 0.5 and y[-1] == 0.75
    assert ev.failure_rate(e, (0.02, 0.08)) == {0.02: 0.75, 0.08: 0.25}
    # one image with error 0 and three never below: area = 1/4
    assert ev.ced_auc(np.array([0.0, np.nan, np.nan, 1.0]), 0.08) == pytest.approx(0.25, abs=1e-3)


def test_smd_and_paired_t_by_hand():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 3.0, 4.0, 6.0])
    s1, s2 = np.std(a, ddof=1), np.std(b, ddof=1)
    pooled = math.sqrt((3 * s1 ** 2 + 3 * s2 ** 2) / 6)
    assert ev.smd(a, b) == pytest.approx(abs(a.mean() - b.mean()) / pooled)
    d = a - b
    t = d.mean() / (d.std(ddof=1) / math.sqrt(4))
    res = ev.paired_t(a, b)
    assert res["t"] == pytest.approx(t) and res["n"] == 4 and res["dropped"] == 0
    res = ev.paired_t(np.append(a, np.nan), np.append(b, 1.0))
    assert res["n"] == 4 and res["dropped"] == 1


def test_holm_and_wilcoxon():
    adj = ev.holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert adj == {"a": 0.03, "c": pytest.approx(0.06), "b": pytest.approx(0.06)}
    rng = np.random.default_rng(0)
    x = rng.uniform(0.04, 0.06, 30)
    res = ev.wilcoxon_holm({"A vs B": (x, x - 0.01), "A vs C": (x, x + rng.normal(0, 1e-4, 30))})
    assert res["A vs B"]["p_holm"] < 0.01 and res["A vs B"]["p_holm"] >= res["A vs B"]["p"]
    assert res["A vs C"]["p"] > 0.01


def test_group_table():
    e = np.array([0.1, 0.2, np.nan, 0.4, 0.6])
    g = ["HC", "HC", "HC", "ALS", "ALS"]
    tab = ev.group_table(e, g)
    assert tab["HC"] == {"mean": pytest.approx(0.15), "median": pytest.approx(0.15),
                         "sd": pytest.approx(np.std([0.1, 0.2], ddof=1)), "n": 2, "missing": 1}
    assert tab["all"]["n"] == 4 and tab["ALS"]["mean"] == pytest.approx(0.5)
    assert tab["all"]["median"] == pytest.approx(0.3)  # of 0.1, 0.2, 0.4, 0.6: the missing image left out


def test_nrmse_by_hand_on_a_tiny_example():
    """Two images worked by hand: per-image RMS over the subset / the normaliser; then mean, median, SD."""
    t = np.zeros((68, 2))
    t[:, 0] = np.arange(68) * 2.0
    t[39], t[42] = (10.0, 5.0), (14.0, 5.0)  # intercanthal 4 px
    t[36], t[45] = (0.0, 5.0), (30.0, 5.0)  # interocular 30 px
    a = t.copy()
    a[48] += [3.0, 4.0]  # mouth point 5 px off; the rest exact
    b = t.copy()
    b[48:68] += [0.0, 2.0]  # every mouth point 2 px off
    b[0] += [100.0, 0.0]  # a jaw point far off: outside the mouth subset
    err, n = ev.nrmse(np.stack([a, b]), np.stack([t, t]), "intercanthal", "mouth")
    # image a: sqrt(25 / 20) / 4 = 0.2795...; image b: sqrt(20 * 4 / 20) / 4 = 0.5
    assert err == pytest.approx([math.sqrt(25 / 20) / 4, 0.5]) and list(n) == [20, 20]
    err_io, _ = ev.nrmse(np.stack([a, b]), np.stack([t, t]), "interocular", "mouth")
    assert err_io == pytest.approx([math.sqrt(25 / 20) / 30, 2 / 30])
    s = ev.summarize(np.append(err, np.nan))
    assert s["mean"] == pytest.approx((math.sqrt(1.25) / 4 + 0.5) / 2) and s["median"] == pytest.approx(s["mean"])
    assert s["sd"] == pytest.approx(abs(math.sqrt(1.25) / 4 - 0.5) / math.sqrt(2)) and (s["n"], s["missing"]) == (2, 1)
    label = ev.describe("intercanthal", "mouth", 2)
    assert "per-image RMS" in label and "points 39-42" in label and "points 48-67, 20 points" in label
    assert "n = 2" in label and "mean ± SD" in label
    assert ev.json_safe({"x": [float("nan"), 1.0]}) == {"x": [None, 1.0]}
    from neuroface_studio.analysis.landmark_error import nrmse as nrmse_iod
    assert nrmse_iod(a, t, range(48, 68)) == pytest.approx(err_io[0])  # the benchmarks' shortcut: same function
