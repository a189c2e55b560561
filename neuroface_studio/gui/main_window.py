"""The main window: menus, project lifecycle (new/open/save/close), workspaces and the browser dock.

It holds the open ProjectSession (app/project_service.py) and wires the views to it: the
project browser (left dock), the workspace bar and pages (Review = VideoViewerWidget, Record =
RecordWorkspacePanel, whose live preview stops when the workspace is left), and
undo/redo through the session's Qt-free UndoStack, which it subscribes to. The session's one change
notification is bridged to the Qt signal ``changes.changed`` (gui/widgets/session_changes.py), which
the views listen to. Long work runs through gui/widgets/workers.py with its progress and Cancel in
the jobs panel of the status bar (gui/widgets/jobs_panel.py): the window stays usable meanwhile;
actions that would conflict with a running job are disabled, saying why (``_on_jobs_changed``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QMainWindow, QMenu, QMessageBox, QStackedWidget,
                               QWidget)

from neuroface_studio import __version__
from neuroface_studio.app.project_service import ProjectSession, change_of
from neuroface_studio.gui import settings as gui_settings
from neuroface_studio.gui.analyze.workspace import AnalyzeWorkspacePanel
from neuroface_studio.gui.annotate.dialogs import forget_journal, offer_journal_recovery
from neuroface_studio.gui.annotate.workspace import AnnotateWorkspacePanel
from neuroface_studio.gui.widgets.jobs_panel import PROJECT_CONTENTS, PROJECT_FILE, TRACKS, JobsPanel
from neuroface_studio.gui.widgets.session_changes import SessionChanges
from neuroface_studio.gui.project_browser import ProjectBrowserPanel
from neuroface_studio.gui.record.workspace import RecordWorkspacePanel
from neuroface_studio.gui.report.workspace import ReportWorkspacePanel
from neuroface_studio.gui.segment.workspace import SegmentWorkspacePanel
from neuroface_studio.gui.train.workspace import TrainWorkspacePanel
from neuroface_studio.gui.review.video_viewer import VideoViewerWidget
from neuroface_studio.gui.welcome_page import WelcomePanel
from neuroface_studio.gui.window_jobs import ProjectJobsMixin
from neuroface_studio.gui.widgets.workers import JobWorker
from neuroface_studio.gui.workspaces import WorkspaceNavigationPanel, WorkspaceStackWidget
from neuroface_studio.store.errors import StoreError

log = logging.getLogger(__name__)

ABOUT_HTML = f"""<h3>NeuroFace Studio {__version__}</h3>
<p>Record, annotate, fine-tune and analyze orofacial movement from colour + depth video
with 68-point facial landmarks (iBUG / Multi-PIE layout).</p>
<p><b>Research use only</b> — not a medical device.</p>
<p><b>Model licences.</b> The dlib 68-point shape predictor was trained on the iBUG 300-W
dataset, whose licence excludes commercial use: use it for research only. FAN weights
(face-alignment project) carry their own licence; the bundled demo FAN was trained on
simulated faces and is not for clinical use.</p>"""


class MainWindow(ProjectJobsMixin, QMainWindow):
    """NeuroFace Studio's single main window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.jobs: list[JobWorker] = []
        self.setObjectName("mainWindow")
        self.resize(1400, 860)
        self.jobs_panel = JobsPanel()  # found by run_with_progress through parent.window()
        self.statusBar().addPermanentWidget(self.jobs_panel)
        self.jobs_panel.jobs_changed.connect(self._on_jobs_changed)
        self.changes = SessionChanges(self)

        self.viewer = VideoViewerWidget()
        self.record_panel = RecordWorkspacePanel()
        self.record_panel.recording_saved.connect(
            lambda rid: self.statusBar().showMessage(f"Recording {rid} saved to the project", 8000))
        self.segment_panel = SegmentWorkspacePanel(track_job=self._track)
        self.annotate_panel = AnnotateWorkspacePanel(review=self.viewer, track_job=self._track)
        self.train_panel = TrainWorkspacePanel(track_job=self._track)
        self.analyze_panel = AnalyzeWorkspacePanel(track_job=self._track, review=self.viewer)
        self.report_panel = ReportWorkspacePanel(track_job=self._track)
        self.workspace_stack = WorkspaceStackWidget(self.viewer, pages={"record": self.record_panel,
                                                                        "segment": self.segment_panel,
                                                                        "annotate": self.annotate_panel,
                                                                        "train": self.train_panel,
                                                                        "analyze": self.analyze_panel,
                                                                        "report": self.report_panel})
        self.welcome = WelcomePanel()
        self.central = QStackedWidget()
        self.central.addWidget(self.welcome)
        self.central.addWidget(self.workspace_stack)
        self.setCentralWidget(self.central)

        self.workspace_bar = WorkspaceNavigationPanel(self)
        self.addToolBar(Qt.ToolBarArea.LeftToolBarArea, self.workspace_bar)
        self.workspace_bar.workspace_changed.connect(self._on_workspace_changed)

        self.browser = ProjectBrowserPanel()
        self.browser_dock = QDockWidget("Project", self)
        self.browser_dock.setObjectName("projectDock")
        self.browser_dock.setWidget(self.browser)
        self.browser_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.browser_dock.setMinimumWidth(410)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.browser_dock)
        self.browser.recording_selected.connect(self._on_recording_selected)
        self.browser.participant_selected.connect(self.report_panel.set_participant)
        for view in (self.viewer, self.segment_panel, self.annotate_panel):  # one notification, every view
            self.changes.changed.connect(view.project_changed)

        self.welcome.new_requested.connect(self.new_project)
        self.welcome.open_requested.connect(self.choose_project)
        self.welcome.demo_requested.connect(self.open_demo_project)
        self.welcome.recent_requested.connect(lambda p: self.open_project(Path(p)))

        self._build_menus()
        self._restore_window_state()
        self._show_session(None)

    # -- menus ------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.new_action = self._action("&New Project…", self.new_project, QKeySequence.StandardKey.New)
        self.open_action = self._action("&Open Project…", self.choose_project, QKeySequence.StandardKey.Open)
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.save_action = self._action("&Save", self.save, QKeySequence("Ctrl+S"))
        self.import_action = self._action("Import Re&cording…", self.import_recording,
                                          tip="Add a RealSense .bag/.db3 or a video file as a task recording")
        self.simulate_action = self._action("Si&mulate Participants…", self.simulate_participants,
                                            tip="Add simulated participants with ground truth to this project")
        self.export_study_action = self._action("E&xport Study…", self.export_study,
                                                tip="Export landmarks, features, results (and videos) for sharing")
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        file_menu.addMenu(self.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.simulate_action)
        file_menu.addActions(self.annotate_panel.menu_actions())
        file_menu.addAction(self.export_study_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        project_menu = bar.addMenu("&Project")
        self.audit_action = self._action("&Audit log…", self.show_audit_log,
                                         tip="Who changed what in this project, and when")
        project_menu.addAction(self.audit_action)

        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action("Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action("Redo", self.redo, QKeySequence.StandardKey.Redo)
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)

        view_menu = bar.addMenu("&View")
        view_menu.addAction(self.browser_dock.toggleViewAction())

        tools_menu = bar.addMenu("&Tools")
        tools_menu.setToolTipsVisible(True)  # a disabled action's tooltip says which job holds it back
        self.models_action = self._action("Landmark &models…", self.show_models,
                                          tip="List, fetch, import or activate landmark models")
        self.landmark_action = self._action("&Landmark this recording…", lambda: self.landmark_recordings(current=True),
                                            tip="Landmark every frame of the recording shown in Review")
        self.landmark_all_action = self._action("Landmark &all recordings…", lambda: self.landmark_recordings(),
                                                tip="Landmark every frame of every recording of the project")
        tools_menu.addAction(self.models_action)
        tools_menu.addSeparator()
        tools_menu.addAction(self.landmark_action)
        tools_menu.addAction(self.landmark_all_action)
        tools_menu.addSeparator()
        self.batch_action = self._action("&Batch process…", self.batch_process,
                                         tip="Run landmarks, segment, features, report over the recordings in parallel")
        tools_menu.addAction(self.batch_action)
        self.viewer.landmark_requested.connect(lambda _rid: self.landmark_recordings(current=True))

        help_menu = bar.addMenu("&Help")
        from neuroface_studio.gui.widgets.user_guide import open_user_guide
        help_menu.addAction(self._action("&User guide", lambda: open_user_guide(self),
                                         tip="Open the user guide (docs/USER_GUIDE.md)"))
        help_menu.addAction(self._action("&Log file…", self.show_log_file,
                                         tip="Where warnings and unexpected errors are written"))
        help_menu.addAction(self._action("&About NeuroFace Studio", self.show_about))

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        folders = gui_settings.recent_projects()
        for folder in folders:
            action = self.recent_menu.addAction(str(folder))
            action.triggered.connect(lambda _=False, f=folder: self.open_project(f))
        if not folders:
            self.recent_menu.addAction("No recent projects").setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)

    def _clear_recent(self) -> None:
        gui_settings.clear_recent_projects()
        self.welcome.set_recent([])

    # -- session ----------------------------------------------------------------------
    def _show_session(self, session: ProjectSession | None) -> None:
        self.session = session
        self.changes.set_session(session)
        self.viewer.set_session(session)
        self.record_panel.set_session(session)
        self.segment_panel.set_session(session)
        self.annotate_panel.set_session(session)
        self.train_panel.set_session(session)
        self.analyze_panel.set_session(session)
        self.report_panel.set_session(session)
        self.browser.set_project(session.project if session else None)
        has = session is not None
        self.central.setCurrentWidget(self.workspace_stack if has else self.welcome)
        self.workspace_bar.setVisible(has)
        self.browser_dock.setVisible(has)
        if session is not None:
            session.undo.subscribe(lambda s=session: self._on_undo_changed(s))
        else:
            self.welcome.set_recent(gui_settings.recent_projects())
        self._on_jobs_changed()  # enables the project's actions (none without a project), then the edit state

    def _on_undo_changed(self, session: ProjectSession) -> None:
        if session is not self.session:  # a listener left on a closed project's stack
            return
        command = session.undo.last_event[1]  # None after a save, a clear or a replay: extent unknown
        # the browser and Record show participants, sessions and recordings: an edit of repetitions or
        # landmarks (every drag in Segment or Annotate) does not rebuild them; a save, undo of an
        # import, a participant edit or anything of unknown extent does
        if command is None or change_of(command).kind in ("participants", "recordings", "project"):
            self.browser.set_project(session.project)
            self.record_panel.project_changed()
        self._update_edit_state()

    def _update_edit_state(self) -> None:
        s = self.session
        undo = s.undo if s else None
        # a job whose result replaces the project (simulate) or the window's copy of it (import, batch)
        frozen = (self.jobs_panel.writing(PROJECT_FILE) or self.jobs_panel.writing(PROJECT_CONTENTS)) is not None
        self.undo_action.setEnabled(bool(undo and undo.can_undo) and not frozen)
        self.redo_action.setEnabled(bool(undo and undo.can_redo) and not frozen)
        self.undo_action.setText(f"Undo {undo.undo_label}" if undo and undo.can_undo else "Undo")
        self.redo_action.setText(f"Redo {undo.redo_label}" if undo and undo.can_redo else "Redo")
        self.setWindowTitle(f"{s.project.name}[*] — NeuroFace Studio" if s else "NeuroFace Studio")
        self.setWindowModified(bool(s and s.dirty))

    def _confirm_discard(self, doing: str) -> bool:
        """If there are unsaved changes, ask Save / Discard / Cancel. True when it is fine to go on."""
        self.annotate_panel.commit_pending()
        if self.session is None or not self.session.dirty:
            forget_journal(self.session)  # nothing unsaved: the annotation journal holds nothing new
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.session.project.name} before {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            forget_journal(self.session)
        return answer == QMessageBox.StandardButton.Discard

    def open_project(self, folder: Path, recording: str | None = None, frame: int | None = None) -> bool:
        """Open the project at ``folder`` (asks about unsaved changes first). False if it did not open."""
        if not self.record_panel.confirm_stop_recording("opening a project"):
            return False
        if not self._confirm_discard("opening another project"):
            return False
        try:
            session = ProjectSession.open(Path(folder))
        except StoreError as exc:
            QMessageBox.critical(self, "Cannot open project", str(exc))
            return False
        self._offer_recovery(session)
        recovered = offer_journal_recovery(self, session)
        self.set_session(session, recording, frame)
        if recovered:
            self.statusBar().showMessage(
                f"Recovered {recovered['annotation_edits']} annotation edit(s); save to keep them", 8000)
        return True

    def _offer_recovery(self, session: ProjectSession) -> None:
        """Recordings whose recorder was killed are on disk but not in the project: add them back."""
        from neuroface_studio.app.recover import find_orphans, recover_orphans
        orphans = find_orphans(session)
        if not orphans:
            return
        names = "\n".join(p.name for p in orphans[:10]) + ("\n…" if len(orphans) > 10 else "")
        answer = QMessageBox.question(
            self, "Interrupted recordings found",
            f"{len(orphans)} recording file(s) in this project were not finished (the recorder stopped "
            f"unexpectedly):\n\n{names}\n\nAdd them back to the project? Every frame that reached the disk is kept.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            recovered, problems = recover_orphans(session)
        except StoreError as exc:
            QMessageBox.warning(self, "Interrupted recordings", f"Could not add them back: {exc}")
            return
        if problems:
            QMessageBox.warning(self, "Interrupted recordings", "Not added back:\n\n" + "\n".join(problems))
        if recovered:
            self.statusBar().showMessage(f"Recovered {', '.join(recovered)}", 8000)

    def set_session(self, session: ProjectSession, recording: str | None = None, frame: int | None = None) -> None:
        """Show an already open session; select ``recording`` (default: the first) at ``frame``."""
        self._show_session(session)
        gui_settings.add_recent_project(session.folder)
        self.workspace_bar.select("review")
        ids = self.browser.recording_ids()
        target = recording if recording in ids else (ids[0] if ids else None)
        if recording and recording not in ids:
            self.statusBar().showMessage(f"Recording {recording} is not in this project", 8000)
        if target:
            self.browser.select_recording(target)  # opens it, unless it was already the current item
            if self.viewer.recording_id != target:
                self.viewer.open_recording(target)
            if frame is not None:
                self.viewer.show_frame(frame)
        self.statusBar().showMessage(f"Opened {session.folder}", 5000)

    def choose_project(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open project folder")
        if folder:
            self.open_project(Path(folder))

    def new_project(self) -> None:
        if not self.record_panel.confirm_stop_recording("creating a new project"):
            return
        if not self._confirm_discard("creating a new project"):
            return
        folder = QFileDialog.getExistingDirectory(self, "Choose a new, empty folder for the project")
        if not folder:
            return
        try:
            session = ProjectSession.create(Path(folder))
        except StoreError as exc:
            QMessageBox.critical(self, "Cannot create project", str(exc))
            return
        self.set_session(session)

    def save(self) -> bool:
        if self.session is None:
            return False
        self.annotate_panel.commit_pending()
        try:
            self.session.save()
        except StoreError as exc:
            QMessageBox.critical(self, "Save failed", str(exc))
            return False
        self.statusBar().showMessage(f"Saved {self.session.folder}", 4000)
        return True

    def undo(self) -> None:
        self._undo_redo("undo")

    def redo(self) -> None:
        self._undo_redo("redo")

    def _undo_redo(self, which: str) -> None:
        if self.session is None:
            return
        self.annotate_panel.commit_pending()
        try:
            getattr(self.session.undo, which)()
        except ValueError as exc:  # a command that can no longer be undone says why; the stack is unchanged
            QMessageBox.warning(self, f"Cannot {which}", str(exc))
            return
        event, command = self.session.undo.last_event
        if event == which and command is not None:  # the status line says what changed back
            self.statusBar().showMessage(f"{'Undone' if which == 'undo' else 'Redone'}: {command.label}", 8000)

    def _on_workspace_changed(self, key: str) -> None:
        """Switch pages; leaving Record stops its preview (asking first while it records)."""
        if self.workspace_stack.current_key() == "record" and key != "record":
            if not self.record_panel.confirm_stop_recording("leaving the Record workspace"):
                self.workspace_bar.actions_by_key["record"].setChecked(True)
                return
            self.record_panel.shutdown()
        if self.workspace_stack.current_key() == "annotate":
            self.annotate_panel.left()
            self.browser_dock.setVisible(self._browser_shown)
        self.workspace_stack.show_workspace(key)
        if key == "segment":
            self.segment_panel.entered(self.browser.current_recording() or self.viewer.recording_id)
        if key == "annotate":  # its queue replaces the project browser: the editor gets the room
            self._browser_shown = self.browser_dock.isVisible()
            self.browser_dock.hide()
            self.annotate_panel.entered()

    def _on_recording_selected(self, recording_id: str) -> None:
        if self.workspace_stack.current_key() == "segment":  # Segment follows the browser in place
            self.segment_panel.open_recording(recording_id)
        elif self.workspace_stack.current_key() not in ("analyze", "report"):  # both follow the browser in place
            self.workspace_bar.select("review")
        self.viewer.open_recording(recording_id)

    # -- background jobs ------------------------------------------------------------------
    def _track(self, worker: JobWorker) -> JobWorker:
        self.jobs = [j for j in self.jobs if not j.done] + [worker]
        return worker

    def _on_jobs_changed(self) -> None:
        """Disable what would conflict with a running job, with a tooltip that says which job.

        Per job: landmarking (this / all recordings) writes landmark tracks, read-only on the
        project: Landmark and Batch are disabled while it runs (a proposal run, which also writes
        tracks, waits in the jobs panel), every other edit goes on. Simulating participants writes
        the project file and reopens it: the project is read-only until it ends (an edit made
        meanwhile would be lost on the reopen). Importing a recording and the batch save the project
        on their own session and the window reopens it when they end: Save, Undo/Redo, the other
        project writers and the editing workspaces (Record, Segment, Annotate) wait for them, while
        Review, Analyze, Report and Train stay usable. Analyses, reports and exports work on a
        snapshot of the project and write nothing into it: nothing is held back."""
        has = self.session is not None
        project_job, tracks_job = self.jobs_panel.writing(PROJECT_FILE), self.jobs_panel.writing(TRACKS)
        contents_job = self.jobs_panel.writing(PROJECT_CONTENTS)
        held = {self.landmark_action: tracks_job or project_job, self.landmark_all_action: tracks_job or project_job,
                self.batch_action: tracks_job or project_job or contents_job}
        for action in (self.export_study_action, self.audit_action, self.new_action, self.open_action):
            held[action] = project_job
        for action in (self.save_action, self.simulate_action, self.import_action):
            held[action] = project_job or contents_job
        for action, job in held.items():
            action.setEnabled((has or action in (self.new_action, self.open_action)) and job is None)
            action.setToolTip(f"{job} is running: wait for it to end or cancel it in the status bar"
                              if job else action.text().replace("&", "").rstrip("…"))
        for widget in (self.central, self.browser):
            widget.setEnabled(project_job is None)
            widget.setToolTip(f"{project_job} is writing the project: it can be edited again when that ends"
                              if project_job else "")
        for page in (self.record_panel, self.segment_panel, self.annotate_panel):
            page.setEnabled(contents_job is None)
            page.setToolTip(f"{contents_job} is saving the project: it can be edited again when that ends "
                            "(Review, Analyze and Report can be used meanwhile)" if contents_job else "")
        self._update_edit_state()

    # -- landmark models -------------------------------------------------------------------
    def show_models(self) -> None:
        from neuroface_studio.gui.dialogs.models import ModelsDialog
        dialog = ModelsDialog(self)
        dialog.exec()

    def show_audit_log(self) -> None:
        from neuroface_studio.gui.dialogs.audit import AuditLogDialog
        if self.session is not None:
            AuditLogDialog(self.session.project, self, unsaved=self.session.dirty).exec()

    # -- misc -----------------------------------------------------------------------------
    def show_log_file(self) -> QMessageBox:
        """Say where the log file is and offer to open its folder (for a bug report or the IT desk)."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from neuroface_studio.app.logfile import log_path
        path = log_path()
        box = QMessageBox(QMessageBox.Icon.Information, "Log file",
                          f"Warnings and unexpected errors are written to\n{path}\n\n"
                          + ("Send this file with a problem report; it holds pseudonyms and file names, no images."
                             if path.exists() else "Nothing has been written to it yet."), parent=self)
        open_button = box.addButton("Open folder", QMessageBox.ButtonRole.ActionRole) if path.parent.exists() else None
        box.addButton(QMessageBox.StandardButton.Close)
        box.setObjectName("logFileBox")
        box.finished.connect(lambda _r: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
                             if open_button is not None and box.clickedButton() is open_button else None)
        box.open()
        return box

    def show_about(self) -> None:
        QMessageBox.about(self, "About NeuroFace Studio", ABOUT_HTML)

    def _restore_window_state(self) -> None:
        s = gui_settings.app_settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self.record_panel.confirm_stop_recording("quitting") or not self._confirm_discard("quitting"):
            event.ignore()
            return
        for job in self.jobs:
            if not job.done:
                for signal in (job.finished, job.failed, job.cancelled):  # no callback on a closing window
                    signal.disconnect()
                if not job.stop(30000):
                    QMessageBox.warning(self, "Still working", "A background job is still finishing its current "
                                        "step; close the window again in a moment.")
                    event.ignore()
                    return
        self.record_panel.shutdown()
        self.viewer.close_recording()
        s = gui_settings.app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        event.accept()
