"""Run long app/ jobs on a background thread: the QThread adapter at the GUI edge.

Any job of the form ``fn(progress, cancel) -> result`` (see app/jobs.py) runs in a
:class:`JobWorker`. The job never touches widgets; it reports through the progress
callback, which the worker throttles and forwards to the GUI thread as the queued signal
``progressed(done, total, message)``. Exactly one of ``finished(result)``, ``failed(message)``
or ``cancelled()`` follows. Cancelling sets the job's CancelToken (the job raises
JobCancelled at its next check) and requests interruption of the thread; a job cancelled before it
was started (it waited for another in the jobs panel) never runs and reports ``cancelled()``.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from neuroface_studio.app.jobs import CancelToken, JobCancelled

log = logging.getLogger(__name__)

JobFn = Callable[[Callable[[int, int, str], None], CancelToken], Any]


class _JobThread(QThread):
    """The thread itself. Its signals are emitted from the worker thread (queued to receivers)."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    errored = Signal(str)
    was_cancelled = Signal()

    def __init__(self, fn: JobFn, token: CancelToken, min_interval_s: float) -> None:
        super().__init__()
        self._fn = fn
        self._token = token
        self._min_interval_s = min_interval_s
        self._last_emit = 0.0

    def _progress(self, done: int, total: int, message: str) -> None:
        if self.isInterruptionRequested():
            self._token.cancel()
        now = time.monotonic()
        if done >= total or now - self._last_emit >= self._min_interval_s:
            self._last_emit = now
            self.progressed.emit(int(done), int(total), str(message))

    def run(self) -> None:  # noqa: D401 - QThread API
        try:
            result = self._fn(self._progress, self._token)
        except JobCancelled:
            self.was_cancelled.emit()
        except Exception as exc:  # noqa: BLE001 - any job failure becomes a message for the user
            log.exception("background job failed")
            self.errored.emit(str(exc) or type(exc).__name__)
        else:
            if self._token.cancelled:
                self.was_cancelled.emit()
            else:
                self.succeeded.emit(result)


class JobWorker(QObject):
    """Run ``fn(progress, cancel)`` on a background thread; lives in (and signals to) the GUI thread.

    progress is throttled to one ``progressed`` signal per ``min_interval_s`` (the last step
    of a job is always reported).
    """

    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn: JobFn, parent: QObject | None = None, min_interval_s: float = 0.05) -> None:
        super().__init__(parent)
        self.token = CancelToken()
        self._thread = _JobThread(fn, self.token, min_interval_s)
        self._thread.progressed.connect(self.progressed)
        self._thread.succeeded.connect(self._on_succeeded)
        self._thread.errored.connect(self._on_errored)
        self._thread.was_cancelled.connect(self._on_cancelled)
        self._done = False
        self._started = False

    # -- control -----------------------------------------------------------------------
    def start(self) -> None:
        if self._started or self._done:
            return
        self._started = True
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop at its next check; ``cancelled`` follows when it has (at once, from
        the event loop, when it was never started)."""
        already = self.token.cancelled
        self.token.cancel()
        if not self._started:
            if not already and not self._done:
                QTimer.singleShot(0, self, self._cancel_unstarted)
            return
        self._thread.requestInterruption()

    def _cancel_unstarted(self) -> None:
        if not self._started and not self._done:
            self._on_cancelled()

    def stop(self, timeout_ms: int = 5000) -> bool:
        """Cancel and wait for the thread to end (used when the window closes). True if it ended."""
        self.cancel()
        return self._thread.wait(timeout_ms)

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    @property
    def started(self) -> bool:
        """False while the job waits (for another job writing the same things) to be started."""
        return self._started

    @property
    def done(self) -> bool:
        """True once finished, failed or cancelled was emitted."""
        return self._done

    # -- results (GUI thread) ------------------------------------------------------------
    def _finish(self) -> None:
        self._done = True
        self._thread.wait()

    def _on_succeeded(self, result: object) -> None:
        self._finish()
        self.finished.emit(result)

    def _on_errored(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()


def start_quiet(worker: JobWorker, ended: Callable[[object], None], failed: Callable[[str], None],
                track_job: Callable[[JobWorker], object] | None = None) -> None:
    """Start a background job with no progress shown: ``ended(result)`` on success, ``ended(None)``
    when cancelled, ``failed(message)`` on an error; ``track_job`` (the window's) stops it on close."""
    worker.finished.connect(ended)
    worker.failed.connect(failed)
    worker.cancelled.connect(lambda: ended(None))
    if track_job is not None:
        track_job(worker)
    worker.start()
