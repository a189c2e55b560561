"""File → Export study…, Tools → Batch process… and the simulate dialog's sessions (issue 10, GUI).

One tiny simulated study (3 participants, OPEN, 10 fps, a quarter of the usual length; SIM003
without consent to sharing), copied for each test. The batch runs on real worker processes
(spawn) with dlib68, in a private model store. Both dialogs only take the choices: the work runs as a
job of the main window's jobs panel (nothing modal; Cancel there) and the outcome is a non-modal notice.
"""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui

from simhelpers import simulate_project  # noqa: E402


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:  # worker processes inherit it: a private model store
        mp.setenv("NEUROFACE_HOME", str(tmp_path_factory.mktemp("home")))
        yield


@pytest.fixture(scope="module")
def master(tmp_path_factory, home):
    pytest.importorskip("neuroface_studio.simulation.clinic")
    from neuroface_studio.app.project_service import ProjectSession
    folder = simulate_project(tmp_path_factory.mktemp("sim") / "proj", participants=3, tasks=("OPEN",), fps=10,
                              duration_scale=0.25, annotators=0)
    session = ProjectSession.open(folder)
    for pid, consent in (("SIM001", True), ("SIM002", True), ("SIM003", False)):
        session.project.participants[pid].consent_to_share = consent
    session.save("test", "SIM003 without consent to sharing")
    return folder


@pytest.fixture
def window(main_window, master, tmp_path):
    folder = tmp_path / "proj"
    shutil.copytree(master, folder)
    assert main_window.open_project(folder)
    return main_window


# -- export ---------------------------------------------------------------------------------
def test_export_dialog_exports_consenting_participants_then_refuses_a_non_empty_folder(window, qtbot, tmp_path,
                                                                                     monkeypatch):
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QApplication
    assert window.export_study_action.isEnabled()
    window.export_study_action.trigger()
    dialog = window.export_dialog
    assert dialog.isVisible() and not dialog.blur_box.isEnabled()  # blur only with recordings
    assert dialog.count_label.text() == ("2 participants will be exported; 1 without consent to sharing will be "
                                         "left out.")
    dialog.all_box.setChecked(True)  # in-lab use: said plainly, counted, never named
    assert dialog.consent_warning.isVisible() and "In-lab use only" in dialog.consent_warning.text()
    assert "SIM003" not in dialog.count_label.text() + dialog.consent_warning.text()
    dialog.all_box.setChecked(False)
    assert not dialog.consent_warning.isVisible()
    dialog.part_boxes["recordings"].setChecked(True)
    assert dialog.blur_box.isEnabled() and dialog.blur_box.isChecked()
    dialog.part_boxes["recordings"].setChecked(False)
    dialog.part_boxes["results"].setChecked(False)
    out = tmp_path / "export"
    dialog.folder_edit.setText(str(out))
    qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    worker = dialog.worker
    assert not dialog.isVisible() and QApplication.activeModalWidget() is None
    assert [e.title for e in window.jobs_panel.entries] == ["Exporting the study"]
    assert window.save_action.isEnabled() and window.segment_panel.isEnabled()  # writes nothing in the project
    qtbot.waitUntil(lambda: worker.done and dialog.result is not None, timeout=60000)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["participants"]["included"] == ["SIM001", "SIM002"]
    assert manifest["participants"]["excluded_without_consent"] == 1
    assert manifest["included"] == ["landmarks", "features"] and not manifest["faces_blurred"]
    assert sorted(p.name for p in (out / "landmarks").iterdir()) == ["SIM001-OPEN", "SIM002-OPEN"]
    summary = dialog.summary
    assert str(out) in summary and f"{len(manifest['files'])} files" in summary
    assert "1 participant without consent to sharing left out" in summary
    assert dialog.notice.isVisible() and not dialog.notice.isModal() and dialog.notice.text() == summary
    assert window.statusBar().currentMessage() == f"Exported the study to {out}"
    assert window.session.project.audit_log[-1].action == "export"
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    (open_button,) = [b for b in dialog.notice.buttons() if b.text() == "Open folder"]
    open_button.click()
    assert opened == [str(out)]
    # the field now offers a fresh folder; the same folder again is refused before any work, and said why
    dialog.open()
    assert dialog.folder_edit.text() != str(out) and not Path(dialog.folder_edit.text()).exists()
    dialog.folder_edit.setText(str(out))
    assert not dialog.start_export() and dialog.isVisible()  # refused: the dialog stays, saying why
    assert "not empty" in dialog.message_label.text() and dialog.worker is worker
    dialog.close()


def test_export_failure_says_why_and_leaves_nothing(window, qtbot, tmp_path, monkeypatch):
    from neuroface_studio.app import export
    window.export_study_action.trigger()
    dialog = window.export_dialog

    def disk_full(path, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(export, "_write_csv", disk_full)
    out = tmp_path / "export"
    dialog.folder_edit.setText(str(out))
    assert dialog.start_export()
    qtbot.waitUntil(lambda: dialog.worker.done and "failed" in dialog.summary, timeout=30000)
    text = dialog.summary
    assert "No space left on device" in text and "free disk space" in text
    from PySide6.QtWidgets import QMessageBox
    assert dialog.notice.isVisible() and dialog.notice.icon() == QMessageBox.Icon.Critical
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".export")]
    assert dialog.export_button.isEnabled()


# -- batch ----------------------------------------------------------------------------------
def _run(dialog, qtbot, timeout=90000):
    from PySide6.QtWidgets import QApplication
    window, ended = dialog.parentWidget(), []
    dialog.batch_ended.connect(ended.append)
    assert dialog.start()
    assert not dialog.isVisible() and QApplication.activeModalWidget() is None
    assert [e.title for e in window.jobs_panel.entries] == ["Batch processing"]
    qtbot.waitUntil(lambda: bool(ended), timeout=timeout)
    assert dialog.notice.isVisible() and not dialog.notice.isModal() and dialog.notice.text() == dialog.summary
    return ended[0]


def test_batch_dialog_runs_landmarks_and_features_and_the_project_is_reloaded(window, qtbot):
    pytest.importorskip("dlib")
    from neuroface_studio.app.landmarking import tracks_of
    before = window.session
    window.browser.select_recording("SIM002-OPEN")
    window.batch_action.trigger()
    dialog = window.batch_dialog
    assert dialog.model() == "dlib68" and dialog.steps() == ["landmarks", "segment", "features"]
    assert dialog.selected_ids == ["SIM002-OPEN"] and dialog.selected_radio.isEnabled()
    dialog.step_boxes["segment"].setChecked(False)
    dialog.workers_spin.setValue(2)
    report = _run(dialog, qtbot)
    assert report is not None and not report.cancelled and report.counts()["failed"] == 0
    lines = dialog.log  # every task's line, under the notice's "Show Details"
    assert len(lines) == 6 and all(": done" in line for line in lines)
    assert sum(line.startswith("[") and " landmarks SIM00" in line for line in lines) == 3
    assert dialog.notice.detailedText() == "\n".join(lines)
    assert dialog.summary.startswith("Finished in ") and "6 done, 0 skipped" in dialog.summary
    qtbot.waitUntil(lambda: window.session is not before)  # reopened from disk
    assert window.session.project.audit_log[-1].action == "batch"
    assert all("dlib68" in tracks_of(window.session, r) for r in window.session.project.recordings)
    assert window.browser.current_recording() == "SIM002-OPEN"
    # features only, the selected recording: up to date, skipped with the reason
    dialog.step_boxes["landmarks"].setChecked(False)
    dialog.selected_radio.setChecked(True)
    assert dialog.workers_spin.value() == 1
    report = _run(dialog, qtbot)
    assert [(r.step, r.target, r.status) for r in report.results] == [("features", "SIM002-OPEN", "skipped")]
    assert len(dialog.log) == 1 and "skipped" in dialog.log[0]


def test_batch_cancel_from_the_jobs_panel_keeps_finished_work_and_review_stays_usable(window, qtbot):
    pytest.importorskip("dlib")
    from PySide6.QtWidgets import QApplication
    window.batch_action.trigger()
    dialog = window.batch_dialog
    dialog.workers_spin.setValue(1)
    ended, reviewed = [], []

    def review_then_cancel(done, total, message):  # at the first task's line: the window is the user's
        if reviewed:
            return
        assert QApplication.activeModalWidget() is None
        window.workspace_bar.select("review")
        window.browser.select_recording("SIM003-OPEN")
        reviewed.append(window.viewer.recording_id)
        entry = window.jobs_panel.entries[0]
        qtbot.mouseClick(entry.cancel_button, Qt.MouseButton.LeftButton)
        assert not entry.cancel_button.isEnabled() and "cancelling" in entry.message_label.text()

    dialog.batch_ended.connect(ended.append)
    assert dialog.start() and not dialog.isVisible()
    # the batch saves the project on its own session: editing waits, saying why; Review does not
    assert not window.save_action.isEnabled() and not window.segment_panel.isEnabled()
    assert not window.annotate_panel.isEnabled() and not window.record_panel.isEnabled()
    assert "Batch processing is saving the project" in window.segment_panel.toolTip()
    assert window.viewer.isEnabled() and window.analyze_panel.isEnabled()
    assert not window.batch_action.isEnabled() and not window.import_action.isEnabled()
    dialog.worker.progressed.connect(review_then_cancel)
    qtbot.waitUntil(lambda: bool(ended), timeout=90000)
    report = ended[0]
    assert reviewed == ["SIM003-OPEN"]
    assert report.cancelled and len(report.results) < 9
    assert "Cancelled: finished work is kept" in dialog.summary and dialog.notice.isVisible()
    assert window.save_action.isEnabled() and window.segment_panel.isEnabled() and window.batch_action.isEnabled()


def test_batch_asks_to_save_first_and_checks_the_scheduler_address(window, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from neuroface_studio.app import batch
    from neuroface_studio.edits.repetition_commands import DeleteRepetition
    session = window.session
    session.apply(DeleteRepetition(session.project, session.project.repetitions_of("SIM001-OPEN")[0]))
    assert session.dirty
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    window.batch_action.trigger()
    assert getattr(window, "batch_dialog", None) is None and session.dirty  # refused: nothing lost
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    window.batch_action.trigger()
    assert not session.dirty
    dialog = window.batch_dialog
    dialog.scheduler_edit.setText("my cluster")
    assert dialog.scheduler_error.isVisible() and not dialog.run_button.isEnabled()
    assert not dialog.workers_spin.isEnabled()
    dialog.scheduler_edit.setText("tcp://127.0.0.1:9")
    assert not dialog.scheduler_error.isVisible() and dialog.run_button.isEnabled()

    def unreachable(address, timeout="10s"):
        raise ValueError(f"cannot reach the Dask scheduler at {address} (refused): start one with `dask scheduler`")

    monkeypatch.setattr(batch, "connect", unreachable)
    assert _run(dialog, qtbot) is None
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in dialog.summary
    assert dialog.run_button.isEnabled()


def test_actions_need_a_project(main_window):
    assert not main_window.export_study_action.isEnabled() and not main_window.batch_action.isEnabled()


# -- simulate -------------------------------------------------------------------------------
def test_simulate_dialog_passes_sessions(window, qtbot):
    from neuroface_studio.gui.dialogs.simulate import SimulateDialog
    dialog = SimulateDialog(window.session.project.protocol)
    qtbot.addWidget(dialog)
    assert dialog.sessions.value() == 1 and dialog.build_request().sessions == 1
    assert (dialog.sessions.minimum(), dialog.sessions.maximum()) == (1, 6)
    dialog.sessions.setValue(3)
    assert dialog.build_request().sessions == 3


def test_export_cancel_from_the_jobs_panel_writes_nothing_and_review_stays_usable(window, qtbot, tmp_path,
                                                                                 monkeypatch):
    import time

    from PySide6.QtWidgets import QApplication

    from neuroface_studio.app import export
    real = export._Exporter.participants_csv

    def until_cancelled(self):  # the export is still running when Cancel is pressed
        t0 = time.monotonic()
        while not self.cancel.cancelled and time.monotonic() - t0 < 10:
            time.sleep(0.01)
        real(self)
        self._tick(0, 1, "next step")

    monkeypatch.setattr(export._Exporter, "participants_csv", until_cancelled)
    window.export_study_action.trigger()
    dialog = window.export_dialog
    out = tmp_path / "export"
    dialog.folder_edit.setText(str(out))
    assert dialog.start_export() and not dialog.isVisible() and QApplication.activeModalWidget() is None
    window.workspace_bar.select("review")  # the user goes on reviewing (and could edit: nothing is held)
    window.browser.select_recording("SIM002-OPEN")
    assert window.viewer.recording_id == "SIM002-OPEN" and not dialog.worker.done
    assert window.save_action.isEnabled() and window.segment_panel.isEnabled()
    (entry,) = window.jobs_panel.entries
    qtbot.mouseClick(entry.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.worker.done, timeout=30000)
    qtbot.waitUntil(lambda: "cancelled" in dialog.summary)
    assert dialog.summary == "Export cancelled; nothing was written." and dialog.notice.isVisible()
    assert not out.exists() and dialog.result is None and not window.jobs_panel.entries


def test_export_audit_entry_waits_for_a_job_that_saves_the_project(window, qtbot, tmp_path):
    """An export that ends while an import/batch writes the project file: its audit entry is made into
    the reopened project, not into the copy about to be replaced (nor saved over that job's save)."""
    import threading

    from neuroface_studio.gui.widgets.job_progress import run_with_progress
    from neuroface_studio.gui.widgets.jobs_panel import PROJECT_CONTENTS

    release, reopened = threading.Event(), []
    folder = window.session.folder

    def saver(progress, cancel):
        while not release.is_set():
            cancel.raise_if_cancelled()
            progress(0, 0, "saving")
            threading.Event().wait(0.02)

    run_with_progress(window, "Importing X", saver, writes=[PROJECT_CONTENTS],
                      on_finished=lambda _r: reopened.append(window.open_project(folder)))
    window.export_study_action.trigger()
    dialog = window.export_dialog
    dialog.folder_edit.setText(str(tmp_path / "export"))
    old = window.session
    n_before = len(old.project.audit_log)
    assert dialog.start_export()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60000)
    qtbot.wait(50)
    assert len(old.project.audit_log) == n_before  # queued, not in the copy being replaced
    release.set()
    qtbot.waitUntil(lambda: reopened == [True] and window.session is not old, timeout=10000)
    qtbot.waitUntil(lambda: window.session.project.audit_log[-1].action == "export", timeout=5000)
