"""Run a job with a modal progress dialog (QProgressDialog + JobWorker), with Cancel.

The caller passes what to do with the outcome; failures are shown as a clear message box,
never a traceback.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from neuroface_studio.gui.workers import JobFn, JobWorker


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

    def progressed(done: int, total: int, message: str) -> None:
        if dialog.maximum() != total:
            dialog.setMaximum(max(total, 0))
        dialog.setValue(min(done, total))
        dialog.setLabelText(f"{title}\n{message}")

    def close() -> None:
        dialog.canceled.disconnect(cancel_requested)  # closing a QProgressDialog emits canceled
        dialog.reset()
        dialog.close()
        dialog.deleteLater()
        worker.deleteLater()

    def finished(result: object) -> None:
        close()
        on_finished(result)

    def failed(message: str) -> None:
        close()
        if on_failed is not None:
            on_failed(message)
        else:
            QMessageBox.warning(parent, title, f"{title} failed:\n\n{message}")

    def cancelled() -> None:
        close()
        if on_cancelled is not None:
            on_cancelled()

    def cancel_requested() -> None:
        dialog.setLabelText(f"{title}\nCancelling…")
        worker.cancel()

    worker.progressed.connect(progressed)
    worker.finished.connect(finished)
    worker.failed.connect(failed)
    worker.cancelled.connect(cancelled)
    dialog.canceled.connect(cancel_requested)
    dialog.show()
    worker.start()
    return worker
