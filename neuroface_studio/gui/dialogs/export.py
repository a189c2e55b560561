"""File → Export study…: a study for sharing, as ``neuroface-studio export`` writes it.

A thin view over :func:`neuroface_studio.app.export.export_study`: the dialog gathers the parts
(landmarks, features, results, recordings), face blurring, whether participants without consent
to sharing are included (in-lab use only; shown as counts, never their pseudonyms), the landmark
track and a new or empty output folder. On Export the dialog closes (when the folder is refused it
stays, saying why) and the export runs as a job of the window's jobs panel (progress, Cancel) on a
snapshot of the open project: it writes nothing into the project, so nothing is held back meanwhile.
The outcome is a non-modal box with "Open folder". The audit-log entry is made afterwards on the
GUI thread, into the window's open project; while another job writes the project file it waits
for that job to end (else it would be lost on the reopen, or overwrite that job's save). A failed
or cancelled export leaves nothing behind (the app writes a hidden temporary folder and renames it
into place).
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QVBoxLayout, QWidget)

from neuroface_studio.app.export import ExportError, ExportOptions, check_destination, export_study, log_export
from neuroface_studio.app.landmarking import tracks_of
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.widgets.job_progress import run_with_progress, show_notice
from neuroface_studio.gui.widgets.jobs_panel import PROJECT_CONTENTS, PROJECT_FILE, jobs_panel_for
from neuroface_studio.gui.widgets.messages import ERROR_STYLE, INFO_STYLE, WARN_STYLE

AUTOMATIC = "automatic (as Analyze → Features)"

PART_LABELS = {
    "landmarks": ("Landmarks", "One CSV per landmark track (or the simulated truth) of each recording, and the "
                               "annotators' corrected frames"),
    "features": ("Features", "Per-repetition kinematic features (features/features.csv)"),
    "results": ("Results", "Patient-vs-control classification (leave-one-subject-out ROC), recomputed on the "
                           "exported participants only"),
    "recordings": ("Recordings (colour video)", "One MP4 per recording, colour only, no depth; large"),
}


def _label(style: str = INFO_STYLE) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet(style)
    label.hide()
    return label


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def default_export_folder(session: ProjectSession) -> Path:
    """A folder beside the project that does not exist yet: ``<project>-export-YYYY-MM-DD[-k]``."""
    base = session.folder.parent / f"{session.folder.name}-export-{date.today().isoformat()}"
    path, k = base, 2
    while path.exists():
        path = base.with_name(f"{base.name}-{k}")
        k += 1
    return path


class ExportStudyDialog(QDialog):
    """What to export, for whom, where; Export (background, Cancel); a summary with "Open folder"."""

    exported = Signal(object)  # the ExportResult

    def __init__(self, session: ProjectSession, parent: QWidget | None = None,
                 track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.track_job = track_job
        self.worker = None
        self.result = None
        self.summary = ""  # the last export's outcome (HTML), as its notice shows it
        self.setWindowTitle("Export study")
        self.setMinimumWidth(620)
        project = session.project
        self.n_consented = sum(1 for p in project.participants.values() if p.consent_to_share)
        self.n_without = len(project.participants) - self.n_consented

        intro = QLabel("Export this study for sharing: pseudonymized participants only. The pseudonym key, "
                       "participants' notes and the audit log are never exported; manifest.json lists every "
                       "file with its sha256.")
        intro.setWordWrap(True)

        self.part_boxes: dict[str, QCheckBox] = {}
        parts = QGroupBox("Include")
        parts_layout = QVBoxLayout(parts)
        for part, (text, tip) in PART_LABELS.items():
            box = QCheckBox(text)
            box.setToolTip(tip)
            box.setChecked(part != "recordings")
            box.toggled.connect(self._update)
            self.part_boxes[part] = box
            parts_layout.addWidget(box)
        self.blur_box = QCheckBox("Blur faces in exported video")
        self.blur_box.setToolTip("Blur the face region (from the landmarks) on every frame of the exported videos")
        self.blur_box.setChecked(True)
        blur_row = QHBoxLayout()
        blur_row.setContentsMargins(24, 0, 0, 0)
        blur_row.addWidget(self.blur_box)
        parts_layout.addLayout(blur_row)
        self.model_combo = QComboBox()
        self.model_combo.addItem(AUTOMATIC, None)
        models = sorted({name for rid in project.recordings for name in tracks_of(session, rid)})
        for name in models:
            self.model_combo.addItem(name, name)
        self.model_combo.setToolTip("Landmark track the features, results and face blurring use")

        self.all_box = QCheckBox("Include participants without consent to sharing (in-lab use only)")
        self.all_box.toggled.connect(self._update)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.consent_warning = _label(WARN_STYLE)

        self.folder_edit = QLineEdit(str(default_export_folder(session)))
        self.folder_edit.textChanged.connect(self._update)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(choose)
        folder_note = QLabel("A new or empty folder: an export never mixes with or overwrites other files.")
        folder_note.setWordWrap(True)
        folder_note.setStyleSheet("color: #666;")

        form = QFormLayout()
        form.addRow("Landmarks from:", self.model_combo)
        form.addRow("Output folder:", folder_row)
        form.addRow("", folder_note)

        self.message_label = _label()
        self.notice: QMessageBox | None = None  # the non-modal result box of the last export
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setDefault(True)
        self.export_button.setToolTip("")
        self.export_button.clicked.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.buttons)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(parts)
        layout.addWidget(self.all_box)
        layout.addWidget(self.count_label)
        layout.addWidget(self.consent_warning)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        layout.addLayout(bottom)
        self._update()

    # -- input ----------------------------------------------------------------------------
    def parts(self) -> tuple[str, ...]:
        return tuple(p for p, box in self.part_boxes.items() if box.isChecked())

    def options(self) -> ExportOptions:
        """The ExportOptions of the current input (``blur_faces`` only with recordings)."""
        parts = self.parts()
        return ExportOptions(parts=parts, blur_faces="recordings" in parts and self.blur_box.isChecked(),
                             all_participants=self.all_box.isChecked(), model=self.model_combo.currentData())

    def out_folder(self) -> Path | None:
        text = self.folder_edit.text().strip()
        return Path(text).expanduser() if text else None

    def choose_folder(self) -> None:
        start = self.out_folder() or self.session.folder.parent
        folder = QFileDialog.getExistingDirectory(self, "Choose a new, empty folder for the export",
                                                  str(start if start.is_dir() else start.parent))
        if folder:
            self.folder_edit.setText(folder)

    def _update(self) -> None:
        parts = self.parts()
        self.blur_box.setEnabled("recordings" in parts)
        every = self.all_box.isChecked()
        n_in = self.n_consented + (self.n_without if every else 0)
        if every:
            text = f"{_plural(n_in, 'participant')} will be exported"
            if self.n_without:
                text += f", including {self.n_without} without consent to sharing."
        else:
            text = f"{_plural(n_in, 'participant')} will be exported"
            text += (f"; {self.n_without} without consent to sharing will be left out." if self.n_without
                     else " (every participant consented to sharing).")
        self.count_label.setText(text)
        self.consent_warning.setText(
            f"<b>In-lab use only.</b> This export holds {_plural(self.n_without, 'participant')} who did not consent "
            "to sharing: do not send it outside the lab. The manifest records that it includes them."
            if every and self.n_without else "")
        self.consent_warning.setVisible(every and bool(self.n_without))
        self.export_button.setEnabled(bool(parts) and n_in > 0 and self.out_folder() is not None)
        if not parts:
            self.export_button.setToolTip("Choose at least one thing to include")
        elif n_in == 0:
            self.export_button.setToolTip("No participant consented to sharing")
        else:
            self.export_button.setToolTip("Close this dialog and export in the background: progress and Cancel are "
                                          "in the status bar, the result is shown when it ends")

    def _show(self, text: str, style: str = INFO_STYLE) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(style)
        self.message_label.setVisible(bool(text))

    # -- export ---------------------------------------------------------------------------
    def start_export(self) -> bool:
        """Check the input, close the dialog and start the export as a job of the window's jobs panel.
        False (and why, shown in the dialog, which stays open) if refused."""
        out = self.out_folder()
        if out is None:
            self._show("Give an output folder.", ERROR_STYLE)
            return False
        out = out.absolute()
        options = self.options()
        try:
            check_destination(out)
        except ExportError as exc:
            self._show(html.escape(f"Cannot export there: {exc}."), ERROR_STYLE)
            return False
        self._show("")
        self.result = None
        snapshot = self.session.snapshot()  # read by the worker only

        def job(progress, cancel):
            return export_study(snapshot, out, options, progress=progress, cancel=cancel, log=False)

        window = self.parentWidget() or self
        self.accept()  # the choices are made: the window stays usable while the export runs
        self.worker = run_with_progress(window, "Exporting the study", job,
                                        on_finished=lambda res: self._finished(res, options),
                                        on_cancelled=lambda: self._stopped("Export cancelled; nothing was written."),
                                        on_failed=lambda m: self._stopped(html.escape(f"Export failed: {m}"), True))
        if self.track_job is not None:
            self.track_job(self.worker)
        self.folder_edit.setText(str(default_export_folder(self.session)))  # ready for another export
        return True

    def _stopped(self, text: str, error: bool = False) -> None:
        self._notify(text, "error" if error else "info")

    def _notify(self, text: str, level: str, actions=None) -> None:
        self.summary = text
        self.notice = show_notice(self.parentWidget() or self, "Export study", text, level, actions=actions)

    def _finished(self, result, options: ExportOptions) -> None:
        self.result = result
        self._log_when_free(result, options)
        text = (f"Exported {', '.join(options.parts)} of {_plural(len(result.participants), 'participant')}: "
                f"{_plural(len(result.files), 'file')} written to<br><b>{html.escape(str(result.out))}</b><br>"
                "(manifest.json lists every file with its sha256")
        text += ("; faces blurred)." if options.blur_faces else ").")
        if result.excluded:
            text += f"<br>{_plural(result.excluded, 'participant')} without consent to sharing left out."
        elif options.all_participants and self.n_without:
            text += f"<br>Includes {self.n_without} without consent to sharing: in-lab use only."
        self._notify(text, "done", {"Open folder": self.open_folder})
        window = self.parentWidget()
        if window is not None and hasattr(window, "statusBar"):
            window.statusBar().showMessage(f"Exported the study to {result.out}", 8000)
        self.exported.emit(result)

    def _log_when_free(self, result, options: ExportOptions) -> None:
        """The audit entry, into the window's open project of this folder; queued while another job
        writes the project file (it is reopened when that job ends)."""
        panel = jobs_panel_for(self.parentWidget() or self)
        if panel.writing(PROJECT_CONTENTS) or panel.writing(PROJECT_FILE):
            def retry() -> None:
                panel.jobs_changed.disconnect(retry)
                QTimer.singleShot(0, self, lambda: self._log_when_free(result, options))  # after the reopen
            panel.jobs_changed.connect(retry)
            return
        session = getattr(self.parentWidget(), "session", None)
        if session is None or session.folder != self.session.folder:
            session = self.session  # no window, or another project is open: this dialog's own
        log_export(session, result, options)

    def open_folder(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.out)))
