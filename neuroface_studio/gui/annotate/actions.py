"""Actions of the Annotate workspace that fill the queue or move annotations in and out of the
project: choose frames (background job), add the Review frame, export and import.

A mixin of :class:`~neuroface_studio.gui.annotate.workspace.AnnotateWorkspacePanel` (which holds
``session``, ``svc``, ``review``, ``current`` and ``show_item``); the dialogs live in
gui/annotate/dialogs.py, the work in app/annotation.py and app/annotation_io.py.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from neuroface_studio.app import annotation as ann
from neuroface_studio.domain.annotations import QueueItem
from neuroface_studio.gui.annotate.dialogs import (ChooseFramesDialog, ExportAnnotationsDialog, ExportRequest,
                                                   ImportAnnotationsDialog)
from neuroface_studio.gui.widgets.job_progress import run_with_progress
from neuroface_studio.store.errors import StoreError


class AnnotateActionsMixin:
    """Queue, export and import actions (see the module docstring)."""

    def _build_actions(self) -> None:
        self.export_action = QAction("E&xport Annotations…", self)
        self.export_action.setStatusTip("Write annotations as iBUG .pts files or CSV")
        self.export_action.triggered.connect(lambda: self.export_annotations())
        self.import_action = QAction("&Import Annotations…", self)
        self.import_action.setStatusTip("Import .pts folders or CSV, with a preview of what is skipped")
        self.import_action.triggered.connect(lambda: self.import_annotations())

    # -- queue ----------------------------------------------------------------------------
    def choose_frames(self, per_recording: int | None = None, recording_ids: list[str] | None = None,
                      replace: bool = False):
        """Choose frames in the background (progress, cancel), then queue them (one undo step).
        Without ``per_recording`` a dialog asks. Returns the worker, or None."""
        if self.session is None or self.svc is None:
            return None
        if per_recording is None:
            current = self.review.recording_id if self.review is not None else None
            dialog = ChooseFramesDialog(current, self)
            if dialog.exec() != ChooseFramesDialog.DialogCode.Accepted:
                return None
            per_recording, replace = dialog.count.value(), dialog.replace.isChecked()
            recording_ids = [current] if dialog.only_current.isChecked() and current else None
        self.commit_pending()
        session = self.session

        def job(progress, cancel):
            return ann.propose_frames(session, recording_ids, per_recording, None, progress, cancel)

        def done(items) -> None:
            if session is not self.session:
                return
            ann.queue_frames(session, items, replace_queue=replace)
            self._status(f"Queued {len(items)} frame(s) for annotation")
            if self.current is None or replace:
                first = self.svc.next_item()
                if first is not None:
                    self.show_item(first)

        self.job = self._track_job(run_with_progress(
            self.window(), "Choosing frames to annotate", job, on_finished=done,
            on_cancelled=lambda: self._status("Choosing frames cancelled; nothing was queued")))
        return self.job

    def add_review_frame(self) -> None:
        """Queue the frame shown in the Review workspace and open it."""
        if self.svc is None or self.review is None or self.review.recording_id is None:
            self._status("Open a recording in Review first")
            return
        item = QueueItem(self.review.recording_id, int(self.review.frame), "manual")
        if item.key not in {q.key for q in self.svc.queue()}:
            ann.queue_frames(self.session, [item])
        self.show_item(next(q for q in self.svc.queue() if q.key == item.key))

    # -- export / import ------------------------------------------------------------------------
    def export_annotations(self, request: ExportRequest | None = None):
        """Export (asks with a dialog without ``request``); returns the ExportResult, or None."""
        from neuroface_studio.app.annotation_io import export_annotations
        if self.session is None:
            return None
        self.commit_pending()
        if request is None:
            no_consent = sorted(p.id for p in self.session.project.participants.values() if not p.consent_to_share)
            dialog = ExportAnnotationsDialog(self.session.project.annotators(), self.session.folder.parent, self,
                                             no_consent)
            if dialog.exec() != ExportAnnotationsDialog.DialogCode.Accepted:
                return None
            request = dialog.request()
        try:
            result = export_annotations(self.session, request.dest, request.fmt, request.which, request.consented_only)
        except (ValueError, StoreError, OSError) as exc:
            QMessageBox.warning(self, "Export annotations", f"Nothing was exported:\n\n{exc}")
            return None
        text = f"Wrote {result.written} annotation(s) to {request.dest}."
        if result.left_out_participants:
            text += ("\n\nLeft out (no consent to share): " + ", ".join(result.left_out_participants)
                     + ". Tick \"Include participants without consent\" for use inside the lab.")
        QMessageBox.information(self, "Export annotations", text)
        return result

    def import_annotations(self) -> int:
        if self.session is None:
            return 0
        self.commit_pending()
        dialog = ImportAnnotationsDialog(self.session, self)
        if self.annotator:
            dialog.annotator.setText(self.annotator)
        if dialog.exec() != ImportAnnotationsDialog.DialogCode.Accepted or dialog.plan is None:
            return 0
        return self.apply_import(dialog.plan, dialog.source.text())

    def apply_import(self, plan, origin: str) -> int:
        from neuroface_studio.app.annotation_io import apply_import
        n = apply_import(self.session, plan, origin)
        self._status(f"Imported {n} annotation(s); {len(plan.skipped)} file(s) skipped (one undo step)")
        return n

    def menu_actions(self) -> list[QAction]:
        return [self.export_action, self.import_action]

    def _status(self, text: str) -> None:
        window = self.window()
        if hasattr(window, "statusBar"):
            window.statusBar().showMessage(text, 8000)

