"""Smoothness reference values, depth to 3D, filtering, head frame, features, LOSO classification."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.analysis import features as feat
from neuroface_studio.analysis.classify import loso_random_forest
from neuroface_studio.analysis.kinematics3d import (
    interpolate_gaps, landmarks_3d, median_filter, robust_depth, to_head_frame,
)
from neuroface_studio.analysis.smoothness import log_dimensionless_jerk, sparc
from neuroface_studio.domain.camera import Intrinsics


def test_smoothness_matches_the_reference_values():
    t = np.arange(-1, 1, 0.01)
    v = np.exp(-5 * t ** 2)
    assert sparc(v, 100.0) == pytest.approx(-1.41403, abs=1e-5)
    assert log_dimensionless_jerk(v, 100.0) == pytest.approx(-5.81636, abs=1e-5)
    jerky = v + 0.05 * np.sin(2 * np.pi * 8 * t) ** 2  # tremor-like ripple: less smooth
    assert sparc(jerky, 100.0) < sparc(v, 100.0) and log_dimensionless_jerk(jerky, 100.0) < log_dimensionless_jerk(v, 100.0)
    with pytest.raises(ValueError, match="missing"):
        sparc(np.array([1.0, np.nan, 1.0]), 100.0)
    with pytest.raises(ValueError, match="no movement"):
        log_dimensionless_jerk(np.zeros(10), 100.0)


def test_robust_depth_ignores_holes_and_3d_round_trips():
    intr = Intrinsics(640, 480, 600.0, 600.0, 320.0, 240.0)
    depth = np.full((480, 640), 800, np.uint16)
    depth[100:103, 200:203] = 0  # a hole around one point
    depth[300, 400] = 5000  # one outlier under another: the median ignores it
    pts = np.array([[201.0, 101.0], [400.0, 300.0], [50.0, 50.0], [-40.0, 10.0]])
    z = robust_depth(depth, pts, radius=1)
    assert np.isnan(z[0]) and z[1] == 800 and z[2] == 800 and np.isnan(z[3])
    truth = np.array([[10.0, -20.0, 700.0]])
    px = intr.project(truth)
    d = np.full((480, 640), 700, np.uint16)
    xyz, flags = landmarks_3d(np.repeat(px[None], 3, axis=0), [d, np.zeros_like(d), d], intr)
    assert np.allclose(xyz[0, 0], truth[0], atol=1.0) and flags[1, 0] and not flags[0, 0]
    assert np.allclose(xyz[1, 0], xyz[0, 0])  # a one-frame hole is interpolated and flagged


def test_gaps_filter_and_head_frame():
    x = np.array([0.0, 1.0, np.nan, 3.0, np.nan, np.nan, np.nan, 7.0])
    filled, flags = interpolate_gaps(x, max_gap=2)
    assert filled[2] == 2.0 and flags[2] and np.isnan(filled[4:7]).all()
    spikes = np.array([1.0, 1.0, 9.0, 1.0, 1.0, 1.0])
    assert np.allclose(median_filter(spikes, 5), 1.0)
    rng = np.random.default_rng(0)
    face = rng.uniform(-50, 50, size=(68, 3))
    frames = []
    for k in range(6):
        a = 0.1 * k
        r = np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])
        f = face.copy()
        f[57] += [0, 3.0 * k, 0]  # the lower lip moves in the head
        frames.append(f @ r.T + [5.0 * k, 0, 600])
    head = to_head_frame(np.stack(frames))
    lip = head[:, 57] - head[:, 30]
    assert np.allclose(np.diff(lip[:, 1]), 3.0, atol=0.3)  # head rotation removed, lip motion kept
    assert np.allclose(head[:, 36], head[0, 36], atol=0.3)


def _opening(T=60, fps=30.0, amp=20.0):
    """A face whose inner lips open and close once by ``amp`` mm (half-sine)."""
    base = np.zeros((68, 3))
    base[:, 0] = np.linspace(-40, 40, 68)
    base[48], base[54] = (-25, 30, 0), (25, 30, 0)
    base[62], base[66], base[57] = (0, 25, 0), (0, 25, 0), (0, 35, 0)
    base[19], base[37], base[24], base[44] = (-20, -30, 0), (-20, -15, 0), (20, -30, 0), (20, -15, 0)
    p = np.repeat(base[None], T, axis=0)
    s = amp * np.sin(np.pi * np.arange(T) / (T - 1))
    p[:, 66, 1] += s
    p[:, 57, 1] += s
    p[:, 8, 1] += 0.5 * s
    return p, fps, amp


def test_features_of_a_known_opening():
    p, fps, amp = _opening()
    f = feat.repetition_features(p, fps, 0, len(p) - 1, median=1)
    assert set(f) == set(feat.FEATURE_NAMES)
    assert f["range_of_motion"] == pytest.approx(amp, rel=0.01)
    peak_v = amp * np.pi / ((len(p) - 1) / fps)  # derivative of amp sin(pi t / D) at 0
    assert f["peak_opening_velocity"] == pytest.approx(peak_v, rel=0.03)
    assert f["peak_closing_velocity"] == pytest.approx(peak_v, rel=0.03)
    assert f["duration"] == pytest.approx(2.0) and f["corner_asymmetry"] != f["corner_asymmetry"]  # 0/0: NaN
    assert f["lower_lip_path"] == pytest.approx(2 * amp, rel=0.01) and f["jaw_range"] == pytest.approx(amp / 2, rel=0.01)
    assert f["roundness"] == pytest.approx((amp) / 50.0, rel=0.01)
    assert f["sparc"] < 0 and f["ldj"] < 0
    q = p.copy()
    q[10:40] = np.nan  # half the repetition missing: no features from scraps
    assert np.isnan(feat.repetition_features(q, fps, 0, len(q) - 1)["range_of_motion"])
    with pytest.raises(ValueError, match="outside"):
        feat.repetition_features(p, fps, 0, len(p))


def test_loso_classification_effect_and_null_control():
    rng = np.random.default_rng(0)
    parts, X, y = [], [], []
    for k in range(16):
        label = k % 2
        for _ in range(5):
            parts.append(f"P{k}")
            y.append(label)
            X.append([rng.normal(10 - 4 * label, 1.5), rng.normal(0, 1)])
    res = loso_random_forest(np.array(X), np.array(y), parts, n_estimators=50, n_boot=200)
    assert res["auc"] > 0.9 and res["auc_ci95"][0] > 0.6 and res["n_participants"] == 16
    assert list(res["importances"])[0] == "f0"
    null = loso_random_forest(np.array(X)[:, 1:], np.array(y), parts, n_estimators=50, n_boot=200)
    assert 0.2 < null["auc"] < 0.8  # no signal: around 0.5
    with pytest.raises(ValueError, match="both groups"):
        loso_random_forest(np.array(X), np.zeros(len(y)), parts)


def test_null_auc_centres_on_chance_with_enough_participants():
    """Participant-clustered noise, 30 participants: LOSO AUC averages 0.5 (small studies scatter
    widely and lean below 0.5: leaving one person out unbalances the training fold)."""
    aucs = []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        parts, X, y = [], [], []
        for k in range(30):
            offset = rng.normal(0, 1, 6)
            for _ in range(4):
                parts.append(f"P{k}")
                y.append(k % 2)
                X.append(offset + rng.normal(0, 0.3, 6))
        aucs.append(loso_random_forest(np.array(X), np.array(y), parts, n_estimators=40, n_boot=10)["auc"])
    assert 0.4 < np.mean(aucs) < 0.6, aucs


def test_fast_row_median_equals_nanmedian():
    import warnings

    from neuroface_studio.analysis.kinematics3d import _row_nanmedian
    rng = np.random.default_rng(2)
    for cols in (1, 2, 25):
        a = rng.uniform(0, 10, (300, cols))
        a[rng.uniform(size=a.shape) < 0.4] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = np.nanmedian(a, axis=1)
        assert np.allclose(_row_nanmedian(a), ref, equal_nan=True)


def test_rank_auc_is_sklearns_auc_with_ties():
    from sklearn.metrics import roc_auc_score

    from neuroface_studio.analysis.classify import rank_auc
    rng = np.random.default_rng(3)
    for _ in range(200):
        y = np.r_[0, 1, rng.integers(0, 2, int(rng.integers(0, 20)))]
        s = np.round(rng.random(len(y)), 1)  # many ties
        assert rank_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
