"""Record workspace: simulated-participant preview, recording tasks into the project, retake,
skip, new participant (undoable), no camera, camera lost, pose feedback, clean shutdown (offscreen).

The simulated participant runs in real time at 30 fps; every wait is on a condition
(qtbot.waitUntil), never a sleep.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def record(opened_window):
    """The Record workspace of the main window on the hand-made project (P001 with P001-OPEN)."""
    opened_window.workspace_bar.select("record")
    panel = opened_window.record_panel
    assert opened_window.workspace_stack.currentWidget() is panel
    yield panel
    panel.shutdown()


def _preview(qtbot, panel, frames: int = 3):
    assert panel.start_preview(), panel.message_label.text()
    qtbot.waitUntil(lambda: panel.preview.frames_shown >= frames, timeout=10000)


def _record(qtbot, panel, task: str | None = None, frames: int = 30) -> str:
    rec_id = panel.start_recording(task)
    assert rec_id, panel.message_label.text()
    qtbot.waitUntil(lambda: panel.live.live_stats().frames_written >= frames, timeout=10000)
    assert panel.stop_recording() == rec_id
    return rec_id


def test_simulated_preview_shows_frames(record, qtbot):
    assert not record.runner.record_button.isEnabled()  # nothing to record before the preview runs
    _preview(qtbot, record)
    image = record.preview.color_item.image
    assert image.shape == (480, 640, 3) and image.dtype == np.uint8 and image.std() > 5
    assert record.preview.depth_item.image.shape == (480, 640)
    assert record.runner.record_button.isEnabled()
    assert record.source_bar.preview_button.text().endswith("Stop preview")
    record.stop_preview()
    assert record.live is None and record.preview.color_item.image is None


def test_record_open_adds_a_new_recording_and_moves_on(record, opened_window, qtbot):
    from neuroface_studio.app.project_service import ProjectSession

    record.runner.select_participant("P001")
    record.runner.select_task("OPEN")
    _preview(qtbot, record)
    record.runner.notes_edit.setText("coughed once")
    rec_id = _record(qtbot, record, frames=30)  # ~1 s at 30 fps
    assert rec_id == "P001-OPEN-2"
    project = opened_window.session.project
    rec = project.recordings[rec_id]
    assert rec.n_frames >= 30 and rec.task_code == "OPEN" and "coughed once" in rec.notes
    status = record.runner.statuses["OPEN"]
    assert status.kind == "retaken" and "recorded 2×" in status.text and rec_id in status.recordings
    assert record.runner.current_task() == "SPREAD"  # the next task still to do after OPEN
    assert "Saved P001-OPEN-2" in record.message_label.text()
    assert rec_id in opened_window.browser.recording_ids()  # the browser refreshed
    assert not opened_window.session.dirty  # stop_recording saved the project
    with ProjectSession.open(opened_window.session.folder).open_recording(rec_id) as reader:
        assert reader.n_frames == rec.n_frames and reader.task == "OPEN"
        assert reader.color(0).shape == (480, 640, 3)


def test_retake_makes_another_recording_and_skip_marks_skipped(record, opened_window, qtbot):
    record.runner.select_participant("P002")
    record.runner.select_task("BLOW")
    _preview(qtbot, record)
    first = _record(qtbot, record, frames=5)
    assert first == "P002-BLOW" and record.runner.statuses["BLOW"].kind == "recorded"
    assert record.runner.retake_button.text() == "Retake BLOW"
    rec_id = record.retake()
    assert rec_id == "P002-BLOW-2"
    qtbot.waitUntil(lambda: record.live.live_stats().frames_written >= 5, timeout=10000)
    record.stop_recording()
    assert {"P002-BLOW", "P002-BLOW-2"} <= set(opened_window.session.project.recordings)
    assert record.runner.statuses["BLOW"].kind == "retaken"
    record.runner.select_task("KISS")
    record.skip()
    assert record.runner.statuses["KISS"].kind == "skipped"
    assert record.runner.current_task() == "SPREAD"


def test_space_toggles_recording(record, qtbot):
    from PySide6.QtCore import Qt

    record.runner.select_participant("P002")
    record.runner.select_task("SMILE")
    _preview(qtbot, record)
    record.runner.task_list.setFocus()
    qtbot.keyClick(record.runner.task_list, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: record.recording, timeout=5000)
    qtbot.waitUntil(lambda: record.live.live_stats().frames_written >= 3, timeout=10000)
    qtbot.keyClick(record.runner.record_button, Qt.Key.Key_Space)
    assert not record.recording
    assert record.runner.statuses["SMILE"].kind == "recorded"


def test_new_participant_goes_through_the_undoable_command(record, opened_window, monkeypatch):
    from neuroface_studio.gui.record.new_participant_dialog import NewParticipantDialog

    def fake_exec(dialog):
        assert dialog.id_edit.text() == "P003"  # the first free pseudonym is proposed
        dialog.set_values("P001", "PD", True)
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()  # taken
        dialog.set_values("P007", "PD", True)
        return NewParticipantDialog.DialogCode.Accepted

    monkeypatch.setattr(NewParticipantDialog, "exec", fake_exec)
    combo = record.runner.participant_combo
    combo.setCurrentIndex(combo.findText("New participant…"))
    combo.activated.emit(combo.currentIndex())
    project = opened_window.session.project
    assert project.participants["P007"].group.value == "PD" and project.participants["P007"].consent_to_share
    assert record.runner.participant_id() == "P007"
    assert opened_window.undo_action.text() == "Undo add participant P007"
    assert ("P007", "PD") in opened_window.browser.participant_rows()
    opened_window.undo_action.trigger()
    assert "P007" not in project.participants
    assert combo.findData("P007") == -1 and record.runner.participant_id() == "P001"


def test_realsense_without_camera_shows_the_message(record):
    pytest.importorskip("pyrealsense2")
    record.source_bar.set_kind("realsense")
    assert not record.source_bar.group_combo.isVisible()
    assert not record.start_preview()
    assert not record.previewing
    text = record.message_label.text()
    assert record.message_label.isVisible() or record.message_label.isVisibleTo(record)
    assert "No Intel RealSense camera found" in text and "Traceback" not in text
    assert not record.runner.record_button.isEnabled()


def test_a_camera_note_is_shown_as_a_warning(record, qtbot):
    """What the camera says on opening (another frame rate, a USB 2 link) reaches the operator."""
    from neuroface_studio.acquisition.synthetic import SyntheticSource
    src = SyntheticSource(fps=30.0, realtime=True)
    src.note = "The camera is connected over USB 2.1: frames will drop at 60 fps. Plug it into a USB 3 port."
    assert record.start_preview(src)
    assert record.message_label.isVisibleTo(record) and "USB 3 port" in record.message_label.text()
    assert "#fff8e1" in record.message_label.styleSheet()  # the amber warning, not the red error
    record.stop_preview()


def test_camera_lost_keeps_what_was_recorded(record, opened_window, qtbot, monkeypatch):
    from neuroface_studio.acquisition.source import SourceError
    from neuroface_studio.gui.record import workspace as record_workspace

    class Unplugged:
        """The simulated camera, unplugged ``lost_after`` frames after the recording starts
        (counting from the start, not from the preview: a slow preview must not lose the camera
        before the test records)."""

        def __init__(self, inner, lost_after: int) -> None:
            self.inner, self.lost_after, self.is_live = inner, lost_after, True
            self.unplug_at: int | None = None  # frame index; set when recording starts
            self.last_index = 0

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def read(self, timeout_s: float = 1.0):
            frame = self.inner.read(timeout_s)
            if frame is not None:
                self.last_index = frame.index
                if self.unplug_at is not None and frame.index >= self.unplug_at:
                    raise SourceError("The RealSense camera was disconnected (USB). Reconnect it and start again.")
            return frame

    real = record_workspace.make_live_source
    sources = []
    monkeypatch.setattr(record_workspace, "make_live_source", lambda *a: sources.append(Unplugged(real(*a), 30))
                        or sources[-1])
    record.runner.select_participant("P002")
    record.runner.select_task("KISS")
    _preview(qtbot, record)
    sources[-1].unplug_at = sources[-1].last_index + sources[-1].lost_after
    rec_id = record.start_recording()
    qtbot.waitUntil(lambda: not record.previewing, timeout=10000)
    assert "disconnected" in record.message_label.text() and "kept" in record.message_label.text()
    rec = opened_window.session.project.recordings[rec_id]
    assert rec.n_frames > 0 and "disconnected" in rec.quality["stop_reason"]
    assert record.runner.statuses["KISS"].kind == "recorded"


def test_pose_feedback_banner_follows_the_estimates(record, qtbot):
    pytest.importorskip("neuroface_studio.acquisition.feedback", reason="pose feedback rules not installed")
    pytest.importorskip("dlib", reason="dlib (pose tracking) not installed")
    view = record.show_participant_view()
    assert view.level is None
    record.runner.select_participant("P001")
    _preview(qtbot, record)
    assert record.live.pose is not None
    qtbot.waitUntil(lambda: record.preview.level in ("green", "amber", "red"), timeout=15000)
    est, fb = record.feedback()
    assert est is not None and fb is not None
    qtbot.waitUntil(lambda: record.preview.landmark_points().shape == (68, 2), timeout=5000)
    assert record.preview.readout["pose_rate"].text().endswith("Hz")
    qtbot.waitUntil(lambda: view.level in ("green", "amber", "red"), timeout=5000)
    if fb.messages:
        qtbot.waitUntil(lambda: record.preview.banner.text() != "", timeout=5000)


def test_leaving_the_workspace_stops_the_preview(record, opened_window, qtbot):
    _preview(qtbot, record)
    opened_window.workspace_bar.select("review")
    assert not record.previewing
    assert opened_window.workspace_stack.current_key() == "review"


def test_closing_while_recording_asks_and_keeps_the_recording(record, opened_window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from neuroface_studio.app.project_service import ProjectSession

    record.runner.select_participant("P001")
    record.runner.select_task("BROW")
    _preview(qtbot, record)
    rec_id = record.start_recording()
    qtbot.waitUntil(lambda: record.live.live_stats().frames_written >= 5, timeout=10000)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Cancel)
    opened_window.workspace_bar.select("review")  # cancelled: stays in Record, still recording
    assert record.recording and opened_window.workspace_stack.current_key() == "record"
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: asked.append(a[1]) or QMessageBox.StandardButton.Yes)
    assert opened_window.close()
    assert asked == ["Recording in progress", "Recording in progress"]
    assert not record.previewing
    assert ProjectSession.open(opened_window.session.folder).project.recordings[rec_id].n_frames >= 5


def test_set_straight_ahead_makes_the_frontal_participant_green(record, qtbot):
    pytest.importorskip("dlib", reason="dlib (pose tracking) not installed")
    record.runner.select_participant("P001")
    record.runner.select_task("REST")  # the simulated participant keeps still
    _preview(qtbot, record)
    assert record.source_bar.calibrate_button.isEnabled()
    qtbot.waitUntil(lambda: len(record.live._recent) >= 20, timeout=20000)
    record.source_bar.calibrate_button.click()
    assert "Straight ahead set" in record.message_label.text()
    qtbot.waitUntil(lambda: len(record.live._recent) >= 10, timeout=20000)
    qtbot.waitUntil(lambda: record.preview.level == "green", timeout=10000)


def test_record_gui_benchmark_reports_figures():
    """The benchmark behind the README's figures runs end to end (short)."""
    from neuroface_studio.gui.bench import bench_record_gui
    r = bench_record_gui(duration_s=2.0, fps=30.0)
    assert r["frames_written"] > 20 and r["preview_fps"] > 0
    assert r["preview_latency_ms_median"] > 0 and r["writer_cpu_percent"] > 0
