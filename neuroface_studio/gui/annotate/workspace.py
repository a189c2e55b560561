"""The Annotate workspace: correct 68-point landmarks on queued frames, one layer per annotator.

A thin GUI shell over app/annotation.py. Left: the queue of frames to annotate with progress
(gui/annotate/panels.py); centre: the :class:`LandmarkEditor` on the selected frame; right: the
layer selector, the inter-annotator agreement table (recomputed on a worker after edits:
gui/annotate/agreement.py) and the shortcut help.

Editing: the editor shows the annotator's own points when they exist, else the model proposal
(else, when the model finds no face, the annotator's previous frame, the other annotators'
consensus, or a generic face to drag into place). Each ``edited`` signal of the editor becomes
one ``AnnotationService.set_points`` command on the session's undo stack, journaled to disk
before it returns. The workspace hears every change of the project through the session's one
change notification (:meth:`AnnotateWorkspacePanel.project_changed`, connected by the main window
to ``changes.changed``) and re-reads the frame's layer, so Edit > Undo/Redo, an edit in another
view and landmark tracks written by a job update the editor without reselecting; the main window calls
:meth:`AnnotateWorkspacePanel.commit_pending` before undo, redo, save and close so that an
arrow-key burst still in progress becomes its own step first. Other annotators' layers and the
consensus are shown read-only (edit gestures and keys are swallowed; zoom and pan still work).
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QMessageBox, QPushButton, QSizePolicy, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from neuroface_studio.app import annotation as ann
from neuroface_studio.app.project_service import ProjectSession
from neuroface_studio.domain.annotations import QueueItem
from neuroface_studio.domain.frames import FRAME_NUMBERING, frame_text
from neuroface_studio.gui.annotate.actions import AnnotateActionsMixin
from neuroface_studio.gui.annotate.agreement import AgreementUpdater
from neuroface_studio.gui.annotate.dialogs import AnnotatorDialog, remember_annotator
from neuroface_studio.gui.annotate.layers import ReadOnlyFilter, layer_points
from neuroface_studio.gui.annotate.panels import MINE, AnnotationQueuePanel, LayerPanel, ShortcutHelpPanel
from neuroface_studio.gui.annotate.landmark_editor import LandmarkEditor
from neuroface_studio.gui.widgets.workers import JobWorker, start_quiet
from neuroface_studio.store.errors import StoreError

log = logging.getLogger(__name__)

#: the workspace's own shortcuts (the editor's come from LandmarkEditor.shortcuts())
WORKSPACE_SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("N / Page Down", "next frame in the queue"),
    ("Shift+N / Page Up", "previous frame in the queue"),
    ("U", "next queued frame you have not annotated yet"),
    ("Ctrl+Backspace", "reset this frame to the model proposal (removes your points on it; undoable)"),
    ("F", "frame the face (zoom to the landmarks)"),
    ("Ctrl+L", "switch the layer shown: yours (editable), consensus, other annotators (read-only)"),
    ("F2", "switch annotator"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo (every edit is one step; a drag is one step)"),
    ("Ctrl+S", "save the project (edits are on disk at once in the journal; saving writes the project file)"),
)

class AnnotateWorkspacePanel(AnnotateActionsMixin, QWidget):
    """Queue | editor | layers, agreement and help. See the module docstring."""

    def __init__(self, review=None, track_job=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review = review  # the Review workspace's viewer ("Add Review frame"), or None
        self._track_job = track_job or (lambda worker: worker)
        self.session: ProjectSession | None = None
        self.svc: ann.AnnotationService | None = None
        self.annotator: str | None = None
        self.current: QueueItem | None = None
        self.job = None
        self.annotator_dialog: AnnotatorDialog | None = None
        self._image: np.ndarray | None = None
        self._image_key = None
        self._proposals: dict = {}  # (recording, frame) -> Proposal | None (the model is slow, frames fixed)
        self._proposal = None  # the Proposal of the frame shown (passed with the first edit)
        self._warming = None  # the job opening the landmark model for frames without a track
        self._layer = (MINE, "")
        self._face_pending = False  # frame the face once the editor is shown
        self._mine: dict = {}  # this annotator's sets by frame, as last seen
        self._applying = False  # an edit of the editor is being applied (the editor shows it already)
        self._build()
        # the project's agreement, 300 ms after the last edit, on a worker (gui/annotate/agreement.py)
        self.agreement = AgreementUpdater(self, track_job)
        self.agreement.updated.connect(self.layer_panel.set_agreement)
        self._build_shortcuts()
        self._build_actions()
        self.set_session(None)

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.annotator_label = QLabel()
        self.annotator_label.setObjectName("annotatorLabel")
        self.annotator_label.setStyleSheet("QLabel#annotatorLabel { font-size: 11pt; }")
        self.switch_button = QPushButton("Switch annotator…")
        self.switch_button.setToolTip("Annotate as someone else (F2)")
        self.switch_button.clicked.connect(self.ask_annotator)
        header = QHBoxLayout()
        header.addWidget(self.annotator_label)
        header.addWidget(self.switch_button)
        header.addStretch(1)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(lambda: self.export_annotations())
        self.import_button = QPushButton("Import…")
        self.import_button.clicked.connect(lambda: self.import_annotations())
        header.addWidget(self.export_button)
        header.addWidget(self.import_button)

        self.queue_panel = AnnotationQueuePanel()
        self.queue_panel.item_selected.connect(self.show_item)
        self.queue_panel.choose_requested.connect(lambda: self.choose_frames())
        self.queue_panel.add_review_frame_requested.connect(self.add_review_frame)

        self.frame_label = QLabel()
        self.frame_label.setObjectName("annotateFrameLabel")
        self.frame_label.setStyleSheet("QLabel#annotateFrameLabel { font-size: 11pt; padding: 2px 4px; }")
        self.frame_label.setWordWrap(True)  # a long reason must not widen the window
        self.frame_label.setToolTip(FRAME_NUMBERING)
        self.message = QLabel()
        self.message.setObjectName("annotateMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("QLabel#annotateMessage { background: #fff4e0; color: #6b4100;"
                                   " border: 1px solid #f0b860; padding: 4px 8px; }")
        self.message.hide()
        self.editor = LandmarkEditor()
        self.editor.edited.connect(self._on_edited)
        # the editor's status line grows with its text: it must never widen the window
        self.editor.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._filter = ReadOnlyFilter(self, self.editable)
        self.editor.view.installEventFilter(self._filter)
        self.editor.view.viewport().installEventFilter(self._filter)
        self.prev_button = QPushButton("◀ Previous")
        self.prev_button.setToolTip("Previous frame in the queue (Shift+N, Page Up)")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QPushButton("Next ▶")
        self.next_button.setToolTip("Next frame in the queue (N, Page Down)")
        self.next_button.clicked.connect(lambda: self.step(1))
        self.reset_button = QPushButton("Reset to proposal")
        self.reset_button.setToolTip("Remove your points on this frame: back to the model proposal (Ctrl+Backspace)")
        self.reset_button.clicked.connect(self.reset_frame)
        for k, b in enumerate((self.reset_button, self.prev_button, self.next_button)):  # after the stretch
            header.insertWidget(3 + k, b)
        header.insertSpacing(6, 24)
        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("background: #101216; color: #d0d4da; font-size: 13pt; padding: 24px;")
        centre = QWidget()
        cl = QVBoxLayout(centre)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(3)
        cl.addWidget(self.frame_label)
        cl.addWidget(self.message)
        cl.addWidget(self.editor, 1)
        cl.addWidget(self.placeholder, 1)

        self.layer_panel = LayerPanel()
        self.layer_panel.layer_changed.connect(self._on_layer_changed)
        self.help_panel = ShortcutHelpPanel(list(WORKSPACE_SHORTCUTS) + self.editor.shortcuts())
        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(self.layer_panel, "Layers && agreement")
        self.side_tabs.addTab(self.help_panel, "Shortcuts")
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.side_tabs)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.queue_panel)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 760, 340])
        self.queue_panel.setMinimumWidth(260)
        side.setMinimumWidth(300)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(header)
        layout.addWidget(self.splitter, 1)
        self._sized = False

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API: the first time, give the editor the room
        super().showEvent(event)
        if not self._sized and self.splitter.width() > 0:
            self._sized = True
            total = self.splitter.width()
            self.splitter.setSizes([310, max(420, total - 310 - 300), 300])

    def _build_shortcuts(self) -> None:
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in ((("N", "PgDown"), lambda: self.step(1)), (("Shift+N", "PgUp"), lambda: self.step(-1)),
                           (("U",), self.next_undone), (("Ctrl+Backspace",), self.reset_frame),
                           (("F",), self.frame_face), (("Ctrl+L",), self.cycle_layer),
                           (("F2",), self.ask_annotator)):
            for k in keys:
                QShortcut(QKeySequence(k), self, slot, context=ctx)

    # -- session and annotator ----------------------------------------------------------------
    def set_session(self, session: ProjectSession | None) -> None:
        self.session = session
        self.current = None
        self._proposals.clear()
        self._image_key = None
        self._layer = (MINE, "")
        self.svc = ann.AnnotationService(session, self.annotator) if session and self.annotator else None
        self._mine = self._my_sets()
        self.agreement.set_session(session)
        for w in (self.export_action, self.import_action, self.export_button, self.import_button):
            w.setEnabled(session is not None)
        self.refresh()
        self.warm_model()

    def entered(self) -> None:
        """The workspace was shown: ask who is annotating the first time."""
        if self.session is not None and self.annotator is None:
            self.ask_annotator()
        self.open_first()
        if self._face_pending and self.current is not None:
            self._frame_face_soon()

    def open_first(self) -> None:
        """Open the first queued frame not annotated yet (else the first), unless one is open."""
        if self.session is not None and self.current is None and self.svc is not None:
            first = self.svc.next_item() or (self.svc.queue()[0] if self.svc.queue() else None)
            if first is not None:
                self.show_item(first)
        if self.editor.isVisible():
            self.editor.setFocus()

    def left(self) -> None:
        self.commit_pending()

    def ask_annotator(self) -> AnnotatorDialog | None:
        """Show the annotator dialog (window-modal, not blocking); accepting it switches annotator."""
        if self.session is None:
            return None
        self.commit_pending()
        if self.annotator_dialog is not None and self.annotator_dialog.isVisible():
            return self.annotator_dialog
        dialog = AnnotatorDialog(self.session.project.annotators(), self.annotator, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.set_annotator(dialog.annotator_id()))
        dialog.destroyed.connect(lambda: setattr(self, "annotator_dialog", None))
        self.annotator_dialog = dialog
        dialog.open()
        return dialog

    def set_annotator(self, annotator_id: str) -> None:
        """Annotate as ``annotator_id`` (checked; remembered in the app settings)."""
        ann.check_annotator_id(annotator_id)
        self.commit_pending()
        self.annotator = annotator_id
        remember_annotator(annotator_id)
        self.svc = ann.AnnotationService(self.session, annotator_id) if self.session else None
        self._mine = self._my_sets()
        self._layer = (MINE, "")
        self.warm_model()
        self.refresh()
        self.open_first()

    def editable(self) -> bool:
        return self.svc is not None and self.current is not None and self._layer[0] == MINE

    def commit_pending(self) -> None:
        """Emit the editor's keyboard burst in progress (before undo, redo, save, close)."""
        self.editor.commit_pending()

    # -- frames ---------------------------------------------------------------------------
    def show_item(self, item: QueueItem) -> bool:
        """Open ``item``'s frame in the editor (a burst in progress is committed first)."""
        if self.svc is None or item is None:
            return False
        self.commit_pending()
        if item.recording_id not in self.session.project.recordings:
            self._show_message(f"Recording {item.recording_id} is not in this project any more.")
            return False
        same_recording = self.current is not None and self.current.recording_id == item.recording_id
        self.current = item
        try:
            self._load_image()
        except (StoreError, OSError, ValueError) as exc:
            self._show_message(f"Cannot read frame {item.frame_index} of {item.recording_id}: {exc}")
            self.current = None
            self.refresh()
            return False
        self.editor.set_hover(None)
        self.refresh(new_frame=True, keep_view=same_recording)
        self.queue_panel.select(item)
        return True

    def step(self, delta: int) -> None:
        queue = self.svc.queue() if self.svc else []
        if not queue:
            return
        i = queue.index(self.current) if self.current in queue else (-1 if delta > 0 else 0)
        self.show_item(queue[(i + delta) % len(queue)])

    def next_undone(self) -> None:
        if self.svc is None:
            return
        self.commit_pending()
        nxt = self.svc.next_item(self.current)
        if nxt is None:
            self._show_message("You have annotated every queued frame.")
        else:
            self.show_item(nxt)

    def _load_image(self) -> None:
        key = self.current.key
        if key != self._image_key:
            with self.session.open_recording(key[0]) as reader:
                self._image = np.ascontiguousarray(reader.color(key[1]))
            self._image_key = key

    def warm_model(self) -> None:
        """Open the landmark model on a worker thread when a queued frame has neither a stored
        proposal nor a track (a frame added from Review): the first such frame would otherwise wait
        ~1 s for the model file on the GUI thread; once open, a frame costs 10-20 ms (dlib68)."""
        svc = self.svc
        if svc is None or self._warming is not None or not svc.needs_model():
            return
        worker = JobWorker(lambda progress, cancel: svc.warm_model(), self)
        self._warming = worker

        def ended(_result) -> None:
            worker.deleteLater()
            self._warming = None

        def failed(message: str) -> None:  # no model: the frame is annotated from scratch, as before
            log.warning("could not open the landmark model for proposals: %s", message)
            ended(None)

        start_quiet(worker, ended, failed, self._track_job)

    def _proposal_of(self, rid: str, frame: int):
        key = (rid, frame)
        if key not in self._proposals:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # without a track the model runs now
            try:
                self._proposals[key] = self.svc.proposal(rid, frame)
            except Exception as exc:  # noqa: BLE001 - no model available: annotate from scratch
                log.warning("no proposal for %s frame %s: %s", rid, frame, exc)
                self._proposals[key] = None
            finally:
                QApplication.restoreOverrideCursor()
        return self._proposals[key]

    def _layer_points(self):
        """(points, visible, text, proposal points, message) of the layer shown on the current frame."""
        self._proposal = self._proposal_of(*self.current.key)
        return layer_points(self.svc, self._layer, self.current.key, self._proposal, self._image.shape)

    def refresh(self, new_frame: bool = False, keep_view: bool = True) -> None:
        """Re-read everything shown from the project (after an edit, undo/redo, a new frame)."""
        has = self.session is not None
        self.annotator_label.setText(f"Annotator: <b>{self.annotator}</b>" if self.annotator
                                     else "Annotator: <i>not chosen</i>")
        self.switch_button.setEnabled(has)
        self.queue_panel.choose_button.setEnabled(self.svc is not None)
        self.queue_panel.add_button.setEnabled(self.svc is not None and self.review is not None)
        self._refresh_queue()
        self._refresh_layer_choice()
        if self.svc is None or self.current is None:
            self.editor.hide()
            self.placeholder.show()
            self.placeholder.setText("Open a project to annotate." if not has else
                                     "Choose your annotator ID to start (Switch annotator…)." if self.svc is None else
                                     "Select a frame in the queue, or choose frames to annotate.")
            self.frame_label.setText("")
            for b in (self.prev_button, self.next_button, self.reset_button):
                b.setEnabled(False)
            if self.session is None or self.svc is None:
                self.message.hide()
            self.agreement.schedule()
            return
        self.placeholder.hide()
        self.editor.show()
        pts, vis, text, proposal, msg = self._layer_points()
        if pts is None:
            pts, vis = np.zeros((68, 2)), np.zeros(68, bool)
        if new_frame:
            prev = self.svc.copy_from_previous(*self.current.key)
            self.editor.set_frame(self._image, pts, vis, proposal=proposal,
                                  previous=None if prev is None else prev.points_px,
                                  previous_visible=None if prev is None else prev.visible, keep_view=keep_view)
            if not keep_view:
                self._face_pending = True
            if self._face_pending and self.editor.isVisible():
                self._frame_face_soon()
        else:
            if not (np.array_equal(pts, self.editor.points_view()) and np.array_equal(vis, self.editor.visible())):
                self.editor.set_landmarks(pts, vis)
            if proposal is not None:
                self.editor.set_proposal(proposal)
        queue = self.svc.queue()
        pos = f" ({queue.index(self.current) + 1}/{len(queue)} in the queue)" if self.current in queue else ""
        reason = f" · {self.current.reason}" if self.current.reason else ""
        rec = self.session.project.recordings.get(self.current.recording_id)
        where = frame_text(self.current.frame_index, rec.n_frames) if rec is not None else \
            f"Frame {self.current.frame_index}"
        self.frame_label.setText(f"<b>{self.current.recording_id}</b> · {where}{pos}"
                                 f"{reason} · showing {text}")
        if not msg and not self.editable():
            msg = "Read-only layer: switch to your own layer (Ctrl+L or the layer list on the right) to edit."
        if msg:
            self._show_message(msg)
        elif new_frame or self.message.isVisible():
            self.message.hide()
        own = self.svc.annotation(*self.current.key)
        self.reset_button.setEnabled(own is not None and self.editable())
        self.prev_button.setEnabled(bool(queue))
        self.next_button.setEnabled(bool(queue))
        self.agreement.schedule()

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _refresh_queue(self) -> None:
        if self.session is None:
            self.queue_panel.set_queue([], {}, None, {}, None)
            return
        project = self.session.project
        done_by: dict = {}
        for s in project.landmark_sets.values():
            if s.source.kind == "annotator":
                done_by.setdefault((s.recording_id, s.frame_index), set()).add(s.source.annotator_id)
        rids = {q.recording_id for q in project.annotation_queue}
        participants = {r: project.participant_of(r).id for r in rids if r in project.recordings}
        self.queue_panel.set_queue(project.annotation_queue, done_by, self.annotator, participants, self.current)

    def _refresh_layer_choice(self) -> None:
        if self.session is None or self.current is None:
            self.layer_panel.set_layers(self.annotator, [], [], (MINE, ""))
            self.layer_panel.setEnabled(self.session is not None)
            return
        self.layer_panel.setEnabled(True)
        on_frame = sorted({s.source.annotator_id for s in self.session.project.landmark_sets_of(*self.current.key)
                           if s.source.kind == "annotator"})
        self.layer_panel.set_layers(self.annotator, on_frame, self.session.project.annotators(), self._layer)
        self._layer = self.layer_panel.layer()

    def refresh_agreement(self) -> None:
        """Recompute the agreement table now, in the background (``agreement.updated`` when shown)."""
        self.agreement.compute_now()

    def _frame_face_soon(self) -> None:
        """Frame the face once the layout has settled; again if the view's own fit (after a resize)
        came later and undid it."""
        self._face_pending = False
        QTimer.singleShot(60, self.frame_face)
        QTimer.singleShot(300, lambda: self.editor.view.fit_mode and self.frame_face())

    def frame_face(self) -> None:
        """Zoom so that the landmarks fill about 60% of the editor, centred."""
        pts = self.editor.points_view()
        if self.current is None or not np.isfinite(pts).all() or np.ptp(pts[:, 0]) <= 0:
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        vp = self.editor.view.viewport().rect()
        size = np.maximum(hi - lo, 20.0) * 1.6
        self.editor.zoom_to(min(vp.width() / size[0], vp.height() / size[1]))
        centre = vp.center()
        now = self.editor.view.screen_positions(((lo + hi) / 2.0)[None, :])[0]
        self.editor.pan_by(centre.x() - now[0], centre.y() - now[1])

    # -- layers ---------------------------------------------------------------------------
    def _on_layer_changed(self, kind: str, annotator: str) -> None:
        self.commit_pending()
        self._layer = (kind, annotator)
        if not self.editable():
            self.editor.set_selection([])
        self.refresh()

    def show_layer(self, kind: str, annotator: str = "") -> None:
        self.layer_panel.select_layer(kind, annotator)

    def cycle_layer(self) -> None:
        combo = self.layer_panel.combo
        if combo.count():
            combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())

    # -- edits ----------------------------------------------------------------------------
    def _on_edited(self, old_points, old_visible, new_points, new_visible, description: str) -> None:
        if not self.editable():  # a read-only layer: nothing may change (the filter should prevent this)
            self.editor.set_landmarks(old_points, old_visible)
            return
        rid, frame = self.current.key
        self._applying = True
        try:
            self.svc.set_points(rid, frame, new_points, new_visible, label=description, proposal=self._proposal)
        except (StoreError, ValueError) as exc:  # the journal cannot be written: the edit did not happen
            self.editor.set_landmarks(old_points, old_visible)
            QMessageBox.critical(self, "Edit not saved", f"The edit could not be recorded: {exc}")
        finally:
            self._applying = False
        self.refresh()

    def _my_sets(self) -> dict:
        """(recording, frame) -> this annotator's LandmarkSet (to see which frame an undo changed)."""
        if self.session is None or self.annotator is None:
            return {}
        return {(s.recording_id, s.frame_index): s for s in self.session.project.landmark_sets.values()
                if s.source.kind == "annotator" and s.source.annotator_id == self.annotator}

    def project_changed(self, change) -> None:
        """One change of the open project (a :class:`~neuroface_studio.app.project_service.Change`
        from the session's notification): an edit, undo or redo here or in another view, landmark
        tracks written by a job. Re-reads what is shown; an undo/redo of this annotator's edit on
        another frame opens that frame."""
        session = self.session
        if session is None:
            return
        if change.kind == "landmarks":  # new tracks: the model proposals come from them now
            if self.svc is not None:
                self.svc.forget_tracks(change.recording_ids)
            for key in [k for k in self._proposals if change.touches(k[0])]:
                del self._proposals[key]
        before, self._mine = self._mine, self._my_sets()
        if self._applying:
            return
        changed = {k for k in before.keys() | self._mine.keys() if before.get(k) is not self._mine.get(k)}
        if len(changed) == 1 and self.isVisible() and self.svc is not None:
            key = changed.pop()  # an undo/redo of an edit on another frame: show that frame
            if (self.current is None or key != self.current.key) and key[0] in session.project.recordings:
                item = next((q for q in self.svc.queue() if q.key == key), QueueItem(*key, "not in the queue"))
                self._status(f"Undo/redo changed frame {key[1]} of {key[0]}: it is shown")
                self.show_item(item)
                return
        if self.current is not None and self.current.recording_id not in session.project.recordings:
            self.current = None
        self.refresh()

    def reset_frame(self) -> None:
        """Remove this annotator's points on the frame (undoable): back to the model proposal."""
        if not self.editable():
            return
        self.commit_pending()
        ann.clear_annotation(self.svc, *self.current.key)
