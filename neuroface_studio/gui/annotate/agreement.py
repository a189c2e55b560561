"""The Annotate workspace's inter-annotator agreement, recomputed in the background after edits.

The agreement of the whole project compares every pair of annotators on every frame they share:
on a large project that takes long enough to freeze the editor if it ran on the GUI thread after
each edit. :class:`AgreementUpdater` debounces requests (one computation 300 ms after the last
edit), takes an immutable snapshot of every annotator's landmarks on the GUI thread (copies of
the arrays: the worker never sees the live project, which the GUI thread keeps editing), and runs
:func:`neuroface_studio.analysis.agreement.agreement` on a :class:`JobWorker`. Requests that come
while it computes are coalesced: one more computation once it has finished, on the state then.
A result computed for another project than the one open when it arrives is dropped.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from neuroface_studio.analysis.agreement import agreement
from neuroface_studio.app import annotation as ann
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.gui.widgets.workers import JobWorker, start_quiet

log = logging.getLogger(__name__)

#: how long after the last edit the agreement is recomputed (ms)
DEBOUNCE_MS = 300


def agreement_snapshot(session: ProjectSession) -> dict[str, dict]:
    """annotator -> {(recording, frame): (points_px (68, 2), visible (68,))}, as copies."""
    return {who: {key: (np.array(points, copy=True), np.array(visible, copy=True))
                  for key, (points, visible) in sets.items()}
            for who, sets in ann.annotations_by_annotator(session).items()}


class AgreementUpdater(QObject):
    """Debounced, coalesced background computation of the project's agreement; ``updated(result)``
    on the GUI thread with :func:`~neuroface_studio.app.annotation.inter_annotator_agreement`'s result."""

    updated = Signal(dict)

    def __init__(self, parent: QObject | None = None, track_job: Callable[[JobWorker], object] | None = None,
                 delay_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.session: ProjectSession | None = None
        self.worker: JobWorker | None = None
        self._track_job = track_job
        self._again = False  # asked for while computing: once more after it
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.compute_now)

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.done

    @property
    def pending(self) -> bool:
        """A computation is waiting for the debounce delay, running, or due after the running one."""
        return self._timer.isActive() or self.running or self._again

    def set_session(self, session: ProjectSession | None) -> None:
        """Follow ``session`` (a computation running for the previous one is dropped when it ends)."""
        if session is not self.session:
            self.session = session
            self._timer.stop()
            self._again = False

    def schedule(self) -> None:
        """Recompute :data:`DEBOUNCE_MS` after the last call (an edit)."""
        if self.session is not None:
            self._timer.start()

    def compute_now(self) -> None:
        """Recompute now in the background (once more after the running computation, if any)."""
        self._timer.stop()
        if self.session is None:
            return
        if self.running:
            self._again = True
            return
        session, snapshot = self.session, agreement_snapshot(self.session)

        def job(progress, cancel):  # worker thread: the snapshot only, no widgets, no project objects
            return agreement(snapshot)

        worker = JobWorker(job, self)
        self.worker = worker

        def ended(result: dict | None) -> None:
            worker.deleteLater()
            self.worker = None
            if result is not None and session is self.session:
                self.updated.emit(result)
            if self._again:
                self._again = False
                if not self._timer.isActive():  # else the debounce delay running will start it
                    self.compute_now()

        def failed(message: str) -> None:
            log.warning("inter-annotator agreement failed: %s", message)
            ended(None)

        start_quiet(worker, ended, failed, self._track_job)
