"""The jobs panel: background jobs shown without blocking the window (issue 18 item 4).

Each job started through :func:`~neuroface_studio.gui.widgets.job_progress.run_with_progress` gets a
compact :class:`JobEntry` (title, progress bar, message, Cancel) in a :class:`JobsPanel`: the main
window's, in its status bar, or a small floating one for windows without it (a dialog, a test).

A job may declare what it writes (``writes``: resource names such as :data:`TRACKS`). Two jobs that
write the same resource never run at once: the later one waits in the panel ("waiting for …") and
starts when the first ends (or is cancelled while it waits). The main window also disables the
actions that would conflict while such a job runs (``writing()``), with a tooltip saying why.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

#: landmark track files of recordings (written by landmarking, proposing repetitions, batch)
TRACKS = "landmark tracks"
#: the project file (a job that saves the project and reopens it afterwards)
PROJECT_FILE = "project file"
#: the project's contents, saved by a job on its own session of the folder (import, batch): the window's
#: copy is reopened when the job ends, so it must not be edited meanwhile (Review, Analyze, Report stay usable)
PROJECT_CONTENTS = "project contents"
#: recordings added to the project (import)
RECORDINGS = "recordings"
#: repetitions (segmentation) of recordings (batch's segment step)
REPETITIONS = "repetitions"
#: per-participant PDF reports (batch's report step)
REPORTS = "participant reports"


class JobEntry(QFrame):
    """One job: "Title  [====    ]  message  [Cancel]"."""

    cancel_requested = Signal()

    def __init__(self, title: str, writes: frozenset[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobEntry")
        self.title = title
        self.writes = writes
        self.worker = None
        self.waiting_for: str | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 0, 2, 0)
        row.setSpacing(6)
        self.title_label = QLabel(f"<b>{title}</b>")
        self.bar = QProgressBar()
        self.bar.setObjectName("jobProgress")
        self.bar.setFixedWidth(150)
        self.bar.setMaximumHeight(16)
        self.bar.setRange(0, 0)
        self.message_label = QLabel("starting…")
        self.message_label.setObjectName("jobMessage")
        self.message_label.setFixedWidth(230)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("jobCancel")
        self.cancel_button.setToolTip(f"Stop {title.lower()} at its next step")
        self.cancel_button.clicked.connect(self._cancel_clicked)
        for w in (self.title_label, self.bar, self.message_label, self.cancel_button):
            row.addWidget(w)

    def set_message(self, text: str) -> None:
        metrics = self.message_label.fontMetrics()
        self.message_label.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, self.message_label.width()))
        self.message_label.setToolTip(text)

    def set_progress(self, done: int, total: int, message: str) -> None:
        if self.bar.maximum() != max(total, 0):
            self.bar.setRange(0, max(total, 0))
        self.bar.setValue(max(0, min(done, total)))
        self.set_message(message)

    def set_waiting(self, other: str | None) -> None:
        self.waiting_for = other
        if other is not None:
            self.set_message(f"waiting for {other.lower()} to end")

    def _cancel_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.set_message("cancelling…")
        self.cancel_requested.emit()


class JobsPanel(QWidget):
    """The running and waiting jobs, side by side; hidden when there are none."""

    jobs_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobsPanel")
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(4)
        self.entries: list[JobEntry] = []
        self.setVisible(False)

    # -- what runs ----------------------------------------------------------------------
    def writing(self, resource: str) -> str | None:
        """The title of a running or waiting job that writes ``resource``, else None."""
        return next((e.title for e in self.entries if resource in e.writes), None)

    def _conflict(self, writes: frozenset[str], before: JobEntry | None = None) -> str | None:
        for e in self.entries:
            if e is before:
                break
            if e.writes & writes:
                return e.title
        return None

    # -- lifecycle ----------------------------------------------------------------------
    def add(self, title: str, worker, writes=()) -> JobEntry:
        """Show ``worker``'s job and start it now, or once the jobs writing the same things end."""
        entry = JobEntry(title, frozenset(writes), self)
        entry.worker = worker
        entry.cancel_requested.connect(worker.cancel)
        self.entries.append(entry)
        self.row.addWidget(entry)
        self.setVisible(True)
        entry.set_waiting(self._conflict(entry.writes, entry))
        if entry.waiting_for is None:
            worker.start()
        self.jobs_changed.emit()
        return entry

    def remove(self, entry: JobEntry) -> None:
        """The job ended: drop its entry and start the waiting jobs it held back."""
        if entry not in self.entries:
            return
        self.entries.remove(entry)
        self.row.removeWidget(entry)
        entry.hide()
        entry.deleteLater()
        for e in list(self.entries):
            if e.waiting_for is not None and not e.worker.token.cancelled:
                e.set_waiting(self._conflict(e.writes, e))
                if e.waiting_for is None:
                    e.set_message("starting…")
                    e.worker.start()
        self.setVisible(bool(self.entries))
        self.jobs_changed.emit()


class FloatingJobs(JobsPanel):
    """A small non-modal tool window for windows without a jobs panel (dialogs, tests)."""

    def __init__(self, owner: QWidget) -> None:
        super().__init__(owner)
        self.setWindowFlags(Qt.WindowType.Tool)
        self.setWindowTitle("Background jobs")
        self.row.setContentsMargins(6, 6, 6, 6)

    def add(self, title: str, worker, writes=()) -> JobEntry:
        entry = super().add(title, worker, writes)
        self.adjustSize()
        owner = self.parentWidget()
        if owner is not None and owner.isVisible():
            corner = owner.mapToGlobal(owner.rect().bottomLeft())
            self.move(corner.x() + 12, corner.y() - self.height() - 40)
        return entry


def jobs_panel_for(widget: QWidget) -> JobsPanel:
    """The jobs panel of ``widget``'s window: the main window's (attribute ``jobs_panel``), else a
    floating one made for that window once."""
    window = widget.window()
    panel = getattr(window, "jobs_panel", None)
    if isinstance(panel, JobsPanel):
        return panel
    floating = window.findChild(FloatingJobs)
    return floating if floating is not None else FloatingJobs(window)
