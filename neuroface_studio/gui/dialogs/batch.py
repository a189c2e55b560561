"""Tools → Batch process…: run steps over the project's recordings, as ``neuroface-studio batch``.

A thin view over :func:`neuroface_studio.app.batch.run_batch`: the dialog gathers the steps
(landmarks, segment, features, report), the landmark model (the registry's models), local worker
processes or a Dask scheduler address, and the recordings (all, or those under the row selected
in the project browser). On Run the dialog closes and the batch runs as a job of the window's jobs
panel (status bar: progress, the task counts, Cancel); the window stays usable. Cancel is
cooperative (running tasks stop at their next frame, finished work is kept and saved). When it
ends a non-modal box says what was done, skipped or FAILED (with the reason), every task's line
under "Show Details".

The batch opens its own copy of the project and is the only writer of the project file while it
runs: the main window makes sure there are no unsaved edits before opening this dialog, prevents
edits while the job runs (it declares ``BATCH_WRITES``) and reopens the project from disk when
``batch_ended`` is emitted.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton,
                               QRadioButton, QSpinBox, QVBoxLayout, QWidget)

from neuroface_studio.app.batch import STEPS, default_workers, run_batch
from neuroface_studio.app.batch_tasks import report_path
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.widgets.job_progress import run_with_progress, show_notice
from neuroface_studio.gui.widgets.jobs_panel import PROJECT_CONTENTS, REPETITIONS, REPORTS, TRACKS
from neuroface_studio.gui.widgets.messages import DONE_STYLE, ERROR_STYLE, INFO_STYLE
from neuroface_studio.gui.widgets.workers import JobWorker

STEP_TIPS = {
    "landmarks": "Landmarks on every frame with the model below (resumes an interrupted track)",
    "segment": "Propose repetitions for recordings that have none (a human's repetitions are never replaced)",
    "features": "Per-repetition kinematic features from the model's track (3D from depth)",
    "report": "One PDF report per participant, after every recording is through",
}
DEFAULT_STEPS = ("landmarks", "segment", "features")
# tcp://host:port, tls://host:port, ws://..., or host:port (what a Dask scheduler prints at start)
SCHEDULER_RE = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://)?(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$")
#: landmark tracks, proposed repetitions, reports, and the project file saved on the batch's own session
#: (the window's copy is reopened when it ends, so it is not edited meanwhile)
BATCH_WRITES = (TRACKS, REPETITIONS, REPORTS, PROJECT_CONTENTS)


def scheduler_problem(text: str) -> str:
    """Why ``text`` is not a Dask scheduler address ('' when it looks like one, or is empty)."""
    text = text.strip()
    if not text:
        return ""
    m = SCHEDULER_RE.match(text)
    if m is None or not 0 < int(m.group(1)) < 65536:
        return f"“{text}” is not a scheduler address: give tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    return ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class BatchDialog(QDialog):
    """Steps, model, workers or scheduler, recordings; Run in the background with a live log; Cancel."""

    batch_ended = Signal(object)  # the BatchReport (None when the batch could not start)

    def __init__(self, session: ProjectSession, selected: list[str] | None = None, parent: QWidget | None = None,
                 store_dir: Path | None = None, track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(parent)
        self.folder = session.folder
        self.all_ids = sorted(session.project.recordings)
        self.selected_ids = [r for r in (selected or []) if r in session.project.recordings]
        self.store_dir = store_dir
        self.track_job = track_job
        self.worker: JobWorker | None = None
        self.report = None
        self.log: list[str] = []  # one line per task of the last batch (done / skipped / FAILED …)
        self.summary = ""  # the last batch's outcome (HTML), as the notice shows it
        self.notice = None  # the non-modal result box of the last batch
        self.setWindowTitle("Batch process")
        self.resize(760, 360)

        self.step_boxes: dict[str, QCheckBox] = {}
        steps = QHBoxLayout()
        for step in STEPS:
            box = QCheckBox(step)
            box.setToolTip(STEP_TIPS.get(step, ""))
            box.setChecked(step in DEFAULT_STEPS)
            box.toggled.connect(self._update)
            self.step_boxes[step] = box
            steps.addWidget(box)
        steps.addStretch(1)

        self.model_combo = QComboBox()
        self._fill_models()

        self.all_radio = QRadioButton(f"All recordings ({len(self.all_ids)})")
        n_sel = len(self.selected_ids)
        shown = ", ".join(self.selected_ids[:3]) + (", …" if n_sel > 3 else "")
        self.selected_radio = QRadioButton(f"Selected in the project browser ({n_sel}{': ' + shown if n_sel else ''})")
        self.selected_radio.setToolTip("The recording selected in the project browser, or every recording of the "
                                       "selected participant or session")
        self.selected_radio.setEnabled(bool(n_sel))
        self.all_radio.setChecked(True)
        self._recordings_group = QButtonGroup(self)
        for radio in (self.all_radio, self.selected_radio):
            self._recordings_group.addButton(radio)
            radio.toggled.connect(self._recordings_changed)
        recordings = QVBoxLayout()
        recordings.setSpacing(2)
        recordings.addWidget(self.all_radio)
        recordings.addWidget(self.selected_radio)

        self.workers_spin = QSpinBox()
        self.workers_spin.setRange(1, 256)
        self.workers_spin.setToolTip("Local worker processes (default: one per core, at most one per recording)")
        self.workers_spin.setValue(default_workers(len(self.all_ids) or 1))
        self.scheduler_edit = QLineEdit()
        self.scheduler_edit.setPlaceholderText("optional: tcp://HOST:8786 of a running Dask scheduler")
        self.scheduler_edit.setToolTip("Send the tasks to a running Dask distributed cluster instead of local "
                                       "processes; its workers need NeuroFace Studio and this project folder at the "
                                       "same path")
        self.scheduler_edit.textChanged.connect(self._update)
        self.scheduler_error = QLabel()
        self.scheduler_error.setStyleSheet("color: #b71c1c;")
        self.scheduler_error.setWordWrap(True)
        self.scheduler_error.hide()

        form = QFormLayout()
        form.addRow("Steps:", steps)
        form.addRow("Landmark model:", self.model_combo)
        form.addRow("Recordings:", recordings)
        form.addRow("Worker processes:", self.workers_spin)
        form.addRow("Dask scheduler:", self.scheduler_edit)
        form.addRow("", self.scheduler_error)
        self.settings_box = QGroupBox("Batch")
        self.settings_box.setLayout(form)
        note = QLabel("Up-to-date results are skipped and interrupted landmarking resumes, so running again is "
                      "safe. The batch saves the project file; the project is reloaded afterwards.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")

        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.setToolTip("Close this dialog and run the batch in the background: its progress and "
                                   "Cancel are in the status bar, the result is shown when it ends")
        self.run_button.clicked.connect(self.start)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.run_button, self.close_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        layout.addWidget(self.settings_box)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._update()

    # -- input ----------------------------------------------------------------------------
    def _fill_models(self) -> None:
        from neuroface_studio.vision import registry
        try:
            rows = registry.list_models(self.store_dir)
        except ValueError as exc:  # a broken model store: only the problem is shown
            self.model_combo.addItem(f"(no models: {exc})", None)
            return
        for row in rows:
            text = row.name + (" (active)" if row.active else "") + ("" if row.available else " — not installed")
            self.model_combo.addItem(text, row.name)
            item = self.model_combo.model().item(self.model_combo.count() - 1)
            if not row.available:
                item.setEnabled(False)
            item.setToolTip(row.problem or f"{row.architecture} {row.version} ({row.origin})")
            if row.active and row.available:
                self.model_combo.setCurrentIndex(self.model_combo.count() - 1)

    def steps(self) -> list[str]:
        return [s for s, box in self.step_boxes.items() if box.isChecked()]

    def model(self) -> str | None:
        return self.model_combo.currentData()

    def recording_ids(self) -> list[str]:
        return list(self.selected_ids) if self.selected_radio.isChecked() else list(self.all_ids)

    def scheduler(self) -> str | None:
        return self.scheduler_edit.text().strip() or None

    def _recordings_changed(self) -> None:
        self.workers_spin.setValue(default_workers(len(self.recording_ids()) or 1))
        self._update()

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.done

    def _update(self) -> None:
        running = self.running
        problem = scheduler_problem(self.scheduler_edit.text())
        self.scheduler_error.setText(problem)
        self.scheduler_error.setVisible(bool(problem))
        self.workers_spin.setEnabled(self.scheduler() is None)
        self.run_button.setEnabled(not running and bool(self.steps()) and not problem and self.model() is not None
                                   and bool(self.recording_ids()))

    # -- run ------------------------------------------------------------------------------
    def start(self) -> bool:
        """Close the dialog and run the batch as a job of the window's jobs panel (progress, Cancel).
        False if it cannot start with the current input."""
        if self.running or not self.run_button.isEnabled():
            return False
        steps, ids, model, scheduler = self.steps(), self.recording_ids(), self.model(), self.scheduler()
        workers = None if scheduler else self.workers_spin.value()
        folder, store = self.folder, self.store_dir
        holder: dict = {}
        lines: list[str] = []

        def job(progress, cancel):  # worker thread: run_batch opens its own session of the folder
            def each_task(done: int, total: int, message: str) -> None:
                line, _, counts = message.partition(" | ")
                lines.append(line)  # every task's line (the panel's progress is throttled)
                progress(done, total, counts or line)
            holder["report"] = run_batch(folder, steps, recording_ids=ids, model=model, workers=workers,
                                         scheduler=scheduler, store_dir=store, progress=each_task, cancel=cancel)
            return holder["report"]

        self.log, self.report, self.summary = lines, None, ""
        where = f"the Dask cluster at {scheduler}" if scheduler else f"{_plural(workers, 'local worker process')}"
        self._what = (f"{', '.join(steps)} on {_plural(len(ids), 'recording')} with {model} ({where})")
        window = self.parentWidget() or self
        self.accept()  # the choices are made: the window stays usable while the batch runs
        self.worker = run_with_progress(window, "Batch processing", job, on_finished=self._ended,
                                        on_cancelled=lambda: self._ended(holder.get("report")),
                                        on_failed=self._failed, writes=BATCH_WRITES)
        if self.track_job is not None:
            self.track_job(self.worker)
        return True

    def _ended(self, report) -> None:
        self.report = report
        if report is None:  # cancelled before the batch had started
            self._notice("Batch cancelled before any task ran; nothing was changed.", INFO_STYLE)
        else:
            c = report.counts()
            ended = "Cancelled" if report.cancelled else "Finished"
            lines = [f"{ended} in {report.seconds:.1f} s: {html.escape(self._what)}.",
                     f"<b>{c['done']} done, {c['skipped']} skipped</b> (up to date or not applicable), "
                     f"<b>{c['failed']} failed</b>" + (f", {c['cancelled']} stopped" if c["cancelled"] else "")
                     + f" — {report.model} on {report.executor}."]
            if report.applied:
                lines.append(f"Proposed repetitions applied to {_plural(len(report.applied), 'recording')} without "
                             "any: " + html.escape(", ".join(report.applied)) + ".")
            if report.features_csv:
                lines.append(f"Features of every recording: {html.escape(report.features_csv)}")
            reports = [r.target for r in report.results
                       if r.step == "report" and report_path(self.folder, r.target).is_file()]
            if reports:
                folder = report_path(self.folder, reports[0]).parent
                lines.append(f"Participant reports (PDF): {html.escape(str(folder))}")
            lines += [html.escape(f"FAILED {r.step} {r.target}: {r.detail}") for r in report.failed]
            if report.cancelled:
                lines.append("Cancelled: finished work is kept; Run again resumes.")
            style = ERROR_STYLE if report.failed else (INFO_STYLE if report.cancelled else DONE_STYLE)
            self._notice("<br>".join(lines), style)
        self.batch_ended.emit(report)

    def _failed(self, message: str) -> None:
        self._notice(html.escape(f"The batch did not run: {message}"), ERROR_STYLE)
        self.batch_ended.emit(None)

    def _notice(self, text: str, style: str) -> None:
        """The outcome in a non-modal box over the window, with every task's line under "Show Details"."""
        self.summary = text
        level = {ERROR_STYLE: "error", INFO_STYLE: "info"}.get(style, "done")
        self.notice = show_notice(self.parentWidget() or self, "Batch process", text, level, "\n".join(self.log))
