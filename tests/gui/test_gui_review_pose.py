"""Review's TURNED AWAY warning comes from the head pose of the landmarks (issue 15), not from truth."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def test_turned_away_warning_follows_the_landmark_pose(opened_window, handmade_project, qtbot):
    from neuroface_studio.acquisition.pose_track import POSE_INFO
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.store.tracks_file import TrackWriter, track_path, write_pose

    viewer = opened_window.viewer
    session = ProjectSession.open(handmade_project)
    rid = viewer.recording_id
    n = session.project.recordings[rid].n_frames
    truth = session.truth(rid)
    assert not truth.turned_away.any()  # the truth says facing everywhere: the warning must not use it
    path = track_path(handmade_project, rid, "dlib68")
    model = {"name": "dlib68", "version": "1", "sha256": "1" * 64, "architecture": "test"}
    with TrackWriter.open(path, rid, n, model, {}, "2026-01-05T10:00:00") as w:
        w.write(0, truth.landmarks_px.astype(np.float32), np.ones((n, 68), np.float32), np.zeros(n, bool))
    pose = np.zeros((n, 3))
    pose[6:9] = (3.0, -22.0, 1.0)  # chin up 22 deg: beyond 10 + 5 = red
    write_pose(path, pose, POSE_INFO)
    viewer.refresh_tracks()
    viewer.slider.setValue(7)
    qtbot.waitUntil(lambda: viewer.frame == 7, timeout=5000)
    assert viewer.warning_label.isVisibleTo(viewer) and "pitch -22.0°" in viewer.info_label.text()
    assert "(dlib68)" in viewer.info_label.text()
    viewer.slider.setValue(2)
    qtbot.waitUntil(lambda: viewer.frame == 2, timeout=5000)
    assert not viewer.warning_label.isVisibleTo(viewer) and "pitch +0.0°" in viewer.info_label.text()
