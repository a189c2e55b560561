"""LiveSession: preview + pose + recording, with the simulated participant as the camera."""

import threading

import pytest

from neuroface_studio.acquisition.synthetic import SyntheticSource
from neuroface_studio.app.live_session import LiveSession, default_pose_worker
from neuroface_studio.app.project_service import ProjectSession


def test_calibration_makes_a_frontal_participant_read_frontal(handmade_project):
    s = ProjectSession.open(handmade_project)
    source = SyntheticSource("P001", "HC", "REST", fps=30, seed=4, turn_away=False, prerender=30)
    live = LiveSession(s, source, pose=default_pose_worker)
    live.start()
    try:
        got = threading.Event()
        live.add_frame_listener(lambda f: got.set() if len(live._recent) >= 20 else None)
        assert got.wait(30), "no pose estimates"
        neutral = live.calibrate_straight_ahead()
        assert all(abs(v) < 25 for v in neutral)
        live._recent.clear()
        assert got.wait(30)
        got.clear()
        got.wait(30)
        est, fb = live.feedback()
        assert est.face_found and abs(est.pitch_deg) < 5 and abs(est.yaw_deg) < 5
        assert fb.level == "green"
        rec_id = live.start_recording("P001", "REST")
        threading.Event().wait(1.0)
        result = live.stop_recording()
        assert result.recording_id == rec_id and result.frontal_fraction is not None
        assert result.frontal_fraction > 0.8
    finally:
        live.stop()


def test_calibration_without_pose_is_refused(handmade_project):
    live = LiveSession(ProjectSession.open(handmade_project), SyntheticSource(fps=30, prerender=2))
    live.start()
    try:
        with pytest.raises(RuntimeError, match="not running"):
            live.calibrate_straight_ahead()
    finally:
        live.stop()
