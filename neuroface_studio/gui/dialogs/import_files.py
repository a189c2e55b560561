"""File → Import recording…: a RealSense file or a plain video into the project, as ``neuroface-studio import``.

A thin view over :func:`neuroface_studio.app.record.make_source` and
:func:`~neuroface_studio.app.record.record_task`: the dialog gathers the file, the participant
(default: the one selected in the project browser) and the protocol task, and says what the
import keeps (a RealSense .bag/.db3 keeps colour, depth and the camera calibration; a plain video
is colour only, with guessed intrinsics). On Import the dialog closes and the import runs as a job
of the window's jobs panel (status bar: a live frame count and Cancel) on its own session of the
project folder; the window stays usable. Cancel is cooperative and keeps the frames written so far
(the recording's notes say it was cancelled). The outcome (frames, the recording quality verdict,
the head-pose check) is a non-modal box and a status-bar line. Errors are the app's words
(SourceError), never a traceback.

The import saves the project file: the main window saves unsaved edits before opening this
dialog, prevents edits while the job runs (it declares ``IMPORT_WRITES``) and reopens the project
with the new recording selected when ``import_ended`` is emitted.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QVBoxLayout, QWidget)

from neuroface_studio.app.live_session import next_recording_id
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.app.record import REALSENSE_FILES
from neuroface_studio.gui.widgets.job_progress import run_with_progress, show_notice
from neuroface_studio.gui.widgets.jobs_panel import PROJECT_CONTENTS, RECORDINGS
from neuroface_studio.gui.widgets.messages import DONE_STYLE, ERROR_STYLE, INFO_STYLE, WARN_STYLE
from neuroface_studio.gui.widgets.workers import JobWorker

VIDEO_FILES = (".mp4", ".mov", ".m4v", ".3gp", ".mkv", ".webm", ".avi")  # cameras, phones, browsers, exports
_VIDEO_GLOB = " ".join(f"*{s}" for s in VIDEO_FILES)
FILE_FILTER = (f"RealSense recordings (*.bag *.db3);;Videos ({_VIDEO_GLOB});;"
               f"All importable files (*.bag *.db3 {_VIDEO_GLOB});;All files (*)")
#: a recording added, and the project file saved on the import's own session (the window's copy is
#: reopened when it ends, so it is not edited meanwhile)
IMPORT_WRITES = (RECORDINGS, PROJECT_CONTENTS)
NOTICE_LEVELS = {DONE_STYLE: "done", INFO_STYLE: "info", WARN_STYLE: "warn", ERROR_STYLE: "error"}
NO_PARTICIPANTS = ("This project has no participants yet. Add one in the Record workspace (Participant list → "
                   "“New participant…”), then import.")


def import_plan(path_text: str) -> tuple[str, str]:
    """(style, text): what importing ``path_text`` will do, or why it cannot."""
    text = path_text.strip()
    if not text:
        return INFO_STYLE, "Choose a RealSense recording (.bag, .db3) or a video file (.mp4, .mov, .mkv, .webm, .avi, …)."
    path = Path(text)
    if not path.is_file():
        return ERROR_STYLE, f"{path.name or text} does not exist or is not a file."
    suffix = path.suffix.lower()
    if suffix in REALSENSE_FILES:
        return INFO_STYLE, ("RealSense recording: colour and depth are imported frame by frame with the camera "
                            "calibration stored in the file (intrinsics, depth-to-colour alignment) and its own "
                            "frame numbers and timestamps, so 3D features will be available.")
    known = "Plain video" if suffix in VIDEO_FILES else "Not a RealSense file: read as a plain video"
    return WARN_STYLE, (f"{known}: colour only, no depth, so 3D features will not be available (2D landmarks "
                        "and 2D kinematics work). The camera calibration is not in the file and is guessed: "
                        "focal length = image width in pixels, principal point at the image centre, no lens "
                        "distortion. Every frame is imported with its own time from the file (a variable frame "
                        "rate is kept); a file of fewer than 2 frames (a still image) is refused.")


class ImportRecordingDialog(QDialog):
    """File, participant, task and what will happen; Import in the background with a frame count; Cancel."""

    import_ended = Signal(object)  # the new recording's ID (also after a cancel that kept frames), else None

    def __init__(self, session: ProjectSession, participant: str | None = None, parent: QWidget | None = None,
                 track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.folder = session.folder
        self.track_job = track_job
        self.worker: JobWorker | None = None
        self.result = None  # RecordResult of the last import
        self._t0 = 0.0
        self.summary = ""  # the last import's outcome (HTML), as its notice shows it
        self.status_line = ""  # the same in one line of plain text, for the status bar
        self.notice = None  # the non-modal result box of the last import
        self.setWindowTitle("Import recording")
        self.setMinimumWidth(640)
        project = session.project

        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("a .bag/.db3 from RealSense Viewer, or a video file")
        self.file_edit.textChanged.connect(self._update)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.browse_button)

        self.participant_combo = QComboBox()
        for pid, p in sorted(project.participants.items()):
            self.participant_combo.addItem(f"{pid}  ({p.group.value})", pid)
        self.participant_combo.setCurrentIndex(max(self.participant_combo.findData(participant), 0))
        self.participant_combo.setPlaceholderText("(no participants)")
        self.participant_combo.currentIndexChanged.connect(self._update)
        self.task_combo = QComboBox()
        for task in project.protocol.tasks:
            self.task_combo.addItem(f"{task.code} — {task.name}", task.code)
            self.task_combo.setItemData(self.task_combo.count() - 1, task.instruction, Qt.ItemDataRole.ToolTipRole)
        self.task_combo.currentIndexChanged.connect(self._update)
        self.no_participants = QLabel(NO_PARTICIPANTS)
        self.no_participants.setWordWrap(True)
        self.no_participants.setStyleSheet(WARN_STYLE)
        self.no_participants.setVisible(not project.participants)

        form = QFormLayout()
        form.addRow("File:", file_row)
        form.addRow("Participant:", self.participant_combo)
        form.addRow("Task:", self.task_combo)
        self.settings_box = QGroupBox("Recording to import")
        self.settings_box.setLayout(form)

        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        self.target_label.setStyleSheet("color: #555;")

        self.import_button = QPushButton("Import")
        self.import_button.setDefault(True)
        self.import_button.setToolTip("Close this dialog and import in the background: a frame count and Cancel "
                                      "are in the status bar (a cancel keeps the frames imported so far)")
        self.import_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.import_button, self.close_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addWidget(self.settings_box)
        layout.addWidget(self.no_participants)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.target_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._update()

    # -- input ----------------------------------------------------------------------------
    def browse(self) -> None:
        current = self.file_edit.text().strip()
        start = str(Path(current).parent) if current else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Import recording", start, FILE_FILTER)
        if path:
            self.file_edit.setText(path)

    def path(self) -> Path | None:
        text = self.file_edit.text().strip()
        return Path(text) if text else None

    def participant(self) -> str | None:
        return self.participant_combo.currentData()

    def task(self) -> str | None:
        return self.task_combo.currentData()

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.done

    def _ready(self) -> bool:
        path = self.path()
        return path is not None and path.is_file() and self.participant() is not None and self.task() is not None

    def _update(self) -> None:
        running = self.running
        style, text = import_plan(self.file_edit.text())
        self.plan_label.setText(text)
        self.plan_label.setStyleSheet(style)
        pid, task = self.participant(), self.task()
        if pid and task:
            rid = next_recording_id(self.session, pid, task)
            self.target_label.setText(f"Importing adds recording {rid} to {pid}'s session of today and saves the "
                                      "project.")
        else:
            self.target_label.setText("")
        self.participant_combo.setEnabled(self.participant_combo.count() > 0)
        self.import_button.setEnabled(not running and self._ready())

    # -- run ------------------------------------------------------------------------------
    def start(self) -> bool:
        """Close the dialog and import the chosen file as a job of the window's jobs panel (frame
        count, Cancel). False if it cannot start."""
        if self.running or not self.import_button.isEnabled():
            return False
        path, pid, task, folder = self.path(), self.participant(), self.task(), self.folder
        rid = next_recording_id(self.session, pid, task)
        holder: dict = {}

        def job(progress, cancel):  # worker thread: its own session of the folder, the only writer
            from neuroface_studio.app.record import make_source, record_task
            session = ProjectSession.open(folder)
            source = make_source(str(path))
            t0 = time.monotonic()

            def frames(done: int, total: int, _message: str) -> None:
                progress(done, total, f"{done} frames · {time.monotonic() - t0:.0f} s from {path.name}")

            result = holder["result"] = record_task(session, pid, task, source, progress=frames, cancel=cancel)
            # a cancel that came as the file ended cut nothing: the recording's notes tell
            holder["cut"] = "cancelled by the user" in session.project.recordings[result.recording_id].notes
            return result

        self.result, self.summary, self.status_line = None, "", ""
        self._t0 = time.monotonic()
        window = self.parentWidget() or self
        self.accept()  # the choices are made: the window stays usable while the file is imported
        self.worker = run_with_progress(
            window, f"Importing {rid}", job, on_finished=lambda result: self._ended(result, cancelled=False),
            on_cancelled=lambda: self._ended(holder.get("result"), cancelled=holder.get("cut", True)),
            on_failed=self._failed, writes=IMPORT_WRITES)
        if self.track_job is not None:
            self.track_job(self.worker)
        return True

    def _ended(self, result, cancelled: bool) -> None:
        self.result = result
        seconds = time.monotonic() - self._t0
        if result is None:
            self._summary("Cancelled before any frame was imported; nothing was added to the project.", INFO_STYLE)
        else:
            s = result.summary()
            rid, n = html.escape(result.recording_id), s["frames_written"]
            lines = [f"Cancelled: the first {n} frames were kept as <b>{rid}</b>." if cancelled
                     else f"Imported <b>{rid}</b>: {n} frames in {seconds:.1f} s."]
            if not cancelled and "frames_read" in s:  # a file import: every frame read is written
                kept = "Every frame" if s["frames_read"] == n else f"{n} of the {s['frames_read']} frames"
                lines.append(f"{kept} of the file, {s['duration_s']:.2f} s at {s['fps']:.2f} fps "
                             f"(timestamps: {html.escape(s['timestamps'])}).")
            if s["dropped"]:
                lines.append(f"{s['dropped']} frames were missing or could not be stored.")
            if s.get("error"):
                lines.append(html.escape(f"Stopped early: {s['error']}. The frames before that are kept."))
            if not result.frontal_fraction:
                lines.append("The head-pose check found no face facing the camera; the recording is imported "
                             "anyway (look at it in Review).")
            else:
                lines.append(f"Facing the camera in {result.frontal_fraction:.0%} of the checked frames.")
            verdict = result.verdict  # the recording quality gate (analysis/take_quality.py), stored with it
            if verdict is not None:
                lines.insert(1, f"<b>{html.escape(verdict.headline())}.</b>" if verdict.level != "green"
                             else "Quality: good.")
            lines.append("The project was saved and reloaded; the recording is selected in the project browser.")
            style = WARN_STYLE if (cancelled or s.get("error")) else DONE_STYLE
            if verdict is not None and verdict.level != "green":
                style = ERROR_STYLE if verdict.level == "red" else WARN_STYLE
            self._summary("<br>".join(lines), style, first=2)
        self.import_ended.emit(result.recording_id if result is not None else None)

    def _failed(self, message: str) -> None:
        self._summary(html.escape(f"Import failed: {message}"), ERROR_STYLE)
        self.import_ended.emit(None)

    def _summary(self, text: str, style: str, first: int = 1) -> None:
        """The outcome in a non-modal box over the window; its ``first`` lines (what was imported, the
        quality verdict) also as the status line."""
        self.summary = text
        plain = html.unescape(re.sub(r"<[^>]+>", "", " ".join(text.split("<br>")[:first])))
        self.status_line = plain
        self.notice = show_notice(self.parentWidget() or self, "Import recording", text, NOTICE_LEVELS[style])
