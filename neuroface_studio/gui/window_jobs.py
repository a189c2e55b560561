"""The main window's project jobs: simulate participants, the demo project, import, export, batch,
landmarking (with the face choice). Each collects its choices on the GUI thread and runs in the
jobs panel of the status bar (gui/widgets/jobs_panel.py), declaring what it writes so that
conflicting actions wait or are disabled; jobs that write the project file save unsaved edits
first and reopen the project from disk when they end.

A mixin of :class:`neuroface_studio.gui.main_window.MainWindow`, kept apart so the window's file
holds its menus and project lifecycle; it uses the window's session, views, jobs panel and
status bar.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.widgets.job_progress import run_with_progress
from neuroface_studio.gui.widgets.jobs_panel import PROJECT_FILE, TRACKS

log = logging.getLogger(__name__)


class ProjectJobsMixin:
    """Project-wide jobs started from the main window's menus."""

    def simulate_participants(self) -> None:
        if self.session is None:
            return
        from neuroface_studio.gui.dialogs.simulate import SimulateDialog
        if not self._saved_first("Simulating adds participants and saves the project."):
            return
        dialog = SimulateDialog(self.session.project.protocol, self)
        if dialog.exec() != SimulateDialog.DialogCode.Accepted:
            return
        request, folder = dialog.request(), self.session.folder
        recording = self.browser.current_recording()
        self.viewer.pause()

        def job(progress, cancel):  # runs on the worker thread with its own session of the folder
            from neuroface_studio.app.simulate import simulate_into_project
            return simulate_into_project(ProjectSession.open(folder), request, progress, cancel)

        def reload(message: str) -> None:
            self.open_project(folder, recording)
            self.statusBar().showMessage(message, 8000)

        def failed(message: str) -> None:  # the job saved what it completed: show that, never the stale copy
            reload("Simulation failed; completed recordings were kept")
            QMessageBox.warning(self, "Simulating participants", f"Simulating participants failed:\n\n{message}")

        self._track(run_with_progress(
            self, "Simulating participants", job,
            on_finished=lambda pids: reload(f"Added {len(pids)} simulated participant(s): {', '.join(pids)}"),
            on_cancelled=lambda: reload("Simulation cancelled; completed recordings were kept"),
            on_failed=failed, writes=[PROJECT_FILE]))

    def open_demo_project(self) -> None:
        if not self._confirm_discard("opening the demo project"):
            return

        def job(progress, cancel):
            from neuroface_studio.app.demo import ensure_demo_project
            return ensure_demo_project(progress=progress, cancel=cancel)

        self._track(run_with_progress(
            self, "Preparing the demo project", job, on_finished=lambda folder: self.open_project(Path(folder)),
            on_cancelled=lambda: self.statusBar().showMessage("Demo project cancelled", 6000)))

    def export_study(self) -> None:
        """File → Export study…: the dialog takes the choices, the export runs in the jobs panel
        (dialog kept in ``export_dialog``)."""
        if self.session is None:
            return
        from neuroface_studio.gui.dialogs.export import ExportStudyDialog
        self.annotate_panel.commit_pending()
        self.viewer.pause()
        self.export_dialog = ExportStudyDialog(self.session, self, track_job=self._track)
        self.export_dialog.open()

    def batch_process(self) -> None:
        """Tools → Batch process…: the batch writes the project file, so unsaved edits are saved first;
        the project is reopened from disk when the batch ends (dialog kept in ``batch_dialog``)."""
        if self.session is None:
            return
        from neuroface_studio.gui.dialogs.batch import BatchDialog
        folder = self._before_project_write("The batch writes the project file.")
        if folder is None:
            return
        self.batch_dialog = BatchDialog(self.session, self.browser.selected_recordings(), self, track_job=self._track)
        self.batch_dialog.batch_ended.connect(lambda _report: self._reload_from_disk(
            folder, self.browser.current_recording(), "Batch ended; the project was reloaded"))
        self.batch_dialog.open()

    def import_recording(self) -> None:
        """File → Import recording…: the import saves the project file, so unsaved edits are saved first;
        the project is reopened with the new recording selected (dialog kept in ``import_dialog``)."""
        if self.session is None or not self.record_panel.confirm_stop_recording("importing a recording"):
            return
        from neuroface_studio.gui.dialogs.import_files import ImportRecordingDialog
        folder = self._before_project_write("Importing adds a recording and saves the project.")
        if folder is None:
            return
        dialog = self.import_dialog = ImportRecordingDialog(self.session, self.browser.current_participant(), self,
                                                            track_job=self._track)
        dialog.import_ended.connect(lambda rid: self._reload_from_disk(
            folder, rid, f"{dialog.status_line} The project was reloaded.") if rid
            else self.statusBar().showMessage(dialog.status_line, 8000))
        self.import_dialog.open()

    def _before_project_write(self, why: str):
        """Before a job that writes the project file: an annotation burst committed, unsaved edits
        saved (asked, :meth:`_saved_first`), playback paused. The project folder, or None to stop."""
        self.annotate_panel.commit_pending()
        if not self._saved_first(why):
            return None
        self.viewer.pause()
        return self.session.folder

    def _saved_first(self, why: str) -> bool:
        """Before a job that writes the project file: with unsaved edits ask to save them (Save /
        Cancel). True when there is nothing unsaved or it was saved."""
        if not self.session.dirty:
            return True
        answer = QMessageBox.question(self, "Save first", f"{why} Save your changes first?",
                                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Save and self.save()

    def _reload_from_disk(self, folder: Path, recording: str | None, message: str) -> None:
        """Reopen ``folder`` after a job wrote it, if it is still the open project."""
        if self.session is not None and self.session.folder == folder:
            self.open_project(folder, recording)
            self.statusBar().showMessage(message, 8000)

    def landmark_recordings(self, current: bool = False, model: str | None = None) -> None:
        """Landmark the recording shown (``current``) or all recordings with ``model`` (None: the
        active model) in the background; the overlay then offers the model's track."""
        if self.session is None:
            return
        running = self.jobs_panel.writing(TRACKS)
        if running is not None:
            self.statusBar().showMessage(f"{running} is writing landmark tracks: wait for it to end "
                                         "or cancel it in the status bar", 8000)
            return
        from neuroface_studio.app.landmarking import landmark_project, log_landmarking
        session = self.session
        ids = [self.viewer.recording_id] if current else sorted(session.project.recordings)
        if not ids or ids[0] is None:
            self.statusBar().showMessage("Select a recording to landmark", 6000)
            return
        start_box = self.pick_face(ids[0], model) if current else None
        if start_box is False:  # the user cancelled the face choice
            self.statusBar().showMessage("Landmarking not started", 6000)
            return

        def done(results) -> None:
            if session is self.session:
                log_landmarking(session, results)
                self._update_edit_state()
                session.notify("landmarks", [r.recording_id for r in results], "landmarked")
                if results:
                    self.viewer.set_overlay(f"model {results[0].model}")
            self.statusBar().showMessage(
                f"Landmarked {len(results)} recording(s) with {results[0].model}" if results else "Nothing to do", 8000)

        def cancelled() -> None:
            if session is self.session:  # the frames done are in the tracks
                session.notify("landmarks", ids, "landmarking cancelled")
            self.statusBar().showMessage("Landmarking cancelled; the frames done are kept and a new run resumes", 8000)

        def job(progress, cancel):
            if start_box is not None:  # the face the user picked among several
                from neuroface_studio.app.landmarking import landmark_recording
                return [landmark_recording(session, ids[0], model, progress, cancel, start_box=start_box)]
            return landmark_project(session, ids, model, progress, cancel)

        self._track(run_with_progress(self, "Landmarking", job, on_finished=done, on_cancelled=cancelled,
                                      writes=[TRACKS]))

    def pick_face(self, recording_id: str, model: str | None = None):
        """When the first frame to landmark holds several faces, ask which one (FacePickDialog).
        Returns the box picked, None (nothing to pick: the detector's choice) or False (cancelled)."""
        from neuroface_studio.app.image_landmarks import faces_to_pick
        from neuroface_studio.gui.dialogs.face_pick import FacePickDialog
        try:
            found = faces_to_pick(self.session, recording_id, model)
        except Exception as exc:  # noqa: BLE001 - no detector here, unreadable frame: landmark as before
            log.warning("face choice skipped for %s: %s", recording_id, exc)
            return None
        if found is None:
            return None
        frame, image, boxes = found
        dialog = FacePickDialog(image, boxes, frame, recording_id, self)
        self.face_pick_dialog = dialog
        if dialog.exec() != FacePickDialog.DialogCode.Accepted:
            return False
        return dialog.chosen_box()
