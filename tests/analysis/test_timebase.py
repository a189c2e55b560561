"""Real clocks: features and segmentation use the recorded frame times, not frame index / fps.

Hand computations: an inner-lip aperture that opens at exactly 30 mm/s, holds, closes at
20 mm/s, sampled at irregular times (frames lost as in a live take with drops), must give those
velocities, the aperture range, and repetition durations from the timestamps; a take that lost
half of its frames must give the same duration and velocities as the full take.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.analysis import features as feat
from neuroface_studio.analysis.segmentation import SegmentationParams, propose_repetitions
from neuroface_studio.analysis.timebase import (
    frame_times, grid_to_frame, index_times, resample, uniform_grid,
)

FPS = 60.0


def _face(T: int) -> np.ndarray:
    """A still face (T, 68, 3) in mm: mouth corners, inner lips, brows, chin at fixed places."""
    base = np.zeros((68, 3))
    base[:, 0] = np.linspace(-40, 40, 68)
    base[48], base[54] = (-25, 30, 0), (25, 30, 0)
    base[62], base[66], base[57] = (0, 25, 0), (0, 25, 0), (0, 35, 0)
    base[19], base[37], base[24], base[44] = (-20, -30, 0), (-20, -15, 0), (20, -30, 0), (20, -15, 0)
    return np.repeat(base[None], T, axis=0)


def _aperture_mm(t: np.ndarray) -> np.ndarray:
    """Rest until 0.2 s, open at 30 mm/s for 0.5 s (15 mm), hold 0.2 s, close at 20 mm/s (0.75 s), rest."""
    return np.interp(t, [0.0, 0.2, 0.7, 0.9, 1.65, 3.0], [0.0, 0.0, 15.0, 15.0, 0.0, 0.0])


def _take(t: np.ndarray) -> np.ndarray:
    p = _face(len(t))
    a = _aperture_mm(t)
    p[:, 66, 1] += a
    p[:, 57, 1] += a
    return p


def _irregular_times() -> np.ndarray:
    """Frames at 0, 1/60, 3/60, 7/60, ...: gaps of 1, 2 and 4 frame periods, 3 s long."""
    k, steps, i = [0], (1, 2, 4, 1, 1, 2, 1, 3), 0
    while k[-1] < 180:
        k.append(k[-1] + steps[i % len(steps)])
        i += 1
    return np.array(k[:-1], np.float64) / FPS


def test_irregular_timestamps_give_hand_computed_duration_and_velocity():
    t = _irregular_times()
    assert list(t[:4] * FPS) == [0, 1, 3, 7]
    p = _take(t)
    start, end = 0, len(t) - 1
    f = feat.repetition_features(p, FPS, start, end, times=t)
    # duration: last frame time - first + one grid period (the grid is the camera's 60 Hz)
    assert f["duration"] == pytest.approx(t[end] - t[start] + 1 / FPS, abs=1e-9)
    assert f["range_of_motion"] == pytest.approx(15.0, abs=1e-6)
    assert f["peak_opening_velocity"] == pytest.approx(30.0, rel=1e-6)
    assert f["peak_closing_velocity"] == pytest.approx(20.0, rel=1e-6)
    assert f["lower_lip_path"] == pytest.approx(30.0, rel=1e-3)
    # a repetition inside the take (frames whose times are 0.1 s and 1.8 s apart from the edges)
    a, b = int(np.searchsorted(t, 0.1)), int(np.searchsorted(t, 1.8))
    g = feat.repetition_features(p, FPS, a, b, times=t)
    assert g["duration"] == pytest.approx(t[b] - t[a] + 1 / FPS, abs=1e-9)
    assert g["peak_opening_velocity"] == pytest.approx(30.0, rel=1e-6)
    # the old clock (index / fps) would have been wrong: fewer frames than 60 per second
    old = feat.repetition_features(p, FPS, start, end)
    assert old["duration"] == pytest.approx(len(t) / FPS) and old["duration"] < 0.7 * f["duration"]
    assert old["peak_opening_velocity"] > 1.3 * 30.0


@pytest.mark.parametrize("median", [1, 5])
def test_half_the_frames_lost_gives_the_same_numbers_as_the_full_take(median):
    t_full = np.arange(180) / FPS
    full = _take(t_full)
    keep = np.arange(0, 180, 2)  # every other frame lost
    drop = full[keep]
    f_full = feat.repetition_features(full, FPS, 6, 150, median=median, times=t_full)
    f_drop = feat.repetition_features(drop, FPS, 3, 75, median=median, times=t_full[keep])
    assert f_drop["duration"] == pytest.approx(f_full["duration"], abs=1e-9) == pytest.approx(145 / FPS)
    for k in ("range_of_motion", "peak_opening_velocity", "peak_closing_velocity", "lower_lip_path"):
        assert f_drop[k] == pytest.approx(f_full[k], rel=1e-6), k
    # random losses (half the frames, the repetition's first and last kept): within a frame / a few %
    rng = np.random.default_rng(1)
    keep = np.sort(np.concatenate([[6, 150], rng.choice(np.setdiff1d(np.arange(180), [6, 150]), 88, replace=False)]))
    r = feat.repetition_features(full[keep], FPS, int(np.flatnonzero(keep == 6)[0]), int(np.flatnonzero(keep == 150)[0]),
                                 median=median, times=t_full[keep])
    assert r["duration"] == pytest.approx(f_full["duration"], abs=1.01 / FPS)
    assert r["range_of_motion"] == pytest.approx(f_full["range_of_motion"], rel=0.02)
    assert r["peak_opening_velocity"] == pytest.approx(f_full["peak_opening_velocity"], rel=0.1)


def test_sparc_and_ldj_are_sampled_in_real_time():
    t_full = np.arange(180) / FPS
    full = _take(t_full)
    keep = np.arange(0, 180, 2)
    f_full = feat.repetition_features(full, FPS, 0, 179, median=1, times=t_full)
    f_drop = feat.repetition_features(full[keep], FPS, 0, 89, median=1, times=t_full[keep])
    assert f_drop["sparc"] == pytest.approx(f_full["sparc"], rel=0.05)
    assert f_drop["ldj"] == pytest.approx(f_full["ldj"], rel=0.05)


def test_frame_times_fall_back_to_index_over_fps_with_a_reason():
    ok = frame_times(np.array([10.0, 10.1, 10.3]), 3, 10.0)
    assert ok.from_timestamps and list(ok.t_s) == pytest.approx([0.0, 0.1, 0.3]) and not ok.uniform
    assert "irregular" in ok.describe() and ok.rate_hz == pytest.approx(10.0)
    back = frame_times(np.array([0.0, 0.1, 0.05, 0.2]), 4, 20.0)
    assert not back.from_timestamps and "not increasing" in back.note and back.t_s[3] == pytest.approx(0.15)
    assert "frame index / 20 fps" in back.describe()
    assert "no timestamps" in frame_times(None, 3, 30.0).note
    assert "only 2 timestamps" in frame_times([0.0, 0.1], 3, 30.0).note
    assert "not numbers" in frame_times([0.0, np.nan, 0.2], 3, 30.0).note
    assert index_times(5, 50.0).uniform and index_times(5, 50.0).duration_s == pytest.approx(0.1)
    # a variable-rate video whose container rate understates it keeps its real rate
    assert frame_times(np.arange(10) / 30.0, 10, 26.4).rate_hz == pytest.approx(30.0)


def test_resample_never_invents_samples_in_long_holes_or_next_to_missing_frames():
    t = np.array([0.0, 0.1, 0.2, 0.6, 0.7])
    v = np.array([0.0, 1.0, np.nan, 6.0, 7.0])
    g = uniform_grid(0.0, 0.7, 20.0)
    r = resample(v, t, g)
    assert r[0] == 0.0 and r[1] == pytest.approx(0.5) and r[2] == 1.0
    assert np.isnan(r[3]) and np.isnan(r[5])  # next to the NaN frame, and inside the 0.4 s hole
    assert r[12] == 6.0 and r[13] == pytest.approx(6.5) and r[14] == 7.0
    assert list(grid_to_frame([0.0, 0.14, 0.7], t)) == [0, 1, 4]


def _three_excursions(t: np.ndarray) -> np.ndarray:
    """A trace with openings centred at 1, 2.5 and 4 s (each 0.8 s wide)."""
    v = np.zeros_like(t)
    for c in (1.0, 2.5, 4.0):
        v += np.clip(1 - np.abs(t - c) / 0.4, 0, None)
    return v


def test_segmentation_proposes_the_same_spans_in_seconds_with_lost_frames():
    t_full = np.arange(int(5 * FPS)) / FPS
    params = SegmentationParams(mode="excursion", direction=1, min_distance_s=0.5, min_duration_s=0.3)
    full = propose_repetitions(_three_excursions(t_full), FPS, params, times=t_full)
    keep = np.sort(np.random.default_rng(2).choice(len(t_full), len(t_full) // 2, replace=False))
    t = t_full[keep]
    drop = propose_repetitions(_three_excursions(t), FPS, params, times=t)
    assert len(full.spans) == len(drop.spans) == 3
    for a, b in zip(full.spans, drop.spans):
        assert t[b.start] == pytest.approx(t_full[a.start], abs=3 / FPS)
        assert t[b.end] == pytest.approx(t_full[a.end], abs=3 / FPS)
        assert b.start <= b.peak <= b.end
    # with index/fps the lost frames make every duration half as long: min_duration_s 0.5 s drops all
    strict = SegmentationParams(mode="excursion", direction=1, min_distance_s=0.5, min_duration_s=0.5)
    assert len(propose_repetitions(_three_excursions(t), FPS, strict, times=t).spans) == 3
    assert len(propose_repetitions(_three_excursions(t), FPS, strict).spans) < 3


def test_depth_holes_are_interpolated_in_real_time():
    from neuroface_studio.analysis.kinematics3d import interpolate_gaps
    z = np.array([600.0, np.nan, 640.0])
    t = np.array([0.0, 0.1, 0.4])  # the hole's frame is a quarter of the way in time
    filled, flags = interpolate_gaps(z, 5, t)
    assert filled[1] == pytest.approx(610.0) and flags[1]
    assert interpolate_gaps(z, 5)[0][1] == pytest.approx(620.0)  # evenly spaced
