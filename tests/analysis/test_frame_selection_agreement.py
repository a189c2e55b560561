"""Frame selection (peaks, unsure frames, shape clusters) and inter-annotator agreement."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.analysis import frame_selection as fs
from neuroface_studio.analysis.agreement import agreement, consensus, pair_nrmse


def _face() -> np.ndarray:
    rng = np.random.default_rng(0)
    base = rng.uniform(200, 300, size=(68, 2))
    base[36], base[45] = (220, 240), (280, 240)  # interocular distance 60 px
    return base


def _video(T: int = 120) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A face at rest that opens its mouth in 3 repetitions; the peak of each is known."""
    base = _face()
    pts = np.repeat(base[None], T, axis=0)
    reps = [(10, 30), (50, 70), (90, 110)]
    for k, (s, e) in enumerate(r for r in reps if r[1] < T):
        for t in range(s, e + 1):
            amp = np.sin(np.pi * (t - s) / (e - s)) * (10 + 5 * k)
            pts[t, 57:60, 1] += amp  # lower lip goes down
            pts[t, 6:11, 1] += amp  # and the chin
    return pts, reps


def test_peaks_unsure_and_clusters_are_chosen_and_spread():
    pts, reps = _video()
    pts[75] += 6.0  # a tracking slip on one frame: the model is "unsure" there
    pts[40] = np.nan  # no face
    chosen = fs.select_frames(pts, 8, repetitions=reps, min_gap=3)
    frames = [c.frame for c in chosen]
    assert len(chosen) == 8 and frames == sorted(frames) and 40 not in frames
    assert all(b - a >= 3 for a, b in zip(frames, frames[1:]))
    peaks = {c.frame for c in chosen if c.reason == fs.REASON_PEAK}
    assert peaks and peaks <= {20, 60, 100}  # the middle of a repetition is its peak
    assert 100 in peaks  # the largest movement comes first
    assert 75 in {c.frame for c in chosen if c.reason == fs.REASON_UNSURE}
    assert {c.reason for c in chosen} == {fs.REASON_PEAK, fs.REASON_UNSURE, fs.REASON_CLUSTER}


def test_excluded_frames_are_never_chosen_and_small_recordings_give_fewer():
    pts, reps = _video(40)
    chosen = fs.select_frames(pts, 30, repetitions=[(10, 30)], min_gap=5, exclude={20})
    assert 20 not in [c.frame for c in chosen] and len(chosen) <= 8
    assert fs.select_frames(np.full((10, 68, 2), np.nan), 3) == []
    with pytest.raises(ValueError, match=r"\(frames, 68, 2\)"):
        fs.select_frames(np.zeros((10, 67, 2)), 3)


def test_normalised_shapes_ignore_position_scale_and_roll():
    face = _face()
    c, s = np.cos(0.3), np.sin(0.3)
    moved = 1.7 * face @ np.array([[c, -s], [s, c]]).T + [40, -25]
    a, b = fs.normalised_shapes(np.stack([face, moved]))
    assert np.allclose(a, b, atol=1e-9)


def test_consensus_uses_only_annotators_who_saw_a_point():
    a, b = _face(), _face() + 2.0
    vis_b = np.ones(68, bool)
    vis_b[5] = False
    mean, seen = consensus(np.stack([a, b]), np.stack([np.ones(68, bool), vis_b]))
    assert np.allclose(mean[0], a[0] + 1.0) and np.allclose(mean[5], a[5]) and seen.all()


def test_agreement_per_group_and_pair():
    a = _face()
    b = a.copy()
    b[48:68] += [3.0, 4.0]  # 5 px off on the mouth only: 5 / 60 interocular
    ann = {"AA": {("r", 1): (a, np.ones(68, bool)), ("r", 2): (a, np.ones(68, bool))},
           "BB": {("r", 1): (b, np.ones(68, bool))}}
    res = agreement(ann)
    assert res["annotators"] == ["AA", "BB"] and res["frames"] == 1
    assert res["nrmse"]["mouth"] == pytest.approx(5 / 60) and res["nrmse"]["eyes"] == 0.0
    assert res["nrmse"]["all"] == pytest.approx(5 / 60 * np.sqrt(20 / 68))  # RMS over the 68 points
    assert res["pairs"]["AA~BB"]["frames"] == 1
    assert np.isnan(agreement({"AA": ann["AA"]})["nrmse"]["all"])
    assert pair_nrmse(a, b, group="jaw") == 0.0
