"""Issue 18 items 6–8: one frame numbering everywhere, no layout shifts under the pointer, clear labels."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch):
    """pytest-qt closes the window before fixtures end: answer its unsaved-changes question with Discard."""
    from PySide6.QtWidgets import QMessageBox
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


# -- item 6: frame numbers ----------------------------------------------------------------------------
def test_review_label_and_spinbox_show_the_same_frame_number(opened_window, qtbot):
    from neuroface_studio.domain.frames import frame_text
    viewer = opened_window.viewer
    viewer.spin.setValue(5)
    assert viewer.frame == 5 and viewer.spin.value() == 5
    assert viewer.info_label.text().startswith(f"Frame {viewer.spin.value()} (0–11)")
    assert frame_text(5, 12) in viewer.info_label.text()
    viewer.show_frame(0)  # the first frame is frame 0 in the spinbox, the label and the exported CSV
    assert viewer.spin.value() == 0 and viewer.info_label.text().startswith("Frame 0 (0–11)")


def test_segment_and_annotate_queue_number_frames_as_review_does(opened_window, qtbot):
    from neuroface_studio.domain.frames import frame_text
    win = opened_window
    win.viewer.show_frame(3)
    review = win.viewer.info_label.text()
    win.workspace_bar.select("segment")
    seg = win.segment_panel
    seg.seek(3, pause=True)
    assert seg.frame_label.text().startswith(frame_text(3, 12)) and review.startswith(frame_text(3, 12))
    win.annotate_panel.set_annotator("CC")
    win.workspace_bar.select("annotate")
    panel = win.annotate_panel
    panel.add_review_frame()  # the frame shown in Review (3) joins the queue
    row = panel.queue_panel.items.index(panel.current)
    assert panel.queue_panel.table.item(row, 1).text() == "3"
    assert frame_text(3, 12) in panel.frame_label.text()


# -- item 7: nothing moves under the pointer ------------------------------------------------------------
def _y(widget, window) -> int:
    from PySide6.QtCore import QPoint
    return widget.mapTo(window, QPoint(0, 0)).y()


def test_record_message_does_not_push_the_participant_list_down(opened_window, qtbot):
    win = opened_window
    win.workspace_bar.select("record")
    panel = win.record_panel
    qtbot.waitUntil(lambda: panel.runner.participant_combo.isVisible(), timeout=5000)
    qtbot.wait(50)
    before = (_y(panel.runner.participant_combo, win), _y(panel.runner.task_list, win))
    panel.show_message("Straight ahead set (reference yaw +1.0°, pitch -2.0°, roll +0.5°).", "info")
    qtbot.wait(50)
    assert (_y(panel.runner.participant_combo, win), _y(panel.runner.task_list, win)) == before
    panel.show_message("")
    qtbot.wait(50)
    assert (_y(panel.runner.participant_combo, win), _y(panel.runner.task_list, win)) == before


def test_report_kind_choice_does_not_move_build_preview(opened_window, qtbot):
    win = opened_window
    win.workspace_bar.select("report")
    panel = win.report_panel
    qtbot.waitUntil(lambda: panel.build_button.isVisible(), timeout=5000)
    if not panel.study_radio.isEnabled():
        pytest.skip("this version has no study summary")
    qtbot.wait(50)
    before = _y(panel.build_button, win)
    panel.study_radio.setChecked(True)
    qtbot.wait(50)
    assert _y(panel.build_button, win) == before
    panel.participant_radio.setChecked(True)
    qtbot.wait(50)
    assert _y(panel.build_button, win) == before
