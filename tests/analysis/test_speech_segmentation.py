"""Speech-task proposals from the lips and jaw (issue 18): the syllable-rate oscillation of the mouth,
scored against the simulator's own plan (its activations, no frames rendered) for every group."""

from __future__ import annotations

import numpy as np
import pytest

from neuroface_studio.analysis.segmentation import boundary_error_frames
from neuroface_studio.analysis.speech_segmentation import propose_speech, propose_speech_timed
from neuroface_studio.analysis.timebase import frame_times
from neuroface_studio.domain.participants import Group
from neuroface_studio.domain.protocol import Task
from neuroface_studio.simulation.face_model import JAW_OPEN, LIP_PART
from neuroface_studio.simulation.identity import derive_rng, make_identity
from neuroface_studio.simulation.kinematics import task_timeline

TASKS = {"BBP": Task("BBP", "Buy Bobby a puppy", "", 10, True, "speech"),
         "PA": Task("PA", "pa pa pa", "", None, True, "speech"),
         "PATAKA": Task("PATAKA", "pa ta ka", "", None, True, "speech")}
GROUPS = (Group.HC, Group.ALS, Group.PD, Group.PS)


def simulated(code, group, k, fps, noise=0.06, duration_scale=0.5):
    """Lip aperture and jaw opening (T,) of a simulated take, with tracker-like noise, and its true spans."""
    ident = make_identity(f"S{k:03d}", group, seed=k)
    act, spans = task_timeline(ident, TASKS[code], fps, derive_rng("kinematics", k, code), duration_scale)
    rng = np.random.default_rng(k)
    lip, jaw = 0.5 * act[:, LIP_PART] + 0.3 * act[:, JAW_OPEN], act[:, JAW_OPEN]
    lip = lip + noise * np.percentile(lip, 95) * rng.normal(size=lip.size)
    jaw = jaw + noise * np.percentile(jaw, 95) * rng.normal(size=jaw.size)
    return lip, jaw, spans


@pytest.mark.parametrize("fps", [30, 50])
@pytest.mark.parametrize("code", ["BBP", "PA", "PATAKA"])
def test_each_repetition_within_3_frames_on_median_and_never_the_whole_take(code, fps):
    errors, missed, extra, n_true = [], 0, 0, 0
    for k, group in enumerate(GROUPS * 2):
        lip, jaw, truth = simulated(code, group, k, fps)
        prop = propose_speech(lip, jaw, fps, code)
        be = boundary_error_frames(prop.frames, truth)
        errors += [abs(e) for pair in be.errors for e in pair]
        missed, extra, n_true = missed + be.misses, extra + be.extras, n_true + len(truth)
        assert len(prop.spans) >= 0.7 * len(truth), f"{code} {group.value}: {len(prop.spans)}/{len(truth)}"
        assert all(s.end - s.start + 1 < 0.5 * lip.size for s in prop.spans)  # no whole-take repetition
        assert all(0.0 <= s.confidence <= 1.0 and s.start <= s.peak <= s.end for s in prop.spans)
        assert all(a.end < b.start for a, b in zip(prop.spans, prop.spans[1:]))
    assert np.median(errors) <= 3, f"{code} at {fps} fps: median |boundary error| {np.median(errors)}"
    assert missed + extra <= 0.1 * n_true, f"{code} at {fps} fps: {missed} missed, {extra} extra of {n_true}"


def test_a_take_without_movement_or_face_proposes_nothing_and_a_gap_lowers_confidence():
    rng = np.random.default_rng(0)
    flat = 0.3 + 0.001 * rng.normal(size=300)
    assert len(propose_speech(flat, flat, 50, "PA").spans) <= 1  # noise only: no train of syllables
    assert propose_speech(np.full(300, np.nan), None, 50, "BBP").spans == ()
    lip, jaw, truth = simulated("PA", Group.HC, 1, 50)
    whole = propose_speech(lip, jaw, 50, "PA")
    a, b = truth[3]
    lip[a:b + 1] = np.nan  # no face during one repetition
    gap = propose_speech(lip, jaw, 50, "PA")
    sure = min(s.confidence for s in whole.spans)
    assert all(s.confidence < sure for s in gap.spans if s.start <= b and s.end >= a)  # unseen: never as sure
    assert len(gap.spans) >= len(truth) - 2
    with pytest.raises(ValueError, match="not a speech task"):
        propose_speech(lip, jaw, 50, "OPEN")


def test_irregular_frame_times_are_resampled_and_mapped_back():
    lip, jaw, truth = simulated("PA", Group.HC, 2, 50)
    keep = np.ones(lip.size, bool)
    keep[5::7] = False  # every 7th frame dropped: the recorded frames are not uniform in time
    t = np.flatnonzero(keep) / 50.0
    times = frame_times(t, int(keep.sum()), 50.0)
    prop = propose_speech_timed(lip[keep], jaw[keep], 50.0, "PA", times)
    frame_of = np.cumsum(keep) - 1  # original frame -> kept index
    true_kept = [(int(frame_of[a]), int(frame_of[b])) for a, b in truth]
    be = boundary_error_frames(prop.frames, true_kept)
    assert be.misses <= 1 and np.median(np.abs(be.errors)) <= 2


def test_movement_fallback_keeps_sentence_length_spans_for_bbp_only():
    """No syllable rhythm (a short or free-talking clip): the movement method's spans are kept for BBP when
    one sentence could last that long (<= 6 s), never for PA or PATAKA (a train without a rhythm)."""
    from neuroface_studio.analysis.segmentation import ProposedSpan
    from neuroface_studio.analysis.speech_segmentation import plausible_repetitions
    t_s = np.arange(600) / 30.0  # 20 s at 30 fps
    spans = [ProposedSpan(10, 70, 0.8, 40), ProposedSpan(100, 400, 0.7, 200)]  # 2 s and 10 s
    assert [(s.start, s.end) for s in plausible_repetitions(spans, "bbp", t_s)] == [(10, 70)]
    assert plausible_repetitions(spans, "PA", t_s) == [] and plausible_repetitions(spans, "PATAKA", t_s) == []
