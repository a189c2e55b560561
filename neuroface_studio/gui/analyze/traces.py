"""The Analyze workspace's Kinematic traces page: the trace of the recording selected in the
project browser (gui/analyze/kinematics.py), in 2D or 3D, linked to the Review viewer, with its
PNG/SVG export.

The 2D trace is instant and drawn on the GUI thread. The 3D trace reads every depth frame of the
recording (seconds on a minute at 60 fps), so :func:`~neuroface_studio.gui.analyze.kinematics.trace_3d`
runs on a :class:`JobWorker` on a :class:`~neuroface_studio.gui.analyze.kinematics.TraceRequest`
taken from the project (plain values and paths: the worker never sees the live project), while
the plots stay empty with "Computing the 3D trace…" and its progress. The worker is tracked
(``track_job``) so that the main window cancels and waits for it on close.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.analyze.diagnosis import FIGURE_FILTER
from neuroface_studio.gui.widgets.job_page import ask_export, new_message_label
from neuroface_studio.gui.analyze.kinematics import (KinematicTracesWidget, RecordingTrace, TraceRequest,
                                                      recording_trace, trace_3d, trace_request)
from neuroface_studio.gui.widgets.messages import show_message
from neuroface_studio.gui.widgets.workers import JobWorker
from neuroface_studio.store.errors import StoreError


class TracesPage(QWidget):
    """The selected recording's trace, linked to the Review viewer (``frame_requested`` → viewer).

    The 2D trace is drawn at once; the 3D trace reads every depth frame, so it is computed by a
    background :class:`JobWorker` (empty plots and "Computing the 3D trace…" meanwhile). Each
    request bumps a generation number: a result that arrives after another recording (or 2D, or
    another project) was asked for is dropped, and the stale job is cancelled.
    """

    trace_shown = Signal(object)  # the RecordingTrace drawn (or None)

    def __init__(self, parent: QWidget | None = None, track_job: Callable[[object], object] | None = None) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.track_job = track_job
        self.traces = KinematicTracesWidget()
        self.recording_id: str | None = None
        self.worker: JobWorker | None = None  # the 3D trace being computed
        self._job_key: tuple | None = None  # (session, recording, generation) of that job
        self._generation = 0
        self.space_combo = QComboBox()
        self.space_combo.addItem("2D: interocular distances (as Segment)", False)
        self.space_combo.addItem("3D from depth: mm, head frame (as the features)", True)
        self.space_combo.setToolTip("3D reads every depth frame of the recording (in the background)")
        self.space_combo.currentIndexChanged.connect(lambda _i: self.show_recording(self.recording_id))
        self.export_button = QPushButton("Trace → PNG/SVG…")
        self.export_button.clicked.connect(lambda: ask_export(
            self, self.session, self.message_label, "Export the trace plot", FIGURE_FILTER, self.traces.export,
            f"trace-{self.traces.trace.recording}.png" if self.traces.trace else "trace.png"))
        self.message_label = new_message_label()
        row = QHBoxLayout()
        row.addWidget(self.message_label, 1)
        row.addStretch(0)
        row.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        space = QHBoxLayout()
        space.addWidget(QLabel("Trace in"))
        space.addWidget(self.space_combo)
        space.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(space)
        layout.addWidget(self.traces, 1)
        layout.addLayout(row)
        self.export_button.setEnabled(False)

    @property
    def computing(self) -> bool:
        """A 3D trace is being computed for the recording asked for last."""
        return self.worker is not None and not self.worker.done

    def set_session(self, session: ProjectSession | None) -> None:
        self.session = session
        self.show_recording(None)

    def show_recording(self, recording_id: str | None, frame: int | None = None) -> None:
        """Show the trace of ``recording_id`` (None: nothing); a problem is shown in the plot's place.

        2D is drawn now; 3D is computed in the background (the same request still computing
        goes on rather than starting again)."""
        show_message(self.message_label, "")
        self.recording_id = recording_id
        if frame is not None:
            self.traces.frame = frame
        use_3d = bool(self.space_combo.currentData())
        if use_3d and self.computing and self._job_key[0] is self.session and self._job_key[1] == recording_id:
            return  # already on its way
        self._generation += 1
        self._cancel_job()
        if self.session is None or recording_id is None or recording_id not in self.session.project.recordings:
            self._show(None)
            return
        try:
            if use_3d:
                self._start_3d(trace_request(self.session, recording_id))
            else:
                self._show(recording_trace(self.session, recording_id))
        except (ValueError, StoreError, OSError) as exc:
            self._show(None, f"No trace for {recording_id}: {exc}")

    def _show(self, trace, message: str = "") -> None:
        self.traces.show_trace(trace, message)
        self.export_button.setEnabled(trace is not None)
        self.trace_shown.emit(trace)

    def _cancel_job(self) -> None:
        """Cancel the 3D job in flight (its outcome, if it still comes, is ignored)."""
        if self.worker is not None and not self.worker.done:
            self.worker.cancel()
        self.worker, self._job_key = None, None

    def _start_3d(self, request: TraceRequest) -> None:
        session, key = self.session, (self.session, request.recording, self._generation)
        self.traces.show_trace(None, f"Computing the 3D trace of <b>{request.recording}</b> from depth "
                                     f"({request.n_frames} frames)…")
        self.export_button.setEnabled(False)

        def job(progress, cancel):  # worker thread: no widgets, no project objects here
            return trace_3d(request, progress, cancel)

        worker = JobWorker(job, self, min_interval_s=0.2)
        self.worker, self._job_key = worker, key

        def current() -> bool:
            return self._job_key is key and self.session is session

        def progressed(done: int, total: int, _message: str) -> None:
            if current() and total > 0 and done < total:
                self.traces.info_label.setText(f"Computing the 3D trace of <b>{request.recording}</b> from depth… "
                                               f"{100 * done // total}% ({done}/{total} frames)")

        def finished(trace: RecordingTrace) -> None:
            worker.deleteLater()
            if not current():
                return  # another recording (or 2D, or project) was asked for meanwhile
            self.worker, self._job_key = None, None
            if request.recording not in session.project.recordings:  # deleted meanwhile
                self._show(None)
                return
            reps = [(r.start_frame, r.end_frame) for r in session.project.repetitions_of(request.recording)]
            self._show(replace(trace, repetitions=reps))  # the repetitions as they are now

        def failed(message: str) -> None:
            worker.deleteLater()
            if current():
                self.worker, self._job_key = None, None
                self._show(None, f"No trace for {request.recording}: {message}")

        worker.progressed.connect(progressed)
        worker.finished.connect(finished)
        worker.failed.connect(failed)
        worker.cancelled.connect(worker.deleteLater)
        if self.track_job is not None:
            self.track_job(worker)
        worker.start()
