"""The app's start-up preload (gui/main.py ``startup_preload``, issue 18): dlib's models are loaded
before the window is shown and shared, so starting the Record preview loads none on a click."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui

dlib68 = pytest.importorskip("neuroface_studio.vision.dlib68")


def test_startup_preload_loads_the_shared_tracker_the_record_preview_then_uses(qapp, opened_window, qtbot):
    from neuroface_studio.gui.main import startup_preload
    try:
        path = str(dlib68.predictor_path())
    except dlib68.ModelUnavailableError as exc:
        pytest.skip(str(exc))
    splash = startup_preload(qapp)  # what run_gui does before MainWindow is shown
    splash.close()
    assert path in dlib68._LOADED, "the start-up preload did not load dlib's models"
    shared = dlib68._LOADED[path]
    loads = len(dlib68.LOAD_LOG)
    assert loads >= 1 and dlib68.LOAD_LOG[-1][1] > 0

    opened_window.workspace_bar.select("record")
    panel = opened_window.record_panel
    try:
        assert panel.start_preview(), panel.message_label.text()
        qtbot.waitUntil(lambda: panel.preview.frames_shown >= 3, timeout=10000)
        qtbot.waitUntil(lambda: panel.live.pose.estimator.tracker is not None
                        and len(panel.live._recent) >= 1, timeout=15000)  # the pose worker tracked a face
        tracker_model = panel.live.pose.estimator.tracker.model
        assert tracker_model._predictor is shared[1] and tracker_model._detector is shared[0]
        assert len(dlib68.LOAD_LOG) == loads, f"the preview loaded dlib's models again: {dlib68.LOAD_LOG[loads:]}"
    finally:
        panel.shutdown()
