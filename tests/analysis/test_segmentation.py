"""Repetition proposals on simulated truth landmarks, and the boundary-error measure."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.analysis.segmentation import (
    SegmentationParams, boundary_error_frames, default_params, params_for_task, pooled_mean_abs, propose_repetitions,
)
from neuroface_studio.analysis.traces import compute_trace
from neuroface_studio.app.paths import protocol_file
from neuroface_studio.domain.participants import Group
from neuroface_studio.simulation.clinic import make_identity, plan_recording
from neuroface_studio.store.protocol_file import load_protocol

PROTOCOL = load_protocol(protocol_file())
NONSPEECH = ("OPEN", "SPREAD", "SMILE", "KISS", "BLOW", "BROW")
GROUPS = (Group.HC, Group.ALS, Group.PS, Group.PD)


def simulated(code: str, k: int, fps: float = 50.0, duration_scale: float = 1.0, turn_away=False):
    task = PROTOCOL.task(code)
    identity = make_identity(f"SIM{k:03d}", GROUPS[k % len(GROUPS)], 100 + k)
    plan = plan_recording(identity, task, fps=fps, seed=k, duration_scale=duration_scale, turn_away=turn_away)
    trace = compute_trace(task.trace, plan.landmarks_px)
    return task, plan, propose_repetitions(trace, fps, params_for_task(task))


@pytest.mark.parametrize("code", NONSPEECH)
def test_nonspeech_boundaries_within_3_frames_on_truth_landmarks(code):
    results = []
    for k in range(4):  # HC, ALS, PS, PD
        task, plan, proposal = simulated(code, k)
        be = boundary_error_frames(proposal.frames, plan.repetitions)
        assert be.misses == 0 and be.extras == 0, (code, k, proposal.frames, plan.repetitions)
        assert all(0 < s.confidence <= 1 for s in proposal.spans)
        results.append(be)
    mean = pooled_mean_abs(results)
    worst = max(abs(e) for r in results for pair in r.errors for e in pair)
    assert mean <= 3.0 and worst <= 8, (code, mean, worst)


def test_nonspeech_at_lower_frame_rate_and_shorter_movements():
    results = []
    for code in ("OPEN", "KISS", "BROW"):
        task, plan, proposal = simulated(code, 1, fps=30.0, duration_scale=0.5)
        results.append(boundary_error_frames(proposal.frames, plan.repetitions))
    assert sum(r.misses + r.extras for r in results) == 0 and pooled_mean_abs(results) <= 2.0


def test_speech_tasks_find_every_repetition():
    for code, k in (("PA", 0), ("PATAKA", 1), ("BBP", 2)):
        task, plan, proposal = simulated(code, k, duration_scale=0.5)
        be = boundary_error_frames(proposal.frames, plan.repetitions)
        assert be.misses <= 1 and be.extras <= 1 and be.mean_abs <= 3.0, (code, be)
        spans = proposal.frames
        assert all(a <= b for a, b in spans) and all(b0 < a1 for (_, b0), (a1, _) in zip(spans, spans[1:]))


def test_rest_and_flat_traces_give_no_repetitions():
    task, plan, proposal = simulated("REST", 0, duration_scale=0.2)
    assert proposal.spans == () and proposal.params.mode == "none"
    flat = propose_repetitions(np.full(100, 0.3), 50.0, default_params("OPEN"))
    assert flat.spans == ()


def test_turned_away_frames_do_not_break_proposals():
    results = []
    for k in range(4):
        task, plan, proposal = simulated("SMILE", k, turn_away=True)
        spans = proposal.frames
        assert all(b0 < a1 for (_, b0), (a1, _) in zip(spans, spans[1:]))
        results.append(boundary_error_frames(spans, plan.repetitions))
    assert sum(r.extras for r in results) <= 1 and sum(r.misses for r in results) <= 2


def test_min_jerk_movements_exact_edges_and_direction():
    fps, t = 50.0, np.arange(400) / 50.0
    trace = np.zeros_like(t)
    true = []
    for t0 in (0.5, 2.5, 4.5):
        up = np.clip((t - t0) / 0.4, 0, 1)
        down = np.clip((t - t0 - 0.9) / 0.4, 0, 1)
        mj = lambda x: x ** 3 * (10 - 15 * x + 6 * x * x)  # noqa: E731
        trace += np.where(t < t0 + 0.9, mj(up), 1 - mj(down)) * (t >= t0) * (t <= t0 + 1.3)
        true.append((int(np.ceil(t0 * fps)), int(np.floor((t0 + 1.3) * fps))))
    p = SegmentationParams(mode="excursion", direction=1, smooth_s=0.0)
    be = boundary_error_frames(propose_repetitions(trace, fps, p).frames, true)
    assert be.misses == be.extras == 0 and be.mean_abs <= 1.0
    # the same movement as a narrowing (KISS): direction -1 or guessed
    down = propose_repetitions(1.0 - trace, fps, SegmentationParams(direction=None, smooth_s=0.0))
    assert down.direction == -1 and boundary_error_frames(down.frames, true).mean_abs <= 1.0


def test_missing_frames_lower_confidence_and_all_missing_is_a_clear_error():
    task, plan, proposal = simulated("OPEN", 0)
    trace = compute_trace("lip_aperture", plan.landmarks_px)
    a, b = plan.repetitions[2]
    trace[a + 3:a + 12] = np.nan
    gapped = propose_repetitions(trace, 50.0, params_for_task(task))
    assert len(gapped.spans) == 5 and gapped.spans[2].confidence < min(s.confidence for s in proposal.spans)
    with pytest.raises(ValueError, match="no face was found"):
        propose_repetitions(np.full(50, np.nan), 50.0)
    with pytest.raises(ValueError, match="fps must be positive"):
        propose_repetitions(np.zeros(5), 0)
    with pytest.raises(ValueError, match="mode must be one of"):
        SegmentationParams(mode="peaks")


def test_default_params_per_task():
    modes = {t.code: params_for_task(t).mode for t in PROTOCOL.tasks}
    assert modes == {"BBP": "phrase", "PA": "cycle", "PATAKA": "cycle", "BLOW": "excursion", "KISS": "excursion",
                     "OPEN": "excursion", "SPREAD": "excursion", "SMILE": "excursion", "BROW": "excursion",
                     "REST": "none"}
    assert params_for_task(PROTOCOL.task("KISS")).direction == -1
    assert default_params("NEWTASK").direction is None  # unknown task: direction guessed


def test_boundary_error_matching_misses_and_extras():
    be = boundary_error_frames([(10, 20), (30, 42), (100, 110)], [(11, 19), (31, 40), (50, 60)])
    assert be.matched == ((0, 0), (1, 1)) and be.errors == ((-1, 1), (-1, 2))
    assert be.mean_abs == pytest.approx(1.25) and be.misses == 1 and be.extras == 1
    # one long proposal over two true spans matches only one of them
    be = boundary_error_frames([(0, 50)], [(0, 20), (30, 50)])
    assert len(be.matched) == 1 and be.misses == 1 and be.extras == 0
    empty = boundary_error_frames([], [(1, 2)])
    assert empty.mean_abs is None and empty.misses == 1 and empty.to_dict()["mean_abs"] is None
    assert pooled_mean_abs([be, empty]) == pytest.approx(15.0)
    assert pooled_mean_abs([empty]) is None
