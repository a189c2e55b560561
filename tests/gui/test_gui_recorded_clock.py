"""Review's and Segment's frame labels give the recorded time (issue 15: a take with drops or a
variable rate is not frame / fps)."""

from __future__ import annotations

import h5py
import hdf5plugin  # noqa: F401
import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def test_frame_labels_read_the_recorded_clock(main_window, handmade_project, qtbot):
    path = handmade_project / "recordings" / "P001-OPEN.h5"
    with h5py.File(path, "r+") as f:  # half the frames were dropped: 15 fps of real time on a 30 fps camera
        f["timestamps_s"][:] = np.arange(f["timestamps_s"].shape[0]) / 15.0
    assert main_window.open_project(handmade_project)
    viewer = main_window.viewer
    assert main_window.browser.select_recording("P001-OPEN")
    viewer.slider.setValue(6)
    qtbot.waitUntil(lambda: viewer.frame == 6, timeout=5000)
    assert "0.40 s" in viewer.info_label.text()  # 6 / 15, not 6 / 30 = 0.20 s
    main_window.workspace_bar.select("segment")
    panel = main_window.segment_panel
    qtbot.waitUntil(lambda: panel.recording_id == "P001-OPEN", timeout=5000)
    panel.seek(9)
    qtbot.waitUntil(lambda: panel.frame == 9, timeout=5000)
    assert "0.60 s" in panel.frame_label.text(), panel.frame_label.text()
