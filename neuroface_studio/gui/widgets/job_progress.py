"""Run a job in the background with its progress and Cancel in the window's jobs panel (non-modal).

The window stays usable while the job runs (issue 18 item 4): the progress is an entry of the
main window's jobs panel (status bar), or of a small floating panel for a window without one
(gui/widgets/jobs_panel.py). The caller passes what to do with the outcome; failures are shown as
a clear non-modal notice, never a traceback. ``writes`` names what the job writes (e.g.
:data:`~neuroface_studio.gui.widgets.jobs_panel.TRACKS`): a second job writing the same waits
until the first ends.
"""

from __future__ import annotations

from html import escape
from typing import Callable, Iterable

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from neuroface_studio.gui.widgets.jobs_panel import jobs_panel_for
from neuroface_studio.gui.widgets.workers import JobFn, JobWorker


def run_with_progress(parent: QWidget, title: str, fn: JobFn, on_finished: Callable[[object], None],
                      on_cancelled: Callable[[], None] | None = None,
                      on_failed: Callable[[str], None] | None = None,
                      writes: Iterable[str] = ()) -> JobWorker:
    """Start ``fn(progress, cancel)`` in the background; returns the worker (keep a reference).

    Exactly one of ``on_finished(result)``, ``on_failed(message)`` (default: a non-modal error notice) or
    ``on_cancelled()`` is called on the GUI thread, unless ``parent`` was destroyed meanwhile (the
    job is cancelled then and nobody is told)."""
    panel = jobs_panel_for(parent)
    worker = JobWorker(fn, parent)
    token = worker.token  # reachable after the worker (a child of parent) is gone with it
    state = {"closed": False}

    def progressed(done: int, total: int, message: str) -> None:
        # closed: a progress event queued before the outcome arrived after it
        if not state["closed"] and shiboken6.isValid(entry):
            entry.set_progress(done, total, message)

    def close() -> bool:
        """Take the entry away; False when the parent is gone (then nobody is told the outcome)."""
        if state["closed"]:
            return False
        state["closed"] = True
        if shiboken6.isValid(panel):
            panel.remove(entry)
        if not shiboken6.isValid(parent):
            return False
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
            show_notice(parent, title, f"<b>{escape(title)} failed.</b><br><br>{escape(message)}", "error")

    def cancelled() -> None:
        if close() and on_cancelled is not None:
            on_cancelled()

    def owner_gone() -> None:  # the page that started the job was destroyed while it ran on
        token.cancel()
        if not state["closed"]:
            state["closed"] = True
            if shiboken6.isValid(panel):
                panel.remove(entry)

    worker.progressed.connect(progressed)
    worker.finished.connect(finished)
    worker.failed.connect(failed)
    worker.cancelled.connect(cancelled)
    parent.destroyed.connect(owner_gone)
    entry = panel.add(title, worker, writes)
    return worker


NOTICE_ICONS = {"done": QMessageBox.Icon.Information, "info": QMessageBox.Icon.Information,
                "warn": QMessageBox.Icon.Warning, "error": QMessageBox.Icon.Critical}


def show_notice(parent: QWidget, title: str, html_text: str, level: str = "done", details: str = "",
                actions: dict[str, Callable[[], None]] | None = None) -> QMessageBox:
    """A job's outcome in a non-modal message box over ``parent``'s window (the window stays usable;
    the box stays until closed). ``level``: done, info, warn or error; ``details``: e.g. a job's log;
    ``actions``: extra buttons (text: what clicking does; the box closes after it)."""
    box = QMessageBox(NOTICE_ICONS.get(level, QMessageBox.Icon.Information), title, html_text,
                      QMessageBox.StandardButton.Close, parent.window())
    box.setObjectName("jobNotice")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if details:
        box.setDetailedText(details)
    for text, action in (actions or {}).items():
        box.addButton(text, QMessageBox.ButtonRole.ActionRole).clicked.connect(action)
    box.show()
    return box
