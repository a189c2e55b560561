"""Run a job with a modal progress dialog (QProgressDialog + JobWorker), with Cancel.

The caller passes what to do with the outcome; failures are shown as a clear message box,
never a traceback.
"""

from __future__ import annotations

from typing import Callable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from neuroface_studio.gui.widgets.workers import JobFn, JobWorker


def run_with_progress(parent: QWidget, title: str, fn: JobFn, on_finished: Callable[[object], None],
                      on_cancelled: Callable[[], None] | None = None,
                      on_failed: Callable[[str], None] | None = None) -> JobWorker:
    """Start ``fn(progress, cancel)`` in the background; returns the worker (keep a reference)."""
    dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setMinimumDuration(0)
    dialog.setMinimumWidth(460)
    worker = JobWorker(fn, parent)
    state = {"closed": False}

    def progressed(done: int, total: int, message: str) -> None:
        # closed: a progress event queued before the outcome arrived after it; not valid: the
        # window that owned the dialog was destroyed while the job ran on (it is cancelled then)
        if state["closed"] or not shiboken6.isValid(dialog):
            return
        dialog.setLabelText(f"{title}\n{message}")
        if dialog.maximum() != total:
            dialog.setMaximum(max(total, 0))
        # last: a modal QProgressDialog processes events in setValue, where the job's outcome can
        # arrive and close (delete) the dialog; nothing may touch it afterwards
        dialog.setValue(min(done, total))

    def close() -> bool:
        """Close the dialog; False when its window is gone (then nobody is told the outcome)."""
        state["closed"] = True
        if state.get("gone") or not shiboken6.isValid(dialog):
            return False
        dialog.canceled.disconnect(cancel_requested)  # closing a QProgressDialog emits canceled
        dialog.reset()
        dialog.close()
        dialog.deleteLater()
        worker.deleteLater()
        return True

    def finished(result: object) -> None:
        if close():
            on_finished(result)

    def failed(message: str) -> None:
        if not close():
            return
        if on_failed is not None:
            on_failed(message)
        else:
            QMessageBox.warning(parent, title, f"{title} failed:\n\n{message}")

    def cancelled() -> None:
        if close() and on_cancelled is not None:
            on_cancelled()

    def cancel_requested() -> None:
        dialog.setLabelText(f"{title}\nCancelling…")
        worker.cancel()

    worker.progressed.connect(progressed)
    worker.finished.connect(finished)
    worker.failed.connect(failed)
    worker.cancelled.connect(cancelled)
    dialog.canceled.connect(cancel_requested)

    def owner_gone() -> None:
        state["closed"] = state["gone"] = True
        if shiboken6.isValid(worker):
            worker.cancel()

    dialog.destroyed.connect(owner_gone)
    dialog.show()
    worker.start()
    return worker
