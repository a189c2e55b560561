"""File → Export study…, Tools → Batch process… and the simulate dialog's sessions (issue 10, GUI).

One tiny simulated study (3 participants, OPEN, 10 fps, a quarter of the usual length; SIM003
without consent to sharing), copied for each test. The batch runs on real worker processes
(spawn) with dlib68, in a private model store.
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
    qtbot.waitUntil(lambda: worker.done and dialog.result is not None, timeout=60000)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["participants"]["included"] == ["SIM001", "SIM002"]
    assert manifest["participants"]["excluded_without_consent"] == 1
    assert manifest["included"] == ["landmarks", "features"] and not manifest["faces_blurred"]
    assert sorted(p.name for p in (out / "landmarks").iterdir()) == ["SIM001-OPEN", "SIM002-OPEN"]
    summary = dialog.message_label.text()
    assert str(out) in summary and f"{len(manifest['files'])} files" in summary
    assert "1 participant without consent to sharing left out" in summary
    assert window.session.project.audit_log[-1].action == "export"
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()))
    assert dialog.open_button.isVisible()
    dialog.open_button.click()
    assert opened == [str(out)]
    # the field now offers a fresh folder; the same folder again is refused before any work, and said why
    assert dialog.folder_edit.text() != str(out) and not Path(dialog.folder_edit.text()).exists()
    dialog.folder_edit.setText(str(out))
    assert not dialog.start_export()
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
    qtbot.waitUntil(lambda: dialog.worker.done and "failed" in dialog.message_label.text(), timeout=30000)
    text = dialog.message_label.text()
    assert "No space left on device" in text and "free disk space" in text
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".export")]
    assert dialog.export_button.isEnabled()
    dialog.close()


# -- batch ----------------------------------------------------------------------------------
def _run(dialog, qtbot, timeout=90000):
    ended = []
    dialog.batch_ended.connect(ended.append)
    assert dialog.start()
    qtbot.waitUntil(lambda: bool(ended), timeout=timeout)
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
    lines = [dialog.log_list.item(i).text() for i in range(dialog.log_list.count())]
    assert len(lines) == 6 and all(": done" in line for line in lines)
    assert sum(line.startswith("[") and " landmarks SIM00" in line for line in lines) == 3
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum() == 6
    assert "6 done, 0 skipped" in dialog.summary_label.text()
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
    assert "skipped" in dialog.log_list.item(0).text() and dialog.log_list.count() == 1
    dialog.close()
    assert not dialog.isVisible()


def test_batch_cancel_keeps_finished_work(window, qtbot):
    pytest.importorskip("dlib")
    window.batch_action.trigger()
    dialog = window.batch_dialog
    dialog.workers_spin.setValue(1)

    def cancel_after_first(done, total, message):
        if not dialog.worker.token.cancelled:
            dialog.cancel_button.click()
            assert not dialog.cancel_button.isEnabled()
            dialog.reject()  # closing while it runs only asks it to stop
            assert dialog.isVisible()

    ended = []
    dialog.batch_ended.connect(ended.append)
    assert dialog.start()
    dialog.worker.progressed.connect(cancel_after_first)
    assert dialog.cancel_button.isEnabled() and not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: bool(ended), timeout=90000)
    report = ended[0]
    assert report.cancelled and len(report.results) < 9
    assert "Cancelled: finished work is kept" in dialog.summary_label.text()
    assert dialog.close_button.isEnabled() and dialog.run_button.isEnabled()
    dialog.close()


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
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in dialog.summary_label.text()
    assert dialog.run_button.isEnabled()
    dialog.close()


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


def test_export_cancel_writes_nothing(window, qtbot, tmp_path, monkeypatch):
    import time

    from PySide6.QtWidgets import QPushButton

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
    assert dialog.start_export() and not dialog.export_button.isEnabled()
    dialog.findChild(QPushButton, "jobCancel").click()  # the dialog's own (floating) jobs panel
    qtbot.waitUntil(lambda: dialog.worker.done, timeout=30000)
    qtbot.waitUntil(lambda: "cancelled" in dialog.message_label.text())
    assert dialog.message_label.text() == "Export cancelled; nothing was written."
    assert not out.exists() and dialog.result is None and dialog.export_button.isEnabled()
    dialog.close()
