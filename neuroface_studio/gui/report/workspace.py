"""The Report workspace: choose a report, build a preview in the background, look at it, export it.

Left, what to report: a participant's assessment report (the participant follows the one selected
in the project browser) or the study summary; page size A4 or Letter; the landmarks the features
are measured on (as Analyze → Features: automatic, or a model with tracks in the project). "Build
preview" runs :func:`build_report_files` on a snapshot of the project through the QThread adapter
(gui/widgets/job_progress.py: progress and Cancel in the jobs panel): the participant report from
:func:`neuroface_studio.app.report.build_report` laid out by ``reporting/patient_report.py``, the
study summary from ``app/study_report.py`` (imported lazily: a version without it says so). The PDF
and HTML come back as bytes and text held in memory; the preview (gui/report/preview.py) renders
the PDF's pages, and "Export PDF…" / "Export HTML…" write exactly what is previewed (no rebuild),
atomically. Reports never contain a face image.
"""

from __future__ import annotations

import errno
import importlib.util
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFileDialog, QFormLayout, QGroupBox, QLabel, QPushButton,
                               QRadioButton, QSplitter, QVBoxLayout, QWidget)

from neuroface_studio.app.jobs import CancelToken
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.widgets.job_page import AUTOMATIC, JobPage, fill_models, project_tracks
from neuroface_studio.gui.widgets.messages import DONE_STYLE, ERROR_STYLE, INFO_STYLE, show_message
from neuroface_studio.gui.report.preview import PdfPreviewWidget
from neuroface_studio.gui.settings import export_folder, remember_export_folder
from neuroface_studio.store.atomic import atomic_write_bytes

PARTICIPANT, STUDY = "participant", "study"
PAGE_SIZES = ("A4", "Letter")
STUDY_MODULE = "neuroface_studio.app.study_report"
STUDY_MISSING = "Study summary: not available in this version."
NO_FACE = "Reports never contain a face image: numbers and traces only."
STALE_STYLE = "QLabel { padding: 6px; border-radius: 4px; background: #fff4d6; color: #6b4e00; }"


@dataclass(frozen=True)
class ReportRequest:
    """What to report: ``kind`` PARTICIPANT (``participant`` set) or STUDY."""

    kind: str
    participant: str | None
    pagesize: str = "A4"
    model: str | None = None  # landmarks: a model's tracks; None: automatic

    def describe(self) -> str:
        what = f"Participant {self.participant}" if self.kind == PARTICIPANT else "Study summary"
        return f"{what} · {self.pagesize} · landmarks: {self.model or 'automatic'}"


@dataclass(frozen=True)
class BuiltReport:
    """A built report: the PDF's bytes and the HTML's text, as previewed."""

    request: ReportRequest
    project: str
    pdf: bytes
    html: str
    built: datetime

    def default_name(self, suffix: str) -> str:
        """``<participant>_report_<date>.pdf`` or ``<project>_study_summary_<date>.pdf``."""
        stem = (f"{self.request.participant}_report" if self.request.kind == PARTICIPANT
                else f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', self.project).strip('_') or 'study'}_study_summary")
        return f"{stem}_{self.built:%Y-%m-%d}{suffix}"


def study_available() -> bool:
    """True when this version has the study summary (app/study_report.py)."""
    return importlib.util.find_spec(STUDY_MODULE) is not None


def build_report_files(session: ProjectSession, request: ReportRequest, progress: Callable[[int, int, str], None],
                       cancel: CancelToken) -> tuple[bytes, str]:
    """Build the report ``request`` asks for: (PDF bytes, HTML text). Runs on a worker thread.

    Raises ValueError with a message for the user (unknown participant, no recordings, a full disk...).
    """
    try:
        return _build_files(session, request, progress, cancel)
    except OSError as exc:  # the temporary folder full, a recording file unreadable, ...
        raise ValueError(describe_os_error(exc) + (f" ({exc.filename})" if exc.filename else "")) from exc


def _build_files(session: ProjectSession, request: ReportRequest, progress: Callable[[int, int, str], None],
                 cancel: CancelToken) -> tuple[bytes, str]:
    with tempfile.TemporaryDirectory(prefix="neuroface-report-") as tmp:  # in the system's temporary folder
        pdf, html = Path(tmp) / "report.pdf", Path(tmp) / "report.html"
        if request.kind == PARTICIPANT:
            from neuroface_studio.app.kinematics import project_features
            from neuroface_studio.app.report import build_report
            from neuroface_studio.reporting.patient_report import render_html, render_pdf
            project, pid = session.project, request.participant
            table = None  # build_report says why when there is nothing to report
            if pid in project.participants and any(project.recordings_of(s.id) for s in project.sessions_of(pid)):
                # the features build_report would compute (every recording: the classifiers need them all),
                # here with progress and Cancel
                ids = sorted(project.recordings)
                table = project_features(session, ids, model=request.model, cancel=cancel,
                                         progress=lambda d, n, m: progress(d, n + 3, f"Features: {m}"))
            n = len(project.recordings) + 3
            progress(n - 3, n, "Classifiers (leave-one-subject-out) and the report…")
            report = build_report(session, pid, table=table, model=request.model, cancel=cancel)
            cancel.raise_if_cancelled()
            progress(n - 2, n, "Laying out the PDF…")
            render_pdf(report, pdf, request.pagesize)
            cancel.raise_if_cancelled()
            progress(n - 1, n, "Writing the HTML…")
            html.write_text(render_html(report), encoding="utf-8")
            progress(n, n, "Done")
        else:
            try:
                from neuroface_studio.app.study_report import write_study_report
            except ImportError as exc:
                raise ValueError(STUDY_MISSING) from exc
            write_study_report(session, pdf, pagesize=request.pagesize, html=html, model=request.model,
                               progress=progress, cancel=cancel)  # progress(done, total, message), as app/jobs.py
            cancel.raise_if_cancelled()
        return pdf.read_bytes(), html.read_text(encoding="utf-8")


def describe_os_error(exc: OSError) -> str:
    """A sentence for the user about a failed write."""
    if exc.errno == errno.ENOSPC:
        return "the disk is full (no space left on the device); free some space or choose another drive"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; choose a folder you can write to"
    if exc.errno == errno.EROFS:
        return "the drive is read-only; choose another one"
    return exc.strerror or str(exc)


class ReportWorkspacePanel(JobPage):
    """Report options on the left, the PDF preview on the right; exports of what is previewed."""

    built = Signal(object)  # the BuiltReport shown

    def __init__(self, parent: QWidget | None = None, track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(parent, track_job)
        self.report: BuiltReport | None = None

        self.participant_radio = QRadioButton("Participant report")
        self.study_radio = QRadioButton("Study summary")
        self.participant_radio.setChecked(True)
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.participant_radio)
        self.kind_group.addButton(self.study_radio)
        self.kind_group.buttonToggled.connect(lambda _b, _on: self._options_changed())
        self.participant_combo = QComboBox()
        self.participant_combo.setToolTip("Follows the participant selected in the project browser")
        self.participant_combo.currentIndexChanged.connect(lambda _i: self._options_changed())
        self.participant_note = _note()
        keep = self.participant_note.sizePolicy()  # hidden for the study summary, its room kept: choosing
        keep.setRetainSizeWhenHidden(True)  # a report must not move "Build preview" under the pointer
        self.participant_note.setSizePolicy(keep)
        self.study_note = _note()
        kind_box = QGroupBox("Report")
        kind_layout = QVBoxLayout(kind_box)
        kind_layout.addWidget(self.participant_radio)
        kind_layout.addWidget(self.participant_combo)
        kind_layout.addWidget(self.participant_note)
        kind_layout.addSpacing(6)
        kind_layout.addWidget(self.study_radio)
        kind_layout.addWidget(self.study_note)

        self.pagesize_combo = QComboBox()
        self.pagesize_combo.addItems(PAGE_SIZES)
        self.pagesize_combo.currentIndexChanged.connect(lambda _i: self._options_changed())
        self.landmarks_combo = QComboBox()
        self.landmarks_combo.currentIndexChanged.connect(lambda _i: self._options_changed())
        options_box = QGroupBox("Options")
        options = QFormLayout(options_box)
        options.addRow("Page size", self.pagesize_combo)
        options.addRow("Landmarks", self.landmarks_combo)

        self.build_button = QPushButton("Build preview")
        self.build_button.setStyleSheet("QPushButton:enabled { font-weight: 600; padding: 6px; }")
        self.build_button.clicked.connect(self.build_preview)
        self.message_label = _note()
        self.message_label.setVisible(False)
        self.pdf_button = QPushButton("Export PDF…")
        self.pdf_button.clicked.connect(lambda: self.ask_export(".pdf"))
        self.html_button = QPushButton("Export HTML…")
        self.html_button.clicked.connect(lambda: self.ask_export(".html"))
        export_box = QGroupBox("Export the preview")
        export_layout = QVBoxLayout(export_box)
        export_layout.addWidget(self.pdf_button)
        export_layout.addWidget(self.html_button)
        privacy = _note(NO_FACE)
        privacy.setStyleSheet("color: #5b6675;")

        left = QWidget()
        left.setMinimumWidth(300)
        left.setMaximumWidth(380)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(10, 10, 10, 10)
        left_layout.addWidget(kind_box)
        left_layout.addWidget(options_box)
        left_layout.addWidget(self.build_button)
        left_layout.addWidget(self.message_label)
        left_layout.addWidget(export_box)
        left_layout.addWidget(privacy)
        left_layout.addStretch(1)

        self.title_label = QLabel()
        self.title_label.setStyleSheet("QLabel { font-size: 11pt; font-weight: 600; padding: 6px 8px 0 8px; }")
        self.stale_label = _note("The options changed since this preview was built: Build preview again to see "
                                 "them. Export saves the preview shown.")
        self.stale_label.setStyleSheet(STALE_STYLE)
        self.stale_label.setVisible(False)
        self.preview = PdfPreviewWidget()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.setSpacing(2)
        right_layout.addWidget(self.title_label)
        right_layout.addWidget(self.stale_label)
        right_layout.addWidget(self.preview, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.set_session(None)

    # -- state --------------------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        """Show ``session``; a preview of another project is dropped."""
        if session is not self.session or session is None:
            self.session = session
            self._show_report(None)
        self.refresh()

    def refresh(self) -> None:
        """Participants, landmark models and the study summary's availability from the project now."""
        self._fill_participants()
        fill_models(self.landmarks_combo, project_tracks(self.session), AUTOMATIC)
        available = study_available()
        self.study_radio.setEnabled(available)
        if not available and self.study_radio.isChecked():
            self.participant_radio.setChecked(True)
        self.study_note.setText("Cohort, landmark error per group, ROC per task and the methods, with this "
                                "project's numbers." if available else STUDY_MISSING)
        self._options_changed()

    def _fill_participants(self) -> None:
        current = self.participant_combo.currentData()
        self.participant_combo.blockSignals(True)
        self.participant_combo.clear()
        if self.session is not None:
            project = self.session.project
            for pid, p in sorted(project.participants.items()):
                n = sum(len(project.recordings_of(s.id)) for s in project.sessions_of(pid))
                self.participant_combo.addItem(f"{pid} ({p.group.value})" + ("" if n else " — no recordings"), pid)
        self.participant_combo.setCurrentIndex(max(self.participant_combo.findData(current), 0))
        self.participant_combo.blockSignals(False)

    def set_participant(self, participant_id: str | None) -> None:
        """Choose ``participant_id`` (the project browser's selection); unknown ids are ignored."""
        k = self.participant_combo.findData(participant_id) if participant_id else -1
        if k >= 0:
            self.participant_combo.setCurrentIndex(k)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self.running:  # participants, tracks or the study module may have come meanwhile
            self.refresh()

    def request(self) -> ReportRequest:
        kind = STUDY if self.study_radio.isChecked() else PARTICIPANT
        return ReportRequest(kind, self.participant_combo.currentData() if kind == PARTICIPANT else None,
                             self.pagesize_combo.currentText(), self.landmarks_combo.currentData())

    def _options_changed(self) -> None:
        self.participant_combo.setEnabled(self.participant_radio.isChecked())
        self.participant_note.setVisible(self.participant_radio.isChecked())
        self.landmarks_combo.setToolTip(f"{self.landmarks_combo.currentText()}: the landmarks the features are "
                                        "measured on (as Analyze → Features)")
        pid = self.participant_combo.currentData()
        if self.session is not None and pid in self.session.project.participants:
            consented = self.session.project.participants[pid].consent_to_share
            self.participant_note.setText("✓ consented to sharing" if consented else
                                          "✗ no consent to share: the report says to keep it inside the lab")
        else:
            self.participant_note.setText("No participants in this project yet." if self.session else "")
        self.stale_label.setVisible(self.report is not None and self.report.request != self.request())
        self._update_buttons()

    def _update_buttons(self) -> None:
        request_ok = self.session is not None and (self.study_radio.isChecked() or
                                                   self.participant_combo.currentData() is not None)
        self.build_button.setEnabled(request_ok and not self.running)
        for button in (self.pdf_button, self.html_button):
            button.setEnabled(self.report is not None and not self.running)

    def _message(self, text: str, style: str = INFO_STYLE) -> None:
        show_message(self.message_label, text, style)

    # -- building -------------------------------------------------------------------------
    def build_preview(self) -> None:
        """Build the report asked for in the background; the preview shows it when done."""
        if self.running or self.session is None:
            return
        request = self.request()
        if request.kind == PARTICIPANT and request.participant is None:
            self._message("Choose a participant first.", ERROR_STYLE)
            return
        session = self.session
        snapshot = session.snapshot()  # read by the worker only
        self._message("")

        def job(progress, cancel):  # worker thread: no widgets here
            return build_report_files(snapshot, request, progress, cancel)

        def finished(result: tuple[bytes, str]) -> None:
            self.worker = None
            if session is self.session:  # not another project opened meanwhile
                pdf, html = result
                try:
                    self._show_report(BuiltReport(request, session.project.name, pdf, html, datetime.now()))
                except ValueError as exc:
                    self._stopped(f"The report was built but cannot be shown: {exc}", True)
                    return
                self.built.emit(self.report)
            self._update_buttons()

        what = "Participant report" if request.kind == PARTICIPANT else "Study summary"
        self._start(f"Building the {what.lower()}", what, job, finished)

    def _show_report(self, report: BuiltReport | None) -> None:
        if report is None:
            self.report = None
            self.title_label.setText("Preview")
            self.preview.clear("Choose a report on the left and press “Build preview”.\n\n"
                               "The PDF is built in the background and shown here before you export it."
                               if self.session is not None else "Open a project to build reports.")
        else:
            self.preview.load(report.pdf)  # ValueError when unreadable: the previous preview stays
            self.report = report
            pages = self.preview.page_count
            self.title_label.setText(f"{report.request.describe()} — {pages} page{'s' * (pages != 1)}, "
                                     f"built {report.built:%H:%M}")
            self._message("")
        self._options_changed()

    # -- export ---------------------------------------------------------------------------
    def ask_export(self, suffix: str) -> None:
        """Ask where to save the previewed report as ``suffix`` (.pdf or .html), then save it."""
        if self.report is None:
            return
        kind = "PDF document (*.pdf)" if suffix == ".pdf" else "HTML page (*.html *.htm)"
        start = export_folder("report")  # the user's documents (or where they saved last), not the data folder
        path, _ = QFileDialog.getSaveFileName(self, f"Export the report as {suffix[1:].upper()}",
                                              str(start / self.report.default_name(suffix)), kind)
        if path and self.export(Path(path), suffix) is not None:
            remember_export_folder("report", Path(path).parent)

    def export(self, path: Path, suffix: str) -> Path | None:
        """Write the previewed report to ``path`` (``suffix`` added when it has none). None on failure
        (the reason shown)."""
        if self.report is None:
            return None
        path = Path(path)
        if path.suffix.lower() not in ((".pdf",) if suffix == ".pdf" else (".html", ".htm")):
            path = path.with_name(path.name + suffix)
        data = self.report.pdf if suffix == ".pdf" else self.report.html.encode("utf-8")
        try:
            atomic_write_bytes(path, data)
        except OSError as exc:
            self._message(f"Could not save {path}: {describe_os_error(exc)}.", ERROR_STYLE)
            return None
        self._message(f"Saved {path}", DONE_STYLE)
        return path


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
