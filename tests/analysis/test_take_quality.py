"""The recording quality gate (issue 18): hand-made takes at each threshold of each quantity."""

from __future__ import annotations

import pytest

from neuroface_studio.analysis.take_quality import (
    AMBER, DDK_SECONDS, GREEN, RED, QualityThresholds, QualityVerdict, TakeMeasures, assess_take,
    expected_duration_s, recording_verdict,
)
from neuroface_studio.domain.camera import CameraInfo, Intrinsics
from neuroface_studio.domain.protocol import Task
from neuroface_studio.domain.recordings import Recording

OPEN = Task("OPEN", "Open", "", 5, True, "nonspeech")
PA = Task("PA", "/pa/", "", None, True, "speech")
REST = Task("REST", "Rest", "", None, False, "rest", duration_s=20.0)


def take(frames=600, dropped=0, face=1.0, frontal=1.0, duration=10.0, expected=5.0):
    return assess_take(TakeMeasures(frames, dropped, face, frontal, duration, expected, "OPEN"))


def test_a_good_take_is_green_with_nothing_to_say():
    v = take()
    assert v.level == GREEN and v.reasons == () and v.suggestion == "" and v.headline() == "Good take"
    assert v.word == "good" and v.not_judged == ()


def test_the_issue_take_half_its_frames_dropped_is_red_with_a_retake_suggestion():
    v = take(frames=294, dropped=284, frontal=1.0, duration=9.6)  # "294 frames, 284 dropped, 100% frontal"
    assert v.level == RED and v.word == "retake"
    assert v.reasons[0].startswith("49% of frames were dropped")
    assert v.headline() == ("Retake: 49% of frames were dropped (284 of 578) — close other programs or lower the "
                            "frame rate")


@pytest.mark.parametrize("frames, dropped, level", [(950, 50, GREEN), (947, 53, AMBER), (800, 200, AMBER),
                                                    (799, 201, RED)])
def test_drop_rate_thresholds_5_and_20_percent(frames, dropped, level):
    v = take(frames=frames, dropped=dropped)  # share of the frames offered: 5.0 %, 5.3 %, 20.0 %, 20.1 %
    assert v.level == level
    if level != GREEN:
        assert "close other programs" in v.suggestion


@pytest.mark.parametrize("face, level", [(0.95, GREEN), (0.949, AMBER), (0.80, AMBER), (0.799, RED)])
def test_face_presence_thresholds_95_and_80_percent(face, level):
    v = take(face=face)
    assert v.level == level
    if level != GREEN:
        assert v.reasons[0] == f"the face was not found in {1 - face:.0%} of frames"
        assert "lighting" in v.suggestion


@pytest.mark.parametrize("frontal, level", [(0.80, GREEN), (0.799, AMBER), (0.50, AMBER), (0.499, RED)])
def test_frontal_fraction_thresholds_80_and_50_percent(frontal, level):
    v = take(frontal=frontal)
    assert v.level == level
    if level != GREEN:
        assert "faced the camera in only" in v.reasons[0] and "look at the camera" in v.suggestion


@pytest.mark.parametrize("seconds, level", [(4.0, GREEN), (3.99, AMBER), (2.5, AMBER), (2.49, RED)])
def test_duration_against_the_task_80_and_50_percent(seconds, level):
    v = take(duration=seconds, expected=5.0)
    assert v.level == level
    if level != GREEN:
        assert f"lasted {seconds:.1f} s; OPEN needs at least 5 s" in v.reasons[0]
        assert v.suggestion == "record the whole task"


def test_the_worst_quantity_decides_and_red_reasons_come_first():
    v = take(dropped=60, frames=940, frontal=0.3)  # 6 % dropped: amber; 30 % frontal: red
    assert v.level == RED and "faced the camera" in v.reasons[0] and "dropped" in v.reasons[1]
    assert v.suggestion == "ask the participant to look at the camera"


def test_an_amber_take_is_usable_but_says_what_to_check():
    v = take(frames=930, dropped=70)
    assert v.level == AMBER and v.word == "check" and v.headline().startswith("Usable, but check: 7% of frames")


def test_unmeasured_quantities_are_not_judged_and_said_so():
    v = assess_take(TakeMeasures(100, 0, None, None, 10.0, None))
    assert v.level == GREEN and set(v.not_judged) == {"face found", "facing the camera", "duration"}


def test_expected_durations_come_from_the_protocol():
    assert expected_duration_s(OPEN) == 5.0  # 5 repetitions x 1 s
    assert expected_duration_s(REST) == 20.0  # its fixed duration
    assert expected_duration_s(PA) == DDK_SECONDS  # as many as possible on one breath
    assert expected_duration_s(None) is None
    assert expected_duration_s(Task("X", "x", "", None, False, "rest")) is None


def test_verdict_round_trips_through_a_dict_and_refuses_junk():
    v = take(frontal=0.6)
    assert QualityVerdict.from_dict(v.to_dict()) == v
    with pytest.raises(ValueError, match="not a take-quality verdict"):
        QualityVerdict.from_dict({"level": "purple"})


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="drop_amber <= drop_red"):
        QualityThresholds(drop_amber=0.3, drop_red=0.2)


def _recording(quality, n_frames=60, fps=30.0):
    intr = Intrinsics(64, 48, 60.0, 60.0, 32.0, 24.0)
    return Recording("P001-OPEN", "P001-S1", "OPEN", fps, n_frames, CameraInfo(intr, intr), "recordings/x.h5",
                     "2026-01-01T00:00:00", quality=quality)


def test_recording_verdict_prefers_the_stored_one_and_judges_old_takes_from_their_summary():
    stored = take(frames=294, dropped=284).to_dict()
    assert recording_verdict(_recording({"verdict": stored}), OPEN).level == RED
    # a take recorded before the gate: 60 frames at 30 fps, 0 dropped, 90 % frontal -> 2 s of OPEN: red
    old = recording_verdict(_recording({"dropped": 0, "frontal_fraction": 0.9}), OPEN)
    assert old.level == RED and "lasted 2.0 s" in old.reasons[0] and "face found" in old.not_judged
    assert recording_verdict(_recording({}), OPEN) is None  # simulated: nothing known


@pytest.mark.parametrize("turned, level", [(0.0, GREEN), (0.19, GREEN), (0.24, AMBER), (0.49, AMBER), (0.51, RED)])
def test_rule_2_judges_the_frames_turned_away_not_the_frontal_share(turned, level):
    """Rule 2: "facing the camera" is the share of frames with a face NOT turned away (those are
    left out of the measurements); a face a little off straight ahead (amber live, 10-15 deg) all
    take long is no retake. The frontal share is kept for display but not judged when the
    turned-away share is known."""
    v = assess_take(TakeMeasures(600, 0, 1.0, 0.30, 10.0, 5.0, "OPEN", turned_fraction=turned))
    assert v.level == level, v
    if level != GREEN:
        assert v.reasons == (f"the head was turned away from the camera in {turned:.0%} of the frames with a face "
                             "(those frames are left out of the measurements)",)
        assert v.suggestion == "ask the participant to look at the camera"
    assert v.measures["turned_fraction"] == turned and v.measures["frontal_fraction"] == 0.30
    assert v.to_dict()["rule"] == 2


def test_a_take_without_a_turned_away_share_is_judged_on_its_frontal_share():
    v = take(frontal=0.45)  # a verdict of before rule 2, or a summary that has only the frontal share
    assert v.level == RED and v.reasons == ("the participant faced the camera in only 45% of frames",)
