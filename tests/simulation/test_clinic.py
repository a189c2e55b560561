"""Simulated clinic: determinism, repetitions, group effects, turn-aways, depth, annotators."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.domain.landmarks import MOUTH_CORNERS
from neuroface_studio.domain.participants import Group
from neuroface_studio.simulation.clinic import (
    ANNOTATORS, SIMULATOR_VERSION, annotate, choose_annotation_frames, iter_frames, make_identity,
    plan_recording, render_frame,
)

from sim_helpers import TASKS, lip_aperture_mm

FAST = dict(fps=25.0, duration_scale=0.25)


def test_same_arguments_give_identical_truth_and_frames():
    a = make_identity("P010", Group.ALS, seed=5)
    b = make_identity("P010", Group.ALS, seed=5)
    assert a == b and hash(a) == hash(b)
    pa = plan_recording(a, TASKS["OPEN"], seed=2, **FAST)
    pb = plan_recording(b, TASKS["OPEN"], seed=2, **FAST)
    assert np.array_equal(pa.landmarks_px, pb.landmarks_px) and pa.repetitions == pb.repetitions
    # Any order, any time: frame 7 rendered after frame 3 equals frame 7 rendered first.
    c1, d1 = render_frame(a, pa, 7)
    render_frame(b, pb, 3)
    c2, d2 = render_frame(b, pb, 7)
    assert c1.tobytes() == c2.tobytes() and d1.tobytes() == d2.tobytes()
    assert c1.shape == (480, 640, 3) and c1.dtype == np.uint8
    assert d1.shape == (480, 640) and d1.dtype == np.uint16
    assert pa.camera.device.endswith(f"v{SIMULATOR_VERSION})")


def test_different_seeds_differ():
    a = make_identity("P010", Group.HC, seed=5)
    assert make_identity("P010", Group.HC, seed=6) != a
    assert make_identity("P011", Group.HC, seed=5).shape_offsets_mm != a.shape_offsets_mm
    p0 = plan_recording(a, TASKS["OPEN"], seed=0, **FAST)
    p1 = plan_recording(a, TASKS["OPEN"], seed=1, **FAST)
    n = min(p0.n_frames, p1.n_frames)
    assert not np.allclose(p0.landmarks_px[:n], p1.landmarks_px[:n])
    assert render_frame(a, p0, 0)[1].tobytes() != render_frame(a, p1, 0)[1].tobytes()


def test_iter_frames_streams_the_recording_in_order():
    a = make_identity("P012", Group.HC, seed=0)
    plan = plan_recording(a, TASKS["BROW"], **FAST)
    got = [(i, c.shape, d.shape) for i, c, d in iter_frames(a, plan, stop=3)]
    assert got == [(i, (480, 640, 3), (480, 640)) for i in range(3)]
    with pytest.raises(IndexError):
        render_frame(a, plan, plan.n_frames)


@pytest.mark.parametrize("code, expected", [("OPEN", 5), ("SPREAD", 5), ("SMILE", 5), ("KISS", 5), ("BLOW", 5),
                                            ("BROW", 5), ("BBP", 10), ("REST", 0), ("PA", None), ("PATAKA", None)])
def test_repetition_spans(code, expected):
    plan = plan_recording(make_identity("P020", Group.HC, seed=1), TASKS[code], **FAST)
    spans = plan.repetitions
    if expected is None:
        assert len(spans) >= 2
    else:
        assert len(spans) == expected
    flat = [f for span in spans for f in span]
    assert flat == sorted(flat) and all(a < b for a, b in spans)
    assert all(0 <= f < plan.n_frames for f in flat)
    assert len(set(flat)) == len(flat)  # no two repetitions share a frame
    assert plan.landmarks_px.shape == (plan.n_frames, 68, 2)
    assert plan.landmarks_mm.shape == (plan.n_frames, 68, 3) and plan.head_pose_deg.shape == (plan.n_frames, 3)


def test_pa_rate_is_speech_like():
    plan = plan_recording(make_identity("P021", Group.HC, seed=1), TASKS["PA"], fps=50.0)
    span_s = np.diff(np.array(plan.repetitions), axis=1)[:, 0] / plan.fps
    assert 0.12 < np.median(span_s) < 0.25  # ~4-8 syllables per second


def _peak_aperture(identity):
    return lip_aperture_mm(plan_recording(identity, TASKS["OPEN"], turn_away=False, **FAST)).max()


def test_als_opens_the_mouth_less_than_controls():
    hc = [_peak_aperture(make_identity(f"H{i}", Group.HC, seed=i)) for i in range(6)]
    als = [_peak_aperture(make_identity(f"A{i}", Group.ALS, seed=i)) for i in range(6)]
    assert np.mean(als) < 0.8 * np.mean(hc)
    assert 20.0 < np.mean(hc) < 45.0


def _corner_excursions(identity):
    """Peak outward excursion (mm) of the participant's right and left mouth corners on SPREAD."""
    plan = plan_recording(identity, TASKS["SPREAD"], turn_away=False, **FAST)
    mm = plan.landmarks_mm
    mid = mm[:, [27, 28, 29, 30]].mean(axis=1)
    dist = [np.linalg.norm(mm[:, c] - mid, axis=1) for c in MOUTH_CORNERS]
    return [float(d.max() - d[0]) for d in dist]


def test_stroke_moves_one_mouth_corner_less():
    for i in range(3):
        ps = make_identity(f"S{i}", Group.PS, seed=i)
        right, left = _corner_excursions(ps)
        weak, strong = (right, left) if ps.affected_side == "right" else (left, right)
        assert weak < 0.75 * strong
        hr, hl = _corner_excursions(make_identity(f"S{i}", Group.PS, seed=i, no_effect=True))
        assert 0.75 < hr / hl < 1.33


def test_no_effect_makes_every_group_move_like_controls():
    for group in (Group.ALS, Group.PS, Group.PD, Group.FP):
        null = make_identity("N001", group, seed=4, no_effect=True)
        hc = make_identity("N001", Group.HC, seed=4)
        assert null.group is group and null.effective_group is Group.HC
        p_null = plan_recording(null, TASKS["OPEN"], seed=1, **FAST)
        p_hc = plan_recording(hc, TASKS["OPEN"], seed=1, **FAST)
        assert np.array_equal(p_null.landmarks_mm, p_hc.landmarks_mm)
        assert p_null.repetitions == p_hc.repetitions


def test_turn_away_forced_on_and_off():
    identity = make_identity("P030", Group.HC, seed=2)
    on = plan_recording(identity, TASKS["KISS"], turn_away=True, **FAST)
    off = plan_recording(identity, TASKS["KISS"], turn_away=False, **FAST)
    assert on.turned_away.any() and np.abs(on.head_pose_deg[on.turned_away, 0]).max() > 25
    assert np.all(np.abs(on.head_pose_deg[:, 0]) < 50)
    assert not off.turned_away.any() and np.abs(off.head_pose_deg).max() < 20
    chance = [plan_recording(identity, TASKS["KISS"], seed=s, **FAST).turned_away.any() for s in range(24)]
    assert 1 <= sum(chance) <= 14


def test_depth_is_sensor_like():
    identity = make_identity("P040", Group.PD, seed=8)
    plan = plan_recording(identity, TASKS["OPEN"], turn_away=False, **FAST)
    for index in (0, plan.n_frames // 2):
        _, depth = render_frame(identity, plan, index)
        holes = float((depth == 0).mean())
        assert 0.001 < holes < 0.10
        valid = depth[depth > 0]
        assert valid.min() >= 250 and valid.max() <= 2000
        nose = np.round(plan.landmarks_px[index, 30]).astype(int)
        wall = depth[5:40, 5:40]
        assert np.median(wall[wall > 0]) > np.median(depth[nose[1] - 2:nose[1] + 3, nose[0] - 2:nose[0] + 3]) + 300


def test_annotator_biases_and_noise():
    truth = plan_recording(make_identity("P050", Group.HC, seed=0), TASKS["REST"], fps=25.0,
                           duration_scale=0.05, turn_away=False).landmarks_px[0]
    rng = np.random.default_rng(0)
    by_id = {a.annotator_id: a for a in ANNOTATORS}
    assert set(by_id) == {"sim-A", "sim-B", "sim-C"}
    labels = {k: np.stack([annotate(a, truth, rng) for _ in range(400)]) - truth for k, a in by_id.items()}
    mean = {k: v.mean(axis=0) for k, v in labels.items()}
    left, right = MOUTH_CORNERS
    assert mean["sim-A"][left, 0] < -1.2 and mean["sim-A"][right, 0] > 1.2  # corners outward
    assert mean["sim-B"][57, 1] > 1.2 and abs(mean["sim-B"][51, 1]) < 0.3  # lower lip low
    assert np.abs(mean["sim-C"]).max() < 0.5  # nearly unbiased...
    spread = {k: float((v - mean[k]).std()) for k, v in labels.items()}
    assert spread["sim-C"] > 1.3 * spread["sim-A"]  # ...but noisier
    for k, a in by_id.items():
        assert spread[k] == pytest.approx(a.noise_px, rel=0.1)


@pytest.mark.parametrize("code", ["OPEN", "BBP", "REST"])
def test_choose_annotation_frames(code):
    plan = plan_recording(make_identity("P060", Group.ALS, seed=3), TASKS[code], turn_away=True, **FAST)
    frames = choose_annotation_frames(plan, per_repetition=3, rng=np.random.default_rng(1))
    assert frames == sorted(set(frames)) and len(frames) > 0
    assert all(0 <= f < plan.n_frames and not plan.turned_away[f] for f in frames)
    if plan.repetitions:
        assert len(frames) <= 3 * len(plan.repetitions)
        inside = [any(a <= f <= b for a, b in plan.repetitions) for f in frames]
        assert all(inside)


def test_bench_render_reports_speed():
    from neuroface_studio.simulation.bench import bench_render

    result = bench_render(3)
    assert result["n_frames"] == 3 and result["ms_per_frame"] > 0 and result["fps"] > 0
