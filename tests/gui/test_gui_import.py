"""File → Import recording…: a plain video, a RealSense .db3 and a garbage file into a hand-made project.

The dialog only takes the choices: on Import it closes and the import runs as a job of the main
window's jobs panel exactly as in the app (record_task with the dlib pose check), nothing modal; the
tests wait on the dialog's ``import_ended`` signal and read the outcome from its non-modal notice.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui


def _acquisition_fixtures():
    spec = importlib.util.spec_from_file_location(
        "acq_conftest_import", Path(__file__).parents[1] / "acquisition" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_mp4(path: Path, n: int = 15) -> Path:
    import cv2
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (160, 120))
    for i in range(n):
        writer.write(np.full((120, 160, 3), 40 + (i * 8) % 200, np.uint8))
    writer.release()
    return path


def _open_dialog(window, participant: str | None = None):
    if participant is not None:
        window.browser.select_recording(f"{participant}-OPEN")
    window.import_action.trigger()
    dialog = window.import_dialog
    assert dialog.isVisible()
    return dialog


def _entry(window):
    (entry,) = window.jobs_panel.entries
    return entry


def _run(qtbot, dialog, path: Path, participant: str, task: str):
    from PySide6.QtWidgets import QApplication
    window = dialog.parentWidget()
    dialog.file_edit.setText(str(path))
    dialog.participant_combo.setCurrentIndex(dialog.participant_combo.findData(participant))
    dialog.task_combo.setCurrentIndex(dialog.task_combo.findData(task))
    with qtbot.waitSignal(dialog.import_ended, timeout=30000) as blocker:
        assert dialog.start()
        # the dialog is gone, the import is a job of the window's jobs panel: nothing modal
        assert dialog.running and not dialog.isVisible() and QApplication.activeModalWidget() is None
        assert _entry(window).title.startswith("Importing ") and window.jobs_panel.isVisible()
    assert not window.jobs_panel.entries
    notice = dialog.notice  # the outcome, in a box that leaves the window usable
    assert notice.isVisible() and not notice.isModal() and QApplication.activeModalWidget() is None
    assert notice.text() == dialog.summary
    return blocker.args[0]


def test_action_needs_a_project(main_window):
    assert not main_window.import_action.isEnabled()


def test_import_video(qtbot, opened_window, tmp_path):
    window = opened_window
    dialog = _open_dialog(window, "P002")
    assert dialog.participant() == "P002"  # follows the project browser
    assert dialog.task_combo.count() == len(window.session.project.protocol.tasks)
    assert not dialog.import_button.isEnabled()
    clip = _write_mp4(tmp_path / "clip.mp4")
    dialog.file_edit.setText(str(clip))
    assert "no depth" in dialog.plan_label.text() and "guessed" in dialog.plan_label.text()
    assert "focal length = image width" in dialog.plan_label.text()
    rid = _run(qtbot, dialog, clip, "P001", "SMILE")
    assert rid == "P001-SMILE"
    rec = window.session.project.recordings[rid]  # the window reopened the project
    assert rec.n_frames == 15 and rec.task_code == "SMILE" and "no depth" in rec.camera.device
    assert window.session.project.sessions[rec.session_id].participant_id == "P001"
    assert window.browser.current_recording() == rid and window.viewer.recording_id == rid
    assert dialog.summary.startswith("Imported <b>P001-SMILE</b>: 15 frames")
    # issue 18: half a second of SMILE (5 smiles need 5 s) is a red "Retake", not a plain success,
    # said in the notice (a red one) and in the status bar beside the Review listing of the recording
    assert rec.quality["verdict"]["level"] == "red" and "<b>Retake: " in dialog.summary
    from PySide6.QtWidgets import QMessageBox
    assert dialog.notice.icon() == QMessageBox.Icon.Critical
    status = window.statusBar().currentMessage()
    assert status.startswith("Imported P001-SMILE: 15 frames") and "Retake: " in status and "reloaded" in status
    dialog.notice.close()
    # the next import of the same task (File → Import again, into the reopened project) gets its own ID
    again = _open_dialog(window)
    again.file_edit.setText(str(clip))
    again.participant_combo.setCurrentIndex(again.participant_combo.findData("P001"))
    again.task_combo.setCurrentIndex(again.task_combo.findData("SMILE"))
    assert "P001-SMILE-2" in again.target_label.text()
    again.reject()


def test_import_realsense_keeps_depth(qtbot, opened_window, tmp_path):
    from neuroface_studio.store.recording_file import RecordingReader
    window = opened_window
    db3 = _acquisition_fixtures().write_realsense_file(tmp_path / "take.db3", numbers=range(12))
    dialog = _open_dialog(window)
    dialog.file_edit.setText(str(db3))
    assert "depth" in dialog.plan_label.text() and "3D features will be available" in dialog.plan_label.text()
    rid = _run(qtbot, dialog, db3, "P002", "KISS")
    rec = window.session.project.recordings[rid]
    assert rid == "P002-KISS" and rec.n_frames == 12
    assert rec.camera.color.fx == 60.0  # the file's calibration, not a guess
    with RecordingReader(window.session.folder / rec.file) as reader:
        assert reader.n_frames == 12
        depth = reader.depth(5)
        assert depth.max() > 0 and int(depth[0, 0]) == 500 + 5


def test_garbage_file_says_why_and_adds_nothing(qtbot, opened_window, tmp_path):
    window = opened_window
    before = set(window.session.project.recordings)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 50)
    dialog = _open_dialog(window)
    assert _run(qtbot, dialog, junk, "P001", "OPEN") is None
    text = dialog.summary
    assert "Import failed" in text and "could not be read as a video" in text and "Traceback" not in text
    assert window.statusBar().currentMessage().startswith("Import failed")
    assert set(window.session.project.recordings) == before
    assert not list((window.session.folder / "recordings").glob("P001-OPEN-*.h5"))


def test_no_participants_hint(qtbot, tmp_path):
    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.gui.dialogs.import_files import NO_PARTICIPANTS, ImportRecordingDialog
    session = ProjectSession.create(tmp_path / "empty")
    dialog = ImportRecordingDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.file_edit.setText(str(_write_mp4(tmp_path / "c.mp4", n=3)))
    assert dialog.no_participants.isVisible() and dialog.no_participants.text() == NO_PARTICIPANTS
    assert not dialog.import_button.isEnabled() and not dialog.start()


def test_cancel_from_the_jobs_panel_keeps_the_frames_written_and_review_stays_usable(qtbot, opened_window, tmp_path,
                                                                                     monkeypatch):
    """A slow source (50 ms a frame): while it imports the user reviews another recording (nothing
    modal), editing the project waits (it is reopened when the import ends); Cancel in the jobs
    panel after a few frames keeps them as the recording."""
    import time

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from neuroface_studio.acquisition.video_file import VideoFileSource
    from neuroface_studio.app import record

    class SlowVideo(VideoFileSource):
        def read(self, timeout_s: float = 1.0):
            time.sleep(0.05)
            return super().read(timeout_s)

    monkeypatch.setattr(record, "make_source", lambda spec, **kw: SlowVideo(spec))
    window = opened_window
    clip = _write_mp4(tmp_path / "long.mp4", n=120)
    dialog = _open_dialog(window)
    dialog.file_edit.setText(str(clip))
    dialog.participant_combo.setCurrentIndex(dialog.participant_combo.findData("P001"))
    dialog.task_combo.setCurrentIndex(dialog.task_combo.findData("OPEN"))
    assert dialog.start() and not dialog.isVisible()
    entry = _entry(window)
    assert entry.title == "Importing P001-OPEN-2"
    qtbot.waitUntil(lambda: " frames · " in entry.message_label.toolTip(), timeout=15000)
    assert QApplication.activeModalWidget() is None
    # Review is usable meanwhile: another recording is opened from the workspace bar and the browser
    qtbot.mouseClick(window.workspace_bar.widgetForAction(window.workspace_bar.actions_by_key["review"]),
                     Qt.MouseButton.LeftButton)
    window.browser.select_recording("P002-OPEN")
    assert window.viewer.recording_id == "P002-OPEN" and window.viewer.isEnabled() and dialog.running
    # edits that would be lost on the reopen are prevented, saying why
    assert not window.save_action.isEnabled() and not window.undo_action.isEnabled()
    assert not window.segment_panel.isEnabled() and not window.import_action.isEnabled()
    assert "Importing P001-OPEN-2 is saving the project" in window.segment_panel.toolTip()
    assert window.import_action.toolTip().startswith("Importing P001-OPEN-2 is running")
    with qtbot.waitSignal(dialog.import_ended, timeout=15000) as blocker:
        qtbot.mouseClick(entry.cancel_button, Qt.MouseButton.LeftButton)
    rid = blocker.args[0]
    assert rid == "P001-OPEN-2"
    rec = window.session.project.recordings[rid]
    assert 0 < rec.n_frames < 120 and "cancelled by the user" in rec.notes
    assert dialog.summary.startswith(f"Cancelled: the first {rec.n_frames} frames were kept as <b>P001-OPEN-2</b>")
    assert window.statusBar().currentMessage().startswith("Cancelled: the first")
    assert window.segment_panel.isEnabled() and window.save_action.isEnabled() and not window.jobs_panel.entries
    assert window.browser.current_recording() == rid  # the Review listing shows the new recording


def test_asks_to_save_unsaved_edits_first(opened_window, monkeypatch):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from neuroface_studio.domain.participants import Group, Participant
    from neuroface_studio.edits.project_commands import AddParticipant
    window = opened_window
    session = window.session
    session.apply(AddParticipant(session.project, Participant("P003", Group.parse("HC"))))
    assert session.dirty
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    window.import_action.trigger()
    assert getattr(window, "import_dialog", None) is None and session.dirty  # refused: nothing lost
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    window.import_action.trigger()
    assert not session.dirty and window.import_dialog.participant_combo.findData("P003") >= 0
    assert QApplication.activeModalWidget() is window.import_dialog  # choosing what to import is modal: it is quick
    window.import_dialog.reject()
